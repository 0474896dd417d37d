"""The article's network and a textbook walkthrough of one step of backpropagation.

The network: inputs x1, x2; two hidden layers of two sigmoid nodes; one sigmoid
output; one bias per node. Weights and biases use the article's numbering:

==========  ================================  ==========
parameter   connects                          into node
==========  ================================  ==========
w1, w2      x1, x2                            hidden-1 node 1 (bias b1)
w3, w4      x1, x2                            hidden-1 node 2 (bias b2)
w5, w6      hidden-1 nodes 1, 2               hidden-2 node 1 (bias b3)
w7, w8      hidden-1 nodes 1, 2               hidden-2 node 2 (bias b4)
w9, w10     hidden-2 nodes 1, 2               output (bias b5)
==========  ================================  ==========

Node names (the labels of the forward graph, so ``autograd_core.explain`` and the
graph drawer show them): ``z_h1_1`` is the weighted sum into hidden-1 node 1 and
``a_h1_1 = σ(z_h1_1)`` its activation; likewise ``z_h1_2``/``a_h1_2``,
``z_h2_1``/``a_h2_1``, ``z_h2_2``/``a_h2_2``, and ``z_o``/``a_o`` for the output.
``t`` is the target and ``E = ½(t − a_o)²`` the loss.

The default inputs, target and weights below are OUR ILLUSTRATIVE VALUES, picked
to give readable numbers; they are not taken from any published article. Every
one of them can be overridden.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_core import Value
from autograd_core.helpers.display import html_table
from autograd_core.helpers.files import read_json

from .chain import Factor, TextbookPath, bracket_negative, fmt, fmt_computed, textbook_paths
from .losses import squared_error
from .module import MLP, Module, check_state, state_document

__all__ = ["DEFAULT_INPUTS", "DEFAULT_TARGET", "DEFAULT_WEIGHTS", "DEFAULT_LR", "PARAMETER_NAMES",
           "ArticleNetwork", "ArticleNeuron", "article_network", "load_weights", "walkthrough", "Walkthrough",
           "ForwardLine", "Gradient", "Update"]

#: Our illustrative inputs (x1, x2).
DEFAULT_INPUTS: tuple[float, float] = (0.8, 0.3)
#: Our illustrative target for the output.
DEFAULT_TARGET: float = 0.2
#: Our illustrative starting weights and biases, in the article's numbering.
DEFAULT_WEIGHTS: dict[str, float] = {
    "w1": 0.42, "w2": -0.37, "w3": 0.28, "w4": 0.56,
    "w5": -0.61, "w6": 0.47, "w7": 0.33, "w8": -0.18,
    "w9": 0.74, "w10": -0.52,
    "b1": 0.15, "b2": -0.22, "b3": 0.09, "b4": 0.25, "b5": 0.11,
}
#: The learning rate of the walkthrough's gradient-descent step.
DEFAULT_LR: float = 0.5


@dataclass(frozen=True)
class _Node:
    name: str  # h1_1, ..., o
    title: str
    weights: tuple[str, str]
    bias: str
    sources: tuple[str, str]  # names of the two values feeding the node


_NODES = (
    _Node("h1_1", "hidden layer 1, node 1", ("w1", "w2"), "b1", ("x1", "x2")),
    _Node("h1_2", "hidden layer 1, node 2", ("w3", "w4"), "b2", ("x1", "x2")),
    _Node("h2_1", "hidden layer 2, node 1", ("w5", "w6"), "b3", ("a_h1_1", "a_h1_2")),
    _Node("h2_2", "hidden layer 2, node 2", ("w7", "w8"), "b4", ("a_h1_1", "a_h1_2")),
    _Node("o", "output node", ("w9", "w10"), "b5", ("a_h2_1", "a_h2_2")),
)

#: Parameter names in parameter order: node by node, weights then bias.
PARAMETER_NAMES: tuple[str, ...] = tuple(
    name for node in _NODES for name in (*node.weights, node.bias))

# The order a textbook derives the gradients in: output layer first, then backwards.
_BACKWARD_ORDER = ("w9", "w10", "b5", "w5", "w6", "b3", "w7", "w8", "b4",
                   "w1", "w2", "b1", "w3", "w4", "b2")

# The named nodes from the loss back to the first hidden layer: the local derivatives are
# listed in this order of their upper node (∂z_o/∂… together, then hidden layer 2, ...).
_OUTPUT_FIRST = ("E", "a_o", "z_o", "a_h2_1", "z_h2_1", "a_h2_2", "z_h2_2",
                 "a_h1_1", "z_h1_1", "a_h1_2", "z_h1_2")


def _check_inputs(inputs: Any) -> list:
    """The two inputs: Values pass through (so a compiler can trace the network), numbers are checked."""
    if not isinstance(inputs, Sequence) or isinstance(inputs, str) or len(inputs) != 2:
        raise ValueError(f"the article's network takes 2 inputs, got {inputs!r}")
    numbers = {f"x{i}": x for i, x in enumerate(inputs, start=1) if not isinstance(x, Value)}
    checked = check_state(numbers, list(numbers))
    return [x if isinstance(x, Value) else checked[f"x{i}"] for i, x in enumerate(inputs, start=1)]


def _check_target(target: Any) -> float:
    return check_state({"target": target}, ["target"])["target"]


@dataclass(frozen=True)
class ArticleNeuron:
    """One node's parameters: ``w`` (its two incoming weights) and ``b``."""

    name: str
    w: list
    b: Value


