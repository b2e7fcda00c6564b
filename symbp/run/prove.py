"""Proof transcripts: the chain of reasoning behind one claim's verdict, for teaching.

A :class:`Transcript` states the cost, the chain-rule expansion the CAS
derives (the output layer on the smallest architecture of the sweep, and the
generic induction step: one layer under an undefined downstream cost ``G``),
each step the document writes with ✓ or ✗, and, for a ✗, the residual and
the exact counterexample.  It renders as Markdown, standalone LaTeX or HTML,
and in Jupyter.

>>> from symbp.claims.derivation import Derivation
>>> from symbp.claims.notation import Notation
>>> doc = Derivation("demo", "Demo", "-", Notation(first_layer=1), {"activation": "f", "average": "none"})
>>> @doc.claim("BP1", kind="delta", layer="output", latex=r"\\delta^L = (a^L - y) \\odot f'(z^L)")
... def bp1(n):
...     return n.delta[n.L], (n.a[n.L] - n.y) * n.fp(n.z[n.L])
>>> t = transcripts(doc, "BP1")[0]
>>> t.result.status, [s.holds for s in t.steps]
('proven for all depths', [True])
>>> print(t.steps[0].text)
(a^(3)_{1} - y_{1})*f'(z^(3)_{1})
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass, field

import sympy
from sympy.core.function import AppliedUndef

from ..claims.derivation import Derivation, select_labels
from ..claims.tensor import IllFormed
from ..judge.budget import TIME_LIMIT, TimeLimit, limited
from ..judge.diagnose import named_exps
from ..judge.evaluate import NetworkCache, instantiate, spec_for
from ..judge.induction import ALL_DEPTHS, StepNetwork
from ..model.costs import COSTS
from ..report.results import HOLDS
from ..report.text import MATH_SYMBOLS, TEX_PREAMBLE, md_code, md_text, safe_math, tex_breakable, tex_math, tex_text
from .runner import check_derivation

__all__ = ['prove', 'Transcript', 'Step', 'transcripts', 'render', 'FORMATS', 'mathml']


FORMATS = ("markdown", "latex", "html")


_LIMIT = 600   # characters of an expression shown before it is cut


#: What the verdict "proven for all depths" establishes, and under which assumptions.
ALL_DEPTHS_MEANS = (
    "What this proves: the base case is the output layer with the document's cost, its input a^(L−1) a vector "
    "of independent opaque values; the induction step is one layer l whose downstream cost is an undefined "
    "function G of z^(l+1) (so δ^(l+1) = ∂G/∂z^(l+1)). Both are exact identities (expand(truth − formula) = 0) "
    "in the undefined f, G and free weights, so they survive replacing G by the rest of any deeper network and "
    "its cost, and a^(l−1) by the layers below: with the base case and the step, the formula holds at every "
    "depth. Assumptions: f and the cost are differentiable; the widths checked are 1 to 4 in every layer of the "
    "base case and of the step (a width-specific formula beyond that bound is not excluded).")


# -- printing expressions in the page's notation ------------------------------------------------------
def _latex_name(page: str) -> str:
    """``W^(2)_{1,3}`` -> ``W^{(2)}_{1,3}``; ``x_{1}^[2]`` -> ``x_{1}^{[2]}``."""
    out = re.sub(r"\^\(([^)]*)\)", r"^{(\1)}", page)
    out = re.sub(r"\^\[([^\]]*)\]", r"^{[\1]}", out)
    return _tex_math(out)


_FUN_TEXT = {"fp": "f'", "gp": "g'", "sigma": "σ", "step": "H"}


_FUN_TEX = {"fp": "f'", "gp": "g'", "step": "H"}


class Printer:
    """Expressions of one network printed as the page writes them: ``z^(2)_{1}``, ``a^(2)_{1}``, ``W^(2)_{1,3}``.

    ``layer_name(c)`` names canonical layer ``c`` (default: the page's number;
    the induction step uses ``l−1``, ``l``, ``l+1``).  On a
    :class:`~symbp.judge.induction.StepNetwork` the partial ``G_j(z^(L))`` prints
    as ``δ^(l+1)_j``.
    """

    def __init__(self, net, notation, layer_name=None, k=0):
        nt, u = notation, notation.unit_base
        name = layer_name or (lambda c: str(c + nt.first_layer))
        off = 1 if nt.weight_named_after == "source" else 0
        self.sub, self.tex = {}, {}

        def put(expr, page):
            s = sympy.Symbol(page)
            self.sub[sympy.sympify(expr)] = s
            self.tex[s] = _latex_name(page)
        for c in range(1, net.L + 1):
            for j in range(net.sizes[c]):
                if net.a[k][c][j] != net.z[k][c][j]:
                    put(net.a[k][c][j], f"a^({name(c)})_{{{j + u}}}")
                put(net.z[k][c][j], f"z^({name(c)})_{{{j + u}}}")
                for i in range(net.sizes[c - 1]):
                    a, b = (j, i) if nt.weight_index == "to_from" else (i, j)
                    put(net.W[c][j][i], f"W^({name(c - off)})_{{{a + u},{b + u}}}")
                put(net.b[c][j], f"b^({name(c - off)})_{{{j + u}}}")
        for i, s in enumerate(net.x[k]):
            put(s, f"a^({name(0)})_{{{i + u}}}" if layer_name else f"x_{{{i + u}}}")
        for i, s in enumerate(net.y[k]):
            put(s, f"y_{{{i + u}}}")
        put(net.lam, "λ")
        if isinstance(net, StepNetwork):
            zL = [sympy.sympify(v) for v in net.z[k][net.L]]
            for j in range(net.sizes[net.L]):
                put(sympy.Function(f"G_{j + 1}")(*zL), f"δ^({name(net.L)})_{{{j + u}}}")

    def page(self, expr):
        """A sympy expression in page symbols (functions keep canonical names)."""
        return sympy.sympify(expr).xreplace(self.sub)

    def text(self, expr) -> str:
        """Plain text (Markdown, HTML)."""
        e = self.page(expr)
        fun = {a: sympy.Function(_FUN_TEXT[a.func.__name__])(*a.args) for a in e.atoms(AppliedUndef)
               if a.func.__name__ in _FUN_TEXT}
        return _cut(str(e.xreplace(fun) if fun else e))

    def latex(self, expr) -> str:
        """LaTeX math."""
        e = self.page(expr)
        fun = {a: sympy.Function(_FUN_TEX[a.func.__name__])(*a.args) for a in e.atoms(AppliedUndef)
               if a.func.__name__ in _FUN_TEX}
        out = sympy.latex(e.xreplace(fun) if fun else e, symbol_names=self.tex, long_frac_ratio=1)
        return out if len(out) <= 3 * _LIMIT else r"\text{(" + str(len(out)) + r" characters; see the text form)}"


def _cut(text):
    return text if len(text) <= _LIMIT else text[:_LIMIT] + " …"


def _tex_math(text: str) -> str:
    """symbp's own Unicode text (page names, cost formulas) in math mode -> LaTeX macros.

    >>> print(_tex_math("C = ½ Σ_k (a_k − y_k)²"))
    C = \\tfrac{1}{2} \\sum _k (a_k - y_k)^{2}
    """
    text = re.sub(r"\bln\b", r"\\ln", str(text)).replace("softmax", r"\operatorname{softmax}")
    text = text.replace("Σ", r"\sum ")      # in symbp's formulas Σ is a sum, not the letter
    out = []
    for ch in text:
        if ch in MATH_SYMBOLS:
            m = MATH_SYMBOLS[ch]
            out.append(m + (" " if m[-1].isalpha() else ""))
        elif ch == "²":
            out.append("^{2}")
        elif ord(ch) > 127:
            out.append(r"\mbox{\texttt{[U+%04X]}}" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def split_chain(latex: str, parts: int):
    """The page's LaTeX of a chain split at its top-level ``=`` signs, if it has exactly ``parts`` pieces.

    >>> split_chain(r"\\delta = \\frac{a}{b} = c", 3)
    ['\\\\delta', '\\\\frac{a}{b}', 'c']
    >>> split_chain("a = b", 3) is None
    True
    """
    pieces, depth, cur = [], 0, ""
    for ch in latex:
        depth += ch in "{[(" and 1 or 0
        depth -= ch in "}])" and 1 or 0
        if ch == "=" and depth == 0:
            pieces.append(cur.strip())
            cur = ""
        else:
            cur += ch
    pieces.append(cur.strip())
    return pieces if len(pieces) == parts and all(pieces) else None


# -- the transcript ------------------------------------------------------------------------------------
@dataclass
class Step:
    """One written step of the claim: what the page writes, and whether it equals the truth."""
    index: int
    latex: str | None         # the page's LaTeX of this step, when the chain's LaTeX splits into its steps
    text: str                 # the step on the smallest architecture, page notation
    tex: str
    holds: bool
    residual: str | None = None
    residual_tex: str | None = None


@dataclass
class Transcript:
    """The chain of reasoning behind one claim's verdict."""
    title: str
    source: str
    claim: object
    result: object                              # EquationResult
    architecture: list = field(default_factory=list)
    where: str = ""
    cost: list = field(default_factory=list)    # (label, text, tex)
    chain_rule: list = field(default_factory=list)   # (heading, [(lhs text, rhs text, lhs tex, rhs tex)])
    truth: tuple = ("", "")                     # the true side at the shown instance (text, tex)
    steps: list = field(default_factory=list)
    unreadable: str = ""
    activation: str = "f"                       # the spec's hidden activation (generic "f", or a named one)

    @property
    def numerically(self) -> str:
        """How the counterexample's floats were computed: the generic f stood in for, or the real activation."""
        if self.activation in ("f", "g"):
            return "numerically (f and f' standing in as fixed random functions, independent of each other)"
        return f"numerically (activation {self.activation})"

    def __repr__(self):
        return f"<Transcript of {self.claim.label} ({self.claim.reading}): {self.result.status}>"

    def __str__(self):
        return self.to_markdown()

    @property
    def reason(self) -> str:
        """Why the verdict is what it is (the diagnosis, or the verification's message)."""
        d = self.result.diagnosis
        if d:
            return f"[{d['kind']}] {d['detail']}"
        return self.result.message

    @property
    def broken(self):
        """Indices of the steps that do not hold."""
        return [s.index for s in self.steps if not s.holds]

    # -- formats ---------------------------------------------------------------------------------------
    def to_markdown(self, math: bool = False) -> str:
        """The transcript as Markdown: the page's formulas as ``$…$`` math, CAS expressions as code spans.

        With ``math`` the CAS expressions are ``$…$`` math too (sympy's LaTeX; the HTML page typesets them).
        """
        c, r = self.claim, self.result

        def expr(text, tex):
            return f"$${tex}$$" if math and tex else md_code(text)

        out = [f"## Proof of {md_text(c.label)} ({md_text(c.reading)}) — {md_text(self.title)}", "",
               f"Source {md_code(self.source)}; a {c.kind} claim"
               + (f" about {c.of}" if c.kind == "chain" else "") + (f", layer {c.layer}" if isinstance(c.layer, str)
                                                                   else "") + ".", "",
               _md_page(c.latex, display=True), "", "### 1. The cost", ""]
        out += [f"* {md_text(label)}: {expr(text, tex)}" for label, text, tex in self.cost]
        if self.chain_rule:
            out += ["", "### 2. The chain rule, derived by the CAS (ground truth)", ""]
            for heading, lines in self.chain_rule:
                out.append(f"{md_text(heading)}:")
                out.append("")
                out += [f"* {expr(f'{lhs} = {rhs}', f'{lt} = {rt}')}" for lhs, rhs, lt, rt in lines]
                out.append("")
        out += ["", f"### {3 if self.chain_rule else 2}. The document's steps", ""]
        if self.unreadable:
            out.append(f"The formula cannot be evaluated as written: {md_text(self.unreadable)}")
        else:
            out.append(f"On {self.architecture} at {md_text(self.where or 'its one instance')}, the truth is "
                       f"{expr(*self.truth)}.")
            out.append("")
            for s in self.steps:
                mark = "✓" if s.holds else "✗"
                page = f"{_md_page(s.latex)} — " if s.latex else ""
                out.append(f"{s.index}. {mark} {page}{expr(s.text, s.tex)}")
                if not s.holds and s.residual:
                    out.append(f"   * residual truth − step: {expr(s.residual, s.residual_tex)}")
        cex = r.counterexample
        if cex:
            out += ["", "### Counterexample (exact)", "",
                    f"On {cex['architecture']} (m = {cex['batch_size']}) at "
                    f"{md_text(cex['where'] or 'its one instance')}, with "
                    + ", ".join(md_code(f"{k} = {v}") for k, v in cex["point"].items()) + ":", "",
                    f"* truth: {md_code(_exact(cex['truth']))}", f"* formula: {md_code(_exact(cex['formula']))}",
                    f"* {self.numerically}: {cex['truth_float'] + 0.0:.6g} "
                    f"≠ {cex['formula_float'] + 0.0:.6g}"]
            if cex.get("note"):
                out.append(f"* {md_text(cex['note'])}")
        out += ["", "### Verdict", "", f"**{r.status}**" + (f" — {md_text(self.reason)}" if self.reason else "")]
        if r.status == ALL_DEPTHS:
            out += ["", ALL_DEPTHS_MEANS]
        return "\n".join(out) + "\n"

    def _latex_body(self) -> list:
        c, r = self.claim, self.result
        out = [r"\section*{Proof of " + tex_text(c.label) + " (" + tex_text(c.reading) + ")}",
               r"\noindent " + tex_text(f"{self.title}; source {self.source}; a {c.kind} claim.") + r"\par",
               _page_display(c.latex), r"\subsection*{1. The cost}", r"\begin{itemize}"]
        out += [r"\item " + tex_text(label) + ":" + (f" ${tex}$" if len(tex) < _WIDTH else _cas_display(tex))
                for label, _, tex in self.cost]
        out.append(r"\end{itemize}")
        n = 2
        if self.chain_rule:
            out.append(r"\subsection*{2. The chain rule, derived by the CAS (ground truth)}")
            for heading, lines in self.chain_rule:
                out.append(tex_text(heading) + ":")
                out += [_cas_display(f"{lhs} = {rhs}") for _, _, lhs, rhs in lines]
            n = 3
        out.append(r"\subsection*{" + f"{n}. The document's steps" + "}")
        if self.unreadable:
            out.append(tex_text("The formula cannot be evaluated as written: " + self.unreadable) + r"\par")
        else:
            out.append(tex_text(f"On {self.architecture} at {self.where or 'the claim'}, the truth is")
                       + _cas_display(self.truth[1]))
            out.append(r"\begin{enumerate}")
            for s in self.steps:
                mark = r"$\checkmark$" if s.holds else r"$\times$ \textbf{broken}"
                page = (r"$" + tex_math(s.latex) + r"$: ") if s.latex else ""
                out.append(r"\item " + mark + " " + page + _cas_display(s.tex))
                if not s.holds and s.residual_tex:
                    out.append(r"residual truth $-$ step: " + _cas_display(s.residual_tex))
            out.append(r"\end{enumerate}")
        cex = r.counterexample
        if cex:
            out += [r"\subsection*{Counterexample (exact)}",
                    tex_text(f"On {cex['architecture']} (m = {cex['batch_size']}) at {cex['where'] or 'the claim'}, with "
                         + ", ".join(f"{k} = {v}" for k, v in cex["point"].items()) + ":"),
                    r"\begin{itemize}", r"\item truth: " + _tt(_exact(cex["truth"])),
                    r"\item formula: " + _tt(_exact(cex["formula"])),
                    r"\item " + tex_text(f"{self.numerically}: "
                                     f"{cex['truth_float'] + 0.0:.6g} ≠ {cex['formula_float'] + 0.0:.6g}"),
                    r"\end{itemize}"]
        out += [r"\subsection*{Verdict}", r"\textbf{" + tex_text(r.status) + "}"
                + ((" --- " + tex_breakable(self.reason)) if self.reason else "") + r"\par"]
        if r.status == ALL_DEPTHS:
            out.append(tex_text(ALL_DEPTHS_MEANS) + r"\par")
        return out

    def to_latex(self) -> str:
        """A standalone LaTeX document (compiles with pdflatex)."""
        return "\n".join(_latex_document([self]))

    def to_html(self) -> str:
        """A standalone HTML page, math as MathML (no script, no network)."""
        return _html_document([self])

    def render(self, fmt: str) -> str:
        """The transcript in ``fmt``: markdown, latex or html."""
        return render([self], fmt)

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return "\n".join(self._latex_body())


