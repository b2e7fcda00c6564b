"""Text for reports: untrusted strings made safe for a terminal line, Markdown, LaTeX and HTML.

A derivation's label, name, title and ``latex`` strings come from a file that may
be hostile (a TOML derivation runs no code, so its strings must not run any in
the reader's LaTeX either).  Text is escaped character by character; a
``latex`` formula is kept as math only when every token of it is on a whitelist
of math commands (:func:`safe_math`), else it is shown escaped, as text.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ['tex_text', 'tex_breakable', 'md_text', 'md_code', 'one_line', 'safe_math', 'tex_math', 'TEX_PREAMBLE']


#: The packages every LaTeX output of symbp loads (pdflatex, no package beyond texlive-latex-recommended).
TEX_PREAMBLE = [r"\usepackage[utf8]{inputenc}", r"\usepackage[T1]{fontenc}", r"\usepackage{textcomp}",
                r"\usepackage{amsmath,amssymb}", r"\usepackage[margin=2cm]{geometry}",
                r"\allowdisplaybreaks", r"\sloppy"]


def one_line(text) -> str:
    r"""``text`` on one terminal line: newlines become spaces, other control characters are shown as escapes.

    >>> one_line("(1)\n!! forged\x1b[2J")
    '(1) !! forged\\x1b[2J'
    """
    out = []
    for ch in str(text):
        if ch in "\r\n\t\v\f\u2028\u2029\x85":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf") and ch != "\u200d":
            out.append(ascii(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


def md_text(text: str) -> str:
    r"""Text for a Markdown table cell or line: no emphasis, code, math, HTML or cell break from the text itself.

    >>> md_text("W^(3)_{1,3}*y_{2}*x | <b>")
    'W^(3)\\_{1,3}\\*y\\_{2}\\*x \\| &lt;b&gt;'
    """
    out = []
    for ch in one_line(text):
        if ch in "\\`*_[]|$~#":
            out.append("\\" + ch)
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == "&":
            out.append("&amp;")
        else:
            out.append(ch)
    return "".join(out)


def md_code(text: str) -> str:
    """``text`` as a Markdown code span (a CAS expression, a residual): nothing in it is read as Markdown.

    >>> md_code("a*b*c")
    '`a*b*c`'
    >>> md_code("x`y | z")
    '`` x`y ¦ z ``'
    """
    t = one_line(text).replace("|", "¦")         # a table cell ends at | even inside a code span
    ticks = max((len(m) for m in re.findall(r"`+", t)), default=0)
    fence = "`" * (ticks + 1)
    return f"{fence} {t} {fence}" if ticks else f"{fence}{t}{fence}"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
        ">": r"\textgreater{}", "|": r"\textbar{}", '"': r"\textquotedbl{}"}


#: Greek letters and math symbols: LaTeX math macros (pdflatex has no glyph for the characters).
MATH_SYMBOLS = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ζ": r"\zeta",
    "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu",
    "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi",
    "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta",
    "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi",
    "Ω": r"\Omega", "⊙": r"\odot", "⊗": r"\otimes", "⊕": r"\oplus", "∂": r"\partial", "∇": r"\nabla",
    "∑": r"\sum", "∏": r"\prod", "×": r"\times", "÷": r"\div", "·": r"\cdot", "∘": r"\circ", "−": "-",
    "±": r"\pm", "′": "'", "″": "''", "ᵀ": r"^{T}", "⊤": r"\top", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq",
    "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "∈": r"\in", "∉": r"\notin", "∀": r"\forall",
    "∃": r"\exists", "∞": r"\infty", "…": r"\dots", "⋯": r"\cdots", "⋮": r"\vdots", "‖": r"\|",
    "→": r"\to", "←": r"\leftarrow", "↦": r"\mapsto", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow",
    "√": r"\surd", "∅": r"\emptyset", "ℓ": r"\ell", "ℝ": r"\mathbb{R}", "½": r"\tfrac{1}{2}",
    "⅓": r"\tfrac{1}{3}", "¼": r"\tfrac{1}{4}", "¾": r"\tfrac{3}{4}", "–": "-", "—": "-",
}

_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱ", "0123456789+-()ni"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₖₗₘₙᵢⱼ", "0123456789+-()klmnij"))

#: Text-mode macros for characters T1/inputenc has no glyph or definition for.
_TEXT_SYMBOLS = {"–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
                 "✓": r"$\checkmark$", "✔": r"$\checkmark$", "✗": r"$\times$", "✘": r"$\times$",
                 "½": r"\textonehalf{}", "¼": r"\textonequarter{}", "¾": r"\textthreequarters{}",
                 "°": r"\textdegree{}", "•": r"\textbullet{}", "€": r"\texteuro{}", "\u00a0": "~"}


def _circled(ch):
    """①..⑳ -> the number in a circle (textcomp's ``\\textcircled``)."""
    return rf"\textcircled{{\scriptsize {ord(ch) - 0x245F}}}"


def _latin(ch):
    """Whether T1 with inputenc's utf8 sets ``ch`` (accented Latin letters of Latin-1 and Latin Extended-A)."""
    return ("\u00c0" <= ch <= "\u017f" and ch not in "×÷\u0149\u017f") or ch in "¡¿£§©«»®¶ßµ"


def tex_text(text: str) -> str:
    r"""``text`` for LaTeX text mode: every special character escaped, Unicode mapped to macros, one line.

    >>> tex_text(r"\input{/etc/hostname} ½ ② δ")
    '\\textbackslash{}input\\{/etc/hostname\\} \\textonehalf{} \\textcircled{\\scriptsize 2} $\\delta$'
    >>> tex_text("^^5c\n%")
    '\\textasciicircum{}\\textasciicircum{}5c \\%'
    """
    out = []
    for ch in one_line(text):
        if ch in _TEX:
            out.append(_TEX[ch])
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[ch])
        elif "\u2460" <= ch <= "\u2473":
            out.append(_circled(ch))
        elif _latin(ch):
            out.append(ch)
        elif ch in MATH_SYMBOLS:
            out.append(f"${MATH_SYMBOLS[ch]}$")
        elif ch in _SUPER:
            out.append(r"\textsuperscript{" + _SUPER[ch] + "}")
        elif ch in _SUB:
            out.append(r"$_{\mathrm{" + _SUB[ch] + "}}$")
        else:
            out.append(r"\texttt{[U+%04X]}" % ord(ch))   # no glyph: say which character stood there
    return "".join(out)


