"""``symbp check``: verify derivations and print the report (table, JSON, Markdown or LaTeX).

Exit code 0 when every verdict is the pinned one, 1 when any is not, 2 on bad input or usage.
"""

from __future__ import annotations

import sys

from .args import arch, positive_float, positive_int, seed

__all__ = ["add_parser", "run", "FORMATS"]

FORMATS = ("table", "json", "markdown", "latex")


def add_parser(sub):
    """Register the ``check`` command on an argparse ``subparsers`` object; returns its parser."""
    c = sub.add_parser(
        "check", help="verify derivations (default: the bundled ones)",
        description="Verify every claim of the derivations: exactly (symbolic, generic f) within a time budget, "
                    "then numerically at seeded random points over a sweep of architectures. Exit code 0 when every "
                    "verdict is as pinned, 1 when any is not, 2 on bad input or usage.")
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="derivation files (.py), folders of them, or module names (default: the bundled derivations/)")
    c.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    c.add_argument("--arch", action="append", type=arch, metavar="W0,W1,...[:M]",
                   help="an architecture to check on, input width first, optional batch size after ':' "
                        "(repeatable; replaces the derivations' sweeps)")
    c.add_argument("--numeric-only", action="store_true", help="skip the exact symbolic check")
    c.add_argument("--backend", choices=("symengine", "sympy"), default="symengine",
                   help="computer algebra backend for the ground truth (default: symengine)")
    c.add_argument("--budget", type=positive_float, default=10.0, metavar="SECONDS",
                   help="time budget of the exact check per claim; past it the claim is checked numerically "
                        "and the verdict says so (default: 10)")
    c.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="check derivations in N processes (default: 1)")
    c.add_argument("--points", type=positive_int, default=20, metavar="P",
                   help="random points per architecture for the numeric check (default: 20)")
    c.add_argument("--seed", type=seed, default=0, help="seed of the random points (default: 0)")
    c.add_argument("--claim", action="append", metavar="LABEL", help="check only the claim(s) with this label")
    c.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    c.add_argument("--debug", action="store_true", help="print tracebacks of claims that raise")
    return c


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(name, i, total, label):
        sys.stderr.write(f"\r\033[K[{name} {i + 1}/{total}] {label}"[:120])
        sys.stderr.flush()
    return show


def run(args) -> int:
    """Run ``symbp check`` with parsed ``args``; returns the exit code."""
    from ..run.runner import check
    try:
        report = check(list(args.paths) or None, jobs=args.jobs, progress=_progress(), sweep=args.arch,
                       backend=args.backend, budget=args.budget, numeric_only=args.numeric_only,
                       points=args.points, seed=args.seed, only=args.claim, debug=args.debug)
    except KeyboardInterrupt:   # the user's Ctrl-C: the run stops, and never as a pass
        print("symbp: interrupted", file=sys.stderr)
        return 130
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


