"""W6: one training step of the tiny GPT (``nn.gpt``, default sizes) on one name.

Every engine runs the *same* model code, ``nn.gpt.GPT`` with its weights made by that
engine's scalar type (``GPT(value=...)``): autograd-core's ``Value``, micrograd 0.1.0's
``Value`` (with ``exp`` and ``log`` added in micrograd's own closure style, see
:func:`benchmarks.systems.micrograd_value`) and :class:`benchmarks.baseline.Scalar`, the closure-free design
of tiny-GPT scripts. A step is forward, backward and Adam (lr 0.01, betas 0.9/0.99):
autograd-core runs ``nn.optim.Adam``, the others the same update as a plain loop. Before
anything is timed, the engines must agree on the loss, on every gradient and on every
weight after the Adam step (1e-9).

The breakdown runs the model code forward on :class:`FloatNode`, a float subclass with
no autodiff at all: the interpreter's floor for this model code.
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograd_core import compile, topological_order
from nn.gpt import GPT, GPTConfig, encode
from nn.optim import Adam

from .baseline import Scalar
from .systems import micrograd_value

NAME = "olivia"  # 6 letters, the names' most common length: 7 positions, about 55,000 nodes per step
SEED = 0
LR, BETAS, EPS = 0.01, (0.9, 0.99), 1e-8


# --- the engines -----------------------------------------------------------------------------------------

class FloatNode(float):
    """A float that runs the model code with no graph: every result is a FloatNode again."""

    __slots__ = ()

    @property
    def data(self) -> float:
        return float(self)

    # float's own methods on the two operands (a FloatNode is a float), then wrapped again.
    def __add__(self, other: Any) -> FloatNode: return FloatNode(float.__add__(self, other))
    def __radd__(self, other: Any) -> FloatNode: return FloatNode(float.__radd__(self, other))
    def __sub__(self, other: Any) -> FloatNode: return FloatNode(float.__sub__(self, other))
    def __rsub__(self, other: Any) -> FloatNode: return FloatNode(float.__rsub__(self, other))
    def __mul__(self, other: Any) -> FloatNode: return FloatNode(float.__mul__(self, other))
    def __rmul__(self, other: Any) -> FloatNode: return FloatNode(float.__rmul__(self, other))
    def __truediv__(self, other: Any) -> FloatNode: return FloatNode(float.__truediv__(self, other))
    def __pow__(self, k: Any) -> FloatNode: return FloatNode(float.__pow__(self, k))
    def __neg__(self) -> FloatNode: return FloatNode(float.__neg__(self))
    def exp(self) -> FloatNode: return FloatNode(math.exp(self))
    def log(self) -> FloatNode: return FloatNode(math.log(self))
    def relu(self) -> FloatNode: return FloatNode(self if self > 0.0 else 0.0)


def plain_adam(params: list, state: dict) -> None:
    """Adam as torch documents it (no weight decay), one parameter at a time; zeroes each grad."""
    t = state["t"] = state.get("t", 0) + 1
    m, v = state.setdefault("m", [0.0] * len(params)), state.setdefault("v", [0.0] * len(params))
    beta1, beta2 = BETAS
    correction1, correction2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
    for i, p in enumerate(params):
        g = p.grad
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        p.data -= LR * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + EPS)
        p.grad = 0.0


@dataclass
class Engine:
    """One engine's model and its step: ``forward()``, ``forward_backward()`` and ``step()``."""

    name: str
    model: GPT
    adam: Callable[[], None]
    count_nodes: Callable[[Any], int]

    def forward(self) -> Any:
        return self.model.loss(encode(NAME))

    def forward_backward(self) -> Any:
        loss = self.forward()
        loss.backward()
        return loss

    def step(self) -> float:
        loss = self.forward_backward()
        self.adam()
        return loss.data


def _walk_count(children: str) -> Callable[[Any], int]:
    """Number of nodes reachable from a root, following the attribute ``children`` (iteratively)."""
    def count(root: Any) -> int:
        seen, stack = {id(root)}, [root]
        while stack:
            for child in getattr(stack.pop(), children):
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
        return len(seen)
    return count


def engines(config: GPTConfig | None = None) -> dict[str, Engine]:
    """autograd-core, the baseline and (when installed) micrograd, each with the same weights."""
    config = config or GPTConfig()
    ours = GPT(config, seed=SEED)
    optimizer = Adam(ours.parameters(), lr=LR, betas=BETAS, eps=EPS)

    def ours_adam() -> None:
        optimizer.step()
        optimizer.zero_grad()

    found = {"ours": Engine("autograd-core", ours, ours_adam, lambda root: len(topological_order(root)))}
    for key, value, children in (("baseline", Scalar, "_children"), ("micrograd", micrograd_value(), "_prev")):
        if value is None:
            continue
        model = GPT(config, seed=SEED, value=value)
        params, state = model.parameters(), {}
        found[key] = Engine(key, model, lambda params=params, state=state: plain_adam(params, state),
                            _walk_count(children))
    return found


def check_agreement(found: dict[str, Engine], tol: float = 1e-9) -> str:
    """Run one step on every engine; raise AssertionError unless the loss, every gradient and
    every weight after Adam agree with autograd-core's within ``tol``. Returns a one-line note."""
    reference = found["ours"]
    results = {}
    for key, engine in found.items():
        loss = engine.forward_backward()
        grads = [p.grad for p in engine.model.parameters()]
        engine.adam()
        results[key] = (loss.data, grads, [p.data for p in engine.model.parameters()])
    ref_loss, ref_grads, ref_weights = results["ours"]
    for key, (loss, grads, weights) in results.items():
        worst_grad = max(abs(a - b) for a, b in zip(grads, ref_grads, strict=True))
        worst_weight = max(abs(a - b) for a, b in zip(weights, ref_weights, strict=True))
        if abs(loss - ref_loss) > tol or worst_grad > tol or worst_weight > tol:
            raise AssertionError(f"W6: {key} disagrees with autograd-core: loss {loss!r} vs {ref_loss!r}, "
                                 f"gradients by {worst_grad:.3g}, weights after Adam by {worst_weight:.3g}")
    return (f"W6: loss {ref_loss:.12g} on {NAME!r}, every one of {len(ref_grads)} gradients and the weights "
            f"after Adam equal (1e-9) on all {len(found)} engines ({reference.model}).")


def graph_size(engine: Engine) -> tuple[int, float]:
    """(nodes in one step's graph, Python bytes held per node made by the forward pass)."""
    params = engine.model.parameters()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = engine.forward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    nodes = engine.count_nodes(loss)
    made = nodes - len(params)  # every weight is in the graph; the rest was made by this forward pass
    del loss
    return nodes, held / made


def floor_forward(config: GPTConfig | None = None) -> Callable[[], Any]:
    """The model code forward on FloatNode weights: no autodiff at all."""
    model = GPT(config or GPTConfig(), seed=SEED, value=FloatNode)
    return lambda: model.loss(encode(NAME))


def compile_seconds(config: GPTConfig | None = None) -> tuple[float, float, int, int]:
    """(CPU seconds, wall seconds, nodes, source lines) of ``autograd_core.compile`` on the
    step's loss, up to and including its first call (which turns the source into bytecode)."""
    model = GPT(config or GPTConfig(), seed=SEED)
    tokens = encode(NAME)
    cpu, wall = time.process_time(), time.perf_counter()
    step = compile(lambda: model.loss(tokens), [], model.named_parameters())
    step()
    return (time.process_time() - cpu, time.perf_counter() - wall, step.n_nodes, step.source.count("\n"))
