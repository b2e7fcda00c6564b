"""Budgets cover everything a run does: importing a derivation and running a claim's function (issue 16, item 3).

A derivation that sleeps or loops at import, a FIFO or a device named ``*.py``, a claim whose function sleeps
or loops: each ends within its budget with one line naming the file and the claim, and the other claims and
derivations are still judged. No test here depends on the machine's speed beyond "a sleep of 1000 s ends
within a budget of 1 s" (the bounds below are generous).
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from symbp.run.load import LoadError, load_derivation

ROOT = Path(__file__).resolve().parents[1]

GOOD = '''
from symbp import Derivation, Notation
doc = Derivation("{name}", "A page", source="test", notation=Notation(first_layer=1),
                 spec={{"activation": "f", "cost": "half_sse", "average": "none"}}, sweep=(((2, 3, 2), 1),))
{before}
@doc.claim("BP1", kind="delta", layer="output", latex="")
def bp1(n, j):
    return n.delta[n.L][j], (n.a[n.L][j] - n.y[j]) * n.fp(n.z[n.L][j])
'''

SLOW_CLAIM = '''
@doc.claim("slow", kind="delta", layer="output", latex="")
def slow(n, j):
    {body}
    return n.delta[n.L][j], (n.a[n.L][j] - n.y[j]) * n.fp(n.z[n.L][j])
'''

#: Generous bound on a run whose one slow part has a 1-second budget (the rest is a tiny derivation).
QUICK = 120


def write(folder, name, before="", after=""):
    path = Path(folder) / f"{name}.py"
    path.write_text(GOOD.format(name=name, before=textwrap.dedent(before)) + textwrap.dedent(after))
    return path


def symbp(*args, timeout=QUICK + 60):
    t0 = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "symbp", *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT, timeout=timeout)
    return p, time.monotonic() - t0


# -- importing ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["import time\ntime.sleep(1000)", "while True:\n    pass"], ids=["sleeps", "loops"])
def test_an_import_that_does_not_end_is_a_load_error_within_the_budget(tmp_path, body):
    write(tmp_path, "slow_import", before=body)
    write(tmp_path, "fine")
    p, took = symbp("check", tmp_path, "--budget", "1", "--format", "json")
    assert took < QUICK
    assert "slow_import.py: importing did not finish within 1 s" in p.stderr
    data = json.loads(p.stdout)
    fine = [d for d in data["derivations"] if d["name"] == "fine"][0]
    assert [e["status"] for e in fine["equations"]] == ["proven for all depths"] or \
        [e["status"] for e in fine["equations"]] == ["proven"]
    assert p.returncode != 0


def test_the_api_gives_an_import_its_limit(tmp_path):
    path = write(tmp_path, "sleepy", before="import time\ntime.sleep(1000)")
    t0 = time.monotonic()
    with pytest.raises(LoadError, match=r"^sleepy\.py: importing did not finish within 0\.5 s"):
        load_derivation(path, 0.5)
    assert time.monotonic() - t0 < QUICK


@pytest.mark.parametrize("command", [["prove"], ["mutate"]])
def test_prove_and_mutate_give_an_import_the_budget(tmp_path, command):
    path = write(tmp_path, "sleepy", before="import time\ntime.sleep(1000)")
    p, took = symbp(*command, path, "--budget", "1")
    assert took < QUICK
    assert p.returncode == 2
    assert p.stderr.strip() == "symbp: error: sleepy.py: importing did not finish within 1 s (the time limit, --budget)"


def test_a_fifo_named_py_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    write(tmp_path, "fine")
    p, took = symbp("check", tmp_path, "--budget", "5", "--format", "json", timeout=QUICK)
    assert "pipe.py: a FIFO, not a regular file" in p.stderr
    fine = [d for d in json.loads(p.stdout)["derivations"] if d["name"] == "fine"][0]
    assert fine["equations"][0]["status"].startswith("proven")


@pytest.mark.parametrize("command", [["check"], ["prove"], ["mutate"]])
def test_a_device_named_py_is_not_opened(tmp_path, command):
    (tmp_path / "zero.py").symlink_to("/dev/zero")   # reading it would never end
    p, took = symbp(*command, tmp_path / "zero.py", timeout=QUICK)
    assert p.returncode == 2
    assert "zero.py: a character device, not a regular file" in p.stderr


def test_a_fifo_named_toml_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    with pytest.raises(LoadError, match=r"^pipe\.toml: a FIFO, not a regular file$"):
        load_derivation(tmp_path / "pipe.toml")


# -- a claim's function ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["import time; time.sleep(1000)", "while True: pass"], ids=["sleeps", "loops"])
def test_a_claim_function_that_does_not_end_is_undecided_and_the_others_are_judged(tmp_path, body):
    path = write(tmp_path, "page", after=SLOW_CLAIM.format(body=body))
    p, took = symbp("check", path, "--budget", "1", "--format", "json")
    assert took < QUICK
    eqs = {e["label"]: e for e in json.loads(p.stdout)["derivations"][0]["equations"]}
    assert eqs["BP1"]["status"].startswith("proven")          # the right one is not rejected
    assert eqs["slow"]["status"] == "undecided"                 # and never passes
    assert "the claim's function (building its sides) did not finish within 1s" in eqs["slow"]["diagnosis"]["detail"]
    assert p.returncode == 1


def test_a_claim_function_that_sleeps_does_not_hang_mutate_or_prove(tmp_path):
    path = write(tmp_path, "page", after=SLOW_CLAIM.format(body="import time; time.sleep(1000)"))
    p, took = symbp("mutate", path, "--budget", "1", "--claim", "slow", "--fault", "sign")
    assert took < QUICK and p.returncode in (0, 1), p.stderr
    p, took = symbp("prove", path, "--budget", "1", "--claim", "slow")
    assert took < QUICK and p.returncode == 1, p.stderr
    assert "undecided" in p.stdout


def test_a_fast_claim_function_is_not_limited(tmp_path):
    path = write(tmp_path, "page", after=SLOW_CLAIM.format(body="sum(range(10 ** 5))"))
    p, _ = symbp("check", path, "--budget", "5", "--format", "json")
    eqs = {e["label"]: e for e in json.loads(p.stdout)["derivations"][0]["equations"]}
    assert eqs["slow"]["status"].startswith("proven"), eqs["slow"]


# -- what no timer in the child can stop: a loop in C code ----------------------------------------------------
C_LOOP = "import itertools; sum(itertools.repeat(1))"   # never checks for signals


def test_a_claim_looping_in_c_code_is_killed_by_the_hard_limit(tmp_path, monkeypatch):
    from symbp.run import runner
    monkeypatch.setattr(runner, "CLAIM_LIMIT_FACTOR", 0)
    monkeypatch.setattr(runner, "CLAIM_LIMIT_EXTRA", 3.0)
    path = write(tmp_path, "page", after=SLOW_CLAIM.format(body=C_LOOP))
    t0 = time.monotonic()
    report = runner.check(str(path), budget=1)
    assert time.monotonic() - t0 < QUICK
    eqs = {e.label: e for e in report.derivations[0].equations}
    assert eqs["BP1"].status.startswith("proven")
    assert eqs["slow"].status == "undecided"
    assert "claim 'slow': time limit: checking the claim did not finish within 3s" in eqs["slow"].message
    assert report.exit_code == 1


@pytest.mark.parametrize("command", [["check"], ["prove"], ["mutate"]])
def test_an_import_looping_in_c_code_is_stopped(tmp_path, command):
    path = write(tmp_path, "cloop", before=C_LOOP)
    p, took = symbp(*command, path, "--budget", "1")
    assert took < QUICK
    assert "cloop.py: importing did not finish within 1 s (the time limit, --budget)" in p.stderr
    assert p.returncode == 2


def test_ctrl_c_while_the_command_is_importing_is_one_line_not_a_traceback(monkeypatch, capsys):
    """SIGINT while the command is still importing its modules (seconds on a loaded machine): exit 130, one line."""
    from symbp.cli import main as cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["check"]) == 130
    assert capsys.readouterr().err == "symbp: interrupted\n"
