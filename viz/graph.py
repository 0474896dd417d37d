"""The computation graph as Graphviz: values, ops and the local derivative on every edge.

Each ``Value`` is a record (name | data | grad), each op a small node showing the
op table's symbol, and each edge from an input to an op carries the local
derivative ∂out/∂in at the current point, read from
:func:`autograd_core.local_partials` (the op table). Nodes are numbered by their
position in :func:`autograd_core.topological_order`, so the same graph always gives
the same DOT bytes.

>>> from autograd_core import Value
>>> x = Value(2.0, label="x")
>>> y = x * x
>>> y.backward()
>>> dot = draw_graph(y)
>>> for line in dot.source.splitlines():
...     if "->" in line:
...         print(line.strip())
n1op -> n1 [color="#222222" penwidth=1]
n0 -> n1op [label=<∂=2> color="#222222" fontcolor="#222222" penwidth=1]
n0 -> n1op [label=<∂=2> color="#222222" fontcolor="#222222" penwidth=1]
"""

from __future__ import annotations

import ctypes
import html
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import graphviz

from autograd_core import OPS, Value, as_int, backward_pass, local_partials, node_names, topological_order
from autograd_core.checks.names import node_groups, reader_names
from autograd_core.helpers.files import write_atomically

__all__ = [
    "DEFAULT_MAX_NODES", "DOT_TIMEOUT", "RANKDIRS", "AUTO_LR_MAX_DEPTH", "DotNotFoundError", "auto_rankdir",
    "draw_graph", "render", "backward_frames", "escape_label", "highlighted_nodes",
    "short_number", "resolve_nodes", "replay_backward", "BackwardStep", "STATES", "constant_leaves",
    "step_title", "check_size", "fold_groups", "group_handed_on",
]

DEFAULT_MAX_NODES = 500
"""Largest graph (counted in ``Value`` nodes) drawn without ``max_nodes=``: the article
network's training step has 47, and ``dot`` stays under a few seconds well past 500."""

RANKDIRS = ("LR", "RL", "TB", "BT")

AUTO_LR_MAX_DEPTH = 4
"""``rankdir="auto"`` lays a graph out left to right while its longest chain has at most this
many values, and top to bottom beyond: each value costs some 350-450 px of width left to
right, so a deeper chain is wider than a screen (the article's training step, 16 deep, is
a 6709 x 399 px strip left to right and 1691 x 2340 px top to bottom)."""

DOT_TIMEOUT = 60.0
"""Seconds ``dot`` may take for one picture before :func:`render` gives up (TimeoutError).
Most graphs take well under a second; a few small ones with many crossing edges take minutes."""

# prctl(PR_SET_PDEATHSIG) makes the kernel kill dot when the Python that started it dies, even
# by SIGKILL; elsewhere a killed Python can leave dot running until it finishes.
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None

# Colours: one palette for every picture, chosen to stay readable when printed grey.
_INK = "#222222"
_GREY = "#c8c8c8"
_GREY_TEXT = "#a0a0a0"
_HIGHLIGHT = "#d9480f"
_HIGHLIGHT_FILL = "#ffe8cc"
_BAD = "#e03131"
_BAD_FILL = "#ffc9c9"
_DONE_FILL = "#d3f9d8"
_PARTIAL_FILL = "#fff3bf"
_LEAF_FILL = "#e7f5ff"

_INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install -c conda-forge graphviz) so that `dot` is on PATH")


class DotNotFoundError(FileNotFoundError):
    """Graphviz's ``dot`` program is not on PATH. ``.source`` holds the DOT text that was to be drawn.

    A :class:`FileNotFoundError` (so an ``OSError``): the missing thing is a program file.
    """

    def __init__(self, source: str) -> None:
        super().__init__(
            f"Graphviz's `dot` program was not found: {_INSTALL_HINT}. The DOT source is still "
            "available as this error's .source attribute or draw_graph(root).source")
        self.source = source


def escape_label(text: str) -> str:
    """``text`` made safe inside a Graphviz HTML-like label, shown exactly as written.

    XML special characters become entities; a backslash is doubled because Graphviz
    expands ``\\N``, ``\\G`` and ``\\l`` even inside HTML labels; newlines become line
    breaks; other control characters, and code points XML forbids, are shown as ``\\xNN``
    or ``\\uNNNN``.

    >>> escape_label('a<b> & "c" {|}')
    'a&lt;b&gt; &amp; &quot;c&quot; {|}'
    >>> escape_label("one\\ntwo")
    'one<BR/>two'
    """
    visible = "".join(ch if ch == "\n" or _shows_as_itself(ch) else _code_point(ch) for ch in text)
    escaped = html.escape(visible.replace("\\", "\\\\"), quote=True)
    return escaped.replace("\r\n", "\n").replace("\n", "<BR/>")


def _code_point(ch: str) -> str:
    """``\\x07`` or ``\\ufffe``: a character that cannot be shown, written the way Python would."""
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _shows_as_itself(ch: str) -> bool:
    """False for control characters and for code points XML 1.0 forbids (surrogates, U+FFFE, U+FFFF)."""
    code = ord(ch)
    allowed_in_xml = 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    return allowed_in_xml and unicodedata.category(ch) != "Cc"


