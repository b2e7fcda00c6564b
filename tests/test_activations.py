"""The activation table: each derivative identity proven by sympy, each numpy form checked.

The canonical derivative of an activation (``σ' = σ(1 − σ)``, ``softplus' = σ``, ...)
is what every ground-truth gradient is rewritten by, so each identity is a lemma
proven here from the closed forms in ``OPAQUE``; the numpy forms are checked
for overflow safety, against finite differences and against the closed forms.
"""

import warnings

import numpy as np
import pytest
import symengine
import sympy
from sympy.core.function import AppliedUndef

from symbp.model.activations import ACTIVATIONS, DERIVATIVE_OF_OPAQUE, OPAQUE, VECTOR_ACTIVATIONS, np_softmax

ELEMENTWISE = [name for name in ACTIVATIONS if name not in VECTOR_ACTIVATIONS]
SMOOTH = [name for name in ELEMENTWISE if ACTIVATIONS[name].smooth]
NOT_SMOOTH = [name for name in ELEMENTWISE if not ACTIVATIONS[name].smooth]


def closed(expr):
    """``expr`` (sympy) with every opaque function replaced by its closed form."""
    atoms = [a for a in expr.atoms(AppliedUndef) if a.func.__name__ in OPAQUE]
    if not atoms:
        return expr
    mapping = {a: OPAQUE[a.func.__name__].closed(closed(a.args[0]), sympy) for a in atoms}
    return closed(expr.xreplace(mapping))


def test_tables_cover_every_activation():
    # softmax is the only vector activation, and it carries no element-wise forms
    assert ELEMENTWISE and set(ELEMENTWISE) | {"softmax"} == set(ACTIVATIONS)
    for name in ELEMENTWISE:
        act = ACTIVATIONS[name]
        assert act.symbolic and act.derivative and act.numpy and act.numpy_derivative
        assert set(act.opaque) <= set(OPAQUE)


# -- the derivative identities, proven ------------------------------------------------
@pytest.mark.parametrize("name", SMOOTH)
def test_derivative_identity_is_proven_by_sympy(name):
    u = sympy.Symbol("u", real=True)
    act = ACTIVATIONS[name]
    form = closed(act.symbolic(u, sympy))
    identity = closed(act.derivative(u, sympy))
    assert not form.atoms(AppliedUndef) and not identity.atoms(AppliedUndef)
    assert sympy.simplify(sympy.diff(form, u) - identity) == 0


@pytest.mark.parametrize("name", NOT_SMOOTH)
@pytest.mark.parametrize("sign", [1, -1])
def test_derivative_identity_of_non_smooth_activation_holds_away_from_zero(name, sign):
    u = sympy.Symbol("u", real=True)
    p = sympy.Symbol("p", positive=True)
    act = ACTIVATIONS[name]
    derivative = sympy.diff(closed(act.symbolic(u, sympy)), u).subs(u, sign * p)
    identity = closed(act.derivative(u, sympy)).subs(u, sign * p)
    assert sympy.simplify(derivative - identity) == 0
    assert identity == (1 if sign > 0 else 0)     # relu' = H(u): 1 on the right, 0 on the left


@pytest.mark.parametrize("name", sorted(DERIVATIVE_OF_OPAQUE))
def test_rewrite_rule_of_each_opaque_function_is_its_derivative(name):
    # canonical() rewrites d/du name(u) by ACTIVATIONS[DERIVATIVE_OF_OPAQUE[name]].derivative
    u = sympy.Symbol("u", real=True)
    p = sympy.Symbol("p", positive=True)
    rule = closed(ACTIVATIONS[DERIVATIVE_OF_OPAQUE[name]].derivative(u, sympy))
    residual = sympy.diff(OPAQUE[name].closed(u, sympy), u) - rule
    if ACTIVATIONS[DERIVATIVE_OF_OPAQUE[name]].smooth:
        assert sympy.simplify(residual) == 0
    else:
        assert sympy.simplify(residual.subs(u, p)) == 0 and sympy.simplify(residual.subs(u, -p)) == 0


def test_a_wrong_identity_is_not_proven():
    # the proof above can fail: σ' = σ is not an identity
    u = sympy.Symbol("u", real=True)
    sigma = OPAQUE["sigma"].closed(u, sympy)
    assert sympy.simplify(sympy.diff(sigma, u) - sigma) != 0


# -- numpy forms ----------------------------------------------------------------------
EXTREME = np.concatenate([np.linspace(-1e3, 1e3, 2001), [-1e3, -745.2, -709.8, -40.0, -1e-300, 0.0,
                                                          1e-300, 40.0, 709.8, 745.2, 1e3]])


