"""The claim language (issue 14, items 1, 2, 6, 8): pages' formulas written as printed, right and wrong.

1. ``n.d(of, wrt)`` / TOML ``d(of, wrt)``: the true derivative of any quantity by any other.
2. Lemmas with several unit indices (``units=``), at another layer than the claim's own, and a lemma's
   first side checked when it is a true quantity.
6. The layer variable named as the page names it (``layer_var=``), a mismatch a one-line ClaimError.
8. Algorithm ranges (``layer=`` a range), and a note when they leave out a layer the algorithm needs.

Every formula is transcribed as its page prints it; the wrong twin must not hold, the right one must.
"""

import pytest

from symbp import ClaimError, Derivation, IllFormed, Notation, NetworkSpec, SymbolicNetwork, check, derivative
from symbp.claims.view import View
from symbp.formula.reader import DeclarativeError, load_toml
from symbp.judge.truth import LEMMA_CHECKED, LEMMA_NOTE
from symbp.report.results import HOLDS

NIELSEN = Notation(first_layer=1, names={"w": "W", "sigma_prime": "fp"})
SPEC = {"activation": "f", "cost": "half_sse", "average": "none"}
BAD = ("fails", "ill-formed")


def doc_of(*claims, notation=NIELSEN, spec=SPEC, **kw):
    doc = Derivation("lang", "Language", "test", notation, spec, **kw)
    for label, kind, fn, opts in claims:
        doc.claim(label, kind=kind, latex="", **opts)(fn)
    return doc


def verdicts(doc):
    return {e.label: e for e in check(doc, budget=30).derivations[0].equations}


def view(sizes=(2, 3, 2), m=1, notation=NIELSEN, **spec):
    return View(SymbolicNetwork(NetworkSpec(sizes, batch_size=m, **{"activation": "f", **spec})), notation)


def same(u, v):
    return all((a - b).expand() == 0 for a, b in zip(u.entries(), v.entries())) and u.shape == v.shape


# -- 1. n.d: values and layout --------------------------------------------------------------------------
def test_d_of_the_cost_by_z_is_delta_and_by_w_is_the_gradient_in_the_pages_orientation():
    n = view((2, 3, 1, 2))
    for l in (2, 3, 4):
        assert same(n.d(n.C, n.z[l]), n.delta[l])
    from_to = view((2, 3, 2), notation=Notation(first_layer=1, weight_index="from_to"))
    assert from_to.W[2].shape == (2, 3) and same(from_to.d(from_to.C, from_to.W[2]), from_to.dC_dW[2])


def test_d_jacobians_are_in_numerator_layout_and_upstream_quantities_have_derivative_zero():
    n = view((2, 3, 2))
    J = n.d(n.z[3], n.z[2])                     # ∂z^(3)_k/∂z^(2)_j = w^(3)_kj σ'(z^(2)_j)
    assert J.shape == (2, 3)
    assert all((J[k, j] - n.W[3][k, j] * n.fp(n.z[2][j])).expand() == 0 for k in (1, 2) for j in (1, 2, 3))
    D = n.d(n.a[2], n.z[2])                     # diagonal: ∂a_k/∂z_j = 0 for j ≠ k
    assert [D[k, j] == 0 for k in (1, 2, 3) for j in (1, 2, 3) if j != k] == [True] * 6
    assert n.d(n.a[2][1], n.z[3][1]) == 0 and n.d(n.z[2][1], n.a[2][1]) == 0
    assert n.d(n.z[2][2], n.z[2][2]) == 1


def test_d_of_the_batch_cost_by_the_batch_matrix_is_the_averaged_batch_delta():
    n = view((2, 3, 2), m=3, average="examples", notation=Notation(first_layer=1, samples="columns"))
    G = n.d(n.J, n.Z[2])
    assert G.shape == n.Z[2].shape == (3, 3) and same(G, n.Delta[2] / 3)
    assert same(n.d(n.J, n.W[3]), n.dJ_dW[3])


def test_d_splits_a_regularised_cost_into_its_data_term_and_penalty():
    n = view((2, 3, 2), m=2, average="examples", weight_decay=1.0)
    assert same(n.d(n.penalty, n.W[2]), n.lam * n.W[2])
    assert same(n.d(n.data, n.W[2]) + n.d(n.penalty, n.W[2]), n.dJ_dW[2])
    assert same(n.d(n.data, n.z[3]), n.delta[3] / 2)   # the data term of example 1, averaged over m = 2
    assert n.d(n.penalty, n.z[2][1]) == 0


