"""Execute notebooks from a clean kernel and save them with their outputs, so they read on GitHub.

Run after changing the library (outputs then match it again):

    .venv/bin/python scripts/execute_notebooks.py                  # every notebooks/*.ipynb
    .venv/bin/python scripts/execute_notebooks.py notebooks/01_backpropagation.ipynb

Each notebook runs in a fresh ``python3`` kernel (this interpreter's ipykernel) whose working
directory is a new temporary folder, as in CI (``tests/test_notebooks.py``); a cell that raises stops
the script with the cell and its traceback. Prints each notebook's wall time and its kernel's CPU time.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CELL_TIMEOUT = 300  # seconds; a cell that takes longer is stuck, not slow


def kernel_cpu_seconds() -> float:
    """CPU time used so far by this process's finished children (the kernels)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute(path: Path) -> tuple[float, float]:
    """Run ``path`` top to bottom in a clean kernel and write it back with its outputs; returns
    (wall seconds, the kernel's CPU seconds): on a busy machine the second is the steadier measure."""
    notebook = nbformat.read(path, as_version=4)
    start, cpu_start = time.perf_counter(), kernel_cpu_seconds()
    with tempfile.TemporaryDirectory() as workdir:
        # record_timing=False: per-cell timestamps would make every run's file differ.
        NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": workdir}}).execute()
    seconds, cpu = time.perf_counter() - start, kernel_cpu_seconds() - cpu_start
    nbformat.write(notebook, path)
    return seconds, cpu


def main(arguments: list[str]) -> int:
    paths = [Path(a) for a in arguments] or sorted(NOTEBOOKS.glob("*.ipynb"))
    total = total_cpu = 0.0
    for path in paths:
        seconds, cpu = execute(path)
        total, total_cpu = total + seconds, total_cpu + cpu
        print(f"{path.name}: {seconds:.1f} s ({cpu:.1f} s CPU), {path.stat().st_size / 1024:.0f} KiB")
    print(f"all {len(paths)}: {total:.1f} s ({total_cpu:.1f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
