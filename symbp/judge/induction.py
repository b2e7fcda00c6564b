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

The claim function and the :class:`~symbp.claims.view.View` run unchanged on
both networks: only the layer a claim is read at is fixed (the output
layer, or the layer ``l`` under ``G``).  Both checks run in a forked process
that is killed when the claim's time budget runs out; the verdict then
stays ``proven`` (on the sweep) and says so.

>>> from symbp.model.spec import NetworkSpec
>>> net = StepNetwork(NetworkSpec((1, 1, 1, 1), activation="f"))
>>> net.example_costs[0]
G(b3_0 + W3_0_0*f(b2_0 + W2_0_0*f(b1_0 + x0_0*W1_0_0)))
>>> net.delta(0, 2)
[W3_0_0*fp(b2_0 + W2_0_0*f(b1_0 + x0_0*W1_0_0))*G_1(b3_0 + W3_0_0*f(b2_0 + W2_0_0*f(b1_0 + x0_0*W1_0_0)))]
"""

from __future__ import annotations

import dataclasses
import inspect
import signal
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import product

from ..claims.tensor import IllFormed
from ..model.activations import GENERIC
from ..model.spec import SpecError
from ..oracle.symbolic import SymbolicNetwork
from .budget import TIME_LIMIT, run_forked, time_left, time_limit
from .evaluate import MAX_INLINE_EXPANSION, at, expansion_size, instantiate, spec_for
from .exact import exact_value
from .verify import UNDECIDED, Outcome, undecided

__all__ = ['induction_limit', 'StepNetwork', 'InductionResult', 'prove_all_depths', 'extend_to_all_depths', 'cases_of', 'applies_to', 'case_spec', 'case_network', 'warm', 'search_cache', 'check_case', 'case_instances', 'case_residuals', 'small_expansions', 'read_at', 'locality', 'DEFAULT_BOUND', 'ALL_DEPTHS', 'STEP_SEARCH', 'WIDE_CHECK']


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


#: Where the claim is also read with more layers below it (its absolute position changes, nothing else).
_DEEPER_BASE = ((1, 2, 3, 2), (1, 3, 1, 2, 3))


_DEEPER_STEP = ((1, 2, 2, 3, 2), (1, 3, 1, 2, 3, 2))


#: Real networks (depth 3–6, widths up to 5) searched for a counterexample when the step fails under G.
STEP_SEARCH = (((1, 2, 3, 2), 1), ((2, 3, 4, 5, 2), 1), ((2, 5, 4, 3, 2, 3), 1), ((1, 2, 3, 2, 3, 2, 2), 1))


#: Real networks read numerically before ``proven for all depths``: wider (5) and deeper (6) than the cases.
WIDE_CHECK = (((1, 5, 2, 5), 1), ((1, 2, 2, 2, 2, 2, 5), 1))


def applies_to(claim) -> str | None:
    """Why the induction does not apply to ``claim`` (None when it does).

    >>> from symbp.claims.derivation import Claim
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
        return ("the claim speaks of the layers it states (layer= a function of n), not of a general layer l"
                if callable(claim.layer) else "the claim speaks of one fixed layer, not of a general layer l")
    if claim.archs is not None:
        return "the claim speaks of some architectures only (archs=)"
    return None


def cases_of(claim, bound=DEFAULT_BOUND):
    """``(case, sizes)`` to check: ``"base"`` on ``[1, p, K]``, ``"step"`` on ``[1, p, q, r]``, widths 1..bound.

    Each is followed by the same case with more layers below (the claim read at another absolute depth).

    >>> from symbp.claims.derivation import Claim
    >>> cases = cases_of(Claim("(1)", "delta", "", lambda n, l: None, layer="all"), bound=2)
    >>> len(cases), cases[0], cases[-1]
    (16, ('base', (1, 1, 1)), ('step', (1, 3, 1, 2, 3, 2)))
    """
    widths = range(1, bound + 1)
    out = []
    if claim.layer in ("output", "all"):
        out += [("base", (1, p, K)) for p, K in product(widths, widths)] + [("base", s) for s in _DEEPER_BASE]
    if claim.layer in ("hidden", "all"):
        out += [("step", (1, p, q, r)) for p, q, r in product(widths, widths, widths)]
        out += [("step", s) for s in _DEEPER_STEP]
    return out


