"""The checker catches wrong formulas, and names what is wrong with them.

A correct claim and each of its single-fault mutations are checked in a
notation of their own (1-based layers, W^(l) leaving layer l, bias also
as W_j0); the correct one must be proven, every mutant must fail with the
right diagnosis kind.
"""

import json

import pytest

from symbp import Derivation, Notation, check
from symbp.cli.main import main

NOTATION = Notation(first_layer=1, weight_index="to_from", weight_named_after="source", bias="both")
SPEC = {"activation": "f", "cost": "half_sse", "average": "examples", "weight_decay": True}


def make_doc():
    return Derivation("mutants", "Mutants", source="test", notation=NOTATION, spec=SPEC)


def verdict(doc, label=None):
    report = check(doc, budget=20)
    eqs = report.derivations[0].equations
    return eqs if label is None else next(e for e in eqs if e.label == label)


def hidden_sum(n, l, i, fp):
    return sum(n.W[l][j, i] * n.delta[l + 1][j] for j in range(1, n.size(l + 1) + 1)) * fp(n.z[l][i])


def batch_grad(n, l):
    first = n.examples[0]
    total = sum((ex.delta[l + 1] @ ex.a[l].T for ex in n.examples[1:]), first.delta[l + 1] @ first.a[l].T)
    return total / n.m


# -- the correct formulas are proven ------------------------------------------------------------
def test_correct_claims_are_proven_in_elementwise_and_matrix_form():
    doc = make_doc()

    @doc.claim("out", kind="delta", layer="output", latex=r"\delta^{(n_l)}_i = -(y_i - a_i) f'(z_i)")
    def out(n, i):
        return n.delta[n.L][i], -(n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])

    @doc.claim("hidden", kind="delta", layer="hidden", latex="")
    def hidden(n, l, i):
        return n.delta[l][i], hidden_sum(n, l, i, n.fp)

    @doc.claim("hidden (matrix)", kind="delta", layer="hidden", latex="")
    def hidden_matrix(n, l):
        return n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.fp(n.z[l])

    @doc.claim("grad W", kind="grad_W", layer="all", latex="")
    def grad_w(n, l, j, i):
        return n.dC_dW[l][j, i], n.a[l][i] * n.delta[l + 1][j]

    @doc.claim("batch grad", kind="grad_W", layer="all", per="batch", latex="")
    def grad_batch(n, l):
        return n.dJ_dW[l], batch_grad(n, l) + n.lam * n.W[l]

    @doc.claim("update", kind="update_W", layer="all", latex="")
    def update(n, l):
        return n.step_W[l], n.W[l] - n.lr * (batch_grad(n, l) + n.lam * n.W[l])

    eqs = verdict(doc)
    # per-example δ and gradient claims are also proven by induction (symbp/induction.py)
    assert [e.status for e in eqs] == ["proven for all depths"] * 4 + ["proven"] * 2, \
        [(e.label, e.verdict_text) for e in eqs]
    assert all(e.method == "symbolic" and not e.unexpected for e in eqs)


# -- each mutation is caught with the right diagnosis -----------------------------------------------
MUTANTS = {
    "sign flipped": ("sign", lambda n, i: (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])),
    "factor 2": ("factor", lambda n, i: -2 * (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])),
    "factor 1/K": ("factor", lambda n, i: -(n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i]) / n.K),
    "f for f'": ("derivative", lambda n, i: -(n.y[i] - n.a[n.L][i]) * n.f(n.z[n.L][i])),
}


@pytest.mark.parametrize("name", list(MUTANTS))
def test_output_delta_mutants_fail_with_the_right_diagnosis(name):
    kind, formula = MUTANTS[name]
    doc = make_doc()
    doc.claim(name, kind="delta", layer="output", latex="")(lambda n, i: (n.delta[n.L][i], formula(n, i)))
    e = verdict(doc, name)
    assert e.status == "fails" and e.unexpected
    assert e.diagnosis["kind"] == kind, e.diagnosis
    assert e.counterexample is not None


def test_factor_is_named_as_an_expression_in_the_sizes():
    doc = make_doc()
    doc.claim("1/K", kind="delta", layer="output", latex="")(lambda n, i: (n.delta[n.L][i], MUTANTS["factor 1/K"][1](n, i)))
    doc.claim("2", kind="delta", layer="output", latex="")(lambda n, i: (n.delta[n.L][i], MUTANTS["factor 2"][1](n, i)))
    by = {e.label: e for e in verdict(doc)}
    assert by["1/K"].diagnosis["factor"] == "1/K"
    assert by["2"].diagnosis["factor"] == "2"


