"""Forward mode: jvp, jacfwd, jacrev, hvp and the tangent pass, against PyTorch float64
(``torch.func.jvp``, its Jacobians and Hessians), against reverse mode, and nested to second order.

Random expression graphs over the whole op table compare jvp with ``torch.func.jvp`` and with
reverse mode; ``tests/test_maths.py`` pushes every function forward at points inside and at the
edges of its domain, to second order.
"""

from __future__ import annotations

import math
import threading
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core
from autograd_core import (
    OPS,
    Value,
    define_op,
    detect_anomaly,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    no_grad,
    tangent_pass,
    topological_order,
)
from autograd_core.testing import expression_dags, finite_floats

INF, NAN = math.inf, math.nan

# torch.func warns, on first use, that torch.jit.script (which it imports) is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def _torch():
    return pytest.importorskip("torch")


def _tensor(x):
    torch = _torch()
    return torch.tensor(x, dtype=torch.float64)


# --- every op of the table, written for torch tensors -------------------------------------------

def _torch_ops():
    torch = _torch()
    return {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "neg": lambda a: -a, "pow_const": lambda a, k: a ** k,
        "pow": lambda a, b: a ** b, "exp": torch.exp, "log": torch.log, "sigmoid": torch.sigmoid,
        "tanh": torch.tanh, "relu": torch.relu, "heaviside": lambda a: (a > 0).to(a.dtype),
        "abs": torch.abs, "sqrt": torch.sqrt, "sin": torch.sin, "cos": torch.cos,
        "tan": torch.tan, "sinh": torch.sinh, "cosh": torch.cosh, "asin": torch.asin, "acos": torch.acos,
        "atan": torch.atan, "asinh": torch.asinh, "acosh": torch.acosh, "atanh": torch.atanh,
        "log2": torch.log2, "log10": torch.log10, "log1p": torch.log1p, "expm1": torch.expm1,
        "exp2": torch.exp2, "sign": torch.sign, "floor": torch.floor,
        # torch.remainder has no forward mode: a - b·⌊a/b⌋ with a floor of zero derivative is it.
        "mod": lambda a, b: a - b * torch.div(a, b, rounding_mode="floor"),
        "floordiv": lambda a, b: torch.div(a, b, rounding_mode="floor"),
        "atan2": torch.atan2, "hypot": torch.hypot, "maximum": torch.maximum, "minimum": torch.minimum,
        "clamp_min": torch.clamp_min, "clamp_max": torch.clamp_max,
    }


def test_every_op_has_a_torch_twin():
    assert set(_torch_ops()) == set(OPS)


def _torch_jvp(f, xs, ts):
    torch = _torch()
    value, tangent = torch.func.jvp(f, tuple(_tensor(x) for x in xs), tuple(_tensor(t) for t in ts))
    return value.item(), tangent.item()


# --- random graphs over the whole table ------------------------------------------------------------

def _on_tensors(expr, xs):
    torch_ops = _torch_ops()
    nodes = list(xs)
    for step in expr.steps:
        operands = [nodes[ref] if isinstance(ref, int) else _tensor(ref) for ref in step.operands]
        if step.const is not None:
            operands.append(step.const)
        nodes.append(torch_ops[step.op.name](*operands))
    return nodes[-1]