def short_number(x: float) -> str:
    """A number short enough for a graph label (4 significant digits, nan/inf spelled out).

    >>> short_number(0.0012345), short_number(-0.0), short_number(float("inf"))
    ('0.001234', '0', 'inf')
    """
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def _node_list(values: Any, what: str) -> list:
    if isinstance(values, Value) or isinstance(values, str):
        return [values]
    if isinstance(values, Iterable):
        return list(values)
    raise TypeError(f"{what} must be a Value, a name, or a list of them, got {type(values).__name__}")


def resolve_nodes(items: Any, order: list, names: Mapping, what: str = "highlight") -> set:
    """The graph nodes named by ``items``: a Value, a name from :func:`node_names`, or a list of them.

    A name given to several nodes selects them all; a Value outside ``order`` or an unknown
    name is a ValueError listing the names there are (``what`` names the option in messages).

    >>> from autograd_core import Value
    >>> x = Value(2.0, label="x")
    >>> order = topological_order(x * 3)
    >>> resolve_nodes("x", order, node_names(order)) == {x}
    True
    """
    items = _node_list(items, what)
    by_name: dict[str, list] = {}
    for node in order:
        by_name.setdefault(names[node], []).append(node)
    members = set(order)
    chosen = set()
    for item in items:
        if isinstance(item, Value):
            if item not in members:
                raise ValueError(f"{what}: {item!r} is not part of this graph")
            chosen.add(item)
        elif isinstance(item, str):
            if item not in by_name:
                known = ", ".join(sorted(by_name)) or "none"
                raise ValueError(f"{what}: no node named {item!r} in this graph (names: {known})")
            chosen.update(by_name[item])
        else:
            raise TypeError(f"{what} entries must be Values or names, got {type(item).__name__}")
    return chosen


def highlighted_nodes(order: list, sources: set) -> set:
    """The nodes on some path from a node in ``sources`` up to the root (the last of ``order``).

    These are the descendants of the sources that are also ancestors of the root; every
    node of ``order`` is an ancestor of the root, so one forward sweep finds them.
    """
    on_path = set()
    for node in order:
        if node in sources or any(parent in on_path for parent in node.parents):
            on_path.add(node)
    return on_path


def check_size(order: list, max_nodes: int) -> None:
    """The size guard of every drawing: a ValueError when ``order`` has more than ``max_nodes`` values.

    >>> check_size([Value(1.0)] * 3, 2)
    Traceback (most recent call last):
    ValueError: the graph has 3 values, more than max_nodes=2: ...
    """
    as_int(max_nodes, "max_nodes", minimum=1)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} values, more than max_nodes={max_nodes}: draw a smaller "
            f"sub-expression (a loss on one example, a single neuron), or pass max_nodes={len(order)} "
            "if you accept a slow layout and a large picture")


def _check_rankdir(rankdir: str) -> None:
    if rankdir != "auto" and rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be 'auto' or one of {', '.join(RANKDIRS)}, got {rankdir!r}")


def auto_rankdir(order: list) -> str:
    """``"LR"`` when the longest chain of values in ``order`` (a topological order) is at most
    :data:`AUTO_LR_MAX_DEPTH` long, else ``"TB"``: the layout ``rankdir="auto"`` chooses.

    >>> from autograd_core import Value, topological_order
    >>> x = Value(1.0)
    >>> auto_rankdir(topological_order(x * 2 + 1)), auto_rankdir(topological_order((x * 2 + 1).exp().tanh()))
    ('LR', 'TB')
    """
    depth: dict = {}
    for node in order:
        depth[node] = 1 + max((depth[parent] for parent in node.parents), default=0)
    return "LR" if max(depth.values(), default=0) <= AUTO_LR_MAX_DEPTH else "TB"


def _is_bad(node: Value, grad: float | None) -> bool:
    return not math.isfinite(node.data) or (grad is not None and not math.isfinite(grad))


_CONSTANT_TEXT = "constant"
"""What a constant's record shows where a value's gradient would be."""


def _grad_text(grad: float | None) -> str:
    return "grad ·" if grad is None else f"grad {short_number(grad)}"


def _record_label(name: str, data: float, grad_text: str, style: _Style, grad_width: int | None = None) -> str:
    """A value's record, name | data | grad; ``grad_width`` (points) fixes the grad cell's width
    (its text then starts at the left, so that "grad" stays put as the number changes)."""
    cells = [("", f"<B>{escape_label(name)}</B>"), ("", f"data {short_number(data)}"),
             ("" if grad_width is None else f' WIDTH="{grad_width}" ALIGN="LEFT"', grad_text)]
    row = "".join(f'<TD{width}><FONT COLOR="{style.text}">{cell}</FONT></TD>' for width, cell in cells)
    return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4" '
            f'COLOR="{style.colour}" BGCOLOR="{style.fill}"><TR>{row}</TR></TABLE>>')


