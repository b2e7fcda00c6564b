"""Mutation score: inject single faults into correct claims and see whether the checker catches them.

A mutant is a wrapped :class:`~symbp.claims.derivation.Claim`: its function calls the
original claim once with the view it is given (the truth side, untouched) and
once with a *mutant view* or mutated arguments (the formula sides), so that
only the page's formula changes.  Each fault is one row of :data:`FAULTS`,
with the diagnosis kinds that name it correctly.  A mutant whose formula is
identical to the original's on the sweep (``1/K`` where ``K = 1`` throughout,
dropping ``λ`` from a formula without ``λ``) is skipped as equivalent, by
measurement.

>>> from symbp.claims.derivation import Derivation
>>> from symbp.claims.notation import Notation
>>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"}, sweep=(((2, 3, 2), 1),))
>>> @doc.claim("(1)", kind="delta", layer="output", latex="")
... def out(n, i):
...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
>>> results = mutate(doc, faults=["sign", "f for f'"], budget=5)
>>> [(r.fault, r.status, r.killed, r.diagnosed) for r in results]
[('sign', 'fails', True, True), ("f for f'", 'fails', True, True)]
"""

from __future__ import annotations

import dataclasses
import functools
import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from ..claims.tensor import LENIENT, IllFormed, Tensor, has_nan
from ..claims.derivative import derivative_log
from ..claims.occurrence import ACTIVE
from ..claims.view import LAYER_READS, PAGE_READS, View
from .budget import TIME_LIMIT
from .evaluate import RTOL, NetworkCache, instantiate, numeric_values, relative_errors, sample_points, spec_for
from .diagnose import edits_of
from .verify import verify_claim

__all__ = ['Fault', 'FAULTS', 'EXPECTED', 'mutants', 'mutate', 'MutantResult', 'summarize', 'HOLDS', 'holding_claims',
           'random_archs', 'false_alarms', 'layer_shifts']


#: Verdicts that mean "the claim holds".
HOLDS = ("proven", "proven for all depths", "confirmed")


@dataclass(frozen=True)
class Fault:
    """One kind of single fault: how it changes the formula side, and the diagnoses that name it."""
    name: str
    expected: tuple                  # diagnosis kinds that count as diagnosed correctly
    scale: Callable | None = None    # scale(view) -> factor on the formula (on the step, for an update)
    perturb: dict | None = None      # a View perturbation of the formula side
    swap_indices: bool = False       # call the formula with its two unit indices exchanged
    values: dict | None = None       # view values replaced in the formula: {"lam": 0}
    zero_biases: bool = False        # every bias set to zero in the formula's expressions (after it is built)


#: The faults, one row each: name, the diagnosis kinds that name it, how it is made.
FAULTS = {f.name: f for f in [
    Fault("sign",          ("sign",),                      scale=lambda n: -1),
    Fault("factor 2",      ("factor",),                    scale=lambda n: 2),
    Fault("factor 1/m",    ("factor", "convention"),       scale=lambda n: n.B.Rational(1, n.m)),
    Fault("factor 1/K",    ("factor", "convention"),       scale=lambda n: n.B.Rational(1, n.K)),
    Fault("transpose",     ("transpose",)),                # indices swapped (two indices) or W read transposed
    Fault("layer",         ("layer",)),                    # one quantity read one layer off (chosen per claim)
    Fault("f for f'",      ("derivative",),                perturb={"swap_f": True}),
    Fault("weight decay",  ("missing-term",),              values={"lam": 0}),
    Fault("bias",          ("missing-term",),              zero_biases=True),
]}


#: Diagnosis kinds that count as correct for each fault (the table above, by name).
EXPECTED = {name: f.expected for name, f in FAULTS.items()}


#: Order in which a wrong-layer mutant is looked for: the first family and direction that changes the formula.
_LAYER_SHIFTS = [(fam, s) for fam in ("delta", "a", "z", "W", "b") for s in (1, -1)]


