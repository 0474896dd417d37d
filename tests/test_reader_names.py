"""The chain-rule views speak in the reader's names: labels, a neuron's z and a, short expressions.

No view may show a counter of :func:`autograd_core.node_names` (``mul29``, ``pow_const45``,
``c0``): checked by a regular expression over explain's text and HTML and over the explorer
page's data, for the article's network, random graphs and a 2-8-8-1 MLP.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given

from autograd_core import OPS, Value, explain, node_names, topological_order
from autograd_core.checks.names import MAX_NAME_LENGTH, OUTPUT_NAME, node_groups, reader_names
from autograd_core.testing import expression_dags
from nn import MLP
from nn.article import DEFAULT_INPUTS, DEFAULT_TARGET, article_network
from nn.losses import squared_error

# A name node_names makes up: c<k> for a leaf, <op><k> for an op result.
# A counter is an op's name and a number (an underscore between when the name ends in a digit,
# exp2_7); an op whose name ends in a digit called on something (exp2(x)) is not one.
COUNTER = re.compile(r"(?<![\w.])(?:c|" + "|".join(sorted(OPS, key=len, reverse=True)) + r")_?\d+(?![\w.(])")


def _article():
    model = article_network()
    loss, nodes = model.loss(DEFAULT_INPUTS, DEFAULT_TARGET)
    return model, loss, nodes


def _mlp_loss():
    model = MLP(2, [8, 8, 1], seed=3)
    return model, squared_error(model([0.5, -0.2]), 0.3)


def test_the_counter_pattern_finds_node_names_counters():
    """The check itself: it finds what node_names makes up and passes labels such as w1 or x2."""
    _, loss, _ = _article()
    made_up = [name for node, name in node_names(topological_order(loss)).items() if not node.label]
    assert made_up and all(COUNTER.fullmatch(name) for name in made_up)
    assert not COUNTER.search("∂E/∂w1 · ∂z_h1_1/∂x2 · layer0.neuron3.w1 · b5 · (t − a_o)²")


def test_article_explanations_name_every_factor_as_the_textbook_does():
    model, loss, _ = _article()
    for name, parameter in model.named_parameters():
        explanation = explain(loss, parameter)
        for text in (str(explanation), explanation._repr_html_(), repr(explanation)):
            assert not COUNTER.search(text), (name, COUNTER.search(text).group())
    w1 = explain(loss, model.params["w1"])
    # 15 edges a path, of which the six ones of the sums fold: nine factors, named as in the walkthrough.
    assert [len(path.edges) for path in w1.paths] == [15, 15]
    assert [factor.symbol for factor in w1.paths[0].factors] == [
        "∂E/∂(t − a_o)²", "∂(t − a_o)²/∂(t − a_o)", "∂(t − a_o)/∂a_o", "∂a_o/∂z_o", "∂z_o/∂a_h2_1",
        "∂a_h2_1/∂z_h2_1", "∂z_h2_1/∂a_h1_1", "∂a_h1_1/∂z_h1_1", "∂z_h1_1/∂w1"]
    assert [path.folded for path in w1.paths] == [6, 6]
    assert "6 factors equal to 1 folded into the next factor on each path" in str(w1)
    assert "6 factors equal to 1" in w1._repr_html_()
    # A folded factor is the product of its edges: ∂z_o/∂a_h2_1 is w9.
    assert w1.paths[0].factors[4].partial == model.params["w9"].data
    # ∂z_o/∂b5 = 1 stays: its lower end is a named value, as the textbook writes it.
    b5 = explain(loss, model.params["b5"])
    assert [factor.symbol for factor in b5.paths[0].factors][-1] == "∂z_o/∂b5"
    assert b5.paths[0].factors[-1].partial == 1.0 and b5.folded_note == ""


def test_unfolded_explanations_list_every_edge():
    model, loss, _ = _article()
    w1 = explain(loss, model.params["w1"], fold_ones=False)
    assert [len(path.factors) for path in w1.paths] == [15, 15]
    assert sum(factor.partial == 1.0 for factor in w1.paths[0].factors) == 6
    assert w1.folded_note == "" and not COUNTER.search(str(w1))
    with pytest.raises(TypeError, match="fold_ones"):
        explain(loss, model.params["w1"], fold_ones="no")


def test_two_routes_with_the_same_ends_say_which_is_which():
    x = Value(2.0, label="x")
    explanation = explain(x * 2.0 + x * 3.0, x)
    assert [path.factors[0].symbol for path in explanation.paths] == [
        "∂(x·2 + x·3)/∂x (via x·2)", "∂(x·2 + x·3)/∂x (via x·3)"]
    assert [path.product for path in explanation.paths] == [2.0, 3.0]


@given(expression_dags(n_inputs=(1, 3), max_ops=10))
def test_random_graphs_show_no_counter(expr):
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr(*xs)
    names = reader_names(topological_order(out))
    for node, name in names.items():
        assert not COUNTER.search(name), name
        assert len(name) <= max(MAX_NAME_LENGTH, len(node.label)), name
    for x in xs:
        explanation = explain(out, x, max_paths=10**6)
        assert not COUNTER.search(str(explanation))
        assert not COUNTER.search(explanation._repr_html_())


def test_mlp_neurons_are_named_by_their_z_and_a():
    model, loss = _mlp_loss()
    order = topological_order(loss)
    names = reader_names(order)
    groups = node_groups(order)
    assert sorted(set(groups.values())) == sorted(
        f"layer{k}.neuron{j}" for k, width in enumerate([8, 8, 1]) for j in range(width))
    y = loss.parents[1].parents[0].parents[1]  # E = 0.5·(t − y)²
    assert names[y] == "layer2.neuron0.a" and names[y.parents[0]] == "layer2.neuron0.z"
    assert y.op == "tanh" and y.parents[0].op == "add"
    assert names[loss] == "0.5·(0.3 − layer2.neuron0.a)²"
    assert all(not COUNTER.search(name) and len(name) <= MAX_NAME_LENGTH for name in names.values())
    # Every neuron's value and sum: one a and one z per neuron, 17 neurons.
    assert sum(bool(re.fullmatch(r"layer\d\.neuron\d\.a", name)) for name in names.values()) == 17
    assert sum(bool(re.fullmatch(r"layer\d\.neuron\d\.z", name)) for name in names.values()) == 17
    w = model.layers[0].neurons[0].w[0]
    explanation = explain(loss, w)
    assert len(explanation.paths) == 8 and not COUNTER.search(str(explanation))
    assert explanation.paths[0].factors[-1].symbol == "∂layer0.neuron0.z/∂layer0.neuron0.w0"
    assert math.isclose(explanation.total, explanation.gradient, rel_tol=1e-9)


def test_the_loss_is_in_no_group():
    _, loss = _mlp_loss()
    groups = node_groups(topological_order(loss))
    assert loss not in groups and loss.parents[1] not in groups


def test_an_unlabelled_root_is_its_expression_or_the_output():
    x = Value(3.0, label="x")
    assert explain(x * x, x).output_name == "x·x"
    assert explain(x * x, x).heading == "∂(x·x)/∂x"
    deep = x
    for _ in range(8):
        deep = (deep * 1.5 + 0.25).tanh()
    explanation = explain(deep, x)
    assert explanation.output_name == OUTPUT_NAME and explanation.heading == "∂(the output)/∂x"
    # The inner nodes say "…" for what does not fit, but never a counter.
    names = reader_names(topological_order(deep))
    assert all(len(name) <= MAX_NAME_LENGTH and not COUNTER.search(name) for name in names.values())
    assert any("…" in name for name in names.values())


def test_unlabelled_leaves_are_their_numbers_and_labels_win():
    x = Value(2.0, label="x")
    y = (x - 1.5) * -2.0
    names = reader_names(topological_order(y))
    assert [names[node] for node in topological_order(y)] == ["x", "1.5", "x − 1.5", "−2", "(x − 1.5)·(−2)"]
    y.label = "y"
    assert reader_names(topological_order(y))[y] == "y"


def test_the_explorer_page_data_shows_no_counter(tmp_path):
    pytest.importorskip("graphviz")
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    import viz

    _, loss, _ = _article()
    _, mlp_loss = _mlp_loss()
    xs = [Value(0.3, label="p"), Value(-1.2, label="q")]
    random_like = ((xs[0] * xs[1]).exp() - xs[0] / (xs[1] ** 2 + 1.0)).sin() * xs[0]
    for root in (loss, mlp_loss, random_like):
        page = viz.explorer(root)
        data = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                         page.html, re.S).group(1)
        decoded = json.dumps(json.loads(data), ensure_ascii=False)
        found = COUNTER.search(decoded)
        assert found is None, found.group()
        title = re.search(r"<title>(.*?)</title>", page.html).group(1)
        assert not COUNTER.search(title), title
    untitled = viz.explorer(random_like)
    assert "<title>Backpropagation through " in untitled.html
