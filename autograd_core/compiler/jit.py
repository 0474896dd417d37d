"""``jit``: compile a loss once per structure of its arguments, reuse it, and never reuse it wrongly.

``f = jit(fn, params=...)`` is ``fn(*args).backward()`` made fast: ``f(*args)`` returns the loss
and adds its gradients into ``.grad``, as the eager engine would, bit for bit. The first call
with a new *structure* traces ``fn`` (:mod:`.trace`: one eager run on stand-in Values) and
compiles it (:mod:`.emit`, :mod:`.runtime`); later calls with the same structure run the
compiled code, with the arguments' new numbers and the parameters' current values.

The structure, the cache's key, is what the compiled code depends on: the nesting and lengths of
the arguments' lists and tuples and which leaves are numbers and which ``Value`` s, the values of
the static arguments (``static_argnums``/``static_argnames``, as in ``jax.jit``), the op table's
version (:func:`~autograd_core.define_op` and ``remove_op`` change it) and the parameters
(which ``Value`` s, in which order). Numbers are inputs of the compiled code; ``Value``
arguments and the parameters are read (``.data``) and written (``.grad``) at every call, by
position, so one compiled body serves every call of its structure.

A traced function may also read numbers (``if x.data > 0``, ``max`` over Values, ``float(x)``,
``detach()``): compiled code that followed one such read could be wrong for other numbers. Each
such read is a *guard* (``on_read="guard"``, the default) that the compiled code checks before it
adds any gradient; when a guard fails, ``fn`` is traced again for the new path, and a structure
keeps up to ``max_variants`` such variants. With ``on_read="error"`` the trace refuses such a
read with :class:`~autograd_core.compiler.trace.TracedReadError`, naming the line.

>>> from autograd_core import Value, jit
>>> w = Value(0.5, label="w")
>>> f = jit(lambda xs, t: (sum(w * x for x in xs) - t) ** 2, params=[w])
>>> f([1.0, 2.0], 1.0), w.grad            # traced and compiled for two xs
(0.25, 3.0)
>>> f([3.0, 4.0], 2.0), f([1.0], 0.0)     # reused; then traced again for one x
(2.25, 0.25)
>>> f.cache_info()
JitCacheInfo(hits=1, misses=2, retraces=0, maxsize=32, currsize=2, memory=...)
"""

from __future__ import annotations

import functools
import inspect
import linecache
import math
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from ..engine.backward import GRAD_LOCK
from ..engine.define import op_table_version
from ..engine.functional import gradients
from ..engine.modes import ALL_THREADS, THIS_THREAD, enable_grad
from ..engine.value import Value, as_value
from .arguments import Call, describe, rebuild
from .compiled import collector_paused, param_pairs
from .emit import Program
from .runtime import GUARD_FAILED, define, namespace
from .trace import Guard, TracedReadError, record

__all__ = ["jit", "JitFunction", "JitCacheInfo", "JitCheck", "JitMismatchError", "JitWarning"]


class JitWarning(UserWarning):
    """A jit function keeps tracing one structure again (its guards keep failing): the compiled
    code is not reused there, and ``fn`` runs eagerly for that structure from then on.

    >>> import warnings
    >>> from autograd_core import Value, jit
    >>> f = jit(lambda x: x * x.data, max_variants=2)       # a new number read at every call
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     [f(float(x)) for x in range(4)]
    [0.0, 1.0, 4.0, 9.0]
    >>> caught[0].category.__name__, f.cache_info().eager_calls
    ('JitWarning', 2)
    """


class JitCacheInfo(NamedTuple):
    """What a :class:`JitFunction`'s cache holds and how it served, as ``functools.lru_cache``'s
    ``cache_info()``: ``hits`` (calls served by compiled code), ``misses`` (traces of a new
    structure), ``retraces`` (traces of a known structure whose guards failed), ``maxsize``
    (structures kept), ``currsize`` (structures held), ``memory`` (bytes held by the compiled
    code: its bytecode, constants and names, and its source, estimated with ``sys.getsizeof``),
    ``compile_seconds`` (CPU time spent tracing and compiling) and ``eager_calls`` (calls run by
    the eager engine: ``detect_anomaly()``, errors, structures past ``max_variants``).

    >>> from autograd_core import Value, jit
    >>> w = Value(2.0)
    >>> f = jit(lambda x: w * x, params=[w])
    >>> _ = f(1.0), f(2.0)
    >>> info = f.cache_info()
    >>> info.hits, info.misses, info.currsize, info.memory > 0
    (1, 1, 1, True)
    """

    hits: int
    misses: int
    retraces: int
    maxsize: int
    currsize: int
    memory: int
    compile_seconds: float
    eager_calls: int


