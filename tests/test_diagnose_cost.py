"""What the diagnosis and the numeric check spare without changing what they say.

A formula that holds wherever every bias is zero can be made true only by an edit of its bias reads (any other
edit changes it where it holds), so only those are searched: a bias read twice still gets its edit, a missing
bias is still named, and a fault elsewhere is searched as before.
"""

import pytest

from symbp import Derivation, Notation
from symbp.judge import diagnose
from symbp.judge.verify import verify_claim

SPEC = {"activation": "f", "cost": "half_sse", "average": "examples"}


def judged(fn, names=None):
    """The outcome of one lemma, judged in this process (so that the spies below see its edit searches)."""
    doc = Derivation("cost", "Cost", source="test", notation=Notation(names=names or {}), spec=SPEC)
    doc.claim("c", kind="lemma", layer="hidden", latex="")(fn)
    return verify_claim(doc.claims[0], doc, budget=20)


@pytest.fixture
def searched(monkeypatch):
    """The ``only`` of every edit search the diagnosis starts (None: every read may be edited)."""
    seen = []
    real = diagnose.find_edits

    def spy(*args, **kwargs):
        seen.append(kwargs.get("only", "no such argument"))
        return real(*args, **kwargs)
    monkeypatch.setattr(diagnose, "find_edits", spy)
    return seen


def forward(n, l, j, twice=False, bias=True):
    s = sum(n.W[l][j, k] * n.a[l - 1][k] for k in range(1, n.size(l - 1) + 1))
    return n.z[l][j], s + (n.b[l][j] if bias else 0) + (n.b[l][j] if twice else 0)


def test_a_bias_read_twice_gets_its_edit_from_the_bias_reads_alone(searched):
    e = judged(lambda n, l, j: forward(n, l, j, twice=True))
    assert e.status == "fails", e.message
    assert [(x["kind"], x["from"]) for x in e.diagnosis.get("edits", [])] == [("missing-term", "b^(l)_j")] or \
        "without the term in b" in e.diagnosis["detail"], e.diagnosis
    assert searched and all(only == {"b"} for only in searched), searched


def test_a_bias_of_another_name_is_searched_by_that_name(searched):
    e = judged(lambda n, l, j: forward(n, l, j, twice=True), names={"beta": "b"})
    assert e.status == "fails" and "without the term in beta" in e.diagnosis["detail"], e.diagnosis
    assert searched and all(only == {"beta"} for only in searched), searched


def test_a_missing_bias_is_named_with_no_edit_of_another_read(searched):
    e = judged(lambda n, l, j: forward(n, l, j, bias=False))
    assert e.status == "fails" and e.diagnosis["kind"] == "missing-term", e.diagnosis
    assert "bias" in e.diagnosis["detail"] and not e.diagnosis.get("edits"), e.diagnosis
    assert searched == [] or all(only == {"b"} for only in searched), searched


def test_a_fault_that_shows_without_biases_is_searched_everywhere(searched):
    e = judged(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])))
    assert e.status in ("fails", "ill-formed") and e.diagnosis["kind"] == "layer", e.diagnosis
    assert None in searched, searched
