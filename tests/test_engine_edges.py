"""The engine at the edges: infinite derivatives (IEEE, as PyTorch), one rule for zero
gradients, relu at NaN and -0.0, the backward pass against a textbook loop, the engine as plain
source, and the tests that kill mutants the rest of the suite let live.

Infinite derivatives are checked against PyTorch float64 when it is installed, and against the
closed forms (the same numbers) always; tests/test_torch_edges.py cross-checks many more points.
"""

import inspect
import math
import traceback
from dataclasses import replace

import pytest
from hypothesis import given

from autograd_core import (
    COMPILED,
    OPS,
    Value,
    backward_pass,
    compile,
    detect_anomaly,
    grad,
    gradients,
    hessian,
    topological_order,
)
from autograd_core.engine import backward as backward_module
from autograd_core.testing import expression_dags

INF = math.inf

# (name, f, x, first derivative, second derivative) at a domain edge; the closed forms are
# PyTorch float64's answers (an infinite slope is inf, not an error).
EDGES = [
    ("x**0.5 at 0", lambda x: x ** 0.5, 0.0, INF, -INF),
    ("x**1.5 at 0", lambda x: x ** 1.5, 0.0, 0.0, INF),
    ("sqrt at 0", lambda x: x.sqrt(), 0.0, INF, -INF),
    ("x**-1 at 1e-200", lambda x: x ** -1, 1e-200, -INF, INF),
    ("1/x at 1e-200", lambda x: 1 / x, 1e-200, -INF, INF),
    ("x**-2 at 1e-100", lambda x: x ** -2, 1e-103, -INF, INF),
]


def _torch_derivatives(f, x):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    # The same expression on a tensor: ** and / are the same operators; sqrt is a method there too.
    (first,) = torch.autograd.grad(f(t), t, create_graph=True)
    (second,) = torch.autograd.grad(first, t) if first.requires_grad else (torch.tensor(0.0),)
    return first.item(), second.item()


@pytest.mark.parametrize("name, f, x, first, second", EDGES, ids=[e[0] for e in EDGES])
def test_infinite_partials_are_ieee_as_in_pytorch_eager_and_higher_order(name, f, x, first, second):
    leaf = Value(x)
    f(leaf).backward()
    assert leaf.grad == first
    assert grad(f)(x) == first
    assert gradients(f(Value(x)), [Value(x)])[0] == 0.0  # an unrelated leaf
    assert grad(grad(f))(x) == second
    node = Value(x)
    (dy,) = gradients(f(node), [node], create_graph=True)
    assert dy.data == first and gradients(dy, [node])[0] == second


@pytest.mark.parametrize("name, f, x, first, second", EDGES, ids=[e[0] for e in EDGES])
def test_the_closed_forms_are_pytorchs(name, f, x, first, second):
    assert _torch_derivatives(f, x) == (first, second)


@pytest.mark.parametrize("name, f, x, first, second", EDGES, ids=[e[0] for e in EDGES])
def test_compiled_code_gives_the_same_infinite_partials(name, f, x, first, second):
    w = Value(x, label="w")
    step = compile(lambda: f(w), [], [w])
    step()
    assert w.grad == first


@pytest.mark.parametrize("name, f, x, first, second", [e for e in EDGES if math.isinf(e[3])],
                         ids=[e[0] for e in EDGES if math.isinf(e[3])])
def test_detect_anomaly_reports_an_infinite_partial(name, f, x, first, second):
    with detect_anomaly():
        y = f(Value(x, label="x"))
        with pytest.raises(FloatingPointError, match="produced -?inf in backward"):
            y.backward()


def test_a_rule_that_raises_on_floats_midway_is_redone_on_ieee_floats_at_that_node_only():
    # Python's floats raise at the pow node (0.0 ** -0.5); the pass evaluates that rule on IEEE
    # floats and goes on: nothing counts twice.
    x, w = Value(0.0), Value(3.0)
    y = (x ** 0.5) * w + w * w
    y.backward()
    assert (x.grad, w.grad) == (INF, 6.0)


