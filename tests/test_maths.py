"""The maths library against PyTorch float64: values, first and second derivatives, inside each
function's domain and at its edges (a domain's end, an overflow, a tie, a kink, a pole), in
reverse mode (``grad``, ``hessian`` against ``torch.autograd.grad``) and in forward mode (``jvp``
and ``jvp`` of ``jvp`` against ``torch.func.jvp``).

Every point is differentiated by both engines; where ours is not PyTorch's, :data:`NOT_PYTORCH`
and :data:`NOT_TORCH_FORWARD` say what ours is and why, and a test checks that PyTorch really
differs there. Outside a domain PyTorch computes NaN or inf; the engine refuses with its domain
error, and a test checks that too. Closed forms that need no PyTorch (the choices: remainder,
ties, clip at its bounds) run always.
"""

from __future__ import annotations

import math

import pytest

import autograd_core
from autograd_core import OPS, Value, grad, hessian, jvp

INF, NAN = math.inf, math.nan

# torch.func warns, on first use, that torch.jit.script (which it imports) is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

# Each function of one input, with points inside its domain and at its edges.
UNARY_POINTS = {
    "tan": [0.0, 0.5, -1.2, 3.0, math.pi / 2, 1e-300],  # π/2 in floats is just below the pole
    "sinh": [0.0, 0.5, -2.0, 710.0, -710.0],  # e^710/2 is finite, e^710 is not
    "cosh": [0.0, 0.5, -2.0, 710.0, -710.0],
    "asin": [0.0, 0.5, -0.5, 0.999999, 1.0, -1.0],  # ±1: the derivative is ±inf
    "acos": [0.0, 0.5, -0.5, 0.999999, 1.0, -1.0],
    "atan": [0.0, 1.0, -3.0, 1e200],
    "asinh": [0.0, 1.0, -3.0, 1e200],  # a² overflows: the derivative is 0, as torch's
    "acosh": [1.0, 1.000001, 1.5, 10.0, 1e200],  # 1: inf
    "atanh": [0.0, 0.5, -0.5, 0.999999],
    "log2": [5e-324, 1e-300, 0.5, 1.0, 8.0],
    "log10": [5e-324, 1e-300, 0.5, 1.0, 1000.0],
    "log1p": [-0.999999, -0.5, 0.0, 1e-20, 3.0],
    "expm1": [-3.0, 0.0, 1e-20, 709.0],
    "exp2": [-1074.0, -2.0, 0.0, 0.5, 1023.0],
    "sign": [-2.0, -5e-324, 0.0, 3.0],  # 0 is the kink: derivative 0
    "floor": [-2.5, -1.0, 0.0, 2.0, 2.7],  # the integers are the kinks
    "tanh": [0.0, 0.5, -20.0],
}

# (function, point) outside the domain: PyTorch gives NaN or inf, the engine its domain error.
OUTSIDE = [("asin", 1.5), ("acos", -1.000001), ("acosh", 0.5), ("atanh", 1.0), ("atanh", -1.0),
           ("log2", 0.0), ("log10", -1.0), ("log1p", -1.0), ("tan", INF), ("sinh", 711.0), ("cosh", -711.0),
           ("expm1", 710.0), ("exp2", 1024.0)]

# Functions of two inputs: torch's name, and the points.
BINARY_TORCH = {"mod": "remainder", "atan2": "atan2", "hypot": "hypot", "maximum": "maximum",
                "minimum": "minimum", "clamp_min": "clamp_min", "clamp_max": "clamp_max", "floordiv": None}
GRID = [-2.5, -1.0, 0.0, 1.0, 2.5]
BINARY_POINTS = [(a, b) for a in GRID for b in GRID] + [
    (1.0, 0.1), (-7.0, 3.0), (7.0, -3.0), (1e-200, 0.0), (1e-170, 1e-170), (0.0, -1.0), (3.0, 3.0)]

# Where our second derivatives are not PyTorch's (every first derivative is). (name, a, b) -> Hessian.
NOT_PYTORCH = {
    # atan2 where a² + b² is 0 (the origin, or both squares below the smallest float): the first
    # derivatives are 0 there, as torch's; its second ones are NaN, ours 0 (our mask is a factor
    # H(a² + b²), whose own derivative is 0).
    ("atan2", 0.0, 0.0): [[0.0, 0.0], [0.0, 0.0]],
    ("atan2", 1e-200, 0.0): [[0.0, 0.0], [0.0, 0.0]],
    ("atan2", 1e-170, 1e-170): [[0.0, 0.0], [0.0, 0.0]],
}


