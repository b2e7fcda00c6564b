"""Assertions for user backpropagation code, held against the CAS ground truth.

``assert_gradients_match(fn, spec)`` calls the user's ``fn(W, b, X, Y) -> (dW, db)``
at seeded random points (or at the user's own points, ``at=``) on a sweep of
architectures and batch sizes and compares it with
:class:`~symbp.oracle.groundtruth.GroundTruth`.  The layout is the user's:
``weight_index="to_from"`` (``W[l]`` of shape ``(n_l, n_{l-1})``, the default) or
``"from_to"`` (``W[l][i, j]`` from unit i to unit j, shape ``(n_{l-1}, n_l)``);
``samples="rows"`` (rows of ``X``, ``Y`` and δ are examples, the default) or
``"columns"`` (``X`` of shape ``(n_0, m)``, biases ``(n_l, 1)``).

A mismatch raises :class:`GradientMismatch` (an ``AssertionError``) naming the
worst entry, both values, which arrays are right and which wrong, a diagnosis
found by measurement and the failing point (``.W``, ``.b``, ``.X``, ``.Y``,
``.seed``, and a line telling how to rebuild it).  ``check_gradients`` returns
the same findings as a :class:`CheckResult` (truthy when right) instead.

Each hypothesis of the diagnosis is a counterfactual truth that the user's
values are compared with, never a guess from the code: the truth with another
sign or a constant factor, transposed or permuted, of another layer, without
weight decay, under another averaging convention, without the bias, and the
classic code bugs of :mod:`symbp.testing_diagnosis` (f′ at a instead of z, the
recursion's matrix not transposed or of the wrong layer, δ or a of the wrong
layer in dW, one example instead of the batch, −λ), rebuilt from the CAS's δ
and gradient and the forward pass.
"""

from __future__ import annotations

import warnings

import numpy as np

from .judge.factors import FACTORS, fit_factor, ratio
from .model.arch import parse_arch
from .model.spec import NetworkSpec
from .oracle.groundtruth import GroundTruth
from .testing_diagnosis import Pieces, code_bug_hypotheses

__all__ = ['assert_gradients_match', 'assert_delta_matches', 'assert_update_matches',
           'check_gradients', 'check_deltas', 'check_update', 'CheckResult', 'ArrayCheck', 'random_point',
           'spec_work', 'GradientMismatch', 'GradientUsageError', 'SlowSpecWarning', 'SLOW_WORK']


_TRUTHS: dict = {}
_WARNED: set = set()

#: :func:`spec_work` above which building a spec's ground truth takes more than a few seconds.
#: Measured (one core): [6,10,3] m=8 (1648) 0.9 s, [6,10,10,3] m=2 (1278) 2.4 s, m=4 (2556) 8 s,
#: [8,16,4] m=8 (3392) 6 s, [6,10,10,3] m=8 (5112) 17 s.  Parameters × m alone does not order
#: these (824 takes 0.9 s, 852 takes 8 s): depth multiplies the size of the composed cost.
SLOW_WORK = 2000


class GradientMismatch(AssertionError):
    """User code disagrees with the ground truth.

    ``.diagnosis`` is ``{"kind", "factor", "detail", "bug"}`` (``bug``: the classic code bug's
    short name, or None); ``.W``, ``.b``, ``.X``, ``.Y`` the failing point in the user's layout,
    ``.seed`` its seed (None for a point the user gave), ``.spec`` its spec, ``.reproduce`` a line
    telling how to rebuild it, ``.result`` the whole :class:`CheckResult`.
    """

    def __init__(self, message, diagnosis, where, result=None):
        super().__init__(message)
        self.diagnosis, self.where, self.result = diagnosis, where, result
        point = result.point if result is not None else None
        self.W, self.b, self.X, self.Y = point if point is not None else (None,) * 4
        self.seed = result.seed if result is not None else None
        self.spec = result.spec if result is not None else None
        self.reproduce = result.reproduce if result is not None else None


class GradientUsageError(TypeError):
    """The function under test was called wrongly or returned the wrong structure (a one-line message)."""


class SlowSpecWarning(UserWarning):
    """Building this spec's ground truth will take more than a few seconds (see :data:`SLOW_WORK`)."""


def spec_work(spec) -> int:
    """Parameters × examples × layers: the work measure of building a spec's ground truth.

    >>> spec_work(NetworkSpec([6, 10, 10, 3], batch_size=8))
    5112
    """
    n = spec.sizes
    return sum(n[l] * (n[l - 1] + 1) for l in range(1, len(n))) * spec.batch_size * spec.depth


def _smaller(spec):
    """A suggestion of smaller architectures that show the same bugs: the same depth, narrow; and unequal widths."""
    small = tuple(min(w, 3) for w in spec.sizes)
    return f"archs=[({small}, 2), ((2, 3, 2), 3)]"


