"""A claim replayed at the screen's fixed points: its values there without building or compiling its formula.

The edit search evaluates hundreds of readings of one claim (:mod:`symbp.judge.edits`).  Replayed
symbolically, each is instantiated (symengine tensors), lambdified and evaluated at a few points.
:func:`replay_values` replays the claim's function instead on a view of the network at those points
(:class:`~symbp.judge.numeric_net.NumericNet`): every read goes through the very same
:class:`~symbp.claims.view.View`, :class:`~symbp.claims.tensor.Tensor` and reader hooks (so the active
reader numbers, edits and logs the same reads: ordinals, misses out of range, anchors), only each scalar is
its values at the points (:class:`~symbp.judge.points.Num`).  The instances are the ones
:func:`~symbp.judge.evaluate.instantiate` makes, in its order; the values (points × instances × sides)
are those :func:`~symbp.judge.evaluate.numeric_values` gives the symbolic instances, up to rounding.

Where that cannot be made sure, it raises :class:`~symbp.judge.points.NeedsSymbols` and the caller replays
symbolically: a value the formula uses as only a symbolic one can be used (its text in a name, a CAS
function, a comparison), a derivative, a target domain read case by case, a floating-point exception
(a division by zero, an overflow), or any error but the page's own.  An :class:`~symbp.claims.tensor.IllFormed`
raised by the view, the tensors or the instantiation's own checks (a symbol the notation does not have, a
layer that does not exist, sides of different shapes) is raised as it is: the symbolic replay raises it too.
"""

from __future__ import annotations

import os

import numpy as np
import symengine
from symengine.lib.symengine_wrapper import NaN

from ..claims.tensor import IllFormed, Tensor
from ..claims.view import View
from .evaluate import NOTHING_HERE, claim_layers, index_ranges, matched_shapes
from .numeric_net import numeric_net
from .points import NeedsSymbols, is_num

__all__ = ['replay_values', 'replayable']


#: Where an IllFormed is the page's on both replays (the view, the tensors, the instantiation, this module).
_TRUSTED = {os.path.abspath(f) for f in (
    __file__, View.__init__.__code__.co_filename, Tensor.__init__.__code__.co_filename,
    claim_layers.__code__.co_filename)}


def replayable(net):
    """Whether claims on ``net`` can be replayed at the points at all: a symengine network whose targets are
    not read case by case.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> replayable(SymbolicNetwork(NetworkSpec([1, 1]))), replayable(SymbolicNetwork(NetworkSpec([1, 2],
    ...     cost="softmax_cross_entropy", targets="one_hot")))
    (True, False)
    """
    if net.backend.name != "symengine":
        return False
    _, cases = net.target_cases()
    return len(cases) == 1 and not cases[0][1]


def replay_values(claim, net, notation, symbols, points, draws, side=None):
    """Values (points × instances × sides) of ``claim`` on ``net`` at ``points`` (the columns of
    :func:`~symbp.judge.evaluate.symbols_of` for ``symbols``, every free symbol the replay reads) with the
    generic functions of ``draws``; with ``side``, of its sides 0..``side`` only.

    >>> from symbp import Derivation, Notation
    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> from symbp.judge.evaluate import instantiate, numeric_values, sample_points
    >>> from symbp.judge.identity import default_draws
    >>> doc = Derivation("d", "D", source="s", notation=Notation(), spec={"activation": "f"})
    >>> claim = doc.claim("c", kind="delta", layer="hidden", latex="")(
    ...     lambda n, l: (n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])))
    >>> net = SymbolicNetwork(NetworkSpec([2, 2, 1], activation="f"))
    >>> symbols = {"alpha": net.backend.B.Symbol("alpha")}
    >>> pts, draws = sample_points(net, symbols, 3, 0), default_draws(3)
    >>> v = replay_values(doc.claims[0], net, doc.notation, symbols, pts, draws)
    >>> ref = numeric_values(net, symbols, instantiate(doc.claims[0], net, doc.notation, dict(symbols)), pts, draws)
    >>> v.shape, bool(np.allclose(v, ref, rtol=1e-12))
    ((3, 2, 2), True)
    """
    if not replayable(net):
        raise NeedsSymbols("the network is read case by case (or is not symengine's)")
    source = numeric_net(net, symbols, points, draws)
    try:
        with np.errstate(all="raise", under="ignore"):
            rows = _instances(claim, source, source.view(notation, symbols), side)
            width = max(len(r) for r in rows)
            out = np.empty((source.count, len(rows), width))
            tainted = []
            for i, row in enumerate(rows):
                for s in range(width):
                    v = row[min(s, len(row) - 1)]
                    if is_num(v) and v.tainted:     # a NaN read: the value is its symbolic form's
                        tainted.append((i, s, v.expr))
                    else:
                        out[:, i, s] = _values(v, source.count)
            for (i, s, _), values in zip(tainted, source.exactly([e for _, _, e in tainted])):
                out[:, i, s] = values
    except NeedsSymbols:
        raise
    except IllFormed as e:
        if _raised_in(e) in _TRUSTED:
            raise
        raise NeedsSymbols(f"an error of the claim's own code: {e}") from None
    except Exception as e:      # any other error: the symbolic replay says what it is
        raise NeedsSymbols(f"{type(e).__name__}: {e}") from None
    return out


