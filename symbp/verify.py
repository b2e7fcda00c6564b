"""Verification: instantiate a claim over a sweep, check it exactly, then numerically.

For each architecture of the sweep the claim is instantiated at every layer,
example and unit index it speaks of.  The exact check expands the
difference of the two sides (``expand(truth - claim) == 0``, no simplify)
in a forked process that is killed when the claim's time budget runs out;
the numeric check lambdifies both sides and compares them at seeded random
points.  A failure is handed to :mod:`symbp.diagnose`.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from dataclasses import dataclass, field

import numpy as np
import symengine

from .claims import Claim
from .exact import exact_value
from .notation import IllFormed, Tensor, View
from .spec import NetworkSpec, SpecError
from .symbolic import SymbolicNetwork, closed_form

__all__ = ["Instance", "Outcome", "instantiate", "verify_claim", "NetworkCache", "RTOL", "refine_with_mpmath",
           "run_forked", "call_with_budget", "within_size", "TooLarge", "MAX_NODES"]

#: Relative error under which two numeric values agree.
RTOL = 1e-9
#: Seconds (at least) for re-deciding borderline float64 errors in mpmath precision; past it float64 stands.
REFINE_BUDGET = 10.0


@dataclass
class Instance:
    """One scalar equation of a claim: where it sits, and its sides (truth first)."""
    where: str
    sides: list
    key: tuple = ()


@dataclass
class Outcome:
    """What verification found for one claim."""
    status: str                      # proven | confirmed | fails | ill-formed | error
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


class NetworkCache:
    """SymbolicNetworks shared by the claims of one run, one per spec."""

    def __init__(self, backend="symengine"):
        self.backend, self.nets = backend, {}

    def get(self, spec: NetworkSpec) -> SymbolicNetwork:
        """The network of ``spec``, built once."""
        if spec not in self.nets:
            self.nets[spec] = SymbolicNetwork(spec, self.backend)
        return self.nets[spec]


def spec_for(derivation, claim, sizes, m, overrides=None) -> NetworkSpec:
    """The NetworkSpec of one architecture of a claim's sweep."""
    fields = dict(derivation.spec)
    fields.update(claim.spec)
    fields.update(overrides or {})
    if fields.get("weight_decay") is True:
        fields["weight_decay"] = 1.0
    return NetworkSpec(tuple(sizes), batch_size=m, **fields)


# -- instantiation -------------------------------------------------------------------
def _layers(claim: Claim, n: View):
    lay = claim.layer
    if callable(lay):
        return [lay(n)]
    if claim.family in ("weights", "biases"):
        ws = n.weight_layers
        return {"output": ws[-1:], "hidden": ws[:-1], "all": ws, None: [None]}[lay]
    return {"output": [n.L], "hidden": n.hidden, "all": n.layers[1:], None: [None]}[lay]


def _index_ranges(claim: Claim, n: View, l):
    """Ranges of the unit indices, in the document's bases."""
    k = len(claim.indices)
    if k == 0:
        return []
    if l is None:
        raise IllFormed("an element-wise claim needs a layer (layer='output', 'hidden', 'all' or a function)")
    base = n.nt.unit_base
    if claim.family == "weights":
        rows, cols = n.W[l].shape
        slot = base - 1 if n.nt.bias_slot else base
        from_axis = 1 if n.nt.weight_index == "to_from" else 0
        ranges = [range(base, base + rows), range(base, base + cols)]
        ranges[from_axis] = range(slot, ranges[from_axis].stop)
    elif claim.family == "biases":
        ranges = [range(base, base + n.b[l].shape[0])]
    else:
        ranges = [range(base, base + n.z[l].shape[0])]
    if len(ranges) != k:
        raise IllFormed(f"the claim takes {k} unit indices ({', '.join(claim.indices)}) but a "
                        f"{claim.family or claim.kind} entry has {len(ranges)}")
    return ranges


