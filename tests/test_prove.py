"""Proofs for teaching: all-depth induction, proof transcripts, exact counterexamples, notebook rendering."""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from symbp.cli import prove as prove_cli
from symbp.claims.derivation import Derivation
from symbp.judge.induction import ALL_DEPTHS, prove_all_depths
from symbp.claims.notation import Notation
from symbp.run.prove import render, transcripts
from symbp.run.runner import check, check_derivation
from symbp.run.load import load_derivation

ROOT = Path(__file__).resolve().parent.parent

doc = Derivation("teach", "Teaching example", "test", Notation(first_layer=1, weight_named_after="target"),
                 {"activation": "f", "cost": "half_sse", "average": "none"})


@doc.claim("BP1", kind="delta", layer="output", latex=r"\delta^L = (a^L - y) \odot f'(z^L)")
def bp1(n):
    return n.delta[n.L], (n.a[n.L] - n.y) * n.fp(n.z[n.L])


@doc.claim("BP2", kind="delta", layer="hidden", latex=r"\delta^l = ((W^{l+1})^T \delta^{l+1}) \odot f'(z^l)")
def bp2(n, l):
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


@doc.claim("BP2, sign", kind="delta", layer="hidden", expect="fails", note="sign",
           latex=r"\delta^l = -((W^{l+1})^T \delta^{l+1}) \odot f'(z^l)")