_PREAMBLE = [r"\documentclass[10pt]{article}", *TEX_PREAMBLE, r"\begin{document}"]


def _display(tex: str) -> str:
    """Display math for the page's own formula (kept as written, on one line)."""
    return rf"\[ {tex} \]"


_WIDTH = 90   # characters of LaTeX per line of a broken display


def _page_display(latex: str) -> str:
    r"""The page's formula as display math; a long chain ``a = b = c`` one ``=`` a line.

    >>> print(_page_display("x = y"))
    \[ x = y \]
    """
    tex = tex_math(latex)
    pieces = None
    if len(tex) >= _WIDTH and safe_math(latex) is not None:
        pieces = next(filter(None, (split_chain(tex, n) for n in range(tex.count("=") + 1, 1, -1))), None)
    if not pieces or len(pieces) < 2:
        return _display(tex)
    return ("\\begin{align*}\n" + pieces[0] + " &= " + "\\\\\n&= ".join(pieces[1:]) + "\n\\end{align*}")


def _unbrace_calls(tex: str) -> str:
    r"""``f{(x + y)}`` (sympy's function call) -> ``f(x + y)``, so a line may break inside the call.

    >>> _unbrace_calls("f{(a + g{(b)} )} + {c}")
    'f(a + g(b) ) + {c}'
    """
    out, stack, i = list(tex), [], 0
    while i < len(tex):
        if tex[i] == "\\":
            i += 2
            continue
        if tex[i] == "{":
            stack.append(i)
        elif tex[i] == "}" and stack:
            j = stack.pop()
            if tex[j + 1:j + 2] == "(" and tex[:i].rstrip().endswith(")"):
                out[j] = out[i] = ""
        i += 1
    return "".join(out)