def _op_text(node: Value) -> str:
    symbol, const = OPS[node.op].symbol, node.const
    return symbol if const is None else f"{symbol}{short_number(const)}"


class _Style:
    """How one node or edge looks: border/line colour, fill, text colour, line width."""

    __slots__ = ("colour", "fill", "text", "width")

    def __init__(self, colour: str = _INK, fill: str = "white", text: str = _INK, width: str = "1") -> None:
        self.colour, self.fill, self.text, self.width = colour, fill, text, width


def _node_style(node: Value, grad: float | None, on_path: set | None, state: str | None) -> _Style:
    """Colours for a value: red if NaN/inf; else highlight or greyed; else the flip-book state."""
    if _is_bad(node, grad):
        return _Style(_BAD, _BAD_FILL, _INK, "2")
    if on_path is not None:
        if node in on_path:
            return _Style(_HIGHLIGHT, _HIGHLIGHT_FILL, _INK, "2")
        return _Style(_GREY, "white", _GREY_TEXT)
    if state == "current":
        return _Style(_HIGHLIGHT, _HIGHLIGHT_FILL, _INK, "2")
    if state in ("done", "complete"):
        return _Style(_INK, _DONE_FILL)
    if state == "partial":
        return _Style(_INK, _PARTIAL_FILL)
    if state == "waiting":
        return _Style(_GREY, "white", _GREY_TEXT)
    return _Style(_INK, _LEAF_FILL if not node.op else "white")  # a constant, or no flip-book state


def fold_groups(order: list) -> list[tuple[str, list]]:
    """The groups of :func:`autograd_core.checks.names.node_groups` (a neuron's parameters and the
    values made from them), each with its members in ``order``'s order, listed by first member:
    a folded drawing draws group k as one box named ``g<k>``.

    >>> from autograd_core import Value
    >>> w, x = Value(0.5, label="n0.w"), Value(2.0, label="x")
    >>> [(name, len(members)) for name, members in fold_groups(topological_order((w * x).tanh() + 1.0))]
    [('n0', 3)]
    """
    members: dict[str, list] = {}
    for node, group in node_groups(order).items():
        members.setdefault(group, []).append(node)
    position = {node: i for i, node in enumerate(order)}
    for group_members in members.values():
        group_members.sort(key=position.__getitem__)
    return sorted(members.items(), key=lambda item: position[item[1][0]])


def group_handed_on(order: list, members: list) -> Value:
    """The value a group hands on (its last member used outside it, or the root): a folded
    box shows this value's data and gradient."""
    inside = set(members)
    root = order[-1]
    used_outside = {parent for node in order if node not in inside for parent in node.parents}
    handed_on = [node for node in members if node is root or node in used_outside]
    return handed_on[-1] if handed_on else members[-1]


def _group_partials(members: list, out: Value) -> dict:
    """∂out/∂p for each value p outside the group that a member reads, through the group's
    members only: the local derivative drawn on a folded box's incoming edge."""
    inside = set(members)
    adjoint = {node: 0.0 for node in members}
    adjoint[out] = 1.0
    outside: dict = {}
    for node in reversed(members):
        if not adjoint[node] or not node.parents:
            continue
        for parent, partial in zip(node.parents, local_partials(node), strict=True):
            target = adjoint if parent in inside else outside
            target[parent] = target.get(parent, 0.0) + adjoint[node] * float(partial)
    return outside


def _group_state(states: Mapping, members: list) -> str:
    """A folded group's flip-book state: current while any member passes its gradient on,
    done when all have, then complete, partial or waiting as its members are."""
    found = {states.get(node) for node in members}
    if "current" in found:
        return "current"
    if found <= {"done"}:
        return "done"
    if found <= {"done", "complete"}:
        return "complete"
    if found & {"done", "complete", "partial"}:
        return "partial"
    return "waiting"


def _chosen_groups(groups: list, chosen: Any, what: str) -> set:
    """The indices of ``groups`` named by ``chosen`` (True: all; None or False: none)."""
    if chosen is None or chosen is False:
        return set()
    if chosen is True:
        return set(range(len(groups)))
    if isinstance(chosen, str) or not isinstance(chosen, Iterable):
        raise TypeError(f"{what} must be True, False, None or a list of group names, got {chosen!r}")
    names = [name for name, _ in groups]
    picked = set()
    for name in chosen:
        if name not in names:
            raise ValueError(f"{what}: no group named {name!r} in this graph (groups: {', '.join(names) or 'none'})")
        picked.add(names.index(name))
    return picked


