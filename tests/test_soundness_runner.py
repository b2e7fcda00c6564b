"""Soundness of the runner: a run that checks nothing never exits 0, floats never cancel in an exact check.

Each test pairs a wrong formula that must not hold with, where it applies, a right one that must not be rejected.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
from symbp.run.load import LoadError, load_derivation
from symbp.run.runner import check, check_derivation
from symbp.model.arch import parse_arch
from symbp.model.spec import NetworkSpec, SpecError

HOLDS = ("proven", "proven for all depths", "confirmed")
PROVEN = ("proven", "proven for all depths")

HEADER = '''
import os, sys
from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
doc = Derivation("{name}", "{name}", "-", Notation(), {{"activation": "f"}})
'''
RIGHT = '''
@doc.claim("{label}", kind="delta", layer="output", latex="")
def right_{n}(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
'''
BODY = '''
@doc.claim("{label}", kind="delta", layer="output", latex="")
def body_{n}(n, i):
    {body}
'''


def module(tmp_path, name, *parts, tail=""):
    """Write a derivation module of ``parts`` (("right", label) or ("body", label, code)) and return its path."""
    text = HEADER.format(name=name)
    for k, part in enumerate(parts):
        if part[0] == "right":
            text += RIGHT.format(label=part[1], n=k)
        else:
            text += BODY.format(label=part[1], n=k, body=part[2])
    path = tmp_path / f"{name}.py"
    path.write_text(text + textwrap.dedent(tail), encoding="utf-8")
    return path


def run_cli(*args, cwd=None):
    """``python -m symbp check --format json ...``: (exit code, report dict or None, stderr)."""
    p = subprocess.run([sys.executable, "-m", "symbp", "check", "--format", "json", *map(str, args)],
                       capture_output=True, text=True, timeout=300, cwd=cwd)
    try:
        report = json.loads(p.stdout)
    except ValueError:
        report = None
    return p.returncode, report, p.stderr


def statuses(report):
    return {(d["name"], e["label"]): e["status"] for d in report["derivations"] for e in d["equations"]}


# -- route 8: nothing a derivation does ends the run as a pass ----------------------------------------
def test_sys_exit_at_import_is_a_load_error_and_the_other_file_is_still_checked(tmp_path):
    bad = module(tmp_path, "script_like", ("right", "(1)"), tail="sys.exit(0)\n")
    good = module(tmp_path, "good", ("right", "(1)"))
    code, report, err = run_cli(bad, good)
    assert code == 2
    st = statuses(report)
    assert st[("good", "(1)")] in PROVEN
    assert ["SystemExit(0)" in d.get("error", "") for d in report["derivations"] if d["name"] == "script_like"] == [True]
    assert not [e for d in report["derivations"] if d["name"] == "script_like" for e in d["equations"]]
    assert "script_like.py:" in err and "SystemExit(0)" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_os_exit_at_import_is_a_load_error_naming_the_file_and_status(tmp_path, jobs):
    bad = module(tmp_path, "hard_exit", ("right", "(1)"), tail="os._exit(0)\n")
    good = module(tmp_path, "good", ("right", "(1)"))
    code, report, err = run_cli("--jobs", jobs, bad, good)
    assert code == 2
    assert statuses(report)[("good", "(1)")] in PROVEN
    assert "hard_exit.py: importing ended the process (exit status 0)" in err


def test_a_claim_raising_system_exit_is_an_error_and_the_next_claims_are_checked(tmp_path):
    path = module(tmp_path, "claims", ("right", "(1)"), ("body", "(2)", "raise SystemExit(0)"), ("right", "(3)"))
    code, report, _ = run_cli(path)
    assert code == 1
    st = statuses(report)
    assert st[("claims", "(2)")] == "error" and st[("claims", "(1)")] in PROVEN and st[("claims", "(3)")] in PROVEN


@pytest.mark.parametrize("body, how", [("os._exit(0)", "exit status 0"),
                                       ("os.kill(os.getpid(), 9)", "killed by SIGKILL")])
def test_a_claim_that_ends_its_process_is_an_error_naming_claim_and_status(tmp_path, body, how):
    path = module(tmp_path, "dies", ("right", "(1)"), ("body", "(2)", body), ("right", "(3)"))
    other = module(tmp_path, "other", ("right", "(1)"))
    code, report, _ = run_cli(path, other)
    assert code == 1
    st = statuses(report)
    assert st[("dies", "(2)")] == "error" and st[("dies", "(3)")] in PROVEN and st[("other", "(1)")] in PROVEN
    msg = next(e for d in report["derivations"] for e in d["equations"] if e["label"] == "(2)")["diagnosis"]["detail"]
    assert msg == f"dies.py: claim '(2)': ended the checking process ({how})"


def test_with_jobs_a_dying_claim_costs_only_itself(tmp_path):
    paths = [module(tmp_path, f"d{k}", ("right", "(1)"), ("body", "(2)", "os._exit(3)"), ("right", "(3)"))
             for k in range(3)]
    code, report, _ = run_cli("--jobs", "2", *paths)
    assert code == 1
    assert statuses(report) == {(f"d{k}", lab): st for k in range(3)
                                for lab, st in (("(1)", "proven for all depths"), ("(2)", "error"),
                                                ("(3)", "proven for all depths"))}


def test_keyboard_interrupt_raised_by_a_claim_is_that_claims_error(tmp_path):
    """Claims run in a child: a KeyboardInterrupt there is the claim's; a real Ctrl-C reaches the parent too."""
    path = module(tmp_path, "ctrl_c", ("body", "(1)", "raise KeyboardInterrupt"), ("right", "(2)"))
    code, report, _ = run_cli(path)
    assert code == 1
    assert statuses(report) == {("ctrl_c", "(1)"): "error", ("ctrl_c", "(2)"): "proven for all depths"}


