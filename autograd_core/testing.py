"""Hypothesis strategies and a gradient assertion, for property-testing your own functions.

Needs the ``testing`` extra (``pip install 'autograd-core[testing]'``, which
brings hypothesis); ``import autograd_core`` alone does not.

* :func:`finite_floats` and :func:`values`: numbers and leaf ``Value`` nodes in a range;
* :func:`op_inputs`: arguments inside one op's domain, away from its kinks;
* :func:`expression_dags`: random expression graphs over every op of the op table,
  with shared subexpressions (fan-out), that stay inside every op's domain;
* :func:`edge_floats` and :func:`edge_expressions`: numbers at the edges of floating point
  (subnormals, huge values, ±0, ±inf, NaN) and random graphs evaluated there, outside any
  op's comfort zone, to compare two evaluators of a graph (the compiler against the engine);
* :func:`assert_gradients_close`: the engine's gradient against central differences.

A property test of your own function (under pytest, run it as a test):

>>> from hypothesis import given
>>> from autograd_core.testing import assert_gradients_close, finite_floats
>>> def softplus(x):
...     return (1 + x.exp()).log()
>>> @given(finite_floats(-20.0, 20.0))
... def test_softplus_gradient(x):
...     assert_gradients_close(softplus, [x])
>>> test_softplus_gradient()

Random graphs check the engine itself, or anything that consumes graphs:

>>> from autograd_core.testing import expression_dags
>>> @given(expression_dags(n_inputs=(1, 3), max_ops=8))
... def test_random_graphs(expr):
...     assert_gradients_close(expr, expr.inputs)
>>> test_random_graphs()
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

try:
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "autograd_core.testing needs hypothesis; install the testing extra: "
        "pip install 'autograd-core[testing]'") from error

from .checks.gradcheck import gradcheck
from .engine.modes import enable_grad
from .engine.ops import OPS, Op
from .engine.value import Value, as_int

__all__ = [
    "finite_floats", "values", "op_inputs", "OpInputs", "expression_dags", "RandomExpression", "Step",
    "apply_op", "assert_gradients_close", "EXPONENTS", "EDGE_FLOATS", "edge_floats", "edge_expressions",
]

EXPONENTS: tuple[float, ...] = (-2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
"""Constants drawn for ops that take one (the k of ``x ** k``): integers, halves, 0 and negatives."""

def finite_floats(min_value: float = -1e6, max_value: float = 1e6) -> st.SearchStrategy[float]:
    """Floats in ``[min_value, max_value]``, never NaN or infinite.

    >>> from hypothesis import given
    >>> @given(finite_floats(0.1, 10.0))
    ... def test_log_gradient(x):
    ...     assert abs(Value(x).log().data - math.log(x)) < 1e-12
    >>> test_log_gradient()
    """
    return st.floats(min_value=min_value, max_value=max_value, allow_nan=False, allow_infinity=False)


def values(min_value: float = -1e6, max_value: float = 1e6, label: str = "") -> st.SearchStrategy[Value]:
    """Leaf ``Value`` nodes whose data is a finite float in ``[min_value, max_value]``.

    >>> from hypothesis import given
    >>> @given(values(-5.0, 5.0))
    ... def test_square_gradient(x):
    ...     (x * x).backward()
    ...     assert x.grad == 2 * x.data
    >>> test_square_gradient()
    """
    return finite_floats(min_value, max_value).map(lambda x: Value(x, label=label))


def apply_op(op: Op, operands: Sequence[Any], const: float | None = None) -> Any:
    """Apply ``op`` through ``Value``'s public surface (operators and methods).

    Operands are ``Value`` nodes or plain numbers (a binary op may take a number
    on either side). This goes through the same method a user calls, so it also
    checks that each method is wired to its op.

    >>> apply_op(OPS["mul"], [2.0, Value(3.0)]).data
    6.0
    >>> apply_op(OPS["pow_const"], [Value(3.0)], 2.0).op
    'pow_const'
    """
    if op.infix is None and op.prefix is None and not isinstance(operands[0], Value):
        # A method needs a Value to be called on: a literal first operand becomes a constant
        # leaf, as a number does on either side of an operator.
        operands = [Value(operands[0]), *operands[1:]]
    return op.apply(operands, const)


class OpInputs(NamedTuple):
    """Arguments for one op: its ``Value`` inputs as floats, and its constant (or None)."""

    inputs: tuple[float, ...]
    const: float | None

    @property
    def forward_args(self) -> tuple[float, ...]:
        """``inputs`` followed by the constant when there is one: what ``op.forward`` takes."""
        return self.inputs if self.const is None else (*self.inputs, self.const)


def _forward(op: Op, inputs: Sequence[float], const: float | None) -> float | None:
    """``op.forward`` on floats, or None outside the domain (an error, NaN or inf)."""
    try:
        out = op.forward_at(inputs, const)
    except (ArithmeticError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _well_inside(op: Op, inputs: Sequence[float], const: float | None, varying: Sequence[bool],
                 margin: float, max_magnitude: float) -> bool:
    """True when ``op`` is smooth and tame at ``inputs``: finite differences work there.

    The output and every partial stay within ``max_magnitude``, the input is at least
    ``margin`` from the op's kink, and the forward rule succeeds when every varying
    input moves by ``±margin`` (so a nearby domain edge, like log's 0, is ruled out).
    """
    out = _forward(op, inputs, const)
    if out is None or abs(out) > max_magnitude:
        return False
    try:
        partials = op.partials_at(inputs, out, const)
    except (ArithmeticError, ValueError):
        return False
    if not all(math.isfinite(p) and abs(p) <= max_magnitude for p in partials):
        return False
    if op.kink_distance is not None and op.kink_distance(*inputs) < margin:
        return False
    shifts = [(-margin, margin) if vary else (0.0,) for vary in varying]
    for deltas in itertools.product(*shifts):
        if _forward(op, [x + d for x, d in zip(inputs, deltas, strict=True)], const) is None:
            return False
    return True


def _constants(op: Op) -> st.SearchStrategy[float | None]:
    return st.sampled_from(EXPONENTS) if op.has_const else st.none()


def op_inputs(op: Op | str, min_value: float = -10.0, max_value: float = 10.0, margin: float = 1e-3,
              max_magnitude: float = 1e6) -> st.SearchStrategy[OpInputs]:
    """Arguments inside ``op``'s domain, at least ``margin`` from its kink and domain edge.

    The op's forward rule decides what is in the domain, so this works for any op of
    the table. Constants (the k of ``x ** k``) come from :data:`EXPONENTS`.

    >>> from hypothesis import given
    >>> @given(op_inputs("log"))
    ... def test_log_domain(args):
    ...     assert args.inputs[0] > 0
    >>> test_log_domain()
    """
    if isinstance(op, str):
        op = OPS[op]
    varying = [True] * op.arity
    inputs = st.tuples(*[finite_floats(min_value, max_value)] * op.arity)
    return st.builds(OpInputs, inputs, _constants(op)).filter(
        lambda args: _well_inside(op, args.inputs, args.const, varying, margin, max_magnitude))


@dataclass(frozen=True)
class Step:
    """One node of a :class:`RandomExpression`: an op applied to earlier nodes or literals.

    ``operands`` holds an ``int`` (index of an earlier node: inputs first, then the
    results of earlier steps in order) or a ``float`` (a literal number operand).
    """

    op: Op
    operands: tuple[int | float, ...]
    const: float | None = None


class RandomExpression:
    """A random expression DAG over the op table, drawn by :func:`expression_dags`.

    ``inputs`` is the point it was drawn at (every op is smooth there); calling it
    with one ``Value`` (or number) per input builds the graph and returns the last
    step's node.

    >>> expr = RandomExpression([2.0], [Step(OPS["mul"], (0, 0)), Step(OPS["add"], (1, 0))])
    >>> expr
    RandomExpression(inputs=[2.0]):
      v1 = x0 * x0
      v2 = v1 + x0
      return v2
    >>> expr(Value(3.0)).data
    12.0
    """

    def __init__(self, inputs: Sequence[float], steps: Sequence[Step]) -> None:
        self.inputs: list[float] = [float(x) for x in inputs]
        self.steps: tuple[Step, ...] = tuple(steps)

    @property
    def n_inputs(self) -> int:
        """How many arguments the expression takes."""
        return len(self.inputs)

    def evaluate(self, xs: Sequence[Any]) -> Value:
        """Build the expression on ``xs`` (one ``Value`` or number per input) and return its output."""
        if len(xs) != self.n_inputs:
            raise ValueError(f"this expression takes {self.n_inputs} inputs, got {len(xs)}")
        nodes: list[Value] = [x if isinstance(x, Value) else Value(x) for x in xs]
        for step in self.steps:
            operands = [nodes[ref] if isinstance(ref, int) else ref for ref in step.operands]
            nodes.append(apply_op(step.op, operands, step.const))
        return nodes[-1]

    def __call__(self, *xs: Any) -> Value:
        return self.evaluate(xs)

    def _name(self, ref: int | float) -> str:
        if not isinstance(ref, int):
            return f"{ref!r}"
        return f"x{ref}" if ref < self.n_inputs else f"v{ref}"

    def __repr__(self) -> str:
        lines = [f"RandomExpression(inputs={self.inputs!r}):"]
        for index, step in enumerate(self.steps, start=self.n_inputs):
            names = [self._name(ref) for ref in step.operands]
            lines.append(f"  v{index} = {step.op.written(names, step.const)}")
        lines.append(f"  return {self._name(self.n_inputs + len(self.steps) - 1)}")
        return "\n".join(lines)


def _draw_step(draw: st.DrawFn, pool: list[float], reused: list[int], margin: float,
               max_magnitude: float) -> tuple[Step, float] | None:
    """One new step on the pool of earlier node values, or None when no op is safe there.

    ``reused`` lists the step results some earlier step already consumed: choosing one
    again gives that subexpression a second consumer (fan-out).
    """
    last = len(pool) - 1
    # Half the time continue from the newest node, so the output depends on most steps.
    first = draw(st.one_of(st.just(last), st.integers(0, last)))
    choices = [st.integers(0, last), finite_floats(-3.0, 3.0)]
    if reused:
        choices.append(st.sampled_from(reused))
    second = draw(st.one_of(*choices))
    literal_first = isinstance(second, float) and draw(st.booleans())
    for name in _op_order(draw, pool):
        op = OPS[name]
        const = draw(_constants(op))
        refs: tuple[int | float, ...] = (first,) if op.arity == 1 else (first, second)
        if literal_first and op.arity == 2:
            refs = (second, first)
        inputs = [pool[ref] if isinstance(ref, int) else ref for ref in refs]
        varying = [isinstance(ref, int) for ref in refs]
        if _well_inside(op, inputs, const, varying, margin, max_magnitude) and _records(op, refs, inputs, const):
            out = _forward(op, inputs, const)
            if out is not None:  # _well_inside ran the forward rule, so always
                return Step(op, refs, const), out
    return None


def _op_order(draw: st.DrawFn, pool: Sequence[float]) -> list[str]:
    """The names of the ops in the order a step tries them (the first that fits is taken).

    Half the steps try the two-input ops first: in a table of mostly one-input functions, too few
    steps would otherwise combine (and share) earlier results. Within each kind the sorted names
    are turned round from a place picked by a hash of a drawn number and the values computed so
    far: hypothesis draws small choices (a permutation, ``sampled_from``, a boolean) unevenly,
    repeating the simplest ones, so that some ops of the table were seldom or never tried first;
    the values vary far more. Both are fixed by the drawn data, so examples replay.
    """
    names = sorted(OPS)
    binary = [name for name in names if OPS[name].arity == 2]
    unary = [name for name in names if OPS[name].arity == 1]
    mixed = hash((*pool, draw(st.integers(0, 2**16))))
    binary_start, unary_start = mixed % len(binary), (mixed // len(binary)) % len(unary)
    binary_order = binary[binary_start:] + binary[:binary_start]
    unary_order = unary[unary_start:] + unary[:unary_start]
    return binary_order + unary_order if (mixed // len(binary) // len(unary)) % 2 else unary_order + binary_order


def _records(op: Op, refs: Sequence[int | float], inputs: Sequence[float], const: float | None) -> bool:
    """True when the public surface records ``op`` itself for these operands.

    (``Value ** 2.0`` is ``pow_const``, not ``pow``: a literal exponent never makes ``pow``.)
    """
    operands = [Value(x) if isinstance(ref, int) else ref for ref, x in zip(refs, inputs, strict=True)]
    with enable_grad():
        node = apply_op(op, operands, const)
    return isinstance(node, Value) and node.op_record is op


def _fold_unused(steps: list[Step], n_inputs: int) -> list[Step]:
    """Add every step result that nothing consumed into the output, so every step counts."""
    used = {ref for step in steps for ref in step.operands if isinstance(ref, int)}
    output = n_inputs + len(steps) - 1
    dangling = [index for index in range(n_inputs, output) if index not in used]
    folded = list(steps)
    for index in dangling:
        folded.append(Step(OPS["add"], (n_inputs + len(folded) - 1, index)))
    return folded


def expression_dags(n_inputs: int | tuple[int, int] = (1, 4), max_ops: int = 12, min_value: float = -2.0,
                    max_value: float = 2.0, margin: float = 1e-3,
                    max_magnitude: float = 100.0) -> st.SearchStrategy[RandomExpression]:
    """Random expression DAGs over every op of the op table, with shared subexpressions.

    Draws ``n_inputs`` inputs (an int, or an inclusive ``(low, high)`` range) in
    ``[min_value, max_value]`` and at most ``max_ops`` steps. Each step applies an op
    to earlier nodes (earlier results are deliberately used again, so subexpressions
    are shared and nodes fan out) or to a literal number; only ops whose value and
    partials stay within ``max_magnitude``, at least ``margin`` from kinks and domain
    edges, are chosen at the drawn inputs, so finite differences are accurate there.
    Results that no later step uses are added into the output, so every step counts.
    New ops in the table are drawn too.

    >>> from hypothesis import given
    >>> @given(expression_dags(max_ops=6))
    ... def test_output_is_finite(expr):
    ...     assert math.isfinite(expr(*expr.inputs).data)
    >>> test_output_is_finite()
    """
    bounds = (n_inputs, n_inputs) if isinstance(n_inputs, int) else n_inputs
    if (not isinstance(bounds, (tuple, list)) or len(bounds) != 2
            or any(isinstance(n, bool) or not isinstance(n, int) for n in bounds)):
        raise TypeError(f"n_inputs must be an int or a (low, high) pair of ints, got {n_inputs!r}")
    low, high = bounds
    if not 1 <= low <= high:
        raise ValueError(f"n_inputs must be >= 1 (or a range (low, high) with 1 <= low <= high), got {n_inputs!r}")
    as_int(max_ops, "max_ops", minimum=1)

    @st.composite
    def draw_expression(draw: st.DrawFn) -> RandomExpression:
        inputs = draw(st.lists(finite_floats(min_value, max_value), min_size=low, max_size=high))
        pool = list(inputs)
        steps: list[Step] = []
        reused: list[int] = []
        for _ in range(draw(st.integers(1, max_ops))):
            drawn = _draw_step(draw, pool, reused, margin, max_magnitude)
            if drawn is None:
                continue
            if len(_fold_unused([*steps, drawn[0]], len(inputs))) > max_ops:
                break
            steps.append(drawn[0])
            pool.append(drawn[1])
            reused.extend(ref for ref in drawn[0].operands if isinstance(ref, int) and ref >= len(inputs))
        return RandomExpression(inputs, _fold_unused(steps, len(inputs)))

    return draw_expression()


EDGE_FLOATS: tuple[float, ...] = (
    0.0, -0.0, 5e-324, -5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-150, 1e150, 1e300,
    1.7976931348623157e308, -1.7976931348623157e308, 709.8, -745.2, 1.0, -1.0, 0.5, 2.0,
    math.inf, -math.inf, math.nan)
"""Numbers at the edges of float64 arithmetic: ±0, the smallest subnormal, a subnormal, the smallest
normal, tiny and huge values, the largest float, where ``exp`` overflows and underflows, a few
ordinary numbers, ±inf and NaN."""


def edge_floats(allow_nan: bool = True, allow_infinity: bool = True) -> st.SearchStrategy[float]:
    """Floats at the edges (:data:`EDGE_FLOATS`, their negatives, and any float, subnormals
    included) half the time, ordinary ones in [-3, 3] the other half.

    >>> from hypothesis import given
    >>> @given(edge_floats(allow_nan=False, allow_infinity=False))
    ... def test_finite(x):
    ...     assert math.isfinite(x)
    >>> test_finite()
    """
    edges = [x for x in EDGE_FLOATS if (allow_nan or not math.isnan(x)) and (allow_infinity or not math.isinf(x))]
    return st.one_of(st.sampled_from(edges), st.sampled_from(edges).map(lambda x: -x),
                     st.floats(allow_nan=allow_nan, allow_infinity=allow_infinity),
                     st.floats(-3.0, 3.0))


def _records_anywhere(op: Op, refs: Sequence[int | float], const: float | None) -> bool:
    """True when the public surface records ``op`` itself for operands of these kinds (a node or a
    literal number at each place; ``Value ** 2.0`` is ``pow_const``, not ``pow``), checked at the
    first of a few points where the op is defined."""
    for point in (0.5, 1.5, 1.0, 2.0):
        operands = [Value(point) if isinstance(ref, int) else point for ref in refs]
        try:
            with enable_grad():
                node = apply_op(op, operands, const)
        except (ArithmeticError, ValueError):  # outside its domain there
            continue
        return isinstance(node, Value) and node.op_record is op
    return False


def edge_expressions(n_inputs: int | tuple[int, int] = (1, 3), max_ops: int = 8, allow_nan: bool = True,
                     allow_infinity: bool = True) -> st.SearchStrategy[RandomExpression]:
    """Random expression DAGs over every op of the op table, drawn at a point of
    :func:`edge_floats` with literal operands from them too, with no care for the ops' domains:
    evaluating one may raise the engine's domain error, overflow, or give inf or NaN anywhere,
    in the forward pass or in the gradients. For comparing two evaluators of the same graph
    (an expression is built the same way at any point: it has no data-dependent branch), not
    for finite differences.

    >>> from hypothesis import given
    >>> @given(edge_expressions(max_ops=4))
    ... def test_builds_or_raises_a_domain_error(expr):
    ...     try:
    ...         expr(*expr.inputs)
    ...     except (ArithmeticError, ValueError):
    ...         pass
    >>> test_builds_or_raises_a_domain_error()
    """
    bounds = (n_inputs, n_inputs) if isinstance(n_inputs, int) else n_inputs
    low, high = bounds
    if not 1 <= low <= high:
        raise ValueError(f"n_inputs must be >= 1 (or a range (low, high) with 1 <= low <= high), got {n_inputs!r}")
    as_int(max_ops, "max_ops", minimum=1)
    numbers = edge_floats(allow_nan, allow_infinity)

    @st.composite
    def draw_expression(draw: st.DrawFn) -> RandomExpression:
        inputs = draw(st.lists(numbers, min_size=low, max_size=high))
        steps: list[Step] = []
        pool = list(inputs)
        for _ in range(draw(st.integers(1, max_ops))):
            last = len(pool) - 1
            first = draw(st.one_of(st.just(last), st.integers(0, last)))
            second = draw(st.one_of(st.integers(0, last), numbers))
            op = OPS[draw(st.sampled_from(sorted(OPS)))]
            const = draw(st.sampled_from(EXPONENTS)) if op.has_const else None
            refs: tuple[int | float, ...] = (first,) if op.arity == 1 else (first, second)
            if op.arity == 2 and isinstance(second, float) and draw(st.booleans()):
                refs = (second, first)
            if not _records_anywhere(op, refs, const):
                continue
            values = [pool[ref] if isinstance(ref, int) else ref for ref in refs]
            try:
                out = op.forward_at(values, const)
            except (ArithmeticError, ValueError):
                out = math.nan  # the graph raises there; later steps only need a number to draw with
            steps.append(Step(op, refs, const))
            pool.append(out)
        if not steps:
            steps.append(Step(OPS["add"], (0, 0)))
        return RandomExpression(inputs, _fold_unused(steps, len(inputs)))

    return draw_expression()


def assert_gradients_close(f: Callable[..., Any], inputs: Sequence[float], eps: float = 1e-6,
                           atol: float = 1e-5, rtol: float = 1e-3, order: int = 1) -> None:
    """Assert that the engine's gradient of ``f`` at ``inputs`` matches central differences.

    Raises :class:`~autograd_core.GradcheckError` (an ``AssertionError``) naming the
    worst mismatch. ``order=2`` checks second derivatives too.

    >>> assert_gradients_close(lambda x, y: (x * y).tanh(), [0.3, -1.2], order=2)
    >>> assert_gradients_close(lambda x: x * x.detach(), [3.0])
    Traceback (most recent call last):
    ...
    autograd_core.checks.gradcheck.GradcheckError: gradcheck failed: ∂f/∂x0 is 3.0 by the engine but 6.0... by central differences ...
    """
    gradcheck(f, inputs, eps=eps, atol=atol, rtol=rtol, raise_on_failure=True, order=order)