def test_d_refuses_what_it_cannot_read():
    n = view()
    with pytest.raises(IllFormed, match="first argument must be a quantity"):
        n.d(n.a[3][1] - n.y[1], n.z[3][1])      # a formula by an intermediate: no graph to cut
    with pytest.raises(IllFormed, match="second argument must be"):
        n.d(n.C, n.a[3][1] - n.y[1])
    with pytest.raises(IllFormed, match="more than two indices"):
        n.d(n.W[3], n.W[2])
    assert derivative(n, n.C, n.yhat).shape == (2, 1)


# -- 1 + 2. pages' lemmas written with n.d ---------------------------------------------------------------
def dz_next_dz(n, l, k, j):          # ∂z^{l+1}_k/∂z^l_j = w^{l+1}_{kj} σ'(z^l_j)
    return n.d(n.z[l + 1][k], n.z[l][j]), n.w[l + 1][k, j] * n.sigma_prime(n.z[l][j])


def dz_next_dz_transposed(n, l, k, j):
    return n.d(n.z[l + 1][k], n.z[l][j]), n.w[l + 1][j, k] * n.sigma_prime(n.z[l][j])


def dz_next_dz_wrong_layer(n, l, k, j):
    return n.d(n.z[l + 1][k], n.z[l][j]), n.w[l + 1][k, j] * n.sigma_prime(n.z[l + 1][k])


def test_lemmas_with_two_unit_indices_at_two_layers_are_checked_against_the_true_derivative():
    units = {"layer": "hidden", "units": {"k": 1, "j": 0}}
    doc = doc_of(
        ("dz/dz", "lemma", dz_next_dz, units),
        ("dz/dz transposed", "lemma", dz_next_dz_transposed, units),
        ("dz/dz σ'(z^{l+1})", "lemma", dz_next_dz_wrong_layer, units),
        ("dC/da^L", "lemma", lambda n, j: (n.d(n.C, n.a[n.L][j]), n.a[n.L][j] - n.y[j]), {"layer": "output"}),
        ("dC/da^L sign", "lemma", lambda n, j: (n.d(n.C, n.a[n.L][j]), n.y[j] - n.a[n.L][j]), {"layer": "output"}),
        ("da_k/dz_j = 0", "lemma", lambda n, l, k, j: (n.d(n.a[l][k], n.z[l][j]), 0),
         {"layer": "all", "units": {"k": 0, "j": 0}, "where": lambda k, j: j != k}),
        ("da_k/dz_j = σ'", "lemma", lambda n, l, k, j: (n.d(n.a[l][k], n.z[l][j]), n.sigma_prime(n.z[l][j])),
         {"layer": "all", "units": {"k": 0, "j": 0}, "where": lambda k, j: j != k}),
        ("σ' by a formula", "lemma", lambda n, l, j: (n.sigma_prime(n.z[l][j]), n.sigma_prime(n.z[l][j])),
         {"layer": "all"}),
    )
    v = verdicts(doc)
    for label in ("dz/dz", "dC/da^L", "da_k/dz_j = 0"):
        assert v[label].status in HOLDS, (label, v[label].status, v[label].message)
        assert any(note.startswith(LEMMA_CHECKED) for note in v[label].notes) and LEMMA_NOTE not in v[label].notes
    for label in ("dz/dz transposed", "dz/dz σ'(z^{l+1})", "dC/da^L sign", "da_k/dz_j = σ'"):
        assert v[label].status in BAD, (label, v[label].status)
    assert LEMMA_NOTE in v["σ' by a formula"].notes     # a formula first: said to be unchecked