def _truth(spec, backend):
    key = (spec, backend)
    if key not in _TRUTHS:
        work = spec_work(spec)
        if work > SLOW_WORK and (spec.sizes, spec.batch_size) not in _WARNED:
            _WARNED.add((spec.sizes, spec.batch_size))
            warnings.warn(SlowSpecWarning(
                f"symbp: the ground truth of {list(spec.sizes)} m={spec.batch_size} will take more than a few "
                f"seconds to build (work {work} = parameters × m × layers > {SLOW_WORK}); a bug in backprop code "
                f"shows on small networks too, e.g. {_smaller(spec)}"), stacklevel=5)
        _TRUTHS[key] = GroundTruth(spec, backend)
    return _TRUTHS[key]


def _sweep(spec, archs, batch_sizes=None):
    """The specs to test on: the spec itself, or one per architecture (``(sizes, m)``, sizes, or "2,3,1:m"),
    each at every batch size of ``batch_sizes`` when given."""
    out = []
    for a in (archs or [None]):
        if a is None:
            sizes, m = spec.sizes, spec.batch_size
        elif isinstance(a, str):
            sizes, m = parse_arch(a)
        elif len(a) == 2 and isinstance(a[0], (tuple, list)):
            sizes, m = a
        else:
            sizes, m = a, spec.batch_size
        for mm in (batch_sizes or [m]):
            out.append(spec.replace(sizes=tuple(sizes), batch_size=int(mm)))
    return list(dict.fromkeys(out))


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


# -- the user's layout ------------------------------------------------------------------------------
class _Layout:
    """Conversions between the canonical layout and the user's (``weight_index``, ``samples``)."""

    def __init__(self, weight_index="to_from", samples="rows"):
        if weight_index not in ("to_from", "from_to"):
            raise ValueError(f"weight_index: {weight_index!r} is not one of 'to_from' (W[l] of shape (n_l, n_(l-1))), "
                             "'from_to' (W[l][i, j] from unit i to unit j, shape (n_(l-1), n_l))")
        if samples not in ("rows", "columns"):
            raise ValueError(f"samples: {samples!r} is not one of 'rows' (X of shape (m, n_0)), "
                             "'columns' (X of shape (n_0, m), biases (n_l, 1))")
        self.weight_index, self.samples = weight_index, samples
        self.from_to, self.columns = weight_index == "from_to", samples == "columns"

    def user(self, kind, a):
        """A canonical array of ``kind`` ("W", "b", "X", "delta") in the user's layout."""
        a = np.asarray(a, dtype=float)
        if kind == "W":
            return a.T if self.from_to else a
        if kind == "b":
            return a.reshape(-1, 1) if self.columns else a.reshape(-1)
        return a.T if self.columns else a

    def canonical(self, kind, a):
        """A user's array of ``kind`` in the canonical layout."""
        a = np.asarray(a, dtype=float)
        return a.reshape(-1) if kind == "b" else self.user(kind, a)

    def point(self, W, b, X, Y):
        return ([self.user("W", w) for w in W], None if b is None else [self.user("b", v) for v in b],
                self.user("X", X), self.user("X", Y))

    def keywords(self):
        """The non-default layout keywords, as a call would spell them."""
        kw = [f"weight_index={self.weight_index!r}"] * self.from_to + [f"samples={self.samples!r}"] * self.columns
        return "".join(", " + k for k in kw)

    def describe(self):
        return f"weight_index={self.weight_index!r}, samples={self.samples!r}"

    def axes(self, kind):
        if kind == "delta":
            return ("unit", "example") if self.columns else ("example", "unit")
        return ("row", "column")


def random_point(spec, seed=0, *, weight_index="to_from", samples="rows"):
    """The seeded random point ``(W, b, X, Y)`` the assertions use, in the user's layout.

    >>> W, b, X, Y = random_point(NetworkSpec([2, 3, 1], batch_size=4), seed=1, weight_index="from_to",
    ...                           samples="columns")
    >>> [w.shape for w in W], [v.shape for v in b], X.shape, Y.shape
    ([(2, 3), (3, 1)], [(3, 1), (1, 1)], (2, 4), (1, 4))
    """
    return _Layout(weight_index, samples).point(*_point(spec, seed))


