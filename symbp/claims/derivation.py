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
import fnmatch
import functools
import inspect
from dataclasses import dataclass, field
from typing import Callable

from ..model.spec import NetworkSpec, SpecError
from .notation import Notation
from .view import on_page

__all__ = ['Derivation', 'Claim', 'ClaimError', 'KINDS', 'READINGS', 'DEFAULT_SWEEP', 'LAYER_CHOICES',
           'DEFAULT_LAYER_VARS', 'ENTRY_INDICES', 'select_labels', 'check_spec_fields']


#: What a claim states; the first side of a claim is the true quantity of its kind.
KINDS = ("delta", "grad_W", "grad_b", "update_W", "update_b", "cost", "lemma", "chain")


#: ``as-written``: the formula as printed; ``intended``: a corrected twin where the page's intent is clear;
#: ``ocr``: as the scan reads it, where a scanning slip (not the author's error) is the likely cause.
READINGS = ("as-written", "intended", "ocr")


LAYER_CHOICES = ("output", "hidden", "all")


@functools.lru_cache(maxsize=4096)
def _params_of(fn):
    """Names of ``fn``'s parameters after the first, read once per function (instantiation asks for them often)."""
    return tuple(inspect.signature(fn).parameters)[1:]


#: The names a claim's layer parameter may have without ``layer_var=``.
DEFAULT_LAYER_VARS = ("l", "layer")


