#!/usr/bin/env bash
# The five notebooks in JupyterLab: set up .venv with the notebook extra when it is missing
# (matplotlib, hypothesis, ipykernel, JupyterLab; about 20 s the first time), then open notebooks/
# in JupyterLab in your browser. The kernel, "Python 3", is .venv's own Python: JupyterLab runs
# from .venv, where ipykernel is installed, so nothing needs registering. Stop it with Ctrl-C.
# Extra arguments go to `jupyter lab` (`bash scripts/notebooks.sh --no-browser --port 8899`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c 'import jupyterlab, ipykernel, matplotlib, hypothesis' 2>/dev/null; then
  bash scripts/setup.sh notebook
fi
options=()
# Jupyter refuses to start as root unless told to; containers and CI machines often run as root.
[ "$(id -u)" -ne 0 ] || options+=(--allow-root)
exec .venv/bin/jupyter lab "${options[@]}" notebooks/ "$@"
