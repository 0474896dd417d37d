"""The runtime of generated code: source made into functions, once.

:func:`define` is the one place where generated source becomes a function. Python's compiler
takes a second or more for a 100,000-node loss, so each source's bytecode is kept
(:func:`bytecode`, a few recent ones) and a copy of a compiled loss unpickled in a worker on the
same Python reuses the bytecode it was sent. Each source gets its own file name, registered
with :mod:`linecache` while a function defined from it is alive, so tracebacks, ``pdb`` and
``inspect`` show the generated lines. The functions see only the names bound here: each op's
forward rule under the op's name, the rules' helpers, the engine's mode flags and gradient lock,
a few builtins, and what the caller binds (the eager fallbacks).

>>> square = define("def f(x):\\n    return x * x\\n", "f", namespace({}))
>>> square(3.0)
9.0
"""

from __future__ import annotations

import builtins
import importlib.util
import itertools
import linecache
import marshal
import math
import threading
import weakref
from collections.abc import Iterable
from types import CodeType
from typing import Any

from ..engine.modes import ALL_THREADS, THIS_THREAD
from ..engine.ops import HELPERS, OPS, Op
from ..engine.value import add_to_grads, data_of, sgd_update
from .emit import BUILTINS, GUARD_FAILED_NAME
from .symbols import identifier

__all__ = ["GUARD_FAILED", "define", "bytecode", "namespace", "remember_bytecode", "MAGIC"]

MAGIC = importlib.util.MAGIC_NUMBER
"""This Python's bytecode version: bytecode is only reused by the same version."""


class _GuardFailed:
    """What a compiled function returns when a guard fails: its code does not fit this call."""

    def __repr__(self) -> str:
        return "GUARD_FAILED"


GUARD_FAILED = _GuardFailed()
"""The value generated code returns when one of its guards fails (bound as ``_guard_failed``)."""


def namespace(bound: dict[str, Any], ops: Iterable[Op] | None = None) -> dict[str, Any]:
    """The globals of generated code: the forward rule of each op of ``ops`` (default: the whole
    table) under its name, the helpers, the engine's flags and lock, and ``bound``.

    >>> names = namespace({"_eager": print})
    >>> names["exp"] is OPS["exp"].forward, names["_eager"] is print, sorted(names["__builtins__"])[:3]
    (True, True, ['ArithmeticError', 'TypeError', 'ValueError'])
    """
    chosen = OPS.values() if ops is None else ops
    names: dict[str, Any] = {identifier(op.name, "op"): op.forward for op in chosen}
    # The partial rules' helpers (log, heaviside, exp...) are the float rules of the ops of that name.
    names.update({name: OPS[name].forward for name in HELPERS})
    names.update(_all_threads=ALL_THREADS, _this_thread=THIS_THREAD, _data_of=data_of, _add_to_grads=add_to_grads,
                 _sgd_update=sgd_update, copysign=math.copysign,
                 __builtins__={name: getattr(builtins, name) for name in BUILTINS})
    names[GUARD_FAILED_NAME] = GUARD_FAILED
    names.update(bound)
    return names


# Bytecode of recent sources, so that copies of a compiled loss (unpickled in a worker once per
# task) compile each source once per process. Few entries: a large loss's bytecode is tens of MB.
_BYTECODE: dict[str, CodeType] = {}
_BYTECODE_ENTRIES = 6
_SERIAL = itertools.count(1)
_LIVE: dict[str, int] = {}  # file name -> functions alive that were defined from its source
_DEAD: set[str] = set()  # file names whose last function was freed: lines to take out of linecache
_LOCK = threading.Lock()


def bytecode(source: str, name: str) -> CodeType:
    """``source`` compiled, from the cache when this process compiled it recently.

    >>> bytecode("x = 1\\n", "example") is bytecode("x = 1\\n", "example")
    True
    """
    with _LOCK:
        code = _BYTECODE.pop(source, None)
    if code is None:
        code = builtins.compile(source, f"<autograd_core {name} #{next(_SERIAL)}>", "exec")
    with _LOCK:
        _BYTECODE[source] = code  # most recent last
        while len(_BYTECODE) > _BYTECODE_ENTRIES:
            del _BYTECODE[next(iter(_BYTECODE))]
    return code


def remember_bytecode(source: str, written: tuple[bytes, bytes] | None) -> None:
    """Keep ``written`` (``(MAGIC, marshal.dumps(code))``, as pickles carry it) as the bytecode of
    ``source`` when it was made by this Python version; else nothing (it is compiled on use).

    >>> source = "y = 2\\n"
    >>> remember_bytecode(source, (MAGIC, marshal.dumps(builtins.compile(source, "<y>", "exec"))))
    >>> bytecode(source, "y").co_filename
    '<y>'
    """
    if written is None or written[0] != MAGIC:
        return
    with _LOCK:
        if source in _BYTECODE:
            return
    code = marshal.loads(written[1])
    with _LOCK:
        _BYTECODE[source] = code
        while len(_BYTECODE) > _BYTECODE_ENTRIES:
            del _BYTECODE[next(iter(_BYTECODE))]


def define(source: str, name: str, globals_: dict[str, Any]) -> Any:
    """The function ``name`` that ``source`` defines, with ``globals_`` as its globals (untyped: it is
    generated code). Its lines stay in :mod:`linecache` while it is alive.

    >>> double = define("def double(x):\\n    return 2.0 * x\\n", "double", namespace({}))
    >>> double(4.0), linecache.getline(double.__code__.co_filename, 2).strip()
    (8.0, 'return 2.0 * x')
    """
    code = bytecode(source, name)
    filename = code.co_filename
    with _LOCK:
        _forget_dead_lines()
        if filename not in linecache.cache:
            # mtime None: linecache.checkcache() keeps the entry (there is no file to compare with).
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _LIVE[filename] = _LIVE.get(filename, 0) + 1
        _DEAD.discard(filename)
    exec(code, globals_)
    function = globals_.pop(name)
    weakref.finalize(function, _release, filename)
    return function


def _release(filename: str) -> None:
    """When the last function defined from a source is freed: its lines are forgotten at the next
    :func:`define`, not here. This runs whenever the garbage collector frees the function, which
    may be in the middle of ``linecache.checkcache()``'s loop over the cache's names, which would
    then miss a name it was about to read."""
    with _LOCK:
        count = _LIVE.get(filename, 0) - 1
        if count > 0:
            _LIVE[filename] = count
            return
        _LIVE.pop(filename, None)
        _DEAD.add(filename)


def _forget_dead_lines() -> None:
    """Take the lines of sources no function needs any more out of linecache (under ``_LOCK``)."""
    while _DEAD:
        linecache.cache.pop(_DEAD.pop(), None)
