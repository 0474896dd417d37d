#!/usr/bin/env bash
# Set up .venv with the bench extra (micrograd 0.1.0, PyTorch 2.13.0 CPU build), build the engine
# compiled by mypyc (the wheel, installed into .bench/compiled), then run every benchmark workload
# once per build of the engine, each in its own process beside micrograd and the baseline engine,
# and print a Markdown table per build (a few minutes). Extra arguments go to `python -m benchmarks`
# (e.g. --quick, --rounds 5, --only W1,W2).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev,bench
compiled=.bench/compiled
work=$(mktemp -d "${TMPDIR:-/tmp}/autograd-core-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! .venv/bin/python -m build --wheel --outdir "$work" . >"$work/build.log" 2>&1; then
  cat "$work/build.log" >&2; exit 1
fi
rm -rf "$compiled"
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --target "$compiled" "$work"/*.whl
# PyTorch's own threads only add noise to scalar work (the benchmark also sets torch.set_num_threads(1)).
export OMP_NUM_THREADS=1
.venv/bin/python -m benchmarks --build both --compiled-path "$compiled" "$@"