def tex_breakable(text: str) -> str:
    r""":func:`tex_text` with line breaks allowed after ``*``, ``+``, ``,`` and ``(`` (long CAS values, residuals).

    >>> print(tex_breakable("a*b+c"))
    a*\allowbreak{}b+\allowbreak{}c
    """
    return re.sub(r"([*+,(])", r"\1\\allowbreak{}", tex_text(text))


# -- math ----------------------------------------------------------------------------------------------
_MATH_WORDS = set("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho varrho
sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
frac tfrac dfrac partial nabla odot otimes oplus cdot cdotp times div circ ast star bullet pm mp sum prod
left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr middle mathbf boldsymbol mathrm mathit mathcal
mathbb mathsf bm hat bar tilde vec dot ddot widehat widetilde overline underline underbrace overbrace boxed
prime top intercal perp leftarrow rightarrow to gets mapsto Leftarrow Rightarrow leftrightarrow
Leftrightarrow longrightarrow cdots vdots ldots dots ddots quad qquad forall exists in notin subset subseteq
le leq ge geq neq ne approx equiv sim simeq propto mid vert Vert lvert rvert lVert rVert langle rangle lfloor
rfloor lceil rceil infty ell sqrt log ln exp sin cos tan tanh sinh cosh max min arg sup inf lim limits
nolimits displaystyle textstyle scriptstyle sgn text mathrm operatorname begin end colon emptyset
""".split())
_TEXT_ARG = {"text", "operatorname", "mathrm", "mathit", "mathbf", "mathsf", "mathcal", "mathbb"}
_ENVS = {"bmatrix", "pmatrix", "matrix", "vmatrix", "Bmatrix", "smallmatrix", "cases", "aligned", "gathered"}
_SYMBOLS = set(",;:! {}|\\_%&#$")
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)


def _math_tokens(latex):
    """The tokens of ``latex`` after mapping Unicode to macros, or None when a character is not allowed."""
    text = []
    for ch in latex:
        if ch in MATH_SYMBOLS:
            m = MATH_SYMBOLS[ch]
            text.append(m + (" " if m[-1].isalpha() else ""))
        elif ch in _SUPER:
            text.append("^{" + _SUPER[ch] + "}")
        elif ch in _SUB:
            text.append("_{" + _SUB[ch] + "}")
        elif ch in "\t\n\r":
            text.append(" ")
        elif 32 <= ord(ch) < 127 and ch not in "%#$\"":
            text.append(ch)
        else:
            return None
    return _TOKEN.findall("".join(text))


def safe_math(latex: str) -> str | None:
    r"""``latex`` as math mode LaTeX when every command in it is a whitelisted math command, else None.

    Braces, ``\begin``/``\end`` and ``\left``/``\right`` must balance; ``&`` and ``\\``
    only inside a matrix-like environment; no ``^^`` (TeX's character-code escape),
    no ``%``, ``#`` or ``$``; the argument of ``\text`` and friends is plain words.

    >>> safe_math(r"\delta^{(l)}_j = \tfrac{\partial C}{\partial z^{(l)}_j}")
    '\\delta^{(l)}_j = \\tfrac{\\partial C}{\\partial z^{(l)}_j}'
    >>> print(safe_math("δ ⊙ σ'"))
    \delta  \odot  \sigma '
    >>> [safe_math(s) for s in (r"\input{/etc/hostname}", r"x^^5c", r"\catcode`\^=12", "a & b", "x}")]
    [None, None, None, None, None]
    """
    tokens = _math_tokens(str(latex))
    if tokens is None:
        return None
    depth, envs, lefts, prev = 0, [], [0], ""
    scripts, groups, pending = [set()], [], False   # per brace level: the scripts on the current atom
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if not t.isspace() and t not in "^_" and t != "}":
            if pending:
                pending = t == "{"
                if t == "{":
                    groups.append(True)
                    scripts.append(set())
                    depth += 1
                    prev = t
                    i += 1
                    continue
            elif t != "'":
                scripts[-1] = set()
        if t.startswith("\\") and len(t) > 2 or t.startswith("\\") and t[1:].isalpha():
            word = t[1:]
            if word not in _MATH_WORDS:
                return None
            if word in ("begin", "end"):
                m = re.match(r"\{([A-Za-z]+\*?)\}", "".join(tokens[i + 1:i + 40]))
                if not m or m.group(1) not in _ENVS:
                    return None
                name = m.group(1)
                if word == "begin":
                    envs.append((name, depth))
                    lefts.append(0)
                elif not envs or envs.pop() != (name, depth) or lefts.pop() != 0:
                    return None
                i += 1 + len(_TOKEN.findall(m.group(0)))
                prev = "}"
                continue
            if word in _TEXT_ARG:
                m = re.match(r"\s*\{([A-Za-z0-9 ,.;:'()+\-=/]*)\}", "".join(tokens[i + 1:i + 200]))
                if not m:
                    if word in ("text", "operatorname"):
                        return None
                else:
                    i += 1 + len(_TOKEN.findall(m.group(0)))
                    prev = "}"
                    continue
            if word == "left":
                lefts[-1] += 1
            elif word == "right":
                lefts[-1] -= 1
                if lefts[-1] < 0:
                    return None
        elif t.startswith("\\"):
            if t[1] not in _SYMBOLS:
                return None
            if t == "\\\\" and not envs:
                return None
        elif t == "{":
            depth += 1
            groups.append(False)
            scripts.append(set())
        elif t == "}":
            depth -= 1
            if depth < 0 or envs and envs[-1][1] > depth:
                return None
            scripts.pop()
            if not groups.pop():
                scripts[-1] = set()
        elif t == "&" and not envs:
            return None
        elif t in "^_":
            nxt = next((u for u in tokens[i + 1:] if not u.isspace()), None)
            if nxt is None or nxt in ("^", "_", "}", "&", "\\\\") or t in scripts[-1]:
                return None
            scripts[-1].add(t)
            pending = True
        elif t in "%#$~" or t == "'" and "^" in scripts[-1]:
            return None
        if not t.isspace():
            prev = t
        i += 1
    if depth or envs or any(lefts):
        return None
    return "".join(tokens)


def tex_math(latex: str) -> str:
    r"""``latex`` for math mode: itself when :func:`safe_math` keeps it, else the escaped text in ``\texttt``.

    >>> tex_math(r"a^{(l)}")
    'a^{(l)}'
    >>> tex_math(r"\write18{rm -rf ~}")
    '\\mbox{\\texttt{\\textbackslash{}write18\\{rm -rf \\textasciitilde{}\\}}}'
    """
    safe = safe_math(latex)
    return safe if safe is not None else r"\mbox{\texttt{" + tex_text(latex) + "}}"
