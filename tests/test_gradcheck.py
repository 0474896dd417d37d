"""gradcheck: passes correct gradients, catches wrong ones (first and second order), reports clearly."""

import dataclasses
import math

import pytest

from autograd_core import OPS, GradcheckError, Value, gradcheck, no_grad
from autograd_core.engine.define import vjp_from_partials


def _tanh_with_partial(x, partial):
    """x.tanh(), but the node carries a tanh record whose local derivative is ``partial``."""
    y = x.tanh()
    y._op = dataclasses.replace(OPS["tanh"], vjp=vjp_from_partials(partial))
    return y


def _wrong_tanh(x):
    return _tanh_with_partial(x, lambda a, out: (1.0 + out * out,))  # sign error: should be 1 - out²


def _first_order_only_tanh(x):
    # Right value on floats and on Values, but float(out) cuts the recorded partial off the
    # graph, so its own derivative (tanh'') comes out as 0.
    return _tanh_with_partial(x, lambda a, out: (1.0 - float(out) ** 2,))


def test_correct_gradients_pass_with_numbers_close_to_the_closed_form():
    report = gradcheck(lambda x, y: x * y.exp(), [2.0, 0.5])
    assert report.ok and bool(report)
    assert [check.wrt for check in report.checks] == [(0,), (1,)]
    assert report.checks[0].analytic == math.exp(0.5)
    assert report.checks[1].analytic == 2.0 * math.exp(0.5)
    for check in report.checks:
        assert math.isclose(check.numeric, check.analytic, rel_tol=1e-8)
        assert check.abs_error == abs(check.analytic - check.numeric)
        assert check.ok


def test_a_wrong_op_record_is_caught():
    report = gradcheck(_wrong_tanh, [0.8])
    assert not report.ok and not bool(report)
    check = report.worst
    t = math.tanh(0.8)
    assert math.isclose(check.analytic, 1 + t * t, rel_tol=1e-12)
    assert math.isclose(check.numeric, 1 - t * t, rel_tol=1e-6)
    assert "MISMATCH" in str(report) and "FAILED" in str(report)


def test_a_broken_user_function_is_caught():
    # x * x.detach() hides one of the two paths: analytic x, true derivative 2x.
    report = gradcheck(lambda x: x * x.detach(), [3.0])
    assert (report.checks[0].analytic, round(report.checks[0].numeric, 6)) == (3.0, 6.0)
    assert not report.ok


def test_raise_on_failure_names_the_worst_mismatch():
    def f(x, y, z):
        return x * z + _wrong_tanh(y) + z

    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [1.0, 0.3, -2.0], raise_on_failure=True)
    assert isinstance(caught.value, AssertionError)
    message = str(caught.value)
    assert message.startswith("gradcheck failed: ∂f/∂x1 is ")
    assert "∂f/∂x0" in message  # the full report follows
    gradcheck(lambda x: x.tanh(), [0.3], raise_on_failure=True)  # no error when right


def test_worst_is_the_largest_excess_over_tolerance():
    report = gradcheck(lambda x, y: x * x.detach() + _wrong_tanh(y), [10.0, 0.1])
    # x's error is 10 (tolerance ~0.01); y's error is 2 tanh(0.1)² ≈ 0.02 (tolerance ~0.001).
    assert report.worst.wrt == (0,)
    assert [check.ok for check in report.checks] == [False, False]


def test_order_two_checks_second_derivatives():
    report = gradcheck(lambda x, y: (x * y).sigmoid() + x ** 3, [0.4, -0.7], order=2)
    assert report.ok
    assert [check.wrt for check in report.checks] == [(0,), (1,), (0, 0), (1, 0), (0, 1), (1, 1)]
    assert math.isclose(report.checks[2].analytic,
                        6 * 0.4 + 0.7 ** 2 * _sigmoid_second(-0.28), rel_tol=1e-12)
    assert "∂²f/∂x1∂x0" in str(report)


def _sigmoid_second(z):
    s = 1 / (1 + math.exp(-z))
    return s * (1 - s) * (1 - 2 * s)


def test_order_two_catches_a_wrong_second_derivative_that_order_one_misses():
    assert gradcheck(_first_order_only_tanh, [0.6]).ok
    report = gradcheck(_first_order_only_tanh, [0.6], order=2)
    assert not report.ok
    assert report.worst.wrt == (0, 0) and report.worst.analytic == 0.0
    t = math.tanh(0.6)
    assert math.isclose(report.worst.numeric, -2 * t * (1 - t * t), rel_tol=1e-5)


def test_inputs_may_be_values_and_f_may_return_a_number():
    assert gradcheck(lambda x: x * 2, [Value(1.5)]).ok
    report = gradcheck(lambda x: 4.0, [1.0])
    assert report.ok and report.checks[0].analytic == 0.0 == report.checks[0].numeric


def test_an_outer_no_grad_does_not_hide_the_gradient():
    with no_grad():
        report = gradcheck(lambda x: x * x, [3.0], order=2)
    assert report.ok and [check.analytic for check in report.checks] == [6.0, 2.0]


def test_stepping_outside_the_domain_says_so():
    with pytest.raises(ValueError, match=r"input 0 = 1e-07 - eps=1e-06"):
        gradcheck(lambda x: x.log(), [1e-7])


@pytest.mark.parametrize("kwargs, error, words", [
    ({"inputs": 1.0}, TypeError, "sequence"),
    ({"inputs": ["1"]}, TypeError, "str"),
    ({"inputs": []}, ValueError, "at least one"),
    ({"inputs": [1.0], "eps": 0.0}, ValueError, "eps"),
    ({"inputs": [1.0], "atol": -1.0}, ValueError, "atol"),
    ({"inputs": [1.0], "order": 3}, ValueError, "order"),
])
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        gradcheck(lambda x: x, **kwargs)