def test_transposed_indices_are_diagnosed():
    doc = make_doc()

    @doc.claim("a_j delta_i", kind="grad_W", layer="all", latex="")
    def swapped(n, l, j, i):
        return n.dC_dW[l][j, i], n.a[l][j] * n.delta[l + 1][i]

    @doc.claim("W not transposed", kind="delta", layer="hidden", latex="")
    def no_transpose(n, l):
        return n.delta[l], (n.W[l] @ n.delta[l + 1]) * n.fp(n.z[l])

    for e in verdict(doc):
        assert e.status == "fails", e.verdict_text
        assert e.diagnosis["kind"] == "transpose", e.diagnosis


def test_wrong_layer_is_diagnosed():
    doc = make_doc()

    @doc.claim("z of the next layer", kind="delta", layer="hidden", latex="")
    def wrong_z(n, l, i):
        return n.delta[l][i], sum(n.W[l][j, i] * n.delta[l + 1][j]
                                  for j in range(1, n.size(l + 1) + 1)) * n.fp(n.z[l + 1][i])

    @doc.claim("delta of the same layer", kind="grad_W", layer="all", latex="")
    def wrong_delta(n, l, j, i):
        return n.dC_dW[l][j, i], n.a[l][i] * n.delta[l][j]

    for e in verdict(doc):
        assert e.status == "fails", e.verdict_text
        assert e.diagnosis["kind"] in ("layer",), (e.label, e.diagnosis)


def test_wrong_layer_in_a_matrix_formula_is_diagnosed():
    # the shapes no longer match, so as written it cannot be evaluated; read one layer off, it holds
    doc = make_doc()

    @doc.claim("a of the next layer", kind="grad_W", layer="all", latex="")
    def wrong_a(n, l):
        return n.dC_dW[l], n.delta[l + 1] @ n.a[l + 1].T

    @doc.claim("delta of the same layer", kind="delta", layer="hidden", latex="")
    def wrong_delta(n, l):
        return n.delta[l], (n.W[l].T @ n.delta[l]) * n.fp(n.z[l])

    for e in verdict(doc):
        assert e.status == "fails", e.verdict_text
        assert e.diagnosis["kind"] == "layer", (e.label, e.diagnosis)


def test_dropped_bias_is_a_missing_term():
    doc = make_doc()

    @doc.claim("no bias in z", kind="delta", layer="output", latex="")
    def no_bias(n, i):
        L = n.L
        z = sum(n.W[L - 1][i, j] * n.a[L - 1][j] for j in range(1, n.size(L - 1) + 1))
        return n.delta[L][i], (n.a[L][i] - n.y[i]) * n.fp(z)

    e = verdict(doc, "no bias in z")
    assert e.status == "fails" and e.diagnosis["kind"] == "missing-term", e.diagnosis
    assert "bias" in e.diagnosis["detail"]


def test_a_formula_that_is_zero_is_not_a_factor_zero():
    doc = make_doc()

    @doc.claim("zero", kind="delta", layer="output", latex="")
    def zero(n, i):     # ∂a^(L−1)/∂W^(L−1): the wrong layer's activation does not depend on these weights
        L = n.L
        return n.delta[L][i], n.diff(n.a[L - 1][1], n.W[L - 1][i, 1])

    e = verdict(doc, "zero")
    assert e.status == "fails" and e.diagnosis["kind"] == "unknown", e.diagnosis
    assert "is 0 wherever it is evaluated" in e.diagnosis["detail"]


def test_a_per_example_update_on_a_batch_is_named():
    doc = make_doc()

    @doc.claim("one example", kind="update_W", layer="all", latex="")
    def one_example(n, l):
        return n.step_W[l], n.W[l] - n.lr * (n.delta[l + 1] @ n.a[l].T + n.lam * n.W[l])

    e = verdict(doc, "one example")
    assert e.status == "fails" and e.diagnosis["kind"] == "convention", e.diagnosis
    assert "one example (m = 1)" in e.diagnosis["detail"]


def test_dropped_weight_decay_is_a_missing_term():
    doc = make_doc()

    @doc.claim("no decay", kind="grad_W", layer="all", per="batch", latex="")
    def no_decay(n, l):
        return n.dJ_dW[l], batch_grad(n, l)

    e = verdict(doc, "no decay")
    assert e.status == "fails" and e.diagnosis["kind"] == "missing-term", e.diagnosis


