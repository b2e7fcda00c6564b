"""Claims: the formulas of a document, each with its label, LaTeX and reading.

A :class:`Derivation` holds a document's notation and cost convention; its
``claim`` decorator registers one formula.  A claim function takes a
:class:`~symbp.claims.view.View` ``n`` (the network in the document's
notation), then ``l`` if it is written for a general layer, then the unit
indices of an element-wise formula; it returns the sides of the equation,
left first: ``return n.delta[l][i], <the page's right-hand side>``.  Three
or more sides make a chain (every link is checked).

>>> from symbp.claims.notation import Notation
>>> doc = Derivation("demo", "Demo", source="-", notation=Notation(), spec={"activation": "f"})
>>> @doc.claim("(1)", kind="delta", layer="output", latex=r"\\delta_i = (a_i - y_i) f'(z_i)")
... def out(n, i):
...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
>>> [c.label for c in doc.claims], out.indices
(['(1)'], ('i',))
"""

from __future__ import annotations

import copy
import inspect
from dataclasses import dataclass, field
from typing import Callable

from .notation import Notation
from .view import on_page

__all__ = ['Derivation', 'Claim', 'ClaimError', 'KINDS', 'READINGS', 'DEFAULT_SWEEP']


#: What a claim states; the first side of a claim is the true quantity of its kind.
KINDS = ("delta", "grad_W", "grad_b", "update_W", "update_b", "cost", "lemma", "chain")


#: ``as-written``: the formula as printed; ``intended``: a corrected twin where the page's intent is clear;
#: ``ocr``: as the scan reads it, where a scanning slip (not the author's error) is the likely cause.
READINGS = ("as-written", "intended", "ocr")


LAYER_CHOICES = ("output", "hidden", "all")


#: The default sweep: 1 and 3 hidden layers, widths 1..4, m = 1, 3 and 4 (an even batch), K = 1 and 2.
#: In the first four, consecutive widths are unequal (no square W, so a transpose cannot pass by
#: symmetry); the last has square matrices, where a formula that reads W or Wᵀ by shape is caught.
#: Every claim is judged on it; a derivation adds architectures, and ``archs=`` restricts them where the
#: page is specific.
DEFAULT_SWEEP = (((2, 3, 2), 1), ((3, 4, 1), 4), ((2, 3, 1, 4, 2), 1), ((3, 2, 4, 3, 1), 3), ((2, 2, 2), 2))


class ClaimError(ValueError):
    """A claim declared with a bad option (unknown kind, duplicate label, ...)."""


@dataclass
class Claim:
    """One formula of a document, as written (or as intended)."""
    label: str
    kind: str
    latex: str
    fn: Callable
    derivation: str = ""
    layer: object = None          # "output" | "hidden" | "all" | callable(n) -> doc layer | None
    of: str | None = None         # for chains: the kind the chain computes
    per: str | None = None        # "example" | "batch"
    reading: str = "as-written"
    expect: str = "holds"
    note: str = ""
    spec: dict = field(default_factory=dict)
    where: Callable | None = None  # predicate on the unit indices
    archs: Callable | None = None  # predicate on (sizes, m): architectures the claim speaks of
    notation: Notation | None = None  # the claim's own notation (a page that switches conventions), else the doc's

    @property
    def params(self):
        """Names of the claim function's parameters after ``n``."""
        return tuple(inspect.signature(self.fn).parameters)[1:]

    @property
    def takes_layer(self):
        """Whether the claim is written for a general layer ``l``."""
        return bool(self.params) and self.params[0] in ("l", "layer")

    @property
    def indices(self):
        """Names of the unit indices of an element-wise claim."""
        return self.params[1:] if self.takes_layer else self.params

    @property
    def family(self):
        """What the claim's layer counts: ``"units"``, ``"weights"``, ``"biases"`` or None.

        A lemma with ``of=`` runs over that kind's layers and index ranges (``of="grad_W"``: every ``(j, i)``).
        """
        kind = self.of if self.kind == "chain" or (self.kind == "lemma" and self.of) else self.kind
        return {"delta": "units", "grad_W": "weights", "update_W": "weights",
                "grad_b": "biases", "update_b": "biases"}.get(kind)

    @property
    def scope(self):
        """``"example"`` (checked for each example of the batch) or ``"batch"``."""
        if self.per:
            return self.per
        kind = self.of if self.kind == "chain" else self.kind
        return "example" if kind in ("delta", "grad_W", "grad_b") else "batch"

    def __call__(self, *args):
        return self.fn(*args)

    def _repr_markdown_(self):
        """The claim in a Jupyter cell: label, kind, reading and the formula as printed."""
        return f"**{self.label}** ({self.kind}, {self.reading}): ${self.latex}$"

    def _repr_latex_(self):
        """The claim as display math (for a notebook's MathJax)."""
        label = "".join("\\" + ch if ch in "{}$&#%_" else ch for ch in self.label)
        return f"$$\\text{{{label}: }} {self.latex}$$"