def _given_point(spec, point, layout, index):
    """A user's point ``(W, b, X, Y)`` in the canonical layout, and its spec (sizes and m read from the arrays)."""
    try:
        W, b, X, Y = point
    except (TypeError, ValueError):
        raise GradientUsageError(f"symbp: at[{index}] must be a tuple (W, b, X, Y)") from None
    w0 = spec.bias == "weight0"
    if (b is None) != w0:
        raise GradientUsageError(f"symbp: at[{index}]: b must be None with bias='weight0' (the bias is in W), "
                                 "and a list of bias vectors otherwise")
    W = [layout.canonical("W", w) for w in W]
    b = None if w0 else [layout.canonical("b", v) for v in b]
    X, Y = layout.canonical("X", X), layout.canonical("X", Y)
    sizes = [X.shape[1]] + [w.shape[0] for w in W]
    bad = [l for l, w in enumerate(W) if w.shape[1] != sizes[l] + w0] + \
          ([] if w0 else [l for l, v in enumerate(b) if v.shape != (sizes[l + 1],)])
    if bad or Y.shape != (X.shape[0], sizes[-1]) or (b is not None and len(b) != len(W)):
        raise GradientUsageError(f"symbp: at[{index}]: the shapes of W, b, X, Y do not fit one network "
                                 f"(W {[np.shape(w) for w in point[0]]}, X {np.shape(point[2])}, "
                                 f"Y {np.shape(point[3])}) in layout {layout.describe()}")
    return spec.replace(sizes=tuple(sizes), batch_size=X.shape[0]), (W, b, X, Y)


# -- what each assertion compares ---------------------------------------------------------------
def _is_array(v):
    return isinstance(v, np.ndarray)


def _usage(message):
    return GradientUsageError("symbp: " + message)


def _layers(value, name, spec):
    """``value`` as a list of one array per layer, or a one-line usage error."""
    __tracebackhide__ = True
    L = spec.depth
    if _is_array(value) or not isinstance(value, (list, tuple)):
        raise _usage(f"{name} must be a list with one array per layer ({name}[0]..{name}[{L - 1}]), "
                     f"got {type(value).__name__}")
    if len(value) != L:
        raise _usage(f"{name} has {len(value)} arrays, expected {L} (one per layer, {name}[0]..{name}[{L - 1}]) "
                     f"on architecture {list(spec.sizes)}")
    out = []
    for i, v in enumerate(value):
        try:
            out.append(np.asarray(v, dtype=float))
        except (TypeError, ValueError):
            raise _usage(f"{name}[{i}] is not an array of numbers (got {type(v).__name__})") from None
    return out


def _pair(out, first, second, spec, signature):
    """The two per-layer lists of a function returning ``(first, second)``, or a one-line usage error."""
    __tracebackhide__ = True
    if out is None:
        raise _usage(f"fn returned None; it must return {signature}")
    if _is_array(out) or not isinstance(out, (list, tuple)):
        raise _usage(f"fn returned {type(out).__name__}; it must return the pair {signature}")
    if all(_is_array(v) for v in out):
        if len(out) == spec.depth and all(v.ndim == 2 for v in out):
            raise _usage(f"fn returned {len(out)} arrays, not the pair {signature}: did it return only {first}? "
                         f"Return ({first}, {second}), each a list with one array per layer")
        raise _usage(f"fn returned {len(out)} arrays; it must return the pair {signature}, "
                     "each a list with one array per layer")
    if len(out) != 2:
        raise _usage(f"fn returned {len(out)} values; it must return the pair {signature}")
    if spec.bias == "weight0":
        return _layers(out[0], first, spec), []
    return _layers(out[0], first, spec), _layers(out[1], second, spec)


class _Gradients:
    what = "gradient"
    signature = "(dW, db)"

    def names(self, spec):
        L = spec.depth
        return [f"dW[{i}]" for i in range(L)] + ([] if spec.bias == "weight0" else [f"db[{i}]" for i in range(L)])

    def kinds(self, spec):
        return ["W"] * spec.depth + ([] if spec.bias == "weight0" else ["b"] * spec.depth)

    def call(self, fn, W, b, X, Y, spec):
        dW, db = _pair(fn(_copy(W), _copy(b), X.copy(), Y.copy()), "dW", "db", spec, self.signature)
        return dW + db

    def truth(self, gt, W, b, X, Y, lam=None):
        dW, db = gt.gradients(W, b, X, Y, lam=lam)
        return list(dW) + ([] if db is None else list(db))

    def hypothesis(self, deltas, gradients):
        """This quantity under a code bug, from its δ and gradient (canonical), or None."""
        return gradients


class _Deltas(_Gradients):
    what = "delta"
    signature = "[delta[0], ..., delta[L-1]]"

    def names(self, spec):
        return [f"delta[{i}]" for i in range(spec.depth)]

    def kinds(self, spec):
        return ["delta"] * spec.depth

    def call(self, fn, W, b, X, Y, spec):
        out = fn(_copy(W), _copy(b), X.copy(), Y.copy())
        if isinstance(out, (list, tuple)) and len(out) == 2 and spec.depth != 2 and \
                all(isinstance(v, (list, tuple)) for v in out):
            raise _usage("fn returned a pair of lists; it must return one δ array per layer "
                         "(did it return (dW, db)?)")
        return _layers(out, "delta", spec)

    def truth(self, gt, W, b, X, Y, lam=None):
        return list(gt.deltas(W, b, X, Y))

    def hypothesis(self, deltas, gradients):
        return deltas