def case_spec(claim, derivation, case, sizes):
    """The NetworkSpec of one case: the claim's spec on ``sizes`` (the step: no output activation, a cost
    that does not matter, C = G(z)).

    >>> from symbp.claims.derivation import Claim, Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "tanh"})
    >>> s = case_spec(Claim("(1)", "delta", "", lambda n, l: None, layer="hidden"), doc, "step", (1, 2, 2, 2))
    >>> s.sizes, s.activation, s.output_activation
    ((1, 2, 2, 2), 'tanh', 'tanh')
    """
    if case == "base":
        return spec_for(derivation, claim, sizes, 1)
    # the step: the spec's hidden activation throughout; its cost does not matter (C = G(z)); weight decay
    # stays as the spec has it, so that λ means the same on the step network as on the sweep
    return spec_for(derivation, claim, sizes, 1, {"output_activation": None, "cost": "half_sse"})


#: The case networks built in this process, by (case, spec, backend), most recently used last (at most
#: _NETWORKS_MAX): the claims of one derivation share them, and what :func:`warm` computed on them.
_NETWORKS = OrderedDict()
_NETWORKS_MAX = 400


def case_network(claim, derivation, case, sizes, backend="symengine"):
    """The network of one case (a :class:`StepNetwork` for the step), built once per spec in this process.

    A network holds only what the CAS derived from its spec (its truths are computed once, when first asked
    for), so one built for an earlier claim is the same as a fresh one.

    >>> from symbp.claims.derivation import Claim, Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"})
    >>> c = Claim("(1)", "delta", "", lambda n, l: None, layer="hidden")
    >>> net = case_network(c, doc, "step", (1, 2, 1, 2))
    >>> type(net).__name__, net is case_network(c, doc, "step", (1, 2, 1, 2))
    ('StepNetwork', True)
    """
    spec = case_spec(claim, derivation, case, sizes)
    key = (case, spec, backend if isinstance(backend, str) else backend.name)
    net = _NETWORKS.get(key)
    if net is None:
        net = (SymbolicNetwork if case == "base" else StepNetwork)(spec, backend)
        _NETWORKS[key] = net
        if len(_NETWORKS) > _NETWORKS_MAX:
            _NETWORKS.popitem(last=False)
    else:
        _NETWORKS.move_to_end(key)
    return net


#: The case networks :func:`warm` has built the truths of, and for which claims (a gradient's or not).
_WARMED = weakref.WeakKeyDictionary()


def warm(claim, derivation, case, sizes, backend="symengine"):
    """Build the case's network and the truths a claim on it reads (δ at the layer read and the next; for a
    gradient, the example cost's derivatives there), so that the forked children of every later claim find them.

    The same work for every claim (nothing of the claim runs here); a network or truth that cannot be built is
    left to :func:`check_case` in the forked child, which says why.

    >>> from symbp.claims.derivation import Claim, Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"})
    >>> c = Claim("(1)", "delta", "", lambda n, l: None, layer="output")
    >>> warm(c, doc, "base", (1, 2, 2)) is case_network(c, doc, "base", (1, 2, 2))
    True
    """
    try:
        net = case_network(claim, derivation, case, sizes, backend)
        gradient = (claim.of if claim.kind == "chain" else claim.kind) in ("grad_W", "grad_b")
        done = _WARMED.setdefault(net, set())
        if gradient in done:   # built for an earlier claim of this kind: its truths are in the network already
            return net
        layer = net.L if case == "base" else net.L - 1
        truths = [v for l in range(1, net.L + 1) for v in net.z[0][l] + net.a[0][l]]   # the forward pass first
        for l in (layer, layer + 1):
            if 1 <= l <= net.L:
                truths += net.delta_cached(0, l)
        if gradient:
            cost = net.example_costs[0]
            for l in (layer, layer + 1):
                if 1 <= l <= net.L:
                    truths += [net.diff_cached(cost, s) for s in [w for row in net.W[l] for w in row] + net.b[l]]
        for v in truths:   # known free of floats: a formula built of them walks only its own nodes
            exact_value(v)
        done.add(gradient)
        return net
    except Exception:   # noqa: BLE001 - building ahead is optional: the case itself (in its child) says what broke
        return None


def read_at(claim, derivation, net, case="step"):
    """A copy of ``claim`` read only at the layer the case is about (the output layer, or the layer under G)."""
    nt = derivation.notation
    canon = net.L if case == "base" else net.L - 1
    if claim.family in ("weights", "biases"):
        doc_layer = canon - (1 if nt.weight_named_after == "source" else 0) + nt.first_layer
    else:
        doc_layer = canon + nt.first_layer
    return dataclasses.replace(claim, layer=lambda n, d=doc_layer: d)


