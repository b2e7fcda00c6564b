"""Soundness of the target domain and of four former false alarms, attacked from both sides.

For each verdict touched: the wrong formula that must not get it and the right formula that must
not be rejected, in Python and in TOML.
"""

import numpy as np
import pytest
import symengine

from symbp.claims.derivation import Derivation
from symbp.formula.reader import DeclarativeError, load_toml
from symbp.formula.grammar import FormulaError, parse_formula
from symbp.formula.interpret import evaluate
from symbp.claims.notation import Notation
from symbp.run.runner import check_derivation
from symbp.run.load import load_derivation
from symbp.model.spec import NetworkSpec, SpecError
from symbp.oracle.symbolic import SymbolicNetwork
from symbp.judge.verify import verify_claim

SOFTMAX_SWEEP = (((2, 3), 1), ((2, 3, 3), 2), ((3, 2, 4), 1), ((2, 4, 2), 3))


def _softmax_doc(targets=None, sweep=SOFTMAX_SWEEP):
    spec = {"activation": "f", "cost": "softmax_cross_entropy", "average": "none"}
    if targets is not None:
        spec["targets"] = targets
    doc = Derivation("sm", "softmax", "-", Notation(), spec, sweep=sweep)

    @doc.claim("a - y", kind="delta", layer="output", latex=r"\delta = a - y")
    def right(n, i):
        return n.delta[n.L][i], n.a[n.L][i] - n.y[i]

    @doc.claim("y - a", kind="delta", layer="output", latex=r"\delta = y - a")
    def sign(n, i):
        return n.delta[n.L][i], n.y[i] - n.a[n.L][i]

    @doc.claim("matrix a - y", kind="delta", layer="output", latex=r"\delta = a - y")
    def matrix(n):
        return n.delta[n.L], n.a[n.L] - n.y
    return doc


def _verdicts(doc):
    return {c.label: verify_claim(c, doc) for c in doc.claims}


# -- target domains: softmax + cross-entropy ---------------------------------------------------------
@pytest.mark.parametrize("targets", ["one_hot", "probability", None])
def test_softmax_cross_entropy_delta_is_a_minus_y_on_its_domain(targets):
    out = _verdicts(_softmax_doc(targets))
    assert out["a - y"].status == "proven", out["a - y"]
    assert out["matrix a - y"].status == "proven"
    assert out["y - a"].status == "fails"
    assert out["y - a"].diagnosis["kind"] == "sign"
    shown = targets or "probability"
    for o in out.values():
        assert any(note.startswith(f"targets: {shown}") for note in o.notes), o.notes


def test_softmax_cross_entropy_delta_a_minus_y_fails_with_free_targets():
    out = _verdicts(_softmax_doc("free"))
    assert out["a - y"].status == "fails"
    assert out["y - a"].status == "fails"
    assert any(n.startswith("targets: free") for n in out["a - y"].notes)


def test_softmax_default_domain_is_probability_and_the_simplex_is_exact():
    net = SymbolicNetwork(NetworkSpec((1, 3), cost="softmax_cross_entropy"))
    how, cases = net.target_cases()
    assert net.spec.targets == "probability" and "simplex" in how
    (_, mapping), = cases
    y = net.y[0]
    assert symengine.expand(sum(v.xreplace(mapping) for v in y) - 1) == 0


def test_one_hot_enumerates_every_class_of_every_example_and_falls_back_to_the_simplex():
    net = SymbolicNetwork(NetworkSpec((1, 3), cost="softmax_cross_entropy", targets="one_hot", batch_size=2))
    how, cases = net.target_cases()
    assert len(cases) == 9 and "every class" in how
    assert sorted(c for c, _ in cases)[0] == ((0, 0, 1), (0, 0, 1))
    how, cases = net.target_cases(limit=4)
    assert "simplex" in how and len(cases) == 1


def test_a_formula_true_only_on_one_hot_targets_is_proven_there_and_rejected_on_the_simplex():
    # -Σ y_k² ln a_k equals the cost for one-hot y (y² = y) but not for soft labels
    for targets, status in (("one_hot", "proven"), ("probability", "fails")):
        doc = Derivation("oh", "oh", "-", Notation(), {"activation": "f", "cost": "softmax_cross_entropy",
                                                       "targets": targets}, sweep=SOFTMAX_SWEEP[:2])

        @doc.claim("C", kind="cost", latex="")
        def cost(n):
            return n.C, -sum(n.y[i] ** 2 * symengine.log(n.a[n.L][i]) for i in range(1, n.K + 1))
        assert verify_claim(doc.claims[0], doc).status == status, targets


