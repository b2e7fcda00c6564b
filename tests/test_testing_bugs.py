"""symbp.testing names the classic bugs of backprop code, in the user's layout, at any batch size.

Each bug is a small numpy backprop below (test code, not the oracle), written natively in two layouts:
``ng`` (weights to-from ``W[l]`` of shape ``(n_l, n_{l-1})``, samples in columns, biases ``(n_l, 1)``) and
``tutorial`` (weights from-to ``W[l]`` of shape ``(n_{l-1}, n_l)``, samples in rows).  Every bug must be
named, and the bug-free code must pass (no false alarm), under both layouts and several batch sizes.
"""

import warnings

import numpy as np
import pytest

import symbp.testing as testing
from symbp import NetworkSpec
from symbp.testing import (GradientMismatch, GradientUsageError, SlowSpecWarning, assert_delta_matches,
                           assert_gradients_match, assert_update_matches, check_gradients, random_point, spec_work)

LAM = 0.1
SPEC = NetworkSpec([3, 3, 3, 3], activation="sigmoid", cost="half_sse", average="examples", weight_decay=LAM)
SQUARE = [(3, 3, 3, 3), (2, 2, 2)]          # every wrong-layer / not-transposed bug fits these shapes
ANY = [(2, 3, 1), (3, 4, 2)]                # the bugs that need no square layers
BATCHES = (1, 2, 3)
LAYOUTS = {"ng": {"weight_index": "to_from", "samples": "columns"},
           "tutorial": {"weight_index": "from_to", "samples": "rows"}}


def sig(z):
    return 1 / (1 + np.exp(-z))


def dsig(u):
    return sig(u) * (1 - sig(u))


def _fp(bug, Z, A, l, last):
    """σ′ at z (right), or at a (the bug) in every layer / only in the hidden ones."""
    if bug == "fprime-at-a" or (bug == "fprime-at-a-hidden" and not last):
        return dsig(A[l + 1])
    return dsig(Z[l])


def _decay(bug):
    return {"decay-sign": -LAM, "no-decay": 0.0}.get(bug, LAM)


def ng(W, b, X, Y, bug=None, deltas=False):
    """Weights to-from, samples in columns (Z = W A + b)."""
    m, L = X.shape[1], len(W)
    A, Z = [X], []
    for l in range(L):
        Z.append(W[l] @ A[-1] + b[l])
        A.append(sig(Z[-1]))
    D = [None] * L
    D[-1] = (A[-1] - Y) * _fp(bug, Z, A, L - 1, True)
    for l in range(L - 2, -1, -1):
        M = {"not-transposed": W[l + 1], "wrong-W": W[l].T}.get(bug, W[l + 1].T)
        D[l] = (M @ D[l + 1]) * _fp(bug, Z, A, l, False)
    if deltas:
        return D
    s = 1.0 if bug == "summed" else 1.0 / m
    cols = slice(m - 1, m) if bug == "last-example" else slice(None)
    dW, db = [], []
    for l in range(L):
        d = D[l - 1] if bug == "delta-wrong-layer" else D[l]
        a = A[l + 1] if bug == "input-wrong-layer" else A[l]
        dW.append(s * d[:, cols] @ a[:, cols].T + _decay(bug) * W[l])
        db.append(s * d[:, cols].sum(axis=1, keepdims=True))
    if bug == "nan":
        dW[0][0, 0] = np.nan
    if bug == "shape":
        dW[-1] = dW[-1].T
    return dW, db


