"""Issue 14, items 5, 7, 9: a notation per claim, the page's names in every message, readings `ocr`, and
`definition` for a claim that restates the model (each with a right and a wrong formula)."""

import json

import pytest

from symbp.claims.derivation import ClaimError, Derivation
from symbp.claims.notation import Notation
from symbp.claims.view import PageView, View
from symbp.formula.reader import DeclarativeError
from symbp.model.spec import NetworkSpec
from symbp.oracle.symbolic import SymbolicNetwork
from symbp.run.load import load_derivation
from symbp.run.runner import check_derivation
from symbp.report.results import Report

SMALL = (((2, 3, 2), 1), ((3, 2, 4, 1), 2))     # one run of the default sweep is added by Derivation anyway
TO_FROM = Notation(first_layer=1, weight_index="to_from")
FROM_TO = Notation(first_layer=1, weight_index="from_to")


def verdicts(doc, **kw):
    return {(e.label, e.reading): e for e in check_derivation(doc, **kw).equations}


# -- item 5: a notation per claim ----------------------------------------------------------------
def mid_proof_switch():
    """A page that writes W_ji (to-from) and switches to w_ij (from-to) in the middle of its proof."""
    doc = Derivation("switch", "Switch", "-", TO_FROM, {"activation": "f", "average": "none"})

    @doc.claim("(1) to-from", kind="delta", layer="hidden", latex=r"\delta^l = (W^{l+1})^T \delta^{l+1} \odot f'(z^l)")
    def first(n, l):
        return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])

    @doc.claim("(2) from-to", kind="delta", layer="hidden", notation=FROM_TO,
               latex=r"\delta^l_i = f'(z^l_i) \sum_j w^{l+1}_{ij} \delta^{l+1}_j")
    def second(n, l, i):
        return n.delta[l][i], n.fp(n.z[l][i]) * sum(n.W[l + 1][i, j] * n.delta[l + 1][j]
                                                    for j in range(1, n.size(l + 1) + 1))

    @doc.claim("(2) read in the document's notation", kind="delta", layer="hidden", expect="fails",
               note="the same formula without the switch: w_ij read to-from", latex="")
    def second_unswitched(n, l, i):
        return n.delta[l][i], n.fp(n.z[l][i]) * sum(n.W[l + 1][i, j] * n.delta[l + 1][j]
                                                    for j in range(1, n.size(l + 1) + 1))

    @doc.claim("(3) from-to, indices swapped", kind="delta", layer="hidden", notation=FROM_TO, expect="fails",
               note="w_ji under the from-to convention", latex="")
    def second_wrong(n, l, i):
        return n.delta[l][i], n.fp(n.z[l][i]) * sum(n.W[l + 1][j, i] * n.delta[l + 1][j]
                                                    for j in range(1, n.size(l + 1) + 1))
    return doc


@pytest.fixture(scope="module")
def switched():
    return check_derivation(mid_proof_switch(), budget=20)


def test_a_claim_is_read_in_its_own_notation(switched):
    eqs = {e.label: e for e in switched.equations}
    assert eqs["(1) to-from"].status.startswith("proven")
    assert eqs["(2) from-to"].status.startswith("proven")            # right in its own notation
    assert eqs["(2) read in the document's notation"].status in ("fails", "ill-formed")   # the override matters
    assert eqs["(3) from-to, indices swapped"].status in ("fails", "ill-formed")          # a wrong one still fails
    assert all(not e.unexpected for e in switched.equations)


def test_the_report_says_which_notation_each_claim_was_read_in(switched):
    eqs = {e.label: e for e in switched.equations}
    own, doc_ = eqs["(2) from-to"], eqs["(1) to-from"]
    assert own.own_notation and "W from-to" in own.notation
    assert not doc_.own_notation and "W to-from" in doc_.notation
    data = json.loads(Report([switched]).to_json())
    e = {x["label"]: x for x in data["derivations"][0]["equations"]}["(2) from-to"]
    assert e["own_notation"] is True and "from-to" in e["notation"]
    assert "read in its own notation: layers from 1; W from-to" in Report([switched]).to_table()
    assert "Read in a notation of their own: (2) from-to" in Report([switched]).to_markdown()


