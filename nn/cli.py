"""The ``article`` subcommand, the worked backpropagation example printed like a textbook, and
the ``gpt`` subcommand, which trains the tiny GPT on the shipped names and samples new ones.

``autograd-core article [--lr 0.5] [--steps N] [--weights FILE] [--inputs X1 X2] [--target T]
[--svg PATH]``

``autograd-core gpt [--steps N] [--seed S] [--sample K] [--n-embd 16] [--n-head 4]
[--block-size 16] [--n-layer 1] [--lr 0.01] [--temperature 0.5]``
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys

from .article import DEFAULT_INPUTS, DEFAULT_LR, DEFAULT_TARGET, article_network, load_weights, walkthrough
from .chain import fmt
from .data import names
from .gpt import GPT, GPTConfig, train
from .losses import squared_error
from .optim import SGD
from .train import fit

__all__ = ["register", "run_article", "training_table", "register_gpt", "run_gpt"]

#: At most this many rows of the training table are printed (evenly spaced, first and last kept).
MAX_TABLE_ROWS = 21


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``article`` subcommand."""
    parser = subparsers.add_parser(
        "article", help="the worked backpropagation example, step by step",
        description="Print one step of backpropagation on the article's 2-2-2-1 sigmoid network: "
                    "the forward pass, the loss, all 15 gradients by the chain rule, the updated "
                    "weights and the new loss. The default inputs, target and weights are our "
                    "illustrative values.")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR, help="learning rate (default 0.5)")
    parser.add_argument("--steps", type=int, default=0, metavar="N",
                        help="then train N gradient-descent steps and print the loss falling")
    parser.add_argument("--weights", metavar="FILE",
                        help="JSON weights: {\"w1\": 0.1, ...} (others keep their defaults) "
                             "or a file written by Module.save")
    parser.add_argument("--inputs", type=float, nargs=2, metavar=("X1", "X2"), default=DEFAULT_INPUTS,
                        help=f"the two inputs (default {DEFAULT_INPUTS[0]} {DEFAULT_INPUTS[1]})")
    parser.add_argument("--target", type=float, default=DEFAULT_TARGET, metavar="T",
                        help=f"the target output (default {DEFAULT_TARGET})")
    parser.add_argument("--svg", metavar="PATH", help="also draw the chain-rule graph (needs viz)")
    parser.set_defaults(func=run_article)


def training_table(weights: dict | None, inputs: tuple, target: float, lr: float, steps: int) -> list[str]:
    """Lines of the loss after each of ``steps`` gradient-descent steps (abridged when long)."""
    model = article_network(weights)
    history = fit(model, [(list(inputs), target)], squared_error, SGD(model.parameters(), lr=lr),
                  epochs=steps, progress=False)
    final = model.loss(inputs, target)[0].data
    losses = history.epoch_loss[:] + [final]  # losses[k] = E after k steps
    stride = max(1, math.ceil(steps / (MAX_TABLE_ROWS - 1)))
    rows = sorted(set(range(0, steps + 1, stride)) | {steps})
    plural = "" if steps == 1 else "s"
    lines = [f"Training on: {steps} step{plural} of gradient descent at η = {fmt(lr)}", "", "  step  E"]
    lines += [f"{k:>6}  {fmt(losses[k])}" for k in rows]
    lines.append(f"E fell from {fmt(losses[0])} to {fmt(losses[-1])}; a_o is now "
                 f"{fmt(model(list(inputs)).data)} (target {fmt(target)})")
    return lines


def _draw_svg(weights: dict | None, inputs: tuple, target: float, path: str) -> int:
    try:
        import viz
    except ImportError:
        viz = None
    render = getattr(viz, "render", None)
    if render is None:
        print("autograd-core article: --svg needs the viz package's render(), which is not "
              "installed yet; the walkthrough above is complete without it", file=sys.stderr)
        return 1
    model = article_network(weights)
    loss, _ = model.loss(inputs, target)
    loss.backward()  # so the drawing shows every gradient
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # Top to bottom, like the README's picture: left to right, 47 values make a strip 17 pages wide.
    written = render(loss, path, highlight=[model.params["w5"]], rankdir="TB")
    print(f"\nThe chain-rule graph (w5's paths highlighted) is in {written}")
    return 0


def run_article(args: argparse.Namespace) -> int:
    """Print the walkthrough; then train on (``--steps``) and draw the graph (``--svg``)."""
    if args.steps < 0:
        raise ValueError(f"--steps must be >= 0, got {args.steps}")
    weights = load_weights(args.weights) if args.weights else None
    inputs, target = tuple(args.inputs), args.target
    print(walkthrough(inputs, target, weights, lr=args.lr).render())
    if args.steps:
        print()
        print("\n".join(training_table(weights, inputs, target, args.lr, args.steps)))
    if args.svg:
        return _draw_svg(weights, inputs, target, args.svg)
    return 0


def register_gpt(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gpt`` subcommand."""
    defaults = GPTConfig()
    parser = subparsers.add_parser(
        "gpt", help="train a tiny character-level GPT on given names, then sample new names",
        description="Train a character-level GPT (token and position embeddings, RMS norm, causal "
                    "multi-head self-attention, a ReLU MLP, a linear head; every number a scalar "
                    "Value) on the 5,163 given names shipped with nn, one name per Adam step, then "
                    "print names sampled from it.")
    parser.add_argument("--steps", type=int, default=1000, metavar="N", help="training steps (default 1000)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the weights, the order of the names and the sampling (default 0)")
    parser.add_argument("--sample", type=int, default=20, metavar="K", help="names to sample (default 20)")
    parser.add_argument("--n-embd", type=int, default=defaults.n_embd, help="embedding width (default 16)")
    parser.add_argument("--n-head", type=int, default=defaults.n_head, help="attention heads (default 4)")
    parser.add_argument("--block-size", type=int, default=defaults.block_size,
                        help="context length in characters (default 16)")
    parser.add_argument("--n-layer", type=int, default=defaults.n_layer, help="transformer blocks (default 1)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam's first learning rate, "
                        "decayed linearly to 0 (default 0.01)")
    parser.add_argument("--temperature", type=float, default=0.5,
                        help="sampling temperature: lower is safer, higher more inventive (default 0.5)")
    parser.set_defaults(func=run_gpt)


def run_gpt(args: argparse.Namespace) -> int:
    """Train the GPT with a progress bar, print how the loss fell, then ``--sample`` names."""
    if args.steps < 0 or args.sample < 0:
        raise ValueError(f"--steps and --sample must be >= 0, got {args.steps} and {args.sample}")
    config = GPTConfig(n_embd=args.n_embd, n_head=args.n_head, block_size=args.block_size,
                       n_layer=args.n_layer)
    model = GPT(config, seed=args.seed)
    training_names = names()
    print(f"{model} on {len(training_names)} names, {args.steps} steps", flush=True)
    losses = train(model, training_names, args.steps, lr=args.lr, seed=args.seed, progress=True)
    if losses:
        window = max(1, min(50, len(losses) // 2))
        print(f"mean loss over the first {window} steps {sum(losses[:window]) / window:.3f}, "
              f"over the last {window} {sum(losses[-window:]) / window:.3f}")
    if args.sample:
        rng = random.Random(args.seed)
        print(f"{args.sample} sampled names (temperature {args.temperature}):")
        print("\n".join(model.sample(rng, args.temperature) for _ in range(args.sample)))
    return 0
