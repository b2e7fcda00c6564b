"""The edit search's numeric replay (a reading evaluated at the screen's points, no symbolic form built) gives the
values, the reader's state and the chosen edits of the symbolic replay.

Pinned against the symbolic path (``screening.NUMERIC[0] = False``) on bundled failing claims and on mutants:
every candidate reading either needs its symbols (then it is replayed symbolically, as before) or gives the same
values to 1e-9 with the same NaN reads, the same log of reads (ordinals, misses out of range, anchors), and the
search picks the same edits.  A NaN read that symengine simplifies away, a division by an exact 0 and a claim that
calls the CAS itself are the paths where guessing would go wrong.
"""

import copy
from pathlib import Path

import numpy as np
import pytest
import symengine

from symbp import Derivation, Notation
from symbp.claims.tensor import LENIENT, LENIENT_MISSES
from symbp.judge import diagnose, edits, numeric_net, screening
from symbp.judge.evaluate import NetworkCache, spec_for
from symbp.judge.points import NeedsSymbols, Num
from symbp.judge.verify import verify_claim
from symbp.run.load import load_derivation

ROOT = Path(__file__).resolve().parents[1]
SPEC = {"activation": "f", "cost": "half_sse", "average": "examples"}


def searches_of(claim, doc):
    """The claim's edit searches while it is verified (in this process): [(claim, derivation, runs, side, kw)]."""
    seen, find = [], edits.find_edits

    def spy(claim, derivation, runs, side, *a, **kw):
        seen.append((claim, derivation, runs, side, a, kw))
        return find(claim, derivation, runs, side, *a, **kw)
    diagnose.find_edits = spy
    try:
        outcome = verify_claim(claim, doc, cache=NetworkCache())
    finally:
        diagnose.find_edits = find
    return seen, outcome


def mutant(fn, kind, layer, spec=SPEC):
    doc = Derivation("nv", "Numeric view", source="test", notation=Notation(), spec=spec)
    doc.claim("c", kind=kind, layer=layer, latex="")(fn)
    return doc.claims[0], doc


def bundled(name, label, reading="as-written"):
    doc = load_derivation(ROOT / "derivations" / name)
    return next(c for c in doc.claims if c.label == label and c.reading == reading), doc


def smallest(runs):
    return min(runs, key=lambda r: (sum(r[0]) * r[1], len(r[0])))


def fresh():
    screening._SCREENS.clear()
    numeric_net._NETS.clear()


@pytest.fixture(autouse=True)
def restored():
    yield
    screening.NUMERIC[0] = True
    screening.REUSE[0] = True
    fresh()


def state(reader):
    d = reader.__dict__
    return (d.get("log"), sorted(d.get("shown", {}), key=repr), d.get("misses"), d.get("args"), d.get("anchors"),
            d.get("totals"), d.get("calls"), {k: v[0] for k, v in d.get("families", {}).items()})


def replayed(fn, claim, derivation, run, reader, side):
    screen = screening.screen_for(claim, run, side, edits.POINTS, 2718)
    LENIENT[0], LENIENT_MISSES[0] = True, 0
    try:
        out = fn(claim, derivation, run, reader, screen, side)
        return "values", out[0] if isinstance(out, tuple) else out
    except NeedsSymbols:
        return "symbols", None
    except Exception as e:      # what the search reads as "does not fit"
        return "error", type(e).__name__
    finally:
        LENIENT[0] = False


