"""Assertions for user backpropagation code, held against the CAS ground truth.

``assert_gradients_match(fn, spec)`` calls the user's ``fn(W, b, X, Y) -> (dW, db)``
(canonical layout: ``W[l]`` of shape ``(n_l, n_{l-1})``, rows of ``X`` and ``Y``
are examples) at seeded random points on a sweep of architectures and compares
it with :class:`~symbp.oracle.groundtruth.GroundTruth`.  A mismatch raises
:class:`GradientMismatch` (an ``AssertionError``) naming the worst parameter
entry, both values, the relative error and a diagnosis found by measurement:
each hypothesis (sign, a constant factor, the truth transposed or permuted,
another layer's truth, the truth without weight decay, under another averaging
convention, or without the bias) is a counterfactual truth that the user's
values are compared with, never a guess from the code.
"""

from __future__ import annotations

import numpy as np

from .judge.factors import FACTORS, fit_factor, ratio
from .model.arch import parse_arch
from .model.spec import NetworkSpec
from .oracle.groundtruth import GroundTruth

__all__ = ['assert_gradients_match', 'assert_delta_matches', 'assert_update_matches', 'GradientMismatch']


_TRUTHS: dict = {}


class GradientMismatch(AssertionError):
    """User code disagrees with the ground truth; ``.diagnosis`` is ``{"kind", "factor", "detail"}``."""

    def __init__(self, message, diagnosis, where):
        super().__init__(message)
        self.diagnosis, self.where = diagnosis, where


def _truth(spec, backend):
    key = (spec, backend)
    if key not in _TRUTHS:
        _TRUTHS[key] = GroundTruth(spec, backend)
    return _TRUTHS[key]


def _sweep(spec, archs):
    """The specs to test on: the spec itself, or one per architecture (``(sizes, m)``, sizes, or "2,3,1:m")."""
    if not archs:
        return [spec]
    out = []
    for a in archs:
        if isinstance(a, str):
            sizes, m = parse_arch(a)
        elif len(a) == 2 and isinstance(a[0], (tuple, list)):
            sizes, m = a
        else:
            sizes, m = a, spec.batch_size
        out.append(spec.replace(sizes=tuple(sizes), batch_size=m))
    return out


def _point(spec, seed):
    """Seeded random W, b, X, Y: weights ~ N(0, 0.5²), x ~ N(0, 1), targets in (0.05, 0.95) (one-hot or 0/1 rows
    when the spec's targets say so)."""
    rng = np.random.default_rng(seed)
    n, m, w0 = spec.sizes, spec.batch_size, spec.bias == "weight0"
    W = [rng.normal(0, 0.5, (n[l], n[l - 1] + w0)) for l in range(1, len(n))]
    b = None if w0 else [rng.normal(0, 0.5, n[l]) for l in range(1, len(n))]
    X = rng.normal(0, 1, (m, n[0]))
    Y = rng.uniform(0.05, 0.95, (m, n[-1]))
    if spec.targets == "one_hot":
        Y = np.eye(n[-1])[rng.integers(0, n[-1], m)]
    elif spec.targets == "binary":
        Y = rng.integers(0, 2, (m, n[-1])).astype(float)
    elif spec.cost == "softmax_cross_entropy":
        Y /= Y.sum(axis=1, keepdims=True)
    return W, b, X, Y


def _copy(arrays):
    return None if arrays is None else [np.array(a, dtype=float, copy=True) for a in arrays]


# -- what each assertion compares ---------------------------------------------------------------
class _Gradients:
    what = "gradient"

    def names(self, spec):
        L = spec.depth
        return [f"dW[{i}]" for i in range(L)] + ([] if spec.bias == "weight0" else [f"db[{i}]" for i in range(L)])

    def call(self, fn, W, b, X, Y):
        dW, db = fn(_copy(W), _copy(b), X.copy(), Y.copy())
        return list(dW) + ([] if b is None else list(db))

    def truth(self, gt, W, b, X, Y, lam=None):
        dW, db = gt.gradients(W, b, X, Y, lam=lam)
        return list(dW) + ([] if db is None else list(db))


