"""Whole-number arguments everywhere go through one check, autograd_core.as_int: a non-int (or a
bool) is a TypeError and a too-small int a ValueError, each naming the argument."""

import pytest

from autograd_core import Value, as_int, explain
from nn import MLP, fit
from nn.data import xor
from nn.losses import squared_error
from nn.optim import SGD
from nn.schedules import StepDecay
from viz import draw_graph


def _fit(epochs=1, batch_size=None):
    model = MLP(2, [1], seed=0)
    return fit(model, xor(), squared_error, SGD(model.parameters(), lr=0.1), epochs,
               batch_size=batch_size, progress=False)


CALLS = {
    "MLP n_in": lambda v: MLP(v, [1]),
    "StepDecay step_size": lambda v: StepDecay(0.1, v),
    "fit epochs": lambda v: _fit(epochs=v),
    "fit batch_size": lambda v: _fit(batch_size=v),
    "draw_graph max_nodes": lambda v: draw_graph(Value(1.0) * 2, max_nodes=v),
    "explain max_paths": lambda v: (lambda x: explain(x * 2, x, max_paths=v))(Value(1.0)),
}


NON_INTS = [(name, bad) for name in CALLS for bad in (1.5, "3", True, None)
            if not (name == "fit batch_size" and bad is None)]  # None there means full batch


@pytest.mark.parametrize("name, bad", NON_INTS)
def test_a_non_int_is_a_type_error(name, bad):
    with pytest.raises(TypeError, match="must be an int"):
        CALLS[name](bad)


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_a_too_small_int_is_a_value_error(call):
    with pytest.raises(ValueError, match="must be at least"):
        call(-1)


def test_as_int_returns_the_int_itself():
    assert as_int(7, "n", minimum=7) == 7
