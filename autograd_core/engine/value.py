"""``Value``: a scalar that records the operations applied to it.

Every method here is one line that names an entry of the op table
(:mod:`autograd_core.engine.ops`); the forward rule, the partial derivatives and the
domain checks live there.
"""

from __future__ import annotations

import math
import numbers
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast, overload

from . import fastpaths
from .graph import topological_order
from .ieee import ieee_forward
from .modes import THIS_THREAD, AllThreads, user_code_location
from .ops import OPS, Op

__all__ = ["Value", "as_float", "as_int", "call_op"]

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POW, _POW_CONST = OPS["pow"], OPS["pow_const"]
_EXP, _LOG, _SIGMOID, _TANH, _RELU, _STEP = (
    OPS["exp"], OPS["log"], OPS["sigmoid"], OPS["tanh"], OPS["relu"], OPS["step"])
_ABS, _SQRT, _SIN, _COS = OPS["abs"], OPS["sqrt"], OPS["sin"], OPS["cos"]


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


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _comparable(x: Any) -> float | None:
    """What a comparison compares a node with: a Value's data, a number, or None (refused)."""
    if isinstance(x, Value):
        return x._data
    return x if _is_number(x) else None


def _comparison(compare: Callable[[float, float], bool], symbol: str) -> Callable[[Value, Any], bool]:
    """The ``Value`` method for ``symbol``: ``compare`` of ``.data`` with a Value's data or a number."""
    def method(self: Value, other: Any) -> bool:
        other = _comparable(other)
        return NotImplemented if other is None else compare(self._data, other)
    method.__name__ = method.__qualname__ = f"__{compare.__name__}__"
    method.__doc__ = f"``self.data {symbol} other`` (``other.data`` for a Value)."
    return method


def _unary_method(op: Op, doc: str, example: str, result: str) -> Callable[[Value], Value]:
    """The ``Value`` method applying the one-input ``op``, documented by ``doc`` and the doctest
    ``example`` (whose ``.data`` is ``result``). Generated (autograd_core.engine.fastpaths): the node
    is built inline, as in ``__add__``."""
    method: Callable[[Value], Value] = fastpaths.define_unary_method(op, globals())
    method.__doc__ = f"{doc}\n\n>>> {example}.data\n{result}\n"
    return method


class _FloatAttribute(Protocol):
    """How type checkers see ``Value.data`` and ``Value.grad``: a float attribute that takes any
    float (or int) and reads as a float."""

    @overload
    def __get__(self, node: None, owner: type[Any]) -> _FloatAttribute: ...
    @overload
    def __get__(self, node: Value, owner: type[Any]) -> float: ...
    def __get__(self, node: Value | None, owner: type[Any]) -> float | _FloatAttribute: ...
    def __set__(self, node: Value, value: float) -> None: ...


def _float_property(name: str, doc: str) -> _FloatAttribute:
    """A ``Value`` property over the slot ``_<name>`` whose setter refuses anything but a real
    number (see :func:`fastpaths.define_checked_setter`)."""
    checked = property(operator.attrgetter(f"_{name}"), fastpaths.define_checked_setter(name, globals()), doc=doc)
    return cast(_FloatAttribute, checked)


_new_object = object.__new__


def _domain_error(op: Op, args: tuple[float, ...], error: Exception) -> Exception:
    call = f"{op.name}({', '.join(repr(a) for a in args)})"
    if isinstance(error, ZeroDivisionError):
        return ZeroDivisionError(f"{call} divides by zero: {op.name} is defined for {op.domain_text}")
    if isinstance(error, OverflowError):
        # The inputs are inside the domain here; the result is just too large for a float.
        return OverflowError(f"{call} overflows a float (the largest is about 1.8e308)")
    return ValueError(f"{call} is outside the domain of {op.name}: defined for {op.domain_text} ({error})")


def _forward_failed(op: Op, inputs: tuple[float, ...], const: float | None, error: Exception) -> float:
    """What an op whose forward rule raised gives: inside the recording of partial derivatives
    (``gradients(create_graph=True)``), the IEEE result (inf, nan), as PyTorch computes them;
    elsewhere its domain error."""
    if not AllThreads.record_unchecked and THIS_THREAD.ieee:
        data = ieee_forward(op, inputs, const)
        if data is not None:
            return data
    raise _domain_error(op, inputs + ((const,) if const is not None else ()), error) from None


