"""Chain-rule paths as a textbook writes them: one factor per pair of *named* nodes.

:func:`autograd_core.explain` lists every path edge by edge, including the
unnamed intermediate nodes of ``w1*x1 + w2*x2 + b1``. A textbook skips those and
writes ∂z/∂w1 = x1. :func:`textbook_paths` merges each run of edges between two
labelled nodes into one :class:`Factor`, whose value is the product of the
merged edges' partials (straight from ``explain``) and whose formula comes from
running the op table's own partial rules on :class:`Term` symbols, so no
derivative is restated here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from autograd_core import OPS, Value, explain

__all__ = ["Term", "Factor", "TextbookPath", "textbook_paths", "node_term", "fmt", "fmt_computed",
           "bracket_negative"]


def _minus(text: str) -> str:
    return "−" + text[1:] if text.startswith("-") else text


def fmt(x: float) -> str:
    """A given number in its shortest form up to 9 significant digits (0.42, not 0.420000000).

    >>> fmt(-0.37), fmt(1.0)
    ('−0.37', '1')
    """
    return _minus(f"{x:.9g}")


def _significant_digits(x: float) -> int:
    mantissa = repr(abs(x)).split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def fmt_computed(x: float) -> str:
    """A computed number: exact when it has at most 9 significant digits (0.375), otherwise
    rounded to 9 with trailing zeros kept (0.592666600), so a short number is always exact.

    >>> fmt_computed(0.375), fmt_computed(0.59266660045), fmt_computed(-2.5e-7)
    ('0.375', '0.592666600', '−2.5e-07')
    """
    if _significant_digits(x) <= 9:
        return fmt(x)
    return _minus(f"{x:#.9g}")


def bracket_negative(text: str) -> str:
    """``(−0.37)`` for a negative number inside a formula, the text itself otherwise."""
    return f"({text})" if text.startswith("−") else text


class Term:
    """A product ``coef · atom · atom ...`` kept both as symbols and as numbers.

    Each atom is a (symbolic text, numeric text, value) triple, e.g.
    ("(1 − a_o)", "(1 − 0.75)", 0.25). Arithmetic on Terms builds new Terms: Term implements
    the op table's rule interface (``autograd_core.engine.rules.RuleNumber``), so the rules run
    on it.
    """

    __slots__ = ("coef", "atoms")

    def __init__(self, coef: float = 1.0, atoms: tuple = ()) -> None:
        self.coef = float(coef)
        self.atoms = atoms

    @classmethod
    def atom(cls, text: str, numbers: str, value: float) -> Term:
        """A single named quantity."""
        return cls(1.0, ((text, numbers, float(value)),))

    @property
    def value(self) -> float:
        """The number this term stands for."""
        result = self.coef
        for _, _, value in self.atoms:
            result *= value
        return result

    def symbols(self) -> str:
        """``a_o·(1 − a_o)``."""
        return self._render(0, "·")

    def numbers(self) -> str:
        """``0.75 × (1 − 0.75)``."""
        return self._render(1, " × ")

    def _render(self, which: int, joiner: str) -> str:
        parts = [atom[which] for atom in self.atoms]
        if not parts:
            return fmt(self.coef)
        if which == 1 and (len(parts) > 1 or self.coef != 1.0):
            parts = [bracket_negative(part) for part in parts]
        body = joiner.join(parts)
        if self.coef == 1.0:
            return body
        if self.coef == -1.0:
            return "−" + body
        return fmt(self.coef) + joiner + body

    def _grouped(self) -> tuple[str, str]:
        """Both renderings, bracketed when they are products (to sit inside a sum)."""
        if (len(self.atoms) == 1 and self.coef == 1.0) or not self.atoms:
            return self.symbols(), self.numbers()
        return f"({self.symbols()})", f"({self.numbers()})"

    # --- arithmetic used by the op table's partial rules ------------------------------
    def __mul__(self, other: Any) -> Term:
        other = _as_term(other)
        return Term(self.coef * other.coef, self.atoms + other.atoms)

    __rmul__ = __mul__

    def __neg__(self) -> Term:
        return Term(-self.coef, self.atoms)

    def _combine(self, other: Any, sign: str, reverse: bool = False) -> Term:
        a, b = (_as_term(other), self) if reverse else (self, _as_term(other))
        # A product binds tighter than + and −, so only a negative right operand needs brackets.
        sa, na = a.symbols(), a.numbers()
        sb, nb = b._grouped() if b.coef < 0 else (b.symbols(), bracket_negative(b.numbers()))
        value = a.value + b.value if sign == "+" else a.value - b.value
        return Term.atom(f"({sa} {sign} {sb})", f"({na} {sign} {nb})", value)

    def __add__(self, other: Any) -> Term:
        return self._combine(other, "+")

    def __radd__(self, other: Any) -> Term:
        return self._combine(other, "+", reverse=True)

    def __sub__(self, other: Any) -> Term:
        return self._combine(other, "−")

    def __rsub__(self, other: Any) -> Term:
        return self._combine(other, "−", reverse=True)

    def __truediv__(self, other: Any) -> Term:
        other = _as_term(other)
        (sa, na), (sb, nb) = self._grouped(), other._grouped()
        return Term.atom(f"{sa}/{sb}", f"{na}/{nb}", self.value / other.value)

    def __rtruediv__(self, other: Any) -> Term:
        return _as_term(other) / self

    def __floordiv__(self, other: Any) -> Term:
        other = _as_term(other)
        (sa, na), (sb, nb) = self._grouped(), other._grouped()
        return Term.atom(f"⌊{sa}/{sb}⌋", f"⌊{na}/{nb}⌋", self.value // other.value)

    def __rfloordiv__(self, other: Any) -> Term:
        return _as_term(other) // self

    def __pow__(self, k: Any) -> Term:
        if isinstance(k, (int, float)) and k == 1.0:
            return self
        if isinstance(k, (int, float)) and k == 0.0:
            return Term(1.0)
        k = _as_term(k)
        (sa, na), (sk, nk) = self._grouped(), k._grouped()
        return Term.atom(f"{sa}^{sk}", f"{na}^{nk}", self.value ** k.value)

    def __rpow__(self, base: Any) -> Term:  # base ** self
        return _as_term(base) ** self

    def _function(self, name: str, value: float) -> Term:
        return Term.atom(f"{name}({self.symbols()})", f"{name}({self.numbers()})", value)

    def log(self) -> Term:
        """ln of the term."""
        return self._function("ln", math.log(self.value))

    def heaviside(self) -> Term:
        """Heaviside step H of the term."""
        return self._function("H", 1.0 if self.value > 0 else 0.0)

    def exp(self) -> Term:
        """e to the term."""
        return self._function("exp", math.exp(self.value))

    def sqrt(self) -> Term:
        """Square root of the term."""
        return self._function("√", math.sqrt(self.value))

    def sin(self) -> Term:
        """Sine of the term."""
        return self._function("sin", math.sin(self.value))

    def sinh(self) -> Term:
        """Hyperbolic sine of the term."""
        return self._function("sinh", math.sinh(self.value))

    def cosh(self) -> Term:
        """Hyperbolic cosine of the term."""
        return self._function("cosh", math.cosh(self.value))

    def cos(self) -> Term:
        """Cosine of the term."""
        return self._function("cos", math.cos(self.value))


def _as_term(x: Any) -> Term:
    if isinstance(x, Term):
        return x
    return Term(float(x))


def node_term(node: Value) -> Term:
    """The symbol for a node: its label if it has one, a number for an unlabelled leaf,
    otherwise its op applied to its inputs' symbols (``(t − a_o)``)."""
    if node.label:
        number = fmt(node.data) if not node.op else fmt_computed(node.data)
        return Term.atom(node.label, number, node.data)
    if not node.op:
        return Term(node.data)
    op = OPS[node.op]
    inputs = [node_term(parent) for parent in node.parents]
    if op.infix is not None or op.prefix is not None:
        term: Term = op.apply(inputs, node.const)  # an operator: Term's arithmetic writes it
        return term
    # A function: its symbol applied to the inputs, σ(z_h1_1).
    symbols = ", ".join(term.symbols() for term in inputs)
    numbers = ", ".join(term.numbers() for term in inputs)
    return Term.atom(f"{op.symbol}({symbols})", f"{op.symbol}({numbers})", node.data)