def test_every_rule_runs_whatever_its_gradient_so_zero_times_inf_is_nan_as_in_pytorch():
    # One rule for zero gradients: a node whose gradient is 0 still applies its rule, in IEEE
    # arithmetic, so 0 · inf = nan, as PyTorch gives.
    x = Value(0.0)
    ((x ** 0.5) * 0.0).backward()
    assert math.isnan(x.grad)
    y = Value(0.0)
    assert math.isnan(gradients((y ** 0.5) * 0.0, [y])[0])
    assert math.isnan(grad(lambda v: (v ** 0.5) * 0.0)(0.0))
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    ((t ** 0.5) * 0.0).backward()
    assert math.isnan(t.grad.item())


def test_a_rules_zero_for_an_input_that_does_not_matter_passes_nothing_even_for_an_inf_gradient():
    # x ** 0 gives its input the number 0.0 (nothing), not g · 0: here g is inf (√ at 0), and
    # g · 0 would be nan. PyTorch: 0.
    x = Value(2.0)
    ((x ** 0 - 1.0).sqrt()).backward()
    assert x.grad == 0.0
    assert grad(lambda v: (v ** 0 - 1.0).sqrt())(2.0) == 0.0
    assert grad(grad(lambda v: (v ** 0 - 1.0).sqrt()))(2.0) == 0.0


def test_relu_at_nan_and_at_minus_zero_differ_from_pytorch_as_documented():
    # relu'(a) is heaviside(a): 0 at NaN (PyTorch: 1); relu(-0.0) is +0.0 (PyTorch keeps -0.0).
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data) and x.grad == 0.0
    assert math.copysign(1.0, Value(-0.0).relu().data) == 1.0


# --- mutants the suite let live --------------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero_at_every_order():
    # heaviside's forward is a > 0 (not >=): relu'(0) = 0 also in the recorded gradient.
    x = Value(0.0)
    (d,) = gradients(x.relu(), [x], create_graph=True)
    assert d.data == 0.0 and Value(0.0).heaviside().data == 0.0 and Value(1e-300).heaviside().data == 1.0


def test_an_unused_input_gets_zero_with_create_graph():
    x, unused = Value(2.0), Value(5.0)
    dx, du = gradients(x * x, [x, unused], create_graph=True)
    assert (dx.data, du.data) == (4.0, 0.0)
    assert gradients(x * x, [x, unused]) == [4.0, 0.0]


def test_value_power_value_at_a_zero_base_and_a_negative_base():
    assert (Value(0.0) ** Value(2.0)).data == 0.0
    with pytest.raises(ValueError, match="pow"):
        Value(-1e-300) ** Value(2.0)


# --- the backward pass against the textbook loop ------------------------------------------------

def _textbook_gradients(root, seed):
    """Reverse mode as a textbook writes it, independently of the engine's storage: visit the
    nodes newest first (an order in which every node follows its users) and add each node's
    rule into a dict."""
    order = sorted(topological_order(root), key=lambda node: node.number, reverse=True)
    grads = {root: seed}
    for node in order:
        if not node.op:
            continue
        received = node.op_record.vjp_at(grads.get(node, 0.0), [p.data for p in node.parents], node.data,
                                         node.const)
        for parent, amount in zip(node.parents, received, strict=True):
            grads[parent] = grads[parent] + amount if parent in grads else amount
    return grads


@given(expression_dags(n_inputs=(1, 4), max_ops=14))
def test_the_backward_pass_is_the_textbook_loop_bit_for_bit_on_random_dags(expr):
    inputs = [Value(x) for x in expr.inputs]
    root = expr(*inputs)
    expected = _textbook_gradients(root, 1.0)
    grads = backward_pass(root, 1.0)
    for node in topological_order(root):
        assert grads.get(node) == expected.get(node, 0.0)
    root.backward()
    assert [x.grad for x in inputs] == [expected.get(x, 0.0) for x in inputs]


def test_the_textbook_loop_is_the_chain_rule():
    x = Value(3.0)
    y = x * x + x.exp()
    assert _textbook_gradients(y, 2.0)[x] == 2.0 * 3.0 + 2.0 * 3.0 + 2.0 * math.exp(3.0)


