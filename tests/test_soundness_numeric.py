"""Numeric identity testing cannot be fooled by a symmetry of the test functions or of the sample ranges.

Each wrong formula below passed the old numeric check: the generic f stood in as the odd sin u + u/3
(f' even, f(0) = 0), free symbols were drawn from U(0.1, 1) and targets from (0.05, 0.95), and a residual
left by expansion was never looked at again.  None of them may be ``proven`` or ``confirmed``; the right
formulas next to them, including ones that only numerics or exact evaluation can judge, must still hold.
"""

import numpy as np
import pytest
import symengine

from symbp import Derivation, Notation, check
from symbp.run.runner import check_derivation
from symbp.run.load import load_derivation

NOTATION = Notation(first_layer=1, weight_index="to_from", weight_named_after="source")
HOLDS = ("proven", "proven for all depths", "confirmed")
#: one and two hidden layers, unequal widths, a batch: small enough to diagnose every failure quickly
SWEEP = (((2, 3, 2), 1), ((3, 4, 1), 3), ((2, 3, 1, 2), 1))


def doc_with(**spec):
    fields = {"activation": "f", "cost": "half_sse", "average": "none"}
    fields.update(spec)
    return Derivation("adversary", "Adversary", source="test", notation=NOTATION, spec=fields, sweep=SWEEP)


def statuses(doc, **kw):
    report = check(doc, budget=20, **kw)
    return {e.label: e for e in report.derivations[0].equations}


def out_delta(n, i, fp=None, a=None, y=None):
    fp = fp or n.fp
    a = n.a[n.L][i] if a is None else a
    y = n.y[i] if y is None else y
    return (a - y) * fp(n.z[n.L][i])


# -- the generic f: symmetries of one fixed stand-in ---------------------------------------------------
@pytest.fixture(scope="module")
def generic():
    doc = doc_with()

    @doc.claim("f'(-z) in the output delta", kind="delta", layer="output", latex="")
    def fp_minus_out(n, i):
        return n.delta[n.L][i], out_delta(n, i, fp=lambda u: n.fp(-u))

    @doc.claim("f'(-z) in the hidden recursion", kind="delta", layer="hidden", latex="")
    def fp_minus_hidden(n, l, i):
        s = sum(n.W[l][j, i] * n.delta[l + 1][j] for j in range(1, n.size(l + 1) + 1))
        return n.delta[l][i], s * n.fp(-n.z[l][i])

    @doc.claim("-f(-z) for f(z)", kind="delta", layer="output", latex="")
    def odd_f(n, i):
        return n.delta[n.L][i], out_delta(n, i, a=-n.f(-n.z[n.L][i]))

    @doc.claim("an extra f(0) term", kind="delta", layer="output", latex="")
    def extra_f0(n, i):
        return n.delta[n.L][i], out_delta(n, i) + n.f(0)

    @doc.claim("an identity of the stand-in: f(u) = sin u + u/3", kind="lemma", latex="")
    def stand_in(n):
        u = n.symbol("u")
        return n.f(u), symengine.sin(u) + u / 3

    @doc.claim("an identity of the stand-in: f'(u)^2 + (f(u) - u/3)^2 = ...", kind="lemma", latex="")
    def stand_in_pythagoras(n):
        u = n.symbol("u")
        return (n.fp(u) - symengine.Rational(1, 3)) ** 2 + (n.f(u) - u / 3) ** 2, symengine.Integer(1)

    @doc.claim("below float64 resolution: + x/2^45", kind="delta", layer="output", latex="")
    def tiny(n, i):
        return n.delta[n.L][i], out_delta(n, i) + n.x[1] / 2 ** 45

    @doc.claim("right: output delta", kind="delta", layer="output", latex="")
    def right_out(n, i):
        return n.delta[n.L][i], out_delta(n, i)

    @doc.claim("right: hidden recursion", kind="delta", layer="hidden", latex="")
    def right_hidden(n, l, i):
        s = sum(n.W[l][j, i] * n.delta[l + 1][j] for j in range(1, n.size(l + 1) + 1))
        return n.delta[l][i], s * n.fp(n.z[l][i])

    @doc.claim("right: f of one argument written two ways", kind="lemma", latex="")
    def two_ways(n):
        u = n.symbol("u")
        return n.f(u * (u + 1)) * n.fp(u), n.fp(u) * n.f(u ** 2 + u)

    return statuses(doc)


WRONG_GENERIC = ["f'(-z) in the output delta", "f'(-z) in the hidden recursion", "-f(-z) for f(z)",
                 "an extra f(0) term", "an identity of the stand-in: f(u) = sin u + u/3",
                 "an identity of the stand-in: f'(u)^2 + (f(u) - u/3)^2 = ...", "below float64 resolution: + x/2^45"]


