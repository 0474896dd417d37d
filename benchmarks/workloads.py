"""The benchmark workloads, written once over a small backend interface.

Each system (autograd-core, micrograd, PyTorch) is a :class:`Backend`: how to make a
parameter and an input leaf, its sigmoid and relu, and how to run backward and an SGD
step. The graph of every workload is then built by the *same* code for every system,
so they record the same scalar graph, op for op (micrograd's sigmoid aside: it has no
sigmoid op, so it gets ``1 / (1 + exp(-x))``, four nodes instead of one).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

LR_ARTICLE = 0.5
LR_MOONS = 0.5
ALPHA = 1e-4  # micrograd demo's L2 weight
MOONS_SIZES = (2, 16, 16, 1)
CHAIN_LENGTH = 64  # W3: products summed per chain (keeps the depth far below micrograd's recursion limit)


@dataclass(frozen=True)
class Backend:
    """One autodiff system, seen through the few operations the workloads need."""

    name: str
    param: Callable[[float], Any]  # a trainable leaf
    leaf: Callable[[float], Any]  # an input leaf (no gradient wanted)
    sigmoid: Callable[[Any], Any]
    relu: Callable[[Any], Any]
    backward: Callable[[Any], None]
    sgd: Callable[[Sequence[Any], float], None]  # p.data -= lr * p.grad, then zero the grads
    value: Callable[[Any], float]  # the float held by a node


# --- W1: one training step of the article's 2-2-2-1 sigmoid network ------------------------

def article_loss(p: Sequence[Any], x1: Any, x2: Any, t: float, sigmoid: Callable) -> Any:
    """E = ½(t − y)² of the 2-2-2-1 sigmoid network; ``p`` in the article's order
    w1, w2, b1, w3, w4, b2, w5, w6, b3, w7, w8, b4, w9, w10, b5."""
    h11 = sigmoid(p[0] * x1 + p[1] * x2 + p[2])
    h12 = sigmoid(p[3] * x1 + p[4] * x2 + p[5])
    h21 = sigmoid(p[6] * h11 + p[7] * h12 + p[8])
    h22 = sigmoid(p[9] * h11 + p[10] * h12 + p[11])
    y = sigmoid(p[12] * h21 + p[13] * h22 + p[14])
    return 0.5 * (t - y) ** 2


def article_step(backend: Backend, params: Sequence[Any], inputs: Sequence[float], target: float) -> float:
    """W1: forward, backward, SGD at lr 0.5, zero grads."""
    loss = article_loss(params, backend.leaf(inputs[0]), backend.leaf(inputs[1]), target, backend.sigmoid)
    backend.backward(loss)
    backend.sgd(params, LR_ARTICLE)
    return backend.value(loss)


# --- W2: micrograd's demo step ----------------------------------------------------------------

def mlp_init(seed: int = 0) -> list[list[tuple[list[float], float]]]:
    """Weights U(-1, 1) and zero biases, as micrograd's Neuron draws them, from a fixed seed."""
    rng = random.Random(seed)
    return [[([rng.uniform(-1.0, 1.0) for _ in range(n_in)], 0.0) for _ in range(n_out)]
            for n_in, n_out in zip(MOONS_SIZES, MOONS_SIZES[1:], strict=False)]


def mlp_params(backend: Backend, init: list) -> list[list[tuple[list[Any], Any]]]:
    """The same weights as ``backend`` parameters, layer by layer, neuron by neuron."""
    return [[([backend.param(w) for w in ws], backend.param(b)) for ws, b in layer] for layer in init]


def flat(layers: list) -> list:
    """Every parameter, weights then bias per neuron (micrograd's parameters() order)."""
    return [p for layer in layers for ws, b in layer for p in (*ws, b)]


def mlp_score(layers: list, x: Sequence[Any], relu: Callable) -> Any:
    """micrograd's MLP: each neuron is sum(w·x, b); relu on every layer but the last."""
    for index, layer in enumerate(layers):
        last = index == len(layers) - 1
        outs = []
        for ws, b in layer:
            act = sum((wi * xi for wi, xi in zip(ws, x, strict=True)), b)
            outs.append(act if last else relu(act))
        x = outs
    return x[0]


def moons_loss(backend: Backend, layers: list, data: Sequence) -> Any:
    """micrograd demo's loss: mean SVM hinge over the full batch plus 1e-4 · Σ p²."""
    losses = []
    for (x1, x2), y in data:
        score = mlp_score(layers, [backend.leaf(x1), backend.leaf(x2)], backend.relu)
        losses.append(backend.relu(1 + -y * score))
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in flat(layers))
    return data_loss + reg_loss


def moons_step(backend: Backend, layers: list, data: Sequence) -> float:
    """W2: forward over 100 points, backward, SGD, zero grads."""
    loss = moons_loss(backend, layers, data)
    backend.backward(loss)
    backend.sgd(flat(layers), LR_MOONS)
    return backend.value(loss)


def moons_data(n: int = 100) -> list[tuple[tuple[float, float], float]]:
    """Two moons with ±1 labels (for the hinge), from nn.data when it is there."""
    try:
        from nn.data import two_moons
    except ImportError:  # pragma: no cover - nn is part of this repository
        return _two_moons(n)
    return [((float(x[0]), float(x[1])), float(t)) for x, t in two_moons(n=n, noise=0.1, seed=0,
                                                                             labels=(-1.0, 1.0))]


def _two_moons(n: int, seed: int = 0) -> list:
    import math

    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = math.pi * (i // 2) / max(1, n // 2 - 1)
        x, y, label = (math.cos(t), math.sin(t), -1.0) if i % 2 == 0 else (1 - math.cos(t), 0.5 - math.sin(t), 1.0)
        out.append(((x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)), label))
    return out


# --- W3 and W4: big graphs ------------------------------------------------------------------------

def mixed_graph(backend: Backend, leaves: Sequence[Any], n_ops: int) -> tuple[Any, int]:
    """About ``n_ops`` + and * nodes: chains of summed products, then a balanced sum.

    Returns (root, exact number of op nodes). Depth stays about 2·CHAIN_LENGTH + log2 n,
    so micrograd's recursive topological sort copes.
    """
    k = len(leaves)
    sums, made, i = [], 0, 0
    while made < n_ops:
        acc = leaves[i % k] * leaves[(7 * i + 3) % k]
        made += 1
        i += 1
        for _ in range(CHAIN_LENGTH - 1):
            if made + 2 > n_ops:
                break
            acc = acc + leaves[i % k] * leaves[(7 * i + 3) % k]
            made += 2
            i += 1
        sums.append(acc)
    while len(sums) > 1:
        paired = [a + b for a, b in zip(sums[::2], sums[1::2], strict=False)]
        made += len(paired)
        sums = paired + ([sums[-1]] if len(sums) % 2 else [])
    return sums[0], made


def mixed_leaves(backend: Backend, n: int = 100, seed: int = 1) -> list:
    rng = random.Random(seed)
    return [backend.param(rng.uniform(-1.0, 1.0)) for _ in range(n)]


def chain(backend: Backend, n_ops: int) -> tuple[Any, Any, Any]:
    """W4: y ← y · a, y ← y + b, alternately, ``n_ops`` times (a linear chain)."""
    a, b = backend.param(1.0000001), backend.param(1e-7)
    y = backend.param(1.0)
    for _ in range(n_ops // 2):
        y = y * a
        y = y + b
    return y, a, b
