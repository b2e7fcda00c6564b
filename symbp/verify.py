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
from fractions import Fraction

import mpmath
import numpy as np
import symengine

from .claims import Claim
from .exact import exact_value
from .identity import DIGITS, MP_TOL, check_exactly, default_draws, draw_functions, oracle_symbols, random_closed
from .notation import IllFormed, Tensor, View
from .spec import NetworkSpec, SpecError
from .symbolic import SymbolicNetwork
from .sweeps import weak_sweep_notes
from .truth import LEMMA_NOTE, WrongTruth, check_truth_side

__all__ = ["Instance", "Outcome", "instantiate", "verify_claim", "NetworkCache", "RTOL", "refine_with_mpmath",
           "run_forked", "call_with_budget", "split_by_size", "size_chunks", "MAX_NODES", "claim_sweep",
           "sample_points", "sample_targets", "on_target_domain", "target_note", "NOTHING_HERE",
           "numeric_values", "relative_errors", "suspect_errors", "DRAWS", "EXACT_POINTS"]

#: Relative error under which two numeric values agree.
RTOL = 1e-9
#: Independent random draws of the generic functions in the numeric check (each over ``points`` points).
DRAWS = 3
#: Random rational points at which a residual left by expansion is evaluated exactly.
EXACT_POINTS = 3
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
    if callable(lay):   # a layer this architecture lacks (W^(0) of a net without hidden layer): nothing stated here
        l = lay(n)
        valid = {"weights": n.weight_layers, "biases": n.weight_layers, "units": n.layers[1:]}.get(claim.family)
        return [l] if valid is None or l in valid else []
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
    if None in shapes and set(shapes) <= {None, (1, 1)}:   # a 1×1 tensor (e.g. uᵀv) is a scalar
        sides = [s.rows[0][0] if isinstance(s, Tensor) else s for s in sides]
        shapes = [None] * len(sides)
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


def instantiate(claim: Claim, net: SymbolicNetwork, notation, symbols=None, truth_check=False):
    """Every scalar equation the claim states on ``net``.

    With ``truth_check`` the first side of every instance is held against the
    true quantity of the claim's kind (:func:`symbp.truth.check_truth_side`).
    """
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
                if truth_check:
                    check_truth_side(claim, n, l, idx, sides[0])
                where = f"example {n.k + notation.example_base}" if claim.scope == "example" and n.m > 1 else ""
                where += (f" l={l}" if l is not None else "") + (f" {','.join(map(str, idx))}" if idx else "")
                for w, s, pos in _flatten(list(sides), where.strip()):
                    out.append(Instance(w, s, (n.k, l, idx, pos)))
    if not out:
        raise IllFormed(NOTHING_HERE + " (no layer or index in range)")
    return on_target_domain(out, net, notation)


#: What :func:`instantiate` says of an architecture where the claim has no layer or index.
NOTHING_HERE = "the claim states nothing on this architecture"


def on_target_domain(instances, net, notation):
    """``instances`` read on the spec's target domain: y substituted case by case (:meth:`~SymbolicNetwork.target_cases`).

    >>> from symbp.notation import Notation
    >>> net = SymbolicNetwork(NetworkSpec([1, 2], cost="softmax_cross_entropy", targets="one_hot"))
    >>> y = net.y[0]
    >>> [i.sides for i in on_target_domain([Instance("", [y[0], 0])], net, Notation())]
    [[1, 0], [0, 0]]
    """
    _, cases = net.target_cases()
    if len(cases) == 1 and not cases[0][1]:
        return instances
    ys = {s for row in net.y for s in row}
    out = []
    for inst in instances:
        if not any(getattr(s, "free_symbols", set()) & ys for s in inst.sides):
            out.append(inst)
            continue
        for case, mapping in cases:
            sides = [s.xreplace(mapping) if hasattr(s, "xreplace") else s for s in inst.sides]
            label = "" if case is None else "y = " + "; ".join(_target_row(row, notation) for row in case)
            where = f"{inst.where} ({label})" if inst.where and label else inst.where or label
            out.append(Instance(where, sides, inst.key + ((case,) if case else ())))
    return out


def _target_row(row, notation):
    """A one-hot row as e_c (the page's unit base), any other 0/1 row as (0, 1, ...)."""
    if sum(row) == 1 and set(row) <= {0, 1}:
        return f"e_{row.index(1) + notation.unit_base}"
    return "(" + ", ".join(map(str, row)) + ")"


