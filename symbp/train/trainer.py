"""Trainer: batch gradient descent for a NetworkSpec, in numpy, rows are examples.

The algorithm is the one of the UFLDL-style notes "Backpropagation Algorithm" ("one iteration
of batch gradient descent": accumulate ``ΔW[l] += δ[l+1] a[l]ᵀ`` over the m
examples, then ``W -= α((1/m) ΔW + λW)``), vectorised over the batch: with
rows as examples the accumulated ``ΔW[l]`` is the single product ``Dᵀ A``
(``D``: the δ of every example, ``A``: the activations feeding the layer),
and the scaling ``1/m`` (or ``1``, ``1/(mK)``) and ``λ`` come from the spec's
conventions, not from code paths.

Everything the trainer needs to know about an activation or a cost is a
row of a table: :data:`KERNELS` (in-place forward and derivative,
falling back to :data:`symbp.model.activations.ACTIVATIONS`), :data:`COST_DERIVATIVES`
(``∂C/∂a``) and :data:`OUTPUT_RULES` (output δ where cost and activation
simplify together: sigmoid + cross-entropy and softmax + cross-entropy give
``δ = a − y``, without dividing by ``a(1 − a)``).

The trainer is judged by the oracle, so it imports none of it
(``symbolic``, ``groundtruth``, ``backends``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..model.activations import ACTIVATIONS
from ..model.costs import AVERAGES, COSTS
from ..model.spec import NetworkSpec
from .parallel import map_blocks, one_blas_thread, row_blocks

__all__ = ['Trainer', 'Kernel', 'KERNELS', 'kernel', 'COST_DERIVATIVES', 'OutputRule', 'OUTPUT_RULES', 'output_rule', 'scale']


# -- conventions as numbers -----------------------------------------------------
class _Floats:
    """Stands in for a CAS module so that the AVERAGES table yields plain floats."""
    Integer = float

    @staticmethod
    def Rational(p, q):  # noqa: N802 (the CAS spelling)
        return p / q


def scale(average: str, m: int, K: int) -> float:
    """The factor ``S(m, K)`` of the spec's averaging convention, as a float.

    >>> scale("none", 4, 2), scale("examples", 4, 2), scale("examples_and_outputs", 4, 2)
    (1.0, 0.25, 0.125)
    """
    return float(AVERAGES[average](m, K, _Floats))


# -- activations: in-place kernels ------------------------------------------------
@dataclass(frozen=True)
class Kernel:
    """In-place numpy forms of one activation.

    ``forward(Z, out)`` writes ``f(Z)`` into ``out`` (which may be ``Z`` itself
    when ``needs_z`` is false) and returns it; ``backward(Z, A, G, tmp)``
    multiplies ``G`` in place by ``f'(Z)``, using ``A = f(Z)`` where that is
    cheaper, and ``tmp`` (same shape) as scratch space.
    """
    forward: Callable
    backward: Callable
    needs_z: bool = True


def _sigmoid_forward(Z, out):
    # 1 / (1 + exp(-z)): exp overflows to inf for z < -709 and 1/inf is exactly 0
    with np.errstate(over="ignore"):
        np.negative(Z, out=out)
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)     # faster than np.reciprocal here


def _sigmoid_backward(Z, A, G, tmp):
    np.subtract(1.0, A, out=tmp)        # σ' = σ(1 − σ)
    tmp *= A
    G *= tmp


def _tanh_backward(Z, A, G, tmp):
    np.multiply(A, A, out=tmp)          # tanh' = 1 − tanh²
    np.subtract(1.0, tmp, out=tmp)
    G *= tmp


def _relu_backward(Z, A, G, tmp):
    np.greater(A, 0.0, out=tmp)         # relu' = H(z) = [relu(z) > 0]  (0 at z = 0)
    G *= tmp


def _identity_forward(Z, out):
    if out is not Z:
        np.copyto(out, Z)
    return out


def _generic_kernel(name):
    """A kernel from the activation table's numpy form and derivative (not in place)."""
    act = ACTIVATIONS[name]

    def forward(Z, out):
        out[...] = act.numpy(Z)
        return out

    def backward(Z, A, G, tmp):
        G *= act.numpy_derivative(Z)

    return Kernel(forward, backward, needs_z=True)