def _cas_display(tex: str) -> str:
    r"""A CAS expression as display math broken over lines at its top-level ``+`` and ``-`` when long.

    ``\left``/``\right`` are dropped (a line cannot break inside them); the parentheses stay.

    >>> print(_cas_display("x + y"))
    \[ x + y \]
    >>> long = _cas_display(" + ".join([r"a_{1} \left(b + c\right)"] * 12))
    >>> long.startswith(r"\begin{align*}"), long.count(r"\quad"), r"\left" in long
    (True, 3, False)
    """
    if len(tex) < _WIDTH:
        return _display(tex)
    tex = _unbrace_calls(re.sub(r"\\(?:left|right)(?![A-Za-z])\s*\.?", "", tex))
    lines, cur, depth, i = [], "", 0, 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\" and i + 1 < len(tex):
            cur += tex[i:i + 2]
            i += 2
            continue
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and tex[i:i + 3] in (" + ", " - ") and len(cur) > _WIDTH * 0.6:
            lines.append(cur)
            cur = ""
        cur += ch
        i += 1
    lines.append(cur)
    if len(lines) == 1:
        return _display(tex)
    return ("\\begin{align*}\n& " + lines[0].strip() + "\\\\\n"
            + "\\\\\n".join("&\\quad " + ln.strip() for ln in lines[1:]) + "\n\\end{align*}")


