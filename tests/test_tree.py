"""Formulas as syntax trees: a claim's code (Python or TOML) printed in the page's notation, and the corrected
formula of a diagnosis printed from the edited tree, which must hold when it is read back.

Each wrong formula here has a diagnosis whose edit is on its tree (one read, every read of a symbol in a sum, a
product, a pair); its corrected print is parsed back by the TOML grammar and verified: it must be proven.  The
uncorrected print is the claim as written; a claim whose code the tree cannot express has no tree (None), never
a wrong print.
"""

import importlib

import pytest

from symbp import Derivation, Notation
from symbp.claims.code_tree import formula_tree
from symbp.claims.tree import latex_style
from symbp.formula.grammar import parse_formula
from symbp.formula.reader import load_toml
from symbp.judge import diagnose
from symbp.judge.verify import verify_claim


def _doc(module):
    mod = importlib.import_module(module)
    return next(v for v in vars(mod).values() if isinstance(v, Derivation))


def _claim(doc, label, reading="as-written"):
    return next(c for c in doc.claims if c.label == label and c.reading == reading)


@pytest.mark.parametrize("module, label, reading, text", [
    ("examples.four_equations", "BP2", "as-written", "δ^(l) = ((w^(l+1))ᵀ δ^(l+1)) ⊙ σ'(z^(l))"),
    ("examples.four_equations", "BP4 (a misprint)", "as-written", "∂C/∂w^(l)_{j,k} = a^(l-1)_j δ^(l)_k"),
    ("derivations.ufldl_backprop", "matrix step 3", "as-written", "δ^(l) = ((W^(l))ᵀ δ^(l+1)) f'(z^(l)_i)"),
    ("derivations.martinez_ramon_backprop", "(8)", "intended", "W^(l) = W^(l) − μ (h^(l-1) (δ^(l))ᵀ)"),
    ("derivations.columns_regression_backprop", "(12)", "as-written", "w^[l+1] = w^[l] − ρ ∂J/∂w^[l]"),
])
def test_a_python_claim_prints_as_the_page_writes_it(module, label, reading, text):
    doc = _doc(module)
    claim = _claim(doc, label, reading)
    assert formula_tree(claim, doc.notation_of(claim)).text() == text


def test_the_latex_print_speaks_the_page_s_notation():
    doc = _doc("examples.four_equations")     # bare layer superscripts, w, sigma_prime printed σ'
    claim = _claim(doc, "BP2")
    assert formula_tree(claim, doc.notation).latex() == r"\delta^{l} = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^{l})"
    doc = _doc("derivations.ufldl_backprop")   # the page writes • for ⊙
    claim = _claim(doc, "matrix step 3", "intended")
    assert formula_tree(claim, doc.notation).latex() == \
        r"\delta^{(l)} = ((W^{(l)})^T \delta^{(l+1)}) \bullet f'(z^{(l)})"
    assert latex_style(r"g'^{[1]}(z^{[1]})") == {"layer": "[]"}


def test_a_toml_claim_prints_its_formula_in_the_page_s_names():
    doc = load_toml("derivations/declarative/abu_mostafa_backprop.toml")
    texts = {c.label: formula_tree(c, doc.notation_of(c)) for c in doc.claims}
    assert texts["②"].text() == "δ^(l)_i = g'(s^(l)_i) Σ_j w^(l+1)_{i,j} δ^(l+1)_j"
    assert texts["base step (1)"].text() == "δ^(L)_j = (g(s^(L)_j) − y_j) g'(s^(L)_j)"
    assert texts["squared error"].latex() == r"e = \frac{(g(s^{(L)}_1) - y_1)^{2}}{2}"


def test_code_the_tree_cannot_express_has_no_tree():
    reynoso = _doc("derivations.reynoso_backprop")     # a written matrix, built by a helper function
    assert formula_tree(_claim(reynoso, "δ^l, matrix form"), reynoso.notation) is None
    four = _doc("examples.four_equations")              # a partial derivative
    assert formula_tree(_claim(four, "BP2, derivation"), four.notation) is None
    toml = load_toml("derivations/declarative/abu_mostafa_backprop.toml")
    assert formula_tree(_claim(toml, "∇e(w)"), toml.notation) is None     # diff(…)
    doc = Derivation("t", "T", "-", Notation())

    def helper(n, l):
        return n.a[l]
    for fn in (lambda n, l: (n.a[l], helper(n, l)),
               lambda n, l: (n.a[l], [n.a[l] for _ in range(2)][0])):
        doc.claims.clear()
        doc.claim("c", kind="lemma", layer="hidden", latex="")(fn)
        assert formula_tree(doc.claims[0], doc.notation) is None


