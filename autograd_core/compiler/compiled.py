"""``compile``: trace a loss once, get straight-line Python for its forward and backward.

:func:`compile` calls ``fn`` once on placeholder ``Value`` inputs (:mod:`.trace`), writes the
recorded graph out as Python (:mod:`.emit`) and returns a :class:`CompiledLoss`, a fast
``loss(*args)`` that adds the gradients into the parameters' ``.grad``, exactly as
``loss.backward()`` on a freshly built graph would.

The parameters are call-time inputs: the generated function reads ``params[k].data`` and adds
into ``params[k].grad`` for the list it is given, by position (the traced ones by default), so
the same code serves another model of the same shape (``loss(*args, params=other)``).

Like ``torch.jit.trace``, tracing records the one path ``fn`` took for the example
inputs: Python ``if``/``for`` that depend on the *data* (``if x.data > 0``) are frozen
into that path (a :class:`FrozenReadWarning` names each such read), and a leaf that is
neither a placeholder nor a listed parameter is a constant, baked in with the value it had
when traced. :func:`autograd_core.jit` retraces instead.

>>> from autograd_core import Value, compile
>>> w = Value(0.5, label="w")
>>> b = Value(0.1, label="b")
>>> loss = compile(lambda x, t: ((w * x + b).sigmoid() - t) ** 2, [1.0, 0.0], [w, b])
>>> round(loss(2.0, 1.0), 6), round(w.grad, 6), round(b.grad, 6)
(0.06237, -0.187175, -0.093587)
>>> print(loss.source)
def compiled(params, x, t):
    if not _all_threads.record_unchecked and _this_thread.anomaly:
        return _eager(params, x, t)  # detect_anomaly(): the eager engine checks
    if x.__class__ is not float or t.__class__ is not float:
        x, t = _floats(x, t)  # ints, numpy floats: as floats
    try:
        w, b = _data_of(params)
        # forward: a line per value that backward reads or that is used twice
        sigmoid5 = sigmoid(w * x + b)
        sub7 = sigmoid5 - t
        loss = pow_const(sub7, 2.0)
        # backward: grad_<node> = d loss / d <node>
        grad_sub7 = 2.0 * sub7 ** 1.0
        grad_add4 = grad_sub7 * (sigmoid5 * (1.0 - sigmoid5))
        grad_b = grad_add4
        grad_w = grad_add4 * x
        # add into each .grad, under the lock backward() adds under
        _add_to_grads(params, (grad_w, grad_b))
        return loss
    except (ArithmeticError, ValueError, TypeError):
        return _eager(params, x, t)  # raises the eager engine's own error for the failing op
<BLANKLINE>

Only values that a backward line reads (``sigmoid5``, ``sub7``) or that are used twice get a
line of their own; the rest are written inline where they are used (``w * x + b``): the same
arithmetic in the same order, and far less source for Python to compile. A sum shares its
gradient with its inputs, so ``grad_add4`` serves ``w * x`` too and needs no line of its own.
The first ``if`` and the ``try`` send ``detect_anomaly()`` and any error to the eager engine,
which raises its own errors; the second turns ints and numpy floats into floats and refuses
bools, strings and ``Value`` s. The parameters' numbers are read, and the gradients added into
their ``.grad``, by one call each to the engine (``data_of``, ``add_to_grads``); the additions are
made under the engine's gradient lock, so calls from several threads add every gradient, as
``backward()`` does.
"""

from __future__ import annotations

import gc
import inspect
import marshal
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ..engine.backward import GRAD_LOCK
from ..engine.functional import backward
from ..engine.modes import enable_grad
from ..engine.value import Value, as_float, call_op
from .emit import Program
from .runtime import MAGIC, bytecode, define, namespace, remember_bytecode
from .trace import Guard, TracedGraph, record

__all__ = ["CompiledForward", "CompiledLoss", "CompiledStep", "FrozenReadWarning", "compile"]


class FrozenReadWarning(UserWarning):
    """:func:`compile` traced a function that read a number depending on its inputs or parameters
    (``if x.data > 0``, ``max`` over Values...): the compiled code follows the path taken while
    tracing, whatever the number is later. ``autograd_core.jit`` guards such reads instead.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     loss = compile(lambda x: x if x > 0 else -x, [1.0], [])
    >>> caught[0].category.__name__, loss(-2.0)       # frozen on the path x > 0
    ('FrozenReadWarning', -2.0)
    """


