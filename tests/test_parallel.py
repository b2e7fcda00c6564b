"""Parallel checking: one claim of one derivation is the unit of work; the report is the same whatever --jobs is.

A wrong claim stays wrong and a right one right when claims are shared out; a claim that ends its worker costs
that claim alone, even when another worker is judging the same derivation.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from symbp.run.runner import check

HEADER = '''
import os, sys
from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
doc = Derivation("{name}", "{name}", "-", Notation(), {{"activation": "f"}})
'''
RIGHT = '''
@doc.claim("{label}", kind="delta", layer="output", latex="")
def c{n}(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
'''
WRONG = '''
@doc.claim("{label}", kind="delta", layer="output", latex="")
def c{n}(n, i):
    return n.delta[n.L][i], (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])
'''
BODY = '''
@doc.claim("{label}", kind="delta", layer="output", latex="")
def c{n}(n, i):
    {body}
'''
SMALL = ["--arch", "2,2:2", "--arch", "2,3,1:2", "--points", "3"]


def write(tmp_path, name, *parts):
    """A derivation module of ``parts``: "right" / "wrong" / a line of code that is a claim's body."""
    text = HEADER.format(name=name)
    for k, part in enumerate(parts):
        template = {"right": RIGHT, "wrong": WRONG}.get(part, BODY)
        text += template.format(label=f"({k + 1})", n=k, body=part)
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def cli(*args):
    """``python -m symbp check --format json --no-cache ...``: (exit code, JSON text, stderr)."""
    p = subprocess.run([sys.executable, "-m", "symbp", "check", "--format", "json", "--no-cache", *map(str, args)],
                       capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def statuses(text):
    return [(e["label"], e["status"]) for d in json.loads(text)["derivations"] for e in d["equations"]]


def test_jobs_share_out_one_derivation_and_keep_its_order(tmp_path):
    path = write(tmp_path, "mixed", "right", "wrong", "right", "wrong", "right")
    one = check(str(path), jobs=1, sweep=[((2, 2), 2), ((2, 3, 1), 2)], points=3)
    two = check(str(path), jobs=2, sweep=[((2, 2), 2), ((2, 3, 1), 2)], points=3)
    assert one.to_json() == two.to_json()
    got = [(e.label, e.status in ("proven", "proven for all depths", "confirmed")) for e in
           two.derivations[0].equations]
    assert got == [("(1)", True), ("(2)", False), ("(3)", True), ("(4)", False), ("(5)", True)]


def test_a_claim_that_ends_its_worker_costs_that_claim_alone(tmp_path):
    path = write(tmp_path, "crash", "right", "os._exit(7)", "right", "sys.exit(0)", "wrong", "os.kill(os.getpid(), 9)",
                 "right")
    for jobs in (1, 2):
        report = check(str(path), jobs=jobs, sweep=[((2, 2), 2)], points=3)
        eqs = report.derivations[0].equations
        assert [e.label for e in eqs] == [f"({k})" for k in range(1, 8)], jobs
        assert [e.status for e in eqs][1] == "error" and "exit status 7" in eqs[1].message
        assert eqs[3].status == "error" and "SystemExit(0)" in eqs[3].message
        assert eqs[5].status == "error" and "SIGKILL" in eqs[5].message
        assert eqs[4].status == "fails"
        assert all(eqs[k].status in ("proven", "proven for all depths") for k in (0, 2, 6)), jobs
        assert report.exit_code == 1


def test_jobs_2_over_several_files_gives_the_same_report(tmp_path):
    a = write(tmp_path, "a", "right", "wrong")
    b = write(tmp_path, "b", "wrong", "right", "right")
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nos._exit(3)\n", encoding="utf-8")
    rc1, out1, _ = cli(a, bad, b, "--jobs", "1", *SMALL)
    rc2, out2, _ = cli(a, bad, b, "--jobs", "2", *SMALL)
    assert (rc1, out1) == (rc2, out2)
    assert rc1 == 2   # bad input: a file that ends the process when imported
    assert [(label, status.startswith("proven")) for label, status in statuses(out1)] == \
        [("(1)", True), ("(2)", False), ("(1)", False), ("(2)", True), ("(3)", True)]
    names = [d["name"] for d in json.loads(out1)["derivations"]]
    assert names == ["a", "bad", "b"]


def test_claim_selection_with_jobs(tmp_path):
    path = write(tmp_path, "pick", "right", "wrong", "right")
    report = check(str(path), jobs=2, sweep=[((2, 2), 2)], points=3, only=["(2)"])
    assert [(e.label, e.status) for e in report.derivations[0].equations] == [("(2)", "fails")]


@pytest.mark.skipif(not os.path.isdir(os.path.join(os.path.dirname(__file__), "..", "derivations")),
                    reason="needs the repository's derivations/")
def test_a_bundled_derivation_gives_byte_identical_json_with_jobs_1_and_2():
    rc1, out1, err1 = cli("abu_mostafa_backprop", "--jobs", "1")
    rc2, out2, err2 = cli("abu_mostafa_backprop", "--jobs", "2")
    assert rc1 == 0, err1
    assert (rc1, out1) == (rc2, out2)
    assert len(json.loads(out1)["derivations"][0]["equations"]) >= 5


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_worker_holds_no_copy_of_another_workers_pipes(tmp_path):
    """A later worker keeping an earlier one's command pipe open would hide its EOF: it would never end."""
    import time

    from symbp.run.runner import Run
    a, b = write(tmp_path, "pa", "right"), write(tmp_path, "pb", "right")
    run = Run([str(a), str(b)], {"sweep": [((2, 2), 2)], "points": 3}, 2, None, {})
    run.spawn()
    try:
        first, second = sorted(run.workers.values(), key=lambda w: w.k)
        pipes = {os.readlink(f"/proc/self/fd/{fd}") for fd in (first.fd, first.commands)}
        deadline = time.monotonic() + 60
        while True:
            held = set()
            for fd in os.listdir(f"/proc/{second.pid}/fd"):
                try:
                    held.add(os.readlink(f"/proc/{second.pid}/fd/{fd}"))
                except OSError:
                    pass
            if not held & pipes or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert not held & pipes
    finally:
        run.stop()