def test_binary_targets_are_enumerated():
    # sigmoid + cross-entropy: δ = a − y for any y; a − y² only where y ∈ {0, 1}
    for targets, right, wrong in (("binary", "proven", "fails"), ("probability", "proven", "fails")):
        doc = Derivation("bin", "bin", "-", Notation(), {"activation": "sigmoid", "cost": "cross_entropy",
                                                         "average": "none", "targets": targets},
                         sweep=(((2, 3, 2), 1), ((2, 2, 1), 2)))

        @doc.claim("a - y", kind="delta", layer="output", latex="")
        def d1(n, i):
            return n.delta[n.L][i], n.a[n.L][i] - n.y[i]

        @doc.claim("a - y^2", kind="delta", layer="output", latex="")
        def d2(n, i):
            return n.delta[n.L][i], n.a[n.L][i] - n.y[i] ** 2

        @doc.claim("a - (1 - y)", kind="delta", layer="output", latex="")
        def d3(n, i):
            return n.delta[n.L][i], n.a[n.L][i] - (1 - n.y[i])
        out = _verdicts(doc)
        assert out["a - y"].status == right
        assert out["a - (1 - y)"].status == wrong
        assert out["a - y^2"].status == ("proven" if targets == "binary" else "fails"), (targets, out["a - y^2"])


def test_free_targets_are_signed_and_wide_so_sqrt_y_squared_is_not_y():
    doc = Derivation("sq", "sq", "-", Notation(), {"activation": "f", "average": "none"},
                     sweep=(((2, 3, 1), 1), ((3, 2, 1), 2)))

    @doc.claim("C", kind="cost", latex="")
    def cost(n):
        return n.C, (n.a[n.L][1] - symengine.sqrt(n.y[1] ** 2)) ** 2 / 2
    o = verify_claim(doc.claims[0], doc)
    assert o.status == "fails", o
    assert any(n.startswith("targets: free") for n in o.notes)


def test_sample_targets_lie_on_the_domain():
    from symbp.judge.evaluate import sample_targets
    rng = np.random.default_rng(1)
    for targets, check in [
            ("free", lambda Y: (Y < 0).any() and (np.abs(Y) > 1).any()),
            ("probability", lambda Y: np.allclose(Y.sum(axis=1), 1) and (Y >= 0).all()),
            ("one_hot", lambda Y: set(np.unique(Y)) <= {0, 1} and np.allclose(Y.sum(axis=1), 1)),
            ("binary", lambda Y: set(np.unique(Y)) <= {0, 1} and (Y.sum(axis=1) != 1).any())]:
        cost = "half_sse" if targets in ("free", "binary") else "softmax_cross_entropy"
        net = SymbolicNetwork(NetworkSpec((1, 3), cost=cost, targets=targets, activation="f"))
        cols = sample_targets(net, rng, 200)
        assert len(cols) == 3
        assert check(np.stack(cols, axis=1)), targets
    net = SymbolicNetwork(NetworkSpec((1, 2), cost="cross_entropy"))
    Y = np.stack(sample_targets(net, rng, 200), axis=1)
    assert ((0 <= Y) & (Y <= 1)).all() and not np.allclose(Y.sum(axis=1), 1)


def test_a_bad_target_domain_is_a_one_line_error():
    with pytest.raises(SpecError, match=r"^targets: 'hot' is not one of 'free', 'one_hot'"):
        NetworkSpec((2, 2), targets="hot")
    assert NetworkSpec((2, 2)).targets == "free"
    assert NetworkSpec((2, 2)).replace(cost="cross_entropy").targets == "probability"
    assert NetworkSpec((2, 2), targets="binary").replace(cost="cross_entropy").targets == "binary"


