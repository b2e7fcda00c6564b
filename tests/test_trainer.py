"""The numpy Trainer against the CAS ground truth, and its training behaviour.

(a) ``Trainer.gradients`` equals ``GroundTruth.gradients`` (relative error ≤ 1e-10)
for every activation × cost × convention × bias layout on a fixed net, and over
random architectures drawn by hypothesis; (b) ``Trainer.loss`` equals the ground
truth's J; (c) one ``.step`` is ``θ − lr·∂J/∂θ`` of the ground truth, and weight
decay reaches b only with ``decay_biases``; (d) training on XOR reduces the loss;
(e) seeded initialisation; (f) the in-place kernels equal the activation table and
do not overflow; (g) the trainer imports no oracle code.
"""

import ast
import itertools
import pathlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp import GroundTruth, NetworkSpec, Trainer
from symbp.model.activations import ACTIVATIONS
from symbp.train.trainer import KERNELS, kernel

HIDDEN = ["f", "g", "sigmoid", "tanh", "identity", "relu", "softplus"]
#: cost -> output activations it is run with
OUTPUTS = {"half_sse": [None, "identity", "tanh"], "cross_entropy": ["sigmoid", "f", "g"],
           "softmax_cross_entropy": ["softmax"]}
AVERAGES = ["none", "examples", "examples_and_outputs"]
#: (weight_decay, decay_biases, decay_average)
DECAYS = [(0.0, False, False), (0.3, False, False), (0.3, True, False), (0.3, False, True), (0.3, True, True)]
LAYOUTS = ["vector", "weight0"]
TOL = 1e-10

_GT = {}


def ground_truth(spec):
    """GroundTruth built once per spec (it is built symbolically)."""
    if spec not in _GT:
        _GT[spec] = GroundTruth(spec)
    return _GT[spec]


def rel_error(got, want):
    """max |got − want| / max |want| over every array of a (dW, db) pair."""
    got = np.concatenate([np.ravel(a) for part in got if part is not None for a in part])
    want = np.concatenate([np.ravel(a) for part in want if part is not None for a in part])
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-300))


def random_point(spec, rng):
    """Parameters (scale 0.7, so that the nonlinearities matter) and a batch valid for the cost."""
    n, K, m = spec.sizes, spec.n_outputs, spec.batch_size
    extra = 1 if spec.bias == "weight0" else 0
    W = [rng.normal(scale=0.7, size=(n[l], n[l - 1] + extra)) for l in range(1, spec.depth + 1)]
    b = None if extra else [rng.normal(scale=0.7, size=n[l]) for l in range(1, spec.depth + 1)]
    X = rng.normal(size=(m, n[0]))
    Y = {"half_sse": lambda: rng.normal(size=(m, K)),
         "cross_entropy": lambda: rng.uniform(0.05, 0.95, size=(m, K)),
         "softmax_cross_entropy": lambda: rng.uniform(0.0, 1.0, size=(m, K))}[spec.cost]()
    return W, b, X, Y


def trainer_at(spec, W, b, **kw):
    t = Trainer(spec, seed=0, **kw)
    t.params = (W, b)
    return t


# -- (a) gradients: every activation × cost × convention × layout -------------------------
CONVENTIONS = list(itertools.product(AVERAGES, DECAYS, LAYOUTS))          # 30
COMBOS = [(act, cost, out) for act in HIDDEN for cost in OUTPUTS for out in OUTPUTS[cost]]  # 49
#: every activation × cost × output pair, each under 5 conventions, rotating through all 30
CASES = [combo + CONVENTIONS[(5 * i + j) % len(CONVENTIONS)] for i, combo in enumerate(COMBOS) for j in range(5)]


def case_id(case):
    act, cost, out, avg, (lam, decay_biases, decay_average), bias = case
    return f"{act}-{cost}-{out}-{avg}-lam{lam}{'-decay_b' if decay_biases else ''}" \
           f"{'-decay_avg' if decay_average else ''}-{bias}"


