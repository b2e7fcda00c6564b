"""Reports: the verdicts of a run, as a table, JSON, Markdown or LaTeX.

The JSON follows the contract of DESIGN.md ("Report") key for key; what a
verdict needs to say beyond its status (why a claim is ill-formed, why a
derivation could not be loaded) goes into ``diagnosis.detail``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .text import TEX_PREAMBLE, md_code, md_text, one_line, safe_math, tex_breakable, tex_math, tex_text

__all__ = ['EquationResult', 'DerivationResult', 'Report', 'HOLDS', 'EXPECTED', 'plural', 'counts_text']


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
        if self.status in ("error", "undecided"):   # undecided: a time limit; never passes silently
            return True
        holds = self.status in HOLDS
        return holds != (self.expected == "holds")

    def to_dict(self) -> dict:
        """The JSON object of DESIGN.md's contract."""
        diagnosis = self.diagnosis
        if diagnosis is None and self.status in ("ill-formed", "error", "undecided") and self.message:
            diagnosis = {"kind": "shape" if self.status == "ill-formed" else "unknown", "factor": None,
                         "detail": self.message}
        return {"label": self.label, "kind": self.kind, "reading": self.reading, "latex": self.latex,
                "status": self.status, "method": self.method, "architectures": self.architectures,
                "max_rel_error": self.max_rel_error, "expected": self.expected,
                "diagnosis": diagnosis, "counterexample": self.counterexample, "notes": list(self.notes),
                "notation": self.notation, "own_notation": self.own_notation}

    def _repr_markdown_(self):
        """The verdict in a Jupyter cell: label, formula, status and its reason."""
        safe = safe_math(self.latex) if self.latex.strip() else ""
        formula = f"${safe}$" if safe else md_code(self.latex) if self.latex.strip() else ""
        fixed = safe_math(self.corrected) if self.corrected else None
        fix = (f"  \ncorrected: ${fixed}$" if fixed else f"  \ncorrected: {md_code(self.corrected)}") \
            if self.corrected else ""
        return (f"**{md_text(self.label)}** ({md_text(self.reading)}, {md_text(self.kind)}) {formula}  \n"
                f"{md_text(self.verdict_text)}{fix}")

    @property
    def corrected(self) -> str:
        """The corrected formula of an edit-based diagnosis (LaTeX, as the page writes it), or ""."""
        return (self.diagnosis or {}).get("corrected_latex") or ""

    @property
    def corrected_text(self) -> str:
        """The corrected formula as text (``δ^(l) = …``, printed from the claim's tree), else its LaTeX, or ""."""
        return (self.diagnosis or {}).get("corrected") or self.corrected

    def _repr_latex_(self):
        """The verdict as display math (for a notebook's MathJax): the page's formula, then the verdict."""
        return f"$$\\text{{{tex_text(self.label)}: }} {tex_math(self.latex)} \\qquad \\text{{{tex_text(self.verdict_text)}}}$$"

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
    labels: list = field(default_factory=list, repr=False)   # every claim's label, checked or not

    def to_dict(self) -> dict:
        """The JSON object of DESIGN.md's contract; a derivation that was not loaded has ``error`` and no equations.

        >>> DerivationResult("bad", "bad", "", "bad.py", error="bad.py:3: syntax error").to_dict()
        {'name': 'bad', 'title': 'bad', 'source': '', 'equations': [], 'error': 'bad.py:3: syntax error'}
        """
        out = {"name": self.name, "title": self.title, "source": self.source,
               "equations": [e.to_dict() for e in self.equations]}
        if self.error:
            out["error"] = self.error
        return out

    def counts(self) -> dict:
        """How many claims got each status."""
        out = {}
        for e in self.equations:
            out[e.status] = out.get(e.status, 0) + 1
            if e.status in ("fails", "ill-formed") and e.reading == "ocr":
                out["ocr slips"] = out.get("ocr slips", 0) + 1
        return out


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n word`` with the word's plural when ``n`` is not 1.

    >>> plural(1, "equation"), plural(2, "equation"), plural(0, "error")
    ('1 equation', '2 equations', '0 errors')
    """
    return f"{n} {word if n == 1 else (many or word + 's')}"


def counts_text(c: dict) -> str:
    """Counts by status in one phrase; "proven" includes "proven for all depths", shown in parentheses.

    >>> counts_text({"proven for all depths": 2, "proven": 1, "fails": 1, "error": 1})
    '3 proven (2 for all depths), 0 confirmed, 1 fails, 0 ill-formed, 1 error'
    """
    proven = c.get("proven", 0) + c.get("proven for all depths", 0)
    depths = f" ({c['proven for all depths']} for all depths)" if c.get("proven for all depths") else ""
    fails = c.get("fails", 0)
    definitions = f"{c['definition']} definition, " if c.get("definition") else ""
    return (f"{proven} proven{depths}, {definitions}{c.get('confirmed', 0)} confirmed, {fails} {'fails' if fails == 1 else 'fail'}, "
            f"{c.get('ill-formed', 0)} ill-formed, {plural(c.get('error', 0), 'error')}"
            + (f", {c['undecided']} undecided (time limit)" if c.get("undecided") else "")
            + (f" ({c['ocr slips']} of the fails and ill-formed likely scanning slips)"
               if c.get("ocr slips") else ""))


#: The word after a verdict that is the one the derivation pinned (a formula the page gets wrong on purpose).
EXPECTED = "(expected)"


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

    def __repr__(self):
        s = self.summary
        return (f"<Report of {plural(len(self.derivations), 'derivation')}: {plural(s['equations'], 'equation')}, "
                f"{s['proven']} proven, {s['confirmed']} confirmed, {s['fails']} fail, {s['ill_formed']} ill-formed, "
                f"{plural(s['error'], 'error')}; {s['unexpected']} unexpected>")

    def __str__(self):
        return self.to_table()

    @property
    def summary(self) -> dict:
        """Counts over every equation, plus how many verdicts were not the pinned ones.

        A derivation that could not be loaded has no equations: it counts as one ``error`` (and one unexpected),
        not as an equation.  ``undecided`` counts the claims whose judgement hit a time limit.
        """
        s = {"equations": 0, "proven": 0, "proven_all_depths": 0, "confirmed": 0, "fails": 0, "ill_formed": 0,
             "error": 0, "undecided": 0, "unexpected": 0, "definition": 0, "ocr_slips": 0}
        for d in self.derivations:
            for e in d.equations:
                s["equations"] += 1
                s["proven_all_depths"] += e.status == "proven for all depths"
                key = "proven" if e.status.startswith("proven") else e.status.replace("-", "_")
                s[key] += 1
                s["unexpected"] += e.unexpected
                s["ocr_slips"] += e.reading == "ocr" and e.status in ("fails", "ill-formed")
            if d.error:
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
    def _total(self) -> str:
        s = self.summary
        c = {"proven": s["proven"] - s["proven_all_depths"], "proven for all depths": s["proven_all_depths"],
             "confirmed": s["confirmed"], "fails": s["fails"], "ill-formed": s["ill_formed"], "error": s["error"]}
        c.update({"definition": s["definition"], "undecided": s["undecided"], "ocr slips": s["ocr_slips"]})
        return f"{plural(s['equations'], 'equation')}: {counts_text(c)}; {s['unexpected']} unexpected"

    def to_dict(self) -> dict:
        """The whole report as the JSON contract's object."""
        summary = self.summary
        del summary["proven_all_depths"]      # the contract's keys (proven counts every proven verdict)
        return {"symbp_version": self.version, "derivations": [d.to_dict() for d in self.derivations],
                "summary": summary}

    def to_json(self, indent=1) -> str:
        """The report as JSON (DESIGN.md's contract)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_table(self) -> str:
        """A plain-text table for the terminal (every string from a derivation kept on its own line)."""
        lines = []
        for d in self.derivations:
            lines.append(one_line(f"== {d.name}: {d.title} ({d.source})"))
            if d.error:
                lines.append("   ERROR " + one_line(d.error))
            for e in d.equations:
                mark = "!!" if e.unexpected else "  "
                pinned = " " + EXPECTED if e.expected == "fails" and not e.unexpected else ""
                lines.append(f"{mark} {one_line(e.label):<34} {one_line(e.reading):<10} {one_line(e.verdict_text)}{pinned}")
                if e.own_notation:
                    lines.append(one_line(f"     read in its own notation: {e.notation}"))
                if e.corrected_text:
                    lines.append(one_line(f"     corrected: {e.corrected_text}"))
                if e.counterexample and e.status == "fails":
                    c = e.counterexample
                    lines.append(one_line(f"     counterexample {c['architecture']} m={c['batch_size']}{' at ' + c['where'] if c['where'] else ''}: "
                                          f"truth {c['truth_float']:.6g}, formula {c['formula_float']:.6g}"))
        lines.append(self._total())
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """Per derivation: counts by status, then every claim and each failure's diagnosis."""
        out = []
        for d in self.derivations:
            c = d.counts()
            out.append(f"### {md_text(d.title)}\n")
            out.append(f"{md_code(d.name)} — source {md_code(d.source)}: {counts_text(c)}\n")
            if d.error:
                out.append(f"**Could not be checked:** {md_text(d.error)}\n")
            if d.equations:
                out.append("| label | reading | kind | verdict | diagnosis |")
                out.append("|---|---|---|---|---|")
                for e in d.equations:
                    diag = ""
                    if e.diagnosis:
                        diag = f"**{md_text(e.diagnosis['kind'])}**: {md_text(e.diagnosis['detail'])}"
                        if e.corrected:
                            safe = safe_math(e.corrected)
                            diag += "; corrected: " + (f"${safe}$" if safe else md_code(e.corrected))
                    elif e.message:
                        diag = md_text(e.message)
                    status = e.status + (" " + EXPECTED if e.expected == "fails" and not e.unexpected else "") \
                        + (" **UNEXPECTED**" if e.unexpected else "")
                    out.append(f"| {md_text(e.label)} | {md_text(e.reading)} | {md_text(e.kind)} | {status} | {diag} |")
                out.append("")
                own = [e for e in d.equations if e.own_notation]
                if own:
                    out.append("Read in a notation of their own: " + "; ".join(
                        f"{md_text(e.label)} ({md_text(e.notation)})" for e in own) + ".\n")
        out.append(f"**Total:** {self._total()}.")
        return "\n".join(out)

    def to_latex(self) -> str:
        """A standalone LaTeX document with one table per derivation."""
        out = [r"\documentclass{article}", *TEX_PREAMBLE, r"\usepackage{longtable,array}",
               r"\begin{document}", r"\section*{symbp report}"]
        for d in self.derivations:
            out.append(r"\subsection*{" + tex_text(d.title) + "}")
            if d.error:
                out.append(r"\textbf{Could not be checked:} " + tex_text(d.error) + r"\par")
            out.append(r"\begin{longtable}{>{\raggedright}p{2.6cm}>{\raggedright}p{7cm}>{\raggedright\arraybackslash}p{6cm}}")
            out.append(r"label & formula & verdict \\ \hline")
            for e in d.equations:
                formula = f"${tex_math(e.latex)}$" if e.latex.strip() else ""
                fix = f"; corrected: ${tex_math(e.corrected)}$" if e.corrected else ""
                out.append(f"{tex_text(e.label)} & {formula} & {tex_breakable(e.verdict_text)}{fix} \\\\")
            out.append(r"\end{longtable}")
        out.append(r"\end{document}")
        return "\n".join(out)

    def _repr_markdown_(self):
        return self.to_markdown()

    def render(self, fmt: str) -> str:
        """The report in ``fmt``: table, json, markdown or latex."""
        return {"table": self.to_table, "json": self.to_json, "markdown": self.to_markdown,
                "latex": self.to_latex}[fmt]()