def _flatten(sides, where):
    """Sides (scalars or equal-shape tensors) -> list of scalar side-lists."""
    for i, side in enumerate(sides):
        if isinstance(side, (str, bytes)):   # never parsed: a formula is written with the view's quantities
            raise IllFormed(f"side {i + 1} is a string ({side[:40]!r}), not a formula of the view's quantities")
        if not isinstance(side, (Tensor, int, float, symengine.Basic)):
            try:
                sides[i] = symengine.sympify(side)
            except Exception:
                raise IllFormed(f"side {i + 1} is a {type(side).__name__}, not a formula") from None
    sides = [exact_value(s) for s in sides]   # floats -> the rationals of their decimals: no cancellation by rounding
    shapes = [s.shape if isinstance(s, Tensor) else None for s in sides]
    if len(set(shapes)) > 1:
        shown = ", ".join("scalar" if s is None else f"{s[0]}×{s[1]}" for s in shapes)
        raise IllFormed(f"shape mismatch between the sides ({shown})")
    if shapes[0] is None:
        return [(where, list(sides), ())]
    rows, cols = shapes[0]
    b0, b1 = sides[0].base
    out = []
    for r in range(rows):
        for c in range(cols):
            out.append((f"{where}[{r + b0},{c + b1}]", [s.rows[r][c] for s in sides], (r, c)))
    return out


def instantiate(claim: Claim, net: SymbolicNetwork, notation, symbols=None):
    """Every scalar equation the claim states on ``net``."""
    symbols = {} if symbols is None else symbols
    n0 = View(net, notation, 0, symbols)
    views = n0.examples if claim.scope == "example" else [n0]
    out = []
    for n in views:
        for l in _layers(claim, n):
            ranges = _index_ranges(claim, n0, l)
            grid = [()]
            for r in ranges:
                grid = [g + (i,) for g in grid for i in r]
            for idx in grid:
                if claim.where is not None and not claim.where(*idx):
                    continue
                args = ((l,) if claim.takes_layer else ()) + tuple(idx)
                sides = claim.fn(n, *args)
                if not isinstance(sides, (tuple, list)) or len(sides) < 2:
                    raise IllFormed("a claim must return its sides: (truth, formula[, more steps])")
                where = f"example {n.k + notation.example_base}" if claim.scope == "example" and n.m > 1 else ""
                where += (f" l={l}" if l is not None else "") + (f" {','.join(map(str, idx))}" if idx else "")
                for w, s, pos in _flatten(list(sides), where.strip()):
                    out.append(Instance(w, s, (n.k, l, idx, pos)))
    if not out:
        raise IllFormed("the claim states nothing on this architecture (no layer or index in range)")
    return out


# -- exact check, in a forked process with a time budget ---------------------------------------
def _exact_zero(instances, backend="symengine"):
    """For each instance and each side after the first: does expand(side0 - side) vanish (in ``backend``)?"""
    if backend == "sympy":
        import sympy
        return [[sympy.expand(sympy.sympify(inst.sides[0] - s)) == 0 for s in inst.sides[1:]] for inst in instances]
    return [[symengine.expand(symengine.sympify(inst.sides[0] - s)) == 0 for s in inst.sides[1:]]
            for inst in instances]


def exact_with_budget(jobs, budget, backend="symengine"):
    """Run ``_exact_zero`` on each job (a list of instances) in a child; stop at ``budget`` seconds.

    Returns one result per job that finished in time (a prefix of ``jobs``).
    """
    return run_forked([lambda job=job: _exact_zero(job, backend) for job in jobs], budget)


def run_forked(thunks, budget):
    """Call each thunk in turn in a forked child (memory capped); stop at ``budget`` seconds.

    Returns the results of the thunks that finished in time (a prefix); a
    thunk that raises ends the child, and the results stop there.
    """
    if budget <= 0 or not thunks:
        return []
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            _limit_memory()
            with os.fdopen(w, "wb") as out:
                for thunk in thunks:
                    data = pickle.dumps(thunk())
                    out.write(len(data).to_bytes(8, "big") + data)
                    out.flush()
        finally:
            os._exit(0)
    os.close(w)
    results, buf, deadline = [], b"", time.monotonic() + budget
    try:
        while len(results) < len(thunks):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 8 and len(buf) >= 8 + int.from_bytes(buf[:8], "big"):
                size = int.from_bytes(buf[:8], "big")
                results.append(pickle.loads(buf[8:8 + size]))
                buf = buf[8 + size:]
    finally:
        os.close(r)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return results


