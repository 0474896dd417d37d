#!/usr/bin/env bash
# Set everything up, then run the main demo: the article's worked example, with its graph as SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
mkdir -p out
.venv/bin/autograd-core article --svg out/article.svg "$@"