def test_check_of_a_derivation_object_survives_a_claim_that_exits():
    doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"})

    @doc.claim("(1)", kind="delta", layer="output", latex="")
    def leaves(n, i):
        os._exit(0)

    @doc.claim("(2)", kind="delta", layer="output", latex="")
    def wrong_sign(n, i):
        return n.delta[n.L][i], (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])

    report = check(doc)
    e1, e2 = report.derivations[0].equations
    assert (e1.status, e2.status) == ("error", "fails") and report.exit_code == 1
    assert e1.message.endswith("ended the checking process (exit status 0)")


def test_in_process_loading_rejects_a_module_that_ends_its_process(tmp_path):
    path = module(tmp_path, "hard_exit", ("right", "(1)"), tail="os._exit(0)\n")
    with pytest.raises(LoadError, match=r"^hard_exit.py: importing ended the process \(exit status 0\)$"):
        load_derivation(path)
    path = module(tmp_path, "soft_exit", ("right", "(1)"), tail="sys.exit(0)\n")
    with pytest.raises(LoadError, match=r"SystemExit\(0\)"):
        load_derivation(path)


def test_what_a_derivation_prints_does_not_spoil_the_json_report(tmp_path):
    path = module(tmp_path, "chatty", ("body", "(1)", "print('hello'); return n.delta[n.L][i], "
                                                       "(n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])"),
                  tail="print('imported')\n")
    code, report, _ = run_cli(path)
    assert code == 0 and report is not None


# -- route 7: float coefficients never cancel in an exact check ---------------------------------------
def _doc(*claims):
    doc = Derivation("floats", "Floats", "-", Notation(), {"activation": "f"})
    for label, fn in claims:
        doc.claim(label, kind="delta", layer="output", latex="")(fn)
    return doc


def test_a_term_hidden_by_float_rounding_is_not_proven():
    def hidden(n, i):   # 1e16·y + y − 1e16·y is 0 in floats: the extra y vanished before any check
        y = n.y[i]
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i]) + 1e16 * y + y - 1e16 * y
    e = check_derivation(_doc(("(1)", hidden))).equations[0]
    assert e.status == "fails"