class _Update(_Gradients):
    """Compared on the step (new value − old value), so a sign or a factor on the step shows as such."""
    what = "update step"
    signature = "(W_new, b_new)"

    def __init__(self, lr):
        self.lr = lr

    def names(self, spec):
        return [n.replace("dW", "W_new").replace("db", "b_new") for n in super().names(spec)]

    def call(self, fn, W, b, X, Y, spec):
        W_new, b_new = _pair(fn(_copy(W), _copy(b), X.copy(), Y.copy(), self.lr), "W_new", "b_new", spec,
                             self.signature)
        old = [np.asarray(v, dtype=float) for v in list(W) + ([] if b is None else list(b))]
        return [v - o if v.shape == o.shape else v for v, o in zip(W_new + b_new, old)]

    def truth(self, gt, W, b, X, Y, lam=None):
        return [-self.lr * g for g in super().truth(gt, W, b, X, Y, lam=lam)]

    def hypothesis(self, deltas, gradients):
        return None if gradients is None else [-self.lr * g for g in gradients]


# -- comparison -------------------------------------------------------------------------------------
def _errors(got, want):
    """Relative error per entry; entries far below the array's scale are compared on that scale."""
    floor = 1e-6 * max(float(np.max(np.abs(want), initial=0.0)), 1e-300)
    scale = np.maximum(np.maximum(np.abs(got), np.abs(want)), floor)
    with np.errstate(all="ignore"):
        err = np.abs(got - want) / scale
    err[~np.isfinite(got)] = np.inf
    return err


def _fit_vector(got, want, kind):
    """A bias vector in either orientation, (n,), (n, 1) or (1, n), is taken in the expected one."""
    if kind == "b" and got.shape != want.shape and got.size == want.size and max(got.shape, default=1) == got.size:
        return got.reshape(want.shape)
    return got


def _case(check, fn, layout, s, gt, inputs, seed, label):
    """``(spec, gt, inputs, names, got, want, seed, user point, kinds, label)`` of one point."""
    __tracebackhide__ = True
    user = layout.point(*inputs)
    got = check.call(fn, *user, s)
    kinds, names = check.kinds(s), check.names(s)
    if len(got) != len(names):
        raise _usage(f"{check.what}: fn returned {len(got)} arrays, expected {len(names)} ({', '.join(names)}) "
                     f"on architecture {list(s.sizes)}")
    want = [layout.user(k, w) for k, w in zip(kinds, check.truth(gt, *inputs))]
    got = [_fit_vector(g, w, k) for g, w, k in zip(got, want, kinds)]
    return (s, gt, inputs, names, got, want, seed, user, kinds, label)


def _run(check, fn, layout, specs, points, seed, at, backend, base):
    """The cases over the sweep and the points (or the user's points ``at``)."""
    __tracebackhide__ = True   # a failing test shows the user's code and symbp's message, not symbp's frames
    cases = []
    if at is not None:
        for i, pt in enumerate(at):
            s, inputs = _given_point(base, pt, layout, i)
            cases.append(_case(check, fn, layout, s, _truth(s, backend), inputs, None, f"at[{i}]"))
        return cases
    for s in specs:
        gt = _truth(s, backend)
        for p in range(points):
            sd = seed + 1000 * p
            cases.append(_case(check, fn, layout, s, gt, _point(s, sd), sd, f"seed {sd}"))
    return cases


def _nonfinite(cases):
    """(case, array index, first entry) of the first NaN or inf the user's code returned, or None."""
    for c in cases:
        for i, g in enumerate(c[4]):
            bad = ~np.isfinite(g)
            if bad.any():
                return c, i, tuple(int(v) for v in np.argwhere(bad)[0])
    return None


def _array_checks(cases, rtol):
    """Per array name: (worst error, case, entry) over every case (entry None for a shape mismatch)."""
    out = {}
    for c in cases:
        for i, (g, w) in enumerate(zip(c[4], c[5])):
            if g.shape != w.shape:
                e, entry = np.inf, None
            else:
                err = _errors(g, w)
                e = float(np.max(err, initial=0.0))
                entry = tuple(int(v) for v in np.unravel_index(int(np.argmax(err)), err.shape)) if err.size else ()
            name = c[3][i]
            if name not in out or e > out[name][0] or (e == out[name][0] and entry is None):
                out[name] = (e, c, entry, i)
    return out


def _first_failure(cases, rtol):
    """(case, array index, entry, error) of the worst entry over every case, or None."""
    worst = None
    for name, (e, c, entry, i) in _array_checks(cases, rtol).items():
        if e > rtol and (worst is None or entry is None and worst[2] is not None
                         or (entry is None) == (worst[2] is None) and e > worst[3]):
            worst = (c, i, entry, e)
    return worst


