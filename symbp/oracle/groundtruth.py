"""GroundTruth: every derivative of a spec's cost, by the computer algebra system.

Symbolic: :attr:`GroundTruth.gradient` is ``d J / d θ`` of the fully composed
batch cost ``J``, taken by the CAS for every parameter; ``δ[l] = ∂C_k/∂z[l]``
comes from the free-symbol method (:meth:`SymbolicNetwork.delta`).  Exact
values substitute rationals into these expressions.

Numeric (:meth:`GroundTruth.gradients`, :meth:`~GroundTruth.deltas`,
:meth:`~GroundTruth.cost_value`) goes per example, which is what makes bigger
nets affordable.  What is CAS and what is ours:

- CAS: one example's cost ``C(a[L](θ; x), y)`` is composed through every
  layer as one expression in the symbols ``θ``, ``x``, ``y``; the CAS
  differentiates it by every parameter (and by the free ``z[l]`` symbols for
  δ) and by nothing else; the decay term ``R(θ, λ)`` is differentiated by the
  CAS too.  The expressions are compiled by ``symengine.Lambdify`` with
  common-subexpression elimination (``sympy.lambdify`` under the sympy
  backend).
- Ours, and only this: evaluating those compiled functions at each example
  ``(x_k, y_k)`` of the batch and forming ``J = S·Σ_k C_k + R`` and
  ``∂J/∂θ = S·Σ_k ∂C_k/∂θ + ∂R/∂θ`` (the derivative of a sum is the sum of
  the derivatives), with ``S`` the spec's averaging factor.  No chain rule,
  no layer structure and no formula of a document is used.

The symbolic expression of one example does not grow with ``m`` (evaluation
does, linearly), so a batch of 8 costs what a batch of 1 does to build.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import symengine
import sympy
from sympy.core.function import AppliedUndef

from ..model.activations import OPAQUE
from ..model.spec import NetworkSpec
from .symbolic import SOFTMAX_CLOSED, SymbolicNetwork

__all__ = ['GroundTruth', 'closed_sympy']


#: Expressions compiled together: CSE over a long list of deep derivatives costs far more than over
#: short lists of them (symengine's cse grows much faster than the list), so long lists go in blocks.
LAMBDIFY_BLOCK = 24


def _lambdify(backend, symbols, exprs):
    """Compiled numeric function of ``symbols`` -> ``exprs`` (rows are points), in blocks of LAMBDIFY_BLOCK."""
    exprs = list(exprs)
    blocks = [_lambdify_block(backend, symbols, exprs[s:s + LAMBDIFY_BLOCK])
              for s in range(0, len(exprs), LAMBDIFY_BLOCK)]
    if len(blocks) == 1:
        return blocks[0]
    return lambda P: np.concatenate([fn(P) for fn in blocks], axis=1)


def _lambdify_block(backend, symbols, exprs):
    if backend.name == "symengine":
        try:
            fn = symengine.Lambdify(list(symbols), list(exprs), cse=True, backend="llvm", opt_level=0)
        except (RuntimeError, ValueError, TypeError):  # symengine built without LLVM
            fn = symengine.Lambdify(list(symbols), list(exprs), cse=True, backend="lambda")
        return lambda P: np.asarray(fn(P)).reshape(P.shape[0], len(exprs))
    return backend.lambdify(symbols, exprs)


class GroundTruth:
    """The CAS ground truth of a network spec: cost, gradient and δ, symbolic and numeric.

    Examples
    --------
    >>> import numpy as np
    >>> gt = GroundTruth(NetworkSpec([1, 1], activation="identity", average="none"))
    >>> W, b = [np.array([[2.0]])], [np.array([1.0])]
    >>> dW, db = gt.gradients(W, b, X=np.array([[3.0]]), Y=np.array([[4.0]]))
    >>> float(dW[0][0, 0]), float(db[0][0])     # (2*3 + 1 - 4) * 3, (2*3 + 1 - 4)
    (9.0, 3.0)
    """

    def __init__(self, spec: NetworkSpec, backend: str = "symengine"):
        self.spec = spec
        self.net = SymbolicNetwork(spec, backend)
        self.backend = self.net.backend

    def __repr__(self):
        s = self.spec
        return (f"GroundTruth({list(s.sizes)}, m={s.batch_size}, {s.activation}/{s.output_activation}, {s.cost}, "
                f"average={s.average}, backend={self.backend.name})")

    # -- symbolic -------------------------------------------------------------
    @property
    def cost(self):
        """The composed batch cost J."""
        return self.net.cost

    @property
    def params(self):
        """Parameter symbols in canonical order (W[1] row-major, b[1], W[2], ...)."""
        return self.net.params

    @cached_property
    def gradient(self) -> dict:
        """Parameter symbol -> ``∂J/∂θ``, each by CAS differentiation of J."""
        J = self.net.cost
        return {p: self.net.diff(J, p) for p in self.net.params}

    @cached_property
    def delta(self) -> dict:
        """``(k, l)`` -> list of ``∂C_k/∂z[l]_j`` (free-symbol method), l = 1..L."""
        return {(k, l): self.net.delta(k, l) for k in range(self.net.m) for l in range(1, self.net.L + 1)}

    # -- numeric (per example, see the module docstring) ----------------------------
    @cached_property
    def _args(self):
        return self.net.params + self.net.data_symbols + [self.net.lam]

    @cached_property
    def example_net(self) -> SymbolicNetwork:
        """The network of one example (symbols ``x0_*``, ``y0_*``; the parameters are the same symbols)."""
        return SymbolicNetwork(self.spec.replace(batch_size=1), self.backend)

    @property
    def _per_example(self):
        """Whether numerics go per example (every spec with a closed form; the generic cost has none)."""
        return self.spec.cost != "generic"

    @cached_property
    def _example_args(self):
        one = self.example_net
        return one.params + one.x[0] + one.y[0]

    @cached_property
    def example_gradient(self) -> list:
        """``∂C/∂θ`` of one example's composed cost by the CAS, every θ in canonical order, in closed form.

        >>> gt = GroundTruth(NetworkSpec([1, 1], activation="identity"))
        >>> gt.example_gradient
        [x0_0*(b1_0 - y0_0 + x0_0*W1_0_0), b1_0 - y0_0 + x0_0*W1_0_0]
        """
        one = self.example_net
        return one.diff_all(one.example_costs[0], one.params, closed=True)

    @cached_property
    def _example_gradient_fn(self):
        """``(θ, x, y) -> ∂C/∂θ`` of one example, compiled."""
        return _lambdify(self.backend, self._example_args, self.example_gradient)

    @cached_property
    def _example_delta_fn(self):
        """``(θ, x, y) -> δ[l]`` of one example, l = 1..L (free-symbol method), concatenated."""
        one = self.example_net
        exprs = one.rewrite_all([e for l in range(1, one.L + 1) for e in one.delta(0, l)], one.closed_map)
        return _lambdify(self.backend, self._example_args, exprs)

    @cached_property
    def _example_cost_fn(self):
        one = self.example_net
        return _lambdify(self.backend, self._example_args, [one.closed(one.example_costs[0])])

    @cached_property
    def _decay_fns(self):
        """``(θ, λ) -> R`` and ``(θ, λ) -> ∂R/∂θ`` (the CAS differentiates R)."""
        net, args = self.net, self.net.params + [self.net.lam]
        R = net.decay
        return (_lambdify(self.backend, args, [R]),
                _lambdify(self.backend, args, net.diff_all(R, net.params)))

    @cached_property
    def _scale(self):
        return float(self.net.scale)

    def _example_rows(self, rows):
        """Packed rows ``(P, θ | X | Y | λ)`` -> per-example rows ``(P·m, θ | x_k | y_k)`` and ``(P, θ | λ)``."""
        n, m = self.spec.sizes, self.spec.batch_size
        P, t = rows.shape[0], len(self.net.params)
        X = rows[:, t:t + m * n[0]].reshape(P, m, n[0])
        Y = rows[:, t + m * n[0]:t + m * (n[0] + n[-1])].reshape(P, m, n[-1])
        theta = np.broadcast_to(rows[:, None, :t], (P, m, t))
        per_example = np.concatenate([theta, X, Y], axis=2).reshape(P * m, -1)
        return per_example, np.concatenate([rows[:, :t], rows[:, -1:]], axis=1)

    def _gradient_fn(self, rows):
        if not self._per_example:
            return self._full_gradient_fn(rows)
        per_example, decay_args = self._example_rows(rows)
        g = self._example_gradient_fn(per_example).reshape(rows.shape[0], self.spec.batch_size, -1)
        return self._scale * g.sum(axis=1) + self._decay_fns[1](decay_args)

    def _delta_fn(self, rows):
        """Columns ordered as :attr:`delta`'s sorted keys: example k, then layer l."""
        if not self._per_example:
            return self._full_delta_fn(rows)
        per_example, _ = self._example_rows(rows)
        return self._example_delta_fn(per_example).reshape(rows.shape[0], -1)

    def _cost_fn(self, rows):
        if not self._per_example:
            return self._full_cost_fn(rows)
        per_example, decay_args = self._example_rows(rows)
        c = self._example_cost_fn(per_example).reshape(rows.shape[0], self.spec.batch_size)
        return self._scale * c.sum(axis=1, keepdims=True) + self._decay_fns[0](decay_args)

    # the whole batch as one expression (the generic cost, which has no closed form to evaluate)
    @cached_property
    def _full_gradient_fn(self):
        exprs = [self.net.closed(self.gradient[p]) for p in self.net.params]
        return _lambdify(self.backend, self._args, exprs)

    @cached_property
    def _full_delta_fn(self):
        exprs = [self.net.closed(e) for key in sorted(self.delta) for e in self.delta[key]]
        return _lambdify(self.backend, self._args, exprs)

    @cached_property
    def _full_cost_fn(self):
        return _lambdify(self.backend, self._args, [self.net.closed(self.net.cost)])

    def _pack(self, W, b, X, Y, lam):
        """Stack arguments into rows of points; returns (matrix, number of points or None)."""
        spec, n = self.spec, self.spec.sizes
        W = [np.asarray(w, dtype=float) for w in W]
        if spec.bias == "weight0":
            if b is not None:
                raise ValueError("bias='weight0': pass b=None and the bias as column 0 of each W")
            b = [w[..., 0] for w in W]
            W = [w[..., 1:] for w in W]
        b = [np.asarray(v, dtype=float) for v in b]
        if len(W) != spec.depth or len(b) != spec.depth:
            raise ValueError(f"expected {spec.depth} weight matrices and bias vectors, got {len(W)} and {len(b)}")
        batched = W[0].ndim == 3
        P = W[0].shape[0] if batched else 1
        for l, (w, v) in enumerate(zip(W, b), start=1):
            want = (n[l], n[l - 1])
            if w.shape[-2:] != want or v.shape[-1:] != (n[l],):
                raise ValueError(f"layer {l}: W must have shape {want} and b shape ({n[l]},), "
                                 f"got {w.shape} and {v.shape}")
        X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
        if X.shape[-2:] != (spec.batch_size, n[0]) or Y.shape[-2:] != (spec.batch_size, n[-1]):
            raise ValueError(f"X must have shape (m, n_0) = ({spec.batch_size}, {n[0]}) and Y "
                             f"({spec.batch_size}, {n[-1]}), got {X.shape} and {Y.shape}")
        lam = spec.weight_decay if lam is None else lam
        parts = []
        for w, v in zip(W, b):
            parts += [w.reshape(P, -1), v.reshape(P, -1)]
        parts += [np.broadcast_to(X, (P,) + X.shape[-2:]).reshape(P, -1),
                  np.broadcast_to(Y, (P,) + Y.shape[-2:]).reshape(P, -1),
                  np.broadcast_to(np.asarray(lam, dtype=float), (P,)).reshape(P, 1)]
        return np.concatenate(parts, axis=1), (P if batched else None)

    def gradients(self, W, b, X, Y, lam=None):
        """``(dW, db)``: ``∂J/∂W[l]`` of shape ``(n_l, n_{l-1})`` and ``∂J/∂b[l]``, l = 1..L.

        Rows of ``X`` (``(m, n_0)``) and ``Y`` (``(m, n_L)``) are examples.
        With a leading axis of P points on every ``W[l]``/``b[l]`` (and
        optionally ``X``, ``Y``), all P gradients come from one call.
        ``lam`` overrides the spec's weight decay.
        """
        P, batched = self._pack(W, b, X, Y, lam)
        flat = self._gradient_fn(P)
        n, dW, db, col = self.spec.sizes, [], [], 0
        for l in range(1, self.spec.depth + 1):
            size = n[l] * n[l - 1]
            dW.append(flat[:, col:col + size].reshape(-1, n[l], n[l - 1]))
            db.append(flat[:, col + size:col + size + n[l]])
            col += size + n[l]
        if self.spec.bias == "weight0":
            dW = [np.concatenate([v[..., None], w], axis=-1) for w, v in zip(dW, db)]
            db = None
        if batched is None:
            dW = [w[0] for w in dW]
            db = None if db is None else [v[0] for v in db]
        return dW, db

    def deltas(self, W, b, X, Y):
        """``δ[l]`` for l = 1..L, each of shape ``(m, n_l)`` (rows are examples)."""
        P, batched = self._pack(W, b, X, Y, None)
        flat = self._delta_fn(P)
        n, m, out, col = self.spec.sizes, self.spec.batch_size, {}, 0
        for k, l in ((k, l) for k in range(m) for l in range(1, self.spec.depth + 1)):   # sorted(self.delta)
            out.setdefault(l, [None] * m)[k] = flat[:, col:col + n[l]]
            col += n[l]
        res = [np.stack(out[l], axis=1) for l in range(1, self.spec.depth + 1)]
        return res if batched is not None else [d[0] for d in res]

    def cost_value(self, W, b, X, Y, lam=None):
        """The numeric value of J (an array over points when batched)."""
        P, batched = self._pack(W, b, X, Y, lam)
        v = self._cost_fn(P)[:, 0]
        return v if batched is not None else float(v[0])

    # -- exact ----------------------------------------------------------------
    def exact_gradients(self, W, b, X, Y, lam=None):
        """``(dW, db)`` as sympy matrices at a rational point (entries int, Fraction, str or Rational).

        Generic activations stay symbolic (``f(1/2)``); concrete ones take their closed form.

        >>> gt = GroundTruth(NetworkSpec([1, 1], activation="identity", average="none"))
        >>> dW, db = gt.exact_gradients([[["1/2"]]], [["1/3"]], [["2"]], [["1"]])
        >>> dW[0], db[0]
        (Matrix([[2/3]]), Matrix([[1/3]]))
        """
        spec, net = self.spec, self.net
        R = lambda v: sympy.Rational(str(v)) if not isinstance(v, sympy.Basic) else v  # noqa: E731
        values = {}
        Wl = [sympy.Matrix(w).applyfunc(R) for w in W]
        if spec.bias == "weight0":
            bl = [Wm[:, 0] for Wm in Wl]
            Wl = [Wm[:, 1:] for Wm in Wl]
        else:
            bl = [sympy.Matrix(v).reshape(len(v), 1).applyfunc(R) for v in b]
        for l in range(1, spec.depth + 1):
            for j, row in enumerate(net.W[l]):
                for i, s in enumerate(row):
                    values[sympy.sympify(s)] = Wl[l - 1][j, i]
                values[sympy.sympify(net.b[l][j])] = bl[l - 1][j]
        for k in range(spec.batch_size):
            for i, s in enumerate(net.x[k]):
                values[sympy.sympify(s)] = R(X[k][i])
            for i, s in enumerate(net.y[k]):
                values[sympy.sympify(s)] = R(Y[k][i])
        values[sympy.sympify(net.lam)] = R(spec.weight_decay if lam is None else lam)
        keep = ("f", "fp", "g", "gp")
        dW, db = [], []
        for l in range(1, spec.depth + 1):
            def val(p):
                e = sympy.sympify(self.gradient[p]).xreplace(values)
                return closed_sympy(e, keep)
            dW.append(sympy.Matrix([[val(p) for p in row] for row in net.W[l]]))
            db.append(sympy.Matrix([[val(p)] for p in net.b[l]]))
        if spec.bias == "weight0":
            return [v.row_join(w) for w, v in zip(dW, db)], None
        return dW, db


def closed_sympy(expr, keep):
    """Replace concrete opaque functions in a numeric sympy expression by their closed forms."""
    atoms = sorted(expr.atoms(AppliedUndef), key=lambda a: len(str(a)))
    mapping = {}
    for a in atoms:
        name = a.func.__name__
        if name in OPAQUE and name not in keep:
            mapping[a] = OPAQUE[name].closed(a.args[0].xreplace(mapping), sympy)
        elif name in SOFTMAX_CLOSED:
            mapping[a] = SOFTMAX_CLOSED[name](a.args[0].xreplace(mapping), sympy)
    return expr.xreplace(mapping)