class _DefaultModes:
    """Every thread's modes while ``AllThreads.record_unchecked`` holds (no thread-local read)."""

    record = True
    anomaly = False


def _checked_node(data: float, op: Op, parents: tuple[Value, ...], const: float | None) -> Value:
    """Slow path of every op: no_grad leaves, anomaly checks (the calling thread's modes), constants."""
    modes = THIS_THREAD if not AllThreads.record_unchecked else _DefaultModes
    if modes.anomaly and not math.isfinite(data):
        # The new node has no label yet, so name the inputs by theirs.
        args = [f"{p.label}={p.data!r}" if p.label else repr(p.data) for p in parents]
        args += [repr(const)] if const is not None else []
        raise FloatingPointError(
            f"{op.name} produced {data!r} in forward from inputs ({', '.join(args)}), "
            f"at {user_code_location()}")
    if not modes.record:
        return _node(data, None)
    node = _node(data, op, *parents)
    if const is not None:
        node._const = const
    if modes.anomaly:
        node._origin = user_code_location()
    return node


def _unary_const(op: Op, a: Value, const: float) -> Value:
    try:
        data = op.forward(a._data, const)
    except (ArithmeticError, ValueError) as error:
        data = _forward_failed(op, (a._data,), const, error)
    if AllThreads.record_unchecked:
        node = _node(data, op, a)
        node._const = const
        return node
    return _checked_node(data, op, (a,), const)


def _constant(x: Any) -> Value | None:
    """A leaf for a plain number operand, or None for anything else."""
    if x.__class__ is float:
        return _node(x, None)
    if not _is_number(x):
        return None
    return _node(float(x), None)


# What an operator method returns for an operand it does not handle, so Python tries the
# other operand's reflected method (typed as a Value, as mypy types it inside dunders).
_NOT_IMPLEMENTED = cast("Value", NotImplemented)


def _binary(op: Op, a: Any, b: Any) -> Value:
    # Plain numbers on either side become constant leaves, as in micrograd.
    if not isinstance(a, Value):
        a = _constant(a)
        if a is None:
            return _NOT_IMPLEMENTED
    if not isinstance(b, Value):
        b = _constant(b)
        if b is None:
            return _NOT_IMPLEMENTED
    try:
        data = op.forward(a._data, b._data)
    except (ArithmeticError, ValueError) as error:
        data = _forward_failed(op, (a._data, b._data), None, error)
    if AllThreads.record_unchecked:
        return _node(data, op, a, b)
    return _checked_node(data, op, (a, b), None)


def call_op(op: Op, operands: Sequence[Value | float], const: float | None = None) -> Value:
    """``op`` applied to ``operands`` (``Value`` s, or numbers, which become constant leaves) by
    the engine's eager path: the forward rule, its domain errors and the recorded node, exactly
    what the ``Value`` methods do. ``const`` is the constant of an op that takes one.

    >>> from autograd_core import OPS
    >>> call_op(OPS["mul"], [Value(2.0), 3.0]).data, call_op(OPS["pow_const"], [Value(3.0)], 2).data
    (6.0, 9.0)
    """
    if len(operands) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} input(s), got {len(operands)}")
    values = [x if isinstance(x, Value) else Value(x) for x in operands]
    if op.has_const:
        if const is None or not _is_number(const):
            raise TypeError(f"{op.name} needs a number for its constant, got {type(const).__name__}")
        return _unary_const(op, values[0], float(const))
    if op.arity == 2:
        return _binary(op, values[0], values[1])
    return _unary(op, values[0])


# The hot paths of node creation are generated (autograd_core.engine.fastpaths, where the code that
# builds a node is written once): ``+ - *`` of two Values and every unary op build their node
# inline while no thread is in no_grad or detect_anomaly; everything else takes _binary. They
# run in this module's namespace (Value is looked up when they are called).
_MAKERS = fastpaths.define_node_makers(globals(), (_ADD, _SUB, _MUL))
_node: Callable[..., Value] = _MAKERS["new_node"]
_unary: Callable[[Op, Value], Value] = _MAKERS["unary"]


def _operator_method(name: str) -> Callable[[Value, Any], Value]:
    method: Callable[[Value, Any], Value] = _MAKERS[name]
    return method


