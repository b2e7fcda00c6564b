"""Verification: instantiate a claim over a sweep, check it exactly, then numerically.

For each architecture of the sweep the claim is instantiated at every layer,
example and unit index it speaks of.  The exact check expands the
difference of the two sides (``expand(truth - claim) == 0``, no simplify)
in a forked process that is killed when the claim's time budget runs out;
the numeric check lambdifies both sides and compares them at seeded random
points.  Only a failure is handed to :mod:`symbp.judge.diagnose` (which imports nothing of this module).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np

from ..claims.derivation import Claim
from ..claims.tensor import IllFormed
from ..claims.view import View
from ..model.spec import SpecError
from .budget import TIME_LIMIT, TimeLimit, alarm_session, call_with_budget, limited
from .coverage import coverage_note
from .diagnose import diagnose, explain_ill_formed, ill_formed_edit, off_sweep_counterexample
from .evaluate import (MAX_CLAIM_EXPANSION, MAX_EXPANSION, MAX_NODES, NOTHING_HERE, RTOL, ExactRun, NetworkCache, at,
                       backend_of, exact_check, instantiate, numeric_values, refine_with_mpmath, relative_errors,
                       sample_points, spec_for, split_by_size, suspect_errors, target_note)
from .identity import DIGITS, MP_TOL, check_exactly, draw_functions
from .sweeps import weak_sweep_notes
from .timings import TIMINGS
from .truth import LEMMA_CHECKED, LEMMA_NOTE, WrongTruth

__all__ = ['Outcome', 'verify_claim', 'claim_sweep', 'undecided', 'UNDECIDED', 'DRAWS', 'EXACT_POINTS']


#: Independent random draws of the generic functions in the numeric check (each over ``points`` points).
DRAWS = 3


#: Random rational points at which a residual left by expansion is evaluated exactly.
EXACT_POINTS = 3


#: Seconds (at least) of the safety net for re-deciding borderline float64 errors in mpmath precision and for the
#: exact evaluation of residuals; past it the verdict is ``undecided`` (a time limit), never a silent guess.
REFINE_BUDGET = 10.0

#: The status of a claim whose judgement hit a time limit (a safety net): counted apart, never a pass.
UNDECIDED = "undecided"


def undecided(what, seconds, archs=(), notes=()) -> "Outcome":
    """The outcome of a judgement stopped by its time limit: ``undecided``, saying what did not finish.

    >>> undecided("the exact check", 10).message
    'time limit: the exact check did not finish within 10s (a safety net: the same input on a faster or less loaded machine is decided; raise --budget)'
    """
    return Outcome(UNDECIDED, "symbolic", list(archs), message=f"time limit: {what} did not finish within "
                   f"{seconds:g}s (a safety net: the same input on a faster or less loaded machine is decided; "
                   f"raise --budget)", notes=list(notes))


@dataclass
class Outcome:
    """What verification found for one claim."""
    status: str                      # proven | confirmed | fails | ill-formed | error | undecided
    method: str = "symbolic"
    architectures: list = field(default_factory=list)
    max_rel_error: float | None = None
    diagnosis: dict | None = None
    counterexample: dict | None = None
    message: str = ""
    steps: list | None = None        # for chains: [{"step": i, "holds": bool}]
    notes: list = field(default_factory=list)   # what the verdict rests on, what was skipped or demoted

    def with_note(self, note: str) -> "Outcome":
        """This outcome with one more note (a copy; notes are never overwritten)."""
        import dataclasses
        return dataclasses.replace(self, notes=[*self.notes, note])


# -- exact evaluation of what expansion left ----------------------------------------------------
def _unexpanded(runs, exact):
    """``(tag, truth, formula)`` for every instance side whose difference did not expand to 0 (or was not
    expanded: too large to)."""
    out = []
    for r, (sizes, m, net, symbols, instances) in enumerate(runs):
        for i, (inst, zeros) in enumerate(zip(instances, exact.zeros(r, instances))):
            out += [((r, i, s + 1), inst.sides[0], inst.sides[s + 1]) for s, z in enumerate(zeros) if not z]
    return out


def _exact_note(found, total):
    """What an exact evaluation that found no difference rests on."""
    if not found["pairs"]:
        return (f"exact: none of the {total} residual(s) left by expansion could be evaluated exactly "
                f"({found['unevaluable']}); the numeric check alone stands")
    text = (f"exact: {found['pairs']} of {total} residual(s) left by expansion evaluated at {found['points']} "
            f"random rational points each (generic functions through a random oracle keyed by the exact "
            f"argument) and 0 everywhere")
    if found["mpmath"]:
        text += f"; concrete transcendental functions in {DIGITS}-digit mpmath (relative tolerance {float(MP_TOL):.0e})"
    elif found["bound"] is not None:
        text += f"; chance that a wrong formula passes ≤ {found['bound']:.1e} (Schwartz–Zippel)"
    if found["unevaluable"]:
        text += f"; not evaluable exactly: {found['unevaluable']}"
    return text


def _exact_failure(claim, derivation, runs, failure, archs, max_err, steps, evidence):
    """A ``fails`` outcome from a difference found by exact evaluation (the floats agreed)."""
    (r, i, side), point, t, f = failure
    sizes, m, net, symbols, instances = runs[r]
    names = View(net, derivation.notation).display_names()
    show = {names.get(str(a), str(a)): str(v) for a, v in point.items()}
    tv, fv = (str(v) if isinstance(v, Fraction) else mpmath.nstr(v, 20) for v in (t, f))
    cex = {"architecture": list(sizes), "batch_size": m, "where": instances[i].where, "point": show,
           "truth": tv, "formula": fv, "truth_float": float(t), "formula_float": float(f)}
    detail = (f"exact evaluation at a random rational point differs ({tv} ≠ {fv}) where float64 agreed "
              f"to {RTOL:g}; generic functions took random values keyed by their exact arguments")
    if steps is not None:
        steps = [dict(st, holds=st["holds"] and st["step"] != side) for st in steps]
    return Outcome("fails", "symbolic", archs, max_err, {"kind": "unknown", "factor": None, "detail": detail},
                   cex, message=detail, steps=steps, notes=[*evidence, "exact: " + detail])


# -- one claim --------------------------------------------------------------------------------
def claim_sweep(claim: Claim, derivation, sweep=None) -> list:
    """The architectures ``[(sizes, m), ...]`` that ``claim`` is judged on, smallest first.

    >>> from symbp.claims.derivation import Derivation, Claim
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("d", "D", "-", Notation())
    >>> claim_sweep(Claim("(1)", "cost", "", lambda n: None, archs=lambda s, m: s[-1] == 1), doc)
    [((3, 4, 1), 4), ((3, 2, 4, 3, 1), 3)]
    """
    sweep = [(tuple(s), m) for s, m in (sweep or derivation.sweep)]
    if claim.archs is not None:
        sweep = [(s, m) for s, m in sweep if claim.archs(tuple(s), m)]
    return sorted(sweep, key=lambda a: (len(a[0]), sum(a[0]) * a[1]))


def verify_claim(claim: Claim, derivation, *, cache=None, sweep=None, budget=TIME_LIMIT, numeric_only=False,
                 points=20, seed=0):
    """Verify ``claim`` of ``derivation`` over ``sweep``; returns an :class:`Outcome` with its notes.

    The notes say what the verdict rests on: the target domain, architectures
    on which the claim states nothing, instances judged exactly only, and for
    a verdict that holds, a lemma's unchecked first side and what the sweep
    cannot tell apart (:mod:`symbp.judge.sweeps`).
    """
    notes = []
    cache = cache or NetworkCache()
    derivation = derivation.for_claim(claim)   # a claim with a notation of its own is read in it, by every caller
    claim = dataclasses.replace(claim, fn=limited(claim.fn, budget))   # a function that sleeps or loops is stopped
    try:
        with alarm_session():   # one limit per call of the claim's function, without a system call each
            outcome = _judge(claim, derivation, notes, cache=cache, sweep=sweep, budget=budget,
                             numeric_only=numeric_only, points=points, seed=seed)
    except TimeLimit:
        return undecided("the claim's function (building its sides)", budget)
    if outcome.status in ("proven", "confirmed"):
        kind = claim.of if claim.kind == "chain" else claim.kind
        checked = any(note.startswith(LEMMA_CHECKED) for note in notes)
        notes += [LEMMA_NOTE] if kind == "lemma" and not checked else []
        notes += weak_sweep_notes(claim_sweep(claim, derivation, sweep), batch=claim.scope == "batch")
    gap = coverage_note(claim, derivation, claim_sweep(claim, derivation, sweep), cache)
    notes += [gap] if gap else []
    for note in notes:
        outcome = outcome.with_note(note)
    if gap and outcome.status in ("proven", "confirmed"):   # said on the verdict's line too, not only in the notes
        outcome = dataclasses.replace(outcome, message=f"{outcome.message}; {gap}" if outcome.message else gap)
    return outcome


def _judge(claim: Claim, derivation, notes, *, cache, sweep, budget, numeric_only, points, seed) -> Outcome:
    """The verdict on ``claim`` over its sweep (numeric, exact, diagnosis); appends what it rests on to ``notes``."""
    cache = cache or NetworkCache()
    sweep = claim_sweep(claim, derivation, sweep)
    mname = derivation.notation.shown("m")   # the page's name for the batch size
    if not sweep:
        return Outcome("ill-formed", message="no architecture of the sweep fits the claim's archs= filter")
    runs, ill, oversized, nothing = [], [], [], []
    for sizes, m in sweep:
        try:
            spec = spec_for(derivation, claim, sizes, m)
        except SpecError as e:
            return Outcome("error", message=f"spec: {e}")
        net = cache.get(spec)
        symbols = {}
        try:
            instances = instantiate(claim, net, derivation.notation, symbols, truth_check=True)
        except WrongTruth as e:
            return Outcome("ill-formed", "symbolic", [list(sizes)], message=f"{e} on {list(sizes)} {mname}={m}")
        except IllFormed as e:
            if str(e).startswith(NOTHING_HERE):
                nothing.append(f"{list(sizes)} {mname}={m}")
            else:
                ill.append((sizes, m, str(e)))
            continue
        small, large = split_by_size(instances)
        if large:
            oversized.append((sizes, m, large, net))
        if small:
            runs.append((sizes, m, net, symbols, small))
    nets = [r[2] for r in runs] + [o[3] for o in oversized]
    judged = [inst for r in runs for inst in r[4]] + [inst for o in oversized for inst in o[2]]
    if claim.kind == "lemma" and judged and all(inst.truth for inst in judged):
        notes.append(f"{LEMMA_CHECKED} (e.g. {judged[0].truth}, by the CAS): the lemma is held against it")
    how = ", ".join(dict.fromkeys(net.target_cases()[0] for net in nets))
    note = target_note(spec_for(derivation, claim, *sweep[0])) + (f"; exact check {how}" if how else "")
    notes.append(re.sub(r"\by(?=[ _]|$)", derivation.notation.shown("y"), note))   # the page's name for y
    if nothing:
        notes.append(f"not judged on {', '.join(nothing)}: {NOTHING_HERE}")
        if not runs and not ill and not oversized:
            return Outcome("ill-formed", message=f"{NOTHING_HERE} (on no architecture of the sweep)")
    archs = [list(s) for s, *_ in runs]
    too_large = sum(len(large) for _, _, large, _ in oversized)
    size_note = (f"{too_large} instance(s) with more than {MAX_NODES} distinct subexpressions each "
                 f"({', '.join(f'{list(s)} {mname}={m}' for s, m, _, _ in oversized)}) are too large for the numeric "
                 f"check: they are judged by the exact check alone") if oversized else ""
    if not runs and oversized and not ill:
        return _judge_exactly(oversized, budget, numeric_only, size_note)
    if not runs:
        d = explain_ill_formed(claim, derivation, ill, cache)
        status = "ill-formed" if d is None else "fails"
        cex = off_sweep_counterexample(claim, derivation, sweep, cache) if d is not None else None
        if d is None:   # the edit that makes it well-formed and true; the verdict stays ill-formed
            d = ill_formed_edit(claim, derivation, ill, cache)
        return Outcome(status, "numeric", [list(s) for s, _, _ in ill], diagnosis=d, counterexample=cex,
                       message=ill[0][2])

    # numeric on every architecture (borderline points again in mpmath precision)
    # (each of DRAWS independent random functions for f, f', g, g' over its own ``points`` points)
    numeric, used_mpmath = [], False
    for i, (sizes, m, net, symbols, instances) in enumerate(runs):
        pts = sample_points(net, symbols, points * DRAWS, seed + 7919 * i)
        draws = _draws(seed + 7919 * i + 1, points)
        try:
            vals = numeric_values(net, symbols, instances, pts, draws)
        except IllFormed as e:
            return Outcome("ill-formed", "numeric", [list(sizes)], message=f"{e} on {list(sizes)} {mname}={m}")
        errors, refined = relative_errors(vals), 0
        suspect = suspect_errors(vals, errors)
        failing = errors > RTOL
        # most disagreements clear (not suspect): the formula is wrong, and re-deciding the rest changes nothing
        settled = (failing & ~suspect).sum() > failing.sum() / 2
        if not settled and 0 < failing.sum() <= 60:   # 50-digit evaluation can take minutes
            suspect = failing
            done, res = call_with_budget(lambda: refine_with_mpmath(net, symbols, instances, pts, errors,
                                                                    draws=draws, suspect=suspect),
                                         max(budget, REFINE_BUDGET))
            if not done:
                return undecided("re-deciding borderline float64 points in 50-digit mpmath",
                                 max(budget, REFINE_BUDGET), [list(s) for s, *_ in runs])
            errors, refined = res
        used_mpmath = used_mpmath or refined > 0
        numeric.append((vals, errors))
        bad = ~np.isfinite(vals)
        if bad.any():
            p, inst, side = np.argwhere(bad)[0]
            where = f"{list(sizes)} {mname}={m}{at(instances[inst].where)}"
            if bad[:, :, 0].any():
                return Outcome("error", "numeric", [list(sizes)],
                               message=f"the truth is not finite (nan/inf) at a sample point on {where}")
            return Outcome("ill-formed", "numeric", [list(sizes)],
                           message=f"non-finite value: side {side + 1} is nan/inf on {where}")
    max_err = max(float(np.max(e)) for _, e in numeric)
    holds_numeric = max_err <= RTOL and not ill

    # exact: attempted where the expansion is small enough (a bound on work), with a time limit as a safety net
    jobs = [r[4] for r in runs] + [large for _, _, large, _ in oversized]
    exact = ExactRun([]) if numeric_only else exact_check(jobs, budget, runs[0][2].backend.name)
    proven_all = not numeric_only and exact.proven

    steps = None
    if claim.kind == "chain":
        width = max(len(i.sides) for i in runs[0][4])
        steps = [{"step": s, "holds": all(bool(np.all(e[:, :, s - 1] <= RTOL)) for _, e in numeric)}
                 for s in range(1, width)]

    if holds_numeric:
        if proven_all:
            return Outcome("proven", "symbolic", archs, 0.0, message=size_note, steps=steps,
                           notes=[size_note] if size_note else [])
        if oversized and numeric_only:   # numeric agreement on the rest says nothing about the instances it could not evaluate
            return Outcome("error", "numeric", archs, max_err, message="not judged: " + size_note
                           + ", and --numeric-only skips the exact check", notes=[size_note])
        if exact.timed_out:
            return undecided("the exact check", budget, archs, [size_note] if size_note else [])
        note = ("numeric only" if numeric_only else
                f"exact check not attempted on {exact.too_large} instance(s): expanding would make more than "
                f"{MAX_EXPANSION} terms (or {MAX_CLAIM_EXPANSION} for the claim); checked numerically"
                if exact.too_large else
                "the exact difference did not expand to 0; numeric agreement")
        if used_mpmath:
            note += " (borderline float64 points re-evaluated with 50-digit mpmath)"
        evidence = (f"numeric: {DRAWS} independent random draws of the generic "
                    f"f, f', g, g' (sums of sinusoids, independent of each other), {points} random points each, "
                    f"on every architecture; signed samples "
                    f"(weights N(0, 0.5²); inputs, λ, learning rate and other symbols N(0, 1); free targets N(0, 2²)); "
                    f"relative error ≤ {RTOL:g}")
        evidence = [evidence] + ([size_note] if size_note else [])
        every_run = runs + [(s, m, net, {}, large) for s, m, large, net in oversized]
        residual = [] if numeric_only else _unexpanded(every_run, exact)
        if not residual:
            return Outcome("confirmed", "numeric", archs, max_err, message=note, steps=steps, notes=evidence)
        done, found = call_with_budget(lambda: check_exactly(residual, EXACT_POINTS, seed + 104729),
                                       max(budget, REFINE_BUDGET))
        if done and found["failure"] is not None:
            return _exact_failure(claim, derivation, every_run, found["failure"], archs, max_err, steps, evidence)
        if not done:
            return undecided(f"the exact evaluation of {len(residual)} residual(s) at rational points",
                             max(budget, REFINE_BUDGET), archs, evidence)
        if oversized and not (found["pairs"] and not found["unevaluable"]):
            return Outcome("error", "numeric", archs, max_err, message="not judged: " + size_note
                           + ", and neither the exact check nor an exact evaluation settled them", notes=evidence)
        out = Outcome("confirmed", "numeric", archs, max_err, message=note, steps=steps, notes=evidence)
        return out.with_note(_exact_note(found, len(residual)))
    if proven_all and not ill:
        return Outcome("error", "symbolic", archs, max_err,
                       message="symbolic proof and numeric check disagree (numeric precision?)")
    with TIMINGS.timer("diagnosis"):
        diag, cex = diagnose(claim, derivation, runs, numeric, ill, cache)
    return Outcome("fails", "symbolic" if exact.attempted else "numeric", archs + [list(s) for s, _, _ in ill],
                   max_err if np.isfinite(max_err) else None, diag, cex, message=size_note, steps=steps)


@functools.lru_cache(maxsize=64)
def _draws(seed, points):
    """The :data:`DRAWS` random functions of one architecture's numeric check, each row repeated ``points`` times
    (read-only: shared by every claim checked with the same seed)."""
    draws = np.repeat(draw_functions(np.random.default_rng(seed), DRAWS), points, axis=0)
    draws.setflags(write=False)
    return draws


def _judge_exactly(oversized, budget, numeric_only, size_note) -> Outcome:
    """The verdict on a claim whose every instance is too large to evaluate numerically: exact, or not judged."""
    archs = [list(s) for s, _, _, _ in oversized]
    jobs = [large for _, _, large, _ in oversized]
    exact = ExactRun([]) if numeric_only else exact_check(jobs, budget, backend_of(jobs))
    if exact.proven and not numeric_only:
        return Outcome("proven", "symbolic", archs, 0.0, message=size_note, notes=[size_note])
    if exact.timed_out:
        return undecided("the exact check", budget, archs, [size_note])
    return Outcome("error", "symbolic", archs, message="not judged: " + size_note
                   + ", and the exact check did not prove them", notes=[size_note])
