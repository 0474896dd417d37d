"""The op table: every primitive operation, declared once.

Each :class:`Op` record holds an op's forward rule on floats and its local
partial derivatives ∂out/∂input. Everything else reads these records: the eager
:class:`~autograd_core.Value` methods, ``backward()``, higher-order gradients,
the compiler and the graph drawer. Adding an op means adding one record here and
one method line on ``Value``.

Partial rules receive the inputs and the op's output (so ``exp``, ``sigmoid`` and
``tanh`` reuse the output instead of recomputing it) and are written with plain
arithmetic and the helpers of :data:`HELPERS` only (:func:`log`, :func:`step`,
:func:`exp`, :func:`sin`, :func:`cos`). That one rule then works three ways: on
floats (eager backward), on ``Value`` nodes (recording a graph for higher-order
gradients) and on any object that implements the arithmetic operators and the
helpers as methods (the compiler's symbols, which turn the rule into source code).

A new op is one more record: :func:`autograd_core.define_op` declares it, adds it
here and makes it a ``Value`` method, and every part of the project reads it from
this table like the built-in ones.

>>> OPS["mul"].partials(3.0, 4.0, 12.0)
(4.0, 3.0)
>>> OPS["sigmoid"].partials(0.0, 0.5)
(0.25,)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Op", "OPS", "BUILT_IN_OPS", "HELPERS", "log", "op_named", "step", "exp", "sin", "cos", "stable_sigmoid"]


def _float_or_recorded(name: str, on_floats: Callable[[float], float], doc: str) -> Callable[[Any], Any]:
    """The helper ``name`` of a partial rule: ``on_floats`` for a plain number, else the method of
    the same name, so on a ``Value`` or a compiler's symbol it records the op ``name``."""
    recorded = operator.methodcaller(name)

    def helper(x: Any) -> Any:
        if isinstance(x, (float, int)):
            return on_floats(x)
        return recorded(x)

    helper.__name__ = helper.__qualname__ = name
    helper.__doc__ = doc
    return helper


# The helpers a partial rule may call. Each one's example runs as a doctest.
log = _float_or_recorded("log", math.log, """
    Natural log of a float, or the recorded ``log`` of a ``Value`` or symbol.

    >>> from autograd_core import Value
    >>> log(1.0), log(Value(1.0)).op
    (0.0, 'log')
    """)
exp = _float_or_recorded("exp", math.exp, """
    e^x of a float, or the recorded ``exp`` of a ``Value`` or symbol.

    >>> from autograd_core import Value
    >>> exp(0.0), exp(Value(0.0)).op
    (1.0, 'exp')
    """)
sin = _float_or_recorded("sin", math.sin, """
    Sine of a float, or the recorded ``sin`` of a ``Value`` or symbol.

    >>> from autograd_core import Value
    >>> sin(0.0), sin(Value(0.0)).op
    (0.0, 'sin')
    """)
cos = _float_or_recorded("cos", math.cos, """
    Cosine of a float, or the recorded ``cos`` of a ``Value`` or symbol.

    >>> from autograd_core import Value
    >>> cos(0.0), cos(Value(0.0)).op
    (1.0, 'cos')
    """)


def step(x: Any) -> Any:
    """Heaviside step (1 where x > 0, else 0) of a float, ``Value`` or symbol.

    >>> from autograd_core import Value
    >>> step(2.0), step(0.0), step(Value(-1.0)).op
    (1.0, 0.0, 'step')
    """
    # The same rule as _float_or_recorded makes, written out: relu's backward calls step once per
    # node on floats, and a float rule of its own (there is no C function for it) would cost a
    # second Python call there (about 45 ns each).
    if isinstance(x, (float, int)):
        return 1.0 if x > 0 else 0.0
    return x.step()


HELPERS: dict[str, Callable[[Any], Any]] = {"log": log, "step": step, "exp": exp, "sin": sin, "cos": cos}
"""The functions a partial rule may call besides arithmetic. Each is also an op of the table
with the same name, so the compiler writes ``exp(x)`` and binds ``exp`` to that op's forward rule."""