def test_another_cost_convention_is_named():
    doc = make_doc()

    @doc.claim("summed", kind="grad_W", layer="all", per="batch", latex="")
    def summed(n, l):
        return n.dJ_dW[l], batch_grad(n, l) * n.m + n.lam * n.W[l]

    e = verdict(doc, "summed")
    assert e.status == "fails" and e.diagnosis["kind"] == "convention", e.diagnosis
    assert "average='none'" in e.diagnosis["detail"]


def test_chain_reports_the_first_broken_step():
    doc = make_doc()

    @doc.claim("chain", kind="chain", of="delta", layer="output", latex="")
    def chain(n, i):
        L = n.L
        return (n.delta[L][i],
                n.partial("C", ("a", L))[1, i] * n.fp(n.z[L][i]),          # step 1: holds
                (n.a[L][i] - n.y[i]) * n.fp(n.z[L][i]),                     # step 2: holds
                (n.y[i] - n.a[L][i]) * n.fp(n.z[L][i]))                     # step 3: sign slip

    e = verdict(doc, "chain")
    assert e.status == "fails"
    assert [s["holds"] for s in e.steps] == [True, True, False]
    assert "step 3" in e.diagnosis["detail"] and e.diagnosis["kind"] == "sign"


def test_pinned_erratum_is_expected_and_exit_code_zero():
    doc = make_doc()
    doc.claim("erratum", kind="delta", layer="output", latex="", expect="fails")(
        lambda n, i: (n.delta[n.L][i], MUTANTS["sign flipped"][1](n, i)))
    report = check(doc)
    e = report.derivations[0].equations[0]
    assert e.status == "fails" and not e.unexpected
    assert report.exit_code == 0


def test_a_pinned_erratum_that_holds_is_unexpected():
    doc = make_doc()
    doc.claim("not an erratum", kind="delta", layer="output", latex="", expect="fails")(
        lambda n, i: (n.delta[n.L][i], -(n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])))
    report = check(doc)
    assert report.derivations[0].equations[0].unexpected and report.exit_code == 1


def test_a_time_limit_is_undecided_never_a_silent_numeric_verdict():
    """The budget is a safety net: when it fires the verdict is `undecided` (unexpected), not `confirmed`."""
    doc = make_doc()
    doc.claim("out", kind="delta", layer="output", latex="")(
        lambda n, i: (n.delta[n.L][i], -(n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])))
    report = check(doc, budget=1e-6)
    e = report.derivations[0].equations[0]
    assert e.status == "undecided" and "time limit" in e.message and e.unexpected
    assert report.summary["undecided"] == 1 and report.exit_code == 1


def test_counterexample_sides_really_differ():
    import sympy
    doc = make_doc()
    doc.claim("sign", kind="delta", layer="output", latex="", spec={"activation": "sigmoid"})(
        lambda n, i: (n.delta[n.L][i], MUTANTS["sign flipped"][1](n, i)))
    c = verdict(doc, "sign").counterexample
    assert c["architecture"] == [2, 3, 2]
    truth, formula = sympy.sympify(c["truth"]), sympy.sympify(c["formula"])
    assert abs(float(truth.evalf(30)) - c["truth_float"]) < 1e-9
    assert abs(float((truth - formula).evalf(30))) > 1e-6


def test_counterexample_point_names_only_what_its_sides_read():
    """δ^L_1 reads output 1's weights, bias and target, not output 2's: those are not in the point shown."""
    doc = make_doc()
    doc.claim("sign", kind="delta", layer="output", latex="", spec={"activation": "sigmoid"})(
        lambda n, i: (n.delta[n.L][i], MUTANTS["sign flipped"][1](n, i)))
    c = verdict(doc, "sign").counterexample
    assert c["where"].endswith("i = 1")
    assert {"y_{1}", "b^(2)_{1}", "W^(2)_{1,3}", "x_{2}", "W^(1)_{3,2}"} <= set(c["point"])
    assert not {"y_{2}", "b^(2)_{2}", "W^(2)_{2,1}"} & set(c["point"])