SOFTMAX_TOML = '''name = "sm_toml"
sweep = [[[2, 3], 1], [[2, 3, 3], 2], [[3, 2, 4], 1]]
[spec]
activation = "f"
cost = "softmax_cross_entropy"
average = "none"
{targets}
[[claim]]
label = "a - y"
kind = "delta"
layer = "output"
args = ["i"]
sides = ["delta[L][i]", "a[L][i] - y[i]"]
[[claim]]
label = "y - a"
kind = "delta"
layer = "output"
args = ["i"]
sides = ["delta[L][i]", "y[i] - a[L][i]"]
'''


@pytest.mark.parametrize("targets, right", [("one_hot", "proven"), ("probability", "proven"), ("", "proven"),
                                            ("free", "fails")])
def test_toml_target_domain(tmp_path, targets, right):
    p = tmp_path / "sm.toml"
    p.write_text(SOFTMAX_TOML.format(targets=f'targets = "{targets}"' if targets else ""))
    eqs = {e.label: e for e in check_derivation(load_derivation(p)).equations}
    assert eqs["a - y"].status.startswith(right), eqs["a - y"].verdict_text
    assert eqs["y - a"].status == "fails"
    if targets != "free":
        assert eqs["y - a"].diagnosis["kind"] == "sign"
    assert any(n.startswith(f"targets: {targets or 'probability'}") for n in eqs["a - y"].notes)


def test_toml_bad_target_domain(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(SOFTMAX_TOML.format(targets='targets = "soft"'))
    with pytest.raises(DeclarativeError, match=r"^spec: targets: 'soft' is not one of"):
        load_toml(p)


# -- an architecture without the claim's layer -------------------------------------------------------
def _hidden_doc(sweep):
    doc = Derivation("h", "h", "-", Notation(), {"activation": "f", "average": "none"}, sweep=sweep)

    @doc.claim("BP2", kind="delta", layer="hidden", latex="")
    def bp2(n, l):
        return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])

    @doc.claim("BP2 with W", kind="delta", layer="hidden", latex="")
    def bp2_no_t(n, l):
        return n.delta[l], n.fp(n.z[l]) * sum(n.W[l + 1][1, j] for j in range(1, n.W[l + 1].shape[1] + 1))
    return doc


def test_a_net_without_hidden_layer_is_skipped_with_a_note():
    doc = _hidden_doc((((1, 1), 2), ((2, 3, 2), 1), ((3, 2, 1), 2)))
    right, wrong = (verify_claim(c, doc) for c in doc.claims)
    assert right.status == "proven", right
    assert any("not judged on [1, 1] m=2" in n and "states nothing" in n for n in right.notes), right.notes
    assert wrong.status == "fails"


def test_a_claim_with_nothing_on_any_architecture_is_ill_formed():
    doc = _hidden_doc((((1, 1), 2), ((3, 2), 1)))
    o = verify_claim(doc.claims[0], doc, sweep=[((1, 1), 2), ((3, 2), 1)])
    assert o.status == "ill-formed" and "states nothing" in o.message


# -- a 1×1 side is a scalar ----------------------------------------------------------------------------
def _quadratic_doc():
    doc = Derivation("q", "q", "-", Notation(), {"activation": "f", "average": "none"},
                     sweep=(((2, 3, 2), 1), ((3, 2, 1), 1), ((2, 2, 3), 1)))

    @doc.claim("half", kind="cost", latex=r"C = \tfrac12 (a-y)^T(a-y)")
    def half(n):
        e = n.a[n.L] - n.y
        return n.C, (e.T @ e) / 2

    @doc.claim("no half", kind="cost", latex=r"C = (a-y)^T(a-y)")
    def whole(n):
        e = n.a[n.L] - n.y
        return n.C, e.T @ e

    @doc.claim("outer", kind="cost", latex=r"C = \tfrac12 (a-y)(a-y)^T")
    def outer(n):
        e = n.a[n.L] - n.y
        return n.C, (e @ e.T) / 2
    return doc


def test_a_1x1_product_equals_the_scalar_cost():
    out = _verdicts(_quadratic_doc())
    assert out["half"].status == "proven", out["half"]
    assert out["no half"].status == "fails"
    assert out["no half"].diagnosis["kind"] == "factor" and out["no half"].diagnosis["factor"] == "2"
    assert out["outer"].status in ("ill-formed", "fails")


