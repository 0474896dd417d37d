"""``Value``: a scalar that records the operations applied to it.

Each operator and op method below is a few lines: it turns a plain number operand into a
constant leaf and hands the op's record (:mod:`.ops`) to :func:`_binary` or :func:`_unary`,
which run the op's forward rule and make the result node with :func:`_node`, the one place
where a node is made. ``+``, ``-`` and ``*`` compute their result in place (it is the op's
infix operator, which cannot fail), as micrograd does. The derivative rules live in the op
table; the backward pass in :mod:`.backward`.

Every node gets a creation number when it is made. A node's inputs always exist before it,
so they have smaller numbers: the backward pass visits a graph newest first, which is an order
in which every node comes after all the nodes that use it.
"""

from __future__ import annotations

import itertools
import math
import numbers
import threading
from collections.abc import Sequence
from typing import Any, Final, TypeAlias

from mypy_extensions import mypyc_attr

from .backward import GRAD_LOCK, add_into_grads, backward_pass
from .graph import topological_order
from .ieee import ieee_forward
from .modes import ALL_THREADS, THIS_THREAD, user_code_location
from .ops import OPS, Op

__all__ = ["Value", "RealNumber", "as_float", "as_int", "as_value", "call_op", "data_of", "add_to_grads",
           "sgd_update"]

RealNumber: TypeAlias = "float | numbers.Real"
"""A float or any other real number (an int, a ``Fraction``, ``numpy.float64``), never a bool.
(Annotated this way rather than as ``float`` so that mypyc leaves the check to the function, and
both builds refuse a bool or a str with its message.)"""

# The op records the methods below apply; Final, so that compiled by mypyc they are read as
# constants, with no dictionary lookup.
_ADD: Final = OPS["add"]
_SUB: Final = OPS["sub"]
_MUL: Final = OPS["mul"]
_DIV: Final = OPS["div"]
_NEG: Final = OPS["neg"]
_POW: Final = OPS["pow"]
_POW_CONST: Final = OPS["pow_const"]
_EXP: Final = OPS["exp"]
_LOG: Final = OPS["log"]
_SIGMOID: Final = OPS["sigmoid"]
_TANH: Final = OPS["tanh"]
_RELU: Final = OPS["relu"]
_HEAVISIDE: Final = OPS["heaviside"]
_ABS: Final = OPS["abs"]
_SQRT: Final = OPS["sqrt"]
_SIN: Final = OPS["sin"]
_COS: Final = OPS["cos"]
_TAN: Final = OPS["tan"]
_SINH: Final = OPS["sinh"]
_COSH: Final = OPS["cosh"]
_ASIN: Final = OPS["asin"]
_ACOS: Final = OPS["acos"]
_ATAN: Final = OPS["atan"]
_ASINH: Final = OPS["asinh"]
_ACOSH: Final = OPS["acosh"]
_ATANH: Final = OPS["atanh"]
_LOG2: Final = OPS["log2"]
_LOG10: Final = OPS["log10"]
_LOG1P: Final = OPS["log1p"]
_EXPM1: Final = OPS["expm1"]
_EXP2: Final = OPS["exp2"]
_SIGN: Final = OPS["sign"]
_FLOOR: Final = OPS["floor"]
_MOD: Final = OPS["mod"]
_FLOORDIV: Final = OPS["floordiv"]
_ATAN2: Final = OPS["atan2"]
_HYPOT: Final = OPS["hypot"]
_MAXIMUM: Final = OPS["maximum"]
_MINIMUM: Final = OPS["minimum"]
_CLAMP_MIN: Final = OPS["clamp_min"]
_CLAMP_MAX: Final = OPS["clamp_max"]

# Creation numbers: unique across threads, since one next() on a count is atomic. The count's
# bound __next__ is kept, so that taking a number needs no lookup of the builtin next.
_next_creation_number: Final = itertools.count().__next__


