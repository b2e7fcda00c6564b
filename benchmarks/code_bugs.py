"""How many classic code bugs symbp.testing kills and names correctly (symbp.code_bugs, the mutant set).

    python benchmarks/code_bugs.py [--points 2] [--json FILE]

For each spec below and each bug of ``symbp.code_bugs.BUGS`` the spec can show, the buggy
numpy backprop is checked with ``check_gradients`` on architectures of equal widths
([3, 3, 3, 3] and [2, 2, 2], where every bug fits the shapes) at m = 2 and 3.  A mutant is
killed when the check fails, named correctly when ``diagnosis["bug"]`` is the bug's name.
The bug-free implementation of each spec must pass (a false alarm otherwise).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from symbp import NetworkSpec   # noqa: E402
from symbp.code_bugs import backprop, code_bugs   # noqa: E402
from symbp.testing import GradientUsageError, check_gradients   # noqa: E402

SPECS = [
    NetworkSpec([3, 3, 3, 3], activation="sigmoid", cost="half_sse", average="examples", weight_decay=0.1,
                batch_size=2),
    NetworkSpec([3, 3, 3, 3], activation="tanh", output_activation="identity", cost="sse", average="none",
                weight_decay=0.05, decay_average=True, batch_size=2),
    NetworkSpec([3, 3, 3, 3], activation="sigmoid", cost="cross_entropy", average="examples", batch_size=2),
    NetworkSpec([3, 3, 3, 3], activation="tanh", output_activation="softmax", cost="softmax_cross_entropy",
                average="examples", weight_decay=0.1, batch_size=2),
]
ARCHS = [(3, 3, 3, 3), (2, 2, 2)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=2, help="random points per architecture (default 2)")
    ap.add_argument("--json", help="also write the counts to this file")
    args = ap.parse_args(argv)
    count, killed, named, false_alarms, misnamed = defaultdict(int), defaultdict(int), defaultdict(int), 0, []
    for spec in SPECS:
        options = dict(archs=ARCHS, batch_sizes=(2, 3), points=args.points)
        if not check_gradients(backprop(spec), spec, **options):
            false_alarms += 1
        for name, fn in code_bugs(spec):
            count[name] += 1
            try:
                result = check_gradients(fn, spec, **options)
            except GradientUsageError:
                killed[name] += 1
                continue
            if not result:
                killed[name] += 1
                got = result.diagnosis["bug"]
                named[name] += got == name
                if got != name:
                    misnamed.append(f"{name} on {spec.activation}/{spec.output_activation} {spec.cost}: "
                                    f"named {got} ({result.diagnosis['kind']})")
    print(f"{'bug':<26} {'mutants':>7} {'killed %':>9} {'named %':>8}")
    for name in count:
        print(f"{name:<26} {count[name]:>7} {100 * killed[name] / count[name]:>9.0f} "
              f"{100 * named[name] / count[name]:>8.0f}")
    total = sum(count.values())
    print(f"{'all':<26} {total:>7} {100 * sum(killed.values()) / total:>9.0f} "
          f"{100 * sum(named.values()) / total:>8.0f}")
    print(f"false alarms (bug-free code rejected): {false_alarms} of {len(SPECS)}")
    for line in misnamed:
        print("  misnamed: " + line)
    if args.json:
        Path(args.json).write_text(json.dumps({"count": count, "killed": killed, "named": named,
                                               "false_alarms": false_alarms}, indent=1))
    return 0 if false_alarms == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
