"""symbp.judge.occurrence_faults: faults at one read of a holding claim (and pairs), killed and diagnosed with the
injected edit (or one as small, checked by replay); equivalent mutants skipped; the score can fail."""

import json

import pytest

from symbp import Derivation, Notation
from symbp.judge.evaluate import NetworkCache
from symbp.judge.occurrence_faults import (check_mutant, make_occurrence_mutant, mutate_occurrences,
                                           occurrence_mutants, single_faults, summarize_occurrences)

SWEEP = (((2, 3, 2), 1), ((3, 2, 4, 1), 1))


def make_doc():
    doc = Derivation("occ", "Occurrences", "test", Notation(first_layer=1, weight_named_after="source"),
                     {"activation": "f", "cost": "half_sse", "average": "none"}, sweep=SWEEP)

    @doc.claim("out", kind="delta", layer="output", latex="")
    def out(n, i):
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])

    @doc.claim("hidden", kind="delta", layer="hidden", latex="")
    def hidden(n, l):
        return n.delta[l], (n.W[l].T @ n.delta[l + 1]) * n.fp(n.z[l])

    @doc.claim("padded", kind="delta", layer="output", latex="")
    def padded(n, i):   # a term times 0: a fault in it changes nothing (an equivalent mutant)
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i]) + 0 * n.a[n.L - 1][1]

    @doc.claim("sigmoid", kind="delta", layer="output", latex="", spec={"activation": "sigmoid"})
    def sigmoid(n, i):
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.a[n.L][i] * (1 - n.a[n.L][i])
    return doc


def pick(claim, doc, start):
    """The one fault of ``claim`` whose description starts with ``start``."""
    found = [f for f in single_faults(claim, doc) if f.how.startswith(start)]
    assert len(found) == 1, [f.how for f in single_faults(claim, doc)]
    return found[0]


def test_a_fault_at_one_read_is_killed_and_diagnosed_with_the_injected_edit():
    doc, cache = make_doc(), NetworkCache()
    hidden = doc.claims[1]
    fault = pick(hidden, doc, "W^(l+1) for W^(l)")     # W read one layer off, at its one read
    mutant = make_occurrence_mutant(hidden, [fault])
    r = check_mutant(doc, hidden, fault.family, [fault], mutant, cache, budget=20)
    # W is read once: the whole-formula reading "W of the wrong layer" is that edit, and replayed it restores
    assert r.killed and r.diagnosed and r.diagnosis == "layer", (r.status, r.diagnosis, r.detail)
    sigmoid = doc.claims[3]      # a^(L) read three times: only the edit at the one read restores it
    fault = pick(sigmoid, doc, "a^(2) for a^(3) (the 3rd of 3)")   # on [2, 3, 2]: L = 3
    r = check_mutant(doc, sigmoid, fault.family, [fault], make_occurrence_mutant(sigmoid, [fault]), cache, budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)
    assert [(e["from"], e["to"]) for e in r.found] == [("a^(2)", "a^(3)")]


def test_the_diagnosed_edit_is_checked_by_replay_not_taken_on_trust():
    from symbp.judge.occurrence_faults import restores
    doc, cache = make_doc(), NetworkCache()
    hidden = doc.claims[1]
    fault = pick(hidden, doc, "W^(l+1) for W^(l)")
    mutant = make_occurrence_mutant(hidden, [fault])
    from symbp.judge.edits import Edit
    wrong = [Edit(fault.key, ("layer", 1), fault.read)]          # one layer further off: does not restore it
    right = [Edit(fault.key, ("layer", -1), fault.read)]
    assert restores(mutant, hidden, doc, cache, right, [fault])
    assert not restores(mutant, hidden, doc, cache, wrong, [fault])
    assert not restores(mutant, hidden, doc, cache, right + wrong, [fault])   # larger than the injected set


def test_a_toml_claim_gets_faults_at_one_read_too():
    from symbp.run.load import load_derivation
    doc = load_derivation("derivations/declarative/abu_mostafa_backprop.toml")
    claim = next(c for c in doc.claims if c.label.startswith("forward pass"))
    families = {f.family for f in single_faults(claim, doc)}
    assert {"layer", "f <-> f'", "index swap"} <= families


def test_an_equivalent_mutant_is_skipped_not_counted_as_a_survivor():
    doc, cache = make_doc(), NetworkCache()
    padded = doc.claims[2]
    sample = occurrence_mutants(padded, doc, cache=cache, per_claim=50, pairs=0)
    hows = [fs[0].how for _, fs, _ in sample.mutants]
    # on [2, 3, 2] (L = 3): a^(2) read one layer off inside "0 * ..." changes nothing
    assert sample.equivalent >= 2 and not any(h.startswith(("a^(1) for a^(2)", "a^(3) for a^(2)")) for h in hows)
    assert any(h.startswith("a^(2) for a^(3)") for h in hows)
    assert sample.truth_side >= 1       # delta^(L) on the truth side is no fault of the formula
    assert sample.examined == sample.possible == len(sample.mutants) + sample.equivalent + sample.truth_side