def test_a_definition_at_layer_l_of_z_at_layer_l_plus_1_as_printed():
    # z_k^{l+1} = Σ_j w^l_{kj} a^l_j + b^l_k for l = 0..L−1 (w^l leaves layer l; layers from 0)
    nt = Notation(first_layer=0, weight_named_after="source")

    def right(n, l, k):
        return n.z[l + 1][k], sum(n.W[l][k, j] * n.a[l][j] for j in range(1, n.size(l) + 1)) + n.b[l][k]

    def wrong(n, l, k):   # the bias of the layer it enters, b^{l+1}
        return n.z[l + 1][k], sum(n.W[l][k, j] * n.a[l][j] for j in range(1, n.size(l) + 1)) + n.b[l + 1][k]
    opts = {"layer": lambda n: range(0, n.L), "units": {"k": 1}}
    v = verdicts(doc_of(("def", "lemma", right, opts), ("def b^{l+1}", "lemma", wrong, opts), notation=nt))
    assert v["def"].status in HOLDS and any(note.startswith(LEMMA_CHECKED) for note in v["def"].notes)
    assert v["def b^{l+1}"].status in BAD


def test_a_delta_claim_written_with_d_is_still_held_to_the_true_delta():
    doc = doc_of(
        ("δ = ∂C/∂z", "delta", lambda n, l: (n.d(n.C, n.z[l]), n.delta[l]), {"layer": "all"}),
        ("δ = ∂C/∂a", "delta", lambda n, l: (n.d(n.C, n.a[l]), n.d(n.C, n.a[l])), {"layer": "all"}),
        ("BP2 by d", "delta", lambda n, l: (n.delta[l], (n.w[l + 1].T @ n.d(n.C, n.z[l + 1])) * n.sigma_prime(n.z[l])),
         {"layer": "hidden"}),
    )
    v = verdicts(doc)
    assert v["δ = ∂C/∂z"].status in HOLDS and v["BP2 by d"].status in HOLDS
    assert v["δ = ∂C/∂a"].status == "ill-formed" and "first side" in v["δ = ∂C/∂a"].message


def test_a_batch_delta_and_a_penalty_gradient_as_printed():
    spec = {"activation": "f", "cost": "half_sse", "average": "examples", "weight_decay": 1.0}
    nt = Notation(first_layer=1, samples="columns", names={"Omega": "penalty", "C_0": "data"})
    doc = doc_of(
        ("∂J/∂Z = Δ/m", "lemma", lambda n, l: (n.d(n.J, n.Z[l]), n.Delta[l] / n.m), {"layer": "all"}),
        ("∂J/∂Z = Δ", "lemma", lambda n, l: (n.d(n.J, n.Z[l]), n.Delta[l]), {"layer": "all"}),
        ("∇_W Ω = λW", "lemma", lambda n, l: (n.d(n.Omega, n.W[l]), n.lam * n.W[l]), {"layer": "all"}),
        ("∇_W Ω = λW/2", "lemma", lambda n, l: (n.d(n.Omega, n.W[l]), n.lam / 2 * n.W[l]), {"layer": "all"}),
        ("∂C_0/∂W", "grad_W", lambda n, l: (n.dJ_dW[l], n.d(n.C_0, n.W[l]) + n.lam * n.W[l]),
         {"layer": "all", "per": "batch"}),
        ("∂C_0/∂W as ∂J/∂W", "grad_W", lambda n, l: (n.dJ_dW[l], n.d(n.C_0, n.W[l])),
         {"layer": "all", "per": "batch"}),
        notation=nt, spec=spec)
    v = verdicts(doc)
    for label in ("∂J/∂Z = Δ/m", "∇_W Ω = λW", "∂C_0/∂W"):
        assert v[label].status in HOLDS, (label, v[label].status, v[label].message)
    for label in ("∂J/∂Z = Δ", "∇_W Ω = λW/2", "∂C_0/∂W as ∂J/∂W"):
        assert v[label].status in BAD, (label, v[label].status)


# -- 1 + 2 in TOML -----------------------------------------------------------------------------------------
TOML_HEAD = '''name = "lang"
[notation]
first_layer = 1
names = { w = "W", sigma_prime = "fp" }
[spec]
activation = "f"
average = "none"
'''


