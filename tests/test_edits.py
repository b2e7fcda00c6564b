"""The diagnosis names the smallest edit that makes a wrong formula true, and prints the corrected formula.

Each wrong formula has one fault at one occurrence (or two faults), where a
reading of the whole formula (every z one layer off, f and f' exchanged
everywhere) does not fit; its diagnosis must name the edit ({kind, at, from,
to}, in the page's notation) and, where the edit is one token of the LaTeX,
the corrected formula.  A right formula gets no edit; a wrong one that no
small edit fixes stays ``unknown`` (an edit is kept only when the edited
formula is exactly true).
"""

import pytest

from symbp import Derivation, Notation, check

SPEC = {"activation": "f", "cost": "half_sse", "average": "examples"}


def diagnosed(fn, kind="lemma", layer="hidden", latex="", **kw):
    doc = Derivation("edits", "Edits", source="test", notation=Notation(), spec=SPEC)
    doc.claim("c", kind=kind, layer=layer, latex=latex, **kw)(fn)
    return check(doc, budget=20).derivations[0].equations[0]


def edits_of(e):
    return [(x["kind"], x["from"], x["to"]) for x in e.diagnosis.get("edits", [])]


def test_one_layer_off_at_one_occurrence():
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])),
                  latex=r"a^{(l)} \odot a^{(l)} = f(z^{(l)}) \odot f(z^{(l-1)})")
    assert e.status in ("fails", "ill-formed"), e.verdict_text     # z^(0) does not exist: ill-formed at l = 1
    assert edits_of(e) == [("layer", "z^(l-1)", "z^(l)")], e.diagnosis
    assert e.diagnosis["kind"] == "layer"
    assert e.diagnosis["corrected_latex"] == r"a^{(l)} \odot a^{(l)} = f(z^{(l)}) \odot f(z^{(l)})"


def test_f_for_f_prime_at_one_occurrence():
    e = diagnosed(lambda n, l: (n.f(n.z[l]) * n.f(n.z[l]), n.fp(n.z[l]) * n.f(n.z[l])),
                  latex=r"f(z^{(l)}) \odot f(z^{(l)}) = f'(z^{(l)}) \odot f(z^{(l)})")
    assert e.status == "fails"
    assert edits_of(e) == [("derivative", "f'", "f")], e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"f(z^{(l)}) \odot f(z^{(l)}) = f(z^{(l)}) \odot f(z^{(l)})"


def test_another_index_in_scope():
    e = diagnosed(lambda n, l, j, i: (n.dC_dW[l][j, i], n.delta[l][j] * n.a[l - 1][j]), kind="grad_W",
                  layer="all", latex=r"\frac{\partial C}{\partial W^{(l)}_{ji}} = \delta^{(l)}_j a^{(l-1)}_j")
    assert e.status == "fails"
    assert ("index", "a^(l-1)_{j}", "a^(l-1)_{i}") in edits_of(e), e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"\frac{\partial C}{\partial W^{(l)}_{ji}} = \delta^{(l)}_j a^{(l-1)}_i"


def test_a_stray_index_dropped():
    e = diagnosed(lambda n, l, i: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l][i])), kind="delta",
                  latex=r"\delta^{(l)} = ((W^{(l+1)})^T \delta^{(l+1)}) \odot f'(z_i^{(l)})")
    assert e.status == "fails"
    assert edits_of(e) == [("index", "z^(l)_{i}", "z^(l)")], e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"\delta^{(l)} = ((W^{(l+1)})^T \delta^{(l+1)}) \odot f'(z^{(l)})"


def test_an_entry_read_at_its_neighbour():
    # the second z_1 should be z_2: one entry at one place (the index mix-up of whole entries does not fit)
    e = diagnosed(lambda n, l: (n.a[l][1] * n.a[l][2], n.f(n.z[l][1]) * n.f(n.z[l][1])), archs=lambda s, m: min(s) >= 2)
    assert e.status == "fails"
    assert edits_of(e) == [("index", "z^(l)_{1}", "z^(l)_{2}")], e.diagnosis
    # no LaTeX given: the corrected formula is printed from the code's tree (the edited read is the first z_1)
    assert e.diagnosis["corrected_latex"] == "a^{(l)}_1 a^{(l)}_2 = f(z^{(l)}_2) f(z^{(l)}_1)"
    assert "z^(l)_{2} for z^(l)_{1}" in e.diagnosis["detail"]


