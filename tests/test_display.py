"""What Jupyter shows: figures that hand over their own PNG, short reprs and HTML tables for
results, graphs laid out to fit a screen, flip-book legends, and render() formats by suffix."""

from __future__ import annotations

import os
import shutil
import struct
import xml.etree.ElementTree as ET
import zlib
from html.parser import HTMLParser

import pytest

pytest.importorskip("matplotlib")

import viz  # noqa: E402
from autograd_core import Value, explain, gradcheck, topological_order  # noqa: E402
from autograd_core.helpers import display  # noqa: E402
from autograd_core_cli import gallery  # noqa: E402
from nn import MLP, SGD, data, fit, losses, schedules  # noqa: E402
from viz import graph as vg  # noqa: E402
from viz import landscape as ls  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="Graphviz's dot is not installed")


# --- reading what Jupyter would receive ----------------------------------------------------------

def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature and the chunk's CRC."""
    assert png[:8] == display.PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    (crc,) = struct.unpack(">I", png[29:33])
    assert zlib.crc32(png[12:29]) == crc
    return struct.unpack(">II", png[16:24])


class Tables(HTMLParser):
    """The cells of every table row in an HTML fragment, as text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.caption = ""
        self._cell: list[str] | None = None
        self._in_caption = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, text):
        if self._cell is not None:
            self._cell.append(text)
        elif self._in_caption:
            self.caption += text


# --- figures --------------------------------------------------------------------------------------

def test_a_new_figure_shows_itself_as_png_of_its_size_without_pyplot():
    import sys

    figure = ls.new_figure(4, 3, dpi=50)
    figure.add_subplot().plot([0, 1], [0, 1])
    assert isinstance(figure, display.Figure)
    assert png_size(figure._repr_png_()) == (200, 150)
    assert "matplotlib.pyplot" not in sys.modules or figure.canvas.manager is None  # not a pyplot figure
    assert figure._repr_png_() == figure._repr_png_()  # no time stamp: the same bytes every time


def test_contour_surface_and_slice_return_their_figure():
    f = lambda x, y: x * x + y * y  # noqa: E731
    contour = ls.plot_contour(f, (-1, 1), (-1, 1), n=10, arrows=3)
    surface = ls.plot_surface(f, (-1, 1), (-1, 1), n=10)
    alphas, betas, Z = [-1.0, 1.0], [-1.0, 1.0], [[1.0, 2.0], [3.0, 4.0]]
    for figure in (contour, surface, ls.plot_slice(alphas, betas, Z)):
        assert isinstance(figure, display.Figure)
        assert png_size(figure._repr_png_())[0] > 100


def test_gallery_pictures_are_displayable_figures():
    # One cheap picture drawn here; test_viz_landscape draws and saves every one of them.
    figure = gallery.GALLERY["saddle"].draw()
    assert isinstance(figure, display.Figure)
    assert png_size(figure._repr_png_()) == (1100, 460)


def test_figure_needs_matplotlib_only_when_made():
    import subprocess
    import sys

    script = ("import sys; sys.modules['matplotlib'] = None\n"
              "import autograd_core, autograd_core.helpers.display, nn\n"
              "try:\n    autograd_core.helpers.display.new_figure()\n"
              "except ImportError as error:\n    print(error)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "install the plot extra" in done.stdout


# --- results: short reprs and HTML tables ----------------------------------------------------------

def tanh_explanation():
    x = Value(3.0, label="x")
    y = x * x.tanh()
    y.label = "y"
    return explain(y, x)


def test_explanation_repr_is_one_short_line_with_the_sum():
    e = tanh_explanation()
    assert repr(e) == "Explanation(∂y/∂x = 1.024652865 over 2 paths; backward 1.024652865)"


def test_explanation_table_has_one_row_per_path_then_sum_and_backward():
    e = tanh_explanation()
    tables = Tables(e._repr_html_())
    header, *rows = tables.rows
    assert header == ["path", "chain of local derivatives", "their values", "product"]
    assert [row[0] for row in rows] == ["1", "2", "sum", "backward"]
    assert rows[1][1] == "∂y/∂tanh(x) · ∂tanh(x)/∂x"
    for row, path in zip(rows, e.paths, strict=False):
        assert float(row[3]) == pytest.approx(path.product, rel=1e-9)
    assert float(rows[2][3]) == pytest.approx(sum(p.product for p in e.paths), rel=1e-9)
    assert "sum over 2 paths" in tables.caption


def test_explanation_table_is_capped_and_escapes_labels():
    x = Value(1.0, label="<x>")
    y = x
    for _ in range(7):  # 2**7 = 128 paths
        y = y + y
    table = explain(y, x, max_paths=200)._repr_html_()
    rows = Tables(table).rows[1:]
    assert len(rows) == 50 + 4 and rows[50][1].startswith("78 more paths")
    assert rows[-1][:2] == ["note", "6 factors equal to 1 folded into the next factor on each path"]
    assert "<x>" not in table and "&lt;x&gt;" in table


def test_gradcheck_report_repr_and_table_name_the_mismatch():
    report = gradcheck(lambda x: x * x.detach(), [3.0])
    assert repr(report) == "GradcheckReport(FAILED: 1 derivative; worst ∂f/∂x0: abs err 3.00e+00)"
    header, row = Tables(report._repr_html_()).rows
    assert header[:3] == ["derivative", "analytic", "numeric"]
    assert row[0] == "∂f/∂x0" and float(row[1]) == 3.0 and float(row[2]) == pytest.approx(6.0)
    assert row[-1] == "MISMATCH"
    assert repr(gradcheck(lambda x, y: x * y, [1.0, 2.0])).startswith("GradcheckReport(ok: 2 derivatives")


@pytest.fixture(scope="module")
def moons_history():
    model = MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=1)
    return fit(model, data.two_moons(40), losses.binary_cross_entropy, SGD(model.parameters(), lr=0.3),
               epochs=25, batch_size=8, schedule=schedules.CosineAnnealing(0.3, t_max=125))


def test_history_repr_is_short_where_the_fields_run_to_thousands_of_characters(moons_history):
    h = moons_history
    text = repr(h)
    assert len(text) < 120
    assert text.startswith("History(25 epochs, 125 steps; epoch loss ")
    assert f"{h.epoch_loss[-1]:.4g}" in text and f"lr {h.lr[0]:.4g} → {h.lr[-1]:.4g}" in text
    assert len(str(h.step_loss)) > 1000


def test_history_table_reports_the_best_epoch(moons_history):
    h = moons_history
    cells = dict(Tables(h._repr_html_()).rows)
    best = min(range(h.epochs), key=h.epoch_loss.__getitem__)
    assert cells["epochs"] == "25" and cells["optimizer steps"] == "125"
    assert cells["best epoch loss"] == f"{h.epoch_loss[best]:.6g} (epoch {best})"


def test_history_plot_draws_the_recorded_losses_and_rates(moons_history):
    h = moons_history
    figure = h.plot()
    loss_ax, lr_ax = figure.axes
    batch, epochs = loss_ax.get_lines()
    assert list(batch.get_ydata()) == h.step_loss
    assert list(epochs.get_xdata()) == [5 * (e + 1) for e in range(25)]  # each epoch's last step
    assert list(epochs.get_ydata()) == h.epoch_loss
    assert list(lr_ax.get_lines()[0].get_ydata()) == h.lr
    assert png_size(figure._repr_png_()) == (1000, 380)


def test_history_plot_of_nothing_is_refused():
    with pytest.raises(ValueError, match="no steps"):
        model = MLP(1, [1])
        fit(model, data.housing(5), losses.mse, SGD(model.parameters(), lr=0.1), epochs=0).plot()


# --- graphs ------------------------------------------------------------------------------------------

def article_step():
    from nn.article import article_network

    E, _nodes = article_network().loss()
    E.backward()
    return E


def test_auto_layout_is_left_to_right_for_a_shallow_graph_and_top_down_for_a_deep_one():
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    shallow = x * y + x.sigmoid()
    assert "rankdir=LR" in viz.draw_graph(shallow).source
    assert "rankdir=TB" in viz.draw_graph(article_step()).source
    assert "rankdir=LR" in viz.draw_graph(article_step(), rankdir="LR").source
    chain = x
    for depth in range(1, 7):
        assert vg.auto_rankdir(topological_order(chain)) == ("LR" if depth <= vg.AUTO_LR_MAX_DEPTH else "TB")
        chain = chain.tanh()


@needs_dot
def test_the_article_step_is_no_longer_a_strip(tmp_path):
    target = viz.render(article_step(), tmp_path / "article.png", highlight="w5")
    width, height = png_size(target.read_bytes())
    assert width < 2000 and height / width < 2  # it was a 6709 x 399 px strip left to right


@needs_dot
@pytest.mark.parametrize(("name", "start"), [("g.png", display.PNG_SIGNATURE), ("g.svg", b"<?xml"),
                                             ("g.pdf", b"%PDF"), ("g", b"<?xml")])
def test_render_writes_the_format_its_suffix_names(tmp_path, name, start):
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    assert viz.render(y, tmp_path / name).read_bytes().startswith(start)
    assert viz.render(y, tmp_path / "explicit", format="png").read_bytes().startswith(display.PNG_SIGNATURE)


def test_render_refuses_a_format_that_disagrees_with_the_suffix(tmp_path):
    y = Value(2.0) * 3
    with pytest.raises(ValueError, match="format='svg' disagrees with the file name 'g.png'"):
        viz.render(y, tmp_path / "g.png", format="svg")
    with pytest.raises(ValueError, match="suffix of 'g.xyz'"):
        viz.render(y, tmp_path / "g.xyz")
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_every_flip_book_frame_explains_its_colours(tmp_path):
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    out = x * y + x.sigmoid()
    paths = viz.backward_frames(out, tmp_path)
    svg_ns = "{http://www.w3.org/2000/svg}"
    for path in paths:
        root = ET.fromstring(path.read_bytes())
        graph_group = next(g for g in root.iter(f"{svg_ns}g") if g.get("class") == "graph")
        # The legend sits in the graph's own label, outside every node.
        label_texts = [t.text for t in graph_group.findall(f"{svg_ns}text")]
        label_fills = {p.get("fill") for p in graph_group.findall(f"{svg_ns}polygon")}
        for words in ("passing its gradient on now", "gradient final", "part of its gradient",
                      "no gradient yet (grad ·)"):
            assert words in label_texts
        assert {vg._HIGHLIGHT_FILL, vg._DONE_FILL, vg._PARTIAL_FILL} <= label_fills


def test_walkthrough_repr_is_one_line_and_its_table_lists_the_fifteen_gradients():
    from nn.article import walkthrough

    w = walkthrough()
    assert repr(w) == ("Walkthrough(E = 0.0588053723 → 0.0528800689 after one step at lr 0.5; "
                       "15 gradients; print() shows every step)")
    header, *rows = Tables(w._repr_html_()).rows
    assert len(rows) == 15 and header[0] == "p"
    by_name = {row[0]: row for row in rows}
    assert float(by_name["w9"][3]) == pytest.approx(w.gradient("w9").backward, rel=1e-8)
    assert by_name["w1"][1] == "2"  # two chain-rule paths reach w1