@pytest.mark.parametrize("label", WRONG_GENERIC)
def test_a_formula_true_only_for_the_old_stand_in_fails(generic, label):
    assert generic[label].status == "fails", (label, generic[label].status, generic[label].message)


@pytest.mark.parametrize("label", ["right: output delta", "right: hidden recursion",
                                   "right: f of one argument written two ways"])
def test_the_right_generic_formulas_still_hold(generic, label):
    assert generic[label].status in HOLDS, (label, generic[label].status, generic[label].message)


def test_a_difference_below_float64_is_found_exactly_with_an_exact_counterexample(generic):
    e = generic["below float64 resolution: + x/2^45"]
    assert e.counterexample is not None and "/" in e.counterexample["formula"]
    assert any("exact" in note for note in e.notes)


# -- sample ranges: signed, wide ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ranges():
    doc = doc_with(activation="relu")

    @doc.claim("relu(u) = u", kind="lemma", latex="")
    def relu_id(n):
        u = n.symbol("u")
        return n.f(u), u

    @doc.claim("relu'(u) = 1", kind="lemma", latex="")
    def relu_prime(n):
        u = n.symbol("u")
        return n.fp(u), symengine.Integer(1)

    @doc.claim("tanh u = |tanh u|", kind="lemma", latex="")
    def tanh_abs(n):
        u = n.symbol("u")
        return symengine.tanh(u), symengine.Abs(symengine.tanh(u))

    @doc.claim("sqrt(y^2) = y in the output delta", kind="delta", layer="output", latex="")
    def sqrt_y(n, i):
        return n.delta[n.L][i], out_delta(n, i, y=symengine.sqrt(n.y[i] ** 2))

    @doc.claim("|λ| for λ", kind="lemma", latex="")
    def abs_lam(n):
        return n.lam, symengine.Abs(n.lam)

    @doc.claim("right: relu output delta", kind="delta", layer="output", latex="")
    def relu_out(n, i):
        return n.delta[n.L][i], out_delta(n, i)

    @doc.claim("right: relu(u) = u H(u)", kind="lemma", latex="")
    def relu_step(n):
        u = n.symbol("u")
        return n.f(u), u * n.fp(u)

    @doc.claim("right: relu(u) = (u + |u|)/2", kind="lemma", latex="")
    def relu_abs(n):
        u = n.symbol("u")
        return n.f(u), (u + symengine.Abs(u)) / 2

    return statuses(doc)


@pytest.mark.parametrize("label", ["relu(u) = u", "relu'(u) = 1", "tanh u = |tanh u|",
                                   "sqrt(y^2) = y in the output delta", "|λ| for λ"])
def test_a_formula_true_only_on_positive_samples_fails(ranges, label):
    assert ranges[label].status == "fails", (label, ranges[label].status, ranges[label].message)


@pytest.mark.parametrize("label", ["right: relu output delta", "right: relu(u) = u H(u)",
                                   "right: relu(u) = (u + |u|)/2"])
def test_right_relu_formulas_are_confirmed(ranges, label):
    assert ranges[label].status in HOLDS, (label, ranges[label].status, ranges[label].message)


# -- right formulas whose expansion leaves a residual that is zero -------------------------------------------
@pytest.fixture(scope="module")
def closed_forms():
    doc = doc_with(activation="sigmoid")

    @doc.claim("right: σ in closed form", kind="lemma", latex="")
    def sigma_closed(n):
        u = n.symbol("u")
        return n.f(u), 1 / (1 + symengine.exp(-u))

    @doc.claim("right: tanh u = 2σ(2u) − 1", kind="lemma", latex="")
    def tanh_sigma(n):
        u = n.symbol("u")
        return symengine.tanh(u), 2 * n.f(2 * u) - 1

    @doc.claim("right: output delta in closed form", kind="delta", layer="output", latex="")
    def out_closed(n, i):
        s = 1 / (1 + symengine.exp(-n.z[n.L][i]))
        return n.delta[n.L][i], (s - n.y[i]) * s * (1 - s)

    @doc.claim("wrong: tanh u = 2σ(2u) − 1 + 10^-20", kind="lemma", latex="")
    def tanh_off(n):
        u = n.symbol("u")
        return symengine.tanh(u), 2 * n.f(2 * u) - 1 + symengine.Rational(1, 10 ** 20)

    return statuses(doc)


@pytest.mark.parametrize("label", ["right: σ in closed form", "right: tanh u = 2σ(2u) − 1",
                                   "right: output delta in closed form"])
def test_a_right_formula_with_a_nonzero_expansion_is_confirmed_and_says_on_what(closed_forms, label):
    e = closed_forms[label]
    assert e.status == "confirmed", (label, e.status, e.message)
    text = " ".join(e.notes)
    assert "random draws" in text and "exact:" in text and "mpmath" in text