def param_pairs(params: Any) -> list[tuple[str, Value]]:
    """``params`` as (name, Value) pairs: a mapping, (name, Value) pairs, or Values, each a leaf
    listed once (else a TypeError or ValueError naming it).

    >>> w = Value(1.0, label="w")
    >>> param_pairs([w]), param_pairs({"weight": w})
    ([('w', Value(data=1, grad=0, label='w'))], [('weight', Value(data=1, grad=0, label='w'))])
    """
    if isinstance(params, Mapping):
        pairs = list(params.items())
    elif isinstance(params, Iterable) and not isinstance(params, (str, bytes)):
        pairs = [item if isinstance(item, tuple) and len(item) == 2 else (None, item) for item in params]
    else:
        raise TypeError(f"params must be a list of Values, a list of (name, Value) pairs or a dict, "
                        f"got {type(params).__name__}")
    seen: set[int] = set()
    checked = []
    for index, (name, param) in enumerate(pairs):
        if not isinstance(param, Value):
            raise TypeError(f"params[{index}] must be a Value, got {type(param).__name__}")
        if param.op:
            raise ValueError(f"params[{index}] is the result of {param.op}, not a leaf: "
                             f"compiled code differentiates with respect to leaf Values only")
        if id(param) in seen:
            raise ValueError(f"params[{index}] is listed twice")
        seen.add(id(param))
        checked.append((str(name) if name is not None else param.label, param))
    return checked