# -- the mutant view -----------------------------------------------------------------------------
def _combine(outer, inner):
    """The perturbation of a view read as ``outer`` (the diagnosis) and then as ``inner`` (the fault)."""
    out = dict(outer or {})
    for key, v in (inner or {}).items():
        if key in ("swap_f", "transpose_W"):
            out[key] = bool(out.get(key)) != bool(v)
        elif key == "shift":
            if "shift" in out and out["shift"][0] != v[0]:
                raise IllFormed("two different layer shifts cannot be read at once")
            total = v[1] + (out["shift"][1] if "shift" in out else 0)
            out.pop("shift", None)
            if total:
                out["shift"] = (v[0], total)
    return {k: v for k, v in out.items() if v}


class MutantView(View):
    """A view whose formula reads are faulty: perturbed, with λ set to zero, the step scaled."""

    def __init__(self, net, notation, k, symbols, perturb, values=None, lr_scale=None):
        super().__init__(net, notation, k, symbols, perturb)
        self._values, self._lr_scale = dict(values or {}), lr_scale
        if "lam" in self._values:
            self.lam = self.B.Integer(self._values["lam"])
        if lr_scale is not None:
            self.lr = self.lr * lr_scale(self)

    @cached_property
    def examples(self):
        """One (mutant) view per example of the batch."""
        return [self if k == self.k else MutantView(self.net, self.nt, k, self._symbols, self.perturb,
                                                    self._values, self._lr_scale)
                for k in range(self.m)]


def _is_update(claim):
    return (claim.of if claim.kind == "chain" else claim.kind) in ("update_W", "update_b")


def _truth_side(orig, n, args):
    """The first side of ``orig(n, *args)``, computed once per (claim, network, notation, example, arguments) for
    all the mutants of a claim: with what the call added to the network's derivative log and to the view's free
    symbols, added again at each reuse.  Not reused while anything watches the reads (the edit search's reader, a
    read hook, a lenient reading): each read must then be made."""
    cache = getattr(n.net, "_cache", None)
    if not isinstance(cache, dict) or ACTIVE[0] is not None or LAYER_READS or PAGE_READS or LENIENT[0]:
        return orig(n, *args)[0]
    key = (id(orig), id(n.nt), n.k, args)
    truths = cache.setdefault("mutant_truths", {})
    found = truths.get(key)
    log = derivative_log(n.net)
    if found is not None and found[0] is orig and found[1] is n.nt:
        _, _, truth, logged, symbols = found
        log.extend(logged)
        for name, symbol in symbols.items():
            n._symbols.setdefault(name, symbol)
        return truth
    start, before = len(log), set(n._symbols)
    truth = orig(n, *args)[0]
    after = derivative_log(n.net)   # (a clear inside the call starts a new log: all of it is the call's)
    logged = after[start:] if after is log else list(after)
    added = {name: s for name, s in n._symbols.items() if name not in before}
    truths[key] = (orig, n.nt, truth, logged, added)
    return truth


def make_mutant(claim, fault: Fault, perturb=None):
    """The claim with ``fault`` injected into its formula side(s); ``perturb`` overrides the fault's own."""
    perturb = fault.perturb if perturb is None else perturb
    update = _is_update(claim)
    lr_scale = fault.scale if (update and fault.scale) else None
    result_scale = fault.scale if (fault.scale and not update) else None
    orig = claim.fn
    views, plains = weakref.WeakKeyDictionary(), weakref.WeakKeyDictionary()

    def mutant_view(n):
        if n not in views:
            views[n] = MutantView(n.net, n.nt, n.k, n._symbols, _combine(n.perturb, perturb),
                                  fault.values, lr_scale)
        return views[n]

    def plain_view(n):
        if not n.perturb:
            return n
        if n not in plains:
            plains[n] = View(n.net, n.nt, n.k, n._symbols)
        return plains[n]

    @functools.wraps(orig)
    def fn(n, *args):
        truth = _truth_side(orig, plain_view(n), args)      # the truth side, read as written
        if fault.swap_indices:
            args = args[:len(args) - 2] + args[len(args) - 2:][::-1]
        sides = _formula_sides(orig, mutant_view(n), args)
        if result_scale is not None:
            c = result_scale(n)
            sides = [c * s for s in sides]
        if fault.zero_biases:   # the forward pass without its bias: z = W a (the bias still a parameter to
            zero = {b: 0 for layer in n.net.b.values() for b in layer}      # differentiate by)
            sides = [s._map(lambda e: n.B.sympify(e).xreplace(zero), s.name) if isinstance(s, Tensor)
                     else n.B.sympify(s).xreplace(zero) for s in sides]
        return (truth, *sides)

    label = f"{claim.label} ⟨{fault.name}⟩"
    return dataclasses.replace(claim, fn=fn, label=label, expect="holds")


