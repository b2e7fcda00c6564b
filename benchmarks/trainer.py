"""Time per full-batch epoch: symbp's Trainer against scikit-learn's MLPRegressor and PyTorch (CPU).

Task: scikit-learn's digits (1797 × 64, pixels / 16, one-hot targets), sizes
[64, 128, 10], sigmoid, half squared error averaged over the examples,
weight decay λ = 1e-4 on the weights only, float64, plain gradient descent on
the full batch (no momentum).  Every library is timed over the same number of
epochs, the runs interleaved, several times; the table shows the median and
the best time per epoch, and the ratio of symbp's median to each other one.
Each run is a fresh process with one library loaded (their thread pools would
otherwise spin against each other on the same cores).  Peak memory is the
growth of the peak resident set during training (after the data and model are
built) on the data tiled 10× (17 970 rows).

    python benchmarks/trainer.py [--epochs 100] [--repeats 7] [--threads N]

scikit-learn (``pip install 'symbp[bench]'``) is required for the data;
PyTorch is skipped with a message when it is not importable.  Notes on
matching the libraries: scikit-learn's regressor has an identity output
(1797 × 10 values, a negligible part of the work), its gradient is that of
``(1/m) Σ ½‖p − y‖² + α/(2m) Σ W²``, so ``alpha = λ·m`` gives the same decay;
it runs with ``shuffle=False`` (shuffling would copy the batch every epoch).
PyTorch gets the same model, loss and decay (a parameter group for the
weights), and its first epochs are checked to give symbp's parameters.
The table shows CPU time per epoch (all threads of the process) beside the
wall time: on a machine others are using, it tells work from waiting.

What one epoch is for each (all float64, all on the whole batch, no
validation, no early stopping: ``tol=0`` and ``n_iter_no_change`` past the
last epoch): symbp computes the forward pass, the loss (data term and
decay), the back-propagated gradients and the update in place, its batch
cut into row blocks (2 for digits) that run on as many threads as numpy's
BLAS has, each with one BLAS thread.  scikit-learn's ``fit`` runs the same
forward pass (identity output), loss with its L2 term, gradients and
update, plus its bookkeeping per epoch (loss curve, no-improvement count)
and, once per timed run, input validation and initialisation (the timed run
builds a new regressor).  PyTorch runs ``zero_grad``, the forward pass and
loss, autograd's backward and ``SGD.step`` with weight decay, on its
intra-op threads (OpenMP) and its BLAS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))          # time this checkout's symbp, not an installed one

SIZES, LAM, LR, EPS = [64, 128, 10], 1e-4, 0.5, 0.1


def digits(tile=1):
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    X, Y = X / 16.0, np.eye(10)[y]
    return np.ascontiguousarray(np.tile(X, (tile, 1))), np.ascontiguousarray(np.tile(Y, (tile, 1)))


# -- the three contestants: each returns run(epochs) ----------------------------------------
def symbp_runner(X, Y):
    from symbp import NetworkSpec, Trainer
    spec = NetworkSpec(SIZES, activation="sigmoid", cost="half_sse", average="examples", weight_decay=LAM)
    trainer = Trainer(spec, seed=0, epsilon=EPS)
    return lambda epochs: trainer.fit(X, Y, lr=LR, epochs=epochs)


def sklearn_runner(X, Y):
    from sklearn.neural_network import MLPRegressor

    def run(epochs):
        mlp = MLPRegressor(hidden_layer_sizes=(SIZES[1],), activation="logistic", solver="sgd",
                           batch_size=X.shape[0], learning_rate_init=LR, learning_rate="constant",
                           momentum=0.0, nesterovs_momentum=False, alpha=LAM * X.shape[0],
                           max_iter=epochs, tol=0.0, n_iter_no_change=epochs + 1, shuffle=False,
                           early_stopping=False, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # ConvergenceWarning at max_iter
            mlp.fit(X, Y)
    return run


def torch_model(torch, W=None, b=None):
    torch.set_default_dtype(torch.float64)
    layers = [torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.Sigmoid(),
              torch.nn.Linear(SIZES[1], SIZES[2]), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    if W is not None:
        with torch.no_grad():
            for lin, w, v in zip((layers[0], layers[2]), W, b):
                lin.weight.copy_(torch.from_numpy(w))
                lin.bias.copy_(torch.from_numpy(v))
    weights = [layers[0].weight, layers[2].weight]
    biases = [layers[0].bias, layers[2].bias]
    opt = torch.optim.SGD([{"params": weights, "weight_decay": LAM}, {"params": biases, "weight_decay": 0.0}],
                          lr=LR, momentum=0.0)
    return model, opt, layers


def torch_runner(X, Y, W=None, b=None):
    import torch
    model, opt, layers = torch_model(torch, W, b)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    m = X.shape[0]

    def run(epochs):
        for _ in range(epochs):
            opt.zero_grad(set_to_none=False)
            loss = 0.5 * ((model(Xt) - Yt) ** 2).sum() / m
            loss.backward()
            opt.step()
    run.layers = layers
    return run


def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def check_torch_matches_symbp(X, Y):
    """Same initial parameters, 5 epochs: the two must end at the same parameters."""
    from symbp import NetworkSpec, Trainer
    spec = NetworkSpec(SIZES, activation="sigmoid", cost="half_sse", average="examples", weight_decay=LAM)
    t = Trainer(spec, seed=0, epsilon=EPS)
    W, b = t.params
    run = torch_runner(X, Y, W, b)
    t.fit(X, Y, lr=LR, epochs=5)
    run(5)
    err = max(float(np.abs(lin.weight.detach().numpy() - w).max()) for lin, w in zip(run.layers[::2], t.params[0]))
    return err


# -- every measurement in a fresh process -------------------------------------------------------
# Each library runs alone in its own process: the BLAS/OpenMP thread pools of the others
# (numpy's and scipy's OpenBLAS, PyTorch's OpenMP) would otherwise spin on the same 2 cores.
def _rss_kib(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def probe(name, epochs, tile):
    """Print ms/epoch (wall, then CPU of all the process's threads) over ``epochs`` epochs after a warm-up,
    and the growth of the peak RSS (MiB)."""
    X, Y = digits(tile=tile)
    run = RUNNERS[name](X, Y)
    try:                                   # reset the peak RSS (Linux ≥ 4.0) so it measures training only
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        base = _rss_kib("VmRSS")
    except OSError:
        base = None
    run(3)                                 # warm up (allocates what training needs)
    peak = (_rss_kib("VmHWM") - base) / 1024 if base is not None else float("nan")
    start, cpu = time.perf_counter(), time.process_time()
    run(epochs)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{wall / epochs * 1e3:.4f} {cpu / epochs * 1e3:.4f} {peak:.2f}")


def measure(name, epochs, tile=1, threads=None):
    env = dict(os.environ)
    if threads:
        env.update({v: str(threads) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")})
    out = subprocess.run([sys.executable, __file__, "--probe", name, "--epochs", str(epochs), "--tile", str(tile)],
                         capture_output=True, text=True, env=env)
    if out.returncode:
        raise RuntimeError(f"{name}: {out.stderr.strip().splitlines()[-1]}")
    ms, cpu, mib = out.stdout.split()
    return float(ms), float(cpu), float(mib)


RUNNERS = {"symbp Trainer": symbp_runner, "scikit-learn MLPRegressor": sklearn_runner, "PyTorch (CPU)": torch_runner}


def symbp_note(m, threads=None):
    from symbp.train.parallel import row_blocks, threads as symbp_threads
    count = threads or symbp_threads()
    if count < 2:
        return f"symbp: 1 thread, {len(row_blocks(m))} row blocks in turn"
    return f"symbp: {count} threads on {len(row_blocks(m))} row blocks, BLAS 1 thread each"


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        return ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
                         f"{i['num_threads']} threads" for i in info) or "unknown"
    except ImportError:
        return "threadpoolctl not installed"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=100, help="epochs per timed run")
    p.add_argument("--repeats", type=int, default=7, help="timed runs per library (interleaved)")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS/OpenMP threads of every library (default: each library's own choice)")
    p.add_argument("--probe", help=argparse.SUPPRESS)
    p.add_argument("--tile", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.probe:
        return probe(args.probe, args.epochs, args.tile)
    try:
        X, Y = digits()
    except ImportError:
        print("benchmarks/trainer.py needs scikit-learn: pip install 'symbp[bench]'", file=sys.stderr)
        return 2
    names = ["symbp Trainer", "scikit-learn MLPRegressor"]
    if torch_available():
        import torch
        names.append("PyTorch (CPU)")
        torch_note = f"torch {torch.__version__}, {args.threads or torch.get_num_threads()} threads"
    else:
        print("PyTorch is not importable: its row is skipped (pip install torch==2.13.0)", file=sys.stderr)
        torch_note = "not installed"
    times, cpus = {n: [] for n in names}, {n: [] for n in names}
    for _ in range(args.repeats):
        for n in names:
            ms, cpu, _ = measure(n, args.epochs, threads=args.threads)
            times[n].append(ms)
            cpus[n].append(cpu)
    large = {n: measure(n, max(3, args.epochs // 10), tile=10, threads=args.threads) for n in names}

    med = {n: statistics.median(times[n]) for n in names}
    print(f"digits {X.shape[0]}×{X.shape[1]}, sizes {SIZES}, sigmoid, half squared error, λ={LAM}, float64, "
          f"full batch, lr={LR}; {args.repeats} interleaved runs of {args.epochs} epochs")
    print(f"numpy {np.__version__} ({blas_info() if not args.threads else f'{args.threads} BLAS threads'}); "
          f"{torch_note}; {symbp_note(X.shape[0], args.threads)}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')}; {os.cpu_count()} cores")
    print()
    print(f"| {'library':<26} | ms/epoch median | ms/epoch best | CPU ms/epoch median | symbp ÷ this "
          f"| 10× batch: ms/epoch | peak MiB |")
    print(f"|{'-' * 28}|----------------:|--------------:|--------------------:|-------------:"
          f"|--------------------:|---------:|")
    for n in names:
        t10, _, mem = large[n]
        print(f"| {n:<26} | {med[n]:15.2f} | {min(times[n]):13.2f} | {statistics.median(cpus[n]):19.2f} "
              f"| {med['symbp Trainer'] / med[n]:12.2f} | {t10:19.1f} | {mem:8.1f} |")
    print()
    sk = med["symbp Trainer"] / med["scikit-learn MLPRegressor"]
    print(f"symbp / scikit-learn = {sk:.2f} (target ≤ 0.8: {'met' if sk <= 0.8 else 'NOT met'})")
    if "PyTorch (CPU)" in med:
        pt = med["symbp Trainer"] / med["PyTorch (CPU)"]
        print(f"symbp / PyTorch      = {pt:.2f} (target ≤ 1.0: {'met' if pt <= 1.0 else 'NOT met'}); "
              f"parameters after 5 epochs from the same start differ by {check_torch_matches_symbp(X, Y):.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
