"""The command line follows conventions: bounded options are usage errors (one line, exit 2), not errors per claim;
``--claim`` picks by label, glob or part and a pattern that picks nothing is a usage error; every command takes a
bundled derivation by name; an unwritable ``-o`` fails before the run; Ctrl-C ends with the partial report."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symbp.claims.derivation import ClaimError, select_labels
from symbp.cli.main import main
from symbp.run.load import resolve

ROOT = Path(__file__).resolve().parent.parent

TWO = '''
from symbp import Derivation, Notation
doc = Derivation("two", "Two", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"})
@doc.claim("BP1", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
@doc.claim("BP1 (wrong sign)", kind="delta", layer="output", latex="", expect="fails")
def wrong(n, i):
    return n.delta[n.L][i], (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])
'''


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def usage(argv, capsys):
    """(exit code, stderr lines) of a run expected to stop at a usage error."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, err


@pytest.mark.parametrize("argv, message", [
    (["check", "--budget", "1e300"], "at most 3600"),
    (["check", "--budget", "nan"], "> 0"),
    (["check", "--seed", "-5"], "from 0 to"),
    (["check", "--seed", str(2 ** 32)], "from 0 to"),
    (["check", "--points", "0"], "from 1 to"),
    (["check", "--points", "100000000"], "from 1 to"),
    (["check", "--jobs", "0"], "from 1 to"),
    (["check", "--jobs", "100000"], "from 1 to"),
    (["check", "--arch", "100,100,100"], "too large to build symbolically"),
    (["check", "--arch", "2,3,1:1000"], "too large to build symbolically"),
    (["check", "--arch", ",".join(["2"] * 30)], "too large to build symbolically"),
    (["mutate", "x.py", "--budget", "-1"], "> 0"),
    (["prove", "x.py", "--budget", "1e300"], "at most 3600"),
    (["train", "--lr", "-1"], "learning rate > 0"),
    (["train", "--lr", "inf"], "learning rate > 0"),
    (["train", "--activation", "f"], "invalid choice"),
    (["train", "--momentum", "1"], "below 1"),
    (["train", "--epochs", "0"], ">= 1"),
    (["train", "--weight-decay", "-0.1"], ">= 0"),
    (["check", "-o", "/no/such/folder/report.json"], "cannot write"),
    (["prove", "x.py", "-o", "/no/such/folder/proof.md"], "cannot write"),
])
def test_out_of_range_options_are_one_line_usage_errors(argv, message, capsys):
    code, err = usage(argv, capsys)
    assert code == 2 and len(err) == 1 and err[0].startswith("symbp: error:") and message in err[0], err


def test_rule_options_without_a_rule_are_usage_errors(capsys):
    for argv in (["train", "--rule-claim", "(3)"], ["train", "--reading", "intended"]):
        code, err = usage(argv, capsys)
        assert code == 2 and len(err) == 1 and "needs --rule" in err[0], err


def test_an_unwritable_output_fails_before_the_run(tmp_path, capsys):
    good = write(tmp_path, "two.py", TWO)
    t0 = time.monotonic()
    code, err = usage(["check", str(good), "-o", str(tmp_path / "missing" / "r.txt")], capsys)
    assert code == 2 and "cannot write" in err[0]
    assert time.monotonic() - t0 < 5   # guard: the check did not run first (it takes longer than this)
    fresh = tmp_path / "new.txt"
    assert main(["check", str(good), "-o", str(fresh)]) == 0 and "BP1" in fresh.read_text()


def test_select_labels_by_label_glob_and_part():
    labels = ["BP1", "BP1 (wrong sign)", "BP2", "(3)"]
    assert select_labels(labels, ["BP1"]) == (["BP1"], [])
    assert select_labels(labels, ["BP?"]) == (["BP1", "BP2"], [])
    assert select_labels(labels, ["wrong"]) == (["BP1 (wrong sign)"], [])
    assert select_labels(labels, ["(3)", "(9)"]) == (["(3)"], ["(9)"])
    assert select_labels(labels, None) == (labels, [])


