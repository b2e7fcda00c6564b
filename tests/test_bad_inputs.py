"""The bad-input corpus (tests/bad_inputs/cases.toml): every case gives its one-line error, never a traceback.

Each case runs ``symbp check --format json <args> good.py`` in this process: the exit code is the pinned one,
the entry that carries the error (the claim, or for a file that cannot be loaded ("(load)" in the corpus) the
derivation's own ``error`` field, with no pseudo-claim) has the pinned
status and names the file, the claim and the cause, nothing prints "Traceback", and good.py, checked in the
same run, is still reported as proven.
"""

import json
import os
import sys
import time
import tomllib
from pathlib import Path

import pytest

from symbp.cli.main import main

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]


def test_the_corpus_is_large_and_every_file_is_used():
    assert len(CASES) >= 30
    used = {a for c in CASES for a in c["args"]}
    files = {p.name for p in HERE.iterdir() if p.suffix in (".py", ".toml", ".txt")}
    unused = files - used - {"good.py", "conftest.py", "cyclic_b.py"}
    assert not unused, f"files of the corpus that no case runs: {sorted(unused)}"


@pytest.fixture
def in_corpus(monkeypatch):
    """Run from the corpus folder, and leave sys.path / sys.modules as they were (cyclic_a.py changes both)."""
    monkeypatch.chdir(HERE)
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith(("cyclic_", "symbp_derivation_")):
            del sys.modules[name]


def _run(args, capfd):
    try:
        code = main(["check", *args])
    except SystemExit as e:   # argparse: usage errors
        code = e.code
    out, err = capfd.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_gives_its_one_line_error(case, in_corpus, capfd):
    usage = "claim" not in case
    args = ["--format", "json", *case["args"]] + ([] if usage else ["good.py"])
    code, out, err = _run(args, capfd)
    assert "Traceback" not in out + err
    assert code == case["exit"], (code, out[-800:], err)
    if usage:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("symbp: error:") and case["error"] in lines[0], err
        return
    report = json.loads(out)
    entries = {d["name"]: d["equations"] for d in report["derivations"]}
    assert [e["status"] for e in entries.pop("good")] in (["proven"], ["proven for all depths"])
    if case["claim"] == "(load)":   # a file that cannot be loaded: its derivation entry carries the error
        errors = [d["error"] for d in report["derivations"] if "error" in d]
        assert len(errors) == 1 and not any(entries[d["name"]] for d in report["derivations"] if "error" in d), report
        assert report["summary"]["error"] == 1 and case["status"] == "error", report["summary"]
        assert report["summary"]["equations"] == 1, report["summary"]   # good.py's, no pseudo-claim
        assert case["error"] in errors[0] and "\n" not in errors[0], errors
        assert code == 2 and case["error"] in err and err.count("symbp: error:") == 1, err
        return
    found = [e for eqs in entries.values() for e in eqs if e["label"] == case["claim"]]
    assert len(found) == 1, entries
    e = found[0]
    detail = (e["diagnosis"] or {}).get("detail") or ""
    if e["status"] == "confirmed":   # a verdict that holds: the reason is in the table's line of the claim
        _, table, _ = _run([*case["args"]], capfd)
        detail = next(line for line in table.splitlines() if case["claim"] in line)
    assert e["status"] == case["status"], (e["status"], detail)
    assert case["error"] in detail, detail
    assert "\n" not in detail
    if case["claim"] != "(load)":
        assert f"claim {case['claim']!r}" in detail or e["status"] == "confirmed"
    if code == 2:   # a file that cannot be loaded is named on stderr too, in one line
        assert case["error"] in err and err.count("symbp: error:") == 1


def test_a_claim_designed_to_blow_up_the_cas_finishes_within_its_budget(in_corpus, capfd):
    """Guard, not a speed test: the exact check is not attempted (a bound on work), the residual is evaluated."""
    budget = 10.0
    t0 = time.monotonic()
    code, out, err = _run(["--budget", str(budget), "blow_up.py"], capfd)
    elapsed = time.monotonic() - t0
    assert code == 0 and "confirmed (exact check not attempted on 5 instance(s): expanding would make more" in out, out
    assert elapsed < budget + 60, f"took {elapsed:.0f}s"


def test_a_failing_blow_up_is_diagnosed_within_the_budgets(tmp_path, in_corpus, capfd):
    """The diagnosis of a failure expands the residual in a child with a budget too (it once took minutes)."""
    text = (HERE / "blow_up.py").read_text().replace("2 * u * v + v ** 2) ** 10",
                                                      "2 * u * v + v ** 2) ** 10 + (u + v) ** 19")
    bad = tmp_path / "blow_up_wrong.py"
    bad.write_text(text)
    t0 = time.monotonic()
    code, out, err = _run(["--budget", "1", str(bad)], capfd)
    elapsed = time.monotonic() - t0
    assert code == 1 and "fails [unknown]" in out and "Traceback" not in out + err, out
    assert "too large to expand within 5s" in out
    assert elapsed < 1 + 90, f"took {elapsed:.0f}s"


def test_no_file_of_the_corpus_is_run_by_collection():
    assert (HERE / "conftest.py").exists() and os.path.exists(HERE / "cyclic_b.py")