def test_toml_d_and_units_and_ranges(tmp_path):
    p = tmp_path / "lang.toml"
    p.write_text(TOML_HEAD + '''
[[claim]]
label = "dz/dz"
kind = "lemma"
layer = "2..L-1"
units = { k = "l+1", j = "l" }
args = ["l", "k", "j"]
sides = ["d(z[l+1][k], z[l][j])", "w[l+1][k, j] * sigma_prime(z[l][j])"]

[[claim]]
label = "dz/dz transposed"
kind = "lemma"
layer = "2..L-1"
units = { k = "l+1", j = "l" }
args = ["l", "k", "j"]
sides = ["d(z[l+1][k], z[l][j])", "w[l+1][j, k] * sigma_prime(z[l][j])"]

[[claim]]
label = "dC/da"
kind = "lemma"
layer = "output"
args = ["j"]
sides = ["d(C, a[L][j])", "a[L][j] - y[j]"]

[[claim]]
label = "dC/da sign"
kind = "lemma"
layer = "output"
args = ["j"]
sides = ["d(C, a[L][j])", "y[j] - a[L][j]"]

[[claim]]
label = "delta by d"
kind = "delta"
layer = "all"
args = ["l"]
sides = ["d(C, z[l])", "delta[l]"]
''')
    v = verdicts(load_toml(p))
    for label in ("dz/dz", "dC/da", "delta by d"):
        assert v[label].status in HOLDS, (label, v[label].status, v[label].message)
    assert any(note.startswith(LEMMA_CHECKED) for note in v["dz/dz"].notes)
    assert v["dz/dz transposed"].status in BAD and v["dC/da sign"].status in BAD


# -- 6. the layer variable ---------------------------------------------------------------------------------
def goodfellow_step(n, k):            # Goodfellow's loop: g ← W^(k+1)ᵀ g ⊙ f'(a^(k)) (his a is our z)
    return n.delta[k], (n.W[k + 1].T @ n.delta[k + 1]) * n.fp(n.z[k])


def goodfellow_step_wrong(n, k):      # f' at the layer above
    return n.delta[k], (n.W[k + 1].T @ n.delta[k + 1]) * n.fp(n.a[k])


def test_a_layer_variable_named_k_is_read_as_the_layer():
    opts = {"layer": "hidden", "layer_var": "k"}
    v = verdicts(doc_of(("step", "delta", goodfellow_step, opts), ("step f'(h)", "delta", goodfellow_step_wrong, opts),
                        notation=Notation(first_layer=1)))
    assert v["step"].status in HOLDS and v["step f'(h)"].status in BAD
    doc = Derivation("g", "G", "-", Notation(first_layer=1), SPEC, layer_var="k")   # for every claim
    doc.claim("step", kind="delta", layer="hidden", latex="")(goodfellow_step)
    assert verdicts(doc)["step"].status in HOLDS


def test_a_layer_variable_the_claim_does_not_declare_is_an_error_at_registration():
    doc = Derivation("g", "G", "-", Notation(first_layer=1), SPEC)
    with pytest.raises(ClaimError, match=r"claim 'step'.*layer_var='k'"):
        doc.claim("step", kind="delta", layer="hidden", latex="")(goodfellow_step)
    with pytest.raises(ClaimError, match=r"claim 'grad'.*3 unit indices.*layer_var='k'"):
        doc.claim("grad", kind="grad_W", layer="output", latex="")(lambda n, k, j, i: (n.dC_dW[k][j, i], 0))
    with pytest.raises(ClaimError, match=r"claim 'other'.*layer_var='k'.*first parameter after n is 'l'"):
        doc.claim("other", kind="delta", layer="hidden", latex="", layer_var="k")(lambda n, l: (n.delta[l], 0))
    with pytest.raises(ClaimError, match=r"claim 'lemma2'.*units="):
        doc.claim("lemma2", kind="lemma", layer="hidden", latex="")(lambda n, l, k, j: (0, 0))
    with pytest.raises(ClaimError, match=r"claim 'units'.*units names k"):
        doc.claim("units", kind="lemma", layer="hidden", latex="", units={"k": 1})(lambda n, l, k, j: (0, 0))


def test_toml_layer_var_and_its_mismatch(tmp_path):
    body = '''
[[claim]]
label = "step"
kind = "delta"
layer = "hidden"
{extra}args = ["k"]
sides = ["delta[k]", "(W[k+1].T @ delta[k+1]) * fp(z[k])"]
'''
    head = 'name = "g"\n[notation]\nfirst_layer = 1\n[spec]\nactivation = "f"\n'
    ok = tmp_path / "ok.toml"
    ok.write_text(head + body.format(extra='layer_var = "k"\n'))
    assert verdicts(load_toml(ok))["step"].status in HOLDS
    bad = tmp_path / "bad.toml"
    bad.write_text(head + body.format(extra=""))
    with pytest.raises(DeclarativeError, match=r"claim 'step'.*layer_var='k'"):
        load_toml(bad)


