"""What installing symbp costs every pytest run: start-up with and without its plugin, in a project that never uses it.

    python benchmarks/pytest_startup.py [--runs N]

A fresh folder with one trivial test is collected (``pytest --collect-only -q``) N times with the plugin
(as installed through the ``pytest11`` entry point) and N times with ``-p no:symbp``, interleaved; the
medians and their difference are printed.  For comparison the same is done with a plugin that imports
the CAS at load, as symbp's plugin did when ``import symbp`` loaded sympy and symengine (``-p`` of a
conftest-less module that imports them).  Target (issue 13): the plugin adds next to nothing.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def once(folder, *extra):
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *extra],
                   cwd=folder, check=True, capture_output=True)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_nothing.py").write_text("def test_nothing():\n    assert True\n")
        (folder / "eager_plugin.py").write_text("import sympy, symengine, numpy  # what `import symbp` loaded before\n")
        runs = {"with symbp's plugin": [], "without (-p no:symbp)": [], "an eager CAS plugin": []}
        once(folder)   # warm the file cache
        for _ in range(args.runs):
            runs["with symbp's plugin"].append(once(folder))
            runs["without (-p no:symbp)"].append(once(folder, "-p", "no:symbp"))
            runs["an eager CAS plugin"].append(once(folder, "-p", "no:symbp", "-p", "eager_plugin"))
    med = {k: statistics.median(v) for k, v in runs.items()}
    for k, v in med.items():
        print(f"{k:<24} median {v:6.3f} s  (min {min(runs[k]):.3f}, max {max(runs[k]):.3f}, {args.runs} runs)")
    base = med["without (-p no:symbp)"]
    plugin = med["with symbp's plugin"]
    print(f"symbp's plugin adds {plugin - base:+.3f} s per pytest run; "
          f"an eager CAS import would add {med['an eager CAS plugin'] - base:+.3f} s")


if __name__ == "__main__":
    main()
