"""Reverse-mode passes over a recorded graph.

Two passes read the op table's partial rules:

* a float pass (``backward`` and ``gradients(create_graph=False)``): each node's
  gradient for *this* pass is kept in a scratch slot, so calling ``backward()``
  twice accumulates exactly twice the gradient (micrograd propagates the already
  accumulated ``.grad`` of inner nodes and gets this wrong);
* a recording pass (``gradients(create_graph=True)``): the same rules applied to
  ``Value`` nodes, so the gradients are themselves differentiable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .codegen import compile_float_pass
from .graph import topological_order
from .modes import _Mode, enable_grad
from .ops import OPS
from .value import Value, as_float

__all__ = ["backward", "gradients"]


def _partial_error(node: Value, error: Exception) -> Exception:
    const = node.const
    args = [p.data for p in node.parents] + ([const] if const is not None else [])
    label = f" node {node.label!r}" if node.label else ""
    # Nodes made under detect_anomaly() know the line of user code that created them.
    origin = getattr(node, "_origin", None)
    where = f"; the node was created at {origin}" if origin else ""
    return type(error)(
        f"backward through {node.op}{tuple(args)}{label}: the partial derivative is undefined "
        f"or infinite there ({error}){where}")


def _anomaly_error(node: Value, parent_index: int, contribution: float) -> FloatingPointError:
    label = f" {node.label!r}" if node.label else ""
    origin = getattr(node, "_origin", None) or "<made outside detect_anomaly>"
    return FloatingPointError(
        f"{node.op} node{label} produced {contribution!r} in backward "
        f"(gradient for input {parent_index}); the node was created at {origin}")


# The float pass, one branch per op written out from the op table's partial rules (no
# per-node call of a rule and no tuple); under detect_anomaly the same pass also checks
# every contribution.
_fast_float_pass = compile_float_pass(OPS, _partial_error)
_checked_float_pass = compile_float_pass(OPS, _partial_error, _anomaly_error)


def _float_pass(order: list[Value], root: Value, seed: float, accumulate: bool) -> None:
    """Fill ``_pass_grad`` of every node in ``order``; add it to ``.grad`` if asked."""
    float_pass = _checked_float_pass if _Mode.anomaly else _fast_float_pass
    float_pass(order, root, seed, accumulate)


def backward(root: Value, grad: float = 1.0) -> None:
    """Accumulate d(root)/d(node) * ``grad`` into ``node.grad`` for every node.

    >>> x = Value(2.0)
    >>> y = x * x * x
    >>> backward(y)
    >>> x.grad
    12.0
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, got {type(root).__name__}")
    _float_pass(topological_order(root), root, as_float(grad, "grad"), accumulate=True)


def _recording_pass(order: list[Value], root: Value, seed: Value) -> dict[Value, Value]:
    """Gradients as ``Value`` nodes (differentiable), keyed by node."""
    grads = {root: seed}
    for node in reversed(order):
        g = grads.get(node)
        op = node._op
        if g is None or op is None:
            continue
        parents = node.parents
        partials = op.partials_at(parents, node, node.const)
        for parent, partial in zip(parents, partials, strict=True):
            if isinstance(partial, float):
                if partial == 0.0:
                    continue
                contribution = g if partial == 1.0 else g * partial
            else:
                contribution = g * partial
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    return grads


def gradients(output: Value, inputs: Sequence[Value], create_graph: bool = False,
              grad_output: float = 1.0) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Like ``torch.autograd.grad``. With ``create_graph=True`` the gradients are
    ``Value`` nodes recorded in the graph, so they can be differentiated again;
    otherwise they are floats. An input that ``output`` does not depend on gets 0.

    >>> x = Value(3.0)
    >>> y = x ** 3
    >>> (dy,) = gradients(y, [x], create_graph=True)
    >>> dy.data, gradients(dy, [x])[0]
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"output must be a Value, got {type(output).__name__}")
    inputs = list(inputs)
    for index, item in enumerate(inputs):
        if not isinstance(item, Value):
            raise TypeError(f"inputs[{index}] must be a Value, got {type(item).__name__}")
    seed = as_float(grad_output, "grad_output")
    order = topological_order(output)
    if not create_graph:
        for item in inputs:
            item._pass_grad = 0.0  # inputs outside the graph keep a stale value otherwise
        _float_pass(order, output, seed, accumulate=False)
        return [item._pass_grad for item in inputs]
    with enable_grad():
        grads = _recording_pass(order, output, Value(seed))
        return [grads[item] if item in grads else Value(0.0) for item in inputs]
