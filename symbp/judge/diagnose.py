"""Diagnosis of a failing claim, computed from the claim itself, never looked up.

Each hypothesis is tested by measurement: a constant ratio to the truth
(fitted across architectures against expressions in m, K and the widths),
another cost convention (the truth rebuilt under it), a counterfactual
reading of the formula (``f`` and ``f'`` exchanged, a quantity one layer
off, ``W`` transposed, the unit indices swapped), and otherwise the
symbolic residual.  Every failure also gets an exact counterexample.
"""

from __future__ import annotations

import dataclasses
import functools
import weakref

import numpy as np
import symengine
import sympy

from ..claims.tensor import LENIENT, IllFormed, has_nan
from ..claims.view import View
from ..model.costs import COSTS, MAX_GENERIC_OUTPUTS
from .budget import call_with_budget
from .corrected import corrected_formula
from .edits import correct_latex, describe, find_edits, holds_with
from .evaluate import RTOL, at, instantiate, numeric_values, relative_errors, spec_for
from .factors import fit_factor, ratio, vanishes
from .screening import screened_values

__all__ = ['named_exps', 'diagnose', 'explain_ill_formed', 'ill_formed_edit', 'edit_diagnosis', 'EditDiagnosis', 'edits_of',
           'counterexample', 'in_page_notation', 'off_sweep_counterexample']


#: Seconds to expand and print a failing claim's residual.
RESIDUAL_BUDGET = 5.0


#: What reading a formula counterfactually may raise: each means "this reading does not fit".
_READ_ERRORS = (IllFormed, IndexError, KeyError, ValueError, TypeError, ZeroDivisionError, RuntimeError)


def _d(kind, detail, factor=None):
    return {"kind": kind, "factor": factor, "detail": detail}


# -- counterfactual readings -------------------------------------------------------------------
def _counterfactual(claim, perturb=None, swap_indices=False):
    """The claim with only its formula sides re-read: through a view perturbed by ``perturb``, or with its
    last two unit indices exchanged; the truth side is still read as written.

    Where the truth cannot be read as written (NaN, while LENIENT) and the
    reading does not move the true quantities (``f``↔``f'``, ``W`` transposed),
    the truth side of the counterfactual call stands in for it.
    """
    moves_truth = swap_indices or "shift" in (perturb or {})
    views = weakref.WeakKeyDictionary()     # one perturbed view per view the verifier passes in

    @functools.wraps(claim.fn)
    def fn(n, *args):
        truth = claim.fn(n, *args)[0]
        if perturb and n not in views:
            views[n] = View(n.net, n.nt, n.k, n._symbols, perturb)
        alt_view = views[n] if perturb else n
        if swap_indices:
            args = args[:len(args) - 2] + args[len(args) - 2:][::-1]
        sides = claim.fn(alt_view, *args)
        if not moves_truth and has_nan(truth):
            truth = sides[0]
        return (truth, *sides[1:])
    return dataclasses.replace(claim, fn=fn)


def _holds_when(claim, derivation, runs, side, **how):
    """Whether the claim's sides 1..``side`` equal the truth on every run when read as ``how`` says (see
    :func:`_counterfactual`): a reading that fixes one step of a chain but breaks another is no diagnosis of it;
    while reading, an index out of range or a shape mismatch reads as NaN."""
    reading = _counterfactual(claim, **how)
    LENIENT[0] = True
    try:
        for sizes, m, net, symbols, *_ in runs:
            syms = dict(symbols)
            try:
                alt = instantiate(reading, net, derivation.notation, syms)
                vals = screened_values(net, syms, alt, _points(net, syms))   # the truth once for every reading
            except _READ_ERRORS:
                return False
            if vals.shape[2] <= side or not np.all(np.isfinite(vals[:, :, :side + 1])):
                return False
            if any(np.any(relative_errors(vals[:, :, [0, s]]) > RTOL) for s in range(1, side + 1)):
                return False
        return True
    finally:
        LENIENT[0] = False