def test_an_extra_term():
    e = diagnosed(lambda n, i: (n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i]) + n.a[n.L - 1][1]),
                  kind="delta", layer="output")
    assert e.status == "fails"
    assert edits_of(e) == [("extra-term", "a^(L-1)_{1}", "0")] or \
        [k for k, _, _ in edits_of(e)] == ["extra-term"], e.diagnosis


def test_two_faults_at_once():
    # like 003's ⑯: the wrong layer and f where f' belongs, in one formula
    e = diagnosed(lambda n, l, i: (n.partial(("a", l), ("z", l))[i, i], n.f(n.z[l - 1][i])),
                  latex=r"\frac{\partial a_i^{(l)}}{\partial z_i^{(l)}} = f(z_i^{(l-1)})")
    assert e.status in ("fails", "ill-formed"), e.verdict_text     # z^(0) does not exist: ill-formed at l = 1
    assert sorted(edits_of(e)) == [("derivative", "f", "f'"), ("layer", "z^(l-1)", "z^(l)")], e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"\frac{\partial a_i^{(l)}}{\partial z_i^{(l)}} = f'(z_i^{(l)})"


def test_an_ill_formed_formula_gets_the_edit_that_makes_it_true():
    # z^(0) does not exist (the input layer has no pre-activation): ill-formed, and z^(1) makes it true
    e = diagnosed(lambda n: (n.partial(("a", 1), ("z", 0))[1, 1], n.fp(n.z[0][1])), layer=lambda n: 1,
                  latex=r"\frac{\partial a_1^{(1)}}{\partial z_1^{(0)}} = f'(z_1^{(0)})",
                  archs=lambda s, m: len(s) == 3)
    assert e.status == "ill-formed"
    assert edits_of(e) == [("layer", "z^(0)", "z^(1)")], e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"\frac{\partial a_1^{(1)}}{\partial z_1^{(1)}} = f'(z_1^{(1)})"


@pytest.mark.parametrize("fn, kind, layer", [
    (lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l])), "lemma", "hidden"),
    (lambda n, l, i: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])), "delta", "hidden"),
    (lambda n, l, j, i: (n.dC_dW[l][j, i], n.delta[l][j] * n.a[l - 1][i]), "grad_W", "all"),
])
def test_a_right_formula_gets_no_edit(fn, kind, layer):
    e = diagnosed(fn, kind=kind, layer=layer)
    assert e.status in ("proven", "proven for all depths", "definition"), e.verdict_text
    assert e.diagnosis is None


def test_no_small_edit_fits_stays_unknown():
    e = diagnosed(lambda n, l, i: (n.a[l][i], n.f(n.z[l][i]) ** 3))
    assert e.status == "fails"
    assert e.diagnosis["kind"] == "unknown", e.diagnosis
    assert "edits" not in e.diagnosis


def test_the_edit_is_confirmed_exactly_not_just_numerically():
    from symbp.judge import edits
    assert edits.find_edits.__doc__ and "exactly" in edits.find_edits.__doc__
    # the exact check is what admits an edit: a candidate that only agrees at the fixed points is refused
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])))
    assert e.diagnosis["edits"]


def test_json_and_renderings_carry_the_corrected_formula():
    from symbp.report.results import DerivationResult, Report
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])),
                  latex=r"a^{(l)} \odot a^{(l)} = f(z^{(l)}) \odot f(z^{(l-1)})")
    d = e.to_dict()["diagnosis"]
    assert d["edits"][0] == {"kind": "layer", "at": d["edits"][0]["at"], "from": "z^(l-1)", "to": "z^(l)"}
    assert d["corrected_latex"].endswith(r"f(z^{(l)})")
    report = Report([DerivationResult("edits", "Edits", "test", equations=[e])])
    assert "corrected: a^(l) ⊙ a^(l) = f(z^(l)) ⊙ f(z^(l))" in report.to_table()    # the text, from the tree
    assert "corrected: $a^{(l)}" in report.to_markdown()
    assert r"corrected: $a^{(l)}" in report.to_latex()
    assert "corrected: $a^{(l)}" in e._repr_markdown_()      # a notebook cell