@given(expr=expression_dags(n_inputs=(1, 3), max_ops=10), data=st.data())
def test_jvp_of_random_graphs_is_torch_func_jvp_and_reverse_mode(expr, data):
    tangents = data.draw(st.lists(finite_floats(-2.0, 2.0), min_size=expr.n_inputs, max_size=expr.n_inputs))
    value, tangent = jvp(expr, expr.inputs, tangents)
    expected_value, expected = _torch_jvp(lambda *ts: _on_tensors(expr, ts), expr.inputs, tangents)
    assert math.isclose(value, expected_value, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(tangent, expected, rel_tol=1e-9, abs_tol=1e-9), (tangent, expected)
    gradient = grad(expr, argnums=tuple(range(expr.n_inputs)))(*expr.inputs)
    along = math.fsum(g * t for g, t in zip(gradient, tangents, strict=True))
    assert math.isclose(tangent, along, rel_tol=1e-9, abs_tol=1e-9)


@given(expression_dags(n_inputs=(1, 3), max_ops=8))
def test_jacfwd_and_jacrev_agree_on_random_graphs(expr):
    argnums = tuple(range(expr.n_inputs))
    assert jacfwd(expr, argnums)(*expr.inputs) == pytest.approx(jacrev(expr, argnums)(*expr.inputs), rel=1e-9, abs=1e-9)


@given(expression_dags(n_inputs=(1, 3), max_ops=8), st.data())
def test_hvp_of_random_graphs_is_the_hessian_times_the_vector(expr, data):
    v = data.draw(st.lists(finite_floats(-2.0, 2.0), min_size=expr.n_inputs, max_size=expr.n_inputs))
    product = hvp(expr, expr.inputs, v)
    product = (product,) if expr.n_inputs == 1 else product
    rows = hessian(expr)(*expr.inputs)
    expected = [math.fsum(h * x for h, x in zip(row, v, strict=True)) for row in rows]
    assert list(product) == pytest.approx(expected, rel=1e-8, abs=1e-8)


# --- the transformations, against PyTorch's -----------------------------------------------------

def test_jacfwd_jacrev_and_hvp_are_pytorchs():
    torch = _torch()

    def ours(x, y, z):
        return (x * y.sin() + z.exp2(), (x * z).atan2(y) - x.hypot(z), (x % 0.7) * y.clip(-1.0, 0.5))

    def theirs(x, y, z):
        return (x * y.sin() + torch.exp2(z), torch.atan2(x * z, y) - torch.hypot(x, z),
                torch.remainder(x, 0.7) * torch.clamp(y, -1.0, 0.5))

    point = (0.9, -0.4, 1.3)
    expected = torch.autograd.functional.jacobian(theirs, tuple(_tensor(x) for x in point))
    expected = [entry.item() for row in expected for entry in row]
    for transform in (jacfwd, jacrev):
        rows = transform(ours, (0, 1, 2))(*point)
        assert isinstance(rows, tuple) and all(isinstance(row, tuple) for row in rows)
        assert [entry for row in rows for entry in row] == pytest.approx(expected, rel=1e-12)

    def energy(x, y, z):
        return (x * y).tanh() * z.cosh() + x.log1p() * y * y

    v = (0.5, -1.0, 2.0)
    _, expected_hvp = torch.autograd.functional.hvp(
        lambda x, y, z: torch.tanh(x * y) * torch.cosh(z) + torch.log1p(x) * y * y,
        tuple(_tensor(x) for x in point), tuple(_tensor(x) for x in v))
    assert hvp(energy, point, v) == pytest.approx(tuple(e.item() for e in expected_hvp), rel=1e-12)


def test_jvp_at_domain_edges_is_ieee_as_torch():
    assert jvp(lambda x: x.sqrt(), (0.0,), (1.0,)) == (0.0, INF)
    assert jvp(lambda x: x.asin(), (1.0,), (-2.0,)) == (math.pi / 2, -INF)
    assert jvp(lambda x: x ** 0.5 * 0.0, (0.0,), (1.0,))[1] != jvp(lambda x: x ** 0.5 * 0.0, (0.0,), (1.0,))[1]  # nan
    # Forward mode meets ∂(x/1e-320)/∂x = 1e320 first, which no float holds: inf, as torch.func.jvp
    # (reverse mode meets the 1e-300 first and gives 1e20).
    f = lambda x: (x / 1e-320) * 1e-300  # noqa: E731
    assert jvp(f, (1e-310,), (1.0,))[1] == INF == _torch_jvp(f, (1e-310,), (1.0,))[1]
    assert grad(f)(1e-310) == pytest.approx(1e20, rel=1e-4)  # 1e-320 is a subnormal: 4 digits
    assert jvp(lambda x: (x.sqrt() ** 0), (0.0,), (1.0,)) == (1.0, 0.0)  # x ** 0 passes nothing on, not inf · 0


# --- nesting ---------------------------------------------------------------------------------------

def test_nested_forward_and_reverse_give_second_and_third_derivatives():
    f = lambda x: x.sin() * x * x  # noqa: E731
    x = 0.7
    second = 2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x)
    third = 6 * math.cos(x) - 6 * x * math.sin(x) - x * x * math.cos(x)
    d = lambda g: (lambda v: jvp(g, (v,), (1.0,))[1])  # noqa: E731
    assert d(d(f))(x) == pytest.approx(second, rel=1e-13)           # jvp of jvp
    assert d(grad(f))(x) == pytest.approx(second, rel=1e-13)        # forward over reverse
    assert grad(d(f))(x) == pytest.approx(second, rel=1e-13)        # reverse over forward
    assert d(d(d(f)))(x) == pytest.approx(third, rel=1e-12)
    assert grad(d(grad(f)))(x) == pytest.approx(third, rel=1e-12)
    assert hvp(f, (x,), (1.0,)) == pytest.approx(second, rel=1e-13)


