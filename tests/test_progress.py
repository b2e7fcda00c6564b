"""Progress on stderr for check, prove and mutate alike; -q and -v; mutate's false-alarm line (issue 16, item 9)."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PAGE = '''
from symbp import Derivation, Notation
doc = Derivation("page", "A page", source="test", notation=Notation(first_layer=1),
                 spec={"activation": "f", "cost": "half_sse", "average": "none"}, sweep=(((2, 3, 2), 1),))

@doc.claim("BP1", kind="delta", layer="output", latex="")
def bp1(n, j):
    return n.delta[n.L][j], (n.a[n.L][j] - n.y[j]) * n.fp(n.z[n.L][j])

@doc.claim("BP1 wrong", kind="delta", layer="output", latex="")
def bp1_wrong(n, j):
    return n.delta[n.L][j], (n.y[j] - n.a[n.L][j]) * n.fp(n.z[n.L][j])
'''

#: The fewest mutants and random architectures that still run every phase of ``mutate``.
SMALL_MUTATE = ["--fault", "sign", "--alarm-archs", "1"]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("progress") / "page.py"
    path.write_text(PAGE)
    return path


def symbp(*args, stderr=subprocess.PIPE):
    # check judges again each time (--no-cache): a verdict cached by an earlier test here would show no progress
    args = (*args, "--no-cache") if args[0] == "check" else args
    return subprocess.run([sys.executable, "-m", "symbp", *map(str, args)], stdout=subprocess.PIPE, stderr=stderr,
                          text=True, cwd=ROOT, timeout=900)


@pytest.mark.parametrize("command, extra", [("check", []), ("prove", []), ("mutate", SMALL_MUTATE)])
def test_verbose_writes_a_line_per_claim_even_to_a_pipe(page, command, extra):
    p = symbp(command, page, "-v", *extra)
    lines = p.stderr.splitlines()
    assert any(line.startswith("[page") and line.endswith("] BP1") for line in lines), p.stderr
    assert any("BP1 wrong" in line and "2/2]" in line and "left" in line for line in lines), p.stderr  # an estimate
    assert lines[-1].startswith("symbp: ") and " claims in " in lines[-1]


@pytest.mark.parametrize("flags", [[], ["-q"]], ids=["default", "quiet"])
def test_no_progress_on_a_pipe_by_default_or_with_quiet(page, flags):
    p = symbp("check", page, *flags)
    assert p.stderr == ""
    assert "BP1 wrong" in p.stdout


@pytest.mark.parametrize("command", ["check", "prove", "mutate"])
def test_quiet_and_verbose_together_are_a_usage_error(page, command):
    p = symbp(command, page, "-q", "-v")
    assert p.returncode == 2
    assert p.stderr.strip().endswith("argument -v/--verbose: not allowed with argument -q/--quiet")


@pytest.mark.parametrize("command, extra", [("check", []), ("mutate", SMALL_MUTATE)])
def test_a_terminal_gets_a_bar_rewritten_in_place_and_cleared(page, command, extra):
    master, slave = pty.openpty()
    try:
        p = symbp(command, page, *extra, stderr=slave)
        os.close(slave)
        slave = None
        seen = b""
        while True:
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)
    text = seen.decode("utf-8", "replace")
    assert "\r\x1b[K[page" in text and "] BP1" in text, text
    assert text.endswith("\r\x1b[K")        # the bar is gone before the report
    assert p.stdout and "\r" not in p.stdout


def test_mutate_prints_the_false_alarm_line(page):
    p = symbp("mutate", page, "--fault", "sign", "--alarm-archs", "2")
    assert p.stdout.rstrip().splitlines()[-1] == \
        "false alarms: 0 of 1 unmutated correct claims over 2 random architectures"
    assert p.returncode == 0


def test_mutate_mutates_only_picked_claims_that_hold(page):
    p = symbp("mutate", page, "--claim", "BP1 wrong", "--fault", "sign", "--alarm-archs", "0", "--format", "json")
    data = json.loads(p.stdout)
    assert data["mutants"] == []                 # a wrong claim's mutant says nothing of the checker
    assert data["false_alarms"]["checked"] == 0


# -- finishing: the one block that ends the progress of check, prove and mutate ---------------------------------
def _progress(verbose):
    import io

    from symbp.cli.progress import Progress
    out = io.StringIO()
    return Progress(out, verbose=verbose, clock=iter([0.0] + [1.0] * 10).__next__), out


@pytest.mark.parametrize("error", [KeyboardInterrupt, ValueError])
def test_finishing_clears_the_bar_and_passes_on_what_the_block_raised(error):
    from symbp.cli.progress import finishing
    p, out = _progress(verbose=False)
    with pytest.raises(error), finishing(p):
        p("page", 0, 2, "BP1")
        raise error()
    assert out.getvalue().endswith("\r\x1b[K[page 1/2] BP1\r\x1b[K")   # drawn, then cleared


def test_finishing_says_no_summary_after_an_interruption_and_one_after_a_whole_run():
    from symbp.cli.progress import finishing
    p, out = _progress(verbose=True)
    with pytest.raises(KeyboardInterrupt), finishing(p):
        p("page", 0, 2, "BP1")
        raise KeyboardInterrupt
    assert "claims in" not in out.getvalue() and "claim in" not in out.getvalue()
    p, out = _progress(verbose=True)
    with finishing(p):
        p("page", 0, 1, "BP1")
    assert out.getvalue().splitlines()[-1] == "symbp: 1 claim in 1 s"


def test_finishing_without_progress_does_nothing():
    from symbp.cli.progress import finishing
    with finishing(None) as p:
        assert p is None
