"""viz.landscape's sweeps: the compiled loss slice against the eager loop, and n_jobs.

The reference is the eager loop (set the weights, call ``loss()``), which ``loss_slice`` runs
when the loss cannot be traced, as when it returns a plain float: the compiled slice must give
exactly its numbers, and so must every ``n_jobs``.
"""

from __future__ import annotations

import pytest

from autograd_core import Value
from nn import MLP, data, losses
from viz import landscape as ls


def _moons_loss(loss_fn=losses.mse, n_points=12):
    samples = data.two_moons(n_points, noise=0.1, seed=2)
    model = MLP(2, [4, 3, 1], activation=["tanh", "relu", "sigmoid"], seed=5)
    calls = []

    def loss():
        calls.append(1)
        return sum((loss_fn(model(x), t) for x, t in samples), 0.0) * (1.0 / len(samples))

    return model, loss, calls


def test_the_compiled_slice_is_the_eager_loop_to_the_last_bit_and_calls_the_loss_five_times():
    model, loss, calls = _moons_loss()
    filters = ls.neuron_filters(model)
    before = model.state_dict()
    alphas, betas, compiled = ls.loss_slice(loss, filters, span=1.5, n=7, seed=4)
    assert len(calls) == 5  # one trace and four corner checks: the 49 points ran compiled
    assert model.state_dict() == before
    calls.clear()
    _, _, eager = ls.loss_slice(lambda: loss().data, filters, span=1.5, n=7, seed=4)  # a float: not traceable
    assert len(calls) == 1 + 49  # the failed trace, then every point
    assert compiled == eager and alphas == betas and len(compiled) == 7


def test_a_loss_that_branches_on_the_weights_is_sliced_by_the_eager_loop():
    # binary_cross_entropy of a sigmoid output takes softplus(z) by the sign of z: a trace at
    # the centre would freeze each sample's branch, so the corners disagree and the eager loop runs.
    model, loss, calls = _moons_loss(losses.binary_cross_entropy)
    filters = ls.neuron_filters(model)
    _, _, Z = ls.loss_slice(loss, filters, span=3.0, n=5, seed=1)
    assert len(calls) > 25
    calls.clear()
    assert Z == ls.loss_slice(lambda: loss().data, filters, span=3.0, n=5, seed=1)[2]


def test_a_point_where_the_compiled_code_fails_is_evaluated_eagerly():
    # Like BCE's clamped log: the trace at the centre takes log(w² - 1/4); where w is near 0 that
    # raises in the generated code, and the eager loss there takes the clamp instead. One
    # weight, so both directions are ±1 and the grid passes through w = 0 but no corner does.
    w = [Value(1.0)]
    calls = []

    def loss():
        calls.append(1)
        p = w[0] * w[0] - 0.25
        return Value(1e-12).log() if p.data < 1e-12 else p.log()

    _, _, Z = ls.loss_slice(loss, [w], span=1.0, n=5, seed=0)
    assert 5 < len(calls) < 25  # the trace, the corners and the failing points only
    assert any(z == Value(1e-12).log().data for row in Z for z in row)
    assert Z == ls.loss_slice(lambda: loss().data, [w], span=1.0, n=5, seed=0)[2]
    assert w[0].data == 1.0


def test_an_error_of_the_loss_itself_names_the_row_and_restores_the_weights():
    w = [Value(2.0), Value(0.5)]
    with pytest.raises(ValueError, match=r"^log\(-.*\) is outside the domain") as caught:
        ls.loss_slice(lambda: (w[0] + w[1] - 2.0).log(), [w], span=4.0, n=5)
    assert caught.value.__notes__ == ["in sweep task 1 (beta=-2.0)"]
    assert [p.data for p in w] == [2.0, 0.5]


def test_two_worker_processes_give_the_same_slice():
    model, loss, _ = _moons_loss()
    filters = ls.neuron_filters(model)
    serial = ls.loss_slice(loss, filters, n=6, seed=3)
    assert ls.loss_slice(loss, filters, n=6, seed=3, n_jobs=2) == serial
    assert ls.loss_slice(lambda: loss().data, filters, n=6, seed=3, n_jobs=2) == serial  # the eager loop too


def _two_minima(x, y):
    return (x * x - 1.0) ** 2 + 0.5 * y * y + 0.3 * x


def test_random_restarts_are_descents_from_seeded_uniform_starts():
    import random

    from nn.optim import SGD

    def make(params):
        return SGD(params, lr=0.05, momentum=0.5)

    paths = ls.random_restarts(_two_minima, (-2, 2), (-1, 1), make, n=4, steps=30, seed=7)
    rng = random.Random(7)
    starts = [(rng.uniform(-2, 2), rng.uniform(-1, 1)) for _ in range(4)]
    assert paths == [ls.descend(_two_minima, start, make, 30) for start in starts]
    assert {round(path[-1][0]) for path in paths} == {-1, 1}  # restarts find both minima
    with pytest.raises(ValueError, match="n must be at least 1"):
        ls.random_restarts(_two_minima, (-2, 2), (-1, 1), make, n=0)


def test_restarts_and_critical_point_starts_on_two_workers_give_the_serial_results():
    from nn.optim import Adam

    def make(params):
        return Adam(params, lr=0.1)

    serial = ls.random_restarts(_two_minima, (-2, 2), (-1, 1), make, n=4, steps=20)
    assert ls.random_restarts(_two_minima, (-2, 2), (-1, 1), make, n=4, steps=20, n_jobs=2) == serial
    points = ls.critical_points(_two_minima, (-2, 2), (-1, 1), starts=5)
    assert [p.kind for p in points] == ["minimum", "saddle", "minimum"]
    assert ls.critical_points(_two_minima, (-2, 2), (-1, 1), starts=5, n_jobs=2) == points
