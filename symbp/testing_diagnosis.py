"""The classic bugs of backpropagation code, as counterfactual truths that user arrays are measured against.

A hypothesis is what the user's arrays would be under one classic bug.  It is
built from the CAS ground truth and the forward pass, never from the user's code:

* the true ``δ[l]`` (:meth:`GroundTruth.deltas`, the free-symbol method) and the
  true gradient with and without weight decay (:meth:`GroundTruth.gradients`,
  ``lam=0``) give the output error, the batch scale and the decay term;
* ``z[l]``, ``a[l]`` come from the spec's own activations (their numpy forms);
* one step of backprop is then redone with the bug, in numpy: ``f′`` evaluated at
  ``a`` instead of ``z``, the recursion's matrix not transposed or of the wrong
  layer, ``δ`` or the activation of the wrong layer in ``dW``, one example instead
  of the batch, the weight decay with the wrong sign.

How each hypothesis is computed (``D`` the CAS's δ, ``s`` the batch scale read off the
CAS's ``db``, ``R`` the decay term = truth − truth at λ = 0, canonical layout):

* ``fprime-at-a``: ``δ[L]`` from the CAS (or, in the output layer, ``D[L] / f′(z) · f′(a)``), then
  ``δ[l] = (δ[l+1] W[l+1]) ⊙ f′(a[l])`` in the hidden layers (or every layer);
* ``recursion-not-transposed`` / ``recursion-wrong-layer``: the same recursion with ``W[l+1]ᵀ``,
  ``W[l]`` or ``W[l+2]`` where ``W[l+1]`` belongs (where the shapes fit);
* ``delta-wrong-layer`` / ``input-wrong-layer``: ``s · D[l±1]ᵀ a[l-1] + R`` / ``s · D[l]ᵀ a[l] + R``;
* ``one-example``: ``s · D_kᵀ a_k + R`` of the last (or first) example k alone, scaled as the
  batch or not at all;
* ``decay-sign``: ``s · Dᵀ a − R``.

A hypothesis rebuilt from δ changes dW and db through ``s · δᵀ a + R``.

Before any hypothesis is tried, the same numpy steps without a bug must reproduce
the CAS truth (:meth:`Pieces.anchored`); a spec where they do not (a softmax hidden
layer, say) gets no code-bug hypothesis.  A hypothesis only names a bug: whether the
user's code is right is decided by the CAS truth alone.
"""

from __future__ import annotations

import numpy as np

from .model.activations import ACTIVATIONS, VECTOR_ACTIVATIONS

__all__ = ['Pieces', 'code_bug_hypotheses']


def _relerr(got, want):
    scale = max(float(np.max(np.abs(want), initial=0.0)), 1e-300)
    return float(np.max(np.abs(got - want), initial=0.0)) / scale