def target_note(spec: NetworkSpec) -> str:
    """The note every verdict carries: the target domain, and how the exact check reads it.

    >>> target_note(NetworkSpec([2, 2], cost="softmax_cross_entropy"))
    'targets: probability (y_k in [0, 1], and summing to 1 over the outputs for a softmax output)'
    """
    from .costs import TARGETS
    return f"targets: {spec.targets} ({TARGETS[spec.targets]})"


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
    """Seeded random points, every free symbol signed: weights ~ N(0, 0.5²), x ~ N(0, 1), targets by
    :func:`sample_targets`, λ, the learning rate and every other symbol ~ N(0, 1).

    Signed so that no formula true only for positive values (``|u|`` for ``u``, ``relu(u) = u``) passes;
    not wider, so that deep compositions do not saturate (``a − 1`` of a saturated softmax cancels in float64).

    λ is signed too: every cost is polynomial in λ, so agreement for λ of either sign is no weaker
    (and ``|λ|`` for ``λ`` is caught).

    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> bool((sample_points(net, {}, 50, 0) < 0).any(axis=0).all())
    True
    """
    rng = np.random.default_rng(seed)
    cols = [rng.normal(0, 0.5, count) for _ in net.params]
    cols += [rng.normal(0, 1, count) for k in range(net.m) for _ in net.x[k]]
    cols += sample_targets(net, rng, count)
    cols += [rng.normal(0, 1, count)]
    cols += [rng.normal(0, 1, count) for _ in symbols]
    return np.stack(cols, axis=1)


def sample_targets(net, rng, count):
    """Target columns on the spec's domain, one per y symbol (``net.data_symbols`` order).

    free: N(0, 2²) (signed and wide); probability: U(0, 1), or a flat Dirichlet
    per example for a softmax output (rows on the simplex); one_hot: e_c for a
    uniform class c; binary: 0 or 1.

    >>> net = SymbolicNetwork(NetworkSpec([1, 3], cost="softmax_cross_entropy", batch_size=2))
    >>> cols = sample_targets(net, np.random.default_rng(0), 5)
    >>> len(cols), np.allclose(sum(cols[:3]), 1), np.allclose(sum(cols[3:]), 1)
    (6, True, True)
    """
    K, m, domain = net.sizes[-1], net.m, net.spec.targets
    if domain == "free":
        rows = [rng.normal(0, 2, (count, K)) for _ in range(m)]
    elif domain == "probability" and net.spec.output_activation == "softmax":
        rows = [rng.dirichlet(np.ones(K), count) for _ in range(m)]
    elif domain == "probability":
        rows = [rng.uniform(0, 1, (count, K)) for _ in range(m)]
    elif domain == "one_hot":
        rows = [np.eye(K)[rng.integers(0, K, count)] for _ in range(m)]
    else:
        rows = [rng.integers(0, 2, (count, K)).astype(float) for _ in range(m)]
    return [row[:, j] for row in rows for j in range(K)]


def _closed_symengine(net, expr):
    """``expr`` as a symengine expression with the network's opaque functions in closed form."""
    expr = symengine.sympify(expr)
    if net.backend.name == "symengine":
        return net.closed(expr)
    if "_se_closed_map" not in net.__dict__:   # a sympy network: its map, converted once
        net._se_closed_map = {symengine.sympify(k): symengine.sympify(v) for k, v in net.closed_map.items()}
    return expr.xreplace(net._se_closed_map)


#: Distinct subexpressions lambdified at once: past it lambdify's cse takes minutes (it grows faster than
#: linearly), so instances are lambdified in chunks of this size; an instance larger than this on its own is
#: judged by the exact check alone, and the verdict says so (never a verdict on instances not checked).
MAX_NODES = 50_000


def _backend_of(jobs):
    """``"sympy"`` when the instances' sides are sympy expressions, else ``"symengine"``."""
    side = jobs[0][0].sides[0]
    return "symengine" if isinstance(side, (symengine.Basic, int, float)) else "sympy"


def _new_nodes(inst, seen):
    """The distinct subexpressions of ``inst``'s sides that are not in ``seen``."""
    stack, new = [s for s in inst.sides if isinstance(s, symengine.Basic)], set()
    while stack:
        e = stack.pop()
        if e not in seen and e not in new:
            new.add(e)
            stack.extend(e.args)
    return new


