"""A 2-2-1 sigmoid network with half squared error, worked by hand.

No helpers and no loops: every number is written out and every derivative is
the chain rule spelled out line by line, so a bug in the test helpers or in
symbp's tables cannot make this file pass.  m = 1, sum convention
(average="none"), no weight decay; W[l] has shape (n_l, n_{l-1}).
"""

import math

import numpy as np

from symbp import GroundTruth, NetworkSpec

W1 = np.array([[0.15, -0.25],
               [0.35, 0.45]])
b1 = np.array([0.1, -0.2])
W2 = np.array([[0.6, -0.7]])
b2 = np.array([0.05])
x = np.array([0.5, -1.5])
y = np.array([0.8])

SPEC = NetworkSpec([2, 2, 1], activation="sigmoid", cost="half_sse", average="none", batch_size=1)


def test_gradient_by_hand():
    # forward pass
    z1_0 = 0.15 * 0.5 + (-0.25) * (-1.5) + 0.1       # = 0.55
    z1_1 = 0.35 * 0.5 + 0.45 * (-1.5) + (-0.2)       # = -0.7
    a1_0 = 1 / (1 + math.exp(-z1_0))
    a1_1 = 1 / (1 + math.exp(-z1_1))
    z2_0 = 0.6 * a1_0 + (-0.7) * a1_1 + 0.05
    a2_0 = 1 / (1 + math.exp(-z2_0))
    # C = ½ (a2_0 − y)²; chain rule backwards
    dC_da2 = a2_0 - 0.8
    delta2 = dC_da2 * a2_0 * (1 - a2_0)                # σ' = σ(1 − σ)
    dW2_00 = delta2 * a1_0
    dW2_01 = delta2 * a1_1
    db2_0 = delta2
    delta1_0 = 0.6 * delta2 * a1_0 * (1 - a1_0)
    delta1_1 = -0.7 * delta2 * a1_1 * (1 - a1_1)
    dW1_00 = delta1_0 * 0.5
    dW1_01 = delta1_0 * (-1.5)
    dW1_10 = delta1_1 * 0.5
    dW1_11 = delta1_1 * (-1.5)
    db1_0 = delta1_0
    db1_1 = delta1_1

    dW, db = GroundTruth(SPEC).gradients([W1, W2], [b1, b2], X=x.reshape(1, 2), Y=y.reshape(1, 1))

    np.testing.assert_allclose(dW[0], [[dW1_00, dW1_01], [dW1_10, dW1_11]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(dW[1], [[dW2_00, dW2_01]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(db[0], [db1_0, db1_1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(db[1], [db2_0], rtol=0, atol=1e-12)
    assert dW[0].shape == (2, 2) and dW[1].shape == (1, 2) and db[0].shape == (2,) and db[1].shape == (1,)


def test_deltas_and_cost_by_hand():
    z1_0 = 0.15 * 0.5 + (-0.25) * (-1.5) + 0.1
    z1_1 = 0.35 * 0.5 + 0.45 * (-1.5) + (-0.2)
    a1_0 = 1 / (1 + math.exp(-z1_0))
    a1_1 = 1 / (1 + math.exp(-z1_1))
    z2_0 = 0.6 * a1_0 + (-0.7) * a1_1 + 0.05
    a2_0 = 1 / (1 + math.exp(-z2_0))
    cost = 0.5 * (a2_0 - 0.8) ** 2
    delta2 = (a2_0 - 0.8) * a2_0 * (1 - a2_0)
    delta1_0 = 0.6 * delta2 * a1_0 * (1 - a1_0)
    delta1_1 = -0.7 * delta2 * a1_1 * (1 - a1_1)

    gt = GroundTruth(SPEC)
    deltas = gt.deltas([W1, W2], [b1, b2], X=x.reshape(1, 2), Y=y.reshape(1, 1))

    np.testing.assert_allclose(deltas[0], [[delta1_0, delta1_1]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(deltas[1], [[delta2]], rtol=0, atol=1e-12)
    assert abs(gt.cost_value([W1, W2], [b1, b2], X=x.reshape(1, 2), Y=y.reshape(1, 1)) - cost) < 1e-12