def tutorial(W, b, X, Y, bug=None, deltas=False):
    """Weights from-to, samples in rows (Z = A W + b)."""
    m, L = X.shape[0], len(W)
    A, Z = [X], []
    for l in range(L):
        Z.append(A[-1] @ W[l] + b[l])
        A.append(sig(Z[-1]))
    D = [None] * L
    D[-1] = (A[-1] - Y) * _fp(bug, Z, A, L - 1, True)
    for l in range(L - 2, -1, -1):
        M = {"not-transposed": W[l + 1], "wrong-W": W[l].T}.get(bug, W[l + 1].T)
        D[l] = (D[l + 1] @ M) * _fp(bug, Z, A, l, False)
    if deltas:
        return D
    s = 1.0 if bug == "summed" else 1.0 / m
    rows = slice(m - 1, m) if bug == "last-example" else slice(None)
    dW, db = [], []
    for l in range(L):
        d = D[l - 1] if bug == "delta-wrong-layer" else D[l]
        a = A[l + 1] if bug == "input-wrong-layer" else A[l]
        dW.append(s * a[rows].T @ d[rows] + _decay(bug) * W[l])
        db.append(s * d[rows].sum(axis=0))
    if bug == "nan":
        dW[0][0, 0] = np.nan
    if bug == "shape":
        dW[-1] = dW[-1].T
    return dW, db


IMPLEMENTATIONS = {"ng": ng, "tutorial": tutorial}

#: bug switch -> (the diagnosis' bug name, architectures it is tested on)
BUGS = {
    "fprime-at-a": ("fprime-at-a", ANY + SQUARE),
    "fprime-at-a-hidden": ("fprime-at-a", ANY + SQUARE),
    "not-transposed": ("recursion-not-transposed", SQUARE),
    "wrong-W": ("recursion-wrong-layer", SQUARE),
    "delta-wrong-layer": ("delta-wrong-layer", SQUARE),
    "input-wrong-layer": ("input-wrong-layer", SQUARE),
    "summed": ("batch-factor", ANY + SQUARE),
    "last-example": ("one-example", ANY + SQUARE),
    "decay-sign": ("decay-sign", ANY + SQUARE),
    "no-decay": ("no-decay", ANY + SQUARE),
    "nan": ("nan", ANY),
    "shape": ("shape", ANY),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_right_code_passes_in_either_layout_at_any_batch_size(layout):
    fn = IMPLEMENTATIONS[layout]
    assert_gradients_match(fn, SPEC, archs=ANY + SQUARE, batch_sizes=BATCHES, points=2, **LAYOUTS[layout])
    assert_delta_matches(lambda *a: fn(*a, deltas=True), SPEC, archs=ANY + SQUARE, batch_sizes=BATCHES,
                         points=2, **LAYOUTS[layout])
    result = check_gradients(fn, SPEC, archs=ANY, batch_sizes=(5,), **LAYOUTS[layout])
    assert result and result.wrong == [] and "right" in repr(result)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("bug", list(BUGS))
def test_each_classic_bug_is_named(layout, bug):
    fn = IMPLEMENTATIONS[layout]
    name, archs = BUGS[bug]
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: fn(*a, bug=bug), SPEC, archs=archs, batch_sizes=BATCHES, points=2,
                               **LAYOUTS[layout])
    e = info.value
    assert e.diagnosis["bug"] == name, str(e)
    msg = str(e)
    assert "arrays over every point: wrong" in msg and "reproduce: " in msg
    # the failing point is attached, in the user's layout, and the bug shows there again
    assert e.spec is not None and e.seed is not None
    again = random_point(e.spec, e.seed, **LAYOUTS[layout])
    for mine, theirs in zip((e.W, e.b, e.X, e.Y), again):
        if mine is not None:
            assert all(np.array_equal(u, v) for u, v in zip(mine, theirs)) if isinstance(mine, list) \
                else np.array_equal(mine, theirs)
    assert f"seed={e.seed}" in e.reproduce and "random_point(" in e.reproduce
    assert not check_gradients(lambda *a: fn(*a, bug=bug), e.spec, at=[again], **LAYOUTS[layout])


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_wrong_shape_is_named_in_the_users_layout(layout):
    fn = IMPLEMENTATIONS[layout]
    spec = NetworkSpec([2, 3, 1], activation="sigmoid", weight_decay=LAM, batch_size=2)
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: fn(*a, bug="shape"), spec, **LAYOUTS[layout])
    want = (1, 3) if layout == "ng" else (3, 1)            # dW[1] in the user's own layout
    assert f"expected {want}" in str(info.value) or f"expected shape {want}" in str(info.value), str(info.value)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("bug, name", [("fprime-at-a-hidden", "fprime-at-a"), ("not-transposed",
                                        "recursion-not-transposed"), ("wrong-W", "recursion-wrong-layer")])