class _Deltas(_Gradients):
    what = "delta"

    def names(self, spec):
        return [f"delta[{i}]" for i in range(spec.depth)]

    def call(self, fn, W, b, X, Y):
        return list(fn(_copy(W), _copy(b), X.copy(), Y.copy()))

    def truth(self, gt, W, b, X, Y, lam=None):
        return list(gt.deltas(W, b, X, Y))


class _Update(_Gradients):
    """Compared on the step (new value − old value), so a sign or a factor on the step shows as such."""
    what = "update step"

    def __init__(self, lr):
        self.lr = lr

    def names(self, spec):
        return [n.replace("dW", "W_new").replace("db", "b_new") for n in super().names(spec)]

    def call(self, fn, W, b, X, Y):
        W_new, b_new = fn(_copy(W), _copy(b), X.copy(), Y.copy(), self.lr)
        old = list(W) + ([] if b is None else list(b))
        new = list(W_new) + ([] if b is None else list(b_new))
        return [np.asarray(v, dtype=float) - o if np.shape(v) == np.shape(o) else np.asarray(v, dtype=float)
                for v, o in zip(new, old)]

    def truth(self, gt, W, b, X, Y, lam=None):
        return [-self.lr * g for g in super().truth(gt, W, b, X, Y, lam=lam)]


# -- comparison -------------------------------------------------------------------------------------
def _errors(got, want):
    """Relative error per entry; entries far below the array's scale are compared on that scale."""
    floor = 1e-6 * max(float(np.max(np.abs(want), initial=0.0)), 1e-300)
    scale = np.maximum(np.maximum(np.abs(got), np.abs(want)), floor)
    with np.errstate(all="ignore"):
        err = np.abs(got - want) / scale
    err[~np.isfinite(got)] = np.inf
    return err


def _run(check, fn, spec, archs, points, seed, backend):
    """Cases ``(spec, gt, inputs, names, got, want)`` over the sweep and the points."""
    __tracebackhide__ = True   # a failing test shows the user's code and symbp's message, not symbp's frames
    cases = []
    for s in _sweep(spec, archs):
        gt = _truth(s, backend)
        for p in range(points):
            W, b, X, Y = _point(s, seed + 1000 * p)
            got = check.call(fn, W, b, X, Y)
            want = check.truth(gt, W, b, X, Y)
            names = check.names(s)
            if len(got) != len(want):
                raise GradientMismatch(
                    f"symbp: {check.what}: fn returned {len(got)} arrays, expected {len(want)} "
                    f"({', '.join(names)}) on architecture {list(s.sizes)}",
                    {"kind": "shape", "factor": None, "detail": "wrong number of arrays"}, None)
            cases.append((s, gt, (W, b, X, Y), names, [np.asarray(g, dtype=float) for g in got], want))
    return cases


def _first_failure(cases, rtol):
    """(case, array index, entry, error) of the worst entry over every case, or None."""
    worst = None
    for c in cases:
        for i, (g, w) in enumerate(zip(c[4], c[5])):
            if g.shape != w.shape:
                return c, i, None, np.inf
            err = _errors(g, w)
            if np.max(err, initial=0.0) > rtol:
                e = float(np.max(err))
                if worst is None or e > worst[3]:
                    worst = (c, i, np.unravel_index(int(np.argmax(err)), err.shape), e)
    return worst


def _compare(check, fn, spec, archs, points, seed, rtol, backend):
    __tracebackhide__ = True
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a symbp.NetworkSpec, got {type(spec).__name__}")
    cases = _run(check, fn, spec, archs, points, seed, backend)
    fail = _first_failure(cases, rtol)
    if fail is None:
        return
    (s, gt, inputs, names, got, want), i, entry, err = fail
    diag = _diagnose(check, cases, rtol)
    name = names[i]
    layer = int(name[name.index("[") + 1:-1]) + 1
    if entry is None:
        where = f"{name} (layer {layer} of 1..{s.depth})"
        values = f"  expected shape {want[i].shape}, got {got[i].shape}"
    else:
        axes = ("example", "unit") if check.what == "delta" else ("row", "column")
        pos = ", ".join(f"{a} {v}" for a, v in zip(axes, entry))
        where = f"{name}[{', '.join(map(str, entry))}] (layer {layer} of 1..{s.depth}, {pos})"
        values = (f"  expected (ground truth): {float(want[i][entry])!r}\n"
                  f"  got (fn):                {float(got[i][entry])!r}\n"
                  f"  relative error:          {err:.3g} (rtol {rtol:g})")
    factor = f" [{diag['factor']}]" if diag.get("factor") else ""
    msg = (f"symbp: {check.what} mismatch at {where}\n"
           f"  architecture {list(s.sizes)}, m={s.batch_size}, activation={s.activation}/{s.output_activation}, "
           f"cost={s.cost}, average={s.average}, weight_decay={s.weight_decay}\n"
           f"{values}\n"
           f"  diagnosis: {diag['kind']}{factor}: {diag['detail']}")
    raise GradientMismatch(msg, diag, {"array": name, "layer": layer, "entry": entry, "sizes": list(s.sizes)})


