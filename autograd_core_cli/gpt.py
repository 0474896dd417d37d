"""The ``gpt`` subcommand: train the tiny GPT on the shipped names, then sample new ones.

``autograd-core gpt [--steps N] [--seed S] [--sample K] [--n-embd 16] [--n-head 4]
[--block-size 16] [--n-layer 1] [--lr 0.01] [--temperature 0.5]``
"""

from __future__ import annotations

import argparse
import random

from nn.data import names
from nn.gpt import GPT, GPTConfig, train

__all__ = ["register", "run_gpt"]


def register(subparsers: argparse._SubParsersAction) -> None:
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
    parser.add_argument("--lr", type=float, default=0.01,
                        help="Adam's first learning rate, decayed linearly to 0 (default 0.01)")
    parser.add_argument("--temperature", type=float, default=0.5,
                        help="sampling temperature: lower is safer, higher more inventive (default 0.5)")
    parser.set_defaults(func=run_gpt)


def run_gpt(args: argparse.Namespace) -> int:
    """Train the GPT with a progress bar, print how the loss fell, then ``--sample`` names."""
    if args.steps < 0 or args.sample < 0:
        raise ValueError(f"--steps and --sample must be >= 0, got {args.steps} and {args.sample}")
    if not args.temperature > 0.0:
        raise ValueError(f"--temperature must be > 0, got {args.temperature}")
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