def _build(root: Value, *, grads: Mapping | None, highlight: Any, show_partials: bool, rankdir: str,
           max_nodes: int, states: Mapping | None = None, title: str | None = None,
           names: Mapping | None = None, fold: Any = None, outline: Any = None, constants: Any = None,
           widths: _FrameWidths | None = None) -> graphviz.Digraph:
    """The Digraph for ``root``; ``grads`` overrides ``node.grad`` (None in it means "not yet").

    A flip-book frame passes ``states`` (a legend goes under the title) and ``widths``, which
    fix the width of the title and of every grad cell so that all frames share one layout."""
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    _check_rankdir(rankdir)
    order = topological_order(root)
    check_size(order, max_nodes)
    if names is None:
        names = reader_names(order)
    elif not isinstance(names, Mapping):
        raise TypeError(f"names must be a mapping from Values to names, got {type(names).__name__}")
    index = {node: i for i, node in enumerate(order)}
    on_path = None
    if highlight is not None:
        on_path = highlighted_nodes(order, resolve_nodes(highlight, order, node_names(order)))
    constant = set() if constants is None else resolve_nodes(constants, order, node_names(order), "constants")
    groups = fold_groups(order) if (fold or outline) else []
    folded, outlined = _chosen_groups(groups, fold, "fold"), _chosen_groups(groups, outline, "outline")
    box_of = {node: k for k in folded for node in groups[k][1]}

    dot = graphviz.Digraph("autograd", format="svg")
    # Folded boxes of two layers are joined by every edge between them: more room between ranks.
    dot.attr(rankdir=auto_rankdir(order) if rankdir == "auto" else rankdir, nodesep="0.25",
             ranksep="0.8" if folded else "0.35")
    if title is not None:
        label = f"<B>{escape_label(title)}</B>"
        if states is not None:  # a flip-book frame: the title over a legend of its colours
            width = "" if widths is None else f' WIDTH="{widths.title}"'
            label = (f'<TABLE BORDER="0" CELLSPACING="0"><TR><TD{width}>{label}</TD></TR>'
                     f"<TR><TD>{_flip_book_legend(bool(constant))}</TD></TR></TABLE>")
        dot.attr(label=f"<{label}>", labelloc="t", fontname="Helvetica")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="10", arrowsize="0.6")

    def grad_of(node: Value) -> float | None:
        return grads.get(node) if grads is not None else node.grad

    def unit(node: Value) -> str:
        """The drawn node a value's out-edges leave from: its record, or its folded group's box."""
        return f"g{box_of[node]}" if node in box_of else f"n{index[node]}"

    clusters = {k: graphviz.Digraph(name=f"cluster_g{k}") for k in sorted(outlined - folded)}
    for k, cluster in clusters.items():
        cluster.attr(label=f"<<B>{escape_label(groups[k][0])}</B>>", style="rounded,dashed", color=_INK,
                     fontname="Helvetica", fontsize="12", fontcolor=_INK, labeljust="l")
    cluster_of = {node: clusters[k] for k in clusters for node in groups[k][1]}
    for node in order:
        if node in box_of:
            continue
        i = index[node]
        grad = grad_of(node)
        state = states.get(node) if states is not None else None
        style = _node_style(node, grad, on_path, state)
        graph = cluster_of.get(node, dot)
        grad_text = _CONSTANT_TEXT if node in constant else _grad_text(grad)
        grad_width = None if widths is None else widths.grads[node]
        graph.node(f"n{i}", _record_label(names[node], node.data, grad_text, style, grad_width),
                   shape="plain", color=style.colour)
        if not node.op:
            continue
        op_style = style if not _is_bad(node, grad) else _Style(_BAD, _BAD_FILL, _INK, "2")
        graph.node(f"n{i}op", f"<{escape_label(_op_text(node))}>", shape="circle", width="0.4",
                   fixedsize="false", margin="0.02", color=op_style.colour, fontcolor=op_style.text,
                   style="filled", fillcolor=op_style.fill, penwidth=op_style.width)
        flowed = states is not None and states.get(node) in ("done", "current")
        out_colour = _HIGHLIGHT if flowed else (_GREY if states is not None else op_style.colour)
        dot.edge(f"n{i}op", f"n{i}", color=out_colour, penwidth="2" if flowed else op_style.width)
        _input_edges(dot, node, i, unit, show_partials, on_path, states)
    for cluster in clusters.values():
        dot.subgraph(cluster)
    for k in sorted(folded):
        _folded_box(dot, k, groups[k], order, grad_of, unit, show_partials, on_path, states)
    _keep_layers_in_order(dot, groups, folded)
    return dot


def _keep_layers_in_order(dot: graphviz.Digraph, groups: list, folded: set) -> None:
    """Folded neurons of one layer (``layer1.neuron0``, ``layer1.neuron1``...: groups whose names
    differ only after the last dot) side by side in their own order, as a network is drawn."""
    layers: dict[str, list[int]] = {}
    for k in sorted(folded):
        layers.setdefault(groups[k][0].rpartition(".")[0], []).append(k)
    for layer, boxes in layers.items():
        if not layer or len(boxes) < 2:
            continue
        row = graphviz.Digraph()
        row.attr(rank="same")
        for left, right in zip(boxes, boxes[1:], strict=False):
            row.edge(f"g{left}", f"g{right}", style="invis")
        dot.subgraph(row)


