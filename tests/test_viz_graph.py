"""viz.draw_graph / render / backward_frames, checked on SVG drawn by the real `dot` and parsed as XML."""

from __future__ import annotations

import math
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viz
from autograd_core import Value
from viz import graph as vg

SVG = "{http://www.w3.org/2000/svg}"
GOLDEN = Path(__file__).parent / "golden" / "viz_sigmoid_neuron.dot"

# Skipped only off CI: CI installs Graphviz, so there a missing dot must fail, not skip.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None and not os.environ.get("CI"),
                               reason="Graphviz's dot is not installed")


# --- reading an SVG drawn by dot ----------------------------------------------------------------

def svg_groups(svg: bytes, kind: str) -> dict[str, ET.Element]:
    """The <g class=kind> elements of an SVG, by their <title> (dot's node or edge name)."""
    root = ET.fromstring(svg)
    groups = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == kind:
            title = g.find(f"{SVG}title").text
            # Two edges between the same nodes (x * x) share a title: keep them all.
            key = title
            while key in groups:
                key += "'"
            groups[key] = g
    return groups


def texts(g: ET.Element) -> list[str]:
    return [t.text or "" for t in g.iter(f"{SVG}text")]


def strokes(g: ET.Element) -> set[str]:
    """Line colours used in a node or edge (tables, ellipses, paths), ignoring "none"/"transparent"."""
    found = set()
    for element in g:
        stroke = element.get("stroke")
        if element.tag in (f"{SVG}polygon", f"{SVG}ellipse", f"{SVG}path", f"{SVG}polyline") and stroke:
            if stroke not in ("none", "transparent"):
                found.add(stroke.lower())
    return found


def draw_svg(root: Value, **options) -> bytes:
    return vg._pipe(viz.draw_graph(root, **options), "svg")


def count_by_hand(root: Value) -> tuple[int, int, int]:
    """(values, ops, edges) by a recursive walk independent of topological_order."""
    seen: set[int] = set()
    values = ops = edges = 0

    def visit(node: Value) -> None:
        nonlocal values, ops, edges
        if id(node) in seen:
            return
        seen.add(id(node))
        values += 1
        if node.parents:
            ops += 1
            edges += len(node.parents) + 1  # each input into the op node, and the op node to its result
        for parent in node.parents:
            visit(parent)

    visit(root)
    return values, ops, edges


def article_like_loss() -> tuple[Value, dict[str, Value]]:
    """A 2-2-2-1 sigmoid network and its squared error, built by hand with Values."""
    x1, x2 = Value(0.05, label="x1"), Value(0.10, label="x2")
    w = {f"w{i}": Value(0.1 * i, label=f"w{i}") for i in range(1, 11)}
    b = {f"b{i}": Value(0.3, label=f"b{i}") for i in range(1, 6)}
    h1 = (w["w1"] * x1 + w["w2"] * x2 + b["b1"]).sigmoid()
    h2 = (w["w3"] * x1 + w["w4"] * x2 + b["b2"]).sigmoid()
    g1 = (w["w5"] * h1 + w["w6"] * h2 + b["b3"]).sigmoid()
    g2 = (w["w7"] * h1 + w["w8"] * h2 + b["b4"]).sigmoid()
    out = (w["w9"] * g1 + w["w10"] * g2 + b["b5"]).sigmoid()
    loss = 0.5 * (0.01 - out) ** 2
    return loss, {**w, **b, "x1": x1, "x2": x2, "out": out}


# --- structure and content ------------------------------------------------------------------------

@needs_dot
def test_svg_has_one_node_per_value_and_op_and_one_edge_per_input():
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    z = (x * x + y * x).tanh()
    z.backward()
    svg = draw_svg(z)
    nodes, edges = svg_groups(svg, "node"), svg_groups(svg, "edge")
    values, ops, n_edges = count_by_hand(z)
    assert (values, ops, n_edges) == (6, 4, 11)  # x, y, x*x, y*x, sum, tanh; 2+2+2+1 inputs + 4 outputs
    assert len(nodes) == values + ops
    assert len(edges) == n_edges