def case_instances(claim, derivation, case, sizes, backend="symengine"):
    """``(net, instances)`` of ``claim`` read on one case's network, or ``(None, why)`` when it cannot be read."""
    try:
        net = case_network(claim, derivation, case, sizes, backend)
        return net, instantiate(read_at(claim, derivation, net, case), net, derivation.notation, {})
    except (IllFormed, SpecError, IndexError, KeyError, ValueError, TypeError) as e:
        return None, f"cannot be read on the {case} network {list(sizes)}: {e}"


def case_residuals(derivation, case, sizes, net, instances):
    """``(True, "")`` when every difference of ``instances`` expands to 0, else ``(False, why)`` (the first)."""
    from ..claims.view import View
    from .diagnose import in_page_notation
    B = net.backend.B
    for inst in instances:
        for s, side in enumerate(inst.sides[1:], start=1):
            residual = B.expand(B.sympify(inst.sides[0] - side))
            if residual != 0:
                step = f" (step {s})" if len(inst.sides) > 2 else ""
                shown = str(in_page_notation(residual, View(net, derivation.notation).display_names()))
                return False, (f"{case} {list(sizes)}{at(inst.where)}{step}: truth − formula = "
                               + (shown if len(shown) <= 240 else shown[:240] + " …"))
    return True, ""


def check_case(claim, derivation, case, sizes, backend="symengine"):
    """Exact check of one case: ``(True, "")``, ``(False, why)``, or ``(None, why)`` when it cannot be read."""
    net, instances = case_instances(claim, derivation, case, sizes, backend)
    if net is None:
        return None, instances
    return case_residuals(derivation, case, sizes, net, instances)


def small_expansions(net, instances) -> bool:
    """Whether expanding every difference of ``instances`` makes at most :data:`MAX_INLINE_EXPANSION` terms
    (symengine sides only): then it takes milliseconds and is done in this process, not in a forked child.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.judge.evaluate import Instance
    >>> net = SymbolicNetwork(NetworkSpec((1, 1), activation="f"))
    >>> w, b = net.params
    >>> small_expansions(net, [Instance("", [w, w * b])]), small_expansions(net, [Instance("", [w, (w + b + 1) ** 200])])
    (True, False)
    """
    import symengine
    if net.backend.name != "symengine":
        return False
    return all(expansion_size(symengine.sympify(inst.sides[0] - s)) <= MAX_INLINE_EXPANSION
               for inst in instances for s in inst.sides[1:])


# -- locality -----------------------------------------------------------------------------------------
def _page_name(derivation, reason):
    """``reason`` with the view's quantity names replaced by the page's (``W^(l+2)`` -> ``w^(l+2)``)."""
    inverse = {}
    for page, canon in derivation.notation.names.items():
        inverse.setdefault(canon, page)
    head, sep, rest = reason.partition("reads ")
    if sep and "^(" in rest:
        name, hat, tail = rest.partition("^(")
        return head + sep + inverse.get(name, name) + hat + tail
    return reason


def locality(claim, derivation, case, sizes, backend="symengine") -> list:
    """Why ``claim`` is not local on the ``case`` network ``sizes`` ([] when it is).

    The claim runs once on a :class:`~symbp.judge.locality.TrackingView` with its
    layer ``l`` and unit indices tracked; it may read ``l−1..l+1`` (the
    output layer case: also ``L`` and ``L−1``), and must not compare, test
    or compute with the layer, a width, the depth or a unit index.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(first_layer=1), {"activation": "f"})
    >>> @doc.claim("BP2 (plus 0·a^(l−2))", kind="delta", layer="hidden", latex="")
    ... def bp2(n, l):
    ...     return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l]) + 0 * n.a[l - 2][1]
    >>> locality(bp2, doc, "step", (1, 2, 2, 2, 2))
    ['it reads a^(l-2)']
    """
    from .locality import Recorder, Tracked, TrackingView, nonlocal_reasons
    net = case_network(claim, derivation, case, sizes, backend)
    view = TrackingView(net, derivation.notation, 0, {})
    names = claim.params

    def tracked_fn(_n, *args):
        targs = [Tracked(v, "l" if k == 0 and claim.takes_layer else f"the unit index {names[k]}")
                 for k, v in enumerate(args)]
        return claim.fn(view, *targs)
    tracked_fn.__signature__ = inspect.signature(claim.fn)   # the same layer and index parameters

    with Recorder() as rec:
        try:
            instantiate(dataclasses.replace(read_at(claim, derivation, net, case), fn=tracked_fn), net,
                        derivation.notation, {})
        except Exception as e:   # noqa: BLE001 - whatever breaks here, locality is not shown
            return [f"it cannot be run with its layer and indices tracked ({type(e).__name__}: {e})"[:200]]
    anchors = {"l": (-1, 0, 1)} if case == "step" else {"l": (-1, 0, 1), "the depth L": (-1, 0)}
    reasons = rec.reasons + nonlocal_reasons(rec.reads, anchors)
    return [_page_name(derivation, r) for r in reasons]