def test_toml_1x1_product_equals_the_scalar_cost(tmp_path):
    p = tmp_path / "q.toml"
    p.write_text('name = "q"\nsweep = [[[2, 3, 2], 1], [[3, 2, 1], 1]]\n[spec]\nactivation = "f"\naverage = "none"\n'
                 '[[claim]]\nlabel = "half"\nkind = "cost"\nsides = ["C", "(a[L] - y).T @ (a[L] - y) / 2"]\n'
                 '[[claim]]\nlabel = "no half"\nkind = "cost"\nsides = ["C", "(a[L] - y).T @ (a[L] - y)"]\n')
    eqs = {e.label: e for e in check_derivation(load_derivation(p)).equations}
    assert eqs["half"].status == "definition"   # a cost restated: holds, reads no derivative
    assert eqs["no half"].status == "fails"


# -- TOML: a flat sum is not nesting ---------------------------------------------------------------
def test_a_flat_sum_of_many_terms_parses_and_evaluates():
    assert evaluate(parse_formula(" + ".join(["1"] * 1000)), None) == 1000
    assert evaluate(parse_formula("1 - 2 * 3 / 4 + 5 - 6 * 7 * 8"), None) == symengine.Rational(-663, 2)
    assert evaluate(parse_formula("2 * 3 - 4 - 5 + 6"), None) == 3
    with pytest.raises(FormulaError, match="nested more than 100 deep"):
        parse_formula("-" * 150 + "1")
    with pytest.raises(FormulaError, match="nested more than 100 deep"):
        parse_formula("2 ^ " * 150 + "1")


def test_a_flat_sum_does_not_hit_the_recursion_limit():
    import sys
    old = sys.getrecursionlimit()
    tree = parse_formula(" * ".join(["2"] * 1000))
    sys.setrecursionlimit(300)
    try:
        assert evaluate(tree, None) == 2 ** 1000
    finally:
        sys.setrecursionlimit(old)


def test_toml_claim_with_a_long_flat_sum(tmp_path):
    terms = " + ".join(["y[1]"] * 150)
    p = tmp_path / "long.toml"
    p.write_text('name = "long"\nsweep = [[[2, 3, 1], 1], [[3, 2, 1], 1]]\n[spec]\nactivation = "f"\naverage = "none"\n'
                 f'[[claim]]\nlabel = "right"\nkind = "cost"\nsides = ["C", "C + ({terms}) - 150 * y[1]"]\n'
                 f'[[claim]]\nlabel = "wrong"\nkind = "cost"\nsides = ["C", "C + ({terms}) - 149 * y[1]"]\n')
    eqs = {e.label: e for e in check_derivation(load_derivation(p)).equations}
    assert eqs["right"].status == "definition", eqs["right"].verdict_text
    assert eqs["wrong"].status == "fails"


def test_strategies_draw_targets_on_the_spec_domain():
    from hypothesis import find
    from symbp.strategies import parameters
    spec = NetworkSpec((2, 3), cost="softmax_cross_entropy", targets="one_hot", batch_size=3)
    Y = find(parameters(spec), lambda p: True)[3]
    assert set(np.unique(Y)) <= {0, 1} and np.allclose(Y.sum(axis=1), 1)
    Y = find(parameters(NetworkSpec((2, 2), targets="binary", batch_size=2)), lambda p: p[3].sum() > 0)[3]
    assert set(np.unique(Y)) <= {0, 1}


def test_a_layer_function_pointing_past_the_architecture_is_skipped_not_failed():
    doc = Derivation("nh", "nh", "-", Notation(), {"activation": "f", "average": "none"},
                     sweep=(((1, 1), 2), ((2, 3, 2), 1), ((3, 2, 4, 1), 2)))

    @doc.claim("nearest hidden", kind="grad_W", layer=lambda n: n.L - 1, latex="")
    def right(n, j, i):
        l = n.L - 1
        return n.dC_dW[l][j, i], n.delta[l][j] * n.a[l - 1][i]

    @doc.claim("nearest hidden, a of the wrong layer", kind="grad_W", layer=lambda n: n.L - 1, latex="")
    def wrong(n, j, i):
        l = n.L - 1
        return n.dC_dW[l][j, i], n.delta[l][j] * n.a[l][j]
    right_o, wrong_o = (verify_claim(c, doc) for c in doc.claims)
    assert right_o.status == "proven", right_o
    assert any("not judged on [1, 1] m=2" in n for n in right_o.notes)
    assert wrong_o.status in ("fails", "ill-formed")