def test_delta_bugs_are_named_with_the_first_wrong_layer(layout, bug, name):
    fn = IMPLEMENTATIONS[layout]
    with pytest.raises(GradientMismatch) as info:
        assert_delta_matches(lambda *a: fn(*a, bug=bug, deltas=True), SPEC, archs=SQUARE, batch_sizes=(1, 3),
                             **LAYOUTS[layout])
    e = info.value
    assert e.diagnosis["bug"] == name, str(e)
    # the output δ is right, the one below it is the first wrong: the fault is in the step L -> L-1
    assert "first wrong δ: delta[1] (layer 2) is the first wrong going down from the output" in str(e) \
        or "first wrong δ: delta[0] (layer 1)" in str(e), str(e)
    assert "delta[2]" in e.result.right or "delta[1]" in e.result.right


def test_the_batch_factor_is_named_even_when_only_one_batch_size_shows_it():
    # at m = 1 the sum is the mean; only m = 3 is wrong, where the fitted factor is 3 (= m)
    result = check_gradients(lambda *a: tutorial(*a, bug="summed"), SPEC, archs=ANY, batch_sizes=(1, 3),
                             **LAYOUTS["tutorial"])
    assert result.diagnosis["bug"] == "batch-factor", result.diagnosis


def test_fprime_at_a_in_the_output_layer_is_the_output_delta():
    with pytest.raises(GradientMismatch) as info:
        assert_delta_matches(lambda *a: ng(*a, bug="fprime-at-a", deltas=True), SPEC, archs=[(2, 3, 2)],
                             **LAYOUTS["ng"])
    assert info.value.diagnosis["bug"] == "fprime-at-a"
    assert "(the output layer, layer 2) is already wrong" in str(info.value)


def test_update_with_minus_lambda_is_named():
    def step(W, b, X, Y, lr, bug=None):
        dW, db = tutorial(W, b, X, Y, bug=bug)
        return [w - lr * g for w, g in zip(W, dW)], [v - lr * g for v, g in zip(b, db)]
    assert_update_matches(step, SPEC, 0.5, archs=ANY, batch_sizes=(1, 4), **LAYOUTS["tutorial"])
    with pytest.raises(GradientMismatch) as info:
        assert_update_matches(lambda *a: step(*a, bug="decay-sign"), SPEC, 0.5, archs=ANY, **LAYOUTS["tutorial"])
    assert info.value.diagnosis["bug"] == "decay-sign"


# -- the result object, user-supplied points ------------------------------------------------------------
def test_check_gradients_returns_a_result_with_per_array_details():
    right = check_gradients(ng, SPEC, archs=ANY, **LAYOUTS["ng"])
    assert right and bool(right) and right.diagnosis is None and right.message == ""
    assert [a.name for a in right.arrays] == ["dW[0]", "dW[1]", "db[0]", "db[1]"]
    wrong = check_gradients(lambda *a: ng(*a, bug="decay-sign"), SPEC, archs=ANY, **LAYOUTS["ng"])
    assert not wrong and wrong.wrong == ["dW[0]", "dW[1]"] and wrong.right == ["db[0]", "db[1]"]
    assert "WRONG dW[0], dW[1] (decay-sign" in repr(wrong)
    assert wrong.point is not None and wrong.seed is not None and "symbp: gradient mismatch" in wrong.message


