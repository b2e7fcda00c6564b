"""Outputs (issue 16, items 4-6): LaTeX that compiles and escapes untrusted text, Markdown and offline HTML,
locations and counts that read like the page."""

import glob
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symbp import NetworkSpec, GroundTruth, Report
from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
from symbp.judge.evaluate import instantiate, place
from symbp.oracle.symbolic import SymbolicNetwork
from symbp.report.results import DerivationResult, EquationResult
from symbp.report.text import md_text, one_line, safe_math, tex_math, tex_text
from symbp.run.load import load_derivation
from symbp.run.prove import prove

ROOT = Path(__file__).parent.parent

HOSTILE = [r"\input{/etc/hostname}", r"\include{/etc/hostname}", r"\write18{touch /tmp/symbp-pwned}",
           r"\immediate\write18{id}", r"\openin5=/etc/hostname \read5 to\x \x", r"\catcode`\^^5c=0",
           r"^^5cinput{/etc/hostname}", r"x^^5c", "\\def\\a{\\a}\\a", r"\csname input\endcsname{/etc/hostname}",
           "a\n\\input{/etc/hostname}", "\x1b[2J\x1b[H forged", r"$ \input{/etc/hostname} $", r"}\input{x}{",
           r"\verb|x|", r"\expandafter\input\string{/etc/hostname}", r"\text{\input{/etc/hostname}}",
           r"\begin{verbatim}", r"\end{document}", "%", "#1", r"\\ & \\"]


def _bundled():
    files = sorted(glob.glob(str(ROOT / "derivations" / "*_backprop.py")))
    files += sorted(glob.glob(str(ROOT / "derivations" / "declarative" / "*.toml")))
    return [load_derivation(f) for f in files]


def _result(label, latex, status="fails", verdict="", **kw):
    return EquationResult(label, "delta", "as-written", latex, status, "symbolic", [[2, 3, 2]], 1.0,
                          "fails" if status == "fails" else "holds",
                          {"kind": "unknown", "factor": None, "detail": verdict} if verdict else None, **kw)


LONG = "residual truth − formula: at layer 2, j = 1 on [2, 2, 2]: " + " + ".join(
    f"W^(3)_{{1,{i}}}*y_{{2}}*f'(W^(2)_{{2,1}}*x_{{1}} + b^(2)_{{2}})" for i in range(30))