def _folded_box(dot: graphviz.Digraph, k: int, group: tuple[str, list], order: list, grad_of: Any,
                unit: Any, show_partials: bool, on_path: set | None, states: Mapping | None) -> None:
    """Group k as one record (its name, the data and grad of the value it hands on, how many
    values it holds) and one edge from each value it reads, labelled ∂(that value)/∂input."""
    name, members = group
    out = group_handed_on(order, members)
    grad = grad_of(out)
    state = _group_state(states, members) if states is not None else None
    box_path = None if on_path is None else ({out} if on_path & set(members) else set())
    style = _node_style(out, grad, box_path, state)
    grad_text = _grad_text(grad)
    font = f'<FONT COLOR="{style.text}">'
    rows = (f'<TR><TD COLSPAN="2">{font}<B>{escape_label(name)}</B></FONT></TD></TR>'
            f'<TR><TD>{font}data {short_number(out.data)}</FONT></TD><TD>{font}{grad_text}</FONT></TD></TR>'
            f'<TR><TD COLSPAN="2">{font}{len(members)} values folded</FONT></TD></TR>')
    dot.node(f"g{k}", f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" '
                      f'COLOR="{style.colour}" BGCOLOR="{style.fill}">{rows}</TABLE>>',
             shape="plain", color=style.colour)
    flowed = states is not None and state in ("done", "current")
    for parent, partial in _group_partials(members, out).items():
        colour, width, text = _INK, "1", _INK
        if on_path is not None:
            if parent in on_path and box_path:
                colour, width = _HIGHLIGHT, "2"
            else:
                colour, text = _GREY, _GREY_TEXT
        elif states is not None:
            colour, width, text = (_HIGHLIGHT, "2", _INK) if flowed else (_GREY, "1", _GREY_TEXT)
        options = {"color": colour, "penwidth": width}
        source = unit(parent)
        if show_partials and not source.startswith("g"):  # between two boxes the labels would pile up
            options.update(label=f"<∂={escape_label(short_number(partial))}>", fontcolor=text)
        dot.edge(source, f"g{k}", **options)


def _input_edges(dot: graphviz.Digraph, node: Value, i: int, unit: Any, show_partials: bool,
                 on_path: set | None, states: Mapping | None) -> None:
    """One edge per input (``x * x`` has two), labelled with ∂node/∂input at the current point."""
    partials = local_partials(node) if show_partials else (None,) * len(node.parents)
    for parent, partial in zip(node.parents, partials, strict=True):
        colour, width, text = _INK, "1", _INK
        if on_path is not None:
            if parent in on_path and node in on_path:
                colour, width = _HIGHLIGHT, "2"
            else:
                colour, text = _GREY, _GREY_TEXT
        elif states is not None:
            if states.get(node) in ("done", "current"):
                colour, width = _HIGHLIGHT, "2"  # the gradient has already flowed down this edge
            else:
                colour, text = _GREY, _GREY_TEXT
        options = {"color": colour, "penwidth": width}
        if partial is not None:
            options.update(label=f"<∂={escape_label(short_number(float(partial)))}>", fontcolor=text)
        dot.edge(unit(parent), f"n{i}op", **options)


def draw_graph(root: Value, *, highlight: Any = None, show_partials: bool = True, rankdir: str = "auto",
               max_nodes: int = DEFAULT_MAX_NODES, grads: Mapping | None = None, names: Mapping | None = None,
               fold: Any = None, outline: Any = None, constants: Any = None) -> graphviz.Digraph:
    """The computation graph of ``root`` as a :class:`graphviz.Digraph` (shows inline in Jupyter).

    A record per value (name, data, grad), a node per op (its symbol from the op table),
    and on each input edge the local derivative ∂out/∂in at the current data.
    ``highlight`` takes one or more nodes (Values, or names as in
    :func:`autograd_core.node_names`): the paths that carry their gradient to ``root``
    are drawn in orange and everything else greyed. Values whose data or grad is NaN or
    infinite are red. A graph of more than ``max_nodes`` values raises ValueError.
    ``rankdir`` is ``"LR"``, ``"RL"``, ``"TB"``, ``"BT"`` or ``"auto"``: left to right
    for a shallow graph, top to bottom for one deeper than :data:`AUTO_LR_MAX_DEPTH`
    values, so that it stays readable on a screen.
    ``grads`` maps values to the gradient to show instead of their ``.grad`` (a value
    missing from it shows ``grad ·``).
    ``names`` maps values to the names their records show (default
    :func:`autograd_core.checks.names.reader_names`: a value's label, its role in an ``nn``
    model, or a short expression such as ``w5·a_h1``; pass :func:`autograd_core.node_names`
    for the unique ``mul6``-style names that ``highlight`` also accepts). ``fold`` draws groups of :func:`fold_groups` (the neurons of
    an ``nn`` model, found from their parameters' dotted labels) as one box each: True for
    all, or a list of group names; ``outline`` draws the listed groups inside a dashed frame.
    ``constants`` (values or names, as ``highlight``) are drawn as constants: their record
    says ``constant`` where a gradient would be (the flip-book and the explorer pass
    :func:`constant_leaves`).

    >>> from autograd_core import Value
    >>> w = Value(0.5, label="w")
    >>> loss = (w * 3.0 - 1.0) ** 2
    >>> loss.backward()
    >>> "grad 3" in draw_graph(loss, highlight=w).source
    True
    """
    if grads is not None and not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a mapping from Values to numbers, got {type(grads).__name__}")
    return _build(root, grads=grads, highlight=highlight, show_partials=show_partials, rankdir=rankdir,
                  max_nodes=max_nodes, names=names, fold=fold, outline=outline, constants=constants)


