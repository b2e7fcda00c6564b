"""Regenerate README.md's "What symbp finds in the documents" block from `symbp check --format markdown`.

Run from the repository root:  python scripts/update_readme_findings.py
"""
import re
import sys
from pathlib import Path

from symbp import check

START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def main() -> int:
    readme = Path("README.md")
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"README.md has no {START} ... {END} block", file=sys.stderr)
        return 2
    block = check(Path("derivations")).to_markdown()
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{block}\n{END}", text, flags=re.S)
    readme.write_text(new, encoding="utf-8")
    print("README.md findings updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