def _exact(text: str) -> str:
    """A counterexample's exact value for reading: each nested ``exp(…)`` printed once, then named.

    >>> _exact("1/(1 + exp(-1/6)) + 2/(1 + exp(1/3 - 2/(1 + exp(-4/3))))**2 + 3/(1 + exp(1/3 - 2/(1 + exp(-4/3))))")
    '3/(E3 + 1) + 2/(E3 + 1)**2 + 1/(E1 + 1), where E1 = exp(-1/6), E2 = exp(-4/3), E3 = exp(1/3 - 2/(E2 + 1))'
    """
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # page names (f'(…), x_{1}) are not Python: left as they are
            value = sympy.sympify(text)
    except (sympy.SympifyError, TypeError, ValueError, SyntaxError, AttributeError):
        return text
    return named_exps(value) if value.free_symbols == set() else text


def _md_page(latex: str, display: bool = False) -> str:
    """The page's LaTeX as Markdown math when :func:`safe_math` keeps it, else as a code span."""
    safe = safe_math(latex)
    if safe is None:
        return md_code(latex)
    return f"$$ {safe} $$" if display else f"$ {safe} $"


def _tt(text: str) -> str:
    """A CAS value as breakable typewriter text (long exact values must not run into the margin)."""
    return r"\texttt{" + tex_breakable(text) + "}"


