"""Gradients at the edges of floating point against PyTorch float64, first and second order, in
reverse mode (``torch.autograd.grad``) and forward mode (``torch.func.jvp``).

The points are the ones where a formula's rounding, a zero or an infinity decides the answer:
0, the smallest subnormal 5e-324, a subnormal 1e-310, the smallest normal float and tiny
normals, and exponents of exactly 0 and 1. Each expression is written once, with the operators
and methods that ``Value`` and ``torch.Tensor`` share, and differentiated by both engines.

Where PyTorch's answer is not the derivative (its masks make it NaN, or 0 where the true
value is a number), :data:`NOT_PYTORCH` lists ours and why; every other point must agree.
"""

from __future__ import annotations

import math

import pytest

from autograd_core import grad, hessian, jvp

torch = pytest.importorskip("torch")

# torch.func warns, on first use, that torch.jit.script (which it imports) is deprecated.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

POINTS = [0.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 0.5, 1.0, 2.0]

# One-argument expressions, written for both Value and torch.Tensor.
UNARY = {
    "exp": lambda v: v.exp(),
    "sqrt": lambda v: v.sqrt(),
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "relu": lambda v: v.relu(),
    "abs": lambda v: abs(v),
    "sin": lambda v: v.sin(),
    "cos": lambda v: v.cos(),
    "x ** 0": lambda v: v ** 0,
    "x ** 1": lambda v: v ** 1,
    "x ** 0.5": lambda v: v ** 0.5,
    "x ** 1.5": lambda v: v ** 1.5,
    "x ** 2": lambda v: v ** 2,
    "x * 1e-300": lambda v: v * 1e-300,
    # Issue 20, item 2: the gradient of a division and of a log divides the incoming gradient.
    "(x / 1e-320) * 1e-300": lambda v: (v / 1e-320) * 1e-300,
    "log(x) * 1e-300": lambda v: v.log() * 1e-300,
    "x / 1e-300": lambda v: v / 1e-300,
    # Issue 20, item 4: zero gradients follow one rule (every rule runs, IEEE arithmetic).
    "tanh(x / 1e-320)": lambda v: (v / 1e-320).tanh(),
    "x ** 0.5 * 0": lambda v: (v ** 0.5) * 0.0,
    # Issue 20, item 3: x ** 0 passes nothing back, even an infinite gradient.
    "sqrt(x ** 0 - 1)": lambda v: (v ** 0 - 1.0).sqrt(),
    "sqrt(x) ** 0": lambda v: v.sqrt() ** 0,
}

BASES = [0.0, 5e-324, 1e-310, 0.5, 2.0]
EXPONENTS = [0.0, 1.0, 2.0, 0.5]

# (a, b) -> ([∂/∂a, ∂/∂b], Hessian) where ours is not PyTorch's, and why. Our first derivatives
# are PyTorch's everywhere; at second order PyTorch masks with `where`, whose own derivative
# turns 0 · inf into NaN, or zeroes a term that is not zero.
NOT_PYTORCH = {
    # f = a^0 = 1 near a = 0: the Hessian is 0 but for ∂²/∂a∂b = a^(b-1)(1 + b·ln a) = a^-1,
    # inf at 0; we take the exponent b - 1 as 0 where b = 0 and a is not normal (so that the
    # first derivative b·a^(b-1) is 0, as PyTorch's), which makes it 1. PyTorch: all NaN.
    (0.0, 0.0): [[0.0, 1.0], [1.0, 0.0]],
    (5e-324, 0.0): [[0.0, 1.0], [math.inf, 554191.0206823113]],
    (1e-310, 0.0): [[0.0, 1.0], [math.inf, 509512.40841697407]],
    # f = a at b = 1: ∂²/∂a² = 0, ∂²/∂a∂b = a^0(1 + ln a) diverges at a = 0. PyTorch's row 2 is
    # NaN; ours is 0 (ln a is taken as 0 at a = 0, as for the first derivative). Not symmetric,
    # like PyTorch's: the mixed derivative does not exist there.
    (0.0, 1.0): [[0.0, 1.0], [0.0, 0.0]],
    # ∂²/∂b² = a^b ln² a = 0 for a = 0 (f = 0 for every b > 0). PyTorch: NaN.
    (0.0, 2.0): [[2.0, 0.0], [0.0, 0.0]],
    (0.0, 0.5): [[-math.inf, math.nan], [math.nan, 0.0]],
    # At b = 0 and a normal base ∂²/∂a∂b = 1/a exactly, a symmetric Hessian; PyTorch's mask
    # zeroes ∂²/∂b∂a (its Hessian is not symmetric there).
    (0.5, 0.0): [[0.0, 2.0], [2.0, 0.4804530139182014]],
    (2.0, 0.0): [[0.0, 0.5], [0.5, 0.4804530139182014]],
}