def test_user_supplied_points_at_any_batch_size():
    rng = np.random.default_rng(7)
    W = [rng.normal(size=(3, 2)), rng.normal(size=(2, 1))]          # from-to: (n_{l-1}, n_l), sizes [3, 2, 1]
    b = [rng.normal(size=2), rng.normal(size=1)]
    X, Y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 1))        # m = 7, not the spec's batch size
    assert_gradients_match(tutorial, SPEC, at=[(W, b, X, Y)], **LAYOUTS["tutorial"])
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: tutorial(*a, bug="last-example"), SPEC, at=[(W, b, X, Y)],
                               **LAYOUTS["tutorial"])
    e = info.value
    assert e.seed is None and "at[0]" in e.reproduce and e.X.shape == (7, 3)
    with pytest.raises(GradientUsageError, match=r"at\[0\]: the shapes .* in layout weight_index='from_to', "
                                                 r"samples='rows'$"):
        assert_gradients_match(tutorial, SPEC, at=[(W, b, X[:, :2], Y)], **LAYOUTS["tutorial"])


def test_a_bad_layout_name_is_one_line():
    with pytest.raises(ValueError, match="weight_index: 'ij' is not one of"):
        check_gradients(ng, SPEC, weight_index="ij")
    with pytest.raises(ValueError, match="samples: 'cols' is not one of"):
        check_gradients(ng, SPEC, samples="cols")


# -- misuse: a one-line explanation ---------------------------------------------------------------------
@pytest.mark.parametrize("fn, text", [
    (lambda W, b, X, Y: tutorial(W, b, X, Y)[0], "did it return only dW?"),
    (lambda W, b, X, Y: (*tutorial(W, b, X, Y), None), "fn returned 3 values; it must return the pair (dW, db)"),
    (lambda W, b, X, Y: None, "fn returned None"),
    (lambda W, b, X, Y: (tutorial(W, b, X, Y)[0][:1], tutorial(W, b, X, Y)[1]), "dW has 1 arrays, expected 2"),
])
def test_misuse_is_explained_in_one_line(fn, text):
    with pytest.raises(GradientUsageError) as info:
        assert_gradients_match(fn, NetworkSpec([3, 4, 2], batch_size=2), **LAYOUTS["tutorial"])
    assert text in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_nan_is_explained_in_one_line_of_the_diagnosis():
    result = check_gradients(lambda *a: ng(*a, bug="nan"), SPEC, archs=ANY, **LAYOUTS["ng"])
    assert not result and result.diagnosis["kind"] == "nan"
    line = next(t for t in result.message.splitlines() if "diagnosis" in t)
    assert "dW[0] has 1 NaN and 0 inf entries" in line and "overflow" in line


# -- the slow-spec warning, by a work measure -----------------------------------------------------------
def test_a_big_spec_warns_once_by_work_not_by_time(monkeypatch):
    assert spec_work(NetworkSpec([6, 10, 10, 3], batch_size=8)) > testing.SLOW_WORK   # 17 s to build
    assert spec_work(NetworkSpec([3, 4, 2], batch_size=3)) < testing.SLOW_WORK
    spec = NetworkSpec([2, 2, 1], activation="tanh", batch_size=2)
    monkeypatch.setattr(testing, "SLOW_WORK", spec_work(spec) - 1)
    monkeypatch.setattr(testing, "_TRUTHS", {})
    monkeypatch.setattr(testing, "_WARNED", set())
    with pytest.warns(SlowSpecWarning, match=r"more than a few seconds.*archs=\[") as record:
        check_gradients(tutorial, spec, **LAYOUTS["tutorial"])
    assert issubclass(record[0].category, UserWarning)
    monkeypatch.setattr(testing, "_TRUTHS", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowSpecWarning)
        check_gradients(tutorial, spec, **LAYOUTS["tutorial"])          # once per spec