def test_a_pair_of_faults_is_diagnosed():
    doc, cache = make_doc(), NetworkCache()
    hidden = doc.claims[1]
    pair = [pick(hidden, doc, "z^(l+1) for z^(l)"), pick(hidden, doc, "f for f'")]
    mutant = make_occurrence_mutant(hidden, pair)
    r = check_mutant(doc, hidden, "pair", pair, mutant, cache, budget=20)
    assert r.killed and r.diagnosed and len(r.found) == 2, (r.status, r.diagnosis, r.detail)


def test_the_score_can_fail(monkeypatch):
    """A checker that accepts everything kills nothing: the score drops to 0 %."""
    import symbp.judge.verify as verify
    doc, cache = make_doc(), NetworkCache()
    real = verify.verify_claim

    def accepts_everything(claim, derivation, **kw):
        o = real(doc.claims[0], doc, cache=cache, budget=20)   # a holding verdict
        return o
    monkeypatch.setattr(verify, "verify_claim", accepts_everything)
    results, _ = mutate_occurrences(doc, doc.claims[:1], cache=cache, per_claim=2, pairs=1, budget=20)
    s = summarize_occurrences(results)
    assert s["single"]["mutants"] == 2 and s["single"]["killed"] == 0 and s["pair"]["killed"] == 0


def test_mutate_cli_prints_the_new_families(capsys):
    import argparse
    from symbp.cli import mutate as mutate_cli
    p = argparse.ArgumentParser()
    mutate_cli.add_parser(p.add_subparsers(dest="command"))
    args = p.parse_args(["mutate", "examples/four_equations.py", "--claim", "BP1", "--faults", "single,pairs",
                         "--per-claim", "2", "--pairs", "1", "--alarm-archs", "0", "-q"])
    assert mutate_cli.run(args) == 0
    out = capsys.readouterr().out
    assert "fault at one read" in out and "all singles" in out and "pairs" in out and "possible" in out
    args = p.parse_args(["mutate", "examples/four_equations.py", "--claim", "BP1", "--faults", "single",
                         "--per-claim", "1", "--alarm-archs", "0", "--format", "json", "-q"])
    assert mutate_cli.run(args) == 0
    data = json.loads(capsys.readouterr().out)
    (m,) = data["occurrence_mutants"]
    assert m["killed"] and m["injected"] and m["injected_edits"][0]["kind"] and "found" in m and data["occurrence_summary"]["single"]["mutants"] == 1


def test_a_fault_that_reads_a_missing_layer_on_most_architectures_gets_the_edit_not_shape():
    """z^(4) for z^(3) in a claim of layer 3: true where it reads (the deep architecture), unreadable elsewhere;
    the diagnosis was a bare `shape` (main) and is now the edit that makes it read and hold everywhere."""
    from symbp.run.load import load_derivation
    doc, cache = load_derivation("derivations/reynoso_backprop.py"), NetworkCache()
    claim = next(c for c in doc.claims if c.label.startswith("δ^L, matrix form"))
    # the third form's z^(3) in row 1 (the second form has one too: a place names no side of a chain yet)
    fault = [f for f in single_faults(claim, doc) if f.how == "z^(4) for z^(3) in row 1"][1]
    r = check_mutant(doc, claim, fault.family, [fault], make_occurrence_mutant(claim, [fault]), cache, budget=20)
    assert r.killed and r.diagnosis == "layer" and r.diagnosed, (r.status, r.diagnosis, r.detail)



def test_an_index_swap_that_reads_out_of_range_is_diagnosed_as_the_exchange():
    """∂e/∂s_j read as ∂e/∂s_{j,1} (a row read as a column): out of range wherever j > 1, so ill-formed; the
    first call (j = 1) reads the same entry either way, so an edit to one fixed entry fits one call only. The
    diagnosis was none (main); it is now the two indices exchanged, which restores every call."""
    from symbp.run.load import load_derivation
    doc, cache = load_derivation("derivations/abu_mostafa_backprop.py"), NetworkCache()
    claim = next(c for c in doc.claims if c.label.startswith("definition of δ"))
    (fault,) = [f for f in single_faults(claim, doc) if f.family == "index swap"]
    r = check_mutant(doc, claim, fault.family, [fault], make_occurrence_mutant(claim, [fault]), cache, budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)
    assert [(e["kind"], e["from"], e["to"]) for e in r.found] == [("index", "∂e/∂s^(l)_{j,1}", "∂e/∂s^(l)_{1,j}")]   # the page's e and s