#: Memory a forked symbolic child may take beyond its parent's (bytes): an expansion that blows up
#: is stopped by the allocator (and judged like one that ran out of time), never swapped or OOM-killed.
CHILD_MEMORY = 4 << 30


def _limit_memory():
    """Cap this (child) process's address space at its current size plus ``CHILD_MEMORY``."""
    try:
        import resource
        with open("/proc/self/statm") as fh:
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (now + CHILD_MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))
    except (ImportError, OSError, ValueError):   # no /proc or no rlimits here: the time budget still holds
        pass


def call_with_budget(fn, budget):
    """``(True, fn())`` computed in a forked child, or ``(False, None)`` past ``budget`` seconds (or if it fails).

    For symbolic work whose size is unknown beforehand (an expansion, printing a residual).

    >>> call_with_budget(lambda: 6 * 7, 5)
    (True, 42)
    """
    out = run_forked([fn], budget)
    return (True, out[0]) if out else (False, None)


# -- numeric check ---------------------------------------------------------------------------
def _symbols_of(net, symbols):
    return net.params + net.data_symbols + [net.lam] + [symbols[k] for k in sorted(symbols)]


def sample_points(net, symbols, count, seed):
    """Seeded random points: weights ~ N(0, 0.5²), x ~ N(0, 1), y ~ U(0.05, 0.95), λ, α ~ U(0.1, 1)."""
    rng = np.random.default_rng(seed)
    cols = [rng.normal(0, 0.5, count) for _ in net.params]
    cols += [rng.normal(0, 1, count) for k in range(net.m) for _ in net.x[k]]
    cols += [rng.uniform(0.05, 0.95, count) for k in range(net.m) for _ in net.y[k]]
    cols += [rng.uniform(0.1, 1, count)]
    cols += [rng.uniform(0.1, 1, count) for _ in symbols]
    return np.stack(cols, axis=1)


def _closed_symengine(net, expr):
    """``expr`` as a symengine expression with the network's opaque functions in closed form."""
    expr = symengine.sympify(expr)
    if net.backend.name == "symengine":
        return net.closed(expr)
    if "_se_closed_map" not in net.__dict__:   # a sympy network: its map, converted once
        net._se_closed_map = {symengine.sympify(k): symengine.sympify(v) for k, v in net.closed_map.items()}
    return expr.xreplace(net._se_closed_map)


#: Distinct subexpressions lambdified at once (all instances of one architecture): past it the
#: numeric check would take minutes (lambdify's cse grows faster than linearly), so a claim is judged
#: on its first instances only, and the verdict says so.
MAX_NODES = 50_000


class TooLarge(ValueError):
    """Expressions with more than ``MAX_NODES`` distinct subexpressions in all."""


def within_size(instances, limit=None):
    """The longest prefix of ``instances`` whose sides have at most ``limit`` distinct subexpressions in all.

    >>> x = symengine.Symbol("x")
    >>> len(within_size([Instance("", [x, x + 1]), Instance("", [x, (x + 1) ** 2])], limit=4))
    1
    """
    limit = MAX_NODES if limit is None else limit
    seen = set()
    for k, inst in enumerate(instances):
        stack = [s for s in inst.sides if isinstance(s, symengine.Basic)]
        while stack:
            e = stack.pop()
            if e not in seen:
                seen.add(e)
                if len(seen) > limit:
                    return instances[:k]
                stack.extend(e.args)
    return instances


