"""symbp.testing: a correct backprop passes; each single fault raises with the right diagnosis."""

import numpy as np
import pytest

from symbp import NetworkSpec
from symbp.testing import GradientMismatch, assert_delta_matches, assert_gradients_match, assert_update_matches

SPEC = NetworkSpec([3, 4, 2], activation="sigmoid", cost="half_sse", average="examples",
                   weight_decay=0.1, batch_size=3)
ARCHS = [((3, 4, 2), 3), ((2, 3, 1), 1), ((2, 3, 4, 2), 2)]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def backprop(W, b, X, Y, *, sign=1.0, scale=None, decay=True, transpose=False, layer=False, bias=True,
             deriv=True):
    """A plain numpy backprop (rows are examples), with switches for single faults."""
    m, L = X.shape[0], len(W)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ W[l].T + (b[l] if bias else 0))
        A.append(sigmoid(Z[-1]))
    dp = (lambda a: a * (1 - a)) if deriv else (lambda a: a)
    D = [None] * L
    D[-1] = (A[-1] - Y) * dp(A[-1])
    for l in range(L - 2, -1, -1):
        D[l] = (D[l + 1] @ W[l + 1]) * dp(A[l + 1])
    s = 1 / m if scale is None else scale(m)
    dW = [sign * s * (D[l].T @ A[l + 1 if layer and l + 1 < L and A[l + 1].shape == A[l].shape else l])
          + (0.1 * W[l] if decay else 0) for l in range(L)]
    if transpose:
        dW = [w.T for w in dW]
    db = [sign * s * D[l].sum(axis=0) for l in range(L)]
    return dW, db


def deltas(W, b, X, Y, **faults):
    L = len(W)
    A = [X]
    for l in range(L):
        A.append(sigmoid(A[-1] @ W[l].T + b[l]))
    D = [None] * L
    D[-1] = (A[-1] - Y) * A[-1] * (1 - A[-1])
    for l in range(L - 2, -1, -1):
        D[l] = (D[l + 1] @ W[l + 1]) * A[l + 1] * (1 - A[l + 1])
    return [faults.get("factor", lambda m: 1)(X.shape[0]) * d for d in D]


def test_a_correct_backprop_passes_on_every_architecture():
    assert_gradients_match(backprop, SPEC, archs=ARCHS)
    assert_gradients_match(backprop, SPEC, archs=["3,4,2:3", "2,2,2"])
    assert_delta_matches(deltas, SPEC, archs=ARCHS)


FAULTS = {  # name: (keyword arguments of backprop, diagnosis kind, text in the message)
    "sign": ({"sign": -1.0}, "sign", "negative of the truth"),
    "summed, not averaged": ({"scale": lambda m: 1.0}, "factor", "holds with average='none'"),
    "factor 2": ({"scale": lambda m: 2.0 / m}, "factor", "2 × the truth in the cost term"),
    "transposed": ({"transpose": True}, "transpose", "transposed"),
    "no weight decay": ({"decay": False}, "missing-term", "weight-decay term is missing"),
    "no bias": ({"bias": False}, "missing-term", "without biases"),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_fault_raises_naming_the_entry_and_the_diagnosis(name):
    kw, kind, text = FAULTS[name]
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: backprop(*a, **kw), SPEC, archs=ARCHS)
    e = info.value
    assert isinstance(e, AssertionError)
    assert e.diagnosis["kind"] == kind, str(e)
    msg = str(e)
    assert text in msg and "expected" in msg and "diagnosis" in msg
    if e.where["entry"] is not None:
        assert "relative error" in msg and "row" in msg


def test_a_constant_factor_is_fitted_against_the_sizes():
    spec = SPEC.replace(weight_decay=0.0)
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: backprop(*a, scale=lambda m: 2.0 / m, decay=False), spec, archs=ARCHS)
    assert info.value.diagnosis["kind"] == "factor" and info.value.diagnosis["factor"] == "2"
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: backprop(*a, scale=lambda m: 1.0 / m ** 2, decay=False), spec, archs=ARCHS)
    assert info.value.diagnosis["factor"] == "1/m"


def test_wrong_layer_is_named():
    spec = NetworkSpec([3, 3, 3, 2], activation="sigmoid", batch_size=2)

    def wrong(W, b, X, Y):                    # dW[0] computed with the gradient of layer 2
        dW, db = backprop(W, b, X, Y, decay=False)
        return [dW[1], dW[1], dW[2]], db
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(wrong, spec)
    assert info.value.diagnosis["kind"] == "layer" and "dW[1]" in info.value.diagnosis["detail"]


def test_square_transpose_and_permutation_are_found_by_value():
    spec = NetworkSpec([3, 3], activation="sigmoid", batch_size=2)
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: backprop(*a, decay=False, transpose=True), spec)
    assert info.value.diagnosis["kind"] == "transpose"

    def reshaped(W, b, X, Y):
        dW, db = backprop(W, b, X, Y, decay=False)
        return [w.T.reshape(w.shape) for w in dW], db
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(reshaped, NetworkSpec([2, 3], activation="sigmoid"))
    assert info.value.diagnosis["kind"] == "transpose", str(info.value)


def test_delta_factor_and_update_sign():
    with pytest.raises(GradientMismatch) as info:
        assert_delta_matches(lambda *a: deltas(*a, factor=lambda m: 1 / m), SPEC, archs=ARCHS)
    assert info.value.diagnosis["factor"] == "1/m", str(info.value)

    def step(W, b, X, Y, lr, sign=1.0):
        dW, db = backprop(W, b, X, Y)
        return [w - sign * lr * g for w, g in zip(W, dW)], [v - sign * lr * g for v, g in zip(b, db)]
    assert_update_matches(step, SPEC, lr=0.5, archs=ARCHS)
    with pytest.raises(GradientMismatch) as info:
        assert_update_matches(lambda *a: step(*a, sign=-1.0), SPEC, lr=0.5)
    assert info.value.diagnosis["kind"] == "sign"


def test_user_code_does_not_see_shared_arrays():
    seen = []

    def mutating(W, b, X, Y):
        out = backprop(W, b, X, Y)
        W[0][...] = 0.0      # scribbling on the inputs must not change the truth it is held against
        seen.append(1)
        return out
    assert_gradients_match(mutating, SPEC)
    assert seen


def test_weight0_layout_and_bad_shapes():
    spec = NetworkSpec([2, 3, 1], activation="sigmoid", bias="weight0", batch_size=2)

    def grads(W, b, X, Y):
        assert b is None
        dW, db = backprop([w[:, 1:] for w in W], [w[:, 0] for w in W], X, Y, decay=False)
        return [np.column_stack([v, w]) for w, v in zip(dW, db)], None
    assert_gradients_match(grads, spec)
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: ([g[:, 1:] for g in grads(*a)[0]], None), spec)
    assert info.value.diagnosis["kind"] == "shape"
