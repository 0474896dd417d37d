"""The ``graph`` and ``landscape`` subcommands of ``autograd-core``.

``autograd-core graph "x * y + sigmoid(x)" --at x=1.5 y=-2 --highlight x -o out.svg``
records the expression on the engine, runs backward and draws the graph;
``autograd-core landscape NAME -o FILE`` draws one picture of the landscape gallery.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register_graph", "register_landscape", "run_graph", "run_landscape"]


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if not suffix:
        raise ValueError(f"cannot tell the picture format from {str(path)!r}: end it in .svg, .png or .pdf")
    return suffix


def run_graph(args: argparse.Namespace) -> int:
    """Build the expression, run backward, draw it; DOT source to stdout when no ``-o``."""
    from autograd_core.files import write_atomically

    from .expression import build_expression, parse_assignments
    from .graph import draw_graph, render

    root, _leaves = build_expression(args.expression, parse_assignments(args.at or []))
    root.backward()
    options = {"highlight": args.highlight or None, "show_partials": not args.no_partials,
               "rankdir": args.rankdir}
    if args.output is None:
        sys.stdout.write(draw_graph(root, **options).source)
        return 0
    target = Path(args.output)
    fmt = _format_of(target)
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


def register_graph(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``graph`` subcommand."""
    from .expression import FUNCTIONS, MAX_LENGTH

    parser = subparsers.add_parser(
        "graph", help="draw an expression's computation graph",
        description=(
            "Record EXPR on the engine at the point given by --at, run backward and draw the graph: "
            "each value with its data and grad, each op, and on every edge the local derivative. "
            f"EXPR may use names, numbers, + - * / **, unary minus, parentheses and the functions "
            f"{', '.join(FUNCTIONS)}; nothing else is accepted (it is parsed, never evaluated as Python), "
            f"and at most {MAX_LENGTH} characters."))
    parser.add_argument("expression", metavar="EXPR", help='for example "x * y + sigmoid(x)"')
    parser.add_argument("--at", nargs="+", metavar="NAME=NUMBER", help="the value of each name in EXPR")
    parser.add_argument("--highlight", nargs="+", metavar="NAME",
                        help="draw the paths carrying these inputs' gradients in colour, the rest grey")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="picture to write (.svg, .png, .pdf; .dot/.gv for DOT text); "
                             "without it the DOT source goes to stdout")
    parser.add_argument("--rankdir", default="LR", choices=["LR", "RL", "TB", "BT"], help="layout direction")
    parser.add_argument("--no-partials", action="store_true", help="leave the edges unlabelled")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="stop Graphviz's dot after this long (default 60)")
    parser.set_defaults(func=run_graph)


def run_landscape(args: argparse.Namespace) -> int:
    """List the gallery, or draw one of its pictures."""
    from .gallery import GALLERY, draw_gallery_picture

    if args.list or args.name is None:
        width = max(len(name) for name in GALLERY)
        for name, entry in GALLERY.items():
            print(f"{name:<{width}}  {entry.description}")
        return 0 if args.list else 2
    if args.output is None:
        raise ValueError("say where to write the picture with -o FILE (.png, .svg or .pdf)")
    try:
        target = draw_gallery_picture(args.name, args.output, dpi=args.dpi)
    except ImportError as error:
        # matplotlib (the plot extra) missing: one line saying what to install, not a traceback.
        print(f"autograd-core landscape: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {target}")
    return 0


def register_landscape(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``landscape`` subcommand."""
    from .gallery import GALLERY

    names = "\n".join(f"  {name}: {entry.description}" for name, entry in GALLERY.items())
    parser = subparsers.add_parser(
        "landscape", help="draw a loss landscape from the gallery",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Draw one picture of the loss-landscape gallery (needs matplotlib: the plot extra).\n\n"
                    f"NAME is one of:\n{names}")
    parser.add_argument("name", metavar="NAME", nargs="?", choices=list(GALLERY), help="which picture")
    parser.add_argument("-o", "--output", metavar="FILE", help="picture to write (.png, .svg or .pdf)")
    parser.add_argument("--dpi", type=int, default=100, help="dots per inch of a .png (default 100)")
    parser.add_argument("--list", action="store_true", help="list the pictures and exit")
    parser.set_defaults(func=run_landscape)