def test_nested_passes_do_not_confuse_their_tangents():
    # Siskind and Pearlmutter's perturbation confusion: d/dx [x · d/dy (x + y)] = 1 at any point;
    # a forward mode that mixed the two tangents would give 2.
    inner = lambda x: jvp(lambda y: x + y, (1.0,), (1.0,))[1]  # noqa: E731
    assert jvp(lambda x: x * inner(x), (1.0,), (1.0,)) == (1.0, 1.0)
    assert grad(lambda x: x * inner(x))(1.0) == 1.0


def test_jvp_with_values_records_tangents_that_differentiate_again():
    x = Value(0.5, label="x")
    out, tangent = jvp(lambda v: v.exp() * v, (x,), (1.0,))
    assert isinstance(out, Value) and isinstance(tangent, Value)
    tangent.backward()  # d/dx of (x + 1)e^x
    assert x.grad == pytest.approx((0.5 + 2.0) * math.exp(0.5), rel=1e-14)
    # a tangent given as a Value is differentiated too: d/dt of f'(x) · t is f'(x)
    t = Value(3.0)
    _, along = jvp(lambda v: v * v, (2.0,), (t,))
    along.backward()
    assert (along.data, t.grad) == (12.0, 4.0)


def test_a_user_op_gets_forward_mode_from_its_partials():
    cube = define_op("cube", lambda a: a ** 3, lambda a, out: (3.0 * a * a,), maths="a³;  ∂/∂a = 3a²")
    assert jvp(cube, (2.0,), (0.5,)) == (8.0, 6.0)
    assert jvp(lambda x: jvp(cube, (x,), (1.0,))[1], (2.0,), (1.0,))[1] == 12.0
    assert jacfwd(lambda x: (cube(x), x.cube() * 2.0))(1.0) == (3.0, 6.0)


# --- shapes ----------------------------------------------------------------------------------------

def test_outputs_keep_their_shape():
    assert jvp(lambda x, y: [x * y, x + y], (3.0, 4.0), (1.0, 0.0)) == ([12.0, 7.0], [4.0, 1.0])
    assert jvp(lambda x: x * 2.0, [1.5], [1.0]) == (3.0, 2.0)  # lists are fine for primals too
    assert jacfwd(lambda x, y: x * y, argnums=1)(3.0, 4.0) == 3.0
    assert jacrev(lambda x, y: (x * y,), argnums=(0, 1))(3.0, 4.0) == ((4.0, 3.0),)
    assert jacfwd(lambda x, k: x ** k, argnums=0)(2.0, k=3) == 12.0  # keywords pass through
    assert jvp(lambda x: 5.0 + x * 0.0, (1.0,), (1.0,)) == (5.0, 0.0)


