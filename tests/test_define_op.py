"""A user-defined op works everywhere a built-in one does: backward, higher order, compile,
explain, the graph drawer, gradcheck and the testing strategies. Truth: closed forms of
softplus (its derivatives are σ and σ(1-σ)) and of a·sin(b), and central differences."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_core import (
    OPS,
    Value,
    compile,
    define_op,
    explain,
    grad,
    gradcheck,
    gradients,
    hessian,
    remove_op,
)
from autograd_core.engine.ops import BUILT_IN_OPS, cos, exp, sin
from autograd_core.testing import assert_gradients_close, expression_dags, op_inputs


def _sigmoid(a):
    return 1.0 / (1.0 + math.exp(-a))


def _softplus(a):
    return math.log1p(math.exp(-abs(a))) + max(a, 0.0)


@pytest.fixture
def softplus():
    return define_op("softplus", _softplus, lambda a, out: (1.0 - exp(-out),),
                     maths="ln(1 + e^a);  ∂/∂a = σ(a) = 1 - e^-out", symbol="softplus")


@pytest.fixture
def a_sin_b():
    return define_op("a_sin_b", lambda a, b: a * math.sin(b), lambda a, b, out: (sin(b), a * cos(b)),
                     maths="a·sin b;  ∂/∂a = sin b,  ∂/∂b = a·cos b", symbol="a·sin", arity=2)


@pytest.mark.parametrize("x", [-3.0, 0.0, 0.7, 5.0])
def test_backward_and_every_order_match_closed_forms(softplus, x):
    v = Value(x)
    y = v.softplus()  # the method and the returned function are the same op
    assert y.op == "softplus" and softplus(x).data == y.data == pytest.approx(_softplus(x), rel=1e-15)
    y.backward()
    s = _sigmoid(x)
    assert v.grad == pytest.approx(s, rel=1e-12)
    assert grad(grad(softplus))(x) == pytest.approx(s * (1 - s), rel=1e-9)
    assert grad(grad(grad(softplus)))(x) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-7, abs=1e-12)
    (first,) = gradients(softplus(v), [v], create_graph=True)
    assert first.data == pytest.approx(s, rel=1e-12)


def test_binary_op_hessian_matches_closed_form(a_sin_b):
    a, b = 1.5, 0.4
    rows = hessian(a_sin_b)(a, b)
    expected = [[0.0, math.cos(b)], [math.cos(b), -a * math.sin(b)]]
    for row, expected_row in zip(rows, expected, strict=True):
        assert row == pytest.approx(expected_row, rel=1e-12, abs=1e-15)
    out = Value(a).a_sin_b(2.0)  # a number on the right becomes a constant leaf
    assert out.data == pytest.approx(a * math.sin(2.0))


def test_compiled_step_equals_eager_backward(softplus, a_sin_b):
    w = Value(0.3, label="w")

    def loss(x):
        return a_sin_b(softplus(w * x), x) ** 2

    step = compile(loss, [1.0], [w])
    assert "softplus(" in step.source and "a_sin_b(" in step.source
    for x in (-1.0, 0.5, 2.0):
        w.grad = 0.0
        compiled = step(x)
        compiled_grad = w.grad
        w.grad = 0.0
        eager = loss(Value(x))
        eager.backward()
        assert compiled == pytest.approx(eager.data, rel=1e-15)
        assert compiled_grad == pytest.approx(w.grad, rel=1e-14)


def test_a_node_named_like_the_op_does_not_shadow_it_in_compiled_code(softplus):
    w = Value(0.5, label="softplus")  # the same name as the op's function in the generated code
    step = compile(lambda x: softplus(w * x), [2.0], [w])
    assert step(2.0) == pytest.approx(_softplus(1.0))


def test_explain_and_gradcheck_read_the_record(softplus):
    x = Value(0.5, label="x")
    y = softplus(x * x)
    y.label = "y"
    explanation = explain(y, x)
    assert explanation.total == pytest.approx(_sigmoid(0.25) * 2 * 0.5, rel=1e-12)
    assert gradcheck(lambda v: softplus(v * v), [0.5], order=2).ok


def test_draw_graph_labels_the_node_and_its_edge(softplus):
    viz = pytest.importorskip("viz")
    x = Value(0.0, label="x")
    y = softplus(x)
    y.backward()
    source = viz.draw_graph(y).source
    assert "softplus" in source
    assert "0.5" in source  # the edge's local derivative σ(0) = 0.5


def test_testing_strategies_draw_the_new_op(softplus, a_sin_b):
    seen = set()

    @settings(max_examples=80)
    @given(expression_dags(max_ops=6))
    def check(expr):
        seen.update(step.op.name for step in expr.steps)
        assert_gradients_close(lambda *xs: expr(*xs), expr.inputs)

    check()
    assert {"softplus", "a_sin_b"} <= seen

    @given(op_inputs("a_sin_b"))
    def inputs_are_usable(args):
        assert OPS["a_sin_b"].forward(*args.inputs) == pytest.approx(args.inputs[0] * math.sin(args.inputs[1]))

    inputs_are_usable()


def test_domain_errors_name_the_op():
    root = define_op("root4", lambda a: a ** 0.25 if a >= 0 else math.sqrt(a),
                     lambda a, out: (0.25 / (out * out * out),), maths="a^(1/4);  ∂/∂a = 1/(4 a^(3/4))",
                     domain="a ≥ 0")
    with pytest.raises(ValueError, match=r"root4\(-1.0\) is outside the domain of root4: defined for a ≥ 0"):
        root(-1.0)


@pytest.mark.parametrize("name, error", [
    ("exp", ValueError), ("data", ValueError), ("backward", ValueError), ("_hidden", ValueError),
    ("two words", ValueError), ("class", ValueError), (3, TypeError),
])
def test_bad_names_are_refused(name, error):
    with pytest.raises(error):
        define_op(name, lambda a: a, lambda a, out: (1.0,), maths="a;  ∂/∂a = 1")


def test_bad_rules_are_refused():
    with pytest.raises(TypeError, match="forward"):
        define_op("f", 3.0, lambda a, out: (1.0,), maths="m")
    with pytest.raises(ValueError, match="arity"):
        define_op("f", abs, lambda a, out: (1.0,), maths="m", arity=3)


def test_remove_op_restores_the_table(softplus):
    remove_op("softplus")
    assert "softplus" not in OPS and not hasattr(Value, "softplus")
    with pytest.raises(ValueError, match="not an op added by define_op"):
        remove_op("exp")
    assert set(OPS) == BUILT_IN_OPS


@given(st.floats(-30, 30))
def test_softplus_partial_matches_central_differences(x):
    define_op("softplus", _softplus, lambda a, out: (1.0 - exp(-out),), maths="ln(1 + e^a)")
    try:
        h = 1e-6
        numeric = (_softplus(x + h) - _softplus(x - h)) / (2 * h)
        assert OPS["softplus"].partials_at([x], _softplus(x))[0] == pytest.approx(numeric, rel=1e-5, abs=1e-8)
    finally:
        remove_op("softplus")
