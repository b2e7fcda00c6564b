"""symbp.judge.mutate: each single fault is injected into the formula side only, killed, and diagnosed right."""

import json

import pytest

from symbp import Derivation, Notation
from symbp.judge.mutate import EXPECTED, FAULTS, mutants, mutate, summarize
from symbp.judge.evaluate import NetworkCache
from symbp.judge.verify import verify_claim

SWEEP = (((2, 3, 2), 1), ((3, 2, 4, 1), 3))


def make_doc():
    doc = Derivation("m", "Mutants", "test", Notation(first_layer=1, weight_named_after="source", bias="both"),
                     {"activation": "f", "cost": "half_sse", "average": "examples", "weight_decay": True},
                     sweep=SWEEP)

    @doc.claim("out", kind="delta", layer="output", latex="")
    def out(n, i):
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])

    @doc.claim("hidden", kind="delta", layer="hidden", latex="")
    def hidden(n, l):
        return n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.fp(n.z[l])

    @doc.claim("grad", kind="grad_W", layer="all", latex="")
    def grad(n, l, j, i):
        return n.dC_dW[l][j, i], n.a[l][i] * n.delta[l + 1][j]

    @doc.claim("update", kind="update_b", layer="all", latex="")
    def update(n, l):
        first = n.examples[0]
        g = sum((ex.delta[l + 1] for ex in n.examples[1:]), first.delta[l + 1]) / n.m
        return n.step_b[l], n.b[l] - n.lr * g

    @doc.claim("batch", kind="grad_W", layer="all", per="batch", latex="")
    def batch(n, l):
        first = n.examples[0]
        total = sum((ex.delta[l + 1] @ ex.a[l].T for ex in n.examples[1:]), first.delta[l + 1] @ first.a[l].T)
        return n.dJ_dW[l], total / n.m + n.lam * n.W[l]
    return doc


def test_the_truth_side_is_untouched_and_the_original_still_holds():
    doc = make_doc()
    cache = NetworkCache()
    for claim in doc.claims:
        assert verify_claim(claim, doc, cache=cache, budget=20).status == "proven"
        for name, mut, how in mutants(claim, doc, cache=cache, faults=["sign"]):
            from symbp.judge.evaluate import instantiate
            net = cache.get(next(iter(cache.nets)))
            a = instantiate(claim, net, doc.notation, {})
            b = instantiate(mut, net, doc.notation, {})
            assert [str(x.sides[0]) for x in a] == [str(x.sides[0]) for x in b]


def test_equivalent_mutants_are_skipped_by_measurement():
    doc = make_doc()
    by = {(c.label, name): mut for c in doc.claims for name, mut, _ in mutants(c, doc)}
    assert by[("out", "weight decay")] is None          # no λ in the formula
    assert by[("grad", "f for f'")] is None             # f' only where f' belongs, f nowhere
    assert by[("out", "bias")] is not None              # the output depends on every bias
    assert by[("batch", "weight decay")] is not None and by[("out", "factor 1/K")] is not None


@pytest.mark.slow
def test_every_mutant_is_killed_and_diagnosed_with_the_expected_kind():
    results = mutate(make_doc(), budget=20)
    wrong = [(r.claim, r.fault, r.status, r.diagnosis, r.detail) for r in results
             if not r.skipped and not r.diagnosed]
    # a matrix formula with a quantity one layer off does not even read (shapes differ on the sweep's
    # unequal widths): the diagnosis still names the layer, reading the formula one layer off
    assert wrong == []
    s = summarize(results)
    assert s["all"]["killed"] == s["all"]["mutants"] > 20


def test_expected_kinds_are_one_table():
    assert set(EXPECTED) == set(FAULTS) and EXPECTED["f for f'"] == ("derivative",)


def test_mutate_cli_json(capsys):
    import argparse
    from symbp.cli import mutate as mutate_cli
    p = argparse.ArgumentParser()
    mutate_cli.add_parser(p.add_subparsers(dest="command"))
    args = p.parse_args(["mutate", "examples/four_equations.py", "--claim", "BP1", "--fault", "sign",
                         "--fault", "weight decay", "--format", "json"])
    assert mutate_cli.run(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(m["fault"], m["status"], m["diagnosed"]) for m in out["mutants"]] == \
        [("sign", "fails", True), ("weight decay", "equivalent", False)]
    assert out["summary"]["sign"] == {"mutants": 1, "equivalent": 0, "killed": 1, "diagnosed": 1}


def test_a_wrong_layer_counts_as_diagnosed_only_when_the_quantity_and_direction_are_named():
    from symbp.judge.mutate import MutantResult
    made = dict(derivation="d", claim="c", reading="as-written", fault="layer", how="delta read one layer up",
                status="fails", diagnosis="layer")
    right = "delta of the wrong layer: one layer too high (as if delta^(l+1) stood where delta^(l) belongs)"
    assert MutantResult(**made, detail=right).diagnosed
    assert not MutantResult(**made, detail=right.replace("delta", "z")).diagnosed
    assert not MutantResult(**made, detail=right.replace("too high", "too low")).diagnosed


def test_a_wrong_layer_named_by_an_edit_of_every_read_counts_only_with_its_symbol_and_direction():
    # "holds with h^(l) for h^(l+1) (everywhere)" names the injected h read one layer up as well as a reading does
    from symbp.judge.mutate import MutantResult
    made = dict(derivation="d", claim="c", reading="as-written", fault="layer", how="h read one layer up",
                status="fails", diagnosis="layer", detail="holds with h^(l) for h^(l+1) (everywhere)")
    assert MutantResult(**made, shifts=(("h", "up"),)).diagnosed
    assert not MutantResult(**made).diagnosed                           # the wording alone is not enough
    assert not MutantResult(**made, shifts=(("h", "down"),)).diagnosed
    assert not MutantResult(**made, shifts=(("W", "up"),)).diagnosed
    assert not MutantResult(**made, shifts=(("h", "up"), ("W", "up"))).diagnosed


def test_ufldls_specific_k_with_h_one_layer_up_is_diagnosed_by_the_reading_of_both_steps():
    """Both steps of the chain fail; every h read one layer up is one change that makes both hold: it is named
    (before the search for two edits, which took seconds to find the same as "h^(l) for h^(l+1) everywhere")."""
    from symbp.run.load import bundled_derivations, load_derivation
    doc = load_derivation(bundled_derivations() / "ufldl_backprop.py")
    claim = next(c for c in doc.claims if c.label == "proof: output layer, specific k")
    (r,) = mutate(doc, claims=[claim], faults=["layer"])
    assert r.how == "h read one layer up" and r.killed and r.diagnosed, r.detail
    assert r.detail == ("h of the wrong layer: one layer too high (as if h^(l+1) stood where h^(l) belongs) "
                        "(steps 1 to 2 of the chain)"), r.detail
