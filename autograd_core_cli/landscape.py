"""The ``landscape`` subcommand: ``autograd-core landscape NAME [-o FILE]`` draws one gallery picture
(to ``NAME.png`` in the current directory when no ``-o`` is given).

It sits in the command-line package because the gallery (:mod:`autograd_core_cli.gallery`) uses
both ``nn`` (optimizers, schedules, data) and ``viz`` (the landscape plots).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .gallery import GALLERY, draw_gallery_picture

__all__ = ["register", "run_landscape", "default_output"]


def default_output(name: str) -> Path:
    """Where ``landscape NAME`` writes without ``-o``: ``NAME.png`` in the current directory.

    >>> str(default_output("two-minima"))
    'two-minima.png'
    """
    return Path(f"{name}.png")


def run_landscape(args: argparse.Namespace) -> int:
    """List the gallery, or draw one of its pictures."""
    if args.list or args.name is None:
        width = max(len(name) for name in GALLERY)
        for name, entry in GALLERY.items():
            print(f"{name:<{width}}  {entry.description}")
        return 0 if args.list else 2
    output = default_output(args.name) if args.output is None else args.output
    try:
        target = draw_gallery_picture(args.name, output, dpi=args.dpi)
    except ImportError as error:
        # matplotlib (the plot extra) missing: one line saying what to install, not a traceback.
        print(f"autograd-core landscape: error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {target}" if args.output is not None else
          f"wrote {Path(target).resolve()} (-o FILE writes elsewhere: .png, .svg or .pdf)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``landscape`` subcommand."""
    names = "\n".join(f"  {name}: {entry.description}" for name, entry in GALLERY.items())
    parser = subparsers.add_parser(
        "landscape", help="draw a loss landscape from the gallery",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=f"Draw one picture of the loss-landscape gallery (needs matplotlib: the plot extra).\n\n"
                    f"NAME is one of:\n{names}")
    parser.add_argument("name", metavar="NAME", nargs="?", choices=list(GALLERY), help="which picture")
    parser.add_argument("-o", "--output", metavar="FILE", help="picture to write (.png, .svg or .pdf; default: NAME.png in the current directory)")
    parser.add_argument("--dpi", type=int, default=100, help="dots per inch of a .png (default 100)")
    parser.add_argument("--list", action="store_true", help="list the pictures and exit")
    parser.set_defaults(func=run_landscape)