def split_by_size(instances, limit=None):
    """``(small, large)``: the instances with at most ``limit`` distinct subexpressions each, and the rest.

    >>> x = symengine.Symbol("x")
    >>> small, large = split_by_size([Instance("", [x, x + 1]), Instance("", [x, (x + 1) ** 2])], limit=4)
    >>> len(small), len(large)
    (1, 1)
    """
    limit = MAX_NODES if limit is None else limit
    small, large = [], []
    for inst in instances:
        (small if len(_new_nodes(inst, ())) <= limit else large).append(inst)
    return small, large


def size_chunks(instances, limit=None):
    """``instances`` cut into consecutive chunks of at most ``limit`` distinct subexpressions in all.

    An instance larger than ``limit`` on its own is a chunk by itself.

    >>> x = symengine.Symbol("x")
    >>> [len(c) for c in size_chunks([Instance("", [x, x + 1]), Instance("", [x, (x + 1) ** 2])], limit=4)]
    [1, 1]
    """
    limit = MAX_NODES if limit is None else limit
    chunks, seen = [[]], set()
    for inst in instances:
        new = _new_nodes(inst, seen)
        if chunks[-1] and len(seen) + len(new) > limit:
            chunks.append([])
            seen, new = set(), _new_nodes(inst, ())
        seen |= new
        chunks[-1].append(inst)
    return [c for c in chunks if c]


def numeric_values(net, symbols, instances, points, draws=None):
    """Values of every side of every instance at ``points``: array (P, instances, sides).

    ``draws`` (array (P, n), from :func:`symbp.identity.draw_functions`) makes each row's generic
    ``f``, ``f'``, ``g``, ``g'`` a random function of its own, independent of each other; without it
    the rows take :func:`symbp.identity.default_draws` (three fixed random functions).  Instances are
    lambdified in chunks of at most ``MAX_NODES`` distinct subexpressions.
    """
    width = max(len(i.sides) for i in instances)
    chunks = size_chunks(instances)
    if len(chunks) > 1:
        return np.concatenate([_padded(numeric_values(net, symbols, c, points, draws), width) for c in chunks],
                              axis=1)
    args = _symbols_of(net, symbols) + oracle_symbols()
    points = np.hstack([points, default_draws(points.shape[0]) if draws is None else draws])
    exprs = []
    for inst in instances:
        sides = list(inst.sides) + [inst.sides[-1]] * (width - len(inst.sides))
        exprs += [random_closed(s, net) for s in sides]
    try:
        fn = symengine.Lambdify(args, exprs, cse=True, backend="lambda")
    except RuntimeError:  # an opaque function the network's passes do not know (a lemma's own variable)
        exprs = [random_closed(e) for e in exprs]
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


def _padded(values, width):
    """``values`` (P, instances, sides) with its last side repeated up to ``width`` sides."""
    extra = width - values.shape[2]
    return values if extra <= 0 else np.concatenate([values] + [values[:, :, -1:]] * extra, axis=2)


def relative_errors(values):
    """Relative error of each side against the first: array (P, instances, sides-1)."""
    truth = values[..., :1]
    other = values[..., 1:]
    with np.errstate(all="ignore"):
        scale = np.maximum(np.maximum(np.abs(truth), np.abs(other)), 1e-12)
        err = np.abs(other - truth) / scale
    err[~np.isfinite(other) | ~np.isfinite(truth)] = np.inf
    return err


def suspect_errors(values, errors):
    """Where float64 may be wrong: errors above RTOL that are small (< 1e-4), or at a point where both
    sides are a millionth of the instance's typical size (cancellation, e.g. a saturated softmax's a − 1).

    >>> v = np.array([[[1.0, 1.0]], [[1e-12, 1.1e-12]], [[2.0, 3.0]]])
    >>> suspect_errors(v, relative_errors(v))[:, 0, 0].tolist()
    [False, True, False]
    """
    with np.errstate(all="ignore"):
        size = np.maximum(np.abs(values[..., :1]), np.abs(values[..., 1:]))
        typical = np.median(np.abs(values[..., :1]), axis=0, keepdims=True)
        tiny = size < 1e-6 * typical
    return (errors > RTOL) & ((errors < 1e-4) | tiny) & np.isfinite(errors)