def _readings(claim, derivation, runs, side, step=""):
    """The first counterfactual reading under which the claim holds, as a diagnosis (or None)."""
    nt = derivation.notation   # every name in the page's own words
    if _holds_when(claim, derivation, runs, side, perturb={"swap_f": True}):
        f, fp = nt.shown("f"), nt.printed("fp")
        return _d("derivative", f"{f} where {fp} belongs (or {fp} where {f} belongs)" + step)
    lv = claim.params[0] if claim.takes_layer else "l"
    for family in ("z", "a", "delta", "W", "b"):
        for shift in (-1, 1):
            if _holds_when(claim, derivation, runs, side, perturb={"shift": (family, shift)}):
                how = ("one layer too high (as if {f}^({l}+1) stood where {f}^({l}) belongs)" if shift == -1 else
                       "one layer too low (as if {f}^({l}) stood where {f}^({l}+1) belongs)").format(
                           f=nt.shown(family), l=lv)
                return _d("layer", f"{nt.shown(family)} of the wrong layer: {how}" + step)
    if _holds_when(claim, derivation, runs, side, perturb={"transpose_W": True}):
        w = nt.shown("W")
        return _d("transpose", f"{w} where {w}ᵀ belongs (or {w}ᵀ where {w} belongs)" + step)
    if len(claim.indices) >= 2 and _holds_when(claim, derivation, runs, side, swap_indices=True):
        return _d("transpose", f"indices transposed: holds with ({', '.join(reversed(claim.indices))}) "
                  f"for ({', '.join(claim.indices)})" + step)
    return None


def explain_ill_formed(claim, derivation, ill, cache):
    """For a claim that cannot be evaluated anywhere: a reading under which it holds (every side of it), or None."""
    runs = [(sizes, m, cache.get(spec_for(derivation, claim, sizes, m)), {}) for sizes, m, _ in ill]
    d = _readings(claim, derivation, runs, max(_unreadable_side(claim, derivation, runs),
                                               _last_side(claim, derivation, runs)))
    if d is not None:
        d["detail"] += f"; as written it cannot be evaluated: {ill[0][2]}"
    return d


def ill_formed_edit(claim, derivation, ill, cache):
    """For a claim that cannot be evaluated anywhere: the smallest edit that makes it well-formed and true,
    as a diagnosis (its verdict stays ``ill-formed``), or None."""
    runs = [(sizes, m, cache.get(spec_for(derivation, claim, sizes, m)), {}) for sizes, m, _ in ill]
    side, last = _unreadable_side(claim, derivation, runs), _last_side(claim, derivation, runs)
    d = None
    if claim.kind == "chain" and last > side:   # every step must read and hold: the faults may be in two steps
        d = edit_diagnosis(claim, derivation, runs, last)
    d = d or edit_diagnosis(claim, derivation, runs, side)
    if d is not None:
        d["detail"] = f"as written it cannot be evaluated ({ill[0][2]}); it " + d["detail"]
    return d


def off_sweep_counterexample(claim, derivation, sweep, cache, limit=4, tries=80):
    """For a claim that cannot be read anywhere on the sweep: a counterexample where it can be read.

    Architectures of the sweep's depths with widths 1..``limit`` are tried,
    smallest first (square matrices included, which the sweep avoids); the
    first on which the formula evaluates and differs from the truth gives
    the exact counterexample.  None when no such architecture is found.
    """
    from itertools import product

    from .evaluate import sample_points
    ms = sorted({m for _, m in sweep})
    candidates = sorted({(s, m) for depth in {len(s) for s, _ in sweep} for m in ms
                         for s in product(range(1, limit + 1), repeat=depth)},
                        key=lambda a: (len(a[0]), sum(a[0]) * a[1], a[0]))
    if claim.archs is not None:
        candidates = [(s, m) for s, m in candidates if claim.archs(s, m)]
    for sizes, m in candidates[:tries]:
        net, symbols = cache.get(spec_for(derivation, claim, sizes, m)), {}
        try:
            instances = instantiate(claim, net, derivation.notation, symbols)
            vals = numeric_values(net, symbols, instances, sample_points(net, symbols, 8, 4242))
        except _READ_ERRORS:
            continue
        errors = relative_errors(vals)
        if not np.all(np.isfinite(vals)) or not np.any(errors > RTOL):
            continue
        side = 1 + int(np.argmax(np.any(errors > RTOL, axis=(0, 1))))
        cex = counterexample(claim, [(sizes, m, net, symbols, instances)], [(vals, errors)], side,
                             derivation.notation)
        if cex is not None:
            cex["note"] = "the formula cannot be read on the sweep; this architecture is the smallest where it can"
            return cex
    return None