def _symbolic_partial(child: Value, input_index: int) -> Term:
    """∂child/∂(its input_index-th input) from the op table's rule, run on Terms."""
    inputs = [node_term(parent) for parent in child.parents]
    out = node_term(child)
    partials = OPS[child.op].partials_at(inputs, out, child.const)
    return _as_term(partials[input_index])


@dataclass(frozen=True)
class Factor:
    """One textbook factor ∂child/∂parent between two named nodes."""

    child: str
    parent: str
    term: Term  # the formula, from the op table's partial rules
    value: float  # the product of the merged edges' partials, as explain computed them

    @property
    def symbol(self) -> str:
        """``∂a_o/∂z_o``."""
        return f"∂{self.child}/∂{self.parent}"

    def line(self) -> str:
        """``∂a_o/∂z_o = a_o·(1 − a_o) = 0.75 × (1 − 0.75) = 0.1875``."""
        parts = [self.symbol, self.term.symbols()]
        if self.term.numbers() != parts[-1]:
            parts.append(self.term.numbers())
        if fmt_computed(self.value) != parts[-1]:
            parts.append(fmt_computed(self.value))
        return " = ".join(parts)


@dataclass(frozen=True)
class TextbookPath:
    """One chain-rule path as a product of textbook factors."""

    factors: tuple[Factor, ...]
    product: float

    def symbols(self) -> str:
        """``∂E/∂a_o · ∂a_o/∂z_o · ∂z_o/∂w9``."""
        return " · ".join(factor.symbol for factor in self.factors)

    def numbers(self) -> str:
        """``(0.74) × (0.19) × (0.6)``."""
        return " × ".join(f"({fmt_computed(factor.value)})" for factor in self.factors)

    def named_nodes(self) -> list[str]:
        """The named nodes the path passes through, output end first."""
        return [self.factors[0].child] + [factor.parent for factor in self.factors] if self.factors else []