#: What reading a formula through a faulty view may raise.
_READ_ERRORS = (IllFormed, IndexError, KeyError, ValueError, TypeError, ZeroDivisionError, RuntimeError)


def _formula_sides(orig, view, args):
    """The formula sides of ``orig`` read through ``view``.

    The claim function computes every side at once; where only its truth side
    cannot be read through the faulty view (say ``δ^(l)`` of a layer the shift
    moved out of range), the call is repeated leniently and the formula sides,
    if they read entirely in range, are kept.
    """
    try:
        return list(orig(view, *args)[1:])
    except IllFormed as e:
        if LENIENT[0]:
            raise
        LENIENT[0] = True
        try:
            sides = list(orig(view, *args)[1:])
        except _READ_ERRORS:
            raise e from None
        finally:
            LENIENT[0] = False
        if any(has_nan(s) for s in sides):
            raise e from None
        return sides


# -- equivalence, by measurement -----------------------------------------------------------------
def _sweep(claim, doc, sweep):
    sweep = list(sweep or doc.sweep)
    return [(s, m) for s, m in sweep if claim.archs is None or claim.archs(tuple(s), m)]


def differs(original, mutant, doc, sweep, cache, bases=None):
    """``(changed, evaluable)``: whether the mutant's formula differs from the original's somewhere on the
    sweep (or cannot be evaluated where the original can), and whether it evaluates anywhere.

    ``bases`` (a dict) keeps the original's instances per architecture across the mutants of one claim.
    """
    changed, evaluable = False, False
    bases = {} if bases is None else bases
    for sizes, m in sorted(_sweep(original, doc, sweep), key=lambda a: (len(a[0]), sum(a[0]) * a[1])):
        if changed and evaluable:   # both known: the larger architectures cannot change either
            break
        net = cache.get(spec_for(doc, original, sizes, m))
        if (sizes, m) not in bases:
            symbols = {}
            try:
                bases[sizes, m] = (instantiate(original, net, doc.notation_of(original), symbols), symbols)
            except IllFormed:
                bases[sizes, m] = None
        if bases[sizes, m] is None:
            continue
        base, symbols = bases[sizes, m][0], dict(bases[sizes, m][1])
        try:
            alt = instantiate(mutant, net, doc.notation_of(original), symbols)
        except _READ_ERRORS:
            changed = True
            continue
        evaluable = True
        if len(alt) != len(base):
            changed = True
            continue
        pts = sample_points(net, symbols, 6, 4242)
        a = numeric_values(net, symbols, base, pts)
        b = numeric_values(net, symbols, alt, pts)
        err = relative_errors(np.stack([a[..., 1:], b[..., 1:]], axis=-1).reshape(-1, 1, 2))
        if not np.all(err <= RTOL):
            changed = True
    return changed, evaluable