class ArrayCheck:
    """One array's finding over every point: ``name``, ``ok``, ``error`` (worst relative error), ``where``."""

    def __init__(self, name, ok, error, where):
        self.name, self.ok, self.error, self.where = name, ok, error, where

    def __bool__(self):
        return self.ok

    def __repr__(self):
        state = "right" if self.ok else "wrong"
        err = "shape" if self.error == np.inf and "shape" in self.where else f"rel err {self.error:.2g}"
        return f"{self.name}: {state} ({err}{', ' + self.where if not self.ok else ''})"


class CheckResult:
    """The finding of a check: truthy when every array is right.

    ``arrays``: one :class:`ArrayCheck` per array name; ``diagnosis``: ``{"kind", "factor",
    "detail", "bug"}`` or None; ``message``: the text an assertion raises (empty when right);
    ``point``, ``seed``, ``spec``, ``reproduce``: the failing point (None when right).
    """

    def __init__(self, what, arrays, cases, diagnosis=None, message="", fail=None, layout=None):
        self.what, self.arrays, self.diagnosis, self.message = what, tuple(arrays), diagnosis, message
        self.ok = all(a.ok for a in self.arrays) and diagnosis is None
        self.cases = len(cases)
        self.point = self.seed = self.spec = self.reproduce = None
        self.where = None
        if fail is not None:
            c = fail[0]
            self.spec, self.seed, self.point = c[0], c[6], c[7]
            if c[6] is None:
                self.reproduce = f"the point you gave ({c[9]}); it is on the exception as .W, .b, .X, .Y"
            else:
                self.reproduce = (f"W, b, X, Y = symbp.testing.random_point({c[0]!r}, seed={c[6]}"
                                  f"{layout.keywords()}); fn(W, b, X, Y)   (also on the exception: .W, .b, .X, .Y)")

    def __bool__(self):
        return self.ok

    @property
    def right(self):
        """Names of the arrays that are right at every point."""
        return [a.name for a in self.arrays if a.ok]

    @property
    def wrong(self):
        """Names of the arrays that are wrong at some point."""
        return [a.name for a in self.arrays if not a.ok]

    def __repr__(self):
        if self.ok:
            return f"<CheckResult {self.what}: right ({', '.join(self.right)}; {self.cases} points)>"
        d = self.diagnosis or {}
        bug = d.get("bug") or d.get("kind")
        return (f"<CheckResult {self.what}: WRONG {', '.join(self.wrong)} ({bug}: {d.get('detail', '')}); "
                f"right: {', '.join(self.right) or 'none'}>")

    def error(self):
        """The :class:`GradientMismatch` an assertion raises for this result."""
        return GradientMismatch(self.message, self.diagnosis, self.where, self)


def _sorted_names(names):
    return sorted(set(names), key=lambda n: (n[:n.index("[")], int(n[n.index("[") + 1:-1])))


def _first_wrong_delta(case, bad):
    """The first wrong δ in backprop order (from the output down) of one case, as a sentence."""
    L, i = case[0].depth, max(bad)
    if i == L - 1:
        return (f"delta[{i}] (the output layer, layer {L}) is already wrong: the cost's derivative or the "
                "output activation's f′")
    return (f"delta[{i}] (layer {i + 1}) is the first wrong going down from the output, delta[{i + 1}] above it "
            f"is right: the fault is in the step from layer {i + 2} down to layer {i + 1}")


def _check(check, fn, spec, *, archs=None, batch_sizes=None, points=3, seed=0, at=None, rtol=1e-9,
           backend="symengine", weight_index="to_from", samples="rows"):
    """The :class:`CheckResult` of ``fn`` against the truth."""
    __tracebackhide__ = True
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a symbp.NetworkSpec, got {type(spec).__name__}")
    layout = _Layout(weight_index, samples)
    cases = _run(check, fn, layout, _sweep(spec, archs, batch_sizes), points, seed, at, backend, spec)
    per = _array_checks(cases, rtol)
    arrays = []
    for name in _sorted_names(per):
        e, c, entry, i = per[name]
        where = ("shape" if entry is None else f"at {list(entry)}") + f" on {list(c[0].sizes)} m={c[0].batch_size}"
        arrays.append(ArrayCheck(name, e <= rtol, e, where))
    nonfinite = _nonfinite(cases)
    fail = _first_failure(cases, rtol)
    if fail is None and nonfinite is None:
        return CheckResult(check.what, arrays, cases, layout=layout)
    if nonfinite is not None:
        c, i, entry = nonfinite
        fail = (c, i, entry, np.inf)
    diag = _nan_diagnosis(fail) if nonfinite is not None else _diagnose(check, cases, rtol, layout)
    result = CheckResult(check.what, arrays, cases, diag, "", fail, layout)
    result.message, result.where = _message(check, layout, fail, diag, arrays, rtol, result.reproduce)
    return result