def textbook_paths(output: Value, wrt: Value) -> tuple[list[TextbookPath], float]:
    """Every path from ``wrt`` to ``output`` with edges merged between labelled nodes,
    and the gradient the backward pass computes (for comparison).

    >>> x, w, b = Value(0.5, label="x"), Value(-2.0, label="w"), Value(1.0, label="b")
    >>> z = w * x + b; z.label = "z"
    >>> a = z.sigmoid(); a.label = "a"
    >>> paths, grad = textbook_paths(a, w)
    >>> for factor in paths[0].factors: print(factor.line())
    ∂a/∂z = a·(1 − a) = 0.5 × (1 − 0.5) = 0.25
    ∂z/∂w = x = 0.5
    """
    explanation = explain(output, wrt)
    paths = []
    for raw in explanation.paths:
        factors, start, term, value = [], None, Term(1.0), 1.0
        for edge in raw.edges:
            if start is None:
                start = edge.child_name
            term = term * _symbolic_partial(edge.child, edge.input_index)
            value *= edge.partial
            if edge.parent.label or edge.parent is wrt:
                factors.append(Factor(start, edge.parent_name, term, value))
                start, term, value = None, Term(1.0), 1.0
        paths.append(TextbookPath(tuple(factors), raw.product))
    return paths, explanation.gradient
