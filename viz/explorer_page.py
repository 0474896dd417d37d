"""The backpropagation explorer: one self-contained, offline HTML page for a recorded graph.

The page shows the graph as :func:`viz.draw_graph` draws it (Graphviz SVG), with the
names a reader knows (:func:`autograd_core.checks.names.reader_names`), a step control
that replays the backward pass node by node (the steps of :func:`viz.backward_frames`)
with the running gradient of every value, and, when a value is clicked, its gradient as
the sum over paths of products of local derivatives (:func:`autograd_core.explain`) with
those paths highlighted.

Big graphs stay readable: the drawing zooms and pans, is never shrunk below a readable
label size unless the reader zooms out, and follows the value being worked on. The
neurons of an ``nn`` model (the groups of :func:`viz.graph.fold_groups`, found from their
parameters' dotted labels) can be folded into one box each; clicking a box opens that
neuron. Graphviz lays out each of these drawings when the page is made, so the page holds
one drawing per view: all values, every neuron folded, and every neuron folded but one.

Everything the page needs is inside the one file: the SVG, the numbers as JSON, the
style sheet and the script (``explorer.js`` and ``explorer.css`` beside this module,
plain JavaScript and CSS, no framework). A Content-Security-Policy forbids every
network request, and only the page's own script (named by its hash) may run, so a
label such as ``</script><script>alert(1)</script>`` can only ever show as text.
A label Python can hold but UTF-8 cannot (a lone surrogate, as ``os.fsdecode`` makes of a file
name that is not UTF-8) shows as the text ``\\udcxx``, as in the drawing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import tempfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from autograd_core import Value, as_int, explain, node_names, topological_order
from autograd_core.checks.names import ReaderNames, bracketed, reader_names
from autograd_core.helpers.files import write_atomically

from .graph import (
    DEFAULT_MAX_NODES,
    auto_rankdir,
    check_size,
    constant_leaves,
    fold_groups,
    group_handed_on,
    render,
    replay_backward,
    resolve_nodes,
    short_number,
    step_title,
)

__all__ = ["Explorer", "explorer", "DEFAULT_MAX_PATHS", "FOLD_ABOVE", "MAX_OPEN_VIEWS"]

DEFAULT_MAX_PATHS = 100
"""Most chain-rule paths listed for one value; a value with more says how many there are
(they grow exponentially with depth), and backward's gradient is still shown."""

FOLD_ABOVE = 100
"""With ``fold="auto"``, a graph of more values than this opens with its neurons folded."""

MAX_OPEN_VIEWS = 40
"""Most neurons given a drawing of their own, opened among the folded rest (each is one
Graphviz layout); in a graph with more, clicking a folded neuron shows all the values."""

#: The state codes the script reads, one per :func:`viz.graph.replay_backward` state.
_STATE_CODES = {"current": "c", "done": "d", "complete": "f", "partial": "p", "waiting": "w", "constant": "k"}