def test_an_output_that_does_not_depend_on_the_inputs_has_tangent_zero_and_a_warning():
    with pytest.warns(UserWarning, match="jvp: the output of <lambda> does not depend"):
        assert jvp(lambda x: math.sin(x.data), (1.0,), (1.0,)) == (math.sin(1.0), 0.0)
    with pytest.warns(UserWarning, match="jacfwd"):
        jacfwd(lambda x: (3.0, 4.0))(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert jvp(lambda x: (3.0, x), (1.0,), (2.0,)) == ((3.0, 1.0), (0.0, 2.0))  # one output depends


def test_transformed_functions_carry_the_name_and_say_what_they_compute():
    def pendulum(theta):
        """Height of a pendulum's bob."""
        return 1.0 - theta.cos()

    assert jacfwd(pendulum).__name__ == "pendulum" and jacrev(pendulum).__wrapped__ is pendulum
    assert jacfwd(pendulum).__doc__.startswith("Jacobian (forward mode) of pendulum with respect to argument 0.")
    assert jacrev(pendulum).__doc__.startswith("Jacobian (reverse mode) of pendulum")


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda: jvp(3.0, (1.0,), (1.0,)), TypeError, "jvp needs a function, got float"),
    (lambda: jvp(lambda x: x, 1.0, (1.0,)), TypeError, "primals must be a tuple or a list"),
    (lambda: jvp(lambda x: x, (1.0,), 1.0), TypeError, "tangents must be a tuple or a list"),
    (lambda: jvp(lambda x: x, (1.0,), (1.0, 2.0)), ValueError, "one tangent per primal: got 1 primals and 2"),
    (lambda: jvp(lambda: 1.0, (), ()), ValueError, "at least one primal"),
    (lambda: jvp(lambda x: x, (True,), (1.0,)), TypeError, r"primals\[0\] must be a real number .* got bool"),
    (lambda: jvp(lambda x: x, (1.0,), ("1",)), TypeError, r"tangents\[0\] must be a real number .* got str"),
    (lambda: jvp(lambda x: "x", (1.0,), (1.0,)), TypeError, "the function's result .* got str"),
    (lambda: jvp(lambda x: (x, "y"), (1.0,), (1.0,)), TypeError, "output 1 of the function .* got str"),
    (lambda: jvp(lambda x: [], (1.0,), (1.0,)), ValueError, "empty list"),
    (lambda: jvp(lambda x: x, (1.0, 2.0), (1.0, 1.0)), TypeError, "positional argument"),
    (lambda: jacfwd(lambda x: x, argnums=1)(1.0), ValueError, "argnums entry 1 is out of range"),
    (lambda: jacfwd(lambda x: x, argnums="0"), TypeError, "argnums must be an int"),
    (lambda: jacrev(lambda x, y: x, argnums=(0, 0))(1.0, 2.0), ValueError, "more than once"),
    (lambda: hvp(lambda x: x, (1.0,), ()), ValueError, "one tangent per primal"),
    (lambda: hvp(None, (1.0,), (1.0,)), TypeError, "hvp needs a function"),
    (lambda: jvp(lambda x: x.log(), (-1.0,), (1.0,)), ValueError, "outside the domain of log"),
])
def test_bad_input_gets_an_error_of_the_right_type_naming_it(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_detect_anomaly_names_the_node_whose_tangent_is_not_finite_and_where_it_was_made():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt node produced inf in forward mode") as error:
        jvp(lambda x: x.sqrt(), (0.0,), (1.0,))
    assert "test_forward_mode.py" in str(error.value)  # the line of user code that made the node
    x = Value(0.0)
    root = x.sqrt()  # made outside detect_anomaly: nothing recorded where
    with detect_anomaly(), pytest.raises(FloatingPointError, match="made outside detect_anomaly"):
        tangent_pass([root], {x: 1.0})


# --- the pass itself -----------------------------------------------------------------------------

def test_the_tangent_pass_visits_only_what_depends_on_a_seed():
    x, y, c = Value(1.0, label="x"), Value(2.0, label="y"), Value(3.0, label="c")
    left, right = x * c, (y * c).exp()
    out = left + right
    seen = []
    tangents = tangent_pass([out], {x: 1.0}, observe=lambda node, t: seen.append((node.op, t)))
    assert seen == [("mul", 3.0), ("add", 3.0)]  # the exp branch depends on y only: no rule runs there
    assert (tangents.get(out), tangents.get(right), tangents.get(x)) == (3.0, 0.0, 1.0)


def test_x_times_x_evaluates_its_rule_once():
    calls = []
    twice = define_op("twice", lambda a, b: 2.0 * a * b, lambda a, b, out: (calls.append(1) or 2.0 * b, 2.0 * a),
                      maths="2ab;  ∂/∂a = 2b,  ∂/∂b = 2a", arity=2)
    x = Value(3.0)
    out = twice(x, x)
    assert tangent_pass([out], {x: 1.0}).get(twice(x, x)) == 0.0  # another node: not in the pass
    assert tangent_pass([out], {x: 1.0}).get(out) == 12.0 and len(calls) == 2  # once per pass


def test_forward_mode_is_iterative_and_ignores_no_grad():
    def chain(x):
        for _ in range(20_000):
            x = x * 1.0001
        return x

    with no_grad():
        value, tangent = jvp(chain, (1.0,), (1.0,))
    assert tangent == pytest.approx(1.0001 ** 20_000) and value == pytest.approx(tangent)


def test_passes_in_threads_do_not_disturb_each_other():
    x = Value(0.3)
    graph = (x * x).sin() + x.exp()
    expected = 2 * 0.3 * math.cos(0.09) + math.exp(0.3)
    results = []

    def work():
        results.extend(tangent_pass([graph], {x: 1.0}).get(graph) for _ in range(200))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 800 and set(results) == {results[0]}
    assert results[0] == pytest.approx(expected, rel=1e-15)


def test_exported():
    for name in ("jvp", "jacfwd", "jacrev", "hvp", "tangent_pass"):
        assert name in autograd_core.__all__
    assert len(topological_order(Value(1.0))) == 1
