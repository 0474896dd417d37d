"""The systems under test, as :class:`~benchmarks.workloads.Backend` records.

* autograd-core eager: ``Value`` graphs and ``backward()``;
* micrograd 0.1.0 (``pip install micrograd==0.1.0``): its ``Value`` as published. It has
  no ``exp``, so :func:`micrograd_exp` adds one node type written in micrograd's own
  style (a ``_backward`` closure, like its ``relu``): sigmoid is then 1/(1 + exp(-x))
  built from micrograd's ``*``, ``+``, ``**`` and this exp;
* PyTorch: 0-d float64 tensors, one per scalar, so it records the same scalar graph.

Missing optional systems are reported as absent, never faked.
"""

from __future__ import annotations

import importlib.metadata
import math
from collections.abc import Sequence
from typing import Any

from autograd_core import Value

from .workloads import Backend


def version(package: str) -> str | None:
    """The installed version of ``package``, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


# --- autograd-core ------------------------------------------------------------------------------

def _ours_sgd(params: Sequence[Value], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad
        p.grad = 0.0


def ours() -> Backend:
    """autograd-core, eager."""
    return Backend(
        name="autograd-core", param=Value, leaf=Value, sigmoid=Value.sigmoid, relu=Value.relu,
        backward=Value.backward, sgd=_ours_sgd, value=lambda node: node.data)


# --- micrograd 0.1.0 --------------------------------------------------------------------------------

def micrograd() -> Backend | None:
    """micrograd 0.1.0 when installed, else None."""
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        return None

    def micrograd_exp(x: Any) -> Any:
        """e^x as one micrograd node: micrograd 0.1.0 has no exp, so we add it in its style."""
        out = MicroValue(math.exp(x.data), (x,), "exp")

        def _backward() -> None:
            x.grad += out.data * out.grad

        out._backward = _backward
        return out

    def sigmoid(x: Any) -> Any:
        return 1 / (1 + micrograd_exp(-x))

    def sgd(params: Sequence[Any], lr: float) -> None:
        for p in params:
            p.data -= lr * p.grad
            p.grad = 0

    return Backend(
        name="micrograd", param=MicroValue, leaf=MicroValue, sigmoid=sigmoid, relu=MicroValue.relu,
        backward=MicroValue.backward, sgd=sgd, value=lambda node: node.data)


# --- PyTorch ----------------------------------------------------------------------------------------

def pytorch() -> Backend | None:
    """PyTorch with 0-d float64 tensors (one thread), when installed, else None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)  # scalar ops: threads only add noise

    def param(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def leaf(x: float) -> Any:
        return torch.tensor(x, dtype=torch.float64)

    def sgd(params: Sequence[Any], lr: float) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None  # what Optimizer.zero_grad() does by default

    return Backend(
        name="PyTorch", param=param, leaf=leaf, sigmoid=torch.sigmoid, relu=torch.relu,
        backward=lambda loss: loss.backward(), sgd=sgd, value=lambda node: node.item())