def test_nodes_far_older_than_the_rest_of_their_graph_are_found_and_visited_in_order():
    # An op node made long before the others (here 300,000 nodes earlier) is still visited
    # after every node that uses it: the pass orders nodes by creation number.
    x = Value(1.5, label="x")
    old = x * x
    for _ in range(150_000):
        Value(0.0) * 1.0
    y = (old * 3.0 + x).tanh() * old
    expected = _textbook_gradients(y, 1.0)
    seen = []
    grads = backward_pass(y, 1.0, observe=lambda node, g, received: seen.append(node))
    assert [grads.get(node) for node in (old, x)] == [expected[old], expected[x]]
    assert seen[0] is y and seen[-2:] == [old, x] and len(seen) == len(set(seen)) == len(topological_order(y))
    assert [node.number for node in seen] == sorted((node.number for node in seen), reverse=True)


# --- the engine is plain source -----------------------------------------------------------------------


@pytest.mark.skipif(COMPILED, reason="compiled methods have no Python source")
def test_the_operators_and_the_pass_are_plain_source():
    source = inspect.getsource(Value.__add__)
    assert source.lstrip().startswith("def __add__(self, other") and "_node(_ADD, self._data + operand._data" in source
    assert "op.vjp(g, a._data, b._data, node._data)" in inspect.getsource(backward_module.apply_rule)


def _failing_node():
    x = Value(0.5, label="x")
    y = x.tanh()

    def broken(g, a, out):
        raise RuntimeError("broken rule")

    y._op = replace(OPS["tanh"], name="broken", vjp=broken)
    return x, y * 2.0


@pytest.mark.skipif(COMPILED, reason="compiled functions leave no Python frames")
@pytest.mark.parametrize("run", [lambda y, x: y.backward(), lambda y, x: gradients(y, [x])],
                         ids=["backward", "gradients"])
def test_a_traceback_through_backward_shows_the_pass_and_the_rule(run):
    x, y = _failing_node()
    with pytest.raises(RuntimeError) as caught:
        run(y, x)
    frames = traceback.extract_tb(caught.value.__traceback__)
    assert [frame.name for frame in frames[-3:]] == ["backward_pass", "apply_rule", "broken"]
    assert frames[-2].filename == backward_module.__file__


# --- more mutants: seeds, messages, comparisons, the recording pass's shortcuts ----------------


def test_backward_function_seeds_with_its_grad_argument():
    from autograd_core import backward

    x = Value(3.0)
    y = x * x
    backward(y)
    assert x.grad == 6.0
    backward(y, 2.0)
    assert x.grad == 18.0
    y.backward(3)  # an int seed is a float
    assert x.grad == 36.0
    with pytest.raises(TypeError, match="^grad must be a real number"):
        backward(y, "1")
    with pytest.raises(TypeError, match="^grad must be a real number"):
        y.backward("1")
    with pytest.raises(TypeError, match="^grad_output must be a real number"):
        gradients(y, [x], grad_output="1")


def test_the_recording_pass_passes_the_gradient_of_a_sum_on_without_a_node():
    # d(x + y)/dx is the seed itself (add's rule passes g on); d(x - y)/dy is -g, one node.
    x, y = Value(2.0), Value(5.0)
    (dx,) = gradients(x + y, [x], create_graph=True)
    (dy,) = gradients(x - y, [y], create_graph=True)
    assert (dx.op, dx.data) == ("", 1.0)
    assert (dy.op, dy.data, [p.data for p in dy.parents]) == ("neg", -1.0, [1.0])


def test_a_two_input_op_whose_first_partial_is_zero_still_passes_to_its_second_input():
    # Issue 20, item 11: the first input receives the number 0.0 (nothing); the second must
    # still receive its share, recorded (so differentiable) and at every order.
    from autograd_core import define_op

    times_b = define_op("second_times_b", lambda a, b: b * b, lambda a, b, out: (0.0, 2.0 * b),
                        maths="b²;  ∂/∂a = 0,  ∂/∂b = 2b", arity=2)
    a, b = Value(3.0), Value(5.0)
    da, db = gradients(times_b(a, b), [a, b], create_graph=True)
    assert (da.data, db.data) == (0.0, 10.0)
    assert gradients(db, [b]) == [2.0]
    assert hessian(times_b)(3.0, 5.0) == [[0.0, 0.0], [0.0, 2.0]]
    out = times_b(a, b)
    out.backward()
    assert (a.grad, b.grad) == (0.0, 10.0)


