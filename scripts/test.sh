#!/usr/bin/env bash
# Set everything up, then run the whole test suite (deterministic hypothesis profile by default;
# HYPOTHESIS_PROFILE=long runs many more examples). PyTorch 2.13.0 (CPU) comes in too: the tests
# check gradients, optimizers and the tiny GPT against it in float64.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,torch
# The clone runs the pure-Python engine (scripts/test_wheel.sh runs the compiled one): the suite
# refuses to start if the engine it imports is not that build.
AUTOGRAD_CORE_EXPECT_BUILD=pure .venv/bin/python -m pytest "$@"