def test_a_claim_notation_must_be_a_notation():
    doc = Derivation("d", "D", "-", TO_FROM)
    with pytest.raises(ClaimError, match="notation= must be a Notation"):
        doc.claim("(1)", kind="cost", latex="", notation={"weight_index": "from_to"})


TOML_SWITCH = '''
name = "switch"
[notation]
first_layer = 1
weight_index = "to_from"
[spec]
activation = "f"
average = "none"

[[claim]]
label = "(2) from-to"
kind = "delta"
layer = "hidden"
args = ["l", "i"]
notation = {{ first_layer = 1, weight_index = "from_to", names = {{ w = "W" }} }}
sides = ["delta[l][i]", "fp(z[l][i]) * sum(j=1..size(l+1), w[l+1][{idx}] * delta[l+1][j])"]
'''


def test_toml_claims_take_their_own_notation(tmp_path):
    right, wrong = tmp_path / "right.toml", tmp_path / "wrong.toml"
    right.write_text(TOML_SWITCH.format(idx="i, j"), encoding="utf-8")
    wrong.write_text(TOML_SWITCH.format(idx="j, i"), encoding="utf-8")
    r = check_derivation(load_derivation(right)).equations[0]
    w = check_derivation(load_derivation(wrong)).equations[0]
    assert r.status.startswith("proven") and r.own_notation and "names w → W" in r.notation
    assert w.status in ("fails", "ill-formed")


def test_a_bad_claim_notation_in_toml_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TOML_SWITCH.format(idx="i, j").replace('"from_to"', '"ij"'), encoding="utf-8")
    with pytest.raises(Exception) as exc:
        load_derivation(bad)
    assert "claim 1 ('(2) from-to'): notation: weight_index: 'ij'" in str(exc.value)
    assert "\n" not in str(exc.value)
    assert issubclass(DeclarativeError, ValueError)


# -- item 9: definition and ocr ----------------------------------------------------------------------
def definitions_doc():
    doc = Derivation("defs", "Defs", "-", Notation(first_layer=1), {"activation": "f", "average": "none"})

    @doc.claim("forward", kind="lemma", layer="all", latex=r"z^l = W^l a^{l-1} + b^l")
    def forward(n, l):
        return n.z[l], n.W[l] @ n.a[l - 1] + n.b[l]

    @doc.claim("forward, W for Wᵀ", kind="lemma", layer="all", expect="fails", note="transposed", latex="")
    def forward_wrong(n, l):
        return n.z[l], n.W[l].T @ n.a[l - 1] + n.b[l] if n.W[l].shape[0] == n.W[l].shape[1] else n.W[l].T

    @doc.claim("cost", kind="cost", per="example", latex=r"C = \frac12 \|a^L - y\|^2")
    def cost(n):
        return n.C, sum((n.a[n.L][k] - n.y[k]) ** 2 for k in range(1, n.K + 1)) / 2

    @doc.claim("cost without ½", kind="cost", per="example", expect="fails", note="factor 2", latex="")
    def cost_wrong(n):
        return n.C, sum((n.a[n.L][k] - n.y[k]) ** 2 for k in range(1, n.K + 1))

    @doc.claim("δ^L", kind="delta", layer="output", latex=r"\delta^L = (a^L - y) \odot f'(z^L)")
    def out(n):
        return n.delta[n.L], (n.a[n.L] - n.y) * n.fp(n.z[n.L])

    @doc.claim("δ^L restated", kind="delta", layer="output", latex=r"\delta^L = \delta^L")
    def out_restated(n):
        return n.delta[n.L], n.delta[n.L]

    @doc.claim("δ^L, scanned", kind="delta", layer="output", reading="ocr", expect="fails",
               note="the scan reads a minus for the equals sign's neighbour", latex=r"\delta^L = (y - a^L) f'(z^L)")
    def out_ocr(n):
        return n.delta[n.L], (n.y - n.a[n.L]) * n.fp(n.z[n.L])

    @doc.claim("δ^L, scanned", kind="delta", layer="output", reading="intended", latex="")
    def out_ocr_intended(n):
        return n.delta[n.L], (n.a[n.L] - n.y) * n.fp(n.z[n.L])
    return doc