def test_an_untrusted_corrected_formula_is_escaped():
    from symbp.report.results import DerivationResult, Report
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])))
    e.diagnosis["corrected_latex"] = r"\input{/etc/hostname}"
    report = Report([DerivationResult("edits", "Edits", "test", equations=[e])])
    assert r"\input{" not in report.to_latex().replace(r"\textbackslash{}input\{", "")
    assert "$\\input" not in report.to_markdown() and "$\\input" not in e._repr_markdown_()


def test_the_corrected_latex_edits_only_a_token_that_is_the_read():
    from symbp.judge.edits import correct_latex
    # the entry read is W^(l+1)_{1,2}; the page's w_{12} carries no layer: it may be another entry, so no correction
    assert correct_latex(r"\begin{bmatrix} w_{11} & w_{12}\end{bmatrix}", [None],
                         [{"kind": "index", "at": "read 4", "from": "W^(l+1)_{1,2}", "to": "W^(l+1)_{2,2}"}]) is None
    # after a^(2) -> a^(1) the only a_i left is of layer 1, not the a^(2)_i that the second edit is about
    assert correct_latex(r"(y_i - t_k)\, a_i^{[2]}", [None, None],
                         [{"kind": "layer", "at": "read 2", "from": "a^(2)", "to": "a^(1)"},
                          {"kind": "index", "at": "read 1", "from": "a^(2)_{i}", "to": "a^(2)_{k}"}]) is None
    # two tokens of the symbol at that layer, an edit at one occurrence: which one is unknown
    assert correct_latex(r"f(z^{(l-1)}) f(z^{(l-1)})", [None],
                         [{"kind": "layer", "at": "read 2", "from": "z^(l-1)", "to": "z^(l)"}]) is None


def test_a_captured_index_is_renamed_at_every_read_of_its_summand():
    # like 000's Σ_{i=1}^m over a formula that already uses i: the sum's own index e is read where i belongs
    e = diagnosed(lambda n, l, j, i: (n.dJ_dW[l][j, i], sum(n.examples[k - 1].dC_dW[l][j, k]
                                                             for k in range(1, n.m + 1)) / n.m),
                  kind="grad_W", layer="all", per="batch")
    assert e.status in ("fails", "ill-formed"), e.verdict_text
    assert [x["kind"] for x in e.diagnosis["edits"]] == ["index"], e.diagnosis
    assert e.diagnosis["edits"][0]["at"] == "every ∂C/∂W^(l)_{j,k} in the sum over k", e.diagnosis
    assert e.diagnosis["edits"][0]["to"].endswith("_{j,i}") and "every architecture" in e.diagnosis["detail"]
    # spelled as the page does, Σ_{i=1}^m binding the i of W_ji: the capture is said
    e = diagnosed(lambda n, l, j, i: (n.dJ_dW[l][j, i], sum(n.examples[i - 1].dC_dW[l][j, i]
                                                             for i in range(1, n.m + 1)) / n.m),
                  kind="grad_W", layer="all", per="batch")
    assert e.diagnosis["edits"][0]["at"] == "every ∂C/∂W^(l)_{j,i} in the sum over i", e.diagnosis
    assert "the i outside the sum, which the sum's i captures" in e.diagnosis["detail"], e.diagnosis


TOML = '''
name = "edits_toml"
title = "Edits, declarative"
source = "test"

[spec]
activation = "f"
cost = "half_sse"
average = "examples"

[[claim]]
label = "stray index"
kind = "delta"
layer = "hidden"
args = ["l", "i"]
latex = "\\\\delta^{(l)} = ((W^{(l+1)})^T \\\\delta^{(l+1)}) \\\\odot f'(z_i^{(l)})"
sides = ["delta[l]", "(W[l+1].T @ delta[l+1]) * fp(z[l][i])"]
expect = "fails"
note = "a stray i"
'''