# -- diagnosis by measurement --------------------------------------------------------------------------
def _bad(case, rtol):
    """Indices of the arrays of one case that are wrong."""
    return [i for i, (g, w) in enumerate(zip(case[4], case[5]))
            if g.shape != w.shape or np.max(_errors(g, w), initial=0.0) > rtol]


def _matches(cases, alt, rtol, transform=lambda g, w: g):
    """Whether every wrong array equals its counterfactual truth ``alt(case) -> arrays`` on every case."""
    for c, bad in cases:
        alts = alt(c)
        if alts is None:
            return False
        for i in bad:
            g = transform(c[4][i], alts[i])
            if g is None or g.shape != alts[i].shape or np.max(_errors(g, alts[i]), initial=0.0) > rtol:
                return False
    return True


def _d(kind, detail, factor=None):
    return {"kind": kind, "factor": factor, "detail": detail}


def _constant_ratio(cases, truth_of, got_of):
    """``[(ratio, m, K)]`` per case when the wrong arrays are a constant multiple of the truth, else None."""
    ratios = []
    for c, bad in cases:
        t, g = truth_of(c), got_of(c)
        r = ratio(np.concatenate([t[i].ravel() for i in bad]), np.concatenate([g[i].ravel() for i in bad]))
        if r is None:
            return None
        ratios.append((r, c[0].batch_size, c[0].n_outputs))
    return ratios


