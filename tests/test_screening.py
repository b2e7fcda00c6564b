"""The edit search's cheap screening gives the values, scores and edits of evaluating every reading whole.

A screen (:mod:`symbp.judge.screening`) reuses, across the edited readings of one claim on one
architecture, the sample points, the truth side's values and the replay of a reading with one edit.
Pinned here against the reference path (``REUSE[0] = False``: every reading replayed and evaluated
whole, as before): the same values to 1e-9, the same scores and the same chosen edits; and where an
edit moves the truth side (a lemma's left side is the page's), the truth is evaluated again, never
taken from the reading as written (else a wrong left side could seem to fit).
"""

import numpy as np
import pytest
import symengine

from symbp import Derivation, Notation, check
from symbp.claims.occurrence import Reader
from symbp.judge import diagnose, edits, screening
from symbp.judge.evaluate import Instance, NetworkCache, numeric_values, sample_points
from symbp.judge.verify import verify_claim
from symbp.model.spec import NetworkSpec

SPEC = {"activation": "f", "cost": "half_sse", "average": "examples"}

#: Wrong formulas (one or two faults) and a lemma whose left side is the slip: (fn, kind, layer).
WRONG = [
    (lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])), "lemma", "hidden"),
    (lambda n, l, j, i: (n.dC_dW[l][j, i], n.delta[l][j] * n.a[l - 1][j]), "grad_W", "all"),
    (lambda n, l, i: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l][i])), "delta", "hidden"),
    (lambda n, l: (n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.f(n.z[l])), "delta", "hidden"),
    (lambda n, l: (n.dC_da[l], n.delta[l]), "lemma", "hidden"),
]


def searches(fn, kind, layer):
    """The claim's edit searches while it is verified: [(claim, derivation, runs, side)], and its outcome."""
    doc = Derivation("screen", "Screen", source="test", notation=Notation(), spec=SPEC)
    doc.claim("c", kind=kind, layer=layer, latex="")(fn)
    seen, find = [], edits.find_edits

    def spy(claim, derivation, runs, side, *a, **kw):
        seen.append((claim, derivation, runs, side))
        return find(claim, derivation, runs, side, *a, **kw)
    diagnose.find_edits = spy
    try:     # in this process (a check would run the claim in a child)
        outcome = verify_claim(doc.claims[0], doc, cache=NetworkCache())
    finally:
        diagnose.find_edits = find
    return seen, outcome


def smallest(runs):
    return min(runs, key=lambda r: (sum(r[0]) * r[1], len(r[0])))


def reference(flag):
    screening.REUSE[0] = flag
    screening._SCREENS.clear()


@pytest.fixture(autouse=True)
def reuse_restored():
    yield
    reference(True)


@pytest.mark.parametrize("fn, kind, layer", WRONG)
def test_screened_values_and_scores_are_those_of_the_whole_evaluation(fn, kind, layer):
    seen, _ = searches(fn, kind, layer)
    assert seen, "the claim's diagnosis searched for an edit"
    for claim, derivation, runs, side in seen:
        run, files = smallest(runs), edits.claim_files(claim)
        record = Reader(files)
        reference(False)
        base_ref, _ = edits._values(claim, derivation, run, record, side)
        reference(True)
        base, _ = edits._values(claim, derivation, run, Reader(files), side)
        assert (base is None) == (base_ref is None)     # unreadable as written on this run (a shape error)
        if base_ref is not None:
            np.testing.assert_allclose(base, base_ref, rtol=1e-9, atol=1e-12)
        kept_ref = edits._kept(claim, base_ref)
        candidates = edits._candidates(record.log, getattr(record, "args", ()), 1 if claim.takes_layer else 0,
                                       record.families)
        assert candidates
        for e in candidates[:60]:
            reference(False)
            old, _ = edits._values(claim, derivation, run, edits._reader(files, [e], side), side)
            reference(True)
            for _ in range(2):      # evaluated, then replayed from the screen: the same both times
                reader = edits._reader(files, [e], side)
                new, _ = edits._values(claim, derivation, run, reader, side)
                assert (old is None) == (new is None), e
                if old is None:
                    continue
                assert old.shape == new.shape, e
                assert np.array_equal(np.isfinite(old), np.isfinite(new)), e
                ok = np.isfinite(old)
                np.testing.assert_allclose(new[ok], old[ok], rtol=1e-9, atol=1e-12, err_msg=str(e))
                s_old, s_new = edits._score(old, side, base_ref), edits._score(new, side, base)
                assert s_old == pytest.approx(s_new, abs=1e-6) or s_old == s_new, e
                if kept_ref is None:
                    assert edits._score(old, side, None) == pytest.approx(edits._score(new, side, None), abs=1e-6) \
                        or edits._score(old, side, None) == edits._score(new, side, None)


