#!/usr/bin/env bash
# The package as users get it: build the sdist and the wheel (`python -m build` builds the wheel
# from the sdist, so both are checked), install the wheel with the extras scripts/test.sh uses into a fresh virtual
# environment outside the clone, and run the test suite (and the packages' doctests) against it.
# The wheel's engine is compiled by mypyc (setup.py), so this is the run of the compiled build:
# the suite refuses to start unless the engine it imports is compiled (AUTOGRAD_CORE_COMPILE=0
# builds and expects the pure one).
# The suite runs from a temporary copy of the clone's tracked files without the packages themselves
# (tests, README, docs, benchmarks... but no autograd_core/, nn/, viz/, autograd_core_cli/), so every import
# of the library comes from the installed wheel. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh dev
packages='autograd_core nn viz autograd_core_cli'

work=$(mktemp -d "${TMPDIR:-/tmp}/autograd-core-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! .venv/bin/python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2; exit 1
fi
wheel=$(ls "$work"/dist/*.whl)
echo "test_wheel: built $(cd "$work/dist" && ls | tr '\n' ' ')" >&2
grep -h "autograd-core build:" "$work/build.log" | sort -u >&2 || true
expected=compiled
[ "${AUTOGRAD_CORE_COMPILE:-1}" = 0 ] && expected=pure

python3 -m venv "$work/venv"
# The extras scripts/test.sh installs, so the same tests run (and none is skipped for a missing extra).
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "${wheel}[dev,torch]"

mkdir "$work/suite"
exclude="^($(echo "$packages" | tr ' ' '|'))/"
git ls-files -z | grep -zEv "$exclude" | xargs -0 cp --parents -t "$work/suite"
cd "$work/suite"
# Refuse to test anything but the wheel: each package must import from the new venv.
"$work/venv/bin/python" - "$work/venv" $packages <<'PY'
import importlib, sys
venv, names = sys.argv[1], sys.argv[2:]
for name in names:
    where = importlib.import_module(name).__file__
    if not where.startswith(venv):
        sys.exit(f"test_wheel: {name} imports from {where}, not from the installed wheel")
PY
# shellcheck disable=SC2086
AUTOGRAD_CORE_EXPECT_BUILD=$expected "$work/venv/bin/python" -m pytest -p no:cacheprovider --ignore-glob='*/autograd_core_cli/__main__.py' \
  tests --pyargs $packages "$@"