@pytest.fixture(scope="module")
def defs():
    return check_derivation(definitions_doc())


def test_a_restated_definition_is_a_definition_not_a_proof(defs):
    eqs = {(e.label, e.reading): e for e in defs.equations}
    assert eqs[("forward", "as-written")].status == "definition"
    assert eqs[("cost", "as-written")].status == "definition"
    assert eqs[("forward", "as-written")].notes[0].startswith("definition:")


def test_a_wrong_definition_still_fails(defs):
    eqs = {(e.label, e.reading): e for e in defs.equations}
    assert eqs[("forward, W for Wᵀ", "as-written")].status in ("fails", "ill-formed")
    assert eqs[("cost without ½", "as-written")].status == "fails"
    assert eqs[("cost without ½", "as-written")].diagnosis["kind"] == "factor"


def test_a_claim_that_reads_a_derivative_stays_proven(defs):
    eqs = {(e.label, e.reading): e for e in defs.equations}
    assert eqs[("δ^L", "as-written")].status.startswith("proven")
    # reading the true δ on both sides is no definition of the model either: it says nothing, but proves it
    assert eqs[("δ^L restated", "as-written")].status.startswith("proven")


def test_ocr_slips_are_counted_apart(defs):
    eqs = {(e.label, e.reading): e for e in defs.equations}
    assert eqs[("δ^L, scanned", "ocr")].status == "fails" and not eqs[("δ^L, scanned", "ocr")].unexpected
    assert eqs[("δ^L, scanned", "intended")].status.startswith("proven")
    report = Report([defs])
    s = report.summary
    assert s["ocr_slips"] == 1 and s["fails"] == 3 and s["definition"] == 2 and report.exit_code == 0
    assert "(1 of the fails and ill-formed likely scanning slips)" in report.to_table().splitlines()[-1]
    assert "(1 of the fails and ill-formed likely scanning slips)" in report.to_markdown()
    assert "| δ^L, scanned | ocr |" in report.to_markdown()


def test_reading_must_be_known():
    doc = Derivation("d", "D", "-", Notation())
    with pytest.raises(ClaimError, match="reading 'scan' is not one of as-written, intended, ocr"):
        doc.claim("(1)", kind="cost", latex="", reading="scan")


# -- item 7: the page's names everywhere -------------------------------------------------------------
ALL_RENAMED = Notation(first_layer=1, weight_index="from_to", weight_named_after="target",
                       names={"h": "a", "s": "z", "w": "W", "c": "b", "u": "x", "t": "y", "beta": "lr",
                              "N": "m", "g": "f", "gp": "fp", "d": "delta", "E": "C"})


