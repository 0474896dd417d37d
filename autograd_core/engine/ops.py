"""The op table: every primitive operation, declared once.

Each :class:`Op` record holds an op's forward rule on floats and its derivative rule,
``vjp``. Everything else reads these records: the ``Value`` operators and methods,
``backward()``, higher-order gradients, the compiler, the graph drawer and the explainer.
Adding an op means adding one record here and one method on ``Value``.

The derivative rule is the chain rule for one op. Backward walks the graph from the output
to the inputs; when it reaches a node it knows ``g``, the derivative of the final output with
respect to this node's output. The rule turns ``g`` into what each input receives,
``g · ∂out/∂input``: ``vjp(g, *inputs, out)``. It is given the op's output too, so
``exp``, ``sigmoid`` and ``tanh`` reuse it instead of recomputing it. Where a local derivative is
a reciprocal, the rule divides ``g`` instead of multiplying it by the reciprocal (``g / b``,
not ``g * (1 / b)``): a tiny ``g`` divided by a tiny ``b`` stays finite where ``1 / b`` alone
would overflow, as in PyTorch's derivative formulas. The local derivatives themselves,
∂out/∂input (shown on the graph drawer's edges and by ``explain``), are the rule at ``g = 1``:
:meth:`Op.partials_at`.

Rules use plain arithmetic (``+ - * / // **``) and the helpers of :mod:`.rules` only (``log``,
``exp``, ``sqrt``, ``sin``, ``cos``, ``sinh``, ``cosh``, ``heaviside``), never ``math`` or an ``if``
on their inputs, so one rule works on
floats (backward), on ``Value`` nodes (recording a graph for higher-order gradients), on
IEEE floats (:mod:`.ieee`), on the compiler's symbols and on the textbook's terms. A rule may
give the number ``0.0`` for an input that the output does not depend on (``heaviside``,
``x ** 0``): that input receives nothing, whatever ``g`` is (as PyTorch's zero gradients).

A new op is one more record: :func:`autograd_core.define_op` declares it from its local
derivatives, adds it here and makes it a ``Value`` method, and every part of the project
reads it from this table like the built-in ones.

>>> OPS["mul"].vjp(2.0, 3.0, 4.0, 12.0)
(8.0, 6.0)
>>> OPS["mul"].partials_at([3.0, 4.0], 12.0), OPS["sigmoid"].partials_at([0.0], 0.5)
((4.0, 3.0), (0.25,))
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .rules import cos, cosh, exp, heaviside, log, sin, sinh, sqrt

__all__ = ["Op", "OPS", "BUILT_IN_OPS", "HELPERS", "op_named", "stable_sigmoid"]


HELPERS: dict[str, Callable[[Any], Any]] = {
    "log": log, "exp": exp, "sqrt": sqrt, "sin": sin, "cos": cos, "sinh": sinh, "cosh": cosh,
    "heaviside": heaviside}
"""The helpers a rule may call besides arithmetic (:data:`.rules.HELPER_NAMES`), by name. Each is
also an op of the table with the same name, so the compiler writes ``exp(x)`` and binds ``exp``
to that op's forward rule."""


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


def _pow_const_vjp(g: Any, a: Any, out: Any, k: float) -> tuple[Any, ...]:
    # k is a plain number, so these branches are decided when the rule is recorded or compiled.
    # NOTE: for k = 0 the input receives nothing (0.0, not g·0), as PyTorch: k·a^(k-1) would be
    # 0·inf = nan at a = 0, and g·0 would be nan for an infinite g. k = 1 is written out because
    # a^0 would record a needless op one order up.
    if k == 0.0:
        return (0.0,)
    if k == 1.0:
        return (g,)
    return (g * (k * a ** (k - 1.0)),)


def _pow(a: float, b: float) -> float:
    if a < 0.0:
        # The exponent's partial is out * log(a), which is real only for a ≥ 0.
        raise ValueError("Value ** Value needs a base ≥ 0; use x ** number for a constant exponent")
    power: float = a**b  # real for a base ≥ 0; 0 ** 0 is 1 and 0 ** -1 raises, as in Python
    return power


