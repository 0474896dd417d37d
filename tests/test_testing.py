"""autograd_core.testing: the strategies draw what they promise, the assertion catches bugs."""

import collections
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import OPS, GradcheckError, Value, topological_order
from autograd_core.testing import (
    RandomExpression,
    Step,
    assert_gradients_close,
    expression_dags,
    finite_floats,
    op_inputs,
    values,
)


@given(finite_floats(-3.5, 2.0))
def test_finite_floats_stay_in_range(x):
    assert math.isfinite(x) and -3.5 <= x <= 2.0


@given(values(-1.0, 1.0, label="w"))
def test_values_are_leaves_in_range(v):
    assert isinstance(v, Value) and -1.0 <= v.data <= 1.0
    assert (v.label, v.parents, v.grad) == ("w", (), 0.0)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_op_inputs_stay_inside_the_domain_and_away_from_kinks(name, data):
    op = OPS[name]
    args = data.draw(op_inputs(op, margin=1e-2))
    assert math.isfinite(op.forward(*args.forward_args))
    if op.kink_distance is not None:
        assert op.kink_distance(*args.inputs) >= 1e-2
    assert (args.const is not None) == op.has_const


def _fan_out(out):
    """How many times each op node of the graph is used as an operand."""
    return collections.Counter(parent for node in topological_order(out) for parent in node.parents
                               if parent.parents)


def _draw_many(strategy, n):
    drawn = []

    @settings(max_examples=n)
    @given(strategy)
    def collect(expr):
        drawn.append(expr)

    collect()
    return drawn


def test_random_dags_share_subexpressions_and_cover_every_op():
    drawn = _draw_many(expression_dags(), 200)
    shared = [expr for expr in drawn if max(_fan_out(expr(*expr.inputs)).values(), default=0) > 1]
    big = [expr for expr in drawn if len(expr.steps) >= 6]
    big_shared = [expr for expr in big if expr in shared]
    assert len(shared) >= 0.3 * len(drawn)
    assert len(big) >= 20 and len(big_shared) >= 0.5 * len(big)  # most big ones (about 0.6 of them)
    used = {step.op.name for expr in drawn for step in expr.steps}
    assert used == set(OPS)
    for expr in drawn:  # each step records the op it names (a literal exponent makes pow_const, not pow)
        recorded = [node.op for node in topological_order(expr(*expr.inputs)) if node.parents]
        assert collections.Counter(recorded) == collections.Counter(step.op.name for step in expr.steps)
    assert any(isinstance(ref, float) for expr in drawn for step in expr.steps for ref in step.operands)


@given(expression_dags(n_inputs=(2, 3), max_ops=7))
def test_random_dags_respect_their_parameters_and_stay_in_domain(expr):
    assert 2 <= expr.n_inputs <= 3 and all(-2.0 <= x <= 2.0 for x in expr.inputs)
    assert 1 <= len(expr.steps) <= 7
    out = expr(*[Value(x) for x in expr.inputs])
    order = topological_order(out)
    assert sum(1 for node in order if node.parents) == len(expr.steps)  # every step reaches the output
    recorded = collections.Counter(node.op for node in order if node.parents)
    assert recorded == collections.Counter(step.op.name for step in expr.steps)
    for node in order:
        assert math.isfinite(node.data)
        if node._op is not None and node._op.kink_distance is not None:
            assert node._op.kink_distance(*[p.data for p in node.parents]) >= 1e-3
    assert expr.evaluate(expr.inputs).data == out.data  # numbers work too, and evaluation is repeatable


def test_random_expression_repr_shows_every_step():
    expr = RandomExpression([0.5, 2.0], [
        Step(OPS["mul"], (0, 1)), Step(OPS["exp"], (2,)), Step(OPS["pow_const"], (3,), 2.0),
        Step(OPS["sub"], (1.5, 2)), Step(OPS["add"], (4, 5))])
    assert repr(expr) == (
        "RandomExpression(inputs=[0.5, 2.0]):\n"
        "  v2 = x0 * x1\n"
        "  v3 = exp(v2)\n"
        "  v4 = v3 ** 2\n"
        "  v5 = 1.5 - v2\n"
        "  v6 = v4 + v5\n"
        "  return v6")
    assert math.isclose(expr(0.5, 2.0).data, math.exp(1.0) ** 2 + 0.5, rel_tol=1e-15)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        expr(1.0)


@pytest.mark.parametrize("kwargs", [{"n_inputs": 0}, {"n_inputs": (3, 2)}, {"max_ops": 0}])
def test_expression_dags_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        expression_dags(**kwargs)


@pytest.mark.parametrize("kwargs", [{"n_inputs": "ab"}, {"n_inputs": 2.0}, {"n_inputs": True},
                                    {"n_inputs": (1, 2, 3)}, {"max_ops": 2.0}])
def test_expression_dags_rejects_parameters_of_the_wrong_type(kwargs):
    with pytest.raises(TypeError, match="n_inputs|max_ops"):
        expression_dags(**kwargs)


def test_assert_gradients_close_passes_and_fails():
    assert_gradients_close(lambda x, y: (x / y).log(), [2.0, 0.5], order=2)
    with pytest.raises(GradcheckError, match="∂f/∂x0"):
        assert_gradients_close(lambda x: x * x.detach(), [1.0])


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_the_engine_does_not_need_hypothesis():
    result = _run("import sys; sys.modules['hypothesis'] = None\n"
                  "import autograd_core\n"
                  "print(autograd_core.grad(lambda x: x * x)(3.0))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "6.0"


def test_testing_module_without_hypothesis_says_what_to_install():
    result = _run("import sys; sys.modules['hypothesis'] = None\nimport autograd_core.testing")
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "autograd-core[testing]" in result.stderr
