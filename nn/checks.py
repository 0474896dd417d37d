"""The arguments nn's optimizers and schedules share: their checks and how they are shown.

Each check returns the value as a float, or raises TypeError for a non-number (bools
included) and ValueError for a number out of range, naming the argument.
:func:`arguments_repr` writes an object's ``repr`` from its constructor's arguments.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["non_negative", "positive", "fraction", "arguments_repr"]


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


def arguments_repr(obj: Any, always: Iterable[str] = ("lr",), skip: Iterable[str] = ("params",),
                   extra: Iterable[str] = ()) -> str:
    """``Name(arg=value, ...)`` from the arguments of ``type(obj).__init__``, each read back from
    the attribute of the same name: those without a default and those named in ``always``, then
    the others whose value differs from their default; then the ``extra`` items. Arguments in
    ``skip``, or with no attribute of their name, are left out.

    >>> class Decay:
    ...     def __init__(self, lr, gamma=0.1, warm=False):
    ...         self.lr, self.gamma, self.warm = lr, gamma, warm
    >>> arguments_repr(Decay(0.5)), arguments_repr(Decay(0.5, gamma=0.9), extra=["3 steps"])
    ('Decay(lr=0.5)', 'Decay(lr=0.5, gamma=0.9, 3 steps)')
    """
    always, skip = set(always), set(skip)
    shown = []
    for name, parameter in inspect.signature(type(obj).__init__).parameters.items():
        if name == "self" or name in skip or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if not hasattr(obj, name):
            continue
        value = getattr(obj, name)
        if parameter.default is parameter.empty or name in always or value != parameter.default:
            shown.append(f"{name}={value!r}")
    return f"{type(obj).__name__}({', '.join([*shown, *extra])})"
