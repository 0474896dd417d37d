"""User-defined ops: one record in the op table, and the op works everywhere ``exp`` does.

:func:`define_op` is the public way to add an op, the counterpart of PyTorch's
``torch.autograd.Function``, HIPS autograd's ``defvjp`` and minitorch's
``ScalarFunction``. It declares an :class:`~autograd_core.engine.ops.Op` record (the forward
rule on floats, the derivative rule made from the local partial derivatives you write with
arithmetic and the helpers of :mod:`~autograd_core.engine.rules`, a symbol, one line of maths,
the domain), adds it to :data:`~autograd_core.OPS` and makes it a ``Value`` method (an
attribute set on the class, which works in the mypyc-compiled build as in the pure one).
Everything else reads the record: ``backward()``, ``create_graph`` and ``hessian``
to any order, forward mode (``jvp``, ``jacfwd``), ``compile``, ``explain``, ``draw_graph``'s
edge labels, ``gradcheck`` and the strategies of :mod:`autograd_core.testing`.

>>> import math
>>> from autograd_core import Value, define_op, grad, remove_op
>>> from autograd_core import exp
>>> softplus = define_op(
...     "softplus", lambda a: math.log1p(math.exp(-abs(a))) + max(a, 0.0),
...     lambda a, out: (1.0 - exp(-out),),          # σ(a) = 1 - e^(-softplus(a))
...     maths="ln(1 + e^a);  ∂/∂a = σ(a) = 1 - e^-out", symbol="softplus")
>>> x = Value(0.0)
>>> y = softplus(x)           # or x.softplus()
>>> y.backward()
>>> round(y.data, 6), x.grad, round(grad(grad(softplus))(0.0), 6)
(0.693147, 0.5, 0.25)
>>> remove_op("softplus")     # only tests need this
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any

from .ops import BUILT_IN_OPS, OPS, Op
from .value import Value, call_op

__all__ = ["define_op", "remove_op", "vjp_from_partials", "op_table_version"]

_table_changes = 0  # how many times define_op and remove_op changed the op table


def op_table_version() -> int:
    """A number that changes whenever :func:`define_op` or :func:`remove_op` changes the op table,
    so that a cache of compiled code (``autograd_core.jit``) can tell its ops may have changed.

    >>> before = op_table_version()
    >>> _ = define_op("twice", lambda a: 2.0 * a, lambda a, out: (2.0,), maths="2a;  ∂/∂a = 2")
    >>> remove_op("twice")
    >>> op_table_version() - before
    2
    """
    return _table_changes


def _table_changed() -> None:
    global _table_changes
    _table_changes += 1


def vjp_from_partials(partials: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
    """The op record's derivative rule ``vjp(g, *inputs, out)`` made from local derivatives
    ``partials(*inputs, out)``: each input receives ``g`` times its partial. A partial that is
    the number 0 gives the number 0.0 (the input receives nothing, whatever ``g`` is), one that
    is the number 1 gives ``g`` itself.

    >>> vjp = vjp_from_partials(lambda a, b, out: (0.0, a))
    >>> vjp(2.0, 3.0, 4.0, 0.0)
    (0.0, 6.0)
    """
    def vjp(g: Any, *inputs_and_out: Any) -> tuple[Any, ...]:
        return tuple(_times(g, partial) for partial in partials(*inputs_and_out))

    return vjp


def _times(g: Any, partial: Any) -> Any:
    """``g · partial``, where a partial that is a plain number 0 or 1 needs no multiplication."""
    if isinstance(partial, (float, int)) and not isinstance(partial, bool):
        if partial == 0.0:
            return 0.0
        if partial == 1.0:
            return g
    return g * partial

def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"an op's name must be a str, got {type(name).__name__}")
    if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
        raise ValueError(f"an op's name must be a Python identifier not starting with _ (it becomes a "
                         f"Value method), got {name!r}")
    if name in OPS:
        raise ValueError(f"there is already an op named {name!r} in OPS")
    if hasattr(Value, name):
        raise ValueError(f"{name!r} is already a Value attribute; choose another name for the op")
    return name


def define_op(name: str, forward: Callable[..., float], partials: Callable[..., tuple[Any, ...]], *,
              maths: str, symbol: str | None = None, domain: str | None = None, arity: int = 1,
              kink_distance: Callable[..., float] | None = None) -> Callable[..., Value]:
    """Declare a new op, add it to :data:`~autograd_core.OPS`, and return it as a function.

    ``forward(a[, b])`` computes the op on floats and raises ``ValueError`` (or an
    ``ArithmeticError``) outside its domain. ``partials(a[, b], out)`` returns the tuple
    of local derivatives ∂out/∂a (, ∂out/∂b) given the inputs and the output; write it
    with arithmetic (``+ - * / // **``) and the helpers ``log``, ``exp``, ``sqrt``, ``sin``,
    ``cos``, ``sinh``, ``cosh``, ``heaviside`` of :mod:`autograd_core` (never ``math`` or an
    ``if`` on the inputs), so the same rule runs on floats, on ``Value`` s (higher-order
    gradients and forward mode's ``jvp``) and on the compiler's symbols. The op record's
    derivative rule multiplies each partial by the incoming
    gradient (:func:`vjp_from_partials`); a partial that is the number 0 passes nothing. ``maths`` is one line stating the op and its derivative; ``symbol`` labels
    graph nodes (default: the name); ``domain`` describes, in words, the inputs where the
    op is defined (``None``: every real input, so ``forward`` never raises);
    ``kink_distance(a)`` is the distance from the points where the op is not
    differentiable, for ops that have some.

    The op becomes the method ``x.<name>()`` (``a.<name>(b)`` for two inputs) and the
    returned function ``f(x)`` (``f(a, b)``), which also takes plain numbers.

    >>> import math
    >>> from autograd_core import Value, remove_op
    >>> from autograd_core import cos, sin
    >>> sincos = define_op("sincos", lambda a, b: math.sin(a) * math.cos(b),
    ...                    lambda a, b, out: (cos(a) * cos(b), -sin(a) * sin(b)),
    ...                    maths="sin a · cos b;  ∂/∂a = cos a cos b,  ∂/∂b = -sin a sin b", arity=2)
    >>> a, b = Value(0.0), Value(0.0)
    >>> out = a.sincos(b)
    >>> out.backward()
    >>> out.op, a.grad, b.grad
    ('sincos', 1.0, 0.0)
    >>> remove_op("sincos")
    """
    _check_name(name)
    if arity not in (1, 2) or isinstance(arity, bool):
        raise ValueError(f"arity must be 1 or 2, got {arity!r}")
    for what, rule in (("forward", forward), ("partials", partials)):
        if not callable(rule):
            raise TypeError(f"{what} must be callable, got {type(rule).__name__}")
    if not isinstance(maths, str) or not maths:
        raise TypeError("maths must be a non-empty str: one line stating the op and its derivative")
    op = Op(name, symbol or name, arity, forward, vjp_from_partials(partials), maths, domain=domain,
            kink_distance=kink_distance)
    OPS[name] = op
    setattr(Value, name, _method(op))
    _table_changed()
    return _function(op)


def _method(op: Op) -> Callable[..., Value]:
    def method(self: Value, *others: Value | float) -> Value:
        return call_op(op, (self, *others))

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = op.maths
    return method


def _function(op: Op) -> Callable[..., Value]:
    def function(*operands: Value | float) -> Value:
        return call_op(op, operands)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = f"{op.maths} (the op {op.name!r} of autograd_core.OPS)"
    return function


def remove_op(name: str) -> None:
    """Take an op added by :func:`define_op` out of ``OPS`` and ``Value`` again (for tests).

    Nodes already recorded with it keep their record and still differentiate.
    """
    if name not in OPS or name in BUILT_IN_OPS:
        raise ValueError(f"{name!r} is not an op added by define_op")
    del OPS[name]
    delattr(Value, name)
    _table_changed()
