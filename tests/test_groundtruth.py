"""GroundTruth against independent computations.

(a) the symengine and sympy backends agree exactly; (b) gradients agree with
central finite differences of the cost for every activation × cost × convention
× bias layout; (c) δ agrees with finite differences of the per-example cost;
(d) a vectorised call equals single calls; (e) exact rational evaluation equals
the float evaluation; (f) each convention factor is pinned by its own test.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import symengine
import sympy
from sympy.core.function import AppliedUndef

from symbp import GroundTruth, NetworkSpec
from symbp.model.activations import OPAQUE

HIDDEN = ["f", "g", "sigmoid", "tanh", "identity", "relu", "softplus"]
COST_OUTPUT = {"half_sse": None, "cross_entropy": "sigmoid", "softmax_cross_entropy": "softmax"}
AVERAGES = ["none", "examples", "examples_and_outputs"]
#: (weight_decay, decay_biases, decay_average)
DECAYS = [(0.0, False, False), (0.3, False, False), (0.3, True, False), (0.3, False, True), (0.3, True, True)]
LAYOUTS = ["vector", "weight0"]


# -- helpers (independent of symbp's internals: they only call the public numeric API) ----
def make_spec(sizes, activation, cost, **kw):
    return NetworkSpec(sizes, activation=activation, cost=cost, output_activation=COST_OUTPUT[cost], **kw)


def random_point(spec, rng, P=None):
    """Parameters in the spec's layout and a batch (X, Y) valid for its cost.

    Weights of scale 0.7 keep outputs away from saturation, where the naive closed form
    of the cross-entropy (``log(1 − σ(z))``) loses digits and finite differences with it.
    """
    n, lead = spec.sizes, (() if P is None else (P,))
    extra = 1 if spec.bias == "weight0" else 0
    W = [rng.normal(scale=0.7, size=lead + (n[l], n[l - 1] + extra)) for l in range(1, spec.depth + 1)]
    b = None if extra else [rng.normal(scale=0.7, size=lead + (n[l],)) for l in range(1, spec.depth + 1)]
    m, K = spec.batch_size, n[-1]
    X = rng.normal(size=(m, n[0]))
    if spec.cost == "half_sse":
        Y = rng.normal(size=(m, K))
    elif spec.cost == "cross_entropy":
        Y = rng.uniform(0.05, 0.95, size=(m, K))
    else:
        Y = rng.dirichlet(np.ones(K), size=m)
    return W, b, X, Y


def flatten(W, b):
    return np.concatenate([w.ravel() for w in W] + ([] if b is None else [v.ravel() for v in b]))


def unflatten(theta, W, b):
    """Split the last axis of ``theta`` back into arrays shaped like ``W`` and ``b``."""
    lead, out, col = theta.shape[:-1], [], 0
    for arr in list(W) + ([] if b is None else list(b)):
        out.append(theta[..., col:col + arr.size].reshape(lead + arr.shape))
        col += arr.size
    return out[:len(W)], (None if b is None else out[len(W):])


def fd_gradient(gt, W, b, X, Y, h=1e-4):
    """Fourth-order central differences of ``gt.cost_value`` w.r.t. every parameter, in one vectorised call."""
    theta = flatten(W, b)
    E = np.eye(theta.size) * h
    Wp, bp = unflatten(np.concatenate([theta + 2 * E, theta + E, theta - E, theta - 2 * E]), W, b)
    c = gt.cost_value(Wp, bp, X, Y).reshape(4, theta.size)
    return unflatten((-c[0] + 8 * c[1] - 8 * c[2] + c[3]) / (12 * h), W, b)


def assert_close_lists(actual, expected, **tol):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, **tol)


# -- (a) the two backends agree exactly -------------------------------------------------
BACKEND_SPECS = [
    make_spec([2, 2, 1], "f", "half_sse", batch_size=2, average="none"),
    make_spec([2, 3, 2], "f", "cross_entropy", batch_size=2, weight_decay=0.1, decay_biases=True),
    make_spec([2, 2, 2], "sigmoid", "half_sse", batch_size=2, average="examples_and_outputs", weight_decay=0.1),
    make_spec([2, 2, 2], "tanh", "softmax_cross_entropy", batch_size=1, average="none"),
    make_spec([2, 2, 1], "relu", "half_sse", batch_size=2, weight_decay=0.1, decay_average=True),
    make_spec([1, 2, 1], "softplus", "cross_entropy", batch_size=1),
]


def derivative_atoms(expr):
    return expr.atoms(sympy.Derivative) | expr.atoms(sympy.Subs)


@pytest.mark.parametrize("spec", BACKEND_SPECS, ids=lambda s: f"{s.activation}-{s.cost}-{list(s.sizes)}")
def test_symengine_and_sympy_agree_exactly(spec):
    se_gt, sp_gt = GroundTruth(spec, "symengine"), GroundTruth(spec, "sympy")
    se_grad = {str(p): sympy.sympify(e) for p, e in se_gt.gradient.items()}
    sp_grad = {str(p): e for p, e in sp_gt.gradient.items()}
    assert list(se_grad) == list(sp_grad) == [str(p) for p in sp_gt.params]
    for name in sp_grad:
        a, b = se_grad[name], sp_grad[name]
        assert not derivative_atoms(a) and not derivative_atoms(b), name   # canonical: no Derivative/Subs left
        assert sympy.expand(a - b) == 0, name
    assert se_gt.delta.keys() == sp_gt.delta.keys()
    for key in sp_gt.delta:
        for a, b in zip(se_gt.delta[key], sp_gt.delta[key], strict=True):
            a = sympy.sympify(a)
            assert not derivative_atoms(a) and not derivative_atoms(b), key
            assert sympy.expand(a - b) == 0, key


def test_backend_comparison_can_fail():
    # the same comparison separates two specs that differ by a convention factor
    a = GroundTruth(make_spec([2, 2, 1], "f", "half_sse", average="none"), "symengine").gradient
    b = GroundTruth(make_spec([2, 2, 1], "f", "half_sse", average="none", weight_decay=0.1), "sympy").gradient
    assert any(sympy.expand(sympy.sympify(a[p]) - b[sympy.sympify(p)]) != 0 for p in a)


# -- (b) gradients against finite differences of the cost -------------------------------
FD_CASES = list(itertools.product(HIDDEN, COST_OUTPUT, AVERAGES, DECAYS, LAYOUTS))


@pytest.mark.parametrize("activation, cost, average, decay, bias", FD_CASES,
                         ids=[f"{a}-{c}-{v}-wd{int(d[0] > 0)}b{int(d[1])}m{int(d[2])}-{l}"
                              for a, c, v, d, l in FD_CASES])
def test_gradients_match_finite_differences(activation, cost, average, decay, bias):
    lam, decay_biases, decay_average = decay
    spec = make_spec([2, 3, 2], activation, cost, batch_size=2, average=average, weight_decay=lam,
                     decay_biases=decay_biases, decay_average=decay_average, bias=bias)
    rng = np.random.default_rng(FD_CASES.index((activation, cost, average, decay, bias)))
    W, b, X, Y = random_point(spec, rng)
    gt = GroundTruth(spec)
    dW, db = gt.gradients(W, b, X, Y)
    fW, fb = fd_gradient(gt, W, b, X, Y)
    assert_close_lists(dW, fW, rtol=1e-7, atol=1e-9)
    if bias == "weight0":
        assert db is None
    else:
        assert_close_lists(db, fb, rtol=1e-7, atol=1e-9)


def test_finite_difference_check_can_fail():
    # a gradient off by the 1/m factor is caught by the same comparison
    spec = make_spec([2, 3, 2], "sigmoid", "half_sse", batch_size=2, average="none")
    W, b, X, Y = random_point(spec, np.random.default_rng(0))
    gt = GroundTruth(spec)
    dW, _ = gt.gradients(W, b, X, Y)
    fW, _ = fd_gradient(gt, W, b, X, Y)
    with pytest.raises(AssertionError):
        assert_close_lists([w / 2 for w in dW], fW, rtol=1e-7, atol=1e-9)


# -- (c) δ against finite differences of the per-example cost ------------------------------
@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("activation, cost", list(itertools.product(HIDDEN, COST_OUTPUT)))
def test_deltas_match_finite_differences_of_the_example_cost(activation, cost, m):
    # z[l] = W a + b, so ∂C_k/∂z[l]_j = ∂C_k/∂b[l]_j: perturb b[l]_j of a one-example network
    spec = make_spec([2, 3, 2, 2], activation, cost, batch_size=m, average="none")
    one = GroundTruth(spec.replace(batch_size=1))
    W, b, X, Y = random_point(spec, np.random.default_rng(7))
    deltas = GroundTruth(spec).deltas(W, b, X, Y)
    assert [d.shape for d in deltas] == [(m, n) for n in spec.sizes[1:]]
    h = 1e-6
    for k in range(m):
        for l in range(1, spec.depth + 1):
            for j in range(spec.sizes[l]):
                bp = [v.copy() for v in b]
                bm = [v.copy() for v in b]
                bp[l - 1][j] += h
                bm[l - 1][j] -= h
                fd = (one.cost_value(W, bp, X[k:k + 1], Y[k:k + 1]) -
                      one.cost_value(W, bm, X[k:k + 1], Y[k:k + 1])) / (2 * h)
                np.testing.assert_allclose(deltas[l - 1][k, j], fd, rtol=1e-6, atol=1e-8,
                                           err_msg=f"example {k}, layer {l}, unit {j}")


# -- (d) vectorised evaluation --------------------------------------------------------------
@pytest.mark.parametrize("backend", ["symengine", "sympy"])
@pytest.mark.parametrize("bias", LAYOUTS)
@pytest.mark.parametrize("per_point_data", [False, True])
def test_a_batch_of_points_equals_single_calls(backend, bias, per_point_data):
    spec = make_spec([2, 3, 2], "sigmoid", "cross_entropy", batch_size=2, weight_decay=0.2,
                     decay_biases=True, bias=bias)
    gt, P = GroundTruth(spec, backend), 5
    rng = np.random.default_rng(11)
    W, b, X, Y = random_point(spec, rng, P=P)
    if per_point_data:
        X = rng.normal(size=(P,) + X.shape)
        Y = rng.uniform(0.05, 0.95, size=(P,) + Y.shape)
    dW, db = gt.gradients(W, b, X, Y)
    deltas = gt.deltas(W, b, X, Y)
    costs = gt.cost_value(W, b, X, Y)
    assert [w.shape for w in dW] == [w.shape for w in W] and costs.shape == (P,)
    for p in range(P):
        Wp = [w[p] for w in W]
        bp = None if b is None else [v[p] for v in b]
        Xp, Yp = (X[p], Y[p]) if per_point_data else (X, Y)
        sW, sb = gt.gradients(Wp, bp, Xp, Yp)
        assert_close_lists([w[p] for w in dW], sW, rtol=1e-14, atol=0)
        if b is not None:
            assert_close_lists([v[p] for v in db], sb, rtol=1e-14, atol=0)
        assert_close_lists([d[p] for d in deltas], gt.deltas(Wp, bp, Xp, Yp), rtol=1e-14, atol=0)
        assert costs[p] == pytest.approx(gt.cost_value(Wp, bp, Xp, Yp), rel=1e-14)
    # the points really differ, so the comparison above could fail
    assert not np.allclose(dW[0][0], dW[0][1])


# -- (e) exact evaluation at rational points -------------------------------------------------
EXACT_SPECS = [
    make_spec([2, 2, 1], "sigmoid", "half_sse", batch_size=2, weight_decay=0.5),
    make_spec([2, 2, 2], "tanh", "cross_entropy", batch_size=1, average="none", weight_decay=0.25, decay_biases=True),
    make_spec([2, 2, 3], "relu", "softmax_cross_entropy", batch_size=2, average="examples_and_outputs"),
    make_spec([2, 2, 1], "f", "half_sse", batch_size=2, weight_decay=0.5, decay_average=True),
    make_spec([1, 2, 2], "softplus", "half_sse", batch_size=2, bias="weight0", weight_decay=0.5, decay_biases=True),
]


def rational_point(spec, rng):
    """A random point with small-denominator Fractions (lists of lists, as exact_gradients takes)."""
    def frac(shape):
        return np.vectorize(lambda v: Fraction(int(v), 8), otypes=[object])(rng.integers(-12, 13, size=shape))
    n, extra = spec.sizes, (1 if spec.bias == "weight0" else 0)
    W = [frac((n[l], n[l - 1] + extra)) for l in range(1, spec.depth + 1)]
    b = None if extra else [frac((n[l],)) for l in range(1, spec.depth + 1)]
    X = frac((spec.batch_size, n[0]))
    Y = np.vectorize(lambda v: Fraction(int(v), 10), otypes=[object])(rng.integers(1, 10, size=(spec.batch_size, n[-1])))
    return W, b, X, Y


def to_float(expr):
    """A numeric sympy expression as a float; generic f, g take their numeric stand-ins."""
    while atoms := [a for a in expr.atoms(AppliedUndef) if a.func.__name__ in OPAQUE]:
        expr = expr.xreplace({a: OPAQUE[a.func.__name__].closed(a.args[0], sympy) for a in atoms})
    return float(sympy.N(expr, 30))


@pytest.mark.parametrize("spec", EXACT_SPECS, ids=lambda s: f"{s.activation}-{s.cost}-{s.bias}")
def test_exact_gradients_equal_float_gradients(spec):
    W, b, X, Y = rational_point(spec, np.random.default_rng(5))
    gt = GroundTruth(spec)
    eW, eb = gt.exact_gradients([w.tolist() for w in W], None if b is None else [v.tolist() for v in b],
                                X.tolist(), Y.tolist())
    fl = lambda arrs: [a.astype(float) for a in arrs]  # noqa: E731
    dW, db = gt.gradients(fl(W), None if b is None else fl(b), X.astype(float), Y.astype(float))
    for e, d in zip(eW, dW, strict=True):
        assert e.shape == d.shape
        np.testing.assert_allclose([[to_float(v) for v in row] for row in e.tolist()], d, rtol=1e-12, atol=1e-14)
    if b is None:
        assert eb is None and db is None
    else:
        for e, d in zip(eb, db, strict=True):
            np.testing.assert_allclose([to_float(v) for v in e], d, rtol=1e-12, atol=1e-14)
    assert all(isinstance(v, sympy.Basic) for e in eW for v in e)


def test_exact_gradients_are_rational_for_identity_networks():
    spec = make_spec([2, 2, 1], "identity", "half_sse", batch_size=2, weight_decay=0.5, average="none")
    W, b, X, Y = rational_point(spec, np.random.default_rng(6))
    eW, eb = GroundTruth(spec).exact_gradients([w.tolist() for w in W], [v.tolist() for v in b], X.tolist(), Y.tolist())
    # by hand: J = Σ_k ½|W2 (W1 x + b1) + b2 − y|² + λ/2 (|W1|² + |W2|²)
    Wm = [sympy.Matrix(w.tolist()) for w in W]
    bm = [sympy.Matrix(v.tolist()) for v in b]
    dW1, dW2, db1, db2 = sympy.zeros(2, 2), sympy.zeros(1, 2), sympy.zeros(2, 1), sympy.zeros(1, 1)
    for k in range(2):
        x, y = sympy.Matrix(X[k].tolist()), sympy.Matrix(Y[k].tolist())
        a1 = Wm[0] * x + bm[0]
        r = Wm[1] * a1 + bm[1] - y
        dW2 += r * a1.T
        db2 += r
        dW1 += Wm[1].T * r * x.T
        db1 += Wm[1].T * r
    lam = sympy.Rational(1, 2)
    assert eW[0] == dW1 + lam * Wm[0] and eW[1] == dW2 + lam * Wm[1]
    assert eb[0] == db1 and eb[1] == db2


# -- (f) each convention factor -----------------------------------------------------------------
def exact_difference(a, b, factor):
    """True if gradient dicts satisfy a[p] == factor * b[p] exactly for every parameter (and b is not 0)."""
    return all(symengine.expand(a[p] - factor * b[p]) == 0 and b[p] != 0 for p in b)


def test_average_examples_is_one_over_m_of_the_sum():
    m = 3
    none = GroundTruth(make_spec([2, 2, 1], "sigmoid", "half_sse", batch_size=m, average="none")).gradient
    mean = GroundTruth(make_spec([2, 2, 1], "sigmoid", "half_sse", batch_size=m, average="examples")).gradient
    assert exact_difference(mean, none, symengine.Rational(1, m))
    assert not exact_difference(mean, none, 1)        # dropping 1/m would be caught


def test_average_examples_and_outputs_is_one_over_m_k_of_the_sum():
    m, K = 2, 3
    spec = make_spec([2, 2, K], "tanh", "half_sse", batch_size=m, average="none")
    none = GroundTruth(spec).gradient
    both = GroundTruth(spec.replace(average="examples_and_outputs")).gradient
    mean = GroundTruth(spec.replace(average="examples")).gradient
    assert exact_difference(both, none, symengine.Rational(1, m * K))
    assert exact_difference(both, mean, symengine.Rational(1, K))
    assert not exact_difference(both, mean, 1)        # dropping 1/K would be caught


def test_average_factors_numerically():
    m, K = 2, 3
    spec = make_spec([2, 3, K], "sigmoid", "cross_entropy", batch_size=m, average="none")
    W, b, X, Y = random_point(spec, np.random.default_rng(3))
    g = {avg: GroundTruth(spec.replace(average=avg)).gradients(W, b, X, Y) for avg in AVERAGES}
    for avg, factor in [("examples", 1 / m), ("examples_and_outputs", 1 / (m * K))]:
        assert_close_lists(g[avg][0], [factor * w for w in g["none"][0]], rtol=1e-13)
        assert_close_lists(g[avg][1], [factor * v for v in g["none"][1]], rtol=1e-13)


@pytest.mark.parametrize("decay_biases", [False, True])
@pytest.mark.parametrize("decay_average", [False, True])
def test_weight_decay_adds_lambda_w_symbolically(decay_biases, decay_average):
    m = 2
    spec = make_spec([2, 2, 1], "sigmoid", "half_sse", batch_size=m, average="examples")
    plain = GroundTruth(spec)
    decayed = GroundTruth(spec.replace(weight_decay=0.5, decay_biases=decay_biases, decay_average=decay_average))
    lam = symengine.Symbol("lambda")
    scale = lam / m if decay_average else lam
    net = decayed.net
    for l in net.W:
        for row in net.W[l]:
            for w in row:
                assert symengine.expand(decayed.gradient[w] - plain.gradient[w] - scale * w) == 0
        for v in net.b[l]:
            assert symengine.expand(decayed.gradient[v] - plain.gradient[v] - (scale * v if decay_biases else 0)) == 0


@pytest.mark.parametrize("bias", LAYOUTS)
@pytest.mark.parametrize("decay_biases, decay_average", list(itertools.product([False, True], repeat=2)))
def test_weight_decay_adds_lambda_w_exactly_at_rational_points(bias, decay_biases, decay_average):
    m = 2
    spec = make_spec([2, 2, 1], "tanh", "half_sse", batch_size=m, weight_decay=0.5, bias=bias,
                     decay_biases=decay_biases, decay_average=decay_average)
    W, b, X, Y = rational_point(spec, np.random.default_rng(8))
    args = ([w.tolist() for w in W], None if b is None else [v.tolist() for v in b], X.tolist(), Y.tolist())
    gt, lam = GroundTruth(spec), Fraction(3, 7)
    with_decay, without = gt.exact_gradients(*args, lam=lam), gt.exact_gradients(*args, lam=0)
    scale = sympy.Rational(3, 7) / (m if decay_average else 1)
    for l in range(spec.depth):
        Wm = sympy.Matrix(W[l].tolist())
        diff = sympy.simplify(with_decay[0][l] - without[0][l])
        if bias == "weight0":
            # column 0 holds the bias: decayed only with decay_biases
            expected = scale * Wm
            if not decay_biases:
                expected[:, 0] = sympy.zeros(Wm.rows, 1)
            assert diff == expected
        else:
            assert diff == scale * Wm
            bm = sympy.Matrix(b[l].tolist())
            assert sympy.simplify(with_decay[1][l] - without[1][l]) == (scale * bm if decay_biases else sympy.zeros(*bm.shape))


def test_weight_decay_cost_term_is_half_lambda_sum_of_squares():
    spec = make_spec([2, 3, 2], "sigmoid", "half_sse", batch_size=2, weight_decay=0.4)
    W, b, X, Y = random_point(spec, np.random.default_rng(9))
    gt = GroundTruth(spec)
    term = gt.cost_value(W, b, X, Y) - gt.cost_value(W, b, X, Y, lam=0.0)
    assert term == pytest.approx(0.4 / 2 * sum((w ** 2).sum() for w in W), rel=1e-12)
    biased = GroundTruth(spec.replace(decay_biases=True, decay_average=True))
    term = biased.cost_value(W, b, X, Y) - biased.cost_value(W, b, X, Y, lam=0.0)
    assert term == pytest.approx(0.4 / 2 / 2 * (sum((w ** 2).sum() for w in W) + sum((v ** 2).sum() for v in b)),
                                 rel=1e-12)


# -- bad arguments ------------------------------------------------------------------------------
def test_gradients_reject_wrong_shapes():
    spec = make_spec([2, 3, 1], "sigmoid", "half_sse")
    W, b, X, Y = random_point(spec, np.random.default_rng(0))
    gt = GroundTruth(spec)
    with pytest.raises(ValueError, match="layer 1"):
        gt.gradients([W[0].T, W[1]], b, X, Y)
    with pytest.raises(ValueError, match="X must have shape"):
        gt.gradients(W, b, X.T, Y)
    with pytest.raises(ValueError, match="weight0"):
        GroundTruth(spec.replace(bias="weight0")).gradients(W, b, X, Y)


# -- (g) the per-example numerics against one plain sympy.diff of the whole composed cost ----------
def plain_sympy_gradients(spec, W, b, X, Y):
    """``∂J/∂θ`` by ``sympy.diff`` of the closed-form batch cost J (all m examples composed in one expression)."""
    from symbp import SymbolicNetwork
    net = SymbolicNetwork(spec, "sympy")
    J = net.closed(net.cost)
    values = {net.lam: spec.weight_decay}
    if spec.bias == "weight0":
        b, W = [w[:, 0] for w in W], [w[:, 1:] for w in W]
    for l in range(1, spec.depth + 1):
        values.update({s: W[l - 1][j, i] for j, row in enumerate(net.W[l]) for i, s in enumerate(row)})
        values.update({s: b[l - 1][j] for j, s in enumerate(net.b[l])})
    for k in range(spec.batch_size):
        values.update({s: X[k, i] for i, s in enumerate(net.x[k])})
        values.update({s: Y[k, i] for i, s in enumerate(net.y[k])})
    values = {s: sympy.Float(float(v), 30) for s, v in values.items()}      # a double, exactly, at 30 digits
    grad = {}
    for p in net.params:     # J restricted to the line through the point along θ = p, then d/dp there
        Jp = J.xreplace({s: v for s, v in values.items() if s != p})
        grad[p] = float(sympy.diff(Jp, p).xreplace({p: values[p]}).evalf(30))
    dW = [np.array([[grad[s] for s in row] for row in net.W[l]]) for l in range(1, spec.depth + 1)]
    db = [np.array([grad[s] for s in net.b[l]]) for l in range(1, spec.depth + 1)]
    if spec.bias == "weight0":
        return [np.column_stack([v, w]) for w, v in zip(dW, db)], None
    return dW, db


PLAIN_CASES = [(a, c, (1, 2, 3)[i % 3]) for i, (a, c) in enumerate(itertools.product(HIDDEN, COST_OUTPUT))]


@pytest.mark.parametrize("activation, cost, m", PLAIN_CASES, ids=[f"{a}-{c}-m{m}" for a, c, m in PLAIN_CASES])
def test_per_example_gradients_equal_plain_sympy_diff_of_the_composed_cost(activation, cost, m):
    i = PLAIN_CASES.index((activation, cost, m))
    lam, decay_biases, decay_average = DECAYS[1 + i % 4]                 # always some weight decay
    spec = make_spec([2, 2, 2], activation, cost, batch_size=m, average=AVERAGES[i % 3], weight_decay=lam,
                     decay_biases=decay_biases, decay_average=decay_average, bias=LAYOUTS[i % 2])
    W, b, X, Y = random_point(spec, np.random.default_rng(100 + i))
    dW, db = GroundTruth(spec).gradients(W, b, X, Y)
    pW, pb = plain_sympy_gradients(spec, W, b, X, Y)
    assert_close_lists(dW, pW, rtol=1e-11, atol=1e-13)
    if pb is not None:
        assert_close_lists(db, pb, rtol=1e-11, atol=1e-13)
    if spec.batch_size > 1:           # the comparison tells the batch's sum from one example's share of it
        with pytest.raises(AssertionError):
            assert_close_lists(GroundTruth(spec.replace(batch_size=1)).gradients(W, b, X[:1], Y[:1])[0], pW,
                               rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("backend", ["symengine", "sympy"])
def test_per_example_cost_and_deltas_of_a_batch_equal_the_whole_batch_expression(backend):
    spec = make_spec([2, 3, 2], "tanh", "softmax_cross_entropy", batch_size=3, average="examples",
                     weight_decay=0.3, decay_biases=True, decay_average=True)
    W, b, X, Y = random_point(spec, np.random.default_rng(12))
    gt = GroundTruth(spec, backend)
    rows, _ = gt._pack(W, b, X, Y, None)
    assert gt.cost_value(W, b, X, Y) == pytest.approx(float(gt._full_cost_fn(rows)[0, 0]), rel=1e-13)
    np.testing.assert_allclose(gt._delta_fn(rows), gt._full_delta_fn(rows), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gt._gradient_fn(rows), gt._full_gradient_fn(rows), rtol=1e-12, atol=1e-14)