def numpy_forms():
    for name in ELEMENTWISE:
        yield f"{name}", ACTIVATIONS[name].numpy
        yield f"{name}'", ACTIVATIONS[name].numpy_derivative
    for name, op in OPAQUE.items():
        yield f"opaque {name}", op.numpy
    yield "softmax", np_softmax


@pytest.mark.parametrize("label, fn", list(numpy_forms()), ids=[label for label, _ in numpy_forms()])
def test_numpy_form_is_overflow_safe(label, fn):
    # underflow to 0 (σ(−1000) = 5e-435) is the correctly rounded result and numpy's default
    # ignores it; overflow, division by zero and invalid operations must not happen at all
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        out = fn(EXTREME if label != "softmax" else EXTREME.reshape(-1, 2))
    out = np.asarray(out)
    assert out.shape == (EXTREME.shape if label != "softmax" else (EXTREME.size // 2, 2))
    assert np.all(np.isfinite(out))


def test_numpy_softmax_is_a_distribution_at_extreme_inputs():
    z = np.array([[1e3, -1e3, 0.0], [1e3, 1e3, 1e3], [-1e3, -1e3, -1e3 + np.log(2)]])
    a = np_softmax(z)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(a, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [1 / 4, 1 / 4, 1 / 2]], rtol=1e-12)


def away_from_kinks(name, u):
    return u[np.abs(u) > 1e-3] if not ACTIVATIONS[name].smooth else u


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numpy_derivative_matches_finite_difference(name):
    rng = np.random.default_rng(1)
    u = away_from_kinks(name, np.concatenate([rng.uniform(-8, 8, 200), [-30.0, -1.0, 0.5, 3.0, 30.0]]))
    act, h = ACTIVATIONS[name], 1e-6
    fd = (act.numpy(u + h) - act.numpy(u - h)) / (2 * h)
    np.testing.assert_allclose(act.numpy_derivative(u), fd, rtol=1e-6, atol=1e-8)


def test_numpy_softmax_jacobian_matches_finite_difference():
    # ∂a_k/∂z_j = a_k (δ_kj − a_j), the identity the table states for softmax
    rng = np.random.default_rng(2)
    z, h = rng.normal(size=4), 1e-6
    a = np_softmax(z)
    claimed = np.diag(a) - np.outer(a, a)
    fd = np.stack([(np_softmax(z + h * e) - np_softmax(z - h * e)) / (2 * h) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(claimed, fd, rtol=1e-6, atol=1e-9)


def lambdified_closed(name, backend):
    """The closed form of opaque function ``name`` in ``backend``, compiled."""
    if backend == "sympy":
        u = sympy.Symbol("u", real=True)
        return sympy.lambdify(u, OPAQUE[name].closed(u, sympy), modules="numpy")
    u = symengine.Symbol("u")
    fn = symengine.Lambdify([u], [OPAQUE[name].closed(u, symengine)], backend="lambda")
    return lambda v: np.asarray([fn([float(t)])[0] for t in v])


@pytest.mark.parametrize("backend", ["sympy", "symengine"])
@pytest.mark.parametrize("name", sorted(OPAQUE))
def test_numpy_form_equals_lambdified_closed_form(name, backend):
    # the closed forms are what the ground truth lambdifies; the numpy forms are what trainers use.
    # |u| <= 10 keeps the naive closed forms (log(1 + exp(u))) accurate to ~1e-12
    rng = np.random.default_rng(3)
    u = rng.uniform(-10, 10, 50)
    u = u[np.abs(u) > 1e-3]
    np.testing.assert_allclose(lambdified_closed(name, backend)(u), OPAQUE[name].numpy(u), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_numpy_activation_equals_its_symbolic_form(name):
    # the symbolic form (opaque or elementary) and the numpy form describe the same function
    rng = np.random.default_rng(4)
    u = sympy.Symbol("u", real=True)
    act = ACTIVATIONS[name]
    points = away_from_kinks(name, rng.uniform(-10, 10, 50))
    form = sympy.lambdify(u, closed(act.symbolic(u, sympy)), modules="numpy")
    deriv = sympy.lambdify(u, closed(act.derivative(u, sympy)), modules="numpy")
    np.testing.assert_allclose(np.broadcast_to(form(points), points.shape), act.numpy(points), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(np.broadcast_to(deriv(points), points.shape), act.numpy_derivative(points),
                               rtol=1e-10, atol=1e-14)
