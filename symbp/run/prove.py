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

import html
import re
from dataclasses import dataclass, field

import sympy
from sympy.core.function import AppliedUndef

from ..claims.derivation import Derivation
from ..claims.tensor import IllFormed
from ..judge.evaluate import NetworkCache, instantiate, spec_for
from ..judge.induction import ALL_DEPTHS, StepNetwork
from ..model.costs import COSTS
from ..report.results import HOLDS
from ..report.text import tex_text
from .runner import check_derivation

__all__ = ['prove', 'Transcript', 'Step', 'transcripts', 'render', 'FORMATS']


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
        out = sympy.latex(e.xreplace(fun) if fun else e, symbol_names=self.tex)
        return out if len(out) <= 3 * _LIMIT else r"\text{(" + str(len(out)) + r" characters; see the text form)}"


def _cut(text):
    return text if len(text) <= _LIMIT else text[:_LIMIT] + " …"


_TEX_MATH = {"δ": r"\delta", "Δ": r"\Delta", "λ": r"\lambda", "σ": r"\sigma", "α": r"\alpha", "β": r"\beta",
             "μ": r"\mu", "ρ": r"\rho", "φ": r"\varphi", "η": r"\eta", "θ": r"\theta", "ε": r"\varepsilon",
             "⊙": r"\odot", "∂": r"\partial", "∇": r"\nabla", "Σ": r"\Sigma", "×": r"\times", "·": r"\cdot",
             "−": "-", "′": "'", "ᵀ": "^T", "²": "^2", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "…": r"\dots",
             "‖": r"\|", "→": r"\to", "≈": r"\approx", "–": "-"}


def _tex_math(text: str) -> str:
    """Unicode in math mode -> LaTeX macros (pdflatex has no glyphs for it)."""
    out = []
    for ch in text:
        if ch in _TEX_MATH:
            m = _TEX_MATH[ch]
            out.append(m + (" " if m[-1].isalpha() else ""))
        elif ord(ch) > 127:
            out.append(r"\text{[U+%04X]}" % ord(ch))
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
    def to_markdown(self) -> str:
        """The transcript as Markdown with ``$…$`` math."""
        c, r = self.claim, self.result
        out = [f"## Proof of {c.label} ({c.reading}) — {self.title}", "",
               f"Source `{self.source}`; a {c.kind} claim"
               + (f" about {c.of}" if c.kind == "chain" else "") + (f", layer {c.layer}" if isinstance(c.layer, str)
                                                                   else "") + ".", "",
               f"$$ {c.latex} $$", "", "### 1. The cost", ""]
        out += [f"* {label}: `{text}`" for label, text, _ in self.cost]
        if self.chain_rule:
            out += ["", "### 2. The chain rule, derived by the CAS (ground truth)", ""]
            for heading, lines in self.chain_rule:
                out.append(f"{heading}:")
                out.append("")
                out += [f"* `{lhs} = {rhs}`" for lhs, rhs, _, _ in lines]
                out.append("")
        out += ["", f"### {3 if self.chain_rule else 2}. The document's steps", ""]
        if self.unreadable:
            out.append(f"The formula cannot be evaluated as written: {self.unreadable}")
        else:
            out.append(f"On {self.architecture} at {self.where or 'the claim'}, the truth is `{self.truth[0]}`.")
            out.append("")
            for s in self.steps:
                mark = "✓" if s.holds else "✗"
                page = f"$ {s.latex} $ — " if s.latex else ""
                out.append(f"{s.index}. {mark} {page}`{s.text}`")
                if not s.holds and s.residual:
                    out.append(f"   * residual truth − step: `{s.residual}`")
        cex = r.counterexample
        if cex:
            out += ["", "### Counterexample (exact)", "",
                    f"On {cex['architecture']} (m = {cex['batch_size']}) at {cex['where'] or 'the claim'}, with "
                    + ", ".join(f"{k} = {v}" for k, v in cex["point"].items()) + ":", "",
                    f"* truth: `{cex['truth']}`", f"* formula: `{cex['formula']}`",
                    f"* numerically (f and f' standing in as fixed random functions, independent of each other): {cex['truth_float'] + 0.0:.6g} "
                    f"≠ {cex['formula_float'] + 0.0:.6g}"]
            if cex.get("note"):
                out.append(f"* {cex['note']}")
        out += ["", "### Verdict", "", f"**{r.status}**" + (f" — {self.reason}" if self.reason else "")]
        if r.status == ALL_DEPTHS:
            out += ["", ALL_DEPTHS_MEANS]
        return "\n".join(out) + "\n"

    def _latex_body(self) -> list:
        c, r = self.claim, self.result
        out = [r"\section*{Proof of " + tex_text(c.label) + " (" + tex_text(c.reading) + ")}",
               r"\noindent " + tex_text(f"{self.title}; source {self.source}; a {c.kind} claim.") + r"\par",
               r"\[ " + _tex_math(c.latex) + r" \]", r"\subsection*{1. The cost}", r"\begin{itemize}"]
        out += [r"\item " + tex_text(label) + r": $" + tex + "$" for label, _, tex in self.cost]
        out.append(r"\end{itemize}")
        n = 2
        if self.chain_rule:
            out.append(r"\subsection*{2. The chain rule, derived by the CAS (ground truth)}")
            for heading, lines in self.chain_rule:
                out += [tex_text(heading) + ":", r"\begin{align*}"]
                out += [f"{lhs} &= {rhs}" + r"\\" for _, _, lhs, rhs in lines]
                out.append(r"\end{align*}")
            n = 3
        out.append(r"\subsection*{" + f"{n}. The document's steps" + "}")
        if self.unreadable:
            out.append(tex_text("The formula cannot be evaluated as written: " + self.unreadable) + r"\par")
        else:
            out.append(tex_text(f"On {self.architecture} at {self.where or 'the claim'}, the truth is") + r" \[ "
                       + self.truth[1] + r" \]")
            out.append(r"\begin{enumerate}")
            for s in self.steps:
                mark = r"$\checkmark$" if s.holds else r"$\times$ \textbf{broken}"
                page = (r"$" + _tex_math(s.latex) + r"$: ") if s.latex else ""
                out.append(r"\item " + mark + " " + page + r"\[ " + s.tex + r" \]")
                if not s.holds and s.residual_tex:
                    out.append(r"residual truth $-$ step: \[ " + s.residual_tex + r" \]")
            out.append(r"\end{enumerate}")
        cex = r.counterexample
        if cex:
            out += [r"\subsection*{Counterexample (exact)}",
                    tex_text(f"On {cex['architecture']} (m = {cex['batch_size']}) at {cex['where'] or 'the claim'}, with "
                         + ", ".join(f"{k} = {v}" for k, v in cex["point"].items()) + ":"),
                    r"\begin{itemize}", r"\item truth: \texttt{" + tex_text(cex["truth"]) + "}",
                    r"\item formula: \texttt{" + tex_text(cex["formula"]) + "}",
                    r"\item " + tex_text(f"numerically (f and f' standing in as fixed random functions, independent of each other): "
                                     f"{cex['truth_float'] + 0.0:.6g} ≠ {cex['formula_float'] + 0.0:.6g}"),
                    r"\end{itemize}"]
        out += [r"\subsection*{Verdict}", r"\textbf{" + tex_text(r.status) + "}"
                + ((" --- " + tex_text(self.reason)) if self.reason else "") + r"\par"]
        if r.status == ALL_DEPTHS:
            out.append(tex_text(ALL_DEPTHS_MEANS) + r"\par")
        return out

    def to_latex(self) -> str:
        """A standalone LaTeX document (compiles with pdflatex)."""
        return "\n".join(_latex_document([self]))

    def to_html(self) -> str:
        """A standalone HTML page (math typeset by MathJax when online; readable as text otherwise)."""
        return _html_document([self])

    def render(self, fmt: str) -> str:
        """The transcript in ``fmt``: markdown, latex or html."""
        return render([self], fmt)

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return "\n".join(self._latex_body())


