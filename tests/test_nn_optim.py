"""Optimizers and schedules against hand-computed steps, and against torch when it is installed."""

import math

import pytest

from autograd_core import Value
from nn import schedules as sch
from nn.optim import SGD, Adam, RMSProp


def run(optimizer_factory, grads, start=1.0):
    """Apply the optimizer to one parameter with the given gradient at each step."""
    w = Value(start)
    opt = optimizer_factory([w])
    seen = []
    for g in grads:
        w.grad = g
        opt.step()
        seen.append(w.data)
    return seen


# --- hand-computed steps ------------------------------------------------------------------

def test_sgd_plain_and_weight_decay():
    assert run(lambda p: SGD(p, lr=0.1), [2.0]) == [pytest.approx(1 - 0.1 * 2)]
    # g + λθ = 2 + 0.1·1
    assert run(lambda p: SGD(p, lr=0.1, weight_decay=0.1), [2.0]) == [pytest.approx(1 - 0.1 * 2.1)]


def test_sgd_momentum_dampening_nesterov():
    # b1 = g; b2 = μ b1 + g
    assert run(lambda p: SGD(p, lr=0.1, momentum=0.9), [2.0, 2.0]) == pytest.approx(
        [1 - 0.2, 1 - 0.2 - 0.1 * (0.9 * 2 + 2)])
    # dampening τ = 0.5: b2 = μ b1 + (1 − τ) g; the first step is undamped
    assert run(lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.5), [2.0, 2.0]) == pytest.approx(
        [1 - 0.2, 1 - 0.2 - 0.1 * (1.8 + 1.0)])
    # Nesterov: step with g + μ b
    first = 1 - 0.1 * (2 + 0.9 * 2)
    second = first - 0.1 * (2 + 0.9 * (0.9 * 2 + 2))
    assert run(lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True), [2.0, 2.0]) == pytest.approx(
        [first, second])


def test_rmsprop_plain_centered_and_momentum():
    v1, v2 = 0.1 * 4, 0.9 * 0.1 * 4 + 0.1 * 1
    first = 1 - 0.1 * 2 / math.sqrt(v1)
    assert run(lambda p: RMSProp(p, lr=0.1, alpha=0.9, eps=0.0), [2.0, -1.0]) == pytest.approx(
        [first, first + 0.1 * 1 / math.sqrt(v2)])
    # centered: divide by sqrt(v − ḡ²), ḡ1 = 0.1·2
    assert run(lambda p: RMSProp(p, lr=0.1, alpha=0.9, eps=0.0, centered=True), [2.0]) == pytest.approx(
        [1 - 0.1 * 2 / math.sqrt(v1 - 0.2 ** 2)])
    # momentum μ: b2 = μ b1 + g2/√v2
    b1 = 2 / math.sqrt(v1)
    b2 = 0.5 * b1 + (-1) / math.sqrt(v2)
    assert run(lambda p: RMSProp(p, lr=0.1, alpha=0.9, eps=0.0, momentum=0.5), [2.0, -1.0]) == pytest.approx(
        [1 - 0.1 * b1, 1 - 0.1 * b1 - 0.1 * b2])


def test_adam_two_steps_by_hand():
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    m1, v1 = 0.1 * 2, 0.001 * 4
    first = 1 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + 0.1 * -1, b2 * v1 + 0.001 * 1
    second = first - lr * (m2 / (1 - b1 ** 2)) / (math.sqrt(v2 / (1 - b2 ** 2)) + eps)
    assert run(lambda p: Adam(p, lr=lr), [2.0, -1.0]) == pytest.approx([first, second], rel=1e-12)


def test_adam_amsgrad_uses_the_running_maximum():
    # After a big gradient then a small one, amsgrad keeps the big second moment.
    plain = run(lambda p: Adam(p, lr=0.1, betas=(0.0, 0.5)), [10.0, 0.1])
    ams = run(lambda p: Adam(p, lr=0.1, betas=(0.0, 0.5), amsgrad=True), [10.0, 0.1])
    v1 = 0.5 * 100
    v2_plain, v2_max = 0.5 * v1 + 0.5 * 0.01, v1
    step_plain = 0.1 * 0.1 / (math.sqrt(v2_plain / 0.75) + 1e-8)
    step_ams = 0.1 * 0.1 / (math.sqrt(v2_max / 0.75) + 1e-8)
    assert plain[1] == pytest.approx(plain[0] - step_plain)
    assert ams[1] == pytest.approx(ams[0] - step_ams)