def test_an_index_swap_in_a_sum_is_diagnosed_as_the_exchange_in_every_call():
    """w_{kj} read as w_{jk} at one term of the sum over k: diagnosed (a transpose of W, or the exchange)."""
    doc, cache = make_doc(), NetworkCache()

    @doc.claim("entrywise", kind="delta", layer="hidden", latex="")
    def entrywise(n, l, j):
        return n.delta[l][j], sum(n.W[l][k, j] * n.delta[l + 1][k] for k in range(1, n.size(l + 1) + 1)) \
            * n.fp(n.z[l][j])
    claim = doc.claims[-1]
    fault = [f for f in single_faults(claim, doc) if f.family == "index swap"][0]   # the sum's first term
    r = check_mutant(doc, claim, fault.family, [fault], make_occurrence_mutant(claim, [fault]), cache, budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)


def test_a_pair_of_faults_each_unreadable_somewhere_is_diagnosed():
    """δ^(l+1) for δ^(l) and a^(l-2) for a^(l-1) in BP4: unreadable at l = L and at l = 1, so no single edit makes
    it readable and none scores; it was left undiagnosed (main) and is now paired from the two singles that each
    make more of it readable."""
    from symbp.run.load import load_derivation
    doc, cache = load_derivation("examples/four_equations.py"), NetworkCache()
    claim = next(c for c in doc.claims if c.label == "BP4")
    faults = single_faults(claim, doc)
    pair = [next(f for f in faults if f.how == h) for h in ("delta^(l+1) for delta^(l)", "a^(l-2) for a^(l-1)")]
    r = check_mutant(doc, claim, "pair", pair, make_occurrence_mutant(claim, pair), cache, budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)
    assert sorted((e["from"], e["to"]) for e in r.found) == [("a^(l-2)", "a^(l-1)"), ("delta^(l+1)", "delta^(l)")]


def test_a_pair_of_faults_in_one_product_is_diagnosed_by_counting_the_reads_out_of_range():
    """∂C/∂a^(4) and z^(4) for ∂C/∂a^(L) and z^(L) in (6): either fault alone makes the whole product NaN, so only
    the count of reads out of range tells that one edit fixes one of them; undiagnosed (main), now the pair."""
    from symbp.run.load import load_derivation
    doc, cache = load_derivation("derivations/reynoso_backprop.py"), NetworkCache()
    claim = next(c for c in doc.claims if c.label == "(6)")
    faults = single_faults(claim, doc)
    pair = [next(f for f in faults if f.how == h) for h in ("∂C/∂a^(4) for ∂C/∂a^(3)", "z^(4) for z^(3)")]
    r = check_mutant(doc, claim, "pair", pair, make_occurrence_mutant(claim, pair), cache, budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)
    assert sorted((e["from"], e["to"]) for e in r.found) == [("z^(4)", "z^(3)"), ("∂C/∂a^(4)", "∂C/∂a^(3)")]


def _bundled_mutant(path, label, injected):
    """The mutant of a bundled claim with the faults described ``injected`` (as the benchmark names them)."""
    from symbp.run.load import load_derivation
    doc = load_derivation(path)
    claim = next(c for c in doc.claims if c.label == label)
    faults = single_faults(claim, doc)
    # (how, k): the k-th fault so described (a chain's steps may read the same symbol in the same row)
    picked = [[f for f in faults if f.how == h][k] for h, k in (x if isinstance(x, tuple) else (x, 0) for x in injected)]
    return doc, claim, picked, make_occurrence_mutant(claim, picked)


@pytest.mark.parametrize("path, label, injected", [
    # two factors: found from the singles' own values (each undoes one fault), no longer past the work bound
    ("examples/four_equations.py", "BP1", ["f for sigma_prime", "a^(2) for a^(3)"]),
    # z and ∂C/∂a one layer low everywhere: an edit of each counted from L, not from layer 3 of the smallest net
    ("derivations/reynoso_backprop.py", "(3)", ["z^(2) for z^(3)", "∂C/∂a^(2) for ∂C/∂a^(3)"]),
    # W^(l) for W^(l+1) in two cells: "W^(l+1) everywhere", counted from the claim's l
    ("derivations/reynoso_backprop.py", "Aside, ∂z_i^{l+1}/∂z_j^l",
     ["W^(l) for W^(l+1) in row 1, column 2", "W^(l) for W^(l+1) in row 2, column 2"]),
    # one fault shows only where the formula cannot be read (row 2): searched there, not on [3, 4, 1] alone
    ("derivations/reynoso_backprop.py", "Updating output layer biases, matrix form",
     ["b^(4) for b^(3) in row 2", "delta^(2) for delta^(3) in row 1"]),
    # one fault in each step of a chain that cannot be read anywhere: edits that make both steps read and hold
    ("derivations/reynoso_backprop.py", "δ^L, matrix form", [("z^(2) for z^(3) in row 2", 1), "z^(4) for z^(3) in row 1"]),
])
def test_a_pair_that_the_search_used_to_miss_is_diagnosed(path, label, injected):
    doc, claim, faults, mutant = _bundled_mutant(path, label, injected)
    r = check_mutant(doc, claim, "pair", faults, mutant, NetworkCache(), budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)
    assert r.found and len(r.found) <= 2


