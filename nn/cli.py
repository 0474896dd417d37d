"""The ``article`` subcommand (filled in by the nn issue)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``article`` subcommand."""
    parser = subparsers.add_parser("article", help="the worked backpropagation example")
    parser.set_defaults(func=lambda args: print("article: not built yet") or 1)