def _unreadable_side(claim, derivation, runs):
    """The first side (of a chain) that reads out of range as written, found leniently (NaN); else 1."""
    sizes, m, net, symbols = runs[0][:4]
    syms = dict(symbols)
    LENIENT[0] = True
    try:
        vals = numeric_values(net, syms, instantiate(claim, net, derivation.notation, syms), _points(net, syms))
    except _READ_ERRORS:
        return 1
    finally:
        LENIENT[0] = False
    bad = [s for s in range(1, vals.shape[2]) if not np.all(np.isfinite(vals[:, :, s]))]
    return bad[0] if bad else 1


def _last_side(claim, derivation, runs):
    """The last side of the claim (of a chain: its last step), counted where it reads leniently; else 1."""
    sizes, m, net, symbols = runs[0][:4]
    syms = dict(symbols)
    LENIENT[0] = True
    try:
        return max(len(i.sides) for i in instantiate(claim, net, derivation.notation, syms)) - 1
    except _READ_ERRORS:
        return 1
    finally:
        LENIENT[0] = False


def _points(net, symbols):
    """The diagnosis's 8 seeded points on ``net`` (a copy of those drawn once per network and symbol count)."""
    from .evaluate import sample_points
    key = (id(net), len(symbols))
    kept = _POINTS.get(key)
    if kept is None or kept[0] is not net:
        if len(_POINTS) > 64:
            _POINTS.clear()
        kept = _POINTS[key] = (net, sample_points(net, symbols, 8, 12345))
    return kept[1].copy()


#: The diagnosis's sample points by (network, number of free symbols): they depend on nothing else.
_POINTS = {}


def _holds_under(claim, derivation, runs, side, cache, overrides):
    """Whether the claim holds when the truth follows other cost conventions."""
    for sizes, m, net, symbols, _ in runs:
        try:
            spec = spec_for(derivation, claim, sizes, m, overrides)
        except ValueError:
            return False
        alt_net = cache.get(spec)
        syms = dict(symbols)
        try:
            alt = instantiate(claim, alt_net, derivation.notation, syms)
        except _READ_ERRORS:
            return False
        vals = numeric_values(alt_net, syms, alt, _points(alt_net, syms))
        err = relative_errors(vals[:, :, [0, side]])
        if not np.all(err <= RTOL):
            return False
    return True


def _holds_for_one_example(claim, derivation, runs, side, cache):
    """Whether a claim that fails on batches holds with m = 1, its batch formula being that same formula
    (the first example's), unchanged."""
    if claim.scope != "batch" or all(m == 1 for _, m, *_ in runs):
        return False
    for sizes, m, net, symbols, instances in runs:
        one = cache.get(spec_for(derivation, claim, sizes, 1))
        syms = dict(symbols)
        try:
            alt = instantiate(claim, one, derivation.notation, syms)
        except _READ_ERRORS:
            return False
        if not np.all(relative_errors(numeric_values(one, syms, alt, _points(one, syms))[:, :, [0, side]]) <= RTOL):
            return False
        if m > 1 and (len(alt) != len(instances) or
                      any(str(a.sides[side]) != str(i.sides[side]) for a, i in zip(alt, instances))):
            return False
    return True


def _conventions(claim, derivation, net):
    """Alternative conventions to try: (overrides, kind, detail)."""
    spec = net.spec
    out = []
    if spec.cost == "generic":   # a formula of one cost, where the page speaks of every cost
        for name, cost in COSTS.items():
            if name != "generic" and (cost.output_activations is None or spec.output_activation in cost.output_activations):
                out.append(({"cost": name}, "convention",
                            f"holds only for the cost {name!r} ({cost.formula}), not for every cost C(a, y)"))
    for avg in ("none", "examples", "examples_and_outputs"):
        if avg != spec.average:
            out.append(({"average": avg}, "convention", f"holds with average={avg!r} (the spec says {spec.average!r})"))
    if spec.weight_decay:
        out.append(({"weight_decay": 0.0}, "missing-term",
                    "the weight-decay term is missing: holds only without weight decay"))
        out.append(({"decay_biases": not spec.decay_biases}, "extra-term" if not spec.decay_biases else "missing-term",
                    "holds only if biases are decayed too (a λ·b term)" if not spec.decay_biases
                    else "the bias-decay term λ·b is missing"))
        out.append(({"decay_average": not spec.decay_average}, "convention",
                    f"holds with decay_average={not spec.decay_average} (weight decay "
                    f"{'divided' if not spec.decay_average else 'not divided'} by m)"))
    else:
        out.append(({"weight_decay": 1.0}, "extra-term", "holds only with a weight-decay term λ·W (the spec has none)"))
    return out


