#!/usr/bin/env bash
# The main demo: set up what it needs (.venv with the engine, nn, viz and matplotlib; Debian's
# graphviz and python3-venv when missing), print the worked backpropagation example with its
# graph as out/article.svg, then say what to try next. The test suite's tools (pytest, Chromium,
# selenium, Dask, ruff, PyTorch) come with scripts/test.sh instead. Extra arguments go to
# `autograd-core article` (`bash scripts/demo.sh --steps 100`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh plot
mkdir -p out
.venv/bin/autograd-core article --svg out/article.svg "$@"
cat <<'NEXT'

That was one step of backpropagation, every number computed by the engine.
Next, from this folder (or run `source .venv/bin/activate` once and drop the `.venv/bin/`):
  .venv/bin/autograd-core article --html out/article.html   the explorer page: open it in a browser
  .venv/bin/autograd-core landscape optimizers              a picture: five optimizers on one valley
  bash scripts/notebooks.sh                                 the six notebooks, in JupyterLab
  bash scripts/docs.sh serve                                the documentation at http://127.0.0.1:8000
NEXT