class ArticleNetwork(Module):
    """The 2-2-2-1 sigmoid network with the article's parameter names (see the module doc).

    >>> net = article_network()
    >>> [name for name, _ in net.named_parameters()][:6]
    ['w1', 'w2', 'b1', 'w3', 'w4', 'b2']
    >>> round(net(DEFAULT_INPUTS).data, 9)
    0.54294423
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        values = dict(DEFAULT_WEIGHTS)
        if weights is not None:
            if not isinstance(weights, Mapping):
                raise TypeError(f"weights must be a mapping name -> number, got {type(weights).__name__}")
            unknown = [name for name in weights if name not in DEFAULT_WEIGHTS]
            if unknown:
                raise ValueError(f"{_few(unknown)} {'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
                                 f"of the article's network, whose parameters are w1..w10 and b1..b5")
            values.update(check_state(weights, list(weights)))
        self.params = {name: Value(values[name], label=name) for name in PARAMETER_NAMES}
        # The same parameters grouped by node, shaped like nn.Neuron (``w`` list, ``b``) so
        # code that walks an MLP's ``neurons`` (e.g. viz's filter-normalised landscapes) works.
        self.neurons = [ArticleNeuron(node.name, [self.params[w] for w in node.weights],
                                      self.params[node.bias]) for node in _NODES]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """w1, w2, b1, w3, w4, b2, ..., w9, w10, b5 (node by node, weights then bias)."""
        return [(name, self.params[name]) for name in PARAMETER_NAMES]

    def forward(self, inputs: Sequence[Any]) -> dict[str, Value]:
        """Every named node of the forward graph: x1, x2, z_h1_1, a_h1_1, ..., z_o, a_o."""
        nodes: dict[str, Value] = {}
        for index, x in enumerate(inputs, start=1):
            nodes[f"x{index}"] = x if isinstance(x, Value) else Value(float(x), label=f"x{index}")
        for node in _NODES:
            (w_a, w_b), bias = (self.params[w] for w in node.weights), self.params[node.bias]
            z = w_a * nodes[node.sources[0]] + w_b * nodes[node.sources[1]] + bias
            z.label = f"z_{node.name}"
            a = z.sigmoid()
            a.label = f"a_{node.name}"
            nodes[z.label], nodes[a.label] = z, a
        return nodes

    def __call__(self, xs: Any) -> Value:
        return self.forward(_check_inputs(xs))["a_o"]

    def loss(self, inputs: Sequence[float] = DEFAULT_INPUTS,
             target: float = DEFAULT_TARGET) -> tuple[Value, dict[str, Value]]:
        """(E, named nodes) for one example; E = ½(t − a_o)² with t a leaf labelled ``t``."""
        nodes = self.forward(_check_inputs(inputs))
        t = target if isinstance(target, Value) else Value(_check_target(target), label="t")
        loss = squared_error(nodes["a_o"], t)
        loss.label = "E"
        nodes["t"], nodes["E"] = t, loss
        return loss, nodes


def article_network(weights: Mapping[str, float] | None = None) -> ArticleNetwork:
    """The article's network with :data:`DEFAULT_WEIGHTS`, any of them replaced by ``weights``."""
    return ArticleNetwork(weights)