@pytest.mark.parametrize("fn, kind, layer", WRONG)
def test_the_same_edits_are_chosen(fn, kind, layer):
    seen, eq = searches(fn, kind, layer)
    for claim, derivation, runs, side in seen:
        reference(False)
        old, _ = edits.find_edits(claim, derivation, runs, side)
        reference(True)
        new, _ = edits.find_edits(claim, derivation, runs, side)
        assert old == new
        assert [x.change for x in old or []] == [x.change for x in new or []]
    if kind != "lemma" or (eq.diagnosis or {}).get("edits"):
        assert (eq.diagnosis or {}).get("edits"), eq.diagnosis     # each of these has an edit that makes it hold


def test_a_bundled_claim_gets_the_same_edit_screened_or_whole():
    # UFLDL's ∇b (matrix), as the scan reads it: its diagnosis names an edit; the screen changes none of it
    from pathlib import Path

    from symbp.run.load import load_derivation
    doc = load_derivation(Path(__file__).resolve().parents[1] / "derivations" / "ufldl_backprop.py")
    claim = next(c for c in doc.claims if c.label == "∇b (matrix)" and c.reading == "ocr")
    seen, find = [], edits.find_edits

    def spy(claim, derivation, runs, side, *a, **kw):
        seen.append((claim, derivation, runs, side))
        return find(claim, derivation, runs, side, *a, **kw)
    diagnose.find_edits = spy
    try:
        outcome = verify_claim(claim, doc, cache=NetworkCache())
    finally:
        diagnose.find_edits = find
    assert outcome.diagnosis.get("edits") and seen, outcome.diagnosis
    for claim, derivation, runs, side in seen:
        reference(False)
        old, _ = edits.find_edits(claim, derivation, runs, side)
        reference(True)
        assert edits.find_edits(claim, derivation, runs, side)[0] == old and old


def test_an_edit_of_a_lemma_left_side_evaluates_the_truth_again():
    # the page's left side ∂C/∂a^(l) is the slip (∂C/∂b^(l) meant): the edit that fixes it moves side 0, so the
    # screen must not take the truth from the reading as written (it would then compare against the wrong side)
    seen, eq = searches(lambda n, l: (n.dC_da[l], n.delta[l]), "lemma", "hidden")
    claim, derivation, runs, side = seen[0]
    run, files = smallest(runs), edits.claim_files(claim)
    record = Reader(files)
    base, _ = edits._values(claim, derivation, run, record, side)
    screen = screening.screen_for(claim, run, side, edits.POINTS, 2718)
    fix = [e for e in edits._candidates(record.log, record.args, 1, record.families) if e.change[0] == "family"]
    assert fix
    before = screen.truth_reused
    moved = 0
    for e in fix:
        vals, _ = edits._values(claim, derivation, run, edits._reader(files, [e], side), side)
        if vals is not None and not np.allclose(vals[:, :, 0], base[:, :, 0]):
            moved += 1
            assert np.allclose(vals[:, :, 0], vals[:, :, 1])   # ∂C/∂b^(l) = δ^(l): this edit makes it hold
    assert moved and screen.truth_reused == before      # no reading with a moved truth took the base's
    assert [x["to"] for x in eq.diagnosis["edits"]] == ["∂C/∂b^(l)"]


def test_a_right_formula_is_still_proven_and_gets_no_edit():
    doc = Derivation("screen", "Screen", source="test", notation=Notation(), spec=SPEC)
    doc.claim("c", kind="delta", layer="hidden", latex="")(lambda n, l: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1])
                                                               * n.fp(n.z[l])))
    eq = check(doc, budget=20).derivations[0].equations[0]
    assert eq.status.startswith("proven"), eq.verdict_text
    assert not (eq.diagnosis or {}).get("edits")