def _same(ours: float, theirs: float) -> bool:
    """Equal as IEEE results: NaN with NaN, an infinity with the same infinity, else to 1e-12."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-300)


def _torch():
    return pytest.importorskip("torch")


def _torch_derivatives(f, xs):
    """(value, gradient, Hessian) of ``f`` at ``xs`` by PyTorch float64; an input the gradient does
    not depend on gives 0 (``allow_unused``)."""
    torch = _torch()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*ts)
    firsts = torch.autograd.grad(out, ts, create_graph=True, allow_unused=True)
    gradient, rows = [], []
    for first in firsts:
        gradient.append(0.0 if first is None else first.item())
        if first is None or not first.requires_grad:
            rows.append([0.0] * len(ts))
            continue
        seconds = torch.autograd.grad(first, ts, retain_graph=True, allow_unused=True)
        rows.append([0.0 if s is None else s.item() for s in seconds])
    return out.item(), gradient, rows


def _ours(f, xs):
    n = len(xs)
    value = f(*[Value(x) for x in xs]).data
    gradient = grad(f, argnums=tuple(range(n)))(*xs)
    return value, list(gradient), hessian(f)(*xs)


@pytest.mark.parametrize("name, x", [(name, x) for name, points in UNARY_POINTS.items() for x in points])
def test_unary_function_values_and_derivatives_are_pytorchs(name, x):
    torch = _torch()
    ours = _ours(lambda v: getattr(autograd_core, name)(v), [x])
    theirs = _torch_derivatives(getattr(torch, name), [x])
    assert _same(ours[0], theirs[0]), ("value", ours[0], theirs[0])
    assert _same(ours[1][0], theirs[1][0]), ("first", ours[1], theirs[1])
    assert _same(ours[2][0][0], theirs[2][0][0]), ("second", ours[2], theirs[2])


@pytest.mark.parametrize("name, x", OUTSIDE)
def test_outside_the_domain_the_engine_refuses_where_pytorch_gives_nan_or_inf(name, x):
    torch = _torch()
    assert not math.isfinite(getattr(torch, name)(torch.tensor(x, dtype=torch.float64)).item())
    with pytest.raises((ValueError, OverflowError), match=name):
        getattr(Value(x), name)()
    # Plain numbers: the same error; sinh and cosh are also the rules' helpers, which compute
    # with math on floats and raise its error (of the same type).
    with pytest.raises((ValueError, OverflowError), match=None if name in ("sinh", "cosh") else name):
        getattr(autograd_core, name)(x)


def _torch_binary(name):
    torch = _torch()
    if name == "floordiv":
        return lambda a, b: torch.div(a, b, rounding_mode="floor")
    return getattr(torch, BINARY_TORCH[name])


def _binary(name):
    op = OPS[name]
    return lambda a, b: op.apply([a, b])


@pytest.mark.parametrize("name, a, b", [(name, a, b) for name in sorted(BINARY_TORCH) for a, b in BINARY_POINTS
                                        if not (name in ("mod", "floordiv") and b == 0.0)])
def test_binary_function_values_and_derivatives_are_pytorchs(name, a, b):
    ours = _ours(_binary(name), [a, b])
    theirs = _torch_derivatives(_torch_binary(name), [a, b])
    assert _same(ours[0], theirs[0]), ("value", ours[0], theirs[0])
    assert all(map(_same, ours[1], theirs[1])), ("first", ours[1], theirs[1])
    expected = NOT_PYTORCH.get((name, a, b), theirs[2])
    assert all(_same(o, t) for row, expected_row in zip(ours[2], expected, strict=True)
               for o, t in zip(row, expected_row, strict=True)), ("second", ours[2], expected)


def test_the_points_listed_as_not_pytorch_really_differ_from_pytorch():
    for (name, a, b), ours in NOT_PYTORCH.items():
        theirs = _torch_derivatives(_torch_binary(name), [a, b])[2]
        assert not all(_same(o, t) for row, their_row in zip(ours, theirs, strict=True)
                       for o, t in zip(row, their_row, strict=True)), (name, a, b)


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1.0, -1.0), (1.0, 0.0)])
@pytest.mark.parametrize("x", [-1.5, -1.0, 0.0, 0.5, 1.0, 2.0])
def test_clip_with_number_bounds_is_torch_clamp(x, low, high):
    torch = _torch()
    ours = _ours(lambda v: autograd_core.clip(v, low, high), [x])
    theirs = _torch_derivatives(lambda t: torch.clamp(t, low, high), [x])
    assert ours[0] == theirs[0] and ours[1] == theirs[1] and ours[2] == theirs[2]


@pytest.mark.parametrize("x", [-1.5, 0.0, 0.5, 1.0, 2.0])
def test_clip_with_value_bounds_is_torch_clamp_where_the_bounds_differ(x):
    torch = _torch()
    ours = _ours(lambda v, lo, hi: v.clip(lo, hi), [x, 0.0, 1.0])
    theirs = _torch_derivatives(torch.clamp, [x, 0.0, 1.0])
    assert ours[0] == theirs[0] and ours[1] == theirs[1]


def test_clip_with_equal_value_bounds_gives_the_bound_its_gradient():
    # torch.clamp with tensor bounds min = max gives no input any gradient below the bound (its
    # min receives only where min < max); the output there is min, so ours gives min the 1.
    assert grad(lambda v, lo, hi: v.clip(lo, hi), argnums=(0, 1, 2))(0.0, 0.5, 0.5) == (0.0, 1.0, 0.0)


# --- forward mode: jvp, and jvp of jvp ---------------------------------------------------------

def _tensor(x):
    torch = _torch()
    return torch.tensor(x, dtype=torch.float64)


def _torch_forward(name):
    """The function called ``name`` on tensors, for torch's forward mode."""
    torch = _torch()
    if name == "mod":  # torch.remainder has no forward mode: a - b·⌊a/b⌋ (the floor has derivative 0) is it
        return lambda a, b: a - b * torch.div(a, b, rounding_mode="floor")
    return _torch_binary(name) if name in BINARY_TORCH else getattr(torch, name)


