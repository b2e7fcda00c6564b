"""The ``symbp`` command line: the entry point, and one module per subcommand (``check``, ``prove``, ``mutate``, ``train``)."""

from __future__ import annotations

import argparse
import importlib
import sys

from ..version import __version__
from .args import Parser

__all__ = ["main", "build_parser", "SUBCOMMANDS"]

#: The subcommands, each a module of :mod:`symbp.cli` with ``add_parser(subparsers)`` and ``run(args)``,
#: with the one-line help that ``symbp --help`` shows without importing the module.
SUBCOMMANDS = {
    "check": "verify derivations (default: the bundled ones)",
    "prove": "write the proof transcript of a derivation's claims",
    "mutate": "inject single faults into correct claims and score the checker",
    "train": "train a network by gradient descent on a small data set",
}


def build_parser(only=None) -> argparse.ArgumentParser:
    """The argument parser of the ``symbp`` command; with ``only``, the other subcommands' modules are not imported
    (each would load its own dependencies: the CAS for ``mutate``, numpy for ``train``).

    >>> build_parser().parse_args(["check", "--jobs", "2"]).jobs
    2
    >>> build_parser(only="check").parse_args(["check", "--jobs", "2"]).jobs
    2
    """
    p = Parser(prog="symbp", description="Check the mathematics of backpropagation against a CAS ground truth.")
    p.add_argument("--version", action="version", version=f"symbp {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name, one_line in SUBCOMMANDS.items():
        if only in (None, name):
            importlib.import_module(f".{name}", __package__).add_parser(sub)
        else:
            sub.add_parser(name, help=one_line)
    return p


def _subcommand(argv):
    """The subcommand named on the command line, if any (the first word that is one)."""
    return next((a for a in argv if a in SUBCOMMANDS), None)


def main(argv=None) -> int:
    """Run the ``symbp`` command; returns its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(only=_subcommand(argv)).parse_args(argv)
        if args.command in SUBCOMMANDS:
            return importlib.import_module(f".{args.command}", __package__).run(args)
    except KeyboardInterrupt:   # Ctrl-C before a command handles it (still importing on a loaded machine): one line
        print("symbp: interrupted", file=sys.stderr)
        return 130
    build_parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