class JitMismatchError(AssertionError):
    """:meth:`JitFunction.check` found the compiled code and the eager engine disagreeing.

    >>> from autograd_core import jit
    >>> scale = [2.0]
    >>> f = jit(lambda x: x * scale[0])    # a Python number read from elsewhere: a constant
    >>> f(1.0)
    2.0
    >>> scale[0] = 3.0
    >>> f.check(1.0)
    Traceback (most recent call last):
    ...
    autograd_core.compiler.jit.JitMismatchError: the compiled code differs from the eager engine in 1 place(s): loss 2.0 compiled, 3.0 eager
    """


class JitCheck(NamedTuple):
    """What :meth:`JitFunction.check` compared: the loss by the compiled code and by the eager
    engine, how many gradients, and the largest difference between a compiled gradient and the
    eager one (0.0 when every pair is equal: the same float, or both NaN).

    >>> from autograd_core import Value, jit
    >>> w = Value(0.5)
    >>> jit(lambda x: (w * x).tanh(), params=[w]).check(2.0)
    JitCheck(loss=0.7615941559557649, eager_loss=0.7615941559557649, n_gradients=1, worst_difference=0.0)
    """

    loss: float
    eager_loss: float
    n_gradients: int
    worst_difference: float


# --- the cache's entries ------------------------------------------------------------------------

@dataclass
class _Entry:
    """One compiled variant of a structure: its parameters, its functions, its guards."""

    params: tuple[Value, ...]
    guards: list[Guard]
    source: str = ""
    step: Any = None  # compiled(params, *inputs)
    many: Any = None  # compiled_many(params, rows)
    mean: Any = None  # compiled_mean(params, rows, seed)
    mean_slots: list[int] = field(default_factory=list)  # slots that compiled_mean adds into
    memory: int = -1  # bytes, measured on first request
    sources: list[str] = field(default_factory=list)

    def functions(self) -> list[Any]:
        return [f for f in (self.step, self.many, self.mean) if f is not None]


class _EagerInstead(Exception):
    """Raised by the fallbacks bound into batch code: the batch must run eagerly from the start."""


def _code_bytes(code: Any) -> int:
    """Bytes a code object holds: itself, its constants (nested code too), names and tables."""
    total = sys.getsizeof(code) + sys.getsizeof(code.co_linetable) + sys.getsizeof(code.co_exceptiontable)
    for names in (code.co_names, code.co_varnames, code.co_cellvars, code.co_freevars):
        total += sys.getsizeof(names) + sum(sys.getsizeof(name) for name in names)
    total += sys.getsizeof(code.co_consts)
    for const in code.co_consts:
        total += _code_bytes(const) if hasattr(const, "co_code") else sys.getsizeof(const)
    return total


def _same_float(a: float, b: float, rtol: float) -> bool:
    """Equal as :meth:`JitFunction.check` means it: the same float (0.0 and -0.0 alike), both
    NaN (any payload), or within ``rtol`` of each other relatively."""
    if a == b or (a != a and b != b):
        return True
    return rtol > 0.0 and math.isfinite(a) and math.isfinite(b) and abs(a - b) <= rtol * max(abs(a), abs(b))