def mutants(claim, doc, sweep=None, cache=None, faults=None):
    """``[(fault name, mutant claim or None if equivalent, note)]`` for one correct claim."""
    cache = cache or NetworkCache()
    out, bases = [], {}
    for name in (faults or FAULTS):
        fault = FAULTS[name]
        if name == "transpose":
            if len(claim.indices) == 2:
                fault = dataclasses.replace(fault, swap_indices=True)
                how = "unit indices swapped"
            else:
                fault = dataclasses.replace(fault, perturb={"transpose_W": True})
                how = "W read transposed"
            cands = [(fault, how)]
        elif name == "layer":
            cands = [(dataclasses.replace(fault, perturb={"shift": (fam, s)}),
                      f"{doc.notation_of(claim).shown(fam)} read one layer {'up' if s > 0 else 'down'}")
                     for fam, s in _LAYER_SHIFTS]
        else:
            cands = [(fault, "")]
        chosen, fallback = None, None
        for f, how in cands:
            mut = make_mutant(claim, f)
            changed, evaluable = differs(claim, mut, doc, sweep, cache, bases)
            if changed and evaluable:
                chosen = (mut, how)
                break
            if changed and fallback is None:
                fallback = (mut, how)
        chosen = chosen or fallback
        if chosen is None:
            out.append((name, None, "equivalent: identical to the original on the sweep"))
        else:
            out.append((name, chosen[0], chosen[1]))
    return out


# -- running ----------------------------------------------------------------------------------------
@dataclass
class MutantResult:
    """What the checker said about one mutant (``status`` is ``"equivalent"`` for a skipped one)."""
    derivation: str
    claim: str
    reading: str
    fault: str
    how: str
    status: str
    diagnosis: str | None = None
    detail: str = ""
    shifts: tuple = ()      # an edit diagnosis's layer edits of every read of a symbol: ((symbol, "up"/"down"), …)

    @property
    def skipped(self):
        """Whether the mutant was skipped as equivalent."""
        return self.status == "equivalent"

    @property
    def killed(self):
        """Whether the checker's verdict on the mutant is not a holding one."""
        return not self.skipped and self.status not in HOLDS

    @property
    def diagnosed(self):
        """Whether the diagnosis kind is one that names the injected fault (for a wrong layer: also the
        quantity and the direction, as :func:`symbp.judge.diagnose.diagnose` words them)."""
        if not (self.killed and self.diagnosis in EXPECTED[self.fault]):
            return False
        if self.fault == "layer" and self.how:      # how: "delta read one layer up"
            family, up = self.how.split()[0], self.how.endswith("up")
            by_edits = bool(self.shifts) and all(s == (family, "up" if up else "down") for s in self.shifts)
            return by_edits or (self.detail.startswith(f"{family} of the wrong layer") and
                                ("too high" in self.detail) == up)
        return True

    def to_dict(self):
        """A JSON-ready dict."""
        d = dataclasses.asdict(self)
        d.update(killed=self.killed, diagnosed=self.diagnosed)
        return d


def layer_shifts(diagnosis) -> tuple:
    """``((symbol, direction), …)`` of an edit diagnosis whose every edit reads a symbol one layer off at all
    its reads ("holds with h^(l) for h^(l+1) (everywhere)": the page reads ``h`` one layer ``"up"``); else ().

    >>> from symbp.judge.diagnose import EditDiagnosis
    >>> d = EditDiagnosis(kind="layer")
    >>> d.found = [type("Edit", (), {"key": ("symbol_rel", "h", 1), "change": ("symbol_rel", -1)})()]
    >>> layer_shifts(d), layer_shifts({"kind": "sign"})
    ((('h', 'up'),), ())
    """
    found = edits_of(diagnosis) or ()
    shifts = []
    for e in found:
        if e.key[0] != "symbol_rel" or e.change[0] != "symbol_rel" or e.change[1] == e.key[2]:
            return ()
        shifts.append((e.key[1], "up" if e.change[1] < e.key[2] else "down"))
    return tuple(shifts)


def holding_claims(doc, sweep=None, cache=None, claims=None, progress=None, **opts):
    """The claims of ``doc`` (or those of ``claims``) whose verdict holds (proven or confirmed).

    ``progress(name, index, total, label)`` is told of each claim as it is checked.
    """
    cache = cache or NetworkCache()
    pool = doc.claims if claims is None else claims
    held = []
    for i, c in enumerate(pool):
        if progress:
            progress(f"{doc.name}: which claims hold", i, len(pool), c.label)
        if verify_claim(c, doc.for_claim(c), cache=cache, sweep=sweep, **opts).status in HOLDS:
            held.append(c)
    return held