def _diagnose(check, cases, rtol):
    """The first hypothesis that the measurements confirm, as ``{"kind", "factor", "detail"}``."""
    cases = [(c, _bad(c, rtol)) for c in cases]
    cases = [(c, bad) for c, bad in cases if bad]
    names = [n for c, bad in cases for n in (c[3][i] for i in bad)]
    which = ", ".join(sorted(set(names), key=lambda n: (n[:n.index("[")], int(n[n.index("[") + 1:-1]))))
    same = lambda c: c[5]  # noqa: E731
    spec = cases[0][0][0]

    def under(**changes):
        def alt(c):
            try:
                s = c[0].replace(**changes)
            except ValueError:
                return None
            return check.truth(_truth(s, c[1].backend.name), *c[2])
        return alt

    # shapes: transposed, or wrong
    if any(c[4][i].shape != c[5][i].shape for c, bad in cases for i in bad):
        if _matches(cases, same, rtol, lambda g, w: g.T if g.ndim == 2 else None):
            return _d("transpose", f"{which} is the truth transposed (shape {cases[0][0][4][cases[0][1][0]].shape}, "
                                   f"expected {cases[0][0][5][cases[0][1][0]].shape})")
        if _matches(cases, same, rtol, lambda g, w: g.reshape(w.shape[::-1]).T
                    if g.size == w.size and w.ndim == 2 else None):
            return _d("transpose", f"{which} is the truth transposed and then reshaped (a reshape where a "
                                   "transpose belongs)")
        c, i = next((c, i) for c, bad in cases for i in bad if c[4][i].shape != c[5][i].shape)
        return _d("shape", f"{c[3][i]} has shape {c[4][i].shape}, expected {c[5][i].shape} "
                           f"on architecture {list(c[0].sizes)}")

    # a constant ratio (sign or factor), of the whole value or of the cost term beside a right decay term
    no_decay = (lambda c: check.truth(c[1], *c[2], lam=0.0)) if spec.weight_decay else None
    tries = [(same, lambda c: c[4], "")]
    if no_decay:
        tries.append((no_decay, lambda c: [g - (w - w0) for g, w, w0 in zip(c[4], c[5], no_decay(c))],
                      " in the cost term (the weight-decay term is right)"))
    for truth_of, got_of, part in tries:
        ratios = _constant_ratio(cases, truth_of, got_of)
        if ratios is None:
            continue
        if all(abs(r + 1) <= 1e-7 for r, _, _ in ratios):
            return _d("sign", f"{which} is the negative of the truth{part}", "-1")
        factor = fit_factor(ratios)
        if factor is not None:
            named = [n for n, f in FACTORS if all(abs(r - f(m, K)) <= 1e-7 * abs(r) for r, m, K in ratios)]
            detail = f"{which} is {factor} × the truth{part}"
            if named and factor not in named:
                detail += f" (here that is {' = '.join(named)})"
            for avg in ("none", "examples", "examples_and_outputs"):
                if avg != spec.average and _matches(cases, under(average=avg), rtol):
                    detail += f"; it holds with average={avg!r} (the spec says {spec.average!r})"
            return _d("factor", detail, factor)

    # counterfactual truths: another convention, no weight decay, no bias
    for avg in ("none", "examples", "examples_and_outputs"):
        if avg != spec.average and _matches(cases, under(average=avg), rtol):
            return _d("convention", f"{which} holds with average={avg!r} (the spec says {spec.average!r})")
    if spec.weight_decay:
        if _matches(cases, no_decay, rtol):
            return _d("missing-term", f"the weight-decay term is missing from {which}: it equals the truth "
                                      f"with λ = 0 (the spec has λ = {spec.weight_decay:g})")
        if _matches(cases, under(decay_biases=not spec.decay_biases), rtol):
            kind = "extra-term" if not spec.decay_biases else "missing-term"
            return _d(kind, f"{which} holds with decay_biases={not spec.decay_biases}")
        if _matches(cases, under(decay_average=not spec.decay_average), rtol):
            return _d("convention", f"{which} holds with decay_average={not spec.decay_average}")
    if spec.bias == "vector":
        no_bias = lambda c: check.truth(c[1], c[2][0], [0 * v for v in c[2][1]], *c[2][2:])  # noqa: E731
        if _matches(cases, no_bias, rtol):
            return _d("missing-term", f"{which} equals the truth of a network without biases "
                                      "(the bias is missing from the forward pass)")
        if all(c[3][i].startswith("db") and np.allclose(c[4][i], 0) for c, bad in cases for i in bad):
            return _d("missing-term", f"{which} is zero: the bias gradient is missing")

    # the truth of the same array, rearranged: transposed or permuted entries
    if _matches(cases, same, rtol, lambda g, w: g.T if g.ndim == 2 else None):
        return _d("transpose", f"{which} is the truth transposed")
    perm = _permutation(cases, rtol)
    if perm:
        return _d("transpose", f"entries permuted: {perm}")

    # another layer's truth
    found = []
    for c, bad in cases:
        for i in bad:
            hit = [j for j in range(len(c[5])) if j != i and c[3][j][:2] == c[3][i][:2]
                   and c[4][i].shape == c[5][j].shape and np.max(_errors(c[4][i], c[5][j])) <= rtol]
            if not hit:
                found = None
                break
            found.append(f"{c[3][i]} equals the truth of {c[3][hit[0]]}")
        if found is None:
            break
    if found:
        return _d("layer", "a quantity of the wrong layer: " + "; ".join(dict.fromkeys(found)))

    (c, bad) = cases[0]
    diff = (c[5][bad[0]] - c[4][bad[0]]).ravel()[:4]
    return _d("unknown", f"no single fault explains it; truth − fn for {c[3][bad[0]]} at the first point "
                         f"starts {np.array2string(diff, precision=4)}")


def _permutation(cases, rtol):
    """Where each wrong entry equals the truth at another index of the same array (else None)."""
    shown = []
    for c, bad in cases:
        for i in bad:
            got, want, shape = c[4][i].ravel(), c[5][i].ravel(), c[5][i].shape
            for e in range(got.size):
                if _errors(got[e:e + 1], want[e:e + 1])[0] <= rtol:
                    continue
                hit = np.nonzero(_errors(np.full_like(want, got[e]), want) <= rtol)[0]
                if not hit.size:
                    return None
                if len(shown) < 2:
                    a, b = np.unravel_index(e, shape), np.unravel_index(int(hit[0]), shape)
                    shown.append(f"{c[3][i]}{list(map(int, a))} equals the truth at {list(map(int, b))}")
    return "; ".join(shown) or None