class Derivation:
    """A document's notation, cost convention and claims.

    ``spec`` holds NetworkSpec fields other than sizes and batch size
    (``activation``, ``cost``, ``average``, ``weight_decay``, ...); a
    non-zero ``weight_decay`` makes λ a free symbol of every check.
    ``sweep`` adds architectures ``((sizes...), m)`` to :data:`DEFAULT_SWEEP`
    (it never replaces it, so a document cannot choose a sweep too weak to
    judge it); ``one_example=True`` says the page speaks of one example at a
    time, and every architecture is then checked with ``m = 1``.

    >>> doc = Derivation("d", "D", "-", Notation(), sweep=(((2, 4, 3), 2),), one_example=True)
    >>> doc.sweep[-2:]
    (((2, 2, 2), 1), ((2, 4, 3), 1))
    """

    def __init__(self, name, title, source, notation: Notation, spec=None, sweep=(), one_example=False):
        self.name, self.title, self.source = name, title, source
        self.notation = notation
        self.spec = dict(spec or {})
        self.extra_sweep = tuple((tuple(s), m) for s, m in sweep)
        self.one_example = bool(one_example)
        self.claims: list[Claim] = []
        self.file = ""

    def notation_of(self, claim) -> Notation:
        """The notation ``claim`` is read in: its own (``claim(..., notation=...)``) or the document's.

        >>> doc = Derivation("d", "D", "-", Notation())
        >>> @doc.claim("(1)", kind="cost", latex="", notation=Notation(first_layer=1))
        ... def c(n):
        ...     return n.C, n.C
        >>> doc.notation_of(c).first_layer, doc.notation.first_layer
        (1, 0)
        """
        return claim.notation if claim.notation is not None else self.notation

    def for_claim(self, claim) -> "Derivation":
        """This document as ``claim`` is read: a shallow copy whose notation is the claim's (the same object
        when the claim has none of its own)."""
        if claim.notation is None:
            return self
        doc = copy.copy(self)
        doc.notation = claim.notation
        return doc

    @property
    def sweep(self) -> tuple:
        """The architectures every claim is judged on: the default sweep and the document's own, in order."""
        out = []
        for sizes, m in DEFAULT_SWEEP + self.extra_sweep:
            arch = (tuple(sizes), 1 if self.one_example else m)
            if arch not in out:
                out.append(arch)
        return tuple(out)

    def claim(self, label, kind, latex, *, layer=None, of=None, per=None, reading="as-written",
              expect="holds", note="", spec=None, where=None, archs=None, notation=None):
        """Register the decorated function as the claim ``label`` of this document.

        ``notation`` reads this one claim in a notation of its own (a page that changes conventions mid-proof).
        """
        where_ = f"claim {label!r}"
        if not isinstance(label, str) or not label.strip():
            raise ClaimError(f"{where_}: a claim needs a non-empty label (the page's equation number or step)")
        if kind not in KINDS:
            raise ClaimError(f"{where_}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if kind == "chain" and of not in KINDS[:-1]:
            raise ClaimError(f"{where_}: a chain needs of= one of {', '.join(KINDS[:-1])}")
        if kind not in ("chain", "lemma") and of is not None:
            raise ClaimError(f"{where_}: of= is for chains and lemmas, not for a {kind} claim")
        if kind == "lemma" and of not in (None,) + KINDS[:-2]:
            raise ClaimError(f"{where_}: a lemma's of= names the kind whose index ranges it runs over, one of "
                             f"{', '.join(KINDS[:-2])}")
        if reading not in READINGS:
            raise ClaimError(f"{where_}: reading {reading!r} is not one of {', '.join(READINGS)}")
        if expect not in ("holds", "fails"):
            raise ClaimError(f"{where_}: expect {expect!r} is not 'holds' or 'fails'")
        if not (layer is None or layer in LAYER_CHOICES or callable(layer)):
            raise ClaimError(f"{where_}: layer {layer!r} is not one of {', '.join(LAYER_CHOICES)} or a function of n")
        if per not in (None, "example", "batch"):
            raise ClaimError(f"{where_}: per {per!r} is not 'example' or 'batch'")
        if notation is not None and not isinstance(notation, Notation):
            raise ClaimError(f"{where_}: notation= must be a Notation, not {type(notation).__name__}")
        if any(c.label == label and c.reading == reading for c in self.claims):
            raise ClaimError(f"{where_}: duplicate label (reading {reading!r}) in derivation {self.name!r}")

        def register(fn):
            lay = on_page(layer) if callable(layer) else layer
            c = Claim(label, kind, latex, on_page(fn), self.name, lay, of, per, reading, expect, note,
                      dict(spec or {}), where, archs, notation)
            if c.takes_layer and layer is None:
                raise ClaimError(f"{where_}: takes a layer l, so it needs layer='output'|'hidden'|'all'")
            self.claims.append(c)
            return c
        return register
