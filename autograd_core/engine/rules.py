"""The rule interface: what a derivative rule of the op table may compute with.

Every op's derivative rule (``Op.vjp`` in :mod:`.ops`) is written once, with the arithmetic
operators and the helper functions of this module, and never with ``math`` or an ``if`` on its
inputs. The same rule then runs on several kinds of number, each of which implements
:class:`RuleNumber`:

* floats: the backward pass of ``backward()`` (the helpers below take floats);
* :class:`~autograd_core.Value`: the rule is recorded as a graph, so gradients can be
  differentiated again (``create_graph=True``, ``hessian``);
* :class:`~autograd_core.engine.ieee.IEEE`: floats that give IEEE results (inf, nan) where
  Python's floats raise, for the edges of an op's domain;
* the compiler's :class:`~autograd_core.compiler.symbols.Sym`: the rule is written out as
  Python source;
* ``nn.chain.Term``: the rule is written out as a textbook formula.

A helper is a function of one number: on a float (or int) it computes the result, on anything
else it calls the method of the same name, which each kind of number implements. Adding a
helper means one function here, one name in :data:`HELPER_NAMES` and one method per
implementation; ``tests/test_rules.py`` fails until every implementation has it.

>>> from autograd_core import Value
>>> heaviside(2.0), heaviside(0.0), exp(0.0)
(1.0, 0.0, 1.0)
>>> heaviside(Value(-1.0)).op
'heaviside'
"""

from __future__ import annotations

import math
from typing import Any, Protocol

__all__ = ["RuleNumber", "OPERATOR_NAMES", "HELPER_NAMES", "log", "exp", "sqrt", "sin", "cos", "sinh", "cosh",
           "heaviside"]

OPERATOR_NAMES: tuple[str, ...] = (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
    "__floordiv__", "__rfloordiv__", "__pow__", "__rpow__", "__neg__")
"""The arithmetic a rule may use: ``+ - * / // **`` either way round, and unary minus."""

HELPER_NAMES: tuple[str, ...] = ("log", "exp", "sqrt", "sin", "cos", "sinh", "cosh", "heaviside")
"""The helpers a rule may call besides arithmetic. Each is also an op of the table with the same
name, so a rule recorded on ``Value`` s records that op, and the compiler binds the name to that
op's forward rule."""


class RuleNumber(Protocol):
    """What a derivative rule may do with the numbers it is given (the incoming gradient, the op's
    inputs and output): the operators of :data:`OPERATOR_NAMES` with another such number or a
    float, and the helpers of :data:`HELPER_NAMES` as methods. ``tests/test_rules.py`` checks that
    each kind of number has every one of them.

    >>> from autograd_core import Value
    >>> [name for name in OPERATOR_NAMES + HELPER_NAMES if not hasattr(Value, name)]
    []
    """

    def __add__(self, other: Any, /) -> Any: ...
    def __radd__(self, other: Any, /) -> Any: ...
    def __sub__(self, other: Any, /) -> Any: ...
    def __rsub__(self, other: Any, /) -> Any: ...
    def __mul__(self, other: Any, /) -> Any: ...
    def __rmul__(self, other: Any, /) -> Any: ...
    def __truediv__(self, other: Any, /) -> Any: ...
    def __rtruediv__(self, other: Any, /) -> Any: ...
    def __floordiv__(self, other: Any, /) -> Any: ...
    def __rfloordiv__(self, other: Any, /) -> Any: ...
    def __pow__(self, other: Any, /) -> Any: ...
    def __rpow__(self, other: Any, /) -> Any: ...
    def __neg__(self) -> Any: ...
    def log(self) -> Any: ...
    def exp(self) -> Any: ...
    def sqrt(self) -> Any: ...
    def sin(self) -> Any: ...
    def cos(self) -> Any: ...
    def sinh(self) -> Any: ...
    def cosh(self) -> Any: ...
    def heaviside(self) -> Any: ...


def _is_plain_number(x: Any) -> bool:
    return isinstance(x, (float, int))