def test_zero_grad_and_settable_lr():
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    w.grad = 3.0
    opt.lr = 0.5
    opt.step()
    assert w.data == pytest.approx(1 - 1.5)
    opt.zero_grad()
    assert w.grad == 0.0


@pytest.mark.parametrize("make, error", [
    (lambda w: SGD([], lr=0.1), ValueError),
    (lambda w: SGD([w, w], lr=0.1), ValueError),
    (lambda w: SGD([1.0], lr=0.1), TypeError),
    (lambda w: SGD([w], lr=-1.0), ValueError),
    (lambda w: SGD([w], lr="0.1"), TypeError),
    (lambda w: SGD([w], lr=0.1, nesterov=True), ValueError),
    (lambda w: Adam([w], betas=(0.9, 1.0)), ValueError),
    (lambda w: RMSProp([w], alpha=1.5), ValueError)])
def test_bad_optimizer_arguments(make, error):
    with pytest.raises(error):
        make(Value(1.0))


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: RMSProp(p),
                                  lambda p: Adam(p)])
def test_a_nan_gradient_is_refused_before_any_update(make):
    a, b = Value(1.0), Value(2.0)
    a.grad, b.grad = 1.0, float("nan")
    opt = make([a, b])
    with pytest.raises(ValueError, match="non-finite"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)
    # the refused step left no trace: the next good step is the optimizer's first
    b.grad = 1.0
    opt.step()
    fresh_a, fresh_b = Value(1.0), Value(2.0)
    fresh_a.grad, fresh_b.grad = 1.0, 1.0
    make([fresh_a, fresh_b]).step()
    assert (a.data, b.data) == (fresh_a.data, fresh_b.data)


# --- schedules by hand ----------------------------------------------------------------------