@needs_dot
def test_svg_shows_data_grad_and_local_partials():
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    z = x * y + x.sigmoid()
    z.backward()
    svg = draw_svg(z)
    node_text = {title: " ".join(texts(g)) for title, g in svg_groups(svg, "node").items()}
    s = 1.0 / (1.0 + math.exp(-1.5))
    # dz/dx = y + σ(x)(1-σ(x)) by hand, dz/dy = x.
    assert node_text["n0"] == f"x data 1.5 grad {-2.0 + s * (1 - s):.4g}"
    assert node_text["n1"] == "y data -2 grad 1.5"
    edge_labels = sorted(" ".join(texts(g)) for g in svg_groups(svg, "edge").values() if texts(g))
    # x*y: ∂/∂x = y = -2, ∂/∂y = x = 1.5; σ: σ(1-σ) = 0.1491; the add: 1 and 1.
    assert edge_labels == sorted(["∂=-2", "∂=1.5", f"∂={s * (1 - s):.4g}", "∂=1", "∂=1"])
    op_symbols = sorted(" ".join(texts(g)) for title, g in svg_groups(svg, "node").items() if title.endswith("op"))
    assert op_symbols == sorted(["*", "σ", "+"])


def test_show_partials_false_leaves_edges_unlabelled():
    x = Value(3.0, label="x")
    source = viz.draw_graph(x * x, show_partials=False).source
    assert "∂=" not in source
    assert "∂=3" in viz.draw_graph(x * x).source


def test_pow_const_op_shows_its_exponent():
    x = Value(3.0, label="x")
    assert "label=<^2>" in viz.draw_graph(x ** 2).source


# --- highlight --------------------------------------------------------------------------------------

@needs_dot
def test_highlight_colours_exactly_the_paths_from_the_leaf_to_the_root():
    x, y, c = Value(0.5, label="x"), Value(2.0, label="y"), Value(4.0, label="c")
    prod = x * y
    prod.label = "prod"
    side = (y * c).exp()
    side.label = "side"
    root = prod + side
    root.label = "root"
    root.backward()
    svg = draw_svg(root, highlight=x)
    nodes, edges = svg_groups(svg, "node"), svg_groups(svg, "edge")
    orange, grey = vg._HIGHLIGHT.lower(), vg._GREY.lower()
    # topological order: x0 y1 prod2 c3 mul4 side5 root6 (by hand: parents before children, in order)
    on_path = {"n0", "n2", "n2op", "n6", "n6op"}
    off_path = {"n1", "n3", "n4", "n4op", "n5", "n5op"}
    assert set(nodes) == on_path | off_path
    for title in on_path:
        assert strokes(nodes[title]) == {orange}, title
    for title in off_path:
        assert strokes(nodes[title]) == {grey}, title
    hot_edges = {"n0->n2op", "n2op->n2", "n2->n6op", "n6op->n6"}
    for title, g in edges.items():
        expected = orange if title in hot_edges else grey
        assert strokes(g) == {expected}, title


def test_highlight_by_name_and_several_leaves():
    loss, nodes = article_like_loss()
    by_value = viz.draw_graph(loss, highlight=[nodes["w5"], nodes["w1"]]).source
    by_name = viz.draw_graph(loss, highlight=["w5", "w1"]).source
    assert by_value == by_name
    assert by_value != viz.draw_graph(loss, highlight="w5").source


def test_highlight_rejects_nodes_outside_the_graph():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match="not part of this graph"):
        viz.draw_graph(x * 2, highlight=Value(1.0))
    with pytest.raises(ValueError, match="no node named 'q'"):
        viz.draw_graph(x * 2, highlight="q")
    with pytest.raises(TypeError, match="highlight"):
        viz.draw_graph(x * 2, highlight=3)


def test_article_network_w5_paths():
    """w5 feeds hidden-2 node 1 only: its path skips hidden-2 node 2's sum and the layer-1 sums."""
    loss, nodes = article_like_loss()
    loss.backward()
    order = vg.topological_order(loss)
    on_path = vg.highlighted_nodes(order, {nodes["w5"]})
    assert nodes["out"] in on_path and loss in on_path
    assert nodes["w7"] not in on_path and nodes["w1"] not in on_path
    # w5 -> w5*h1 -> + -> + b3 -> σ -> w9*g1 -> + -> + b5 -> σ(out) -> 0.01 - out -> ^2 -> 0.5 * ...
    assert len(on_path) == 12


# --- NaN / inf ---------------------------------------------------------------------------------