# -- corrected formulas, read back ------------------------------------------------------------------
_HEAD = '''name = "tree"
title = "Tree"
source = "test"
[notation]
first_layer = 1
names = { g = "f", gp = "fp" }
[spec]
activation = "f"
cost = "half_sse"
average = "none"
'''


def _toml(tmp_path, claims):
    path = tmp_path / "tree.toml"
    body = "".join(f'''
[[claim]]
label = "{label}"
kind = "{kind}"
layer = "{layer}"
args = {args!r}
sides = {sides!r}
'''.replace("'", '"') for label, kind, layer, args, sides in claims)
    path.write_text(_HEAD + body)
    return load_toml(path)


WRONG = [   # label, kind, layer, args, sides (truth first): each with one or two faults
    ("sum", "delta", "hidden", ["l", "j"],
     ["delta[l][j]", "sum(k=1..size(l+1), W[l+1][k, 1] * delta[l+1][k]) * gp(z[l][j])"]),
    ("product", "delta", "hidden", ["l"], ["delta[l]", "(W[l+1].T @ delta[l+1]) @ gp(z[l])"]),
    ("pair", "delta", "hidden", ["l"], ["delta[l]", "(W[l+1].T @ delta[l+1]) * g(z[l-1])"]),
    ("capture", "delta", "hidden", ["l", "j"],     # the sum's j captures the claim's: the sum's index renamed
     ["delta[l][j]", "sum(j=1..size(l+1), W[l+1][j, j] * delta[l+1][j]) * gp(z[l][j])"]),
]

CORRECTED = {
    "sum": (None, "δ^(l)_j = (Σ_k W^(l+1)_{k,j} δ^(l+1)_k) g'(z^(l)_j)"),
    "product": ("the product W^(3)ᵀdelta^(3) @ g'(z^(2))", "δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ g'(z^(l))"),
    "pair": ("z^(l-1)", "δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ g'(z^(l))"),
    "capture": (None, "δ^(l)_j = (Σ_e W^(l+1)_{e,j} δ^(l+1)_e) g'(z^(l)_j)"),
}


@pytest.mark.parametrize("case", WRONG, ids=lambda c: c[0])
def test_the_corrected_formula_is_the_edited_one_and_holds(case, tmp_path, monkeypatch):
    label = case[0]
    doc = _toml(tmp_path, [case])
    claim = doc.claims[0]
    as_written = formula_tree(claim, doc.notation).source()
    assert [parse_formula(s) for s in as_written] == [parse_formula(s) for s in case[4]]   # the claim as written
    printed = []

    def capture(*args):
        out = corrected(*args)
        printed.append(out)
        return out
    corrected = diagnose.corrected_formula
    monkeypatch.setattr(diagnose, "corrected_formula", capture)
    outcome = verify_claim(claim, doc, budget=20)
    assert outcome.status in ("fails", "ill-formed"), outcome
    d = outcome.diagnosis
    at, text = CORRECTED[label]
    assert at is None or d["edits"][0]["at"] == at, d
    assert d["corrected"] == text, d
    assert d["corrected_latex"] == printed[-1].latex()
    # read back: the printed formula, parsed by the TOML grammar, is proven
    fixed = _toml(tmp_path, [(label, case[1], case[2], case[3], printed[-1].source())])
    again = verify_claim(fixed.claims[0], fixed, budget=20)
    assert again.status.startswith("proven"), (printed[-1].source(), again)


def test_a_python_site_edit_prints_every_term_of_the_sum_corrected():
    from symbp import check
    doc = Derivation("tree", "Tree", source="test", notation=Notation(), spec={"activation": "f", "cost": "half_sse"})
    doc.claim("c", kind="delta", layer="hidden", latex="")(
        lambda n, l, j: (n.delta[l][j], n.fp(n.z[l][j]) * sum(n.W[l + 1][k, 1] * n.delta[l + 1][k]
                                                               for k in range(1, n.size(l + 1) + 1))))
    e = check(doc, budget=20).derivations[0].equations[0]
    assert e.status == "fails", e.verdict_text
    assert e.diagnosis["corrected"] == "δ^(l)_j = f'(z^(l)_j) Σ_k W^(l+1)_{k,j} δ^(l+1)_k", e.diagnosis
    assert e.diagnosis["corrected_latex"] == r"\delta^{(l)}_j = f'(z^{(l)}_j) \sum_{k} W^{(l+1)}_{kj} \delta^{(l+1)}_k"


def test_an_edit_inside_one_term_of_a_sum_is_not_printed_as_every_term():
    # the reads of one term of a sum are not a node of the tree: no corrected print from the tree (None)
    from symbp.claims.occurrence import Read
    from symbp.judge.corrected import _affected
    from symbp.claims.tree import Emit, Quantity
    node = Quantity("W")
    e = Emit((node,), "entry", 2)
    r1, r2 = Read("entry", "W^(2)", ("f", 1), 0, (1, 1)), Read("entry", "W^(2)", ("f", 1), 1, (2, 1))
    one = type("E", (), {"key": r1.key})()
    assert _affected(one, [(e, r1), (e, r2)]) is None
    assert _affected(one, [(e, r1)]) == [e]