# -- the diagnosis ----------------------------------------------------------------------------
def diagnose(claim, derivation, runs, numeric, ill, cache):
    """``(diagnosis, counterexample)`` for a failing claim."""
    width = numeric[0][1].shape[2]
    side = 1
    for s in range(width):
        if any(np.any(e[:, :, s] > RTOL) for _, e in numeric):
            side = s + 1
            break
    step = f" (step {side} of the chain)" if claim.kind == "chain" else ""
    cex = counterexample(claim, runs, numeric, side, derivation.notation)

    if ill and all(np.all(e[:, :, side - 1] <= RTOL) for _, e in numeric):
        # true where it reads: the edit that makes it read (and hold) where it does not, if one does
        # (every side must then hold, not only the first: the one it cannot be read at may be any)
        unread = [(sizes, m, cache.get(spec_for(derivation, claim, sizes, m)), {}) for sizes, m, _ in ill]
        first = _unreadable_side(claim, derivation, unread)
        d = edit_diagnosis(claim, derivation, runs + unread, width,
                           f" (step {first} of the chain)" if claim.kind == "chain" else "", unread)
        if d is not None:
            d["detail"] = f"as written it cannot be evaluated on {[list(s) for s, _, _ in ill]} ({ill[0][2]}); it " \
                + d["detail"]
            return d, cex
        return _d("shape", f"cannot be evaluated on {[list(s) for s, _, _ in ill]}: {ill[0][2]}"), cex

    ratios, constant = [], True
    for (sizes, m, *_), (truth, formula) in zip(runs, _comparable(claim, runs, numeric, side)):
        r = ratio(truth, formula)
        if r is None and vanishes(truth) and vanishes(formula):   # e.g. δ of a one-output softmax: says nothing
            continue
        if r is None:
            constant = False
            break
        ratios.append((r, m, sizes[-1]))
    if constant and ratios:
        kind = claim.of if claim.kind == "chain" else claim.kind
        what = "the update's step (new value − old value)" if kind in ("update_W", "update_b") else "the formula"
        if all(abs(r + 1) <= 1e-7 for r, _, _ in ratios):
            return _d("sign", f"{what} is the negative of the truth" + step, "-1"), cex
        factor = fit_factor(ratios)
        if factor is not None and factor != "0":    # a formula that is 0 throughout: other causes first
            detail = f"{what} is {factor} × the truth" + step
            for over, _, what in _conventions(claim, derivation, runs[0][2]):
                if "average" in over and _holds_under(claim, derivation, runs, side, cache, over):
                    detail += f"; it {what}"
                    break
            return _d("factor", detail, factor), cex

    for over, kind, what in _conventions(claim, derivation, runs[0][2]):
        if _holds_under(claim, derivation, runs, side, cache, over):
            return _d(kind, what + step), cex
    if _holds_for_one_example(claim, derivation, runs, side, cache):
        return _d("convention", "holds for one example (m = 1), and on a batch it reads example 1 only: a "
                  "per-example formula where the batch's belongs (sum or average it over the examples)" + step), cex
    unread = [(sizes, m, cache.get(spec_for(derivation, claim, sizes, m)), {}) for sizes, m, _ in ill]
    last = max(s + 1 for s in range(width) if any(np.any(e[:, :, s] > RTOL) for _, e in numeric))
    if last > side:
        # faults in two steps of a chain (or two sides of a lemma): the edits that make every one hold, before any
        # of the first alone
        failing = [r for r, (_, e) in zip(runs, numeric) if np.any(e[:, :, side - 1:last] > RTOL)]
        steps = f" (steps {side} to {last} of the chain)" if claim.kind == "chain" else ""
        # one whole-formula reading under which every step holds (every h one layer off) is one change, fewer
        # than the two edits searched for below (and found in far fewer tries)
        d = _readings(claim, derivation, runs + unread, width, steps)
        if d is not None:
            if ill:
                d["detail"] += f"; as written it cannot be evaluated on {[list(s) for s, _, _ in ill]}: {ill[0][2]}"
            return d, cex
        only = _bias_reads_only(derivation, runs, range(side, last + 1)) if not unread else None
        d = edit_diagnosis(claim, derivation, runs + unread, last, steps, failing + unread, only=only)
        if d is not None:
            if ill:
                d["detail"] += f"; as written it cannot be evaluated on {[list(s) for s, _, _ in ill]}: {ill[0][2]}"
            return d, cex
    # a whole-formula reading explains the failure only if under it the formula also reads (and holds) where as
    # written it cannot be read: else the edit search, which may find the other fault too
    held = width if last == side else side     # sides that hold as written must still hold under the reading
    d = _readings(claim, derivation, runs + unread, held, step)
    if d is not None:
        return d, cex
    failing_runs = [r for r, (_, e) in zip(runs, numeric) if np.any(e[:, :, side - 1] > RTOL)]
    no_bias = _holds_without_biases(runs, side)
    only = _bias_reads_only(derivation, runs, [side], no_bias) if not unread else None
    # searched on the smallest architecture where it fails or cannot be read (where every fault may show)
    d = edit_diagnosis(claim, derivation, runs + unread, held, step, failing_runs + unread, only=only)
    if unread and (d is None or not d.everywhere):   # no edit fits everywhere: a reading that holds where it reads
        partial = _readings(claim, derivation, runs, held, step)
        if partial is not None:
            return partial, cex
    if d is not None:
        if ill:
            d["detail"] += f"; as written it cannot be evaluated on {[list(s) for s, _, _ in ill]}: {ill[0][2]}"
        return d, cex
    d = _index_mixup(runs, numeric, side)
    if d is not None:
        return _d("index", d + step), cex
    if no_bias:
        return _d("missing-term", "a bias term is missing: the formula holds only where every bias is zero"
                  + step), cex
    if ill:
        return _d("shape", f"wrong where it evaluates, and cannot be evaluated on {[list(s) for s, _, _ in ill]}: "
                  f"{ill[0][2]}"), cex
    if len(ratios) == len(runs) and all(r == 0 for r, _, _ in ratios):
        return _d("unknown", "the formula is 0 wherever it is evaluated, the truth is not" + step), cex
    failing = next(i for i, (_, e) in enumerate(numeric) if np.any(e[:, :, side - 1] > RTOL))
    return _d("unknown", "no single fault explains it; residual truth − formula: "
              + _residual(runs[failing], numeric[failing], side, derivation.notation) + step), cex


