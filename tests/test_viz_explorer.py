"""viz.explorer without a browser: the page is one self-contained, escaped file with the right numbers.

What the page does when opened is tested in headless Chromium (test_viz_explorer_browser.py).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import stat
from importlib import resources

import pytest

import viz
from autograd_core import Value, explain, topological_order
from autograd_core.checks.names import reader_names
from nn.article import DEFAULT_INPUTS, DEFAULT_TARGET, article_network
from viz import graph as vg

needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="Graphviz's dot is not installed")

HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)> & "q"'


def page_data(page: viz.Explorer) -> dict:
    match = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>', page.html, re.S)
    return json.loads(match.group(1))


def article_loss() -> tuple:
    model = article_network()
    loss, _ = model.loss(DEFAULT_INPUTS, DEFAULT_TARGET)
    return model, loss


@needs_dot
def test_the_page_is_one_file_that_loads_nothing():
    _, loss = article_loss()
    page = viz.explorer(loss)
    text = page.html
    # Nothing to fetch: no src/href attributes at all, and no URL but the SVG namespace names.
    assert not re.search(r"\b(src|href)\s*=", text)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    # The policy forbids every load and lets only the page's own script (by hash) run.
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1))
    assert "default-src 'none'" in policy
    script = resources.files("viz").joinpath("explorer.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert f"<script>{script}</script>" in text


@needs_dot
def test_a_hostile_label_cannot_end_the_data_or_open_an_element():
    x = Value(2.0, label=HOSTILE)
    y = x * x + 1
    page = viz.explorer(y, title=HOSTILE)
    text = page.html
    assert "<script>alert" not in text and "<img" not in text
    assert text.count("</script>") == 2  # the data block's and the page script's own
    data = page_data(page)
    assert data["nodes"][0]["name"] == HOSTILE  # the JSON still holds the label exactly
    assert data["title"] == HOSTILE


@needs_dot
def test_steps_are_backward_frames_steps_and_end_at_backwards_gradients():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x
    page = viz.explorer(z)
    data = page_data(page)
    order = topological_order(z)
    names = reader_names(order)
    steps = data["steps"]
    assert len(steps) == 2 + 1  # step 0 (the seed) and one per op node: a leaf has no step
    assert page.n_steps == 2
    assert steps[0]["node"] is None
    frames = vg.replay_backward(order)
    assert [order[step["node"]] for step in steps[1:]] == [step.node for step in frames]
    assert [step["title"] for step in steps[1:]] == [
        vg.step_title(k, step, 2, names) for k, step in enumerate(frames, start=1)]
    assert steps[1]["title"] == "backward step 1/2: x·y + x passes its gradient to its inputs"
    assert steps[2]["title"] == ("backward step 2/2: x·y passes its gradient to its inputs; "
                                 "the gradients of x and y are now final")
    # Replaying the changes gives backward's gradients: dz/dx = y + 1 = 4, dz/dy = x = 2.
    grads: dict = {}
    for step in steps:
        grads.update(dict(step["grads"]))
    z.backward()
    assert {names[order[i]]: g for i, g in grads.items()} == {
        "x": "4", "y": "2", "x·y": "1", "x·y + x": "1"}
    assert x.grad == 4.0 and y.grad == 2.0


@needs_dot
def test_a_constant_is_drawn_as_one_and_never_takes_part_in_a_step():
    _, loss = article_loss()
    page = viz.explorer(loss)
    data = page_data(page)
    order = topological_order(loss)
    half = order.index(next(iter(vg.constant_leaves(order))))  # the ½ of E = ½(t − a_o)²
    assert data["nodes"][half]["name"] == "0.5"
    assert [half, "k"] in data["steps"][0]["states"]
    for step in data["steps"][1:]:
        assert step["node"] != half
        assert half not in [i for i, _ in step["grads"]] + [i for i, _ in step["states"]]
    svg = page.html[page.html.index('<template id="view-0">'):]
    record = svg[svg.index(f"<title>n{half}</title>"):]
    assert re.findall(r">([^<>]+)</text>", record[:record.index("</g>")]) == ["0.5", "data 0.5", "constant"]
    assert "constant: needs no gradient" in page.html
    # A graph without constants says nothing of them.
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    assert "constant: needs no gradient" not in viz.explorer(x * y).html


@needs_dot
def test_every_value_has_its_chain_rule_paths_with_drawn_edges():
    model, loss = article_loss()
    data = page_data(viz.explorer(loss))
    order = topological_order(loss)
    w1 = model.params["w1"]
    spelled = data["explanations"][order.index(w1)]
    truth = explain(loss, w1)
    assert len(spelled["paths"]) == len(truth.paths) == 2  # through both hidden-2 nodes
    assert [p["product"] for p in spelled["paths"]] == [f"{p.product:.10g}" for p in truth.paths]
    assert float(spelled["total"]) == pytest.approx(truth.gradient, rel=1e-9)
    # Each factor is written once, with explain's symbol and value (the ones of the sums folded
    # into the factor below), and stands for two drawn edges per edge of the graph it multiplies:
    # parent -> child's op, child's op -> child.
    assert spelled["note"] == truth.folded_note == "6 factors equal to 1 folded into the next factor on each path"
    for page_path, true_path in zip(spelled["paths"], truth.paths, strict=True):
        factors = [data["factors"][f] for f in page_path["factors"]]
        assert [f["symbol"] for f in factors] == [factor.symbol for factor in true_path.factors]
        assert [f["partial"] for f in factors] == [f"{factor.partial:.10g}" for factor in true_path.factors]
        assert [len(f["edges"]) for f in factors] == [2 * len(factor.edges) for factor in true_path.factors]
        assert sum(len(f["edges"]) for f in factors) == 2 * len(true_path.edges) == 30
    symbols = [f["symbol"] for f in data["factors"]]
    assert len(symbols) == len(set(symbols))  # each factor once


@needs_dot
def test_x_times_x_paths_name_each_of_the_two_drawn_edges():
    x = Value(3.0, label="x")
    data = page_data(viz.explorer(x * x))
    paths = data["explanations"][0]["paths"]
    drawn = [[key for f in path["factors"] for key in data["factors"][f]["edges"]] for path in paths]
    assert drawn == [["n0->n1op#0", "n1op->n1#0"], ["n0->n1op#1", "n1op->n1#0"]]


@needs_dot
def test_a_long_chain_makes_a_page_of_reasonable_size():
    # 200 ops in a row: every value's single path repeats the factors above it, which the page
    # writes once each (a path is a list of factor numbers), so the page grows about linearly.
    x = Value(0.5, label="x")
    y = x
    for _ in range(100):
        y = (y * 1.01).tanh()
    page = viz.explorer(y)
    data = page_data(page)
    order = topological_order(y)
    assert len(data["factors"]) == sum(len(node.parents) for node in order) == 300  # one per input edge
    assert len(page.html.encode()) < 1_500_000


@needs_dot
def test_save_writes_atomically_with_normal_permissions(tmp_path):
    x = Value(2.0, label="x")
    target = tmp_path / "page.html"
    page = viz.explorer(x.exp(), target)
    assert target.read_text(encoding="utf-8") == page.html
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]  # no temporary file left
    with pytest.raises(FileNotFoundError, match="no directory"):
        page.save(tmp_path / "missing" / "page.html")


@needs_dot
def test_jupyter_shows_the_page_in_a_sandboxed_frame():
    x = Value(2.0, label=HOSTILE)
    page = viz.explorer(x * 2)
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in frame
    source = re.search(r'srcdoc="([^"]*)"', frame).group(1)
    assert html.unescape(source) == page.html


@needs_dot
def test_highlight_preselects_values_by_name_or_value():
    model, loss = article_loss()
    order = topological_order(loss)
    w5 = model.params["w5"]
    assert page_data(viz.explorer(loss, highlight="w5"))["selected"] == [order.index(w5)]
    assert page_data(viz.explorer(loss, highlight=[w5, "w1"]))["selected"] == sorted(
        [order.index(w5), order.index(model.params["w1"])])


def test_bad_arguments_are_refused_by_name():
    x = Value(2.0, label="x")
    y = x * 3
    with pytest.raises(TypeError, match="root must be a Value"):
        viz.explorer(2.0)
    with pytest.raises(ValueError, match="no node named 'w'"):
        viz.explorer(y, highlight="w")
    with pytest.raises(TypeError, match="max_paths"):
        viz.explorer(y, max_paths=1.5)
    with pytest.raises(TypeError, match="title must be a string"):
        viz.explorer(y, title=3)


def test_a_graph_larger_than_max_nodes_is_refused_before_drawing(monkeypatch, tmp_path):
    monkeypatch.setattr(viz.explorer_page, "render", lambda *a, **k: pytest.fail("dot should not run"))
    x = Value(1.0, label="x")
    y = x
    for _ in range(20):
        y = y * 1.0
    with pytest.raises(ValueError, match="more than max_nodes=10"):
        viz.explorer(y, tmp_path / "p.html", max_nodes=10)
    assert not (tmp_path / "p.html").exists()


@needs_dot
def test_too_many_paths_are_counted_not_listed():
    x = Value(1.0, label="x")
    y = x
    for _ in range(6):
        y = y * y  # 2**6 = 64 paths from x
    data = page_data(viz.explorer(y, max_paths=10))
    spelled = data["explanations"][0]
    assert spelled["paths"] == [] and "there are 64 paths" in spelled["text"]


def test_the_script_and_style_sheet_are_package_data():
    for name in ("explorer.js", "explorer.css"):
        assert resources.files("viz").joinpath(name).is_file()
    script = resources.files("viz").joinpath("explorer.js").read_text(encoding="utf-8")
    # Text only ever goes in as text: the script never parses markup.
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "eval(" not in script


@needs_dot
def test_article_html_writes_the_article_networks_page(tmp_path, capsys):
    from autograd_core_cli.main import main

    path = tmp_path / "article.html"
    assert main(["article", "--inputs", "0.5", "0.1", "--html", str(path)]) == 0
    assert f"is in {path}" in capsys.readouterr().out
    page = viz.Explorer(path.read_text(encoding="utf-8"), 0, 0)
    data = page_data(page)
    assert len(data["steps"]) == 28 + 1  # the seed, then one step per op of the training step's 47 values
    names = [node["name"] for node in data["nodes"]]
    model = article_network()
    loss, _ = model.loss((0.5, 0.1), DEFAULT_TARGET)
    loss.backward()
    for name in ("w1", "w5", "b5"):
        assert float(data["explanations"][names.index(name)]["total"]) == pytest.approx(
            model.params[name].grad, rel=1e-9)
