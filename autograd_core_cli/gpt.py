"""The ``gpt`` subcommand: train the tiny GPT on the shipped names, then sample new ones.

``autograd-core gpt [--steps N] [--seed S] [--sample K] [--n-embd 16] [--n-head 4]
[--block-size 16] [--n-layer 1] [--lr 0.01] [--temperature 0.5] [--jit]``
"""

from __future__ import annotations

import argparse
import random

from nn.data import names
from nn.gpt import GPT, GPTConfig, train

from .limits import real_number, whole_number

__all__ = ["register", "run_gpt", "check_settings", "LIMITS", "MAX_PARAMETERS"]

#: Each whole-number setting's range. The longest given name has 11 letters, so a context of
#: 64 characters already exceeds every name the model sees; the sizes are further bounded
#: together by :data:`MAX_PARAMETERS`.
LIMITS = {
    "--steps": (0, 100_000),
    "--sample": (0, 10_000),
    "--n-embd": (1, 256),
    "--n-head": (1, 256),
    "--block-size": (1, 64),
    "--n-layer": (1, 16),
}
#: Most weights the command builds: every weight is a Python object, and one training step on
#: the longest name records about 6 KB of graph per weight (100,000 weights: about 0.6 GB, and
#: seconds per step).
MAX_PARAMETERS = 100_000
#: Largest learning rate and sampling temperature accepted.
MAX_LR = 10.0
MAX_TEMPERATURE = 100.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gpt`` subcommand."""
    defaults = GPTConfig()
    parser = subparsers.add_parser(
        "gpt", help="train a tiny character-level GPT on given names, then sample new names",
        description="Train a character-level GPT (token and position embeddings, RMS norm, causal "
                    "multi-head self-attention, a ReLU MLP, a linear head; every number a scalar "
                    "Value) on the 5,163 given names shipped with nn, one name per Adam step, then "
                    "print names sampled from it.")
    parser.add_argument("--steps", type=int, default=1000, metavar="N",
                        help=f"training steps (default 1000, at most {LIMITS['--steps'][1]:,})")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the weights, the order of the names and the sampling (default 0)")
    parser.add_argument("--sample", type=int, default=20, metavar="K",
                        help=f"names to sample (default 20, at most {LIMITS['--sample'][1]:,})")
    parser.add_argument("--n-embd", type=int, default=defaults.n_embd,
                        help=f"embedding width (default 16, at most {LIMITS['--n-embd'][1]})")
    parser.add_argument("--n-head", type=int, default=defaults.n_head,
                        help="attention heads, dividing --n-embd (default 4)")
    parser.add_argument("--block-size", type=int, default=defaults.block_size,
                        help=f"context length in characters (default 16, at most {LIMITS['--block-size'][1]})")
    parser.add_argument("--n-layer", type=int, default=defaults.n_layer,
                        help=f"transformer blocks (default 1, at most {LIMITS['--n-layer'][1]}; "
                             f"the model at most {MAX_PARAMETERS:,} weights)")
    parser.add_argument("--lr", type=float, default=0.01,
                        help=f"Adam's first learning rate, decayed linearly to 0 (default 0.01; > 0, <= {MAX_LR:g})")
    parser.add_argument("--temperature", type=float, default=0.5,
                        help="sampling temperature: lower is safer, higher more inventive "
                             f"(default 0.5; > 0, <= {MAX_TEMPERATURE:g})")
    parser.add_argument("--jit", action="store_true",
                        help="run each step's loss compiled by autograd_core.jit, once per name length "
                             "(the same losses, about five times faster after a second of compiling per length)")
    parser.set_defaults(func=run_gpt)


def check_settings(args: argparse.Namespace) -> GPTConfig:
    """Every setting in its range (:data:`LIMITS`), ``--n-head`` dividing ``--n-embd``, at most
    :data:`MAX_PARAMETERS` weights, a finite positive ``--lr`` and ``--temperature``: checked
    before anything is built; a ValueError names the first setting out of range.

    >>> args = argparse.Namespace(steps=10, sample=2, n_embd=16, n_head=4, block_size=100_000_000,
    ...                           n_layer=1, lr=0.01, temperature=0.5)
    >>> check_settings(args)
    Traceback (most recent call last):
    ...
    ValueError: --block-size must be a whole number from 1 to 64, got 100000000
    """
    for option, (low, high) in LIMITS.items():
        whole_number(option, getattr(args, option[2:].replace("-", "_")), low, high)
    if args.n_embd % args.n_head:
        raise ValueError(f"--n-embd ({args.n_embd}) must be a multiple of --n-head ({args.n_head})")
    real_number("--lr", args.lr, 0.0, MAX_LR, above=True)
    real_number("--temperature", args.temperature, 0.0, MAX_TEMPERATURE, above=True)
    config = GPTConfig(n_embd=args.n_embd, n_head=args.n_head, block_size=args.block_size, n_layer=args.n_layer)
    if config.n_parameters > MAX_PARAMETERS:
        raise ValueError(f"a GPT with --n-embd {args.n_embd}, --n-layer {args.n_layer} and --block-size "
                         f"{args.block_size} has {config.n_parameters:,} weights; this command builds at most "
                         f"{MAX_PARAMETERS:,} (a smaller --n-embd or --n-layer)")
    return config


def run_gpt(args: argparse.Namespace) -> int:
    """Train the GPT with a progress bar, print how the loss fell, then ``--sample`` names."""
    config = check_settings(args)
    model = GPT(config, seed=args.seed)
    training_names = names()
    print(f"{model} on {len(training_names)} names, {args.steps} steps", flush=True)
    losses = train(model, training_names, args.steps, lr=args.lr, seed=args.seed, progress=True,
                   jit=getattr(args, "jit", False))
    if losses:
        window = max(1, min(50, len(losses) // 2))
        print(f"mean loss over the first {window} steps {sum(losses[:window]) / window:.3f}, "
              f"over the last {window} {sum(losses[-window:]) / window:.3f}")
    if args.sample:
        rng = random.Random(args.seed)
        print(f"{args.sample} sampled names (temperature {args.temperature}):")
        print("\n".join(model.sample(rng, args.temperature) for _ in range(args.sample)))
    return 0
