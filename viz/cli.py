"""The ``graph`` and ``landscape`` subcommands (filled in by the viz issue)."""

from __future__ import annotations

import argparse


def register_graph(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``graph`` subcommand."""
    parser = subparsers.add_parser("graph", help="draw an expression's computation graph")
    parser.set_defaults(func=lambda args: print("graph: not built yet") or 1)


def register_landscape(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``landscape`` subcommand."""
    parser = subparsers.add_parser("landscape", help="draw a loss landscape")
    parser.set_defaults(func=lambda args: print("landscape: not built yet") or 1)
