"""The systems under test, as :class:`~benchmarks.workloads.Backend` records.

* autograd-core eager: ``Value`` graphs and ``backward()``;
* micrograd 0.1.0 (``pip install micrograd==0.1.0``): its ``Value`` as published. It has
  no ``exp`` (nor ``log``, which the tiny GPT of :mod:`benchmarks.gpt_step` needs), so
  :func:`micrograd_value` adds each as one node type written in micrograd's own style
  (a ``_backward`` closure, like its ``relu``): sigmoid is then 1/(1 + exp(-x)) built
  from micrograd's ``*``, ``+``, ``**`` and this exp;
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

def micrograd_value() -> type | None:
    """micrograd 0.1.0's Value with ``exp`` and ``log`` added (a ``_backward`` closure each, like
    its ``relu``), or None when micrograd is not installed. Its sub, neg and div stay its own
    (``a + (-b)``, ``a * -1``, ``a * b**-1``).

    >>> MicroValue = micrograd_value()
    >>> MicroValue is None or (MicroValue(0.0).exp().data, MicroValue(1.0).log().data) == (1.0, 0.0)
    True
    """
    try:
        from micrograd.engine import Value as MicroValue
    except ImportError:
        return None

    def exp(self: Any) -> Any:
        out = MicroValue(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self: Any) -> Any:
        out = MicroValue(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += (1.0 / self.data) * out.grad

        out._backward = _backward
        return out

    # Added only where micrograd has none, so a later micrograd's own exp or log is the one measured.
    if not hasattr(MicroValue, "exp"):
        MicroValue.exp = exp
    if not hasattr(MicroValue, "log"):
        MicroValue.log = log
    return MicroValue


def micrograd() -> Backend | None:
    """micrograd 0.1.0 when installed, else None."""
    MicroValue = micrograd_value()
    if MicroValue is None:
        return None

    def sigmoid(x: Any) -> Any:
        return 1 / (1 + (-x).exp())

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