def _nan_diagnosis(fail):
    """The diagnosis of NaN or inf in the user's arrays (one line)."""
    (s, gt, inputs, names, got, *_), i, entry, _ = fail
    g = got[i]
    n_nan, n_inf = int(np.isnan(g).sum()), int(np.isinf(g).sum())
    return _d("nan", f"{names[i]} has {n_nan} NaN and {n_inf} inf entries of {g.size} (first at {list(entry)}) "
                     "where the ground truth is finite: an overflow (exp of a large z?), a 0/0 or a log(0) in fn",
              bug="nan")


def _message(check, layout, fail, diag, arrays, rtol, reproduce):
    """The text of a mismatch and its ``where`` dict."""
    (s, gt, inputs, names, got, want, *_), i, entry, err = fail
    name, kind = names[i], fail[0][8][i]
    layer = int(name[name.index("[") + 1:-1]) + 1
    if entry is None:
        where = f"{name} (layer {layer} of 1..{s.depth})"
        values = f"  expected shape {want[i].shape}, got {got[i].shape} (in your layout: {layout.describe()})"
    else:
        pos = ", ".join(f"{a} {v}" for a, v in zip(layout.axes(kind), entry))
        where = f"{name}[{', '.join(map(str, entry))}] (layer {layer} of 1..{s.depth}, {pos})"
        values = (f"  expected (ground truth): {float(want[i][entry])!r}\n"
                  f"  got (fn):                {float(got[i][entry])!r}\n"
                  f"  relative error:          {err:.3g} (rtol {rtol:g})")
    wrong = [a.name for a in arrays if not a.ok] or [name]
    right = [a.name for a in arrays if a.ok]
    extra = ""
    if check.what == "delta":
        bad = [j for j, (g, w) in enumerate(zip(got, want))
               if g.shape != w.shape or np.max(_errors(g, w), initial=0.0) > rtol]
        extra = f"  first wrong δ: {_first_wrong_delta(fail[0], bad or [i])}\n"
    factor = f" [{diag['factor']}]" if diag.get("factor") else ""
    bug = f" [{diag['bug']}]" if diag.get("bug") and not diag.get("factor") else ""
    layout_note = f", layout {layout.keywords()[2:]}" if layout.keywords() else ""
    msg = (f"symbp: {check.what} mismatch at {where}\n"
           f"  architecture {list(s.sizes)}, m={s.batch_size}, activation={s.activation}/{s.output_activation}, "
           f"cost={s.cost}, average={s.average}, weight_decay={s.weight_decay}{layout_note}\n"
           f"{values}\n"
           f"  arrays over every point: wrong {', '.join(wrong)}; right {', '.join(right) or 'none'}\n"
           f"{extra}"
           f"  diagnosis: {diag['kind']}{factor}{bug}: {diag['detail']}\n"
           f"  reproduce: {reproduce}")
    return msg, {"array": name, "layer": layer, "entry": entry, "sizes": list(s.sizes)}


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


def _d(kind, detail, factor=None, bug=None):
    return {"kind": kind, "factor": factor, "detail": detail, "bug": bug}


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