class EditDiagnosis(dict):
    """A diagnosis found by the edit search: the usual dict, which also carries the
    :class:`symbp.judge.edits.Edit` objects it names (``found``, for the mutation score to replay; as an attribute
    it is in no JSON).

    >>> d = EditDiagnosis(kind="layer", detail="W^(l+1) for W^(l)")
    >>> d.found = ["an edit"]
    >>> import json; json.dumps(d), edits_of(d), edits_of({"kind": "sign"})
    ('{"kind": "layer", "detail": "W^(l+1) for W^(l)"}', ['an edit'], None)
    """
    found = None
    everywhere = False      # whether the edits make it hold on every architecture, not only the one searched

    def __reduce__(self):
        """Pickled (to leave a child process) with its edits' reads stripped of their place in the code (the
        loop variables' values there, which need not pickle); replaying an edit needs only its key and change."""
        found = None if self.found is None else [
            dataclasses.replace(e, read=dataclasses.replace(e.read, context=()) if e.read is not None else None)
            for e in self.found]
        return EditDiagnosis, (dict(self),), {"found": found, "everywhere": self.everywhere}


def edits_of(diagnosis):
    """The Edit objects behind an edit-based diagnosis, or None (another diagnosis, or none).

    >>> edits_of(None) is None
    True
    """
    return getattr(diagnosis, "found", None)


