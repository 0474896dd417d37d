"""explain(): chain-rule paths against a published worked example, known path counts, random DAGs."""

import math

import pytest
from hypothesis import given

from autograd_core import Value, explain, local_partials
from autograd_core.testing import expression_dags


def _mazur_network():
    """Matt Mazur's "A Step by Step Backpropagation Example" (2015): 2-2-2 sigmoid network."""
    p = {name: Value(x, label=name) for name, x in [
        ("i1", 0.05), ("i2", 0.10), ("w1", 0.15), ("w2", 0.20), ("w3", 0.25), ("w4", 0.30), ("b1", 0.35),
        ("w5", 0.40), ("w6", 0.45), ("w7", 0.50), ("w8", 0.55), ("b2", 0.60)]}
    h1 = (p["w1"] * p["i1"] + p["w2"] * p["i2"] + p["b1"]).sigmoid()
    h2 = (p["w3"] * p["i1"] + p["w4"] * p["i2"] + p["b1"]).sigmoid()
    o1 = (p["w5"] * h1 + p["w6"] * h2 + p["b2"]).sigmoid()
    o2 = (p["w7"] * h1 + p["w8"] * h2 + p["b2"]).sigmoid()
    error = 0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2
    error.label = "E"
    return p, error


def test_published_worked_example_output_weight():
    p, error = _mazur_network()
    assert math.isclose(error.data, 0.298371109, abs_tol=1e-9)
    explanation = explain(error, p["w5"])
    assert len(explanation.paths) == 1  # w5 reaches E only through o1
    # The article: ∂E/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041.
    assert math.isclose(explanation.total, 0.082167041, abs_tol=1e-9)
    assert math.isclose(explanation.gradient, explanation.total, rel_tol=1e-12)


def test_published_worked_example_hidden_weight_has_two_paths():
    p, error = _mazur_network()
    explanation = explain(error, p["w1"])
    # w1 -> h1, which feeds both outputs: one path through o1, one through o2.
    assert len(explanation.paths) == 2
    dh1_dw1 = 0.241300709 * 0.05  # ∂out_h1/∂net_h1 · ∂net_h1/∂w1, from the article
    through_o1, through_o2 = (path.product for path in explanation.paths)
    assert math.isclose(through_o1, 0.055399425 * dh1_dw1, abs_tol=1e-11)
    assert math.isclose(through_o2, -0.019049119 * dh1_dw1, abs_tol=1e-11)
    assert math.isclose(explanation.total, 0.000438568, abs_tol=1e-9)
    assert "path 2:" in str(explanation) and "∂E/∂w1" in str(explanation)


def test_square_has_two_paths_one_per_operand():
    x = Value(3.0, label="x")
    y = x * x
    explanation = explain(y, x)
    assert [edge.input_index for path in explanation.paths for edge in path.edges] == [0, 1]
    assert [path.product for path in explanation.paths] == [3.0, 3.0]
    assert explanation.total == explanation.gradient == 6.0
    # the two paths must read differently: x is input a of the product on one, input b on the other
    assert [path.formula() for path in explanation.paths] == ["∂(x·x)/∂x (as a) = (3) = 3",
                                                              "∂(x·x)/∂x (as b) = (3) = 3"]


@pytest.mark.parametrize("depth", [1, 4, 7])
def test_repeated_squaring_doubles_the_paths_each_level(depth):
    x = Value(1.01, label="x")
    y = x
    for _ in range(depth):
        y = y * y
    explanation = explain(y, x)
    assert len(explanation.paths) == 2 ** depth
    n = 2 ** depth  # y = x^n, dy/dx = n x^(n-1)
    assert math.isclose(explanation.total, n * 1.01 ** (n - 1), rel_tol=1e-12)


def test_too_many_paths_is_a_clear_error():
    x = Value(1.0, label="x")
    y = x
    for _ in range(12):
        y = y * y
    with pytest.raises(ValueError, match=r"4096 paths .* max_paths=1000"):
        explain(y, x)
    assert len(explain(y, x, max_paths=4096).paths) == 4096


def test_unrelated_input_and_the_output_itself():
    x, z = Value(2.0, label="x"), Value(5.0, label="z")
    y = x.exp()
    y.label = "y"
    unrelated = explain(y, z)
    assert (unrelated.paths, unrelated.total, unrelated.gradient) == ((), 0.0, 0.0)
    assert "does not depend on z" in str(unrelated)
    itself = explain(y, y)
    assert len(itself.paths) == 1 and itself.paths[0].edges == () and itself.total == 1.0


@pytest.mark.parametrize("call, error", [
    (lambda: explain(1.0, Value(1.0)), TypeError),
    (lambda: explain(Value(1.0), "x"), TypeError),
    (lambda: explain(Value(1.0), Value(1.0), max_paths=0), ValueError),
    (lambda: explain(Value(1.0), Value(1.0), max_paths=10.0), TypeError),  # a float, not a bad int
    (lambda: explain(Value(1.0), Value(1.0), max_paths=True), TypeError),
])
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()


def _brute_force_path_count(node, wrt):
    """Paths from wrt up to node, by plain recursion (small graphs only)."""
    if node is wrt:
        return 1
    return sum(_brute_force_path_count(parent, wrt) for parent in node.parents)


@given(expression_dags(n_inputs=(1, 3), max_ops=8))
def test_paths_of_random_dags_sum_to_the_gradient(expr):
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr(*xs)
    for x in xs:
        explanation = explain(out, x, max_paths=10**6)
        assert len(explanation.paths) == _brute_force_path_count(out, x)
        assert math.isclose(explanation.total, explanation.gradient, rel_tol=1e-9, abs_tol=1e-12)
        for path in explanation.paths:
            assert path.edges[0].child is out and path.edges[-1].parent is x
            product = 1.0
            for upper, lower in zip(path.edges, path.edges[1:], strict=False):
                assert upper.parent is lower.child
            for edge in path.edges:
                assert edge.partial == local_partials(edge.child)[edge.input_index]
                assert edge.child.parents[edge.input_index] is edge.parent
                product *= edge.partial
            assert product == path.product
            # The factors shown cover the path's edges in order, and multiply to the same product.
            assert [edge for factor in path.factors for edge in factor.edges] == list(path.edges)
            shown = 1.0
            for factor in path.factors:
                shown *= factor.partial
            assert math.isclose(shown, path.product, rel_tol=1e-12, abs_tol=1e-300)