@needs_dot
def test_nan_and_inf_nodes_are_red():
    big = Value(1e200, label="big")
    inf = big * big
    nan = inf - inf
    svg = draw_svg(nan)
    nodes = svg_groups(svg, "node")
    red = vg._BAD.lower()
    assert strokes(nodes["n1"]) == {red} and strokes(nodes["n2"]) == {red}
    assert red not in strokes(nodes["n0"])
    assert "data inf" in " ".join(texts(nodes["n1"])) and "data nan" in " ".join(texts(nodes["n2"]))


# --- determinism and the golden file ------------------------------------------------------------------

def golden_graph() -> Value:
    w1, w2, b = Value(0.15, label="w1"), Value(0.2, label="w2"), Value(0.35, label="b1")
    out = (w1 * 0.05 + w2 * 0.1 + b).sigmoid()
    loss = 0.5 * (0.01 - out) ** 2
    loss.label = "E"
    loss.backward()
    return loss


def test_same_graph_gives_the_same_dot_bytes():
    assert viz.draw_graph(golden_graph()).source == viz.draw_graph(golden_graph()).source


def test_dot_source_matches_the_golden_file():
    """The DOT text of a fixed graph, byte for byte. To accept a deliberate change, run
    AUTOGRAD_UPDATE_GOLDEN=1 pytest tests/test_viz_graph.py and review the diff."""
    source = viz.draw_graph(golden_graph(), highlight="w1").source
    if os.environ.get("AUTOGRAD_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(source, encoding="utf-8")
    assert source == GOLDEN.read_text(encoding="utf-8")


# --- hostile labels ----------------------------------------------------------------------------------

HOSTILE = [
    'say "hi"', "<script>alert(1)</script>", "a & b &amp; c", "{a|b}|<f0>", "line one\nline two",
    "\\N \\G \\l \\E", "]]> <!-- -->", "</TD></TR></TABLE>>", "tab\there", "bell\x07null\x00", "'quote'",
    "σ∂ü🙂", "not xml \ufffe\uffff\ud800",
]
SHOWN = [
    'say "hi"', "<script>alert(1)</script>", "a & b &amp; c", "{a|b}|<f0>", "line one line two",
    "\\N \\G \\l \\E", "]]> <!-- -->", "</TD></TR></TABLE>>", "tab\\x09here", "bell\\x07null\\x00", "'quote'",
    "σ∂ü🙂", "not xml \\ufffe\\uffff\\ud800",
]


@needs_dot
def test_hostile_labels_render_literally_and_the_svg_is_well_formed_xml():
    leaves = [Value(float(i), label=label) for i, label in enumerate(HOSTILE)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    svg = draw_svg(total)  # ET.fromstring inside svg_groups raises on malformed XML
    nodes = svg_groups(svg, "node")
    order = vg.topological_order(total)
    for leaf, shown in zip(leaves, SHOWN, strict=True):
        title = f"n{order.index(leaf)}"
        assert " ".join(texts(nodes[title])).startswith(shown + " data "), leaf.label


@needs_dot
@settings(max_examples=25)
@given(st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=30))
def test_any_label_gives_well_formed_svg(label):
    x = Value(1.0, label=label)
    svg = draw_svg(x * 2.0)
    assert len(svg_groups(svg, "node")) == 4


# --- size guard, options, render ----------------------------------------------------------------------

def chain(n_values: int) -> Value:
    x = Value(0.5, label="x")
    for _ in range(n_values - 1):
        x = x.tanh()
    return x


def test_graph_over_max_nodes_is_refused_before_dot_runs(monkeypatch):
    monkeypatch.setattr(vg, "_pipe", lambda *a: pytest.fail("dot should not run"))
    with pytest.raises(ValueError, match=r"501 values, more than max_nodes=500.*pass max_nodes=501"):
        viz.render(chain(501), "never.svg")
    with pytest.raises(ValueError, match="max_nodes=10"):
        viz.draw_graph(chain(11), max_nodes=10)
    assert viz.draw_graph(chain(11), max_nodes=11)


def test_default_max_nodes_fits_the_article_training_step():
    loss, _ = article_like_loss()
    assert len(vg.topological_order(loss)) <= viz.DEFAULT_MAX_NODES
    try:
        from nn.article import article_network
    except ImportError:
        return
    step_loss, _ = article_network().loss()
    assert viz.draw_graph(step_loss) is not None


def test_bad_options_are_refused():
    x = Value(1.0)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(x, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw_graph(x, max_nodes=0)
    with pytest.raises(TypeError, match="root must be a Value"):
        viz.draw_graph(1.0)
    with pytest.raises(ValueError, match="format"):
        viz.render(x, "out.xyz", format="xyz")


@needs_dot
def test_render_writes_the_file_atomically(tmp_path):
    loss, nodes = article_like_loss()
    loss.backward()
    target = viz.render(loss, tmp_path / "article.svg", highlight=nodes["w5"])
    assert target == tmp_path / "article.svg"
    assert [p.name for p in tmp_path.iterdir()] == ["article.svg"]  # no temp file left behind
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600
    nodes_svg = svg_groups(target.read_bytes(), "node")
    values, ops, _ = count_by_hand(loss)
    assert len(nodes_svg) == values + ops
    png = viz.render(loss, tmp_path / "article.png", format="png")
    assert png.read_bytes().startswith(b"\x89PNG")


@needs_dot
def test_render_into_a_missing_directory_names_the_directory(tmp_path):
    folder = tmp_path / "no such folder"
    with pytest.raises(FileNotFoundError, match="there is no directory .*no such folder$"):
        viz.render(Value(1.0, label="x") * 2, folder / "g.svg")
    assert not folder.exists()


def test_missing_dot_says_how_to_install_graphviz_and_keeps_the_source(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    x = Value(2.0, label="x")
    with pytest.raises(viz.DotNotFoundError) as caught:
        viz.render(x * x, tmp_path / "g.svg")
    assert isinstance(caught.value, FileNotFoundError)
    assert "apt-get install graphviz" in str(caught.value)
    assert caught.value.source == viz.draw_graph(x * x).source
    assert not (tmp_path / "g.svg").exists()


# --- the flip-book -----------------------------------------------------------------------------------

def users_by_hand(root: Value) -> dict[int, list[Value]]:
    """id(node) -> the nodes that take it as an input (once per input slot), by a recursive walk."""
    users: dict[int, list[Value]] = {}
    seen: set[int] = set()

    def visit(node: Value) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        users.setdefault(id(node), [])
        for parent in node.parents:
            users.setdefault(id(parent), []).append(node)
            visit(parent)

    visit(root)
    return users


def final_step_by_hand(root: Value, step_nodes: list[Value], node: Value) -> int:
    """The step after which no later step adds to ``node``'s gradient: the step of its last user
    (0 for the output, whose seed is its whole gradient)."""
    step_of = {id(op): k for k, op in enumerate(step_nodes, start=1)}
    return max((step_of[id(user)] for user in users_by_hand(root)[id(node)]), default=0)


def first_step_in(frames, node: Value, states: set[str]) -> int:
    """The first step (1-based) after which ``node``'s state is one of ``states``; 0 if never."""
    return next((k for k, step in enumerate(frames, start=1) if step.states[node] in states), 0)


def svg_size(svg: bytes) -> tuple[str, str, str]:
    root = ET.fromstring(svg)
    return root.get("width"), root.get("height"), root.get("viewBox")


def svg_shapes(svg: bytes) -> list[str]:
    """Every point of every polygon, path and ellipse, in order: the layout without its words."""
    return [" ".join(f"{k}={element.get(k)}" for k in ("points", "d", "cx", "cy", "rx", "ry") if element.get(k))
            for element in ET.fromstring(svg).iter()
            if element.tag in (f"{SVG}polygon", f"{SVG}path", f"{SVG}ellipse")]


def frame_title(svg: bytes) -> str:
    """The frame's caption: the graph label's bold text."""
    graph = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "graph")
    return next(t.text for t in graph.findall(f"{SVG}text") if t.get("font-weight") == "bold")


@needs_dot
def test_backward_frames_fill_gradients_one_step_at_a_time(tmp_path):
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y + x
    z.label = "z"
    x.grad = 7.0  # a user's stale gradient must survive
    paths = viz.backward_frames(z, tmp_path / "frames")
    # One step per op node (z's add, then x * y); the leaves x and y have none of their own.
    assert [p.name for p in paths] == ["step_001.svg", "step_002.svg"]
    assert x.grad == 7.0 and y.grad == 0.0 and z.grad == 0.0

    def grad_text(path, title):
        return texts(svg_groups(path.read_bytes(), "node")[title])[-1]

    # order: x0 y1 mul2 z3. Step 1: z passes 1 to x*y and to x (x has part of its gradient).
    assert grad_text(paths[0], "n3") == "grad 1"
    assert grad_text(paths[0], "n0") == "grad 1"
    assert grad_text(paths[0], "n1") == "grad ·"
    # Step 2: x*y passes y=3 to x and x=2 to y: x is complete, dz/dx = y + 1 = 4, dz/dy = x = 2.
    assert grad_text(paths[1], "n0") == "grad 4"
    assert grad_text(paths[1], "n1") == "grad 2"
    assert frame_title(paths[0].read_bytes()) == "backward step 1/2: z passes its gradient to its inputs"
    assert frame_title(paths[1].read_bytes()) == (
        "backward step 2/2: x·y passes its gradient to its inputs; the gradients of x and y are now final")


def test_flip_book_marks_a_gradient_final_once_every_user_has_passed_its_share():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    product = x * y
    z = product + x
    order = vg.topological_order(z)
    assert order == [x, y, product, z]
    frames = vg.replay_backward(order)
    assert [step.node for step in frames] == [z, product]
    # Step 1: z passed 1 to product and to x. product is used only by z: its gradient is final.
    # x is also used by product, which has not passed its share yet: x is partial.
    states = frames[0].states
    assert (states[z], states[product], states[x], states[y]) == ("current", "complete", "partial", "waiting")
    assert frames[0].now_final == (product,)
    # Step 2: product passed its share: x and y are final, for good (a leaf passes nothing on).
    states = frames[1].states
    assert (states[z], states[product], states[x], states[y]) == ("done", "current", "complete", "complete")
    assert frames[1].now_final == (x, y)


def test_constants_are_the_unlabelled_leaves_of_a_graph_that_labels_some():
    x = Value(2.0, label="x")
    half, one = Value(0.5), Value(1.0)
    order = vg.topological_order(half * x + one)
    assert vg.constant_leaves(order) == {half, one}
    # Numbers written into the expression become unlabelled leaves too.
    assert {node.data for node in vg.constant_leaves(vg.topological_order((x - 3.0) ** 2 * 0.5))} == {3.0, 0.5}
    # A graph that labels none of its leaves has no constants: they are its inputs.
    a, b = Value(3.0), Value(4.0)
    assert vg.constant_leaves(vg.topological_order(a * b + a)) == set()
    frames = vg.replay_backward(vg.topological_order(a * b + a))
    assert frames[-1].states[a] == frames[-1].states[b] == "complete"


def test_a_graph_without_an_op_has_no_frame(tmp_path):
    assert viz.backward_frames(Value(3.0, label="x"), tmp_path / "f") == []
    assert vg.replay_backward([Value(3.0)]) == []


@pytest.fixture(scope="module")
def article_loss():
    from nn.article import article_network

    loss, _ = article_network().loss()
    return loss


def test_the_article_flip_book_has_one_step_per_op_in_the_engines_order(article_loss):
    order = vg.topological_order(article_loss)
    frames = vg.replay_backward(order)
    ops = [node for node in order if node.parents]
    assert (len(order), len(ops), len(frames)) == (47, 28, 28)  # was 47 steps: one per value
    assert sorted(map(id, (step.node for step in frames))) == sorted(map(id, ops))
    # The order of autograd-core's own pass, watched from outside...
    visited = []
    vg.backward_pass(article_loss, 1.0, observe=lambda node, g, received: visited.append(node))
    assert [step.node for step in frames] == [node for node in visited if node.parents]
    # ...in which every node comes after each node that uses it (computed from the graph by hand).
    users = users_by_hand(article_loss)
    position = {id(step.node): k for k, step in enumerate(frames)}
    for step in frames:
        assert all(position[id(user)] < position[id(step.node)] for user in users[id(step.node)])


def test_each_value_of_the_article_is_final_in_the_frame_its_last_user_passes_on(article_loss):
    order = vg.topological_order(article_loss)
    frames = vg.replay_backward(order)
    step_nodes = [step.node for step in frames]
    constants = vg.constant_leaves(order)
    assert [node.data for node in constants] == [0.5]  # the ½ of E = ½(t − a_o)²
    leaves = [node for node in order if not node.parents and node not in constants]
    assert len(leaves) == 18  # x1, x2, t and the 15 parameters
    w9 = next(node for node in leaves if node.label == "w9")
    assert first_step_in(frames, w9, {"complete"}) == 8  # it was "step 45/47: w9 has its final gradient"
    for node in order:
        if node in constants:
            assert {step.states[node] for step in frames} == {"constant"}
            continue
        final = final_step_by_hand(article_loss, step_nodes, node)
        became_final = first_step_in(frames, node, {"complete", "current", "done"}) if final else 0
        assert became_final == final, node
        for k, step in enumerate(frames, start=1):
            is_final = step.states[node] in ("complete", "current", "done")
            assert is_final == (k >= final), (node, k)
            assert (node in step.now_final) == (k == final), (node, k)
            assert (step.states[node] == "current") == (step.node is node)
        if not node.parents:  # a leaf is never "passing its gradient on"
            assert all(step.states[node] in ("waiting", "partial", "complete") for step in frames)


def test_the_article_flip_books_gradients_are_torchs(article_loss):
    torch = pytest.importorskip("torch")
    order = vg.topological_order(article_loss)
    last = vg.replay_backward(order)[-1]
    leaves = [node for node in order if not node.parents]
    tensors = {node: torch.tensor(node.data, dtype=torch.float64, requires_grad=True) for node in leaves}
    value: dict = dict(tensors)
    for node in order:
        if node.parents:
            inputs = [value[parent] for parent in node.parents]
            if node.op == "pow_const":
                value[node] = inputs[0] ** node.const
            else:
                value[node] = {"add": torch.add, "sub": torch.sub, "mul": torch.mul,
                               "sigmoid": torch.sigmoid}[node.op](*inputs)
    value[order[-1]].backward()
    for node, tensor in tensors.items():
        assert last.grads[node] == pytest.approx(tensor.grad.item(), rel=1e-12, abs=1e-15), node.label


@needs_dot
def test_the_article_flip_book_frames_share_one_size_and_name_values_as_a_reader_does(article_loss, tmp_path):
    from autograd_core.checks.names import reader_names

    paths = viz.backward_frames(article_loss, tmp_path)
    assert len(paths) == 28
    svgs = [path.read_bytes() for path in paths]
    assert {svg_size(svg) for svg in svgs} == {svg_size(svgs[0])}  # width, height and viewBox: was 7 widths
    assert all(svg_shapes(svg) == svg_shapes(svgs[0]) for svg in svgs)  # every box and edge in place
    order = vg.topological_order(article_loss)
    names = reader_names(order)
    frames = vg.replay_backward(order)
    machine_names = {name for node, name in vg.node_names(order).items() if not node.label}  # mul6, c0...
    for k, (svg, step) in enumerate(zip(svgs, frames, strict=True), start=1):
        title = frame_title(svg)
        assert title.startswith(f"backward step {k}/28: {names[step.node]} passes its gradient to its inputs")
        nodes = svg_groups(svg, "node")
        shown = {texts(group)[0] for title_, group in nodes.items() if not title_.endswith("op")}
        assert shown == set(names.values()) and not shown & machine_names
        assert not any(name in title.split() for name in machine_names)
        # The constant ½ says "constant" and is never outlined as passing its gradient on.
        half = nodes[f"n{order.index(next(iter(vg.constant_leaves(order))))}"]
        assert texts(half) == ["0.5", "data 0.5", "constant"]
        assert vg._HIGHLIGHT.lower() not in strokes(half)
        # The one value outlined in orange is the step's node (its record and its op).
        outlined = {title_ for title_, group in nodes.items() if vg._HIGHLIGHT.lower() in strokes(group)}
        i = order.index(step.node)
        assert outlined == {f"n{i}", f"n{i}op"}
    assert frame_title(svgs[7]).endswith("; w9's gradient is now final")
    assert frame_title(svgs[-1]).endswith("; the gradients of w1 and x1 are now final")


@needs_dot
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_flip_book_frames_of_random_graphs_share_one_size(tmp_path_factory, data):
    _, root, order = draw_random_graph(data)
    paths = viz.backward_frames(root, tmp_path_factory.mktemp("frames"))
    assert len(paths) == sum(1 for node in order if node.parents)
    svgs = [path.read_bytes() for path in paths]
    assert {svg_size(svg) for svg in svgs} == {svg_size(svgs[0])}
    assert all(svg_shapes(svg) == svg_shapes(svgs[0]) for svg in svgs)


def test_backward_frames_refuse_big_graphs_before_writing(tmp_path):
    with pytest.raises(ValueError, match="max_nodes"):
        viz.backward_frames(chain(30), tmp_path / "f", max_nodes=20)
    assert not (tmp_path / "f").exists()


# --- random expression graphs ----------------------------------------------------------------------

def ancestors_by_hand(node: Value) -> set[int]:
    """ids of ``node`` and everything it was computed from (recursive, independent of the engine's walk)."""
    found = {id(node)}
    for parent in node.parents:
        found |= ancestors_by_hand(parent)
    return found


def draw_random_graph(data) -> tuple[list[Value], Value, list[Value]]:
    """A random expression graph drawn from ``data``: its labelled leaves, its root, and the
    topological order the drawer walks."""
    from autograd_core.testing import expression_dags

    expression = data.draw(expression_dags(n_inputs=(1, 3), max_ops=10))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(expression.inputs)]
    root = expression.evaluate(leaves)
    return leaves, root, vg.topological_order(root)


@settings(max_examples=30)
@given(st.data())
def test_highlight_is_every_node_that_depends_on_the_leaf(data):
    leaves, _, order = draw_random_graph(data)
    leaf = data.draw(st.sampled_from(leaves))
    on_path = vg.highlighted_nodes(order, {leaf})
    assert on_path == {node for node in order if id(leaf) in ancestors_by_hand(node)}


@settings(max_examples=30)
@given(st.data())
def test_the_flip_books_last_page_holds_backwards_gradients(data):
    from autograd_core import gradients

    _, root, order = draw_random_graph(data)
    frames = vg.replay_backward(order)
    assert len(frames) == sum(1 for node in order if node.parents)
    if not frames:
        return
    final_grads, final_states = frames[-1].grads, frames[-1].states
    expected = gradients(root, order)
    for node, grad in zip(order, expected, strict=True):
        assert final_grads[node] == pytest.approx(grad, rel=1e-9, abs=1e-12)
    # At the end every op node has passed its gradient on, every leaf has its final one.
    assert {final_states[node] for node in order if node.parents} <= {"done", "current"}
    assert {final_states[node] for node in order if not node.parents} <= {"complete", "constant"}
    # Page k has exactly k op nodes that have passed their gradient on (current included).
    step_nodes = [step.node for step in frames]
    for k, step in enumerate(frames, start=1):
        assert sum(state in ("done", "current") for state in step.states.values()) == k
        for node in order:  # final exactly from the step of the node's last user on
            if step.states[node] != "constant":
                final = final_step_by_hand(root, step_nodes, node)
                assert (step.states[node] in ("complete", "current", "done")) == (k >= final)


@needs_dot
@settings(max_examples=15)
@given(st.data())
def test_svg_counts_match_random_graphs(data):
    from autograd_core.testing import expression_dags

    expression = data.draw(expression_dags(n_inputs=(1, 3), max_ops=10))
    root = expression.evaluate([Value(x, label=f"x{i}") for i, x in enumerate(expression.inputs)])
    root.backward()
    svg = draw_svg(root)
    values, ops, edges = count_by_hand(root)
    assert len(svg_groups(svg, "node")) == values + ops
    assert len(svg_groups(svg, "edge")) == edges


def test_a_failing_dot_is_reported_with_its_message(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    with pytest.raises(RuntimeError, match="Graphviz's dot failed: Error: something broke"):
        viz.render(Value(1.0, label="x") * 2, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_records_show_the_names_a_reader_knows_never_an_internal_counter():
    from autograd_core import node_names, topological_order
    from nn.article import article_network

    E, _ = article_network().loss()
    E.backward()
    order = topological_order(E)
    shown = set(re.findall(r"<B>([^<]*)</B>", viz.draw_graph(E).source))
    counters = {name for node, name in node_names(order).items() if not node.label}  # mul6, add10 ...
    assert counters and not shown & counters
    assert {"w5·a_h1_1", "t − a_o", "(t − a_o)²", "0.5", "z_o", "E"} <= shown
    # node_names' unique names can still be asked for, and highlight takes them either way
    assert counters <= set(re.findall(r"<B>([^<]*)</B>", viz.draw_graph(E, names=node_names(order)).source))