def _diagnose(check, cases, rtol, layout=None):
    """The first hypothesis that the measurements confirm, as ``{"kind", "factor", "detail", "bug"}``."""
    layout = layout or _Layout()
    cases = [(c, _bad(c, rtol)) for c in cases]
    cases = [(c, bad) for c, bad in cases if bad]
    names = [n for c, bad in cases for n in (c[3][i] for i in bad)]
    which = ", ".join(_sorted_names(names))
    same = lambda c: c[5]  # noqa: E731
    spec = cases[0][0][0]

    def user(c, arrays):
        return None if arrays is None else [layout.user(k, a) for k, a in zip(c[8], arrays)]

    def under(**changes):
        def alt(c):
            try:
                s = c[0].replace(**changes)
            except ValueError:
                return None
            return user(c, check.truth(_truth(s, c[1].backend.name), *c[2]))
        return alt

    # shapes: transposed, or wrong
    if any(c[4][i].shape != c[5][i].shape for c, bad in cases for i in bad):
        if _matches(cases, same, rtol, lambda g, w: g.T if g.ndim == 2 else None):
            return _d("transpose", f"{which} is the truth transposed (shape {cases[0][0][4][cases[0][1][0]].shape}, "
                                   f"expected {cases[0][0][5][cases[0][1][0]].shape}, in your layout)",
                      bug="shape")
        if _matches(cases, same, rtol, lambda g, w: g.reshape(w.shape[::-1]).T
                    if g.size == w.size and w.ndim == 2 else None):
            return _d("transpose", f"{which} is the truth transposed and then reshaped (a reshape where a "
                                   "transpose belongs)", bug="shape")
        c, i = next((c, i) for c, bad in cases for i in bad if c[4][i].shape != c[5][i].shape)
        return _d("shape", f"{c[3][i]} has shape {c[4][i].shape}, expected {c[5][i].shape} (in your layout) "
                           f"on architecture {list(c[0].sizes)}", bug="shape")

    # a constant ratio (sign or factor), of the whole value or of the cost term beside a right decay term
    no_decay = (lambda c: user(c, check.truth(c[1], *c[2], lam=0.0))) if spec.weight_decay else None
    tries = [(same, lambda c: c[4], "")]
    if no_decay:
        tries.append((no_decay, lambda c: [g - (w - w0) for g, w, w0 in zip(c[4], c[5], no_decay(c))],
                      " in the cost term (the weight-decay term is right)"))
    for truth_of, got_of, part in tries:
        ratios = _constant_ratio(cases, truth_of, got_of)
        if ratios is None:
            continue
        if all(abs(r + 1) <= 1e-7 for r, _, _ in ratios):
            return _d("sign", f"{which} is the negative of the truth{part}", "-1", bug="sign")
        factor = fit_factor(ratios)
        if factor is not None:
            named = [n for n, f in FACTORS if all(abs(r - f(m, K)) <= 1e-7 * abs(r) for r, m, K in ratios)]
            detail = f"{which} is {factor} × the truth{part}"
            if named and factor not in named:
                detail += f" (here that is {' = '.join(named)})"
            for avg in ("none", "examples", "examples_and_outputs"):
                if avg != spec.average and _matches(cases, under(average=avg), rtol):
                    detail += f"; it holds with average={avg!r} (the spec says {spec.average!r})"
            bug = None
            per_batch = next((f for f in ("m", "1/m") if f == factor or f in named), None)
            if per_batch:
                bug = "batch-factor"
                detail += (f"; a factor {per_batch}: the batch {'summed' if per_batch == 'm' else 'averaged'} "
                           f"where it should be {'averaged' if per_batch == 'm' else 'summed'} "
                           "(per-example versus batch)")
            return _d("factor", detail, factor, bug=bug)

    # counterfactual truths: another convention, no weight decay, no bias
    for avg in ("none", "examples", "examples_and_outputs"):
        if avg != spec.average and _matches(cases, under(average=avg), rtol):
            return _d("convention", f"{which} holds with average={avg!r} (the spec says {spec.average!r})")
    if spec.weight_decay:
        if _matches(cases, no_decay, rtol):
            return _d("missing-term", f"the weight-decay term is missing from {which}: it equals the truth "
                                      f"with λ = 0 (the spec has λ = {spec.weight_decay:g})", bug="no-decay")
        if _matches(cases, under(decay_biases=not spec.decay_biases), rtol):
            kind = "extra-term" if not spec.decay_biases else "missing-term"
            return _d(kind, f"{which} holds with decay_biases={not spec.decay_biases}")
        if _matches(cases, under(decay_average=not spec.decay_average), rtol):
            return _d("convention", f"{which} holds with decay_average={not spec.decay_average}")
    if spec.bias == "vector":
        no_bias = lambda c: user(c, check.truth(c[1], c[2][0], [0 * v for v in c[2][1]], *c[2][2:]))  # noqa: E731
        if _matches(cases, no_bias, rtol):
            return _d("missing-term", f"{which} equals the truth of a network without biases "
                                      "(the bias is missing from the forward pass)", bug="no-bias")
        if all(c[3][i].startswith("db") and np.allclose(c[4][i], 0) for c, bad in cases for i in bad):
            return _d("missing-term", f"{which} is zero: the bias gradient is missing", bug="no-bias")

    # the classic code bugs, each a truth rebuilt from the CAS's δ and gradient with one step changed
    tables = {}

    def table(c):
        if id(c) not in tables:
            p = Pieces(c[1], *c[2])
            tables[id(c)] = {} if not p.anchored(rtol) else {
                detail: (bug, user(c, check.hypothesis(D, G))) for bug, detail, D, G in code_bug_hypotheses(p)}
        return tables[id(c)]

    for detail, (bug, _) in table(cases[0][0]).items():
        if _matches(cases, lambda c: table(c).get(detail, (None, None))[1], rtol):
            return _d("code-bug", f"{which}: {detail}", bug=bug)

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
        return _d("layer", "a quantity of the wrong layer: " + "; ".join(dict.fromkeys(found)), bug="wrong-layer")

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
#: Keywords every check takes, documented once.
_KEYWORDS = """
    ``archs``: architectures to sweep instead of the spec's own sizes, each
    ``(sizes, m)``, ``sizes`` or ``"2,3,1:m"``; ``batch_sizes``: batch sizes to run
    each architecture at (default its own m); ``points`` seeded random points per
    architecture (seeds ``seed``, ``seed + 1000``, ...); ``at``: your own points
    ``[(W, b, X, Y), ...]`` in your layout instead (sizes and m read from them).
    ``weight_index`` ("to_from" or "from_to") and ``samples`` ("rows" or "columns"):
    your layout.  With ``bias="weight0"`` the bias is column 0 of each canonical
    ``W[l]`` (row 0 from-to) and ``b`` is None."""