def _joined(phrases):
    """The edits' phrases after "holds": ``with`` before an edit, none before a dropped term's ``without``.

    >>> _joined(["h^(l) for h^(l+1)", "g' for g"]), _joined(["without the term in z^(2)", "without the term in h^(1)"])
    ("with h^(l) for h^(l+1) and g' for g", 'without the term in z^(2) and without the term in h^(1)')
    >>> _joined(["without the term in b^(2)", "W^(1) for W^(2)"])
    'without the term in b^(2) and with W^(1) for W^(2)'
    """
    out, bare = [], False      # bare: the last phrase said "without", so the next edit needs its own "with"
    for i, p in enumerate(phrases):
        dropped = p.startswith("without ")
        out.append(p if dropped or (i and not bare) else "with " + p)
        bare = dropped
    return " and ".join(out)


def edit_diagnosis(claim, derivation, runs, side, step="", failing=None, only=None):
    """The smallest edit of the formula that makes it true (see :mod:`symbp.judge.edits`), as a diagnosis, or None.

    ``only``: the page's symbols whose reads may be edited (None: every read).

    Its ``edits`` are ``{kind, at, from, to}`` in the page's notation; ``corrected_latex`` the claim's own LaTeX
    with them applied token by token where each is one token of it, else the edited formula printed from its
    syntax tree (:mod:`symbp.judge.corrected`), else None; ``corrected`` (text) the tree's print.
    """
    def general(edits):
        return all(holds_with(claim, derivation, r, edits, side) for r in runs if r is not smallest[0])
    smallest = [min(failing or runs, key=lambda r: (sum(r[0]) * r[1], len(r[0])))]
    edits, found = find_edits(claim, derivation, failing or runs, side, general=general, only=only)
    if not edits:
        return None
    run, args = found
    described = [describe(e, claim, args, derivation.notation) for e in edits]
    others = [r for r in runs if r is not run]
    everywhere = general(edits)
    where = "on every architecture of the sweep" if everywhere and others else f"on {list(run[0])}"
    detail = "holds " + _joined([p for _, p in described]) + f" {where}" + step
    d = EditDiagnosis(_d(described[0][0]["kind"], detail))
    d.found, d.everywhere = list(edits), everywhere
    d["edits"] = [e for e, _ in described]
    # the page's own LaTeX with the edited tokens replaced, where every edit is one token of it (the author's
    # spelling kept: E, w_{p,q}, \nabla); else the edited code printed from its syntax tree in the page's notation
    tree = corrected_formula(claim, derivation, run, edits, side)
    token = correct_latex(claim.latex, edits, d["edits"]) if claim.latex else None
    d["corrected_latex"] = token if token is not None else (tree.latex() if tree is not None else None)
    if tree is not None:
        d["corrected"] = tree.text()
    return d


def _holds_without_biases(runs, side):
    """Whether the formula equals the truth at points where every bias is zero (on every run)."""
    from .evaluate import symbols_of
    for sizes, m, net, symbols, instances in runs:
        args = symbols_of(net, symbols)
        biases = {b for layer in net.b.values() for b in layer}
        pts = _points(net, symbols)
        pts[:, [i for i, a in enumerate(args) if a in biases]] = 0.0
        try:
            vals = numeric_values(net, symbols, instances, pts)
        except _READ_ERRORS:
            return False
        err = relative_errors(vals[:, :, [0, side]])
        if not np.all(err <= RTOL):
            return False
    return True


def _bias_reads_only(derivation, runs, sides, holds=None):
    """The symbols an edit search may edit: the page's bias alone where the formula's ``sides`` hold wherever every
    bias is zero (``holds``, if already known, for a single side), else None (every read).

    An edit that makes such a formula hold changes it nowhere on that subspace, and an edit of a read of anything
    but a bias does (generically): only its bias reads can be the fault.
    """
    if holds is None:
        holds = all(_holds_without_biases(runs, s) for s in sides)
    return {derivation.notation.shown("b")} if holds else None


