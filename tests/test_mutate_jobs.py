"""``symbp mutate --jobs N`` (symbp.run.campaign): the same report as one process, one claim per worker task.

A wrong claim is not mutated there either; a claim whose code ends its process stops the run with one line
naming the claim (never a hang, never a report that leaves it out).
"""

import json

import pytest

from symbp.cli.main import main
from symbp.judge.budget import time_limit
from symbp.judge.evaluate import NetworkCache
from symbp.judge.mutate import false_alarms, holding_claims, mutate, random_archs
from symbp.judge.timings import TIMINGS
from symbp.run.campaign import CampaignError, run_campaign
from symbp.run.load import load_derivation

from test_cluster import MUTATE, mutate_json, small
from test_parallel import write

FAULTS = ["sign", "factor 2", "f for f'"]


@pytest.fixture(autouse=True)
def bounded():
    """A test that has not ended within 300 s fails instead of hanging the suite."""
    with time_limit(300):
        yield


def sequential(docs, archs):
    """What one process gives: per derivation one cache, its holding claims, their mutants, their alarms."""
    held, results, checked, alarms = [], [], 0, []
    for doc in docs:
        cache = NetworkCache()
        claims = holding_claims(doc, cache=cache)
        held.append(claims)
        results += mutate(doc, claims=claims, cache=cache, faults=FAULTS)
        n, found = false_alarms(doc, claims, archs, cache=cache)
        checked, alarms = checked + n, alarms + [(doc.name, *a) for a in found]
    return held, [r.to_dict() for r in results], checked, alarms


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_campaign_gives_what_one_process_gives(tmp_path, jobs):
    docs = [load_derivation(small(write(tmp_path, "ca", "right", "wrong", "right"))),
            load_derivation(small(write(tmp_path, "cb", "wrong", "right")))]
    archs = random_archs(2)
    held, results, checked, alarms = run_campaign(docs, jobs=jobs, faults=FAULTS, archs=archs)
    assert (held, [r.to_dict() for r in results], checked, alarms) == sequential(docs, archs)
    assert [[c.label for c in h] for h in held] == [["(1)", "(3)"], ["(2)"]]
    assert [(r.claim, r.fault) for r in results] == [(c, f) for c in ("(1)", "(3)", "(2)") for f in FAULTS]
    assert all(r.killed for r in results) and checked == 3 and alarms == []


def test_the_workers_time_is_counted_here(tmp_path):
    docs = [load_derivation(small(write(tmp_path, "ct", "right", "right")))]
    TIMINGS.reset()
    run_campaign(docs, jobs=2, faults=["sign"])
    assert sum(TIMINGS.seconds.values()) > 0


def test_mutate_with_jobs_gives_the_json_of_one_process(tmp_path, capsys):
    a = small(write(tmp_path, "ma", "right", "wrong", "right"))
    b = small(write(tmp_path, "mb", "right"))
    one = mutate_json(capsys, a, b, *MUTATE)
    two = mutate_json(capsys, a, b, *MUTATE, "--jobs", "2")
    assert two == one and two[0] == 0
    data = json.loads(two[1])
    assert [(m["claim"], m["fault"]) for m in data["mutants"]] == \
        [(c, f) for c in ("(1)", "(3)", "(1)") for f in FAULTS]
    assert data["false_alarms"]["checked"] == 3


def test_mutate_with_jobs_mutates_only_the_picked_claims_that_hold(tmp_path, capsys):
    a = small(write(tmp_path, "mc", "right", "wrong", "right"))
    assert mutate_json(capsys, a, *MUTATE, "--claim", "(2)", "--jobs", "2") == mutate_json(capsys, a, *MUTATE,
                                                                                            "--claim", "(2)")
    data = json.loads(mutate_json(capsys, a, *MUTATE, "--claim", "(3)", "--jobs", "2")[1])
    assert {m["claim"] for m in data["mutants"]} == {"(3)"}


@pytest.mark.parametrize("body, why", [("raise SystemExit(3)", "SystemExit(3)"),
                                       ("os._exit(5)", "no result: its worker process was killed")])
def test_a_claim_that_ends_its_process_stops_the_run_with_one_line(tmp_path, capsys, body, why):
    a = small(write(tmp_path, "mf", "right", body))
    code, out, err = mutate_json(capsys, a, *MUTATE, "--jobs", "2")
    assert (code, out) == (2, "")
    assert err.startswith("symbp: error: mf: claim '(2)'") and why in err and len(err.splitlines()) == 1, err


def test_a_campaign_error_is_raised_not_swallowed(tmp_path):
    docs = [load_derivation(small(write(tmp_path, "mg", "raise SystemExit(4)")))]
    with pytest.raises(CampaignError, match=r"claim '\(1\)': SystemExit\(4\)"):
        run_campaign(docs, jobs=2, faults=["sign"])
