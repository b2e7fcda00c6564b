"""Derivations without code: the formula grammar, its interpreter, and the TOML mirror of a bundled document."""

import re
from pathlib import Path

import pytest
import symengine

from symbp.claims.derivation import Derivation
from symbp.formula.grammar import FormulaError, parse_condition, parse_formula
from symbp.formula.interpret import evaluate
from symbp.claims.tensor import IllFormed
from symbp.claims.notation import Notation
from symbp.claims.view import View
from symbp.run.runner import check_derivation
from symbp.run.load import derivation_files, load_derivation
from symbp.model.spec import NetworkSpec
from symbp.oracle.symbolic import SymbolicNetwork

ROOT = Path(__file__).resolve().parent.parent
TOML = ROOT / "derivations" / "declarative" / "abu_mostafa_backprop.toml"
PY = ROOT / "derivations" / "abu_mostafa_backprop.py"


@pytest.fixture(scope="module")
def view():
    net = SymbolicNetwork(NetworkSpec((2, 3, 2), activation="f"))
    return View(net, Notation(first_layer=1, weight_named_after="source", names={"g": "f", "s": "z"}))


def test_the_toml_mirror_has_the_python_modules_verdicts_claim_by_claim():
    py, toml = load_derivation(PY), load_derivation(TOML)
    assert [c.label for c in toml.claims] == [c.label for c in py.claims]
    assert toml.source == py.source and toml.sweep == py.sweep and toml.one_example == py.one_example and toml.notation == py.notation
    assert toml.spec == {k: v for k, v in py.spec.items() if v is not None}   # TOML has no null: None = omitted
    a, b = check_derivation(py), check_derivation(toml)
    for e, f in zip(a.equations, b.equations):
        assert (f.label, f.kind, f.reading, f.status, f.expected) == (e.label, e.kind, e.reading, e.status, e.expected)


def test_a_wrong_toml_formula_is_caught_with_the_right_diagnosis(tmp_path):
    text = TOML.read_text(encoding="utf-8").replace('"(g(s[L][j]) - y[j]) * gp(s[L][j])"]',
                                                    '"(y[j] - g(s[L][j])) * gp(s[L][j])"]')
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(text, encoding="utf-8")
    doc = load_derivation(wrong)
    result = check_derivation(doc, only=["base step (1)", "base step"])
    eqs = {e.label: e for e in result.equations}
    assert eqs["base step (1)"].status == "fails" and eqs["base step (1)"].diagnosis["kind"] == "sign"
    assert eqs["base step"].status == "fails" and eqs["base step"].steps[1] == {"step": 2, "holds": False}


def test_the_toml_mirror_is_not_in_the_bundled_folder():
    # kept under derivations/declarative/: the bundled folder holds the five documents once each
    assert TOML not in derivation_files([ROOT / "derivations"])
    assert derivation_files([TOML.parent]) == [TOML]


def test_formulas_evaluate_like_the_view(view):
    n = view
    ev = lambda text, **env: evaluate(parse_formula(text), n, env)   # noqa: E731
    assert ev("a[2][i]", i=1) == n.a[2][1]
    assert ev("W[1][j, i] * a[1][i]", j=2, i=1) == n.W[1][2, 1] * n.a[1][1]
    assert ev("g(s[2][1])") == n.f(n.z[2][1])                       # the page's names
    assert ev("sum(k=1..size(2), W[2][1, k] * a[2][k])") == sum(n.W[2][1, k] * n.a[2][k] for k in (1, 2, 3))
    assert [symengine.expand(e) for e in (ev("W[2] @ a[2]") - (n.W[2] @ n.a[2])).entries()] == [0, 0]
    assert ev("(W[2].T @ delta[3])[3]") == (n.W[2].T @ n.delta[3])[3]
    assert ev("1/2") == symengine.Rational(1, 2) and ev("0.25 * 4") == 1 and ev("2^-1") == symengine.Rational(1, 2)
    assert ev("partial(C, z[3])[1, 2]") == n.partial("C", ("z", 3))[1, 2]
    assert ev("diff(z[2][1], W[1][1, 2])") == n.diff(n.z[2][1], n.W[1][1, 2])
    u = n.symbol("u")
    assert ev("fp(symbol(u)) - fp(u)", u=u) == 0