def mutate(doc, *, sweep=None, faults=None, budget=TIME_LIMIT, numeric_only=False, points=20, seed=0, claims=None,
           progress=None, cache=None):
    """Mutate every holding claim of ``doc`` (or the ``claims`` given, taken to hold) and check each mutant.

    Returns ``[MutantResult]``; ``progress(name, index, total, label)`` is told of each claim; ``cache`` (a
    :class:`~symbp.judge.evaluate.NetworkCache`) shares the networks with the caller's other checks.
    """
    cache = cache or NetworkCache()
    opts = dict(budget=budget, numeric_only=numeric_only, points=points, seed=seed)
    targets = claims if claims is not None else holding_claims(doc, sweep, cache, progress=progress, **opts)
    results = []
    for i, claim in enumerate(targets):
        if progress:
            progress(f"{doc.name}: mutants", i, len(targets), claim.label)
        for name, mut, how in mutants(claim, doc, sweep, cache, faults):
            if mut is None:
                results.append(MutantResult(doc.name, claim.label, claim.reading, name, how, "equivalent"))
                continue
            try:
                o = verify_claim(mut, doc.for_claim(mut), cache=cache, sweep=sweep, **opts)
                status, diag = o.status, o.diagnosis
                detail = (diag or {}).get("detail", "") or o.message
            except Exception as e:  # the mutant raised: the checker reports an error verdict
                status, diag, detail = "error", None, f"{type(e).__name__}: {e}"
            results.append(MutantResult(doc.name, claim.label, claim.reading, name, how, status,
                                        (diag or {}).get("kind"), detail, layer_shifts(diag)))
    return results


def summarize(results):
    """Per fault: ``{fault: {"mutants", "equivalent", "killed", "diagnosed"}}`` plus ``"all"``."""
    table = {}
    for r in results:
        for key in (r.fault, "all"):
            row = table.setdefault(key, {"mutants": 0, "equivalent": 0, "killed": 0, "diagnosed": 0})
            if r.skipped:
                row["equivalent"] += 1
            else:
                row["mutants"] += 1
                row["killed"] += r.killed
                row["diagnosed"] += r.diagnosed
    order = list(FAULTS) + ["all"]
    return {k: table[k] for k in order if k in table}


def random_archs(count, seed=0):
    """``count`` random architectures ``(sizes, m)``: widths 1..4, 1..3 hidden layers, m in {1, 3}.

    >>> random_archs(2)
    [((4, 1, 3, 4), 3), ((4, 3, 2, 2), 3)]
    """
    import random
    rng = random.Random(seed)
    return [(tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 3) + 2)), rng.choice((1, 3)))
            for _ in range(count)]


def false_alarms(doc, claims, archs, cache=None, progress=None, **opts):
    """``(checked, alarms)``: of the unmutated ``claims`` (that hold), those that do not hold on ``archs``.

    A document whose own sweep has m = 1 only (it states its formulas for one example) is read with m = 1;
    a claim's ``archs=`` filter is kept, and a claim that no architecture fits is not counted. ``alarms`` are
    ``(claim label, reading, status, detail)``; the check is numeric (``opts`` as :func:`verify_claim`'s).
    """
    cache = cache or NetworkCache()
    if {m for _, m in doc.sweep} == {1}:
        archs = [(s, 1) for s, _ in archs]
    checked, alarms = 0, []
    for i, c in enumerate(claims):
        fits = [a for a in archs if c.archs is None or c.archs(*a)]
        if not fits:
            continue
        if progress:
            progress(f"{doc.name}: false alarms", i, len(claims), c.label)
        checked += 1
        o = verify_claim(c, doc.for_claim(c), cache=cache, sweep=fits, **{**opts, "numeric_only": True})
        if o.status not in HOLDS and o.status != "ill-formed":
            alarms.append((c.label, c.reading, o.status, (o.diagnosis or {}).get("detail", o.message)))
    return checked, alarms
