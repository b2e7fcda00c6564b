"""``symbp mutate <derivation>``: the mutation score of a derivation's correct claims."""

from __future__ import annotations

import json
import sys

from ..claims.derivation import select_labels
from ..judge.budget import TIME_LIMIT
from .args import MAX_POINTS, budget, jobs
from .progress import add_progress_options, finishing, progress_for

__all__ = ['add_parser', 'run', 'render_table', 'fault_slug', 'fault_name', 'false_alarm_lines', 'ALARM_ARCHS',
           'FAULT_FAMILIES', 'fault_families', 'render_occurrences', 'code_bug_scores', 'render_code_bugs']

#: The fault families ``--faults`` chooses from: whole-formula faults, one-occurrence faults, pairs of them, and
#: the classic code bugs for ``symbp.testing``.
FAULT_FAMILIES = ("whole", "single", "pairs", "code")

#: Families run when ``--faults`` is not given (``code`` does not depend on the derivations: ask for it).
DEFAULT_FAMILIES = ("whole", "single", "pairs")

#: One-occurrence mutants per claim, and pairs per claim, by default (a seeded sample).
PER_CLAIM, PAIRS = 6, 2

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
                        "paths); the report is the same as a local run's; whole-formula faults only")
    p.add_argument("--jobs", type=jobs, default=1, metavar="N",
                   help="judge the whole-formula mutants and the false alarms on N local worker processes, one claim "
                        "per task; the report is the same as with 1 (default: 1)")
    p.add_argument("--faults", type=fault_families, metavar="LIST",
                   help="comma-separated fault families: whole (whole-formula faults), single (one fault at one read "
                        "of the claim), pairs (two such faults), code (classic code bugs for symbp.testing) "
                        f"(default: {','.join(DEFAULT_FAMILIES)}; with --fault or --scheduler: whole)")
    p.add_argument("--per-claim", type=non_negative_int, default=PER_CLAIM, metavar="N",
                   help=f"one-occurrence mutants sampled per claim (default: {PER_CLAIM})")
    p.add_argument("--pairs", type=non_negative_int, default=PAIRS, metavar="N",
                   help=f"two-fault mutants sampled per claim (default: {PAIRS})")
    p.add_argument("--seed", type=int, default=0, help="seed of the one-occurrence and pair samples (default: 0)")
    add_progress_options(p)
    return p


def fault_families(text):
    """The fault families a ``--faults`` value names, in :data:`FAULT_FAMILIES` order.

    >>> fault_families("pairs,whole")
    ('whole', 'pairs')
    """
    import argparse
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    bad = [w for w in words if w not in FAULT_FAMILIES]
    if bad or not words:
        raise argparse.ArgumentTypeError(f"unknown fault family {', '.join(map(repr, bad)) or repr(text)} "
                                         f"(choose from {', '.join(FAULT_FAMILIES)})")
    return tuple(f for f in FAULT_FAMILIES if f in words)


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


def render_occurrences(results, summary, counts) -> str:
    """The one-occurrence and pair mutants not diagnosed, then per family: mutants, killed %, diagnosed %, median
    seconds per verdict with its diagnosis (wall, and CPU), and how many were sampled out of how many possible.

    >>> print(render_occurrences([], {}, {}))
    faults at one occurrence: none sampled
    """
    if not summary:
        return "faults at one occurrence: none sampled"
    lines = []
    for r in results:
        if not r.diagnosed:
            lines.append(f"  {r.derivation}: {r.claim} ⟨{' + '.join(r.injected)}⟩: {r.status} [{r.diagnosis}] "
                         f"{r.detail[:160]}")
    if lines:
        lines.insert(0, "one-occurrence mutants not diagnosed with the injected edit (or one as small):")
    lines.append(f"{'fault at one read':<18}{'mutants':>8}{'killed':>9}{'diagnosed':>11}{'by reading':>12}"
                 f"{'median s':>10}{'cpu s':>8}")
    for name, row in summary.items():
        n = row["mutants"]
        pct = (lambda k: f"{100 * row[k] / n:.1f} %" if n else "-")
        label = "all singles" if name == "single" else ("pairs" if name == "pair" else name)
        lines.append(f"{label:<18}{n:>8}{pct('killed'):>9}{pct('diagnosed'):>11}{row.get('by_reading', 0):>12}"
                     f"{row['median_seconds']:>10.2f}{row['median_cpu']:>8.2f}")
    c = counts
    lines.append("diagnosed: the diagnosis's edit set, no larger than the injected one, replayed on the mutant makes "
                 "it hold on every architecture of the sweep (by reading: its whole-formula reading does); median "
                 "seconds per verdict with its diagnosis, wall (indicative on a shared machine) and CPU")
    lines.append(f"singles: {c.get('examined', 0)} examined of {c.get('possible', 0)} possible (seeded sample, capped per "
                 f"claim), {c.get('equivalent', 0)} skipped as equivalent, {c.get('truth_side', 0)} skipped as "
                 f"reads of the truth side")
    if c.get("pairs_possible"):
        lines.append(f"pairs: {c.get('pairs_examined', 0)} examined of {c.get('pairs_possible', 0)} possible, "
                     f"{c.get('pairs_equivalent', 0)} skipped (equivalent or at the truth side)")
    return "\n".join(lines)


