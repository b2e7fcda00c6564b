"""The truth side of a claim: its first side must be the true quantity its kind names.

A claim returns ``(truth, formula, ...)``.  The checker compares the formula
with the truth, so a truth side that is itself a formula (a ``delta`` claim
that never mentions δ, a chain that starts from a wrong expression) would
let any formula through.  :func:`check_truth_side` holds the first side
against the quantities the view derives from the ground truth:

========================  ==============================================================
kind                      the first side must equal
========================  ==============================================================
``delta``                 ``δ^(l)`` of the example (``n.delta[l]``), or the batch ``Δ^(l)``
``grad_W`` / ``grad_b``   ``∂C/∂W`` of the example, ``∂J/∂W`` of the batch, or ``Σ_k ∂C_k/∂W``
``update_W`` / ``_b``     one true gradient-descent step (``n.step_W[l]``, ``n.step_b[l]``)
``cost``                  ``C`` of the example, ``J`` of the batch, or ``Σ_k C_k``
``lemma``                 anything; when it is a true quantity (a value ``n.d`` returned in the
                          same call, or a quantity of the network: ``z``, ``a``, ``C``, ``J``, ...)
                          at every instance, the verdict says it was checked (:func:`lemma_truth`),
                          otherwise that the lemma only compares two formulas
========================  ==============================================================

An element-wise claim's first side is held against the entry at the claim's
unit indices; a matrix-form claim's against the whole vector or matrix; the
claim's own layer is tried first, then the others (a page may write the
true quantity of another layer on its left, and is then judged by it).  Equality is exact (``expand(a − b) == 0``), after a structural
fast path.
"""

from __future__ import annotations

import re

from ..claims.derivative import derivative_log, describe_key, quantity_key
from ..claims.tensor import IllFormed, Tensor

__all__ = ['WrongTruth', 'check_truth_side', 'TRUTHS', 'LEMMA_NOTE', 'LEMMA_CHECKED', 'lemma_truth']


#: Note carried by every lemma's verdict whose first side is not a true quantity.
LEMMA_NOTE = "a lemma compares its sides: its first side is not held against a true quantity"


#: Start of the note of a lemma whose first side is a true quantity at every instance.
LEMMA_CHECKED = "a lemma whose first side is the true quantity at every instance"


class WrongTruth(IllFormed):
    """A claim whose first side is not the true quantity of its kind."""


def _sum(tensors):
    tensors = list(tensors)
    return sum(tensors[1:], tensors[0])


def _per_layer(attr):
    return lambda n, l: getattr(n, attr)[l]


def _summed(attr):
    return lambda n, l: _sum(getattr(ex, attr)[l] for ex in n.examples)


#: kind -> [(what the page would call it, how the view gives it at layer l)], in the order tried.
TRUTHS = {
    "delta": [("δ^(l)", _per_layer("delta")), ("Δ^(l) (the batch's δ)", _per_layer("Delta"))],
    "grad_W": [("∂C/∂W^(l)", _per_layer("dC_dW")), ("∂J/∂W^(l)", _per_layer("dJ_dW")),
               ("Σ_k ∂C_k/∂W^(l)", _summed("dC_dW"))],
    "grad_b": [("∂C/∂b^(l)", _per_layer("dC_db")), ("∂J/∂b^(l)", _per_layer("dJ_db")),
               ("Σ_k ∂C_k/∂b^(l)", _summed("dC_db"))],
    "update_W": [("W^(l) − lr·∂J/∂W^(l)", _per_layer("step_W"))],
    "update_b": [("b^(l) − lr·∂J/∂b^(l)", _per_layer("step_b"))],
    "cost": [("C", lambda n, l: n.C), ("J", lambda n, l: n.J), ("Σ_k C_k", lambda n, l: sum(ex.C for ex in n.examples))],
}


def _equal(u, v) -> bool:
    if u == v:
        return True
    try:
        return (u - v).expand() == 0
    except (AttributeError, TypeError, RuntimeError):
        return False


def _entries(side):
    if isinstance(side, Tensor):
        return side.shape, side.entries()
    return None, [side]


def _matches(side, truth, idx) -> bool:
    """Whether ``side`` is ``truth`` (a scalar or Tensor), read at the unit indices ``idx`` when given."""
    if isinstance(truth, Tensor) and idx and not isinstance(side, Tensor):
        try:
            truth = truth[idx if len(idx) > 1 else idx[0]]
        except IllFormed:
            return False
    (s_shape, s), (t_shape, t) = _entries(side), _entries(truth)
    if s_shape != t_shape and not (len(s) == len(t) == 1):       # a 1×1 matrix is its one entry
        if s_shape is None and t_shape is not None and not idx:
            return any(_equal(s[0], v) for v in t)              # a claim without indices: any entry of the layer
        return False
    return all(_equal(a, b) for a, b in zip(s, t))


def _layers(n, l, family):
    """The claim's own layer first, then every other (a page may state a true quantity of another layer)."""
    every = n.weight_layers if family in ("weights", "biases") else n.layers[1:]
    return [l] + [x for x in every if x != l] if l is not None else every


