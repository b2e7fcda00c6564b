"""Mutation score of the checker on the bundled derivations and examples/four_equations.py.

    python benchmarks/mutation.py [--archs 50] [--seed 0] [--numeric-only] [--json FILE]

Prints mutants per fault kind, killed %, diagnosed-correctly % (symbp.judge.mutate), and
false alarms: unmutated claims that hold on the derivation's sweep but not on
random architectures (widths 1..4, 1..3 hidden layers, m in {1, 3}; m = 1 for a
document whose sweep has only m = 1, as it states its formulas for one example).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symbp.judge.mutate import holding_claims, mutate, summarize   # noqa: E402
from symbp.cli.mutate import render_table   # noqa: E402
from symbp.run.load import derivation_files, load_derivation   # noqa: E402
from symbp.judge.evaluate import NetworkCache   # noqa: E402
from symbp.judge.timings import TIMINGS   # noqa: E402
from symbp.judge.verify import verify_claim   # noqa: E402

HOLDS = ("proven", "proven for all depths", "confirmed")


def random_archs(count, seed):
    rng = random.Random(seed)
    return [(tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 3) + 2)), rng.choice((1, 3)))
            for _ in range(count)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("paths", nargs="*", default=[str(ROOT / "derivations"), str(ROOT / "examples/four_equations.py")])
    p.add_argument("--archs", type=int, default=50, help="random architectures for the false-alarm count")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--numeric-only", action="store_true", help="skip the exact check (faster)")
    p.add_argument("--json", metavar="FILE", help="also write every mutant and the figures as JSON")
    args = p.parse_args(argv)
    t0 = time.monotonic()
    docs = [load_derivation(f) for f in derivation_files(args.paths)]
    archs = random_archs(args.archs, args.seed)
    results, alarms, checked = [], [], 0
    for doc in docs:
        cache = NetworkCache()
        claims = holding_claims(doc, cache=cache, numeric_only=args.numeric_only)
        results += mutate(doc, claims=claims, numeric_only=args.numeric_only, cache=cache)
        # a document written for one example at a time (its sweep has m = 1 only) is read with m = 1
        doc_archs = [(s, 1) for s, _ in archs] if {m for _, m in doc.sweep} == {1} else archs
        for c in claims:        # false alarms: the unmutated, correct claim on random architectures
            fits = [a for a in doc_archs if c.archs is None or c.archs(*a)]
            if not fits:
                continue
            checked += 1
            o = verify_claim(c, doc, cache=cache, sweep=fits, numeric_only=True)
            if o.status not in HOLDS and o.status != "ill-formed":
                alarms.append((doc.name, c.label, c.reading, o.status, (o.diagnosis or {}).get("detail", o.message)))
    summary = summarize(results)
    print(render_table(results, summary))
    print(f"\nfalse alarms: {len(alarms)} of {checked} unmutated correct claims over {len(archs)} random "
          f"architectures (widths 1..4, 1..3 hidden layers, m in {{1, 3}} or 1 for one-example documents, "
          f"seed {args.seed})")
    for a in alarms:
        print("  ", *a[:4], a[4][:160])
    total = time.monotonic() - t0
    print(f"time: {total:.0f} s (wall; the machine may be shared), where it went (exclusive; diagnosis = its own "
          f"work beyond instantiation, lambdify and evaluation; lambdify counts distinct formulas compiled):")
    print(TIMINGS.table(total=total))
    print(f"{'other':<18} {total - sum(TIMINGS.seconds.values()):5.1f} s")
    cpu = os.times()
    print(f"cpu: {cpu.user + cpu.system:.0f} s in this process, {cpu.children_user + cpu.children_system:.0f} s in "
          f"its children (the exact checks), the like-for-like figure on a shared machine")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "false_alarms": alarms,
                                               "mutants": [r.to_dict() for r in results]}, indent=1,
                                              ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
