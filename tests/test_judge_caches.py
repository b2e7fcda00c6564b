"""The judge's caches (compiled formulas, true Jacobians, fixed draws) never carry a verdict from one formula to
another, and the faster opaque-function closing gives the same expressions as the old one."""

import numpy as np
import pytest
import symengine

from symbp import Derivation, Notation
from symbp.claims.view import View, view_of
from symbp.judge import evaluate
from symbp.judge.evaluate import (Instance, NetworkCache, compiled, instantiate, numeric_values, sample_points,
                                  spec_for)
from symbp.judge.identity import GENERIC_COST_FUNCTIONS, OPAQUE, _form, random_closed
from symbp.judge.mutate import mutate
from symbp.judge.verify import verify_claim
from symbp.model.spec import NetworkSpec
from symbp.oracle.symbolic import SymbolicNetwork

SWEEP = (((2, 3, 2), 1), ((3, 2, 4, 1), 3))


def doc_with(*formulas):
    """A document whose claims are the output δ with the given formula sides (functions of n, i)."""
    doc = Derivation("c", "Caches", "test", Notation(), {"activation": "f", "cost": "half_sse"}, sweep=SWEEP)
    for k, formula in enumerate(formulas):
        doc.claim(f"({k})", kind="delta", layer="output", latex="")(_claim(formula))
    return doc


def _claim(formula):
    def delta_out(n, i):
        return n.delta[n.L][i], formula(n, i)
    return delta_out


RIGHT = lambda n, i: (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])        # noqa: E731
WRONG_F = lambda n, i: (n.a[n.L][i] - n.y[i]) * n.f(n.z[n.L][i])        # noqa: E731
WRONG_SIGN = lambda n, i: (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])    # noqa: E731


@pytest.mark.parametrize("order", [(RIGHT, WRONG_F, WRONG_SIGN), (WRONG_F, RIGHT, WRONG_SIGN),
                                   (WRONG_SIGN, WRONG_F, RIGHT)])
def test_a_shared_cache_never_passes_a_wrong_formula_nor_rejects_a_right_one(order):
    doc = doc_with(*order)
    cache = NetworkCache()
    statuses = [verify_claim(c, doc, cache=cache, numeric_only=True).status for c in doc.claims]
    assert statuses == ["confirmed" if f is RIGHT else "fails" for f in order]


def test_compiled_functions_are_keyed_by_the_formula_itself():
    net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    w = net.params[0]
    one, two = compiled(net, [w], [w]), compiled(net, [w], [2 * w])
    assert one is not two
    assert one([3.0]).tolist() == [3.0] and two([3.0]).tolist() == [6.0]
    assert compiled(net, [w], [w + 0]) is one            # the same formula, however it was built
    other = SymbolicNetwork(NetworkSpec([1, 1], activation="sigmoid"))
    assert compiled(other, [w], [w]) is not one          # another network: compiled anew


def test_values_are_the_same_from_the_cache_and_fresh():
    doc = doc_with(RIGHT)
    claim = doc.claims[0]
    net = SymbolicNetwork(spec_for(doc, claim, (2, 3, 2), 1))
    symbols = {}
    instances = instantiate(claim, net, doc.notation, symbols)
    pts = sample_points(net, symbols, 7, 3)
    first = numeric_values(net, symbols, instances, pts)
    again = numeric_values(net, symbols, instantiate(claim, net, doc.notation, {}), pts)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, numeric_values(net, symbols, instances, sample_points(net, symbols, 7, 4)))


def test_true_jacobians_are_per_quantity_and_match_the_oracle_entry_by_entry():
    net = SymbolicNetwork(NetworkSpec([2, 3, 2], activation="f"))
    n = View(net, Notation())
    by_z = n.partial(("z", 2), ("z", 1))
    by_a = n.partial(("a", 2), ("z", 1))
    assert by_z.rows != by_a.rows
    fresh = SymbolicNetwork(NetworkSpec([2, 3, 2], activation="f"))
    for r in range(2):
        for c in range(3):
            assert by_z.rows[r][c] == fresh.partial(0, lambda z, a, C, r=r: z[2][r], "z", 1, c)
            assert by_a.rows[r][c] == fresh.partial(0, lambda z, a, C, r=r: a[2][r], "z", 1, c)
    by_z.rows[0][0] = 0                                   # a caller's edit does not reach the memo
    assert n.partial(("z", 2), ("z", 1)).rows[0][0] != 0


def _old_random_closed(expr):
    """random_closed without a network as it was: atoms() and innermost first by printed length."""
    atoms = [a for a in expr.atoms(symengine.FunctionSymbol)
             if a.get_name() in OPAQUE or a.get_name() in GENERIC_COST_FUNCTIONS]
    atoms.sort(key=lambda a: len(str(a)))
    mapping = {}
    for a in atoms:
        mapping[a] = _form(a.get_name(), *(x.xreplace(mapping) if mapping else x for x in a.args))
    return expr.xreplace(mapping)


