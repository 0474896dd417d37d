"""Turning the op table's rules into Python source, by evaluating them on symbols.

A :class:`Sym` is a piece of Python source (``"grad_h1"``, ``"w1 * x1"``) that supports
the arithmetic operators and the helper methods the op table's derivative rules use (it
implements :class:`autograd_core.engine.rules.RuleNumber`). Calling ``op.vjp`` on symbols
instead of floats therefore *writes out* the rule as an expression, with exactly the
operations (and the evaluation order) the float rule would perform. The compiler
(:mod:`autograd_core.compiler.step`) writes a whole graph out that way, as straight-line
forward and backward code.

Derivatives are never restated here: every expression comes from ``Op.vjp``.

>>> from autograd_core.engine.ops import OPS
>>> g, a, out = Sym("grad_y"), Sym("x"), Sym("y")
>>> OPS["tanh"].vjp(g, a, out)
(Sym('grad_y * (1.0 - y * y)'),)
>>> OPS["div"].vjp(g, a, Sym("b"), out)
(Sym('grad_y / b'), Sym('-grad_y * y / b'))
>>> g * 1.0, g * -1.0
(Sym('grad_y'), Sym('-grad_y'))
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Any

__all__ = ["Sym", "literal", "identifier", "combine"]

# Python's operator precedences, low to high, for the operators a rule may use.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 5
_BINARY_PRECEDENCE = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "//": _PRODUCT, "%": _PRODUCT,
                      "**": _POWER}


def literal(x: float) -> Sym:
    """A float as source: its exact ``repr``, or ``float('inf')``/``float('nan')``.

    >>> literal(0.1), literal(-2), literal(float("inf"))
    (Sym('0.1'), Sym('-2.0'), Sym("float('inf')"))
    """
    x = float(x)
    if not math.isfinite(x):
        return Sym(f"float({str(x)!r})", _ATOM)
    text = repr(x)
    return Sym(text, _UNARY if text.startswith("-") else _ATOM)


def _operand(x: Any) -> Sym:
    if isinstance(x, Sym):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return literal(x)
    raise TypeError(f"a symbolic rule can only combine symbols and numbers, got {type(x).__name__}")


def _is_number(x: Any, value: float) -> bool:
    """True for the number ``value``, whether a plain number or a literal symbol."""
    if isinstance(x, Sym):
        return x.text == repr(float(value))
    return isinstance(x, (int, float)) and not isinstance(x, bool) and x == value


def combine(left: Any, infix: str, right: Any) -> Sym:
    """``left <infix> right`` as source, parenthesised to keep the evaluation order.

    >>> combine(Sym("a"), "-", Sym("b") - Sym("c")), combine(-2.0, "*", Sym("a"))
    (Sym('a - (b - c)'), Sym('-2.0 * a'))
    """
    left, right = _operand(left), _operand(right)
    precedence = _BINARY_PRECEDENCE[infix]
    if infix == "**":
        # Right-associative, and binds tighter than a unary minus on its left: (-a) ** b.
        left_text = left.text if left.precedence > _POWER else f"({left.text})"
        right_text = right.text if right.precedence >= _UNARY else f"({right.text})"
    else:
        # Left-associative: a - (b - c) and a * (b * c) need their parentheses, and keeping
        # them keeps the float rule's evaluation order (so its exact rounding) too.
        left_text = left.text if left.precedence >= precedence else f"({left.text})"
        right_text = right.text if right.precedence > precedence else f"({right.text})"
    return Sym(f"{left_text} {infix} {right_text}", precedence)


class Sym:
    """A Python expression that op rules can compute with, building source text.

    Multiplying by the numbers 1 and -1 is simplified away (``g * 1.0`` is ``g``,
    ``g * -1.0`` is ``-g``): both are exact in floating point, so the generated code
    gives bit-for-bit the float rule's result. Nothing else is rewritten.

    >>> a, b = Sym("a"), Sym("b")
    >>> (a - b) * (a - b) / 2.0
    Sym('(a - b) * (a - b) / 2.0')
    >>> a - (b - 1.0), -a ** 2.0, (-a) ** 2.0
    (Sym('a - (b - 1.0)'), Sym('-a ** 2.0'), Sym('(-a) ** 2.0'))
    >>> a.log(), a.heaviside()
    (Sym('log(a)'), Sym('heaviside(a)'))
    """

    __slots__ = ("text", "precedence")

    def __init__(self, text: str, precedence: int = _ATOM) -> None:
        self.text = text
        self.precedence = precedence

    def __repr__(self) -> str:
        return f"Sym({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        raise TypeError("a symbol has no truth value: a partial rule must not branch on its inputs "
                        "(use heaviside for a data-dependent factor)")

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        raise TypeError("symbols cannot be compared: a partial rule must not branch on its inputs")

    def __add__(self, other: Any) -> Sym: return combine(self, "+", other)
    def __radd__(self, other: Any) -> Sym: return combine(other, "+", self)  # other + self
    def __sub__(self, other: Any) -> Sym: return combine(self, "-", other)
    def __rsub__(self, other: Any) -> Sym: return combine(other, "-", self)  # other - self
    def __truediv__(self, other: Any) -> Sym: return combine(self, "/", other)
    def __rtruediv__(self, other: Any) -> Sym: return combine(other, "/", self)  # other / self
    def __floordiv__(self, other: Any) -> Sym: return combine(self, "//", other)
    def __rfloordiv__(self, other: Any) -> Sym: return combine(other, "//", self)  # other // self
    def __pow__(self, other: Any) -> Sym: return combine(self, "**", other)
    def __rpow__(self, other: Any) -> Sym: return combine(other, "**", self)  # other ** self

    def __mul__(self, other: Any) -> Sym:
        if _is_number(self, 1.0):
            return _operand(other)
        if _is_number(self, -1.0):
            return -_operand(other)
        if _is_number(other, 1.0):
            return self
        if _is_number(other, -1.0):
            return -self
        return combine(self, "*", other)

    def __rmul__(self, other: Any) -> Sym:  # other * self
        if _is_number(other, 1.0):
            return self
        if _is_number(other, -1.0):
            return -self
        return combine(other, "*", self)

    def __neg__(self) -> Sym:
        if self.precedence == _UNARY and self.text.startswith("-"):
            inner = self.text[1:]  # -(-a) is a, exactly
            return Sym(inner, _ATOM if inner.isidentifier() or _is_float_text(inner) else _POWER)
        return Sym(f"-{self.text}" if self.precedence >= _UNARY else f"-({self.text})", _UNARY)

    def log(self) -> Sym:
        """``log(self)``: the name ``log`` must be bound to the log op's float rule."""
        return Sym(f"log({self.text})", _ATOM)

    def heaviside(self) -> Sym:
        """``heaviside(self)``: the name ``heaviside`` must be bound to the heaviside op's float rule."""
        return Sym(f"heaviside({self.text})", _ATOM)

    def exp(self) -> Sym:
        """``exp(self)``: the name ``exp`` must be bound to the exp op's float rule."""
        return Sym(f"exp({self.text})", _ATOM)

    def sqrt(self) -> Sym:
        """``sqrt(self)``: the name ``sqrt`` must be bound to the sqrt op's float rule."""
        return Sym(f"sqrt({self.text})", _ATOM)

    def sin(self) -> Sym:
        """``sin(self)``: the name ``sin`` must be bound to the sin op's float rule."""
        return Sym(f"sin({self.text})", _ATOM)

    def sinh(self) -> Sym:
        """``sinh(self)``: the name ``sinh`` must be bound to the sinh op's float rule."""
        return Sym(f"sinh({self.text})", _ATOM)

    def cosh(self) -> Sym:
        """``cosh(self)``: the name ``cosh`` must be bound to the cosh op's float rule."""
        return Sym(f"cosh({self.text})", _ATOM)

    def cos(self) -> Sym:
        """``cos(self)``: the name ``cos`` must be bound to the cos op's float rule."""
        return Sym(f"cos({self.text})", _ATOM)


def _is_float_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9]+")


def identifier(text: str, fallback: str) -> str:
    """A safe Python identifier made from ``text``: ASCII letters, digits and ``_`` only.

    Every other character becomes ``_``, so no label can inject code into generated
    source; keywords get a trailing ``_``; an empty result becomes ``fallback``.

    >>> identifier("layer1.w[0]", "p"), identifier('x"); import os; ("', "p"), identifier("λ", "p")
    ('layer1_w_0', 'x_import_os', 'p')
    >>> identifier("2nd", "p"), identifier("lambda", "p")
    ('v2nd', 'lambda_')
    """
    name = _NOT_IDENTIFIER.sub("_", text).strip("_")
    if not name:
        name = fallback
    if name[0].isdigit():
        name = "v" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name
