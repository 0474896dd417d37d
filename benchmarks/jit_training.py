"""W6 under ``autograd_core.jit`` and W2 through ``nn.fit(compile=True)``.

W6 jit: the tiny GPT (``nn.gpt``, default sizes) trained as ``nn.gpt.train`` trains it, 1,000
Adam steps over the shuffled names, each step's loss compiled once per name length by
``autograd_core.jit`` (the compiles are part of the time), against the baseline engine's step
(``benchmarks/baseline.py``), timed per length and weighted by how many of the 1,000 steps have
that length (a baseline run of all 1,000 steps would take minutes). Before anything is timed, the
jitted losses of the first steps must equal eager training's, bit for bit.

W2 fit: micrograd's demo network, ``MLP(2, [16, 16, 1])`` with relu, on 100 two-moons points,
full batch, trained by ``nn.fit`` with the hinge loss (fit has no L2 term, unlike W2 proper),
eager and with ``compile=True`` (each ``fit`` call compiles its loss: the time includes it).
"""

from __future__ import annotations

import collections
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from autograd_core import jit
from nn.data import names
from nn.gpt import GPT, GPTConfig, encode
from nn.optim import Adam
from nn.schedules import LinearDecay

from .baseline import Scalar
from .gpt_step import BETAS, LR, SEED, plain_adam

STEPS = 1000
LONGEST = "christopher"  # 11 letters, 12 positions: the longest names' graph, about 100,000 nodes


@dataclass
class JitRun:
    """What one jitted training run measured."""

    losses: list[float]
    seconds: float  # wall clock, compiles included
    cpu_seconds: float
    first_call_cpu: dict[int, float] = field(default_factory=dict)  # positions -> CPU s of the first step
    lengths: collections.Counter = field(default_factory=collections.Counter)  # positions -> steps
    memory: int = 0  # bytes of compiled code held, all structures
    structures: int = 0


def training_order(steps: int = STEPS, seed: int = SEED) -> list[list[int]]:
    """The names ``nn.gpt.train`` visits in ``steps`` steps, encoded."""
    order = list(names())
    random.Random(seed).shuffle(order)
    return [encode(order[step % len(order)]) for step in range(steps)]


def positions(tokens: list[int], config: GPTConfig) -> int:
    return min(config.block_size, len(tokens) - 1)


def jit_training(steps: int = STEPS, config: GPTConfig | None = None, use_jit: bool = True,
                 total_steps: int = STEPS) -> JitRun:
    """``nn.gpt.train(model, names(), total_steps, jit=True)`` written out, to time each first call,
    stopped after ``steps`` steps (``use_jit=False``: the same loop, eager)."""
    config = config or GPTConfig()
    model = GPT(config, seed=SEED)
    optimizer = Adam(model.parameters(), lr=LR, betas=BETAS)
    schedule = LinearDecay(LR, total_steps=max(total_steps, 1))
    compiled = jit(model.loss_from, params=dict(model.named_parameters()))
    run = JitRun([], 0.0, 0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    for step, tokens in enumerate(training_order(steps)):
        n = positions(tokens, config)
        first = n not in run.first_call_cpu
        started = time.process_time()
        if use_jit:
            loss = compiled(*model.inputs(tokens))
        else:
            graph = model.loss(tokens)
            graph.backward()
            loss = graph.data
        if first:
            run.first_call_cpu[n] = time.process_time() - started
        run.lengths[n] += 1
        optimizer.lr = schedule(step)
        optimizer.step()
        optimizer.zero_grad()
        run.losses.append(loss)
    run.seconds, run.cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    info = compiled.cache_info()
    run.memory, run.structures = info.memory, info.currsize
    return run


def check_jit_agreement(run: JitRun, steps: int = 30) -> str:
    """The jitted run's first ``steps`` losses equal the same training run eagerly, bit for bit
    (else AssertionError)."""
    eager = jit_training(steps, use_jit=False, total_steps=len(run.losses)).losses
    if run.losses[:steps] != eager:
        worst = max(abs(a - b) for a, b in zip(run.losses, eager, strict=False))
        raise AssertionError(f"W6 jit: the jitted losses differ from eager training's by up to {worst:.3g}")
    return f"W6 jit: the first {steps} training losses equal eager training's, bit for bit."


def step_seconds(step: Callable[[], object], repeats: int) -> float:
    """Median seconds of ``step()`` over ``repeats`` runs (after one warm-up run)."""
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def name_of_length(n_positions: int) -> str:
    """A training name with ``n_positions`` positions (``n_positions - 1`` letters)."""
    return next(name for name in names() if len(name) == n_positions - 1)


def baseline_step(config: GPTConfig, name: str) -> Callable[[], float]:
    """One baseline-engine training step on ``name`` (forward, backward, Adam as a plain loop)."""
    model = GPT(config, seed=SEED, value=Scalar)
    params, state = model.parameters(), {}
    tokens = encode(name)

    def step() -> float:
        loss = model.loss(tokens)
        loss.backward()
        plain_adam(params, state)
        return float(loss.data)

    return step


def eager_step(config: GPTConfig, name: str) -> Callable[[], float]:
    """One autograd-core eager training step on ``name``."""
    model = GPT(config, seed=SEED)
    optimizer = Adam(model.parameters(), lr=LR, betas=BETAS)
    tokens = encode(name)

    def step() -> float:
        loss = model.loss(tokens)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.data

    return step


def jit_step(config: GPTConfig, name: str) -> Callable[[], float]:
    """One jitted training step on ``name`` (compiled on the warm-up call)."""
    model = GPT(config, seed=SEED)
    optimizer = Adam(model.parameters(), lr=LR, betas=BETAS)
    compiled = jit(model.loss_from, params=dict(model.named_parameters()))
    inputs = model.inputs(encode(name))

    def step() -> float:
        loss = compiled(*inputs)
        optimizer.step()
        optimizer.zero_grad()
        return loss

    return step


def per_length_seconds(make: Callable[[GPTConfig, str], Callable[[], float]], lengths: collections.Counter,
                       repeats: int, config: GPTConfig | None = None) -> dict[int, float]:
    """Median step seconds of ``make``'s engine for one name of each length in ``lengths``."""
    config = config or GPTConfig()
    return {n: step_seconds(make(config, name_of_length(n)), repeats) for n in sorted(lengths)}


def weighted_total(per_length: dict[int, float], lengths: collections.Counter) -> float:
    """Seconds for the whole run: each length's step time times its number of steps."""
    return sum(per_length[n] * count for n, count in lengths.items())


def fit_moons(compile: bool, epochs: int) -> tuple[float, float, list[float]]:
    """(wall seconds, CPU seconds, losses) of ``nn.fit`` on W2's network and data, one full-batch
    SGD step per epoch, the hinge loss (compiles included)."""
    import nn
    from nn.optim import SGD

    from .workloads import moons_data

    data = [((x1, x2), float(y)) for (x1, x2), y in moons_data(100)]
    model = nn.MLP(2, [16, 16, 1], activation=["relu", "relu", "linear"], seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    wall, cpu = time.perf_counter(), time.process_time()
    history = nn.fit(model, data, nn.losses.hinge, optimizer, epochs=epochs, progress=False, compile=compile)
    return time.perf_counter() - wall, time.process_time() - cpu, history.step_loss