def _float_error(name: str, x: float, error: Exception) -> Exception:
    """``math``'s error for ``name(x)`` (same type), naming the call: ``math range error`` alone
    does not say which of a formula's calls failed.

    >>> exp(1000.0)
    Traceback (most recent call last):
    ...
    OverflowError: exp(1000.0) overflows a float (the largest is about 1.8e308)
    >>> log(-1.0)
    Traceback (most recent call last):
    ...
    ValueError: log(-1.0) is outside the domain of log (math domain error)
    """
    call = f"{name}({float(x)!r})"  # log(0.0) for an int too, as the compiled build receives it
    if isinstance(error, OverflowError):
        return OverflowError(f"{call} overflows a float (the largest is about 1.8e308)")
    return ValueError(f"{call} is outside the domain of {name} ({error})")


def log(x: Any) -> Any:
    """Natural log of a float, or ``x.log()`` of any other rule number (a ``Value`` records the op).

    >>> from autograd_core import Value
    >>> log(1.0), log(Value(1.0)).op
    (0.0, 'log')
    """
    if _is_plain_number(x):
        try:
            return math.log(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("log", x, error) from None
    return x.log()


def exp(x: Any) -> Any:
    """e^x of a float, or ``x.exp()`` of any other rule number.

    >>> from autograd_core import Value
    >>> exp(0.0), exp(Value(0.0)).op
    (1.0, 'exp')
    """
    if _is_plain_number(x):
        try:
            return math.exp(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("exp", x, error) from None
    return x.exp()


def sqrt(x: Any) -> Any:
    """Square root of a float (x ≥ 0), or ``x.sqrt()`` of any other rule number.

    >>> from autograd_core import Value
    >>> sqrt(4.0), sqrt(Value(4.0)).op
    (2.0, 'sqrt')
    """
    if _is_plain_number(x):
        try:
            return math.sqrt(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("sqrt", x, error) from None
    return x.sqrt()


def sin(x: Any) -> Any:
    """Sine of a float, or ``x.sin()`` of any other rule number.

    >>> from autograd_core import Value
    >>> sin(0.0), sin(Value(0.0)).op
    (0.0, 'sin')
    """
    if _is_plain_number(x):
        try:
            return math.sin(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("sin", x, error) from None
    return x.sin()


def cos(x: Any) -> Any:
    """Cosine of a float, or ``x.cos()`` of any other rule number.

    >>> from autograd_core import Value
    >>> cos(0.0), cos(Value(0.0)).op
    (1.0, 'cos')
    """
    if _is_plain_number(x):
        try:
            return math.cos(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("cos", x, error) from None
    return x.cos()


def sinh(x: Any) -> Any:
    """Hyperbolic sine of a float, or ``x.sinh()`` of any other rule number.

    >>> from autograd_core import Value
    >>> sinh(0.0), sinh(Value(0.0)).op
    (0.0, 'sinh')
    """
    if _is_plain_number(x):
        try:
            return math.sinh(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("sinh", x, error) from None
    return x.sinh()


def cosh(x: Any) -> Any:
    """Hyperbolic cosine of a float, or ``x.cosh()`` of any other rule number.

    >>> from autograd_core import Value
    >>> cosh(0.0), cosh(Value(0.0)).op
    (1.0, 'cosh')
    """
    if _is_plain_number(x):
        try:
            return math.cosh(x)
        except (OverflowError, ValueError) as error:
            raise _float_error("cosh", x, error) from None
    return x.cosh()


def heaviside(x: Any) -> Any:
    """The Heaviside step of a float (1.0 where x > 0, else 0.0, NaN included), or
    ``x.heaviside()`` of any other rule number. Rules use it for a factor that depends on the
    sign of an input (relu's derivative), since they may not branch on their inputs.

    >>> from autograd_core import Value
    >>> heaviside(2.0), heaviside(0.0), heaviside(Value(-1.0)).op
    (1.0, 0.0, 'heaviside')
    """
    if _is_plain_number(x):
        return 1.0 if x > 0.0 else 0.0
    return x.heaviside()
