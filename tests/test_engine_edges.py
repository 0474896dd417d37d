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
from autograd_core.fastpaths import float_gradients, reference_gradients
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
    assert "op.partials(a.data, node.data)" in generated[-1].line


def test_generated_sources_are_readable_with_inspect_and_linecache():
    from autograd_core import fastpaths

    source = inspect.getsource(Value.__add__)
    assert "self.data + other.data" in source
    for function in (fastpaths._backward_pass, fastpaths._float_pass):
        filename = function.__code__.co_filename
        assert linecache.getlines(filename)[0].startswith("def float_pass(order, grads, root, seed):")