def renamed_doc():
    """A page none of whose names is symbp's; every claim is wrong in one way."""
    doc = Derivation("renamed", "Renamed", "-", ALL_RENAMED,
                     {"activation": "f", "cost": "half_sse", "average": "none"})

    @doc.claim("sign", kind="delta", layer="output", latex="", expect="fails", note="sign")
    def sign(n, j):
        return n.d[n.L][j], (n.t[j] - n.h[n.L][j]) * n.gp(n.s[n.L][j])

    @doc.claim("transpose", kind="delta", layer="hidden", latex="", expect="fails", note="wᵀ for w")
    def transpose(n, l):
        return n.d[l], (n.w[l + 1].T @ n.d[l + 1]) * n.gp(n.s[l])

    @doc.claim("g for gp", kind="delta", layer="output", latex="", expect="fails", note="g for g'")
    def g_for_gp(n, j):
        return n.d[n.L][j], (n.h[n.L][j] - n.t[j]) * n.g(n.s[n.L][j])

    @doc.claim("update", kind="update_W", layer="all", latex="", expect="fails", note="sign")
    def update(n, l):
        return n.step_W[l], n.w[l] + n.beta * n.dJ_dW[l]

    @doc.claim("shapes", kind="delta", layer="hidden", latex="", expect="fails", note="s for d")
    def shapes(n, l):
        return n.d[l], (n.w[l + 1] @ n.s[l]) * n.gp(n.s[l])

    @doc.claim("wrong truth", kind="delta", layer="output", latex="", expect="fails", note="h is no δ")
    def wrong_truth(n):
        return n.h[n.L], n.h[n.L]
    return doc


@pytest.fixture(scope="module")
def renamed():
    return {e.label: e for e in check_derivation(renamed_doc()).equations}


SYMBP_WORDS = ("W^(", "b^(", "x_{", "y_{", "a^(", "z^(", "'alpha'", "\"alpha\"", " m=", "(y ", "y real", "f'(",
               "fp(", "δ^(")


def everything_said(e):
    return json.dumps({"verdict": e.verdict_text, "cex": e.counterexample, "notes": e.notes,
                       "message": e.message}, ensure_ascii=False)


def test_every_message_speaks_the_pages_names(renamed):
    for e in renamed.values():
        assert e.status in ("fails", "ill-formed"), (e.label, e.verdict_text)
        said = everything_said(e)
        for word in SYMBP_WORDS:
            assert word not in said, (e.label, word, said[:600])


def test_diagnoses_name_the_pages_quantities(renamed):
    assert renamed["transpose"].diagnosis["detail"].startswith("w where wᵀ belongs")
    assert renamed["g for gp"].diagnosis["detail"].startswith("g where g' belongs")
    assert "targets: free (t real" in renamed["sign"].notes[0]
    point = renamed["sign"].counterexample["point"]
    assert point and all(k.split("^")[0].split("_")[0] in ("w", "c", "u", "t") for k in point), point
    assert "g(" in renamed["sign"].counterexample["truth"] and "g'(" in renamed["sign"].counterexample["truth"]
    assert "beta" in renamed["update"].counterexample["point"], renamed["update"].counterexample["point"]
    assert "w^(3) (3×2) @ s^(2) (3×1)" in renamed["shapes"].verdict_text
    assert " N=" in renamed["wrong truth"].message, renamed["wrong truth"].message


def test_a_from_to_page_sees_its_matrix_without_a_transpose():
    v = View(SymbolicNetwork(NetworkSpec((2, 3, 2), activation="f")), ALL_RENAMED)
    n = PageView(v)
    assert n.w[2].name == "w^(2)" and n.w[2].T.name == "w^(2)ᵀ"
    assert n.gp(n.s[2]).name == "g'(s^(2))" and n.g(n.s[2]).name == "g(s^(2))"


def test_batch_matrices_follow_their_vectors_renames():
    goodfellow = Notation(names={"a": "z", "h": "a"})     # a: the pre-activation, h: the activation
    v = View(SymbolicNetwork(NetworkSpec((2, 2), activation="f", batch_size=2)), goodfellow)
    n = PageView(v)
    assert n.A[1].rows == v.Z[1].rows and n.A[1].name == "A^(1)"   # the page's A is the batch of its a
    assert n.H[1].rows == v.A[1].rows and n.H[1].name == "H^(1)"
    assert n.a[1][1] == v.z[1][1] and n.h[1][1] == v.a[1][1]
    explicit = Notation(names={"t": "y", "T": "Y"})
    assert explicit.all_names() == {"t": "y", "T": "Y"}