def check_gradients(fn, spec, **options) -> CheckResult:
    """The :class:`CheckResult` of ``fn(W, b, X, Y) -> (dW, db)`` against the CAS gradient (never raises on a mismatch).

    Takes the keywords of :func:`assert_gradients_match`.

    >>> spec = NetworkSpec([2, 1], activation="identity", average="none")
    >>> def grads(W, b, X, Y):
    ...     D = X @ W[0].T + b[0] - Y
    ...     return [D.T @ X], [D.sum(axis=0)]
    >>> bool(check_gradients(grads, spec))
    True
    >>> check_gradients(lambda W, b, X, Y: (grads(W, b, X, Y)[0], [-grads(W, b, X, Y)[1][0]]), spec)
    <CheckResult gradient: WRONG db[0] (sign: db[0] is the negative of the truth); right: dW[0]>
    """
    __tracebackhide__ = True
    return _check(_Gradients(), fn, spec, **options)


def check_deltas(fn, spec, **options) -> CheckResult:
    """The :class:`CheckResult` of ``fn(W, b, X, Y) -> [δ per layer]`` (see :func:`assert_delta_matches`).

    >>> spec = NetworkSpec([2, 2], activation="identity", batch_size=2)
    >>> check_deltas(lambda W, b, X, Y: [X @ W[0].T + b[0] - Y], spec).right
    ['delta[0]']
    """
    __tracebackhide__ = True
    return _check(_Deltas(), fn, spec, **options)


def check_update(fn, spec, lr, **options) -> CheckResult:
    """The :class:`CheckResult` of ``fn(W, b, X, Y, lr) -> (W_new, b_new)`` (see :func:`assert_update_matches`).

    >>> spec = NetworkSpec([1, 1], activation="identity", average="none")
    >>> check_update(lambda W, b, X, Y, lr: (W, b), spec, lr=0.1).wrong
    ['W_new[0]', 'b_new[0]']
    """
    __tracebackhide__ = True
    return _check(_Update(lr), fn, spec, **options)


def _raise(result):
    __tracebackhide__ = True
    if not result:
        raise result.error()


def assert_gradients_match(fn, spec, *, archs=None, batch_sizes=None, points=3, seed=0, at=None, rtol=1e-9,
                           backend="symengine", weight_index="to_from", samples="rows"):
    """Assert that ``fn(W, b, X, Y) -> (dW, db)`` equals the CAS gradient of ``spec``'s cost.
    {keywords}
    Raises :class:`GradientMismatch` (the failing point attached), or
    :class:`GradientUsageError` when ``fn`` returns the wrong structure.

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
      reproduce: W, b, X, Y = symbp.testing.random_point(NetworkSpec(sizes=(2, 1), ...), seed=...); fn(W, b, X, Y) ...
    """
    __tracebackhide__ = True
    _raise(_check(_Gradients(), fn, spec, archs=archs, batch_sizes=batch_sizes, points=points, seed=seed, at=at,
                  rtol=rtol, backend=backend, weight_index=weight_index, samples=samples))


def assert_delta_matches(fn, spec, *, archs=None, batch_sizes=None, points=3, seed=0, at=None, rtol=1e-9,
                         backend="symengine", weight_index="to_from", samples="rows"):
    """Assert that ``fn(W, b, X, Y)`` returns ``δ[l] = ∂C_k/∂z[l]`` (one ``(m, n_l)`` array per layer).

    δ is taken of each example's own cost ``C_k`` (no ``1/m``, no weight decay);
    with ``samples="columns"`` each δ is ``(n_l, m)``.  The message names the first
    wrong δ in backprop order (from the output down).
    {keywords}

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
      diagnosis: factor [1/2]: delta[0] is 1/2 × the truth (here that is 1/m = 1/K)...
    ...
    """
    __tracebackhide__ = True
    _raise(_check(_Deltas(), fn, spec, archs=archs, batch_sizes=batch_sizes, points=points, seed=seed, at=at,
                  rtol=rtol, backend=backend, weight_index=weight_index, samples=samples))


def assert_update_matches(fn, spec, lr, *, archs=None, batch_sizes=None, points=3, seed=0, at=None, rtol=1e-9,
                          backend="symengine", weight_index="to_from", samples="rows"):
    """Assert that ``fn(W, b, X, Y, lr) -> (W_new, b_new)`` is one gradient-descent step ``θ − lr·∂J/∂θ``.

    Compared on the step ``θ_new − θ``, so a wrong sign or factor is named as such.
    {keywords}

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
    ...
    """
    __tracebackhide__ = True
    _raise(_check(_Update(lr), fn, spec, archs=archs, batch_sizes=batch_sizes, points=points, seed=seed, at=at,
                  rtol=rtol, backend=backend, weight_index=weight_index, samples=samples))


for _f in (assert_gradients_match, assert_delta_matches, assert_update_matches):
    _f.__doc__ = _f.__doc__.replace("    {keywords}", _KEYWORDS.strip("\n"))
del _f