def check_truth_side(claim, n, l, idx, first_side):
    """Raise :class:`WrongTruth` unless ``first_side`` is the true quantity of ``claim``'s kind at ``l``, ``idx``.

    >>> from symbp import NetworkSpec, SymbolicNetwork
    >>> from symbp.claims.derivation import Claim
    >>> from symbp.claims.notation import Notation
    >>> from symbp.claims.view import View
    >>> n = View(SymbolicNetwork(NetworkSpec((1, 2, 1), activation="f")), Notation(first_layer=1))
    >>> claim = Claim("(1)", "delta", "", lambda n, l, i: None, layer="output")
    >>> check_truth_side(claim, n, n.L, (1,), n.delta[n.L][1])
    >>> try:
    ...     check_truth_side(claim, n, n.L, (1,), n.a[n.L][1] - n.y[1])
    ... except WrongTruth as e:
    ...     print(str(e)[:52])
    the first side at l=3, 1 is not δ^(l) (nor Δ^(l) (th
    """
    kind = claim.of if claim.kind == "chain" else claim.kind
    if kind not in TRUTHS:
        return
    for _, quantity in TRUTHS[kind]:
        for layer in _layers(n, l, claim.family):
            try:
                truth = quantity(n, layer)
            except IllFormed:
                continue
            if _matches(first_side, truth, idx):
                return
    names = [_in_page_words(name, n.nt) for name, _ in TRUTHS[kind]]
    lv = claim.params[0] if claim.takes_layer else "l"
    where = (f" at {lv}={l}" if l is not None else "") + (f", {', '.join(map(str, idx))}" if idx else "")
    also = f" (nor {', '.join(names[1:])})" if len(names) > 1 else ""
    head, rest = _EXAMPLE[kind].split("[", 1) if "[" in _EXAMPLE[kind] else (_EXAMPLE[kind], "")
    example = n.nt.shown(head) + ("[" + rest if rest else "")
    raise WrongTruth(f"the first side{where} is not {names[0]}{also}: a {kind} claim returns the true "
                     f"quantity first (e.g. n.{example}); a claim comparing two formulas is kind='lemma'")


_WORDS = re.compile(r"δ|Δ|\bW\b|\bb\b|\bC\b|\bJ\b|\blr\b")


def _in_page_words(text, notation):
    """``text`` (a TRUTHS name) with the view's quantities in the page's names (``δ^(l)`` -> ``d^(l)``).

    >>> from symbp.claims.notation import Notation
    >>> _in_page_words("W^(l) − lr·∂J/∂W^(l)", Notation(names={"w": "W", "beta": "lr"}))
    'w^(l) − beta·∂J/∂w^(l)'
    """
    view = {"δ": "delta", "Δ": "Delta"}
    return _WORDS.sub(lambda m: notation.shown(view.get(m.group(0), m.group(0)), m.group(0)), text)


_EXAMPLE = {"delta": "delta[l][i]", "grad_W": "dC_dW[l][j, i]", "grad_b": "dC_db[l][j]", "update_W": "step_W[l]",
            "update_b": "step_b[l]", "cost": "C"}


def lemma_truth(n, first_side):
    """What the true quantity ``first_side`` is (``"∂z^(3)_1/∂z^(2)_2"``), or "" when it is a formula.

    True: a value ``n.d`` returned since the derivative log was cleared (structurally equal, so a
    formula of a page never counts), or a quantity of the network (an entry of z or a, C, J, ...).

    >>> from symbp import NetworkSpec, SymbolicNetwork
    >>> from symbp.claims.notation import Notation
    >>> from symbp.claims.view import View
    >>> n = View(SymbolicNetwork(NetworkSpec((1, 2, 1), activation="f")), Notation(first_layer=1))
    >>> lemma_truth(n, n.d(n.z[3][1], n.z[2][2])), lemma_truth(n, n.z[2][1]), lemma_truth(n, 2 * n.a[2][1])
    ('∂z^(3)_1/∂z^(2)_2', 'z^(2)_1', '')
    """
    net = n.net
    logged = derivative_log(net)
    for value, what in logged:
        if value is first_side or (type(value) is type(first_side) and _same(value, first_side)):
            return what
    entries = first_side.entries() if isinstance(first_side, Tensor) else [first_side]
    keys = [quantity_key(net, v) for v in entries]
    if keys and all(keys):
        return first_side.name if isinstance(first_side, Tensor) else describe_key(n, keys[0])
    if isinstance(first_side, Tensor):   # every entry a value n.d returned
        found = [next((what for value, what in logged if not isinstance(value, Tensor) and _same(value, v)), "")
                 for v in entries]
        if all(found):
            return found[0]
    return ""


def _same(u, v) -> bool:
    """Structural equality (a Tensor: same shape, base and entries)."""
    if isinstance(u, Tensor):
        return isinstance(v, Tensor) and u.shape == v.shape and u.base == v.base and u.entries() == v.entries()
    try:
        return bool(u == v)
    except (TypeError, RuntimeError):
        return False