ETA = 1e16


def test_a_float_module_constant_and_a_helper_cannot_hide_a_term():
    def pad(y):
        return ETA * y + y - ETA * y

    def hidden(n, i):
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i]) + pad(n.y[i])
    e = check_derivation(_doc(("(1)", hidden))).equations[0]
    assert e.status == "fails"


def test_a_float_in_the_claims_closure_cannot_hide_a_term():
    big = 1e16

    def hidden(n, i):
        y = n.y[i]
        return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i]) + big * y + y - big * y
    e = check_derivation(_doc(("(1)", hidden))).equations[0]
    assert e.status == "fails"


def test_a_right_formula_with_exact_decimal_floats_is_still_proven():
    def half(n, i):
        return n.delta[n.L][i], 0.5 * (2 * (n.a[n.L][i] - n.y[i])) * n.fp(n.z[n.L][i])

    c = 0.1   # a float in the claim's closure

    def tenth(n, i):
        return n.delta[n.L][i], c * 10 * (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
    eqs = check_derivation(_doc(("half", half), ("tenth", tenth))).equations
    assert [e.status for e in eqs] == ["proven for all depths"] * 2


def test_a_float_computed_at_run_time_is_never_proven_by_rounding():
    def third(n, i):   # 1/3 in floats is not 1/3: right numerically, not an exact identity
        return n.delta[n.L][i], (1 / 3) * (3 * (n.a[n.L][i] - n.y[i])) * n.fp(n.z[n.L][i])
    e = check_derivation(_doc(("(1)", third))).equations[0]
    # never proven; the exact evaluation may see that 3 × 0.3333333333333333 is not 1 and call it a failure
    assert e.status in ("confirmed", "fails")


TOML = '''
name = "floats_toml"
title = "Floats"
source = "-"
[notation]
[spec]
activation = "f"
[[claim]]
label = "(1)"
kind = "delta"
layer = "output"
args = ["i"]
sides = ["delta[L][i]", "{formula}"]
'''


@pytest.mark.parametrize("formula, holds", [
    ("(a[L][i] - y[i]) * fp(z[L][i]) + 10000000000000000.0 * y[i] + y[i] - 10000000000000000.0 * y[i]", False),
    ("0.5 * 2 * (a[L][i] - y[i]) * fp(z[L][i])", True),
    ("0.1 * 10 * (a[L][i] - y[i]) * fp(z[L][i])", True),
])
def test_toml_decimals_are_exact(tmp_path, formula, holds):
    path = tmp_path / "floats.toml"
    path.write_text(TOML.format(formula=formula), encoding="utf-8")
    e = check_derivation(load_derivation(path)).equations[0]
    assert (e.status in PROVEN) == holds and (e.status == "fails") == (not holds)


def test_toml_has_no_float_exponent_syntax(tmp_path):
    path = tmp_path / "floats.toml"
    path.write_text(TOML.format(formula="(a[L][i] - y[i]) * fp(z[L][i]) + 1e16 * y[i] + y[i] - 1e16 * y[i]"),
                    encoding="utf-8")
    with pytest.raises(LoadError):
        load_derivation(path)


# -- integer fields: no float, no bool, no other script's digits --------------------------------------
@pytest.mark.parametrize("kw", [dict(sizes=[2.0, 3]), dict(sizes=[True, 3]), dict(sizes=[2, 3], batch_size=2.0),
                                dict(sizes=[2, 3], batch_size=True)])
def test_network_spec_integer_fields_reject_floats_and_bools(kw):
    with pytest.raises(SpecError):
        NetworkSpec(**kw)


@pytest.mark.parametrize("text", ["2.0,3", "2,3:2.0", "2,3:True", "\u0663,2", "1_0,2", "2,,3"])
def test_parse_arch_takes_only_ascii_whole_numbers(text):
    with pytest.raises(ValueError, match="^--arch "):
        parse_arch(text)


@pytest.mark.parametrize("args", [["--arch", "2.0,3"], ["--points", "2.5"], ["--seed", "1.5"], ["--seed", "-1"],
                                  ["--jobs", "2.0"], ["--jobs", "True"], ["--points", "1_0"]])
def test_cli_integer_options_reject_non_integers(args):
    p = subprocess.run([sys.executable, "-m", "symbp", "check", *args, "no-such-file.py"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stderr.startswith("symbp: error:") and p.stderr.count("\n") == 1


def test_what_outlives_a_claim_is_frozen_and_a_later_claim_is_judged_as_before(tmp_path):
    """After each claim a checking child freezes what is still alive (isolate.keep_survivors): a claim that is right
    only if an object the first claim left is frozen by now is proven, one right only if it is not fails."""
    first = ("import gc; KEPT.append(object.__new__(type('Kept', (), {})))\n    "
             "return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])")
    frozen = "import gc; k = 1 if gc.get_freeze_count() > FROZEN[0] else 2"
    thawed = "import gc; k = 1 if gc.get_freeze_count() <= FROZEN[0] else 2"
    ret = "return n.delta[n.L][i], k * (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])"
    path = module(tmp_path, "survivors", ("body", "(0)", "import gc; FROZEN[0] = FROZEN[0] or gc.get_freeze_count()\n"
                                          f"    {first}"),
                  ("body", "(1)", f"{frozen}\n    {ret}"), ("body", "(2)", f"{thawed}\n    {ret}"),
                  tail="KEPT, FROZEN = [], [0]\n")
    code, report, _ = run_cli(path, "--jobs", "1")
    st = statuses(report)
    assert st[("survivors", "(0)")] in PROVEN and st[("survivors", "(1)")] in PROVEN
    assert st[("survivors", "(2)")] == "fails" and code == 1


def test_keep_survivors_freezes_up_to_KEPT_MAX_claims_then_leaves_the_collector_as_it_was():
    """keep_survivors freezes what is alive, KEPT_MAX times in a process at most (then it freezes nothing more);
    judged in a forked child, whose collector state is its own."""
    import gc
    import pickle
    from symbp.run.isolate import KEPT_MAX, keep_survivors
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        froze = []
        try:
            for _ in range(KEPT_MAX + 1):
                gc.unfreeze()
                keep_survivors()
                froze.append(gc.get_freeze_count() > 0)
        finally:
            os.write(w, pickle.dumps(froze))
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as inbox:
        froze = pickle.loads(inbox.read())
    os.waitpid(pid, 0)
    assert len(froze) == KEPT_MAX + 1 and froze[0] and not froze[-1]
    assert froze == sorted(froze, reverse=True) and 0 < sum(froze) <= KEPT_MAX


def test_a_checking_child_runs_the_collector_seldom_and_its_verdicts_are_those_of_the_default_collector(tmp_path):
    """symbp check judges claims in children with CHILD_GC_THRESHOLDS (isolate.collect_seldom): a claim that is right
    only under them is proven, one right only under Python's defaults fails; a right claim is proven either way."""
    from symbp.run.isolate import CHILD_GC_THRESHOLDS
    seldom = f"import gc; k = 1 if gc.get_threshold() == {CHILD_GC_THRESHOLDS!r} else 2"
    default = "import gc; k = 1 if gc.get_threshold() == (700, 10, 10) else 2"
    ret = "return n.delta[n.L][i], k * (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])"
    path = module(tmp_path, "collector", ("body", "(1)", f"{seldom}\n    {ret}"), ("body", "(2)", f"{default}\n    {ret}"),
                  ("right", "(3)"))
    code, report, _ = run_cli(path)
    st = statuses(report)
    assert st[("collector", "(1)")] in PROVEN and st[("collector", "(2)")] == "fails"
    assert st[("collector", "(3)")] in PROVEN and code == 1