# -- running the cases within a budget -------------------------------------------------------------
@dataclass
class InductionResult:
    """What the induction found for one claim."""
    status: str                     # "proven" | "fails" | "timeout" | "not-applicable" | "unreadable"
    cases: dict = field(default_factory=dict)   # case -> number of width combinations proven
    total: dict = field(default_factory=dict)   # case -> number of width combinations to prove
    detail: str = ""
    bound: int = DEFAULT_BOUND
    activation: str = "f"
    failed: tuple | None = None     # (case, sizes) of the first case that does not hold
    nonlocal_: list = field(default_factory=list)   # why the claim is not local ([] when it is)

    def describe(self, notation=None) -> str:
        """One sentence: what was proven, under which assumptions (or why not), in ``notation``'s names."""
        if self.status != "proven":
            return self.detail
        shown = notation.shown if notation is not None else (lambda c, d=None: d or c)
        fn = shown("f")
        f = (f"for every differentiable {fn}" if self.activation in GENERIC
             else f"for {fn} = {self.activation} (by its derivative identity)")
        parts = []
        if "base" in self.total:
            parts.append(f"base case (output layer, any input {shown('a')}^(L−1))")
        if "step" in self.total:
            parts.append(f"induction step (layer l under an undefined downstream cost G({shown('z')}^(l+1)))")
        return f"by induction: {' and '.join(parts)} exact {f}, every width 1–{self.bound}"


def _run_cases(claim, derivation, cases, backend, budget):
    """Check ``cases``, stopping at the first that fails; after them (if all hold), the claim's locality on one
    network of each case kind.

    Each case is read in this process (the claim's code, under a time limit) and its differences expanded here
    while each makes at most :data:`MAX_INLINE_EXPANSION` terms (a bound on work: milliseconds); from the first
    case past it, the rest run in a forked child (:func:`symbp.judge.budget.run_forked`, memory capped) with the
    time that is left.  Whatever a case raises ends the run of cases there, as it ends the child.
    """
    kinds = {c for c, _ in cases}
    probes = [("base", (1, 2, 3)), ("step", (1, 2, 3, 2))]
    probes = [(c, z) for c, z in probes if c in kinds]
    for c, z in cases:   # first: later claims reuse the networks and their truths
        warm(claim, derivation, c, z, backend)
    if not _limit_here(budget):   # no timer of its own here: every case in the child, which the budget kills
        return _run_in_child(claim, derivation, cases, probes, backend, budget)
    deadline = time.monotonic() + budget
    done, rest = _run_here(claim, derivation, cases, probes, backend, budget)
    if rest is None:
        return done
    left = deadline - time.monotonic()
    return done + _run_in_child(claim, derivation, cases[rest:], probes, backend, left)