def _same(ours: float, theirs: float) -> bool:
    """Equal as IEEE results: NaN with NaN, an infinity with the same infinity, else to 1e-12."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    if math.isinf(ours) or math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-300)


def _torch_first_and_second(f, x: float) -> tuple[float, float]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (first,) = torch.autograd.grad(f(t), t, create_graph=True)
    if not first.requires_grad:
        return first.item(), 0.0
    (second,) = torch.autograd.grad(first, t, allow_unused=True)
    return first.item(), 0.0 if second is None else second.item()


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_first_and_second_derivatives_are_pytorchs(name, x):
    f = UNARY[name]
    first, second = _torch_first_and_second(f, x)
    try:
        ours = (grad(f)(x), grad(grad(f))(x))
    except (ArithmeticError, ValueError):
        # The engine refuses a forward value that is not a number (log 0): only there.
        assert not math.isfinite(f(torch.tensor(x, dtype=torch.float64)).item())
        return
    assert _same(ours[0], first) and _same(ours[1], second), (ours, (first, second))


def test_issue_20_item_2_examples():
    assert grad(lambda v: (v / 1e-320) * 1e-300)(1e-310) == _torch_first_and_second(
        lambda v: (v / 1e-320) * 1e-300, 1e-310)[0]
    assert math.isclose(grad(lambda v: v.log() * 1e-300)(1e-310), 1e10, rel_tol=1e-12)


@pytest.mark.parametrize("b", EXPONENTS)
@pytest.mark.parametrize("a", BASES)
def test_a_power_b_first_derivatives_are_pytorchs_and_second_as_listed(a, b):
    ta, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    expected_first = [g.item() for g in torch.autograd.grad(ta ** tb, (ta, tb))]
    first = grad(lambda p, q: p ** q, argnums=(0, 1))(a, b)
    assert all(_same(o, t) for o, t in zip(first, expected_first, strict=True)), (first, expected_first)
    ours = hessian(lambda p, q: p ** q)(a, b)
    if (a, b) in NOT_PYTORCH:
        expected = NOT_PYTORCH[(a, b)]
    else:
        tensors = tuple(torch.tensor(v, dtype=torch.float64) for v in (a, b))
        expected = [[h.item() for h in row] for row in torch.autograd.functional.hessian(lambda p, q: p ** q, tensors)]
    assert all(_same(o, t) for row, expected_row in zip(ours, expected, strict=True)
               for o, t in zip(row, expected_row, strict=True)), (ours, expected)


def test_the_points_listed_as_not_pytorch_really_differ_from_pytorch():
    # Guard for the table above: each entry is there because PyTorch's answer differs.
    for (a, b), ours in NOT_PYTORCH.items():
        tensors = tuple(torch.tensor(v, dtype=torch.float64) for v in (a, b))
        theirs = [[h.item() for h in row] for row in torch.autograd.functional.hessian(lambda p, q: p ** q, tensors)]
        assert not all(_same(o, t) for row, their_row in zip(ours, theirs, strict=True)
                       for o, t in zip(row, their_row, strict=True)), (a, b)


def test_the_exponent_zero_and_zero_base_first_derivatives_of_the_issue():
    # Issue 20, item 3: at (0, 0) and (5e-324, 0) ∂/∂a is 0 as PyTorch (it was NaN).
    assert grad(lambda p, q: p ** q, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    da, db = grad(lambda p, q: p ** q, argnums=(0, 1))(5e-324, 0.0)
    assert da == 0.0 and db == math.log(5e-324)


# --- forward mode at the same points: jvp and jvp of jvp against torch.func.jvp ----------------------

def _torch_forward_first_and_second(f, xs, ts):
    points, tangents = (tuple(torch.tensor(v, dtype=torch.float64) for v in vs) for vs in (xs, ts))
    first = torch.func.jvp(f, points, tangents)[1].item()
    second = torch.func.jvp(lambda *p: torch.func.jvp(f, p, tangents)[1], points, tangents)[1].item()
    return first, second


def _forward_first_and_second(f, xs, ts):
    return jvp(f, xs, ts)[1], jvp(lambda *p: jvp(f, p, ts)[1], xs, ts)[1]


@pytest.mark.parametrize("x", POINTS)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_forward_mode_first_and_second_derivatives_are_torch_func_jvps(name, x):
    f = UNARY[name]
    try:
        ours = _forward_first_and_second(f, (x,), (1.0,))
    except (ArithmeticError, ValueError):
        assert not math.isfinite(f(torch.tensor(x, dtype=torch.float64)).item())  # log 0: only there
        return
    theirs = _torch_forward_first_and_second(f, (x,), (1.0,))
    assert _same(ours[0], theirs[0]) and _same(ours[1], theirs[1]), (ours, theirs)


@pytest.mark.parametrize("tangents", [(1.0, 0.0), (0.0, 1.0)])
@pytest.mark.parametrize("b", EXPONENTS)
@pytest.mark.parametrize("a", BASES)
def test_forward_mode_of_a_power_b_is_torch_func_jvps_at_every_edge(a, b, tangents):
    # Torch's forward formulas for pow are masked like ours at a = 0 and b = 0: every point agrees.
    ours = _forward_first_and_second(lambda p, q: p ** q, (a, b), tangents)
    theirs = _torch_forward_first_and_second(lambda p, q: p ** q, (a, b), tangents)
    assert _same(ours[0], theirs[0]) and _same(ours[1], theirs[1]), (ours, theirs)
