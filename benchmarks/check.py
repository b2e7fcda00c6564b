"""Time `symbp check` on the bundled derivations: --jobs 1 vs 2, cold vs cached, --numeric-only vs exact.

    python benchmarks/check.py [--runs N] [--jobs N] [--detail] [--split] [--from-source]

Every figure is the median of N runs of the command (start-up included), the runs of the compared variants
interleaved so that a load from elsewhere falls on all of them alike; beside the wall time, the CPU seconds of
the command and its children (what the machine's load does not change much), and the fastest and slowest
run of each variant (a median near a target is read with them).  Targets (issue 17 item 2):
cold --jobs 1 <= 8 s; --jobs 2 >= 1.7x faster than --jobs 1; a cached second run <= 3 s; --numeric-only
measurably faster than the exact run.  --detail: the slowest claims and the time by verdict/method (one more
run, in process).  --split: only the CPU seconds of the cold run split into the main path (instantiation,
numeric and exact check), the diagnosis of failing claims and the induction over depths, each derivation judged
in a forked child of its own as ``symbp check`` does (what one derivation builds is not reused by the next), and
how many children the judging forked (each costs system time: its pages are copied on write).

The command is this checkout's symbp, with its modules (and the bundled derivations) compiled to bytecode first,
as ``pip install .`` compiles them when it installs: README's command.  Where the environment forbids writing
bytecode (PYTHONDONTWRITEBYTECODE), a checkout without it compiles every module of symbp from source again on
each run; ``--from-source`` times that instead.  The ``__pycache__`` folders made here are removed at exit.
"""
import argparse
import atexit
import gc
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def compile_bytecode():
    """Compile this checkout's symbp and bundled derivations to bytecode in place, as ``pip install .`` does; the
    ``__pycache__`` folders made here are removed at exit (those already there are left as they were)."""
    import compileall
    folders = [ROOT / "symbp", ROOT / "derivations"]
    have = {p for f in folders for p in f.rglob("__pycache__")}
    for folder in folders:
        compileall.compile_dir(str(folder), quiet=1)
    for made in {p for f in folders for p in f.rglob("__pycache__")} - have:
        atexit.register(shutil.rmtree, made, True)


def timed(args, env):
    """(wall seconds, CPU seconds, exit code) of ``python -m symbp check ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    rc = subprocess.run([sys.executable, "-m", "symbp", "check", "--format", "json", "-o", os.devnull, *args],
                        env=env).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rc


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def detail(jobs):
    from symbp import check
    from symbp.run.load import bundled_derivations
    report = check(bundled_derivations(), jobs=jobs)
    per_method = defaultdict(lambda: [0, 0.0])
    claims = []
    for d in report.derivations:
        for e in d.equations:
            per_method[f"{e.status}/{e.method}"][0] += 1
            per_method[f"{e.status}/{e.method}"][1] += e.seconds
            claims.append((e.seconds, d.name, e.label))
    print(f"\n{'verdict/method':<34} {'claims':>6} {'seconds':>8} {'s/claim':>8}")
    for k, (n, s) in sorted(per_method.items()):
        print(f"{k:<34} {n:>6} {s:>8.2f} {s / n:>8.3f}")
    total = sum(s for s, _, _ in claims)
    print(f"\nslowest claims (of {len(claims)}, {total:.1f} s in all; a --jobs 2 run cannot end before the slowest):")
    for s, name, label in sorted(claims, reverse=True)[:8]:
        print(f"  {s:6.2f} s  {name}: {label}")


def cpu():
    """CPU seconds of this process and its waited-for children so far."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def _split_one(path):
    """{phase: CPU seconds} of judging every claim of ``path`` in this process (a forked child)."""
    from symbp.judge import diagnose as diagnose_module
    from symbp.judge import verify as verify_module
    from symbp.judge.evaluate import NetworkCache
    from symbp.judge.timings import TIMINGS
    from symbp.run import runner
    from symbp.run.load import load_derivation
    from symbp.run.isolate import collect_seldom, keep_survivors
    spent = defaultdict(float)
    TIMINGS.reset()
    collect_seldom()    # as a checking child of symbp check does (and keep_survivors after each claim)
    started = {}

    def collector(phase, info):     # the cyclic garbage collector's runs and time
        if phase == "start":
            started["t"] = time.process_time()
        else:
            spent["gc runs"] += 1
            spent["gc"] += time.process_time() - started.pop("t", time.process_time())
    gc.callbacks.append(collector)

    def timed(fn, phase):
        def call(*args, **kw):
            t0, before = cpu(), dict(TIMINGS.seconds)
            try:
                return fn(*args, **kw)
            finally:
                spent[phase] += cpu() - t0
                for step, sec in TIMINGS.seconds.items():     # the judge's own phases inside this one
                    spent[(phase, step)] += sec - before.get(step, 0.0)
        return call
    for name in ("diagnose", "explain_ill_formed", "ill_formed_edit", "off_sweep_counterexample"):
        setattr(verify_module, name, timed(getattr(diagnose_module, name), "diagnosis"))
    runner.extend_to_all_depths = timed(runner.extend_to_all_depths, "induction")
    from symbp.judge import budget, evaluate, induction
    forked = budget.run_forked

    def counted(thunks, seconds):
        spent["forks"] += 1
        return forked(thunks, seconds)
    for module in (budget, evaluate, induction):   # every module that forks a child of its own
        if getattr(module, "run_forked", None) is forked:
            module.run_forked = counted
    t0 = cpu()
    doc = load_derivation(path)
    spent["loading"] += cpu() - t0
    cache = NetworkCache()
    for i in range(len(doc.claims)):
        t0 = cpu()
        runner._check_claim(doc, i, cache)
        keep_survivors()    # as a checking child does after each claim
        spent["claims"] += cpu() - t0
    for step, sec in TIMINGS.seconds.items():
        spent[("all", step)] += sec
    return dict(spent)


