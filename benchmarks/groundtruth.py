"""How fast is the ground truth, and how does it grow?  Prints two tables; run ``python benchmarks/groundtruth.py``.

Each case (sigmoid, half squared error averaged over the examples, weight
decay on) runs in a fresh subprocess with a time limit and reports: the time
to build the symbolic network and one example's composed cost, to
differentiate it by every parameter (``GroundTruth.example_gradient``), to
compile (the first ``.gradients`` call: ``symengine.Lambdify`` with CSE), to
evaluate every gradient of the batch once more, and the peak RSS of the
subprocess.  Table 1 grows the number of parameters at m = 8, table 2 grows
m on one architecture.  The targets of issue 17 are checked beside them:
[6,10,10,3] m=8 and [8,16,16,4] m=8.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

PARAM_CASES = [([2, 2, 1], 8), ([3, 4, 4, 2], 8), ([4, 8, 8, 3], 8), ([6, 10, 10, 3], 8), ([8, 16, 16, 4], 8),
               ([8, 24, 24, 4], 8), ([8, 16, 16, 16, 4], 8)]
M_CASES = [([4, 8, 8, 3], m) for m in (1, 2, 4, 8, 16, 32, 64)]
BACKENDS = ["symengine"]
TIMEOUT = 60.0
POINTS = 10_000
POINTS_CASE = ([4, 8, 8, 3], 4)
TARGETS = {(str([6, 10, 10, 3]), 8): 2.0, (str([8, 16, 16, 4]), 8): 10.0}   # seconds, build to first values
TARGET_MB = 1024
TARGET_POINTS = 1.0
ASSERT_CASE = ([6, 10, 10, 3], 8)


def spec_for(sizes, m):
    from symbp import NetworkSpec
    return NetworkSpec(sizes, activation="sigmoid", cost="half_sse", average="examples",
                       weight_decay=1e-3, batch_size=m)


def random_args(spec, rng, P=None):
    lead = () if P is None else (P,)
    n = spec.sizes
    W = [rng.normal(size=lead + (n[l], n[l - 1])) for l in range(1, len(n))]
    b = [rng.normal(size=lead + (n[l],)) for l in range(1, len(n))]
    X = rng.normal(size=lead + (spec.batch_size, n[0]))
    Y = rng.uniform(size=lead + (spec.batch_size, n[-1]))
    return W, b, X, Y


def peak_mb():
    """Peak resident memory of this process in MB (ru_maxrss is in kB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


# -- child processes ------------------------------------------------------------------
def child_case(sizes, m, backend):
    from symbp import GroundTruth
    spec = spec_for(sizes, m)
    args = random_args(spec, np.random.default_rng(0))
    c0, t0 = time.process_time(), time.perf_counter()
    gt = GroundTruth(spec, backend)
    gt.example_net.example_costs               # one example's composed cost C
    t1 = time.perf_counter()
    gt.example_gradient                        # ∂C/∂θ for every θ by the CAS, closed form
    t2 = time.perf_counter()
    gt.gradients(*args)                        # compile (Lambdify with CSE) + the first evaluation
    t3, c3 = time.perf_counter(), time.process_time()
    gt.gradients(*args)                        # every gradient of the batch: m per-example evaluations, summed
    t4 = time.perf_counter()
    n_params = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
    return {"build": t1 - t0, "diff": t2 - t1, "lambdify": t3 - t2, "eval": t4 - t3, "total": t3 - t0, "cpu": c3 - c0,
            "params": n_params, "peak_mb": peak_mb()}


def child_points():
    from symbp import GroundTruth
    sizes, m = POINTS_CASE
    spec = spec_for(sizes, m)
    gt = GroundTruth(spec)
    rng = np.random.default_rng(1)
    gt.gradients(*random_args(spec, rng))      # build, differentiate, lambdify: not timed here
    args = random_args(spec, rng, P=POINTS)
    t0 = time.perf_counter()
    dW, db = gt.gradients(*args)
    t1 = time.perf_counter()
    assert dW[0].shape == args[0][0].shape == (POINTS,) + dW[0].shape[1:] and np.all(np.isfinite(dW[0]))
    n_values = sum(w[0].size for w in dW) + sum(v[0].size for v in db)
    return {"eval": t1 - t0, "values": n_values, "peak_mb": peak_mb()}


def child_assert():
    """The first ``assert_gradients_match`` call on ASSERT_CASE; symbp's Trainer stands in for the user's code."""
    from symbp import Trainer
    from symbp.testing import assert_gradients_match
    spec = spec_for(*ASSERT_CASE)
    trainer = Trainer(spec)

    def users_gradients(W, b, X, Y):
        trainer.params = (W, b)
        return trainer.gradients(X, Y)

    c0, t0 = time.process_time(), time.perf_counter()
    assert_gradients_match(users_gradients, spec)
    t1, c1 = time.perf_counter(), time.process_time()
    assert_gradients_match(users_gradients, spec)
    t2 = time.perf_counter()
    return {"first": t1 - t0, "cpu": c1 - c0, "later": t2 - t1, "peak_mb": peak_mb()}


def vm_hwm_mb(pid):
    """Peak resident memory so far of a running process (Linux ``VmHWM``), or None."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    return None


def run_child(argv):
    """Run this script on one case in a subprocess.

    Returns the child's JSON result, or ``{"timeout": True, "peak_mb": ...}`` when it
    ran out of time (its peak memory read just before it is killed).
    """
    proc = subprocess.Popen([sys.executable, __file__, *argv], stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        peak = vm_hwm_mb(proc.pid)
        proc.kill()
        proc.communicate()
        return {"timeout": True, "peak_mb": peak}
    if proc.returncode:
        raise RuntimeError(f"benchmark child {argv} failed with exit code {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


# -- the tables ---------------------------------------------------------------------------
def table(cases, backend):
    cols = ["architecture", "params", "m", "build", "differentiate", "compile", "evaluate", "total: wall / CPU", "peak RSS",
            "target"]
    widths = [17, 6, 2, 8, 13, 8, 9, 18, 8, 22]
    row = lambda cells: "| " + " | ".join(f"{c:<{w}}" for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(row(cols))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for sizes, m in cases:
        r = run_child(["--case", json.dumps(sizes), str(m), backend])
        n_params = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
        limit, target = TARGETS.get((str(sizes), m)), ""
        if "timeout" in r:
            peak = "?" if r["peak_mb"] is None else f"≥ {r['peak_mb']:.0f} MB"
            cells = ["—", "—", "—", "—", f"over {TIMEOUT:.0f} s", peak]
            target = "" if limit is None else f"≤ {limit:g} s: MISSED"
        else:
            cells = [f"{r['build']:.3f} s", f"{r['diff']:.3f} s", f"{r['lambdify']:.3f} s", f"{r['eval'] * 1e3:.2f} ms",
                     f"{r['total']:.2f} s / {r['cpu']:.2f} s", f"{r['peak_mb']:.0f} MB"]
            if limit is not None:
                ok = r["total"] <= limit and r["peak_mb"] <= TARGET_MB   # wall clock: the user's wait
                target = f"≤ {limit:g} s, ≤ 1 GB: {'met' if ok else 'MISSED'}"
        print(row([str(sizes), str(n_params), str(m)] + cells + [target]), flush=True)


def main():
    import sympy
    import symengine
    print(f"symbp ground-truth benchmark: sigmoid, half_sse averaged over examples, weight decay on; "
          f"Python {platform.python_version()}, sympy {sympy.__version__}, symengine {symengine.__version__}, "
          f"numpy {np.__version__}; each case in a fresh subprocess, limit {TIMEOUT:.0f} s; "
          f"total = build + differentiate + compile (incl. the first evaluation), wall clock and this process's CPU "
          f"time (they differ when other work shares the cores); evaluate = a later call")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for backend in BACKENDS:
        print()
        print(f"Growth with the number of parameters (m = 8, backend {backend}):")
        print()
        table(PARAM_CASES, backend)
        print()
        print(f"Growth with m ({M_CASES[0][0]}, backend {backend}):")
        print()
        table(M_CASES, backend)
    print()
    a = run_child(["--assert"])
    sizes, m = ASSERT_CASE
    if "timeout" in a:
        print(f"assert_gradients_match on {sizes} m={m}, first call: over {TIMEOUT:.0f} s")
    else:
        ok = "met" if a["first"] <= 2.0 else "MISSED"
        print(f"assert_gradients_match on {sizes} m={m} (3 points), first call: {a['first']:.2f} s wall / "
              f"{a['cpu']:.2f} s CPU, target ≤ 2 s: {ok}; a later call: {a['later'] * 1e3:.1f} ms")
    p = run_child(["--points"])
    sizes, m = POINTS_CASE
    if "timeout" in p:
        print(f"every gradient of {sizes} m={m} at {POINTS:,} points: skipped: over {TIMEOUT:.0f} s")
    else:
        ok = "met" if p["eval"] <= TARGET_POINTS else "MISSED"
        print(f"every gradient ({p['values']} values) of {sizes} m={m} at {POINTS:,} random points, one vectorised "
              f"call (symengine): {p['eval']:.3f} s   target ≤ {TARGET_POINTS:g} s: {ok}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs=3, metavar=("SIZES", "M", "BACKEND"), help=argparse.SUPPRESS)
    parser.add_argument("--points", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--assert", dest="assert_", action="store_true", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.case:
        print(json.dumps(child_case(json.loads(ns.case[0]), int(ns.case[1]), ns.case[2])))
    elif ns.assert_:
        print(json.dumps(child_assert()))
    elif ns.points:
        print(json.dumps(child_points()))
    else:
        main()