#: Activations with a faster in-place form than the table's; every other activation
#: (generic ``f``, ``g``, softplus, ...) runs the table's numpy form through :func:`kernel`.
KERNELS = {
    #            forward (in place)                                   backward: G *= f'(z)                    needs z
    "sigmoid":  Kernel(_sigmoid_forward,                              _sigmoid_backward,                      needs_z=False),
    "tanh":     Kernel(lambda Z, out: np.tanh(Z, out=out),            _tanh_backward,                         needs_z=False),
    "identity": Kernel(_identity_forward,                             lambda Z, A, G, tmp: None,              needs_z=False),
    "relu":     Kernel(lambda Z, out: np.maximum(Z, 0.0, out=out),    _relu_backward,                         needs_z=False),
}


def kernel(name: str) -> Kernel:
    """The in-place kernel of an element-wise activation (from :data:`KERNELS` or the table).

    >>> Z = np.array([[-800.0, 0.0, 800.0]])
    >>> kernel("sigmoid").forward(Z, np.empty_like(Z)).tolist()
    [[0.0, 0.5, 1.0]]
    """
    if name in KERNELS:
        return KERNELS[name]
    if ACTIVATIONS[name].numpy_derivative is None:
        raise ValueError(f"activation {name!r} is not element-wise; it needs an output rule")
    return _generic_kernel(name)


def _vector_forward(name):
    """Forward of a vector activation (softmax) from the table's numpy form."""
    def forward(Z, out):
        out[...] = ACTIVATIONS[name].numpy(Z)
        return out
    return forward


# -- costs: derivative and output rules -------------------------------------------
#: ``∂C/∂a`` of each per-example cost of :data:`symbp.model.costs.COSTS` (``None``: only through an output rule).
COST_DERIVATIVES = {
    "half_sse":              lambda A, Y: A - Y,                      # C = ½ Σ (a − y)²
    "cross_entropy":         lambda A, Y: (A - Y) / (A * (1.0 - A)),  # −[y/a − (1 − y)/(1 − a)]
    "softmax_cross_entropy": None,                                    # softmax's Jacobian is not diagonal
    "sse":                   lambda A, Y: 2.0 * (A - Y),              # C = Σ (a − y)²
    "mse":                   lambda A, Y: 2.0 * (A - Y) / A.shape[-1],  # C = (1/K) Σ (a − y)²
    "log_likelihood":        None,                                    # softmax only, through its output rule
    "generic":               None,                                    # an undefined function: nothing to train
}


@dataclass(frozen=True)
class OutputRule:
    """How the output layer meets the cost: ``delta(Z, A, Y)`` is ``∂C_k/∂z[L]`` for
    every example (rows), ``total(Z, A, Y)`` is ``Σ_k C_k`` (no scaling, no decay)."""
    delta: Callable
    total: Callable


def _logsumexp(Z):
    top = Z.max(axis=1, keepdims=True)
    return top + np.log(np.exp(Z - top).sum(axis=1, keepdims=True))


#: (cost, output activation) pairs whose δ simplifies; computed from ``z`` so
#: they never divide by ``a(1 − a)`` nor take the log of an underflowed ``a``.
OUTPUT_RULES = {
    # C = −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y z;  δ = σ(z) − y
    ("cross_entropy", "sigmoid"): OutputRule(
        delta=lambda Z, A, Y: A - Y,
        total=lambda Z, A, Y: float((np.logaddexp(0.0, Z) - Y * Z).sum())),
    # C = −Σ_j y_j (z_j − logsumexp z);  δ_j = a_j Σ_i y_i − y_j  (= a − y for one-hot y)
    ("softmax_cross_entropy", "softmax"): OutputRule(
        delta=lambda Z, A, Y: A * Y.sum(axis=1, keepdims=True) - Y,
        total=lambda Z, A, Y: float(-(Y * (Z - _logsumexp(Z))).sum())),
}
OUTPUT_RULES[("log_likelihood", "softmax")] = OUTPUT_RULES[("softmax_cross_entropy", "softmax")]


