"""The induction's cases checked in the checking process while their expansions are small (issue 17 item 2) give
what the forked child gives: the same result for right, wrong, unreadable and raising claims, the same split
when a case is past the bound, and the truths :func:`warm` builds once per network and kind of claim."""

import pytest

from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
from symbp.judge import induction
from symbp.judge.induction import case_network, cases_of, prove_all_depths, warm

DOC = Derivation("inline", "Inline", "-", Notation(first_layer=1), {"activation": "f"})


@DOC.claim("BP1", kind="delta", layer="output", latex="")
def bp1(n, j):
    return n.delta[n.L][j], (n.a[n.L][j] - n.y[j]) * n.fp(n.z[n.L][j])


@DOC.claim("BP1 (sign)", kind="delta", layer="output", latex="")
def bp1_sign(n, j):
    return n.delta[n.L][j], (n.y[j] - n.a[n.L][j]) * n.fp(n.z[n.L][j])


@DOC.claim("BP2", kind="delta", layer="hidden", latex="")
def bp2(n, l):
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


@DOC.claim("BP2 (W for Wᵀ where square)", kind="delta", layer="hidden", latex="")
def bp2_square(n, l):
    W = n.W[l + 1]
    return n.delta[l], ((W.T if W.shape[0] != W.shape[1] else W) @ n.delta[l + 1]) * n.fp(n.z[l])


@DOC.claim("BP2 (unreadable on width 3)", kind="delta", layer="hidden", latex="")
def bp2_unreadable(n, l):
    if n.W[l + 1].shape[1] == 3:
        raise IndexError("no such unit")
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


@DOC.claim("BP2 (raises on width 3)", kind="delta", layer="hidden", latex="")
def bp2_raises(n, l):
    if n.W[l + 1].shape[1] == 3:
        raise RuntimeError("a bug of the transcription")
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


@DOC.claim("BP4", kind="grad_W", layer="all", latex="")
def bp4(n, l, j, k):
    return n.dC_dW[l][j, k], n.a[l - 1][k] * n.delta[l][j]


@DOC.claim("BP4 (off by a layer)", kind="grad_W", layer="all", latex="")
def bp4_layer(n, l, j, k):
    return n.dC_dW[l][j, k], n.a[l - 1][k] * n.delta[l][j] * (2 if n.L - l == 1 else 1)


CLAIMS = [bp1, bp1_sign, bp2, bp2_square, bp2_unreadable, bp2_raises, bp4, bp4_layer]


def forked_only(monkeypatch):
    """Every case in the forked child, as before the inline path."""
    monkeypatch.setattr(induction, "small_expansions", lambda net, instances: False)


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.label for c in CLAIMS])
def test_inline_cases_give_what_the_child_gives(claim, monkeypatch):
    here = prove_all_depths(claim, DOC, bound=3)
    forked_only(monkeypatch)
    assert prove_all_depths(claim, DOC, bound=3) == here


def test_the_verdicts_are_the_ones_expected():
    got = {c.label: prove_all_depths(c, DOC, bound=3).status for c in CLAIMS}
    assert got == {"BP1": "proven", "BP1 (sign)": "fails", "BP2": "proven", "BP2 (W for Wᵀ where square)": "fails",
                   "BP2 (unreadable on width 3)": "unreadable", "BP2 (raises on width 3)": "timeout",
                   "BP4": "proven", "BP4 (off by a layer)": "fails"}


def counting_forks(monkeypatch):
    forks = []
    real = induction.run_forked

    def counted(thunks, budget):
        forks.append(len(thunks))
        return real(thunks, budget)
    monkeypatch.setattr(induction, "run_forked", counted)
    return forks


def test_small_cases_fork_no_child(monkeypatch):
    forks = counting_forks(monkeypatch)
    assert prove_all_depths(bp2, DOC, bound=3).status == "proven"
    assert forks == []


