"""The forward pass read as inputs of its own (judge/forward_inputs.py): the same values, the same verdicts.

Each test holds the values numeric_values gives with the forward quantities cut out against those of the
sides compiled whole (the cut switched off), on networks of every kind of forward pass: a generic f (random
functions, f' read at a cut z), concrete activations, softmax (expo and recip at cut z's), a generic cost
(its partials read at cut a's), the identity (z = a), a batch.  A wrong formula must stay wrong by as much.
"""

import numpy as np
import pytest
import symengine

from symbp.judge import evaluate
from symbp.judge.evaluate import Instance, numeric_values, relative_errors, sample_points
from symbp.judge.forward_inputs import cut_all, forward_cut
from symbp.model.spec import NetworkSpec
from symbp.oracle.symbolic import SymbolicNetwork

SPECS = [
    NetworkSpec((2, 3, 2), activation="f"),
    NetworkSpec((2, 2, 2, 1), activation="sigmoid", batch_size=2),
    NetworkSpec((1, 3, 3), activation="tanh", cost="softmax_cross_entropy"),
    NetworkSpec((2, 2, 2), activation="f", cost="generic"),
    NetworkSpec((2, 2, 1), activation="identity", weight_decay=0.1),
    NetworkSpec((1, 2, 2, 2), activation="relu"),
]


def _truths(net):
    """The gradient of the cost and every δ of example 0: sides that read the whole forward pass."""
    sides = [net.diff_cached(net.cost, p) for p in net.params]
    for l in range(1, net.L + 1):
        sides += net.delta_cached(0, l)
    return sides


def _whole(monkeypatch, net, instances, pts):
    with monkeypatch.context() as m:
        m.setattr(evaluate, "forward_cut", lambda _net: None)
        return numeric_values(net, {}, instances, pts)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.activation}-{s.cost}-{list(s.sizes)}-m{s.batch_size}")
def test_sides_over_the_forward_pass_have_the_values_of_the_sides_whole(spec, monkeypatch):
    net = SymbolicNetwork(spec)
    truths = _truths(net)
    right = [Instance(f"side {i}", [t, t]) for i, t in enumerate(truths)]
    wrong = [Instance(f"side {i}", [t, 2 * t + net.params[0]]) for i, t in enumerate(truths)]
    pts = sample_points(net, {}, 6, 11)
    for instances in (right, wrong):
        cut = numeric_values(net, {}, instances, pts)
        whole = _whole(monkeypatch, net, instances, pts)
        assert np.isfinite(whole).all()
        np.testing.assert_allclose(cut, whole, rtol=1e-11, atol=1e-13)
    assert (relative_errors(numeric_values(net, {}, right, pts)) <= evaluate.RTOL).all()
    assert (relative_errors(numeric_values(net, {}, wrong, pts)) > 1e-3).any()


@pytest.mark.parametrize("spec", SPECS[:4], ids=lambda s: f"{s.activation}-{s.cost}")
def test_what_is_compiled_over_the_cut_reads_no_forward_quantity_and_no_opaque_function(spec):
    net = SymbolicNetwork(spec)
    cut = forward_cut(net)
    sides = cut_all(cut.cut_all(_truths(net)), cut.closing)
    nodes = set(cut.nodes)
    for side in sides:
        seen, todo = set(), [side]
        while todo:
            e = todo.pop()
            if e in seen:
                continue
            seen.add(e)
            assert e not in nodes, e
            if isinstance(e, symengine.FunctionSymbol):
                assert e.get_name() not in ("f", "fp", "sigma", "expo", "recip", "C"), e
            todo += e.args
    assert len(cut.symbols) == len(nodes)


def test_a_network_without_a_forward_quantity_to_cut_is_compiled_whole():
    net = SymbolicNetwork(NetworkSpec((1, 1), activation="identity"), backend="sympy")
    assert forward_cut(net) is None
