"""The build: the engine's hot modules compiled by mypyc where a C compiler is available.

Everything about the package is in pyproject.toml; this file only adds the compiled modules.
The modules listed in ``autograd_core/build.py`` (``COMPILED_MODULES``) are compiled by mypyc
(pinned in pyproject.toml's build requirements), as black and mypy ship their wheels; their
Python source is installed too and runs wherever they are not compiled. The package is pure
Python when

* the environment variable ``AUTOGRAD_CORE_COMPILE`` is ``0`` (``scripts/setup.sh`` builds the
  clone's editable install that way, so that edits take effect), or
* no C compiler (or no Python headers) is found: the build says so and goes on without them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


def _compiled_module_names() -> tuple[str, ...]:
    """``COMPILED_MODULES`` from autograd_core/build.py, read without importing the package."""
    spec = importlib.util.spec_from_file_location("_autograd_core_build", HERE / "autograd_core" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names: tuple[str, ...] = module.COMPILED_MODULES
    return names


def _say(message: str) -> None:
    print(f"autograd-core build: {message}", file=sys.stderr)


def _c_compiler_found() -> bool:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    return shutil.which(compiler) is not None and headers.is_file()


# The commands that build compiled modules (not egg_info, dist_info or sdist, which need only the
# metadata and the sources: no need to run mypyc for them).
_BUILDING = {"build", "build_ext", "bdist_wheel", "install", "develop", "editable_wheel"}


def _extensions() -> list[Extension]:
    if not _BUILDING & set(sys.argv[1:]):
        return []
    if os.environ.get("AUTOGRAD_CORE_COMPILE", "1") == "0":
        _say("AUTOGRAD_CORE_COMPILE=0: the engine stays pure Python")
        return []
    if not _c_compiler_found():
        _say("no C compiler or no Python headers: the engine stays pure Python")
        return []
    from mypyc.build import mypycify

    paths = [name.replace(".", "/") + ".py" for name in _compiled_module_names()]
    _say(f"compiling {len(paths)} engine modules with mypyc")
    # --follow-imports=silent: the modules these import are type-checked as far as compiling
    # needs, but only the compiled modules' own errors count (the build environment lacks the
    # optional packages other modules import, such as matplotlib).
    extensions: list[Extension] = mypycify(["--follow-imports=silent", *paths], opt_level="3",
                                           group_name="autograd_core.engine.compiled")
    return extensions


class _BuildExtOrPure(build_ext):
    """build_ext that falls back to the pure-Python engine when compiling fails."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 - any compiler failure: the Python source still works
            _say(f"compiling failed ({error}): the engine stays pure Python")
            self.extensions = []


setup(ext_modules=_extensions(), cmdclass={"build_ext": _BuildExtOrPure})