def _limit_here(budget) -> bool:
    """Whether a time limit of ``budget`` seconds can stop the cases in this process: SIGALRM exists, this is the main
    thread, and no enclosing time limit fires first (its TimeLimit must reach its own caller, not end the cases).

    >>> _limit_here(60.0)
    True
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    outer = time_left()
    return outer is None or outer > budget


def _run_here(claim, derivation, cases, probes, backend, budget):
    """``(results, k)``: the cases checked in this process, and the index of the first case left to a child
    (None: nothing is left; all were checked, one failed, or the run stopped)."""
    done = []
    try:
        with time_limit(budget):
            for k, (case, sizes) in enumerate(cases):
                net, instances = case_instances(claim, derivation, case, sizes, backend)
                if net is None:
                    done.append((case, sizes, None, instances))
                    return done, None
                if not small_expansions(net, instances):
                    return done, k
                ok, why = case_residuals(derivation, case, sizes, net, instances)
                done.append((case, sizes, ok, why))
                if ok is not True:
                    return done, None
            for case, sizes in probes:
                done.append(("locality", sizes, locality(claim, derivation, case, sizes, backend), ""))
    except BaseException:   # noqa: BLE001 - what would end the child (a time limit included) ends the cases here
        return done, None
    return done, None


def _run_in_child(claim, derivation, cases, probes, backend, budget):
    """Check ``cases`` then the locality ``probes`` in a forked child, stopping at the first case that fails."""
    stopped = []

    def one(case, sizes):
        if stopped:   # a case already failed: the rest need not run
            return None
        ok, why = check_case(claim, derivation, case, sizes, backend)
        if ok is not True:
            stopped.append(case)
        return (case, sizes, ok, why)

    def local(case, sizes):
        if stopped:
            return None
        return ("locality", sizes, locality(claim, derivation, case, sizes, backend), "")

    thunks = [lambda c=c, z=z: one(c, z) for c, z in cases]
    thunks += [lambda c=c, z=z: local(c, z) for c, z in probes]
    return [r for r in run_forked(thunks, budget) if r is not None]


def prove_all_depths(claim, derivation, *, bound=DEFAULT_BOUND, budget=6 * TIME_LIMIT, backend="symengine") -> InductionResult:
    """Prove the base case and the induction step of ``claim`` exactly, for every width up to ``bound``.

    Examples
    --------
    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
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
    >>> r.status, r.failed, r.detail[:73]
    ('fails', ('step', (1, 1, 2, 2)), 'the induction step does not hold in general: step [1, 1, 2, 2] at layer 3')
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
    done, reasons, probed = {}, [], 0
    for case, sizes, ok, why in results:
        if case == "locality":
            reasons += [r for r in ok if r not in reasons]
            probed += 1
            continue
        if ok is None:
            return InductionResult("unreadable", done, total, why, bound, activation, (case, sizes))
        if ok is False:
            what = "base case" if case == "base" else "induction step"
            return InductionResult("fails", done, total, f"the {what} does not hold in general: {why}",
                                   bound, activation, (case, sizes))
        done[case] = done.get(case, 0) + 1
    if sum(done.values()) < len(cases) or probed < len(total):
        return InductionResult("timeout", done, total, f"the induction did not finish within {budget:g}s "
                               f"({sum(done.values())} of {len(cases)} width combinations proven)", bound, activation)
    return InductionResult("proven", done, total, "", bound, activation, None, reasons)


# -- what the induction makes of a verdict -----------------------------------------------------------
def _join(*parts):
    return "; ".join(p for p in parts if p)


#: The real networks of the searches (:data:`WIDE_CHECK`, :data:`STEP_SEARCH`) built in this process, per backend.
_SEARCH_CACHES = {}


def search_cache(backend="symengine"):
    """The NetworkCache the searches on real networks share in this process (one network per spec, built once).

    >>> search_cache() is search_cache("symengine")
    True
    """
    from .evaluate import NetworkCache
    key = backend if isinstance(backend, str) else backend.name
    if key not in _SEARCH_CACHES:
        _SEARCH_CACHES[key] = NetworkCache(backend)
    return _SEARCH_CACHES[key]


def _search(claim, derivation, sweep, budget, backend, numeric_only=False):
    """``verify_claim`` of ``claim`` on the real networks ``sweep``: its outcome if it fails there, else None."""
    from .verify import verify_claim
    o = verify_claim(claim, derivation, cache=search_cache(backend), sweep=list(sweep), budget=max(budget, 0.0),
                     numeric_only=numeric_only)
    return o if o.status in ("fails", UNDECIDED) else None   # a search stopped by its time limit is undecided


def _fails(outcome, found, note):
    """The failing outcome ``found``, after the notes and message of ``outcome`` (nothing overwritten)."""
    return dataclasses.replace(found, message=_join(outcome.message, found.message, note),
                               notes=[*outcome.notes, *found.notes, note])


def _demoted(outcome, note):
    """``outcome`` (still ``proven``, on the sweep) with a note on why it is not proven for all depths."""
    return dataclasses.replace(outcome, message=_join(outcome.message, note)).with_note(note)


def _base_failure(outcome, claim, derivation, res, left, backend):
    _, sizes = res.failed
    note = f"{res.detail} (a real network: the formula is wrong there)"
    found = _search(claim, derivation, [(sizes, 1)], left(), backend)
    if found is not None:
        return _fails(outcome, found, note)
    return _demoted(outcome, f"not proven for all depths: {res.detail}, but the numeric check agrees on "
                    f"{list(sizes)}: the difference may be an identity the exact check does not expand")