def _latex_document(ts):
    body = []
    for t in ts:
        body += t._latex_body() + [r"\clearpage"]
    return _PREAMBLE + body + [r"\end{document}"]


def _html_document(ts):
    parts = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>symbp proof</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto} code{white-space:pre-wrap}"
             " math[display=block]{overflow-x:auto} .ok{color:green} .bad{color:#b00;font-weight:bold}</style>"
             "</head><body>"]
    for t in ts:
        for line in t.to_markdown(math=True).splitlines():
            parts.append(_md_line_to_html(line))
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def _md_line_to_html(line):
    """The transcript's own small Markdown subset -> HTML (headings, items, code, math, bold, ✓/✗)."""
    if not line.strip():
        return ""
    m = re.match(r"(#+) (.*)", line)
    if m:
        n = len(m.group(1))
        return f"<h{n}>{_inline(m.group(2))}</h{n}>"
    m = re.match(r"\s*(\*|\d+\.) (.*)", line)
    if m:
        lead = "" if m.group(1) == "*" else m.group(1) + " "
        return f"<p style=\"margin-left:2em\">• {_inline(lead + m.group(2))}</p>"
    return f"<p>{_inline(line)}</p>"


_MD_INLINE = re.compile(r"\\(.)|(`+) ?(.+?) ?\2(?!`)|\$\$(.+?)\$\$|\$(.+?)\$|\*\*")