def test_a_toml_formula_gets_its_edit_and_corrected_formula(tmp_path):
    path = tmp_path / "edits.toml"
    path.write_text(TOML)
    e = check(path, budget=20).derivations[0].equations[0]
    assert e.status == "fails"
    assert edits_of(e) == [("index", "z^(l)_{i}", "z^(l)")], e.diagnosis
    assert "line" not in e.diagnosis["edits"][0]["at"]       # the interpreter's lines are not the page's
    assert e.diagnosis["corrected_latex"] == r"\delta^{(l)} = ((W^{(l+1)})^T \delta^{(l+1)}) \odot f'(z^{(l)})"


def test_a_where_z_belongs_at_one_occurrence():
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.a[l])))
    assert e.status == "fails"
    assert edits_of(e) == [("index", "a^(l)", "z^(l)")], e.diagnosis


# -- the place of an edit is said in the page's formula, never as a line of the claim's file ----------------------
def _matrix(rows, cols, entry, name):
    from symbp import Tensor
    return Tensor([[entry(r, c) for c in range(1, cols + 1)] for r in range(1, rows + 1)], name)


def test_the_place_is_a_cell_of_the_written_matrix():
    # like Reynoso's δ^l matrix: row 2 of the written Wᵀ ends in w_{1s} where w_{2s} belongs
    def claim(n, l):
        rows, cols = n.size(l + 1), n.size(l)
        w = _matrix(rows, cols, lambda r, c: n.W[l + 1][1 if (r == 2 and c == cols) else r, c], "[w]")
        return n.delta[l], (w.T @ n.delta[l + 1]) * n.fp(n.z[l])
    e = diagnosed(claim, kind="delta")
    assert e.status == "fails", e.verdict_text
    (edit,) = e.diagnosis["edits"]
    assert edit["kind"] == "index" and "row 2, column" in edit["at"], edit
    assert "line" not in edit["at"] and "read" not in edit["at"] and "line" not in e.diagnosis["detail"], e.diagnosis


def test_the_place_is_the_sum_its_term_is_read_in():
    e = diagnosed(lambda n, l, j: (n.delta[l][j], n.fp(n.z[l][j]) * sum(n.W[l + 1][k, 1] * n.delta[l + 1][k]
                                                                          for k in range(1, n.size(l + 1) + 1))),
                  kind="delta")
    assert e.status == "fails", e.verdict_text
    ats = [x["at"] for x in e.diagnosis["edits"]]
    assert any(a.startswith("every W^(l+1)_{k,") and a.endswith("in the sum over k") for a in ats), e.diagnosis
    assert [x["to"] for x in e.diagnosis["edits"]] == ["W^(l+1)_{k,j}"], e.diagnosis
    assert "line" not in e.diagnosis["detail"], e.diagnosis


def test_a_repeated_symbol_is_placed_by_its_repeat():
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])))
    assert [x["at"] for x in e.diagnosis["edits"]] == ["z^(l-1)"], e.diagnosis   # one z^(l-1): the token places it
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l] * n.a[l], n.f(n.z[l]) * n.fp(n.z[l]) * n.f(n.z[l])))
    assert [(x["from"], x["to"], x["at"]) for x in e.diagnosis["edits"]] == [("f'", "f", "f'")], e.diagnosis


