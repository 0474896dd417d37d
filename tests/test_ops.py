"""Every op of the table: forward against `math`, partials against central differences.

The tests are parametrised over ``OPS`` itself, so a new op is tested as soon as it is
declared (and `test_every_op_has_a_reference` fails until it has an independent
reference here).
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import OPS, Value, detect_anomaly, gradients
from autograd_core.testing import apply_op, op_inputs


def _sigmoid_reference(a):
    return 1.0 / (1.0 + math.exp(-a))


def _remainder_reference(a, b):
    """C's fmod (exact), moved by b when its sign is not b's: the remainder with the sign of b."""
    r = math.fmod(a, b)
    return r + b if r != 0.0 and (r < 0.0) != (b < 0.0) else r


# Independent truth: each op written directly with `math`, not with the engine's rules.
REFERENCE = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow_const": math.pow,
    "pow": math.pow,
    "exp": math.exp,
    "log": math.log,
    "sigmoid": _sigmoid_reference,
    "tanh": math.tanh,
    "relu": lambda a: max(a, 0.0),
    "heaviside": lambda a: 1.0 if a > 0 else 0.0,
    "abs": math.fabs,
    "sqrt": lambda a: a ** 0.5,
    "sin": math.sin,
    "cos": math.cos,
    # The maths library.
    "tan": math.tan,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "asinh": math.asinh,
    "acosh": math.acosh,
    "atanh": math.atanh,
    "log2": lambda a: math.log(a) / math.log(2.0),
    "log10": lambda a: math.log(a) / math.log(10.0),
    "log1p": math.log1p,
    "expm1": math.expm1,
    "exp2": lambda a: math.pow(2.0, a),
    "sign": lambda a: float((a > 0) - (a < 0)),
    "floor": lambda a: float(math.floor(a)),
    "mod": _remainder_reference,
    "floordiv": lambda a, b: float(math.floor(a / b)),
    "atan2": math.atan2,
    "hypot": lambda a, b: math.sqrt(a * a + b * b),
    "maximum": max,
    "minimum": min,
    "clamp_min": max,
    "clamp_max": min,
}

OP_NAMES = sorted(OPS)


def _central_differences(op, args, h=1e-6):
    """∂out/∂input_i by central differences of the math reference, for each input.

    The five-point stencil, whose error shrinks as step⁴: the two-point one's shrinks only as
    step², which near a pole is too coarse (∂(a/b)/∂b at a = b = 1e-4, step 1e-6, is off by
    (step/b)² = 1e-4 there, ten times the tests' tolerance).
    """
    numeric = []
    for i in range(op.arity):
        step = h * max(1.0, abs(args.inputs[i]))

        def moved(by, i=i):
            shifted = list(args.forward_args)
            shifted[i] += by
            return REFERENCE[op.name](*shifted)

        near, far = moved(step) - moved(-step), moved(2 * step) - moved(-2 * step)
        numeric.append((8 * near - far) / (12 * step))
    return numeric


def test_every_op_has_a_reference():
    assert set(REFERENCE) == set(OPS)


@pytest.mark.parametrize("name", OP_NAMES)
def test_op_record_is_well_formed(name):
    op = OPS[name]
    assert op.name == name
    assert op.arity in (1, 2)
    assert op.symbol and op.maths and op.domain_text
    assert op.domain is None or op.domain  # None means all reals, never an empty string
    assert "∂" in op.maths  # the maths line states the derivative
    if op.arity == 2:
        assert not op.has_const


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_forward_matches_math(name, data):
    op = OPS[name]
    args = data.draw(op_inputs(op), label="args")
    expected = REFERENCE[name](*args.forward_args)
    assert math.isclose(op.forward(*args.forward_args), expected, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_value_method_records_the_op(name, data):
    op = OPS[name]
    args = data.draw(op_inputs(op), label="args")
    inputs = [Value(x) for x in args.inputs]
    node = apply_op(op, inputs, args.const)
    assert node.op == name
    assert node.parents == tuple(inputs)
    assert all(a is b for a, b in zip(node.parents, inputs, strict=True))
    assert node.const == args.const
    assert math.isclose(node.data, REFERENCE[name](*args.forward_args), rel_tol=1e-12, abs_tol=1e-300)


def _draw_smooth_point(name, data):
    """The op called ``name``, arguments drawn where its partials are tame (at most 1e4, away from
    kinks and domain edges, so central differences are accurate there) and its output at them."""
    op = OPS[name]
    args = data.draw(op_inputs(op, max_magnitude=1e4), label="args")
    return op, args, op.forward_at(args.inputs, args.const)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_partials_match_central_differences(name, data):
    op, args, out = _draw_smooth_point(name, data)
    analytic = op.partials_at(args.inputs, out, args.const)
    assert len(analytic) == op.arity
    for partial, numeric in zip(analytic, _central_differences(op, args), strict=True):
        assert math.isclose(partial, numeric, rel_tol=1e-5, abs_tol=1e-5), (partial, numeric)


@pytest.mark.parametrize("name", OP_NAMES)
@given(data=st.data())
def test_partials_recorded_on_values_equal_the_float_rule(name, data):
    # The same rule must evaluate on floats (backward) and record on Values (higher order).
    op, args, out = _draw_smooth_point(name, data)
    on_floats = op.partials_at(args.inputs, out, args.const)
    on_values = op.partials_at([Value(x) for x in args.inputs], Value(out), args.const)
    for f, v in zip(on_floats, on_values, strict=True):
        assert math.isclose(float(f), float(v), rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name", [n for n in OP_NAMES if OPS[n].kink_distance is not None and OPS[n].arity == 1])
def test_kink_ops_take_derivative_zero_at_the_kink(name):
    op = OPS[name]
    assert op.kink_distance(0.0) == 0.0 and op.kink_distance(-0.5) == 0.5
    assert op.partials_at([0.0], op.forward(0.0)) == (0.0,)


def test_relu_derivative_at_zero_is_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)


def test_relu_of_nan_is_nan_so_detect_anomaly_sees_it():
    assert math.isnan(Value(math.nan).relu().data)  # IEEE max(nan, 0) and torch.relu: nan
    with detect_anomaly(), pytest.raises(FloatingPointError, match="relu produced nan"):
        Value(math.nan, label="x").relu()


@pytest.mark.parametrize("x, expected", [(2.5, 1.0), (-2.5, 0.0), (1e-300, 1.0)])
def test_relu_derivative_away_from_zero(x, expected):
    v = Value(x)
    v.relu().backward()
    assert v.grad == expected


@pytest.mark.parametrize("x", [-3.0, 0.0, 4.0])
def test_heaviside_has_zero_derivative(x):
    v = Value(x)
    v.heaviside().backward()
    assert v.grad == 0.0


@pytest.mark.parametrize("k, x, expected", [
    (0.0, 0.0, 0.0),   # d/dx x^0 = 0, even at 0 (k·x^(k-1) would divide by zero)
    (1.0, 0.0, 1.0),
    (2.0, 0.0, 0.0),
    (3.0, -2.0, 12.0),
    (-1.0, 2.0, -0.25),
    (0.5, 4.0, 0.25),
])
def test_pow_const_derivative_closed_form(k, x, expected):
    v = Value(x)
    (v ** k).backward()
    assert v.grad == expected


# --- abs, sqrt, sin, cos and 0 ** y: closed forms and PyTorch float64 -------------------------------

@pytest.mark.parametrize("x, grad", [(-2.5, -1.0), (0.0, 0.0), (3.0, 1.0)])
def test_abs_derivative_is_sign_and_zero_at_zero(x, grad):
    v = Value(x)
    y = abs(v)  # Python's abs() calls Value.abs
    y.backward()
    assert (y.op, y.data, v.grad) == ("abs", math.fabs(x), grad)


@pytest.mark.parametrize("x", [0.25, 2.0, 9.0])
def test_sqrt_sin_cos_closed_forms(x):
    for method, derivative in [("sqrt", 0.5 / math.sqrt(x)), ("sin", math.cos(x)), ("cos", -math.sin(x))]:
        v = Value(x)
        getattr(v, method)().backward()
        assert math.isclose(v.grad, derivative, rel_tol=1e-15), method


def test_second_derivatives_of_sin_and_cos():
    from autograd_core import grad

    x = 0.7
    assert math.isclose(grad(grad(lambda v: v.sin()))(x), -math.sin(x), rel_tol=1e-15)
    assert math.isclose(grad(grad(grad(lambda v: v.cos())))(x), math.sin(x), rel_tol=1e-15)


def test_new_ops_refuse_outside_their_domain():
    with pytest.raises(ValueError, match="sqrt"):
        Value(-1.0).sqrt()
    with pytest.raises(ValueError, match="sin"):
        Value(math.inf).sin()
    x = Value(0.0)
    x.sqrt().backward()  # √ has an infinite slope at 0: IEEE inf, as torch.sqrt
    assert x.grad == math.inf


def test_zero_to_a_positive_power_is_zero_with_derivative_zero():
    y = Value(2.5)
    out = 0.0 ** y
    out.backward()
    assert (out.op, out.data, y.grad) == ("pow", 0.0, 0.0)
    base = Value(0.0)
    (base ** Value(2.0)).backward()
    assert base.grad == 0.0  # 2 · 0^1
    # The recorded derivative too (higher order reads the rule itself, not the generated pass).
    (d_dy,) = gradients(0.0 ** y, [y], create_graph=True)
    assert (d_dy.data, gradients(d_dy, [y])[0]) == (0.0, 0.0)


def test_zero_to_the_zero_and_to_negative_powers_as_python():
    assert (0.0 ** Value(0.0)).data == 0.0 ** 0.0 == 1.0
    with pytest.raises(ZeroDivisionError):
        0.0 ** Value(-1.0)
    with pytest.raises(ValueError, match="pow"):
        (-1.0) ** Value(2.0)


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["abs", "sqrt", "sin", "cos"])
@pytest.mark.parametrize("x", [-2.0, -0.3, 0.0, 0.4, 1.7, 12.0])
def test_new_ops_match_torch_float64(name, x):
    torch = _torch()
    if name == "sqrt" and x <= 0.0:
        return  # outside √'s domain (x < 0) or its derivative's (x = 0)
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(getattr(torch, name)(t), t, create_graph=True)
    (second,) = torch.autograd.grad(first, t, allow_unused=True) if first.requires_grad else (None,)
    from autograd_core import grad

    f = lambda v: getattr(v, name)()  # noqa: E731
    assert grad(f)(x) == pytest.approx(first.item(), rel=1e-14, abs=1e-15)
    expected_second = 0.0 if second is None else second.item()
    assert grad(grad(f))(x) == pytest.approx(expected_second, rel=1e-14, abs=1e-15)


def test_zero_power_matches_torch():
    torch = _torch()
    y = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    torch.pow(torch.tensor(0.0, dtype=torch.float64), y).backward()
    v = Value(2.5)
    (0.0 ** v).backward()
    assert v.grad == y.grad.item() == 0.0
