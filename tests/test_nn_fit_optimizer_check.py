"""fit refuses an optimizer that holds none of the model's parameters, and warns about one that
holds only some: the first trains nothing, silently (as it would in PyTorch)."""

import warnings

import pytest

from nn import MLP, SGD, Adam, data, fit, losses


def test_an_optimizer_made_for_another_model_is_refused_before_any_work():
    model, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"none of the model's 13 parameters .* SGD\(model.parameters\(\), ...\)"):
        fit(model, data.xor(), losses.mse, SGD(other.parameters(), lr=0.1), epochs=3)
    assert model.state_dict() == before
    assert all(p.grad == 0.0 for p in other.parameters())


def test_an_optimizer_made_before_the_model_was_rebuilt_is_refused():
    model = MLP(2, [2, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    model = MLP(2, [2, 1], seed=0)            # the same weights, but new Values
    with pytest.raises(ValueError, match="none of the model's 9 parameters"):
        fit(model, data.xor(), losses.mse, optimizer, epochs=1)


def test_an_optimizer_over_some_parameters_warns_and_trains_only_those():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    kept = model.parameters()[:9]            # the hidden layer: frozen output layer
    output_before = {n: p.data for n, p in model.named_parameters()[9:]}
    with pytest.warns(UserWarning, match=r"holds 9 of the model's 13 parameters; the other 4 "
                                         rf"\({names[9]}, {names[10]}, {names[11]}, \.\.\.\) will not be trained"):
        fit(model, data.xor(), losses.mse, SGD(kept, lr=0.5), epochs=3)
    assert {n: p.data for n, p in model.named_parameters()[9:]} == output_before
    assert any(p.data != MLP(2, [3, 1], seed=0).parameters()[i].data for i, p in enumerate(kept))


def test_the_warning_points_at_the_callers_line():
    model = MLP(1, [1], seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(model, data.housing(5), losses.mse, SGD(model.parameters()[:1], lr=0.1), epochs=1)
    assert [w.filename for w in caught] == [__file__]


def test_the_models_own_parameters_train_without_a_word():
    model = MLP(2, [2, 1], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(model, data.xor(), losses.mse, SGD(model.parameters(), lr=0.1), epochs=2)
