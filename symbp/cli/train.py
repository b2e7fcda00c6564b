"""``symbp train``: train a network on XOR, iris or digits and report loss and accuracy.

The interface module (``symbp.cli``) registers this subcommand with
:func:`add_parser`; :func:`run` does the work.  Progress goes to stderr,
the final loss and accuracy to stdout, and ``--plot out.png`` draws the loss
curve with matplotlib (the ``plot`` extra).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from ..model.activations import ACTIVATIONS, GENERIC, VECTOR_ACTIVATIONS
from ..model.costs import AVERAGES, COSTS
from ..model.spec import NetworkSpec, SpecError
from ..train.datasets import DATASETS, load
from ..train.trainer import Trainer
from .args import learning_rate, momentum, non_negative, positive_int, positive_number, seed

__all__ = ['add_parser', 'run', 'DEFAULTS', 'accuracy']


#: Per data set: settings that train it well from the default seed (each overridable).
DEFAULTS = {
    #         hidden widths  learning rate  epochs  init ε
    "xor":    dict(arch="4",  lr=2.0,       epochs=2000, epsilon=0.5),
    "iris":   dict(arch="8",  lr=0.5,       epochs=500,  epsilon=0.01),
    "digits": dict(arch="32", lr=4.0,       epochs=300,  epsilon=0.1),
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand on an argparse ``subparsers`` object.

    >>> p = argparse.ArgumentParser(); _ = add_parser(p.add_subparsers(dest="command"))
    >>> p.parse_args(["train", "--data", "iris", "--arch", "8,4"]).arch
    '8,4'
    """
    # a generic f or g is a stand-in for the checker's proofs, not an activation to train with
    hidden = [a for a in ACTIVATIONS if a not in VECTOR_ACTIVATIONS and a not in GENERIC]
    p = subparsers.add_parser(
        "train", help="train a network by gradient descent on a small data set",
        description="Train a network with symbp's numpy trainer (batch gradient descent) and report "
                    "the final loss and training accuracy. Unset options take the data set's defaults: "
                    + "; ".join(f"{k}: " + ", ".join(f"{o}={v}" for o, v in d.items()) for k, d in DEFAULTS.items()))
    p.add_argument("--data", choices=list(DATASETS), default="xor", help="data set (digits needs scikit-learn)")
    p.add_argument("--arch", help="hidden layer widths, comma-separated, e.g. 8 or 16,8 ('' for none); "
                                  "input and output widths come from the data")
    p.add_argument("--activation", choices=hidden, default="sigmoid", help="hidden-layer activation")
    p.add_argument("--output-activation", choices=[a for a in ACTIVATIONS if a not in GENERIC], default=None,
                   help="output activation (default: sigmoid for cross_entropy, softmax for "
                        "softmax_cross_entropy, else the hidden one)")
    p.add_argument("--cost", choices=[c for c in COSTS if c != "generic"], default="half_sse")
    p.add_argument("--average", choices=list(AVERAGES), default="examples", help="scaling of the summed costs")
    p.add_argument("--lr", type=learning_rate, help="learning rate (> 0)")
    p.add_argument("--epochs", type=positive_int, help="passes over the data")
    p.add_argument("--weight-decay", type=non_negative, default=0.0, help="λ of the term λ/2 ΣW² (>= 0)")
    p.add_argument("--momentum", type=momentum, default=0.0, help="momentum, from 0 to below 1 (default: 0)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the initialisation and the shuffling")
    p.add_argument("--epsilon", type=positive_number, help="standard deviation of the N(0, ε²) initialisation")
    p.add_argument("--batch-size", type=positive_int, default=None, help="mini-batch size (default: the full batch)")
    p.add_argument("--plot", metavar="OUT.png", help="draw the loss curve into this file (needs matplotlib)")
    p.add_argument("--rule", metavar="DERIVATION",
                   help="also train with a document's own δ and gradient formulas (a derivation file) and compare "
                        "the two loss curves")
    p.add_argument("--reading", choices=("as-written", "intended"), default="as-written",
                   help="which reading of the document's formulas --rule uses (default: as-written)")
    p.add_argument("--rule-claim", action="append", default=[], metavar="LABEL",
                   help="prefer this claim of the derivation in the rule (repeatable), e.g. an erratum")
    p.set_defaults(func=run)
    return p


