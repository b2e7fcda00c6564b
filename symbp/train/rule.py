"""Training with a document's rule: a gradient function composed from its own formulas.

The document's output δ, its hidden δ recursion and its per-example weight
and bias gradients are evaluated together, each δ the page's own (never
the true one), on a one-example network of the training spec; the result
is lambdified and summed over the batch with the spec's conventions
(scaling and weight decay).  :class:`symbp.Trainer` takes it as its
``gradient``, so a user sees what an erratum does to training.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import symengine

from ..claims.derivation import Claim, Derivation
from ..claims.tensor import IllFormed, Tensor
from ..claims.view import Layers, View
from ..judge.evaluate import claim_layers, closed_symengine
from ..model.spec import NetworkSpec
from ..oracle.symbolic import SymbolicNetwork

__all__ = ['DocumentRule', 'RuleError']


class RuleError(ValueError):
    """A derivation that does not state a complete rule (or one that cannot be evaluated)."""


def _candidates(doc: Derivation, kinds, reading, prefer=()):
    """Non-chain claims of ``kinds``: labels in ``prefer`` first, then the wanted reading, in document order."""
    found = [c for c in doc.claims if c.kind in kinds and (c.kind.startswith("update") or c.scope == "example")
             and (reading == "intended" or c.reading in _AS_PRINTED)]
    return sorted(found, key=lambda c: (c.label not in prefer, kinds.index(c.kind), c.reading != reading,
                                        c.reading not in _AS_PRINTED))


#: The readings of what the page prints: as written, and as scanned (a likely OCR slip is still the text).
_AS_PRINTED = ("as-written", "ocr")


#: Stands in for every true quantity inside a rule: a formula that contains it is a definition, not a rule.
TRUTH = symengine.Symbol("__true_quantity__")


def _covers(c, n, l):
    try:
        return l in claim_layers(c, n)
    except (IllFormed, KeyError):
        return False


class _PageDelta:
    """δ^(l) by the document's own formulas (inside the claim for δ^(l) itself, δ^(l) reads as TRUTH)."""

    def __init__(self, view, rule):
        self.view, self.rule, self.cache, self.building = view, rule, {}, set()

    def __getitem__(self, l):
        if l in self.building:   # the claim's own truth side (or a formula defining δ by itself)
            return self.view._poison(self.view.z[l].shape, "delta")
        if l not in self.cache:
            self.building.add(l)
            try:
                self.cache[l] = self.rule.evaluate("delta", self.view, l)
            finally:
                self.building.discard(l)
        return self.cache[l]


class _RuleView(View):
    """A view whose δ is the document's own δ formulas, applied recursively."""

    def __init__(self, net, notation, rule, k=0, symbols=None):
        super().__init__(net, notation, k, symbols)
        self._rule = rule

    @cached_property
    def delta(self):
        return _PageDelta(self, self._rule)

    # every true quantity reads as TRUTH: a formula built on one is a definition, not a rule
    def _poison(self, shape, name):
        return Tensor([[TRUTH] * shape[1] for _ in range(shape[0])], name, (self.nt.unit_base,) * 2)

    def _poison_layers(self, name, shape_of):
        return Layers(name, range(-10, 100), lambda l: self._poison(shape_of(l), name))

    @property
    def dC_dW(self):
        return self._poison_layers("dC_dW", lambda l: self.W[l].shape)

    dJ_dW = step_W = dC_dW

    @property
    def dC_db(self):
        return self._poison_layers("dC_db", lambda l: self.b[l].shape)

    dJ_db = step_b = dC_db

    # ∂C/∂a of the output layer is the cost's own derivative, not backpropagation: a rule may use it
    @property
    def dC_da(self):
        true = View.dC_da.func(self)
        return Layers("dC_da", range(-10, 100),
                       lambda l: true[l] if l == self.L else self._poison(self.a[l].shape, "dC_da"))

    def partial(self, of, wrt):
        if of == "C" and tuple(wrt) == ("a", self.L):
            return View.partial(self, of, wrt)
        rows = 1 if of == "C" else self.size(of[1])
        return self._poison((rows, self.size(wrt[1])), "partial")

    def diff(self, expr, wrt):
        return expr._map(lambda v: TRUTH, "diff") if isinstance(expr, Tensor) else TRUTH