# The smallest positive normal float: below it, 1/a overflows or comes close to it.
_SMALLEST_NORMAL = 2.2250738585072014e-308


def _pow_vjp(g: Any, a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # NOTE: at b = 0 the base receives nothing (b·a^(b-1) = 0·a^-1), as PyTorch, which masks it
    # to 0 there: at a = 0 (or a subnormal a) a^-1 is inf and 0·inf would be nan. So where
    # b = 0 and a is below the smallest normal float, the exponent b - 1 is taken as 0 (a^0 = 1,
    # times b = 0). Everywhere else it is exactly b - 1, so the second derivatives stay exact at
    # every ordinary point (PyTorch's mask zeroes ∂²/∂a∂b at b = 0 instead).
    exponent_is_zero = 1.0 - (heaviside(b) + heaviside(-b))
    base_is_tiny = heaviside(_SMALLEST_NORMAL - a)
    to_base = g * (b * a ** (b - 1.0 + exponent_is_zero * base_is_tiny))
    # NOTE: at a = 0 (0 ** b = 0 for b > 0) ln a is -inf; as PyTorch and HIPS autograd, the
    # exponent receives nothing there: ln a is taken at a + (1 - heaviside(a)), which is a for
    # a > 0 (exactly) and 1 at a = 0.
    to_exponent = g * (out * log(a + (1.0 - heaviside(a))))
    return (to_base, to_exponent)


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


# --- forward rules and derivative rules of the maths library ------------------------------------

_LN2 = math.log(2.0)  # 0.6931471805599453, the constant of torch's log2 and exp2 derivatives
_LN10 = math.log(10.0)  # 2.302585092994046, the constant of torch's log10 derivative


def _exp2(a: float) -> float:
    power: float = 2.0**a  # raises OverflowError from a = 1024 on
    return power


def _sign(a: float) -> float:
    # NOTE: sign(NaN) is NaN, as numpy.sign (torch.sign gives 0): a NaN must not turn into a
    # number that hides it from detect_anomaly. sign(±0) is 0.
    if a > 0.0:
        return 1.0
    if a < 0.0:
        return -1.0
    return a if a != a else 0.0


def _floor(a: float) -> float:
    # math.floor returns an int: keep -0.0, the infinities and NaN as they are (torch.floor does).
    if not math.isfinite(a) or a.is_integer():
        return a
    return float(math.floor(a))


def _distance_to_integer(a: float) -> float:
    return abs(a - round(a))


def _mod(a: float, b: float) -> float:
    remainder: float = a % b  # Python's %: the sign of b; ZeroDivisionError for b = 0
    return remainder


def _floordiv(a: float, b: float) -> float:
    quotient: float = a // b  # floor(a / b) as Python and torch round it; ZeroDivisionError for b = 0
    return quotient


def _distance_to_a_jump(a: float, b: float) -> float:
    """How far (a, b) is from the points where a % b and a // b jump (a/b an integer), in the
    smaller of the two directions: moving a, or moving b (which moves a/b by a·δ/b²)."""
    r = abs(math.fmod(a, b))
    along_a = min(r, abs(b) - r)
    return along_a if a == 0.0 else min(along_a, along_a * abs(b) / abs(a))


def _atan2_vjp(g: Any, a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # NOTE: where a² + b² is 0 (the origin, or squares too small for a float) both inputs
    # receive 0, as torch.atan2, which masks the infinite reciprocal there; `nonzero` is 0 there
    # and the denominator is then 1 instead of 0.
    squares = a * a + b * b
    nonzero = heaviside(squares)
    denominator = squares + (1.0 - nonzero)
    return (g * b * nonzero / denominator, -g * a * nonzero / denominator)


def _distance_to_the_cut(a: float, b: float) -> float:
    """atan2 jumps from π to -π across a = 0 for b < 0, and has no derivative at the origin."""
    return abs(a) if b < 0.0 else math.hypot(a, b)


def _maximum(a: float, b: float) -> float:
    if a > b:
        return a
    if b > a:
        return b
    return a if a == b else math.nan  # NaN if either is NaN, as torch.maximum


def _minimum(a: float, b: float) -> float:
    if a < b:
        return a
    if b < a:
        return b
    return a if a == b else math.nan  # NaN if either is NaN, as torch.minimum


def _maximum_vjp(g: Any, a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # NOTE: at a tie each input receives half the gradient, as torch.maximum (the sum is the
    # derivative along a = b). above = [a > b], below = [a < b]; a tie is neither.
    above, below = heaviside(a - b), heaviside(b - a)
    return (g * ((1.0 + above - below) * 0.5), g * ((1.0 - above + below) * 0.5))


def _minimum_vjp(g: Any, a: Any, b: Any, out: Any) -> tuple[Any, Any]:
    # NOTE: half each at a tie, as torch.minimum.
    above, below = heaviside(a - b), heaviside(b - a)
    return (g * ((1.0 - above + below) * 0.5), g * ((1.0 + above - below) * 0.5))


def _clamp_min(a: float, low: float) -> float:
    return low if a < low else a  # a NaN a stays NaN


def _clamp_max(a: float, high: float) -> float:
    return high if a > high else a


def _tie_distance(a: float, b: float) -> float:
    return abs(a - b)


@dataclass(frozen=True)
class Op:
    """One primitive operation: how to compute it and how to differentiate it.

    Attributes:
        name: the ``Value`` method name (``"mul"`` for ``__mul__``), also the key in :data:`OPS`.
        symbol: short display symbol for graphs and explanations (``"*"``, ``"σ"``).
        arity: number of ``Value`` inputs (1 or 2).
        forward: the rule on floats; ``forward(*inputs[, const])``.
        vjp: the derivative rule, the chain rule for this op: given ``g``, the derivative of
            the final output with respect to this op's output, what each input receives,
            ``g · ∂out/∂input``, as a tuple with one entry per input;
            ``vjp(g, *inputs, out[, const])``. (The name is the usual one: a
            vector-Jacobian product.) Works on floats, ``Value`` s, IEEE floats and symbols
            alike (see the module docstring). The entry ``0.0`` means "receives nothing".
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
    vjp: Callable[..., tuple[Any, ...]]
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

    def vjp_at(self, g: Any, inputs: Sequence[Any], out: Any, const: float | None = None) -> tuple[Any, ...]:
        """What each input receives from the gradient ``g`` of the output: the ``vjp`` rule, given
        the constant only when the op takes one. ``g``, the inputs and ``out`` are floats,
        ``Value`` nodes or symbols alike.

        >>> OPS["div"].vjp_at(2.0, [3.0, 4.0], 0.75)  # g / b and -g·out / b
        (0.5, -0.375)
        >>> OPS["pow_const"].vjp_at(2.0, [3.0], 9.0, 2.0)
        (12.0,)
        """
        if self.has_const:
            return tuple(self.vjp(g, *inputs, out, const))
        return tuple(self.vjp(g, *inputs, out))

    def partials_at(self, inputs: Sequence[Any], out: Any, const: float | None = None) -> tuple[Any, ...]:
        """The local derivatives ∂out/∂input, one per input: the rule at ``g = 1``.

        >>> OPS["pow_const"].partials_at([3.0], 9.0, 2.0), OPS["exp"].partials_at([0.0], 1.0)
        ((6.0,), (1.0,))
        """
        return self.vjp_at(1.0, inputs, out, const)

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        """An op of the table is itself; another is a new record with the same fields (its rules
        are functions, which need no copy)."""
        if OPS.get(self.name) is self:
            return self
        return Op(*(getattr(self, field) for field in self.__dataclass_fields__))

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
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
    "%": operator.mod, "//": operator.floordiv}
_PREFIX_OPERATORS: dict[str, Callable[[Any], Any]] = {"-": operator.neg}


def _table(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


OPS: dict[str, Op] = _table(
    # --- arithmetic -----------------------------------------------------------------
    Op("add", "+", 2, lambda a, b: a + b, lambda g, a, b, out: (g, g),
       "a + b;  ∂/∂a = 1,  ∂/∂b = 1", infix="+"),
    Op("sub", "-", 2, lambda a, b: a - b, lambda g, a, b, out: (g, -g),
       "a - b;  ∂/∂a = 1,  ∂/∂b = -1", infix="-"),
    Op("mul", "*", 2, lambda a, b: a * b, lambda g, a, b, out: (g * b, g * a),
       "a · b;  ∂/∂a = b,  ∂/∂b = a", infix="*"),
    Op("div", "/", 2, _div, lambda g, a, b, out: (g / b, -g * out / b),
       "a / b;  ∂/∂a = 1/b,  ∂/∂b = -a/b² = -out/b", domain="b ≠ 0", infix="/"),
    Op("neg", "neg", 1, lambda a: -a, lambda g, a, out: (-g,),
       "-a;  ∂/∂a = -1", prefix="-"),
    # --- powers -----------------------------------------------------------------------
    Op("pow_const", "^", 1, _pow_const, _pow_const_vjp,
       "a^k for a constant k;  ∂/∂a = k·a^(k-1) (0 for k = 0)",
       domain="a ≥ 0, or an integer k (and a ≠ 0 when k < 0)", has_const=True, infix="**"),
    Op("pow", "^", 2, _pow, _pow_vjp,
       "a^b;  ∂/∂a = b·a^(b-1) (0 at b = 0),  ∂/∂b = a^b·ln a = out·ln a (0 at a = 0)",
       domain="a > 0, or a = 0 with b ≥ 0", infix="**"),
    # --- elementary functions -------------------------------------------------------------
    Op("exp", "exp", 1, math.exp, lambda g, a, out: (g * out,),
       "e^a;  ∂/∂a = e^a = out", domain="a ≤ 709.78 (larger overflows a float)"),
    Op("log", "log", 1, _log, lambda g, a, out: (g / a,),
       "ln a;  ∂/∂a = 1/a", domain="a > 0"),
    # --- activations -------------------------------------------------------------------------
    Op("sigmoid", "σ", 1, stable_sigmoid, lambda g, a, out: (g * (out * (1.0 - out)),),
       "σ(a) = 1/(1+e^-a);  ∂/∂a = σ(a)(1-σ(a)) = out(1-out)"),
    Op("tanh", "tanh", 1, math.tanh, lambda g, a, out: (g * (1.0 - out * out),),
       "tanh a;  ∂/∂a = 1 - tanh² a = 1 - out²"),
    # NOTE: relu'(0) is taken as 0, as PyTorch and micrograd do. The forward is written so
    # that a NaN input gives NaN (as torch.relu), not 0, which would hide it from detect_anomaly.
    Op("relu", "relu", 1, lambda a: 0.0 if a <= 0.0 else a, lambda g, a, out: (g * heaviside(a),),
       "max(a, 0);  ∂/∂a = 1 if a > 0 else 0 (0 at a = 0)", kink_distance=abs),
    Op("heaviside", "H", 1, lambda a: 1.0 if a > 0.0 else 0.0, lambda g, a, out: (0.0,),
       "H(a) = 1 if a > 0 else 0;  ∂/∂a = 0 (undefined at a = 0; taken as 0)", kink_distance=abs),
    # --- more elementary functions ------------------------------------------------------------
    # NOTE: sqrt's rule is PyTorch's, g / (2·out): at a = 0 it is g / 0 = inf, as torch.sqrt.
    Op("sqrt", "√", 1, _sqrt, lambda g, a, out: (g / (2.0 * out),),
       "√a;  ∂/∂a = 1/(2√a) = 1/(2·out)", domain="a ≥ 0 (the derivative needs a > 0)"),
    Op("sin", "sin", 1, math.sin, lambda g, a, out: (g * cos(a),),
       "sin a;  ∂/∂a = cos a", domain="finite a"),
    Op("cos", "cos", 1, math.cos, lambda g, a, out: (g * -sin(a),),
       "cos a;  ∂/∂a = -sin a", domain="finite a"),
    # NOTE: abs'(0) is taken as 0, as torch.abs (whose gradient is sign(a)). sign is written
    # H(a) - H(-a) so that the rule uses the helpers only.
    Op("abs", "abs", 1, abs, lambda g, a, out: (g * (heaviside(a) - heaviside(-a)),),
       "|a|;  ∂/∂a = sign(a) (0 at a = 0)", kink_distance=abs),
    # --- the maths library: every rule is PyTorch's derivative formula, in the g-form ---------
    # --- trigonometric and hyperbolic functions -------------------------------------------------
    # NOTE: tan's derivative reuses the output, as torch's does: 1 + out² (no cos of a pole).
    Op("tan", "tan", 1, math.tan, lambda g, a, out: (g * (1.0 + out * out),),
       "tan a;  ∂/∂a = 1 + tan² a = 1 + out²", domain="finite a"),
    Op("sinh", "sinh", 1, math.sinh, lambda g, a, out: (g * cosh(a),),
       "sinh a;  ∂/∂a = cosh a", domain="|a| ≤ 710.47 (larger overflows a float)"),
    Op("cosh", "cosh", 1, math.cosh, lambda g, a, out: (g * sinh(a),),
       "cosh a;  ∂/∂a = sinh a", domain="|a| ≤ 710.47 (larger overflows a float)"),
    # --- inverse trigonometric and hyperbolic functions -------------------------------------
    # NOTE: at a domain edge (asin and acos at ±1, acosh at 1) the derivative is inf, as torch's.
    Op("asin", "asin", 1, math.asin, lambda g, a, out: (g / sqrt(1.0 - a * a),),
       "arcsin a;  ∂/∂a = 1/√(1 - a²)", domain="-1 ≤ a ≤ 1 (the derivative needs |a| < 1)"),
    Op("acos", "acos", 1, math.acos, lambda g, a, out: (-g / sqrt(1.0 - a * a),),
       "arccos a;  ∂/∂a = -1/√(1 - a²)", domain="-1 ≤ a ≤ 1 (the derivative needs |a| < 1)"),
    Op("atan", "atan", 1, math.atan, lambda g, a, out: (g / (1.0 + a * a),),
       "arctan a;  ∂/∂a = 1/(1 + a²)"),
    Op("asinh", "asinh", 1, math.asinh, lambda g, a, out: (g / sqrt(a * a + 1.0),),
       "arsinh a;  ∂/∂a = 1/√(a² + 1)"),
    Op("acosh", "acosh", 1, math.acosh, lambda g, a, out: (g / sqrt(a * a - 1.0),),
       "arcosh a;  ∂/∂a = 1/√(a² - 1)", domain="a ≥ 1 (the derivative needs a > 1)"),
    Op("atanh", "atanh", 1, math.atanh, lambda g, a, out: (g / (1.0 - a * a),),
       "artanh a;  ∂/∂a = 1/(1 - a²)", domain="-1 < a < 1"),
    # --- logarithms and exponentials ----------------------------------------------------------
    Op("log2", "log₂", 1, math.log2, lambda g, a, out: (g / (a * _LN2),),
       "log₂ a;  ∂/∂a = 1/(a ln 2)", domain="a > 0"),
    Op("log10", "log₁₀", 1, math.log10, lambda g, a, out: (g / (a * _LN10),),
       "log₁₀ a;  ∂/∂a = 1/(a ln 10)", domain="a > 0"),
    # NOTE: log1p and expm1 are exact near 0, where log(1 + a) and e^a - 1 lose every digit.
    Op("log1p", "log1p", 1, math.log1p, lambda g, a, out: (g / (a + 1.0),),
       "ln(1 + a);  ∂/∂a = 1/(1 + a)", domain="a > -1"),
    Op("expm1", "expm1", 1, math.expm1, lambda g, a, out: (g * (out + 1.0),),
       "e^a - 1;  ∂/∂a = e^a = out + 1", domain="a ≤ 709.78 (larger overflows a float)"),
    Op("exp2", "exp₂", 1, _exp2, lambda g, a, out: (g * out * _LN2,),
       "2^a;  ∂/∂a = 2^a ln 2 = out·ln 2", domain="a < 1024 (larger overflows a float)"),
    # --- sign, rounding and remainders ----------------------------------------------------------
    # NOTE: sign, floor and // are flat between their jumps: their derivative is 0 everywhere,
    # the jumps included (as torch's, which gives 0 there too).
    Op("sign", "sign", 1, _sign, lambda g, a, out: (0.0,),
       "sign a (-1, 0 or 1);  ∂/∂a = 0 (undefined at a = 0; taken as 0)", kink_distance=abs),
    Op("floor", "floor", 1, _floor, lambda g, a, out: (0.0,),
       "⌊a⌋;  ∂/∂a = 0 (undefined at the integers; taken as 0)", kink_distance=_distance_to_integer),
    # NOTE: % is torch.remainder (and Python's %, numpy.mod): the result has the sign of b.
    # torch.fmod's would have the sign of a. a = b·(a // b) + a % b, so ∂/∂b = -(a // b).
    Op("mod", "%", 2, _mod, lambda g, a, b, out: (g, -g * (a // b)),
       "a mod b = a - b·⌊a/b⌋;  ∂/∂a = 1,  ∂/∂b = -⌊a/b⌋", domain="b ≠ 0", kink_distance=_distance_to_a_jump,
       infix="%"),
    Op("floordiv", "//", 2, _floordiv, lambda g, a, b, out: (0.0, 0.0),
       "⌊a/b⌋;  ∂/∂a = 0,  ∂/∂b = 0 (undefined where a/b is an integer; taken as 0)", domain="b ≠ 0",
       kink_distance=_distance_to_a_jump, infix="//"),
    # --- functions of two inputs --------------------------------------------------------------
    Op("atan2", "atan2", 2, math.atan2, _atan2_vjp,
       "atan2(a, b), the angle of the point (b, a);  ∂/∂a = b/(a² + b²),  ∂/∂b = -a/(a² + b²) (0 where a² + b² = 0)",
       kink_distance=_distance_to_the_cut),
    # NOTE: hypot's derivatives divide by the output: NaN at the origin, as torch.hypot's.
    Op("hypot", "hypot", 2, math.hypot, lambda g, a, b, out: (g * a / out, g * b / out),
       "√(a² + b²);  ∂/∂a = a/out,  ∂/∂b = b/out", kink_distance=math.hypot),
    Op("maximum", "max", 2, _maximum, _maximum_vjp,
       "max(a, b);  ∂/∂a = 1 if a > b, ½ if a = b, else 0 (∂/∂b likewise)", kink_distance=_tie_distance),
    Op("minimum", "min", 2, _minimum, _minimum_vjp,
       "min(a, b);  ∂/∂a = 1 if a < b, ½ if a = b, else 0 (∂/∂b likewise)", kink_distance=_tie_distance),
    # NOTE: clamp_min and clamp_max are clip's halves, as torch.clamp_min and torch.clamp_max:
    # unlike maximum and minimum, at a tie the clipped input receives the whole gradient and the
    # bound none, so clip(x, 0, 1) has derivative 1 at x = 0 and at x = 1, as torch.clamp's.
    Op("clamp_min", "clamp_min", 2, _clamp_min,
       lambda g, a, low, out: (g * (1.0 - heaviside(low - a)), g * heaviside(low - a)),
       "max(a, low);  ∂/∂a = 1 if a ≥ low else 0,  ∂/∂low = 1 if a < low else 0", kink_distance=_tie_distance),
    Op("clamp_max", "clamp_max", 2, _clamp_max,
       lambda g, a, high, out: (g * (1.0 - heaviside(a - high)), g * heaviside(a - high)),
       "min(a, high);  ∂/∂a = 1 if a ≤ high else 0,  ∂/∂high = 1 if a > high else 0",
       kink_distance=_tie_distance),
)

BUILT_IN_OPS: frozenset[str] = frozenset(OPS)
"""The names of the ops above; :func:`autograd_core.define_op` adds others to :data:`OPS`."""