class Explorer:
    """A finished explorer page: ``.html`` is the whole document; shows inline in Jupyter.

    Make one with :func:`explorer`. ``save(path)`` writes the page atomically; in Jupyter
    the page shows in a sandboxed frame (the notebook must be trusted for its script to run).

    >>> from autograd_core import Value
    >>> x = Value(2.0, label="x")
    >>> page = explorer(x * x + x)
    >>> page
    Explorer(values=3, steps=2, bytes=...)
    >>> page.html.startswith("<!DOCTYPE html>")
    True
    """

    def __init__(self, html_text: str, n_values: int, n_steps: int) -> None:
        self.html = html_text
        self.n_values = n_values
        self.n_steps = n_steps

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (UTF-8) atomically and return the path."""
        return write_atomically(path, self.html)

    def _repr_html_(self) -> str:
        # A frame keeps the page's script, styles and ids apart from the notebook's. It is as
        # wide as the output area and tall enough for the drawing, the steps and the panel;
        # the page inside lays itself out for the frame's width (panel beside or below).
        source = html.escape(self.html, quote=True)
        return (f'<iframe srcdoc="{source}" sandbox="allow-scripts" title="backpropagation explorer" '
                'style="display: block; width: 100%; min-width: 320px; height: 720px; '
                'border: 1px solid #ddd; box-sizing: border-box"></iframe>')

    def __repr__(self) -> str:
        return f"Explorer(values={self.n_values}, steps={self.n_steps}, bytes={len(self.html.encode())})"


def explorer(root: Value, path: str | os.PathLike | None = None, highlight: Any = None, *,
             rankdir: str = "auto", show_partials: bool = True, max_nodes: int = DEFAULT_MAX_NODES,
             max_paths: int = DEFAULT_MAX_PATHS, title: str | None = None,
             timeout: float | None = None, fold: bool | str = "auto") -> Explorer:
    """An interactive page that walks the backward pass of ``root``'s graph node by node.

    The gradients shown are those of one backward pass from ``root`` (seed 1), replayed
    from the op table's local partials; the graph's ``.grad`` fields are neither read nor
    changed. ``highlight`` (a Value, a name as in :func:`autograd_core.node_names`, or a
    list of them) is selected when the page opens: its chain-rule paths are listed and
    drawn in blue. ``rankdir``, ``show_partials`` and ``max_nodes`` are those of
    :func:`viz.draw_graph` (a graph of more than ``max_nodes`` values is a ValueError);
    ``max_paths`` bounds the paths listed for one value. ``fold`` is for the neurons of an
    ``nn`` model (see :func:`viz.graph.fold_groups`): ``"auto"`` opens the page with them
    folded when the graph has more than :data:`FOLD_ABOVE` values, True always, False
    never (the page then holds no folded drawing). With ``path`` the page is also written
    there. Needs Graphviz's ``dot`` (else :class:`viz.DotNotFoundError`), each drawing
    stopped after ``timeout`` seconds as in :func:`viz.render`.

    >>> from autograd_core import Value
    >>> w = Value(0.5, label="w")
    >>> loss = (w * 3.0 - 1.0) ** 2
    >>> page = explorer(loss, highlight="w", title="one weight")
    >>> page.n_steps, "one weight" in page.html
    (3, True)
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    as_int(max_paths, "max_paths", minimum=1)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string, got {type(title).__name__}")
    if fold not in (True, False, "auto") or isinstance(fold, int) and not isinstance(fold, bool):
        raise ValueError(f"fold must be True, False or 'auto', got {fold!r}")
    order = topological_order(root)
    check_size(order, max_nodes)
    frames = replay_backward(order)
    names = reader_names(order)
    constants = constant_leaves(order)
    groups = fold_groups(order) if fold is not False else []
    views = _views(groups)
    draw = {"show_partials": show_partials, "max_nodes": max_nodes, "grads": _widest_grads(frames, constants),
            "timeout": timeout, "names": names, "constants": constants}
    svgs = [_svg(root, rankdir=_view_rankdir(rankdir, order, view),
                 fold=[groups[k][0] for k in view["folded"]],
                 outline=None if view["open"] is None else [groups[view["open"]][0]], **draw)
            for view in views]
    selected = [] if highlight is None else sorted(
        order.index(node) for node in resolve_nodes(highlight, order, node_names(order)))
    data = _page_data(order, frames, names, constants, max_paths, selected, title)
    index = {node: i for i, node in enumerate(order)}
    data["groups"] = [{"name": name, "output": index[group_handed_on(order, members)],
                       "members": [index[node] for node in members]} for name, members in groups]
    data["views"] = views
    data["view"] = 1 if groups and (fold is True or len(order) > FOLD_ABOVE) else 0
    page = Explorer(_document(svgs, data, title or f"Backpropagation through {names[root]}", bool(constants)),
                    len(order), len(frames))
    if path is not None:
        page.save(path)
    return page


def _views(groups: list) -> list[dict]:
    """The drawings the page holds: all values; then, for a model with neurons, every neuron
    folded, and (up to :data:`MAX_OPEN_VIEWS` neurons) every neuron folded but one."""
    views: list[dict] = [{"label": "all values", "folded": [], "open": None}]
    if not groups:
        return views
    everything = list(range(len(groups)))
    views.append({"label": "neurons folded", "folded": everything, "open": None})
    if len(groups) <= MAX_OPEN_VIEWS:
        views.extend({"label": f"{name} open", "folded": [k for k in everything if k != opened], "open": opened}
                     for opened, (name, _) in enumerate(groups))
    return views


def _view_rankdir(rankdir: str, order: list, view: dict) -> str:
    """The layout direction of one drawing: the caller's, else auto for all values and top to
    bottom for folded ones (a layer of folded neurons is a row, as a network is drawn)."""
    if rankdir != "auto":
        return rankdir
    return "TB" if view["folded"] else auto_rankdir(order)


def _svg(root: Value, **draw_options: Any) -> str:
    """draw_graph's picture as SVG text, from the XML's ``<svg`` on (prolog and comments dropped)."""
    with tempfile.TemporaryDirectory(prefix="autograd-explorer-") as directory:
        written = render(root, Path(directory) / "graph.svg", format="svg", **draw_options)
        text = written.read_text(encoding="utf-8")
    # The page holds several drawings: drop what each repeats on every element, Graphviz's
    # comments (a copy of each title) and the font family (explorer.css sets the same one).
    text = re.sub(r"<!--.*?-->\n?", "", text[text.index("<svg"):], flags=re.S)
    return text.replace(' font-family="Helvetica,sans-Serif"', "")