def mathml(tex: str, display: bool = False) -> str | None:
    """LaTeX math as MathML (rendered offline by any current browser), or None when it cannot be converted.

    >>> mathml(r"\\frac{1}{2}")[:40]
    '<math xmlns="http://www.w3.org/1998/Math'
    >>> mathml(r"\\input{/etc/hostname}") is None
    True
    """
    if safe_math(tex) is None:
        return None
    try:
        from latex2mathml.converter import convert
        out = convert(safe_math(tex), display="block" if display else "inline")
    except Exception:        # noqa: BLE001 (latex2mathml raises many kinds on what it does not know)
        return None
    return out if "<script" not in out.lower() and "href" not in out.lower() else None


def _inline(text):
    out, bold, pos = [], False, 0
    for m in _MD_INLINE.finditer(text):
        out.append(html.escape(html.unescape(text[pos:m.start()])))
        pos = m.end()
        esc, _, code, display, inline = m.groups()
        if esc is not None:
            out.append(html.escape(esc))
        elif code is not None:
            out.append(f"<code>{html.escape(code)}</code>")
        elif display is not None or inline is not None:
            tex = (display if display is not None else inline).strip()
            ml = mathml(tex, display=display is not None and len(tex) < 3000)
            out.append(ml if ml is not None else f"<code>{html.escape(tex)}</code>")
        else:
            out.append("</b>" if bold else "<b>")
            bold = not bold
    out.append(html.escape(html.unescape(text[pos:])))
    if bold:
        out.append("</b>")
    e = "".join(out)
    return e.replace("✓", "<span class=\"ok\">✓</span>").replace("✗", "<span class=\"bad\">✗</span>")


def render(ts, fmt: str) -> str:
    """Several transcripts as one document in ``fmt`` (markdown, latex or html)."""
    if fmt == "markdown":
        return "\n".join(t.to_markdown() for t in ts)
    if fmt == "latex":
        return "\n".join(_latex_document(ts)) + "\n"
    if fmt == "html":
        return _html_document(ts) + "\n"
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


# -- building a transcript -----------------------------------------------------------------------------
def _smallest(claim, derivation, sweep):
    archs = list(sweep or derivation.sweep)
    if claim.archs is not None:
        archs = [(s, m) for s, m in archs if claim.archs(tuple(s), m)]
    return sorted(archs, key=lambda a: (len(a[0]), sum(a[0]) * a[1]))


