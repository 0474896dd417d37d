"""IEEE 754 results for derivatives at the edges of an op's domain, as PyTorch gives them.

Python's floats raise where IEEE arithmetic gives an infinity or a NaN: ``0.0 ** -0.5``
raises ZeroDivisionError (IEEE: inf), ``1e-200 ** -2`` raises OverflowError (IEEE: inf),
``math.log(0.0)`` raises ValueError (IEEE: -inf). A forward op keeps Python's errors (they
name the op and its domain), but a *derivative* that is infinite there is an IEEE value, as
in PyTorch: ``x ** 0.5`` at 0 has gradient inf, and ``detect_anomaly()`` reports it.

:class:`IEEE` wraps a float so that the op table's derivative rules, evaluated on it, give
exactly those results (and, everywhere else, bit for bit the float result); the backward pass
falls back on :func:`ieee_vjp` where a rule raised on floats. :func:`ieee_forward` gives the
IEEE result of an op whose forward rule raised, for the ops a rule can record (its infix
operator, or one of the rules' helpers).

>>> (0.5 * IEEE(0.0) ** -0.5).value, (IEEE(1.0) / 0.0).value, IEEE(0.0).log().value
(inf, inf, -inf)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

from .ops import HELPERS, Op

__all__ = ["IEEE", "divide", "floor_divide", "power", "ieee_vjp", "ieee_forward"]


def divide(a: float, b: float) -> float:
    """``a / b`` with IEEE results for b = 0: ±inf, or NaN for 0/0.

    >>> divide(1.0, -0.0), divide(0.0, 0.0)
    (-inf, nan)
    """
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _odd_integer(k: float) -> bool:
    return math.isfinite(k) and k.is_integer() and k % 2.0 == 1.0


def power(a: float, k: float) -> float:
    """``a ** k`` with IEEE results (C's ``pow``): inf at ``0 ** -k``, ±inf on overflow, NaN for
    a negative base with a non-integer exponent.

    >>> power(0.0, -0.5), power(-0.0, -1.0), power(1e-200, -2.0), power(-8.0, 1 / 3)
    (inf, -inf, inf, nan)
    """
    if a < 0.0 and math.isfinite(k) and not k.is_integer():
        return math.nan  # Python would give a complex number
    try:
        result: float = a ** k
    except ZeroDivisionError:  # 0 ** negative
        return math.copysign(math.inf, a) if _odd_integer(k) else math.inf
    except OverflowError:
        return -math.inf if a < 0.0 and _odd_integer(k) else math.inf
    return result


def _unary_ieee(function: Callable[[float], float], at_edge: Callable[[float], float]) -> Callable[[float], float]:
    def ieee(a: float) -> float:
        try:
            return function(a)
        except (ArithmeticError, ValueError):
            return at_edge(a)
    return ieee


def floor_divide(a: float, b: float) -> float:
    """``a // b`` with the IEEE result ``a / b`` (±inf, or NaN) for b = 0, as torch's floor division.

    >>> floor_divide(7.0, 2.0), floor_divide(-1.0, 0.0)
    (3.0, -inf)
    """
    if b == 0.0:
        return divide(a, b)
    quotient: float = a // b
    return quotient


_log = _unary_ieee(math.log, lambda a: -math.inf if a == 0.0 else math.nan)
_exp = _unary_ieee(math.exp, lambda a: math.inf)  # only overflow can fail
_sqrt = _unary_ieee(math.sqrt, lambda a: math.nan)  # a < 0
_sinh = _unary_ieee(math.sinh, lambda a: math.copysign(math.inf, a))  # only overflow can fail
_cosh = _unary_ieee(math.cosh, lambda a: math.inf)
_sin = _unary_ieee(math.sin, lambda a: math.nan)  # sin(±inf)
_cos = _unary_ieee(math.cos, lambda a: math.nan)


def _value(x: Any) -> float:
    return x.value if isinstance(x, IEEE) else float(x)


class IEEE:
    """A float whose arithmetic and helper methods give IEEE results instead of raising.

    Rules use ``+ - * / **`` and the helpers of :mod:`.rules` (it implements
    :class:`.rules.RuleNumber`); on an ``IEEE`` they compute with :func:`divide`,
    :func:`power` and the IEEE versions of the helpers. ``.value`` is the float.

    >>> (IEEE(2.0) * 3.0 - 1.0).value
    5.0
    """

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def __repr__(self) -> str:
        return f"IEEE({self.value!r})"

    def __add__(self, other: Any) -> IEEE: return IEEE(self.value + _value(other))
    def __radd__(self, other: Any) -> IEEE: return IEEE(_value(other) + self.value)  # other + self
    def __sub__(self, other: Any) -> IEEE: return IEEE(self.value - _value(other))
    def __rsub__(self, other: Any) -> IEEE: return IEEE(_value(other) - self.value)  # other - self
    def __mul__(self, other: Any) -> IEEE: return IEEE(self.value * _value(other))
    def __rmul__(self, other: Any) -> IEEE: return IEEE(_value(other) * self.value)  # other * self
    def __truediv__(self, other: Any) -> IEEE: return IEEE(divide(self.value, _value(other)))
    def __rtruediv__(self, other: Any) -> IEEE: return IEEE(divide(_value(other), self.value))
    def __floordiv__(self, other: Any) -> IEEE: return IEEE(floor_divide(self.value, _value(other)))
    def __rfloordiv__(self, other: Any) -> IEEE: return IEEE(floor_divide(_value(other), self.value))
    def __pow__(self, other: Any) -> IEEE: return IEEE(power(self.value, _value(other)))
    def __rpow__(self, other: Any) -> IEEE: return IEEE(power(_value(other), self.value))
    def __neg__(self) -> IEEE: return IEEE(-self.value)

    def log(self) -> IEEE:
        """ln, with log(0) = -inf and NaN below 0."""
        return IEEE(_log(self.value))

    def heaviside(self) -> IEEE:
        """1.0 where the value is > 0, else 0.0 (as the heaviside op)."""
        return IEEE(1.0 if self.value > 0.0 else 0.0)

    def exp(self) -> IEEE:
        """e^x, inf on overflow."""
        return IEEE(_exp(self.value))

    def sqrt(self) -> IEEE:
        """√x, NaN below 0."""
        return IEEE(_sqrt(self.value))

    def sinh(self) -> IEEE:
        """Hyperbolic sine, ±inf on overflow."""
        return IEEE(_sinh(self.value))

    def cosh(self) -> IEEE:
        """Hyperbolic cosine, inf on overflow."""
        return IEEE(_cosh(self.value))

    def sin(self) -> IEEE:
        """Sine, NaN at ±inf."""
        return IEEE(_sin(self.value))

    def cos(self) -> IEEE:
        """Cosine, NaN at ±inf."""
        return IEEE(_cos(self.value))


_INFIX: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
    "//": operator.floordiv}


def ieee_vjp(op: Op, g: float, inputs: Sequence[float], out: float, const: float | None) -> tuple[float, ...]:
    """What each input of ``op`` receives from the gradient ``g`` (its ``vjp`` rule), with IEEE
    results where Python's floats would raise.

    >>> from autograd_core import OPS
    >>> ieee_vjp(OPS["pow_const"], 1.0, [0.0], 0.0, 0.5), ieee_vjp(OPS["div"], 1.0, [1.0, 0.0], math.inf, None)
    ((inf,), (inf, -inf))
    """
    received = op.vjp_at(IEEE(g), [IEEE(x) for x in inputs], IEEE(out), const)
    return tuple(_value(r) for r in received)


def ieee_forward(op: Op, inputs: Sequence[float], const: float | None) -> float | None:
    """The IEEE result of ``op`` at ``inputs`` where its forward rule raised, or None when the
    op is neither an infix operator nor one of the partial rules' helpers.

    >>> from autograd_core import OPS
    >>> ieee_forward(OPS["pow_const"], [0.0], -0.5), ieee_forward(OPS["div"], [-1.0, 0.0], None)
    (inf, -inf)
    """
    operands = [IEEE(x) for x in inputs] + ([IEEE(const)] if const is not None else [])
    if op.infix in _INFIX and len(operands) == 2:
        return _value(_INFIX[op.infix](operands[0], operands[1]))
    if op.name in HELPERS and len(operands) == 1:
        method: Callable[[], IEEE] = getattr(operands[0], op.name)
        return method().value
    return None