# -- the assertions ------------------------------------------------------------------------------------
def assert_gradients_match(fn, spec, *, archs=None, points=3, seed=0, rtol=1e-9, backend="symengine"):
    """Assert that ``fn(W, b, X, Y) -> (dW, db)`` equals the CAS gradient of ``spec``'s cost.

    ``archs``: architectures to sweep instead of the spec's own sizes, each
    ``(sizes, m)``, ``sizes`` or ``"2,3,1:m"``.  ``points`` seeded random points
    per architecture.  With ``bias="weight0"`` the bias is column 0 of each
    ``W[l]`` and ``b`` is None.  Raises :class:`GradientMismatch`.

    Examples
    --------
    >>> import numpy as np
    >>> from symbp import NetworkSpec
    >>> spec = NetworkSpec([2, 1], activation="identity", average="none")
    >>> def grads(W, b, X, Y):              # one linear layer, J = ½ Σ (XWᵀ + b − Y)²
    ...     D = X @ W[0].T + b[0] - Y
    ...     return [D.T @ X], [D.sum(axis=0)]
    >>> assert_gradients_match(grads, spec, archs=[((2, 1), 1), ((3, 2), 3)])
    >>> assert_gradients_match(lambda W, b, X, Y: [[-g for g in grads(W, b, X, Y)[0]], grads(W, b, X, Y)[1]],
    ...                        spec)    # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbp.testing.GradientMismatch: symbp: gradient mismatch at dW[0][0, ...] (layer 1 of 1..1, row 0, column ...)
    ...
      diagnosis: sign [-1]: dW[0] is the negative of the truth
    """
    __tracebackhide__ = True
    _compare(_Gradients(), fn, spec, archs, points, seed, rtol, backend)


def assert_delta_matches(fn, spec, *, archs=None, points=3, seed=0, rtol=1e-9, backend="symengine"):
    """Assert that ``fn(W, b, X, Y)`` returns ``δ[l] = ∂C_k/∂z[l]`` (one ``(m, n_l)`` array per layer).

    δ is taken of each example's own cost ``C_k`` (no ``1/m``, no weight decay).

    Examples
    --------
    >>> import numpy as np
    >>> from symbp import NetworkSpec
    >>> spec = NetworkSpec([2, 2], activation="identity", batch_size=2)
    >>> assert_delta_matches(lambda W, b, X, Y: [X @ W[0].T + b[0] - Y], spec)
    >>> assert_delta_matches(lambda W, b, X, Y: [(X @ W[0].T + b[0] - Y) / 2], spec)
    Traceback (most recent call last):
    ...
    symbp.testing.GradientMismatch: symbp: delta mismatch at ...
      diagnosis: factor [1/2]: delta[0] is 1/2 × the truth (here that is 1/m = 1/K)
    """
    __tracebackhide__ = True
    _compare(_Deltas(), fn, spec, archs, points, seed, rtol, backend)


def assert_update_matches(fn, spec, lr, *, archs=None, points=3, seed=0, rtol=1e-9, backend="symengine"):
    """Assert that ``fn(W, b, X, Y, lr) -> (W_new, b_new)`` is one gradient-descent step ``θ − lr·∂J/∂θ``.

    Compared on the step ``θ_new − θ``, so a wrong sign or factor is named as such.

    Examples
    --------
    >>> from symbp import NetworkSpec
    >>> spec = NetworkSpec([1, 1], activation="identity", average="none")
    >>> def step(W, b, X, Y, lr):
    ...     D = X @ W[0].T + b[0] - Y
    ...     return [W[0] - lr * D.T @ X], [b[0] - lr * D.sum(axis=0)]
    >>> assert_update_matches(step, spec, lr=0.1)
    >>> assert_update_matches(lambda W, b, X, Y, lr: step(W, b, X, Y, -lr), spec, lr=0.1)
    Traceback (most recent call last):
    ...
    symbp.testing.GradientMismatch: symbp: update step mismatch at ...
      diagnosis: sign [-1]: W_new[0], b_new[0] is the negative of the truth
    """
    __tracebackhide__ = True
    _compare(_Update(lr), fn, spec, archs, points, seed, rtol, backend)
