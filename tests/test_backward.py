"""backward() and gradients(): closed forms, fan-out, deep chains, exact accumulation, random DAGs."""

import math
import sys

import pytest
from hypothesis import given

from autograd_core import Value, backward, gradcheck, gradients, local_partials, topological_order
from autograd_core.testing import expression_dags


def _shared_graph():
    """A graph whose intermediate nodes are used several times (where micrograd's accumulation fails)."""
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    a = x * y
    b = a.tanh() + a * a
    c = b * a + b.exp()
    return x, y, a, b, c


def test_fan_out_matches_closed_form_at_every_node():
    x, y = Value(0.5), Value(2.0)
    a = x * y
    out = a + a * a + a.exp()
    out.backward()
    da = 1 + 2 * a.data + math.exp(a.data)
    assert math.isclose(a.grad, da, rel_tol=1e-15)
    assert math.isclose(x.grad, da * y.data, rel_tol=1e-15)
    assert math.isclose(y.grad, da * x.data, rel_tol=1e-15)
    assert out.grad == 1.0


@pytest.mark.parametrize("f, dfdx", [
    (lambda x: x * x, lambda x: 2 * x),          # parents (x, x): both contributions count
    (lambda x: x + x, lambda x: 2.0),
    (lambda x: x - x, lambda x: 0.0),
    (lambda x: x / x, lambda x: 0.0),
    (lambda x: x * x * x, lambda x: 3 * x * x),
    (lambda x: (x * x).log(), lambda x: 2 / x),
])
def test_same_node_used_twice(f, dfdx):
    x = Value(1.5)
    f(x).backward()
    assert math.isclose(x.grad, dfdx(1.5), rel_tol=1e-15, abs_tol=1e-15)


def test_million_op_chain_at_the_default_recursion_limit():
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the interpreter default, whatever another test set
    try:
        x, c = Value(1.0, label="x"), Value(1.000001, label="c")
        y = x
        for _ in range(1_000_000):
            y = y * c  # c fans out a million times
        y.backward()
    finally:
        sys.setrecursionlimit(previous)
    n = 1_000_000
    assert math.isclose(x.grad, math.exp(n * math.log(c.data)), rel_tol=1e-8)
    assert math.isclose(c.grad, n * math.exp((n - 1) * math.log(c.data)), rel_tol=1e-8)


def _micrograd_style_backward(root):
    """micrograd's scheme: each node pushes its *accumulated* .grad to its parents."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):
        for parent, partial in zip(node.parents, local_partials(node), strict=True):
            parent.grad += node.grad * partial


def test_the_shared_graph_breaks_micrograd_style_accumulation():
    # Guard for the next test: on this graph, pushing accumulated grads twice is wrong.
    x_once, *_, once = _shared_graph()
    _micrograd_style_backward(once)
    x_twice, *_, twice = _shared_graph()
    _micrograd_style_backward(twice)
    _micrograd_style_backward(twice)
    assert not math.isclose(x_twice.grad, 2 * x_once.grad, rel_tol=1e-6)
    # ...while one pass of it is the right gradient, so the scheme itself is not broken.
    x_ours, *_, ours = _shared_graph()
    ours.backward()
    assert math.isclose(x_once.grad, x_ours.grad, rel_tol=1e-13)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_repeated_backward_accumulates_exactly_k_times(k):
    *_, reference = _shared_graph()
    reference.backward()
    single = [node.grad for node in topological_order(reference)]
    *_, out = _shared_graph()
    for _ in range(k):
        out.backward()
    for node, g in zip(topological_order(out), single, strict=True):
        assert math.isclose(node.grad, k * g, rel_tol=1e-13, abs_tol=1e-300)


def test_zero_grad_resets_the_whole_graph():
    *_, out = _shared_graph()
    out.backward()
    assert any(node.grad != 0.0 for node in topological_order(out)[:-1])
    out.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(out))
    out.backward()
    *_, fresh = _shared_graph()
    fresh.backward()
    assert [n.grad for n in topological_order(out)] == [n.grad for n in topological_order(fresh)]


def test_seed_gradient_scales_every_gradient():
    x, y, a, b, c = _shared_graph()
    c.backward(2.5)
    x2, y2, *_, c2 = _shared_graph()
    c2.backward()
    assert math.isclose(x.grad, 2.5 * x2.grad, rel_tol=1e-15)
    assert math.isclose(y.grad, 2.5 * y2.grad, rel_tol=1e-15)


@given(expression_dags())
def test_random_dags_backward_matches_finite_differences(expr):
    report = gradcheck(expr, expr.inputs)
    assert report.ok, f"{expr!r}\n{report}"
    xs = [Value(x) for x in expr.inputs]
    expr(*xs).backward()
    for x, check in zip(xs, report.checks, strict=True):
        assert x.grad == check.analytic  # backward() and gradients() agree exactly
        assert math.isclose(x.grad, check.numeric, rel_tol=1e-3, abs_tol=1e-5)


def test_gradients_leaves_grad_untouched_and_gives_zero_for_unused_inputs():
    x, y, a, b, c = _shared_graph()
    unused = Value(4.0)
    dx, dy, du = gradients(c, [x, y, unused])
    assert all(node.grad == 0.0 for node in topological_order(c))
    c.backward()
    assert (dx, dy, du) == (x.grad, y.grad, 0.0)


def test_gradients_with_create_graph_returns_differentiable_values():
    x = Value(2.0)
    (dx,) = gradients(x ** 3 + x.exp(), [x], create_graph=True)
    assert isinstance(dx, Value)
    assert math.isclose(dx.data, 12 + math.exp(2), rel_tol=1e-15)
    (ddx,) = gradients(dx, [x])
    assert math.isclose(ddx, 12 + math.exp(2), rel_tol=1e-15)
    assert x.grad == 0.0


def test_backward_through_an_infinite_partial_gives_inf_as_pytorch():
    x = Value(0.0)
    y = x ** 0.5  # forward is fine, d/dx at 0 is infinite: IEEE inf (Python would raise)
    y.backward()
    assert x.grad == math.inf


@pytest.mark.parametrize("call, name", [
    (lambda: backward(3.0), "float"),
    (lambda: Value(1.0).backward(grad="1"), "str"),
    (lambda: gradients([Value(1.0)], []), "list"),
    (lambda: gradients(Value(1.0), [2.0]), "float"),
])
def test_backward_rejects_non_values(call, name):
    with pytest.raises(TypeError, match=name):
        call()
