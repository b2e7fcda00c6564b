"""The ``symbp`` command line: ``symbp check``, ``prove``, ``mutate`` and ``train``."""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from . import __version__

__all__ = ["main", "build_parser"]

FORMATS = ("table", "json", "markdown", "latex")

#: Subcommands beside ``check``, each a module ``<name>_cli`` with ``add_parser(subparsers)`` and ``run(args)``.
SUBCOMMANDS = ("prove", "mutate", "train")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: one line, exit code 2
        self.exit(2, f"symbp: error: {message}\n")


def _positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return v


def _whole(text, minimum):
    """``text`` as an integer >= ``minimum``: ASCII digits only (``2.0``, ``1_000``, ``True`` are not whole numbers)."""
    if not isinstance(text, str) or not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    v = int(text)
    if v < minimum:
        raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
    return v


def _positive_int(text):
    return _whole(text, 1)


def _seed(text):
    return _whole(text, 0)


def _arch(text):
    from .runner import parse_arch
    try:
        return parse_arch(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``symbp`` command."""
    p = _Parser(prog="symbp", description="Check the mathematics of backpropagation against a CAS ground truth.")
    p.add_argument("--version", action="version", version=f"symbp {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    c = sub.add_parser(
        "check", help="verify derivations (default: the bundled ones)",
        description="Verify every claim of the derivations: exactly (symbolic, generic f) within a time budget, "
                    "then numerically at seeded random points over a sweep of architectures. Exit code 0 when every "
                    "verdict is as pinned, 1 when any is not, 2 on bad input or usage.")
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="derivation files (.py), folders of them, or module names (default: the bundled derivations/)")
    c.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    c.add_argument("--arch", action="append", type=_arch, metavar="W0,W1,...[:M]",
                   help="an architecture to check on, input width first, optional batch size after ':' "
                        "(repeatable; replaces the derivations' sweeps)")
    c.add_argument("--numeric-only", action="store_true", help="skip the exact symbolic check")
    c.add_argument("--backend", choices=("symengine", "sympy"), default="symengine",
                   help="computer algebra backend for the ground truth (default: symengine)")
    c.add_argument("--budget", type=_positive_float, default=10.0, metavar="SECONDS",
                   help="time budget of the exact check per claim; past it the claim is checked numerically "
                        "and the verdict says so (default: 10)")
    c.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="check derivations in N processes (default: 1)")
    c.add_argument("--points", type=_positive_int, default=20, metavar="P",
                   help="random points per architecture for the numeric check (default: 20)")
    c.add_argument("--seed", type=_seed, default=0, help="seed of the random points (default: 0)")
    c.add_argument("--claim", action="append", metavar="LABEL", help="check only the claim(s) with this label")
    c.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    c.add_argument("--debug", action="store_true", help="print tracebacks of claims that raise")
    for name in SUBCOMMANDS:
        importlib.import_module(f".{name}_cli", __package__).add_parser(sub)
    return p


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(name, i, total, label):
        sys.stderr.write(f"\r\033[K[{name} {i + 1}/{total}] {label}"[:120])
        sys.stderr.flush()
    return show


def _run_check(args) -> int:
    from .runner import check
    report = check(list(args.paths) or None, jobs=args.jobs, progress=_progress(), sweep=args.arch,
                   backend=args.backend, budget=args.budget, numeric_only=args.numeric_only,
                   points=args.points, seed=args.seed, only=args.claim, debug=args.debug)
    if sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    text = report.render(args.format)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    for d in report.derivations:
        if d.error:
            print(f"symbp: error: {d.error}", file=sys.stderr)
    return report.exit_code


def main(argv=None) -> int:
    """Run the ``symbp`` command; returns its exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "check":
        try:
            return _run_check(args)
        except KeyboardInterrupt:   # the user's Ctrl-C: the run stops, and never as a pass
            print("symbp: interrupted", file=sys.stderr)
            return 130
    if args.command in SUBCOMMANDS:
        return importlib.import_module(f".{args.command}_cli", __package__).run(args)
    build_parser().print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
