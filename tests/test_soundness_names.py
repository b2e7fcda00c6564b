"""Renames apply exactly once, at the boundary between the page and the view.

Each test writes, in a notation that renames the view's quantities, a wrong
formula that must not hold and the right one that must not be rejected, in
the Python and the TOML form.  Bishop (PRML §5.3): ``a`` is the
pre-activation, ``z`` the activation, ``h`` the activation function, so
``names = {a = "z", z = "a", h = "f", hp = "fp"}`` and the output δ is
``δ_k = h'(a_k) (z_k − y_k)``.
"""

import pytest

from symbp import Derivation, Notation, check
from symbp.formula.reader import DeclarativeError, load_toml
from symbp.claims.tensor import IllFormed
from symbp.claims.notation import NotationError
from symbp.claims.view import PageView, View
from symbp.model.spec import NetworkSpec
from symbp.oracle.symbolic import SymbolicNetwork

SPEC = {"activation": "f", "cost": "half_sse", "average": "none"}
HOLDS = ("proven", "proven for all depths")
BISHOP = {"a": "z", "z": "a", "h": "f", "hp": "fp", "A": "Z", "Z": "A"}


def status(doc, label):
    eqs = check(doc, budget=20).derivations[0].equations
    return next(e for e in eqs if e.label == label).status


def doc_with(names, spec=SPEC):
    return Derivation("names", "Names", source="test", notation=Notation(names=names), spec=spec)


def units(n, l):
    return range(1, n.size(l) + 1)


# -- Bishop's swap, Python form ---------------------------------------------------------------------
def bishop_doc():
    doc = doc_with(BISHOP)

    @doc.claim("out right", kind="delta", layer="output", latex=r"\delta_k = h'(a_k)(z_k - y_k)")
    def out_right(n, k):
        return n.delta[n.L][k], n.hp(n.a[n.L][k]) * (n.z[n.L][k] - n.y[k])

    @doc.claim("out wrong", kind="delta", layer="output", latex=r"\delta_k = h'(z_k)(a_k - y_k)")
    def out_wrong(n, k):
        return n.delta[n.L][k], n.hp(n.z[n.L][k]) * (n.a[n.L][k] - n.y[k])

    @doc.claim("hidden right", kind="delta", layer="hidden", latex=r"\delta_j = h'(a_j)\sum_k w_{kj}\delta_k")
    def hidden_right(n, l, j):
        return n.delta[l][j], n.hp(n.a[l][j]) * sum(n.W[l + 1][k, j] * n.delta[l + 1][k] for k in units(n, l + 1))

    @doc.claim("hidden wrong", kind="delta", layer="hidden", latex=r"\delta_j = h'(z_j)\sum_k w_{kj}\delta_k")
    def hidden_wrong(n, l, j):
        return n.delta[l][j], n.hp(n.z[l][j]) * sum(n.W[l + 1][k, j] * n.delta[l + 1][k] for k in units(n, l + 1))

    @doc.claim("forward right", kind="lemma", latex=r"Z = h(A)")
    def forward_right(n):
        return n.Z[n.L], n.h(n.A[n.L])

    @doc.claim("forward wrong", kind="lemma", latex=r"A = h(Z)")
    def forward_wrong(n):
        return n.A[n.L], n.h(n.Z[n.L])
    return doc


@pytest.fixture(scope="module")
def bishop():
    return {e.label: e.status for e in check(bishop_doc(), budget=20).derivations[0].equations}


@pytest.mark.parametrize("label", ["out right", "hidden right", "forward right"])
def test_bishop_right_formulas_hold(bishop, label):
    assert bishop[label] in HOLDS + ("definition",)   # the forward pass restates the model: a definition


@pytest.mark.parametrize("label", ["out wrong", "hidden wrong", "forward wrong"])
def test_bishop_wrong_formulas_fail(bishop, label):
    assert bishop[label] == "fails"


def test_bishop_names_read_both_directions():
    v = View(SymbolicNetwork(NetworkSpec((2, 3, 1), activation="f")), Notation(names=BISHOP))
    n = PageView(v)
    assert n.a[1].entries() == v.z[1].entries() and n.z[1].entries() == v.a[1].entries()
    assert n.A[2].entries() == v.Z[2].entries() and n.Z[2].entries() == v.A[2].entries()
    assert n.a[1].name == "a^(1)" and v.z[1].name == "a^(1)"     # the page's name for the view's z
    # the view's own code is never renamed: its batch matrices and δ are still the view's
    assert v.A[2].entries() == [e for ex in v.examples for e in ex.a[2].entries()]
    assert [ex.a[1].entries() for ex in n.examples] == [ex.z[1].entries() for ex in v.examples]