def bp2_sign(n, l):
    return n.delta[l], -(n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


@doc.claim("BP2, square trick", kind="delta", layer="hidden", expect="fails", note="W for Wᵀ on square matrices",
           latex=r"\delta^l = (\tilde W \delta^{l+1}) \odot f'(z^l),\ \tilde W = W^{l+1} \text{ if square, else } "
                 r"(W^{l+1})^T")
def bp2_square(n, l):
    W = n.W[l + 1]
    return n.delta[l], ((W if W.shape[0] == W.shape[1] else W.T) @ n.delta[l + 1]) * n.fp(n.z[l])


@doc.claim("BP2, broken chain", kind="chain", of="delta", layer="hidden", expect="fails", note="f for f'",
           latex=r"\delta^l_i = \sum_j \delta^{l+1}_j \frac{\partial z^{l+1}_j}{\partial z^l_i} = "
                 r"\sum_j W^{l+1}_{ji} \delta^{l+1}_j f(z^l_i) = ((W^{l+1})^T \delta^{l+1})_i f'(z^l_i)")
def bp2_chain(n, l, i):
    units = range(1, n.size(l + 1) + 1)
    return (n.delta[l][i],
            sum(n.delta[l + 1][j] * n.partial(("z", l + 1), ("z", l))[j, i] for j in units),
            sum(n.W[l + 1][j, i] * n.delta[l + 1][j] for j in units) * n.f(n.z[l][i]),
            (n.W[l + 1].T @ n.delta[l + 1])[i] * n.fp(n.z[l][i]))


@pytest.fixture(scope="module")
def verdicts():
    return {(e.label, e.reading): e for e in check_derivation(doc).equations}


@pytest.fixture(scope="module")
def chain_transcript():
    return transcripts(doc, "BP2, broken chain")[0]


# -- proof for every depth -------------------------------------------------------------------------
def test_correct_recursion_is_proven_for_all_depths(verdicts):
    for label in ("BP1", "BP2"):
        e = verdicts[(label, "as-written")]
        assert e.status == ALL_DEPTHS, e.verdict_text
        assert "differentiable f" in e.message and "1–4" in e.message
    assert "induction step" in verdicts[("BP2", "as-written")].message
    assert "base case" in verdicts[("BP1", "as-written")].message


def test_wrong_recursion_is_not_proven_for_all_depths(verdicts):
    assert verdicts[("BP2, sign", "as-written")].status == "fails"
    assert verdicts[("BP2, broken chain", "as-written")].status == "fails"


def test_a_formula_that_reads_w_or_its_transpose_by_shape_fails_on_the_square_net_of_the_sweep(verdicts):
    e = verdicts[("BP2, square trick", "as-written")]
    assert e.status == "fails" and e.counterexample["architecture"] == [2, 2, 2]


def test_induction_step_catches_a_formula_that_holds_on_the_sweep_only():
    from symbp.judge.induction import prove_all_depths
    r = prove_all_depths(bp2_square, doc, bound=3)
    assert r.status == "fails" and "induction step does not hold in general" in r.detail
    assert re.search(r"step \[1, (\d), \1, \d\]", r.detail) or re.search(r"step \[1, \d, (\d), \1\]", r.detail)


def test_induction_reports_what_it_does_not_cover():
    r = prove_all_depths(doc.claims[0], doc, bound=1)
    assert r.status == "proven" and r.total == {"base": 3}    # [1, 1, 1] and two deeper placements
    from symbp.claims.derivation import Claim
    lemma = Claim("x", "lemma", "", lambda n: None)
    assert prove_all_depths(lemma, doc).status == "not-applicable"


def test_an_induction_stopped_by_its_time_limit_is_undecided():
    """The time limit is a safety net: when it fires the verdict is undecided, never a silent 'proven'."""
    from symbp.judge.induction import extend_to_all_depths
    from symbp.judge.verify import Outcome
    o = extend_to_all_depths(Outcome("proven"), doc.claims[1], doc, budget=1e-6)
    assert o.status == "undecided" and "time limit" in o.message and "raise --budget" in o.message


# -- transcripts -----------------------------------------------------------------------------------
def test_transcript_contains_every_step_and_marks_the_broken_one(chain_transcript):
    t = chain_transcript
    assert [s.index for s in t.steps] == [1, 2, 3]
    assert [s.holds for s in t.steps] == [True, False, True] and t.broken == [2]
    md = t.to_markdown()
    for s in t.steps:
        assert s.text in md
        assert s.latex and s.latex in md                     # the page's LaTeX of each step, split at "="
    assert "1. ✓" in md and "2. ✗" in md and "3. ✓" in md
    assert "residual truth − step" in md and t.steps[1].residual
    assert "Counterexample (exact)" in md
    assert "G(z^(l+1))" in md and "δ^(l+1)_{1}" in md        # the generic induction step, by the CAS


def test_single_formula_transcript_has_its_step(verdicts):
    t = transcripts(doc, "BP2")[0]
    assert len(t.steps) == 1 and t.steps[0].holds and t.result.status == ALL_DEPTHS
    assert "What this proves" in t.to_markdown()


def _evaluate_printed(text, page_functions=None):
    """A counterexample side as printed, evaluated with the fixed random functions of the generic f, f', g, g'
    (``page_functions``: the page's names for them, ``{"phi": "f"}``, as the counterexample prints them)."""
    import symengine
    from symbp.judge.identity import GENERIC_FUNCTIONS, default_draws, oracle_symbols, random_closed
    u = sympy.Symbol("u")
    coefficients = {sympy.Symbol(str(s)): float(v) for s, v in zip(oracle_symbols(), default_draws(1)[0])}
    names = {g: sympy.Lambda(u, sympy.sympify(random_closed(symengine.Function(g)(symengine.Symbol("u"))))
                             .xreplace(coefficients)) for g in GENERIC_FUNCTIONS}
    names["sigma"] = sympy.Lambda(u, 1 / (1 + sympy.exp(-u)))
    names.update({page: names[canon] for page, canon in (page_functions or {}).items()})
    prime = {"f": "fp", "g": "gp"}           # a derivative is printed as its function primed: phi'(u), f'(u)
    names.update({f"{page}__prime": names[prime[canon]] for page, canon in
                  {"f": "f", "g": "g", **(page_functions or {})}.items() if canon in prime})
    assert "…" not in text, "the printed value was cut"
    text = re.sub(r"([A-Za-z_]\w*)'\(", r"\1__prime(", text.replace("σ(", "sigma("))
    expr = sympy.sympify(text, locals=names)
    return sympy.N(expr, 30)


def _assert_differs(cex, page_functions=None):
    assert cex["architecture"] and all(re.fullmatch(r"-?\d+(/\d+)?", v) for v in cex["point"].values())
    t, f = _evaluate_printed(cex["truth"], page_functions), _evaluate_printed(cex["formula"], page_functions)
    assert abs(t - f) > 1e-9 * max(abs(t), abs(f), 1)
    assert abs(t - cex["truth_float"]) <= 1e-9 * max(1, abs(t))
    assert abs(f - cex["formula_float"]) <= 1e-9 * max(1, abs(f))


def test_counterexample_values_really_differ(chain_transcript, verdicts):
    _assert_differs(chain_transcript.result.counterexample)
    _assert_differs(verdicts[("BP2, sign", "as-written")].counterexample)


def test_latex_transcript_is_a_standalone_document(chain_transcript, tmp_path):
    tex = chain_transcript.to_latex()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert all(ord(ch) < 128 for ch in tex), "Unicode must be mapped to LaTeX"
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)")
    (tmp_path / "t.tex").write_text(tex)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 1000