def _torch_jvp(f, xs, ts):
    torch = _torch()
    value, tangent = torch.func.jvp(f, tuple(_tensor(x) for x in xs), tuple(_tensor(t) for t in ts))
    return value.item(), tangent.item()


def _torch_second(f, xs, ts):
    """The second derivative of f along ts, by torch's forward mode over itself."""
    torch = _torch()

    def along(*points):
        return torch.func.jvp(f, points, tuple(_tensor(t) for t in ts))[1]

    return torch.func.jvp(along, tuple(_tensor(x) for x in xs), tuple(_tensor(t) for t in ts))[1].item()


def _second(f, xs, ts):
    return jvp(lambda *points: jvp(f, points, ts)[1], xs, ts)[1]


# Where torch.func.jvp is not what PyTorch's reverse mode (and ours) gives: (op, point, tangents) ->
# (first, second) of ours.
NOT_TORCH_FORWARD = {
    # atan2's forward formula in torch is not masked at the origin: 0/0 = nan. Its backward is
    # masked (0), and our one rule serves both modes, so ours is 0 there, as torch's gradient.
    ("atan2", (0.0, 0.0), (1.0, 0.0)): (0.0, 0.0),
    ("atan2", (0.0, 0.0), (0.0, 1.0)): (0.0, 0.0),
    ("atan2", (0.0, 0.0), (0.3, -0.7)): (0.0, 0.0),
    ("atan2", (1e-200, 0.0), (1.0, 0.0)): (0.0, 0.0),
    ("atan2", (1e-200, 0.0), (0.0, 1.0)): (-0.0, 0.0),
    ("atan2", (1e-200, 0.0), (0.3, -0.7)): (0.0, 0.0),
    ("atan2", (1e-170, 1e-170), (1.0, 0.0)): (0.0, 0.0),
    ("atan2", (1e-170, 1e-170), (0.0, 1.0)): (-0.0, 0.0),
    ("atan2", (1e-170, 1e-170), (0.3, -0.7)): (0.0, 0.0),
}

UNARY_CASES = [(name, (x,), (1.0,)) for name, points in UNARY_POINTS.items() for x in points]
BINARY_CASES = [(name, (a, b), ts) for name in sorted(BINARY_TORCH)
                for a, b in BINARY_POINTS if not (name in ("mod", "floordiv") and b == 0.0)
                for ts in ((1.0, 0.0), (0.0, 1.0), (0.3, -0.7))]


