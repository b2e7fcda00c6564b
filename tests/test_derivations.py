"""The bundled derivations: each loads, each claim gets a verdict, and the verdicts are the pinned ones."""

import pytest

from symbp.report.results import HOLDS
from symbp.run.load import bundled_derivations, derivation_files, load_derivation
from symbp.run.runner import check_derivation

FILES = derivation_files([bundled_derivations()])


def test_five_documents_are_bundled():
    sources = {load_derivation(f).source for f in FILES}
    assert len(FILES) == 5 and len(sources) == 5


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_verdicts_equal_the_pinned_expectations(path):
    doc = load_derivation(path)
    assert doc.__class__.__name__ == "Derivation" and doc.claims
    # the source is cited by author and title, never by a file name of the copies the transcriptions were made from
    assert doc.source and not doc.source.endswith(".txt") and "/" not in doc.source
    assert path.read_text().lstrip().startswith('"""')
    result = check_derivation(doc)
    assert len(result.equations) == len(doc.claims)
    for e in result.equations:
        assert e.status in HOLDS + ("fails", "ill-formed"), (e.label, e.verdict_text)
        pinned = "holds" if e.status in HOLDS else "fails"
        assert e.expected == pinned, f"{path.name} {e.label!r} ({e.reading}): {e.verdict_text}"
        if e.expected == "fails":
            assert e.note, f"{path.name} {e.label!r}: a pinned erratum needs a note saying what is wrong"
        if e.status == "fails":
            assert e.diagnosis and e.diagnosis["kind"]


def test_readme_findings_are_up_to_date():
    import re
    from pathlib import Path

    from symbp import check
    root = Path(__file__).resolve().parent.parent
    text = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- findings:start -->\n(.*)\n<!-- findings:end -->", text, re.S).group(1)
    assert block == check(root / "derivations").to_markdown(), \
        "README findings are stale: run python scripts/update_readme_findings.py"


def test_readme_worked_example_checks_as_documented():
    from pathlib import Path

    from symbp import check
    report = check(Path(__file__).resolve().parent.parent / "examples" / "four_equations.py")
    eqs = {e.label: e for e in report.derivations[0].equations}
    assert [eqs[k].status for k in ("BP1", "BP2", "BP2, derivation", "BP3", "BP4")] == ["proven for all depths"] * 5
    assert eqs["BP4 (a misprint)"].diagnosis["kind"] == "transpose"
    assert report.exit_code == 0
