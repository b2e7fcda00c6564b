"""Reports: the verdicts of a run, as a table, JSON, Markdown or LaTeX.

The JSON follows the contract of DESIGN.md ("Report") key for key; what a
verdict needs to say beyond its status (why a claim is ill-formed, why a
derivation could not be loaded) goes into ``diagnosis.detail``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .text import md_text, tex_text

__all__ = ['EquationResult', 'DerivationResult', 'Report', 'HOLDS']


#: Statuses under which a formula holds (``definition``: it restates the model's definition, no derivative).
HOLDS = ("proven", "proven for all depths", "confirmed", "definition")


@dataclass
class EquationResult:
    """The verdict on one claim."""
    label: str
    kind: str
    reading: str
    latex: str
    status: str
    method: str
    architectures: list
    max_rel_error: float | None
    expected: str
    diagnosis: dict | None = None
    counterexample: dict | None = None
    message: str = ""
    note: str = ""
    steps: list | None = None
    seconds: float = 0.0
    notes: list = field(default_factory=list)
    notation: str = ""             # the notation the claim was read in (one line)
    own_notation: bool = False     # whether that is the claim's own, not the document's

    @property
    def unexpected(self) -> bool:
        """Whether the verdict differs from what the derivation pinned."""
        if self.status == "error":
            return True
        holds = self.status in HOLDS
        return holds != (self.expected == "holds")

    def to_dict(self) -> dict:
        """The JSON object of DESIGN.md's contract."""
        diagnosis = self.diagnosis
        if diagnosis is None and self.status in ("ill-formed", "error") and self.message:
            diagnosis = {"kind": "shape" if self.status == "ill-formed" else "unknown", "factor": None,
                         "detail": self.message}
        return {"label": self.label, "kind": self.kind, "reading": self.reading, "latex": self.latex,
                "status": self.status, "method": self.method, "architectures": self.architectures,
                "max_rel_error": self.max_rel_error, "expected": self.expected,
                "diagnosis": diagnosis, "counterexample": self.counterexample, "notes": list(self.notes),
                "notation": self.notation, "own_notation": self.own_notation}

    def _repr_markdown_(self):
        """The verdict in a Jupyter cell: label, formula, status and its reason."""
        formula = f"${self.latex}$" if self.latex.strip() else ""
        return f"**{md_text(self.label)}** ({self.reading}, {self.kind}) {formula}  \n{md_text(self.verdict_text)}"

    def _repr_latex_(self):
        """The verdict as display math (for a notebook's MathJax): the page's formula, then the verdict."""
        return f"$$\\text{{{tex_text(self.label)}: }} {self.latex} \\qquad \\text{{{tex_text(self.verdict_text)}}}$$"

    @property
    def verdict_text(self) -> str:
        """The status with its reason, on one line."""
        text = self.status
        if self.diagnosis:
            d = self.diagnosis
            text += f" [{d['kind']}{' ' + d['factor'] if d.get('factor') and d['kind'] == 'factor' else ''}]: {d['detail']}"
        elif self.message:
            text += f" ({self.message})"
        return text


@dataclass
class DerivationResult:
    """The verdicts on one derivation (or why it could not be checked)."""
    name: str
    title: str
    source: str
    file: str = ""
    equations: list = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        """The JSON object of DESIGN.md's contract (a load error becomes one ``error`` equation)."""
        eqs = [e.to_dict() for e in self.equations]
        if self.error:
            eqs.append(EquationResult("(load)", "derivation", "as-written", "", "error", "symbolic", [], None,
                                      "holds", {"kind": "unknown", "factor": None, "detail": self.error}).to_dict())
        return {"name": self.name, "title": self.title, "source": self.source, "equations": eqs}

    def counts(self) -> dict:
        """How many claims got each status."""
        out = {}
        for e in self.equations:
            out[e.status] = out.get(e.status, 0) + 1
            if e.status in ("fails", "ill-formed") and e.reading == "ocr":
                out["ocr slips"] = out.get("ocr slips", 0) + 1
        return out