def test_a_page_named_derivative_is_primed_in_every_message():
    # the columns notes write g and g' (Notation names gp -> fp): never the view's fp, nor the name gp
    doc = Derivation("edits", "Edits", source="test", notation=Notation(names={"g": "f", "gp": "fp"}), spec=SPEC)
    doc.claim("one", kind="lemma", layer="hidden", latex=r"g(z^{(l)}) g(z^{(l)}) = g'(z^{(l)}) g(z^{(l)})")(
        lambda n, l: (n.g(n.z[l]) * n.g(n.z[l]), n.gp(n.z[l]) * n.g(n.z[l])))
    doc.claim("all", kind="lemma", layer="hidden", latex="")(lambda n, l: (n.gp(n.z[l]), n.g(n.z[l])))
    doc.claim("shape", kind="lemma", layer="hidden", latex="")(lambda n, l: (n.gp(n.z[l]), n.gp(n.z[l]) * n.W[l]))
    one, every, shape = check(doc, budget=20).derivations[0].equations
    assert edits_of(one) == [("derivative", "g'", "g")], one.diagnosis
    assert one.diagnosis["corrected_latex"] == r"g(z^{(l)}) g(z^{(l)}) = g(z^{(l)}) g(z^{(l)})"   # the page's LaTeX
    assert one.diagnosis["corrected"] == "g(z^(l)) ⊙ g(z^(l)) = g(z^(l)) ⊙ g(z^(l))"
    assert "g' belongs" in every.diagnosis["detail"] and "gp" not in every.diagnosis["detail"], every.diagnosis
    assert "gp" not in shape.verdict_text and "g'(z^(" in shape.verdict_text, shape.verdict_text


def test_a_matrix_product_where_the_element_wise_belongs():
    e = diagnosed(lambda n, l: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) @ n.fp(n.z[l])), kind="delta")
    assert e.status == "ill-formed", e.verdict_text
    (edit,) = e.diagnosis["edits"]
    assert edit["at"].startswith("the product ") and " @ " in edit["from"] and " ⊙ " in edit["to"], edit


def test_an_element_wise_product_where_the_matrix_product_belongs():
    e = diagnosed(lambda n, l: (n.delta[l], (n.W[l + 1].T * n.delta[l + 1]) * n.fp(n.z[l])), kind="delta")
    assert e.status == "ill-formed", e.verdict_text
    assert [x["kind"] for x in e.diagnosis["edits"]] == ["shape"], e.diagnosis
    assert " ⊙ " in e.diagnosis["edits"][0]["from"] and " @ " in e.diagnosis["edits"][0]["to"], e.diagnosis


def test_a_sign_and_one_more_fault_are_a_pair():
    # neither the sign alone nor f for f' alone makes it true
    e = diagnosed(lambda n, l: (n.delta[l], -(n.W[l + 1].T @ n.delta[l + 1]) * n.f(n.z[l])), kind="delta")
    assert e.status == "fails", e.verdict_text
    assert sorted(x["kind"] for x in e.diagnosis["edits"]) == ["derivative", "sign"], e.diagnosis


def test_a_factor_and_one_more_fault_are_a_pair():
    # a stray 2 and a_j for a_i: neither the factor alone nor the index alone makes it true
    e = diagnosed(lambda n, l, j, i: (n.dJ_dW[l][j, i], 2 * sum(ex.delta[l][j] * ex.a[l - 1][j] for ex in n.examples)
                                      / n.m), kind="grad_W", layer="all", per="batch")
    assert e.status in ("fails", "ill-formed"), e.verdict_text
    assert edits_of(e) == [("factor", "…", "1/2 × (…)"), ("index", "a^(l-1)_{j}", "a^(l-1)_{i}")], e.diagnosis
    assert e.diagnosis["edits"][1]["at"] == "every a^(l-1)_{j} in the sum over the examples", e.diagnosis


def test_right_formulas_get_no_edit():
    for fn, kw in ((lambda n, l: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])), {"kind": "delta"}),
                   (lambda n, l, j: (n.delta[l][j], n.fp(n.z[l][j]) * sum(n.W[l + 1][k, j] * n.delta[l + 1][k]
                                     for k in range(1, n.size(l + 1) + 1))), {"kind": "delta"})):
        e = diagnosed(fn, **kw)
        assert e.status.startswith("proven"), e.verdict_text
        assert not (e.diagnosis or {}).get("edits")


def test_a_lemma_whose_left_side_is_the_slip():
    # like UFLDL's ∇_{h^(l)} J = δ^(l+1): the page's left side is the slip (h for b), and a lemma's every side is
    # the page's, so the edit may be there; the corrected formula changes that one letter
    e = diagnosed(lambda n, l: (n.dC_da[l], n.delta[l]), latex=r"\nabla_{a^{(l)}} C = \delta^{(l)}")
    assert e.status == "fails", e.verdict_text
    assert edits_of(e) == [("index", "∂C/∂a^(l)", "∂C/∂b^(l)")], e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"\nabla_{b^{(l)}} C = \delta^{(l)}"   # the page's own spelling kept
    assert e.diagnosis["corrected"] == "∂C/∂b^(l) = δ^(l)"
    right = diagnosed(lambda n, l: (n.dC_db[l], n.delta[l]), latex=r"\nabla_{b^{(l)}} C = \delta^{(l)}")
    assert right.status.startswith("proven"), right.verdict_text