def argument_names(fn: Callable[..., Any], n_args: int) -> list[str]:
    """The names of ``fn``'s positional parameters when it has exactly ``n_args`` of them, else
    ``arg0``, ``arg1``...

    >>> argument_names(lambda x, t: x, 2), argument_names(print, 2)
    (['x', 't'], ['arg0', 'arg1'])
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return [f"arg{i}" for i in range(n_args)]
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in signature.parameters.values() if p.kind in kinds]
    if len(names) != n_args or len(signature.parameters) != n_args:
        return [f"arg{i}" for i in range(n_args)]
    return names


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while source is written.

    Writing a big graph out allocates about a million short-lived strings, tuples and lists,
    none of them in a reference cycle (reference counting frees them all), and every full
    collection they trigger walks every object alive, the traced graph first. Resumed only if
    it was on, so a caller's ``gc.disable()`` stands.

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_params_list(params: Any, n: int) -> list[Value]:
    """``params`` as a list of ``n`` Values, or a TypeError/ValueError naming what is wrong.

    >>> check_params_list((Value(1.0),), 1)
    [Value(data=1, grad=0)]
    >>> check_params_list([Value(1.0)], 2)
    Traceback (most recent call last):
    ...
    ValueError: params must hold the 2 parameter(s) the loss was compiled for, got 1
    """
    if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
        raise TypeError(f"params must be a list of {n} Values, got {type(params).__name__}")
    if len(params) != n:
        raise ValueError(f"params must hold the {n} parameter(s) the loss was compiled for, got {len(params)}")
    for index, param in enumerate(params):
        if not isinstance(param, Value):
            raise TypeError(f"params[{index}] must be a Value, got {type(param).__name__}")
    return list(params)


def _learning_rate(lr: Any) -> float:
    """``lr`` as a float ≥ 0, or a TypeError/ValueError naming it."""
    rate = as_float(lr, "lr")
    if not rate >= 0.0:
        raise ValueError(f"lr must be a number >= 0, got {rate!r}")
    return rate


def _parameter_values(at: Any, n: int) -> list[float]:
    """``at`` as ``n`` floats, or a TypeError/ValueError naming what is wrong."""
    if isinstance(at, (str, bytes)) or not isinstance(at, Sequence):
        raise TypeError(f"at must be a sequence of {n} numbers, got {type(at).__name__}")
    if len(at) != n:
        raise ValueError(f"at must hold one number per parameter ({n}), got {len(at)}")
    return [as_float(x, f"at[{index}]") for index, x in enumerate(at)]


def _floats_named(names: Sequence[str]) -> Callable[..., tuple[float, ...]]:
    def floats(*args: Any) -> tuple[float, ...]:
        return tuple(as_float(arg, f"argument {name}") for arg, name in zip(args, names, strict=True))
    return floats


class CompiledForward:
    """The generated forward of a :class:`CompiledLoss` on its own: ``f(*args, at=values)`` is
    the loss with parameter ``i`` at ``values[i]``. It holds only the source (pickled with its
    bytecode, so that a worker on the same Python version compiles nothing), no graph and no
    parameters; made by :meth:`CompiledLoss.forward_only`.

    Without the traced graph it cannot replay the eager engine: where the loss's ``forward``
    would raise the engine's own error (log of a negative...), this raises the generated
    code's error, of the same type, saying so; under ``detect_anomaly()`` it refuses with a
    RuntimeError.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0, label="w")
    >>> f = compile(lambda x: (w * x).log(), [1.0], [w]).forward_only()
    >>> f
    CompiledForward(forward(x), 1 parameter)
    >>> f(3.0, at=[1.0]) == f(1.0, at=[3.0]) == Value(3.0).log().data
    True
    """

    def __init__(self, source: str, n_params: int, arg_names: Sequence[str],
                 bytecode: tuple[bytes, bytes] | None = None) -> None:
        """``source`` defines ``forward(values, *args)``, as :func:`compile` writes it; ``bytecode``
        is ``(importlib's MAGIC_NUMBER, marshal.dumps(code))`` of it, used when the magic matches."""
        self.source, self.n_params, self.arg_names = source, n_params, list(arg_names)
        self._forward: Callable[..., float] | None = None
        remember_bytecode(source, bytecode)

    def __call__(self, *args: float, at: Sequence[float]) -> float:
        """The loss at ``args`` with the parameters at ``at``."""
        forward = self._forward
        if forward is None:
            forward = self._forward = define(self.source, "forward", namespace(
                {"_eager_forward": self._no_graph, "_floats": _floats_named(self.arg_names)}))
        return forward(_parameter_values(at, self.n_params), *args)

    def __reduce__(self) -> tuple[Any, ...]:
        """The source with its bytecode: a worker on the same Python skips compiling it."""
        written = (MAGIC, marshal.dumps(bytecode(self.source, "forward")))
        return CompiledForward, (self.source, self.n_params, self.arg_names, written)

    def __repr__(self) -> str:
        n = self.n_params
        return f"CompiledForward(forward({', '.join(self.arg_names)}), {n} parameter{'s' * (n != 1)})"

    @staticmethod
    def _no_graph(*_: Any) -> float:
        error = sys.exc_info()[1]
        if error is None:
            raise RuntimeError("detect_anomaly() checks every op with the eager engine, which a "
                               "CompiledForward (no graph) does not have: use the CompiledLoss's forward")
        raise type(error)(f"the compiled forward failed ({error}); a CompiledForward has no graph to "
                          "replay for the engine's own error: evaluate the loss eagerly there") from error


class CompiledLoss:
    """A traced loss as generated Python: ``loss(*args)`` gives the loss and adds gradients into
    the parameters' ``.grad``; ``loss.many(rows)`` does it for many rows; ``loss.forward(*args,
    at=values)`` gives the loss alone, at given parameter values. Made by :func:`compile`.
    (``CompiledStep``, its former name, still works.)

    ``loss.sgd(lr)`` then updates every parameter as a micrograd loop does (``p.data -= lr *
    p.grad``, then ``p.grad = 0.0``), in generated code. Each of these takes ``params=``, a list
    of other Values to use instead of the traced parameters, position by position.

    Attributes: ``params`` (the parameter ``Value`` s, in the order given), ``arg_names``,
    ``n_nodes`` (nodes of the traced graph), ``frozen_reads`` (the numbers read while tracing,
    as :class:`~autograd_core.compiler.trace.Guard` records), and the generated code:
    ``source``, ``many_source``, ``forward_source``, ``sgd_source``.

    >>> from autograd_core import Value, compile
    >>> w = Value(2.0, label="w")
    >>> loss = compile(lambda x: w * x, [1.0], [w])
    >>> loss
    CompiledLoss(<lambda>(x), 1 parameter, 3 nodes)
    >>> loss(3.0), w.grad, loss.forward(3.0, at=[10.0]), w.grad
    (6.0, 3.0, 30.0, 3.0)
    >>> loss.sgd(0.5)
    >>> w.data, w.grad
    (0.5, 0.0)
    >>> v = Value(5.0)
    >>> loss(3.0, params=[v]), v.grad, w.grad     # the same code, another parameter
    (15.0, 3.0, 0.0)
    """

    def __init__(self, program: Program, params: list[Value], name: str, backward: bool = True,
                 frozen_reads: Sequence[Guard] = ()) -> None:
        """Generate the sources of ``program``; ``name`` is the traced function's name; without
        ``backward`` only the forward. Each source is compiled to bytecode on first use (a
        100,000-node loss takes a second)."""
        graph = program.graph
        self.params = list(params)
        self.arg_names = list(program.input_names)
        self.n_nodes = len(graph.order)
        self.frozen_reads = list(frozen_reads)
        self._graph: TracedGraph | None = graph
        self._traced = (graph.order[graph.root], [graph.order[i] for i in _positions(graph.input_of)],
                        self.params)
        self._name = name
        self.source = program.step_source() if backward else ""
        self.many_source = program.loop_source(mean=False) if backward else ""
        self.forward_source = program.forward_source()
        self.sgd_source = program.sgd_source()
        self._ops = list(program.ops)
        self._define_lazily()

    def _define_lazily(self) -> None:
        # Each generated function starts as a stand-in that compiles it, replaces itself and runs it.
        self._compiled: Callable[..., float] = lambda *args: self._define("compiled")(*args)
        self._compiled_many: Callable[..., tuple[list[float], int]] = (
            lambda params, rows: self._define("compiled_many")(params, rows))
        self._forward: Callable[..., float] = lambda values, *args: self._define("forward")(values, *args)
        self._sgd: Callable[..., None] = lambda params, lr: self._define("sgd")(params, lr)

    def _define(self, kind: str) -> Any:
        source = {"compiled": self.source, "compiled_many": self.many_source, "forward": self.forward_source,
                  "sgd": self.sgd_source}[kind]
        if not source:
            raise TypeError("this loss was compiled with backward=False: it has forward() and forward_only() only")
        bound = {"_eager": self._eager, "_eager_many": self._eager_many, "_eager_forward": self._eager_forward,
                 "_floats": _floats_named(self.arg_names)}
        function = define(source, kind, namespace(bound, self._ops or None))
        setattr(self, f"_{kind}", function)
        return function

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle (and deep-copy) the traced graph, the parameters and the sources: the copy
        recompiles nothing that this process has already compiled."""
        state = {"params": self.params, "arg_names": self.arg_names, "n_nodes": self.n_nodes,
                 "frozen_reads": self.frozen_reads, "_traced": self._traced, "_name": self._name,
                 "_ops": self._ops, "source": self.source, "many_source": self.many_source,
                 "forward_source": self.forward_source, "sgd_source": self.sgd_source}
        return _unpickled, (state,)

    def _params(self, params: Any) -> list[Value]:
        return self.params if params is None else check_params_list(params, len(self.params))

    def __call__(self, *args: float, params: Sequence[Value] | None = None) -> float:
        """The loss at ``args`` and the parameters' current ``.data``; adds d loss/d p into
        ``p.grad`` for every parameter, exactly as ``loss.backward()`` on a fresh graph would.
        ``params``: other Values to read and add into instead, position by position."""
        try:
            return self._compiled(self.params if params is None else self._params(params), *args)
        except TypeError:
            n = len(self.arg_names)
            if len(args) != n:  # the generated function's own message would count `params` too
                raise TypeError(f"the compiled loss takes {n} argument{'s' * (n != 1)} "
                                f"({', '.join(self.arg_names)}), got {len(args)}") from None
            raise

    def many(self, rows: Iterable[Sequence[float]], params: Sequence[Value] | None = None) -> list[float]:
        """``[loss(*row) for row in rows]`` in one generated loop: the same losses and the same
        ``.grad`` to the last bit, without reading and writing every parameter per row. The
        whole loop holds the engine's gradient lock, so other threads' additions come before or
        after it, never inside."""
        rows = rows if isinstance(rows, (list, tuple)) else list(rows)
        chosen = self._params(params)
        with GRAD_LOCK:
            losses, _ = self._compiled_many(chosen, rows)
        return losses

    def forward(self, *args: float, at: Sequence[float] | None = None) -> float:
        """The loss alone at ``args``, with parameter ``i`` at ``at[i]`` (default: its ``.data``):
        no backward, no parameter read or written, so one trace can evaluate many points (a loss
        landscape) and from many threads. The same float as ``loss(*args)`` at those values."""
        if at is None:
            return self._forward([param.data for param in self.params], *args)
        return self._forward(_parameter_values(at, len(self.params)), *args)

    def sgd(self, lr: float, params: Sequence[Value] | None = None) -> None:
        """One SGD update of every parameter, ``p.data -= lr * p.grad``, then ``p.grad = 0.0``:
        what the textbook loop after ``loss(...)`` does, bit for bit, as one generated function
        (``sgd_source``), under the engine's gradient lock. ``lr`` is a number ≥ 0 (an int is
        taken as a float), as ``torch.optim.SGD`` requires."""
        if lr.__class__ is not float or not lr >= 0.0:  # the common case costs two tests
            lr = _learning_rate(lr)
        self._sgd(self.params if params is None else self._params(params), lr)

    def forward_only(self) -> CompiledForward:
        """:meth:`forward` alone, as a :class:`CompiledForward`: it pickles as its source (no
        graph, no parameters), which is what a sweep sends to every worker."""
        return CompiledForward(self.forward_source, len(self.params), self.arg_names)

    def __repr__(self) -> str:
        n = len(self.params)
        return (f"CompiledLoss({self._name}({', '.join(self.arg_names)}), {n} parameter{'s' * (n != 1)}, "
                f"{self.n_nodes} nodes)")

    # --- the eager engine, for detect_anomaly() and errors -----------------------------------
    def _traced_graph(self) -> TracedGraph:
        if self._graph is None:  # unpickled: the graph is read again
            root, inputs, slots = self._traced
            self._graph = TracedGraph(root, inputs, slots)
        return self._graph

    def _eager(self, params: list[Value], *args: Any) -> float:
        return replay(self._traced_graph(), params, args)

    def _eager_many(self, params: list[Value], rows: list[Sequence[float]]) -> tuple[list[float], int]:
        return [self._compiled(params, *row) for row in rows], -1

    def _eager_forward(self, values: list[float], *args: Any) -> float:
        return replay(self._traced_graph(), [Value(x) for x in values], args, accumulate=False)


CompiledStep = CompiledLoss
"""The former name of :class:`CompiledLoss` ("step" means an optimizer's update elsewhere)."""


def _positions(roles: list[int]) -> list[int]:
    """Positions of the nodes with roles 0, 1, 2... in ``roles`` (-1: no role), by role."""
    found = sorted((role, index) for index, role in enumerate(roles) if role >= 0)
    return [index for _, index in found]


def _unpickled(state: dict[str, Any]) -> CompiledLoss:
    """A :class:`CompiledLoss` from its pickled state; its graph is read again only if the eager
    engine is needed (``detect_anomaly()``, errors)."""
    loss = CompiledLoss.__new__(CompiledLoss)
    loss.__dict__.update(state, _graph=None)
    loss._define_lazily()
    return loss


def replay(graph: TracedGraph, params: Sequence[Value], args: Sequence[Any], accumulate: bool = True) -> float:
    """Run the traced graph with the eager engine, slot ``k`` being ``params[k]``: its checks, its
    errors. With ``accumulate``, backward adds into the slots' ``.grad`` (and the constants').

    >>> w, x = Value(2.0), Value(3.0)
    >>> graph = record(lambda x: w * x, [x], [w])
    >>> other = Value(5.0)
    >>> replay(graph, [other], [4.0]), other.grad
    (20.0, 4.0)
    """
    if len(args) != graph.n_inputs:
        raise TypeError(f"the compiled loss takes {graph.n_inputs} arguments, got {len(args)}")
    replayed: list[Value | None] = [None] * len(graph.order)
    with enable_grad():
        # In the order the nodes were made, as the traced function made them: the first error
        # raised is the one the function raises.
        for index in sorted(range(len(graph.order)), key=graph.numbers.__getitem__):
            node, op = graph.order[index], graph.ops[index]
            if op is None:
                if graph.input_of[index] >= 0:
                    replayed[index] = Value(as_float(args[graph.input_of[index]], f"argument {node.label}"),
                                            node.label)
                else:
                    replayed[index] = params[graph.slot_of[index]] if graph.slot_of[index] >= 0 else node
                continue
            inputs = [replayed[graph.a[index]]] + ([replayed[graph.b[index]]] if graph.b[index] >= 0 else [])
            replayed[index] = call_op(op, inputs, graph.consts[index])  # type: ignore[arg-type]
    root = replayed[graph.root]
    assert root is not None
    if accumulate:
        backward(root)
    return root.data


def compile(fn: Callable[..., Value], example_args: Sequence[float],
            params: Sequence[Value] | Mapping[str, Value], *, backward: bool = True) -> CompiledLoss:
    """Trace ``fn`` once and return a :class:`CompiledLoss`, a fast ``loss(*args) -> float`` for
    its loss and gradients.

    ``fn`` takes one ``Value`` per example argument and returns the loss ``Value``; it
    is called once, on placeholders holding ``example_args``. ``params`` are the leaf
    ``Value`` nodes to differentiate with respect to (a list, ``(name, Value)`` pairs
    as ``named_parameters()`` gives, or a dict); their names name the generated
    variables. ``loss(*args)`` computes the loss for new float inputs and the current
    ``p.data`` of every parameter, and adds d loss / d p into each ``p.grad`` exactly as
    ``loss.backward()`` on a freshly built graph would. ``loss.many(rows)`` does the
    same for a batch of rows; ``loss.forward(*args, at=values)`` gives the loss alone at
    other parameter values (no backward). ``loss.source`` is the generated code. With
    ``backward=False`` only the forward is written (about half the time for a large graph):
    ``loss.forward`` and ``loss.forward_only`` work, calling the loss is a TypeError.

    Tracing follows one path through ``fn`` (see the module docstring); leaves that are
    not parameters are constants frozen at their traced value. Under
    :func:`~autograd_core.detect_anomaly`, or when the generated code meets an error,
    the loss replays the graph with the eager engine, which raises its usual errors.

    >>> from autograd_core import Value
    >>> x = Value(3.0, label="x")
    >>> square = compile(lambda: x * x, [], [x])
    >>> square(), square(), x.grad
    (9.0, 9.0, 12.0)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if isinstance(example_args, (str, bytes)) or not isinstance(example_args, Sequence):
        raise TypeError(f"example_args must be a list of numbers, got {type(example_args).__name__}")
    floats = [as_float(arg, f"example_args[{index}]") for index, arg in enumerate(example_args)]
    pairs = param_pairs(params)
    names = argument_names(fn, len(floats))
    placeholders = [Value(x, label=name) for x, name in zip(floats, names, strict=True)]
    slots = [param for _, param in pairs]
    graph = record(fn, placeholders, slots, reads="freeze")
    if graph.frozen_reads:
        shown = "; ".join(f"{guard.description} at {guard.location}" for guard in graph.frozen_reads[:3])
        more = f" and {len(graph.frozen_reads) - 3} more" if len(graph.frozen_reads) > 3 else ""
        warnings.warn(f"compile froze {len(graph.frozen_reads)} read(s) of traced numbers into the code: {shown}"
                      f"{more}. The compiled loss follows the path taken while tracing; autograd_core.jit "
                      f"retraces when such a read changes", FrozenReadWarning, stacklevel=2)
    with collector_paused():
        program = Program(graph, names, [name for name, _ in pairs], distinct_slots=True)
        return CompiledLoss(program, slots, getattr(fn, "__name__", type(fn).__name__),
                            backward=bool(backward), frozen_reads=graph.frozen_reads)
