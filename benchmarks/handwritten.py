"""W5, the floor: forward and backward of W1 and W2 written by hand on plain floats.

What a person would type with no autodiff at all: the chain rule worked out on paper,
no graph, no objects, parameters in a list. Any autodiff engine in pure Python pays
something over this; the compiler's target is to stay within 2x of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import exp

from .workloads import ALPHA, LR_ARTICLE, LR_MOONS


def article_step(w: list[float], x1: float, x2: float, t: float) -> float:
    """W1 by hand: E = ½(t − y)², its 15 partials, and the SGD update of ``w`` in place."""
    w1, w2, b1, w3, w4, b2, w5, w6, b3, w7, w8, b4, w9, w10, b5 = w
    h11 = 1.0 / (1.0 + exp(-(w1 * x1 + w2 * x2 + b1)))
    h12 = 1.0 / (1.0 + exp(-(w3 * x1 + w4 * x2 + b2)))
    h21 = 1.0 / (1.0 + exp(-(w5 * h11 + w6 * h12 + b3)))
    h22 = 1.0 / (1.0 + exp(-(w7 * h11 + w8 * h12 + b4)))
    y = 1.0 / (1.0 + exp(-(w9 * h21 + w10 * h22 + b5)))
    loss = 0.5 * (t - y) ** 2
    # dE/dz for each node's weighted sum z, from the output back: σ' = σ(1 − σ).
    d_o = (y - t) * y * (1.0 - y)
    d21 = d_o * w9 * h21 * (1.0 - h21)
    d22 = d_o * w10 * h22 * (1.0 - h22)
    d11 = (d21 * w5 + d22 * w7) * h11 * (1.0 - h11)
    d12 = (d21 * w6 + d22 * w8) * h12 * (1.0 - h12)
    lr = LR_ARTICLE
    w[:] = [w1 - lr * d11 * x1, w2 - lr * d11 * x2, b1 - lr * d11,
            w3 - lr * d12 * x1, w4 - lr * d12 * x2, b2 - lr * d12,
            w5 - lr * d21 * h11, w6 - lr * d21 * h12, b3 - lr * d21,
            w7 - lr * d22 * h11, w8 - lr * d22 * h12, b4 - lr * d22,
            w9 - lr * d_o * h21, w10 - lr * d_o * h22, b5 - lr * d_o]
    return loss


def moons_step(layers: list, data: Sequence) -> float:
    """W2 by hand: MLP(2, [16, 16, 1]) relu, mean hinge + 1e-4 L2, full batch, SGD in place.

    ``layers`` is ``[[(weights, bias), ...], ...]`` of floats (lists, updated in place).
    Dead relus and satisfied margins skip their backward work, as a person would.
    """
    layer1, layer2, (out_neuron,) = layers
    grads1 = [[0.0] * (len(ws) + 1) for ws, _ in layer1]
    grads2 = [[0.0] * (len(ws) + 1) for ws, _ in layer2]
    grads3 = [0.0] * (len(out_neuron[0]) + 1)
    w3, b3 = out_neuron
    scale = 1.0 / len(data)
    data_loss = 0.0
    for (x1, x2), y in data:
        a1 = []
        for (w_a, w_b), b in layer1:
            z = b + w_a * x1 + w_b * x2
            a1.append(z if z > 0.0 else 0.0)
        a2 = []
        for ws, b in layer2:
            z = b
            for wi, ai in zip(ws, a1, strict=True):
                z += wi * ai
            a2.append(z if z > 0.0 else 0.0)
        score = b3
        for wi, ai in zip(w3, a2, strict=True):
            score += wi * ai
        margin = 1.0 - y * score
        if margin <= 0.0:
            continue  # relu(margin) = 0: no loss, no gradient
        data_loss += margin
        d_score = -y * scale
        for i, ai in enumerate(a2):
            grads3[i] += d_score * ai
        grads3[-1] += d_score
        d_a1 = [0.0] * len(a1)
        for j, (ws, _) in enumerate(layer2):
            if a2[j] > 0.0:
                d_z = d_score * w3[j]
                g = grads2[j]
                for i, ai in enumerate(a1):
                    g[i] += d_z * ai
                    d_a1[i] += d_z * ws[i]
                g[-1] += d_z
        for j in range(len(layer1)):
            if a1[j] > 0.0:
                d_z = d_a1[j]
                g = grads1[j]
                g[0] += d_z * x1
                g[1] += d_z * x2
                g[2] += d_z
    reg = 0.0
    for layer, grads in ((layer1, grads1), (layer2, grads2), ([out_neuron], [grads3])):
        for (ws, b), g in zip(layer, grads, strict=True):
            for i, wi in enumerate(ws):
                reg += wi * wi
                ws[i] = wi - LR_MOONS * (g[i] + 2.0 * ALPHA * wi)
            reg += b * b
            g_b = g[-1] + 2.0 * ALPHA * b
            g[-1] = g_b
    # Biases are tuple members: rebuild each (weights, bias) pair with the updated bias.
    for layer, grads in ((layer1, grads1), (layer2, grads2)):
        for j, ((ws, b), g) in enumerate(zip(layer, grads, strict=True)):
            layer[j] = (ws, b - LR_MOONS * g[-1])
    layers[2][0] = (w3, b3 - LR_MOONS * grads3[-1])
    return data_loss * scale + ALPHA * reg


def moons_layers(init: list) -> list:
    """A mutable float copy of :func:`~benchmarks.workloads.mlp_init`'s weights."""
    return [[(list(ws), b) for ws, b in layer] for layer in init]
