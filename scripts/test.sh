#!/usr/bin/env bash
# Set everything up, then run the whole test suite (deterministic hypothesis profile by default;
# HYPOTHESIS_PROFILE=long runs many more examples).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
.venv/bin/python -m pytest "$@"
