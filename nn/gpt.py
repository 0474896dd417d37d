"""A tiny character-level GPT in which every number is a scalar node.

The model reads a name one character at a time and predicts the next one:

    tokens   BOS  e    m    m    a
    targets  e    m    m    a    BOS

Per position: token embedding + position embedding, then ``n_layer`` blocks of
RMS norm → causal multi-head self-attention (+ residual) and RMS norm → ReLU MLP of
width 4·n_embd (+ residual), then RMS norm → a linear head → softmax → cross-entropy.
The RMS norms have no learned gain and no layer has a bias, to keep the file short.
Keys and values of earlier positions are kept in a list per layer (a "KV cache"), so
attending only to the past *is* the causal mask.

The graph of a name depends on its length only: the token embeddings come in as rows
(:meth:`GPT.inputs`), the targets as one-hot vectors, and the softmax's shift is computed in
the graph rather than read from a number. So :func:`autograd_core.jit` compiles one loss per
length and reuses it for every name of that length (``train(..., jit=True)``).

Everything is written with ``+ - * /``, ``** number``, ``exp``, ``log`` and ``relu`` on
whatever scalar type makes the weights (``value=``): autograd-core's :class:`Value`
by default, and the benchmark runs this same code on other engines.

>>> model = GPT(GPTConfig(n_embd=8, n_head=2, block_size=8), seed=0)
>>> loss = model.loss(encode("ada"))
>>> round(loss.data, 4), len(model.parameters())   # about ln 27 = 3.2958 before training
(3.2662, 1264)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_core import Value, as_int, no_grad
from autograd_core import jit as jit_per_structure

from .module import Module
from .optim import Adam
from .schedules import LinearDecay

__all__ = ["ALPHABET", "BOS", "GPTConfig", "GPT", "encode", "decode", "one_hot", "dot", "linear", "rmsnorm",
           "softmax", "train"]

#: The characters the model knows; token ``i`` is ``ALPHABET[i]``.
ALPHABET = "abcdefghijklmnopqrstuvwxyz"
#: The one special token: "beginning of a name" before it and "end of the name" after it.
BOS = len(ALPHABET)
#: Standard deviation of the Gaussian initial weights (small, so the first softmax is near uniform).
INIT_STD = 0.08
#: Added to the mean square in RMS norm, so an all-zero vector does not divide by zero.
RMS_EPS = 1e-5


def encode(name: str) -> list[int]:
    """``name`` as tokens, framed by BOS on both sides.

    >>> encode("ada")
    [26, 0, 3, 0, 26]
    """
    if not isinstance(name, str):
        raise TypeError(f"a name must be a str, got {type(name).__name__}")
    unknown = sorted(set(name) - set(ALPHABET))
    if not name or unknown:
        raise ValueError(f"a name must be one or more of the letters a-z, got {name!r}")
    return [BOS] + [ALPHABET.index(c) for c in name] + [BOS]


def one_hot(token: int, size: int) -> list[float]:
    """A list of ``size`` zeros with a 1.0 at ``token``: a target the graph can read without indexing.

    >>> one_hot(2, 4)
    [0.0, 0.0, 1.0, 0.0]
    """
    vector = [0.0] * size
    vector[token] = 1.0
    return vector


def decode(tokens: Iterable[int]) -> str:
    """The letters of ``tokens``, BOS dropped.

    >>> decode([26, 0, 3, 0, 26])
    'ada'
    """
    return "".join(ALPHABET[t] for t in tokens if t != BOS)


@dataclass(frozen=True)
class GPTConfig:
    """The model's sizes: vocabulary, embedding width, heads, context length, blocks.

    >>> GPTConfig().head_size
    4
    """

    vocab_size: int = len(ALPHABET) + 1
    n_embd: int = 16
    n_head: int = 4
    block_size: int = 16
    n_layer: int = 1

    def __post_init__(self) -> None:
        for field in ("vocab_size", "n_embd", "n_head", "block_size", "n_layer"):
            as_int(getattr(self, field), field, minimum=1)
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be a multiple of n_head ({self.n_head})")

    @property
    def head_size(self) -> int:
        """Width of one attention head, n_embd / n_head."""
        return self.n_embd // self.n_head

    @property
    def n_parameters(self) -> int:
        """How many weights a :class:`GPT` of these sizes has, known before it is built: the token
        and position embeddings, ``12 · n_embd²`` per block (four attention matrices and the
        4× wide MLP), and the head.

        >>> GPTConfig().n_parameters
        4192
        """
        n = self.n_embd
        return (2 * self.vocab_size + self.block_size) * n + 12 * n * n * self.n_layer


# --- the building blocks, on lists of scalars ------------------------------------------------------

def dot(ws: Sequence[Any], xs: Sequence[Any]) -> Any:
    """Σ wᵢ·xᵢ, added left to right from the first product (no constant 0 node).

    >>> dot([Value(2.0), Value(3.0)], [Value(4.0), Value(5.0)]).data
    23.0
    """
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:], strict=True):
        total = total + w * x
    return total


def linear(x: Sequence[Any], weight: Sequence[Sequence[Any]]) -> list:
    """W·x: one dot product per row of ``weight`` (n_out rows of n_in)."""
    return [dot(row, x) for row in weight]


def rmsnorm(x: Sequence[Any]) -> list:
    """x / sqrt(mean(x²) + ε), with no learned gain.

    >>> [round(v.data, 4) for v in rmsnorm([Value(3.0), Value(4.0)])]
    [0.8485, 1.1314]
    """
    mean_square = dot(x, x) * (1.0 / len(x))
    scale = (mean_square + RMS_EPS) ** -0.5
    return [v * scale for v in x]


def softmax(logits: Sequence[Any]) -> list:
    """e^(lᵢ − m) / Σⱼ e^(lⱼ − m), with m the largest logit, so that no exp overflows.

    m is computed in the graph, m = l₀ then m + relu(lᵢ − m) for each next logit, rather than
    read from the logits' numbers: a compiled loss then serves every value of the logits
    (:func:`autograd_core.jit` would otherwise have to check the number it read). The shift
    cancels in the ratio, so the gradient through m is zero but for rounding.

    >>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0)])]
    [0.2689, 0.7311]
    >>> [round(p.data, 4) for p in softmax([Value(1000.0), Value(999.0)])]
    [0.7311, 0.2689]
    """
    largest = logits[0]
    for v in logits[1:]:
        largest = largest + (v - largest).relu()
    exps = [(v - largest).exp() for v in logits]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


# --- the model ------------------------------------------------------------------------------------------

class GPT(Module):
    """A GPT with ``config``'s sizes, weights drawn from N(0, 0.08²) with ``random.Random(seed)``.

    Weights are matrices (lists of rows) in :attr:`weights`, named ``wte`` (token
    embeddings), ``wpe`` (position embeddings), ``layer{i}.wq/wk/wv/wo`` (attention),
    ``layer{i}.fc1/fc2`` (MLP) and ``lm_head``; a parameter's name is the matrix's name
    with ``[row][column]``. ``value`` makes each weight (autograd-core's ``Value``).

    >>> model = GPT(GPTConfig(n_embd=4, n_head=2, block_size=4), seed=1)
    >>> [name for name, _ in model.named_parameters()][:2]
    ['wte[0][0]', 'wte[0][1]']
    """

    def __init__(self, config: GPTConfig | None = None, seed: int | None = 0,
                 value: Callable[[float], Any] = Value) -> None:
        self.config = config = config or GPTConfig()
        rng = random.Random(seed)

        def matrix(n_out: int, n_in: int) -> list:
            return [[value(rng.gauss(0.0, INIT_STD)) for _ in range(n_in)] for _ in range(n_out)]

        n = config.n_embd
        self.weights: dict[str, list] = {"wte": matrix(config.vocab_size, n), "wpe": matrix(config.block_size, n)}
        for i in range(config.n_layer):
            for name in ("wq", "wk", "wv", "wo"):
                self.weights[f"layer{i}.{name}"] = matrix(n, n)
            self.weights[f"layer{i}.fc1"] = matrix(4 * n, n)
            self.weights[f"layer{i}.fc2"] = matrix(n, 4 * n)
        self.weights["lm_head"] = matrix(config.vocab_size, n)

    def named_parameters(self) -> list[tuple[str, Any]]:
        """Every weight, matrix by matrix, row by row."""
        return [(f"{name}[{r}][{c}]", p) for name, rows in self.weights.items()
                for r, row in enumerate(rows) for c, p in enumerate(row)]

    def __repr__(self) -> str:
        c = self.config
        return (f"GPT(n_embd={c.n_embd}, n_head={c.n_head}, block_size={c.block_size}, "
                f"n_layer={c.n_layer}, parameters={len(self.parameters())})")

    def logits(self, token: int, position: int, cache: list) -> list:
        """The next-token logits after ``token`` at ``position``; appends this position's keys
        and values to ``cache`` (one ``(keys, values)`` pair of lists per layer)."""
        return self.logits_from(self.weights["wte"][token], position, cache)

    def logits_from(self, row: Sequence[Any], position: int, cache: list) -> list:
        """The next-token logits for the token whose embedding row is ``row``, at ``position``
        (see :meth:`logits`)."""
        w, c = self.weights, self.config
        x = [t + p for t, p in zip(row, w["wpe"][position], strict=True)]
        for i in range(c.n_layer):
            keys, values = cache[i]
            x = [a + b for a, b in zip(x, self._attention(rmsnorm(x), i, keys, values), strict=True)]
            hidden = [h.relu() for h in linear(rmsnorm(x), w[f"layer{i}.fc1"])]
            x = [a + b for a, b in zip(x, linear(hidden, w[f"layer{i}.fc2"]), strict=True)]
        return linear(rmsnorm(x), w["lm_head"])

    def _attention(self, x: list, layer: int, keys: list, values: list) -> list:
        """Causal self-attention of one position: each head attends to this and all earlier positions."""
        w, size = self.weights, self.config.head_size
        q = linear(x, w[f"layer{layer}.wq"])
        keys.append(linear(x, w[f"layer{layer}.wk"]))
        values.append(linear(x, w[f"layer{layer}.wv"]))
        scale = 1.0 / math.sqrt(size)
        heads: list = []
        for start in range(0, self.config.n_embd, size):
            head = slice(start, start + size)
            scores = [dot(q[head], k[head]) * scale for k in keys]
            attention = softmax(scores)
            heads += [dot(attention, [v[j] for v in values]) for j in range(start, start + size)]
        return linear(heads, w[f"layer{layer}.wo"])

    def inputs(self, tokens: Sequence[int]) -> tuple[list[list[Any]], list[list[float]]]:
        """What :meth:`loss_from` takes for ``tokens``: for each of at most ``block_size`` positions,
        the embedding row of its token (the weights themselves) and the one-hot target of the next
        token.

        >>> model = GPT(GPTConfig(n_embd=4, n_head=2, block_size=8), seed=0)
        >>> rows, targets = model.inputs(encode("ab"))
        >>> rows[1] is model.weights["wte"][0], len(targets), targets[0].index(1.0)
        (True, 3, 0)
        """
        n = min(self.config.block_size, len(tokens) - 1)
        if n < 1:
            raise ValueError(f"need at least two tokens to predict one, got {len(tokens)}")
        rows = [self.weights["wte"][token] for token in tokens[:n]]
        return rows, [one_hot(token, self.config.vocab_size) for token in tokens[1:n + 1]]

    def loss(self, tokens: Sequence[int]) -> Any:
        """Mean cross-entropy of predicting ``tokens[t + 1]`` from ``tokens[:t + 1]``, over at most
        ``block_size`` positions: :meth:`loss_from` on :meth:`inputs`."""
        return self.loss_from(*self.inputs(tokens))

    def loss_from(self, rows: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> Any:
        """Mean cross-entropy over the positions, given each position's token embedding row and the
        next token's one-hot target (:meth:`inputs`): the probability of the target is the dot
        product of the target and the softmax, so the graph depends on the number of positions
        only, and one compiled loss serves every name of a length."""
        n = len(rows)
        if not 1 <= n <= self.config.block_size or len(targets) != n:
            raise ValueError(f"need 1 to {self.config.block_size} rows and as many targets, got {n} rows "
                             f"and {len(targets)} targets")
        cache: list = [([], []) for _ in range(self.config.n_layer)]
        losses = [-dot(targets[t], softmax(self.logits_from(rows[t], t, cache))).log() for t in range(n)]
        total = losses[0]
        for term in losses[1:]:
            total = total + term
        return total * (1.0 / n)

    def sample(self, rng: random.Random, temperature: float = 0.5) -> str:
        """One name drawn letter by letter from the model (logits divided by ``temperature``).

        >>> GPT(GPTConfig(n_embd=4, n_head=1, block_size=4), seed=0).sample(random.Random(0))
        'wulf'
        """
        if not temperature > 0.0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        tokens = [BOS]
        cache: list = [([], []) for _ in range(self.config.n_layer)]
        with no_grad():
            for position in range(self.config.block_size):
                logits = [v.data for v in self.logits(tokens[-1], position, cache)]
                largest = max(logits)
                # Shifted before dividing: logit / 1e-300 would overflow to inf (and inf - inf is NaN).
                weights = [math.exp((v - largest) / temperature) for v in logits]
                token = rng.choices(range(len(logits)), weights=weights)[0]
                if token == BOS:
                    break
                tokens.append(token)
        return decode(tokens)


# --- the trainer -----------------------------------------------------------------------------------------

def train(model: GPT, names: Sequence[str], steps: int, lr: float = 0.01, seed: int | None = 0,
          progress: bool = False, jit: bool = False) -> list[float]:
    """``steps`` Adam steps, one name per step (shuffled with ``seed``), the learning rate decaying
    linearly from ``lr`` to 0; returns each step's loss. ``progress`` shows a tqdm bar with the loss.
    With ``jit``, each step runs the loss compiled by :func:`autograd_core.jit` for the name's
    length (the same floats as without, about five times faster once each length is compiled).

    >>> model = GPT(GPTConfig(n_embd=4, n_head=1, block_size=4), seed=0)
    >>> losses = train(model, ["ab", "ba"], steps=20, lr=0.05)
    >>> losses[-1] < losses[0]
    True
    >>> again = GPT(GPTConfig(n_embd=4, n_head=1, block_size=4), seed=0)
    >>> train(again, ["ab", "ba"], steps=20, lr=0.05, jit=True) == losses
    True
    """
    steps = as_int(steps, "steps", minimum=0)
    if not names:
        raise ValueError("train needs at least one name")
    order = list(names)
    random.Random(seed).shuffle(order)
    encoded = [encode(name) for name in order]
    optimizer = Adam(model.parameters(), lr=lr, betas=(0.9, 0.99))
    schedule = LinearDecay(lr, total_steps=max(steps, 1))
    losses = []
    from tqdm import tqdm

    compiled = jit_per_structure(model.loss_from, params=dict(model.named_parameters())) if jit else None
    bar = tqdm(range(steps), desc="training", unit="step", disable=not progress)
    for step in bar:
        tokens = encoded[step % len(encoded)]
        if compiled is not None:
            loss = compiled(*model.inputs(tokens))
        else:
            graph = model.loss(tokens)
            graph.backward()
            loss = graph.data
        optimizer.lr = schedule(step)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss)
        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
    return losses
