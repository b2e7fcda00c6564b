"""'proven for all depths' must mean what it says: adversarial claims against the induction.

Each wrong formula here holds on the default sweep (so it is ``proven`` there) and is wrong, or unjustified,
at some other depth, width or unit: it must never be ``proven for all depths``.  Each right formula must keep
that verdict.
"""

from pathlib import Path

import pytest

from symbp.claims.derivation import Derivation
from symbp.judge.induction import ALL_DEPTHS
from symbp.claims.notation import Notation
from symbp.run.runner import check_derivation
from symbp.run.load import load_derivation

ROOT = Path(__file__).resolve().parent.parent


def _doc(**spec):
    return Derivation("adversary", "Adversary", "-", Notation(first_layer=1),
                      {"activation": "f", "cost": "half_sse", "average": "none", **spec})


def _verdict(doc, label):
    eq = next(e for e in check_derivation(doc).equations if e.label == label)
    return eq


def _bp2(n, l):
    return (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


def _bp1(n, j):
    return (n.a[n.L][j] - n.y[j]) * n.fp(n.z[n.L][j])


# -- a claim that depends on the absolute depth, a width or a unit index -------------------------------
def test_wrong_only_from_depth_6_fails_with_a_deeper_counterexample():
    doc = _doc()   # the sweep's deepest net has L = 5 (layers from 1); the deeper step networks and search have 6, 7

    @doc.claim("BP2, ×2 from L = 6", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) * (2 if n.L >= 6 else 1)

    e = _verdict(doc, "BP2, ×2 from L = 6")
    assert e.status == "fails"
    assert len(e.counterexample["architecture"]) >= 6   # L = 6 in the page's numbering


def test_wrong_only_from_depth_20_is_not_proven_for_all_depths():
    doc = _doc()

    @doc.claim("BP2, ×2 from L = 20", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) * (2 if n.L >= 20 else 1)

    e = _verdict(doc, "BP2, ×2 from L = 20")
    assert e.status == "proven"
    assert any("not local" in n and "compares the depth L with 20" in n for n in e.notes), e.notes


def test_wrong_only_from_layer_5_fails_on_a_deeper_network():
    doc = _doc()

    @doc.claim("BP2, ×2 from l = 5", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) * (2 if l >= 5 else 1)

    e = _verdict(doc, "BP2, ×2 from l = 5")
    assert e.status == "fails"
    assert any("induction step does not hold" in n and "real network" in n for n in e.notes), e.notes


def test_wrong_only_from_layer_20_is_not_proven_for_all_depths():
    doc = _doc()

    @doc.claim("BP2, ×2 from l = 20", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) * (2 if l >= 20 else 1)

    e = _verdict(doc, "BP2, ×2 from l = 20")
    assert e.status == "proven"
    assert any("compares l with 20" in n for n in e.notes), e.notes


def test_wrong_only_at_width_5_via_a_comparison_is_not_proven_for_all_depths():
    doc = _doc()

    @doc.claim("BP2, ×2 at width 5", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) * (2 if n.size(l + 1) >= 5 else 1)

    e = _verdict(doc, "BP2, ×2 at width 5")
    assert e.status == "proven"
    assert any("compares the width of layer l+1 with 5" in n for n in e.notes), e.notes


def test_wrong_only_at_width_5_via_a_polynomial_in_the_width_is_not_proven_for_all_depths():
    doc = _doc()

    @doc.claim("BP2 + (s−1)(s−2)(s−3)(s−4)·x", kind="delta", layer="hidden", latex="")
    def c(n, l):
        s = n.size(l + 1)
        return n.delta[l], _bp2(n, l) + (s - 1) * (s - 2) * (s - 3) * (s - 4) * n.x[1]

    e = _verdict(doc, "BP2 + (s−1)(s−2)(s−3)(s−4)·x")
    assert e.status == "proven"
    assert any("not local" in n and "as a number" in n for n in e.notes), e.notes


def test_wrong_only_at_width_5_read_from_a_shape_fails_on_a_wider_network():
    doc = _doc()   # .shape is a plain int: not tracked, so the numeric check on wider networks must catch it

    @doc.claim("BP2, ×2 where the next layer has 5 units", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) * (2 if n.z[l + 1].shape[0] >= 5 else 1)

    e = _verdict(doc, "BP2, ×2 where the next layer has 5 units")
    assert e.status == "fails"
    assert e.counterexample and max(e.counterexample["architecture"]) >= 5


def test_wrong_only_at_unit_5_is_not_proven_for_all_depths():
    doc = _doc()

    @doc.claim("BP1, ×2 at unit 5", kind="delta", layer="output", latex="")
    def c(n, j):
        return n.delta[n.L][j], _bp1(n, j) * (2 if j == 5 else 1)

    e = _verdict(doc, "BP1, ×2 at unit 5")
    assert e.status == "proven"
    assert any("compares the unit index j with 5" in n for n in e.notes), e.notes


def test_a_claim_reading_two_layers_down_is_not_local():
    doc = _doc()

    @doc.claim("BP2 + 0·a^(l−2)", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) + (n.a[l - 2][1] - n.a[l - 2][1] if l >= 3 else 0)

    from symbp.judge.induction import locality
    assert locality(c, doc, "step", (1, 2, 2, 2, 2))[-1] == "it reads a^(l-2)"


# -- the base case and the step are judged, not only noted ----------------------------------------------
def test_a_failing_base_case_is_a_real_counterexample():
    doc = _doc()   # the sweep's layers L−1 have 2, 3 or 4 units: the extra term vanishes there, not at width 1

    @doc.claim("BP1 + (s−2)(s−3)(s−4)·a^(L−1)_1", kind="delta", layer="output", latex="")
    def c(n, j):
        s = n.size(n.L - 1)
        return n.delta[n.L][j], _bp1(n, j) + (s - 2) * (s - 3) * (s - 4) * n.a[n.L - 1][1]

    e = _verdict(doc, "BP1 + (s−2)(s−3)(s−4)·a^(L−1)_1")
    assert e.status == "fails"
    assert e.counterexample["architecture"][0:2] == [1, 1]
    assert any("base case does not hold" in n for n in e.notes), e.notes


def test_a_failing_step_without_a_real_counterexample_is_proven_on_the_sweep_only():
    doc = _doc()   # on every real network C is the half squared error; under G it is not

    @doc.claim("BP2 + (C − ½Σ(a−y)²)·x", kind="delta", layer="hidden", latex="")
    def c(n, l):
        L = n.L
        sse = sum((n.a[L][k] - n.y[k]) ** 2 for k in range(1, n.size(L) + 1)) / 2
        return n.delta[l], _bp2(n, l) + (n.C - sse) * n.x[1]

    e = _verdict(doc, "BP2 + (C − ½Σ(a−y)²)·x")
    assert e.status == "proven"
    assert any("induction step does not hold" in n and "no real counterexample" in n for n in e.notes), e.notes


def test_a_case_the_claim_cannot_be_read_on_gets_a_note():
    doc = _doc()   # ∂C/∂a^(l+1) exists on every real network, not under G(z^(l+1))

    @doc.claim("BP2 + 0·∂C/∂a^(l+1)", kind="delta", layer="hidden", latex="")
    def c(n, l):
        return n.delta[l], _bp2(n, l) + 0 * n.dC_da[l + 1][1]

    e = _verdict(doc, "BP2 + 0·∂C/∂a^(l+1)")
    assert e.status == "proven"
    assert any("not proven for all depths" in n and "cannot be read" in n for n in e.notes), e.notes


def test_the_step_network_keeps_the_weight_decay():
    doc = _doc(weight_decay=True)
    doc.one_example = True     # a per-example formula against ∂J/∂W: the batch is one example

    @doc.claim("∂J/∂W with decay", kind="grad_W", layer="all", per="example", latex="")
    def c(n, l, j, k):
        return n.dJ_dW[l][j, k], n.a[l - 1][k] * n.delta[l][j] + n.lam * n.W[l][j, k]

    e = _verdict(doc, "∂J/∂W with decay")
    assert e.status == ALL_DEPTHS, (e.status, e.notes, e.message)
    assert not any("does not hold" in n for n in e.notes)


# -- right formulas keep the verdict, in both input forms -----------------------------------------------
def test_the_four_equations_stay_proven_for_all_depths():
    eqs = {e.label: e for e in check_derivation(load_derivation(ROOT / "examples" / "four_equations.py")).equations}
    for label in ("BP1", "BP2", "BP2, derivation", "BP3", "BP4"):
        assert eqs[label].status == ALL_DEPTHS, (label, eqs[label].notes)
        assert any("local" in n and "every width 1–4" in n for n in eqs[label].notes)


_TOML = """
name = "adversary_toml"
title = "Adversary"
source = "-"
[notation]
first_layer = 1
[spec]
activation = "f"
cost = "half_sse"
average = "none"
[[claim]]
label = "BP2"
kind = "delta"
layer = "hidden"
args = ["l", "j"]
sides = ["delta[l][j]", "sum(k=1..size(l+1), W[l+1][k, j] * delta[l+1][k]) * fp(z[l][j])"]
[[claim]]
label = "BP2 + (s-1)(s-2)(s-3)(s-4) x"
kind = "delta"
layer = "hidden"
args = ["l", "j"]
sides = ["delta[l][j]", "sum(k=1..size(l+1), W[l+1][k, j] * delta[l+1][k]) * fp(z[l][j]) + (size(l+1)-1)*(size(l+1)-2)*(size(l+1)-3)*(size(l+1)-4)*x[1]"]
[[claim]]
label = "BP1 + 0 a^(1)"
kind = "delta"
layer = "output"
args = ["j"]
sides = ["delta[L][j]", "(a[L][j] - y[j]) * fp(z[L][j]) + 0 * a[1][1]"]
"""


def test_toml_claims_are_tracked_too(tmp_path):
    path = tmp_path / "adversary.toml"
    path.write_text(_TOML)
    eqs = {e.label: e for e in check_derivation(load_derivation(path)).equations}
    assert eqs["BP2"].status == ALL_DEPTHS, eqs["BP2"].notes
    wide = eqs["BP2 + (s-1)(s-2)(s-3)(s-4) x"]
    assert wide.status == "proven" and any("not local" in n for n in wide.notes), wide.notes
    fixed = eqs["BP1 + 0 a^(1)"]
    assert fixed.status == "proven" and any("a^(1) at a fixed layer" in n for n in fixed.notes), fixed.notes


@pytest.mark.parametrize("bad", ["int", "float", "hash", "bool"])
def test_every_use_of_a_tracked_value_is_recorded(bad):
    from symbp.judge.locality import Recorder, Tracked
    uses = {"int": lambda i: int(i), "float": lambda i: float(i), "hash": lambda i: {1: 0}.get(i),
            "bool": lambda i: 1 if i else 0}
    with Recorder() as rec:
        uses[bad](Tracked(1, "the unit index i"))
    assert rec.reasons and "the unit index i" in rec.reasons[0]
