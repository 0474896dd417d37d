"""Which build of the engine runs: the modules compiled by mypyc, or the same modules as Python.

The engine's hot modules (:data:`COMPILED_MODULES`) are compiled by mypyc when the package is
built on a machine with a C compiler (see ``setup.py``), as black and mypy ship; their Python
source is installed beside them and runs wherever they are not compiled.
``autograd_core.COMPILED`` says which build is running.

Set the environment variable ``AUTOGRAD_CORE_PURE=1`` before importing ``autograd_core`` to run
the pure-Python modules even where compiled ones are installed: to step through the engine with
a debugger, or to compare the two builds. (Building with ``AUTOGRAD_CORE_COMPILE=0`` installs no
compiled modules at all; ``scripts/setup.sh`` builds the clone's editable install that way, so
edits take effect.)

>>> COMPILED_MODULES[0], PURE_SWITCH
('autograd_core.engine.rules', 'AUTOGRAD_CORE_PURE')
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["COMPILED_MODULES", "PURE_SWITCH", "is_compiled", "prefer_pure_python"]

COMPILED_MODULES: tuple[str, ...] = (
    "autograd_core.engine.rules",
    "autograd_core.engine.modes",
    "autograd_core.engine.ops",
    "autograd_core.engine.ieee",
    "autograd_core.engine.graph",
    "autograd_core.engine.backward",
    "autograd_core.engine.tangents",
    "autograd_core.engine.value",
)
"""The modules mypyc compiles (``setup.py`` reads this list): the ones every op and every
backward (and forward-mode) pass runs through."""

PURE_SWITCH = "AUTOGRAD_CORE_PURE"
"""The environment variable that, set to ``1``, runs the pure-Python modules."""


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' Python source, ahead of the compiled extension beside it."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED_MODULES or path is None:
            return None
        filename = fullname.rpartition(".")[2] + ".py"
        for directory in path:
            source = os.path.join(directory, filename)
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(fullname, source)
        return None


def prefer_pure_python() -> None:
    """Import the pure-Python source of :data:`COMPILED_MODULES` even where compiled ones are
    installed. It must run before the engine is imported (``import autograd_core`` runs it when
    ``AUTOGRAD_CORE_PURE=1``); compiled and pure modules cannot be mixed."""
    loaded = [name for name in COMPILED_MODULES if name in sys.modules]
    if loaded:
        raise RuntimeError(f"the engine is already imported ({', '.join(loaded)}): choose the pure-Python "
                           f"build before importing autograd_core (set {PURE_SWITCH}=1)")
    if not any(isinstance(finder, _SourceFirst) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst())


def is_compiled(module: ModuleType) -> bool:
    """True when ``module`` was loaded from a compiled extension rather than from Python source.

    >>> import autograd_core.build
    >>> is_compiled(autograd_core.build)
    False
    """
    return not (module.__file__ or "").endswith(".py")


if os.environ.get(PURE_SWITCH) == "1":
    prefer_pure_python()
