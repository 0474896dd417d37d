"""The engine at the edges: infinite partials (IEEE, as PyTorch), the zero-gradient skip, relu at
NaN and -0.0, the generated passes against the readable reference pass, tracebacks into
generated code, and the tests that kill mutants the rest of the suite let live.

Infinite partials are checked against PyTorch float64 when it is installed, and against the
closed forms (the same numbers) always.
"""

import inspect
import linecache
import math
import traceback
from dataclasses import replace

import pytest
from hypothesis import given

from autograd_core import OPS, Value, compile, detect_anomaly, grad, gradients
from autograd_core.engine.fastpaths import float_gradients, reference_gradients
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


def test_a_failed_partial_midway_does_not_count_twice_in_grad():
    # The fast pass stops at the pow node and the pass is redone with IEEE results; the nodes
    # it had already finished must not add their gradient a second time.
    x, w = Value(0.0), Value(3.0)
    y = (x ** 0.5) * w + w * w
    y.backward()
    assert (x.grad, w.grad) == (INF, 6.0)


def test_zero_upstream_gradient_is_skipped_where_pytorch_gives_nan():
    # Deliberate: a node whose gradient is exactly 0 passes nothing on, so 0 * inf never
    # happens (PyTorch: nan). It also skips the inputs of a dead relu.
    x = Value(0.0)
    ((x ** 0.5) * 0.0).backward()
    assert x.grad == 0.0
    assert gradients((Value(0.0) ** 0.5) * 0.0, [x])[0] == 0.0
    torch = pytest.importorskip("torch")
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    ((t ** 0.5) * 0.0).backward()
    assert math.isnan(t.grad.item())


def test_relu_at_nan_and_at_minus_zero_differ_from_pytorch_as_documented():
    # relu'(a) is step(a): 0 at NaN (PyTorch: 1); relu(-0.0) is +0.0 (PyTorch keeps -0.0).
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    assert math.isnan(y.data) and x.grad == 0.0
    assert math.copysign(1.0, Value(-0.0).relu().data) == 1.0


# --- mutants the suite let live --------------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero_at_every_order():
    # step's forward is a > 0 (not >=): relu'(0) = 0 also in the recorded gradient.
    x = Value(0.0)
    (d,) = gradients(x.relu(), [x], create_graph=True)
    assert d.data == 0.0 and Value(0.0).step().data == 0.0 and Value(1e-300).step().data == 1.0


def test_an_unused_input_gets_zero_with_create_graph():
    x, unused = Value(2.0), Value(5.0)
    dx, du = gradients(x * x, [x, unused], create_graph=True)
    assert (dx.data, du.data) == (4.0, 0.0)
    assert gradients(x * x, [x, unused]) == [4.0, 0.0]


def test_value_power_value_at_a_zero_base_and_a_negative_base():
    assert (Value(0.0) ** Value(2.0)).data == 0.0
    with pytest.raises(ValueError, match="pow"):
        Value(-1e-300) ** Value(2.0)


# --- the generated passes against the reference pass ---------------------------------------------


@given(expression_dags(n_inputs=(1, 4), max_ops=14))
def test_generated_passes_equal_the_reference_pass_on_random_dags(expr):
    inputs = [Value(x) for x in expr.inputs]
    root = expr(*inputs)
    reference = reference_gradients(root, 1.0)
    fast = float_gradients(root, 1.0)
    assert list(fast.items()) == list(reference.items())  # same nodes, same floats, bit for bit
    root.backward()
    assert [x.grad for x in inputs] == [reference.get(x, 0.0) for x in inputs]


def test_the_reference_pass_is_the_textbook_loop():
    x = Value(3.0)
    y = x * x + x.exp()
    assert reference_gradients(y, 2.0)[x] == 2.0 * (3.0 + 3.0 + math.exp(3.0))


# --- generated code can be read and debugged --------------------------------------------------------


def _failing_node():
    x = Value(0.5, label="x")
    y = x.tanh()

    def broken(a, out):
        raise RuntimeError("broken rule")

    y._op = replace(OPS["tanh"], name="broken", partials=broken)  # not in the generated branches
    return x, y * 2.0


@pytest.mark.parametrize("run", [lambda y, x: y.backward(), lambda y, x: gradients(y, [x])],
                         ids=["backward", "gradients"])
def test_a_traceback_through_generated_backward_shows_its_source_lines(run):
    x, y = _failing_node()
    with pytest.raises(RuntimeError) as caught:
        run(y, x)
    frames = traceback.extract_tb(caught.value.__traceback__)
    generated = [frame for frame in frames if frame.filename.startswith("<autograd_core.fastpaths")]
    assert generated, [frame.filename for frame in frames]
    assert "op.partials(a._data, node._data)" in generated[-1].line


def test_generated_sources_are_readable_with_inspect_and_linecache():
    from autograd_core.engine import fastpaths

    source = inspect.getsource(Value.__add__)
    assert "self._data + other._data" in source
    for function in (fastpaths._backward_pass, fastpaths._float_pass):
        filename = function.__code__.co_filename
        assert linecache.getlines(filename)[0].startswith("def float_pass(order, root, seed):")


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


def test_the_recording_pass_passes_a_unit_partial_on_without_a_node():
    # d(x + y)/dx is the seed itself (a partial of exactly 1 records no multiplication);
    # d(x - y)/dy is seed * -1.0, one node.
    x, y = Value(2.0), Value(5.0)
    (dx,) = gradients(x + y, [x], create_graph=True)
    (dy,) = gradients(x - y, [y], create_graph=True)
    assert (dx.op, dx.data) == ("", 1.0)
    assert (dy.op, dy.data, [p.data for p in dy.parents]) == ("mul", -1.0, [1.0, -1.0])


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