def _comparable(claim, runs, numeric, side):
    """(truth, formula) values per run; for an update, the step alone (the value minus the parameter).

    The parameter's own value is the truth at learning rate 0, so a wrong
    sign or factor on the step shows up as a constant ratio.
    """
    from .evaluate import symbols_of
    kind = claim.of if claim.kind == "chain" else claim.kind
    out = []
    for (sizes, m, net, symbols, instances), (v, _) in zip(runs, numeric):
        if kind not in ("update_W", "update_b") or "alpha" not in symbols:
            out.append((v[:, :, 0], v[:, :, side]))
            continue
        pts = _points(net, symbols)
        vals = numeric_values(net, symbols, instances, pts)
        at_zero = pts.copy()
        at_zero[:, symbols_of(net, symbols).index(symbols["alpha"])] = 0.0
        theta = numeric_values(net, symbols, instances, at_zero)[:, :, 0]
        out.append((vals[:, :, 0] - theta, vals[:, :, side] - theta))
    return out


def _index_mixup(runs, numeric, side):
    """If every wrong entry equals the truth at another index: which ones (else None)."""
    shown = []
    for (sizes, m, net, symbols, instances), (v, e) in zip(runs, numeric):
        bad = np.nonzero(np.any(e[:, :, side - 1] > RTOL, axis=0))[0]
        for i in bad:
            formula = v[:, i, side]
            match = [j for j in range(len(instances)) if j != i and
                     np.allclose(formula, v[:, j, 0], rtol=1e-9, atol=1e-12)]
            if not match:
                return None
            if len(shown) < 3:
                shown.append(f"at {instances[i].where or 'its one instance'} the formula equals the truth at "
                             f"{instances[match[0]].where or 'its one instance'}")
    return ("entries of the wrong index: " + "; ".join(shown)) if shown else None


_PRINTED = {"fp": "f'", "gp": "g'", "sigma": "σ", "step": "H", "expo": "exp",
            # the generic cost's partials C_aj, C_yj print as the derivatives they are
            **{f"C_{w}{j}": f"∂C/∂{w}_{j}" for w in "ay" for j in range(1, MAX_GENERIC_OUTPUTS + 1)}}


def in_page_notation(expr, names):
    """A sympy copy of ``expr`` whose symbols and functions print as the page writes them."""
    from sympy.core.function import AppliedUndef
    expr = sympy.sympify(expr)
    sub = {s: sympy.Symbol(names[s.name]) for s in expr.free_symbols if s.name in names}
    printed = {f: names[f + "()"] for f in ("f", "fp", "g", "gp") if f + "()" in names}   # the page's σ, σ'
    printed = {**_PRINTED, **printed}
    expr = expr.xreplace(sub)
    if not any(a.func.__name__ in printed for a in expr.atoms(AppliedUndef)):
        return expr
    return expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func.__name__ in printed,   # nested ones too
                        lambda e: sympy.Function(printed[e.func.__name__])(*e.args))


def _residual(run, num, side, notation):
    sizes, m, net, symbols, instances = run
    err = num[1][:, :, side - 1]
    i = int(np.argmax(np.max(err, axis=0)))
    inst = instances[i]
    where = f"{at(inst.where, 'at ')}{' on' if inst.where else 'on'} {list(sizes)}: "

    def show():   # expanding (and printing) can blow up: done in a child with a budget
        res = net.backend.expand(inst.sides[0] - inst.sides[min(side, len(inst.sides) - 1)])
        text = where + str(in_page_notation(res, View(net, notation).display_names()))
        return (text[:300] + " …") if len(text) > 300 else text
    done, text = call_with_budget(show, RESIDUAL_BUDGET)
    return text if done else where + f"(too large to expand within {RESIDUAL_BUDGET:g}s)"


# -- exact counterexample ----------------------------------------------------------------------
_CYCLE = [sympy.Rational(1, 2), -1, sympy.Rational(1, 3), 1, sympy.Rational(-1, 2), 2, sympy.Rational(-1, 3),
          sympy.Rational(3, 2)]


_TARGETS = [sympy.Rational(1, 2), sympy.Rational(1, 4), sympy.Rational(3, 4)]


def _rational_point(net, symbols, shift):
    from .evaluate import symbols_of
    args = symbols_of(net, symbols)
    n_par, n_x = len(net.params), sum(len(x) for x in net.x)
    vals = []
    for i, s in enumerate(args):
        if i < n_par:
            vals.append(sympy.sympify(_CYCLE[(i + shift) % len(_CYCLE)]))
        elif i < n_par + n_x:
            vals.append(sympy.sympify(_CYCLE[(i * 3 + shift + 1) % len(_CYCLE)]))
        elif i < len(net.params) + len(net.data_symbols):
            vals.append(_TARGETS[(i + shift) % len(_TARGETS)])
        else:
            vals.append(sympy.Rational(1, 2))
    return args, vals