def code_bug_scores(points=2):
    """``{bug: {"mutants", "killed", "named"}}`` and the false alarms: the classic code bugs of
    :mod:`symbp.code_bugs` checked with :func:`symbp.testing.check_gradients` (as ``benchmarks/code_bugs.py``)."""
    from ..code_bugs import backprop, code_bugs
    from ..model.spec import NetworkSpec
    from ..testing import GradientUsageError, check_gradients
    specs = [NetworkSpec([3, 3, 3, 3], activation="sigmoid", cost="half_sse", average="examples", weight_decay=0.1,
                         batch_size=2),
             NetworkSpec([3, 3, 3, 3], activation="tanh", output_activation="softmax", cost="softmax_cross_entropy",
                         average="examples", weight_decay=0.1, batch_size=2)]
    options = dict(archs=[(3, 3, 3, 3), (2, 2, 2)], batch_sizes=(2, 3), points=points)
    table, alarms = {}, 0
    for spec in specs:
        if not check_gradients(backprop(spec), spec, **options):
            alarms += 1
        for name, fn in code_bugs(spec):
            row = table.setdefault(name, {"mutants": 0, "killed": 0, "named": 0})
            row["mutants"] += 1
            try:
                result = check_gradients(fn, spec, **options)
            except GradientUsageError:
                row["killed"] += 1
                continue
            if not result:
                row["killed"] += 1
                row["named"] += result.diagnosis.get("bug") == name
    return table, alarms


def render_code_bugs(table, alarms) -> str:
    """The code-bug block: per bug, mutants, killed % and named %, then the false alarms.

    >>> print(render_code_bugs({"nan": {"mutants": 2, "killed": 2, "named": 1}}, 0))
    code bugs (symbp.testing)    mutants   killed    named
    nan                                2  100.0 %   50.0 %
    all                                2  100.0 %   50.0 %
    false alarms (bug-free code rejected): 0
    """
    lines = [f"{'code bugs (symbp.testing)':<28}{'mutants':>8}{'killed':>9}{'named':>9}"]
    total = {"mutants": 0, "killed": 0, "named": 0}
    for name, row in list(table.items()) + [("all", total)]:
        n = row["mutants"]
        lines.append(f"{name:<28}{n:>8}{100 * row['killed'] / max(n, 1):>7.1f} %{100 * row['named'] / max(n, 1):>7.1f} %")
        if name != "all":
            for k in total:
                total[k] += row[k]
    lines.append(f"false alarms (bug-free code rejected): {alarms}")
    return "\n".join(lines)


def _picked_claims(doc, patterns):
    """The claims of ``doc`` that the ``--claim`` patterns pick (None: no patterns, every claim)."""
    if not patterns:
        return None
    picked = set(select_labels([c.label for c in doc.claims], patterns)[0])
    return [c for c in doc.claims if c.label in picked]