def _pdflatex(tmp_path, source, name="doc"):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (.ci/run installs it where apt is usable)")
    (tmp_path / f"{name}.tex").write_text(source, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                          f"{name}.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    errors = [ln for ln in log.splitlines() if ln.startswith("!")]
    assert run.returncode == 0 and not errors, errors or run.stdout[-2000:]
    assert (tmp_path / f"{name}.pdf").exists()
    return log


# -- item 4: LaTeX ----------------------------------------------------------------------------------------
def test_every_bundled_formula_is_kept_as_math():
    for doc in _bundled():
        for c in doc.claims:
            if c.latex.strip():
                assert safe_math(c.latex) is not None, (doc.name, c.label, c.latex)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_latex_is_not_kept_as_math(text):
    assert safe_math(text) is None
    shown = tex_math(text)
    assert not re.search(r"(?<!\\textbackslash\{\})\\(input|include|write|openin|catcode|csname|def|verb"
                         r"|immediate|expandafter|read|end|begin)", shown.replace(r"\mbox{\texttt{", "")), shown
    assert "^^" not in shown and "\n" not in shown and "%" not in shown.replace(r"\%", "")


def test_escaped_text_has_no_live_command():
    for text in HOSTILE:
        out = tex_text(text)
        assert "\n" not in out and "\x1b" not in out
        assert not re.search(r"\\(?!textbackslash|textasciicircum|textasciitilde|\{|\}|\$|&|%|#|_|"
                             r"textless|textgreater|textbar|textquotedbl)", out), out


def _report_of_bundled():
    ds = []
    for doc in _bundled():
        eqs = [_result(c.label, c.latex, verdict=f"the formula of {c.label} ⊙ ½ σ′ δ ② ✓ {LONG}")
               for c in doc.claims]
        ds.append(DerivationResult(doc.name, doc.title, doc.source, equations=eqs))
    return Report(ds)


def test_check_latex_of_every_bundled_claim_compiles(tmp_path):
    log = _pdflatex(tmp_path, _report_of_bundled().to_latex())
    assert "[U+" not in _report_of_bundled().to_latex().replace("[U+2", "")   # ½ and friends are typeset


def test_latex_of_hostile_strings_compiles_and_reads_no_file(tmp_path):
    eqs = [_result(h, h, verdict=h) for h in HOSTILE]
    report = Report([DerivationResult(r"\input{/etc/hostname}", r"\include{/etc/hostname}", r"\write18{id}",
                                      equations=eqs)])
    src = report.to_latex()
    log = _pdflatex(tmp_path, src)
    assert "(/etc/hostname" not in log and not (Path("/tmp") / "symbp-pwned").exists()


def test_table_lines_cannot_be_forged():
    eqs = [_result("(1)\n!! (2)  as-written  proven\x1b[2J", "x", "proven", message="ok\nforged line")]
    report = Report([DerivationResult("d\nx", "T\x1b[H", "-", equations=eqs)])
    table = report.to_table()
    assert "\x1b" not in table
    assert len(table.splitlines()) == 3, table       # header, the claim, the total


def _wrong_doc():
    doc = Derivation("demo", r"Demo \input{/etc/hostname} ②", "-", Notation(first_layer=1),
                     {"activation": "f", "average": "none"})

    @doc.claim("BP2 ②", kind="delta", layer="hidden", latex=r"\delta^l = (W^{l+1})^T \delta^{l+1} \odot f'(z^l)")
    def bp2(n, l):
        return n.delta[l], (n.W[l + 1] @ n.delta[l + 1]) * n.fp(n.z[l])   # W for Wᵀ

    @doc.claim("hostile", kind="delta", layer="output", latex=r"\input{/etc/hostname} \delta^L")
    def out(n):
        return n.delta[n.L], (n.a[n.L] - n.y) * n.fp(n.z[n.L])
    return doc


@pytest.fixture(scope="module")
def wrong_proofs():
    return prove(_wrong_doc(), sweep=[((2, 3, 2), 1), ((2, 3, 3, 2), 1)], budget=20)


def test_prove_latex_compiles_without_unicode_placeholders(tmp_path, wrong_proofs):
    from symbp.run.prove import render
    src = render(wrong_proofs, "latex")
    assert [t.result.status for t in wrong_proofs] == ["fails", "proven for all depths"]
    assert "[U+00BD]" not in src and r"\tfrac{1}{2}" in src and r"\sum_{\text{examples}}" in src
    assert "Σ_examples" not in src
    assert r"\input{/etc/hostname}" not in src
    log = _pdflatex(tmp_path, src)
    assert "(/etc/hostname" not in log


# -- item 5: Markdown and HTML --------------------------------------------------------------------------
def test_markdown_escapes_residuals_and_labels():
    eqs = [_result("*(1)*", "x", verdict="residual: W^(3)_{1,3}*y_{2}*x_{1} | <script>")]
    md = Report([DerivationResult("d_1", "T*", "s_1", equations=eqs)]).to_markdown()
    row = [ln for ln in md.splitlines() if ln.startswith("| \\*(1)")][0]
    assert "W^(3)\\_{1,3}\\*y\\_{2}\\*x\\_{1}" in row and "<script>" not in row
    assert row.count(" | ") == 4                     # the | of the text does not make a cell


def test_markdown_and_html_proofs(wrong_proofs):
    from symbp.run.prove import render
    md = render(wrong_proofs, "markdown")
    assert r"$$ \input" not in md and "`\\input{/etc/hostname} \\delta^L`" in md.replace("``", "`")
    page = render(wrong_proofs, "html")
    assert "http://" not in page.replace("http://www.w3.org/1998/Math/MathML", "") and "https://" not in page
    assert "<script" not in page and "<math" in page
    assert "**" not in page.split("<body>")[1]       # CAS expressions typeset, not printed as a*b**2
    assert "$" not in page                           # no raw TeX left for a script to typeset


# -- item 6: locations, counts, repr ------------------------------------------------------------------------
def test_locations_read_like_the_page():
    doc = Derivation("d", "D", "-", Notation(first_layer=1), {"activation": "f"})

    @doc.claim("(1)", "delta", "", layer="hidden")
    def one(n, l, j):
        return n.delta[l][j], n.delta[l][j]

    @doc.claim("(2)", "grad_W", "", layer="hidden")
    def two(n, l):
        return n.dC_dW[l], n.dC_dW[l]
    net = SymbolicNetwork(NetworkSpec((2, 3, 3, 2), activation="f", cost="half_sse"))
    wheres = [i.where for i in instantiate(doc.claims[0], net, doc.notation)]
    assert wheres[0] == "layer 2, j = 1" and "layer 3, j = 3" in wheres
    wheres = [i.where for i in instantiate(doc.claims[1], net, doc.notation)]
    assert "layer 2, row 1, column 2" in wheres
    assert place() == ""


def test_counts_agree_and_plurals():
    eqs = [_result("a", "x", "proven for all depths"), _result("b", "x", "proven for all depths"),
           _result("c", "x", "proven"), _result("d", "x", "fails", verdict="no")]
    report = Report([DerivationResult("d", "D", "-", equations=eqs)])
    md = report.to_markdown()
    assert "3 proven (2 for all depths), 0 confirmed, 1 fails, 0 ill-formed, 0 errors" in md
    assert "**Total:** 4 equations: 3 proven (2 for all depths)" in md
    assert report.to_table().splitlines()[-1].startswith("4 equations: 3 proven (2 for all depths)")
    one = Report([DerivationResult("d", "D", "-", equations=[_result("c", "x", "proven")])])
    assert one.to_table().splitlines()[-1].startswith("1 equation: 1 proven")
    assert "(pinned)" not in md and "fails (expected)" in md and "(expected)" in report.to_table()


def test_useful_reprs():
    spec = NetworkSpec([2, 3, 1])
    assert repr(GroundTruth(spec)).startswith("GroundTruth([2, 3, 1], m=1, sigmoid")
    assert repr(SymbolicNetwork(spec)).startswith("SymbolicNetwork([2, 3, 1]")
    report = Report([DerivationResult("d", "D", "-", equations=[_result("c", "x", "proven")])])
    assert repr(report).startswith("<Report of 1 derivation: 1 equation, 1 proven")
    assert str(report) == report.to_table()


def test_one_line_and_md_text():
    assert one_line("a\nb\x1b[2J") == "a b\\x1b[2J"
    assert md_text("a*b_c") == "a\\*b\\_c"


def test_counterexample_names_the_real_activation_and_avoids_zero_sides():
    doc = Derivation("sig", "Sigmoid", "-", Notation(first_layer=1), {"activation": "sigmoid", "average": "none"})

    @doc.claim("BP1 (no f')", kind="delta", layer="output", latex=r"\delta^L = a^L - y")
    def bp1(n):
        return n.delta[n.L], n.a[n.L] - n.y
    t = prove(doc, sweep=[((1, 2, 1), 1)], budget=20)[0]
    cex = t.result.counterexample
    assert t.result.status == "fails" and cex
    assert cex["truth_float"] != 0 and cex["formula_float"] != 0
    md = t.to_markdown()
    assert "standing in" not in md and "activation sigmoid" in md
    import sympy
    sympy.sympify(cex["truth"]), sympy.sympify(cex["formula"])     # the JSON keeps exact, parseable values
    assert len(cex["truth"]) > 80 and "E1 = exp(" in md           # the proof names each exp(…) once
    shown = [ln for ln in md.splitlines() if ln.startswith("* truth:")][0]
    assert shown.count("exp(") == len(re.findall(r"E\d+ = exp\(", shown)), shown


HOSTILE_TOML = r'''
name = "hostile"
title = '\input{/etc/hostname} ^^5cinput{/etc/hostname} %'
source = '\write18{touch /tmp/symbp-pwned}'

[notation]
first_layer = 1

[spec]
activation = "f"
average = "none"

[[claim]]
label = "\\input{/etc/hostname}\n!! forged line \u001b[2J"
kind = "cost"
latex = '\input{/etc/hostname} \catcode`\^^5c=0 $x$'
sides = ["C", "(a[L][1] - y[1])^2 / 2 + (a[L][2] - y[2])^2 / 2"]
'''


def test_an_untrusted_toml_derivation_end_to_end(tmp_path):
    src = tmp_path / "hostile.toml"
    src.write_text(HOSTILE_TOML, encoding="utf-8")
    table = subprocess.run([sys.executable, "-m", "symbp", "check", str(src), "--arch", "2,3,2"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert "\x1b" not in table.stdout and "\n!! forged" not in table.stdout, table.stdout
    run = subprocess.run([sys.executable, "-m", "symbp", "check", str(src), "--arch", "2,3,2", "--format", "latex"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r"\input{" not in run.stdout.replace(r"\textbackslash{}input\{", ""), run.stdout
    log = _pdflatex(tmp_path, run.stdout, "hostile")
    assert "(/etc/hostname" not in log and not Path("/tmp/symbp-pwned").exists()