def test_html_and_notebook_renderings(chain_transcript, verdicts):
    page = render([chain_transcript], "html")
    assert page.startswith("<!DOCTYPE html>") and "✗" in page and "✓" in page
    assert chain_transcript._repr_markdown_() == chain_transcript.to_markdown()
    assert r"\begin{enumerate}" in chain_transcript._repr_latex_()
    claim, e = doc.claims[1], verdicts[("BP2", "as-written")]
    assert claim._repr_latex_().startswith("$$") and claim.latex in claim._repr_latex_()
    assert "**BP2**" in claim._repr_markdown_()
    assert ALL_DEPTHS in e._repr_markdown_() and e._repr_latex_().startswith("$$")


# -- the command and the example -------------------------------------------------------------------
def _prove(*argv):
    p = argparse.ArgumentParser(prog="symbp")
    prove_cli.add_parser(p.add_subparsers(dest="command"))
    return prove_cli.run(p.parse_args(["prove", *argv]))


def test_prove_command(tmp_path, capsys):
    out = tmp_path / "p.md"
    path = str(ROOT / "examples" / "four_equations.py")
    assert _prove(path, "--claim", "BP4 (a misprint)", "-o", str(out)) == 0    # a pinned erratum: as expected
    text = out.read_text()
    assert "1. ✗" in text and "Counterexample (exact)" in text
    assert _prove(path, "--claim", "no such label") == 2
    assert "matches no claim" in capsys.readouterr().err


def test_example_walks_through_a_proof(capsys):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import prove_ufldl
    finally:
        sys.path.pop(0)
    shown = prove_ufldl.main([])
    assert [t.result.status for t in shown] == [ALL_DEPTHS, "fails", ALL_DEPTHS]
    assert "## Proof of matrix step 3 (as-written)" in capsys.readouterr().out


# -- every bundled failure has an exact counterexample ----------------------------------------------
@pytest.mark.slow
def test_every_bundled_failure_has_an_exact_counterexample():
    report = check(ROOT / "derivations")
    fails = [(d.name, e) for d in report.derivations for e in d.equations if e.status == "fails"]
    assert len(fails) >= 10
    generic = {"f": "f", "fp": "fp", "f_out": "g", "fp_out": "gp"}   # the sweep's output activation, where generic
    for name, e in fails:
        assert e.counterexample, f"{name} {e.label!r}: no counterexample"
        notation = load_derivation(ROOT / "derivations" / f"{name}.py").notation   # it prints the page's names
        _assert_differs(e.counterexample, {p: generic[v] for p, v in notation.names.items() if v in generic})
    assert load_derivation(ROOT / "derivations" / "ufldl_backprop.py")
