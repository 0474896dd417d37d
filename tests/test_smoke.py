"""Smallest end-to-end check of the engine against a closed form."""

import math

from autograd_core import Value


def test_sigmoid_of_square_matches_closed_form():
    x = Value(0.7)
    y = (x * x).sigmoid()
    y.backward()
    s = 1.0 / (1.0 + math.exp(-0.49))
    assert math.isclose(y.data, s, rel_tol=1e-15)
    assert math.isclose(x.grad, s * (1 - s) * 2 * 0.7, rel_tol=1e-12)
