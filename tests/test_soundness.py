"""Soundness, written as an adversary would: wrong formulas that must never hold, right ones that must.

Routes to a false "holds" closed here: the truth side (the first side must be the kind's true quantity),
a sweep too weak to judge a formula (a derivation adds architectures, never replaces the default sweep),
and instances too large to evaluate (never a verdict on instances that were not all checked).  The other
routes have files of their own: tests/test_soundness_*.py.
"""

from symbp import Derivation, Notation, check
from symbp.judge import evaluate as verify
from symbp.claims.derivation import DEFAULT_SWEEP
from symbp.formula.reader import load_toml
from symbp.report.results import HOLDS
from symbp.judge.truth import LEMMA_NOTE

NOTATION = Notation(first_layer=1)
SPEC = {"activation": "f", "cost": "half_sse", "average": "examples"}


def doc_of(*claims, sweep=(), spec=SPEC, **kw):
    doc = Derivation("adversary", "Adversary", "test", NOTATION, spec, sweep=sweep, **kw)
    for label, kind, fn, opts in claims:
        doc.claim(label, kind=kind, latex="", **opts)(fn)
    return doc


def verdicts(doc, **opts):
    return {e.label: e for e in check(doc, budget=30, **opts).derivations[0].equations}


def out_delta(n, i):
    return (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])


def wrong_delta(n, i):
    return (n.a[n.L][i] - n.y[i]) * n.f(n.z[n.L][i])


# -- route 5: the truth side ---------------------------------------------------------------------------
def test_a_claim_whose_first_side_is_not_its_true_quantity_is_ill_formed():
    doc = doc_of(
        ("right", "delta", lambda n, i: (n.delta[n.L][i], out_delta(n, i)), {"layer": "output"}),
        # never mentions δ: a wrong formula compared with itself
        ("no delta", "delta", lambda n, i: (wrong_delta(n, i), wrong_delta(n, i)), {"layer": "output"}),
        # a wrong formula as the first side of a chain
        ("wrong chain", "chain", lambda n, i: (-out_delta(n, i), -out_delta(n, i), -out_delta(n, i)),
         {"layer": "output", "of": "delta"}),
        # the right formula as the first side is the true quantity (in value): it must not be rejected
        ("formula first", "delta", lambda n, i: (out_delta(n, i), n.delta[n.L][i]), {"layer": "output"}),
        # the truth of another kind (∂C/∂a where δ is claimed)
        ("other kind", "delta", lambda n, i: (n.dC_da[n.L][i], n.a[n.L][i] - n.y[i]), {"layer": "output"}),
        # the true δ at another unit: δ_1 for every i
        ("other unit", "delta", lambda n, i: (n.delta[n.L][1], out_delta(n, 1)), {"layer": "output"}),
        ("grad", "grad_W", lambda n, l, j, i: (n.a[l - 1][i] * n.delta[l][i], n.a[l - 1][i] * n.delta[l][i]),
         {"layer": "all", "where": lambda j, i: i <= 2}),
        ("update", "update_W", lambda n, l: (n.W[l], n.W[l]), {"layer": "all"}),
        ("cost", "cost", lambda n: (n.C * 2, n.C * 2), {}),
    )
    v = verdicts(doc)
    assert v["right"].status == v["formula first"].status == "proven for all depths"
    for label in ("no delta", "wrong chain", "other kind", "other unit", "grad", "update", "cost"):
        assert v[label].status == "ill-formed", (label, v[label].status, v[label].message)
        assert "first side" in v[label].message and "adversary" in v[label].message


def test_the_true_quantity_may_be_written_in_any_form_and_of_another_layer():
    doc = doc_of(
        ("as a partial", "delta", lambda n, l, j: (n.partial("C", ("z", l))[1, j], n.delta[l][j]), {"layer": "all"}),
        ("batch gradient", "grad_b", lambda n, l: (n.dJ_db[l], sum((ex.delta[l] for ex in n.examples[1:]),
                                                                    n.examples[0].delta[l]) / n.m),
         {"layer": "all", "per": "batch"}),
        ("sum of example costs", "cost", lambda n: (sum(ex.C for ex in n.examples), sum(ex.C for ex in n.examples)),
         {}),
    )
    v = verdicts(doc)
    assert all(e.status in HOLDS for e in v.values()), {k: (e.status, e.message) for k, e in v.items()}


def test_a_lemma_compares_any_two_sides_and_says_so():
    doc = doc_of(("σ'", "lemma", lambda n, l, i: (n.fp(n.z[l][i]), n.a[l][i] * (1 - n.a[l][i])),
                  {"layer": "all", "spec": {"activation": "sigmoid"}}))
    e = verdicts(doc)["σ'"]
    assert e.status == "proven" and LEMMA_NOTE in e.notes


def test_a_toml_claim_whose_first_side_is_a_formula_is_ill_formed(tmp_path):
    p = tmp_path / "d.toml"
    p.write_text('name = "d"\n[notation]\nfirst_layer = 1\n[spec]\nactivation = "f"\n'
                 '[[claim]]\nlabel = "no delta"\nkind = "delta"\nlayer = "output"\nargs = ["j"]\n'
                 'sides = ["(a[L][j] - y[j]) * f(z[L][j])", "(a[L][j] - y[j]) * f(z[L][j])"]\n'
                 '[[claim]]\nlabel = "BP1"\nkind = "delta"\nlayer = "output"\nargs = ["j"]\n'
                 'sides = ["delta[L][j]", "(a[L][j] - y[j]) * fp(z[L][j])"]\n')
    v = verdicts(load_toml(p))
    assert v["no delta"].status == "ill-formed" and v["BP1"].status in HOLDS


