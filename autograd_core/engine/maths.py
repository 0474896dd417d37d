"""The maths library as functions: each applies the op of its name to ``Value`` s or plain numbers.

``tan(x)`` is ``x.tan()`` for a ``Value`` (a recorded node) and a float for a plain number, with
the op's own domain errors either way; a two-input function records a node when either input is a
``Value``. Each op's maths, domain and edge behaviour are in its record of the op table
(:mod:`.ops`), whose derivative rules are PyTorch's formulas. The names are those of Python's
``math`` module and PyTorch (``asin``, ``atan2``), which numpy 2 and the array API standard use
too; numpy's older ``arcsin`` spellings are not repeated (one name per function).

``sqrt``, ``sinh``, ``cosh``, ``exp``, ``log``, ``sin`` and ``cos`` are the derivative rules'
helpers (:mod:`.rules`), which work the same way.

>>> from autograd_core import Value, grad
>>> atan2(1.0, -1.0), atan2(Value(1.0), -1.0).op
(2.356194490192345, 'atan2')
>>> grad(lambda x: maximum(x, 1.0))(1.0)  # a tie: half the gradient, as torch.maximum
0.5
"""

from __future__ import annotations

from typing import Any

from .ops import OPS, Op
from .value import Value, as_float, call_op

__all__ = ["tan", "tanh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log2", "log10", "log1p",
           "expm1", "exp2", "sign", "floor", "mod", "atan2", "hypot", "maximum", "minimum", "clamp_min",
           "clamp_max", "clip"]


def _apply(op: Op, *operands: Any) -> Any:
    """``op`` on ``operands``: a node if any is a Value, else the float result."""
    for operand in operands:
        if not isinstance(operand, Value):
            as_float(operand, f"{op.name}'s input")  # a TypeError naming the function
    node = call_op(op, operands)
    return node if any(isinstance(operand, Value) for operand in operands) else node.data