class Pieces:
    """The true quantities of one point (canonical layout) that the hypotheses are rebuilt from.

    >>> from symbp import NetworkSpec
    >>> from symbp.oracle.groundtruth import GroundTruth
    >>> spec = NetworkSpec([2, 3, 1], activation="sigmoid", batch_size=2, weight_decay=0.1)
    >>> gt = GroundTruth(spec)
    >>> rng = np.random.default_rng(0)
    >>> W = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    >>> b = [rng.normal(size=3), rng.normal(size=1)]
    >>> X, Y = rng.normal(size=(2, 2)), rng.uniform(size=(2, 1))
    >>> Pieces(gt, W, b, X, Y).anchored(1e-9)
    True
    """

    def __init__(self, gt, W, b, X, Y):
        spec = self.spec = gt.spec
        self.weight0 = spec.bias == "weight0"
        if self.weight0:
            self.W, self.b = [w[:, 1:] for w in W], [w[:, 0] for w in W]
        else:
            self.W, self.b = list(W), list(b)
        self.X, self.Y, self.m = X, Y, X.shape[0]
        self.acts = [ACTIVATIONS[spec.activation_of(l)] for l in range(1, spec.depth + 1)]
        self.Z, self.A = [], [X]
        for w, v, act in zip(self.W, self.b, self.acts):
            self.Z.append(self.A[-1] @ w.T + v)
            self.A.append(act.numpy(self.Z[-1]))
        self.D = list(gt.deltas(W, b, X, Y))
        full, cost = gt.gradients(W, b, X, Y), gt.gradients(W, b, X, Y, lam=0.0)
        self.decay = [f - c for f, c in zip(_flat(full), _flat(cost))]
        self.cost = _flat(cost)
        d0 = self.D[-1].sum(axis=0)
        db0 = self.cost[2 * spec.depth - 1] if not self.weight0 else self.cost[spec.depth - 1][:, 0]
        k = int(np.argmax(np.abs(d0)))
        self.scale = float(db0[k] / d0[k]) if d0[k] else None

    def elementwise(self, l):
        """Whether layer ``l`` (0-based) has an element-wise activation with a numpy derivative."""
        return self.acts[l].name not in VECTOR_ACTIVATIONS

    def backward(self, *, fprime_at_a=(), matrix=None):
        """δ per layer (0-based lists), from the true output error, with the named steps changed.

        ``fprime_at_a``: the layers whose ``f′`` is evaluated at ``a`` instead of ``z``;
        ``matrix(l)``: the matrix that carries δ[l+1] down to layer l (default ``W[l+1]``),
        or None when that bug does not fit the shapes.
        """
        L = len(self.W)
        D = [None] * L
        D[-1] = self.D[-1]
        if L - 1 in fprime_at_a:
            act = self.acts[-1]
            fz = act.numpy_derivative(self.Z[-1])
            with np.errstate(all="ignore"):
                err = np.where(fz != 0, self.D[-1] / np.where(fz != 0, fz, 1.0), 0.0)
            D[-1] = err * act.numpy_derivative(self.A[-1])
        for l in range(L - 2, -1, -1):
            M = self.W[l + 1] if matrix is None else matrix(l)
            if M is None or M.shape != self.W[l + 1].shape:   # the bug does not fit here: the right matrix
                M = self.W[l + 1]
            at = self.A[l + 1] if l in fprime_at_a else self.Z[l]
            D[l] = (D[l + 1] @ M) * self.acts[l].numpy_derivative(at)
        return D

    def gradients(self, D, *, delta_of=None, input_of=None, examples=None, scale=None, decay_sign=1.0):
        """``dW`` then ``db`` (canonical list, as :class:`GroundTruth` orders them) from deltas ``D``.

        ``delta_of(l)``/``input_of(l)``: the layer whose δ / activation enters ``dW[l]``
        (default l / the layer below; -1 is the last, as a Python index is; where the wrong one does not
        fit, the right one); ``examples``: the rows summed (default all);
        ``scale``: the batch factor (default the truth's); ``decay_sign``: −1 for −λ.
        """
        if D is None:
            return None
        L = len(self.W)
        rows = slice(None) if examples is None else examples
        s = self.scale if scale is None else scale
        dW, db = [], []
        for l in range(L):
            i, j = (l if delta_of is None else delta_of(l)), (l if input_of is None else input_of(l))
            if not (-1 <= i < L and 0 <= j <= L) or D[i].shape[1] != self.W[l].shape[0] \
                    or self.A[j].shape[1] != self.W[l].shape[1]:
                i, j = l, l                     # the bug does not fit this layer: the right term
            d, a = D[i][rows], self.A[j][rows]
            dW.append(s * d.T @ a)
            db.append(s * d.sum(axis=0))
        out = ([np.column_stack([v, w]) for w, v in zip(dW, db)] if self.weight0 else dW + db)
        return [g + decay_sign * t for g, t in zip(out, self.decay)]

    def anchored(self, rtol):
        """Whether the numpy steps without a bug reproduce the CAS's δ and gradient (else no hypothesis)."""
        if self.scale is None or not all(self.elementwise(l) for l in range(len(self.W) - 1)):
            return False
        D = self.backward()
        if D is None or any(_relerr(d, t) > rtol for d, t in zip(D, self.D)):
            return False
        return all(_relerr(g, t + k) <= rtol for g, t, k in zip(self.gradients(D), self.cost, self.decay))