# -- bad input ------------------------------------------------------------------------------
GOOD = '''
from symbp import Derivation, Notation
doc = Derivation("good", "Good", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"})
@doc.claim("out", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
'''


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_bad_claims_give_one_line_errors_and_the_rest_is_checked(tmp_path):
    write(tmp_path, "a_good.py", GOOD)
    write(tmp_path, "b_syntax.py", "def broken(:\n    pass\n")
    write(tmp_path, "c_claims.py", GOOD.replace('"good"', '"claims"') + '''
@doc.claim("unknown symbol", kind="delta", layer="output", latex="")
def unknown(n, i):
    return n.delta[n.L][i], n.q[i]
@doc.claim("raises", kind="delta", layer="output", latex="")
def raises(n, i):
    return n.delta[n.L][i], 1 / 0
@doc.claim("free index", kind="delta", layer="output", latex="")
def free(n, i):
    return n.delta[n.L][i], n.a[n.L][i + 7]
''')
    report = check(tmp_path)
    by = {d.name: d for d in report.derivations}
    assert [e.status for e in by["good"].equations] == ["proven for all depths"]
    assert "b_syntax.py:1: syntax error" in by["b_syntax"].error
    eq = {e.label: e for e in by["claims"].equations}
    assert eq["out"].status == "proven for all depths"
    assert eq["unknown symbol"].status == "ill-formed" and "unknown symbol 'q'" in eq["unknown symbol"].message
    assert "c_claims.py" in eq["unknown symbol"].message and "'unknown symbol'" in eq["unknown symbol"].message
    assert eq["raises"].status == "error" and "ZeroDivisionError" in eq["raises"].message
    assert "c_claims.py:" in eq["raises"].message and "'raises'" in eq["raises"].message
    assert eq["free index"].status == "ill-formed" and "out of range" in eq["free index"].message
    assert report.exit_code == 2


# -- CLI: exit codes and JSON shape ------------------------------------------------------------------
def test_cli_exit_codes(tmp_path, capsys):
    good = write(tmp_path, "good.py", GOOD)
    assert main(["check", str(good)]) == 0
    bad = write(tmp_path, "bad.py", GOOD.replace("(n.a[n.L][i] - n.y[i])", "(n.y[i] - n.a[n.L][i])"))
    assert main(["check", str(bad)]) == 1
    broken = write(tmp_path, "broken.py", "import no_such_module_anywhere\n")
    assert main(["check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "broken.py: cannot import" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        main(["check", "--budget", "soon", str(good)])
    assert exc.value.code == 2


def test_json_follows_the_contract(tmp_path, capsys):
    good = write(tmp_path, "good.py", GOOD)
    assert main(["check", "--format", "json", str(good)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"symbp_version", "derivations", "summary"}
    d = data["derivations"][0]
    assert set(d) == {"name", "title", "source", "equations"}
    e = d["equations"][0]
    assert set(e) == {"label", "kind", "reading", "latex", "status", "method", "architectures", "max_rel_error",
                      "expected", "diagnosis", "counterexample", "notes", "notation", "own_notation"}
    assert e["status"] == "proven for all depths" and e["expected"] == "holds"
    assert e["notation"].startswith("layers from") and e["own_notation"] is False
    assert set(data["summary"]) == {"equations", "proven", "confirmed", "fails", "ill_formed", "error", "undecided",
                                    "unexpected", "definition", "ocr_slips"}


def test_other_formats_render(tmp_path, capsys):
    good = write(tmp_path, "good.py", GOOD)
    for fmt, marker in (("markdown", "| label |"), ("latex", r"\begin{document}"), ("table", "== good")):
        assert main(["check", "--format", fmt, str(good)]) == 0
        assert marker in capsys.readouterr().out


def test_borderline_float64_is_settled_in_mpmath_precision():
    doc = make_doc()

    @doc.claim("cancellation", kind="lemma", latex=r"(u + 10^4)^2 - 10^8 - 2\cdot 10^4 u = u^2")
    def cancellation(n):
        u = n.symbol("u")
        return (u + 10 ** 4) ** 2 - 10 ** 8 - 2 * 10 ** 4 * u, u ** 2

    @doc.claim("off by 1e-7", kind="lemma", latex=r"u^2 = u^2 (1 + 10^{-7})")
    def off(n):
        u = n.symbol("u")
        return u ** 2, u ** 2 * (1 + 10 ** -7)

    report = check(doc, numeric_only=True)
    eqs = {e.label: e for e in report.derivations[0].equations}
    assert eqs["cancellation"].status == "confirmed" and "mpmath" in eqs["cancellation"].message
    assert eqs["off by 1e-7"].status == "fails"


def test_non_finite_formula_is_ill_formed_with_a_message():
    doc = make_doc()

    @doc.claim("log of a negative", kind="delta", layer="output", latex="")
    def nonfinite(n, i):
        import symengine
        return n.delta[n.L][i], symengine.log(-1 - n.y[i] ** 2) * n.fp(n.z[n.L][i])

    e = verdict(doc, "log of a negative")
    assert e.status == "ill-formed" and "non-finite" in e.message
