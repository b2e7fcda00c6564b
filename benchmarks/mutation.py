"""Mutation score of the checker on the bundled derivations and examples/four_equations.py.

    python benchmarks/mutation.py [--archs 50] [--seed 0] [--numeric-only] [--json FILE]
                                  [--faults whole,single,pairs,code] [--per-claim 2] [--pairs 1] [--quick]
                                  [--jobs N]

Prints mutants per fault kind, killed %, diagnosed-correctly % (symbp.judge.mutate), and
false alarms: unmutated claims that hold on the derivation's sweep but not on
random architectures (widths 1..4, 1..3 hidden layers, m in {1, 3}; m = 1 for a
document whose sweep has only m = 1, as it states its formulas for one example).
Beside the whole-formula faults: faults at one read of a claim and pairs of them (a seeded
sample per claim, symbp.judge.occurrence_faults), with diagnosed % (the diagnosis's edit,
replayed, restores the claim) and the median time per verdict; and the classic code bugs
for symbp.testing (symbp.code_bugs).  ``--quick``: the new families only, 1 single and 1
pair per claim, 10 architectures.  ``--jobs N``: the whole-formula mutants and the false alarms on N worker
processes (default: the cores this process may use), one unit per claim (symbp.run.campaign), with the same
figures as ``--jobs 1``; the one-occurrence faults stay in this process.  Issue 17's gate (<= 120 s) is
``--faults whole``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symbp.judge.mutate import false_alarms, holding_claims, mutate, random_archs, summarize   # noqa: E402
from symbp.cli.mutate import (code_bug_scores, fault_families, render_code_bugs, render_occurrences,   # noqa: E402
                              render_table)
from symbp.judge.occurrence_faults import mutate_occurrences, summarize_occurrences   # noqa: E402
from symbp.run.load import derivation_files, load_derivation   # noqa: E402
from symbp.judge.evaluate import NetworkCache   # noqa: E402
from symbp.judge.timings import TIMINGS   # noqa: E402
from symbp.run.campaign import run_campaign   # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="*", default=[str(ROOT / "derivations"), str(ROOT / "examples/four_equations.py")])
    p.add_argument("--archs", type=int, default=50, help="random architectures for the false-alarm count")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--numeric-only", action="store_true", help="skip the exact check (faster)")
    p.add_argument("--json", metavar="FILE", help="also write every mutant and the figures as JSON")
    p.add_argument("--faults", type=fault_families, default=("whole", "single", "pairs", "code"),
                   help="fault families (default: whole,single,pairs,code)")
    p.add_argument("--per-claim", type=int, default=2, help="one-occurrence mutants per claim (default 2)")
    p.add_argument("--pairs", type=int, default=1, help="two-fault mutants per claim (default 1)")
    p.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)),
                   help="worker processes for the whole-formula mutants and false alarms (default: the cores this "
                        "process may use; 1: all in this process, one cache per derivation); the figures are the same")
    p.add_argument("--quick", action="store_true", help="single,pairs,code only; 1 single, 1 pair per claim, 10 archs")
    args = p.parse_args(argv)
    if args.quick:
        args.faults, args.per_claim, args.pairs, args.archs = ("single", "pairs", "code"), 1, 1, 10
    t0 = time.monotonic()
    docs = [load_derivation(f) for f in derivation_files(args.paths)]
    archs = random_archs(args.archs, args.seed)
    results, alarms, checked = [], [], 0
    occurrences, counts = [], {}
    held = None
    if args.jobs > 1:
        held, results, checked, alarms = run_campaign(docs, jobs=args.jobs, archs=archs,
                                                      whole="whole" in args.faults,
                                                      numeric_only=args.numeric_only)
    for k, doc in enumerate(docs):
        cache = NetworkCache()
        if held is None:
            claims = holding_claims(doc, cache=cache, numeric_only=args.numeric_only)
        else:
            claims = held[k]
        if "whole" in args.faults and held is None:
            results += mutate(doc, claims=claims, numeric_only=args.numeric_only, cache=cache)
        if "single" in args.faults or "pairs" in args.faults:
            found, c = mutate_occurrences(doc, claims, cache=cache, seed=args.seed, numeric_only=args.numeric_only,
                                          per_claim=args.per_claim if "single" in args.faults else 0,
                                          pairs=args.pairs if "pairs" in args.faults else 0,
                                          singles="single" in args.faults)
            occurrences += found
            counts = {k: counts.get(k, 0) + v for k, v in c.items()}
        if held is not None:
            continue
        # false alarms: the unmutated, correct claims on random architectures, each read in its own notation
        doc_checked, doc_alarms = false_alarms(doc, claims, archs, cache=cache)
        checked += doc_checked
        alarms += [(doc.name, *a) for a in doc_alarms]
    summary = summarize(results)
    occurrence_summary = summarize_occurrences(occurrences)
    if "whole" in args.faults:
        print(render_table(results, summary))
    if "single" in args.faults or "pairs" in args.faults:
        print("\n" + render_occurrences(occurrences, occurrence_summary, counts))
    bugs, bug_alarms = code_bug_scores() if "code" in args.faults else ({}, 0)
    if "code" in args.faults:
        print("\n" + render_code_bugs(bugs, bug_alarms))
    print(f"\nfalse alarms: {len(alarms)} of {checked} unmutated correct claims over {len(archs)} random "
          f"architectures (widths 1..4, 1..3 hidden layers, m in {{1, 3}} or 1 for one-example documents, "
          f"seed {args.seed})")
    for a in alarms:
        print("  ", *a[:4], a[4][:160])
    total = time.monotonic() - t0
    cpu = os.times()
    busy = cpu.user + cpu.system + cpu.children_user + cpu.children_system
    print(f"time: {total:.0f} s (wall; the machine may be shared; --jobs {args.jobs}); cpu: {cpu.user + cpu.system:.0f} s "
          f"in this process, {cpu.children_user + cpu.children_system:.0f} s in its children (the exact checks and "
          f"any --jobs workers), the like-for-like figure on a shared machine")
    print(f"where the {busy:.0f} s of CPU went (each phase summed over the processes, exclusive; diagnosis = its own "
          f"work beyond instantiation, lambdify and evaluation; lambdify counts distinct formulas compiled):")
    print(TIMINGS.table(total=busy))
    print(f"{'other':<18} {max(0.0, busy - sum(TIMINGS.seconds.values())):5.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "false_alarms": alarms,
                                               "mutants": [r.to_dict() for r in results],
                                               "occurrence_mutants": [r.to_dict() for r in occurrences],
                                               "occurrence_summary": occurrence_summary,
                                               "occurrence_counts": counts,
                                               "code_bugs": {"summary": bugs, "false_alarms": bug_alarms}}, indent=1,
                                              ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