def test_a_difference_past_float64_between_transcendental_sides_is_found_in_mpmath(closed_forms):
    e = closed_forms["wrong: tanh u = 2σ(2u) − 1 + 10^-20"]
    assert e.status == "fails", (e.status, e.message)


def test_a_confirmed_verdict_states_its_bound_where_one_can_be_given():
    doc = doc_with()

    @doc.claim("right: f written two ways", kind="lemma", latex="")
    def two_ways(n):
        u = n.symbol("u")
        return n.f((u + 1) ** 2) - n.f(u ** 2 + 2 * u + 1) + n.fp(u), n.fp(u)

    e = statuses(doc)["right: f written two ways"]
    assert e.status in HOLDS
    if e.status == "confirmed":
        assert any("Schwartz" in note for note in e.notes), e.notes


# -- the machinery ----------------------------------------------------------------------------------------
def test_random_functions_are_neither_odd_nor_even_and_f_prime_is_independent():
    from symbp.judge.identity import draw_functions, oracle_symbols, random_closed
    u = symengine.Symbol("u")
    args = [u] + oracle_symbols()
    fn = symengine.Lambdify(args, [random_closed(symengine.Function(n)(u)) for n in ("f", "fp")], backend="lambda")
    coef = draw_functions(np.random.default_rng(5), 3)
    for c in coef:
        f0, fp0 = fn([0.0, *c])
        f1, fp1 = fn([0.7, *c])
        fm, fpm = fn([-0.7, *c])
        assert abs(f0) > 1e-6 and abs(f1 + fm) > 1e-6 and abs(f1 - fm) > 1e-6 and abs(fp1 - fpm) > 1e-6
        assert abs(f1 - fp1) > 1e-6


def test_the_oracle_gives_one_value_per_exact_argument():
    from fractions import Fraction

    from symbp.judge.identity import RandomOracle, check_exactly, exact_value
    x, f = symengine.Symbol("x"), symengine.Function("f")
    o = RandomOracle(3)
    assert exact_value(f(2 * x) - f(x + x), {x: Fraction(2, 7)}, o) == 0
    assert exact_value(f(x) - f(-x), {x: Fraction(2, 7)}, o) != 0
    assert check_exactly([("odd", f(x), -f(-x))], 3, 0)["failure"] is not None


# -- a TOML twin --------------------------------------------------------------------------------------------
TOML = '''name = "adversary_toml"
sweep = [[[2, 3, 2], 1], [[3, 4, 1], 3], [[2, 3, 1, 2], 1]]
[notation]
first_layer = 1
[spec]
activation = "f"
average = "none"
[[claim]]
label = "f'(-z) in the output delta"
kind = "delta"
layer = "output"
args = ["j"]
sides = ["delta[L][j]", "(a[L][j] - y[j]) * fp(-z[L][j])"]
[[claim]]
label = "f'(-z) in the hidden recursion"
kind = "delta"
layer = "hidden"
args = ["l"]
sides = ["delta[l]", "(W[l+1].T @ delta[l+1]) * fp(-z[l])"]
[[claim]]
label = "an extra f(0) term"
kind = "delta"
layer = "output"
args = ["j"]
sides = ["delta[L][j]", "(a[L][j] - y[j]) * fp(z[L][j]) + f(0)"]
[[claim]]
label = "right: hidden recursion"
kind = "delta"
layer = "hidden"
args = ["l"]
sides = ["delta[l]", "(W[l+1].T @ delta[l+1]) * fp(z[l])"]
'''


def test_toml_twins_fail_and_the_right_one_holds(tmp_path):
    p = tmp_path / "adversary.toml"
    p.write_text(TOML, encoding="utf-8")
    result = check_derivation(load_derivation(p), budget=20)
    got = {e.label: e.status for e in result.equations}
    assert got["right: hidden recursion"] in HOLDS, got
    assert all(got[k] == "fails" for k in got if not k.startswith("right")), got


def test_numeric_only_still_sees_through_the_symmetries():
    doc = doc_with()

    @doc.claim("f'(-z)", kind="delta", layer="output", latex="")
    def fp_minus(n, i):
        return n.delta[n.L][i], out_delta(n, i, fp=lambda u: n.fp(-u))

    @doc.claim("-f(-z)", kind="delta", layer="output", latex="")
    def odd(n, i):
        return n.delta[n.L][i], out_delta(n, i, a=-n.f(-n.z[n.L][i]))

    @doc.claim("right", kind="delta", layer="output", latex="")
    def right(n, i):
        return n.delta[n.L][i], out_delta(n, i)

    got = statuses(doc, numeric_only=True)
    assert got["f'(-z)"].status == "fails" and got["-f(-z)"].status == "fails"
    assert got["right"].status == "confirmed" and any("random draws" in note for note in got["right"].notes)