def _widest_grads(frames: list, constants: set) -> dict:
    """Each value's widest gradient over the steps, so that the drawing's grad cell holds every one
    (a constant's cell says "constant" throughout)."""
    widest: dict = {}
    for step in frames:
        for node, grad in step.grads.items():
            if node in constants:
                continue
            if grad is not None and len(short_number(grad)) >= len(short_number(widest.get(node, 0.0))):
                widest[node] = grad
    return widest


def _page_data(order: list, frames: list, names: ReaderNames, constants: set, max_paths: int, selected: list,
               title: str | None) -> dict:
    """Everything the script needs, by node index (node ``n<i>`` of the drawing is ``order[i]``)."""
    index = {node: i for i, node in enumerate(order)}
    nodes = [{"name": names[node], "data": f"{node.data:.10g}", "leaf": not node.op,
              "op": node.op, "group": names.groups.get(node, "")} for node in order]
    factors = _Factors(index)
    return {
        "title": title,
        "nodes": nodes,
        "steps": _steps(order, frames, names, constants, index),
        "explanations": [_explanation(order[-1], node, factors, max_paths) for node in order],
        "factors": factors.table,
        "selected": selected,
    }


def _steps(order: list, frames: list, names: Mapping, constants: set, index: dict) -> list:
    """Step 0 (only the output's seed gradient) and then one entry per step of
    :func:`replay_backward` (one per op node), each with its caption and only what changed:
    the gradients, written as the drawing writes them (a constant's never: its record says
    "constant"), and the states."""
    root = order[-1]
    grads: dict[Value, float | None] = {node: None for node in order}
    grads[root] = 1.0
    states = {node: "constant" if node in constants else "waiting" for node in order}
    states[root] = "complete"  # the seed is its whole gradient (a root is never a constant)
    seed = "before backward: the output's gradient is 1"
    if len(names[root]) <= 12:
        seed = f"before backward: the output {names[root]} has gradient 1 (∂{bracketed(names[root])}/∂{bracketed(names[root])})"
    steps = [{"node": None, "title": seed,
              "grads": [[index[root], short_number(1.0)]],
              "states": [[index[node], _STATE_CODES[state]] for node, state in states.items()]}]
    for number, step in enumerate(frames, start=1):
        steps.append({
            "node": index[step.node],
            "title": step_title(number, step, len(frames), names),
            "grads": [[index[n], short_number(g)] for n, g in step.grads.items()
                      if g is not None and g != grads[n] and n not in constants],
            "states": [[index[n], _STATE_CODES[s]] for n, s in step.states.items() if s != states[n]],
        })
        grads, states = step.grads, step.states
    return steps


class _Factors:
    """The chain-rule factors of the page, each written once and named by its place in
    ``table``: paths list these numbers, so a long path costs a few bytes per step."""

    def __init__(self, index: dict) -> None:
        self.index = index
        self.table: list[dict] = []
        self._numbers: dict[tuple, int] = {}

    def number(self, factor: Any) -> int:
        """The factor's place in the table (added on first sight): its symbol, its value and
        the keys of the drawn edges it stands for (two for each edge of the graph it multiplies)."""
        key = tuple((self.index[edge.child], edge.input_index) for edge in factor.edges) + (factor.via,)
        if key not in self._numbers:
            self._numbers[key] = len(self.table)
            self.table.append({"symbol": factor.symbol, "partial": f"{factor.partial:.10g}",
                               "edges": [drawn for edge in factor.edges for drawn in _edge_keys(edge, self.index)]})
        return self._numbers[key]


def _explanation(root: Value, node: Value, factors: _Factors, max_paths: int) -> dict:
    """``node``'s gradient as explain() spells it out: each path's product and factors."""
    try:
        spelled = explain(root, node, max_paths=max_paths)
    except ValueError as error:  # more paths than max_paths: say so instead of listing them
        return {"text": str(error), "paths": [], "total": None, "gradient": None}
    paths = [{"product": f"{path.product:.10g}", "factors": [factors.number(factor) for factor in path.factors]}
             for path in spelled.paths]
    return {"heading": spelled.heading, "paths": paths, "note": spelled.folded_note,
            "text": "" if paths else str(spelled),
            "total": f"{spelled.total:.10g}", "gradient": f"{spelled.gradient:.10g}"}


