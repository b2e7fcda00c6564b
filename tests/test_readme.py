"""The README's quick starts print what the README shows, and the README cites its sources, not file names.

Every fenced block after ``<!-- quickstart-file: NAME -->`` is saved as NAME in one empty folder; the commands
of each ``<!-- quickstart-command -->`` block run there in order (``symbp`` and ``python`` are this checkout's),
and the block after the next ``<!-- quickstart-output -->`` is compared with what they print on stdout,
timings aside. In a shown output a line ``…`` stands for lines left out, and a line ending in ``…`` for the
rest of that line. ``<!-- repo-command: CMD -->`` runs CMD in the repository; the block after it is a
contiguous excerpt of its output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def _block_after(text: str, pos: int) -> str:
    """The first fenced block after ``pos``."""
    return _FENCE.search(text, pos).group(1)


def quickstart_steps(text: str = README) -> list:
    """``[("file", name, body) | ("run", commands, expected)]`` in README order."""
    steps, pending = [], None
    for m in re.finditer(r"<!-- (quickstart-file|quickstart-command|quickstart-output)(?:: (\S+))? -->", text):
        body = _block_after(text, m.end())
        if m.group(1) == "quickstart-file":
            steps.append(("file", m.group(2), body))
        elif m.group(1) == "quickstart-command":
            pending = body
        else:
            assert pending is not None, "a quickstart-output block without a quickstart-command before it"
            steps.append(("run", pending, body))
            pending = None
    return steps


def repo_examples(text: str = README) -> list:
    """``[(command, excerpt)]`` of the ``repo-command`` markers."""
    return [(m.group(1), _block_after(text, m.end()))
            for m in re.finditer(r"<!-- repo-command: (.+?) -->", text)]


def normalise(out: str) -> list:
    """Output lines without trailing spaces and with timings replaced (``in 18.50s`` → ``in …s``)."""
    out = re.sub(r"\bin \d+(\.\d+)?s\b", "in …s", out)
    return [line.rstrip() for line in out.strip("\n").splitlines()]


def _line_matches(shown: str, real: str) -> bool:
    return real == shown or (shown.endswith("…") and real.startswith(shown[:-1].rstrip()))


def _segment_at(segment, lines, start) -> int | None:
    """The first index >= start where ``segment`` matches ``lines`` line by line, or None."""
    for i in range(start, len(lines) - len(segment) + 1):
        if all(_line_matches(s, lines[i + k]) for k, s in enumerate(segment)):
            return i
    return None


def matches(shown: str, real: str, excerpt: bool = False) -> bool:
    """Whether the README's ``shown`` output agrees with the ``real`` one (see the module docstring).

    >>> matches("a\\n…\\nc", "a\\nb\\nc"), matches("a\\nc", "a\\nb\\nc"), matches("long …", "long line")
    (True, False, True)
    """
    want, got = normalise(shown), normalise(real)
    segments, current = [], []
    for line in want:
        if line == "…":
            segments.append(current)
            current = []
        else:
            current.append(line)
    segments.append(current)
    if excerpt or len(segments) > 1:
        pos = 0
        for k, seg in enumerate(segments):
            if not seg:
                continue
            at = _segment_at(seg, got, pos)
            if at is None or (k == 0 and not excerpt and at != 0):
                return False
            pos = at + len(seg)
        return excerpt or not segments[-1] or pos == len(got)
    return len(want) == len(got) and all(_line_matches(s, r) for s, r in zip(want, got))


def _environment(tmp: Path) -> dict:
    """PATH with ``symbp`` and ``python`` of this checkout first (the installed command may be another copy)."""
    bin_dir = tmp / ".bin"
    bin_dir.mkdir()
    for name, target in (("symbp", f'"{sys.executable}" -m symbp'), ("python", f'"{sys.executable}"')):
        shim = bin_dir / name
        shim.write_text(f'#!/bin/sh\nexec {target} "$@"\n')
        shim.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(ROOT))
    env.pop("PYTEST_ADDOPTS", None)
    return env


STEPS = quickstart_steps()
RUNS = [k for k, step in enumerate(STEPS) if step[0] == "run"]


@pytest.fixture(scope="module")
def quickstart_outputs(tmp_path_factory):
    """Run every quick-start step in README order in one empty folder: ``{step index: stdout}``."""
    tmp = tmp_path_factory.mktemp("quickstart")
    env, outputs = _environment(tmp), {}
    for k, step in enumerate(STEPS):
        if step[0] == "file":
            (tmp / step[1]).write_text(step[2], encoding="utf-8")
        else:
            p = subprocess.run(["bash", "-c", step[1]], cwd=tmp, env=env, capture_output=True, text=True, timeout=900)
            outputs[k] = p.stdout
    return outputs


def test_the_readme_has_three_quick_starts_before_the_reference():
    start, reference = README.index("## Quick start"), README.index("## How it judges a formula")
    assert start < reference
    section = _FENCE.sub("", README[start:reference])   # headings of the text, not of the shown outputs
    assert re.findall(r"^### \d\. (.+)$", section, re.M) == [
        "Check my lecture notes", "Prove it for teaching", "Test my backprop code"]
    markers = [m.start() for m in re.finditer(r"<!-- quickstart-", README)]
    assert len(RUNS) >= 4 and start < markers[0] and markers[-1] < reference


@pytest.mark.parametrize("k", RUNS, ids=[STEPS[k][1].strip().splitlines()[-1][:40] for k in RUNS])
def test_a_quick_start_prints_what_the_readme_shows(quickstart_outputs, k):
    commands, shown = STEPS[k][1], STEPS[k][2]
    real = quickstart_outputs[k]
    assert matches(shown, real), f"README shows for {commands!r}:\n{shown}\nbut it prints:\n{real}"


@pytest.mark.parametrize("command, excerpt", repo_examples())
def test_a_readme_example_output_is_real(tmp_path, command, excerpt):
    p = subprocess.run(["bash", "-c", command], cwd=ROOT, env=_environment(tmp_path), capture_output=True,
                       text=True, timeout=900)
    assert matches(excerpt, p.stdout, excerpt=True), f"README shows for {command!r}:\n{excerpt}\nbut it prints:\n" \
                                                     f"{p.stdout}"


def test_the_two_copy_paste_commands_are_intact():
    assert "<!-- main-command -->\n```\npip install . && symbp check\n```" in README
    assert "<!-- test-command -->\n```\npip install '.[test]' && python -m pytest -q\n```" in README


def test_the_mutate_false_alarm_line_is_the_one_mutate_prints():
    from symbp.cli.mutate import false_alarm_lines
    assert false_alarm_lines(5, [], 50)[0] in README


# -- sources by author and title, no paths of this repository's surroundings ---------------------------------
SEED_NAME = re.compile(r"\b\d{3}_[0-9a-f]{16}\b")
OUTSIDE = re.compile(r"\.\./shared\b|/work/|\bshared/seeds\b")


def _shipped_texts():
    yield "README.md", README
    for folder in ("derivations", "examples", "symbp"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".toml", ".md") and "__pycache__" not in path.parts:
                yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name, text", list(_shipped_texts()), ids=lambda v: v if len(v) < 60 else "")
def test_sources_are_cited_by_author_and_title_not_by_file_name(name, text):
    assert not SEED_NAME.search(text), f"{name} names a seed file: {SEED_NAME.search(text).group(0)}"
    assert not OUTSIDE.search(text), f"{name} names a path outside the repository: {OUTSIDE.search(text).group(0)}"


def test_every_bundled_derivation_cites_an_author_or_title():
    from symbp.run.load import derivation_files, load_derivation
    for path in derivation_files([ROOT / "derivations", ROOT / "derivations" / "declarative"]):
        doc = load_derivation(path)
        assert not SEED_NAME.search(doc.source) and len(doc.source) > 12, (path.name, doc.source)