def _flat(grads):
    dW, db = grads
    return list(dW) + ([] if db is None else list(db))


def code_bug_hypotheses(p: Pieces):
    """``(bug, detail, deltas, gradients)`` for each classic bug that fits the architecture.

    ``deltas`` and ``gradients`` are the canonical arrays under that bug (None where the
    bug does not change that quantity).  ``bug`` is a stable short name.

    >>> from symbp import NetworkSpec
    >>> from symbp.oracle.groundtruth import GroundTruth
    >>> spec = NetworkSpec([2, 2, 2, 2], activation="sigmoid", batch_size=2)
    >>> rng = np.random.default_rng(1)
    >>> W = [rng.normal(size=(2, 2)) for _ in range(3)]
    >>> b = [rng.normal(size=2) for _ in range(3)]
    >>> p = Pieces(GroundTruth(spec), W, b, rng.normal(size=(2, 2)), rng.uniform(size=(2, 2)))
    >>> sorted({bug for bug, *_ in code_bug_hypotheses(p)})     # no weight decay: no "decay-sign"
    ['delta-wrong-layer', 'fprime-at-a', 'input-wrong-layer', 'one-example', 'recursion-not-transposed', 'recursion-wrong-layer']
    """
    L = len(p.W)
    hidden = tuple(range(L - 1))
    for layers, where in ((hidden, "in the hidden layers"), (tuple(range(L)), "in every layer"),
                          ((L - 1,), "in the output layer")):
        if not layers or not all(p.elementwise(l) for l in layers):
            continue
        D = p.backward(fprime_at_a=layers)
        yield ("fprime-at-a", f"f′ is evaluated at a instead of z {where} (f′(a[l]) where f′(z[l]) belongs)",
               D, p.gradients(D))
    if L >= 2:
        D = p.backward(matrix=lambda l: p.W[l + 1].T)
        yield ("recursion-not-transposed", "the recursion for δ uses the next layer's weight matrix "
                                           "the wrong way round (not transposed, or transposed once too often)", D, p.gradients(D))
        for shift, which in ((0, "W[l]"), (2, "W[l+2]")):
            def wrong(l, shift=shift):
                return p.W[l + shift] if 0 <= l + shift < L else None
            D = p.backward(matrix=wrong)
            yield ("recursion-wrong-layer", f"the recursion for δ[l] uses {which} where W[l+1] belongs "
                                            "(the weight matrix of the wrong layer)", D, p.gradients(D))
    for of, which in ((lambda l: l + 1, "δ[l+1]"), (lambda l: l - 1, "δ[l-1] (at l = 0, δ[-1]: the last)"),
                      (lambda l: l - 1 if l else L, "δ[l-1]")):
        yield ("delta-wrong-layer", f"dW[l] uses {which} where δ[l] belongs (δ of the wrong layer)",
               None, p.gradients(p.D, delta_of=of))
    yield ("input-wrong-layer", "dW[l] uses a[l] where a[l-1] (the layer's input) belongs "
                                "(the activation of the wrong layer)",
           None, p.gradients(p.D, input_of=lambda l: l + 1))
    if p.m > 1:
        for k, which in ((p.m - 1, "the last example"), (0, "the first example")):
            scales = [(p.scale, "scaled as the batch")] + [(1.0, "unscaled")] * (p.scale != 1.0)
            for s, how in scales:
                yield ("one-example", f"the gradient is that of {which} only ({how}): per-example where the "
                                      "batch belongs (overwritten, not accumulated, over the examples?)",
                       None, p.gradients(p.D, examples=slice(k, k + 1), scale=s))
    if any(np.any(t) for t in p.decay):
        yield ("decay-sign", "the weight-decay term has the wrong sign (−λW where +λW belongs)",
               None, p.gradients(p.D, decay_sign=-1.0))
