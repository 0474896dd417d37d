"""fit's policies are epoch-end callbacks: the same objects work through callbacks=, and can be reused."""

from __future__ import annotations

import random

import pytest

from nn import MLP, SGD, SWA, EarlyStopping, batches, fit, losses, schedules

SAMPLES = [([1.0], 2.0), ([2.0], 3.5), ([-1.0], 0.0), ([0.5], 1.0)]


def linear_model():
    model = MLP(1, [1], activation="linear", seed=0)
    model.parameters()[0].data, model.parameters()[1].data = 0.0, 0.0
    return model


def train(**options):
    model = linear_model()
    history = fit(model, SAMPLES, losses.mse, SGD(model.parameters(), lr=1e-4), epochs=50, **options)
    return history, model.state_dict()


def test_early_stopping_as_a_callback_is_early_stopping():
    expected, _ = train(early_stopping=EarlyStopping(patience=2, min_delta=1.0))
    got, _ = train(callbacks=[EarlyStopping(patience=2, min_delta=1.0)])
    assert got.stopped_early and got.epochs == expected.epochs == 3


def test_one_early_stopping_object_serves_two_runs():
    stopping = EarlyStopping(patience=2, min_delta=1.0)
    first, _ = train(early_stopping=stopping)
    second, _ = train(early_stopping=stopping)  # its memory of the best loss starts afresh
    assert first.epochs == second.epochs == 3


def test_swa_as_a_callback_averages_the_same_weights():
    expected_history, expected = train(swa=SWA(start=2, cycle=3))
    averaging = SWA(start=2, cycle=3)
    history, got = train(callbacks=[averaging])
    again_history, again = train(callbacks=[averaging])  # reused: the sum starts afresh
    assert history.swa_count == again_history.swa_count == expected_history.swa_count == 16
    assert got == pytest.approx(expected, rel=1e-15) and again == pytest.approx(expected, rel=1e-15)


def test_plateau_rate_is_set_after_each_epoch():
    plateau = schedules.ReduceOnPlateau(0.1, factor=0.5, patience=0)
    history, _ = train(schedule=plateau)
    assert history.lr[0] == 0.1 and min(history.lr) < 0.1
    assert history.lr == sorted(history.lr, reverse=True)  # only ever lowered


def test_batches_shuffle_once_per_call_and_cover_every_sample():
    rng = random.Random(0)
    first, second = batches(10, 3, rng), batches(10, 3, rng)
    assert [len(b) for b in first] == [3, 3, 3, 1]
    assert sorted(sum(first, [])) == sorted(sum(second, [])) == list(range(10)) and first != second