# -- Bishop's swap, TOML form -----------------------------------------------------------------------
BISHOP_TOML = '''
name = "bishop"
[notation]
names = { a = "z", z = "a", h = "f", hp = "fp", A = "Z", Z = "A" }
[spec]
activation = "f"
cost = "half_sse"
average = "none"

[[claim]]
label = "out right"
kind = "delta"
layer = "output"
args = ["k"]
sides = ["delta[L][k]", "hp(a[L][k]) * (z[L][k] - y[k])"]

[[claim]]
label = "out wrong"
kind = "delta"
layer = "output"
args = ["k"]
sides = ["delta[L][k]", "hp(z[L][k]) * (a[L][k] - y[k])"]

[[claim]]
label = "hidden right"
kind = "delta"
layer = "hidden"
args = ["l", "j"]
sides = ["delta[l][j]", "hp(a[l][j]) * sum(k=1..size(l+1), W[l+1][k, j] * delta[l+1][k])"]

[[claim]]
label = "hidden wrong"
kind = "delta"
layer = "hidden"
args = ["l", "j"]
sides = ["delta[l][j]", "hp(z[l][j]) * sum(k=1..size(l+1), W[l+1][k, j] * delta[l+1][k])"]

[[claim]]
label = "partial right"
kind = "delta"
layer = "hidden"
args = ["l"]
sides = ["delta[l]", "partial(C, a[l]).T"]

[[claim]]
label = "partial wrong"
kind = "delta"
layer = "hidden"
args = ["l"]
sides = ["delta[l]", "partial(C, z[l]).T"]
'''


@pytest.fixture(scope="module")
def bishop_toml(tmp_path_factory):
    path = tmp_path_factory.mktemp("bishop") / "bishop.toml"
    path.write_text(BISHOP_TOML, encoding="utf-8")
    return {e.label: e.status for e in check(load_toml(path), budget=20).derivations[0].equations}


@pytest.mark.parametrize("label", ["out right", "hidden right", "partial right"])
def test_bishop_toml_right_formulas_hold(bishop_toml, label):
    assert bishop_toml[label] in HOLDS


@pytest.mark.parametrize("label", ["out wrong", "hidden wrong", "partial wrong"])
def test_bishop_toml_wrong_formulas_fail(bishop_toml, label):
    assert bishop_toml[label] == "fails"


def test_python_partial_takes_the_pages_names():
    doc = doc_with(BISHOP)

    @doc.claim("partial wrong", kind="delta", layer="hidden", latex="")
    def wrong(n, l):
        return n.delta[l], n.partial("C", ("z", l)).T

    @doc.claim("partial right", kind="delta", layer="hidden", latex="")
    def right(n, l):
        return n.delta[l], n.partial("C", ("a", l)).T
    eqs = {e.label: e.status for e in check(doc, budget=20).derivations[0].equations}
    assert eqs["partial right"] in HOLDS and eqs["partial wrong"] == "fails"


# -- page names that were internal names ------------------------------------------------------------
def test_mitchells_net_input():
    doc = doc_with({"net": "z", "o": "a", "t": "y"})

    @doc.claim("right", kind="delta", layer="output", latex=r"\delta_k = (o_k - t_k) f'(net_k)")
    def right(n, k):
        return n.delta[n.L][k], (n.o[n.L][k] - n.t[k]) * n.fp(n.net[n.L][k])

    @doc.claim("wrong", kind="delta", layer="output", latex=r"\delta_k = (o_k - t_k) f'(o_k)")
    def wrong(n, k):
        return n.delta[n.L][k], (n.o[n.L][k] - n.t[k]) * n.fp(n.o[n.L][k])
    assert status(doc, "right") in HOLDS and status(doc, "wrong") == "fails"


def test_a_page_bias_named_B():
    doc = doc_with({"B": "b"})

    @doc.claim("right", kind="delta", layer="output", latex="")
    def right(n, k):
        return n.delta[n.L][k], (n.f(n.W[n.L] @ n.a[n.L - 1] + n.B[n.L])[k] - n.y[k]) * n.fp(n.z[n.L][k])

    @doc.claim("wrong", kind="delta", layer="output", latex="")
    def wrong(n, k):
        return n.delta[n.L][k], (n.f(n.W[n.L] @ n.a[n.L - 1] + 2 * n.B[n.L])[k] - n.y[k]) * n.fp(n.z[n.L][k])
    assert status(doc, "right") in HOLDS and status(doc, "wrong") == "fails"