def _edge_keys(edge: Any, index: dict) -> tuple[str, str]:
    """The two drawn edges a chain-rule factor ∂child/∂parent stands for: parent -> child's op
    node and the op node -> child. Keys are the SVG edge titles, with ``#k`` telling apart
    the k-th of several edges with the same ends (``x * x`` draws x -> op twice)."""
    child, parent = index[edge.child], index[edge.parent]
    repeat = sum(1 for other in edge.child.parents[:edge.input_index] if other is edge.parent)
    return f"n{parent}->n{child}op#{repeat}", f"n{child}op->n{child}#0"


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


#: A lone surrogate (``os.fsdecode`` of a file name that is not UTF-8 makes them): no UTF-8 for it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _visible_surrogates(text: str, backslash: str = "\\") -> str:
    """``text`` with each lone surrogate written as the text ``\\udcxx``, as the drawing writes it
    (:func:`viz.graph.escape_label`), so the page can be UTF-8 and two such names stay apart
    (U+FFFD would merge them). ``backslash`` is ``"\\\\"`` inside a JSON string.

    >>> _visible_surrogates("caf\\udce9.csv")
    'caf\\\\udce9.csv'
    """
    return _SURROGATE.sub(lambda match: f"{backslash}u{ord(match.group()):04x}", text)


def _json_for_script(data: dict) -> str:
    """JSON that cannot end its <script> element early: <, > and & are written as \\u escapes;
    a lone surrogate reads as the text ``\\udcxx``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = _visible_surrogates(text, backslash="\\\\")  # only strings hold them: an escaped backslash
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def _document(svgs: list[str], data: dict, title: str, constants: bool) -> str:
    """The whole page: one inert <template> per drawing, which the script puts in view. Only
    the script with the hash named in the policy may run; nothing may load."""
    script = _asset("explorer.js")
    if "</script" in script.lower():  # it would end its own element
        raise RuntimeError("explorer.js must not contain '</script'")
    policy = (f"default-src 'none'; script-src 'sha256-{_sha256(script)}'; style-src 'unsafe-inline'; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    return _TEMPLATE.format(
        policy=html.escape(policy, quote=True), title=html.escape(_visible_surrogates(title)), css=_asset("explorer.css"),
        views="\n".join(f'<template id="view-{k}">{svg}</template>' for k, svg in enumerate(svgs)),
        constant_item=_CONSTANT_ITEM if constants else "",
        data=_json_for_script(data), script=script)


_CONSTANT_ITEM = '\n        <li><span class="swatch constant"></span>constant: needs no gradient</li>'


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <div class="controls" role="group" aria-label="backward step">
    <button type="button" id="first" title="first step (Home)">|◀</button>
    <button type="button" id="prev" title="previous step (←)">◀</button>
    <button type="button" id="play" title="play / pause (space)">Play</button>
    <button type="button" id="next" title="next step (→)">▶</button>
    <button type="button" id="last" title="last step (End)">▶|</button>
    <input type="range" id="slider" min="0" value="0" aria-label="step">
    <span id="step-number"></span>
  </div>
  <div class="controls" role="group" aria-label="view">
    <button type="button" id="zoom-out" title="zoom out (-)">−</button>
    <button type="button" id="zoom-in" title="zoom in (+)">+</button>
    <button type="button" id="zoom-fit" title="fit the width, keeping labels readable (0)">Fit</button>
    <span id="zoom-level"></span>
    <label id="fold-control" hidden><input type="checkbox" id="fold"> fold neurons</label>
  </div>
  <p id="step-title" aria-live="polite"></p>
</header>
<main>
  <div id="graph" role="region" aria-label="the graph: drag or scroll to pan, ctrl + wheel to zoom"></div>
  <aside>
    <section id="details" aria-live="polite">
      <p class="hint">Click a value to see its gradient as a sum over paths of products of local
      derivatives. Step with ← → (Home, End) or Play.</p>
    </section>
    <details id="legend" open>
      <summary>Legend</summary>
      <ul>
        <li><span class="swatch current"></span>passing its gradient to its inputs now</li>
        <li><span class="swatch final"></span>gradient final</li>
        <li><span class="swatch partial"></span>part of its gradient received</li>
        <li><span class="swatch waiting"></span>nothing received yet (grad ·)</li>{constant_item}
        <li><span class="swatch flowed"></span>edge the gradient has flowed down</li>
        <li><span class="swatch path"></span>path of the selected value</li>
      </ul>
      <p>Each value shows name | data | grad so far; each edge ∂ = the local derivative
      ∂out/∂in at this point. A box of "values folded" is a whole neuron: click it to open
      it, and click the title of its frame to fold it again.</p>
    </details>
  </aside>
</main>
{views}
<script type="application/json" id="explorer-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""
