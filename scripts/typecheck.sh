#!/usr/bin/env bash
# Type-check with mypy: autograd_core under --strict, nn, viz and autograd_core_cli in mypy's default mode (settings
# in pyproject.toml). Installs the pinned mypy and tqdm's stubs into .venv when missing. Each mode
# keeps its own cache, so a second run re-checks only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh dev
mypy_pin="mypy==2.4.1"
if ! .venv/bin/python - "$mypy_pin" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
name, pinned = sys.argv[1].split("==")
assert version(name) == pinned and version("types-tqdm")
PY
then
  .venv/bin/python -m pip install -q --disable-pip-version-check "$mypy_pin" "types-tqdm>=4.66"
fi
.venv/bin/python -m mypy --strict --cache-dir .mypy_cache/strict autograd_core
.venv/bin/python -m mypy --cache-dir .mypy_cache/default nn viz autograd_core_cli
