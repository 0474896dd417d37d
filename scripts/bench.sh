#!/usr/bin/env bash
# Set up .venv with the bench extra (micrograd 0.1.0, PyTorch 2.13.0 CPU build), then run every
# benchmark workload and print a Markdown table ready to paste into the README (a few minutes).
# Extra arguments go to `python -m benchmarks` (e.g. --quick, --rounds 5, --only W1,W2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,bench
# PyTorch's own threads only add noise to scalar work (the benchmark also sets torch.set_num_threads(1)).
export OMP_NUM_THREADS=1
.venv/bin/python -m benchmarks "$@"
