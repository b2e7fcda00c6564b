"""A verdict does not depend on the machine: what the exact check attempts is fixed by a bound on work
(:data:`symbp.judge.evaluate.MAX_EXPANSION`), the induction runs every width combination, and a time limit is only
a safety net whose expiry is its own status, ``undecided`` (counted apart, unexpected), never a silent downgrade
from ``proven`` to ``confirmed`` or from ``proven for all depths`` to ``proven``."""

import time

import symengine as se

from symbp import Derivation, Notation, check
from symbp.judge.evaluate import MAX_EXPANSION, Instance, exact_check, expansion_size
from symbp.judge.induction import extend_to_all_depths, induction_limit
from symbp.judge.verify import verify_claim


def doc_with(fn, layer="hidden", spec=None):
    doc = Derivation("d", "D", "-", Notation(first_layer=1),
                     {"activation": "f", **(spec or {})})
    return doc, doc.claim("c", kind="delta", layer=layer, latex="")(fn)


def bp2(n, l):
    return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])


def test_the_expansion_bound_decides_what_is_attempted_not_the_clock():
    x, y = se.symbols("x y")
    small = Instance("", [(x + y) ** 3, x ** 3 + 3 * x ** 2 * y + 3 * x * y ** 2 + y ** 3])
    terms = sum(se.Symbol(f"u{i}") for i in range(30))
    huge = Instance("", [terms ** 30, terms ** 29 * (terms + x)])
    assert expansion_size(huge.sides[0] - huge.sides[1]) > MAX_EXPANSION
    t0 = time.monotonic()
    run = exact_check([[small, huge]], budget=3600)   # a generous clock changes nothing: huge is not attempted
    assert time.monotonic() - t0 < 60   # guard only
    assert run.too_large == 1 and not run.timed_out and not run.proven
    assert run.results == [[[True], None]]


def test_a_clock_that_fires_makes_the_verdict_undecided_not_confirmed():
    doc, c = doc_with(bp2)
    o = verify_claim(c, doc, budget=1e-6)
    # which clock fires first (the claim's function, or the exact check) depends on the machine; either is undecided
    assert o.status == "undecided" and o.message.startswith("time limit: "), o.message
    assert verify_claim(c, doc).status == "proven"   # with its normal safety net


def test_an_induction_stopped_by_its_clock_is_undecided_not_proven():
    doc, c = doc_with(bp2)
    o = verify_claim(c, doc)
    assert extend_to_all_depths(o, c, doc).status == "proven for all depths"
    stopped = extend_to_all_depths(o, c, doc, budget=1e-6)
    assert stopped.status == "undecided" and "time limit" in stopped.message, stopped


def test_the_induction_gets_its_own_time_limit_not_what_the_sweep_left():
    assert induction_limit(10) >= 60 and induction_limit(100) == 600


def test_undecided_is_counted_apart_and_never_passes():
    doc, _ = doc_with(bp2)
    report = check(doc, budget=1e-6)
    assert report.summary["undecided"] == 1 and report.summary["proven"] == 0
    assert report.exit_code == 1 and "undecided (time limit)" in report.to_table()


def test_same_verdicts_with_one_and_two_jobs():
    """The same input, run with --jobs 1 and --jobs 2 (two processes competing for the CPU): the same verdicts."""
    docs = []
    for name in ("a", "b"):
        doc = Derivation(name, name, "-", Notation(first_layer=1), {"activation": "f"})
        doc.claim("BP2", kind="delta", layer="hidden", latex="")(bp2)
        doc.claim("BP2 wrong", kind="delta", layer="hidden", latex="", expect="fails")(
            lambda n, l: (n.delta[l], (n.W[l + 1] @ n.delta[l + 1]) * n.fp(n.z[l])))
        docs.append(doc)
    one = [(e.label, e.status) for d in check(docs, jobs=1).derivations for e in d.equations]
    two = [(e.label, e.status) for d in check(docs, jobs=2).derivations for e in d.equations]
    assert one == two and ("BP2", "proven for all depths") in one


def test_a_counterexample_is_the_first_instance_as_wrong_as_the_worst_not_a_rounding_pick():
    """A formula three times the truth is as wrong at every instance: its relative errors differ only in their
    last bits, which the evaluation's rounding decides. The counterexample is the first of them, never the one the
    rounding happens to make largest."""
    doc = Derivation("d", "D", "-", Notation(first_layer=1), {"activation": "f"}, sweep=[((2, 3, 2), 1)])
    c = doc.claim("(1)", kind="grad_W", layer="all", latex="")(
        lambda n, l, j, i: (n.dC_dW[l][j, i], 3 * n.delta[l][j] * n.a[l - 1][i]))
    o = verify_claim(c, doc, numeric_only=True)
    assert o.status == "fails"
    assert o.counterexample["where"] == "layer 2, j = 1, i = 1", o.counterexample["where"]   # (the first instance)
