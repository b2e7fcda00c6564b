"""``symbp mutate <derivation>``: the mutation score of a derivation's correct claims."""

from __future__ import annotations

import json
import sys

from ..claims.derivation import select_labels
from ..judge.budget import TIME_LIMIT
from .args import MAX_POINTS, budget
from .progress import add_progress_options, finishing, progress_for

__all__ = ['add_parser', 'run', 'render_table', 'fault_slug', 'fault_name', 'false_alarm_lines', 'ALARM_ARCHS']

#: Random architectures of the false-alarm count (as ``benchmarks/mutation.py``).
ALARM_ARCHS = 50


def add_parser(subparsers):
    """Add the ``mutate`` command to the ``symbp`` sub-command parsers."""
    from ..judge.mutate import FAULTS
    p = subparsers.add_parser(
        "mutate", help="inject single faults into correct claims and score the checker",
        description="For every claim that holds, build single-fault mutants of its formula side "
                    f"({', '.join(FAULTS)}), check each one and report how many the checker kills and how many "
                    "it diagnoses with the right kind. Exit code 0 when every mutant is killed, 1 otherwise, "
                    "2 on bad input.")
    p.add_argument("paths", nargs="+", metavar="DERIVATION", help="derivation files (.py), folders or module names")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--fault", action="append", type=fault_name, metavar="FAULT",
                   help="only this fault (repeatable): " + ", ".join(fault_slug(f) for f in FAULTS))
    p.add_argument("--claim", action="append", metavar="LABEL",
                   help="only the claims this picks: a label, a glob or a part of a label (repeatable)")
    p.add_argument("--numeric-only", action="store_true", help="skip the exact symbolic check of each mutant")
    p.add_argument("--alarm-archs", type=non_negative_int, default=ALARM_ARCHS, metavar="N",
                   help="random architectures on which the unmutated claims are checked for false alarms "
                        f"(default: {ALARM_ARCHS}; 0: none)")
    p.add_argument("--budget", type=budget, default=TIME_LIMIT, metavar="SECONDS",
                   help="time limit of each exact step of a claim, a safety net: what is attempted is bounded by work; a "
                        "step that hits the limit makes the verdict undecided (default: 60)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="judge the claims and mutants on the dask.distributed cluster whose scheduler is at ADDRESS "
                        "(tcp://host:8786; needs symbp[dask]; the workers must see the derivation files at the same "
                        "paths); the report is the same as a local run's")
    add_progress_options(p)
    return p


def non_negative_int(text):
    """A count of architectures: 0 to :data:`symbp.cli.args.MAX_POINTS`."""
    import argparse
    if not text.strip().isdigit() or int(text) > MAX_POINTS:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {MAX_POINTS}, got {text!r}")
    return int(text)


def false_alarm_lines(checked, alarms, archs) -> list:
    """The false-alarm line of the report, then one line per alarm (a correct claim that failed).

    >>> false_alarm_lines(5, [], 50)
    ['false alarms: 0 of 5 unmutated correct claims over 50 random architectures']
    """
    return ([f"false alarms: {len(alarms)} of {checked} unmutated correct claims over {archs} random architectures"]
            + [f"  {doc}: {label} ({reading}): {status}: {detail[:160]}" for doc, label, reading, status, detail in alarms])


def fault_slug(name: str) -> str:
    """A fault's name as typed on a command line: no spaces, no quotes.

    >>> fault_slug("f for f'"), fault_slug("factor 1/m")
    ('f-for-fp', 'factor-1/m')
    """
    return name.replace("'", "p").replace(" ", "-")


def fault_name(text: str) -> str:
    """The fault a command-line word names: its slug (``factor-1/m``) or its name (``"factor 1/m"``)."""
    import argparse

    from ..judge.mutate import FAULTS
    by_slug = {fault_slug(f).lower(): f for f in FAULTS} | {f.lower(): f for f in FAULTS}
    try:
        return by_slug[text.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"unknown fault {text!r} (one of {', '.join(map(fault_slug, FAULTS))})") \
            from None