def _raised_in(error):
    """The file of the innermost frame that raised ``error``."""
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return os.path.abspath(tb.tb_frame.f_code.co_filename) if tb is not None else ""


def _instances(claim, source, n0, side):
    """The scalar sides of every instance on the view ``n0`` of ``source``, as
    :func:`~symbp.judge.evaluate.instantiate` makes them (same order)."""
    views = n0.examples if claim.scope == "example" else [n0]
    out, takes_layer = [], None
    for n in views:
        for l in claim_layers(claim, n):
            grid = [()]
            for r in index_ranges(claim, n0, l):
                grid = [g + (i,) for g in grid for i in r]
            for idx in grid:
                if claim.where is not None and not claim.where(*idx):
                    continue
                if takes_layer is None:
                    takes_layer = claim.takes_layer
                sides = claim.fn(n, *(((l,) if takes_layer else ()) + tuple(idx)))
                if not isinstance(sides, (tuple, list)) or len(sides) < 2:
                    raise IllFormed("a claim must return its sides: (truth, formula[, more steps])")
                for row in _flatten(list(sides)):
                    out.append(row if side is None else row[:side + 1])
    if not out:
        raise IllFormed(NOTHING_HERE + " (no layer or index in range)")
    return out


def _flatten(sides):
    """Sides (scalars or equal-shape tensors) -> the scalar side-lists, as :func:`~symbp.judge.evaluate.instantiate`
    flattens them (a 1×1 tensor is a scalar; sides of different shapes are ill-formed)."""
    for i, side in enumerate(sides):
        if isinstance(side, (str, bytes)):   # never parsed: a formula is written with the view's quantities
            raise IllFormed(f"side {i + 1} is a string ({side[:40]!r}), not a formula of the view's quantities")
        if isinstance(side, bool) or not (is_num(side) or isinstance(side, (Tensor, int, float, symengine.Number))):
            raise NeedsSymbols(f"side {i + 1} is a {type(side).__name__}")
    sides, shapes = matched_shapes(sides)
    if shapes[0] is None:
        return [sides]
    rows, cols = shapes[0]
    return [[s.rows[r][c] for s in sides] for r in range(rows) for c in range(cols)]


def _values(v, count):
    """The float values at the points of one scalar side (a value at the points, a number, a NaN read)."""
    if is_num(v):
        return v.values
    if isinstance(v, bool) or not isinstance(v, (int, float, symengine.Number)):
        raise NeedsSymbols(f"an entry is a {type(v).__name__}")
    if isinstance(v, NaN):
        return np.full(count, np.nan)
    try:
        value = float(v)
    except (RuntimeError, TypeError, ValueError, OverflowError):
        raise NeedsSymbols(f"the entry {v} is not a float") from None
    if not np.isfinite(value):
        raise NeedsSymbols("an entry is not finite")
    return np.full(count, value)
