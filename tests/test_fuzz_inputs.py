"""Fuzzing: random formulas, TOML documents, NetworkSpec and Notation fields either work or give the documented error.

Documented errors: FormulaError (a formula that does not parse), IllFormed (one that cannot be evaluated),
LoadError (a TOML derivation that cannot be loaded), SpecError, NotationError; each a one-line message.
"""

import json
import string
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbp.claims.derivation import Derivation
from symbp.formula.grammar import FormulaError, parse_formula
from symbp.formula.interpret import evaluate
from symbp.claims.tensor import IllFormed
from symbp.claims.notation import Notation, NotationError
from symbp.claims.view import View
from symbp.run.load import LoadError, load_derivation
from symbp.model.spec import NetworkSpec, SpecError
from symbp.oracle.symbolic import SymbolicNetwork

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TOKENS = ["a", "z", "W", "b", "delta", "x", "y", "L", "l", "i", "j", "f", "fp", "size", "sum", "partial", "diff",
          "C", "q", "net", "1", "2", "0", "0.5", "+", "-", "*", "/", "^", "@", ".T", ".", "..", "[", "]", "(", ")",
          ",", "=", " ", "symbol", "u", "f_out", "1e5", "'", "_", "lambda"]
VIEW = View(SymbolicNetwork(NetworkSpec((2, 3, 2), activation="f")), Notation(first_layer=1))


def _one_line(e):
    assert str(e) and "\n" not in str(e), repr(e)


@FAST
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)))
def test_random_formulas_parse_and_evaluate_or_give_the_documented_error(text):
    try:
        tree = parse_formula(text)
    except FormulaError as e:
        _one_line(e)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            evaluate(tree, VIEW, {"l": 1, "i": 1, "j": 2})
        except IllFormed as e:
            _one_line(e)


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"


SCALARS = st.one_of(st.integers(-3, 70), st.booleans(), st.text(string.printable, max_size=12),
                    st.sampled_from(["f", "sigmoid", "swish", "half_sse", "none", "output", "hidden", "all", "delta",
                                     "grad_W", "chain", "lemma", "a[L][i]", "delta[L][i]", "l", "i", "j == 1"]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4), st.lists(st.lists(st.integers(0, 4), max_size=4), max_size=2),
                   st.dictionaries(st.sampled_from(["s", "g", "x", "sizes", "m"]), SCALARS, max_size=3))
CLAIM_KEYS = ["label", "kind", "latex", "args", "sides", "layer", "of", "per", "reading", "expect", "where", "archs",
              "spec", "bogus"]
TOP_KEYS = ["name", "title", "source", "sweep", "notation", "spec", "bogus"]


@st.composite
def toml_documents(draw):
    lines = [f"{k} = {_toml_value(draw(VALUES))}" for k in draw(st.lists(st.sampled_from(TOP_KEYS[:4]), unique=True))]
    for table, keys in (("notation", ["first_layer", "weight_index", "bias", "unit_base", "names", "bogus"]),
                        ("spec", ["activation", "cost", "average", "weight_decay", "sizes", "bogus"])):
        if draw(st.booleans()):
            lines.append(f"[{table}]")
            lines += [f"{k} = {_toml_value(draw(VALUES))}" for k in draw(st.lists(st.sampled_from(keys), unique=True))]
    for _ in range(draw(st.integers(0, 2))):
        lines.append("[[claim]]")
        keys = draw(st.lists(st.sampled_from(CLAIM_KEYS), unique=True))
        lines += [f"{k} = {_toml_value(draw(VALUES))}" for k in keys]
    return "\n".join(lines) + "\n"


@FAST
@given(st.one_of(toml_documents(), st.text(max_size=80), st.binary(max_size=40).map(lambda b: b.decode("latin-1"))))
def test_random_toml_documents_load_or_give_the_documented_error(tmp_path, text):
    p = tmp_path / "fuzz.toml"
    p.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        doc = load_derivation(p)
    except LoadError as e:
        _one_line(e)
        assert str(e).startswith("fuzz.toml: ")
        return
    assert isinstance(doc, Derivation) and doc.claims


ANY = st.one_of(st.none(), st.booleans(), st.integers(-2, 5), st.floats(allow_nan=True), st.text(max_size=8),
                st.lists(st.integers(-1, 4), max_size=5), st.sampled_from(["f", "sigmoid", "softmax", "half_sse",
                                                                           "softmax_cross_entropy", "examples"]),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@FAST
@given(st.fixed_dictionaries({}, optional={k: ANY for k in (
    "sizes", "activation", "output_activation", "cost", "average", "weight_decay", "decay_biases", "decay_average",
    "batch_size", "bias")}))
def test_random_network_specs_work_or_give_spec_error(fields):
    fields.setdefault("sizes", [2, 3, 1])
    try:
        spec = NetworkSpec(**fields)
    except SpecError as e:
        _one_line(e)
        return
    assert spec.depth == len(spec.sizes) - 1 and spec.output_activation


@FAST
@given(st.fixed_dictionaries({}, optional={k: ANY for k in (
    "first_layer", "weight_index", "weight_named_after", "bias", "samples", "unit_base", "example_base", "names")}))
def test_random_notations_work_or_give_notation_error(fields):
    try:
        nt = Notation(**fields)
    except NotationError as e:
        _one_line(e)
        return
    assert nt.describe()
    View(VIEW.net, nt).a[nt.first_layer]


@pytest.mark.filterwarnings("error")
def test_numeric_checks_never_warn_on_overflow():
    import symengine

    from symbp.run.runner import check
    doc = Derivation("overflow", "Overflow", "-", Notation(first_layer=1), {"activation": "f"},
                     sweep=(((2, 3, 2), 1),))

    @doc.claim("huge", kind="delta", layer="output", latex="")
    def huge(n, i):
        return n.delta[n.L][i], n.delta[n.L][i] * symengine.exp(700) * symengine.exp(700)

    @doc.claim("tiny", kind="delta", layer="output", latex="")
    def tiny(n, i):
        return n.delta[n.L][i], n.delta[n.L][i] * symengine.exp(-700) * symengine.exp(-700)

    @doc.claim("exp overflow", kind="delta", layer="output", latex="")
    def overflow(n, i):
        return n.delta[n.L][i], symengine.exp(1000 * (n.z[n.L][i] ** 2 + 1))

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = check(doc, numeric_only=True)
    status = {e.label: e.status for e in report.derivations[0].equations}
    assert status["huge"] in ("fails", "ill-formed") and status["tiny"] == "fails"
    assert status["exp overflow"] == "ill-formed"
