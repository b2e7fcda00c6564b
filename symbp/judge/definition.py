"""Definitions: a claim that holds by construction, because it reads no derivative at all.

A claim whose sides read only the forward quantities of the network (``a``, ``z``, ``W``, ``b``, ``x``,
``y``, the batch matrices, the costs ``C`` and ``J``, the activation ``f``, sizes and symbols) restates the
model's definitions: ``z = W a + b``, ``C = ½‖a − y‖²``.  When it holds, it holds because the page and the
model define the same thing, not because a derivative was taken correctly, so the report calls it a
``definition`` rather than ``proven`` and the proven count counts theorems.  The test is sound both ways: a
wrong definition is still judged (and fails) first, and any read of a derivative — ``δ``, ``∂C/∂W``, ``f'``,
``partial``, ``diff``, one gradient step, or the network object behind the view — keeps the verdict
``proven``.
"""

from __future__ import annotations

from ..claims.tensor import IllFormed
from ..claims.view import PAGE_READS
from .evaluate import NetworkCache, instantiate, spec_for

__all__ = ['FORWARD', 'page_reads', 'reads_only_forward', 'DEFINITION_NOTE']


#: The view's quantities that involve no derivative (anything else, e.g. ``net``, counts as one).
FORWARD = frozenset({"a", "z", "x", "y", "W", "b", "X", "Y", "Z", "A", "C", "J", "lam", "lr", "L", "K", "m",
                     "layers", "hidden", "weight_layers", "examples", "f", "f_out", "size", "symbol"})


#: What a ``definition`` verdict says it rests on.
DEFINITION_NOTE = ("definition: both sides read only forward quantities (no δ, no derivative, no f′), so the "
                   "claim restates the model's definition; it holds exactly on every instance of the sweep")


def page_reads(claim, derivation, sizes, m, cache=None) -> set:
    """The view's names of every quantity ``claim`` reads on the architecture ``(sizes, m)``.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("d", "D", "-", Notation(), {"activation": "f"})
    >>> @doc.claim("(1)", kind="delta", layer="output", latex="")
    ... def out(n, i):
    ...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
    >>> sorted(page_reads(out, doc, (2, 2), 1))
    ['L', 'a', 'delta', 'fp', 'y', 'z']
    """
    cache = cache or NetworkCache()
    net = cache.get(spec_for(derivation, claim, sizes, m))
    seen = set()
    PAGE_READS.append(seen.add)
    try:
        instantiate(claim, net, derivation.notation, {})
    finally:
        PAGE_READS.remove(seen.add)
    return seen


def reads_only_forward(claim, derivation, sweep, cache=None) -> bool:
    """Whether ``claim`` reads only :data:`FORWARD` quantities on the first architecture it states something on.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("d", "D", "-", Notation(), {"activation": "f"})
    >>> @doc.claim("(2)", kind="lemma", layer="output", latex="")
    ... def forward(n, i):
    ...     return n.z[n.L][i], sum(n.W[n.L][i, k] * n.a[n.L - 1][k] for k in (1, 2)) + n.b[n.L][i]
    >>> reads_only_forward(forward, doc, [((2, 2), 1)])
    True
    """
    for sizes, m in sweep:
        try:
            reads = page_reads(claim, derivation, sizes, m, cache)
        except IllFormed:
            continue
        return reads <= FORWARD
    return False