def _two_lines(n, l, i):
    first = n.f(n.z[l + 1][i])      # the page writes z^(l+1) in two factors, on two lines of the claim's code
    return n.a[l][i] * n.a[l][i] * n.a[l][i], first * n.f(n.z[l + 1][i]) * n.f(n.z[l][i])


def test_a_symbol_of_the_wrong_layer_everywhere_is_keyed_to_the_claims_layer():
    # z^(l+1) for z^(l) at two places (not at a third, so no whole-formula reading fits): on the smallest
    # architecture "z^(2) everywhere" fits, on a deeper one only "z^(l+1) everywhere" (from the claim's l) does
    e = diagnosed(_two_lines)
    assert e.status == "fails", e.verdict_text
    assert edits_of(e) == [("layer", "z^(l+1)", "z^(l)")], e.diagnosis
    assert "on every architecture of the sweep" in e.diagnosis["detail"], e.diagnosis


def test_the_right_two_line_formula_gets_no_edit():
    def right(n, l, i):
        first = n.f(n.z[l][i])
        return n.a[l][i] * n.a[l][i] * n.a[l][i], first * n.f(n.z[l][i]) * n.f(n.z[l][i])
    e = diagnosed(right)
    assert e.status in ("proven", "proven for all depths", "definition"), e.verdict_text
    assert e.diagnosis is None


def test_pairs_predicted_from_the_singles_values():
    import numpy as np
    from symbp.judge.edits import predicted_pairs
    truth = np.array([[2.0, 3.0]])
    formula = (truth + 1) * 5                        # a term 1 in one factor, a factor 5 in the other
    singles = [truth * 5, truth + 1, truth * 7]      # each single undoes one fault, or neither
    assert predicted_pairs(singles, formula, truth) == [(0, 1)]
    assert predicted_pairs([truth * 7, truth + 2], formula, truth) == []   # no two of them make the truth
    assert predicted_pairs([truth * 5 + 1, truth + 1], truth * 5 + 1 + 1, truth) == [(0, 1)]   # two terms
    assert predicted_pairs([truth + 1, truth + 1], formula, truth) == []   # one value twice is one candidate
    assert predicted_pairs(singles, formula * np.nan, truth) == []         # unreadable: nothing predicted


def test_a_reading_that_breaks_a_side_that_held_is_no_diagnosis():
    # every z one layer lower makes side 2 hold and side 1 fail: not the diagnosis; z^(l+1) → z^(l) in side 2 is
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l]), n.f(n.z[l + 1]) * n.f(n.z[l + 1])))
    assert e.status == "fails", e.verdict_text
    assert [(k, f, t) for k, f, t in edits_of(e)] == [("layer", "z^(l+1)", "z^(l)")], e.diagnosis


def test_a_fault_in_each_of_two_sides_of_a_lemma_is_one_pair():
    # no reading makes both sides hold (z one layer lower fixes side 1 alone): the two edits together do
    e = diagnosed(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l + 1]) * n.a[l], n.a[l] * n.fp(n.z[l])))
    assert e.status == "fails", e.verdict_text
    assert sorted(edits_of(e)) == [("derivative", "f'", "f"), ("layer", "z^(l+1)", "z^(l)")], e.diagnosis


def test_an_edit_of_a_quotient_is_confirmed_over_its_common_denominator():
    # (x + x²) / (x (1 + x)) = 1 does not expand to 1: the edited formula is confirmed over one denominator
    def fn(n, l, j):
        x = n.a[l][j]
        return x * x, n.f(n.z[l][j]) * n.f(n.z[l + 1][j]) * (x + x ** 2) / (x * (1 + x))
    e = diagnosed(fn)
    assert e.status in ("fails", "ill-formed"), e.verdict_text
    assert edits_of(e) == [("layer", "z^(l+1)", "z^(l)")], e.diagnosis


