"""nn.fit: batching, schedules, early stopping, SWA, callbacks, data sets, and real learning."""

import math

import pytest

import autograd_core
from nn import MLP, SGD, SWA, Adam, EarlyStopping, data, fit, losses
from nn import schedules as sch


def linear_model(w=0.0, b=0.0):
    model = MLP(1, [1], activation="linear", seed=0)
    model.parameters()[0].data, model.parameters()[1].data = w, b
    return model


def mse_gradient(samples, w, b):
    """d/dw and d/db of the mean of (w x + b − y)², written out by hand."""
    n = len(samples)
    dw = sum(2 * (w * x + b - y) * x for (x,), y in samples) / n
    db = sum(2 * (w * x + b - y) for (x,), y in samples) / n
    return dw, db


SAMPLES = [([1.0], 2.0), ([2.0], 3.5), ([-1.0], 0.0), ([0.5], 1.0)]


def test_full_batch_step_is_the_mean_gradient():
    model = linear_model(0.3, -0.2)
    fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.1), epochs=1)
    dw, db = mse_gradient(SAMPLES, 0.3, -0.2)
    assert [p.data for p in model.parameters()] == pytest.approx([0.3 - 0.1 * dw, -0.2 - 0.1 * db])


def test_mini_batches_in_order_with_a_smaller_last_batch():
    model = linear_model(0.3, -0.2)
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.1), epochs=1,
                  batch_size=3, shuffle_seed=None)
    w, b = 0.3, -0.2
    for batch in (SAMPLES[:3], SAMPLES[3:]):
        dw, db = mse_gradient(batch, w, b)
        w, b = w - 0.1 * dw, b - 0.1 * db
    assert [p.data for p in model.parameters()] == pytest.approx([w, b])
    assert len(history.step_loss) == 2 and history.epochs == 1


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(None, 1), (1, 4), (3, 2), (4, 1), (10, 1)])
def test_number_of_steps(batch_size, steps_per_epoch):
    model = linear_model()
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.01), epochs=3,
                  batch_size=batch_size, record_trajectory=True)
    assert len(history.step_loss) == len(history.lr) == 3 * steps_per_epoch
    assert len(history.trajectory) == 3 * steps_per_epoch + 1
    assert history.trajectory[0] == [0.0, 0.0]
    assert history.trajectory[-1] == [p.data for p in model.parameters()]


def test_epoch_loss_is_the_mean_sample_loss_before_the_updates():
    model = linear_model(0.3, -0.2)
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.0), epochs=1, batch_size=1)
    expected = sum((0.3 * x - 0.2 - y) ** 2 for (x,), y in SAMPLES) / len(SAMPLES)
    assert history.epoch_loss == [pytest.approx(expected)]


def test_shuffling_is_reproducible_and_depends_on_the_seed():
    def run(seed):
        model = linear_model()
        return fit(model, data.housing(12), losses.mse, SGD(model.parameters(), lr=0.1), epochs=2,
                   batch_size=1, shuffle_seed=seed).step_loss

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_housing_gradient_descent_lands_on_the_normal_equation_solution():
    samples = data.housing()
    xs = [x for (x,), _ in samples]
    ys = [y for _, y in samples]
    # Normal equations for y = w x + b: solve [[Σx², Σx], [Σx, n]] [w, b] = [Σxy, Σy] by Cramer's rule.
    sxx, sx, n = sum(x * x for x in xs), sum(xs), len(xs)
    sxy, sy = sum(x * y for x, y in zip(xs, ys, strict=True)), sum(ys)
    det = sxx * n - sx * sx
    w_star, b_star = (sxy * n - sx * sy) / det, (sxx * sy - sx * sxy) / det
    model = linear_model()
    fit(model, samples, losses.mse, SGD(model.parameters(), lr=0.5), epochs=900)
    w, b = (p.data for p in model.parameters())
    assert w == pytest.approx(w_star, abs=1e-9)
    assert b == pytest.approx(b_star, abs=1e-9)
    # and the generator's documented line is near (noise 0.25 on 50 points)
    assert abs(w_star - data.HOUSING_SLOPE) < 0.5 and abs(b_star - data.HOUSING_INTERCEPT) < 0.3


@pytest.mark.parametrize("make_optimizer", [
    lambda p: SGD(p, lr=1.0, momentum=0.9), lambda p: Adam(p, lr=0.1)])
def test_training_fits_xor(make_optimizer):
    model = MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=0)
    history = fit(model, data.xor(), losses.binary_cross_entropy, make_optimizer(model.parameters()),
                  epochs=150)
    assert history.epoch_loss[-1] < 0.05 < history.epoch_loss[0]
    assert [round(model(x).data) for x, _ in data.xor()] == [0, 1, 1, 0]


def test_training_separates_the_moons():
    samples = data.two_moons(60, noise=0.1, seed=0)
    model = MLP(2, [8, 1], activation=["tanh", "sigmoid"], seed=1)
    history = fit(model, samples, losses.binary_cross_entropy, Adam(model.parameters(), lr=0.1),
                  epochs=60, batch_size=10)
    accuracy = sum((model(x).data > 0.5) == (t == 1.0) for x, t in samples) / len(samples)
    assert history.epoch_loss[-1] < 0.5 * history.epoch_loss[0]
    assert accuracy >= 0.95


