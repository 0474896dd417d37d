"""Tracing: call a function once on stand-in ``Value`` s and keep what it computed and what it read.

The function's numbers arrive as *inputs* (new leaves, one per number) and the ``Value`` s
whose gradients are wanted as *slots* (the parameters, and stand-ins for ``Value`` arguments);
it runs on them with the eager engine, which records the graph as usual. Every other leaf the
graph reaches is a *constant*, written into the code as its number. While the function runs,
:func:`~autograd_core.engine.modes.observe_reads` reports each read of a node's number (``.data``,
``float()``, ``item()``, ``detach()``, a comparison, an op under ``no_grad``): a read of a number
that depends on the inputs or slots could steer the function (``if x.data > 0``) or be baked into
the code, so it is kept as a :class:`Guard`, checked by the compiled code before each reuse,
or refused with :class:`TracedReadError` (``on_read="error"``).

>>> from autograd_core import Value
>>> w = Value(0.5, label="w")
>>> traced = record(lambda x: (w * x).relu() if x > 0 else w * 0.0, [Value(2.0, label="x")], [w])
>>> len(traced.order), [guard.description for guard in traced.guards]
(4, ['x > 0.0 is True'])
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

from ..engine.graph import topological_order
from ..engine.modes import enable_grad, observe_reads
from ..engine.ops import Op
from ..engine.value import Value, call_op

__all__ = ["Guard", "TracedReadError", "TracedGraph", "record", "COMPARISONS", "NUMBER_READS"]

COMPARISONS = ("<", "<=", ">", ">=")
"""Comparisons of a node with a Value or a number: a guard checks that they come out the same."""

NUMBER_READS = ("data", "float", "item", "detach", "no_grad")
"""Reads of a node's number itself: a guard checks that the number is the same."""


class TracedReadError(TypeError):
    """A function traced by ``autograd_core.jit(..., on_read="error")`` read a number that depends
    on its inputs or parameters (``.data``, ``float()``, ``item()``, a comparison of Values,
    ``max``/``min``/``sorted`` over Values, ``detach()``, an op under ``no_grad``), or ran a backward
    pass of floats: compiled code cannot follow that read, so jit refuses it, naming the line.

    >>> from autograd_core import jit
    >>> f = jit(lambda x: x * 2.0 if x > 0 else -x, on_read="error")
    >>> f(1.0)
    Traceback (most recent call last):
    ...
    autograd_core.compiler.trace.TracedReadError: the traced function compared x > 0.0 at ...
    """


@dataclass(frozen=True)
class Guard:
    """One read of a number made while tracing, that the compiled code checks before each reuse.

    ``what`` is the kind of read (one of :data:`NUMBER_READS` or :data:`COMPARISONS`),
    ``expected`` what it gave while tracing (the number, or the comparison's bool), ``location``
    the user's ``file:line`` that made it, and ``description`` the check in words. When a check
    fails, the compiled code is not used: ``jit`` traces the function again.

    >>> from autograd_core import jit
    >>> f = jit(lambda x: x.relu() if x > 0 else -x)
    >>> f.guards(2.0)
    [Guard(x > 0.0 is True, at ...)]
    """

    what: str
    expected: float | bool
    location: str
    description: str

    def __repr__(self) -> str:
        return f"Guard({self.description}, at {self.location})"