def _formats() -> set:
    return set(graphviz.FORMATS)


def _die_with_parent() -> None:
    """Run in the ``dot`` child before exec: Linux kills it if the Python that started it dies."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _kill_group(process: subprocess.Popen) -> None:
    """Kill ``dot`` and anything it started (it leads its own process group), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already gone
    process.wait()


def _run_dot(source: str, format: str, timeout: float) -> subprocess.CompletedProcess:
    """``dot -T<format>`` on ``source`` in its own process group, killed on timeout or interrupt."""
    process = subprocess.Popen(
        ["dot", f"-T{format}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, preexec_fn=_die_with_parent if _LIBC is not None else None)
    try:
        out, err = process.communicate(source.encode("utf-8"), timeout=timeout)
    except BaseException:  # the time limit, Ctrl-C, or anything else: dot must not outlive us
        _kill_group(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _pipe(dot: graphviz.Digraph, format: str, timeout: float | None = None, size: str = "this graph") -> bytes:
    """Run the real ``dot`` on the graph, at most ``timeout`` seconds, and return the picture's bytes."""
    timeout = DOT_TIMEOUT if timeout is None else _check_timeout(timeout)
    if shutil.which("dot") is None:
        raise DotNotFoundError(dot.source)
    try:
        result = _run_dot(dot.source, format, timeout)
    except FileNotFoundError:
        raise DotNotFoundError(dot.source) from None
    except subprocess.TimeoutExpired:
        raise TimeoutError(
            f"Graphviz's dot did not finish laying out {size} within {timeout:g} s and was stopped "
            "(its layout time can explode when one value feeds many levels): draw fewer nodes "
            "(a sub-expression, a single neuron) or allow more time (timeout=, or --timeout on the "
            "command line)") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise RuntimeError(f"Graphviz's dot failed: {message}")
    return result.stdout


def _check_timeout(timeout: Any) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _size_text(order: list) -> str:
    edges = sum(len(node.parents) for node in order)
    return f"a graph of {len(order)} values and {edges} edges"


def _check_format(format: str) -> None:
    if format not in _formats():
        raise ValueError(f"format must be one Graphviz knows (svg, png, pdf...), got {format!r}")


def render(root: Value, path: str | os.PathLike, format: str | None = None, *, timeout: float | None = None,
           **draw_options: Any) -> Path:
    """Draw ``root``'s graph with Graphviz's ``dot`` and write it to ``path`` atomically.

    The file's suffix decides the format (``graph.png`` is a PNG, ``graph.svg`` an SVG);
    ``format`` is needed only for a path without a suffix (default svg), and a
    ``format`` that disagrees with the suffix is a ValueError. ``draw_options`` are
    those of :func:`draw_graph`. Raises :class:`DotNotFoundError` (a FileNotFoundError
    saying how to install Graphviz, with the DOT text in ``.source``) when ``dot`` is
    not installed, and TimeoutError when ``dot`` runs longer than ``timeout`` seconds
    (default :data:`DOT_TIMEOUT`; ``dot`` is then killed). The file is written by
    :func:`autograd_core.helpers.files.write_atomically`. Returns the path written.
    """
    target = Path(path)
    format = _format_for(target, format)
    dot = draw_graph(root, **draw_options)
    write_atomically(target, _pipe(dot, format, timeout, _size_text(topological_order(root))))
    return target


def _format_for(target: Path, format: str | None) -> str:
    """The picture format of ``target``: its suffix's, which an explicit ``format`` must match."""
    suffix = target.suffix.lower().lstrip(".")
    if format is not None:
        _check_format(format)
        if suffix and suffix != format:
            raise ValueError(f"format={format!r} disagrees with the file name {target.name!r}: "
                             f"name the file .{format}, or drop format= to write {suffix}")
        return format
    if not suffix:
        return "svg"
    if suffix not in _formats():
        raise ValueError(f"cannot tell a picture format from the suffix of {target.name!r}: "
                         "use .svg, .png or .pdf (or another format Graphviz knows)")
    return suffix


def _swatch(fill: str, border: str, text: str, words: str) -> str:
    return f'<TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1"><FONT COLOR="{text}" POINT-SIZE="10">{words}</FONT></TD>'


# The flip-book's colours, explained under each frame's title.
def _flip_book_legend(with_constants: bool) -> str:
    constant = _swatch(_LEAF_FILL, _INK, _INK, "constant: needs no gradient") if with_constants else ""
    return ('<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="4" CELLPADDING="2"><TR>'
            + _swatch(_HIGHLIGHT_FILL, _HIGHLIGHT, _INK, "passing its gradient on now")
            + _swatch(_DONE_FILL, _INK, _INK, "gradient final")
            + _swatch(_PARTIAL_FILL, _INK, _INK, "part of its gradient")
            + _swatch("white", _GREY, _GREY_TEXT, "no gradient yet (grad ·)")
            + constant
            + f'<TD BORDER="0"><FONT COLOR="{_HIGHLIGHT}" POINT-SIZE="10">orange edge: gradient has flowed</FONT></TD>'
            + "</TR></TABLE>")


STATES = ("current", "done", "complete", "partial", "waiting", "constant")
"""A value's state at a step of :func:`replay_backward`, as the flip-book and the explorer colour it."""


def constant_leaves(order: Iterable[Value]) -> set:
    """The constants of a graph: its leaves without a label, unless none of its leaves has one.

    A number in an expression (the ½ of ``0.5 * (t - a) ** 2``, the 1 of ``x + 1``) becomes
    an unlabelled leaf; inputs and parameters are labelled (``nn`` labels every parameter).
    Nobody asks for a constant's gradient, as in PyTorch, where a constant does not require
    one: the flip-book and the explorer show it as ``constant``. A graph none of whose leaves
    is labelled (``Value(3.0) * Value(4.0)``) has no constants: every leaf is an input.

    >>> from autograd_core import Value, topological_order
    >>> x = Value(2.0, label="x")
    >>> sorted(node.data for node in constant_leaves(topological_order(0.5 * x + 1)))
    [0.5, 1.0]
    >>> constant_leaves(topological_order(Value(3.0) * Value(4.0)))
    set()
    """
    leaves = [node for node in order if not node.parents]
    if not any(node.label for node in leaves):
        return set()
    return {node for node in leaves if not node.label}


class BackwardStep(NamedTuple):
    """One step of the backward pass, as :func:`replay_backward` replays it."""

    node: Value
    """The op node that passes its gradient to its inputs at this step."""
    grads: dict
    """Every value's gradient so far: the sum of what it has received (None: nothing yet)."""
    states: dict
    """Every value's state (one of :data:`STATES`) after this step."""
    now_final: tuple
    """The values whose gradient became final at this step (constants left out), in input order."""


def replay_backward(order: list) -> list[BackwardStep]:
    """The backward pass replayed one op node at a time, as autograd-core's own pass runs it.

    One :class:`BackwardStep` per op node of ``order`` (a topological order), in the order
    :func:`autograd_core.backward_pass` visits them, with what that pass passes on (read by
    its observer): at step k the k-th op node passes its gradient to its inputs. A leaf has
    no step, since it passes nothing on: its gradient becomes final at the step of the last
    node that uses it. Each value's state after a step is "current" (the node passing its
    gradient on now), "done" (final and passed on), "complete" (final: every node using it
    has passed its share; for a leaf, for good), "partial" (received some but not all),
    "waiting" (nothing yet) or "constant" (one of :func:`constant_leaves`: never coloured
    by the pass, whose gradient nobody asks for). The user's ``.grad`` fields are never
    touched. Step k is the k-th picture of :func:`backward_frames` and step k of
    :func:`viz.explorer`; a graph without op nodes has no step.

    >>> from autograd_core import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> step = replay_backward(topological_order(y))[0]
    >>> step.node is y, step.grads[x], step.states[y], step.states[x], step.now_final == (x,)
    (True, 6.0, 'current', 'complete', True)
    """
    root = order[-1]
    constants = constant_leaves(order)
    visited: list = []  # the op nodes, in the pass's order, with what each of their inputs receives

    def watch(node: Value, g: Any, received: tuple) -> None:
        if node.parents:  # a leaf passes nothing on: it has no step
            visited.append((node, received))

    backward_pass(root, 1.0, observe=watch)
    grads: dict = {node: None for node in order}
    grads[root] = 1.0
    # How many input slots still owe each node a share of its gradient (x * x owes x two).
    owed: dict = {node: 0 for node in order}
    for node in order:
        for parent in node.parents:
            owed[parent] += 1
    passed_on: set = set()
    steps = []
    for node, received in visited:
        for parent, amount in zip(node.parents, received, strict=True):
            grads[parent] = (grads[parent] or 0.0) + float(amount)
            owed[parent] -= 1
        passed_on.add(node)
        now_final = tuple(dict.fromkeys(
            parent for parent in node.parents if owed[parent] == 0 and parent not in constants))
        states = {other: _state(other, node, passed_on, owed, grads, constants) for other in order}
        steps.append(BackwardStep(node, dict(grads), states, now_final))
    return steps


def _state(value: Value, current: Value, passed_on: set, owed: Mapping, grads: Mapping, constants: set) -> str:
    if value in constants:
        return "constant"
    if value is current:
        return "current"
    if value in passed_on:
        return "done"
    if owed[value] == 0:
        return "complete"
    return "partial" if grads[value] is not None else "waiting"


def step_title(number: int, step: BackwardStep, n_steps: int, names: Mapping) -> str:
    """The caption of step ``number`` of ``n_steps``, in ``names`` (the reader's names): which
    value passes its gradient on, and which inputs or parameters have their final gradient now.

    >>> from autograd_core import Value
    >>> w, x = Value(0.5, label="w"), Value(2.0, label="x")
    >>> order = topological_order(w * x)
    >>> step_title(1, replay_backward(order)[0], 1, reader_names(order))
    'backward step 1/1: w·x passes its gradient to its inputs; the gradients of w and x are now final'
    """
    title = f"backward step {number}/{n_steps}: {names[step.node]} passes its gradient to its inputs"
    leaves = [names[value] for value in step.now_final if not value.parents]
    if len(leaves) == 1:
        return f"{title}; {leaves[0]}'s gradient is now final"
    if leaves:
        listed = ", ".join(leaves[:-1]) + f" and {leaves[-1]}"
        return f"{title}; the gradients of {listed} are now final"
    return title


class _FrameWidths(NamedTuple):
    """Widths in points that every frame of a flip-book shares: its title's and each grad cell's."""

    title: int
    grads: dict


def _frame_widths(order: list, steps: list, titles: list, constants: set, timeout: float | None) -> _FrameWidths:
    """The widest title and, per value, the widest text its grad cell shows in any frame, as
    Graphviz measures them (one ``dot -Tjson`` run over one table per value): drawn at these
    widths, every frame has the same layout and size."""
    shown: dict = {node: {"grad ·"} for node in order}
    for step in steps:
        for node, grad in step.grads.items():
            if grad is not None:
                shown[node].add(_grad_text(grad))
    dot = graphviz.Digraph("widths")
    dot.attr("node", shape="plain", fontname="Helvetica")
    for i, node in enumerate(order):
        texts = [_CONSTANT_TEXT] if node in constants else sorted(shown[node])
        rows = "".join(f"<TR><TD>{text}</TD></TR>" for text in texts)
        dot.node(f"n{i}", f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">{rows}</TABLE>>',
                 fontsize="11")
    rows = "".join(f"<TR><TD><B>{escape_label(title)}</B></TD></TR>" for title in titles)
    dot.node("title", f'<<TABLE BORDER="0" CELLSPACING="0">{rows}</TABLE>>', fontsize="14")
    layout = json.loads(_pipe(dot, "json", timeout, f"the widths of {len(order)} values"))
    # Graphviz gives sizes in inches; one point more than measured leaves room for rounding.
    widths = {item["name"]: math.ceil(float(item["width"]) * 72) + 1 for item in layout.get("objects", [])}
    return _FrameWidths(widths["title"], {node: widths[f"n{i}"] for i, node in enumerate(order)})


def backward_frames(root: Value, out_dir: str | os.PathLike, *, format: str = "svg", rankdir: str = "auto",
                    show_partials: bool = True, max_nodes: int = DEFAULT_MAX_NODES,
                    timeout: float | None = None) -> list[Path]:
    """Backpropagation as a flip-book: one picture per step of backward, one step per op node.

    Step k is the k-th node of autograd-core's backward pass passing its gradient to its
    inputs (:func:`replay_backward`). Each picture shows the gradient filled so far in every
    value: the node passing its gradient on now (orange), the ones whose gradient is final
    (green: every node using them has passed its share back), the ones that have received
    only part of it (yellow) and the rest (grey, ``grad ·``). Orange edges are those the
    gradient has already flowed down. A leaf has no step of its own: it turns green in the
    frame in which its last user passes its gradient on, and the title says so. Constants
    (:func:`constant_leaves`, such as the ½ of ½(t − a)²) say ``constant`` and are never
    coloured. Values are named as a reader knows them
    (:func:`autograd_core.checks.names.reader_names`), and every frame has the same size:
    each grad cell and the title are drawn as wide as their widest text in any frame.
    Each frame's title carries a legend of the colours. The ``.grad`` fields of the graph
    are left untouched. Files are ``step_001.svg``, ``step_002.svg``... in ``out_dir``
    (created if missing); returns their paths (none for a graph without an op). ``timeout``
    bounds each ``dot`` run as in :func:`render`.
    """
    _check_format(format)
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    _check_rankdir(rankdir)
    order = topological_order(root)
    check_size(order, max_nodes)
    names = reader_names(order)
    constants = constant_leaves(order)
    steps = replay_backward(order)
    titles = [step_title(number, step, len(steps), names) for number, step in enumerate(steps, start=1)]
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    if not steps:
        return []
    widths = _frame_widths(order, steps, titles, constants, timeout)
    digits = max(3, len(str(len(steps))))
    paths = []
    for number, (step, title) in enumerate(zip(steps, titles, strict=True), start=1):
        dot = _build(root, grads=step.grads, highlight=None, show_partials=show_partials, rankdir=rankdir,
                     max_nodes=max_nodes, states=step.states, title=title, names=names, constants=constants,
                     widths=widths)
        target = directory / f"step_{number:0{digits}d}.{format}"
        write_atomically(target, _pipe(dot, format, timeout, _size_text(order)))
        paths.append(target)
    return paths
