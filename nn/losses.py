"""Loss functions: each takes a model's output (a Value or a list of Values) and a target.

Targets may be numbers or Values, one per output. Each loss returns one Value.

* :func:`squared_error` -- ½ Σ (t − y)², the article's loss (the ½ cancels the 2 of the derivative).
* :func:`mse` -- mean of (t − y)² over the outputs.
* :func:`binary_cross_entropy` -- −[t log p + (1 − t) log(1 − p)], computed without log(0).
* :func:`hinge` -- micrograd's max-margin loss, mean of max(0, 1 − t·y) with labels t = ±1.
"""

from __future__ import annotations

from typing import Any

from autograd_core import Value

__all__ = ["squared_error", "mse", "binary_cross_entropy", "hinge"]


def _pairs(output: Any, target: Any) -> list[tuple[Value, Any]]:
    """(output, target) pairs, checking types and that the counts agree."""
    outputs = output if isinstance(output, (list, tuple)) else [output]
    targets = target if isinstance(target, (list, tuple)) else [target]
    if not outputs:
        raise ValueError("the output is empty")
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs but {len(targets)} targets")
    for index, (y, t) in enumerate(zip(outputs, targets, strict=True)):
        if not isinstance(y, Value):
            raise TypeError(f"output {index} must be a Value, got {type(y).__name__}")
        if isinstance(t, bool) or not isinstance(t, (int, float, Value)):
            raise TypeError(f"target {index} must be a number or a Value, got {type(t).__name__}")
    return list(zip(outputs, targets, strict=True))


def _sum(terms: list) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def squared_error(output: Any, target: Any) -> Value:
    """E = ½ Σ (t − y)².

    >>> squared_error(Value(0.75), 0.25).data
    0.125
    """
    return 0.5 * _sum([(t - y) ** 2 for y, t in _pairs(output, target)])


def mse(output: Any, target: Any) -> Value:
    """Mean squared error (1/n) Σ (t − y)² over the outputs.

    >>> mse([Value(1.0), Value(3.0)], [0.0, 0.0]).data
    5.0
    """
    pairs = _pairs(output, target)
    return _sum([(t - y) ** 2 for y, t in pairs]) * (1.0 / len(pairs))


def _softplus(z: Value) -> Value:
    """log(1 + e^z) without overflow: for z ≥ 0 it is z + log(1 + e^−z). (It compares the Value,
    not its number: ``autograd_core.jit`` then compiles one code per branch.)"""
    if z >= 0.0:
        return z + ((-z).exp() + 1.0).log()
    return (z.exp() + 1.0).log()


def _bce_from_logit(z: Value, t: Any) -> Value:
    # −[t log σ(z) + (1 − t) log(1 − σ(z))] = softplus(z) − t·z: no log of a small number.
    return _softplus(z) - t * z


def _clamped_log(p: Value, eps: float) -> Value:
    # Like PyTorch's BCELoss, a probability too close to 0 gets a floor (and no gradient).
    if p < eps:
        return Value(eps).log()
    return p.log()


def binary_cross_entropy(output: Any, target: Any, from_logits: bool = False,
                         eps: float = 1e-12) -> Value:
    """Mean over the outputs of −[t log p + (1 − t) log(1 − p)], never taking log(0).

    How it stays finite: with ``from_logits=True`` the outputs are logits z and the
    loss is softplus(z) − t·z. Otherwise, when an output is itself ``z.sigmoid()``
    (a sigmoid output unit), the same formula is used on that z, so the loss and
    its gradient σ(z) − t stay exact even when p rounds to 0 or 1. Any other
    probability is clamped: log p is taken as log(eps) when p < eps (likewise
    for 1 − p), with no gradient through the clamp.

    >>> z = Value(-800.0)
    >>> loss = binary_cross_entropy(z.sigmoid(), 1.0)   # p rounds to 0.0
    >>> loss.data
    800.0
    >>> loss.backward(); z.grad
    -1.0
    """
    terms = []
    for y, t in _pairs(output, target):
        if from_logits:
            terms.append(_bce_from_logit(y, t))
        elif y.op == "sigmoid":
            terms.append(_bce_from_logit(y.parents[0], t))
        else:
            terms.append(-(t * _clamped_log(y, eps) + (1.0 - t) * _clamped_log(1.0 - y, eps)))
    return _sum(terms) * (1.0 / len(terms))


def hinge(output: Any, target: Any) -> Value:
    """micrograd's max-margin loss: mean of relu(1 − t·y), labels t = −1 or +1.

    >>> hinge([Value(0.5), Value(-2.0)], [1.0, -1.0]).data
    0.25
    """
    pairs = _pairs(output, target)
    return _sum([(1.0 - t * y).relu() for y, t in pairs]) * (1.0 / len(pairs))
