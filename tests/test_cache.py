"""The on-disk cache of verdicts: reused only while nothing that decides them has changed, never trusted when damaged.

Every claim here appends to a marker file when it is judged, so a test sees whether a verdict was computed or
read from the cache.  The wrong formula that must not pass: a claim edited to be wrong after a run that proved
it, and a cache entry tampered with to say "proven".
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from symbp.run.cache import VerdictCache, cache_dir
from symbp.run.runner import check

TEMPLATE = '''
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
from symbp.claims.derivation import Derivation
from symbp.claims.notation import Notation
{imports}
doc = Derivation("cached", "cached", "-", Notation(), {{"activation": "f"}})

def mark():
    with open({mark!r}, "a") as fh:
        fh.write("x")

@doc.claim("(1)", kind="delta", layer="output", latex="")
def c1(n, i):
    mark()
    return n.delta[n.L][i], {sign}(n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])

@doc.claim("(2)", kind="delta", layer="output", latex="")
def c2(n, i):
    mark()
    return n.delta[n.L][i], (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])
'''
OPTS = dict(sweep=[((2, 2), 2), ((2, 3, 1), 2)], points=3)
HOLDS = ("proven", "proven for all depths", "confirmed")


@pytest.fixture
def setup(tmp_path):
    mark = tmp_path / "calls"
    path = tmp_path / "cached.py"

    def write(sign="", imports=""):
        path.write_text(TEMPLATE.format(mark=str(mark), sign=sign, imports=imports), encoding="utf-8")

    def calls():
        n = len(mark.read_text()) if mark.exists() else 0
        mark.write_text("")
        return n

    write()
    return path, write, calls, VerdictCache(tmp_path / "cache")


def verdicts(report):
    return [(e.label, e.status in HOLDS) for d in report.derivations for e in d.equations]


def entries(cache):
    return sorted(p for p in cache.directory.rglob("*.json"))


def test_a_second_run_reuses_the_verdicts(setup):
    path, _, calls, cache = setup
    first = check(str(path), cache=cache, **OPTS)
    assert verdicts(first) == [("(1)", True), ("(2)", False)] and calls() > 0
    assert len(entries(cache)) == 1
    second = check(str(path), cache=cache, jobs=2, **OPTS)
    assert calls() == 0
    assert second.to_json() == first.to_json()
    assert second.to_table() == first.to_table()


def test_an_edited_formula_is_judged_again_and_fails(setup):
    path, write, calls, cache = setup
    assert verdicts(check(str(path), cache=cache, **OPTS))[0] == ("(1)", True)
    write(sign="-")   # (1) now has the wrong sign: a cached "proven" must not survive
    calls()
    assert verdicts(check(str(path), cache=cache, **OPTS)) == [("(1)", False), ("(2)", False)]
    assert calls() > 0


def test_an_edited_helper_module_is_a_miss(setup, tmp_path):
    path, write, calls, cache = setup
    helper = tmp_path / "cache_helper_sign.py"
    helper.write_text("SIGN = 1\n", encoding="utf-8")
    write(sign="cache_helper_sign.SIGN * ", imports="import cache_helper_sign")
    assert verdicts(check(str(path), cache=cache, **OPTS))[0] == ("(1)", True)
    calls()
    assert verdicts(check(str(path), cache=cache, **OPTS))[0] == ("(1)", True) and calls() == 0
    helper.write_text("SIGN = -1\n", encoding="utf-8")
    assert verdicts(check(str(path), cache=cache, **OPTS))[0] == ("(1)", False)
    assert calls() > 0


@pytest.mark.parametrize("change", [dict(points=4), dict(seed=1), dict(sweep=[((2, 2), 2)]), dict(numeric_only=True),
                                    dict(budget=30.0)])
def test_an_option_that_decides_verdicts_is_a_miss(setup, change):
    path, _, calls, cache = setup
    check(str(path), cache=cache, **OPTS)
    calls()
    check(str(path), cache=cache, **{**OPTS, **change})
    assert calls() > 0


def test_claim_selection_reuses_what_is_cached_and_judges_the_rest(setup):
    path, _, calls, cache = setup
    assert verdicts(check(str(path), cache=cache, only=["(2)"], **OPTS)) == [("(2)", False)]
    calls()
    assert verdicts(check(str(path), cache=cache, **OPTS)) == [("(1)", True), ("(2)", False)]
    assert calls() > 0   # (1) was never judged
    assert verdicts(check(str(path), cache=cache, only=["(1)"], **OPTS)) == [("(1)", True)] and calls() == 0


def damaged(text):
    entry = json.loads(text)
    for v in entry["payload"]["verdicts"].values():
        v["status"] = "proven"   # the wrong claim (2) "proven", checksum left as it was
    return json.dumps(entry)


@pytest.mark.parametrize("damage", [lambda t: t[: len(t) // 2], lambda t: "", lambda t: "{}", lambda t: "\x00\xff",
                                    damaged, lambda t: t.replace('"(2)"', '"(9)"')],
                         ids=["truncated", "empty", "no-payload", "binary", "tampered", "relabelled"])
def test_a_damaged_entry_is_discarded_and_the_verdicts_recomputed(setup, damage):
    path, _, calls, cache = setup
    first = check(str(path), cache=cache, **OPTS)
    (entry,) = entries(cache)
    entry.write_text(damage(entry.read_text(encoding="utf-8")), encoding="utf-8", errors="surrogateescape")
    calls()
    again = check(str(path), cache=cache, **OPTS)
    assert calls() > 0
    assert again.to_json() == first.to_json()
    assert verdicts(again) == [("(1)", True), ("(2)", False)]
    assert json.loads(entries(cache)[0].read_text(encoding="utf-8"))["payload"]["verdicts"]   # stored afresh


def test_errors_are_never_stored(tmp_path):
    mark = tmp_path / "calls"
    path = tmp_path / "raises.py"
    path.write_text(textwrap.dedent(f'''
        from symbp.claims.derivation import Derivation
        from symbp.claims.notation import Notation
        doc = Derivation("raises", "raises", "-", Notation(), {{"activation": "f"}})

        @doc.claim("(1)", kind="delta", layer="output", latex="")
        def c1(n, i):
            open({str(mark)!r}, "a").write("x")
            raise ValueError("no")
        '''), encoding="utf-8")
    cache = VerdictCache(tmp_path / "cache")
    for _ in range(2):
        report = check(str(path), cache=cache, **OPTS)
        assert report.derivations[0].equations[0].status == "error"
    assert mark.read_text() == "xx"
    assert entries(cache) == []


def test_a_toml_derivation_is_cached_by_its_bytes(tmp_path):
    source = os.path.join(os.path.dirname(__file__), "..", "derivations", "declarative", "abu_mostafa_backprop.toml")
    if not os.path.isfile(source):
        pytest.skip("needs the repository's derivations/declarative/")
    path = tmp_path / "abu.toml"
    text = open(source, encoding="utf-8").read()
    path.write_text(text, encoding="utf-8")
    cache = VerdictCache(tmp_path / "cache")
    opts = dict(sweep=[((2, 2), 1), ((2, 3, 1), 1)], points=3, only=["base step"])
    first = check(str(path), cache=cache, **opts)
    assert first.derivations[0].equations and len(entries(cache)) == 1
    assert check(str(path), cache=cache, **opts).to_json() == first.to_json()
    path.write_text(text.replace('title = "', 'title = "Edited: '), encoding="utf-8")
    edited = check(str(path), cache=cache, **opts)
    assert edited.derivations[0].title.startswith("Edited: ")
    assert len(entries(cache)) == 1   # the entry of the earlier version is gone


def run_cli(*args, env=None):
    p = subprocess.run([sys.executable, "-m", "symbp", "check", "--format", "json", *map(str, args)],
                       capture_output=True, text=True, timeout=600, env=env)
    return p.returncode, p.stdout, p.stderr


def test_the_cli_caches_under_symbp_cache_dir_and_no_cache_bypasses_it(setup, tmp_path):
    path, _, calls, _ = setup
    env = {**os.environ, "SYMBP_CACHE_DIR": str(tmp_path / "cli-cache")}
    small = ["--arch", "2,2:2", "--points", "3"]
    rc, out, err = run_cli(path, "--no-cache", *small, env=env)
    assert rc == 1 and calls() > 0 and not (tmp_path / "cli-cache").exists()
    rc2, out2, _ = run_cli(path, *small, env=env)
    assert calls() > 0 and list((tmp_path / "cli-cache").rglob("*.json"))
    rc3, out3, _ = run_cli(path, *small, env=env)
    assert calls() == 0 and (rc3, out3) == (rc2, out2) == (rc, out)
    rc4, out4, _ = run_cli(path, "--no-cache", *small, env=env)
    assert calls() > 0 and (rc4, out4) == (rc, out)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SYMBP_CACHE_DIR", str(tmp_path / "a"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("SYMBP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "symbp"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "symbp"


def test_the_test_suite_has_its_own_cache_dir():
    assert "symbp-test-cache-" in os.environ.get("SYMBP_CACHE_DIR", "")