def test_schedule_values_by_hand():
    assert [sch.ConstantLR(0.3)(k) for k in (0, 100)] == [0.3, 0.3]
    assert [sch.StepDecay(1.0, step_size=3, gamma=0.5)(k) for k in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    assert sch.ExponentialDecay(2.0, gamma=0.5)(3) == 0.25
    assert [sch.LinearDecay(2.0, total_steps=4)(k) for k in (0, 1, 3, 4, 9)] == [2.0, 1.5, 0.5, 0.0, 0.0]
    cosine = sch.CosineAnnealing(1.0, t_max=4, lr_min=0.2)
    assert [cosine(k) for k in range(5)] == pytest.approx(
        [1.0, 0.2 + 0.8 * (1 + math.sqrt(0.5)) / 2, 0.6, 0.2 + 0.8 * (1 - math.sqrt(0.5)) / 2, 0.2])
    # SGDR with T_0 = 2, T_mult = 2: cycles of 2, 4, 8 steps
    restarts = sch.CosineWarmRestarts(1.0, t_0=2, t_mult=2)
    assert [restarts(k) for k in range(8)] == pytest.approx(
        [1.0, 0.5, 1.0, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 1.0, (1 + math.cos(math.pi / 8)) / 2])
    assert restarts.position(6) == (2, 0, 8)
    tri = sch.CyclicLR(0.1, 0.5, step_size=2)
    assert [tri(k) for k in range(6)] == pytest.approx([0.1, 0.3, 0.5, 0.3, 0.1, 0.3])
    tri2 = sch.CyclicLR(0.1, 0.5, step_size=2, mode="triangular2")
    assert [tri2(k) for k in (2, 6, 10)] == pytest.approx([0.5, 0.3, 0.2])


def test_reduce_on_plateau_by_hand():
    plateau = sch.ReduceOnPlateau(1.0, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    losses = [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
    lrs = [plateau.step(loss) for loss in losses]
    # 3 bad epochs (> patience 2) cut the rate; 1 cooldown epoch; then 3 more bad epochs; floor 0.2
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    more = [plateau.step(4) for _ in range(8)]
    assert min(more) == 0.2


@pytest.mark.parametrize("make, error", [
    (lambda: sch.StepDecay(0.1, step_size=0), ValueError),
    (lambda: sch.CyclicLR(0.1, 1.0, 2, mode="exp_range"), ValueError),
    (lambda: sch.CosineAnnealing(0.1, t_max=0), ValueError),
    (lambda: sch.LinearDecay(0.1, total_steps=0), ValueError),
    (lambda: sch.ReduceOnPlateau(0.1, factor=1.5), ValueError),
    (lambda: sch.ConstantLR(0.1)(-1), ValueError),
    (lambda: sch.ConstantLR(0.1)(1.5), TypeError)])
def test_bad_schedule_arguments(make, error):
    with pytest.raises(error):
        make()


# --- side by side with torch (optional) ----------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


def _our_trajectory(make_optimizer, steps=25):
    a, b = Value(0.7), Value(-1.3)
    opt = make_optimizer([a, b])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (a * b - 1.0) ** 2 + 0.1 * a ** 4 + (b + 0.5).tanh()
        loss.backward()
        opt.step()
        out.append((a.data, b.data))
    return out


def _torch_trajectory(torch, make_optimizer, steps=25):
    a = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([a, b])
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = (a * b - 1.0) ** 2 + 0.1 * a ** 4 + torch.tanh(b + 0.5)
        loss.backward()
        opt.step()
        out.append((a.item(), b.item()))
    return out


@pytest.mark.parametrize("name, ours, theirs", [
    ("sgd", lambda p: SGD(p, lr=0.05), lambda o, p: o.SGD(p, lr=0.05)),
    ("momentum", lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01, dampening=0.1),
     lambda o, p: o.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01, dampening=0.1)),
    ("nesterov", lambda p: SGD(p, lr=0.05, momentum=0.8, nesterov=True),
     lambda o, p: o.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    ("rmsprop", lambda p: RMSProp(p, lr=0.01), lambda o, p: o.RMSprop(p, lr=0.01)),
    ("rmsprop centered momentum", lambda p: RMSProp(p, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1),
     lambda o, p: o.RMSprop(p, lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("adam", lambda p: Adam(p, lr=0.05), lambda o, p: o.Adam(p, lr=0.05)),
    ("adam amsgrad wd", lambda p: Adam(p, lr=0.05, amsgrad=True, weight_decay=0.1),
     lambda o, p: o.Adam(p, lr=0.05, amsgrad=True, weight_decay=0.1)),
])
def test_optimizers_match_torch_step_by_step(name, ours, theirs):
    torch = _torch()
    expected = _torch_trajectory(torch, lambda p: theirs(torch.optim, p))
    got = _our_trajectory(ours)
    for step, (x, y) in enumerate(zip(got, expected, strict=True)):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-12), f"{name}: step {step}"


@pytest.mark.parametrize("name, ours, theirs", [
    ("step", lambda: sch.StepDecay(0.5, step_size=7, gamma=0.3),
     lambda s, o: s.StepLR(o, step_size=7, gamma=0.3)),
    ("exponential", lambda: sch.ExponentialDecay(0.5, gamma=0.93), lambda s, o: s.ExponentialLR(o, gamma=0.93)),
    ("linear", lambda: sch.LinearDecay(0.5, total_steps=30),
     lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=30)),
    ("cosine", lambda: sch.CosineAnnealing(0.5, t_max=20, lr_min=0.01),
     lambda s, o: s.CosineAnnealingLR(o, T_max=20, eta_min=0.01)),
    ("sgdr", lambda: sch.CosineWarmRestarts(0.5, t_0=5, t_mult=2, lr_min=0.01),
     lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01)),
    ("triangular", lambda: sch.CyclicLR(0.01, 0.5, step_size=4),
     lambda s, o: s.CyclicLR(o, 0.01, 0.5, step_size_up=4, cycle_momentum=False)),
    ("triangular2", lambda: sch.CyclicLR(0.01, 0.5, step_size=3, mode="triangular2"),
     lambda s, o: s.CyclicLR(o, 0.01, 0.5, step_size_up=3, mode="triangular2", cycle_momentum=False)),
])
def test_schedules_match_torch(name, ours, theirs):
    torch = _torch()
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.5)
    scheduler = theirs(torch.optim.lr_scheduler, opt)
    schedule = ours()
    for step in range(40):
        assert schedule(step) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-9, abs=1e-12), f"{name} {step}"
        opt.step()
        scheduler.step()


def test_reduce_on_plateau_matches_torch():
    torch = _torch()
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1,
                                                        threshold=0.01, min_lr=0.05)
    ours = sch.ReduceOnPlateau(1.0, factor=0.5, patience=2, cooldown=1, threshold=0.01, min_lr=0.05)
    losses = [3, 2.5, 2.49, 2.48, 2.47, 2.0, 2.0, 1.99, 1.98, 1.97, 1.96, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]
    for loss in losses:
        theirs.step(loss)
        assert ours.step(loss) == pytest.approx(opt.param_groups[0]["lr"])