def numeric_values(net, symbols, instances, points):
    """Values of every side of every instance at ``points``: array (P, instances, sides)."""
    if len(within_size(instances)) < len(instances):
        raise TooLarge(f"more than {MAX_NODES} distinct subexpressions to evaluate")
    args = _symbols_of(net, symbols)
    width = max(len(i.sides) for i in instances)
    exprs = []
    for inst in instances:
        sides = list(inst.sides) + [inst.sides[-1]] * (width - len(inst.sides))
        exprs += [_closed_symengine(net, s) for s in sides]
    try:
        fn = symengine.Lambdify(args, exprs, cse=True, backend="lambda")
    except RuntimeError:  # an opaque function the network's passes do not know (a lemma's own variable)
        exprs = [closed_form(e, net.backend) for e in exprs]
        try:
            fn = symengine.Lambdify(args, exprs, cse=True, backend="lambda")
        except RuntimeError as e:   # e.g. a division by zero left a complex infinity in a side
            k = next((k for k, x in enumerate(exprs) if x.has(symengine.zoo, symengine.nan)), None)
            where = f": side {k % width + 1} is {exprs[k]} at {instances[k // width].where}" if k is not None else ""
            raise IllFormed(f"non-finite value{where} (a division by zero?)" if where else
                            f"cannot be evaluated numerically: {e}") from None
    with np.errstate(all="ignore"):
        vals = np.asarray(fn(points), dtype=float).reshape(points.shape[0], len(instances), width)
    return vals


def relative_errors(values):
    """Relative error of each side against the first: array (P, instances, sides-1)."""
    truth = values[..., :1]
    other = values[..., 1:]
    with np.errstate(all="ignore"):
        scale = np.maximum(np.maximum(np.abs(truth), np.abs(other)), 1e-12)
        err = np.abs(other - truth) / scale
    err[~np.isfinite(other) | ~np.isfinite(truth)] = np.inf
    return err


def refine_with_mpmath(net, symbols, instances, points, errors, digits=50, limit=60):
    """Re-decide borderline errors (between RTOL and 1e-4) in ``digits``-digit arithmetic (sympy/mpmath).

    float64 can lose a few digits in a long composition; the same point is
    evaluated again with mpmath precision, and the error there replaces the
    float64 one.  Returns the corrected errors and how many entries were re-evaluated.
    """
    import sympy
    borderline = np.argwhere((errors > RTOL) & (errors < 1e-4))[:limit]
    if not len(borderline):
        return errors, 0
    errors = errors.copy()
    args = [sympy.Symbol(str(a)) for a in _symbols_of(net, symbols)]
    for p, i, s in borderline:
        subs = {a: sympy.Float(float(v), digits) for a, v in zip(args, points[p])}
        inst = instances[i]
        t, c = (sympy.sympify(_closed_symengine(net, e)).evalf(digits, subs=subs)
                for e in (inst.sides[0], inst.sides[min(s + 1, len(inst.sides) - 1)]))
        scale = max(abs(t), abs(c), sympy.Float(1e-12))
        errors[p, i, s] = float(abs(t - c) / scale)
    return errors, len(borderline)