def split():
    """Print the CPU split of a cold run over the bundled derivations (one forked child per derivation)."""
    import pickle
    sys.path.insert(0, str(ROOT))   # this checkout's symbp, not an installed one
    from symbp.run.isolate import CHILD_GC_THRESHOLDS
    from symbp.run.load import bundled_derivations, derivation_files
    from symbp.run.runner import preload
    t0 = cpu()
    preload()   # what symbp check imports before its first worker forks
    total = defaultdict(float)
    for path in derivation_files([bundled_derivations()]):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                data = pickle.dumps(_split_one(path))
                with os.fdopen(w, "wb") as out:
                    out.write(data)
            finally:
                os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as inbox:
            data = inbox.read()
        os.waitpid(pid, 0)
        for phase, sec in pickle.loads(data).items():
            total[phase] += sec
    whole = cpu() - t0
    main_path = total["claims"] - total["diagnosis"] - total["induction"]
    print(f"CPU seconds of a cold run over the bundled derivations, in process (a child per derivation; "
          f"1-minute load average {load_average():.1f})")
    for phase, sec in (("main path", main_path), ("diagnosis", total["diagnosis"]),
                       ("induction", total["induction"]), ("loading", total["loading"]),
                       ("all claims", total["claims"]), ("whole (with start-up)", whole)):
        print(f"  {phase:<24} {sec:7.2f} s")
    print(f"  {'forked children':<24} {int(total['forks']):7d}   (exact checks, induction, diagnosis; a worker each "
          f"derivation aside)")
    print(f"  {'garbage collector':<24} {total['gc']:7.2f} s in {int(total['gc runs'])} runs (thresholds "
          f"{CHILD_GC_THRESHOLDS}, as in a checking child; part of the figures above)")
    steps = ("instantiation", "lambdify", "evaluation", "exact check")
    print("seconds of the judge's own timed steps (symbp.judge.timings: wall time in this process, exclusive) in each "
          "part; 'the rest' is the part's CPU less its steps:")
    print(f"  {'':<16}" + "".join(f"{part:>12}" for part in ("main path", "diagnosis", "induction")))
    for step in steps:
        inner = {part: total[(part, step)] for part in ("diagnosis", "induction")}
        inner["main path"] = total[("all", step)] - inner["diagnosis"] - inner["induction"]
        print(f"  {step:<16}" + "".join(f"{inner[part]:12.2f}" for part in ("main path", "diagnosis", "induction")))
    rest = {"diagnosis": total["diagnosis"] - sum(total[("diagnosis", s)] for s in steps),
            "induction": total["induction"] - sum(total[("induction", s)] for s in steps),
            "main path": main_path - sum(total[("all", s)] - total[("diagnosis", s)] - total[("induction", s)]
                                         for s in steps)}
    print(f"  {'the rest':<16}" + "".join(f"{rest[part]:12.2f}" for part in ("main path", "diagnosis", "induction")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs of each variant (default: 3)")
    ap.add_argument("--jobs", type=int, default=2, help="the parallel run's --jobs (default: 2)")
    ap.add_argument("--detail", action="store_true", help="also the slowest claims and time by verdict/method")
    ap.add_argument("--split", action="store_true", help="only the CPU split: main path, diagnosis, induction")
    ap.add_argument("--from-source", action="store_true",
                    help="do not compile symbp to bytecode first (under PYTHONDONTWRITEBYTECODE: every run compiles it)")
    args = ap.parse_args()
    if args.split:
        split()
        return

    cache = tempfile.mkdtemp(prefix="symbp-bench-cache-")
    atexit.register(shutil.rmtree, cache, True)
    env = {**os.environ, "SYMBP_CACHE_DIR": cache, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}   # this checkout's symbp
    if args.from_source:
        bytecode = "from source (--from-source)" + (", on each run (PYTHONDONTWRITEBYTECODE)"
                                                    if sys.flags.dont_write_bytecode else "")
    else:
        compile_bytecode()
        bytecode = "compiled before the runs, as `pip install .` compiles it"
    variants = {"jobs 1": ["--jobs", "1", "--no-cache"],
                f"jobs {args.jobs}": ["--jobs", str(args.jobs), "--no-cache"],
                "numeric-only, jobs 1": ["--jobs", "1", "--no-cache", "--numeric-only"]}
    times = {name: [] for name in (*variants, "cached, jobs 1")}
    codes = {}
    timed(["--jobs", str(args.jobs)], env)   # fills the cache for the cached runs
    loads = [load_average()]
    for _ in range(args.runs):
        for name, extra in variants.items():
            wall, cpu, codes[name] = timed(extra, env)
            times[name].append((wall, cpu))
        wall, cpu, codes["cached, jobs 1"] = timed(["--jobs", "1"], env)
        times["cached, jobs 1"].append((wall, cpu))
        loads.append(load_average())

    def med(name, k=0):
        return statistics.median(t[k] for t in times[name])

    print(f"symbp check on the bundled derivations, median of {args.runs} interleaved runs "
          f"(1-minute load average {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} cores)")
    print(f"symbp's modules: {bytecode}")
    print(f"{'variant':<24} {'wall s':>8} {'fastest':>8} {'slowest':>8} {'CPU s':>8}  exit")
    for name in times:
        walls = [t[0] for t in times[name]]
        print(f"{name:<24} {med(name):>8.2f} {min(walls):>8.2f} {max(walls):>8.2f} {med(name, 1):>8.2f}  {codes[name]}")
    j1, jn = med("jobs 1"), med(f"jobs {args.jobs}")
    cached, numeric = med("cached, jobs 1"), med("numeric-only, jobs 1")
    cold = [t[0] for t in times["jobs 1"]]
    pairs = [a[0] / b[0] for a, b in zip(times["jobs 1"], times[f"jobs {args.jobs}"])]   # the runs of one round
    print()
    print(f"cold --jobs 1: {j1:.1f} s (runs {min(cold):.1f} to {max(cold):.1f} s, {sum(w <= 8 for w in cold)} of "
          f"{len(cold)} within 8 s); target <= 8 s: {'met' if j1 <= 8 else 'NOT met'}")
    print(f"--jobs 1 / --jobs {args.jobs}: {j1 / jn:.2f}x (round by round {min(pairs):.2f}x to {max(pairs):.2f}x); "
          f"target >= 1.7x: {'met' if j1 / jn >= 1.7 else 'NOT met'}")
    print(f"cached / cold (jobs 1): {cached:.2f} s / {j1:.2f} s = {cached / j1:.2f}; target <= 3 s: "
          f"{'met' if cached <= 3 else 'NOT met'}")
    print(f"numeric-only / exact (jobs 1): {numeric / j1:.2f} (CPU {med('numeric-only, jobs 1', 1) / med('jobs 1', 1):.2f})")
    if args.detail:
        detail(1)


if __name__ == "__main__":
    main()