# --- pickle and deepcopy: a whole graph, without recursion -----------------------------------------
# pickle and deepcopy recurse into an object's arguments, so a node written with its parents
# would recurse once per level: a 10,000-op chain would hit the recursion limit. Instead the
# node pickled first writes every node above it, in topological order (parents first), as its
# first argument; each of those then finds its parents already written and refers to them.
# The ids of the nodes written that way are kept per thread until the next graph is pickled;
# a stale id (an object since freed) only costs recursion, never a wrong graph.
_preloading = threading.local()


def _restore(_earlier: Any, data: float, grad: float, label: str, op: Op | None, a: Value | None,
             b: Value | None, const: Any) -> Value:
    """A node from its pickled fields (``_earlier``: the nodes above it, already restored)."""
    node = _node(data, op, a, b)
    node.grad = grad
    node.label = label
    if const is not None:
        node._const = const
    return node


def _deepcopy(root: Value, memo: dict[int, Any]) -> Value:
    """A copy of the graph above ``root``, one loop over its topological order (``copy.deepcopy``
    would recurse per level, and call ``__reduce__`` per node)."""
    for node in topological_order(root):
        if id(node) not in memo:
            a, b = node._a, node._b
            const = node._const if node._op is not None and node._op.has_const else None
            memo[id(node)] = _restore(None, node.data, node.grad, node.label, node._op,
                                      None if a is None else memo[id(a)], None if b is None else memo[id(b)], const)
    copied: Value = memo[id(root)]
    return copied


