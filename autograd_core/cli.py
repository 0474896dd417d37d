"""The ``autograd-core`` command line.

Subcommands are plugins found through the ``autograd_core.commands`` entry-point
group (see ``pyproject.toml``): each entry names a function ``register(subparsers)``
that adds one subparser and sets ``func`` on it. That keeps the engine free of
imports from ``nn`` and ``viz``, which sit above it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from . import __version__

__all__ = ["build_parser", "main"]


def _register_plugins(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for entry in sorted(entry_points(group="autograd_core.commands"), key=lambda e: e.name):
        entry.load()(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every installed subcommand."""
    parser = argparse.ArgumentParser(
        prog="autograd-core",
        description="A scalar reverse-mode autodiff engine: worked examples, graphs and landscapes.")
    parser.add_argument("--version", action="version", version=f"autograd-core {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _register_plugins(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, OSError, ArithmeticError) as error:
        # Bad input from the command line: one clear line, not a traceback.
        print(f"autograd-core {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