def counterexample(claim, runs, numeric, side, notation):
    """Smallest failing architecture, a small-rational point, and both sides there, exactly (page notation)."""
    from ..oracle.groundtruth import closed_sympy
    for (sizes, m, net, symbols, instances), (v, e) in zip(runs, numeric):
        err = e[:, :, side - 1]
        if not np.any(err > RTOL):
            continue
        worst = np.max(err, axis=0)     # the first instance as wrong as the worst (ties apart from rounding)
        worst = np.where(np.isnan(worst), np.inf, worst)    # (an error that is NaN counts as the worst, as before)
        i = int(np.argmax(worst >= np.max(worst) * (1 - 1e-9)))
        inst = instances[i]
        found = None   # the first point where the sides differ, and the first where neither side is 0 either
        for shift in range(8):
            args, vals = _rational_point(net, symbols, shift)
            point = np.array([[float(x) for x in vals]])
            nv = numeric_values(net, symbols, [inst], point)[0, 0]
            other = nv[min(side, len(nv) - 1)]
            if np.isfinite(nv[0]) and np.isfinite(other) and abs(nv[0] - other) > 1e-6 * max(abs(nv[0]), 1e-9):
                found = found or (args, vals, nv, other)
                if abs(nv[0]) > 1e-12 and abs(other) > 1e-12:   # a side of 0 (or −0) says little
                    found = (args, vals, nv, other)
                    break
        if found:
            args, vals, nv, other = found
            # the point put in by symengine (fast on a large expression), the exact value printed by sympy
            sub = {symengine.sympify(a): symengine.sympify(x) for a, x in zip(args, vals)}
            exact = [closed_sympy(sympy.sympify(symengine.sympify(s).xreplace(sub)), ("f", "fp", "g", "gp"))
                     for s in (inst.sides[0], inst.sides[min(side, len(inst.sides) - 1)])]
            names = View(net, notation).display_names()
            show = [_short(in_page_notation(x, names)) for x in exact]
            used = _used(inst, side)    # (once: it prints every free symbol of both sides)
            nonzero = {names.get(str(a), str(a)): str(x) for a, x in zip(args, vals) if str(a) in used}
            return {"architecture": list(sizes), "batch_size": m, "where": inst.where,
                    "point": nonzero, "truth": show[0], "formula": show[1],
                    "truth_float": float(nv[0]) + 0.0, "formula_float": float(other) + 0.0}
    return None


def named_exps(x, longer_than=80):
    """A long exact value with each distinct ``exp(…)`` printed once, then named ``E1``, ``E2``, ….

    >>> import sympy
    >>> u = sympy.exp(-sympy.Rational(1, 2))
    >>> named_exps(1 / (1 + u) + u / (1 + u) ** 2 + 3 * u, longer_than=10)
    '3*E1 + E1/(E1 + 1)**2 + 1/(E1 + 1), where E1 = exp(-1/2)'
    >>> named_exps(sympy.Rational(1, 3))
    '1/3'
    """
    text = str(x)
    exps = sorted(getattr(x, "atoms", lambda *a: set())(sympy.exp), key=lambda e: (sympy.count_ops(e), str(e)))
    if len(text) <= longer_than or not exps:
        return text
    names, out = {}, x
    for k, e in enumerate(exps, 1):
        names[e] = sympy.Symbol(f"E{k}")
    out = x.xreplace(names)
    shown = ", ".join(f"{n} = {e.xreplace({a: b for a, b in names.items() if a != e})}" for e, n in names.items())
    return f"{out}, where {shown}"


def _used(inst, side):
    syms = set()
    for s in (inst.sides[0], inst.sides[min(side, len(inst.sides) - 1)]):
        syms |= {str(x) for x in symengine.sympify(s).free_symbols}
    return syms


def _short(x, limit=300):
    text = str(x)
    return text if len(text) <= limit else text[:limit] + " …"