def test_two_moons_geometry_and_labels():
    clean = data.two_moons(40, noise=0.0, seed=0, labels=(-1.0, 1.0))
    for (x, y), label in clean:
        if label == -1.0:  # upper moon: on the unit circle, y >= 0
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:  # lower moon: centred at (1, 0.5)
            assert math.hypot(x - 1.0, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12
    assert data.two_moons(40, seed=2) == data.two_moons(40, seed=2) != data.two_moons(40, seed=3)


def test_step_schedule_sets_the_learning_rate_of_every_step():
    model = linear_model()
    schedule = sch.CyclicLR(0.01, 0.1, step_size=3)
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=1.0), epochs=5, batch_size=2,
                  schedule=schedule)
    assert history.lr == [schedule(k) for k in range(10)]


def test_reduce_on_plateau_is_fed_each_epoch_loss():
    model = linear_model()
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=1.0), epochs=30,
                  schedule=sch.ReduceOnPlateau(0.2, factor=0.5, patience=1, threshold=0.05))
    replay = sch.ReduceOnPlateau(0.2, factor=0.5, patience=1, threshold=0.05)
    expected = [0.2] + [replay.step(loss) for loss in history.epoch_loss[:-1]]
    assert history.lr == expected
    assert history.lr[-1] < 0.2  # it did cut the rate


def test_early_stopping_waits_patience_epochs_without_improvement():
    model = linear_model()
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.0), epochs=50,
                  early_stopping=(3, 0.0))
    assert history.stopped_early and history.epochs == 4  # epoch 0 sets the best, 3 more fail
    # improvements smaller than min_delta do not count
    model = linear_model()
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=1e-4), epochs=50,
                  early_stopping=EarlyStopping(patience=2, min_delta=1.0))
    assert history.stopped_early and history.epochs == 3


def test_swa_sets_the_model_to_the_mean_of_the_weights_at_cycle_ends():
    snapshots = []
    model = linear_model()

    def remember(epoch, history, model):
        snapshots.append([p.data for p in model.parameters()])

    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.05), epochs=11,
                  swa=SWA(start=2, cycle=3), callbacks=[remember])
    collected = [snapshots[e] for e in (4, 7, 10)]
    assert history.swa_count == 3
    assert [p.data for p in model.parameters()] == pytest.approx(
        [sum(column) / 3 for column in zip(*collected, strict=True)])


def test_callbacks_all_run_and_true_stops():
    calls = []
    model = linear_model()
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.01), epochs=10,
                  callbacks=[lambda e, h, m: e == 2, lambda e, h, m: calls.append(e)])
    assert history.epochs == 3 and calls == [0, 1, 2] and not history.stopped_early


def test_compile_branch_uses_autograd_core_compile():
    model = linear_model(0.3, -0.2)
    make = lambda m: SGD(m.parameters(), lr=0.1)  # noqa: E731
    if not hasattr(autograd_core, "compile"):
        with pytest.raises(NotImplementedError, match="autograd_core.compile"):
            fit(model, SAMPLES, losses.mse, make(model), epochs=1, compile=True)
        return
    eager = linear_model(0.3, -0.2)
    expected = fit(eager, SAMPLES, losses.mse, make(eager), epochs=3, batch_size=3)
    got = fit(model, SAMPLES, losses.mse, make(model), epochs=3, batch_size=3, compile=True)
    assert got.step_loss == pytest.approx(expected.step_loss, rel=1e-12)
    assert model.state_dict() == pytest.approx(eager.state_dict(), rel=1e-12)


def test_progress_bar_only_when_asked(capsys):
    model = linear_model()
    fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.01), epochs=3, progress=False)
    assert capsys.readouterr().err == ""
    fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.01), epochs=3, progress=True)
    assert "step" in capsys.readouterr().err
    # By default (None) a run this short, or one not on a terminal, shows nothing.
    fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=0.01), epochs=3)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kwargs, error", [
    (dict(data=[]), ValueError),
    (dict(data=[([1.0], 1.0), ([1.0, 2.0], 1.0)]), ValueError),
    (dict(data=[([1.0], "x")]), TypeError),
    (dict(data=[([float("nan")], 1.0)]), ValueError),
    (dict(data=[([1.0], [float("inf")])]), ValueError),
    (dict(batch_size=0), ValueError),
    (dict(epochs=-1), ValueError),
    (dict(schedule=0.1), TypeError),
    (dict(early_stopping=(0, 0.0)), ValueError),
    (dict(swa="yes"), TypeError),
    (dict(optimizer="sgd"), TypeError)])
def test_bad_fit_arguments(kwargs, error):
    model = linear_model()
    arguments = dict(model=model, data=SAMPLES, loss=losses.mse, optimizer=SGD(model.parameters(), lr=0.1),
                     epochs=1)
    arguments.update(kwargs)
    with pytest.raises(error) as caught:
        fit(**arguments)
    assert "learning rate" not in str(caught.value)  # bad input is not blamed on the optimizer


def test_a_diverging_run_stops_with_a_clear_error():
    model = MLP(1, [1], activation="linear", seed=0)
    with pytest.raises(FloatingPointError, match="diverged at epoch .*lower the learning rate"):
        fit(model, data.housing(10), losses.mse, SGD(model.parameters(), lr=50.0), epochs=200)
