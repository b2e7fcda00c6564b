"""Text for reports: untrusted strings escaped for Markdown and LaTeX."""

from __future__ import annotations

__all__ = ['tex_text', 'md_text']


def md_text(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
        "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


_TEX_UNICODE = {"δ": r"$\delta$", "Δ": r"$\Delta$", "λ": r"$\lambda$", "σ": r"$\sigma$", "α": r"$\alpha$",
                "β": r"$\beta$", "μ": r"$\mu$", "ρ": r"$\rho$", "φ": r"$\varphi$", "⊙": r"$\odot$",
                "∂": r"$\partial$", "∇": r"$\nabla$", "Σ": r"$\Sigma$", "×": r"$\times$", "·": r"$\cdot$",
                "−": "-", "–": "--", "—": "---", "′": "'", "ᵀ": r"$^T$", "²": r"$^2$", "≠": r"$\neq$",
                "≤": r"$\leq$", "…": r"\ldots{}", "‖": r"$\|$", "→": r"$\to$", "≈": r"$\approx$"}


def tex_text(text: str) -> str:
    out = []
    for ch in str(text):
        if ch in _TEX:
            out.append(_TEX[ch])
        elif ch in _TEX_UNICODE:
            out.append(_TEX_UNICODE[ch])
        elif ord(ch) > 127:
            out.append(f"[U+{ord(ch):04X}]")   # pdflatex has no glyph for it: say which character stood there
        else:
            out.append(ch)
    return "".join(out)