def as_float(x: Any, what: str = "data") -> float:
    """``x`` as a float, or a TypeError naming its type (bool, str, complex, containers...).

    >>> as_float(3)
    3.0
    >>> as_float(True)
    Traceback (most recent call last):
    ...
    TypeError: data must be a real number (int or float), got bool
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        # Python says only "int too large to convert to float"; name what it was.
        raise OverflowError(f"{what} ({type(x).__name__}) is too large for a float") from None


def as_int(x: Any, what: str, minimum: int | None = None) -> int:
    """``x`` if it is an int (not a bool) of at least ``minimum``, else a TypeError or ValueError
    naming ``what``.

    >>> as_int(3, "n", minimum=1)
    3
    >>> as_int(0, "n", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: n must be at least 1, got 0
    """
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{what} must be an int, got {type(x).__name__}")
    if minimum is not None and x < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {x}")
    return x


def as_value(x: Any, what: str = "the function's result") -> Value:
    """``x`` if it is a Value, else a constant Value of the number ``x`` (checked by :func:`as_float`).

    grad, hessian and gradcheck read a function's result through it: a function that
    ignores its inputs may return a plain number, whose gradient is 0.

    >>> as_value(2).data
    2.0
    >>> as_value("2")
    Traceback (most recent call last):
    ...
    TypeError: the function's result must be a real number (int or float), got str
    """
    return x if isinstance(x, Value) else Value(as_float(x, what))


# --- making nodes ----------------------------------------------------------------------------------

def _operand(x: Any, op: Op) -> Value | None:
    """An operand of ``op`` as a node: a Value itself, an int or a float as a new constant leaf
    (as in micrograd), anything else None (the operator then returns NotImplemented, and the
    compiled build's methods, annotated ``Value | float``, refuse it before this is called)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool):
        raise TypeError(f"unsupported operand type for {op.infix or op.name}: bool (use a float)")
    if isinstance(x, (float, int)):
        return Value(x)
    return None


def _second_input(x: Any, op: Op) -> Value:
    """The second input of a two-input op written as a method (``a.atan2(b)``): a Value or a
    number (a constant leaf); anything else is a TypeError naming the op."""
    operand = _operand(x, op)
    if operand is None:
        raise TypeError(f"{op.name} needs a Value or a number as its second input, got {type(x).__name__}")
    return operand


def _node(op: Op, data: float, a: Value, b: Value | None = None, const: float | None = None) -> Value:
    """The node holding ``data``, the result of ``op`` on ``a`` (and ``b``, or the constant
    ``const``): the one place where an op's result is made.

    While every thread records without checks (the default), the node simply records its op
    and inputs. Otherwise the calling thread's modes decide: under ``detect_anomaly`` a NaN or
    inf result raises, and the node remembers the line of user code that made it; inside
    ``no_grad`` the result is a leaf.
    """
    node = Value(data)
    if not ALL_THREADS.record_unchecked:
        if THIS_THREAD.anomaly:
            _check_forward(op, data, a, b, const)
            node._extras_to_fill().origin = user_code_location()
        if not THIS_THREAD.record:
            _report("no_grad", node, (op, a, b, const), data)
            return node
    node._op = op
    node._a = a
    node._b = b
    if const is not None:
        node._extras_to_fill().constant = const
    return node


def _unary(op: Op, a: Value) -> Value:
    """``op`` applied to ``a``: its forward rule on ``a``'s data, recorded as a new node."""
    try:
        data = op.forward(a._data)
    except (ArithmeticError, ValueError) as error:
        data = _forward_failed(op, (a._data,), None, error)
    return _node(op, data, a)


def _binary(op: Op, a: Value, b: Value) -> Value:
    """``op`` applied to ``a`` and ``b``: its forward rule on their data, recorded as a new node."""
    try:
        data = op.forward(a._data, b._data)
    except (ArithmeticError, ValueError) as error:
        data = _forward_failed(op, (a._data, b._data), None, error)
    return _node(op, data, a, b)


def _with_const(op: Op, a: Value, const: float) -> Value:
    """``op`` applied to ``a`` and the plain number ``const`` (``a ** 3``), recorded as a new node."""
    try:
        data = op.forward(a._data, const)
    except (ArithmeticError, ValueError) as error:
        data = _forward_failed(op, (a._data,), const, error)
    return _node(op, data, a, None, const)


def _report(what: str, node: Value, other: Any, result: Any) -> None:
    """Tell the calling thread's read observer (``autograd_core.jit`` tracing a function, see
    :func:`.modes.observe_reads`) that ``node``'s number was read; only called while some thread
    is in a non-default mode, so reads cost one test otherwise."""
    observer = THIS_THREAD.observer
    if observer is not None:
        observer(what, node, other, result)


def _check_forward(op: Op, data: float, a: Value, b: Value | None, const: float | None) -> None:
    """Under ``detect_anomaly``: a NaN or inf result raises, naming the op and its inputs."""
    if math.isfinite(data):
        return
    # The new node has no label yet, so name the inputs by theirs.
    inputs = [a] if b is None else [a, b]
    args = [f"{p.label}={p._data!r}" if p.label else repr(p._data) for p in inputs]
    args += [repr(const)] if const is not None else []
    raise FloatingPointError(f"{op.name} produced {data!r} in forward from inputs ({', '.join(args)}), "
                             f"at {user_code_location()}")


def _domain_error(op: Op, args: tuple[float, ...], error: Exception) -> Exception:
    call = f"{op.name}({', '.join(repr(a) for a in args)})"
    if isinstance(error, ZeroDivisionError):
        return ZeroDivisionError(f"{call} divides by zero: {op.name} is defined for {op.domain_text}")
    if isinstance(error, OverflowError):
        # The inputs are inside the domain here; the result is just too large for a float.
        return OverflowError(f"{call} overflows a float (the largest is about 1.8e308)")
    return ValueError(f"{call} is outside the domain of {op.name}: defined for {op.domain_text} ({error})")


def _forward_failed(op: Op, inputs: tuple[float, ...], const: float | None, error: Exception) -> float:
    """What an op whose forward rule raised gives: inside the recording of derivatives
    (``gradients(create_graph=True)``), the IEEE result (inf, nan), as PyTorch computes them;
    elsewhere its domain error."""
    if not ALL_THREADS.record_unchecked and THIS_THREAD.ieee:
        data = ieee_forward(op, inputs, const)
        if data is not None:
            return data
    raise _domain_error(op, inputs + ((const,) if const is not None else ()), error) from None


def call_op(op: Op, operands: Sequence[Value | float], const: Any = None) -> Value:
    """``op`` applied to ``operands`` (``Value`` s, or numbers, which become constant leaves) by
    the engine's eager path: the forward rule, its domain errors and the recorded node, exactly
    what the ``Value`` methods do. ``const`` is the constant of an op that takes one.

    >>> from autograd_core import OPS
    >>> call_op(OPS["mul"], [Value(2.0), 3.0]).data, call_op(OPS["pow_const"], [Value(3.0)], 2).data
    (6.0, 9.0)
    """
    if len(operands) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} input(s), got {len(operands)}")
    nodes = [x if isinstance(x, Value) else Value(x) for x in operands]
    if op.has_const:
        if const is None or isinstance(const, bool) or not isinstance(const, numbers.Real):
            raise TypeError(f"{op.name} needs a number for its constant, got {type(const).__name__}")
        return _with_const(op, nodes[0], float(const))
    if op.arity == 2:
        return _binary(op, nodes[0], nodes[1])
    return _unary(op, nodes[0])


# --- pickle and deepcopy: a whole graph, without recursion -----------------------------------------
# pickle and deepcopy recurse into an object's arguments, so a node written with its parents
# would recurse once per level: a 10,000-op chain would hit the recursion limit. Instead the
# node pickled first writes every node above it, in the order they were made (parents first),
# as its first argument; each of those then finds its parents already written and refers to
# them. The creation numbers of the nodes written that way are kept per thread until the next
# graph is pickled. Restored in the order they were made, the copies are numbered in the same
# order as the originals, so backward visits them in the same order and gives the same floats.
_preloading = threading.local()


def _in_creation_order(root: Value) -> list[Value]:
    """The graph above ``root`` (``root`` included, last), oldest node first."""
    return sorted(topological_order(root), key=_creation_number)


def _creation_number(node: Value) -> int:
    return node._number


def _restore(_earlier: Any, data: float, grad: float, label: str, op: Op | None, a: Value | None,
             b: Value | None, const: float | None) -> Value:
    """A node from its pickled fields (``_earlier``: the nodes above it, already restored)."""
    node = Value(data, label)
    node._grad = grad
    node._op = op
    node._a = a
    node._b = b
    if const is not None:
        node._extras_to_fill().constant = const
    return node


class _Extras:
    """What few nodes have, kept out of the node so that the others need no room for it: a
    label, the op's constant (the 3 of ``x ** 3``), and the line of user code that made the node
    (recorded under ``detect_anomaly``)."""

    __slots__ = ("label", "constant", "origin")
    label: str
    constant: float | None
    origin: str | None

    def __init__(self) -> None:
        self.label = ""
        self.constant = None
        self.origin = None


@mypyc_attr(allow_interpreted_subclasses=True)
class Value:
    """A scalar node of a computation graph.

    ``data`` is the value, ``grad`` the accumulated gradient d(root)/d(self)
    filled by :meth:`backward`, ``label`` a name for display. ``op`` and
    ``parents`` say how the node was made; ``parents`` keeps order and
    duplicates (``x * x`` has parents ``(x, x)``). Nodes hash by identity.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> y.data, x.grad
    (15.0, 8.0)
    """

    # The inputs live in two slots, _a and _b (None when absent), not in a tuple: a tuple per
    # node would be one more object for the cyclic garbage collector to track and scan.
    # ``parents`` builds the tuple. What most nodes lack (a label, a constant, where anomaly
    # mode saw it made) is in one _Extras object, None for most nodes.
    __slots__ = ("_data", "_grad", "_op", "_a", "_b", "_number", "_extras")
    _data: float
    _grad: float
    _op: Op | None  # None for a leaf
    _a: Value | None  # first input
    _b: Value | None  # second input
    _number: int  # creation number: larger than every input's
    _extras: _Extras | None

    def __init__(self, data: RealNumber, label: str = "") -> None:
        self._data = data if type(data) is float else as_float(data)
        self._grad = 0.0
        self._op = None
        self._a = None
        self._b = None
        self._number = _next_creation_number()
        self._extras = None
        if label != "" or type(label) is not str:
            self.label = label

    def _extras_to_fill(self) -> _Extras:
        extras = self._extras
        if extras is None:
            extras = self._extras = _Extras()
        return extras

    # --- what the node is --------------------------------------------------------------
    @property
    def data(self) -> float:
        """The node's value, a float; assigning an int converts it, anything but a real number
        raises ``TypeError`` (as ``torch.Tensor.data`` refuses a non-tensor).

        >>> x = Value(2.0)
        >>> x.data = 3
        >>> x.data
        3.0
        >>> x.data = "5"
        Traceback (most recent call last):
        ...
        TypeError: data must be a real number (int or float), got str
        """
        if not ALL_THREADS.record_unchecked:
            _report("data", self, None, self._data)
        return self._data

    @data.setter
    def data(self, value: RealNumber) -> None:
        self._data = value if type(value) is float else as_float(value, "data")

    @property
    def grad(self) -> float:
        """d(root)/d(self) summed over the ``backward()`` calls so far, a float (0.0 at first);
        assignable, with the same checks as ``data``.

        >>> x = Value(3.0)
        >>> (x * x).backward()
        >>> x.grad
        6.0
        >>> x.grad = 0
        >>> x.grad
        0.0
        """
        return self._grad

    @grad.setter
    def grad(self, value: RealNumber) -> None:
        self._grad = value if type(value) is float else as_float(value, "grad")

    @property
    def label(self) -> str:
        """A name for display (graphs, the compiler's variable names, error messages); "" for none.

        >>> x = Value(2.0)
        >>> x.label = "x"
        >>> x.label = 7
        Traceback (most recent call last):
        ...
        TypeError: label must be a str, got int
        """
        extras = self._extras
        return "" if extras is None else extras.label

    @label.setter
    def label(self, value: object) -> None:
        if not isinstance(value, str):
            raise TypeError(f"label must be a str, got {type(value).__name__}")
        if value or self._extras is not None:
            self._extras_to_fill().label = value

    @property
    def op(self) -> str:
        """Name of the op that produced this node ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def op_record(self) -> Op | None:
        """The op table's record of the op that produced this node (None for a leaf).

        >>> (Value(2.0) * 3).op_record.maths
        'a · b;  ∂/∂a = b,  ∂/∂b = a'
        """
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order, duplicates kept (empty for a leaf)."""
        a = self._a
        if a is None:
            return ()
        b = self._b
        return (a,) if b is None else (a, b)

    @property
    def const(self) -> float | None:
        """The op's constant argument (the 3 of ``x ** 3``), or None."""
        extras = self._extras
        return extras.constant if extras is not None and self._op is not None and self._op.has_const else None

    @property
    def origin(self) -> str | None:
        """``file:line`` of the user code that made the node, recorded under ``detect_anomaly()``;
        None otherwise.

        >>> from autograd_core import detect_anomaly
        >>> with detect_anomaly():
        ...     y = Value(2.0) * 3
        >>> y.origin is not None, (Value(2.0) * 3).origin is None
        (True, True)
        """
        extras = self._extras
        return None if extras is None else extras.origin

    @property
    def number(self) -> int:
        """The node's creation number: unique in the process, larger than its inputs' numbers.

        >>> x = Value(1.0)
        >>> (x * 2).number > x.number
        True
        """
        return self._number

    def __repr__(self) -> str:
        parts = [f"data={self._data:.6g}", f"grad={self._grad:.6g}"]
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        if not ALL_THREADS.record_unchecked:
            _report("float", self, None, self._data)
        return self._data

    def item(self) -> float:
        """The node's value as a float, ``.data`` (as ``torch.Tensor.item()``).

        >>> (Value(2.0) * 3).item()
        6.0
        """
        if not ALL_THREADS.record_unchecked:
            _report("item", self, None, self._data)
        return self._data

    # --- comparisons ------------------------------------------------------------------------
    # <, <=, >, >= compare .data (with a Value or a number) and return a bool, so max(values),
    # sorted(values) and `if x > 0:` work. == is NOT overridden: nodes compare and hash by
    # identity, so they keep working as dict keys and set members (minitorch's __eq__ that
    # returns a node makes nodes unhashable). __hash__ is written out because mypyc drops the
    # inherited one from a class that defines comparisons.
    def __lt__(self, other: Value | float) -> bool:
        """``self.data < other`` (``other.data`` for a Value)."""
        value = _comparable(other)
        if value is None:
            return NotImplemented
        result = self._data < value
        if not ALL_THREADS.record_unchecked:
            _report("<", self, other, result)
        return result

    def __le__(self, other: Value | float) -> bool:
        """``self.data <= other`` (``other.data`` for a Value)."""
        value = _comparable(other)
        if value is None:
            return NotImplemented
        result = self._data <= value
        if not ALL_THREADS.record_unchecked:
            _report("<=", self, other, result)
        return result

    def __gt__(self, other: Value | float) -> bool:
        """``self.data > other`` (``other.data`` for a Value)."""
        value = _comparable(other)
        if value is None:
            return NotImplemented
        result = self._data > value
        if not ALL_THREADS.record_unchecked:
            _report(">", self, other, result)
        return result

    def __ge__(self, other: Value | float) -> bool:
        """``self.data >= other`` (``other.data`` for a Value)."""
        value = _comparable(other)
        if value is None:
            return NotImplemented
        result = self._data >= value
        if not ALL_THREADS.record_unchecked:
            _report(">=", self, other, result)
        return result

    def __hash__(self) -> int:
        return object.__hash__(self)

    # --- pickle and deepcopy ------------------------------------------------------------------
    def __reduce__(self) -> tuple[Any, ...]:
        """pickle and ``copy.deepcopy`` take the whole graph above the node (any depth), its ops
        by their name in the op table; ``data``, ``grad``, ``label`` and constants are kept."""
        pending = getattr(_preloading, "numbers", None)
        earlier = None
        if pending is not None and self._number in pending:
            pending.discard(self._number)
        elif self._a is not None:
            earlier = _in_creation_order(self)[:-1]
            _preloading.numbers = {node._number for node in earlier}
        return _restore, (earlier, self._data, self._grad, self.label, self._op, self._a, self._b, self.const)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the graph above the node, one loop over its topological order
        (``copy.deepcopy`` would recurse per level, and call ``__reduce__`` per node)."""
        for node in _in_creation_order(self):
            if id(node) not in memo:
                a = None if node._a is None else memo[id(node._a)]
                b = None if node._b is None else memo[id(node._b)]
                memo[id(node)] = _restore(None, node._data, node._grad, node.label, node._op, a, b, node.const)
        copied: Value = memo[id(self)]
        return copied

    # --- arithmetic: a number on either side becomes a constant leaf ---------------------------
    def __add__(self, other: Value | float) -> Value:
        """``self + other``."""
        operand = _operand(other, _ADD)
        if operand is None:
            return NotImplemented
        return _node(_ADD, self._data + operand._data, self, operand)

    def __radd__(self, other: Value | float) -> Value:
        """``other + self``."""
        operand = _operand(other, _ADD)
        if operand is None:
            return NotImplemented
        return _node(_ADD, operand._data + self._data, operand, self)

    def __sub__(self, other: Value | float) -> Value:
        """``self - other``."""
        operand = _operand(other, _SUB)
        if operand is None:
            return NotImplemented
        return _node(_SUB, self._data - operand._data, self, operand)

    def __rsub__(self, other: Value | float) -> Value:
        """``other - self``."""
        operand = _operand(other, _SUB)
        if operand is None:
            return NotImplemented
        return _node(_SUB, operand._data - self._data, operand, self)

    def __mul__(self, other: Value | float) -> Value:
        """``self * other``."""
        operand = _operand(other, _MUL)
        if operand is None:
            return NotImplemented
        return _node(_MUL, self._data * operand._data, self, operand)

    def __rmul__(self, other: Value | float) -> Value:
        """``other * self``."""
        operand = _operand(other, _MUL)
        if operand is None:
            return NotImplemented
        return _node(_MUL, operand._data * self._data, operand, self)

    def __truediv__(self, other: Value | float) -> Value:
        """``self / other``, for other ≠ 0."""
        operand = _operand(other, _DIV)
        return NotImplemented if operand is None else _binary(_DIV, self, operand)

    def __rtruediv__(self, other: Value | float) -> Value:
        """``other / self``, for self ≠ 0."""
        operand = _operand(other, _DIV)
        return NotImplemented if operand is None else _binary(_DIV, operand, self)

    def __mod__(self, other: Value | float) -> Value:
        """``self % other``, for other ≠ 0: the remainder with the sign of ``other``, as Python's
        ``%``, ``torch.remainder`` and ``numpy.mod`` (not ``torch.fmod``).

        >>> (Value(-7.0) % 3).data, (Value(7.0) % -3).data
        (2.0, -2.0)
        """
        operand = _operand(other, _MOD)
        return NotImplemented if operand is None else _binary(_MOD, self, operand)

    def __rmod__(self, other: Value | float) -> Value:
        """``other % self``, for self ≠ 0."""
        operand = _operand(other, _MOD)
        return NotImplemented if operand is None else _binary(_MOD, operand, self)

    def __floordiv__(self, other: Value | float) -> Value:
        """``self // other``, for other ≠ 0: ⌊self/other⌋ as Python and ``torch.div(...,
        rounding_mode="floor")`` round it; its derivative is 0.

        >>> (Value(-7.0) // 2).data
        -4.0
        """
        operand = _operand(other, _FLOORDIV)
        return NotImplemented if operand is None else _binary(_FLOORDIV, self, operand)

    def __rfloordiv__(self, other: Value | float) -> Value:
        """``other // self``, for self ≠ 0."""
        operand = _operand(other, _FLOORDIV)
        return NotImplemented if operand is None else _binary(_FLOORDIV, operand, self)

    def __neg__(self) -> Value:
        """``-self``."""
        return _unary(_NEG, self)

    def __pos__(self) -> Value:
        """``+self`` is ``self``."""
        return self

    def __pow__(self, other: Value | RealNumber) -> Value:
        """``self ** other``: a constant exponent (``x ** 3``, any real number) or a Value one
        (``x ** y``, for x ≥ 0)."""
        if isinstance(other, Value):
            return _binary(_POW, self, other)
        return _with_const(_POW_CONST, self, as_float(other, "the exponent"))

    def __rpow__(self, other: Value | float) -> Value:
        """``other ** self``, for other ≥ 0."""
        operand = _operand(other, _POW)
        return NotImplemented if operand is None else _binary(_POW, operand, self)

    # --- elementary functions and activations: each applies the op of its name -----------------
    def exp(self) -> Value:
        """e^x.

        >>> Value(0.0).exp().data
        1.0
        """
        return _unary(_EXP, self)

    def log(self) -> Value:
        """Natural logarithm, for x > 0.

        >>> Value(1.0).log().data
        0.0
        """
        return _unary(_LOG, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), stable for every finite x.

        >>> Value(0.0).sigmoid().data
        0.5
        """
        return _unary(_SIGMOID, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent.

        >>> Value(0.0).tanh().data
        0.0
        """
        return _unary(_TANH, self)

    def relu(self) -> Value:
        """max(x, 0); its derivative at 0 is taken as 0.

        >>> Value(-2.0).relu().data
        0.0
        """
        return _unary(_RELU, self)

    def heaviside(self) -> Value:
        """The Heaviside step H(x): 1 where x > 0 else 0 (relu's derivative); its own derivative
        is 0 (as ``torch.heaviside(x, 0)``, whose derivative PyTorch does not define).

        >>> Value(3.0).heaviside().data
        1.0
        """
        return _unary(_HEAVISIDE, self)

    def abs(self) -> Value:
        """|x| (also ``abs(x)``); its derivative at 0 is taken as 0, as torch.abs.

        >>> abs(Value(-2.0)).data
        2.0
        """
        return _unary(_ABS, self)

    def __abs__(self) -> Value:
        """``abs(self)``: the op ``abs``."""
        return _unary(_ABS, self)

    def sqrt(self) -> Value:
        """√x, for x ≥ 0 (its derivative needs x > 0).

        >>> Value(9.0).sqrt().data
        3.0
        """
        return _unary(_SQRT, self)

    def sin(self) -> Value:
        """Sine (radians).

        >>> Value(0.0).sin().data
        0.0
        """
        return _unary(_SIN, self)

    def cos(self) -> Value:
        """Cosine (radians).

        >>> Value(0.0).cos().data
        1.0
        """
        return _unary(_COS, self)

    # --- the maths library: each applies the op of its name ------------------------------------
    def tan(self) -> Value:
        """Tangent (radians).

        >>> Value(0.0).tan().data
        0.0
        """
        return _unary(_TAN, self)

    def sinh(self) -> Value:
        """Hyperbolic sine.

        >>> Value(0.0).sinh().data
        0.0
        """
        return _unary(_SINH, self)

    def cosh(self) -> Value:
        """Hyperbolic cosine.

        >>> Value(0.0).cosh().data
        1.0
        """
        return _unary(_COSH, self)

    def asin(self) -> Value:
        """arcsin x, for -1 ≤ x ≤ 1 (numpy's ``arcsin``).

        >>> Value(1.0).asin().data
        1.5707963267948966
        """
        return _unary(_ASIN, self)

    def acos(self) -> Value:
        """arccos x, for -1 ≤ x ≤ 1 (numpy's ``arccos``).

        >>> Value(1.0).acos().data
        0.0
        """
        return _unary(_ACOS, self)

    def atan(self) -> Value:
        """arctan x (numpy's ``arctan``).

        >>> Value(1.0).atan().data
        0.7853981633974483
        """
        return _unary(_ATAN, self)

    def asinh(self) -> Value:
        """Inverse hyperbolic sine (numpy's ``arcsinh``).

        >>> Value(0.0).asinh().data
        0.0
        """
        return _unary(_ASINH, self)

    def acosh(self) -> Value:
        """Inverse hyperbolic cosine, for x ≥ 1 (numpy's ``arccosh``).

        >>> Value(1.0).acosh().data
        0.0
        """
        return _unary(_ACOSH, self)

    def atanh(self) -> Value:
        """Inverse hyperbolic tangent, for -1 < x < 1 (numpy's ``arctanh``).

        >>> Value(0.0).atanh().data
        0.0
        """
        return _unary(_ATANH, self)

    def log2(self) -> Value:
        """Base-2 logarithm, for x > 0.

        >>> Value(8.0).log2().data
        3.0
        """
        return _unary(_LOG2, self)

    def log10(self) -> Value:
        """Base-10 logarithm, for x > 0.

        >>> Value(1000.0).log10().data
        3.0
        """
        return _unary(_LOG10, self)

    def log1p(self) -> Value:
        """ln(1 + x), for x > -1, exact for tiny x.

        >>> Value(1e-20).log1p().data
        1e-20
        """
        return _unary(_LOG1P, self)

    def expm1(self) -> Value:
        """e^x - 1, exact for tiny x.

        >>> Value(1e-20).expm1().data
        1e-20
        """
        return _unary(_EXPM1, self)

    def exp2(self) -> Value:
        """2^x.

        >>> Value(10.0).exp2().data
        1024.0
        """
        return _unary(_EXP2, self)

    def sign(self) -> Value:
        """-1, 0 or 1 by the sign of x (NaN for NaN); its derivative is 0.

        >>> Value(-2.5).sign().data, Value(0.0).sign().data
        (-1.0, 0.0)
        """
        return _unary(_SIGN, self)

    def floor(self) -> Value:
        """The largest integer ≤ x, as a float; its derivative is 0.

        >>> Value(-2.5).floor().data
        -3.0
        """
        return _unary(_FLOOR, self)

    def atan2(self, other: Value | RealNumber) -> Value:
        """atan2(self, other): the angle of the point (other, self), in (-π, π], as ``math.atan2``.

        >>> Value(1.0).atan2(-1.0).data
        2.356194490192345
        """
        return _binary(_ATAN2, self, _second_input(other, _ATAN2))

    def hypot(self, other: Value | RealNumber) -> Value:
        """√(self² + other²) without overflow or underflow, as ``math.hypot``.

        >>> Value(3.0).hypot(4.0).data
        5.0
        """
        return _binary(_HYPOT, self, _second_input(other, _HYPOT))

    def maximum(self, other: Value | RealNumber) -> Value:
        """The larger of self and other; at a tie each receives half the gradient (torch.maximum).

        >>> Value(2.0).maximum(3.0).data
        3.0
        """
        return _binary(_MAXIMUM, self, _second_input(other, _MAXIMUM))

    def minimum(self, other: Value | RealNumber) -> Value:
        """The smaller of self and other; at a tie each receives half the gradient (torch.minimum).

        >>> Value(2.0).minimum(3.0).data
        2.0
        """
        return _binary(_MINIMUM, self, _second_input(other, _MINIMUM))

    def clamp_min(self, low: Value | RealNumber) -> Value:
        """max(self, low), where self keeps the whole gradient at a tie (torch.clamp_min).

        >>> Value(-1.0).clamp_min(0.0).data
        0.0
        """
        return _binary(_CLAMP_MIN, self, _second_input(low, _CLAMP_MIN))

    def clamp_max(self, high: Value | RealNumber) -> Value:
        """min(self, high), where self keeps the whole gradient at a tie (torch.clamp_max).

        >>> Value(2.0).clamp_max(1.0).data
        1.0
        """
        return _binary(_CLAMP_MAX, self, _second_input(high, _CLAMP_MAX))

    def clip(self, min: Value | RealNumber | None = None, max: Value | RealNumber | None = None) -> Value:
        """self limited to [min, max] (either bound may be left out): ``clamp_min`` then
        ``clamp_max``, so its derivative is 1 at the bounds, as ``torch.clamp``'s (numpy's and
        JAX's name; ``min > max`` gives ``max``, as they do).

        >>> x = Value(1.5)
        >>> y = x.clip(0.0, 1.0)
        >>> y.backward()
        >>> y.data, x.grad
        (1.0, 0.0)
        """
        if min is None and max is None:
            raise ValueError("clip needs a lower bound (min), an upper bound (max) or both")
        clipped = self if min is None else self.clamp_min(min)
        return clipped if max is None else clipped.clamp_max(max)

    # --- gradients -------------------------------------------------------------------------
    def backward(self, grad: RealNumber = 1.0) -> None:
        """Accumulate d(self)/d(node) · ``grad`` into ``node.grad`` for every node of the graph.

        Calling it k times accumulates exactly k times the gradient; use :meth:`zero_grad` in
        between to start afresh.
        """
        seed = grad if type(grad) is float else as_float(grad, "grad")
        add_into_grads(backward_pass(self, seed))

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every node of this graph."""
        for node in topological_order(self):
            node._grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        if not ALL_THREADS.record_unchecked:
            _report("detach", self, None, self._data)
        return Value(self._data, self.label)


def _comparable(x: Any) -> float | None:
    """What a comparison compares a node with: a Value's data, a number, or None (refused)."""
    if isinstance(x, Value):
        return x._data
    if isinstance(x, bool) or not isinstance(x, (float, int)):
        return None
    return float(x)


# --- many nodes at once: what compiled code reads and writes -------------------------------------
# Compiled code (autograd_core.compile, jit) reads every parameter's number at the start of a call
# and adds every gradient at its end: one call each, instead of a property access per parameter.

def data_of(values: Sequence[Value]) -> list[float]:
    """The ``data`` of each node of ``values``, in order (reported to a jit trace as ``.data`` is).

    >>> data_of([Value(1.0), Value(2.5)])
    [1.0, 2.5]
    """
    if not ALL_THREADS.record_unchecked:
        for value in values:
            _report("data", value, None, value._data)
    return [value._data for value in values]


def add_to_grads(values: Sequence[Value], grads: Sequence[float]) -> None:
    """``values[i].grad += grads[i]`` for each ``i`` in order, under the gradient lock, as
    ``backward()`` adds a pass's gradients.

    >>> x = Value(1.0)
    >>> add_to_grads([x, x], [0.5, 0.25])
    >>> x.grad
    0.75
    """
    if len(values) != len(grads):
        raise ValueError(f"add_to_grads needs one gradient per node, got {len(grads)} for {len(values)}")
    GRAD_LOCK.acquire()  # (acquire and release cost half a with statement: this runs once per call)
    try:
        for node, grad in zip(values, grads, strict=True):
            node._grad += grad
    finally:
        GRAD_LOCK.release()


def sgd_update(values: Sequence[Value], lr: float) -> None:
    """The textbook SGD update of every node of ``values``, ``p.data -= lr * p.grad``, then
    ``p.grad = 0.0``, in order, under the gradient lock.

    >>> w = Value(1.0)
    >>> w.grad = 2.0
    >>> sgd_update([w], 0.25)
    >>> w.data, w.grad
    (0.5, 0.0)
    """
    GRAD_LOCK.acquire()
    try:
        for node in values:
            node._data -= lr * node._grad
            node._grad = 0.0
    finally:
        GRAD_LOCK.release()