@pytest.mark.parametrize("x", [0.1, 0.25, 0.5, 0.75, 0.9, 1.0, 3.0])
def test_sigmoid_of_a_positive_input_is_one_over_one_plus_exp_minus_x(x):
    assert Value(x).sigmoid().data == 1.0 / (1.0 + math.exp(-x))


def test_forward_anomaly_names_labelled_inputs_and_constants():
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"mul produced inf in forward from inputs \(a=1e\+300, 1e\+300\)"):
            Value(1e300, label="a") * Value(1e300)
        with pytest.raises(FloatingPointError, match=r"pow_const produced inf in forward from inputs \(i=inf, 2.0\)"):
            Value(math.inf, label="i") ** 2
        with pytest.raises(FloatingPointError, match=r"exp produced inf in forward from inputs \(inf\), at "):
            Value(math.inf).exp()


@pytest.mark.parametrize("call, message", [
    (lambda: Value(-1.0).log(), r"log\(-1.0\) is outside the domain of log: .*\(log needs a positive input\)$"),
    (lambda: Value(-1.0).sqrt(), r"sqrt\(-1.0\) .*\(sqrt needs an input ≥ 0\)$"),
    (lambda: Value(-1.0) ** 0.5, r"pow_const\(-1.0, 0.5\) .*\(a negative base needs an integer exponent\)$"),
    (lambda: Value(-1.0) ** Value(2.0), r"pow\(-1.0, 2.0\) .*\(Value \*\* Value needs a base ≥ 0; use x \*\* number for a constant exponent\)$"),
])
def test_domain_errors_name_the_call_and_the_rule(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_call_op_with_a_constant_and_its_errors():
    from autograd_core import call_op

    assert call_op(OPS["pow_const"], [Value(3.0)], 2).data == 9.0
    assert call_op(OPS["pow_const"], [3.0], 0.5).data == math.sqrt(3.0)
    with pytest.raises(TypeError, match="^pow_const needs a number for its constant, got NoneType$"):
        call_op(OPS["pow_const"], [Value(3.0)])
    with pytest.raises(TypeError, match="^pow_const needs a number for its constant, got str$"):
        call_op(OPS["pow_const"], [Value(3.0)], "2")
    with pytest.raises(TypeError, match=r"^mul takes 2 input\(s\), got 1$"):
        call_op(OPS["mul"], [Value(3.0)])


@pytest.mark.parametrize("a, b", [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)])
def test_comparisons_compare_data_with_values_and_numbers(a, b):
    for other in (b, Value(b)):
        assert (Value(a) < other, Value(a) <= other, Value(a) > other, Value(a) >= other) == (
            a < b, a <= b, a > b, a >= b)
    for compare in (lambda v: v < "x", lambda v: v <= "x", lambda v: v > "x", lambda v: v >= "x"):
        with pytest.raises(TypeError):
            compare(Value(a))


def test_as_int_names_the_wrong_type():
    from autograd_core import as_int

    with pytest.raises(TypeError, match="^n must be an int, got str$"):
        as_int("3", "n")


def test_a_new_value_has_an_empty_label():
    assert Value(1.0).label == ""


def test_ops_written_out_as_text():
    assert OPS["neg"].written(["v3"]) == "-v3"
    assert OPS["exp"].written(["v4"]) == "exp(v4)"
    assert OPS["pow_const"].written(["v2"], 3.0) == "v2 ** 3"


def test_an_op_outside_the_table_copies_field_by_field():
    import copy

    plus = replace(OPS["add"], name="plus")
    copied = copy.deepcopy(plus)
    assert copied == plus and copied is not plus and copied.name == "plus"
    assert copy.deepcopy(OPS["add"]) is OPS["add"]


def test_a_graph_pickles_from_a_fresh_thread():
    import pickle
    import threading

    results = []
    x = Value(2.0, label="x")
    y = x * x + 1.0
    thread = threading.Thread(target=lambda: results.append(pickle.loads(pickle.dumps(y))))
    thread.start()
    thread.join(30)
    (copied,) = results
    assert (copied.data, [p.op for p in copied.parents]) == (5.0, ["mul", ""])