# -- 8. algorithm ranges ---------------------------------------------------------------------------------
def bp_out(n):
    return n.delta[n.L], (n.a[n.L] - n.y) * n.fp(n.z[n.L])


def bp_step(n, l):
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


def bp_step_wrong(n, l):
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l + 1][1])


def test_a_recursion_for_l_from_nl_minus_1_down_to_2_covers_the_layers_it_needs():
    # UFLDL: layers from 1 (the input), "for l = n_l−1, n_l−2, …, 2": δ at every layer 2..n_l
    rng = {"layer": lambda n: range(n.L - 1, 1, -1)}
    v = verdicts(doc_of(("out", "delta", bp_out, {"layer": "output"}), ("step", "delta", bp_step, rng),
                        ("step wrong", "delta", bp_step_wrong, rng), notation=Notation(first_layer=1)))
    assert v["step"].status in HOLDS and not any("never stated" in note for note in v["step"].notes)
    assert v["step wrong"].status in BAD


def test_a_recursion_that_stops_one_layer_early_is_said_to_leave_a_layer_out():
    # layers from 0: "for l = L−1, …, 2" never computes δ^(1), which ∂C/∂W^(1) needs
    rng = {"layer": lambda n: range(n.L - 1, 1, -1)}
    v = verdicts(doc_of(("out", "delta", bp_out, {"layer": "output"}), ("step", "delta", bp_step, rng),
                        notation=Notation(first_layer=0)))
    assert v["step"].status in HOLDS          # right where it is asserted: never rejected
    gap = [note for note in v["step"].notes if "never stated" in note]
    assert gap and "δ^(1) is never stated" in gap[0], v["step"].notes


def test_a_range_that_reaches_a_layer_that_does_not_exist_is_ill_formed():
    # layers from 1: δ^(1) would be the input's (it has none)
    v = verdicts(doc_of(("out", "delta", bp_out, {"layer": "output"}),
                        ("step", "delta", bp_step, {"layer": lambda n: range(1, n.L)}), notation=Notation(first_layer=1)))
    assert v["step"].status in BAD


def test_toml_ranges_stop_early_and_say_so(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "r"\n[notation]\nfirst_layer = 0\n[spec]\nactivation = "f"\n'
                 '[[claim]]\nlabel = "out"\nkind = "delta"\nlayer = "output"\n'
                 'sides = ["delta[L]", "(a[L] - y) * fp(z[L])"]\n'
                 '[[claim]]\nlabel = "step"\nkind = "delta"\nlayer = "2..L-1"\nargs = ["l"]\n'
                 'sides = ["delta[l]", "(W[l+1].T @ delta[l+1]) * fp(z[l])"]\n')
    v = verdicts(load_toml(p))
    assert v["step"].status in HOLDS and any("δ^(1) is never stated" in note for note in v["step"].notes)


def test_a_range_for_a_claim_without_a_layer_variable_is_ill_formed():
    v = verdicts(doc_of(("r", "delta", lambda n, j: (n.delta[n.L][j], n.delta[n.L][j]),
                         {"layer": lambda n: range(2, n.L + 1)})))
    assert v["r"].status == "ill-formed" and "no layer variable" in v["r"].message


def test_a_lemma_whose_first_side_differentiates_a_pages_formula_is_not_said_to_be_checked():
    # ∂/∂b of the page's own (a − y)²/2: a derivative, but of a formula, not of a quantity of the network
    def fn(n, j):
        page_cost = (n.a[n.L][j] - n.y[j]) ** 2 / 2
        return n.d(page_cost, n.b[n.L][j]), (n.a[n.L][j] - n.y[j]) * n.sigma_prime(n.z[n.L][j])
    e = verdicts(doc_of(("∂(formula)/∂b", "lemma", fn, {"layer": "output"})))["∂(formula)/∂b"]
    assert e.status in HOLDS and LEMMA_NOTE in e.notes and not any(n.startswith(LEMMA_CHECKED) for n in e.notes)