def output_rule(cost: str, activation: str) -> OutputRule:
    """The output rule of a cost and an output activation (simplified, or ``∂C/∂a · f'(z)``).

    >>> r = output_rule("cross_entropy", "sigmoid")
    >>> Z = np.array([[-800.0, 800.0]]); Y = np.array([[1.0, 1.0]])
    >>> r.delta(Z, kernel("sigmoid").forward(Z, np.empty_like(Z)), Y).tolist(), r.total(Z, None, Y)
    ([[-1.0, 0.0]], 800.0)
    """
    if (cost, activation) in OUTPUT_RULES:
        return OUTPUT_RULES[(cost, activation)]
    if COST_DERIVATIVES.get(cost) is None:
        raise ValueError(f"cost {cost!r} cannot be trained with output activation {activation!r}"
                         + (" (it is an undefined function)" if cost == "generic" else ""))
    dC, k, per_example = COST_DERIVATIVES[cost], kernel(activation), COSTS[cost].numpy

    def delta(Z, A, Y):
        G = dC(A, Y)
        k.backward(Z, A, G, np.empty_like(G))
        return G

    return OutputRule(delta=delta, total=lambda Z, A, Y: float(per_example(A, Y).sum()))


# -- the trainer -------------------------------------------------------------------
class _Buffers:
    """Preallocated arrays for one batch size: Z[l], A[l] (A[l] is Z[l] when the
    activation needs no z), the back-propagated G[l] and scratch."""

    def __init__(self, sizes, m, in_place):
        L = len(sizes) - 1
        self.Z = [None] + [np.empty((m, sizes[l])) for l in range(1, L + 1)]
        self.A = [None] + [self.Z[l] if in_place[l] else np.empty((m, sizes[l])) for l in range(1, L + 1)]
        self.G = [None] + [np.empty((m, sizes[l])) for l in range(1, L + 1)]
        self.tmp = [None] + [np.empty((m, sizes[l])) for l in range(1, L + 1)]
        self.ones = np.ones(m)     # Σ over examples as one BLAS product (faster than .sum(axis=0))


