"""``symbp check``: verify derivations and print the report (table, JSON, Markdown or LaTeX).

Exit code 0 when every verdict is the pinned one, 1 when any is not, 2 on bad input or usage.
"""

from __future__ import annotations

import contextlib
import sys

from ..claims.derivation import select_labels
from ..judge.budget import TIME_LIMIT
from .args import arch, budget, jobs, output_file, points, seed
from .progress import add_progress_options, finishing, progress_for

__all__ = ["add_parser", "run", "unmatched_claims", "FORMATS"]

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
    c.add_argument("--budget", type=budget, default=TIME_LIMIT, metavar="SECONDS",
                   help="time limit of each exact step of a claim, a safety net: what is attempted is bounded by work; a "
                        "step that hits the limit makes the verdict undecided (default: 60)")
    c.add_argument("--jobs", type=jobs, default=1, metavar="N",
                   help="check in N worker processes, which share out single claims (of one derivation as of "
                        "many); the report is the same whatever N (default: 1)")
    c.add_argument("--no-cache", action="store_true",
                   help="judge every claim afresh, neither reading nor writing the on-disk cache of verdicts "
                        "($SYMBP_CACHE_DIR, else $XDG_CACHE_HOME/symbp or ~/.cache/symbp)")
    c.add_argument("--scheduler", metavar="ADDRESS",
                   help="judge the claims on the dask.distributed cluster whose scheduler is at ADDRESS "
                        "(tcp://host:8786; needs symbp[dask]; the workers must see the derivation files at the same "
                        "paths); the report is the same as a local run's")
    c.add_argument("--points", type=points, default=20, metavar="P",
                   help="random points per architecture for the numeric check (default: 20)")
    c.add_argument("--seed", type=seed, default=0, help="seed of the random points (default: 0)")
    c.add_argument("--claim", action="append", metavar="LABEL",
                   help="check only the claims this picks: a label, a glob (BP*) or a part of a label (repeatable)")
    c.add_argument("--output", "-o", type=output_file, metavar="FILE", help="write the report to FILE instead of stdout")
    c.add_argument("--debug", action="store_true", help="print tracebacks of claims that raise")
    add_progress_options(c)
    return c


def run(args) -> int:
    """Run ``symbp check`` with parsed ``args``; returns the exit code."""
    from ..run.runner import Interrupted, check
    progress = progress_for(args)
    try:
        with finishing(progress), _executor(args.scheduler) as execute:
            report = check(list(args.paths) or None, jobs=args.jobs, progress=progress, sweep=args.arch,
                           backend=args.backend, budget=args.budget, numeric_only=args.numeric_only,
                           points=args.points, seed=args.seed, only=args.claim, debug=args.debug,
                           cache=not args.no_cache, execute=execute)
    except _ClusterError as e:
        print(f"symbp: error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:   # the user's Ctrl-C: the partial report, one line, and never as a pass
        _write(args, e.report.render(args.format))
        done = sum(len(d.equations) for d in e.report.derivations)
        print(f"symbp: interrupted: partial report of {done} claim verdict(s)", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("symbp: interrupted", file=sys.stderr)
        return 130
    _write(args, report.render(args.format))
    for d in report.derivations:
        if d.error:
            print(f"symbp: error: {d.error}", file=sys.stderr)
    unmatched = unmatched_claims(report, args.claim)
    if unmatched:
        print(f"symbp: error: {unmatched}", file=sys.stderr)
        return 2
    return report.exit_code


class _ClusterError(Exception):
    pass


@contextlib.contextmanager
def _executor(scheduler):
    """Local workers (None), or the dask cluster at ``scheduler``."""
    if not scheduler:
        yield None
        return
    from ..run.cluster import ClusterError, on_cluster
    try:
        with on_cluster(scheduler) as execute:
            yield execute
    except ClusterError as e:
        raise _ClusterError(str(e)) from None


def _write(args, text):
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text, flush=True)


def unmatched_claims(report, patterns) -> str:
    """The usage error for ``--claim`` patterns that pick no claim of the loaded derivations ("" when none).

    >>> from symbp.report.results import DerivationResult, Report
    >>> unmatched_claims(Report([DerivationResult("d", "D", "-", labels=["BP1", "BP2"])]), ["BP9"])
    "--claim 'BP9' matches no claim (labels: 'BP1', 'BP2')"
    """
    if not patterns:
        return ""
    loaded = [d for d in report.derivations if not d.error]
    labels = [label for d in loaded for label in d.labels]
    missing = select_labels(labels, patterns)[1] if loaded else []
    if not missing:
        return ""
    shown = ", ".join(repr(label) for label in dict.fromkeys(labels[:40])) + (", ..." if len(labels) > 40 else "")
    return f"--claim {', '.join(map(repr, missing))} matches no claim (labels: {shown})"