def stable_sigmoid(x: float) -> float:
    """Logistic function 1 / (1 + e^-x) without overflow for any finite x.

    >>> stable_sigmoid(-1e6), stable_sigmoid(0.0), stable_sigmoid(1e6)
    (0.0, 0.5, 1.0)
    """
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    # For negative x, e^-x could overflow; e^x cannot, so rewrite the fraction.
    e = math.exp(x)
    return e / (1.0 + e)


def _pow_const(a: float, k: float) -> float:
    if a < 0.0 and not float(k).is_integer():
        raise ValueError("a negative base needs an integer exponent")
    power: float = a**k  # real: a ≥ 0, or an integer k
    return power


def _pow_const_partials(a: Any, out: Any, k: float) -> tuple[Any, ...]:
    # k is a plain number, so these branches are decided at record/compile time. k = 0 and
    # k = 1 are written out because k·a^(k-1) would evaluate 0^-1 at a = 0 (x**0 and,
    # one order up, the recorded derivative of x**1 would fail there).
    if k == 0.0:
        return (0.0,)
    if k == 1.0:
        return (1.0,)
    return (k * a ** (k - 1.0),)


def _pow(a: float, b: float) -> float:
    if a < 0.0:
        # The exponent's partial is out * log(a), which is real only for a ≥ 0.
        raise ValueError("Value ** Value needs a base ≥ 0; use x ** number for a constant exponent")
    power: float = a**b  # real for a base ≥ 0; 0 ** 0 is 1 and 0 ** -1 raises, as in Python
    return power


