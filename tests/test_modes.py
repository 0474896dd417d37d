"""no_grad, enable_grad, detach and detect_anomaly."""

import inspect
import math

import pytest

from autograd_core import (
    Value,
    detect_anomaly,
    enable_grad,
    grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)


def _next_line():
    """The line number just after the caller's current line."""
    return inspect.currentframe().f_back.f_lineno + 1


# --- no_grad / enable_grad / detach ------------------------------------------------------------


def test_no_grad_results_are_leaves():
    x = Value(2.0)
    with no_grad():
        assert not is_grad_enabled()
        y = (x * x).exp() + 1
    assert is_grad_enabled()
    assert (y.op, y.parents) == ("", ())
    assert math.isclose(y.data, math.exp(4) + 1, rel_tol=1e-15)
    y.backward()
    assert x.grad == 0.0


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()
    assert (Value(2.0) * 3).parents != ()


def test_enable_grad_inside_no_grad_records_again():
    x = Value(3.0)
    with no_grad():
        with enable_grad():
            y = x * x
        z = x * x
        assert not is_grad_enabled()
    assert y.parents == (x, x) and z.parents == ()


def test_no_grad_inside_a_graph_stops_the_gradient_there():
    x = Value(1.5)
    with no_grad():
        frozen = x * x
    out = frozen * x  # d/dx treats frozen as a constant: frozen = 2.25
    out.backward()
    assert x.grad == 2.25


def test_detach_makes_a_leaf_that_stops_gradients():
    x = Value(1.5, label="x")
    d = x.detach()
    assert d is not x and (d.data, d.label, d.op, d.parents) == (1.5, "x", "", ())
    out = x * d  # only the first factor carries gradient
    out.backward()
    assert (x.grad, d.grad) == (1.5, 1.5)


def test_grad_still_works_inside_no_grad():
    # Transformations record what they need even when called inside no_grad.
    with no_grad():
        assert grad(grad(lambda x: x ** 3))(2.0) == 12.0


# --- detect_anomaly ---------------------------------------------------------------------------------


def test_anomaly_in_forward_names_op_inputs_and_user_line():
    with detect_anomaly():
        assert is_anomaly_enabled()
        big = Value(1e200, label="big")
        with pytest.raises(FloatingPointError) as caught:
            line = _next_line()
            big * big
    assert not is_anomaly_enabled()
    message = str(caught.value)
    assert "mul produced inf in forward" in message
    assert "big=1e+200" in message
    assert f"{__file__}:{line}" in message


def test_nan_in_forward_is_caught_too():
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"sub produced nan"):
        Value(math.inf, label="i") - math.inf


@pytest.mark.parametrize(("x", "build", "label", "expected"), [
    # 1 / x is fine forward (1e200), but d/dx = -1e400 overflows.
    pytest.param(1e-200, lambda x: 1 / x, "reciprocal", "div node 'reciprocal' produced -inf in backward",
                 id="partial overflows"),
    # d sqrt(x)/dx = 0.5 * 0 ** -0.5 is infinite at 0 (Python raises there; IEEE gives inf).
    pytest.param(0.0, lambda x: x ** 0.5, "root", "pow_const node 'root' produced inf in backward",
                 id="partial cannot be computed"),
])
def test_anomaly_in_backward_names_op_label_and_creation_line(x, build, label, expected):
    with detect_anomaly():
        node = build(Value(x, label="x"))
        node.label = label
        with pytest.raises(FloatingPointError) as caught:
            node.backward()
    message = str(caught.value)
    assert expected in message
    # The node is made on the lambda's line of this file: the message must point there.
    assert f"{__file__}:{build.__code__.co_firstlineno}" in message


def test_without_anomaly_mode_the_inf_gradient_passes_silently():
    x = Value(1e-200)
    (1 / x).backward()
    assert x.grad == -math.inf
    assert math.isinf((Value(1e200) * 1e200).data)


def test_anomaly_mode_gives_the_same_gradients():
    def f(x):
        return (x * x.exp()).tanh() / (x + 2)

    plain = grad(f)(0.3)
    with detect_anomaly():
        checked = grad(f)(0.3)
    assert plain == checked