@pytest.mark.parametrize("text, error", [
    ("q[1]", "unknown symbol 'q'"),
    ("net", "unknown symbol 'net'"),
    ("_symbols", "unknown symbol '_symbols'"),
    ("f", "f is a function: call it"),
    ("open(x)", "unknown function 'open'"),
    ("a[1][7]", "index 7 out of range"),
    ("a[9]", "a^(9) does not exist"),
    ("a[1] @ a[1]", "shape mismatch"),
    ("a[1][1] @ a[1][1]", "@ needs two vectors or matrices"),
    ("a[1].shape", "unknown attribute .shape"),
    ("a[1][1] ^ a[1][1]", "an exponent must be a number"),
    ("2 ^ 1000", "exponent 1000 is larger than 64"),
    ("1 / 0", "division by zero"),
    ("a[1 / 2]", "an index must be a whole number"),
    ("a + 1", "a needs a layer index"),
    ("size(a[1])", "a layer must be a whole number"),
    ("partial(x, z[1])", "partial takes C, z[l] or a[l]"),
    ("sum(i=1..5000, i)", "sum over 5000 terms"),
    ("f(1, 2)", "f takes 1 argument(s), got 2"),
])
def test_formulas_that_cannot_be_read_are_ill_formed_with_the_cause(view, text, error):
    with pytest.raises(IllFormed, match=re.escape(error)):
        evaluate(parse_formula(text), view, {})


@pytest.mark.parametrize("text, error", [
    ("a[l][", "unexpected end of formula"),
    ("a +* b", "unexpected '*' at column 4"),
    ("__import__('os')", "unexpected character \"'\""),
    ("lambda: 0", "unexpected character ':' at column 7"),
    ("-" * 150 + "1", "nested more than 100 deep"),
    ("1+" * 3000 + "1", "longer than 4000"),
])
def test_formulas_that_do_not_parse_give_one_line(text, error):
    with pytest.raises(FormulaError) as e:
        parse_formula(text)
    assert error in str(e.value) and "\n" not in str(e.value)


def test_conditions():
    assert evaluate(parse_condition("j == 1 and not i != 0 or outputs > 3"), None, {"j": 1, "i": 0, "outputs": 1})
    assert not evaluate(parse_condition("j == 1 and i != 0"), None, {"j": 1, "i": 0})
    with pytest.raises(IllFormed, match="unknown symbol 'k'"):
        evaluate(parse_condition("k == 1"), None, {"j": 1})


def test_a_toml_claim_is_an_ordinary_claim(tmp_path):
    p = tmp_path / "doc.toml"
    p.write_text('name = "d"\nsweep = [{sizes = [2, 3, 2], m = 2}]\n[notation]\nfirst_layer = 1\n'
                 '[spec]\nactivation = "f"\naverage = "none"\n'
                 '[[claim]]\nlabel = "BP2"\nkind = "delta"\nlayer = "hidden"\nargs = ["l"]\n'
                 'sides = ["delta[l]", "(W[l+1].T @ delta[l+1]) * fp(z[l])"]\n'
                 '[[claim]]\nlabel = "index 0 only"\nkind = "grad_b"\nlayer = "L"\nargs = ["j"]\nwhere = "j == 1"\n'
                 'sides = ["dC_db[L][j]", "delta[L][j]"]\n')
    doc = load_derivation(p)
    assert isinstance(doc, Derivation) and doc.sweep[-1] == ((2, 3, 2), 2) and doc.extra_sweep == (((2, 3, 2), 2),)
    assert doc.claims[0].takes_layer and doc.claims[1].indices == ("j",)
    result = check_derivation(doc)
    assert [e.status for e in result.equations][1] == "proven"
    assert result.equations[0].status.startswith("proven")


def test_the_readme_example_loads_and_proves(tmp_path):
    import re
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Derivations without code"):]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    p = tmp_path / "four_equations.toml"
    p.write_text(example, encoding="utf-8")
    result = check_derivation(load_derivation(p))
    assert [e.label for e in result.equations] == ["BP1", "BP2"]
    assert all(e.status.startswith("proven") for e in result.equations), [e.verdict_text for e in result.equations]