def _cost_lines(derivation, claim, net, pr):
    spec = net.spec
    lines = [("per-example cost (" + spec.cost + ")", COSTS[spec.cost].formula, _tex_math(COSTS[spec.cost].formula))]
    conv = {"none": "J = Σ_examples C", "examples": "J = (1/m) Σ_examples C",
            "examples_and_outputs": "J = 1/(m·K) Σ_examples C"}[spec.average]
    tex = {"none": r"J = \sum_{\text{examples}} C", "examples": r"J = \frac{1}{m} \sum_{\text{examples}} C",
           "examples_and_outputs": r"J = \frac{1}{mK} \sum_{\text{examples}} C"}[spec.average]
    if spec.weight_decay:
        conv += " + λ/2 Σ W²" + (" (biases too)" if spec.decay_biases else "") + (" / m" if spec.decay_average else "")
        tex += (r" + \frac{\lambda}{2" + ("m" if spec.decay_average else "") + r"} \sum W^{2}"
                + (r" \quad\text{(biases too)}" if spec.decay_biases else ""))
    lines.append(("batch cost", conv, tex))
    C = net.example_costs[0]
    lines.append((f"on {list(net.sizes)}, C", pr.text(C), pr.latex(C)))
    return lines


def _chain_rule(claim, derivation, cache):
    """CAS derivations: the output layer on the smallest base network, and the generic induction step."""
    kind = claim.of if claim.kind == "chain" else claim.kind
    if kind not in ("delta", "grad_W", "grad_b"):
        return []
    out = []
    base = cache.get(spec_for(derivation, claim, (1, 1, 2), 1))
    pr = Printer(base, derivation.notation, layer_name=lambda c: {0: "L−2", 1: "L−1", 2: "L"}[c])
    L = base.L
    lines = []
    for j in range(base.sizes[L]):
        u = j + derivation.notation.unit_base
        dC_da = base.partial(0, lambda z, a, C: C, "a", L, j)
        lines.append((f"∂C/∂a^(L)_{u}", pr.text(dC_da), rf"\frac{{\partial C}}{{\partial a^{{(L)}}_{{{u}}}}}",
                      pr.latex(dC_da)))
        d = base.delta_cached(0, L)[j]
        lines.append((f"δ^(L)_{u}", pr.text(d), rf"\delta^{{(L)}}_{{{u}}}", pr.latex(d)))
    out.append(("Output layer (base case) on [1, 1, 2]: the chain rule δ^(L) = ∂C/∂a^(L) ⊙ f'(z^(L))", lines))
    try:
        spec = spec_for(derivation, claim, (1, 2, 2, 2), 1, {"output_activation": None, "cost": "half_sse",
                                                              "weight_decay": 0.0})
    except ValueError:
        return out
    step = StepNetwork(spec)
    pr = Printer(step, derivation.notation, layer_name=lambda c: {0: "l−2", 1: "l−1", 2: "l", 3: "l+1"}[c])
    u = derivation.notation.unit_base
    d = step.delta(0, 2)
    lines = [(f"δ^(l)_{j + u}", pr.text(d[j]), rf"\delta^{{(l)}}_{{{j + u}}}", pr.latex(d[j])) for j in range(2)]
    if kind == "grad_W":
        g = step.diff(step.example_costs[0], step.W[2][0][1])
        nm = "W^(l)" if derivation.notation.weight_named_after == "target" else "W^(l−1)"
        a, b = (u, u + 1) if derivation.notation.weight_index == "to_from" else (u + 1, u)
        lines.append((f"∂C/∂{nm}_{{{a},{b}}}", pr.text(g), _tex_math(rf"\partial C/\partial {_latex_name(nm)}"
                                                                     rf"_{{{a},{b}}}"), pr.latex(g)))
    out.append(("Induction step on [1, 2, 2, 2]: layer l with C = G(z^(l+1)), G undefined, so "
                "δ^(l+1) = ∂G/∂z^(l+1); the chain rule δ^(l) = (∂z^(l+1)/∂z^(l))ᵀ δ^(l+1)", lines))
    return out