def test_the_fallback_evaluates_whole_where_the_truth_differs():
    net = NetworkCache().get(NetworkSpec((1, 1), activation="identity"))
    w = net.params[0]
    screen = screening.Screen(object(), net, {}, 1, 3, 5)
    pts = screen.sample({})
    base = [Instance("", [w, 2 * w])]
    screen.remember_base({}, base, numeric_values(net, {}, base, pts))
    same = screen.evaluate({}, [Instance("", [w, 3 * w])], None)          # the truth side as written: reused
    assert screen.truth_reused == 1
    np.testing.assert_allclose(same, numeric_values(net, {}, [Instance("", [w, 3 * w])], pts), rtol=1e-12)
    moved = screen.evaluate({}, [Instance("", [5 * w, 3 * w])], None)     # another truth: evaluated whole
    assert screen.truth_reused == 1
    np.testing.assert_allclose(moved[:, 0, 0], 5 * pts[:, 0], rtol=1e-12)
    other = screen.evaluate({"u": symengine.Symbol("u")}, [Instance("", [w, 3 * w])], None)   # other symbols
    assert screen.truth_reused == 1 and other.shape == (3, 1, 2)
    assert np.array_equal(screen.sample({}), sample_points(net, {}, 3, 5))


def test_a_pair_is_not_kept_and_a_single_is_replayed_from_the_screen():
    seen, _ = searches(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])), "lemma", "hidden")
    claim, derivation, runs, side = seen[0]
    run, files = smallest(runs), edits.claim_files(claim)
    record = Reader(files)
    edits._values(claim, derivation, run, record, side)
    candidates = edits._candidates(record.log, record.args, 1, record.families)
    e1 = candidates[0]
    e2 = next(e for e in candidates if e.key != e1.key)
    screen = screening.screen_for(claim, run, side, edits.POINTS, 2718)
    first = edits._reader(files, [e1], side)
    edits._values(claim, derivation, run, first, side)
    hits = screen.hits
    again = edits._reader(files, [e1], side)
    edits._values(claim, derivation, run, again, side)
    assert screen.hits == hits + 1
    assert again.log == first.log and again.shown.keys() == first.shown.keys() and again.log is not first.log
    assert screening.reader_key(edits._reader(files, [e1, e2], side)) is None
    edits._values(claim, derivation, run, edits._reader(files, [e1, e2], side), side)
    edits._values(claim, derivation, run, edits._reader(files, [e1, e2], side), side)
    assert screen.hits == hits + 1


def test_a_reading_that_names_its_reads_is_never_replayed_from_one_that_does_not():
    """The edit search's singles keep no names (the reading as written names the edit); a reading that must name
    its reads (the first edit of a pair, whose new reads name the second) is replayed, never restored unnamed."""
    seen, _ = searches(lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])), "lemma", "hidden")
    claim, derivation, runs, side = seen[0]
    run, files = smallest(runs), edits.claim_files(claim)
    record = Reader(files)
    edits._values(claim, derivation, run, record, side)
    e1 = edits._candidates(record.log, record.args, 1, record.families)[0]
    unnamed = edits._reader(files, [e1], side, names=False)
    edits._values(claim, derivation, run, unnamed, side)
    named = edits._reader(files, [e1], side)
    edits._values(claim, derivation, run, named, side)
    assert screening.reader_key(unnamed) != screening.reader_key(named)
    assert not unnamed.shown and named.shown and named.names
    assert [r.key for r in named.log] == [r.key for r in unnamed.log]


def test_a_relatively_edited_reading_is_never_the_one_as_written():
    """A symbol edit counted from the call's layer (``a^(l-1)`` read one layer up, on every architecture) is its
    own reading for the screen: never replayed from, nor taken for, the reading as written."""
    files = {"x.py"}
    plain, as_written = Reader(files), edits._AnchoredReader(files)
    shifted = edits._AnchoredReader(files, relative={("a", -1): 1})
    assert screening.reader_key(shifted) is not None
    assert screening.reader_key(shifted) not in (screening.reader_key(plain), screening.reader_key(as_written))
    assert screening.reader_key(edits._AnchoredReader(files, {1: 2}, relative={("a", -1): 1})) is None   # a pair