class Trainer:
    """Batch gradient descent on the network of a spec (rows of X are examples).

    Parameters
    ----------
    spec : NetworkSpec
        Sizes, activations, cost and conventions (averaging, weight decay, bias layout).
    seed : int
        Seeds the initialisation N(0, ε²) of every weight and bias, and the shuffling in ``fit``.
    epsilon : float
        Standard deviation ε of the initialisation (0.01, as in the notes).
    gradient : callable, optional
        ``gradient(W, b, X, Y) -> (dW, db)`` in the layout of ``.params``; when
        given, every step takes its gradient from it (e.g. a document's rule)
        instead of the trainer's own back-propagation.

    Examples
    --------
    >>> t = Trainer(NetworkSpec([2, 3, 1], weight_decay=1e-4), seed=0)
    >>> X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = np.array([[0.], [1.], [1.], [0.]])
    >>> [w.shape for w in t.params[0]], [v.shape for v in t.params[1]]
    ([(3, 2), (1, 3)], [(3,), (1,)])
    >>> history = t.fit(X, Y, lr=0.5, epochs=3)
    >>> len(history), history[-1] < history[0]
    (3, True)
    """

    def __init__(self, spec: NetworkSpec, seed: int = 0, epsilon: float = 0.01, gradient: Callable | None = None):
        if not isinstance(spec, NetworkSpec):
            raise TypeError(f"spec: expected a NetworkSpec, got {type(spec).__name__}")
        self.spec, self.seed, self.epsilon, self.gradient_fn = spec, seed, float(epsilon), gradient
        n, L = spec.sizes, spec.depth
        self._kernels = [None] + [kernel(spec.activation_of(l)) for l in range(1, L)]
        out = spec.output_activation
        self._out_forward = _vector_forward(out) if ACTIVATIONS[out].numpy_derivative is None \
            else kernel(out).forward
        self._output = output_rule(spec.cost, out)
        self._in_place = [False] + [not k.needs_z for k in self._kernels[1:]] + [False]
        self._rng = np.random.default_rng(seed)
        self._W, self._b = [], []
        for l in range(1, L + 1):   # W[l] then b[l], layer by layer: both bias layouts draw the same numbers
            self._W.append(self._rng.normal(0.0, self.epsilon, (n[l], n[l - 1])))
            self._b.append(self._rng.normal(0.0, self.epsilon, n[l]))
        self._buffers = {}

    # -- parameters -----------------------------------------------------------------
    @property
    def params(self):
        """``(W, b)`` (copies) in the spec's layout: with ``bias="weight0"`` the bias is column 0 of W and b is None."""
        if self.spec.bias == "weight0":
            return [np.column_stack([v, w]) for w, v in zip(self._W, self._b)], None
        return [w.copy() for w in self._W], [v.copy() for v in self._b]

    @params.setter
    def params(self, value):
        W, b = self._split(*value)
        if len(W) != self.spec.depth or len(b) != self.spec.depth:
            raise ValueError(f"params: expected {self.spec.depth} layers, got {len(W)}")
        for dst, src in zip(self._W + self._b, W + b):
            if dst.shape != src.shape:
                raise ValueError(f"params: expected shape {dst.shape}, got {src.shape}")
            dst[...] = src

    def _split(self, W, b):
        """Public layout -> internal (W, b) lists of float arrays."""
        W = [np.asarray(w, dtype=np.float64) for w in W]
        if self.spec.bias == "weight0":
            if b is not None:
                raise ValueError("bias='weight0': the bias is column 0 of each W, so b must be None")
            return [w[:, 1:] for w in W], [w[:, 0] for w in W]
        return W, [np.asarray(v, dtype=np.float64) for v in b]

    def _join(self, dW, db):
        """Internal (dW, db) -> public layout."""
        if self.spec.bias == "weight0":
            return [np.column_stack([v, w]) for w, v in zip(dW, db)], None
        return dW, db

    # -- data -------------------------------------------------------------------------
    def _data(self, X, Y=None):
        n = self.spec.sizes
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim == 1 and n[0] == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != n[0]:
            raise ValueError(f"X must have shape (m, {n[0]}) (rows are examples), got {X.shape}")
        if Y is None:
            return X
        Y = np.ascontiguousarray(Y, dtype=np.float64)
        if Y.ndim == 1 and n[-1] == 1:
            Y = Y[:, None]
        if Y.shape != (X.shape[0], n[-1]):
            raise ValueError(f"Y must have shape ({X.shape[0]}, {n[-1]}) to match X, got {Y.shape}")
        return X, Y

    def _bufs(self, m):
        if m not in self._buffers:
            if len(self._buffers) > 4:
                self._buffers.clear()
            self._buffers[m] = _Buffers(self.spec.sizes, m, self._in_place)
        return self._buffers[m]

    # -- forward and backward ---------------------------------------------------------
    def _forward(self, X, bufs):
        L, A = self.spec.depth, X
        for l in range(1, L + 1):
            Z = bufs.Z[l]
            np.matmul(A, self._W[l - 1].T, out=Z)
            Z += self._b[l - 1]
            A = (self._kernels[l].forward if l < L else self._out_forward)(Z, bufs.A[l])
        return A

    def _decay(self):
        """The weight-decay term ``R = λ/2 Σ W²`` (+ ``Σ b²`` with decay_biases), before any 1/m."""
        spec = self.spec
        if not spec.weight_decay:
            return 0.0
        squares = sum(np.vdot(w, w) for w in self._W)
        if spec.decay_biases:
            squares += sum(np.vdot(v, v) for v in self._b)
        return 0.5 * spec.weight_decay * float(squares)

    def _backprop(self, X, Y, bufs, dW, db, S):
        """Fill dW, db with the data term of ∂J/∂W, ∂J/∂b (δ scaled by ``S``) after ``_forward``; return Σ_k C_k."""
        L = self.spec.depth
        ZL, AL = bufs.Z[L], bufs.A[L]
        total = self._output.total(ZL, AL, Y)
        G = bufs.G[L]
        np.multiply(self._output.delta(ZL, AL, Y), S, out=G)
        for l in range(L, 0, -1):
            A_prev = X if l == 1 else bufs.A[l - 1]
            np.matmul(G.T, A_prev, out=dW[l - 1])
            np.matmul(bufs.ones, G, out=db[l - 1])
            if l > 1:
                G_prev = bufs.G[l - 1]
                np.matmul(G, self._W[l - 1], out=G_prev)
                self._kernels[l - 1].backward(bufs.Z[l - 1], bufs.A[l - 1], G_prev, bufs.tmp[l - 1])
                G = G_prev
        return total

    def _add_decay(self, dW, db, m):
        """Add the weight-decay term of ∂J/∂W (and ∂J/∂b with decay_biases) for a batch of m rows."""
        spec = self.spec
        lam = spec.weight_decay / m if spec.decay_average else spec.weight_decay
        if not lam:
            return
        for l in range(spec.depth):
            dW[l] += lam * self._W[l]
            if spec.decay_biases:
                db[l] += lam * self._b[l]

    def _blocks(self, m):
        """Per row block of a batch of m rows: (rows, buffers, dW part, db part), made once per m."""
        key = ("blocks", m)
        if key not in self._buffers:
            if len(self._buffers) > 4:
                self._buffers.clear()
            self._buffers[key] = [(rows, _Buffers(self.spec.sizes, rows.stop - rows.start, self._in_place),
                                   [np.empty_like(w) for w in self._W], [np.empty_like(v) for v in self._b])
                                  for rows in row_blocks(m)]
        return self._buffers[key]

    def _blocked_backprop(self, X, Y, dW, db, S):
        """``_forward`` + ``_backprop`` block by block (on worker threads), the parts summed in block order."""
        def one(block):
            rows, bufs, pW, pb = block
            self._forward(X[rows], bufs)
            return self._backprop(X[rows], Y[rows], bufs, pW, pb, S)

        blocks = self._blocks(X.shape[0])
        totals = map_blocks(one, blocks)
        for l in range(self.spec.depth):
            np.add(blocks[0][2][l], blocks[1][2][l], out=dW[l])
            np.add(blocks[0][3][l], blocks[1][3][l], out=db[l])
            for _, _, pW, pb in blocks[2:]:
                dW[l] += pW[l]
                db[l] += pb[l]
        return sum(totals)

    def _loss_from(self, total, m):
        spec = self.spec
        R = self._decay()
        return scale(spec.average, m, spec.sizes[-1]) * total + (R / m if spec.decay_average else R)

    def _grads(self, X, Y, dW, db):
        """Fill dW, db (internal layout) at the current parameters; return J there."""
        m = X.shape[0]
        if self.gradient_fn is not None:
            gW, gb = self._split(*self.gradient_fn(*self.params, X, Y))
            for dst, src in zip(dW + db, gW + gb):
                dst[...] = src
            return self.loss(X, Y)
        S = scale(self.spec.average, m, self.spec.sizes[-1])
        if len(row_blocks(m)) > 1:
            total = self._blocked_backprop(X, Y, dW, db, S)
        else:
            bufs = self._bufs(m)
            self._forward(X, bufs)
            total = self._backprop(X, Y, bufs, dW, db, S)
        self._add_decay(dW, db, m)
        return self._loss_from(total, m)

    # -- public -------------------------------------------------------------------------
    def gradients(self, X, Y):
        """``(dW, db)``: ``∂J/∂W[l]``, ``∂J/∂b[l]`` at the current parameters, in the layout of ``params``.

        >>> t = Trainer(NetworkSpec([1, 1], activation="identity", average="none"))
        >>> t.params = ([np.array([[2.0]])], [np.array([1.0])])
        >>> dW, db = t.gradients(np.array([[3.0]]), np.array([[4.0]]))
        >>> float(dW[0][0, 0]), float(db[0][0])     # (2*3 + 1 - 4) * 3, (2*3 + 1 - 4)
        (9.0, 3.0)
        """
        X, Y = self._data(X, Y)
        dW, db = [np.empty_like(w) for w in self._W], [np.empty_like(v) for v in self._b]
        self._grads(X, Y, dW, db)
        return self._join(dW, db)

    def loss(self, X, Y) -> float:
        """The cost J of the spec (scaling and weight decay included) at the current parameters.

        >>> t = Trainer(NetworkSpec([1, 1], activation="identity", average="none", weight_decay=1.0))
        >>> t.params = ([np.array([[2.0]])], [np.array([1.0])])
        >>> t.loss([[3.0]], [[4.0]])       # ½ (7 − 4)² + ½ · 2²
        6.5
        """
        X, Y = self._data(X, Y)
        bufs = self._bufs(X.shape[0])
        self._forward(X, bufs)
        L = self.spec.depth
        return float(self._loss_from(self._output.total(bufs.Z[L], bufs.A[L], Y), X.shape[0]))

    def predict(self, X):
        """The output activations ``a[L]`` for every row of X (a new array).

        >>> Trainer(NetworkSpec([2, 1]), epsilon=0.0).predict([[1.0, 2.0]]).tolist()
        [[0.5]]
        """
        X = self._data(X)
        return self._forward(X, self._bufs(X.shape[0])).copy()

    def step(self, X, Y, lr: float) -> float:
        """One gradient-descent step ``θ ← θ − lr·∂J/∂θ`` on the batch (X, Y); returns J before it.

        >>> t = Trainer(NetworkSpec([1, 1], activation="identity", average="none"))
        >>> t.params = ([np.array([[2.0]])], [np.array([1.0])])
        >>> t.step([[3.0]], [[4.0]], lr=0.1)
        4.5
        >>> [float(w[0, 0]) for w in t.params[0]], [float(v[0]) for v in t.params[1]]
        ([1.1], [0.7])
        """
        X, Y = self._data(X, Y)
        dW, db = [np.empty_like(w) for w in self._W], [np.empty_like(v) for v in self._b]
        J = self._grads(X, Y, dW, db)
        self._update(dW, db, lr, 0.0, None)
        return float(J)

    def _update(self, dW, db, lr, momentum, velocity):
        for p, g in zip(self._W + self._b, dW + db):
            g *= lr
            p -= g
        if momentum:   # classical momentum: v ← μ v − lr g;  θ ← θ + v  (− lr g applied above)
            for p, v, g in zip(self._W + self._b, velocity, dW + db):
                p += momentum * v
                v *= momentum
                v -= g

    def fit(self, X, Y, lr: float, epochs: int, batch_size: int | None = None, momentum: float = 0.0,
            callback: Callable | None = None, shuffle: bool = True) -> list:
        """Train for ``epochs`` passes over (X, Y); return the loss of each epoch.

        ``batch_size=None`` is full-batch gradient descent (the notes' algorithm);
        otherwise each epoch visits the rows in mini-batches (shuffled with the
        trainer's seed unless ``shuffle=False``).  An epoch's loss is J as its
        batches saw it before their steps (full batch: J(θ) before the step).
        ``callback(epoch, loss)`` runs after every epoch; a true return value stops.
        A batch of 2 × MIN_ROWS = 1024 rows or more runs in row blocks on numpy's BLAS thread count
        (:mod:`symbp.train.parallel`); meanwhile, callback included, BLAS runs one thread per call.

        >>> t = Trainer(NetworkSpec([1, 1], activation="identity"), seed=0)
        >>> h = t.fit([[1.0], [2.0]], [[2.0], [4.0]], lr=0.2, epochs=200, batch_size=1)
        >>> round(h[-1], 6), round(float(t.predict([[3.0]])[0, 0]), 3)
        (0.0, 6.0)
        """
        X, Y = self._data(X, Y)
        n, spec = X.shape[0], self.spec
        bs = n if batch_size is None else int(batch_size)
        if bs < 1:
            raise ValueError(f"batch_size: expected an integer >= 1 or None, got {batch_size!r}")
        dW, db = [np.empty_like(w) for w in self._W], [np.empty_like(v) for v in self._b]
        velocity = [np.zeros_like(p) for p in self._W + self._b] if momentum else None
        history = []
        # on row blocks, numpy's BLAS is held to one thread for the whole loop: the blocks are the threads
        with one_blas_thread() if len(row_blocks(min(bs, n))) > 1 else contextlib.nullcontext():
            for epoch in range(epochs):
                if bs >= n:
                    loss = self._grads(X, Y, dW, db)
                    self._update(dW, db, lr, momentum, velocity)
                else:
                    order = self._rng.permutation(n) if shuffle else np.arange(n)
                    data = 0.0
                    for start in range(0, n, bs):
                        idx = order[start:start + bs]
                        Xb, Yb = X[idx], Y[idx]
                        J = self._grads(Xb, Yb, dW, db)
                        R = self._decay() / (len(idx) if spec.decay_average else 1.0)
                        data += (J - R) / scale(spec.average, len(idx), spec.sizes[-1])
                        self._update(dW, db, lr, momentum, velocity)
                    loss = self._loss_from(data, n)
                history.append(float(loss))
                if callback is not None and callback(epoch, float(loss)):
                    break
        return history