class DocumentRule:
    """The gradient rule a derivation states, as a numeric ``gradient(W, b, X, Y)`` for a spec.

    ``reading="intended"`` takes the intended readings where the derivation has them.
    """

    def __init__(self, doc: Derivation, spec: NetworkSpec, reading="as-written", prefer=()):
        if spec.bias != "vector":
            raise RuleError("a document's rule trains networks with bias='vector'")
        self.doc, self.spec, self.reading = doc, spec, reading
        self.pool = {"delta": _candidates(doc, ["delta"], reading, prefer),
                     "W": _candidates(doc, ["grad_W", "update_W"], reading, prefer),
                     "b": _candidates(doc, ["grad_b", "update_b"], reading, prefer)}
        self.used, self.rejected = {}, {}

    def evaluate(self, what, n, l):
        """The page's ``what`` (delta, W-gradient or b-gradient) at document layer ``l``, by the first claim
        that states it as a rule (not as a definition through a true quantity)."""
        reasons = []
        for c in self.pool[what]:
            if not _covers(c, n, l):
                continue
            try:
                out = self._step_or_grad(c, n, l, what) if what != "delta" else self.formula(c, n, l, what)
            except RuleError as e:
                reasons.append(str(e))
                self.rejected.setdefault(c.label, str(e))
                continue
            if any(TRUTH in symengine.sympify(e).free_symbols for e in out.entries()):
                reasons.append(f"{c.label!r} is a definition (it uses a true derivative)")
                self.rejected.setdefault(c.label, reasons[-1])
                continue
            self.used[(what, l)] = c
            return out
        names = {"delta": "δ", "W": "weight gradient or update", "b": "bias gradient or update"}
        raise RuleError(f"derivation {self.doc.name!r} states no usable per-example {names[what]} for layer {l}"
                        + (f" ({'; '.join(reasons[:3])})" if reasons else ""))

    def formula(self, claim: Claim, n: View, l, what) -> Tensor:
        """The claim's formula side at document layer ``l`` as a tensor, evaluated on ``n``."""
        try:
            if claim.indices:
                if what == "delta":
                    shape = (n.z[l].shape[0], 1)
                elif what == "W":
                    shape = n.W[l].shape
                else:
                    shape = n.b[l].shape
                base = n.nt.unit_base
                rows = []
                for r in range(shape[0]):
                    row = []
                    for c in range(shape[1]):
                        idx = (r + base,) if len(claim.indices) == 1 else (r + base, c + base)
                        args = ((l,) if claim.takes_layer else ()) + idx
                        value = claim.fn(n, *args)[1]
                        if isinstance(value, Tensor):
                            raise IllFormed(f"it states a whole {what} for each value of its index "
                                            f"{claim.indices[0]} (a free index)")
                        row.append(value)
                    rows.append(row)
                return Tensor(rows, f"{claim.label}", (base, base))
            out = claim.fn(n, *((l,) if claim.takes_layer else ()))[1]
            if not isinstance(out, Tensor):
                raise IllFormed(f"claim {claim.label!r} gives a scalar where a {what} matrix belongs")
            return out
        except (IllFormed, IndexError, TypeError) as e:
            raise RuleError(f"{self.doc.name}: claim {claim.label!r} cannot be used as a rule: {e}") from None

    @cached_property
    def _compiled(self):
        """Lambdified per-example gradient (the page's formulas) of a one-example network."""
        one = self.spec.replace(batch_size=1, weight_decay=0.0)
        net = SymbolicNetwork(one)
        n = _RuleView(net, self.doc.notation, self)
        exprs = []
        for c in range(1, net.L + 1):
            l = n.weight_layers[c - 1]
            gW = self.evaluate("W", n, l)
            if self.doc.notation.weight_index == "from_to":
                gW = gW.T
            if gW.shape != (net.sizes[c], net.sizes[c - 1]):
                raise RuleError(f"{self.doc.name}: the rule gives a {gW.shape} matrix for W^({l})")
            try:
                gb = self.evaluate("b", n, l)
            except RuleError:   # no bias rule on the page: the bias gradient is the page's δ of the layer it enters
                gb = n.delta[l + (1 if self.doc.notation.weight_named_after == "source" else 0)]
                self.used[("b", l)] = self.used.get(("delta", l + (1 if self.doc.notation.weight_named_after
                                                                    == "source" else 0)))
            exprs += gW.entries() + gb.entries()
        args = net.params + net.data_symbols
        closed = [closed_symengine(net, e) for e in exprs]
        fn = symengine.Lambdify(args, closed, cse=True, backend="lambda")
        return fn, len(net.params)

    def _step_or_grad(self, claim, n, l, what):
        """A gradient claim's formula, or the gradient implied by an update claim: (θ − θ_new)/α."""
        out = self.formula(claim, n, l, what)
        if claim.kind.startswith("update"):
            theta = n.W[l] if what == "W" else n.b[l]
            out = (theta - out)._map(lambda e: symengine.expand(e / n.lr), "gradient")
            if any(n.lr in symengine.sympify(e).free_symbols for e in out.entries()):
                raise RuleError(f"{self.doc.name}: update {claim.label!r} is not θ − α·(something free of α)")
        return out

    def gradient(self, W, b, X, Y):
        """``(dW, db)`` by the document's rule, with the spec's scaling and weight decay."""
        fn, n_par = self._compiled
        spec, sizes = self.spec, self.spec.sizes
        X, Y = np.atleast_2d(np.asarray(X, float)), np.atleast_2d(np.asarray(Y, float))
        m = X.shape[0]
        theta = np.concatenate([np.concatenate([np.ravel(w), np.ravel(v)]) for w, v in zip(W, b)])
        rows = np.concatenate([np.broadcast_to(theta, (m, n_par)), X, Y], axis=1)
        with np.errstate(all="ignore"):
            per_example = np.asarray(fn(rows)).reshape(m, n_par)
        scale = {"none": 1.0, "examples": 1.0 / m, "examples_and_outputs": 1.0 / (m * sizes[-1])}[spec.average]
        total = scale * per_example.sum(axis=0)
        dW, db, col = [], [], 0
        lam = spec.weight_decay / (m if spec.decay_average else 1)
        for l in range(1, spec.depth + 1):
            size = sizes[l] * sizes[l - 1]
            dW.append(total[col:col + size].reshape(sizes[l], sizes[l - 1]) + lam * np.asarray(W[l - 1]))
            g = total[col + size:col + size + sizes[l]]
            db.append(g + lam * np.asarray(b[l - 1]) if spec.decay_biases else g)
            col += size + sizes[l]
        return dW, db

    def describe(self) -> str:
        """Which claims make up the rule (after the first gradient call)."""
        self._compiled
        return "; ".join(f"{what}^({l}): {c.label!r} ({c.reading})" for (what, l), c in sorted(self.used.items())
                         if c is not None)
