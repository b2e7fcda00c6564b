"""Proof for every depth: a base case and an induction step, each exact, for every width up to a bound.

A claim proven on the sweep holds on those few architectures.  For the δ
recursion and the per-example gradients, two exact checks make it hold at
every depth:

* **Base case** — the output layer, with the document's own cost and
  activation, on ``[1, p, K]`` for every ``p, K <= bound``.  The output
  layer's input ``a^(L−1) = f(z^(L−1))`` is a vector of independent opaque
  atoms, so an identity there holds for every input, i.e. at every depth.
* **Induction step** — one layer ``l`` whose downstream cost is an
  undefined function ``G`` of the next layer's pre-activation
  (:class:`StepNetwork`: ``z^(l+1) = W a^(l) + b``, ``a^(l) = f(z^(l))``,
  ``C = G(z^(l+1))``), on ``[1, p, q, r]`` for every ``p, q, r <= bound``.
  There ``δ^(l+1) = ∂G/∂z^(l+1)`` (the abstract partials ``G_1, …, G_r``),
  and the claim's formula must equal the CAS derivative of
  ``G(W f(z) + b)``.  Every deeper network is this one with ``G`` replaced
  by the rest of the network and the cost, so the identity carries over.

The claim function and the :class:`~symbp.notation.View` run unchanged on
both networks: only the layer a claim is read at is fixed (the output
layer, or the layer ``l`` under ``G``).  Both checks run in a forked process
that is killed when the claim's time budget runs out; the verdict then
stays ``proven`` (on the sweep) and says so.

>>> from symbp.spec import NetworkSpec
>>> net = StepNetwork(NetworkSpec((1, 1, 1, 1), activation="f"))
>>> net.example_costs[0]
G(b3_0 + W3_0_0*f(b2_0 + W2_0_0*f(b1_0 + x0_0*W1_0_0)))
>>> net.delta(0, 2)
[W3_0_0*fp(b2_0 + W2_0_0*f(b1_0 + x0_0*W1_0_0))*G_1(b3_0 + W3_0_0*f(b2_0 + W2_0_0*f(b1_0 + x0_0*W1_0_0)))]
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from itertools import product

from .activations import GENERIC
from .notation import IllFormed
from .spec import SpecError
from .symbolic import SymbolicNetwork
from .verify import Outcome, instantiate, spec_for

__all__ = ["StepNetwork", "InductionResult", "prove_all_depths", "extend_to_all_depths", "cases_of",
           "applies_to", "DEFAULT_BOUND", "ALL_DEPTHS"]

#: Widths checked by default: every width from 1 to this bound, in every layer of the base case and the step.
DEFAULT_BOUND = 4
#: The verdict of a claim whose base case and induction step are proven.
ALL_DEPTHS = "proven for all depths"
#: Name of the abstract downstream cost, and of its partial derivatives ``G_1, G_2, …``.
G_NAME = "G"


# -- the network of the induction step ------------------------------------------------------------
class StepNetwork(SymbolicNetwork):
    """A SymbolicNetwork whose last layer's ``z`` feeds an undefined cost ``G`` instead of the spec's cost.

    ``C = G(z^(L)_1, …, z^(L)_r)``; its partial derivatives are the undefined
    functions ``G_1, …, G_r`` at the same point (the canonical form of
    ``∂G/∂z_j``), so ``δ^(L) = (G_1, …, G_r)`` and every truth below it is
    the chain rule through ``G``, derived by the CAS.
    """

    def forward(self, x, cut=None):
        fw = super().forward(x, cut)
        zL = fw.z[self.L]
        if zL is None:         # cut at a^(L): the cost G(z^(L)) does not exist on this pass
            return fw
        B = self.backend.B
        top_cut = cut is not None and cut[0] == "z" and cut[1] == self.L
        handles = cut[2] if top_cut else self.b[self.L]   # each with coefficient 1 in its z_j
        G = B.Function(G_NAME)(*zL)
        for j, h in enumerate(handles):
            fw.rules[G.diff(h)] = B.Function(f"{G_NAME}_{j + 1}")(*zL)
        return fw

    def pass_cost(self, fw, k):
        if fw.z[self.L] is None:
            raise IllFormed("the abstract downstream cost G is a function of z^(l+1), not of a^(l+1)")
        return self.backend.B.Function(G_NAME)(*fw.z[self.L])


# -- which cases a claim needs -------------------------------------------------------------------
_KINDS = ("delta", "grad_W", "grad_b")


def applies_to(claim) -> str | None:
    """Why the induction does not apply to ``claim`` (None when it does).

    >>> from symbp.claims import Claim
    >>> applies_to(Claim("(1)", "delta", "", lambda n, l: None, layer="hidden")) is None
    True
    >>> applies_to(Claim("(2)", "cost", "", lambda n: None))
    'a cost claim is not a δ recursion or a per-example gradient'
    """
    kind = claim.of if claim.kind == "chain" else claim.kind
    if kind not in _KINDS:
        return f"a {kind} claim is not a δ recursion or a per-example gradient"
    if claim.scope != "example":
        return "a batch formula (the induction covers one example)"
    if claim.layer not in ("output", "hidden", "all"):
        return "the claim speaks of one fixed layer, not of a general layer l"
    if claim.archs is not None:
        return "the claim speaks of some architectures only (archs=)"
    return None


def cases_of(claim, bound=DEFAULT_BOUND):
    """``(case, sizes)`` to check: ``"base"`` on ``[1, p, K]``, ``"step"`` on ``[1, p, q, r]``, widths 1..bound.

    >>> from symbp.claims import Claim
    >>> cases = cases_of(Claim("(1)", "delta", "", lambda n, l: None, layer="all"), bound=2)
    >>> len(cases), cases[0], cases[-1]
    (12, ('base', (1, 1, 1)), ('step', (1, 2, 2, 2)))
    """
    widths = range(1, bound + 1)
    out = []
    if claim.layer in ("output", "all"):
        out += [("base", (1, p, K)) for p, K in product(widths, widths)]
    if claim.layer in ("hidden", "all"):
        out += [("step", (1, p, q, r)) for p, q, r in product(widths, widths, widths)]
    return out


def _network(claim, derivation, case, sizes, backend):
    if case == "base":
        return SymbolicNetwork(spec_for(derivation, claim, sizes, 1), backend)
    # the step: the spec's hidden activation throughout; its cost conventions do not matter (C = G(z))
    spec = spec_for(derivation, claim, sizes, 1, {"output_activation": None, "cost": "half_sse",
                                                    "weight_decay": 0.0})
    return StepNetwork(spec, backend)


def read_at(claim, derivation, net):
    """A copy of ``claim`` read only at the layer the case is about (canonical layer 2 of ``net``)."""
    nt = derivation.notation
    if claim.family in ("weights", "biases"):
        doc_layer = 2 - (1 if nt.weight_named_after == "source" else 0) + nt.first_layer
    else:
        doc_layer = 2 + nt.first_layer
    return dataclasses.replace(claim, layer=lambda n, d=doc_layer: d)


def check_case(claim, derivation, case, sizes, backend="symengine"):
    """Exact check of one case: ``(True, "")``, ``(False, why)``, or ``(None, why)`` when it cannot be read."""
    from .diagnose import in_page_notation
    from .notation import View
    try:
        net = _network(claim, derivation, case, sizes, backend)
        instances = instantiate(read_at(claim, derivation, net), net, derivation.notation, {})
    except (IllFormed, SpecError, IndexError, KeyError, ValueError, TypeError) as e:
        return None, f"cannot be read on the {case} network {list(sizes)}: {e}"
    B = net.backend.B
    for inst in instances:
        for s, side in enumerate(inst.sides[1:], start=1):
            residual = B.expand(B.sympify(inst.sides[0] - side))
            if residual != 0:
                step = f" (step {s})" if len(inst.sides) > 2 else ""
                shown = str(in_page_notation(residual, View(net, derivation.notation).display_names()))
                return False, (f"{case} {list(sizes)} at {inst.where}{step}: truth − formula = "
                               + (shown if len(shown) <= 240 else shown[:240] + " …"))
    return True, ""


# -- running the cases within a budget -------------------------------------------------------------
@dataclass
class InductionResult:
    """What the induction found for one claim."""
    status: str                     # "proven" | "fails" | "timeout" | "not-applicable"
    cases: dict = field(default_factory=dict)   # case -> number of width combinations proven
    total: dict = field(default_factory=dict)   # case -> number of width combinations to prove
    detail: str = ""
    bound: int = DEFAULT_BOUND
    activation: str = "f"

    def describe(self) -> str:
        """One sentence: what was proven, under which assumptions (or why not)."""
        if self.status != "proven":
            return self.detail
        f = ("for every differentiable f" if self.activation in GENERIC
             else f"for f = {self.activation} (by its derivative identity)")
        parts = []
        if "base" in self.total:
            parts.append("base case (output layer, any input a^(L−1))")
        if "step" in self.total:
            parts.append("induction step (layer l under an undefined downstream cost G(z^(l+1)))")
        return f"by induction: {' and '.join(parts)} exact {f}, every width 1–{self.bound}"


def _run_cases(claim, derivation, cases, backend, budget):
    """Check ``cases`` in a forked child (:func:`symbp.verify.run_forked`), stopping at the first that fails."""
    from .verify import run_forked
    stopped = []

    def one(case, sizes):
        if stopped:   # a case already failed: the rest need not run
            return None
        ok, why = check_case(claim, derivation, case, sizes, backend)
        if ok is not True:
            stopped.append(case)
        return (case, sizes, ok, why)

    results = run_forked([lambda c=c, z=z: one(c, z) for c, z in cases], budget)
    return [r for r in results if r is not None]


def prove_all_depths(claim, derivation, *, bound=DEFAULT_BOUND, budget=10.0, backend="symengine") -> InductionResult:
    """Prove the base case and the induction step of ``claim`` exactly, for every width up to ``bound``.

    Examples
    --------
    >>> from symbp.claims import Derivation
    >>> from symbp.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(first_layer=1), {"activation": "f"})
    >>> @doc.claim("BP2", kind="delta", layer="hidden", latex="")
    ... def bp2(n, l):
    ...     return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l])
    >>> prove_all_depths(bp2, doc, bound=2).status
    'proven'
    >>> @doc.claim("BP2 (W for Wᵀ)", kind="delta", layer="hidden", latex="")
    ... def bp2_wrong(n, l):
    ...     W = n.W[l + 1]
    ...     return n.delta[l], ((W.T if W.shape[0] != W.shape[1] else W) @ n.delta[l + 1]) * n.fp(n.z[l])
    >>> r = prove_all_depths(bp2_wrong, doc, bound=2)
    >>> r.status, r.detail[:69]
    ('fails', 'the induction step does not hold in general: step [1, 1, 2, 2] at l=3')
    """
    reason = applies_to(claim)
    if reason:
        return InductionResult("not-applicable", detail=reason, bound=bound)
    cases = cases_of(claim, bound)
    total = {}
    for case, _ in cases:
        total[case] = total.get(case, 0) + 1
    activation = dict(derivation.spec, **claim.spec).get("activation", "f")
    results = _run_cases(claim, derivation, cases, backend, budget)
    done = {}
    for case, sizes, ok, why in results:
        if ok is None:
            return InductionResult("not-applicable", detail=why, bound=bound, activation=activation)
        if ok is False:
            what = "base case" if case == "base" else "induction step"
            return InductionResult("fails", done, total, f"the {what} does not hold in general: {why}",
                                   bound, activation)
        done[case] = done.get(case, 0) + 1
    if len(results) < len(cases):
        return InductionResult("timeout", done, total, f"the induction did not finish within the budget "
                               f"({len(results)} of {len(cases)} width combinations proven)", bound, activation)
    return InductionResult("proven", done, total, "", bound, activation)


def extend_to_all_depths(outcome: Outcome, claim, derivation, *, budget=10.0, backend="symengine",
                         bound=DEFAULT_BOUND) -> Outcome:
    """``outcome`` upgraded to ``proven for all depths`` when the induction proves ``claim``.

    Only a ``proven`` outcome is extended.  A failing base case or step
    keeps ``proven`` (on the sweep) and says where the general case breaks;
    a budget that runs out keeps ``proven`` and says so; a claim the
    induction does not cover is returned unchanged.
    """
    if outcome.status != "proven" or applies_to(claim) or budget <= 0:
        return outcome
    res = prove_all_depths(claim, derivation, bound=bound, budget=budget, backend=backend)
    if res.status == "proven":
        return dataclasses.replace(outcome, status=ALL_DEPTHS, message=res.describe())
    if res.status in ("fails", "timeout"):
        note = "proven on the sweep; " + res.detail
        return dataclasses.replace(outcome, message=note)
    return outcome