def _step_failure(outcome, claim, derivation, res, left, backend):
    _, sizes = res.failed
    sweep = [((1,) + tuple(sizes[1:]), 1), *STEP_SEARCH]
    found = _search(claim, derivation, sweep, left(), backend)
    if found is not None:
        return _fails(outcome, found, f"{res.detail}; and on a real network too")
    shown = ", ".join(str(list(s)) for s, _ in sweep)
    return _demoted(outcome, f"not proven for all depths: {res.detail} (under an undefined downstream cost G, "
                    f"i.e. for some cost and deeper network); no real counterexample on {shown}, so the formula "
                    f"is proven on the sweep only")


def induction_limit(budget: float) -> float:
    """The time limit (a safety net) of the induction of one claim: it runs every width combination, always.

    >>> induction_limit(10)
    60.0
    """
    return max(60.0, 6.0 * budget)


def extend_to_all_depths(outcome: Outcome, claim, derivation, *, budget=6 * TIME_LIMIT, backend="symengine",
                         bound=DEFAULT_BOUND) -> Outcome:
    """``outcome`` upgraded to ``proven for all depths`` when the induction proves ``claim`` and it is local.

    Only a ``proven`` outcome is extended.  A failing base case is a real
    network: the verdict becomes ``fails`` with that counterexample.  A
    failing induction step is searched for a counterexample on deeper and
    wider real networks (``fails`` if one is found, else ``proven`` on the
    sweep with a note).  A case the claim cannot be read on, a claim that is
    not local (see :func:`locality`), a budget that runs out, or a
    disagreement on a wider or deeper network keeps ``proven`` (on the sweep)
    and says why in a note.  Notes and message are appended to, never replaced.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> from symbp.judge.verify import verify_claim
    >>> doc = Derivation("demo", "Demo", "-", Notation(first_layer=1), {"activation": "f"})
    >>> @doc.claim("BP2 (wrong from depth 9)", kind="delta", layer="hidden", latex="")
    ... def bp2(n, l):
    ...     return n.delta[l], (n.W[l + 1].T @ n.delta[l + 1]) * n.fp(n.z[l]) * (2 if n.L >= 9 else 1)
    >>> o = extend_to_all_depths(verify_claim(bp2, doc), bp2, doc, bound=2)
    >>> o.status, o.notes[-1][:78]
    ('proven', 'not proven for all depths: the claim is not local (it compares the depth L wit')
    """
    if outcome.status != "proven" or applies_to(claim) or budget <= 0:
        return outcome
    def left():   # the failure search gets the whole safety net too: what is searched never depends on speed
        return budget

    res = prove_all_depths(claim, derivation, bound=bound, budget=budget, backend=backend)
    if res.status == "fails":
        fail = _base_failure if res.failed[0] == "base" else _step_failure
        return fail(outcome, claim, derivation, res, left, backend)
    if res.status == "timeout":   # a time limit (a safety net): never a silent "proven on the sweep only"
        return dataclasses.replace(undecided("the induction over depths", budget, outcome.architectures,
                                             outcome.notes), message=_join(outcome.message, "time limit: " +
                                                                           res.detail + " (raise --budget)"))
    if res.status == "unreadable":
        return _demoted(outcome, f"not proven for all depths: {res.detail}")
    if res.status != "proven":
        return outcome
    if res.nonlocal_:
        return _demoted(outcome, f"not proven for all depths: the claim is not local ({'; '.join(res.nonlocal_)}); "
                        f"its base case and induction step hold for every width 1–{bound}, which does not carry "
                        f"over to other depths, widths or units")
    found = _search(claim, derivation, WIDE_CHECK, 0.0, backend, numeric_only=True)
    if found is not None:
        return _fails(outcome, found, "the induction holds for widths 1–%d, but the formula fails on a wider or "
                      "deeper network" % bound)
    shown = ", ".join(str(list(s)) for s, _ in WIDE_CHECK)
    said = res.describe(derivation.notation)   # in the page's names
    note = (f"{said}; local: it reads only layers l−1, l, l+1 (the output layer: L, L−1) and no "
            f"absolute depth, width or unit index; also agrees numerically on {shown}")
    return dataclasses.replace(outcome, status=ALL_DEPTHS,
                               message=_join(outcome.message, said)).with_note(note)