@pytest.mark.parametrize("fn", [
    lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l]), n.f(n.z[l]) * n.f(n.z[l])),
    lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.a[l], n.a[l] * n.f(n.z[l])),
    lambda n, l, j: (n.a[l][j] ** 2, n.f(n.z[l][j]) ** 2 * (n.a[l][j] + n.a[l][j] ** 2) / (n.a[l][j] * (1 + n.a[l][j]))),
])
def test_the_right_forms_of_those_get_no_edit(fn):
    e = diagnosed(fn)
    assert e.status in ("proven", "proven for all depths", "confirmed", "definition"), e.verdict_text
    assert not (e.diagnosis or {}).get("edits"), e.diagnosis


def test_an_index_edit_never_reads_as_itself():
    """Index names are read from one instance's values; where they coincide there (W_{k,j} at k = j), the edit is
    said in numbers or as the exchange it is, never as ``W_{j,j} for W_{j,j}`` (91 of the bundled faults did)."""
    from symbp.judge.evaluate import NetworkCache
    from symbp.judge.occurrence_faults import single_faults
    from symbp.run.load import bundled_derivations, derivation_files, load_derivation
    same, count = [], 0
    for path in derivation_files([bundled_derivations()]) + ["examples/four_equations.py"]:
        doc, cache = load_derivation(path), NetworkCache()
        for claim in doc.claims:
            for f in single_faults(claim, doc, cache=cache):
                count += 1
                if f.edit and f.edit["from"] == f.edit["to"]:
                    same.append(f"{doc.name} {claim.label}: {f.how}")
    assert count > 1000 and not same, same[:5]


def test_a_lemma_is_never_edited_into_zero_equals_zero():
    """Martínez's (2) with its bias dropped was told it "holds with without the term in z^(2) and without the term in
    h^(1)": both sides edited to 0, which holds and says nothing; the missing bias is what is wrong."""
    from symbp.judge.mutate import mutate
    from symbp.run.load import load_derivation
    doc = load_derivation("derivations/martinez_ramon_backprop.py")
    claims = [c for c in doc.claims if c.label == "(2), z_k^(L)"]
    [r] = [r for r in mutate(doc, faults=["bias"], claims=claims, budget=20) if not r.skipped]
    assert r.killed and "with without" not in r.detail, (r.status, r.detail)
    # and not "holds without the term in z^(2) and without the term in h^(1)": both sides edited to 0 = 0
    assert r.diagnosis == "missing-term" and "bias" in r.detail, r.detail



def _confirm(fn, edits=()):
    """``edits._confirmed`` of claim ``fn`` (a lemma on the hidden layer of [2, 2, 1], m = 1) under ``edits``."""
    from symbp.judge import edits as module
    from symbp.judge.evaluate import NetworkCache, spec_for
    doc = Derivation("edits", "Edits", source="test", notation=Notation(), spec=SPEC)
    claim = doc.claim("c", kind="lemma", layer="hidden", latex="")(fn)
    run = ((2, 2, 1), 1, NetworkCache().get(spec_for(doc, claim, (2, 2, 1), 1)), {})
    return module._confirmed(claim, doc, run, list(edits), 1, module.claim_files(claim))


RIGHT = lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l]))                 # noqa: E731
NEAR = lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l]) * (1 + 10 ** -14))  # noqa: E731  (equal in floats)


@pytest.mark.parametrize("in_a_child", [False, True], ids=["in this process", "in a child"])
def test_an_edited_reading_is_confirmed_only_when_exactly_true_here_as_in_a_child(monkeypatch, in_a_child):
    from symbp.judge import edits as module
    forks = []
    real = module.call_with_budget

    def counted(fn, budget):
        forks.append(fn)
        return real(fn, budget)
    monkeypatch.setattr(module, "call_with_budget", counted)
    if in_a_child:   # every expansion past the bound of work done here: the child path
        monkeypatch.setattr(module, "MAX_INLINE_EXPANSION", -1)
    assert _confirm(RIGHT) is True
    assert _confirm(NEAR) is False
    assert _confirm(lambda n, l: (n.a[l] * n.a[l], n.a[l] * n.f(n.z[l - 1]))) is False   # unreadable at l - 1 = 0
    assert bool(forks) == in_a_child


