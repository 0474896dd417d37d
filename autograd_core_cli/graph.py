"""The ``graph`` subcommand of ``autograd-core`` (it needs only viz and the engine).

``autograd-core graph "x * y + sigmoid(x)" --at x=1.5 y=-2 --highlight x -o out.svg``
records the expression on the engine, runs backward and draws the graph.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["register", "run_graph", "picture_format", "MAX_TIMEOUT"]

#: Longest ``--timeout`` accepted: a day (a larger one overflows the system's timers).
MAX_TIMEOUT = 86_400.0


def picture_format(path: str | os.PathLike) -> str:
    """The picture format a file name asks for, from its suffix (the command line's one rule).

    >>> picture_format("graph.PNG")
    'png'
    """
    shown = os.fspath(path)
    if shown.endswith((os.sep, os.altsep or os.sep)):  # Path() would drop it, and write a file
        raise IsADirectoryError(f"cannot write {shown}: a path ending in {shown[-1]} names a directory, not a file")
    suffix = Path(path).suffix.lower().lstrip(".")
    if not suffix:
        raise ValueError(f"cannot tell the picture format from {os.fspath(path)!r}: end it in .svg, .png or .pdf")
    return suffix


def run_graph(args: argparse.Namespace) -> int:
    """Build the expression, run backward, draw it; DOT source to stdout when neither ``-o`` nor ``--html``."""
    from autograd_core.helpers.files import write_atomically
    from viz.explorer_page import explorer
    from viz.expression import build_expression, fold_name, parse_assignments
    from viz.graph import draw_graph, render

    from .limits import real_number

    if args.timeout is not None:  # checked even when dot will not run (DOT text to stdout)
        real_number("--timeout", args.timeout, 0.0, MAX_TIMEOUT, above=True)
    if args.output is not None:
        picture_format(args.output)
    root, _leaves = build_expression(args.expression, parse_assignments(args.at or []))
    root.backward()
    highlight = [fold_name(name) for name in args.highlight or []]  # as the expression's names are
    options = {"highlight": highlight or None, "show_partials": not args.no_partials,
               "rankdir": args.rankdir}
    if args.html is not None:
        try:
            explorer(root, args.html, title=f"Backpropagation through {args.expression}",
                     timeout=args.timeout, **options)
        except RuntimeError as error:  # dot itself failed: say so in one line
            print(f"autograd-core graph: error: {error}", file=sys.stderr)
            return 1
        print(f"wrote {args.html}")
        if args.output is None:
            return 0
    if args.output is None:
        sys.stdout.write(draw_graph(root, **options).source)
        return 0
    target = args.output  # as given: Path() would drop a trailing "/", which names a directory
    fmt = picture_format(target)
    if fmt in ("dot", "gv"):
        write_atomically(target, draw_graph(root, **options).source.encode("utf-8"))
    else:
        try:
            render(root, target, format=fmt, timeout=args.timeout, **options)
        except RuntimeError as error:  # dot itself failed: say so in one line
            print(f"autograd-core graph: error: {error}", file=sys.stderr)
            return 1
    print(f"wrote {target}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``graph`` subcommand."""
    from viz.expression import FUNCTIONS, MAX_LENGTH

    parser = subparsers.add_parser(
        "graph", help="draw an expression's computation graph",
        description=(
            "Record EXPR on the engine at the point given by --at, run backward and draw the graph: "
            "each value with its data and grad, each op, and on every edge the local derivative. "
            f"EXPR may use names, numbers, + - * / **, unary minus, parentheses and the functions "
            f"{', '.join(FUNCTIONS)}; nothing else is accepted (it is parsed, never evaluated as Python), "
            f"and at most {MAX_LENGTH} characters."))
    parser.dash_positional = True  # "-x*y" is an expression, not an unknown option
    parser.add_argument("expression", metavar="EXPR",
                        help='for example "x * y + sigmoid(x)"; it may start with a minus ("-x*y")')
    parser.add_argument("--at", nargs="+", metavar="NAME=NUMBER", help="the value of each name in EXPR")
    parser.add_argument("--highlight", nargs="+", metavar="NAME",
                        help="draw the paths carrying these inputs' gradients in colour, the rest grey")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="picture to write (.svg, .png, .pdf; .dot/.gv for DOT text); "
                             "without it the DOT source goes to stdout")
    parser.add_argument("--html", metavar="FILE",
                        help="also write the backpropagation explorer: one offline HTML page that steps "
                             "through backward node by node (--highlight selects values in it)")
    parser.add_argument("--rankdir", default="auto", choices=["auto", "LR", "RL", "TB", "BT"],
                        help="layout direction (default auto: left to right, top to bottom for a deep graph)")
    parser.add_argument("--no-partials", action="store_true", help="leave the edges unlabelled")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help=f"stop Graphviz's dot after this long (default 60, at most {MAX_TIMEOUT:g})")
    parser.set_defaults(func=run_graph)
