#!/usr/bin/env bash
# Set up .venv with the project (editable, pure Python) and the given extras (default: dev), installing
# Debian's graphviz (for `dot`) and python3-venv first when they are missing, and, for the
# dev extra (the test suite), Debian's chromium and chromium-driver for the explorer's browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev}"

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [[ ",${extras}," == *,dev,* ]]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null 2>&1 && { [ -z "$sudo" ] || command -v sudo >/dev/null 2>&1; }; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    # Not fatal: without root rights the rest still works (graph rendering needs dot, though).
    if ! { $sudo apt-get update -qq &&
           DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
      echo "setup: could not install ${missing[*]}; install them by hand for graphs (dot)" >&2
    fi
  else
    echo "setup: please install ${missing[*]} (no apt-get, or no root and no sudo); graphs need Graphviz's dot" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# The clone's install is editable and pure Python (AUTOGRAD_CORE_COMPILE=0: no mypyc-compiled
# modules), so edits take effect at once; scripts/test_wheel.sh tests the compiled build.
AUTOGRAD_CORE_COMPILE=0 .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${extras}]"