# -- route 6: a sweep too weak to judge ---------------------------------------------------------------
WEAK = (((1, 1, 1), 1),)


def test_a_derivation_cannot_replace_the_default_sweep_by_a_weak_one():
    doc = doc_of(
        # ∂C/∂W_ji = a_j δ_i (indices swapped), read where it can be read
        ("swapped", "grad_W", lambda n, l, j, i: (n.dC_dW[l][j, i], n.a[l - 1][j] * n.delta[l][i]), {"layer": "all"}),
        # ∂J/∂b without the 1/m
        ("no 1/m", "grad_b", lambda n, l: (n.dJ_db[l], sum((ex.delta[l] for ex in n.examples[1:]),
                                                           n.examples[0].delta[l])), {"layer": "all", "per": "batch"}),
        # BP2 with W for Wᵀ, as a page would misprint it
        ("W for Wᵀ", "delta", lambda n, l: (n.delta[l], (n.W[l + 1] @ n.delta[l + 1]) * n.fp(n.z[l])),
         {"layer": "hidden"}),
        # and as an adversary would: W for Wᵀ wherever the shapes allow it (square matrices of width >= 2)
        ("W for Wᵀ if square", "delta", lambda n, l: (n.delta[l], ((n.W[l + 1] if n.W[l + 1].shape[0] == n.W[l + 1].shape[1]
                                                           else n.W[l + 1].T) @ n.delta[l + 1]) * n.fp(n.z[l])),
         {"layer": "hidden"}),
        sweep=WEAK)
    assert set(DEFAULT_SWEEP) <= set(doc.sweep) and ((1, 1, 1), 1) in doc.sweep
    v = verdicts(doc)
    for label in ("swapped", "no 1/m", "W for Wᵀ", "W for Wᵀ if square"):
        assert v[label].status not in HOLDS, (label, v[label].status)


def test_a_batch_factor_right_for_odd_m_only_fails_on_the_default_sweep():
    # (m² − 4m + 6)/(3m) is 1/m for m = 1 and m = 3, and 1/2 for m = 4
    def odd_only(n, l):
        total = sum((ex.dC_db[l] for ex in n.examples[1:]), n.examples[0].dC_db[l])
        return n.dJ_db[l], total * (n.m ** 2 - 4 * n.m + 6) / (3 * n.m)
    doc = doc_of(("odd m only", "grad_b", odd_only, {"layer": "all", "per": "batch"}))
    assert any(m % 2 == 0 and m >= 4 for _, m in doc.sweep)
    assert verdicts(doc)["odd m only"].status == "fails"


def test_a_verdict_on_a_restricted_sweep_says_what_it_cannot_tell_apart():
    square = lambda s, m: all(a == b for a, b in zip(s, s[1:]))   # noqa: E731
    doc = doc_of(("grad", "grad_W", lambda n, l, j, i: (n.dC_dW[l][j, i], n.a[l - 1][i] * n.delta[l][j]),
                  {"layer": "all", "archs": square}), sweep=(((2, 2, 2), 1),))
    e = verdicts(doc)["grad"]
    assert e.status in HOLDS and any("square" in note for note in e.notes)
    with_json = check(doc, budget=30).to_dict()["derivations"][0]["equations"][0]
    assert with_json["notes"] == e.notes


def test_one_example_documents_are_checked_at_m_1_and_say_so():
    doc = doc_of(("step", "update_b", lambda n, l: (n.step_b[l], n.b[l] - n.lr * n.delta[l]), {"layer": "all"}),
                 one_example=True, spec=dict(SPEC, average="none"))
    assert {m for _, m in doc.sweep} == {1}
    e = verdicts(doc)["step"]
    assert e.status == "proven" and any("m = 1" in note for note in e.notes)


# -- route 2: instances too large to evaluate ----------------------------------------------------------
def test_instances_too_large_to_evaluate_are_never_skipped(monkeypatch):
    """Wrong at layers >= 3 and padded there with a sum that expands to 0, so that it is large."""
    monkeypatch.setattr(verify, "MAX_NODES", 400)

    def padded(n, l, i):
        right = (n.W[l + 1].T @ n.delta[l + 1])[i] * n.fp(n.z[l][i])
        if l < 3:
            return n.delta[l][i], right
        u = sum(n.a[l][j] for j in range(1, n.size(l) + 1)) + n.x[1]
        pad = u ** 8 - (u ** 8).expand()
        return n.delta[l][i], 2 * right + pad

    v = verdicts(doc_of(("padded", "delta", padded, {"layer": "hidden"})))
    assert v["padded"].status not in HOLDS, (v["padded"].status, v["padded"].message)
    assert v["padded"].notes or v["padded"].status == "fails"


def test_a_right_formula_too_large_to_evaluate_is_still_proven_exactly(monkeypatch):
    monkeypatch.setattr(verify, "MAX_NODES", 60)
    v = verdicts(doc_of(("BP2", "delta", lambda n, l: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])),
                         {"layer": "hidden"})), numeric_only=False)
    assert v["BP2"].status in ("proven", "proven for all depths")
    assert any("too large for the numeric check" in note for note in v["BP2"].notes)


def test_instances_are_lambdified_in_chunks_of_bounded_size():
    import symengine as se
    x = se.Symbol("x")
    insts = [verify.Instance("", [x + k, x + k]) for k in range(5)]
    chunks = verify.size_chunks(insts, limit=4)
    assert [i for c in chunks for i in c] == insts and len(chunks) > 1
    assert verify.size_chunks(insts, limit=10 ** 9) == [insts]
