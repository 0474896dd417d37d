"""Recording modes, per thread as in PyTorch: ``no_grad``, ``enable_grad`` and ``detect_anomaly``.

Each thread has its own modes (a new thread starts recording, without anomaly checks),
and every context manager restores exactly the modes its own thread had on entry, so
threads entering and leaving modes in any interleaving never affect each other.

The hot path of every op must not pay for a thread-local lookup. So besides each
thread's modes there is one process-wide summary, :attr:`ALL_THREADS.record_unchecked <AllThreads>`:
True while no thread is in a non-default mode. While it holds, an op may record without
looking at its thread's modes; otherwise it takes the slow path, which reads them.

One more mode serves the compiler: :func:`observe_reads` tells an observer (``autograd_core.jit``
while it traces a function) about every read of a node's number in its thread, since a number
read while tracing could be baked into the compiled code.
"""

from __future__ import annotations

import _thread  # noqa: F401 - compiled by mypyc, the subclass of threading.local below needs it imported
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import Any, Final

from mypy_extensions import mypyc_attr

__all__ = ["no_grad", "enable_grad", "detect_anomaly", "is_grad_enabled", "is_anomaly_enabled",
           "ReadObserver", "observe_reads"]

ReadObserver = Callable[[str, Any, Any, Any], None]
"""``observer(what, node, other, result)``, told by :func:`observe_reads` of each read of a node's
number in its thread: ``what`` is ``"data"``, ``"float"``, ``"item"`` or ``"detach"`` (``result``
is the number read), a comparison ``"<"``, ``"<="``, ``">"``, ``">="`` (``other`` is the Value
or number compared with, ``result`` the bool), ``"no_grad"`` (an op under ``no_grad``: ``node`` is
its unrecorded result, ``other`` the tuple ``(op, a, b, const)``, ``result`` its number) or
``"backward"`` (a backward or tangent pass of floats from ``node``). It may raise to refuse the
read."""


# A subclass of threading.local, which mypyc cannot compile as a native class.
@mypyc_attr(native_class=False)
class _ThreadModes(threading.local):
    """The calling thread's modes; class attributes are the defaults every thread starts with."""

    record = True  # ops record their inputs (False inside no_grad)
    anomaly = False  # ops and backward check for NaN/inf and remember where nodes came from
    ieee = False  # ops whose forward rule raises give the IEEE result instead (inf, nan)
    observer: ReadObserver | None = None  # told of every read of a node's number (jit tracing)


THIS_THREAD = _ThreadModes()
"""Package-internal: the calling thread's modes (``.record``, ``.anomaly``, ``.ieee``,
``.observer``). Read them here; change them only through the context managers of this module."""


class AllThreads:
    """Package-internal: what hot paths may read without a thread-local lookup (one instance,
    :data:`ALL_THREADS`).

    ``record_unchecked`` is True while every thread records with no anomaly checks and no
    read observer (the default modes), so an op may build its node straight away. When it is
    False, some thread is in ``no_grad``, ``detect_anomaly`` or :func:`observe_reads`, and
    each op (and each read of a node's number) reads its own thread's modes from
    :data:`THIS_THREAD`.
    """

    record_unchecked: bool

    def __init__(self) -> None:
        self.record_unchecked = True


# Final, and an instance rather than class attributes: compiled by mypyc, a read of its flag is
# then a field of a known object, with no dictionary lookup.
ALL_THREADS: Final = AllThreads()
"""Package-internal: the one :class:`AllThreads`."""

_threads_in_other_modes = 0  # threads whose modes are not the default ones
_count_lock = threading.Lock()


def _is_default(record: bool, anomaly: bool, ieee: bool, observer: ReadObserver | None) -> bool:
    return record and not anomaly and not ieee and observer is None