def accuracy(outputs, labels) -> float:
    """Fraction of rows whose predicted class is the label (one output: threshold 0.5).

    >>> accuracy(np.array([[0.2], [0.9]]), np.array([0, 0])), accuracy(np.eye(3), np.array([0, 1, 0]))
    (0.5, 0.6666666666666666)
    """
    outputs = np.asarray(outputs)
    predicted = (outputs[:, 0] > 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(axis=1)
    return float((predicted == np.asarray(labels)).mean())


def _fail(message: str) -> int:
    print(f"symbp train: {message}", file=sys.stderr)
    return 2


def _progress(epochs: int, stream):
    """A callback drawing ``epoch i/n  loss …`` on stream (in place on a terminal, else every 10%)."""
    tty = getattr(stream, "isatty", lambda: False)()
    every = max(1, epochs // (100 if tty else 10))
    start = time.perf_counter()

    def callback(epoch, loss):
        done = epoch + 1
        if done % every and done != epochs:
            return False
        line = f"epoch {done:>{len(str(epochs))}}/{epochs}  loss {loss:.6g}  {time.perf_counter() - start:.1f}s"
        stream.write(("\r" + line + ("\n" if done == epochs else "")) if tty else line + "\n")
        stream.flush()
        return False

    return callback


def run(args) -> int:
    """Train as ``args`` (from :func:`add_parser`) say; print the result; return the exit code.

    >>> p = argparse.ArgumentParser(); _ = add_parser(p.add_subparsers())
    >>> import io, contextlib
    >>> with contextlib.redirect_stderr(io.StringIO()):  # doctest: +ELLIPSIS
    ...     code = run(p.parse_args(["train", "--data", "xor"]))
    data xor: 4 examples, sizes [2, 4, 1], sigmoid, cost half_sse
    final loss 0.0018...
    train accuracy 1.000
    >>> code
    0
    """
    if args.rule_claim and not args.rule:
        return _fail("--rule-claim needs --rule DERIVATION (the document whose claim it names)")
    if args.reading != "as-written" and not args.rule:
        return _fail("--reading needs --rule DERIVATION (the document whose formulas it reads)")
    defaults = DEFAULTS[args.data]
    arch = defaults["arch"] if args.arch is None else args.arch
    lr = defaults["lr"] if args.lr is None else args.lr
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    epsilon = defaults["epsilon"] if args.epsilon is None else args.epsilon
    try:
        hidden = [int(w) for w in arch.replace(" ", "").split(",") if w]
    except ValueError:
        return _fail(f"--arch: expected hidden widths such as 8 or 16,8, got {arch!r}")
    if epochs < 1:
        return _fail(f"--epochs: expected an integer >= 1, got {epochs}")
    plt = None
    if args.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return _fail("--plot needs matplotlib: pip install 'symbp[plot]'")
    try:
        data = load(args.data)
    except ImportError as e:
        return _fail(str(e))
    out = args.output_activation
    if out is None and args.cost == "cross_entropy" and args.activation not in COSTS["cross_entropy"].output_activations:
        out = "sigmoid"
    try:
        spec = NetworkSpec([data.X.shape[1], *hidden, data.Y.shape[1]], activation=args.activation,
                           output_activation=out, cost=args.cost, average=args.average,
                           weight_decay=args.weight_decay)
    except SpecError as e:
        return _fail(str(e))
    Y = data.Y
    if spec.cost == "softmax_cross_entropy" and Y.shape[1] == 1:   # two classes: one column per class
        Y = np.eye(2)[data.labels]
        spec = spec.replace(sizes=[*spec.sizes[:-1], 2])
    print(f"data {data.name}: {len(data.X)} examples, sizes {list(spec.sizes)}, {spec.activation}"
          + (f" / {spec.output_activation} output" if spec.output_activation != spec.activation else "")
          + f", cost {spec.cost}")
    print(f"lr {lr}, epochs {epochs}, batch {args.batch_size or 'full'}, ε {epsilon}, seed {args.seed}",
          file=sys.stderr)
    rule = None
    if args.rule:
        from ..run.load import LoadError, load_derivation, resolve
        from ..train.rule import DocumentRule, RuleError
        try:
            rule = DocumentRule(load_derivation(resolve([args.rule])[0]), spec, args.reading, prefer=tuple(args.rule_claim))
            print(f"rule of {rule.doc.name} ({args.reading}): {rule.describe()}", file=sys.stderr)
            used = {c.label for c in rule.used.values() if c is not None}
            for label in args.rule_claim:
                if label not in used:
                    print(f"--rule-claim {label!r} not used: "
                          f"{rule.rejected.get(label, 'no per-example δ, gradient or update claim has this label')}",
                          file=sys.stderr)
        except (LoadError, RuleError) as e:
            return _fail(f"--rule: {e}")
    trainer = Trainer(spec, seed=args.seed, epsilon=epsilon)
    history = trainer.fit(data.X, Y, lr=lr, epochs=epochs, batch_size=args.batch_size,
                          momentum=args.momentum, callback=_progress(epochs, sys.stderr))
    loss = trainer.loss(data.X, Y)
    if not np.isfinite(loss):
        print(f"final loss {loss}: training diverged (try a smaller --lr)", file=sys.stdout)
        return 1
    print(f"final loss {loss:.6g}")
    print(f"train accuracy {accuracy(trainer.predict(data.X), data.labels):.3f}")
    rule_history = None
    if rule is not None:
        by_rule = Trainer(spec, seed=args.seed, epsilon=epsilon, gradient=rule.gradient)
        rule_history = by_rule.fit(data.X, Y, lr=lr, epochs=epochs, batch_size=args.batch_size,
                                   momentum=args.momentum, callback=_progress(epochs, sys.stderr))
        rule_loss = by_rule.loss(data.X, Y)
        print(f"with the rule of {rule.doc.name} ({args.reading}): final loss {rule_loss:.6g}, "
              f"train accuracy {accuracy(by_rule.predict(data.X), data.labels):.3f}")
    if plt is not None:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(np.arange(1, len(history) + 1), history, label="ground truth (backpropagation)")
        if rule_history is not None:
            ax.plot(np.arange(1, len(rule_history) + 1), rule_history, "--",
                    label=f"rule of {rule.doc.name} ({args.reading})")
            ax.legend()
        ax.set(xlabel="epoch", ylabel="J", title=f"{data.name}: sizes {list(spec.sizes)}, {spec.cost}",
               yscale="log" if min(history) > 0 and (rule_history is None or min(rule_history) > 0) else "linear")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)
        plt.close(fig)
        print(f"loss curve written to {args.plot}", file=sys.stderr)
    return 0