@pytest.mark.parametrize("seed", range(4))
def test_the_factors_that_fit_are_those_whose_scaled_values_score_zero(seed):
    """_fitting_scales (the true side checked once, the sides before the scaled one scored once) finds exactly the
    factors c for which _score of the values with side ``side`` times c is 0, on values that hold after a factor,
    that hold already, that are off, unreadable (NaN, inf), or whose true side moved; for a lemma (no base) too."""
    import numpy as np
    from symbp.judge import edits
    rng = np.random.default_rng(seed)
    for _ in range(300):
        p, n, side = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
        truth = rng.normal(size=(p, n, 1)) * 10.0 ** rng.integers(-3, 3)
        c = float(rng.choice([-1, 2, 0.5, 3, 1 / 3, 1.7]))
        sides = [truth * rng.choice([1.0, 1 + 1e-7]) for _ in range(side - 1)]
        last = truth / c * rng.choice([1.0, 1.0, 1 + 1e-6, 1 + 1e-12])
        vals = np.concatenate([truth] + sides + [last], axis=2)
        if rng.random() < 0.15:
            vals[tuple(rng.integers(0, s) for s in vals.shape)] = rng.choice([np.nan, np.inf])
        base = vals.copy()
        if rng.random() < 0.15:
            base[:, :, 0] *= 1 + 1e-6      # the edit moved the true side
        if rng.random() < 0.1:
            vals[:, :, 1:] = 0.0
        if rng.random() < 0.1:
            vals[:] = 0.0       # 0 = 0: holds, and for a lemma says nothing
        for kept in (base, None):
            run = ((2, int(rng.integers(1, 4))), int(rng.integers(1, 4)))
            want = []
            for e in edits._scales():
                factor = {"-1": -1, "2": 2, "1/2": 0.5, "m": run[1], "1/m": 1 / run[1], "K": run[0][-1],
                          "1/K": 1 / run[0][-1]}[e.change[1]]
                if factor == 1:
                    continue
                v = vals.copy()
                v[:, :, side] = v[:, :, side] * factor
                if edits._score(v, side, kept) == 0.0:
                    want.append(e)
            assert edits._fitting_scales(vals, side, kept, run) == want


@pytest.mark.filterwarnings("error")
def test_the_true_side_moved_exactly_where_allclose_says_it_did():
    """_truth_moved is ``not np.allclose(v, b, rtol=1e-9, atol=1e-12)`` where the base is finite (another shape: moved),
    on values just inside and just outside the tolerance, NaN (a signalling one too) and inf included, and warns
    where allclose does not."""
    import numpy as np
    from symbp.judge import edits
    snan = np.array([0x7FF4000000000000], dtype=np.uint64).view(np.float64)[0]   # subtracting it raises "invalid"
    rng = np.random.default_rng(7)
    for _ in range(3000):
        shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), 2)
        base = rng.normal(size=shape) * 10.0 ** rng.integers(-14, 5, size=shape)
        vals = base * (1 + rng.choice([0, 1e-12, 9e-10, 2e-9, 1e-6], size=shape)) \
            + rng.choice([0, 1e-13, 9e-13, 2e-12], size=shape)
        for arr in (base, vals):
            if rng.random() < 0.2:
                arr[tuple(rng.integers(0, s) for s in shape[:2]) + (0,)] = rng.choice([np.nan, snan, np.inf, -np.inf])
        ok = np.isfinite(base[:, :, 0])
        want = not np.allclose(vals[:, :, 0][ok], base[:, :, 0][ok], rtol=1e-9, atol=1e-12)
        assert edits._truth_moved(vals, base) == want
    assert edits._truth_moved(np.zeros((2, 1, 2)), np.zeros((2, 2, 2))) and not edits._truth_moved(vals, None)
