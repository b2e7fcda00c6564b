"""The ``symbp`` command line: the entry point, and one module per subcommand (``check``, ``prove``, ``mutate``, ``train``)."""

from __future__ import annotations

import argparse
import importlib
import sys

from ..version import __version__
from .args import Parser

__all__ = ["main", "build_parser", "SUBCOMMANDS"]

#: The subcommands, each a module of :mod:`symbp.cli` with ``add_parser(subparsers)`` and ``run(args)``.
SUBCOMMANDS = ("check", "prove", "mutate", "train")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``symbp`` command.

    >>> build_parser().parse_args(["check", "--jobs", "2"]).jobs
    2
    """
    p = Parser(prog="symbp", description="Check the mathematics of backpropagation against a CAS ground truth.")
    p.add_argument("--version", action="version", version=f"symbp {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in SUBCOMMANDS:
        importlib.import_module(f".{name}", __package__).add_parser(sub)
    return p


def main(argv=None) -> int:
    """Run the ``symbp`` command; returns its exit code."""
    try:
        args = build_parser().parse_args(argv)
        if args.command in SUBCOMMANDS:
            return importlib.import_module(f".{args.command}", __package__).run(args)
    except KeyboardInterrupt:   # Ctrl-C before a command handles it (still importing on a loaded machine): one line
        print("symbp: interrupted", file=sys.stderr)
        return 130
    build_parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
