"""Optimizers, schedules and callbacks show as what they are: ``SGD(lr=0.1, momentum=0.9, 12 parameters)``.

The strongest check that a repr says everything that matters: rebuilt from its own text, the
object behaves exactly as the original (the same learning rates, the same updates step by step).
"""

import math
import re

import pytest

import nn
from autograd_core import Value
from nn import SGD, SWA, Adam, EarlyStopping, RMSProp, schedules

SCHEDULES = [
    schedules.ConstantLR(0.1),
    schedules.StepDecay(0.1, step_size=7, gamma=0.5),
    schedules.ExponentialDecay(0.2, gamma=0.9),
    schedules.LinearDecay(0.01, total_steps=30),
    schedules.CosineAnnealing(0.1, t_max=20, lr_min=0.001),
    schedules.CosineWarmRestarts(0.1, t_0=5, t_mult=2),
    schedules.CyclicLR(0.01, 0.1, step_size=4, mode="triangular2"),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
def test_a_schedule_rebuilt_from_its_repr_gives_the_same_rates(schedule):
    text = repr(schedule)
    assert text.startswith(type(schedule).__name__ + "(") and " at 0x" not in text
    rebuilt = eval(text, vars(schedules))
    assert [rebuilt(k) for k in range(60)] == [schedule(k) for k in range(60)]


def test_a_schedule_shows_its_required_arguments_and_only_changed_defaults():
    assert repr(schedules.StepDecay(0.1, step_size=10)) == "StepDecay(lr=0.1, step_size=10)"
    assert repr(schedules.StepDecay(0.1, step_size=10, gamma=0.5)) == "StepDecay(lr=0.1, step_size=10, gamma=0.5)"
    assert repr(schedules.CyclicLR(0.0, 1.0, step_size=2)) == "CyclicLR(base_lr=0.0, max_lr=1.0, step_size=2)"


def test_reduce_on_plateau_shows_its_current_rate():
    plateau = schedules.ReduceOnPlateau(1.0, factor=0.5, patience=0, cooldown=2)
    assert repr(plateau) == "ReduceOnPlateau(lr=1.0, factor=0.5, patience=0, cooldown=2)"
    plateau.step(1.0)
    plateau.step(1.0)
    assert repr(plateau) == "ReduceOnPlateau(lr=0.5, factor=0.5, patience=0, cooldown=2)"


OPTIMIZERS = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: SGD(ps, lr=0.05, momentum=0.5, dampening=0.25),
    lambda ps: RMSProp(ps),
    lambda ps: RMSProp(ps, lr=0.02, alpha=0.9, momentum=0.5, centered=True),
    lambda ps: Adam(ps, lr=0.1, betas=(0.8, 0.99), amsgrad=True, eps=1e-6),
    lambda ps: Adam(ps),
]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_an_optimizer_rebuilt_from_its_repr_takes_the_same_steps(make):
    first = [Value(x) for x in (0.5, -1.0, 2.0)]
    optimizer = make(first)
    match = re.fullmatch(r"(\w+)\((.*), 3 parameters\)", repr(optimizer))
    assert match, repr(optimizer)
    second = [Value(p.data) for p in first]
    name, arguments = match.groups()
    rebuilt = eval(f"{name}(params, {arguments})", {**vars(nn.optim), "params": second})
    for step in range(5):
        for params in (first, second):
            for i, p in enumerate(params):   # the gradient of Σ (i+1)·sin(p), the same for both
                p.grad = (i + 1) * math.cos(p.data + step)
        optimizer.step()
        rebuilt.step()
        assert [p.data for p in second] == [p.data for p in first]


def test_an_optimizer_names_its_settings_and_counts_its_parameters():
    ps = [Value(0.0) for _ in range(12)]
    assert repr(SGD(ps, lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, 12 parameters)"
    assert repr(Adam(ps[:1])) == "Adam(lr=0.001, 1 parameter)"
    assert repr(RMSProp(ps, centered=True)) == "RMSProp(lr=0.01, centered=True, 12 parameters)"


def test_the_repr_follows_the_learning_rate_a_schedule_sets():
    optimizer = SGD([Value(1.0)], lr=0.1)
    optimizer.lr = 0.025
    assert repr(optimizer) == "SGD(lr=0.025, 1 parameter)"


def test_callbacks_show_their_settings():
    assert repr(EarlyStopping(patience=3, min_delta=1e-4)) == "EarlyStopping(patience=3, min_delta=0.0001)"
    assert repr(SWA(start=10, cycle=2)) == "SWA(start=10, cycle=2)"
    assert eval(repr(SWA(start=10, cycle=2)), vars(nn)) == SWA(start=10, cycle=2)
