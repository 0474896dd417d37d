"""The notebooks: each runs from a clean kernel, is committed with its outputs, uses only public
names; and results display inline in Jupyter (figures as PNG, graphs as SVG, records as HTML).

The runner is nbclient, called from these tests, rather than the nbmake plugin: the display check
below needs to execute a notebook and read its outputs anyway, so one dependency serves both; the
notebooks run under the plain ``pytest`` command with no plugin flag, each as its own test with the
failing cell and its traceback in the report.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds; generous for a loaded 2-core machine, the slowest cell takes ~5 s


def execute(notebook: nbformat.NotebookNode, workdir: Path) -> nbformat.NotebookNode:
    """Run ``notebook`` top to bottom in a fresh python3 kernel (this interpreter's ipykernel) with
    ``workdir`` as its working directory; a cell that raises fails with CellExecutionError."""
    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


def code_cells(notebook: nbformat.NotebookNode) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_six_notebooks():
    assert [path.name for path in NOTEBOOKS] == [
        "01_backpropagation.ipynb", "02_gradient_descent.ipynb", "03_landscapes_and_optimizers.ipynb",
        "04_train_a_classifier.ipynb", "05_test_your_own_gradients.ipynb", "06_forward_and_reverse_mode.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_from_a_clean_kernel(path, tmp_path):
    execute(nbformat.read(path, as_version=4), tmp_path)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_committed_with_its_outputs(path):
    """Saved as run top to bottom in one kernel, with no errors, pictures included, so it reads on
    GitHub (refresh with scripts/execute_notebooks.py)."""
    notebook = nbformat.read(path, as_version=4)
    cells = code_cells(notebook)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any("image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})
               for output in outputs)
    # A picture that shows only as '<Figure size ...>' did not display.
    assert not [output for output in outputs if "<Figure size" in output.get("data", {}).get("text/plain", "")
                and "image/png" not in output.get("data", {})]


# An attribute, import or name that starts with one underscore (dunders such as __notes__ are
# Python's own protocol; a lone _ is a throwaway variable).
PRIVATE_NAME = re.compile(r"(?<![\w])_(?!_)\w+|\._(?!_)\w*")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_uses_only_public_names(path):
    notebook = nbformat.read(path, as_version=4)
    private = [match.group() for cell in code_cells(notebook) for match in PRIVATE_NAME.finditer(cell.source)]
    assert private == []


def test_private_name_pattern():
    found = [m.group() for m in PRIVATE_NAME.finditer("a._op; from x import _y; _hidden(1); x.__notes__; _ = 1")]
    assert found == ["._op", "_y", "_hidden"]


def mime_types(cell: nbformat.NotebookNode) -> set:
    return {mime for output in cell.outputs for mime in output.get("data", {})}


def test_results_display_inline(tmp_path):
    """The last value of a cell shows as a picture or a table, with no magic command."""
    cells = {
        "figure": "from viz import landscape\n"
                  "landscape.plot_contour(lambda x, y: x * x + y * y, (-1, 1), (-1, 1), n=10, arrows=3).figure",
        "graph": "import viz\nfrom autograd_core import Value, explain, gradcheck\n"
                 "x = Value(3.0, label='x')\ny = x * x.tanh()\ny.label = 'y'\ny.backward()\nviz.draw_graph(y)",
        "explanation": "explain(y, x)",
        "gradcheck": "gradcheck(lambda x: x * x, [3.0])",
        "history": "from nn import MLP, SGD, data, fit, losses\n"
                   "model = MLP(1, [1], activation='linear', seed=0)\n"
                   "history = fit(model, data.housing(10), losses.mse, SGD(model.parameters(), lr=0.3), epochs=5)\n"
                   "history",
        "history plot": "history.plot()",
    }
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells.values()])
    shown = dict(zip(cells, (mime_types(cell) for cell in code_cells(execute(notebook, tmp_path))), strict=True))
    assert "image/png" in shown["figure"]
    assert "image/svg+xml" in shown["graph"]
    for name in ("explanation", "gradcheck", "history"):
        assert "text/html" in shown[name], name
    assert shown["history plot"] & {"image/png", "image/svg+xml"}


def test_the_learn_page_links_every_notebook_with_a_picture():
    learn = (ROOT / "docs" / "learn.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:  # relative links: the site renders notebooks/NAME.ipynb as a page
        assert f"](notebooks/{path.name})" in learn, path.name
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", learn)
    assert len(pictures) == len(NOTEBOOKS)
    for picture in pictures:
        assert (ROOT / "docs" / picture).is_file(), picture