@pytest.mark.parametrize("act,cost,out,avg,decay,bias", CASES, ids=[case_id(c) for c in CASES])
def test_gradients_equal_ground_truth(act, cost, out, avg, decay, bias):
    lam, decay_biases, decay_average = decay
    spec = NetworkSpec([2, 3, 2], activation=act, output_activation=out, cost=cost, average=avg,
                       weight_decay=lam, decay_biases=decay_biases, decay_average=decay_average,
                       batch_size=3, bias=bias)
    W, b, X, Y = random_point(spec, np.random.default_rng(hash((act, cost, out)) % 2**32))
    got = trainer_at(spec, W, b).gradients(X, Y)
    want = ground_truth(spec).gradients(W, b, X, Y)
    assert (got[1] is None) == (bias == "weight0")
    assert [g.shape for g in got[0]] == [w.shape for w in want[0]]
    assert rel_error(got, want) <= TOL


def test_every_convention_and_activation_is_covered():
    assert {c[0] for c in CASES} == {a for a in ACTIVATIONS if a != "softmax"}
    assert {c[3] for c in CASES} == set(AVERAGES)
    assert {c[4] for c in CASES} == set(DECAYS) and {c[5] for c in CASES} == set(LAYOUTS)
    assert {c[3:] for c in CASES} == set(CONVENTIONS)
    assert {c[:3] for c in CASES} == set(COMBOS)


@st.composite
def specs(draw):
    cost = draw(st.sampled_from(list(OUTPUTS)))
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    if cost == "softmax_cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    lam = draw(st.sampled_from([0.0, 0.25]))
    return NetworkSpec(sizes, activation=draw(st.sampled_from(HIDDEN)),
                       output_activation=draw(st.sampled_from(OUTPUTS[cost])), cost=cost,
                       average=draw(st.sampled_from(AVERAGES)), weight_decay=lam,
                       decay_biases=draw(st.booleans()), decay_average=draw(st.booleans()),
                       batch_size=draw(st.integers(1, 3)), bias=draw(st.sampled_from(LAYOUTS)))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=specs(), seed=st.integers(0, 2**16))
def test_gradients_equal_ground_truth_random_architectures(spec, seed):
    W, b, X, Y = random_point(spec, np.random.default_rng(seed))
    assert rel_error(trainer_at(spec, W, b).gradients(X, Y), ground_truth(spec).gradients(W, b, X, Y)) <= TOL


def test_comparison_catches_a_wrong_gradient():
    """The check can fail: a gradient off by a factor, or missing λ, is far above the tolerance."""
    spec = NetworkSpec([2, 3, 1], weight_decay=0.3, batch_size=2)
    W, b, X, Y = random_point(spec, np.random.default_rng(0))
    want = ground_truth(spec).gradients(W, b, X, Y)
    dW, db = trainer_at(spec, W, b).gradients(X, Y)
    assert rel_error(([2 * w for w in dW], db), want) > 1e-3
    no_decay = trainer_at(spec.replace(weight_decay=0.0), W, b).gradients(X, Y)
    assert rel_error(no_decay, want) > 1e-3


# -- (b) loss -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cost,out", [(c, o) for c in OUTPUTS for o in OUTPUTS[c][:2]])
@pytest.mark.parametrize("decay", DECAYS[1:4:2])
def test_loss_equals_ground_truth_cost(cost, out, decay):
    lam, decay_biases, decay_average = decay
    spec = NetworkSpec([3, 2, 2], activation="tanh", output_activation=out, cost=cost,
                       weight_decay=lam, decay_biases=decay_biases, decay_average=decay_average, batch_size=3)
    W, b, X, Y = random_point(spec, np.random.default_rng(7))
    if cost == "cross_entropy" and out != "sigmoid":
        Y = np.clip(Y, 0.0, 1.0)
    want = ground_truth(spec).cost_value(W, b, X, Y)
    got = trainer_at(spec, W, b).loss(X, Y)
    if np.isfinite(want):
        assert got == pytest.approx(want, rel=1e-12)