def refine_with_mpmath(net, symbols, instances, points, errors, digits=50, limit=60, draws=None, suspect=None):
    """Re-decide suspect float64 errors (:func:`suspect_errors`) in ``digits``-digit arithmetic (sympy/mpmath).

    float64 can lose a few digits in a long composition; the same point is
    evaluated again with mpmath precision, and the error there replaces the
    float64 one.  Returns the corrected errors and how many entries were re-evaluated.
    """
    import sympy
    suspect = (errors > RTOL) & (errors < 1e-4) if suspect is None else suspect
    borderline = np.argwhere(suspect)[:limit]
    if not len(borderline):
        return errors, 0
    errors = errors.copy()
    args = [sympy.Symbol(str(a)) for a in _symbols_of(net, symbols) + oracle_symbols()]
    points = np.hstack([points, default_draws(points.shape[0]) if draws is None else draws])
    for p, i, s in borderline:
        subs = {a: sympy.Float(float(v), digits) for a, v in zip(args, points[p])}
        inst = instances[i]
        t, c = (sympy.sympify(random_closed(e, net)).evalf(digits, subs=subs)
                for e in (inst.sides[0], inst.sides[min(s + 1, len(inst.sides) - 1)]))
        scale = max(abs(t), abs(c), sympy.Float(1e-12))
        errors[p, i, s] = float(abs(t - c) / scale)
    return errors, len(borderline)