_PREAMBLE = [r"\documentclass[10pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage[T1]{fontenc}",
             r"\usepackage{amsmath,amssymb}", r"\usepackage[margin=2cm]{geometry}", r"\allowdisplaybreaks",
             r"\sloppy", r"\begin{document}"]


def _latex_document(ts):
    body = []
    for t in ts:
        body += t._latex_body() + [r"\clearpage"]
    return _PREAMBLE + body + [r"\end{document}"]


def _html_document(ts):
    parts = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>symbp proof</title>",
             "<script>MathJax={tex:{inlineMath:[['$','$']]}};</script>",
             "<script async src=\"https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js\"></script>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto} code{white-space:pre-wrap}"
             " .ok{color:green} .bad{color:#b00;font-weight:bold}</style></head><body>"]
    for t in ts:
        for line in t.to_markdown().splitlines():
            parts.append(_md_line_to_html(line))
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def _md_line_to_html(line):
    """The transcript's own small Markdown subset -> HTML (headings, items, code, bold, ✓/✗)."""
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


def _inline(text):
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) > 1:
            out.append(f"<code>{html.escape(p[1:-1])}</code>")
        else:
            e = html.escape(p)
            e = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", e)
            e = e.replace("✓", "<span class=\"ok\">✓</span>").replace("✗", "<span class=\"bad\">✗</span>")
            out.append(e)
    return "".join(out)


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
    if spec.weight_decay:
        conv += " + λ/2 Σ W²" + (" (biases too)" if spec.decay_biases else "") + (" / m" if spec.decay_average else "")
    lines.append(("batch cost", conv, _tex_math(conv)))
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


def _transcript(doc, claim, result, cache, sweep):
    archs = _smallest(claim, doc, sweep)
    t = Transcript(doc.title, doc.source, claim, result)
    sizes, m = archs[0] if archs else ((1, 1, 1), 1)
    cex = result.counterexample
    if cex and result.status not in HOLDS:   # show the steps where the counterexample is
        sizes, m = tuple(cex["architecture"]), cex["batch_size"]
    net = cache.get(spec_for(doc, claim, sizes, m))
    pr = Printer(net, doc.notation_of(claim))
    t.architecture = list(sizes)
    t.cost = _cost_lines(doc, claim, net, pr)
    t.chain_rule = _chain_rule(claim, doc, cache)
    try:
        instances = instantiate(claim, net, doc.notation_of(claim), {})
    except (IllFormed, IndexError, KeyError, ValueError, TypeError) as e:
        t.unreadable = str(e)
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


def transcripts(derivation, label=None, *, sweep=None, budget=10.0, backend="symengine"):
    """The proof transcripts of the claims of ``derivation`` labelled ``label`` (every claim when None)."""
    only = [label] if label is not None else None
    claims = [c for c in derivation.claims if label is None or c.label == label]
    if not claims:
        raise KeyError(f"no claim labelled {label!r} in {derivation.name} "
                       f"(labels: {', '.join(dict.fromkeys(c.label for c in derivation.claims))})")
    result = check_derivation(derivation, sweep=sweep, backend=backend, budget=budget, only=only)
    cache = NetworkCache(backend)
    by_claim = {(e.label, e.reading): e for e in result.equations}
    return [_transcript(derivation, c, by_claim[(c.label, c.reading)], cache, sweep) for c in claims]


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