def _pow_partials(a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # NOTE: at a = 0 (0 ** b = 0 for b > 0) ln a is -inf; as PyTorch and HIPS autograd do, the
    # exponent's partial is 0 there: ln a is taken at a + (1 - step(a)), which is a for a > 0
    # (exactly) and 1 at a = 0.
    return (b * a ** (b - 1.0), out * log(a + (1.0 - step(a))))


def _sqrt(a: float) -> float:
    if a < 0.0:
        raise ValueError("sqrt needs an input ≥ 0")
    return math.sqrt(a)



def _div(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _log(a: float) -> float:
    if a <= 0.0:
        raise ValueError("log needs a positive input")
    return math.log(a)


@dataclass(frozen=True)
class Op:
    """One primitive operation: how to compute it and how to differentiate it.

    Attributes:
        name: the ``Value`` method name (``"mul"`` for ``__mul__``), also the key in :data:`OPS`.
        symbol: short display symbol for graphs and explanations (``"*"``, ``"σ"``).
        arity: number of ``Value`` inputs (1 or 2).
        forward: the rule on floats; ``forward(*inputs[, const])``.
        partials: local derivatives ∂out/∂input, one per input;
            ``partials(*inputs, out[, const])``. Works on floats, Values and symbols.
        maths: one line stating the op and its derivatives.
        domain: words for the inputs where the op is defined, used in error messages;
            ``None`` for an op defined on all real inputs, whose forward rule cannot
            raise (so code generators may inline it).
        has_const: True when the op also takes one plain-number constant (``x ** 3``),
            which is not differentiated.
        kink_distance: for ops that are not differentiable everywhere, the distance of the
            input from the non-differentiable set, so tests and strategies can keep away from it.
        infix: Python operator that writes the op between its two inputs (``"+"``: ``a + b``)
            or between its input and the constant (``"**"``: ``a ** k``); ``None`` for the rest.
        prefix: Python operator written before the one input (``"-"``: ``-a``), or ``None``.

    An op with neither ``infix`` nor ``prefix`` is written as a method, ``a.exp()``.
    """

    name: str
    symbol: str
    arity: int
    forward: Callable[..., float]
    partials: Callable[..., tuple[Any, ...]]
    maths: str
    domain: str | None = None
    has_const: bool = False
    kink_distance: Callable[..., float] | None = None
    infix: str | None = None
    prefix: str | None = None

    @property
    def total(self) -> bool:
        """True when the op is defined on all real inputs (its forward rule cannot raise)."""
        return self.domain is None

    @property
    def domain_text(self) -> str:
        """The domain in words, for messages and tables.

        >>> OPS["log"].domain_text, OPS["mul"].domain_text
        ('a > 0', 'all real inputs')
        """
        return "all real inputs" if self.domain is None else self.domain

    def apply(self, operands: Sequence[Any], const: float | None = None) -> Any:
        """The op written as a user writes it, on ``Value`` s or anything with ``Value``'s
        operators and methods: ``a + b``, ``a ** k``, ``-a``, ``a.exp()``.

        >>> from autograd_core import Value
        >>> OPS["pow_const"].apply([Value(3.0)], 2.0).data, OPS["exp"].apply([Value(0.0)]).data
        (9.0, 1.0)
        """
        args = (*operands, const) if self.has_const else tuple(operands)
        if self.infix is not None:
            return _OPERATORS[self.infix](*args)
        if self.prefix is not None:
            return _PREFIX_OPERATORS[self.prefix](*args)
        return getattr(args[0], self.name)(*args[1:])

    def written(self, operands: Sequence[str], const: float | None = None) -> str:
        """The op written out with ``operands`` as text: ``x0 * v1``, ``v2 ** 3``, ``-v3``,
        ``exp(v4)``.

        >>> OPS["mul"].written(["x0", "v1"]), OPS["pow_const"].written(["v2"], 3.0)
        ('x0 * v1', 'v2 ** 3')
        """
        texts = [*operands, f"{const:g}"] if self.has_const else list(operands)
        if self.infix is not None:
            return f" {self.infix} ".join(texts)
        if self.prefix is not None:
            return f"{self.prefix}{texts[0]}"
        return f"{self.name}({', '.join(texts)})"

    def forward_at(self, inputs: Sequence[float], const: float | None = None) -> float:
        """The forward rule on the inputs' floats, given the constant only when the op takes one.

        >>> OPS["pow_const"].forward_at([3.0], 2.0), OPS["exp"].forward_at([0.0])
        (9.0, 1.0)
        """
        if self.has_const:
            return self.forward(*inputs, const)
        return self.forward(*inputs)

    def partials_at(self, inputs: Sequence[Any], out: Any, const: float | None = None) -> tuple[Any, ...]:
        """∂out/∂input for each input: the ``partials`` rule, given the constant only when the op
        takes one. Inputs and ``out`` are floats, ``Value`` nodes or symbols alike.

        >>> OPS["pow_const"].partials_at([3.0], 9.0, 2.0), OPS["exp"].partials_at([0.0], 1.0)
        ((6.0,), (1.0,))
        """
        if self.has_const:
            return tuple(self.partials(*inputs, out, const))
        return tuple(self.partials(*inputs, out))

    def __reduce__(self) -> Any:
        """Pickle (and deep-copy) an op of the table by its name, so a graph's nodes unpickle
        onto this process's own op records (their rules are lambdas, which pickle cannot
        write); an op outside the table pickles field by field, when its rules can."""
        if OPS.get(self.name) is self:
            return op_named, (self.name,)
        return Op, tuple(getattr(self, field) for field in self.__dataclass_fields__)


def op_named(name: str) -> Op:
    """The op of the table called ``name``: how pickled graphs find their ops again.

    >>> op_named("mul") is OPS["mul"]
    True
    """
    if name not in OPS:
        raise ValueError(f"no op named {name!r} in autograd_core.OPS: the graph was pickled by a "
                         f"program that registered it; register it here too before unpickling")
    return OPS[name]


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}
_PREFIX_OPERATORS: dict[str, Callable[[Any], Any]] = {"-": operator.neg}


def _table(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


OPS: dict[str, Op] = _table(
    # --- arithmetic -----------------------------------------------------------------
    Op("add", "+", 2, lambda a, b: a + b, lambda a, b, out: (1.0, 1.0),
       "a + b;  ∂/∂a = 1,  ∂/∂b = 1", infix="+"),
    Op("sub", "-", 2, lambda a, b: a - b, lambda a, b, out: (1.0, -1.0),
       "a - b;  ∂/∂a = 1,  ∂/∂b = -1", infix="-"),
    Op("mul", "*", 2, lambda a, b: a * b, lambda a, b, out: (b, a),
       "a · b;  ∂/∂a = b,  ∂/∂b = a", infix="*"),
    Op("div", "/", 2, _div, lambda a, b, out: (1.0 / b, -out / b),
       "a / b;  ∂/∂a = 1/b,  ∂/∂b = -a/b² = -out/b", domain="b ≠ 0", infix="/"),
    Op("neg", "neg", 1, lambda a: -a, lambda a, out: (-1.0,),
       "-a;  ∂/∂a = -1", prefix="-"),
    # --- powers -----------------------------------------------------------------------
    Op("pow_const", "^", 1, _pow_const, _pow_const_partials,
       "a^k for a constant k;  ∂/∂a = k·a^(k-1)",
       domain="a ≥ 0, or an integer k (and a ≠ 0 when k < 0)", has_const=True, infix="**"),
    Op("pow", "^", 2, _pow, _pow_partials,
       "a^b;  ∂/∂a = b·a^(b-1),  ∂/∂b = a^b·ln a = out·ln a (0 at a = 0)",
       domain="a > 0, or a = 0 with b ≥ 0", infix="**"),
    # --- elementary functions -------------------------------------------------------------
    Op("exp", "exp", 1, math.exp, lambda a, out: (out,),
       "e^a;  ∂/∂a = e^a = out", domain="a ≤ 709.78 (larger overflows a float)"),
    Op("log", "log", 1, _log, lambda a, out: (1.0 / a,),
       "ln a;  ∂/∂a = 1/a", domain="a > 0"),
    # --- activations -------------------------------------------------------------------------
    Op("sigmoid", "σ", 1, stable_sigmoid, lambda a, out: (out * (1.0 - out),),
       "σ(a) = 1/(1+e^-a);  ∂/∂a = σ(a)(1-σ(a)) = out(1-out)"),
    Op("tanh", "tanh", 1, math.tanh, lambda a, out: (1.0 - out * out,),
       "tanh a;  ∂/∂a = 1 - tanh² a = 1 - out²"),
    # NOTE: relu'(0) is taken as 0, as PyTorch and micrograd do. The forward is written so
    # that a NaN input gives NaN (as torch.relu), not 0, which would hide it from detect_anomaly.
    Op("relu", "relu", 1, lambda a: 0.0 if a <= 0.0 else a, lambda a, out: (step(a),),
       "max(a, 0);  ∂/∂a = 1 if a > 0 else 0 (0 at a = 0)", kink_distance=abs),
    Op("step", "step", 1, lambda a: 1.0 if a > 0.0 else 0.0, lambda a, out: (0.0,),
       "1 if a > 0 else 0;  ∂/∂a = 0 (undefined at a = 0; taken as 0)", kink_distance=abs),
    # --- more elementary functions (after the activations, so the backward pass's per-op
    # dispatch reaches the common ops first) ----------------------------------------------------
    Op("sqrt", "√", 1, _sqrt, lambda a, out: (0.5 / out,),
       "√a;  ∂/∂a = 1/(2√a) = 0.5/out", domain="a ≥ 0 (the derivative needs a > 0)"),
    Op("sin", "sin", 1, math.sin, lambda a, out: (cos(a),),
       "sin a;  ∂/∂a = cos a", domain="finite a"),
    Op("cos", "cos", 1, math.cos, lambda a, out: (-sin(a),),
       "cos a;  ∂/∂a = -sin a", domain="finite a"),
    # NOTE: abs'(0) is taken as 0, as torch.abs (whose gradient is sign(a)). sign is written
    # step(a) - step(-a) so that the rule uses the table's helpers only.
    Op("abs", "abs", 1, abs, lambda a, out: (step(a) - step(-a),),
       "|a|;  ∂/∂a = sign(a) (0 at a = 0)", kink_distance=abs),
)

BUILT_IN_OPS: frozenset[str] = frozenset(OPS)
"""The names of the ops above; :func:`autograd_core.define_op` adds others to :data:`OPS`."""
