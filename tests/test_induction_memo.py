"""The induction's remembered work (issue 17 item 2) gives what doing it afresh gives: a case network built for an
earlier claim (and its truths, computed before the cases fork), the shared networks of the searches on real
networks, and the float walk that stops at expressions known free of floats."""

import random

import pytest
import symengine as se

from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
from symbp.judge import exact, induction
from symbp.judge.exact import exact_value, rational
from symbp.judge.induction import (ALL_DEPTHS, case_network, cases_of, check_case, extend_to_all_depths,
                                   prove_all_depths, search_cache, warm)
from symbp.judge.verify import verify_claim

from test_judge_walks import X, random_expr  # noqa: E402  (one generator of random expressions)


def fresh_exact(expr):
    """exact_value as it was: every float atom of the whole tree, nothing remembered."""
    floats, seen, todo = set(), set(), [expr]
    while todo:
        e = todo.pop()
        if e not in seen:
            seen.add(e)
            if isinstance(e, se.RealNumber):
                floats.add(e)
            todo += e.args
    return expr.xreplace({f: rational(float(f)) for f in floats}) if floats else expr


def subtrees(expr):
    out, todo = [], [expr]
    while todo:
        e = todo.pop()
        out.append(e)
        todo += e.args
    return out


@pytest.mark.parametrize("seed", range(40))
def test_the_float_walk_that_stops_at_known_float_free_parts_finds_every_float(seed, monkeypatch):
    monkeypatch.setattr(exact, "_EXACT", set())
    rng = random.Random(seed)
    expr = random_expr(rng, 5)
    for part in rng.sample(subtrees(expr), min(6, len(subtrees(expr)))):
        exact_value(part)            # remembered only when it is free of floats
    assert exact_value(expr) == fresh_exact(expr)


def test_a_float_beside_a_known_float_free_truth_is_still_made_exact(monkeypatch):
    monkeypatch.setattr(exact, "_EXACT", set())
    x, y = X[:2]
    truth = se.Function("f")(x + y) * (x + 1)
    assert exact_value(truth) is truth      # now known free of floats
    assert exact_value(truth * 0.5 + x) == truth / 2 + x
    assert exact_value(se.Function("g")(truth + 0.1)) == se.Function("g")(truth + se.Rational(1, 10))


DOC = Derivation("memo", "Memo", "-", Notation(first_layer=1), {"activation": "f"})


@DOC.claim("BP2", kind="delta", layer="hidden", latex="")
def bp2(n, l):
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


@DOC.claim("BP2 (W for Wᵀ)", kind="delta", layer="hidden", latex="")
def bp2_no_transpose(n, l):
    W = n.W[l + 1]
    return n.delta[l], ((W.T if W.shape[0] != W.shape[1] else W) @ n.delta[l + 1]) * n.fp(n.z[l])


@DOC.claim("BP4", kind="grad_W", layer="all", latex="")
def bp4(n, l, j, k):
    return n.dC_dW[l][j, k], n.delta[l][j] * n.a[l - 1][k]


@DOC.claim("BP4 (a^(l) for a^(l−1))", kind="grad_W", layer="all", latex="")
def bp4_wrong_layer(n, l, j, k):
    a = n.a[l] if n.a[l].shape == n.a[l - 1].shape else n.a[l - 1]
    return n.dC_dW[l][j, k], n.delta[l][j] * a[k]


@DOC.claim("BP2 (wrong at width 5)", kind="delta", layer="hidden", latex="")
def bp2_wide(n, l):
    extra = 2 if n.delta[l].shape[0] >= 5 else 1
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l]) * extra


def fresh():
    induction._NETWORKS.clear()
    induction._SEARCH_CACHES.clear()


@pytest.mark.parametrize("claim", [bp2, bp2_no_transpose, bp4, bp4_wrong_layer], ids=lambda c: c.label)
def test_a_case_on_a_network_an_earlier_claim_warmed_decides_as_on_a_fresh_one(claim):
    cases = cases_of(claim, bound=2)
    fresh()
    alone = [check_case(claim, DOC, c, s) for c, s in cases]
    fresh()
    for other in (bp2, bp4, bp4_wrong_layer):   # other claims build, warm and read the same networks first
        for c, s in cases_of(other, bound=2):
            warm(other, DOC, c, s)
            check_case(other, DOC, c, s)
    assert [check_case(claim, DOC, c, s) for c, s in cases] == alone
    assert all(case_network(claim, DOC, c, s) is case_network(claim, DOC, c, s) for c, s in cases)


def test_the_induction_on_remembered_networks_proves_the_right_and_rejects_the_wrong():
    fresh()
    first = {c.label: prove_all_depths(c, DOC, bound=2) for c in (bp2, bp2_no_transpose, bp4, bp4_wrong_layer)}
    again = {c.label: prove_all_depths(c, DOC, bound=2) for c in (bp4_wrong_layer, bp4, bp2_no_transpose, bp2)}
    assert first == again
    assert first["BP2"].status == first["BP4"].status == "proven"
    assert first["BP2 (W for Wᵀ)"].status == first["BP4 (a^(l) for a^(l−1))"].status == "fails"


def test_the_wide_check_on_shared_networks_still_finds_a_formula_wrong_only_at_width_5():
    fresh()
    right = extend_to_all_depths(verify_claim(bp2, DOC), bp2, DOC, bound=2)
    assert right.status == ALL_DEPTHS
    assert search_cache().nets                          # the wide networks are now built and shared
    wrong = extend_to_all_depths(verify_claim(bp2_wide, DOC), bp2_wide, DOC, bound=2)
    fresh()
    alone = extend_to_all_depths(verify_claim(bp2_wide, DOC), bp2_wide, DOC, bound=2)
    assert wrong.status == alone.status == "fails"
    assert wrong == alone

