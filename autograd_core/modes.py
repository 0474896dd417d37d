"""Global recording modes: ``no_grad``, ``enable_grad`` and ``detect_anomaly``.

The state is process-wide (not per thread), like micrograd's simplicity rather
than PyTorch's thread-local modes; say so in any threaded use.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType

__all__ = ["no_grad", "enable_grad", "detect_anomaly", "is_grad_enabled", "is_anomaly_enabled"]


class _Mode:
    """Flags read by every op; class attributes so the hot path is one lookup."""

    record = True  # ops record their inputs (False inside no_grad)
    anomaly = False  # ops and backward check for NaN/inf and remember where nodes came from
    plain = True  # record and not anomaly: the fast path


def _refresh() -> None:
    _Mode.plain = _Mode.record and not _Mode.anomaly


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return _Mode.record


def is_anomaly_enabled() -> bool:
    """True inside :func:`detect_anomaly`."""
    return _Mode.anomaly


@contextmanager
def _set_record(value: bool) -> Iterator[None]:
    previous = _Mode.record
    _Mode.record = value
    _refresh()
    try:
        yield
    finally:
        _Mode.record = previous
        _refresh()


def no_grad() -> AbstractContextManager[None]:
    """Context manager: ops inside it record nothing, so their results are leaves.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()
    """
    return _set_record(False)


def enable_grad() -> AbstractContextManager[None]:
    """Context manager that turns recording back on (inside :func:`no_grad`)."""
    return _set_record(True)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager: a NaN or inf made by an op or by backward raises at once.

    The :class:`FloatingPointError` names the op, the node's label and the line of
    user code that created the node. Slower than normal mode; use it to debug.

    >>> from autograd_core import Value
    >>> with detect_anomaly():
    ...     Value(1e200, label="big") * 1e200
    Traceback (most recent call last):
    ...
    FloatingPointError: mul produced inf in forward ...
    """
    previous = _Mode.anomaly
    _Mode.anomaly = True
    _refresh()
    try:
        yield
    finally:
        _Mode.anomaly = previous
        _refresh()


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_code_location() -> str:
    """``file:line`` of the innermost frame outside this package (where a node was made)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        # The module name also catches package code generated with exec (file "<string>").
        module = frame.f_globals.get("__name__", "")
        inside = (filename.startswith(_PACKAGE_DIR + os.sep) or module == __package__
                  or module.startswith(__package__ + "."))
        if not inside and "contextlib" not in filename:
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"