def render_table(results, summary) -> str:
    """The per-mutant lines that are not diagnosed correctly, then the per-fault figures."""
    lines = []
    for r in results:
        if not r.skipped and not r.diagnosed:
            lines.append(f"  {r.derivation}: {r.claim} ⟨{r.fault}⟩ {r.how}: {r.status}"
                         f" [{r.diagnosis}] {r.detail[:160]}")
    if lines:
        lines.insert(0, "mutants not diagnosed with the expected kind:")
    lines.append(f"{'fault':<14}{'mutants':>8}{'equiv.':>8}{'killed':>8}{'diagnosed':>11}")
    for name, row in summary.items():
        n = row["mutants"]
        pct = (lambda k: f"{100 * row[k] / n:.1f} %" if n else "-")
        lines.append(f"{name:<14}{n:>8}{row['equivalent']:>8}{pct('killed'):>8}{pct('diagnosed'):>11}")
    return "\n".join(lines)


def run(args) -> int:
    """Run ``symbp mutate``; returns the exit code."""
    from ..judge.evaluate import NetworkCache
    from ..judge.mutate import false_alarms, holding_claims, mutate, random_archs, summarize
    from ..run.load import LoadError, load_derivation, resolve
    results, checked, alarms = [], 0, []
    try:
        docs = [load_derivation(p, args.budget) for p in resolve(args.paths)]
    except LoadError as e:
        print(f"symbp: error: {e}", file=sys.stderr)
        return 2
    labels = [c.label for doc in docs for c in doc.claims]
    missing = select_labels(labels, args.claim)[1]
    if missing:
        print(f"symbp: error: --claim {', '.join(map(repr, missing))} matches no claim "
              f"(labels: {', '.join(map(repr, dict.fromkeys(labels)))})", file=sys.stderr)
        return 2
    progress, archs = progress_for(args), random_archs(args.alarm_archs)
    opts = dict(budget=args.budget, numeric_only=args.numeric_only)
    if getattr(args, "scheduler", None):   # the same steps on a dask cluster; nothing is judged here
        from ..run.cluster import ClusterError, mutate_on_cluster
        try:
            with finishing(progress):
                results, checked, alarms = mutate_on_cluster(args.scheduler, docs, claims=args.claim,
                                                             faults=args.fault, archs=archs, progress=progress, **opts)
        except ClusterError as e:
            print(f"symbp: error: {e}", file=sys.stderr)
            return 2
        docs, progress = [], None
    with finishing(progress):   # Ctrl-C: the bar cleared; symbp.cli.main says "interrupted"
        for doc in docs:
            cache, claims = NetworkCache(), None
            if args.claim:
                picked = set(select_labels([c.label for c in doc.claims], args.claim)[0])
                claims = [c for c in doc.claims if c.label in picked]
            held = holding_claims(doc, cache=cache, claims=claims, progress=progress, **opts)   # only ones that hold
            results += mutate(doc, faults=args.fault, claims=held, progress=progress, **opts)
            if archs:
                n, found = false_alarms(doc, held, archs, cache=cache, progress=progress, budget=args.budget)
                checked, alarms = checked + n, alarms + [(doc.name, *a) for a in found]
    summary = summarize(results)
    if args.format == "json":
        print(json.dumps({"mutants": [r.to_dict() for r in results], "summary": summary,
                          "false_alarms": {"architectures": len(archs), "checked": checked,
                                           "alarms": [dict(zip(("derivation", "claim", "reading", "status", "detail"),
                                                               a)) for a in alarms]}},
                         indent=1, ensure_ascii=False))
    else:
        print(render_table(results, summary))
        if archs:
            print("\n" + "\n".join(false_alarm_lines(checked, alarms, len(archs))))
    return 0 if all(r.killed or r.skipped for r in results) and not alarms else 1