@pytest.mark.parametrize("name, xs, ts", UNARY_CASES + BINARY_CASES)
def test_jvp_of_every_function_is_torch_func_jvp_to_second_order(name, xs, ts):
    op = OPS[name]
    ours = lambda *v: op.apply(list(v))  # noqa: E731
    theirs = _torch_forward(name)
    value, first = jvp(ours, xs, ts)
    expected_value, expected_first = _torch_jvp(theirs, xs, ts)
    expected_second = _torch_second(theirs, xs, ts)
    if (name, xs, ts) in NOT_TORCH_FORWARD:
        expected_first, expected_second = NOT_TORCH_FORWARD[(name, xs, ts)]
    assert _same(value, expected_value)
    assert _same(first, expected_first), (first, expected_first)
    assert _same(_second(ours, xs, ts), expected_second), (_second(ours, xs, ts), expected_second)


def test_the_points_listed_as_not_torch_forward_really_differ():
    for (name, xs, ts), (first, second) in NOT_TORCH_FORWARD.items():
        theirs = _torch_forward(name)
        assert not (_same(first, _torch_jvp(theirs, xs, ts)[1]) and _same(second, _torch_second(theirs, xs, ts)))


@pytest.mark.parametrize("name, xs, ts", UNARY_CASES + BINARY_CASES)
def test_jvp_is_the_gradient_along_the_tangent(name, xs, ts):
    # One op: forward and reverse mode evaluate the same rule on the same numbers, so the tangent
    # is the gradient times the tangent, summed over the inputs that have a nonzero one.
    f = lambda *v: OPS[name].apply(list(v))  # noqa: E731
    gradient = grad(f, argnums=tuple(range(len(xs))))(*xs)
    along = math.fsum(g * t for g, t in zip(gradient, ts, strict=True) if t != 0.0)
    assert _same(jvp(f, xs, ts)[1], along)


# --- the choices, as closed forms (no PyTorch needed) -------------------------------------------

@pytest.mark.parametrize("a, b, remainder, quotient", [
    (7.0, 3.0, 1.0, 2.0), (-7.0, 3.0, 2.0, -3.0), (7.0, -3.0, -2.0, -3.0), (-7.0, -3.0, -1.0, 2.0),
    (1.0, 0.1, 0.09999999999999995, 9.0),  # 0.1 is a little more than a tenth: 9, not 10
    (-5.0, INF, INF, -1.0), (5.0, INF, 5.0, 0.0)])