def test_a_print_that_does_not_hold_is_never_shown():
    # the printed tree is evaluated on the view before it is shown: a wrong one (here the claim's own wrong side)
    # is refused, the right one kept
    from symbp.judge.corrected import _holds
    from symbp.judge.evaluate import spec_for
    from symbp.oracle.symbolic import SymbolicNetwork
    doc = _doc("examples.four_equations")
    wrong, right = _claim(doc, "BP4 (a misprint)"), _claim(doc, "BP4")
    net = SymbolicNetwork(spec_for(doc, right, (2, 3, 2), 1))
    run = ((2, 3, 2), 1, net, {})
    assert not _holds(formula_tree(wrong, doc.notation), wrong, doc, run, 1)
    assert _holds(formula_tree(right, doc.notation), right, doc, run, 1)


def test_ufldl_s_captured_example_index_is_renamed_in_the_corrected_formula():
    # UFLDL's Σ_{i=1}^m over ∂J_i/∂W_ji: the sum's i captures W's i; corrected, the sum runs over e
    from symbp import check
    result = check("derivations/ufldl_backprop.py", only=["∂J/∂W (overall)"], budget=20)
    e = next(x for x in result.derivations[0].equations if x.reading == "as-written")
    assert e.diagnosis["corrected"] == "∂J/∂W^(l)_{j,i} = (Σ_e ∂C_e/∂W^(l)_{j,i})/m + λ W^(l)_{j,i}", e.diagnosis
    assert e.diagnosis["corrected_latex"] == \
        r"\frac{\partial J}{\partial W^{(l)}_{ji}} = \frac{\sum_{e} \frac{\partial C_e}{\partial W^{(l)}_{ji}}}{m} " \
        r"+ \lambda W^{(l)}_{ji}"


@pytest.mark.parametrize("fn, kind, layer, corrected", [
    # a factor with an index: ½ folds into the page's 2
    (lambda n, l, j, i: (n.dC_dW[l][j, i], 2 * n.delta[l][j] * n.a[l - 1][j]), "grad_W", "all",
     "∂C/∂W^(l)_{j,i} = δ^(l)_j a^(l-1)_i"),
    # a sign with a layer: −(−x) is x
    (lambda n, l: (n.delta[l], -((n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l - 1]))), "delta", "hidden",
     "δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ f'(z^(l))"),
], ids=["factor", "sign"])
def test_a_sign_or_factor_with_an_edit_is_printed_folded(fn, kind, layer, corrected):
    from symbp import check
    doc = Derivation("tree", "Tree", source="test", notation=Notation(),
                     spec={"activation": "f", "cost": "half_sse", "average": "none"})
    doc.claim("c", kind=kind, layer=layer, latex="")(fn)
    e = check(doc, budget=20).derivations[0].equations[0]
    assert e.diagnosis["kind"] in ("factor", "sign"), e.diagnosis
    assert e.diagnosis["corrected"] == corrected, e.diagnosis


def test_a_mutant_s_function_is_not_read_as_the_claim_s_tree():
    # a mutant keeps the claim's tree (dataclasses.replace) but not its code: no tree, so no stale print
    import dataclasses
    import functools
    from symbp.judge.corrected import claim_tree
    doc = _doc("examples.four_equations")
    claim = _claim(doc, "BP4")
    assert claim_tree(claim, doc.notation) is not None
    mutant = dataclasses.replace(claim, fn=functools.wraps(claim.fn)(lambda n, *a: claim.fn(n, *a)))
    assert claim_tree(mutant, doc.notation) is None


# two claim functions on one line: each is found by its parameters; two alike are not told apart, so neither has a
# tree (never the other one's print)
_BY_PARAMS = (lambda n, l: (n.delta[l], n.fp(n.z[l]))), (lambda n, k: (n.delta[k], n.f(n.z[k])))
_ALIKE = (lambda n, l: (n.delta[l], n.fp(n.z[l]))), (lambda n, l: (n.delta[l], n.f(n.z[l])))


def test_a_claim_function_is_found_by_its_line_name_and_parameters():
    from symbp.claims.code_tree import python_tree
    texts = [python_tree(fn, Notation())[0].text() for fn in _BY_PARAMS]
    assert texts == ["δ^(l) = f'(z^(l))", "δ^(k) = f(z^(k))"]
    assert [python_tree(fn, Notation()) for fn in _ALIKE] == [None, None]