def test_the_diagnosis_carries_its_edits_not_a_module_global():
    from symbp.judge import diagnose
    assert not hasattr(diagnose, "LAST_EDITS")
    doc, cache = make_doc(), NetworkCache()
    hidden = doc.claims[1]
    fault = pick(hidden, doc, "W^(l+1) for W^(l)")
    r = check_mutant(doc, hidden, fault.family, [fault], make_occurrence_mutant(hidden, [fault]), cache, budget=20)
    assert r.diagnosed


def _bundled_reading(path, label, reading, injected):
    """The mutant of the bundled claim ``label`` read as ``reading`` with the faults described ``injected``."""
    from symbp.run.load import load_derivation
    doc = load_derivation(path)
    claim = next(c for c in doc.claims if c.label == label and c.reading == reading)
    faults = single_faults(claim, doc)
    picked = [[f for f in faults if f.how == h][k] for h, k in (x if isinstance(x, tuple) else (x, 0) for x in injected)]
    return doc, claim, picked, make_occurrence_mutant(claim, picked)


@pytest.mark.parametrize("path, label, reading, injected", [
    # a reading of every h one layer off fixes step 2 and breaks step 1: no diagnosis; the edit at the read is
    ("derivations/ufldl_backprop.py", "proof: output layer, specific k", "as-written",
     ["h^(l+2) for h^(l+1) (the 2nd of 2)"]),
    # the same where the later steps held as written (the reading breaks them)
    ("derivations/martinez_ramon_backprop.py", "unnumbered, before (5)", "intended",
     ["h^(-1) for h^(0) (the 1st of 2)"]),
    # true where it reads: the edit must make every step hold, not the first alone (which already did)
    ("derivations/reynoso_backprop.py", "Computing δ_j^L", "as-written",
     ["∂C/∂a^(3)_{2,j} for ∂C/∂a^(3)_{j,k} in the sum over k"]),
    # a read out of range among many reads (tried first), confirmed over a common denominator (∂C/∂w ÷ ∂C/∂a)
    ("derivations/columns_regression_backprop.py", "⑮", "intended", ["W^(0) for W^(1) (the 1st of 2)"]),
    ("derivations/columns_regression_backprop.py", "⑬ (23)", "as-written",
     ["∂C/∂W^(0) for ∂C/∂W^(1) (the 4th of 4)"]),
    # a fault in each of two sides of a lemma: both searched together
    ("derivations/abu_mostafa_backprop.py", "forward pass (definition of x_j^(l))", "as-written",
     ["s^(l-1) for s^(l)", "a^(l) for a^(l-1) in the sum over i"]),
    # unreadable as written: the pairs of the edits that make it readable first, with more tries once one reads it
    ("derivations/abu_mostafa_backprop.py", "∇e(w)", "as-written", ["W^(l)_{j,i} for W^(l)_{i,j}", "W^(l-1) for W^(l)"]),
    ("derivations/reynoso_backprop.py", "Output layer weights", "as-written",
     ["W^(2) for W^(3) in the sum over i", "delta^(4) for delta^(3)"]),
    ("examples/four_equations.py", "BP2", "as-written", ["z^(l-1) for z^(l)", "w^(3) for w^(3)ᵀ"]),
])
def test_a_mutant_the_search_used_to_miss_is_diagnosed_and_the_claim_still_holds(path, label, reading, injected):
    from symbp.judge.mutate import HOLDS
    from symbp.judge.verify import verify_claim
    doc, claim, faults, mutant = _bundled_reading(path, label, reading, injected)
    cache = NetworkCache()
    r = check_mutant(doc, claim, "pair" if len(faults) > 1 else faults[0].family, faults, mutant, cache, budget=20)
    assert r.killed and r.diagnosed, (r.status, r.diagnosis, r.detail)
    assert r.found is None or len(r.found) <= len(faults), r.found     # None: a whole-formula reading restores it
    right = verify_claim(claim, doc.for_claim(claim), cache=cache, budget=20)   # the right formula: no edit
    assert right.status in HOLDS and not (right.diagnosis or {}).get("edits"), right.status