def compare_readings(claim, derivation, run, side, limit=None):
    """Every single edit's reading (and the reading as written) at the points and symbolically: the same."""
    files = edits.claim_files(claim)
    record = edits._AnchoredReader(files)
    edits._values(claim, derivation, run, record, side)
    candidates = edits._candidates(record.log, getattr(record, "args", ()), 1 if claim.takes_layer else 0,
                                   record.families, record.anchors)
    readers = [lambda: edits._AnchoredReader(files)] + [lambda e=e: edits._reader(files, [e], side)
                                                         for e in candidates[:limit]]
    compared = 0
    for make in readers:
        numeric, symbolic = make(), make()
        screen = screening.screen_for(claim, run, side, edits.POINTS, 2718)
        screen.not_at_points = 0      # every reading tried at the points here
        a = replayed(edits._at_points, claim, derivation, run, numeric, side)
        b = replayed(edits._symbolically, claim, derivation, run, symbolic, side)
        assert b[0] != "symbols"
        if a[0] == "symbols":
            assert state(numeric) == state(make()), "a reading that needs symbols leaves the reader as it was"
            continue
        compared += 1
        assert state(numeric) == state(symbolic), numeric.edits
        va, vb = a[1], b[1]
        if a[0] == "error" or b[0] == "error" or va is None or vb is None:
            assert (a[0] == "error" or va is None) and (b[0] == "error" or vb is None), (a, b, numeric.edits)
            continue
        assert va.shape == vb.shape, numeric.edits
        assert np.array_equal(np.isfinite(va), np.isfinite(vb)), numeric.edits
        ok = np.isfinite(vb)
        np.testing.assert_allclose(va[ok], vb[ok], rtol=1e-9, atol=1e-12, err_msg=str(numeric.edits))
    return compared, len(readers)


def same_edits(seen):
    for claim, derivation, runs, side, a, kw in seen:
        screening.NUMERIC[0] = False
        fresh()
        old = edits.find_edits(claim, derivation, runs, side, *a, **kw)
        screening.NUMERIC[0] = True
        fresh()
        new = edits.find_edits(claim, derivation, runs, side, *a, **kw)
        assert old[0] == new[0] and [e.change for e in old[0] or []] == [e.change for e in new[0] or []]
        assert (old[1] is None) == (new[1] is None)


BUNDLED = [
    ("ufldl_backprop.py", "∂J/∂W (overall)", "as-written"),
    ("ufldl_backprop.py", "∇b (matrix)", "ocr"),
    ("reynoso_backprop.py", "δ^l, matrix form", "as-written"),
    ("martinez_ramon_backprop.py", "(2), z_j^(L-1)", "as-written"),
    ("columns_regression_backprop.py", "⑯", "as-written"),            # ill-formed: NaN reads, symbol edits
    ("columns_regression_backprop.py", "⑮", "as-written"),            # calls symengine.diff itself: symbolic
]


@pytest.mark.parametrize("name, label, reading", BUNDLED)
def test_bundled_readings_at_the_points_are_the_symbolic_ones(name, label, reading):
    claim, doc = bundled(name, label, reading)
    seen, _ = searches_of(claim, doc)
    assert seen
    claim, derivation, runs, side, _, _ = seen[0]
    compared, total = compare_readings(claim, derivation, smallest(runs), side, limit=80)
    assert compared < total if label == "⑮" else compared >= total // 2, (compared, total)   # ⑮ calls symengine


@pytest.mark.parametrize("name, label, reading", BUNDLED)
def test_bundled_claims_get_the_same_edits(name, label, reading):
    claim, doc = bundled(name, label, reading)
    seen, outcome = searches_of(claim, doc)
    same_edits(seen)


#: Wrong formulas (one or two faults), reads out of range (NaN), a lemma: (fn, kind, layer).
WRONG = [
    (lambda n, l: (n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.f(n.z[l])), "delta", "hidden"),
    (lambda n, l, j, i: (n.dC_dW[l][j, i], n.delta[l][j] * n.a[l - 1][j]), "grad_W", "all"),
    (lambda n, l, j: (n.delta[l][j], sum(n.W[l + 1][k, j] * n.delta[l + 1][k] for k in range(1, n.size(l) + 1))
                      * n.fp(n.z[l][j])), "delta", "hidden"),          # k over the wrong layer: reads out of range
    (lambda n, l: (n.a[l] * n.a[l], n.f(n.z[l]) * n.f(n.z[l - 1])), "lemma", "hidden"),
    (lambda n, l: (n.step_W[l], n.W[l] - n.lr * n.lr ** 1 * n.dJ_dW[l]), "update_W", "all"),   # a scalar's text
]


