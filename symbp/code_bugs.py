"""The classic bugs of backpropagation code, as a mutant set of small numpy implementations.

``code_bugs(spec)`` yields ``(name, fn)``: ``fn(W, b, X, Y) -> (dW, db)`` is a plain
numpy backprop for ``spec`` (canonical layout: ``W[l]`` of shape ``(n_l, n_{l-1})``,
rows are examples) with one classic bug, and ``name`` is the bug's short name as
:mod:`symbp.testing` reports it (``diagnosis["bug"]``).  ``benchmarks/code_bugs.py``
measures how many of them ``symbp.testing`` kills and names correctly; these
functions are mutants to be caught, never a ground truth.

Some bugs change nothing or crash on some shapes: the recursion's matrix not
transposed or of the wrong layer, and δ or a of the wrong layer in ``dW``, need
layers of equal widths (e.g. ``[3, 3, 3, 3]``); one example instead of the batch
needs ``m >= 2``; the weight-decay bugs need ``weight_decay > 0``.
"""

from __future__ import annotations

import numpy as np

from .model.activations import ACTIVATIONS, VECTOR_ACTIVATIONS

__all__ = ['BUGS', 'code_bugs', 'backprop']


#: The classic bugs, by the name ``symbp.testing`` gives them.
BUGS = ("fprime-at-a", "recursion-not-transposed", "recursion-wrong-layer", "delta-wrong-layer",
        "input-wrong-layer", "batch-factor", "one-example", "decay-sign", "no-decay", "nan", "shape")

#: ∂C/∂a of the element-wise costs (rows are examples, K outputs).
_OUTPUT_ERROR = {
    "half_sse": lambda A, Y: A - Y,
    "sse": lambda A, Y: 2 * (A - Y),
    "mse": lambda A, Y: 2 * (A - Y) / A.shape[1],
    "cross_entropy": lambda A, Y: (A - Y) / (A * (1 - A)),
}
#: Costs whose output δ is ``a − y`` with a softmax output.
_SOFTMAX_COSTS = ("softmax_cross_entropy", "log_likelihood")


def _scale(average, m, K):
    return {"none": 1.0, "examples": 1.0 / m, "examples_and_outputs": 1.0 / (m * K)}[average]


def backprop(spec, bug=None):
    """A numpy ``fn(W, b, X, Y) -> (dW, db)`` for ``spec`` with the classic ``bug`` (None: the right code).

    >>> from symbp import NetworkSpec
    >>> from symbp.testing import check_gradients
    >>> spec = NetworkSpec([2, 2, 2], activation="tanh", batch_size=2, weight_decay=0.1)
    >>> bool(check_gradients(backprop(spec), spec)), check_gradients(backprop(spec, "decay-sign"), spec).diagnosis["bug"]
    (True, 'decay-sign')
    """
    if bug is not None and bug not in BUGS:
        raise ValueError(f"bug: {bug!r} is not one of {', '.join(BUGS)}")
    out_act = spec.activation_of(spec.depth)
    softmax = spec.cost in _SOFTMAX_COSTS and out_act == "softmax"
    if spec.bias != "vector" or spec.decay_biases or not (softmax or spec.cost in _OUTPUT_ERROR) \
            or spec.activation in VECTOR_ACTIVATIONS or (out_act in VECTOR_ACTIVATIONS and not softmax):
        raise ValueError("code_bugs: needs bias='vector', decay_biases=False, element-wise activations (a softmax "
                         f"output with its cross-entropy) and a cost of {', '.join(list(_OUTPUT_ERROR) + list(_SOFTMAX_COSTS))}")
    hidden, output = ACTIVATIONS[spec.activation], ACTIVATIONS[out_act]
    lam = spec.weight_decay * {"decay-sign": -1.0, "no-decay": 0.0}.get(bug, 1.0)

    def fn(W, b, X, Y):
        m, L = X.shape[0], len(W)            # any depth: the spec's activations, hidden and output
        acts = [hidden] * (L - 1) + [output]
        Z, A = [], [X]
        for l in range(L):
            Z.append(A[-1] @ W[l].T + b[l])
            A.append(acts[l].numpy(Z[-1]))

        def fprime(l):   # the hidden layers: the output layer keeps its own rule
            return acts[l].numpy_derivative(A[l + 1] if bug == "fprime-at-a" else Z[l])
        D = [None] * L
        D[-1] = A[-1] - Y if softmax else _OUTPUT_ERROR[spec.cost](A[-1], Y) * acts[-1].numpy_derivative(Z[-1])
        for l in range(L - 2, -1, -1):
            M = {"recursion-not-transposed": W[l + 1].T, "recursion-wrong-layer": W[l]}.get(bug, W[l + 1])
            D[l] = (D[l + 1] @ M) * fprime(l)
        s = _scale(spec.average, m, A[-1].shape[1])
        if bug == "batch-factor":
            s = s * m if spec.average != "none" else s / m
        rows = slice(m - 1, m) if bug == "one-example" else slice(None)
        dW, db = [], []
        for l in range(L):
            d = D[l - 1] if bug == "delta-wrong-layer" else D[l]
            a = A[l + 1] if bug == "input-wrong-layer" else A[l]
            decay = lam * W[l] / (m if spec.decay_average else 1)
            dW.append(s * d[rows].T @ a[rows] + decay)
            db.append(s * d[rows].sum(axis=0))
        if bug == "nan":
            dW[0][0, 0] = np.nan
        if bug == "shape":
            dW[-1] = dW[-1][:, :-1]
        return dW, db
    return fn


def code_bugs(spec):
    """``(name, fn)`` for every classic bug of :data:`BUGS` that ``spec`` can show.

    >>> from symbp import NetworkSpec
    >>> [name for name, fn in code_bugs(NetworkSpec([2, 2, 2], batch_size=1))][:3]
    ['fprime-at-a', 'recursion-not-transposed', 'recursion-wrong-layer']
    """
    for name in BUGS:
        if name in ("decay-sign", "no-decay") and not spec.weight_decay:
            continue
        if name == "one-example" and spec.batch_size < 2:
            continue
        if name in ("recursion-not-transposed", "recursion-wrong-layer", "fprime-at-a") and spec.depth < 2:
            continue
        yield name, backprop(spec, name)
