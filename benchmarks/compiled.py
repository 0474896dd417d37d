"""W1 and W2 through ``autograd_core.compile``: trace once, then run the generated code.

Compiling happens once, outside the timed step (as ``torch.jit.trace`` would); the
step then only runs generated Python and the same SGD loop as the eager backend.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_core import Value, compile

from .workloads import ALPHA, article_loss, flat, mlp_score


def article(params: Sequence[Value], inputs: Sequence[float], target: float):
    """A compiled W1 loss ``step(x1, x2, t)`` over the 15 article parameters."""

    def loss(x1: Value, x2: Value, t: Value) -> Value:
        return article_loss(params, x1, x2, t, Value.sigmoid)

    return compile(loss, [*inputs, target], params)


def moons(layers: list, data: Sequence) -> tuple:
    """Compiled W2 pieces: ``hinge(x1, x2, y)`` (one point's share of the mean hinge loss)
    and ``l2()`` (the 1e-4 · Σ p² term). Their gradients add up to the full-batch one."""
    params = flat(layers)
    scale = 1.0 / len(data)

    def hinge(x1: Value, x2: Value, y: Value) -> Value:
        score = mlp_score(layers, [x1, x2], Value.relu)
        return (1 + -y * score).relu() * scale

    def l2() -> Value:
        return ALPHA * sum(p * p for p in params)

    (x1, x2), y = data[0]
    return compile(hinge, [x1, x2, y], params), compile(l2, [], params)
