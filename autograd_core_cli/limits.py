"""Range checks of the command line's numeric options, made before anything is built.

argparse turns ``--steps 1e9`` into an int and ``--lr nan`` into a float, and accepts both; these
checks refuse a value outside the option's range with one ``ValueError`` naming the option, the
range and the value, which :func:`autograd_core_cli.main.main` prints as one line
(``autograd-core gpt: error: --block-size must be a whole number from 1 to 64, got 100000000``).

>>> whole_number("--steps", 10, 0, 1000)
10
>>> real_number("--lr", float("nan"), 0.0, 10.0, above=True)
Traceback (most recent call last):
...
ValueError: --lr must be a finite number > 0 and <= 10, got nan
"""

from __future__ import annotations

__all__ = ["whole_number", "real_number"]


def whole_number(option: str, value: int, low: int, high: int) -> int:
    """``value`` if it is an int from ``low`` to ``high``, else a ValueError naming ``option``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{option} must be a whole number from {low:,} to {high:,}, got {value!r}")
    return value


def real_number(option: str, value: float, low: float, high: float, *, above: bool = False) -> float:
    """``value`` if it is a finite number from ``low`` (excluded when ``above``) to ``high``, else a
    ValueError naming ``option`` (NaN fails every comparison, and ``high`` is finite)."""
    low_ok = value > low if above else value >= low
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (low_ok and value <= high):
        raise ValueError(f"{option} must be a finite number {'>' if above else '>='} {low:g} and <= {high:g}, "
                         f"got {value!r}")
    return float(value)