@pytest.mark.parametrize("fn, kind, layer", WRONG)
def test_mutants_read_at_the_points_as_symbolically(fn, kind, layer):
    claim, doc = mutant(fn, kind, layer)
    seen, _ = searches_of(claim, doc)
    assert seen
    for claim, derivation, runs, side, _, _ in seen:
        compared, total = compare_readings(claim, derivation, smallest(runs), side, limit=60)
        assert compared >= total // 2, (compared, total)


@pytest.mark.parametrize("fn, kind, layer", WRONG)
def test_mutants_get_the_same_edits(fn, kind, layer):
    claim, doc = mutant(fn, kind, layer)
    seen, outcome = searches_of(claim, doc)
    same_edits(seen)


def test_a_wrong_formula_is_still_diagnosed_and_a_right_one_still_proven():
    claim, doc = mutant(WRONG[0][0], "delta", "hidden")
    _, eq = searches_of(claim, doc)
    assert eq.status == "fails" and [e["kind"] for e in eq.diagnosis["edits"]] == ["layer", "derivative"], eq.diagnosis
    claim, doc = mutant(lambda n, l: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])), "delta", "hidden")
    seen, eq = searches_of(claim, doc)
    assert eq.status.startswith("proven") and not seen


def test_a_nan_read_that_symengine_cancels_is_valued_as_symbolically():
    # (x + nan)·0 is 0 in symengine, NaN in floats: the value comes from the symbolic form, built on demand
    p = symengine.Symbol("p")
    x = Num(np.array([1.0, 2.0]), expr=p)
    v = (x + symengine.nan) * 0 + x
    assert v.tainted and np.all(np.isnan(v.values)) and v.expr == p
    claim, doc = mutant(lambda n, l, j: (n.delta[l][j], n.delta[l][j] + 0 * (n.a[l][j + 5] + n.a[l][j])),
                        "delta", "hidden")
    net = NetworkCache().get(spec_for(doc, claim, (2, 2, 1), 1))
    run = ((2, 2, 1), 1, net, {})
    files = edits.claim_files(claim)
    a = replayed(edits._at_points, claim, doc, run, edits._AnchoredReader(files), 1)
    b = replayed(edits._symbolically, claim, doc, run, edits._AnchoredReader(files), 1)
    assert a[0] == b[0] == "values"
    assert np.all(np.isfinite(b[1])) and np.array_equal(np.isfinite(a[1]), np.isfinite(b[1]))
    np.testing.assert_allclose(a[1], b[1], rtol=1e-9)       # the page's term read out of range cancels: it holds


def test_an_exact_zero_divisor_and_a_cas_call_are_replayed_symbolically():
    for fn in (lambda n, l, j: (n.delta[l][j], n.delta[l][j] / (n.a[l][j] - n.f(n.z[l][j]))),   # symbolically zoo
               lambda n, l, j: (n.delta[l][j], symengine.diff(n.z[l][j], n.W[l][j, 1]) * n.delta[l][j])):
        claim, doc = mutant(fn, "delta", "hidden")
        net = NetworkCache().get(spec_for(doc, claim, (2, 2, 1), 1))
        run = ((2, 2, 1), 1, net, {})
        files = edits.claim_files(claim)
        reader = edits._AnchoredReader(files)
        before = copy.deepcopy(state(reader))
        assert replayed(edits._at_points, claim, doc, run, reader, 1)[0] == "symbols"
        assert state(reader) == before      # as it was: the symbolic replay starts afresh
        vals, _ = edits._values(claim, doc, run, edits._AnchoredReader(files), 1)
        screening.NUMERIC[0] = False
        fresh()
        ref, _ = edits._values(claim, doc, run, edits._AnchoredReader(files), 1)
        assert (vals is None) == (ref is None)
        if ref is not None:
            np.testing.assert_allclose(vals, ref, rtol=1e-12)
        screening.NUMERIC[0] = True