def _few(names: Sequence[str], shown: int = 3) -> str:
    """``'a', 'b', 'c' and 4 more``: a few names of a long list."""
    listed = ", ".join(repr(name) for name in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _mlp_names() -> list[str]:
    """The parameter names of ``MLP(2, [2, 2, 1])``, the article's shape, in parameter order (which
    is the article's order: node by node, weights then bias)."""
    return [name for name, _ in MLP(2, [2, 2, 1]).named_parameters()]


def _article_names(parameters: dict[str, float], shown: str) -> dict[str, float]:
    """A state file's parameters under the article's names: its own (w1..b5), or those of an
    ``MLP(2, [2, 2, 1])`` (``layer0.neuron0.w0`` is w1, ..., ``layer2.neuron0.b`` is b5)."""
    mlp_names = _mlp_names()
    if set(parameters) == set(mlp_names):
        return {article: parameters[mlp] for mlp, article in zip(mlp_names, PARAMETER_NAMES, strict=True)}
    if set(parameters) <= set(PARAMETER_NAMES):
        return parameters
    raise ValueError(f"{shown} holds the parameters of another model ({len(parameters)} of them, e.g. "
                     f"{_few(sorted(parameters))}); the article's network takes those of "
                     f"MLP(2, [2, 2, 1]) or w1..w10, b1..b5")


def load_weights(path: str | os.PathLike) -> dict[str, float]:
    """Weights from a JSON file: a file written by ``Module.save`` (of the article's network, or
    of an ``MLP(2, [2, 2, 1])``, whose parameters map onto w1..b5 in order) or a plain object
    such as ``{"w1": 0.1, "b5": -0.2}`` (names not given keep their defaults)."""
    document = read_json(path)
    if isinstance(document, dict) and "format" in document:
        return _article_names(state_document(document, os.fspath(path))[1], os.fspath(path))
    if not isinstance(document, dict):
        raise ValueError(f"{os.fspath(path)} must hold a JSON object of name -> number")
    try:
        return check_state(document, list(document))
    except (TypeError, ValueError) as error:
        raise type(error)(f"{os.fspath(path)}: {error}") from None


# --- the walkthrough record ---------------------------------------------------------------

@dataclass(frozen=True)
class ForwardLine:
    """One line of the forward pass: ``z_h1_1 = w1·x1 + w2·x2 + b1 = 0.15 × 0.05 + ... = 0.3775``."""

    node: str
    formula: str
    substituted: str
    value: float

    def __str__(self) -> str:
        return f"{self.node} = {self.formula} = {self.substituted} = {fmt_computed(self.value)}"


@dataclass(frozen=True)
class Gradient:
    """∂E/∂p as the sum over chain-rule paths of products of textbook factors."""

    parameter: str
    paths: tuple[TextbookPath, ...]
    total: float  # the sum of the path products
    backward: float  # what the backward pass computed, for comparison

    def lines(self) -> list[str]:
        """The gradient written out: symbols, numbers, then the value."""
        head = f"∂E/∂{self.parameter}"
        pad = " " * len(head)
        lines = []
        for index, path in enumerate(self.paths):
            lines.append(f"{head if index == 0 else pad} {'=' if index == 0 else '+'} {path.symbols()}")
        for index, path in enumerate(self.paths):
            lines.append(f"{pad} {'=' if index == 0 else '+'} {path.numbers()}")
        if len(self.paths) > 1:
            terms = [fmt_computed(path.product) for path in self.paths]
            lines.append(f"{pad} = " + " + ".join([terms[0]] + [bracket_negative(t) for t in terms[1:]]))
        lines.append(f"{pad} = {fmt_computed(self.total)}    (backward pass: {fmt_computed(self.backward)})")
        return lines


@dataclass(frozen=True)
class Update:
    """One gradient-descent update p ← p − η·∂E/∂p."""

    parameter: str
    old: float
    gradient: float
    lr: float
    new: float

    def __str__(self) -> str:
        return (f"{self.parameter:>3} = {fmt(self.old)} − {fmt(self.lr)} × ({fmt_computed(self.gradient)}) "
                f"= {fmt_computed(self.new)}")


@dataclass(frozen=True)
class Walkthrough:
    """Everything one step of backpropagation on the article's network computes.

    ``str(walkthrough)`` (or :meth:`render`) prints it like a textbook.
    """

    inputs: tuple[float, float]
    target: float
    weights: dict[str, float]
    illustrative: bool  # True when the inputs, target and weights are all our defaults
    forward: tuple[ForwardLine, ...]
    output: float
    loss_line: ForwardLine
    loss: float
    local_derivatives: tuple[Factor, ...]
    gradients: tuple[Gradient, ...]
    lr: float
    updates: tuple[Update, ...]
    new_output: float
    new_loss: float

    def gradient(self, parameter: str) -> Gradient:
        """The :class:`Gradient` record of one parameter."""
        for item in self.gradients:
            if item.parameter == parameter:
                return item
        raise KeyError(parameter)

    def render(self) -> str:
        """The walkthrough as text."""
        return "\n".join(_render(self))

    __str__ = render

    def __repr__(self) -> str:
        return (f"Walkthrough(E = {fmt_computed(self.loss)} → {fmt_computed(self.new_loss)} after one step "
                f"at lr {fmt(self.lr)}; {len(self.gradients)} gradients; print() shows every step)")

    def _repr_html_(self) -> str:
        """The gradients and the update as a table (Jupyter shows it); ``print()`` gives every step."""
        updates = {update.parameter: update for update in self.updates}
        rows = [[g.parameter, len(g.paths), fmt_computed(g.total), fmt_computed(g.backward),
                 fmt(updates[g.parameter].old), fmt_computed(updates[g.parameter].new)] for g in self.gradients]
        caption = (f"one step of backpropagation: E = {fmt_computed(self.loss)} → {fmt_computed(self.new_loss)} "
                   f"at lr {fmt(self.lr)}")
        return html_table(["p", "paths", "∂E/∂p (sum of path products)", "backward pass", "p before",
                           "p after"], rows, caption)


def _number(node: Value) -> str:
    """A node's value inside a formula: given leaves short, computed values to 9 digits, negatives bracketed."""
    return bracket_negative(fmt(node.data) if node.op == "" else fmt_computed(node.data))


def _forward_lines(nodes: dict[str, Value], params: dict[str, Value]) -> list[ForwardLine]:
    lines = []
    for node in _NODES:
        (w_a, w_b), (s_a, s_b) = node.weights, node.sources
        formula = f"{w_a}·{s_a} + {w_b}·{s_b} + {node.bias}"
        numbers = (f"{_number(params[w_a])} × {_number(nodes[s_a])} + {_number(params[w_b])} × "
                   f"{_number(nodes[s_b])} + {_number(params[node.bias])}")
        z, a = nodes[f"z_{node.name}"], nodes[f"a_{node.name}"]
        lines.append(ForwardLine(z.label, formula, numbers, z.data))
        lines.append(ForwardLine(a.label, f"σ({z.label}) = 1/(1 + e^−{z.label})",
                                 f"1/(1 + e^−{_number(z)})", a.data))
    return lines


def walkthrough(inputs: Sequence[float] = DEFAULT_INPUTS, target: float = DEFAULT_TARGET,
                weights: Mapping[str, float] | None = None, lr: float = DEFAULT_LR) -> Walkthrough:
    """Forward pass, loss, the 15 gradients by the chain rule, one descent step, the new loss.

    Each gradient is built from :func:`autograd_core.explain`: its paths, merged
    into one factor per pair of named nodes (∂E/∂a_o · ∂a_o/∂z_o · ∂z_o/∂w9).

    >>> record = walkthrough()
    >>> len(record.gradients), len(record.gradient("w1").paths)
    (15, 2)
    >>> record.new_loss < record.loss
    True
    """
    x1, x2 = _check_inputs(inputs)
    if isinstance(x1, Value) or isinstance(x2, Value):
        raise TypeError("walkthrough takes numbers for the inputs, not Values")
    inputs = (x1, x2)
    target = _check_target(target)
    lr = check_state({"lr": lr}, ["lr"])["lr"]
    if lr <= 0:
        raise ValueError(f"the learning rate must be > 0, got {lr}")
    net = article_network(weights)
    params = net.params
    loss, nodes = net.loss(inputs, target)
    a_o = nodes["a_o"]
    loss_line = ForwardLine("E", "½(t − a_o)²", f"½ × ({fmt(target)} − {_number(a_o)})²", loss.data)

    gradients = []
    local: dict[str, Factor] = {}
    for name in _BACKWARD_ORDER:
        paths, backward = textbook_paths(loss, params[name])
        for path in paths:
            for factor in path.factors:
                local.setdefault(factor.symbol, factor)
        gradients.append(Gradient(name, tuple(paths), sum(p.product for p in paths), backward))

    by_name = {g.parameter: g.backward for g in gradients}
    updates = tuple(Update(name, params[name].data, by_name[name], lr, params[name].data - lr * by_name[name])
                    for name in PARAMETER_NAMES)
    new_net = article_network({u.parameter: u.new for u in updates})
    new_loss, new_nodes = new_net.loss(inputs, target)
    start = {name: p.data for name, p in params.items()}
    return Walkthrough(
        inputs=inputs, target=target, weights=start,
        illustrative=(inputs == DEFAULT_INPUTS and target == DEFAULT_TARGET and start == DEFAULT_WEIGHTS),
        forward=tuple(_forward_lines(nodes, params)), output=a_o.data, loss_line=loss_line,
        loss=loss.data, gradients=tuple(gradients),
        local_derivatives=tuple(sorted(local.values(), key=lambda f: _OUTPUT_FIRST.index(f.child))),
        lr=lr, updates=updates, new_output=new_nodes["a_o"].data, new_loss=new_loss.data)


# --- rendering ----------------------------------------------------------------------------

def _rule(title: str) -> list[str]:
    return ["", title, "─" * len(title)]


def _render(record: Walkthrough) -> list[str]:
    lines = ["Backpropagation, step by step: the article's 2-2-2-1 sigmoid network"]
    if record.illustrative:
        lines.append("(inputs, target and starting weights are our own illustrative values, "
                     "not taken from any published article)")
    else:
        lines.append("(inputs, target or weights given by you)")
    lines.append("Names: z = weighted sum into a node, a = σ(z) its output; h1_1 = hidden layer 1 node 1, "
                 "…, o = output; t = target; E = loss.")
    lines += _rule("Inputs, target and starting weights")
    lines.append(f"x1 = {fmt(record.inputs[0])}, x2 = {fmt(record.inputs[1])}, t = {fmt(record.target)}")
    for node in _NODES:
        (w_a, w_b), bias = node.weights, node.bias
        lines.append(f"{node.title:<23} {w_a} = {fmt(record.weights[w_a])}, {w_b} = "
                     f"{fmt(record.weights[w_b])}, {bias} = {fmt(record.weights[bias])}")

    lines += _rule("1. Forward pass, node by node")
    for index, line in enumerate(record.forward):
        lines.append(str(line))
        if index % 2 == 1:
            lines.append("")
    lines.append(str(record.loss_line))

    lines += _rule("2. Local derivatives (each factor of the chain rule, from the op table)")
    for factor in record.local_derivatives:
        lines.append(factor.line())

    lines += _rule("3. The 15 gradients: ∂E/∂p = sum over paths of the product of local derivatives")
    for gradient in record.gradients:
        lines += gradient.lines()
        lines.append("")
    lines.pop()

    lines += _rule(f"4. One gradient-descent step, p ← p − η·∂E/∂p with η = {fmt(record.lr)}")
    lines += [str(update) for update in record.updates]

    lines += _rule("5. Forward pass again with the new weights")
    change = record.new_loss - record.loss
    lines.append(f"a_o = {fmt_computed(record.new_output)}   (was {fmt_computed(record.output)}, "
                 f"target {fmt(record.target)})")
    percent = fmt(float(f"{100 * change / record.loss:.3g}"))
    lines.append(f"E   = {fmt_computed(record.new_loss)}   (was {fmt_computed(record.loss)}; "
                 f"change {fmt_computed(change)}, {percent}%)")
    return lines
