"""The ``autograd-core`` command line: one parser, one subcommand per module of this package.

Each subcommand module (``article``, ``gpt``, ``graph``, ``landscape``) has a function
``register(subparsers)`` that adds its subparser and sets ``func`` on it; :func:`build_parser`
calls them in turn. This package sits above ``nn`` and ``viz``, so it imports them directly.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from autograd_core import __version__

from . import article, gpt, graph, landscape

__all__ = ["CommandParser", "build_parser", "main"]


class CommandParser(argparse.ArgumentParser):
    """The parser of one subcommand; ``dash_positional = True`` lets its one positional start with ``-``.

    argparse takes ``-x*y`` for an unknown option. With ``dash_positional`` set, the
    argument after ``--``, or else the first argument that starts with ``-`` and is
    neither one of the command's options nor a number, is the positional, wherever it
    stands among the options (``graph "-x*y" --at x=1 y=2`` and ``graph -- "-x*y" --at
    x=1 y=2`` both work). Long options (``--...``) are never taken for it.

    >>> parser = CommandParser(prog="demo")
    >>> parser.dash_positional = True
    >>> _ = parser.add_argument("expression")
    >>> _ = parser.add_argument("-o")
    >>> vars(parser.parse_args(["-x*y", "-o", "out.svg"]))
    {'expression': '-x*y', 'o': 'out.svg'}
    """

    dash_positional = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.short_options: list[str] = []
        super().__init__(*args, **kwargs)

    def add_argument(self, *names: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*names, **kwargs)
        self.short_options += [name for name in action.option_strings if not name.startswith("--")]
        return action

    def parse_known_args(self, args: Iterable[str] | None = None, namespace: Any = None) -> Any:
        if self.dash_positional and args is not None:
            args = self._positional_last(list(args))
        return super().parse_known_args(args, namespace)

    def _positional_last(self, args: list[str]) -> list[str]:
        """``args`` with the dash-led positional moved behind a ``--`` at the end."""
        if "--" in args:
            at = args.index("--")
            return args if at + 1 >= len(args) else args[:at] + args[at + 2:] + ["--", args[at + 1]]
        for at, arg in enumerate(args):
            if self._is_dash_positional(arg):
                return args[:at] + args[at + 1:] + ["--", arg]
        return args

    def _is_dash_positional(self, arg: str) -> bool:
        if not arg.startswith("-") or arg.startswith("--") or len(arg) < 2:
            return False
        if any(arg.startswith(option) for option in self.short_options):  # -o or -ofile.svg
            return False
        try:
            float(arg)  # a negative number is an option's value (argparse reads those itself)
        except ValueError:
            return True
        return False


def _register_commands(subparsers: argparse._SubParsersAction[CommandParser]) -> None:
    for command in (article, gpt, graph, landscape):
        command.register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every installed subcommand."""
    parser = argparse.ArgumentParser(
        prog="autograd-core",
        description="A scalar autodiff engine (reverse and forward mode): worked examples, graphs and landscapes.")
    parser.add_argument("--version", action="version", version=f"autograd-core {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    _register_commands(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # here, so a reader that left early is noticed below, not at exit
        return status
    except BrokenPipeError:
        return _reader_went_away()
    except (ValueError, TypeError, OSError, ArithmeticError) as error:
        # Bad input from the command line: one clear line, not a traceback.
        print(f"autograd-core {args.command}: error: {error}", file=sys.stderr)
        return 1


def _reader_went_away() -> int:
    """The reader of our output closed it (``autograd-core article | head``): stop quietly with
    status 0, as other Unix tools do. stdout is pointed at /dev/null so that Python's final flush
    of what is still buffered does not fail again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
