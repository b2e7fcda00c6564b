"""Coverage: do the layers a document asserts its recursion for cover the layers the algorithm needs?

A page may state a step for some layers only ("for l = n_l−1, n_l−2, …, 2"); a claim then says so
with ``layer=`` a function of ``n`` returning a range in the page's numbering (a function returning one
layer is a page speaking of that layer, not a loop, and gets no note).  The formula is judged where it
is asserted, and is not rejected for what it does not say (a right formula is never rejected); but
when, on an architecture of the sweep, the document's claims of that kind together leave out a layer
the algorithm needs (δ at every layer with a pre-activation, a gradient at every weight layer), the
verdict carries a note naming the first missing layer, e.g. a recursion that stops one layer early
and never computes δ^(1).
"""

from __future__ import annotations

from ..claims.tensor import IllFormed
from ..claims.view import View
from .evaluate import claim_layers, spec_for

__all__ = ['coverage_note', 'NEEDED']


#: kind -> (what the algorithm needs at a layer, with {q} the page's name of the quantity; its view name; layers).
NEEDED = {"delta": ("{q}^({l})", "delta", "units"), "grad_W": ("∂C/∂{q}^({l})", "W", "weights"),
          "grad_b": ("∂C/∂{q}^({l})", "b", "biases"), "update_W": ("the step of {q}^({l})", "W", "weights"),
          "update_b": ("the step of {q}^({l})", "b", "biases")}


def _kind(claim):
    return claim.of if claim.kind == "chain" else claim.kind


def coverage_note(claim, derivation, sweep, cache) -> str:
    """The note on ``claim`` when its stated layers and its document's other claims of its kind miss one ("").

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> from symbp.judge.evaluate import NetworkCache
    >>> doc = Derivation("d", "D", "-", Notation(), {"activation": "f"})
    >>> _ = doc.claim("out", kind="delta", layer="output", latex="")(lambda n: (n.delta[n.L], n.delta[n.L]))
    >>> step = doc.claim("step", kind="delta", layer=lambda n: range(2, n.L), latex="")(
    ...     lambda n, l: (n.delta[l], n.delta[l]))
    >>> print(coverage_note(step, doc, [((2, 3, 2, 2), 1)], NetworkCache()))
    asserted for layer 2 on [2, 3, 2, 2]: with the document's other delta claims, δ^(1) is never stated, and the algorithm needs δ^(l) at every layer 1..3
    """
    kind = _kind(claim)
    if kind not in NEEDED or not callable(claim.layer):
        return ""
    what, name, family = NEEDED[kind]
    partners = [c for c in derivation.claims if _kind(c) == kind and c.reading == claim.reading and c.kind != "lemma"]
    for sizes, m in sweep:
        try:
            n = View(cache.get(spec_for(derivation, claim, sizes, m)), derivation.notation)
            if isinstance(claim.layer(n), int):   # one layer the page speaks of, not the range of a loop
                return ""
            stated = claim_layers(claim, n)
            covered = set()
            for c in partners:
                covered |= set(claim_layers(c, n))
        except (IllFormed, ValueError, TypeError):
            continue
        needed = n.weight_layers if family in ("weights", "biases") else n.layers[1:]
        missing = [l for l in needed if l not in covered]
        if missing:
            q = "δ" if name == "delta" and n.shown("delta") == "delta" else n.shown(name)
            return (f"asserted for {_layers(stated)} on {list(sizes)}: with the document's other {kind} claims, "
                    f"{what.format(q=q, l=missing[0])} is never stated, and the algorithm needs "
                    f"{what.format(q=q, l='l')} at every layer {needed[0]}..{needed[-1]}")
    return ""


def _layers(stated):
    """``layers 2..4``, ``layer 3``, ``layers 1, 3`` or ``no layer``."""
    if not stated:
        return "no layer"
    if len(stated) == 1:
        return f"layer {stated[0]}"
    if sorted(stated) == list(range(min(stated), max(stated) + 1)):
        return f"layers {min(stated)}..{max(stated)}"
    return "layers " + ", ".join(map(str, stated))
