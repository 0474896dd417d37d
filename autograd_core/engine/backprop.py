"""``backward`` and ``gradients``: reverse-mode passes over a recorded graph.

Two passes read the op table's partial rules:

* a float pass (``backward`` and ``gradients(create_graph=False)``): each node's
  gradient for *this* pass is kept apart from its ``.grad`` (in a scratch slot, zeroed
  by the pass), so calling ``backward()`` twice accumulates exactly twice the gradient
  (micrograd propagates the already accumulated ``.grad`` of inner nodes and gets this
  wrong). ``backward`` adds each node's gradient into ``.grad`` as the pass finishes it.
  Every pass holds one lock from start to end, so passes started at the same time in
  several threads over shared nodes take turns and give exactly the sum of their
  gradients. The pass is generated code, in :mod:`autograd_core.engine.fastpaths`, beside the
  readable loop it unrolls;
* a recording pass (``gradients(create_graph=True)``): the same rules applied to
  ``Value`` nodes, so the gradients are themselves differentiable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fastpaths import accumulate_gradients, float_gradients
from .graph import topological_order
from .modes import enable_grad, ieee_results
from .value import Value, as_float

__all__ = ["backward", "gradients"]


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
    accumulate_gradients(root, as_float(grad, "grad"))


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
    if not create_graph:
        floats = float_gradients(output, seed)
        return [floats.get(item, 0.0) for item in inputs]
    order = topological_order(output)
    # An infinite partial is inf here too (not an error), as in the float pass and PyTorch.
    with enable_grad(), ieee_results():
        grads = _recording_pass(order, output, Value(seed))
        return [grads[item] if item in grads else Value(0.0) for item in inputs]