@dataclass
class _Read:
    """A guard as the emitter needs it: the nodes it reads."""

    guard: Guard
    subject: Value
    other: Value | float | None


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_line() -> str:
    """``file:line`` of the innermost frame outside autograd_core's files (and contextlib's): the
    line of the traced function (or of the library code it calls, such as ``nn``) that made the
    read.

    >>> user_line()
    '<doctest autograd_core.compiler.trace.user_line[0]>:1'
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = (os.path.abspath(filename).startswith(_PACKAGE_DIR) or filename.startswith("<autograd_core ")
                  or frame.f_globals.get("__name__") == "contextlib")
        if not inside:
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def _number_text(x: Any) -> str:
    return repr(float(x)) if isinstance(x, (int, float)) and not isinstance(x, bool) else repr(x)


class _Observer:
    """What the trace does with each read of a node's number: keep a guard, or refuse."""

    def __init__(self, live_leaves: set[int], names: dict[int, str], refuse: bool) -> None:
        self.live = {number: True for number in live_leaves}  # creation number -> depends on inputs?
        self.names = names
        self.refuse = refuse
        self.reads: list[_Read] = []

    def is_live(self, node: Value) -> bool:
        """True when ``node``'s number depends on the inputs or slots (found by walking up once)."""
        live = self.live
        known = live.get(node.number)
        if known is not None:
            return known
        stack = [node]
        while stack:
            top = stack[-1]
            parents = [p for p in top.parents if p.number not in live]
            if parents:
                stack.extend(parents)
                continue
            stack.pop()
            live[top.number] = any(live[p.number] for p in top.parents)
        return live[node.number]

    def name(self, node: Value) -> str:
        return self.names.get(node.number) or node.label or node.op or "a constant"

    def __call__(self, what: str, node: Value, other: Any, result: Any) -> None:
        if what == "backward":
            raise TracedReadError(
                f"the traced function runs a backward or tangent pass of numbers (backward(), gradients(), "
                f"grad() or jvp() without create_graph=True) at {user_line()}: compiled code cannot repeat it; "
                f"differentiate with create_graph=True, or outside the traced function")
        if what == "no_grad":
            op, a, b, const = other
            inputs = [a] if b is None else [a, b]
            if not any(self.is_live(p) for p in inputs):
                return
            with enable_grad(), observe_reads(None):
                shadow = call_op(op, inputs, const)  # the same op, recorded, so the code can check it
            self.keep(what, shadow, None, result, f"{op.name} under no_grad (value {result!r})")
            return
        live = self.is_live(node) or (isinstance(other, Value) and self.is_live(other))
        if not live:
            return  # a number of constants only: the same at every call
        if what in COMPARISONS:
            right = self.name(other) if isinstance(other, Value) else _number_text(other)
            self.keep(what, node, other, bool(result), f"{self.name(node)} {what} {right} is {bool(result)}")
        else:
            self.keep(what, node, None, float(result), f"{self.name(node)}.{what} == {result!r}")

    def keep(self, what: str, subject: Value, other: Any, expected: Any, description: str) -> None:
        location = user_line()
        if self.refuse:
            raise TracedReadError(self._refusal(what, description, location))
        self.reads.append(_Read(Guard(what, expected, location, description), subject, other))

    @staticmethod
    def _refusal(what: str, description: str, location: str) -> str:
        if what in COMPARISONS:
            read = f"compared {description.rsplit(' is ', 1)[0]}"
        elif what == "no_grad":
            read = f"computed {description.split(' (')[0]}"
        else:
            read = f"read {description.split(' == ')[0]}"
        return (f"the traced function {read} at {location}, a number that depends on its inputs: compiled "
                f"code cannot follow it (jit(on_read='error')). Compute without reading numbers, pass the "
                f"number as a static argument, or use on_read='guard' to retrace when it changes")