def _transcript(doc, claim, result, cache, sweep, budget=TIME_LIMIT):
    archs = _smallest(claim, doc, sweep)
    t = Transcript(doc.title, doc.source, claim, result)
    sizes, m = archs[0] if archs else ((1, 1, 1), 1)
    cex = result.counterexample
    if cex and result.status not in HOLDS:   # show the steps where the counterexample is
        sizes, m = tuple(cex["architecture"]), cex["batch_size"]
    net = cache.get(spec_for(doc, claim, sizes, m))
    pr = Printer(net, doc.notation_of(claim))
    t.architecture = list(sizes)
    t.activation = net.spec.activation
    t.cost = _cost_lines(doc, claim, net, pr)
    t.chain_rule = _chain_rule(claim, doc, cache)
    try:   # the claim's function under the run's time limit, as in the check
        instances = instantiate(dataclasses.replace(claim, fn=limited(claim.fn, budget)), net, doc.notation_of(claim),
                                {})
    except (IllFormed, IndexError, KeyError, ValueError, TypeError) as e:
        t.unreadable = str(e)
        return t
    except TimeLimit as e:
        t.unreadable = f"the claim's function (building its sides) {e} (the time limit, --budget)"
        return t
    B = net.backend.B
    exact = [[B.expand(B.sympify(i.sides[0] - s)) for s in i.sides[1:]] for i in instances]
    # show the first instance where a step fails (else the first instance)
    pick = next((k for k, res in enumerate(exact) if any(r != 0 for r in res)), 0)
    if cex and cex.get("where"):
        pick = next((k for k, i in enumerate(instances) if i.where == cex["where"]), pick)
    inst = instances[pick]
    t.where = inst.where
    t.truth = (pr.text(inst.sides[0]), pr.latex(inst.sides[0]))
    pieces = split_chain(claim.latex, len(inst.sides)) or ([None] * len(inst.sides))
    holds_by_step = {s["step"]: s["holds"] for s in (result.steps or [])}
    for s, side in enumerate(inst.sides[1:], start=1):
        holds = holds_by_step.get(s, result.status in HOLDS)
        res = exact[pick][s - 1]
        step = Step(s, pieces[s] if len(pieces) > s else None, pr.text(side), pr.latex(side), holds)
        if not holds:
            if res == 0:   # fine here, broken elsewhere: show the residual where it is not zero
                res = next((e[s - 1] for e in exact if e[s - 1] != 0), res)
            step.residual, step.residual_tex = pr.text(res), pr.latex(res)
        t.steps.append(step)
    return t


def transcripts(derivation, label=None, *, sweep=None, budget=TIME_LIMIT, backend="symengine", progress=None):
    """The proof transcripts of the claims of ``derivation`` that ``label`` picks (every claim when None).

    ``label`` is a label, a glob or a part of a label, as ``symbp check --claim`` (:func:`select_labels`);
    ``progress`` is called as in :func:`symbp.run.runner.check` while the claims are checked.
    """
    picked, unmatched = select_labels([c.label for c in derivation.claims], None if label is None else [label])
    if unmatched:
        raise KeyError(f"no claim labelled {label!r} in {derivation.name} "
                       f"(labels: {', '.join(dict.fromkeys(c.label for c in derivation.claims))})")
    only = picked if label is not None else None
    claims = [c for c in derivation.claims if c.label in picked]
    result = check_derivation(derivation, sweep=sweep, backend=backend, budget=budget, only=only, progress=progress)
    cache = NetworkCache(backend)
    by_claim = {(e.label, e.reading): e for e in result.equations}
    return [_transcript(derivation, c, by_claim[(c.label, c.reading)], cache, sweep, budget) for c in claims]


def prove(derivation, label=None, *, fmt=None, **opts):
    """The proof transcripts of ``derivation`` (a Derivation, a file or a module), for one label, a list or all.

    With ``fmt`` ("markdown", "latex" or "html") the rendered document, else the list of
    :class:`Transcript` objects; ``opts`` as :func:`transcripts` (``sweep``, ``budget``, ``backend``).

    >>> from symbp import Derivation, Notation
    >>> doc = Derivation("d", "D", "-", Notation())
    >>> @doc.claim("(1)", "delta", r"\\delta^L_i", layer="output")
    ... def out(n, i):
    ...     return n.delta[n.L][i], n.dC_da[n.L][i] * n.fp(n.z[n.L][i])
    >>> [t.result.status for t in prove(doc, sweep=[((2, 2, 1), 1)])]
    ['proven for all depths']
    """
    from .load import load_derivation
    doc = derivation if isinstance(derivation, Derivation) else load_derivation(derivation)
    labels = [label] if label is None or isinstance(label, str) else list(label)
    ts = [t for one in labels for t in transcripts(doc, one, **opts)]
    return render(ts, fmt) if fmt else ts
