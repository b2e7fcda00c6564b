"""How fast is the ground truth?  Prints a table; regenerate with ``python benchmarks/groundtruth.py``.

For each architecture (sigmoid, half squared error, weight decay on) and each
backend: the time to build the symbolic network and its cost, to differentiate
(``GroundTruth.gradient``) and to lambdify (first call of ``.gradients``), each
in a fresh subprocess with a time limit; then the time to evaluate every
gradient at 10^4 random points in one vectorised call; then peak memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import numpy as np

CASES = [([2, 2, 1], 1), ([3, 4, 4, 2], 2), ([4, 8, 8, 3], 4), ([8, 16, 16, 4], 8)]
BACKENDS = ["symengine", "sympy"]
TIMEOUT = 60.0
POINTS = 10_000
POINTS_CASE = ([4, 8, 8, 3], 4)
TARGET_TOTAL = (([4, 8, 8, 3], 4), "symengine", 2.0)   # (case, backend, seconds)
TARGET_POINTS = 1.0


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
    t0 = time.perf_counter()
    gt = GroundTruth(spec, backend)
    gt.cost                                    # the composed cost J
    t1 = time.perf_counter()
    gt.gradient                                # ∂J/∂θ for every θ, canonical form
    t2 = time.perf_counter()
    gt.gradients(*args)                        # lambdify (with CSE) + one evaluation
    t3 = time.perf_counter()
    return {"build": t1 - t0, "diff": t2 - t1, "lambdify": t3 - t2, "total": t3 - t0, "peak_mb": peak_mb()}


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


# -- the table ---------------------------------------------------------------------------
def main():
    import sympy
    import symengine
    print(f"symbp ground-truth benchmark: sigmoid, half_sse, weight decay on; "
          f"Python {platform.python_version()}, sympy {sympy.__version__}, symengine {symengine.__version__}, "
          f"numpy {np.__version__}; each case in a fresh subprocess, limit {TIMEOUT:.0f} s")
    print()
    cols = ["architecture", "m", "backend", "build", "differentiate", "lambdify", "total", "peak RSS", "target"]
    widths = [15, 2, 9, 8, 13, 8, 18, 10, 14]
    row = lambda cells: "| " + " | ".join(f"{c:<{w}}" for c, w in zip(cells, widths)) + " |"  # noqa: E731
    print(row(cols))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    results = {}
    for sizes, m in CASES:
        for backend in BACKENDS:
            r = run_child(["--case", json.dumps(sizes), str(m), backend])
            results[(str(sizes), m, backend)] = r
            case, target_backend, limit = TARGET_TOTAL
            target = ""
            if (sizes, m) == case and backend == target_backend:
                ok = "timeout" not in r and r["total"] <= limit
                target = f"≤ {limit:g} s: {'met' if ok else 'MISSED'}"
            if "timeout" in r:
                peak = "?" if r["peak_mb"] is None else f"≥ {r['peak_mb']:.0f} MB"
                cells = ["—", "—", "—", f"skipped: over {TIMEOUT:.0f} s", peak]
            else:
                cells = [f"{r[k]:.3f} s" for k in ("build", "diff", "lambdify", "total")] + [f"{r['peak_mb']:.0f} MB"]
            print(row([str(sizes), str(m), backend] + cells + [target]), flush=True)
    print()
    p = run_child(["--points"])
    sizes, m = POINTS_CASE
    if "timeout" in p:
        print(f"every gradient of {sizes} m={m} at {POINTS:,} points: skipped: over {TIMEOUT:.0f} s")
    else:
        ok = "met" if p["eval"] <= TARGET_POINTS else "MISSED"
        print(f"every gradient ({p['values']} values) of {sizes} m={m} at {POINTS:,} random points, one vectorised "
              f"call (symengine): {p['eval']:.3f} s   target ≤ {TARGET_POINTS:g} s: {ok}")
    sizes, m = CASES[-1]
    peaks = [f"{backend} {r['peak_mb']:.0f} MB" + (" when stopped at the 60 s limit" if "timeout" in r else "")
             for backend in BACKENDS for r in [results[(str(sizes), m, backend)]] if r["peak_mb"] is not None]
    print(f"peak memory of the largest case, {sizes} m={m} (peak RSS of its subprocess, interpreter and imports "
          f"included): {'; '.join(peaks)}")
    done = [(k, r) for k, r in results.items() if "timeout" not in r]
    (arch, m, backend), r = max(done, key=lambda kr: kr[1]["peak_mb"])
    print(f"peak memory of the largest case that finished, {arch} m={m} ({backend}): {r['peak_mb']:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs=3, metavar=("SIZES", "M", "BACKEND"), help=argparse.SUPPRESS)
    parser.add_argument("--points", action="store_true", help=argparse.SUPPRESS)
    ns = parser.parse_args()
    if ns.case:
        print(json.dumps(child_case(json.loads(ns.case[0]), int(ns.case[1]), ns.case[2])))
    elif ns.points:
        print(json.dumps(child_points()))
    else:
        main()