def test_remainder_has_the_sign_of_the_divisor_as_python_and_torch_remainder(a, b, remainder, quotient):
    x, y = Value(a), Value(b)
    out = x % y
    out.backward()
    assert (out.data, (x // y).data) == (remainder, quotient) == (a % b, a // b)
    assert (x.grad, y.grad) == (1.0, -quotient)  # ∂/∂b = -⌊a/b⌋
    assert grad(lambda p, q: p // q, argnums=(0, 1))(a, b) == (0.0, 0.0)


def test_remainder_and_floor_division_take_numbers_on_either_side():
    x = Value(7.0)
    assert [(7.5 % x).data, (x % 2).data, (15 // x).data, (x // 2.0).data] == [0.5, 1.0, 2.0, 3.0]
    assert (autograd_core.mod(7.0, 3.0), autograd_core.mod(Value(7.0), 3.0).op) == (1.0, "mod")
    with pytest.raises(ZeroDivisionError, match="mod.*b ≠ 0"):
        x % 0.0
    with pytest.raises(ZeroDivisionError, match="floordiv"):
        x // 0
    with pytest.raises(TypeError):
        x % "2"


@pytest.mark.parametrize("name, a, b, da, db", [
    ("maximum", 1.0, 1.0, 0.5, 0.5), ("minimum", 1.0, 1.0, 0.5, 0.5),
    ("maximum", 2.0, 1.0, 1.0, 0.0), ("minimum", 2.0, 1.0, 0.0, 1.0),
    ("clamp_min", 1.0, 1.0, 1.0, 0.0), ("clamp_max", 1.0, 1.0, 1.0, 0.0),
    ("clamp_min", 0.0, 1.0, 0.0, 1.0), ("clamp_max", 2.0, 1.0, 0.0, 1.0),
])
def test_ties_split_in_maximum_and_go_to_the_clipped_input_in_clamp(name, a, b, da, db):
    assert grad(_binary(name), argnums=(0, 1))(a, b) == (da, db)


@pytest.mark.parametrize("x, expected", [(-0.5, 0.0), (0.0, 1.0), (0.5, 1.0), (1.0, 1.0), (1.5, 0.0)])
def test_clip_has_derivative_one_at_its_bounds(x, expected):
    assert grad(lambda v: v.clip(0.0, 1.0))(x) == expected
    assert grad(lambda v: autograd_core.clip(v, min=0.0))(x) == (0.0 if x < 0.0 else 1.0)


def test_clip_needs_a_bound_and_checks_its_inputs():
    with pytest.raises(ValueError, match="clip needs"):
        Value(1.0).clip()
    with pytest.raises(TypeError, match="clamp_min"):
        Value(1.0).clip("0")
    with pytest.raises(TypeError, match="clip's input"):
        autograd_core.clip("1", 0.0, 1.0)
    assert autograd_core.clip(5, 0, 1) == 1.0 and autograd_core.clip(Value(5.0), max=1).op == "clamp_max"


def test_sign_and_floor_keep_nan_and_zero_signs():
    assert math.isnan(Value(NAN).sign().data)  # numpy's sign; torch.sign(nan) is 0, which would hide it
    assert math.copysign(1.0, Value(-0.0).floor().data) == -1.0  # as torch.floor
    assert Value(-0.0).sign().data == 0.0
    assert [Value(x).floor().data for x in (INF, -INF)] == [INF, -INF]
    assert math.isnan(Value(NAN).floor().data)


def test_maximum_and_minimum_propagate_nan():
    assert all(math.isnan(f(a, b)) for f in (autograd_core.maximum, autograd_core.minimum)
               for a, b in ((NAN, 1.0), (1.0, NAN)))


@pytest.mark.parametrize("name", ["sign", "floor", "floordiv"])
def test_flat_functions_have_zero_derivatives_of_every_order(name):
    f = _binary(name) if OPS[name].arity == 2 else (lambda v: getattr(v, name)())
    args = [2.5, 1.5][:OPS[name].arity]
    assert grad(f)(*args) == 0.0 and grad(grad(f))(*args) == 0.0


def test_log1p_and_expm1_are_exact_where_log_and_exp_lose_every_digit():
    assert (autograd_core.log1p(1e-20), autograd_core.expm1(1e-20)) == (1e-20, 1e-20)
    assert Value(1e-20).exp().log().data == 0.0  # e^x rounds to 1: every digit of x is gone
    assert grad(lambda v: v.log1p())(1e-20) == 1.0 and grad(lambda v: v.expm1())(1e-20) == 1.0


def test_every_function_takes_plain_numbers_and_values():
    ones = {name: [0.5] for name in ("tan", "tanh", "asin", "acos", "atan", "asinh", "atanh", "log2", "log10",
                                     "log1p", "expm1", "exp2", "sign", "floor", "sqrt", "sinh", "cosh")}
    ones["acosh"] = [1.5]
    twos = {name: [0.5, 1.5] for name in ("mod", "atan2", "hypot", "maximum", "minimum", "clamp_min", "clamp_max")}
    for name, args in {**ones, **twos}.items():
        function = getattr(autograd_core, name)
        number = function(*args)
        node = function(Value(args[0]), *args[1:])
        assert isinstance(number, float) and isinstance(node, Value), name
        assert node.op == name and node.data == number, name
        assert name in autograd_core.__all__
    with pytest.raises(TypeError, match="tan's input must be a real number"):
        autograd_core.tan("0.5")
    with pytest.raises(TypeError, match="bool"):
        autograd_core.atan2(True, 1.0)


@pytest.mark.parametrize("name", ["atan2", "hypot", "maximum", "minimum", "clamp_min", "clamp_max"])
def test_two_input_methods_name_the_op_when_given_something_else(name):
    with pytest.raises(TypeError, match=name):
        getattr(Value(1.0), name)("2")
    assert getattr(Value(1.0), name)(2).op == name  # an int is a number


def test_no_numpy_style_aliases():
    # One name per function (Python's math, PyTorch, numpy 2 and the array API's): see the guide.
    assert not any(hasattr(autograd_core, "arc" + name) or hasattr(Value, "arc" + name)
                   for name in ("sin", "cos", "tan", "sinh", "cosh", "tanh", "tan2"))