# -- one claim --------------------------------------------------------------------------------
def verify_claim(claim: Claim, derivation, *, cache=None, sweep=None, budget=10.0, numeric_only=False,
                 points=20, seed=0):
    """Verify ``claim`` of ``derivation`` over ``sweep``; returns an :class:`Outcome`."""
    from .diagnose import diagnose

    cache = cache or NetworkCache()
    sweep = list(sweep or derivation.sweep)
    if claim.archs is not None:
        sweep = [(s, m) for s, m in sweep if claim.archs(tuple(s), m)]
    if not sweep:
        return Outcome("ill-formed", message="no architecture of the sweep fits the claim's archs= filter")
    sweep.sort(key=lambda a: (len(a[0]), sum(a[0]) * a[1]))
    runs, ill, skipped = [], [], []
    for sizes, m in sweep:
        try:
            spec = spec_for(derivation, claim, sizes, m)
        except SpecError as e:
            return Outcome("error", message=f"spec: {e}")
        net = cache.get(spec)
        symbols = {}
        try:
            instances = instantiate(claim, net, derivation.notation, symbols)
        except IllFormed as e:
            ill.append((sizes, m, str(e)))
            continue
        kept = within_size(instances)
        if len(kept) < len(instances):
            skipped.append(f"{len(instances) - len(kept)} of {len(instances)} on {list(sizes)} m={m}")
            if not kept:
                continue
        runs.append((sizes, m, net, symbols, kept))
    archs = [list(s) for s, *_ in runs]
    size_note = (f"judged on fewer instances: {', '.join(skipped)} skipped (more than {MAX_NODES} distinct "
                 f"subexpressions)") if skipped else ""
    if not runs and not ill:
        return Outcome("error", "numeric", [], message="too large to check: " + size_note)
    if not runs:
        from .diagnose import explain_ill_formed, off_sweep_counterexample
        d = explain_ill_formed(claim, derivation, ill, cache)
        status = "ill-formed" if d is None else "fails"
        cex = off_sweep_counterexample(claim, derivation, sweep, cache) if d is not None else None
        return Outcome(status, "numeric", [list(s) for s, _, _ in ill], diagnosis=d, counterexample=cex,
                       message=ill[0][2])

    # numeric on every architecture (borderline points again in mpmath precision)
    numeric, used_mpmath = [], False
    for i, (sizes, m, net, symbols, instances) in enumerate(runs):
        pts = sample_points(net, symbols, points, seed + 7919 * i)
        try:
            vals = numeric_values(net, symbols, instances, pts)
        except IllFormed as e:
            return Outcome("ill-formed", "numeric", [list(sizes)], message=f"{e} on {list(sizes)} m={m}")
        errors, refined = relative_errors(vals), 0
        if np.any((errors > RTOL) & (errors < 1e-4)):   # 50-digit evaluation of a big tree can take minutes
            done, res = call_with_budget(lambda: refine_with_mpmath(net, symbols, instances, pts, errors),
                                         max(budget, REFINE_BUDGET))
            errors, refined = res if done else (errors, 0)
        used_mpmath = used_mpmath or refined > 0
        numeric.append((vals, errors))
        bad = ~np.isfinite(vals)
        if bad.any():
            p, inst, side = np.argwhere(bad)[0]
            where = f"{list(sizes)} m={m} at {instances[inst].where}"
            if bad[:, :, 0].any():
                return Outcome("error", "numeric", [list(sizes)],
                               message=f"the truth is not finite (nan/inf) at a sample point on {where}")
            return Outcome("ill-formed", "numeric", [list(sizes)],
                           message=f"non-finite value: side {side + 1} is nan/inf on {where}")
    max_err = max(float(np.max(e)) for _, e in numeric)
    holds_numeric = max_err <= RTOL and not ill

    # exact, within the budget
    exact = [] if numeric_only else exact_with_budget([r[4] for r in runs], budget, runs[0][2].backend.name)
    proven_all = len(exact) == len(runs) and all(all(all(x) for x in res) for res in exact)

    steps = None
    if claim.kind == "chain":
        width = max(len(i.sides) for i in runs[0][4])
        steps = [{"step": s, "holds": all(bool(np.all(e[:, :, s - 1] <= RTOL)) for _, e in numeric)}
                 for s in range(1, width)]

    if holds_numeric:
        if proven_all:
            return Outcome("proven", "symbolic", archs, 0.0, message=size_note, steps=steps)
        note = ("symbolic budget of %gs ran out; checked numerically" % budget
                if len(exact) < len(runs) and not numeric_only else
                "numeric only" if numeric_only else "the exact difference did not expand to 0; numeric agreement")
        if used_mpmath:
            note += " (borderline float64 points re-evaluated with 50-digit mpmath)"
        if size_note:
            note += "; " + size_note
        return Outcome("confirmed", "numeric", archs, max_err, message=note, steps=steps)
    if len(exact) == len(runs) and proven_all and not ill:
        return Outcome("error", "symbolic", archs, max_err,
                       message="symbolic proof and numeric check disagree (numeric precision?)")
    diag, cex = diagnose(claim, derivation, runs, numeric, ill, cache)
    return Outcome("fails", "symbolic" if exact else "numeric", archs + [list(s) for s, _, _ in ill],
                   max_err if np.isfinite(max_err) else None, diag, cex, message=size_note, steps=steps)