def test_claim_picks_by_glob_or_part_and_no_match_is_a_usage_error(tmp_path, capsys):
    good = write(tmp_path, "two.py", TWO)
    assert main(["check", "--format", "json", str(good), "--claim", "wrong"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [e["label"] for e in report["derivations"][0]["equations"]] == ["BP1 (wrong sign)"]
    assert main(["check", "--format", "json", str(good), "--claim", "BP*"]) == 0
    assert len(json.loads(capsys.readouterr().out)["derivations"][0]["equations"]) == 2
    code, err = usage(["check", str(good), "--claim", "BP9"], capsys)
    assert code == 2 and err == ["symbp: error: --claim 'BP9' matches no claim (labels: 'BP1', 'BP1 (wrong sign)')"]
    code, err = usage(["mutate", str(good), "--claim", "BP9"], capsys)
    assert code == 2 and len(err) == 1 and "'BP9' matches no claim" in err[0] and "'BP1'" in err[0], err
    code, err = usage(["prove", str(good), "--claim", "BP9"], capsys)
    assert code == 2 and len(err) == 1 and "'BP9' matches no claim" in err[0], err


def test_bundled_derivations_by_name_in_every_command(capsys):
    assert [Path(p).name for p in resolve(["ufldl_backprop", "reynoso_backprop"])] == \
        ["ufldl_backprop.py", "reynoso_backprop.py"]
    code = main(["prove", "reynoso_backprop", "abu_mostafa_backprop", "--claim", "(1), biases"])
    out = capsys.readouterr().out
    assert code == 0 and "(1), biases" in out, out[-500:]
    code = main(["check", "reynoso_backprop", "--claim", "(1), biases", "--numeric-only"])
    assert code == 0 and "(1), biases" in capsys.readouterr().out


def test_a_bad_spec_value_is_bad_input_not_three_errors(tmp_path, capsys):
    bad = write(tmp_path, "bad_spec.py", TWO.replace('{"activation": "f"}', '{"activation": "f", "weight_decay": "lambda"}')
                .replace('"two"', '"bad_spec"'))
    good = write(tmp_path, "two.py", TWO)
    code = main(["check", "--format", "json", str(bad), str(good)])
    cap = capsys.readouterr()
    report = json.loads(cap.out)
    by = {d["name"]: d for d in report["derivations"]}
    assert code == 2
    assert by["bad_spec"]["equations"] == [] and "weight_decay" in by["bad_spec"]["error"]
    assert "spec" in by["bad_spec"]["error"] and [e["status"] for e in by["two"]["equations"]][0].startswith("proven")
    assert cap.err.count("symbp: error:") == 1 and "bad_spec.py" in cap.err
    with pytest.raises(ClaimError, match="claim 'x': spec: cost"):
        from symbp import Derivation, Notation
        doc = Derivation("d", "D", "-", Notation())
        doc.claim("x", "delta", "", layer="output", spec={"cost": "no_such_cost"})(lambda n, i: (n.delta[n.L][i], 0))


def test_a_load_error_is_its_own_json_entry_not_a_pseudo_claim(tmp_path, capsys):
    bad = write(tmp_path, "broken.py", "def broken(:\n")
    code = main(["check", "--format", "json", str(bad)])
    report = json.loads(capsys.readouterr().out)
    d = report["derivations"][0]
    assert code == 2 and d["equations"] == [] and "syntax error" in d["error"]
    assert report["summary"]["equations"] == 0 and report["summary"]["error"] == 1


def test_a_toml_power_tower_is_bounded_in_its_base(tmp_path, capsys):
    toml = write(tmp_path, "tower.toml", '''name = "tower"
title = "Tower"
source = "-"
[spec]
activation = "f"
[[claim]]
label = "(1)"
kind = "delta"
layer = "output"
args = ["i"]
sides = ["delta[L][i]", "dC_da[L][i] * fp(z[L][i]) + 0 * ((((((2^64)^64)^64)^64)^64)^64)"]
''')
    t0 = time.monotonic()
    main(["check", "--format", "json", "--budget", "5", str(toml)])
    e = json.loads(capsys.readouterr().out)["derivations"][0]["equations"][0]
    assert e["status"] == "ill-formed" and "digits" in (e["diagnosis"] or {}).get("detail", "") + str(e), e
    assert time.monotonic() - t0 < 120   # guard: it once ran for minutes


def test_ctrl_c_ends_with_the_partial_report_and_one_line(tmp_path):
    """SIGINT to the running command: exit 130, no traceback, one line on stderr, the verdicts so far on stdout."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "symbp", "check", "derivations", "-v"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stderr.readline()   # -v: the first claim has started (however long importing took on this machine)
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    err = first + err
    assert p.returncode == 130, (p.returncode, err[-2000:])
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("symbp: interrupted"), err[-2000:]
    assert re.search(r"\b\d+ equations?:", out)   # the partial report's total line (1 equation: …, 2 equations: …)


def test_fault_names_without_spaces_or_quotes(capsys):
    from symbp.cli.mutate import fault_name
    assert fault_name("f-for-fp") == "f for f'" and fault_name("factor-1/m") == "factor 1/m"
    assert fault_name("factor 1/K") == "factor 1/K" and fault_name("Weight-Decay") == "weight decay"
    code, err = usage(["mutate", "x.py", "--fault", "f for f"], capsys)
    assert code == 2 and len(err) == 1 and "unknown fault" in err[0] and "f-for-fp" in err[0]


def test_the_lazy_subcommand_table_matches_each_modules_own_help():
    """``symbp --help`` lists the subcommands from a table without importing them: it must say what they say."""
    import argparse
    from symbp.cli.main import SUBCOMMANDS, build_parser
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {c.dest: c.help for c in sub._choices_actions} == SUBCOMMANDS


def test_check_does_not_import_the_other_subcommands():
    """``symbp check`` does not load the CAS before it needs it (mutate's fault table imported sympy: 1.9 s)."""
    import subprocess
    import sys
    code = ("import sys; from symbp.cli.main import main\n"
            "try:\n    main(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sympy', 'symengine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
