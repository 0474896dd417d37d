#!/usr/bin/env bash
# The documentation site (MkDocs + Material + mkdocstrings + mkdocs-jupyter; sources in docs/,
# navigation in mkdocs.yml). Sets up .venv with the docs extra when it is missing, then:
#   bash scripts/docs.sh          build into site/ with --strict (any warning, broken link or anchor
#                                 fails the build): what CI runs; open site/index.html
#   bash scripts/docs.sh serve    serve it at http://127.0.0.1:8000 (DOCS_ADDRESS=host:port for another),
#                                 rebuilt on every change
# Extra arguments go to mkdocs (`bash scripts/docs.sh serve --open`). The build first runs the
# doctests of the site's own docstring converter (docs/_ext/docstrings.py).
set -euo pipefail
export NO_MKDOCS_2_WARNING=1  # mkdocs-material's banner about a future MkDocs 2
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c 'import mkdocs, material, mkdocstrings_handlers.python, mkdocs_jupyter' 2>/dev/null; then
  bash scripts/setup.sh docs
fi
if [ "${1:-build}" = serve ]; then
  shift
  exec .venv/bin/mkdocs serve --dev-addr "${DOCS_ADDRESS:-127.0.0.1:8000}" "$@"
fi
[ "${1:-}" = build ] && shift
.venv/bin/python -m doctest docs/_ext/docstrings.py
.venv/bin/mkdocs build --strict --clean "$@"