# -- exact evaluation of what expansion left ----------------------------------------------------
def _unexpanded(runs, exact):
    """``(tag, truth, formula)`` for every instance side whose difference did not expand to 0 (or was not
    expanded in time)."""
    out = []
    for r, (sizes, m, net, symbols, instances) in enumerate(runs):
        res = exact[r] if r < len(exact) else [[False] * (len(i.sides) - 1) for i in instances]
        for i, (inst, zeros) in enumerate(zip(instances, res)):
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

    >>> from symbp.claims import Derivation, Claim
    >>> from symbp.notation import Notation
    >>> doc = Derivation("d", "D", "-", Notation())
    >>> claim_sweep(Claim("(1)", "cost", "", lambda n: None, archs=lambda s, m: s[-1] == 1), doc)
    [((3, 4, 1), 4), ((3, 2, 4, 3, 1), 3)]
    """
    sweep = [(tuple(s), m) for s, m in (sweep or derivation.sweep)]
    if claim.archs is not None:
        sweep = [(s, m) for s, m in sweep if claim.archs(tuple(s), m)]
    return sorted(sweep, key=lambda a: (len(a[0]), sum(a[0]) * a[1]))


def verify_claim(claim: Claim, derivation, *, cache=None, sweep=None, budget=10.0, numeric_only=False,
                 points=20, seed=0):
    """Verify ``claim`` of ``derivation`` over ``sweep``; returns an :class:`Outcome` with its notes.

    The notes say what the verdict rests on: the target domain, architectures
    on which the claim states nothing, instances judged exactly only, and for
    a verdict that holds, a lemma's unchecked first side and what the sweep
    cannot tell apart (:mod:`symbp.sweeps`).
    """
    notes = []
    outcome = _judge(claim, derivation, notes, cache=cache, sweep=sweep, budget=budget,
                     numeric_only=numeric_only, points=points, seed=seed)
    if outcome.status in ("proven", "confirmed"):
        kind = claim.of if claim.kind == "chain" else claim.kind
        notes += [LEMMA_NOTE] if kind == "lemma" else []
        notes += weak_sweep_notes(claim_sweep(claim, derivation, sweep), batch=claim.scope == "batch")
    for note in notes:
        outcome = outcome.with_note(note)
    return outcome


def _judge(claim: Claim, derivation, notes, *, cache, sweep, budget, numeric_only, points, seed) -> Outcome:
    """The verdict on ``claim`` over its sweep (numeric, exact, diagnosis); appends what it rests on to ``notes``."""
    from .diagnose import diagnose

    cache = cache or NetworkCache()
    sweep = claim_sweep(claim, derivation, sweep)
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
            return Outcome("ill-formed", "symbolic", [list(sizes)], message=f"{e} on {list(sizes)} m={m}")
        except IllFormed as e:
            if str(e).startswith(NOTHING_HERE):
                nothing.append(f"{list(sizes)} m={m}")
            else:
                ill.append((sizes, m, str(e)))
            continue
        small, large = split_by_size(instances)
        if large:
            oversized.append((sizes, m, large, net))
        if small:
            runs.append((sizes, m, net, symbols, small))
    nets = [r[2] for r in runs] + [o[3] for o in oversized]
    how = ", ".join(dict.fromkeys(net.target_cases()[0] for net in nets))
    notes.append(target_note(spec_for(derivation, claim, *sweep[0])) + (f"; exact check {how}" if how else ""))
    if nothing:
        notes.append(f"not judged on {', '.join(nothing)}: {NOTHING_HERE}")
        if not runs and not ill and not oversized:
            return Outcome("ill-formed", message=f"{NOTHING_HERE} (on no architecture of the sweep)")
    archs = [list(s) for s, *_ in runs]
    too_large = sum(len(large) for _, _, large, _ in oversized)
    size_note = (f"{too_large} instance(s) with more than {MAX_NODES} distinct subexpressions each "
                 f"({', '.join(f'{list(s)} m={m}' for s, m, _, _ in oversized)}) are too large for the numeric "
                 f"check: they are judged by the exact check alone") if oversized else ""
    if not runs and oversized and not ill:
        return _judge_exactly(oversized, budget, numeric_only, size_note)
    if not runs:
        from .diagnose import explain_ill_formed, off_sweep_counterexample
        d = explain_ill_formed(claim, derivation, ill, cache)
        status = "ill-formed" if d is None else "fails"
        cex = off_sweep_counterexample(claim, derivation, sweep, cache) if d is not None else None
        return Outcome(status, "numeric", [list(s) for s, _, _ in ill], diagnosis=d, counterexample=cex,
                       message=ill[0][2])

    # numeric on every architecture (borderline points again in mpmath precision)
    # (each of DRAWS independent random functions for f, f', g, g' over its own ``points`` points)
    numeric, used_mpmath = [], False
    for i, (sizes, m, net, symbols, instances) in enumerate(runs):
        pts = sample_points(net, symbols, points * DRAWS, seed + 7919 * i)
        draws = np.repeat(draw_functions(np.random.default_rng(seed + 7919 * i + 1), DRAWS), points, axis=0)
        try:
            vals = numeric_values(net, symbols, instances, pts, draws)
        except IllFormed as e:
            return Outcome("ill-formed", "numeric", [list(sizes)], message=f"{e} on {list(sizes)} m={m}")
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
    jobs = [r[4] for r in runs] + [large for _, _, large, _ in oversized]
    exact = [] if numeric_only else exact_with_budget(jobs, budget, runs[0][2].backend.name)
    proven_all = len(exact) == len(jobs) and all(all(all(x) for x in res) for res in exact)

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
        note = ("symbolic budget of %gs ran out; checked numerically" % budget
                if len(exact) < len(jobs) and not numeric_only else
                "numeric only" if numeric_only else "the exact difference did not expand to 0; numeric agreement")
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
        if oversized and not (done and found["pairs"] and not found["unevaluable"]):
            return Outcome("error", "numeric", archs, max_err, message="not judged: " + size_note
                           + ", and neither the exact check nor an exact evaluation settled them", notes=evidence)
        out = Outcome("confirmed", "numeric", archs, max_err, message=note, steps=steps, notes=evidence)
        return out.with_note(_exact_note(found, len(residual)) if done else
                             f"the exact evaluation of {len(residual)} residual(s) at rational points did not "
                             f"finish within {max(budget, REFINE_BUDGET):g}s; the numeric check alone stands")
    if proven_all and not ill:
        return Outcome("error", "symbolic", archs, max_err,
                       message="symbolic proof and numeric check disagree (numeric precision?)")
    diag, cex = diagnose(claim, derivation, runs, numeric, ill, cache)
    return Outcome("fails", "symbolic" if exact else "numeric", archs + [list(s) for s, _, _ in ill],
                   max_err if np.isfinite(max_err) else None, diag, cex, message=size_note, steps=steps)


def _judge_exactly(oversized, budget, numeric_only, size_note) -> Outcome:
    """The verdict on a claim whose every instance is too large to evaluate numerically: exact, or not judged."""
    archs = [list(s) for s, _, _, _ in oversized]
    jobs = [large for _, _, large, _ in oversized]
    exact = [] if numeric_only else exact_with_budget(jobs, budget, _backend_of(jobs))
    if len(exact) == len(jobs) and all(all(all(x) for x in res) for res in exact):
        return Outcome("proven", "symbolic", archs, 0.0, message=size_note, notes=[size_note])
    return Outcome("error", "symbolic", archs, message="not judged: " + size_note
                   + ", and the exact check did not prove them", notes=[size_note])