@pytest.mark.parametrize("claim", [bp2, bp2_square, bp4], ids=["right", "wrong", "gradient"])
@pytest.mark.parametrize("inline", [0, 1, 5])
def test_a_case_past_the_bound_and_the_rest_go_to_the_child(claim, inline, monkeypatch):
    here = prove_all_depths(claim, DOC, bound=3)
    forks = counting_forks(monkeypatch)
    seen = []

    def small_until(net, instances):   # the first ``inline`` cases are small, the next one is not
        seen.append(net)
        return len(seen) <= inline
    monkeypatch.setattr(induction, "small_expansions", small_until)
    assert prove_all_depths(claim, DOC, bound=3) == here
    cases = cases_of(claim, 3)
    if here.failed is not None and cases.index(here.failed) < inline:   # it failed here, before any child
        assert forks == []
    else:
        assert forks == [len(cases) - inline + len({c for c, _ in cases})]


def test_an_expansion_past_the_bound_is_not_small(monkeypatch):
    net = case_network(bp2, DOC, "step", (1, 2, 2, 2))
    w = net.params
    from symbp.judge.evaluate import Instance
    big = Instance("", [w[0], (w[0] + w[1] + 1) ** 10])
    assert induction.small_expansions(net, [big])
    monkeypatch.setattr(induction, "MAX_INLINE_EXPANSION", 12)
    assert not induction.small_expansions(net, [big])


def test_a_time_limit_in_the_checking_process_stops_the_cases_as_the_child_would(monkeypatch):
    """The time limit fires while the cases run here: the induction did not finish (never proven)."""
    monkeypatch.setattr(induction, "run_forked", lambda thunks, budget: [])
    res = prove_all_depths(bp2, DOC, bound=3, budget=1e-6)
    assert res.status == "timeout"


def test_warm_builds_a_gradients_truths_after_a_deltas_on_the_same_network(monkeypatch):
    monkeypatch.setattr(induction, "_NETWORKS", type(induction._NETWORKS)())   # a network no test built yet
    sizes = (1, 2, 3)
    net = warm(bp1, DOC, "base", sizes)
    assert net is case_network(bp1, DOC, "base", sizes)
    before = len(net._cache)
    assert warm(bp1, DOC, "base", sizes) is net and len(net._cache) == before   # nothing more for a δ claim
    assert warm(bp4, DOC, "base", sizes) is net
    assert len(net._cache) > before   # the cost's derivatives: a gradient claim reads them


def test_warm_remembered_or_fresh_the_case_results_are_the_same(monkeypatch):
    remembered = [prove_all_depths(c, DOC, bound=2) for c in (bp2, bp4, bp4_layer)]
    monkeypatch.setattr(induction, "_NETWORKS", type(induction._NETWORKS)())
    monkeypatch.setattr(induction, "_WARMED", type(induction._WARMED)())
    assert [prove_all_depths(c, DOC, bound=2) for c in (bp2, bp4, bp4_layer)] == remembered


def test_an_enclosing_time_limit_that_fires_first_keeps_the_cases_in_the_child(monkeypatch):
    """Its TimeLimit must reach its own caller: the cases are not run here, where stopping them would swallow it."""
    from symbp.judge.budget import time_limit
    forks = counting_forks(monkeypatch)
    with time_limit(30):
        res = prove_all_depths(bp2, DOC, bound=2, budget=60)
    assert res.status == "proven" and len(forks) == 1
    forks.clear()
    with time_limit(120):   # fires after the induction's own limit: the cases run here
        assert prove_all_depths(bp2, DOC, bound=2, budget=60) == res
    assert forks == []


def test_outside_the_main_thread_the_cases_run_in_the_child(monkeypatch):
    """No SIGALRM timer there: the child, which the budget kills, is the only time limit."""
    import threading
    forks = counting_forks(monkeypatch)
    got = []
    t = threading.Thread(target=lambda: got.append(prove_all_depths(bp2, DOC, bound=2)))
    t.start()
    t.join()
    assert got[0] == prove_all_depths(bp2, DOC, bound=2) and len(forks) == 1
