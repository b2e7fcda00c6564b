"""Notation adapters: read a network's symbols in a document's own notation.

A :class:`Notation` states a document's conventions (first layer 0 or 1,
``W_ji`` to-from or ``w_ij`` from-to, ``W^(l)`` named after the layer it
leaves or enters, bias as ``b`` or as weight 0 on a constant unit, examples
as rows or columns, 0- or 1-based unit indices, and its own names for
things).  A :class:`View` is one network seen through a notation: ``n.a[l][i]``
is the page's ``a_i^{(l)}``.  The notation's renames apply once, at the
boundary: a claim function reads a :class:`PageView`, whose every attribute
is a page name looked up by :meth:`View.page`; the view's own code uses the
view's names and is never renamed.  Vectors and matrices are :class:`Tensor`
objects: ``*`` is element-wise (⊙), ``@`` is the matrix product, ``.T``
transposes, and a shape mismatch raises :class:`IllFormed`.

Every derivative a view offers (``n.delta``, ``n.dC_dW``, ``n.partial``) is
the ground truth of :mod:`symbp.oracle.symbolic`, never a formula of a document.
"""

from __future__ import annotations

import functools

import keyword
from dataclasses import dataclass, field

__all__ = ['Notation', 'NotationError', 'PAGE_VALUES', 'PAGE_FUNCTIONS']


class NotationError(ValueError):
    """A Notation field with a value outside its allowed set."""


#: The view's quantities a page may name (through its ``names``, or as they are).
PAGE_VALUES = ("a", "z", "x", "y", "W", "b", "delta", "dC_da", "X", "Y", "Z", "A", "Delta", "C", "J",
               "dC_dW", "dC_db", "dJ_dW", "dJ_db", "step_W", "step_b", "lam", "lr", "L", "K", "m",
               "layers", "hidden", "weight_layers", "examples", "net")


#: The cost's data term and penalty, and the output ŷ (``n.d`` differentiates them like any other quantity).
PAGE_VALUES += ("data", "penalty", "yhat")


#: The view's functions a page may call.
PAGE_FUNCTIONS = ("f", "fp", "f_out", "fp_out", "size", "diff", "partial", "symbol")


#: The true derivative of anything by anything (:mod:`symbp.claims.derivative`).
PAGE_FUNCTIONS += ("d",)


#: Prefix of the page's own free symbols (``symbol(u)``): no symbol of the network or the view has it.
PAGE_SYMBOL = "page."


_INTEGER_FIELDS = ("first_layer", "unit_base", "example_base")


#: A vector of one example -> the view's matrix of it over the batch (renamed along with the vector).
_BATCH_OF = {"a": "A", "z": "Z", "x": "X", "y": "Y", "delta": "Delta"}


_CHOICES = {
    "first_layer": (0, 1),
    "weight_index": ("to_from", "from_to"),
    "weight_named_after": ("target", "source"),
    "bias": ("vector", "weight0", "both"),
    "samples": ("rows", "columns"),
    "unit_base": (0, 1),
    "example_base": (0, 1),
}