def _set_thread_modes(record: bool, anomaly: bool, ieee: bool, observer: ReadObserver | None) -> None:
    """Set the calling thread's modes and keep :data:`ALL_THREADS` in step."""
    global _threads_in_other_modes
    modes = THIS_THREAD
    was_default = _is_default(modes.record, modes.anomaly, modes.ieee, modes.observer)
    modes.record, modes.anomaly, modes.ieee, modes.observer = record, anomaly, ieee, observer
    is_default = _is_default(record, anomaly, ieee, observer)
    if was_default != is_default:
        with _count_lock:
            _threads_in_other_modes += -1 if is_default else 1
            ALL_THREADS.record_unchecked = _threads_in_other_modes == 0


_UNCHANGED: Any = object()


@contextmanager
def _modes(record: bool | None = None, anomaly: bool | None = None, ieee: bool | None = None,
           observer: Any = _UNCHANGED) -> Iterator[None]:
    """Change the calling thread's modes for the ``with`` block, then restore them exactly."""
    modes = THIS_THREAD
    previous = (modes.record, modes.anomaly, modes.ieee, modes.observer)
    _set_thread_modes(previous[0] if record is None else record,
                      previous[1] if anomaly is None else anomaly,
                      previous[2] if ieee is None else ieee,
                      previous[3] if observer is _UNCHANGED else observer)
    try:
        yield
    finally:
        _set_thread_modes(*previous)


def is_grad_enabled() -> bool:
    """True unless the calling thread is inside :func:`no_grad`.

    >>> is_grad_enabled()
    True
    """
    return THIS_THREAD.record


def is_anomaly_enabled() -> bool:
    """True while the calling thread is inside :func:`detect_anomaly`.

    >>> is_anomaly_enabled()
    False
    """
    return THIS_THREAD.anomaly


def no_grad() -> AbstractContextManager[None]:
    """Context manager: ops of this thread inside it record nothing, so their results are leaves.

    >>> from autograd_core import Value
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * x
    >>> y.parents
    ()
    """
    return _modes(record=False)


def enable_grad() -> AbstractContextManager[None]:
    """Context manager that turns recording back on (inside :func:`no_grad`), for this thread.

    >>> from autograd_core import Value
    >>> with no_grad(), enable_grad():
    ...     (Value(2.0) * 3).op
    'mul'
    """
    return _modes(record=True)


def detect_anomaly() -> AbstractContextManager[None]:
    """Context manager: a NaN or inf made by an op or by backward in this thread raises at once.

    The :class:`FloatingPointError` names the op, the node's label and the line of
    user code that created the node. Slower than normal mode; use it to debug.

    >>> from autograd_core import Value
    >>> with detect_anomaly():
    ...     Value(1e200, label="big") * 1e200
    Traceback (most recent call last):
    ...
    FloatingPointError: mul produced inf in forward ...
    """
    return _modes(anomaly=True)


def ieee_results() -> AbstractContextManager[None]:
    """Package-internal context manager: ops of this thread whose forward rule raises give the
    IEEE result (``0 ** -0.5`` is inf) instead of an error. The recording of partial
    derivatives runs in it, so that an infinite partial is inf at every order, as in PyTorch.

    >>> from autograd_core import Value
    >>> with ieee_results():
    ...     (Value(0.0) ** -0.5).data
    inf
    """
    return _modes(ieee=True)


def observe_reads(observer: ReadObserver | None) -> AbstractContextManager[None]:
    """Context manager: in this thread, every read of a node's number is reported to ``observer``
    (see :data:`ReadObserver`; None stops the reports). ``autograd_core.jit`` traces a function
    inside it, so that a number the function reads can be guarded or refused.

    >>> from autograd_core import Value
    >>> seen = []
    >>> with observe_reads(lambda what, node, other, result: seen.append((what, result))):
    ...     x = Value(2.0)
    ...     _ = x.data, x > 1.0
    >>> seen
    [('data', 2.0), ('>', True)]
    """
    return _modes(observer=observer)


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_code_location() -> str:
    """``file:line`` of the innermost frame outside this package (where a node was made)."""
    # Frame 0 is this function's own frame in the pure build, and the innermost frame of Python
    # code in the compiled one (compiled functions have none): either way the loop skips it if
    # it is the package's.
    frame: FrameType | None = sys._getframe(0)
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