def test_a_bug_outside_the_list_is_not_given_a_classic_name():
    def no_fprime(W, b, X, Y):             # σ′ left out of the hidden recursion: none of the classic bugs
        dW, db = tutorial(W, b, X, Y)
        D = tutorial(W, b, X, Y, deltas=True)
        D[0] = D[1] @ W[1].T               # [3, 3, 3, 3]-only shapes are not needed: two layers
        A0 = X
        dW[0] = A0.T @ D[0] / X.shape[0] + LAM * W[0]
        db[0] = D[0].sum(axis=0) / X.shape[0]
        return dW, db
    result = check_gradients(no_fprime, SPEC, archs=ANY, batch_sizes=(2, 3), **LAYOUTS["tutorial"])
    assert not result and result.diagnosis["bug"] is None, result.diagnosis


def test_the_readme_example_output_is_the_real_output():
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## symbp in your test suite"):]
    shown = section[section.index("```\nsymbp: gradient mismatch") + 4:]
    shown = shown[:shown.index("```")].rstrip("\n").splitlines()
    spec = NetworkSpec([3, 4, 4, 2], activation="sigmoid", weight_decay=0.1, batch_size=4)
    result = check_gradients(lambda *a: ng(*a, bug="fprime-at-a-hidden"), spec, samples="columns",
                             batch_sizes=(1, 4))
    real = result.message.splitlines()
    assert shown[:-1] == real[:-1]
    head, tail = shown[-1].split("...")
    assert real[-1].startswith(head) and real[-1].endswith(tail)


def test_weight0_bias_in_the_from_to_layout_is_row_0():
    spec = NetworkSpec([2, 3, 1], activation="sigmoid", bias="weight0", weight_decay=LAM, batch_size=2)

    def grads(W, b, X, Y, bug=None):
        assert b is None and W[0].shape[0] == 1 + X.shape[1]          # (1 + n_0, n_1): row 0 is the bias
        dW, db = tutorial([w[1:] for w in W], [w[0] for w in W], X, Y, bug=bug)
        return [np.vstack([v, g]) for g, v in zip(dW, db)], None     # decay_biases=False: row 0 undecayed
    assert_gradients_match(grads, spec, batch_sizes=(1, 3), **LAYOUTS["tutorial"])
    with pytest.raises(GradientMismatch) as info:
        assert_gradients_match(lambda *a: grads(*a, bug="fprime-at-a-hidden"), spec, archs=[(2, 3, 1), (3, 2, 2)],
                               batch_sizes=(1, 3), **LAYOUTS["tutorial"])
    assert info.value.diagnosis["bug"] == "fprime-at-a", str(info.value)
    with pytest.raises(GradientMismatch) as info:       # the bias row decayed too: measured, and named
        assert_gradients_match(lambda *a: [[g + LAM * np.vstack([w[:1], 0 * w[1:]]) for g, w in
                                            zip(grads(*a)[0], a[0])], None], spec, **LAYOUTS["tutorial"])
    assert "holds with decay_biases=True" in str(info.value)


# -- property: on any small spec, right code passes and a classic bug is never given another bug's name --------
from hypothesis import HealthCheck, assume, given, settings   # noqa: E402

from symbp.code_bugs import backprop, code_bugs   # noqa: E402
from symbp.strategies import specs   # noqa: E402


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(specs(activations=("sigmoid", "tanh", "softplus", "identity"),
             costs=("half_sse", "sse", "mse", "cross_entropy", "softmax_cross_entropy"), max_width=3))
def test_any_spec_no_false_alarm_and_no_wrong_name(spec):
    assume(not spec.decay_biases)
    assert check_gradients(backprop(spec), spec, batch_sizes=(1, 3), points=2)
    for name, fn in code_bugs(spec.replace(batch_size=3)):
        try:
            result = check_gradients(fn, spec, batch_sizes=(1, 3), points=2)
        except (ValueError, IndexError):      # numpy refuses the bug on these shapes: nothing to name
            continue
        # named right; or, where the bug's shapes do not fit, a wrong shape or no single fault: never another bug
        assert result or result.diagnosis["bug"] in (name, "shape", None), (name, result.diagnosis, spec)