def test_a_pages_alpha_is_not_the_learning_rate():
    doc = doc_with({})

    @doc.claim("wrong", kind="lemma", latex=r"\alpha = \eta")
    def wrong(n):
        return n.symbol("alpha"), n.lr
    assert status(doc, "wrong") == "fails"


def test_a_pages_lambda_is_not_the_weight_decay():
    doc = doc_with({}, dict(SPEC, weight_decay=0.5))

    @doc.claim("wrong", kind="lemma", latex=r"\lambda = \lambda_{decay}")
    def wrong(n):
        return n.symbol("lambda"), n.lam
    assert status(doc, "wrong") == "fails"


def test_a_page_naming_the_decay_lr_and_the_rate_eta():
    """The view's own step (W − lr·∂J/∂W) reads its learning rate, whatever the page calls ``lr``."""
    doc = doc_with({"lr": "lam", "eta": "lr"}, dict(SPEC, weight_decay=0.5))

    @doc.claim("right", kind="update_W", layer="all", latex=r"W - \eta \nabla J")
    def right(n, l):
        return n.step_W[l], n.W[l] - n.eta * n.dJ_dW[l]

    @doc.claim("wrong", kind="update_W", layer="all", latex=r"W - lr \nabla J")
    def wrong(n, l):
        return n.step_W[l], n.W[l] - n.lr * n.dJ_dW[l]
    assert status(doc, "right") in HOLDS and status(doc, "wrong") == "fails"


def test_a_page_alpha_as_the_learning_rate():
    doc = doc_with({"alpha": "lr"})

    @doc.claim("right", kind="update_W", layer="all", latex=r"W - \alpha \nabla J")
    def right(n, l):
        return n.step_W[l], n.W[l] - n.alpha * n.dJ_dW[l]

    @doc.claim("wrong", kind="update_W", layer="all", latex=r"W + \alpha \nabla J")
    def wrong(n, l):
        return n.step_W[l], n.W[l] + n.alpha * n.dJ_dW[l]
    assert status(doc, "right") in HOLDS and status(doc, "wrong") == "fails"


def test_a_page_symbol_displays_as_the_page_writes_it():
    v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation())
    u = v.symbol("alpha")
    assert u != v.lr and v.display_names()[str(u)] == "alpha"


# -- a view name the page renamed away: still the view's quantity, in both forms ----------------------
RENAMED_AWAY_TOML = '''
name = "renamed_away"
[notation]
names = { h = "a" }
[spec]
activation = "f"
cost = "half_sse"
average = "none"

[[claim]]
label = "view name"
kind = "lemma"
layer = "all"
args = ["l"]
sides = ["a[l]", "h[l]"]

[[claim]]
label = "wrong"
kind = "lemma"
layer = "all"
args = ["l"]
sides = ["a[l]", "z[l]"]
'''


def test_a_name_renamed_away_reads_the_same_in_python_and_toml(tmp_path):
    path = tmp_path / "away.toml"
    path.write_text(RENAMED_AWAY_TOML, encoding="utf-8")
    toml = {e.label: e.status for e in check(load_toml(path), budget=20).derivations[0].equations}
    doc = doc_with({"h": "a"})

    @doc.claim("view name", kind="lemma", layer="all", latex="")
    def same(n, l):
        return n.a[l], n.h[l]

    @doc.claim("wrong", kind="lemma", layer="all", latex="")
    def wrong(n, l):
        return n.a[l], n.z[l]
    py = {e.label: e.status for e in check(doc, budget=20).derivations[0].equations}
    assert py == toml and py["view name"] in HOLDS + ("definition",) and py["wrong"] != "proven"


def test_messages_use_the_pages_names():
    n = PageView(View(SymbolicNetwork(NetworkSpec((2, 3, 1), activation="f")), Notation(names={"h": "a"})))
    with pytest.raises(IllFormed, match=r"h\^\(0\)"):
        n.h[0] @ n.delta[1]
    with pytest.raises(IllFormed, match="unknown symbol 'q'"):
        n.q
    with pytest.raises(IllFormed, match="read-only"):
        n.h = 1


# -- names that cannot work give a one-line NotationError naming the clash ----------------------------
@pytest.mark.parametrize("names, match", [
    ({"h": "a", "o": "a"}, "'h' and 'o' both name"),
    ({"a'": "a"}, "is not a name"),
    ({"q": "foo"}, "not a quantity of the view"),
    ({"q": "lambda"}, "a Python keyword"),
    ({"q": "display_names"}, "not a quantity of the view"),
    ({"q": "_symbols"}, "not a quantity of the view"),
    ({"__class__": "a"}, "dunder"),
])
def test_names_that_clash_are_refused(names, match):
    with pytest.raises(NotationError, match=match) as e:
        Notation(names=names)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("field, value", [("first_layer", 0.0), ("unit_base", 1.0), ("example_base", 1.0),
                                          ("first_layer", "0"), ("unit_base", True)])
