"""A user's test file: their numpy backprop held against symbp's ground truth.

Runs as part of symbp's own suite (the pytest plugin is registered by installing symbp)
and is shown in the README ("symbp in your test suite").
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.strategies import data

from symbp import GroundTruth, NetworkSpec
from symbp.strategies import parameters, specs
from symbp.testing import assert_delta_matches, assert_gradients_match, assert_update_matches

ACT = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "identity": lambda z: z}
DACT = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a * a, "identity": np.ones_like}


def make_backprop(spec):
    """The code under test: δ, ∂J/∂W and ∂J/∂b for half-squared-error, rows are examples."""
    f, fp = ACT[spec.activation], DACT[spec.activation]
    fo, fpo = ACT[spec.output_activation], DACT[spec.output_activation]
    scale = {"none": lambda m, K: 1.0, "examples": lambda m, K: 1.0 / m,
             "examples_and_outputs": lambda m, K: 1.0 / (m * K)}[spec.average]

    def deltas(W, b, X, Y):
        A = [X]
        for l, (w, v) in enumerate(zip(W, b)):
            A.append((fo if l == len(W) - 1 else f)(A[-1] @ w.T + v))
        D = [(A[-1] - Y) * fpo(A[-1])]
        for l in range(len(W) - 1, 0, -1):
            D.insert(0, (D[0] @ W[l]) * fp(A[l]))
        return D, A

    def gradients(W, b, X, Y):
        D, A = deltas(W, b, X, Y)
        s = scale(*Y.shape)
        dW = [s * d.T @ a + spec.weight_decay * w for d, a, w in zip(D, A, W)]
        return dW, [s * d.sum(axis=0) for d in D]

    return gradients, (lambda *args: deltas(*args)[0])


# 1. the plugin's fixture sweeps specs; the marker picks the fields
@pytest.mark.symbp(activation=["sigmoid", "tanh"], cost="half_sse", average=["none", "examples"],
                   weight_decay=[0.0, 0.1], sizes=(3, 4, 2), batch_size=3)
def test_gradients(symbp_spec, symbp_backend, symbp_archs):
    gradients, deltas = make_backprop(symbp_spec)
    assert_gradients_match(gradients, symbp_spec, archs=symbp_archs, backend=symbp_backend)
    assert_delta_matches(deltas, symbp_spec, archs=symbp_archs, backend=symbp_backend)


# 2. one training step
def test_update():
    spec = NetworkSpec([2, 3, 1], activation="tanh", output_activation="identity", batch_size=4)
    gradients, _ = make_backprop(spec)

    def step(W, b, X, Y, lr):
        dW, db = gradients(W, b, X, Y)
        return [w - lr * g for w, g in zip(W, dW)], [v - lr * g for v, g in zip(b, db)]
    assert_update_matches(step, spec, lr=0.1, archs=[((2, 3, 1), 4), ((3, 2, 2, 1), 2)])


# 3. a bug is caught and named: here the 1/m is forgotten
def test_a_forgotten_average_is_diagnosed():
    spec = NetworkSpec([3, 4, 2], activation="sigmoid", average="examples", batch_size=3)
    gradients, _ = make_backprop(spec.replace(average="none"))
    with pytest.raises(AssertionError, match=r"diagnosis: factor \[m\].*holds with average='none'"):
        assert_gradients_match(gradients, spec, archs=[((3, 4, 2), 3), ((2, 3, 1), 2)])


# 4. property-based: any half-squared-error spec, any moderate point
@settings(max_examples=10, deadline=None)
@given(data())
def test_gradients_hold_for_any_spec(data):
    spec = data.draw(specs(activations=("sigmoid", "tanh", "identity"), costs=("half_sse",), max_depth=2,
                           max_width=3, weight_decay=False))
    W, b, X, Y = data.draw(parameters(spec))
    gradients, _ = make_backprop(spec)
    dW, db = gradients(W, b, X, Y)
    want_dW, want_db = GroundTruth(spec).gradients(W, b, X, Y)
    for got, want in zip(dW + db, want_dW + want_db):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