@dataclass(frozen=True)
class Notation:
    """A document's conventions, and its names for the canonical quantities.

    ``names`` maps the page's names to the view's own (``{"h": "a", "t": "y"}``), applied once: a page
    name is an identifier, maps to a quantity of the view, and no two page names map to one.

    >>> Notation(first_layer=1, weight_index="to_from", weight_named_after="source").first_layer
    1
    >>> Notation(weight_index="ij")
    Traceback (most recent call last):
    ...
    symbp.claims.notation.NotationError: weight_index: 'ij' is not one of 'to_from', 'from_to'
    >>> Notation(names={"h": "a", "o": "a"})
    Traceback (most recent call last):
    ...
    symbp.claims.notation.NotationError: names: 'h' and 'o' both name the view's 'a'
    """
    first_layer: int = 0
    weight_index: str = "to_from"
    weight_named_after: str = "target"
    bias: str = "vector"
    samples: str = "rows"
    unit_base: int = 1
    example_base: int = 1
    names: dict = field(default_factory=dict)

    def __post_init__(self):
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            # False == 0 and 0.0 == 0, but neither is a layer number
            wrong_type = isinstance(value, bool) or (name in _INTEGER_FIELDS and not isinstance(value, int))
            if wrong_type or value not in allowed:
                raise NotationError(f"{name}: {getattr(self, name)!r} is not one of "
                                    + ", ".join(map(repr, allowed)))
        if not isinstance(self.names, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                       for k, v in self.names.items()):
            raise NotationError(f"names: expected a dict of the page's names to the view's (strings), "
                                f"got {self.names!r}"[:200])
        _check_names(self.names)

    def canonical(self, name: str) -> str:
        """The view's name for the page's ``name``: its rename, or the name itself (applied once).

        >>> bishop = Notation(names={"a": "z", "z": "a", "h": "f"})
        >>> bishop.canonical("a"), bishop.canonical("z"), bishop.canonical("h"), bishop.canonical("W")
        ('z', 'a', 'f', 'W')
        >>> bishop.canonical("A"), bishop.canonical("Z")    # the batch matrices follow their vectors
        ('Z', 'A')
        """
        return _all_names(tuple(self.names.items())).get(name, name)

    def all_names(self) -> dict:
        """``names`` with the batch matrices renamed like their vectors, where the page does not name them.

        A page whose ``a`` is the view's ``z`` writes ``A`` for the batch of its ``a``: ``{"a": "z"}`` brings
        ``{"A": "Z"}`` (likewise z/Z, x/X, y/Y, delta/Delta), unless the page names that capital or the view's
        batch matrix itself.

        >>> Notation(names={"a": "z", "h": "a"}).all_names() == {"a": "z", "h": "a", "A": "Z", "H": "A"}
        True
        >>> Notation(names={"t": "y", "T": "Y"}).all_names() == {"t": "y", "T": "Y"}
        True
        """
        return dict(_all_names(tuple(self.names.items())))

    def shown(self, canon: str, default: str | None = None) -> str:
        """How the page writes the view's ``canon``: its page name, else ``default`` (else ``canon``).

        >>> nt = Notation(names={"w": "W", "beta": "lr"})
        >>> nt.shown("W"), nt.shown("lr", "α"), nt.shown("z"), nt.shown("fp", "f'")
        ('w', 'beta', 'z', "f'")
        """
        for page, view in self.all_names().items():
            if view == canon:
                return page
        return canon if default is None else default

    def printed(self, canon: str) -> str:
        """How the page prints the view's ``canon``: as :meth:`shown`, but a derivative named after its function
        (a page's ``gp`` for the derivative of its ``g``, ``sigmap``, ``sigma_prime``) is primed: ``g'``.

        >>> Notation(names={"g": "f", "gp": "fp"}).printed("fp"), Notation().printed("fp")
        ("g'", "f'")
        >>> Notation(names={"s": "f", "ds": "fp"}).printed("fp"), Notation(names={"g": "f"}).printed("f")
        ('ds', 'g')
        """
        if canon not in ("fp", "fp_out"):
            return self.shown(canon)
        page, f = self.shown(canon), self.shown(canon.replace("fp", "f"))
        stem = "f" if f in ("f", "f_out") else f
        if page == canon or page in (stem + "p", stem + "prime", stem + "_prime"):
            return stem + "'"
        return page

    @property
    def bias_slot(self) -> bool:
        """Whether index 0 addresses the bias (``W_j0 = b_j``, ``a_0 = 1``)."""
        return self.bias in ("weight0", "both")

    def describe(self) -> str:
        """One line naming every convention."""
        return (f"layers from {self.first_layer}; W {self.weight_index.replace('_', '-')}, "
                f"W^(l) named after the layer it {'enters' if self.weight_named_after == 'target' else 'leaves'}; "
                f"bias {self.bias}; examples as {self.samples}; units from {self.unit_base}")


def _check_names(names):
    """Every page name an identifier, mapped to a view quantity, no two page names onto one."""
    targets = {}
    for page, view in names.items():
        if not page.isidentifier():
            raise NotationError(f"names: {page!r} is not a name (letters, digits, _; not starting with a digit)")
        if page.startswith("__") and page.endswith("__"):
            raise NotationError(f"names: {page!r} is reserved by Python (a dunder name)")
        if view not in PAGE_VALUES + PAGE_FUNCTIONS:
            why = "a Python keyword" if keyword.iskeyword(view) else "not a quantity of the view"
            raise NotationError(f"names: {page!r} → {view!r}: {view!r} is {why} (the view has: "
                                f"{', '.join(sorted(PAGE_VALUES + PAGE_FUNCTIONS))})")
        if view in targets:
            raise NotationError(f"names: {targets[view]!r} and {page!r} both name the view's {view!r}")
        targets[view] = page


@functools.lru_cache(maxsize=256)
def _all_names(items) -> dict:
    """:meth:`Notation.all_names` of the names ``items`` (pairs), computed once per set of names (not to be mutated)."""
    names = dict(items)
    out = dict(names)
    named = set(names.values())
    for page, view in names.items():
        batch = _BATCH_OF.get(view)
        capital = page[:1].upper() + page[1:]
        if batch and page[:1].islower() and capital not in out and batch not in named:
            out[capital] = batch
            named.add(batch)
    return out

