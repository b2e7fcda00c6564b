"""Time `symbp check` on the bundled derivations: per derivation, per verdict method, whole run.

    python benchmarks/check.py [--jobs N]

Target (issue 3): the whole bundled derivations/ in <= 60 s on a 2-core machine with the default sweep.
"""
import argparse
import subprocess
import sys
import time
from collections import defaultdict

from symbp import check
from symbp.run.load import bundled_derivations

TARGET = 60.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    report = check(bundled_derivations(), jobs=args.jobs)
    in_process = time.perf_counter() - t0

    print(f"{'derivation':<30} {'claims':>6} {'seconds':>8}   by method (claims, seconds)")
    per_method = defaultdict(lambda: [0, 0.0])
    for d in report.derivations:
        by = defaultdict(lambda: [0, 0.0])
        for e in d.equations:
            key = f"{e.status}/{e.method}"
            by[key][0] += 1
            by[key][1] += e.seconds
            per_method[key][0] += 1
            per_method[key][1] += e.seconds
        total = sum(e.seconds for e in d.equations)
        detail = ", ".join(f"{k} {n} {s:.2f}s" for k, (n, s) in sorted(by.items()))
        print(f"{d.name:<30} {len(d.equations):>6} {total:>8.2f}   {detail}")
    print()
    print(f"{'verdict/method':<30} {'claims':>6} {'seconds':>8} {'s/claim':>8}")
    for k, (n, s) in sorted(per_method.items()):
        print(f"{k:<30} {n:>6} {s:>8.2f} {s / n:>8.3f}")

    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "symbp", "check", "--jobs", str(args.jobs), "--format", "json", "-o", "/dev/null"]
    rc = subprocess.run(cmd).returncode
    wall = time.perf_counter() - t0
    print()
    print(f"whole run in process (jobs={args.jobs}): {in_process:.1f} s")
    print(f"`symbp check` as a command, start-up included (jobs={args.jobs}): {wall:.1f} s, exit code {rc}; "
          f"target <= {TARGET:.0f} s: {'met' if wall <= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
