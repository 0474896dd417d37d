"""Execute notebooks from a clean kernel and save them with their outputs, so they read on GitHub.

Run after changing the library (outputs then match it again):

    .venv/bin/python scripts/execute_notebooks.py                  # every notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py notebooks/01_backpropagation.ipynb

Each notebook runs in a fresh ``python3`` kernel (this interpreter's ipykernel) whose working
directory is a new temporary folder, as in CI (``tests/test_notebooks.py``); a cell that raises stops
the script with the cell and its traceback. Prints each notebook's wall time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 300  # seconds; a cell that takes longer is stuck, not slow


def execute(path: Path) -> float:
    """Run ``path`` top to bottom in a clean kernel, write it back with outputs; returns seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        # record_timing=False: per-cell timestamps would make every run's file differ.
        NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": workdir}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def main(arguments: list[str]) -> int:
    paths = [Path(a) for a in arguments] or sorted(NOTEBOOKS.glob("*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = execute(path)
        total += seconds
        print(f"{path.name}: {seconds:.1f} s, {path.stat().st_size / 1024:.0f} KiB")
    print(f"all {len(paths)}: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