def test_closing_nested_opaque_functions_is_unchanged():
    x = symengine.symbols("x0:4")
    f, s = symengine.Function("f"), symengine.Function("sigma")
    e = x[0]
    for _ in range(4):
        e = f(e * x[1] + x[2]) + s(e + x[3]) * e
    assert random_closed(e) == _old_random_closed(e)
    assert not any(a.get_name() in ("f", "sigma") for a in random_closed(e).atoms(symengine.FunctionSymbol))


def test_mutants_with_a_shared_cache_are_still_killed():
    doc = doc_with(RIGHT)
    cache = NetworkCache()
    results = mutate(doc, faults=["sign", "f for f'", "factor 2"], numeric_only=True, cache=cache)
    assert [(r.fault, r.killed, r.diagnosed) for r in results] == [
        ("sign", True, True), ("f for f'", True, True), ("factor 2", True, True)]


def test_a_claims_truths_are_compiled_once_for_all_its_formulas(monkeypatch):
    """The truth sides are compiled apart from the formulas: the second formula of the same truth compiles only itself."""
    net = SymbolicNetwork(NetworkSpec((2, 2), activation="identity", batch_size=1))
    w = net.params[0]
    compiled = []
    real = evaluate._lambdify
    monkeypatch.setattr(evaluate, "_lambdify", lambda n, a, exprs, *rest: compiled.append(exprs) or real(n, a, exprs,
                                                                                                         *rest))
    pts = sample_points(net, {}, 4, 0)
    truth = net.cost
    one = numeric_values(net, {}, [Instance("", [truth, 2 * w])], pts)
    two = numeric_values(net, {}, [Instance("", [truth, 3 * w])], pts)
    # the forward pass (z = a under the identity: two nodes), the truth, the first formula, the second
    assert [len(c) for c in compiled] == [2, 1, 1, 1], compiled
    assert (one[:, :, 0] == two[:, :, 0]).all() and (3 * one[:, :, 1] == 2 * two[:, :, 1]).all()


def test_values_at_the_same_points_are_reused_and_never_shared_out_writable(monkeypatch):
    """A truth side's values on one architecture's points are computed once for every claim that states it there;
    each caller gets an array of its own (writing into it changes nothing remembered)."""
    net = SymbolicNetwork(NetworkSpec((2, 2), activation="identity", batch_size=1))
    w = net.params[0]
    pts = sample_points(net, {}, 4, 0)
    monkeypatch.setattr(evaluate, "_EVALUATED", evaluate.OrderedDict())
    one = numeric_values(net, {}, [Instance("", [net.cost])], pts)
    one[:] = 7.0
    two = numeric_values(net, {}, [Instance("", [net.cost])], pts)
    # the forward pass and the truth at the same points: each evaluated once
    assert len(evaluate._EVALUATED) == 2
    assert not np.array_equal(one, two) and two.flags.writeable
    three = numeric_values(net, {}, [Instance("", [net.cost])], sample_points(net, {}, 4, 1))
    assert len(evaluate._EVALUATED) == 4 and not np.array_equal(two, three)
    with_formula = numeric_values(net, {}, [Instance("", [net.cost, 2 * w])], pts)
    assert len(evaluate._EVALUATED) == 5                  # the forward pass and the truth again, the formula once
    assert np.array_equal(with_formula[:, :, 0], two[:, :, 0])


def _plain_calls(faults, truth=None):
    """How often the claim is read through a plain view (its truth side) while ``faults`` are checked, and their
    results; ``truth`` (a function of n, i) replaces the claim's truth side."""
    calls = [0]

    def delta_out(n, i):
        v = view_of(n)      # (a claim is called with the page's view of a View)
        if type(v) is View and not v.perturb:
            calls[0] += 1
        return (truth or (lambda n, i: n.delta[n.L][i]))(n, i), RIGHT(n, i)
    doc = Derivation("c", "Caches", "test", Notation(), {"activation": "f", "cost": "half_sse"}, sweep=SWEEP)
    doc.claim("(1)", kind="lemma" if truth else "delta", layer="output", latex="")(delta_out)
    results = mutate(doc, faults=faults, claims=doc.claims, budget=20)
    return calls[0], [(r.fault, r.status, r.diagnosis) for r in results]


def test_the_truth_side_is_read_once_for_all_the_mutants_of_a_claim():
    one, _ = _plain_calls(["sign"])
    three, results = _plain_calls(["sign", "factor 2", "factor 1/K"])
    # two more faults read it only on the networks the first did not use (a convention's network for the factors);
    # each read it again on every network before
    assert one > 0 and three - one < one, (one, three)
    assert results == [("sign", "fails", "sign"), ("factor 2", "fails", "factor"), ("factor 1/K", "fails", "factor")]


def test_a_reused_truth_side_still_counts_as_the_derivative_it_is():
    """A lemma's first side is a value n.d returned (logged when it is read): reused, it is still known as one."""
    _, results = _plain_calls(["sign", "factor 2"], truth=lambda n, i: n.d(n.C, n.z[n.L][i]))
    assert results == [("sign", "fails", "sign"), ("factor 2", "fails", "factor")], results