class Report:
    """Every verdict of one run of the checker.

    >>> r = Report([DerivationResult("demo", "Demo", "-", equations=[EquationResult(
    ...     "(1)", "delta", "as-written", "x", "fails", "symbolic", [[2, 3, 2]], 2.0, "fails",
    ...     {"kind": "sign", "factor": "-1", "detail": "negated"})])])
    >>> r.summary["fails"], r.summary["unexpected"], r.exit_code
    (1, 0, 0)
    """

    def __init__(self, derivations, version=None):
        from ..version import __version__
        self.derivations = list(derivations)
        self.version = version or __version__

    @property
    def summary(self) -> dict:
        """Counts over every equation, plus how many verdicts were not the pinned ones."""
        s = {"equations": 0, "proven": 0, "confirmed": 0, "fails": 0, "ill_formed": 0, "error": 0, "unexpected": 0,
             "definition": 0, "ocr_slips": 0}
        for d in self.derivations:
            for e in d.equations:
                s["equations"] += 1
                key = "proven" if e.status.startswith("proven") else e.status.replace("-", "_")
                s[key] += 1
                s["unexpected"] += e.unexpected
                s["ocr_slips"] += e.reading == "ocr" and e.status in ("fails", "ill-formed")
            if d.error:
                s["equations"] += 1
                s["error"] += 1
                s["unexpected"] += 1
        return s

    @property
    def bad_input(self) -> bool:
        """Whether a derivation could not be loaded."""
        return any(d.error for d in self.derivations)

    @property
    def exit_code(self) -> int:
        """0 when every verdict is as expected, 1 when any is not, 2 when an input could not be loaded."""
        if self.bad_input:
            return 2
        return 1 if self.summary["unexpected"] else 0

    # -- formats ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The whole report as the JSON contract's object."""
        return {"symbp_version": self.version, "derivations": [d.to_dict() for d in self.derivations],
                "summary": self.summary}

    def to_json(self, indent=1) -> str:
        """The report as JSON (DESIGN.md's contract)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_table(self) -> str:
        """A plain-text table for the terminal."""
        lines = []
        for d in self.derivations:
            lines.append(f"== {d.name}: {d.title} ({d.source})")
            if d.error:
                lines.append(f"   ERROR {d.error}")
            for e in d.equations:
                mark = "!!" if e.unexpected else "  "
                pinned = " (expected)" if e.expected == "fails" and not e.unexpected else ""
                lines.append(f"{mark} {e.label:<34} {e.reading:<10} {e.verdict_text}{pinned}")
                if e.own_notation:
                    lines.append(f"     read in its own notation: {e.notation}")
                if e.counterexample and e.status == "fails":
                    c = e.counterexample
                    lines.append(f"     counterexample {c['architecture']} m={c['batch_size']} at {c['where']}: "
                                 f"truth {c['truth_float']:.6g}, formula {c['formula_float']:.6g}")
        lines.append(self._total_line())
        return "\n".join(lines)

    def _total_line(self) -> str:
        """``N equations: … proven, … definition, … confirmed, … fail, … ill-formed, … error (… likely scanning
        slips); … unexpected``."""
        s = self.summary
        definitions = f"{s['definition']} definition, " if s["definition"] else ""
        ocr = f" ({s['ocr_slips']} of the fails and ill-formed likely scanning slips)" if s["ocr_slips"] else ""
        return (f"{s['equations']} equations: {s['proven']} proven, {definitions}{s['confirmed']} confirmed, "
                f"{s['fails']} fail, {s['ill_formed']} ill-formed, {s['error']} error{ocr}; "
                f"{s['unexpected']} unexpected")

    def to_markdown(self) -> str:
        """Per derivation: counts by status, then every claim and each failure's diagnosis."""
        out = []
        for d in self.derivations:
            c = d.counts()
            out.append(f"### {d.title}\n")
            out.append(f"`{d.name}` — source `{d.source}`: " + ", ".join(
                f"{c.get(k, 0)} {k}" for k in ("proven for all depths",) * bool(c.get("proven for all depths"))
                + ("proven",) + ("definition",) * bool(c.get("definition"))
                + ("confirmed", "fails", "ill-formed", "error"))
                + (f" ({c['ocr slips']} of them likely scanning slips, reading `ocr`)"
                   if c.get("ocr slips") else "") + "\n")
            if d.error:
                out.append(f"**Could not be checked:** {d.error}\n")
            if d.equations:
                out.append("| label | reading | kind | verdict | diagnosis |")
                out.append("|---|---|---|---|---|")
                for e in d.equations:
                    diag = ""
                    if e.diagnosis:
                        diag = f"**{e.diagnosis['kind']}**: {e.diagnosis['detail']}"
                    elif e.message:
                        diag = e.message
                    status = e.status + (" (pinned)" if e.expected == "fails" and not e.unexpected else "") \
                        + (" **UNEXPECTED**" if e.unexpected else "")
                    out.append(f"| {md_text(e.label)} | {e.reading} | {e.kind} | {status} | {md_text(diag)} |")
                out.append("")
                own = [e for e in d.equations if e.own_notation]
                if own:
                    out.append("Read in a notation of their own: " + "; ".join(
                        f"{md_text(e.label)} ({md_text(e.notation)})" for e in own) + ".\n")
        out.append("**Total:** " + self._total_line().replace(": ", " — ", 1) + ".")
        return "\n".join(out)

    def to_latex(self) -> str:
        """A standalone LaTeX document with one table per derivation."""
        out = [r"\documentclass{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{longtable}",
               r"\begin{document}", r"\section*{symbp report}"]
        for d in self.derivations:
            out.append(r"\subsection*{" + tex_text(d.title) + "}")
            if d.error:
                out.append(r"\textbf{Could not be checked:} " + tex_text(d.error) + r"\par")
            out.append(r"\begin{longtable}{p{3cm}p{6cm}p{5cm}}")
            out.append(r"label & formula & verdict \\ \hline")
            for e in d.equations:
                formula = f"${e.latex}$" if e.latex.strip() else ""
                out.append(f"{tex_text(e.label)} & {formula} & {tex_text(e.verdict_text)} \\\\")
            out.append(r"\end{longtable}")
        out.append(r"\end{document}")
        return "\n".join(out)

    def _repr_markdown_(self):
        return self.to_markdown()

    def render(self, fmt: str) -> str:
        """The report in ``fmt``: table, json, markdown or latex."""
        return {"table": self.to_table, "json": self.to_json, "markdown": self.to_markdown,
                "latex": self.to_latex}[fmt]()