class TracedGraph:
    """A traced function's graph, as the code emitters read it.

    ``order`` holds every node in topological order (the root's graph, then what only guards
    read); node ``i`` is ``order[i]``. For each node: ``ops[i]`` (None for a leaf), the
    positions ``a[i]`` and ``b[i]`` of its inputs (-1 where absent), ``consts[i]``,
    ``numbers[i]`` (its creation number), and for a leaf ``input_of[i]`` / ``slot_of[i]``: which
    input or slot it is (-1 for neither: a constant, whose number ``values[i]`` the code
    holds). ``root`` is the loss's position, ``in_root[i]`` whether node ``i`` is in its graph,
    ``reads`` the guards with their nodes' positions.

    >>> x, w = Value(2.0, label="x"), Value(3.0, label="w")
    >>> graph = TracedGraph(w * x + 1.0, [x], [w])
    >>> [node.label or node.op for node in graph.order], graph.input_of, graph.slot_of, graph.root
    (['w', 'x', 'mul', '', 'add'], [-1, 0, -1, -1, -1], [0, -1, -1, -1, -1], 4)
    """

    def __init__(self, root: Value, inputs: Sequence[Value], slots: Sequence[Value],
                 reads: Sequence[_Read] = ()) -> None:
        subjects = [read.subject for read in reads] + [read.other for read in reads if isinstance(read.other, Value)]
        order = topological_order(root, *subjects)
        self.order = order
        position = {node.number: index for index, node in enumerate(order)}
        self.position = position
        n = len(order)
        self.ops: list[Op | None] = [None] * n
        self.a = [-1] * n
        self.b = [-1] * n
        self.consts: list[float | None] = [None] * n
        self.numbers = [node.number for node in order]
        self.input_of = [-1] * n
        self.slot_of = [-1] * n
        self.values: list[float] = [0.0] * n
        for index, node in enumerate(inputs):
            where = position.get(node.number)
            if where is not None:
                self.input_of[where] = index
        for index, node in enumerate(slots):
            where = position.get(node.number)
            if where is not None:
                self.slot_of[where] = index
        for index, node in enumerate(order):
            op = node.op_record
            if op is None:
                self.values[index] = node.data
                continue
            self.ops[index] = op
            parents = node.parents
            self.a[index] = position[parents[0].number]
            if len(parents) == 2:
                self.b[index] = position[parents[1].number]
            if op.has_const:
                self.consts[index] = node.const
        self.root = position[root.number]
        self.n_inputs, self.n_slots = len(inputs), len(slots)
        self.labels = [node.label for node in order]
        self.in_root = self._ancestors_of_root()
        # (guard, subject's position, the other side: a position (int) or a number (float))
        self.reads: list[tuple[Guard, int, int | float | None]] = [
            (read.guard, position[read.subject.number],
             position[read.other.number] if isinstance(read.other, Value)
             else None if read.other is None else float(read.other))
            for read in reads]
        self.guards = [read.guard for read in reads]

    def _ancestors_of_root(self) -> list[bool]:
        inside = [False] * len(self.order)
        inside[self.root] = True
        for index in range(self.root, -1, -1):  # a node's inputs come before it in the order
            if inside[index] and self.ops[index] is not None:
                inside[self.a[index]] = True
                if self.b[index] >= 0:
                    inside[self.b[index]] = True
        return inside

    def is_constant(self, index: int) -> bool:
        """True for a leaf that is neither an input nor a slot: the code holds its number."""
        return self.ops[index] is None and self.input_of[index] < 0 and self.slot_of[index] < 0

    def captured(self) -> list[Value]:
        """Leaves of the root's graph that are constants but existed before the trace began (made
        before ``start``, the first creation number of the trace), in order."""
        return [self.order[i] for i in range(len(self.order))
                if self.in_root[i] and self.is_constant(i) and self.numbers[i] < self.start]

    start = -1  # set by record(): creation numbers from here on were made by the traced function
    frozen_reads: list[Guard] = []  # set by record(reads="freeze"): the reads it only listed


def record(fn: Callable[..., Any], args: Sequence[Any], slots: Sequence[Value], *,
           inputs: Sequence[Value] | None = None, kwargs: dict[str, Any] | None = None,
           reads: str = "guard", names: dict[int, str] | None = None) -> TracedGraph:
    """Call ``fn(*args, **kwargs)`` once and return its graph as a :class:`TracedGraph`.

    ``args`` hold the stand-in Values: ``inputs`` (the leaves standing for numbers; by default
    the Values of ``args``) and ``slots`` (leaves whose gradients are wanted). ``reads`` says
    what becomes of a read of a number that depends on them: ``"guard"`` keeps it as a guard
    of the graph, ``"refuse"`` raises :class:`TracedReadError`, ``"freeze"`` only lists it in
    ``frozen_reads`` (``compile``'s trace, which follows the path taken). ``names`` maps
    creation numbers to names for messages.
    """
    if reads not in ("guard", "refuse", "freeze"):
        raise ValueError(f"reads must be 'guard', 'refuse' or 'freeze', got {reads!r}")
    inputs = [arg for arg in args if isinstance(arg, Value)] if inputs is None else list(inputs)
    observer = _Observer({node.number for node in [*inputs, *slots]}, names or {}, reads == "refuse")
    start = Value(0.0).number
    with enable_grad(), observe_reads(observer):
        root = fn(*args, **(kwargs or {}))
    if not isinstance(root, Value):
        raise TypeError(f"fn must return a Value (the loss), got {type(root).__name__}")
    graph = TracedGraph(root, inputs, slots, observer.reads if reads == "guard" else ())
    graph.start = start
    graph.frozen_reads = [read.guard for read in observer.reads] if reads == "freeze" else []
    return graph