#: Unit indices of one entry of each family's quantity (δ_j: 1; ∂C/∂W_jk: 2; ∂C/∂b_j: 1).
ENTRY_INDICES = {"units": 1, "weights": 2, "biases": 1}


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
    layer_var: str | None = None   # the page's name of the layer parameter (default: l or layer)
    units: dict | None = None      # unit index -> its layer: an offset from l, or callable(n, l) -> layer
    notation: Notation | None = None  # the claim's own notation (a page that switches conventions), else the doc's
    tree: object = None           # a TOML claim's sides as a syntax tree and its reads (symbp.claims.tree), else None

    @property
    def params(self):
        """Names of the claim function's parameters after ``n``."""
        return _params_of(self.fn)

    @property
    def takes_layer(self):
        """Whether the claim is written for a general layer (its first parameter is the layer variable)."""
        names = (self.layer_var,) if self.layer_var else DEFAULT_LAYER_VARS
        return bool(self.params) and self.params[0] in names

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

    def __init__(self, name, title, source, notation: Notation, spec=None, sweep=(), one_example=False,
                 layer_var=None):
        self.name, self.title, self.source = name, title, source
        self.layer_var = layer_var      # the page's layer variable for every claim (a claim may say its own)
        self.notation = notation
        self.spec = dict(spec or {})
        check_spec_fields(self.spec, f"derivation {name!r}")
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
              expect="holds", note="", spec=None, where=None, archs=None, layer_var=None, units=None,
              notation=None):
        """Register the decorated function as the claim ``label`` of this document.

        ``layer`` is ``"output"``, ``"hidden"``, ``"all"`` or a function of ``n`` giving one layer or the
        layers the claim is asserted for (``lambda n: range(2, n.L)``), in the page's numbering;
        ``layer_var`` names the page's layer parameter (``"k"``) when it is not ``l``; ``units`` gives each
        unit index its layer (``{"k": 1, "j": 0}``: k runs over the units of layer l+1, j over layer l).
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

        layer_var = layer_var if layer_var is not None else self.layer_var
        if layer_var is not None and not (isinstance(layer_var, str) and layer_var.isidentifier()):
            raise ClaimError(f"{where_}: layer_var {layer_var!r} is not a name")
        if units is not None and not (isinstance(units, dict) and all(
                isinstance(v, int) and not isinstance(v, bool) or callable(v) for v in units.values())):
            raise ClaimError(f"{where_}: units maps each unit index to its layer (an offset from the claim's "
                             f"layer, or a function of n and l), got {units!r}"[:200])

        def register(fn):
            lay = on_page(layer) if callable(layer) else layer
            check_spec_fields({**self.spec, **dict(spec or {})}, where_)
            unit_layers = None if units is None else {k: on_page(v) if callable(v) else v for k, v in units.items()}
            c = Claim(label, kind, latex, on_page(fn), self.name, lay, of, per, reading, expect, note,
                      dict(spec or {}), where, archs, layer_var, unit_layers, notation)
            _check_parameters(c, where_, layer)
            self.claims.append(c)
            return c
        return register


def select_labels(labels, patterns):
    """The labels that ``patterns`` pick, and the patterns that pick none: ``(selected, unmatched)``.

    A pattern picks the label it equals; else, with ``*``, ``?`` or ``[``, the labels it matches as a glob; else
    the labels that contain it.  ``patterns`` None or empty picks every label.

    >>> select_labels(["BP1", "BP1 (matrix)", "BP2"], ["BP1"])
    (['BP1'], [])
    >>> select_labels(["BP1", "BP1 (matrix)", "BP2"], ["matrix", "BP*", "(9)"])
    (['BP1', 'BP1 (matrix)', 'BP2'], ['(9)'])
    """
    labels = list(dict.fromkeys(labels))
    if not patterns:
        return labels, []
    picked, unmatched = set(), []
    for p in patterns:
        if p in labels:
            hits = {p}
        elif any(ch in p for ch in "*?["):
            hits = {label for label in labels if fnmatch.fnmatchcase(label, p)}
        else:
            hits = {label for label in labels if p in label}
        picked |= hits
        if not hits:
            unmatched.append(p)
    return [label for label in labels if label in picked], unmatched


def check_spec_fields(fields, where):
    """Raise :class:`ClaimError` naming ``where`` unless ``fields`` are valid NetworkSpec fields (sizes aside).

    >>> check_spec_fields({"activation": "tanh"}, "derivation 'd'")
    >>> check_spec_fields({"weight_decay": "lambda"}, "derivation 'd'")
    Traceback (most recent call last):
    ...
    symbp.claims.derivation.ClaimError: derivation 'd': spec: weight_decay: expected a finite number >= 0, got 'lambda'
    """
    fields = dict(fields)
    if fields.get("weight_decay") is True:   # a symbolic λ
        fields["weight_decay"] = 1.0
    for key in ("sizes", "batch_size"):
        if key in fields:
            raise ClaimError(f"{where}: spec: {key!r} is set by the sweep, not by the spec")
    try:
        NetworkSpec((2, 2, 2), batch_size=1, **fields)
    except TypeError as e:
        raise ClaimError(f"{where}: spec: {e}".replace("NetworkSpec.__init__() ", "")) from None
    except SpecError as e:
        raise ClaimError(f"{where}: spec: {e}") from None


def _check_parameters(c, where_, layer):
    """The claim's parameters read as the page means them: its layer variable first, then its unit indices."""
    params, var = c.params, c.layer_var
    if var is not None and (not params or params[0] != var):
        first = f"its first parameter after n is {params[0]!r}" if params else "it takes no parameter after n"
        raise ClaimError(f"{where_}: layer_var={var!r}, but {first}: the layer variable comes first")
    if c.takes_layer and layer is None:
        raise ClaimError(f"{where_}: takes a layer {params[0]}, so it needs layer='output'|'hidden'|'all' "
                         f"(or a function of n)")
    if var is not None and var in c.indices:
        raise ClaimError(f"{where_}: {var!r} is both the layer variable and a unit index")
    if layer in ("hidden", "all") and not c.takes_layer:
        first = f"; if {params[0]!r} is the page's layer variable, say layer_var={params[0]!r}" if params else ""
        raise ClaimError(f"{where_}: layer={layer!r} runs over several layers, but the claim takes no layer "
                         f"variable (l, or the one named by layer_var=){first}")
    if c.units is not None:
        if set(c.units) != set(c.indices):
            raise ClaimError(f"{where_}: units names {', '.join(c.units) or 'no index'}, but the claim's unit "
                             f"indices are {', '.join(c.indices) or 'none'}")
        if any(isinstance(v, int) for v in c.units.values()) and not c.takes_layer:
            raise ClaimError(f"{where_}: units gives a layer offset, but the claim takes no layer variable")
        return
    expected = ENTRY_INDICES.get(c.family, 1 if c.kind in ("lemma", "chain") else 0)
    if len(c.indices) in (0, expected):
        return
    hint = ""
    if not c.takes_layer and layer is not None and len(c.indices) == expected + 1:
        hint = f"; if {c.indices[0]!r} is the page's layer variable, say layer_var={c.indices[0]!r}"
    elif c.kind == "lemma":
        hint = "; a lemma with several unit indices says each one's layer with units={...}"
    what = f"a {c.of if c.of and c.kind in ('chain', 'lemma') else c.kind} entry"
    raise ClaimError(f"{where_}: takes {len(c.indices)} unit indices ({', '.join(c.indices)}) but {what} has "
                     f"{expected}{hint}")