class JitFunction:
    """A loss function compiled per structure of its arguments: made by :func:`jit`.

    >>> from autograd_core import Value, jit
    >>> w = Value(3.0)
    >>> f = jit(lambda x: w * x, params=[w])
    >>> f, f(2.0), w.grad
    (JitFunction(<lambda>, 1 structure cached), 6.0, 2.0)


    ``f(*args, **kwargs)`` returns the loss and adds the gradients into the parameters' and the
    ``Value`` arguments' ``.grad``, as ``fn(*args, **kwargs).backward()`` would. ``f.many(rows)``
    and ``f.mean(rows)`` run many argument rows in one generated loop; ``f.check(*args)`` compares
    the compiled code with the eager engine; ``f.guards(*args)`` and ``f.source(*args)`` show
    what the compiled code for those arguments checks and runs; ``f.cache_info()`` and
    ``f.cache_clear()`` manage the cache. See :func:`jit`.
    """

    def __init__(self, fn: Callable[..., Any], params: Any, static_argnums: Sequence[int],
                 static_argnames: Sequence[str], on_read: str, cache_size: int, max_variants: int) -> None:
        self.fn = fn
        self._params_source = params
        self._static_argnums = frozenset(static_argnums)
        self._static_argnames = frozenset(static_argnames)
        self._on_read = on_read
        self._cache: OrderedDict[tuple[Any, ...], list[_Entry]] = OrderedDict()
        self._cache_size = cache_size
        self._max_variants = max_variants
        self._lock = threading.RLock()  # the cache and the counters; never held while fn runs
        self._hits = self._misses = self._retraces = self._eager_calls = 0
        self._compile_seconds = 0.0
        self._gave_up: set[tuple[Any, ...]] = set()  # structures past max_variants: run eagerly
        self._argument_names = self._positional_names(fn)
        functools.update_wrapper(self, fn)

    @staticmethod
    def _positional_names(fn: Callable[..., Any]) -> list[str]:
        try:
            parameters = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            return []
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return [p.name for p in parameters if p.kind in kinds]

    def _name_of(self, position: int) -> str:
        names = self._argument_names
        return names[position] if position < len(names) else f"arg{position}"

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        return f"JitFunction({name}, {len(self._cache)} structure{'s' * (len(self._cache) != 1)} cached)"

    # --- a call's arguments -------------------------------------------------------------------
    def _prepare(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Call:
        return describe(args, kwargs, self._static_argnums, self._static_argnames, self._name_of,
                        op_table_version())

    def _current_params(self) -> tuple[Value, ...]:
        """The parameters now: ``params`` (called when it is a function), as a tuple of Values."""
        source = self._params_source
        if source is None:
            return ()
        got = source() if callable(source) else source
        if isinstance(got, Mapping):
            return tuple(got.values())
        found = tuple(got)
        if found and isinstance(found[0], tuple):
            return tuple(pair[1] if isinstance(pair, tuple) and len(pair) == 2 else pair for pair in found)
        return found

    def _named_params(self) -> list[tuple[str, Value]]:
        source = self._params_source
        if source is None:
            return []
        return param_pairs(source() if callable(source) else source)

    def _rebuild(self, call: Call, floats: Sequence[float], values: Sequence[Value],
                 number: Callable[[float, str], Any], value: Callable[[Value, str], Any]) -> tuple[list[Any], dict[str, Any]]:
        """The call's arguments with each number made by ``number`` and each Value by ``value``."""
        return rebuild(call, floats, values, number, value, self._name_of)

    # --- calls ---------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> float:
        """The loss ``fn(*args, **kwargs)``, its gradients added into ``.grad``."""
        if not ALL_THREADS.record_unchecked and THIS_THREAD.observer is not None:
            raise TypeError("a jit function was called while jit traces another function: call the inner "
                            "function itself there (its graph is then part of the outer one)")
        call = self._prepare(args, kwargs)
        params = self._current_params()
        leaves = params + tuple(call.values) if call.values else params
        result = self._run(call, params, leaves, call.floats)
        return result

    def _run(self, call: Call, params: tuple[Value, ...], leaves: Sequence[Value], floats: list[float]) -> float:
        """Run the first variant of the call's structure whose guards hold; trace a new one if none does."""
        key = call.key
        variants = self._cache.get(key)
        guard_failed = False
        if variants:
            for entry in variants:
                if entry.step is None or (entry.params is not params and entry.params != params):
                    continue
                result = entry.step(leaves, *floats)
                if result is not GUARD_FAILED:
                    self._count_hit(key, entry)
                    return cast(float, result)
                guard_failed = True
        fresh = self._new_variant(call, params, guard_failed, "step")
        if fresh is None:
            return self._eager(call, leaves[len(params):], floats)
        result = fresh.step(leaves, *floats)
        if result is GUARD_FAILED:  # fn read different numbers on the same inputs: not a function of them
            return self._eager(call, leaves[len(params):], floats)
        return cast(float, result)

    def _count_hit(self, key: tuple[Any, ...], entry: _Entry, calls: int = 1) -> None:
        with self._lock:
            self._hits += calls
            variants = self._cache.get(key)
            if variants is not None:
                self._cache.move_to_end(key)
                if variants[0] is not entry and entry in variants:
                    variants.remove(entry)
                    variants.insert(0, entry)

    def _eager(self, call: Call, values: Sequence[Value], floats: Sequence[float]) -> float:
        """``fn`` run by the eager engine on the call's arguments, then ``backward()``: the errors
        and checks of the engine (``detect_anomaly()``)."""
        with self._lock:
            self._eager_calls += 1
        args, kwargs = self._rebuild(call, floats, values, _leaf, _itself)
        with enable_grad():  # as the compiled code, whatever no_grad() the caller is in
            root = as_value(self.fn(*args, **kwargs))
        root.backward()
        return root.data

    # --- tracing ---------------------------------------------------------------------------------
    def _new_variant(self, call: Call, params: tuple[Value, ...], guard_failed: bool, kind: str) -> _Entry | None:
        """Trace ``fn`` on the call's arguments and cache the compiled variant, with the function ``kind`` (``step``, ``many`` or ``mean``)
        written out; None when the structure is past ``max_variants`` (then it runs eagerly)."""
        key = call.key
        with self._lock:
            if key in self._gave_up:
                return None
            variants = self._cache.get(key, [])
            if guard_failed and len(variants) >= self._max_variants:
                self._gave_up.add(key)
                warnings.warn(JitWarning(
                    f"jit traced {getattr(self.fn, '__name__', 'fn')} {len(variants)} times for one structure of "
                    f"its arguments, as the numbers it reads keep changing ({_guard_lines(variants)}): it runs "
                    f"eagerly for that structure from now on. Make the function independent of those numbers, "
                    f"or raise max_variants"), stacklevel=4)
                return None
        started = time.process_time()
        entry = self._trace(call, params, call.floats, kind)
        with self._lock:
            self._compile_seconds += time.process_time() - started
            if guard_failed:
                self._retraces += 1
            else:
                self._misses += 1
            variants = self._cache.setdefault(key, [])
            self._cache.move_to_end(key)
            variants.insert(0, entry)
            del variants[self._max_variants:]
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return entry

    def _trace(self, call: Call, params: tuple[Value, ...], floats: list[float], kind: str) -> _Entry:
        pairs = self._named_params()
        if tuple(p for _, p in pairs) != params:
            raise RuntimeError("the parameters changed while jit traced the function")
        inputs: list[Value] = []
        proxies: list[Value] = []
        input_names: list[str] = []
        proxy_names: list[str] = []

        def number(x: float, name: str) -> Value:
            node = Value(x, name)
            inputs.append(node)
            input_names.append(name)
            return node

        def value(v: Value, name: str) -> Value:
            node = Value(v.data, name)  # a stand-in of its own for each position the Value holds
            proxies.append(node)
            proxy_names.append(name)
            return node

        args, kwargs = self._rebuild(call, floats, call.values, number, value)
        slots = [*params, *proxies]
        names = {node.number: name for node, name in zip([*inputs, *proxies], [*input_names, *proxy_names],
                                                         strict=True)}
        reads = "refuse" if self._on_read == "error" else "guard"
        try:
            graph = record(self.fn, args, slots, inputs=inputs, kwargs=kwargs, reads=reads, names=names)
        except TracedReadError:
            raise
        except TypeError as error:
            hint = ("(jit traced the function with each number argument as a Value: an argument used as a "
                    "Python number, as an index or a range, must be named in static_argnums)")
            if sys.version_info >= (3, 11):
                error.add_note(hint)
                raise
            raise TypeError(f"{error} {hint}") from error
        captured = graph.captured()
        if captured:
            shown = ", ".join(repr(node) for node in captured[:3]) + (" ..." if len(captured) > 3 else "")
            raise ValueError(f"the traced function uses {len(captured)} Value(s) that are neither arguments nor "
                             f"parameters ({shown}): jit cannot tell whether they change, so pass them in params= "
                             f"(their gradients are then added too) or as arguments, or make them inside the function")
        with collector_paused():
            program = Program(graph, input_names, [name for name, _ in pairs] + proxy_names, check_inputs=False)
            entry = _Entry(params, list(graph.guards))
            self._write(entry, program, kind, call)
        return entry

    def _write(self, entry: _Entry, program: Program, kind: str, call: Call | None = None) -> None:
        """Write out and define the function ``kind`` of ``entry`` from ``program``."""
        n_params = len(entry.params)
        template = call

        def eager(leaves: Sequence[Value], *floats: float) -> float:
            if getattr(_CHECKING, "on", False) or template is None:
                raise _EagerInstead
            return self._eager(template, list(leaves)[n_params:], floats)

        bound = {"_eager": eager, "_eager_many": _raise_eager, "_eager_mean": _raise_eager}
        ops = program.ops or None
        if kind == "step":
            source = program.step_source()
            entry.step = define(source, "compiled", namespace(bound, ops))
        elif kind == "many":
            source = program.loop_source(mean=False)
            entry.many = define(source, "compiled_many", namespace(bound, ops))
        else:
            source = program.loop_source(mean=True)
            entry.mean = define(source, "compiled_mean", namespace(bound, ops))
            entry.mean_slots = [slot for slot, _ in program.backward("seed", running=True).accumulated]
        entry.sources.append(source)
        entry.source = entry.source or source

    # --- many rows ----------------------------------------------------------------------------------
    def _rows(self, rows: Iterable[Sequence[Any]], what: str) -> list[Call]:
        calls = []
        for index, row in enumerate(rows):
            if not isinstance(row, (list, tuple)):
                raise TypeError(f"{what} takes rows of positional arguments (tuples or lists), got "
                                f"{type(row).__name__} at row {index}")
            call = self._prepare(tuple(row), {})
            if call.values:
                raise TypeError(f"{what} takes rows of numbers (and static arguments); row {index} holds Values: "
                                f"call the function once per row for Value arguments")
            calls.append(call)
        return calls

    @staticmethod
    def _stretches(calls: list[Call]) -> list[tuple[int, int]]:
        """(start, end) of each run of consecutive rows of one structure."""
        found, start = [], 0
        while start < len(calls):
            end = start + 1
            while end < len(calls) and calls[end].key == calls[start].key:
                end += 1
            found.append((start, end))
            start = end
        return found

    def many(self, rows: Iterable[Sequence[Any]]) -> list[float]:
        """``[f(*row) for row in rows]``, each stretch of rows of one structure in one generated loop:
        the same losses and the same ``.grad`` to the last bit, the engine's gradient lock held
        throughout (other threads' additions come before or after, never inside). The rows
        hold numbers (and static arguments), no Values.

        >>> from autograd_core import Value, jit
        >>> w = Value(2.0)
        >>> f = jit(lambda x: (w * x) ** 2, params=[w])
        >>> f.many([(1.0,), (2.0,)]), w.grad       # 2·w·x² summed: 4 + 16
        ([4.0, 16.0], 20.0)
        """
        calls = self._rows(rows, "many")
        params = self._current_params()
        losses: list[float] = []
        with GRAD_LOCK:
            for start, end in self._stretches(calls):
                while start < end:
                    start = self._many_stretch(calls, start, end, params, losses)
        return losses

    def _many_stretch(self, calls: list[Call], start: int, end: int, params: tuple[Value, ...],
                      losses: list[float]) -> int:
        """Run rows ``start:end`` (one structure) until a guard fails; returns the next row to run."""
        entry = self._loop_variant(calls[start], params, "many")
        if entry is None:  # past max_variants: the rows run one by one
            losses += [self._run(call, params, params, call.floats) for call in calls[start:end]]
            return end
        try:
            got, stopped = entry.many(params, [call.floats for call in calls[start:end]])
        except _EagerInstead:  # an error, or detect_anomaly(): a call per row, as a loop of calls
            losses += [self._run(call, params, params, call.floats) for call in calls[start:end]]
            return end
        self._count_hit(calls[start].key, entry, len(got))
        losses += got
        if stopped < 0:
            return end
        failing = calls[start + stopped]  # its guards failed: it runs alone, as a call
        losses.append(self._run(failing, params, params, failing.floats))
        return start + int(stopped) + 1

    def _loop_variant(self, call: Call, params: tuple[Value, ...], kind: str) -> _Entry | None:
        """The first variant of the call's structure that has the loop function ``kind`` (traced
        for ``call`` when none has); None past ``max_variants``."""
        for entry in self._cache.get(call.key, []):
            if getattr(entry, kind) is not None and (entry.params is params or entry.params == params):
                return entry
        return self._new_variant(call, params, False, kind)

    def mean(self, rows: Iterable[Sequence[Any]]) -> float:
        """The mean of ``fn`` over ``rows``, and its gradient added into ``.grad``: exactly what the
        eager engine gives for ``mean = (l0 + l1 + ... + l_{n-1}) * (1.0 / n)`` with ``l_i =
        fn(*rows[i])``, then ``mean.backward()`` (every row's backward seeded with ``1.0 / n``,
        each gradient summed over the rows as that one pass sums it: newest row first).
        ``nn.fit(compile=True)`` trains through it. The rows hold numbers (and static arguments),
        no Values.

        >>> from autograd_core import Value, jit
        >>> w = Value(2.0)
        >>> f = jit(lambda x: (w * x) ** 2, params=[w])
        >>> f.mean([(1.0,), (2.0,)]), w.grad       # (4 + 16) / 2, and (4 + 16) / 2 again
        (10.0, 10.0)
        """
        calls = self._rows(rows, "mean")
        if not calls:
            raise ValueError("mean needs at least one row")
        params = self._current_params()
        # The sums are made on stand-ins, from 0.0, and added into .grad once the whole batch is
        # done, as backward() adds its pass: an error anywhere leaves .grad untouched.
        carriers = [Value(param.data) for param in params]
        seed = 1.0 * (1.0 / len(calls))
        newest_first = calls[::-1]
        losses: list[float] = []
        reached: set[int] = set()
        try:
            for start, end in self._stretches(newest_first):
                while start < end:
                    start = self._mean_stretch(newest_first, start, end, params, carriers, seed, losses, reached)
        except _EagerInstead:
            return self._eager_mean(calls)
        total = losses[-1]
        for loss in losses[-2::-1]:  # l0 + l1 + ..., as the eager graph adds them
            total = total + loss
        with GRAD_LOCK:
            for slot in sorted(reached):
                params[slot].grad += carriers[slot].grad
        return total * (1.0 / len(calls))

    def _mean_stretch(self, calls: list[Call], start: int, end: int, params: tuple[Value, ...],
                      carriers: list[Value], seed: float, losses: list[float], reached: set[int]) -> int:
        """Rows ``start:end`` (one structure) into the sums until a guard fails; the row that
        failed then runs through a variant that fits it. Returns the next row to run."""
        entry = self._loop_variant(calls[start], params, "mean")
        if entry is None:
            raise _EagerInstead
        got, stopped = entry.mean(carriers, [call.floats for call in calls[start:end]], seed)
        self._count_hit(calls[start].key, entry, len(got))
        reached.update(entry.mean_slots)
        losses += got
        if stopped < 0:
            return end
        failing = calls[start + stopped]
        for other in self._cache.get(failing.key, []):
            if other is entry or other.mean is None or not (other.params is params or other.params == params):
                continue
            got, stopped_again = other.mean(carriers, [failing.floats], seed)
            if stopped_again < 0:
                self._count_hit(failing.key, other, 1)
                reached.update(other.mean_slots)
                losses += got
                return start + int(stopped) + 1
        fresh = self._new_variant(failing, params, True, "mean")
        if fresh is None:
            raise _EagerInstead
        got, stopped_again = fresh.mean(carriers, [failing.floats], seed)
        if stopped_again >= 0:  # fn read different numbers on the same inputs
            raise _EagerInstead
        reached.update(fresh.mean_slots)
        losses += got
        return start + int(stopped) + 1

    def _eager_mean(self, calls: list[Call]) -> float:
        """The batch mean by the eager engine: one graph over every row, then backward()."""
        with self._lock:
            self._eager_calls += 1
        total: Value | None = None
        with enable_grad():
            for call in calls:
                args, kwargs = self._rebuild(call, call.floats, call.values, _leaf, _itself)
                loss = as_value(self.fn(*args, **kwargs))
                total = loss if total is None else total + loss
            assert total is not None
            mean = total * (1.0 / len(calls))
        mean.backward()
        return mean.data

    # --- looking at the cache --------------------------------------------------------------------------
    def _select(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[_Entry, float, Call, list[Value],
                                                                                  dict[int, Value]]:
        """The variant that serves these arguments and its loss, run on stand-ins for the parameters
        and Value arguments (the same stand-in for the same Value), so nothing real is touched."""
        call = self._prepare(args, kwargs)
        params = self._current_params()
        leaves = [*params, *call.values]
        shadows: dict[int, Value] = {}
        stand_ins = [shadows.setdefault(id(leaf), Value(leaf.data)) for leaf in leaves]
        _CHECKING.on = True
        try:
            failed = False
            for entry in self._cache.get(call.key, []):
                if entry.step is None or not (entry.params is params or entry.params == params):
                    continue
                result = entry.step(stand_ins, *call.floats)
                if result is not GUARD_FAILED:
                    return entry, result, call, leaves, shadows
                failed = True
            fresh = self._new_variant(call, params, failed, "step")
            if fresh is None:
                raise RuntimeError("this structure runs eagerly (its guards failed max_variants times)")
            result = fresh.step(stand_ins, *call.floats)
            if result is GUARD_FAILED:
                raise RuntimeError("the function read different numbers on the same inputs")
            return fresh, result, call, leaves, shadows
        except _EagerInstead:
            raise RuntimeError("the compiled code fell back to the eager engine here (an error in the "
                               "generated code, or detect_anomaly()): call the function eagerly") from None
        finally:
            _CHECKING.on = False

    def guards(self, *args: Any, **kwargs: Any) -> list[Guard]:
        """The guards of the compiled code that serves these arguments (traced for them if needed;
        no ``.grad`` is touched): each read of a number the function made while traced.

        >>> from autograd_core import Value, jit
        >>> w = Value(1.0)
        >>> f = jit(lambda x: (w * x).relu() if x > 0.0 else w * 0.0, params=[w])
        >>> f.guards(2.0), f.guards(-2.0)
        ([Guard(x > 0.0 is True, at ...)], [Guard(x > 0.0 is False, at ...)])
        """
        return list(self._select(args, kwargs)[0].guards)

    def source(self, *args: Any, **kwargs: Any) -> str:
        """The generated code that serves these arguments (traced for them if needed; no ``.grad``
        is touched).

        >>> from autograd_core import Value, jit
        >>> w = Value(1.0, label="w")
        >>> print(jit(lambda x: w * x, params=[w]).source(3.0).splitlines()[0])
        def compiled(params, x):
        """
        return self._select(args, kwargs)[0].source

    def check(self, *args: Any, rtol: float = 0.0, **kwargs: Any) -> JitCheck:
        """Compare the compiled code for these arguments with the eager engine, touching no ``.grad``:
        the loss, and the gradient of every parameter and ``Value`` argument. Equal means the same
        float (0.0 and -0.0 alike), or both NaN whatever their payload, or, with ``rtol``, within
        that relative difference. Raises :class:`JitMismatchError` (an ``AssertionError``) naming
        the differences; returns a :class:`JitCheck` otherwise.

        The compiled code adds each gradient in the order the eager pass adds it, so on a graph
        where each ``Value`` argument is used at one place, every gradient is the eager float. A
        ``Value`` passed at several argument positions has a stand-in per position, whose
        gradients are added in turn: the same sum, maybe rounded differently (``rtol=1e-12``).

        >>> from autograd_core import Value, jit
        >>> w = Value(0.5)
        >>> f = jit(lambda x: (w * x).sin() ** 2.0, params=[w])
        >>> f.check(3.0).worst_difference, w.grad
        (0.0, 0.0)
        """
        if isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not rtol >= 0.0:
            raise ValueError(f"rtol must be a number >= 0, got {rtol!r}")
        entry, loss, call, leaves, shadows = self._select(args, kwargs)
        unique = list({id(leaf): leaf for leaf in leaves}.values())
        with enable_grad():
            rebuilt, named = self._rebuild(call, call.floats, call.values, _leaf, _itself)
            root = as_value(self.fn(*rebuilt, **named))
            expected = gradients(root, unique)
        worst, wrong = 0.0, []
        if not _same_float(loss, root.data, rtol):
            wrong.append(f"loss {loss!r} compiled, {root.data!r} eager")
            worst = math.inf
        names = [*(name for name, _ in self._named_params()), *(f"argument Value {i}" for i in range(len(call.values)))]
        name_of = {id(leaf): name for leaf, name in zip(leaves, names, strict=False)}
        for leaf, eager in zip(unique, expected, strict=True):
            compiled = shadows[id(leaf)].grad
            if not _same_float(compiled, eager, rtol):
                difference = abs(compiled - eager) if math.isfinite(compiled - eager) else math.inf
                worst = max(worst, difference)
                wrong.append(f"d/d {name_of.get(id(leaf)) or leaf.label or 'a Value'}: {compiled!r} compiled, "
                             f"{eager!r} eager")
            elif compiled != eager:
                worst = max(worst, abs(compiled - eager))
        if wrong:
            raise JitMismatchError(f"the compiled code differs from the eager engine in {len(wrong)} place(s): "
                                   + "; ".join(wrong[:5]) + (" ..." if len(wrong) > 5 else ""))
        return JitCheck(loss, root.data, len(unique), worst)

    def cache_info(self) -> JitCacheInfo:
        """The cache's counters and size (see :class:`JitCacheInfo`).

        >>> from autograd_core import jit
        >>> f = jit(lambda x: x * 2.0)
        >>> _ = f(1.0), f(3.0), f([1.0][0])
        >>> f.cache_info()[:5]       # hits, misses, retraces, maxsize, currsize
        (2, 1, 0, 32, 1)
        """
        with self._lock:
            entries = [entry for variants in self._cache.values() for entry in variants]
            for entry in entries:
                if entry.memory < 0:
                    entry.memory = _entry_bytes(entry)
            return JitCacheInfo(self._hits, self._misses, self._retraces, self._cache_size, len(self._cache),
                                sum(entry.memory for entry in entries), self._compile_seconds, self._eager_calls)

    def cache_clear(self) -> None:
        """Forget every compiled variant and reset the counters (as ``functools.lru_cache``).

        >>> from autograd_core import jit
        >>> f = jit(lambda x: x * 2.0)
        >>> f(1.0), f.cache_info().currsize
        (2.0, 1)
        >>> f.cache_clear()
        >>> f.cache_info().currsize, f.cache_info().misses
        (0, 0)
        """
        with self._lock:
            self._cache.clear()
            self._gave_up.clear()
            self._hits = self._misses = self._retraces = self._eager_calls = 0
            self._compile_seconds = 0.0


_CHECKING = threading.local()  # .on while check()/guards()/source() run compiled code on stand-ins


def _raise_eager(*_: Any) -> Any:
    raise _EagerInstead


def _leaf(x: float, name: str) -> Value:
    return Value(x, name)


def _itself(v: Value, name: str) -> Value:
    return v


def _guard_lines(variants: list[_Entry]) -> str:
    seen = {guard.location for entry in variants for guard in entry.guards}
    return ", ".join(sorted(seen)[:3]) or "no guard: the parameters changed"


def _entry_bytes(entry: _Entry) -> int:
    total = sum(sys.getsizeof(source) for source in entry.sources)
    for function in entry.functions():
        code = function.__code__
        total += sys.getsizeof(function) + _code_bytes(code)
        lines = linecache.cache.get(code.co_filename)
        if lines is not None and len(lines) > 2:
            total += sys.getsizeof(lines[2]) + sum(sys.getsizeof(line) for line in lines[2])
    return total


def jit(fn: Callable[..., Any] | None = None, *, params: Any = None, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), on_read: str = "guard", cache_size: int = 32,
        max_variants: int = 8) -> Any:
    """Compile ``fn``, a function that returns a loss ``Value``, once per structure of its arguments.

    ``f = jit(fn, params=...)`` is called as ``fn`` is: ``f(*args, **kwargs)`` returns the loss (a
    float) and adds d loss/d p into ``p.grad`` for every parameter and every ``Value`` argument,
    exactly as ``fn(*args, **kwargs).backward()`` would. The arguments may be numbers, ``Value`` s
    and (nested) lists and tuples of them; those named by ``static_argnums`` (positions) or
    ``static_argnames`` (keywords) are passed to ``fn`` as they are and are part of the cache's
    key (they must be hashable), as in ``jax.jit``. Numbers reach ``fn`` as ``Value`` s while it is
    traced.

    ``params`` are the ``Value`` s that ``fn`` reads without getting them as arguments (a model's
    weights): a list, ``(name, Value)`` pairs as ``named_parameters()`` gives, a dict, or a function
    returning one of these (``model.parameters``), read at every call; they are part of the key
    too. A ``Value`` made before the call that ``fn`` reads but that is in neither is refused (jit
    could not tell when it changes).

    ``on_read`` says what happens when ``fn`` reads a number that depends on its arguments or
    parameters (see the module docstring): ``"guard"`` checks it before each reuse and traces
    again when it changes; ``"error"`` raises :class:`~autograd_core.compiler.trace.TracedReadError`.
    ``cache_size`` structures are kept (least recently used first out); a structure whose guards
    fail more than ``max_variants`` times runs eagerly from then on, with a :class:`JitWarning`.
    Under ``detect_anomaly()``, or when the compiled code meets an error, ``fn`` runs eagerly,
    which raises the engine's own errors. Without ``fn``, returns a decorator.

    >>> from autograd_core import Value, jit
    >>> w, b = Value(0.5, label="w"), Value(0.1, label="b")
    >>> @jit(params=[w, b])
    ... def loss(x, t):
    ...     return ((w * x + b).tanh() - t) ** 2
    >>> round(loss(2.0, 1.0), 6), round(w.grad, 6), round(b.grad, 6)
    (0.039801, -0.286644, -0.143322)
    >>> loss(2.0, 1.0) == loss(2.0, 1.0)      # compiled: the eager floats, every time
    True
    """
    if isinstance(static_argnums, int):
        static_argnums = (static_argnums,)
    if isinstance(static_argnames, str):
        static_argnames = (static_argnames,)
    for number in static_argnums:
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise TypeError(f"static_argnums must hold argument positions (ints >= 0), got {number!r}")
    for name in static_argnames:
        if not isinstance(name, str):
            raise TypeError(f"static_argnames must hold argument names (str), got {name!r}")
    if on_read not in ("guard", "error"):
        raise ValueError(f"on_read must be 'guard' or 'error', got {on_read!r}")
    for what, size in (("cache_size", cache_size), ("max_variants", max_variants)):
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"{what} must be an int >= 1, got {size!r}")
    if params is not None and not callable(params):
        param_pairs(params)  # refused now, with its message, rather than at the first call

    def make(function: Callable[..., Any]) -> JitFunction:
        if not callable(function):
            raise TypeError(f"jit needs a function, got {type(function).__name__}")
        return JitFunction(function, params, tuple(static_argnums), tuple(static_argnames), on_read, cache_size,
                           max_variants)

    return make if fn is None else make(fn)