def run(args) -> int:
    """Run ``symbp mutate``; returns the exit code."""
    from ..judge.evaluate import NetworkCache
    from ..judge.mutate import false_alarms, holding_claims, mutate, random_archs, summarize
    from ..judge.occurrence_faults import mutate_occurrences, summarize_occurrences
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
    families = getattr(args, "faults", None) or (("whole",) if args.fault or getattr(args, "scheduler", None)
                                                 else DEFAULT_FAMILIES)
    occurrences, counts = [], {}
    if getattr(args, "scheduler", None):   # the same steps on a dask cluster; nothing is judged here
        if "single" in families or "pairs" in families:
            print("symbp: error: --scheduler runs the whole-formula faults (and code bugs) only: "
                  "use --faults whole or --faults whole,code", file=sys.stderr)
            return 2
        from ..run.cluster import ClusterError, mutate_on_cluster
        try:
            with finishing(progress):
                results, checked, alarms = mutate_on_cluster(args.scheduler, docs, claims=args.claim,
                                                             faults=args.fault, archs=archs, progress=progress, **opts)
        except ClusterError as e:
            print(f"symbp: error: {e}", file=sys.stderr)
            return 2
        docs, progress = [], None
    held_by_doc = None
    if getattr(args, "jobs", 1) > 1 and docs:   # the same steps, one claim per worker task
        from ..run.campaign import CampaignError, run_campaign
        try:
            with finishing(progress):
                held_by_doc, results, checked, alarms = run_campaign(
                    docs, jobs=args.jobs, claims=[_picked_claims(doc, args.claim) for doc in docs],
                    faults=args.fault, whole="whole" in families, archs=archs, progress=progress, **opts)
        except CampaignError as e:
            print(f"symbp: error: {e}", file=sys.stderr)
            return 2
    with finishing(progress):   # Ctrl-C: the bar cleared; symbp.cli.main says "interrupted"
        for k, doc in enumerate(docs):
            cache, claims = NetworkCache(), _picked_claims(doc, args.claim)
            if held_by_doc is not None:   # the mutants and alarms are judged: the one-occurrence faults remain
                held = held_by_doc[k]
            else:
                held = holding_claims(doc, cache=cache, claims=claims, progress=progress, **opts)   # ones that hold
            if "whole" in families and held_by_doc is None:
                results += mutate(doc, faults=args.fault, claims=held, progress=progress, **opts)
            if "single" in families or "pairs" in families:
                found, c = mutate_occurrences(doc, held, cache=cache, progress=progress, seed=args.seed,
                                              per_claim=args.per_claim if "single" in families else 0,
                                              pairs=args.pairs if "pairs" in families else 0,
                                              singles="single" in families, **opts)
                occurrences += found
                counts = {k: counts.get(k, 0) + v for k, v in c.items()}
            if archs and held_by_doc is None:
                n, found = false_alarms(doc, held, archs, cache=cache, progress=progress, budget=args.budget)
                checked, alarms = checked + n, alarms + [(doc.name, *a) for a in found]
    summary = summarize(results)
    occurrence_summary = summarize_occurrences(occurrences)
    bugs, bug_alarms = code_bug_scores() if "code" in families else ({}, 0)
    if args.format == "json":
        out = {"mutants": [r.to_dict() for r in results], "summary": summary,
               "false_alarms": {"architectures": len(archs), "checked": checked,
                                "alarms": [dict(zip(("derivation", "claim", "reading", "status", "detail"),
                                                    a)) for a in alarms]}}
        if "single" in families or "pairs" in families:
            out["occurrence_mutants"] = [r.to_dict() for r in occurrences]
            out["occurrence_summary"], out["occurrence_counts"] = occurrence_summary, counts
        if "code" in families:
            out["code_bugs"] = {"summary": bugs, "false_alarms": bug_alarms}
        print(json.dumps(out, indent=1, ensure_ascii=False))
    else:
        if "whole" in families:
            print(render_table(results, summary))
        if "single" in families or "pairs" in families:
            print("\n" + render_occurrences(occurrences, occurrence_summary, counts))
        if "code" in families:
            print("\n" + render_code_bugs(bugs, bug_alarms))
        if archs:
            print("\n" + "\n".join(false_alarm_lines(checked, alarms, len(archs))))
    killed = all(r.killed or r.skipped for r in results) and all(r.killed for r in occurrences) and \
        all(row["killed"] == row["mutants"] for row in bugs.values())
    return 0 if killed and not alarms and not bug_alarms else 1