def _reduce(node: Value) -> tuple[Any, ...]:
    """``(_restore, fields)`` of ``node``: its ancestors first unless the graph being written has them."""
    pending = getattr(_preloading, "ids", None)
    earlier = None
    if pending is not None and id(node) in pending:
        pending.discard(id(node))
    elif node._a is not None:
        earlier = topological_order(node)[:-1]
        _preloading.ids = {id(other) for other in earlier}
    const = node._const if node._op is not None and node._op.has_const else None
    return _restore, (earlier, node.data, node.grad, node.label, node._op, node._a, node._b, const)


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

    # The parents live in two slots, _a and _b (None when absent), not in a tuple: a tuple
    # per node is one more object for the cyclic garbage collector to track and scan,
    # which cost about a fifth of a training step's time. ``parents`` rebuilds the tuple.
    #
    # data and grad are properties over the slots _data and _grad, so that assigning anything
    # but a real number raises (x.data = "5" would otherwise break the node later, far from the
    # assignment). The engine's own hot paths read and write the slots.
    __slots__ = ("_data", "_grad", "label", "_op", "_a", "_b", "_const", "_origin", "_pass_grad")
    _data: float
    _grad: float
    label: str
    _op: Op | None  # None for a leaf
    _a: Value | None  # first parent
    _b: Value | None  # second parent
    _const: float  # set only on nodes of an op with a constant
    _origin: str  # where user code made the node, set only under detect_anomaly
    _pass_grad: float  # scratch of the backward pass running under fastpaths.PASS_LOCK

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self._data = as_float(data)
        self._grad = 0.0
        self.label = label
        self._op = None
        self._a = None
        self._b = None

    # --- what the node is --------------------------------------------------------------
    data = _float_property("data", """The node's value, a float; assigning an int converts it,
        anything but a real number raises ``TypeError`` (as ``torch.Tensor.data`` refuses a non-tensor).

        >>> x = Value(2.0)
        >>> x.data = 3
        >>> x.data
        3.0
        >>> x.data = "5"
        Traceback (most recent call last):
        ...
        TypeError: data must be a real number (int or float), got str
        """)
    grad = _float_property("grad", """d(root)/d(self) summed over the ``backward()`` calls so far,
        a float (0.0 at first); assignable, with the same checks as ``data``.

        >>> x = Value(3.0)
        >>> (x * x).backward()
        >>> x.grad
        6.0
        >>> x.grad = 0
        >>> x.grad
        0.0
        """)

    @property
    def op(self) -> str:
        """Name of the op that produced this node ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

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
        return self._const if self._op is not None and self._op.has_const else None

    def __repr__(self) -> str:
        parts = [f"data={self._data:.6g}", f"grad={self._grad:.6g}"]
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        return self._data

    def item(self) -> float:
        """The node's value as a float, ``.data`` (as ``torch.Tensor.item()``).

        >>> (Value(2.0) * 3).item()
        6.0
        """
        return self._data

    # --- comparisons ------------------------------------------------------------------------
    # <, <=, >, >= compare .data (with a Value or a number) and return a bool, so max(values),
    # sorted(values) and `if x > 0:` work. == is NOT overridden: nodes compare and hash by
    # identity, so they keep working as dict keys and set members (minitorch's __eq__ that
    # returns a node makes nodes unhashable).
    __lt__ = _comparison(operator.lt, "<")
    __le__ = _comparison(operator.le, "<=")
    __gt__ = _comparison(operator.gt, ">")
    __ge__ = _comparison(operator.ge, ">=")

    def __reduce__(self) -> tuple[Any, ...]:
        """pickle and ``copy.deepcopy`` take the whole graph above the node (any depth), its ops
        by their name in the op table; ``data``, ``grad``, ``label`` and constants are kept."""
        return _reduce(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        return _deepcopy(self, memo)

    # --- arithmetic -----------------------------------------------------------------------
    __add__ = _operator_method("__add__")
    __radd__ = _operator_method("__radd__")  # other + self
    __sub__ = _operator_method("__sub__")
    __rsub__ = _operator_method("__rsub__")  # other - self
    __mul__ = _operator_method("__mul__")
    __rmul__ = _operator_method("__rmul__")  # other * self
    def __truediv__(self, other: Any) -> Value: return _binary(_DIV, self, other)
    def __rtruediv__(self, other: Any) -> Value: return _binary(_DIV, other, self)  # other / self
    def __neg__(self) -> Value: return _unary(_NEG, self)
    def __pos__(self) -> Value: return self

    def __pow__(self, other: Any) -> Value:
        """``self ** other``: a constant exponent (``x ** 3``) or a Value one (``x ** y``, x > 0)."""
        if other.__class__ is float or other.__class__ is int:  # the common case, before the ABC check
            return _unary_const(_POW_CONST, self, float(other))
        if isinstance(other, Value):
            return _binary(_POW, self, other)
        if not _is_number(other):
            return NotImplemented
        return _unary_const(_POW_CONST, self, float(other))

    def __rpow__(self, other: Any) -> Value: return _binary(_POW, other, self)  # other ** self

    # --- elementary functions and activations: each applies the op of its name -----------------
    exp = _unary_method(_EXP, "e^x.", "Value(0.0).exp()", "1.0")
    log = _unary_method(_LOG, "Natural logarithm, for x > 0.", "Value(1.0).log()", "0.0")
    sigmoid = _unary_method(_SIGMOID, "1 / (1 + e^-x), stable for every finite x.", "Value(0.0).sigmoid()", "0.5")
    tanh = _unary_method(_TANH, "Hyperbolic tangent.", "Value(0.0).tanh()", "0.0")
    relu = _unary_method(_RELU, "max(x, 0); its derivative at 0 is taken as 0.", "Value(-2.0).relu()", "0.0")
    step = _unary_method(_STEP, "1 where x > 0 else 0 (relu's derivative); its own derivative is 0.",
                         "Value(3.0).step()", "1.0")
    abs = _unary_method(_ABS, "|x| (also ``abs(x)``); its derivative at 0 is taken as 0, as torch.abs.",
                        "abs(Value(-2.0))", "2.0")
    __abs__ = abs
    sqrt = _unary_method(_SQRT, "√x, for x ≥ 0 (its derivative needs x > 0).", "Value(9.0).sqrt()", "3.0")
    sin = _unary_method(_SIN, "Sine (radians).", "Value(0.0).sin()", "0.0")
    cos = _unary_method(_COS, "Cosine (radians).", "Value(0.0).cos()", "1.0")

    # --- gradients -------------------------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Accumulate d(self)/d(node) into ``node.grad`` for every node of the graph.

        Calling it k times accumulates exactly k times the gradient; use
        :meth:`zero_grad` in between to start afresh.
        """
        fastpaths.accumulate_gradients(self, grad if grad.__class__ is float else as_float(grad, "grad"))

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every node of this graph."""
        for node in topological_order(self):
            node._grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data: gradients stop here."""
        return Value(self._data, self.label)