# -- the new bundled example: Bishop's PRML §5.3.1 --------------------------------------------------------
BISHOP = __import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "bishop_prml_backprop.py"

BISHOP_VERDICTS = {"(5.44)": "definition", "(5.46)": "definition", "(5.48)": "definition", "(5.49)": "definition",
                   "(5.50)": "proven for all depths", "(5.51)": "proven for all depths", "(5.52)": "proven",
                   "(5.53)": "proven for all depths", "(5.54)": "proven for all depths",
                   "(5.55)": "proven for all depths", "(5.56)": "proven for all depths", "(5.57)": "proven"}


def test_bishop_example_checks_with_its_pinned_verdicts():
    doc = load_derivation(BISHOP)
    result = check_derivation(doc, budget=30)   # room for the induction on a loaded machine
    assert {e.label: e.status for e in result.equations} == BISHOP_VERDICTS
    assert all(not e.unexpected for e in result.equations)
    # every message in Bishop's names: his a is the pre-activation, z the unit's output
    induction = next(e for e in result.equations if e.label == "(5.53)").notes
    assert any("any input z^(L−1)" in x and "G(a^(l+1))" in x and "every differentiable h" in x for x in induction)


def test_bishop_wrong_formulas_fail_in_bishops_names():
    doc = load_derivation(BISHOP)
    wrong = Derivation("bishop_wrong", "Bishop, wrong", "-", doc.notation, doc.spec)

    @wrong.claim("(5.56) h for h'", kind="delta", layer="hidden", latex="", expect="fails", note="h")
    def h_for_hp(n, l, j):
        return n.delta[l][j], n.h(n.a[l][j]) * sum(n.w[l + 1][k, j] * n.delta[l + 1][k]
                                                   for k in range(1, n.size(l + 1) + 1))

    @wrong.claim("(5.53) δ_i z_j", kind="grad_W", layer="all", latex="", expect="fails", note="swapped")
    def swapped(n, l, j, i):
        return n.dC_dW[l][j, i], n.delta[l][i] * n.z[l - 1][j]

    @wrong.claim("(5.48) without the bias", kind="lemma", layer="all", latex="", expect="fails", note="i from 1")
    def no_bias(n, l, j):
        return n.a[l][j], sum(n.w[l][j, i] * n.z[l - 1][i] for i in range(1, n.size(l - 1) + 1))

    @wrong.claim("(5.54) t − y", kind="delta", layer="output", latex="", expect="fails", note="sign")
    def sign(n, k):
        return n.delta[n.L][k], n.t[k] - n.z[n.L][k]
    eqs = {e.label: e for e in check_derivation(wrong).equations}
    assert eqs["(5.56) h for h'"].diagnosis["detail"].startswith("h where h' belongs")
    assert eqs["(5.53) δ_i z_j"].status in ("fails", "ill-formed")
    assert eqs["(5.48) without the bias"].status == "fails"
    assert eqs["(5.48) without the bias"].diagnosis["kind"] == "missing-term"
    assert eqs["(5.54) t − y"].diagnosis["kind"] == "sign"
    assert all(not e.unexpected for e in eqs.values())


def test_a_jacobian_is_named_in_the_pages_symbols():
    """n.partial's tensor speaks the page's names (∂e/∂s^(2), not ∂('z', 2)/∂a^(l)) in an ill-formed message."""
    doc = Derivation("jac", "Jac", "-", Notation(first_layer=0, names={"e": "C", "s": "z", "h": "a"}),
                     {"activation": "f"})

    @doc.claim("wrong shape", kind="delta", layer="output", latex="")
    def wrong(n, l):
        return n.delta[l], n.partial(("z", l), ("a", l - 1)) @ n.partial(("z", l), ("a", l - 1))

    e = check_derivation(doc).equations[0]
    assert e.status in ("ill-formed", "fails"), e.verdict_text
    assert "∂s^(" in e.message and "/∂h^(" in e.message and "('z'" not in e.message, e.message