def tan(x: Any) -> Any:
    """Tangent (radians), for finite x.

    >>> tan(0.0), tan(Value(0.0)).op
    (0.0, 'tan')
    """
    return _apply(OPS["tan"], x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent.

    >>> tanh(0.0), tanh(Value(0.0)).op
    (0.0, 'tanh')
    """
    return _apply(OPS["tanh"], x)


def asin(x: Any) -> Any:
    """arcsin x, for -1 ≤ x ≤ 1 (numpy's ``arcsin``); its derivative is inf at ±1, as torch's.

    >>> asin(1.0), asin(Value(0.5)).op
    (1.5707963267948966, 'asin')
    """
    return _apply(OPS["asin"], x)


def acos(x: Any) -> Any:
    """arccos x, for -1 ≤ x ≤ 1 (numpy's ``arccos``).

    >>> acos(1.0), acos(Value(0.5)).op
    (0.0, 'acos')
    """
    return _apply(OPS["acos"], x)


def atan(x: Any) -> Any:
    """arctan x (numpy's ``arctan``).

    >>> atan(1.0), atan(Value(1.0)).op
    (0.7853981633974483, 'atan')
    """
    return _apply(OPS["atan"], x)


def asinh(x: Any) -> Any:
    """Inverse hyperbolic sine (numpy's ``arcsinh``).

    >>> asinh(0.0), asinh(Value(0.0)).op
    (0.0, 'asinh')
    """
    return _apply(OPS["asinh"], x)


def acosh(x: Any) -> Any:
    """Inverse hyperbolic cosine, for x ≥ 1 (numpy's ``arccosh``).

    >>> acosh(1.0), acosh(Value(2.0)).op
    (0.0, 'acosh')
    """
    return _apply(OPS["acosh"], x)


def atanh(x: Any) -> Any:
    """Inverse hyperbolic tangent, for -1 < x < 1 (numpy's ``arctanh``).

    >>> atanh(0.0), atanh(Value(0.5)).op
    (0.0, 'atanh')
    """
    return _apply(OPS["atanh"], x)


def log2(x: Any) -> Any:
    """Base-2 logarithm, for x > 0.

    >>> log2(8.0), log2(Value(8.0)).op
    (3.0, 'log2')
    """
    return _apply(OPS["log2"], x)


def log10(x: Any) -> Any:
    """Base-10 logarithm, for x > 0.

    >>> log10(1000.0), log10(Value(10.0)).op
    (3.0, 'log10')
    """
    return _apply(OPS["log10"], x)


def log1p(x: Any) -> Any:
    """ln(1 + x), for x > -1, exact for tiny x (where ``log(1 + x)`` gives 0).

    >>> log1p(1e-20), log1p(Value(0.0)).op
    (1e-20, 'log1p')
    """
    return _apply(OPS["log1p"], x)


def expm1(x: Any) -> Any:
    """e^x - 1, exact for tiny x (where ``exp(x) - 1`` gives 0).

    >>> expm1(1e-20), expm1(Value(0.0)).op
    (1e-20, 'expm1')
    """
    return _apply(OPS["expm1"], x)


def exp2(x: Any) -> Any:
    """2^x.

    >>> exp2(10.0), exp2(Value(1.0)).op
    (1024.0, 'exp2')
    """
    return _apply(OPS["exp2"], x)


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of x (NaN for NaN, as numpy); its derivative is 0.

    >>> sign(-2.5), sign(0.0), sign(Value(3.0)).op
    (-1.0, 0.0, 'sign')
    """
    return _apply(OPS["sign"], x)


def floor(x: Any) -> Any:
    """The largest integer ≤ x, as a float; its derivative is 0.

    >>> floor(-2.5), floor(Value(2.5)).op
    (-3.0, 'floor')
    """
    return _apply(OPS["floor"], x)


def mod(a: Any, b: Any) -> Any:
    """``a % b``, for b ≠ 0: the remainder with the sign of b, as Python's ``%``,
    ``torch.remainder`` and ``numpy.mod``; ∂/∂a = 1, ∂/∂b = -⌊a/b⌋.

    >>> mod(-7.0, 3.0), mod(7.0, -3.0), mod(Value(7.0), 3.0).op
    (2.0, -2.0, 'mod')
    """
    return _apply(OPS["mod"], a, b)


def atan2(a: Any, b: Any) -> Any:
    """The angle of the point (b, a), in (-π, π], as ``math.atan2(a, b)`` (numpy's ``arctan2``).

    >>> atan2(0.0, -1.0), atan2(Value(1.0), 1.0).op
    (3.141592653589793, 'atan2')
    """
    return _apply(OPS["atan2"], a, b)


def hypot(a: Any, b: Any) -> Any:
    """√(a² + b²) without overflow or underflow, as ``math.hypot``.

    >>> hypot(3.0, 4.0), hypot(1e200, 1e200) > 1e200
    (5.0, True)
    """
    return _apply(OPS["hypot"], a, b)


def maximum(a: Any, b: Any) -> Any:
    """The larger of a and b; at a tie each receives half the gradient, as ``torch.maximum``.

    >>> maximum(2.0, 3.0), maximum(Value(2.0), 3.0).op
    (3.0, 'maximum')
    """
    return _apply(OPS["maximum"], a, b)


def minimum(a: Any, b: Any) -> Any:
    """The smaller of a and b; at a tie each receives half the gradient, as ``torch.minimum``.

    >>> minimum(2.0, 3.0), minimum(Value(2.0), 3.0).op
    (2.0, 'minimum')
    """
    return _apply(OPS["minimum"], a, b)


def clamp_min(a: Any, low: Any) -> Any:
    """max(a, low) where a keeps the whole gradient at a tie, as ``torch.clamp_min``.

    >>> clamp_min(-1.0, 0.0), clamp_min(Value(-1.0), 0.0).op
    (0.0, 'clamp_min')
    """
    return _apply(OPS["clamp_min"], a, low)


def clamp_max(a: Any, high: Any) -> Any:
    """min(a, high) where a keeps the whole gradient at a tie, as ``torch.clamp_max``.

    >>> clamp_max(2.0, 1.0), clamp_max(Value(2.0), 1.0).op
    (1.0, 'clamp_max')
    """
    return _apply(OPS["clamp_max"], a, high)


def clip(x: Any, min: Any = None, max: Any = None) -> Any:
    """x limited to [min, max], either bound left out if None (numpy's and JAX's ``clip``,
    ``torch.clamp``): ``clamp_min`` then ``clamp_max``, so the derivative is 1 at the bounds
    and 0 outside, as torch's.

    >>> from autograd_core import grad
    >>> clip(1.5, 0.0, 1.0), clip(-2.0, min=0.0)
    (1.0, 0.0)
    >>> [grad(lambda v: clip(v, 0.0, 1.0))(x) for x in (-0.5, 0.0, 0.5, 1.0, 1.5)]
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    node = x if isinstance(x, Value) else Value(as_float(x, "clip's input"))
    clipped = node.clip(min, max)
    return clipped if any(isinstance(operand, Value) for operand in (x, min, max)) else clipped.data
