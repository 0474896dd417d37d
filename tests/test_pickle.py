"""pickle and copy.deepcopy of graphs, models and compiled steps.

The truth is the original: a copy must hold the same data, the same structure (ops,
order of parents, shared nodes, constants, labels) and give the same gradients when
backward runs on it, to the last bit, while the original stays untouched.
"""

from __future__ import annotations

import copy
import pickle
import sys

import pytest
from hypothesis import given

from autograd_core import OPS, CompiledForward, Value, compile, topological_order
from autograd_core.engine.ops import op_named
from autograd_core.testing import expression_dags
from nn import MLP, SGD, data, losses

ROUND_TRIPS = {"pickle": lambda obj: pickle.loads(pickle.dumps(obj)), "deepcopy": copy.deepcopy}


def _structure(root: Value) -> list:
    """Each node's data, grad, label, op, constant and parents (by position), in walk order."""
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    return [(n.data, n.grad, n.label, n.op, n.const, [position[p] for p in n.parents]) for n in order]


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
@given(expr=expression_dags(n_inputs=(1, 4), max_ops=12))
def test_a_graph_of_every_op_copies_exactly_and_backward_on_the_copy_gives_the_same_gradients(round_trip, expr):
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr(*inputs)
    copied = round_trip(out)
    assert _structure(copied) == _structure(out)
    assert all(a is not b for a, b in zip(topological_order(copied), topological_order(out), strict=True))
    copied_inputs = {node.label: node for node in topological_order(copied) if node.label.startswith("x")}
    copied.backward()
    out.backward()
    assert {label: x.grad for label, x in copied_inputs.items()} == {
        x.label: x.grad for x in inputs if x.label in copied_inputs}
    # ops come back as this process's own op records, not copies of them
    assert all(node._op is OPS[node.op] for node in topological_order(copied) if node.op)


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_a_10000_op_chain_copies_at_the_default_recursion_limit(round_trip):
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5, label="x")
    y = x
    for _ in range(10_000):
        y = (y * 1.0001).tanh() + 0.001
    copied = round_trip(y)
    assert copied.data == y.data
    copied.backward()
    y.backward()
    leaf = topological_order(copied)[0]
    assert leaf.label == "x" and leaf.grad == x.grad and leaf is not x


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_nodes_copied_together_stay_shared(round_trip):
    x = Value(2.0, label="x")
    y = x * x
    z = y + x
    cx, cy, cz = round_trip([x, y, z])
    assert cy.parents == (cx, cx) and cz.parents == (cy, cx)
    z.backward()
    cz.backward()
    assert cx.grad == x.grad == 5.0 and cy.grad == 1.0


def test_a_graph_pickled_while_another_graph_was_half_written_still_copies_exactly():
    # Pickling a graph records which nodes it has written ahead; a pickle that stops half
    # way (here: an unpicklable object after the graph) must not spoil the next one.
    x = Value(1.5, label="x")
    deep = x
    for _ in range(3000):
        deep = deep * 1.0 + 0.5
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps([x, deep, lambda: 0])
    assert _structure(pickle.loads(pickle.dumps(deep))) == _structure(deep)


def test_an_op_outside_the_table_is_named_when_it_cannot_be_found():
    assert op_named("tanh") is OPS["tanh"]
    with pytest.raises(ValueError, match="no op named 'leaky'"):
        op_named("leaky")


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_a_model_copies_and_trains_on_exactly_as_the_original(round_trip):
    samples = data.two_moons(20, seed=3)
    model = MLP(2, [4, 1], activation=["tanh", "sigmoid"], seed=1)
    twin = round_trip(model)
    assert twin.state_dict() == model.state_dict() and repr(twin) == repr(model)
    for each in (model, twin):
        opt = SGD(each.parameters(), lr=0.3)
        for _ in range(3):
            opt.zero_grad()
            loss = sum((losses.binary_cross_entropy(each(x), t) for x, t in samples), Value(0.0))
            loss.backward()
            opt.step()
    assert twin.state_dict() == model.state_dict()
    assert [p.grad for p in twin.parameters()] == [p.grad for p in model.parameters()]
    assert all(a is not b for a, b in zip(twin.parameters(), model.parameters(), strict=True))


@pytest.mark.parametrize("round_trip", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_a_compiled_step_copies_with_its_parameters(round_trip):
    model = MLP(2, [3, 1], activation=["tanh", "linear"], seed=0)
    step = compile(lambda x1, x2, t: losses.mse(model([x1, x2]), t), [0.5, -0.5, 1.0], model.named_parameters())
    copied_model, copied = round_trip((model, step))
    assert copied.params == copied_model.parameters()  # the copy's parameters are the copied model's
    assert copied.source == step.source and repr(copied) == repr(step)
    assert copied(0.3, 0.7, 1.0) == step(0.3, 0.7, 1.0)
    assert [p.grad for p in copied.params] == [p.grad for p in step.params]
    assert copied.many([(1.0, 2.0, 0.0)] * 2) == step.many([(1.0, 2.0, 0.0)] * 2)
    at = [0.1 * i for i in range(len(step.params))]
    assert copied.forward(0.3, 0.7, 1.0, at=at) == step.forward(0.3, 0.7, 1.0, at=at)
    # the eager engine's errors still come from the copy (it names its graph again)
    with pytest.raises(TypeError, match="argument x1 must be a real number"):
        copied("a", 0.7, 1.0)


def test_a_compiled_forward_pickles_as_its_source_and_gives_the_steps_losses():
    w, b = Value(0.5, label="w"), Value(0.1, label="b")
    step = compile(lambda x: (w * x + b).log(), [1.0], [w, b])
    written = pickle.dumps(step.forward_only())
    assert b"autograd_core.engine.value" not in written and b"_restore" not in written  # no graph, no Value
    alone = pickle.loads(written)
    # bytecode from another Python version (another magic number) is ignored: the source is compiled
    other_python = CompiledForward(step.forward_source, 2, ["x"], (b"\x00\x00\r\n", b"not bytecode"))
    for x, at in [(1.0, [0.5, 0.1]), (2.0, [3.0, -1.0]), (4, (1, 1))]:
        assert alone(x, at=at) == step.forward(x, at=at) == other_python(x, at=at)
    with pytest.raises(ValueError, match="compiled forward failed .*evaluate the loss eagerly"):
        alone(1.0, at=[-1.0, 0.0])
    with pytest.raises(ValueError, match=r"log\(-1.0\) is outside the domain"):
        step.forward(1.0, at=[-1.0, 0.0])  # the step has its graph: the engine's own error
    from autograd_core import detect_anomaly

    with detect_anomaly(), pytest.raises(RuntimeError, match="use the CompiledLoss's forward"):
        alone(1.0, at=[1.0, 0.0])


def test_a_graph_with_a_user_defined_op_copies_by_the_ops_name():
    import math

    from autograd_core import define_op, remove_op
    from autograd_core.engine.ops import exp

    softplus = define_op("softplus_pickled", lambda a: math.log1p(math.exp(-abs(a))) + max(a, 0.0),
                         lambda a, out: (1.0 - exp(-out),), maths="log(1 + e^a)")
    try:
        x = Value(0.3, label="x")
        y = softplus(x * 2.0)
        written = pickle.dumps(y)
        copied = pickle.loads(written)
        assert copied._op is OPS["softplus_pickled"] and copied.data == y.data
        copied.backward()
        y.backward()
        assert topological_order(copied)[0].grad == x.grad
    finally:
        remove_op("softplus_pickled")
    with pytest.raises(ValueError, match="no op named 'softplus_pickled'"):
        pickle.loads(written)  # written by name; this process no longer has that op
