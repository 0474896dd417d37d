"""The ``article`` subcommand: the worked backpropagation example, printed like a textbook.

``autograd-core article [--lr 0.5] [--steps N] [--weights FILE] [--inputs X1 X2] [--target T]
[--svg PATH] [--html PATH]``
"""

from __future__ import annotations

import argparse
import math
import os

from autograd_core_cli.graph import picture_format
from nn.article import DEFAULT_INPUTS, DEFAULT_LR, DEFAULT_TARGET, article_network, load_weights, walkthrough
from nn.chain import fmt
from nn.losses import squared_error
from nn.optim import SGD
from nn.train import fit
from viz import explorer, render

from .limits import real_number, whole_number

__all__ = ["register", "run_article", "training_table", "MAX_STEPS", "MAX_LR"]

#: At most this many rows of the training table are printed (evenly spaced, first and last kept).
MAX_TABLE_ROWS = 21
#: Most training steps ``--steps`` asks for (a step of the 15-weight network is a fraction of a
#: millisecond, so this is about a minute).
MAX_STEPS = 1_000_000
#: Largest learning rate ``--lr`` accepts (the sigmoids saturate long before).
MAX_LR = 1_000.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``article`` subcommand."""
    parser = subparsers.add_parser(
        "article", help="the worked backpropagation example, step by step",
        description="Print one step of backpropagation on the article's 2-2-2-1 sigmoid network: "
                    "the forward pass, the loss, all 15 gradients by the chain rule, the updated "
                    "weights and the new loss. The default inputs, target and weights are our "
                    "illustrative values.")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR,
                        help=f"learning rate (default 0.5; > 0, <= {MAX_LR:g})")
    parser.add_argument("--steps", type=int, default=0, metavar="N",
                        help=f"then train N gradient-descent steps and print the loss falling (at most {MAX_STEPS:,})")
    parser.add_argument("--weights", metavar="FILE",
                        help="JSON weights: {\"w1\": 0.1, ...} (others keep their defaults) "
                             "or a file written by Module.save")
    parser.add_argument("--inputs", type=float, nargs=2, metavar=("X1", "X2"), default=DEFAULT_INPUTS,
                        help=f"the two inputs (default {DEFAULT_INPUTS[0]} {DEFAULT_INPUTS[1]})")
    parser.add_argument("--target", type=float, default=DEFAULT_TARGET, metavar="T",
                        help=f"the target output (default {DEFAULT_TARGET})")
    parser.add_argument("--svg", metavar="PATH",
                        help="also draw the chain-rule graph, in the format the suffix names (.svg, .png, .pdf)")
    parser.add_argument("--html", metavar="PATH",
                        help="also write the backpropagation explorer: one offline page that steps through "
                             "backward node by node and spells out each gradient")
    parser.set_defaults(func=run_article)


def training_table(weights: dict | None, inputs: tuple, target: float, lr: float, steps: int) -> list[str]:
    """Lines of the loss after each of ``steps`` gradient-descent steps (abridged when long)."""
    model = article_network(weights)
    # progress=None: a tqdm bar on the terminal when the training takes more than a second.
    history = fit(model, [(list(inputs), target)], squared_error, SGD(model.parameters(), lr=lr),
                  epochs=steps, progress=None)
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
    """Draw the chain-rule graph to ``path`` in the format its suffix names (.svg, .png, .pdf)."""
    model = article_network(weights)
    loss, _ = model.loss(inputs, target)
    loss.backward()  # so the drawing shows every gradient
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # "[Errno 17] File exists" said nothing of why
        blocker = directory
        while not os.path.lexists(blocker):
            blocker = os.path.dirname(blocker)
        raise NotADirectoryError(f"cannot write {path}: {blocker} is a file, not a directory") from None
    # Top to bottom, like the README's picture: left to right, 47 values make a strip 17 pages wide.
    written = render(loss, path, format=picture_format(path), highlight=[model.params["w5"]], rankdir="TB")
    print(f"\nThe chain-rule graph (w5's paths highlighted) is in {written}")
    return 0


def _write_explorer(weights: dict | None, inputs: tuple, target: float, path: str) -> int:
    """Write the explorer page of the article network's training step to ``path``."""
    loss, _ = article_network(weights).loss(inputs, target)
    explorer(loss, path, rankdir="TB", title="The article's network: one step of backpropagation")
    print(f"\nThe backpropagation explorer (open it in a browser) is in {path}")
    return 0


def _check_settings(args: argparse.Namespace) -> None:
    """The numbers in range and the picture's format known, before anything is printed or built."""
    whole_number("--steps", args.steps, 0, MAX_STEPS)
    real_number("--lr", args.lr, 0.0, MAX_LR, above=True)
    if not all(math.isfinite(x) for x in args.inputs):
        raise ValueError(f"--inputs must be two finite numbers, got {' '.join(map(repr, args.inputs))}")
    if not math.isfinite(args.target):
        raise ValueError(f"--target must be a finite number, got {args.target!r}")
    if args.svg:
        picture_format(args.svg)


def run_article(args: argparse.Namespace) -> int:
    """Print the walkthrough; then train on (``--steps``), draw the graph (``--svg``), write the explorer (``--html``)."""
    _check_settings(args)
    weights = load_weights(args.weights) if args.weights else None
    inputs, target = tuple(args.inputs), args.target
    print(walkthrough(inputs, target, weights, lr=args.lr).render())
    if args.steps:
        print()
        print("\n".join(training_table(weights, inputs, target, args.lr, args.steps)))
    if args.svg:
        _draw_svg(weights, inputs, target, args.svg)
    if args.html:
        _write_explorer(weights, inputs, target, args.html)
    return 0