def test_cross_entropy_is_stable_where_the_output_saturates():
    """σ(z) rounds to 1 at z = 40, but J and δ = a − y stay finite and exact."""
    spec = NetworkSpec([1, 1], cost="cross_entropy", average="none")
    t = trainer_at(spec, [np.array([[1.0]])], [np.array([0.0])])
    X, Y = np.array([[40.0], [-800.0]]), np.array([[0.0], [1.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert t.loss(X, Y) == pytest.approx(40.0 + 800.0)
        dW, db = t.gradients(X, Y)
    assert float(db[0][0]) == pytest.approx(1.0 - 1.0)      # (σ(40) − 0) + (σ(−800) − 1)
    assert float(dW[0][0, 0]) == pytest.approx(40.0 + 800.0)


# -- (c) one step ---------------------------------------------------------------------------------
@pytest.mark.parametrize("decay_biases", [False, True])
@pytest.mark.parametrize("bias", LAYOUTS)
def test_step_is_gradient_descent_on_ground_truth(decay_biases, bias):
    spec = NetworkSpec([3, 4, 2], activation="sigmoid", weight_decay=0.2, decay_biases=decay_biases,
                       batch_size=4, bias=bias)
    W, b, X, Y = random_point(spec, np.random.default_rng(3))
    dW, db = ground_truth(spec).gradients(W, b, X, Y)
    t = trainer_at(spec, W, b)
    t.step(X, Y, lr=0.3)
    W1, b1 = t.params
    for w1, w, d in zip(W1, W, dW):
        np.testing.assert_allclose(w1, w - 0.3 * d, rtol=1e-12, atol=1e-14)
    if bias == "vector":
        for v1, v, d in zip(b1, b, db):
            np.testing.assert_allclose(v1, v - 0.3 * d, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("decay_biases", [False, True])
def test_weight_decay_shrinks_w_and_b_only_with_decay_biases(decay_biases):
    """Step with λ minus step without λ is −lr·λ·W for W, and −lr·λ·b only with decay_biases."""
    lam, lr = 0.5, 0.1
    spec = NetworkSpec([2, 3, 1], weight_decay=lam, decay_biases=decay_biases, batch_size=2)
    W, b, X, Y = random_point(spec, np.random.default_rng(5))
    with_decay, without = trainer_at(spec, W, b), trainer_at(spec.replace(weight_decay=0.0), W, b)
    with_decay.step(X, Y, lr)
    without.step(X, Y, lr)
    (Wd, bd), (Wn, bn) = with_decay.params, without.params
    for wd, wn, w in zip(Wd, Wn, W):
        np.testing.assert_allclose(wd - wn, -lr * lam * w, atol=1e-15)
    for vd, vn, v in zip(bd, bn, b):
        np.testing.assert_allclose(vd - vn, -lr * lam * v if decay_biases else 0.0, atol=1e-15)


def test_gradient_function_can_be_passed_in():
    """A gradient function (here the ground truth itself) replaces back-propagation in step and fit."""
    spec = NetworkSpec([2, 3, 1], weight_decay=0.1, batch_size=4)
    gt = ground_truth(spec)
    calls = []

    def rule(W, b, X, Y):
        calls.append(1)
        return gt.gradients(W, b, X, Y)

    own, ruled = Trainer(spec, seed=1, epsilon=0.5), Trainer(spec, seed=1, epsilon=0.5, gradient=rule)
    X, Y = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]), np.array([[0.], [1.], [1.], [0.]])
    assert own.fit(X, Y, lr=1.0, epochs=5) == pytest.approx(ruled.fit(X, Y, lr=1.0, epochs=5), rel=1e-10)
    assert len(calls) == 5
    for a, c in zip(own.params[0], ruled.params[0]):
        np.testing.assert_allclose(a, c, rtol=1e-10)


def test_momentum_is_classical_momentum():
    spec = NetworkSpec([1, 1], activation="identity", average="none")
    t = trainer_at(spec, [np.array([[0.0]])], [np.array([0.0])])
    t.fit([[1.0]], [[1.0]], lr=0.1, epochs=2, momentum=0.5)
    # g1 = −1: v1 = 0.1, θ1 = 0.1;  g2 = 2·0.1 − 1 = −0.8: v2 = 0.05 + 0.08 = 0.13, θ2 = 0.23
    assert float(t.params[0][0][0, 0]) == pytest.approx(0.23)
    assert float(t.params[1][0][0]) == pytest.approx(0.23)


# -- (d) training ---------------------------------------------------------------------------------
XOR_X = np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
XOR_Y = np.array([[0.], [1.], [1.], [0.]])


@pytest.mark.parametrize("cost", ["half_sse", "cross_entropy"])
def test_fit_on_xor_reduces_the_loss_and_separates(cost):
    t = Trainer(NetworkSpec([2, 4, 1], cost=cost), seed=0, epsilon=0.5)
    history = t.fit(XOR_X, XOR_Y, lr=2.0, epochs=2000)
    assert len(history) == 2000 and history[-1] < 0.05 * history[0]
    assert ((t.predict(XOR_X) > 0.5) == (XOR_Y > 0.5)).all()


def test_fit_mini_batches_and_callback():
    t = Trainer(NetworkSpec([2, 4, 2], cost="softmax_cross_entropy"), seed=0, epsilon=0.5)
    Y = np.eye(2)[XOR_Y[:, 0].astype(int)]
    seen = []
    history = t.fit(XOR_X, Y, lr=0.5, epochs=400, batch_size=3, momentum=0.9,
                    callback=lambda epoch, loss: seen.append(loss) or epoch == 299)
    assert len(history) == 300 and seen == history
    assert t.loss(XOR_X, Y) < 0.1 * history[0]


def test_fit_full_batch_history_is_the_loss_before_each_step():
    spec = NetworkSpec([2, 3, 1], weight_decay=0.01)
    a, b = Trainer(spec, seed=4, epsilon=0.3), Trainer(spec, seed=4, epsilon=0.3)
    history = a.fit(XOR_X, XOR_Y, lr=0.5, epochs=3)
    for h in history:
        assert h == pytest.approx(b.loss(XOR_X, XOR_Y), rel=1e-12)
        b.step(XOR_X, XOR_Y, lr=0.5)


# -- (e) initialisation ---------------------------------------------------------------------------
def test_seeded_initialisation_is_reproducible():
    spec = NetworkSpec([5, 7, 3])
    (W1, b1), (W2, b2) = Trainer(spec, seed=11).params, Trainer(spec, seed=11).params
    for x, y in zip(W1 + b1, W2 + b2):
        np.testing.assert_array_equal(x, y)
    W3, _ = Trainer(spec, seed=12).params
    assert not np.array_equal(W1[0], W3[0])


def test_initialisation_is_normal_with_epsilon_and_same_in_both_layouts():
    spec = NetworkSpec([200, 100, 10])
    W, b = Trainer(spec, seed=0).params
    values = np.concatenate([w.ravel() for w in W] + list(b))
    assert abs(values.std() - 0.01) < 0.0005 and abs(values.mean()) < 0.0005
    assert Trainer(spec, seed=0, epsilon=0.5).params[0][0].std() == pytest.approx(0.5, rel=0.05)
    Wf, none = Trainer(spec.replace(bias="weight0"), seed=0).params
    assert none is None
    for wf, w, v in zip(Wf, W, b):
        np.testing.assert_array_equal(wf, np.column_stack([v, w]))


# -- (f) kernels and overflow ---------------------------------------------------------------------
@pytest.mark.parametrize("name", HIDDEN)
def test_kernels_equal_the_activation_table(name):
    Z = np.linspace(-30, 30, 121).reshape(11, 11)
    k, act = kernel(name), ACTIVATIONS[name]
    A = k.forward(Z.copy(), np.empty_like(Z))
    np.testing.assert_allclose(A, act.numpy(Z), rtol=1e-14, atol=1e-300)
    G = np.full_like(Z, 3.0)
    k.backward(Z, A, G, np.empty_like(Z))
    np.testing.assert_allclose(G, 3.0 * act.numpy_derivative(Z), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_fast_kernels_do_not_overflow(name):
    Z = np.array([[-1e4, -800.0, 0.0, 800.0, 1e4]])
    k = kernel(name)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        A = k.forward(Z.copy(), np.empty_like(Z))
        k.backward(Z, A, np.ones_like(Z), np.empty_like(Z))
    assert np.isfinite(A).all()


def test_training_with_huge_inputs_stays_finite():
    spec = NetworkSpec([2, 3, 3], cost="softmax_cross_entropy")
    t = Trainer(spec, seed=0, epsilon=1.0)
    X = np.array([[1e3, -1e3], [-1e3, 1e3]])
    Y = np.eye(3)[:2]
    with np.errstate(over="raise", invalid="raise"):
        history = t.fit(X, Y, lr=0.1, epochs=5)
    assert np.isfinite(history).all()


# -- shapes and errors ------------------------------------------------------------------------------
def test_wrong_shapes_are_reported():
    t = Trainer(NetworkSpec([2, 3, 1]))
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\)"):
        t.gradients(np.zeros((4, 3)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"Y must have shape \(4, 1\)"):
        t.gradients(np.zeros((4, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="b must be None"):
        Trainer(NetworkSpec([2, 1], bias="weight0")).params = ([np.zeros((1, 3))], [np.zeros(1)])


def test_large_batch_is_one_batch():
    """10 000 examples in one call give the mean of the per-example gradients (speed: benchmarks/trainer.py)."""
    t = Trainer(NetworkSpec([8, 16, 4]))
    X, Y = np.random.default_rng(0).normal(size=(10_000, 8)), np.zeros((10_000, 4))
    dW, db = t.gradients(X, Y)
    halves = [t.gradients(X[:5000], Y[:5000]), t.gradients(X[5000:], Y[5000:])]
    for l in range(len(dW)):
        np.testing.assert_allclose(dW[l], (halves[0][0][l] + halves[1][0][l]) / 2, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(db[l], (halves[0][1][l] + halves[1][1][l]) / 2, rtol=1e-10, atol=1e-14)


# -- row blocks: a large batch cut into blocks computes what one block computes -------------------
def test_one_epoch_on_a_large_batch_equals_the_previous_implementation():
    """Figures printed by the trainer before row blocks (main at 8243ce8, one block): 2 epochs, 2048 rows."""
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(2048, 6)), rng.uniform(size=(2048, 3))
    t = Trainer(NetworkSpec([6, 9, 3], weight_decay=1e-3), seed=0, epsilon=0.5)
    history = t.fit(X, Y, lr=0.5, epochs=2)
    flat = np.concatenate([np.ravel(p) for part in t.params for p in part])
    np.testing.assert_allclose(history, [0.187543310046514, 0.18369023478680818], rtol=1e-12)
    np.testing.assert_allclose([flat.sum(), flat @ np.cos(np.arange(flat.size))],
                               [5.052448360133003, 2.1424007865943557], rtol=1e-12)


def test_row_blocks_cut_the_batch_into_a_power_of_two_of_large_blocks():
    from symbp.train.parallel import MAX_BLOCKS, MIN_ROWS, row_blocks
    for m in [1, 7, MIN_ROWS, 2 * MIN_ROWS - 1, 2 * MIN_ROWS, 1797, 4099, 10 ** 6]:
        blocks = row_blocks(m)
        assert blocks[0].start == 0 and blocks[-1].stop == m
        assert all(a.stop == b.start for a, b in zip(blocks, blocks[1:]))
        count = len(blocks)
        assert count & (count - 1) == 0 and count <= MAX_BLOCKS
        assert count == 1 or min(b.stop - b.start for b in blocks) >= MIN_ROWS
        assert count == MAX_BLOCKS or m // (2 * count) < MIN_ROWS       # no more blocks would do
    assert len(row_blocks(1797)) == 2 and len(row_blocks(2 * MIN_ROWS - 1)) == 1


#: (hidden activation, cost, output activation, average, weight decay, decay_biases, decay_average, bias)
BLOCKED = [("sigmoid", "half_sse", None, "examples", 1e-2, False, False, "vector"),
           ("tanh", "cross_entropy", "sigmoid", "none", 1e-2, True, False, "weight0"),
           ("relu", "softmax_cross_entropy", "softmax", "examples_and_outputs", 1e-2, True, True, "vector"),
           ("softplus", "half_sse", "identity", "examples", 0.0, False, False, "weight0"),
           ("f", "half_sse", "g", "examples", 1e-2, False, True, "vector")]


def blocked_case(case, m, seed=3):
    act, cost, out, avg, lam, decay_biases, decay_average, bias = case
    spec = NetworkSpec([5, 7, 6, 4], activation=act, cost=cost, output_activation=out, average=avg,
                       weight_decay=lam, decay_biases=decay_biases, decay_average=decay_average, bias=bias)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 5))
    Y = np.eye(4)[rng.integers(0, 4, m)] if cost == "softmax_cross_entropy" else rng.uniform(0.05, 0.95, (m, 4))
    return spec, X, Y


def flat(params):
    return np.concatenate([np.ravel(a) for part in params if part is not None for a in part])


@pytest.mark.parametrize("case", BLOCKED, ids=lambda c: "-".join(str(x) for x in c))
@pytest.mark.parametrize("m", [1100, 2100, 16 * 512 + 5])
def test_blocked_gradients_and_training_equal_one_block(case, m, monkeypatch):
    """2, 4 and 16 blocks give the one-block gradients, loss and updates (full batch and mini-batches) to 1e-12."""
    import symbp.train.parallel as parallel
    spec, X, Y = blocked_case(case, m)
    runs, counts = [], []
    for min_rows in (parallel.MIN_ROWS, 10 ** 9):           # blocks, then one block
        monkeypatch.setattr(parallel, "MIN_ROWS", min_rows)
        counts.append(len(parallel.row_blocks(m)))
        t = Trainer(spec, seed=1, epsilon=0.3)
        grads, lr = t.gradients(X, Y), 0.3 / m if spec.average == "none" else 0.3      # a stable step
        history = t.fit(X, Y, lr=lr, epochs=2, momentum=0.5) + t.fit(X, Y, lr=lr, epochs=1, batch_size=m // 2 + 1)
        runs.append((flat(grads), history, flat(t.params)))
    assert counts[0] > 1 and counts[1] == 1 and np.isfinite(runs[1][1]).all()
    for got, want in zip(runs[0], runs[1]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(want).max())


def test_blocked_results_do_not_depend_on_the_number_of_threads(monkeypatch):
    import symbp.train.parallel as parallel
    spec, X, Y = blocked_case(BLOCKED[0], 4 * 512 + 3)
    runs = []
    for count in (1, 2, 3):
        monkeypatch.setattr(parallel, "threads", lambda count=count: count)
        t = Trainer(spec, seed=1, epsilon=0.3)
        runs.append((flat(t.gradients(X, Y)), t.fit(X, Y, lr=0.3, epochs=3), flat(t.params)))
    for run in runs[1:]:
        for got, want in zip(run, runs[0]):
            assert np.array_equal(got, want)


def test_fit_on_blocks_holds_blas_to_one_thread_and_gives_it_back():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from symbp.train import parallel

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]

    before, during = blas_threads(), []
    spec, X, Y = blocked_case(BLOCKED[0], 2 * 512)
    workers = parallel.threads()
    Trainer(spec).fit(X, Y, lr=0.1, epochs=2, callback=lambda epoch, loss: during.append(blas_threads()))
    assert blas_threads() == before and parallel.threads() == workers
    assert during == [[1] * len(before) if workers > 1 else before] * 2


def test_without_threadpoolctl_blocks_run_in_turn_on_the_calling_thread(monkeypatch):
    import sys
    import threading

    from symbp.train import parallel
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)          # import fails
    monkeypatch.setitem(parallel._state, "controller", None)           # noqa: SLF001 (forget the cached one)
    assert parallel.threads() == 1
    assert parallel.map_blocks(lambda x: threading.current_thread() is threading.main_thread(), range(4)) == [True] * 4
    spec, X, Y = blocked_case(BLOCKED[0], 1100)
    with_blocks = Trainer(spec, seed=1).fit(X, Y, lr=0.3, epochs=2)
    monkeypatch.setattr(parallel, "MIN_ROWS", 10 ** 9)
    np.testing.assert_allclose(with_blocks, Trainer(spec, seed=1).fit(X, Y, lr=0.3, epochs=2), rtol=1e-12)


# -- (g) dependency rule ----------------------------------------------------------------------------
def test_trainer_imports_no_oracle_code():
    tree = ast.parse((pathlib.Path(__file__).parents[1] / "symbp" / "train" / "trainer.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[-1])
            imported.update(a.name.split(".")[-1] for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name.split(".")[-1] for a in node.names)
    assert not imported & {"symbolic", "groundtruth", "backends", "GroundTruth", "SymbolicNetwork",
                           "sympy", "symengine", "claims", "verify", "cli"}