def test_integer_fields_take_integers(field, value):
    with pytest.raises(NotationError, match=field):
        Notation(**{field: value})


def test_toml_args_and_grammar_words(tmp_path):
    base = BISHOP_TOML.split("[[claim]]")[0]
    arg = tmp_path / "arg.toml"
    arg.write_text(base + '[[claim]]\nlabel = "x"\nkind = "lemma"\nargs = ["hp"]\nsides = ["hp", "hp"]\n')
    with pytest.raises(DeclarativeError, match="'hp' is the page's name for 'fp'"):
        load_toml(arg)
    word = tmp_path / "word.toml"
    word.write_text(base.replace('hp = "fp"', 'sum = "fp"')
                    + '[[claim]]\nlabel = "x"\nkind = "lemma"\nsides = ["a[1]", "a[1]"]\n')
    with pytest.raises(DeclarativeError, match="'sum' is a word of the formula grammar"):
        load_toml(word)


def test_the_views_own_code_is_never_renamed():
    """Under a notation that renames every view quantity onto another, the view's own values do not move."""
    from symbp.claims.notation import PAGE_VALUES
    cycle = [v for v in PAGE_VALUES if v != "net"]
    names = {a: b for a, b in zip(cycle, cycle[1:] + cycle[:1])}
    net = SymbolicNetwork(NetworkSpec((2, 2, 1), activation="f", batch_size=2, weight_decay=0.5))
    plain, renamed = View(net, Notation()), View(net, Notation(names=names))
    for q in ("A", "Z", "Delta", "step_W", "step_b", "dJ_dW", "dC_dW", "delta", "a", "z", "W", "b"):
        for l in getattr(plain, q).valid:
            assert getattr(renamed, q)[l].entries() == getattr(plain, q)[l].entries(), (q, l)
    assert [ex.k for ex in renamed.examples] == [0, 1] and renamed.lr == plain.lr and renamed.lam == net.lam
    page = PageView(renamed)
    assert page.a[1].entries() == plain.z[1].entries() and page.lam == plain.lr and page.Delta == plain.C
    assert [type(ex).__name__ for ex in page.weight_layers] == ["PageView", "PageView"]   # weight_layers → examples


def test_a_python_keyword_is_a_page_name_in_toml():
    from symbp.formula.interpret import evaluate
    from symbp.formula.grammar import parse_formula
    v = View(SymbolicNetwork(NetworkSpec((1, 1), weight_decay=0.5)), Notation(names={"lambda": "lam"}))
    assert evaluate(parse_formula("lambda * 2"), PageView(v)) == 2 * v.lam
    assert getattr(PageView(v), "lambda") == v.lam


# -- a claim's own notation is read by every caller of verify_claim ---------------------------------
def claim_notation_doc():
    """W printed to-from in one claim of a from-to page: the right product and the transposed one."""
    from dataclasses import replace
    doc = Derivation("own", "Own notation", source="test", spec=SPEC,
                     notation=Notation(weight_index="from_to"))
    to_from = replace(doc.notation, weight_index="to_from")

    @doc.claim("z right", kind="lemma", layer="all", notation=to_from, latex=r"z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}")
    def z_right(n, l):
        return n.z[l], n.W[l] @ n.a[l - 1] + n.b[l]

    @doc.claim("z wrong", kind="lemma", layer="all", notation=to_from, latex=r"z^{(l)} = W^{(l)T} a^{(l-1)} + b^{(l)}")
    def z_wrong(n, l):
        return n.z[l], n.W[l].T @ n.a[l - 1] + n.b[l]
    return doc


@pytest.mark.parametrize("label, holds", [("z right", True), ("z wrong", False)])
def test_verify_claim_reads_the_claims_own_notation(label, holds):
    """Called with the document itself (as a benchmark or a user would), not only ``doc.for_claim(claim)``."""
    from symbp.judge.verify import verify_claim
    doc = claim_notation_doc()
    claim = next(c for c in doc.claims if c.label == label)
    square = [((3, 3, 3), 2)]       # square layers: the wrong product is well formed and still wrong
    for sweep in (None, square):
        o = verify_claim(claim, doc, sweep=sweep, numeric_only=True)
        assert (o.status in ("proven", "confirmed")) == holds, (label, sweep, o.status, o.message)
