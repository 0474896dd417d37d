"""nn.losses against closed forms and central differences; binary cross-entropy at the extremes."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core import Value
from autograd_core.testing import assert_gradients_close
from nn import losses

small = st.floats(-5.0, 5.0, allow_nan=False)
probability = st.floats(0.01, 0.99)


@given(st.lists(st.tuples(small, small), min_size=1, max_size=4))
def test_squared_error_and_mse_closed_forms(pairs):
    ys = [Value(y) for y, _ in pairs]
    ts = [t for _, t in pairs]
    half_sum = 0.5 * sum((t - y) ** 2 for y, t in pairs)
    assert losses.squared_error(ys, ts).data == pytest.approx(half_sum, rel=1e-12, abs=1e-12)
    assert losses.mse(ys, ts).data == pytest.approx(2 * half_sum / len(pairs), rel=1e-12, abs=1e-12)


@given(st.lists(st.tuples(probability, st.sampled_from([0.0, 1.0, 0.3])), min_size=1, max_size=3))
def test_binary_cross_entropy_closed_form_for_probabilities(pairs):
    expected = -sum(t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in pairs) / len(pairs)
    got = losses.binary_cross_entropy([Value(p) for p, _ in pairs], [t for _, t in pairs])
    assert got.data == pytest.approx(expected, rel=1e-10)


@given(small, st.sampled_from([0.0, 1.0, 0.25]))
def test_binary_cross_entropy_of_a_sigmoid_matches_the_probability_form(z, t):
    p = 1 / (1 + math.exp(-z))
    expected = -(t * math.log(p) + (1 - t) * math.log(1 - p))
    assert losses.binary_cross_entropy(Value(z).sigmoid(), t).data == pytest.approx(expected, rel=1e-9)
    assert losses.binary_cross_entropy(Value(z), t, from_logits=True).data == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("loss, target", [
    (losses.squared_error, [0.3, -1.0]), (losses.mse, [0.3, -1.0]),
    (lambda y, t: losses.binary_cross_entropy([v.sigmoid() for v in y], t), [1.0, 0.0]),
    (lambda y, t: losses.binary_cross_entropy(y, t, from_logits=True), [0.2, 1.0]),
    (lambda y, t: losses.binary_cross_entropy([v.sigmoid() * 0.5 + 0.25 for v in y], t), [1.0, 0.0]),
    (losses.hinge, [1.0, -1.0])])
def test_loss_gradients_match_central_differences(loss, target):
    assert_gradients_close(lambda a, b: loss([a, b], target), [0.4, -0.7])


@pytest.mark.parametrize("z", [-800.0, -40.0, 40.0, 800.0])
def test_binary_cross_entropy_never_takes_log_of_zero(z):
    for t in (0.0, 1.0):
        x = Value(z)
        loss = losses.binary_cross_entropy(x.sigmoid(), t)
        loss.backward()
        # Exact: softplus(z) - t z, and the gradient σ(z) - t.
        expected = max(z, 0.0) + math.log1p(math.exp(-abs(z))) - t * z
        assert loss.data == pytest.approx(expected, rel=1e-12)
        assert x.grad == pytest.approx(0.5 * (1 + math.tanh(z / 2)) - t, abs=1e-15)


def test_binary_cross_entropy_clamps_a_probability_of_exactly_zero_or_one():
    for p, t in ((0.0, 1.0), (1.0, 0.0)):
        loss = losses.binary_cross_entropy(Value(p), t)
        assert loss.data == pytest.approx(-math.log(1e-12))
        assert math.isfinite(loss.data)


def test_hinge_is_micrographs_max_margin():
    # mean over outputs of max(0, 1 - t*y)
    assert losses.hinge([Value(2.0), Value(0.5), Value(0.5)], [1.0, 1.0, -1.0]).data == pytest.approx(
        (0.0 + 0.5 + 1.5) / 3)


def test_squared_error_is_the_articles_one_half_sum():
    assert losses.squared_error(Value(0.75136507), 0.01).data == pytest.approx(0.274811083, rel=1e-8)


@pytest.mark.parametrize("call, error", [
    (lambda: losses.mse([Value(1.0)], [1.0, 2.0]), ValueError),
    (lambda: losses.mse([], []), ValueError),
    (lambda: losses.mse(1.0, 1.0), TypeError),
    (lambda: losses.mse(Value(1.0), "1"), TypeError),
    (lambda: losses.hinge(Value(1.0), True), TypeError)])
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()
