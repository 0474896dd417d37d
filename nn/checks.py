"""Checks of numeric arguments, shared by nn's optimizers and schedules (one home for each rule).

Each returns the value as a float, or raises TypeError for a non-number (bools
included) and ValueError for a number out of range, naming the argument.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["non_negative", "positive", "fraction"]


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, got {type(value).__name__}")
    return float(value)


def non_negative(value: Any, what: str) -> float:
    """``value`` if it is a finite number >= 0.

    >>> non_negative(0, "momentum")
    0.0
    >>> non_negative(float("inf"), "lr")
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number >= 0, got inf
    """
    number = _number(value, what)
    if not (number >= 0.0 and math.isfinite(number)):
        raise ValueError(f"{what} must be a finite number >= 0, got {value!r}")
    return number


def positive(value: Any, what: str) -> float:
    """``value`` if it is a finite number > 0.

    >>> positive(0.5, "gamma")
    0.5
    """
    number = _number(value, what)
    if not (number > 0.0 and math.isfinite(number)):
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return number


def fraction(value: Any, what: str) -> float:
    """``value`` if it is in [0, 1) (a decay rate such as Adam's betas).

    >>> fraction(0.9, "beta1")
    0.9
    >>> fraction(1, "alpha")
    Traceback (most recent call last):
    ...
    ValueError: alpha must be in [0, 1), got 1
    """
    number = non_negative(value, what)
    if number >= 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return number
