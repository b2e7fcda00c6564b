"""Instances of a claim on one network, and their evaluation: what verify and diagnose share.

A claim on one architecture becomes :class:`Instance` objects (its sides as expressions of
the network's symbols); they are sampled at seeded points, evaluated in float64 (borderline
points again in mpmath) and compared by relative error, or expanded exactly.
"""

from __future__ import annotations

import functools
import hashlib
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import symengine

from ..claims.derivation import Claim
from ..claims.derivative import derivative_log
from ..claims.tensor import IllFormed, Tensor
from ..claims.view import View
from ..model.spec import NetworkSpec
from ..oracle.symbolic import SymbolicNetwork
from .budget import run_forked
from .exact import exact_value
from .forward_inputs import cut_all, forward_cut
from .identity import default_draws, oracle_symbols, random_closed
from .nodes import subexpression_count
from .timings import TIMINGS
from .truth import check_truth_side, lemma_truth

__all__ = ['Instance', 'instantiate', 'place', 'at', 'NetworkCache', 'RTOL', 'refine_with_mpmath', 'split_by_size', 'size_chunks', 'MAX_NODES', 'sample_points', 'sample_targets', 'on_target_domain', 'target_note', 'NOTHING_HERE', 'numeric_values', 'compiled', 'relative_errors', 'suspect_errors', 'closed_symengine', 'exact_check', 'ExactRun', 'expansion_size', 'MAX_EXPANSION', 'MAX_CLAIM_EXPANSION', 'MAX_INLINE_EXPANSION', 'claim_layers', 'index_ranges', 'matched_shapes', 'stated_layers', 'symbols_of', 'backend_of']


#: Relative error under which two numeric values agree.
RTOL = 1e-9


@dataclass
class Instance:
    """One scalar equation of a claim: where it sits, and its sides (truth first)."""
    where: str
    sides: list
    key: tuple = ()
    truth: str = ""     # a lemma's first side, when it is a true quantity (judge/truth.py: lemma_truth)


def place(example=None, layer=None, indices=(), entry=None) -> str:
    """Where an instance sits, as the page would say it.

    >>> place(layer=2, indices=(("j", 3), ("k", 1)))
    'layer 2, j = 3, k = 1'
    >>> place(example=2, entry=(1, 3)), place(layer=3, entry=(2, None))
    ('example 2, row 1, column 3', 'layer 3, row 2')
    >>> place()
    ''
    """
    parts = ([f"example {example}"] if example is not None else []) + ([f"layer {layer}"] if layer is not None else [])
    parts += [f"{name} = {value}" for name, value in indices]
    if entry is not None:
        parts += [f"row {entry[0]}"] + ([f"column {entry[1]}"] if entry[1] is not None else [])
    return ", ".join(parts)


def at(where: str, lead: str = " at ") -> str:
    """`` at <where>`` for a message, or nothing when the claim has a single instance (no place to name).

    >>> "truth 0" + at("layer 2, j = 1"), "truth 0" + at("")
    ('truth 0 at layer 2, j = 1', 'truth 0')
    """
    return f"{lead}{where}" if where else ""


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
def claim_layers(claim: Claim, n: View):
    """The layers ``claim`` is stated for on ``n`` (document numbering; ``[None]`` for a layer-free claim).

    ``layer`` a function of ``n`` gives one layer (kept when this architecture has it) or the layers the
    page asserts the claim for (a range, kept as stated: a layer that does not exist is ill-formed).
    """
    lay = claim.layer
    if callable(lay):   # a layer this architecture lacks (W^(0) of a net without hidden layer): nothing stated here
        l = lay(n)
        if not isinstance(l, int) or isinstance(l, bool):
            layers = stated_layers(l)
            if not claim.takes_layer and layers:
                raise IllFormed(f"layer= gives the layers {layers}, but the claim takes no layer variable "
                                f"(l, or the one named by layer_var=)")
            return layers
        valid = {"weights": n.weight_layers, "biases": n.weight_layers, "units": n.layers[1:]}.get(claim.family)
        return [l] if valid is None or l in valid else []
    if claim.family in ("weights", "biases"):
        ws = n.weight_layers
        return {"output": ws[-1:], "hidden": ws[:-1], "all": ws, None: [None]}[lay]
    return {"output": [n.L], "hidden": n.hidden, "all": n.layers[1:], None: [None]}[lay]


def stated_layers(value):
    """A ``layer=`` function's value read as the layers a claim is asserted for (whole numbers, in order).

    >>> stated_layers(range(3, 1, -1))
    [3, 2]
    """
    try:
        layers = list(value)
    except TypeError:
        raise IllFormed(f"layer= gives {value!r}: neither a layer nor the layers the claim is asserted for") from None
    if not all(isinstance(l, int) and not isinstance(l, bool) for l in layers):
        raise IllFormed(f"layer= gives {layers!r}: the layers must be whole numbers"[:200])
    return list(dict.fromkeys(layers))


def index_ranges(claim: Claim, n: View, l):
    """The ranges of ``claim``'s unit indices at layer ``l`` on ``n``, as :func:`instantiate` runs them.

    >>> from symbp import Derivation, Notation
    >>> doc = Derivation("d", "D", source="s", notation=Notation())
    >>> _ = doc.claim("c", kind="grad_W", layer="all", latex="")(lambda n, l, j, k: (n.dC_dW[l][j, k], 0))
    >>> n = View(SymbolicNetwork(NetworkSpec((3, 2))), doc.notation)
    >>> index_ranges(doc.claims[0], n, 1)
    [range(1, 3), range(1, 4)]
    """
    return _index_ranges(claim, n, l)


def _index_ranges(claim: Claim, n: View, l):
    """Ranges of the unit indices, in the document's bases."""
    k = len(claim.indices)
    if k == 0:
        return []
    if l is None:
        raise IllFormed("an element-wise claim needs a layer (layer='output', 'hidden', 'all' or a function)")
    base = n.nt.unit_base
    if claim.units is not None:   # each index over the units of its own layer
        ranges = []
        for name in claim.indices:
            where = claim.units[name]
            layer = l + where if isinstance(where, int) else where(n, l)
            try:
                ranges.append(range(base, base + n.size(layer)))
            except IllFormed:
                raise IllFormed(f"unit index {name} runs over layer {layer}, which does not exist "
                                f"(layers {n.layers[0]}..{n.layers[-1]})") from None
        return ranges
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
    """Sides (scalars or equal-shape tensors) -> list of scalar side-lists; ``where(entry)`` names a place."""
    for i, side in enumerate(sides):
        if isinstance(side, (str, bytes)):   # never parsed: a formula is written with the view's quantities
            raise IllFormed(f"side {i + 1} is a string ({side[:40]!r}), not a formula of the view's quantities")
        if not isinstance(side, (Tensor, int, float, symengine.Basic)):
            try:
                sides[i] = symengine.sympify(side)
            except Exception:
                raise IllFormed(f"side {i + 1} is a {type(side).__name__}, not a formula") from None
    sides = [exact_value(s) for s in sides]   # floats -> the rationals of their decimals: no cancellation by rounding
    sides, shapes = matched_shapes(sides)
    if shapes[0] is None:
        return [(where(None), list(sides), ())]
    rows, cols = shapes[0]
    b0, b1 = sides[0].base
    out = []
    for r in range(rows):
        for c in range(cols):
            out.append((where((r + b0, c + b1 if cols > 1 else None)), [s.rows[r][c] for s in sides], (r, c)))
    return out


def matched_shapes(sides):
    """``(sides, shapes)``: the sides with a 1×1 tensor read as a scalar beside scalars, and their one shape
    (None for a scalar); sides of different shapes are ill-formed.

    >>> matched_shapes([1, 2])
    ([1, 2], [None, None])
    """
    shapes = [s.shape if isinstance(s, Tensor) else None for s in sides]
    if None in shapes and set(shapes) <= {None, (1, 1)}:   # a 1×1 tensor (e.g. uᵀv) is a scalar
        sides = [s.rows[0][0] if isinstance(s, Tensor) else s for s in sides]
        shapes = [None] * len(sides)
    if len(set(shapes)) > 1:
        shown = ", ".join("scalar" if s is None else f"{s[0]}×{s[1]}" for s in shapes)
        raise IllFormed(f"shape mismatch between the sides ({shown})")
    return sides, shapes


def instantiate(claim: Claim, net: SymbolicNetwork, notation, symbols=None, truth_check=False):
    """Every scalar equation the claim states on ``net``.

    With ``truth_check`` the first side of every instance is held against the
    true quantity of the claim's kind (:func:`symbp.judge.truth.check_truth_side`).
    """
    with TIMINGS.timer("instantiation"):
        return _instantiate(claim, net, notation, {} if symbols is None else symbols, truth_check)


def _instantiate(claim, net, notation, symbols, truth_check):
    n0 = View(net, notation, 0, symbols)
    views = n0.examples if claim.scope == "example" else [n0]
    out, shape = [], []     # shape: (takes_layer, indices), read from the claim's signature once
    for n in views:
        for l in claim_layers(claim, n):
            ranges = _index_ranges(claim, n0, l)
            grid = [()]
            for r in ranges:
                grid = [g + (i,) for g in grid for i in r]
            for idx in grid:
                if claim.where is not None and not claim.where(*idx):
                    continue
                if not shape:
                    shape += [claim.takes_layer, list(claim.indices)]
                takes_layer, indices = shape
                args = ((l,) if takes_layer else ()) + tuple(idx)
                derivative_log(net, clear=True)
                sides = claim.fn(n, *args)
                if not isinstance(sides, (tuple, list)) or len(sides) < 2:
                    raise IllFormed("a claim must return its sides: (truth, formula[, more steps])")
                truth = ""
                if truth_check:
                    check_truth_side(claim, n, l, idx, sides[0])
                    truth = lemma_truth(n, sides[0]) if claim.kind == "lemma" else ""
                example = n.k + notation.example_base if claim.scope == "example" and n.m > 1 else None
                names = indices + [f"index {i + 1}" for i in range(len(indices), len(idx))]
                where = lambda entry, e=example, l=l, idx=idx, names=names: place(  # noqa: E731
                    e, l, tuple(zip(names, idx)), entry)
                for w, s, pos in _flatten(list(sides), where):
                    out.append(Instance(w, s, (n.k, l, idx, pos), truth))
    if not out:
        raise IllFormed(NOTHING_HERE + " (no layer or index in range)")
    return on_target_domain(out, net, notation)


#: What :func:`instantiate` says of an architecture where the claim has no layer or index.
NOTHING_HERE = "the claim states nothing on this architecture"


def on_target_domain(instances, net, notation):
    """``instances`` read on the spec's target domain: y substituted case by case (:meth:`~SymbolicNetwork.target_cases`).

    >>> from symbp.claims.notation import Notation
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
            out.append(Instance(where, sides, inst.key + ((case,) if case else ()), inst.truth))
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
    from ..model.costs import TARGETS
    return f"targets: {spec.targets} ({TARGETS[spec.targets]})"


# -- exact check, in a forked process with a time budget ---------------------------------------
def _exact_zero(instances, backend="symengine"):
    """For each instance and each side after the first: does expand(side0 - side) vanish (in ``backend``)?"""
    if backend == "sympy":
        import sympy
        return [[sympy.expand(sympy.sympify(inst.sides[0] - s)) == 0 for s in inst.sides[1:]] for inst in instances]
    return [[symengine.expand(symengine.sympify(inst.sides[0] - s)) == 0 for s in inst.sides[1:]]
            for inst in instances]


def expansion_size(expr, cap=10 ** 12) -> int:
    """An upper bound on the terms that expanding ``expr`` produces, in it or in any part of it (capped at ``cap``).

    It decides, the same way on every machine, whether the exact check is attempted: sums add their terms,
    products multiply them, a power (s)^n of a sum of t terms makes C(t+n-1, n), and a function's arguments
    are expanded on their own.

    >>> import symengine as se
    >>> x, y = se.symbols("x y")
    >>> expansion_size((x + y) ** 2 * (x + 1)), expansion_size(se.sin((x + y) ** 3) + x)
    (6, 4)
    """
    memo = _TERMS.setdefault(cap, {})
    if len(memo) > _TERMS_MAX:
        memo.clear()

    def terms(e):   # (terms of e expanded, the most terms of any part of e): remembered across calls
        hit = memo.get(e)
        if hit is not None:
            return hit
        args = e.args
        if not args:
            t, big = 1, 1
        elif isinstance(e, symengine.Add):
            parts = [terms(a) for a in args]
            t, big = min(cap, sum(p[0] for p in parts)), max(p[1] for p in parts)
        elif isinstance(e, symengine.Mul):
            t, big = 1, 1
            for a in args:
                p = terms(a)
                t, big = min(cap, t * p[0]), max(big, p[1])
        elif isinstance(e, symengine.Pow) and args[1].is_Integer and int(args[1]) > 0:
            (base, big), n = terms(args[0]), int(args[1])
            t = min(cap, math.comb(base + n - 1, n)) if base < cap and n < 10 ** 4 else cap
        else:   # a function, or a power with a symbolic or negative exponent: its arguments expand by themselves
            t, big = 1, max(terms(a)[1] for a in args)
        memo[e] = (t, max(big, t))
        return memo[e]

    return terms(symengine.sympify(expr))[1]


#: expansion_size's terms of the subexpressions seen so far, per cap (the same quantities recur claim after claim).
_TERMS = {}
_TERMS_MAX = 200_000


#: The exact check is attempted only where expanding makes at most this many terms (:func:`expansion_size`):
#: a bound on work, the same on every machine (about a second here); larger instances are judged by the numeric
#: check and an exact evaluation at rational points, and the verdict says so.
MAX_EXPANSION = 250_000

#: ... and at most this many over all the instances of one claim (in sweep order; the rest is not attempted).
MAX_CLAIM_EXPANSION = 1_000_000


#: A claim whose planned expansions make at most this many terms in all is expanded in this process: a bound on
#: work (milliseconds), where forking a child would cost more than the expansion.
MAX_INLINE_EXPANSION = 20_000


def _run_here(thunks, budget):
    """What :func:`symbp.judge.budget.run_forked` returns, computed in this process: the results of the thunks
    in turn, stopping at the first that raises or that ends past ``budget`` seconds (its result is dropped, as a
    child's that ends past its time limit)."""
    done, deadline = [], time.monotonic() + budget
    for thunk in thunks:
        try:
            result = thunk()
        except Exception:
            break
        if time.monotonic() > deadline:
            break
        done.append(result)
    return done


@dataclass
class ExactRun:
    """The exact check of a claim's jobs: per job, per instance, whether each difference expanded to 0.

    ``results[j][i]`` is None for an instance not attempted (larger than :data:`MAX_EXPANSION`), and
    ``results[j]`` is None for a job the child did not reach before the time limit (``timed_out``).
    """
    results: list
    too_large: int = 0
    timed_out: bool = False

    @property
    def proven(self) -> bool:
        """Every instance of every job expanded to 0."""
        return not self.timed_out and all(res is not None and all(row is not None and all(row) for row in res)
                                          for res in self.results)

    @property
    def attempted(self) -> bool:
        """Whether any instance was expanded."""
        return any(res is not None and any(row is not None for row in res) for res in self.results)

    def zeros(self, j, instances):
        """Per instance of job ``j``, per side after the first: expanded to 0 (False when not settled)."""
        res = self.results[j] if j < len(self.results) else None
        return [row if row is not None else [False] * (len(inst.sides) - 1)
                for inst, row in zip(instances, res or [None] * len(instances))]


def exact_check(jobs, budget, backend="symengine") -> ExactRun:
    """Expand each job's differences in a forked child; instances too large to expand are not attempted.

    ``budget`` (seconds) is a safety net, not a decision: what is attempted is fixed by
    :data:`MAX_EXPANSION`, and a child that does not finish in time makes ``timed_out`` (the verdict is then
    ``undecided``, never a silent downgrade).

    >>> import symengine as se
    >>> x = se.Symbol("x")
    >>> run = exact_check([[Instance("", [(x + 1) ** 2, x ** 2 + 2 * x + 1])]], 10)
    >>> run.proven, run.too_large, run.timed_out
    (True, 0, False)
    """
    with TIMINGS.timer("exact check"):
        return _exact_check(jobs, budget, backend)


def _exact_check(jobs, budget, backend):
    plans, total = [], 0
    for job in jobs:
        plan = []
        for inst in job:
            size = max(expansion_size(inst.sides[0] - s) for s in inst.sides[1:]) if len(inst.sides) > 1 else 0
            ok = size <= MAX_EXPANSION and total + size <= MAX_CLAIM_EXPANSION
            total += size if ok else 0
            plan.append(ok)
        plans.append(plan)
    thunks = [lambda job=job, plan=plan: _exact_zero([i for i, ok in zip(job, plan) if ok], backend)
              for job, plan in zip(jobs, plans) if any(plan)]
    if not thunks:
        done = []
    elif budget > 0 and total <= MAX_INLINE_EXPANSION:   # small by work: no child to fork (the same results)
        done = _run_here(thunks, budget)
    else:
        done = run_forked(thunks, budget)
    results, k = [], 0
    for plan in plans:
        if not any(plan):
            results.append([None] * len(plan))
            continue
        if k >= len(done):
            results.append(None)
        else:
            rows = iter(done[k])
            results.append([next(rows) if ok else None for ok in plan])
        k += 1
    return ExactRun(results, sum(not ok for plan in plans for ok in plan), len(done) < len(thunks))


# -- numeric check ---------------------------------------------------------------------------
def symbols_of(net, symbols):
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
    key = (id(net), len(symbols), count, seed)
    kept = _SAMPLED.get(key)
    if kept is None or kept[0] is not net:   # (the network kept with them: its id is not reused meanwhile)
        rng = np.random.default_rng(seed)
        cols = [rng.normal(0, 0.5, count) for _ in net.params]
        cols += [rng.normal(0, 1, count) for k in range(net.m) for _ in net.x[k]]
        cols += sample_targets(net, rng, count)
        cols += [rng.normal(0, 1, count)]
        cols += [rng.normal(0, 1, count) for _ in symbols]
        if len(_SAMPLED) >= 256:
            _SAMPLED.clear()
        kept = _SAMPLED[key] = (net, np.stack(cols, axis=1))
    return kept[1].copy()   # the caller's own array


#: :func:`sample_points` by (network, number of free symbols, count, seed): they depend on nothing else.
_SAMPLED = {}


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


def closed_symengine(net, expr):
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


def backend_of(jobs):
    """``"sympy"`` when the instances' sides are sympy expressions, else ``"symengine"``."""
    side = jobs[0][0].sides[0]
    return "symengine" if isinstance(side, (symengine.Basic, int, float)) else "sympy"


def _new_nodes(inst, seen):
    """The distinct subexpressions of ``inst``'s sides that are not in ``seen``."""
    return _walk_new(_sides(inst), seen)


def _walk_new(roots, seen, cap=None):
    """The distinct subexpressions of ``roots`` that are not in ``seen`` (the walk stops once past ``cap`` of them)."""
    stack, new = list(roots), set()
    while stack and (cap is None or len(new) <= cap):
        e = stack.pop()
        if e not in seen and e not in new:
            new.add(e)
            stack.extend(e.args)
    return new


def _sides(*instances):
    """The symbolic sides of ``instances``, in order."""
    return tuple(s for inst in instances for s in inst.sides if isinstance(s, symengine.Basic))


def _node_bound(instances):
    """An upper bound on the distinct subexpressions of ``instances`` together: those of each side, summed."""
    return sum(subexpression_count(s) for s in _sides(*instances))


def _within(instances, limit):
    """Whether the sides of ``instances`` have at most ``limit`` distinct subexpressions together.

    First a bound: the nodes met by earlier walks (:data:`_MET`, at most half of :data:`MAX_NODES`, whatever
    network they were met on) plus the nodes of these sides outside them; a claim's sides are mostly its network's
    forward pass and true quantities, met already, so only its own nodes are walked.  Where the bound is past
    ``limit``, every node is counted (:func:`_union_size`): the answer is always the count's.
    """
    sides = _sides(*instances)
    size = _UNION_SIZES.get((limit,) + sides)
    if size is not None:
        return size <= limit
    met = _MET[0]
    new = _walk_new(sides, met, limit - len(met))
    if len(met) + len(new) <= limit:
        if len(met) + len(new) <= _MET_MAX:   # remembered for the next claims (a bound, never a count)
            met |= new
        return True
    return _union_size(instances, limit) <= limit


#: The nodes met by :func:`_within`'s walks so far (in a list: the one set, grown in place), at most _MET_MAX.
_MET = [set()]
_MET_MAX = MAX_NODES // 2


def _union_size(instances, limit):
    """How many distinct subexpressions the sides of ``instances`` have together (counted up to just past
    ``limit``): one walk, each shared node (a network's forward pass, read by every instance) visited once;
    remembered for the very same sides."""
    key = (limit,) + _sides(*instances)
    size = _UNION_SIZES.get(key)
    if size is None:
        seen = set()
        for inst in instances:
            seen |= _new_nodes(inst, seen)
            if len(seen) > limit:
                break
        if len(_UNION_SIZES) >= 256:
            _UNION_SIZES.clear()
        size = _UNION_SIZES[key] = len(seen)
    return size


#: :func:`_union_size` by the sides it was asked of (at most 256; past it the memo starts afresh).
_UNION_SIZES = {}


def split_by_size(instances, limit=None):
    """``(small, large)``: the instances with at most ``limit`` distinct subexpressions each, and the rest.

    >>> x = symengine.Symbol("x")
    >>> small, large = split_by_size([Instance("", [x, x + 1]), Instance("", [x, (x + 1) ** 2])], limit=4)
    >>> len(small), len(large)
    (1, 1)
    """
    limit = MAX_NODES if limit is None else limit
    if _within(instances, limit):    # all of them together within the limit: each one is
        return list(instances), []
    small, large = [], []
    for inst in instances:
        (small if _node_bound([inst]) <= limit or len(_new_nodes(inst, ())) <= limit else large).append(inst)
    return small, large


def size_chunks(instances, limit=None):
    """``instances`` cut into consecutive chunks of at most ``limit`` distinct subexpressions in all.

    An instance larger than ``limit`` on its own is a chunk by itself.

    >>> x = symengine.Symbol("x")
    >>> [len(c) for c in size_chunks([Instance("", [x, x + 1]), Instance("", [x, (x + 1) ** 2])], limit=4)]
    [1, 1]
    """
    limit = MAX_NODES if limit is None else limit
    if _within(instances, limit):    # all together within the limit: one chunk
        return [list(instances)] if instances else []
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

    ``draws`` (array (P, n), from :func:`symbp.judge.identity.draw_functions`) makes each row's generic
    ``f``, ``f'``, ``g``, ``g'`` a random function of its own, independent of each other; without it
    the rows take :func:`symbp.judge.identity.default_draws` (three fixed random functions).  Instances are
    lambdified in chunks of at most ``MAX_NODES`` distinct subexpressions.
    """
    width = max(len(i.sides) for i in instances)
    chunks = size_chunks(instances)
    if len(chunks) > 1:
        return np.concatenate([_padded(numeric_values(net, symbols, c, points, draws), width) for c in chunks],
                              axis=1)
    coefficients = _coefficients(bool(net.generic_cost_atoms()))
    args = symbols_of(net, symbols) + list(coefficients)
    drawn = (default_draws(points.shape[0]) if draws is None else draws)[:, :len(coefficients)]
    # the truth sides compiled apart from the formulas: a claim's truths are the same for all its readings (and
    # mutants), so they are compiled once; and two smaller functions compile faster than one that shares both
    truths = [symengine.sympify(inst.sides[0]) for inst in instances]
    formulas = []
    for inst in instances:
        formulas += [symengine.sympify(e) for e in list(inst.sides[1:]) + [inst.sides[-1]] * (width - len(inst.sides))]
    cut = forward_cut(net)
    if cut is not None:     # the forward pass computed once at these points, the sides compiled over it
        try:
            return _over_forward(net, cut, args, truths, formulas, instances, width, points, drawn)
        except IllFormed:   # said as the sides read on the network's own symbols (below)
            pass
    full = np.hstack([points, drawn])
    fns = [compiled(net, args, truths, instances, 1)]
    if width > 1:
        fns.append(compiled(net, args, formulas, instances, width - 1, first_side=1))
    with np.errstate(all="ignore"), TIMINGS.timer("evaluation"):
        digest = _digest(full)     # (once for the truths and the formulas)
        parts = [_evaluated(fn, full, digest).reshape(full.shape[0], len(instances), -1) for fn in fns]
    return np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0].copy()   # the caller's own array


def _over_forward(net, cut, args, truths, formulas, instances, width, points, drawn):
    """:func:`numeric_values` with the network's forward quantities as inputs (:mod:`~symbp.judge.forward_inputs`)."""
    base = symbols_of(net, {}) + list(args[len(args) - drawn.shape[1]:])   # what the forward pass reads
    forward = compiled(net, base, list(cut.nodes))
    with np.errstate(all="ignore"), TIMINGS.timer("evaluation"):
        values = _evaluated(forward, np.hstack([points[:, :len(base) - drawn.shape[1]], drawn]))
    full = np.hstack([points, drawn, values])
    over = args + list(cut.symbols)
    fns = [compiled(net, over, truths, instances, 1, cut=cut)]
    if width > 1:
        fns.append(compiled(net, over, formulas, instances, width - 1, first_side=1, cut=cut))
    with np.errstate(all="ignore"), TIMINGS.timer("evaluation"):
        digest = _digest(full)     # (once for the truths and the formulas)
        parts = [_evaluated(fn, full, digest).reshape(full.shape[0], len(instances), -1) for fn in fns]
    return np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0].copy()   # the caller's own array


def _evaluated(fn, points, digest=None):
    """``fn(points)`` as floats, remembered for the very same function and points: the truth sides of a
    derivation's claims are the same on one architecture's points claim after claim (a read-only array).
    ``digest``: :func:`_digest` of ``points``, where the caller evaluates several functions at them."""
    key = (id(fn), points.shape, digest or _digest(points))
    hit = _recalled(_EVALUATED, key)
    if hit is not None and hit[0] is fn:
        return hit[1]
    values = np.asarray(fn(points), dtype=float)
    values.setflags(write=False)
    return _remembered(_EVALUATED, key, (fn, values))[1]   # fn itself kept: its id is not reused while it is here


def _digest(points):
    """What identifies the values of ``points`` (an array of floats)."""
    return hashlib.blake2b(points.tobytes(), digest_size=20).digest()


@functools.lru_cache(maxsize=2)
def _coefficients(with_cost):
    """:func:`~symbp.judge.identity.oracle_symbols`, built once (every evaluation asks for them)."""
    return tuple(oracle_symbols(with_cost=with_cost))


def compiled(net, args, exprs, instances=(), width=1, first_side=0, cut=None):
    """The numeric function of ``exprs`` (closed on ``net``) at ``args``, lambdified once per distinct formula.

    The memo is keyed by the network's spec, ``args`` and the expressions themselves (before closing), so a
    function is reused only for the very same formulas: never from one formula to another.  ``exprs`` are
    ``width`` sides per instance, the first of them side ``first_side`` (0: the truth), as a message names them.
    With ``cut`` (a :class:`~symbp.judge.forward_inputs.ForwardCut`), ``exprs`` are read over the network's
    forward quantities as symbols (``args`` has them last) and their opaque atoms closed by the cut's map.

    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> w = net.params[0]
    >>> compiled(net, [w], [w, 2 * w]) is compiled(net, [w], [w, 2 * w]), compiled(net, [w], [w])([3.0]).tolist()
    (True, [3.0])
    """
    key = (net.spec, net.backend.name, tuple(args), tuple(exprs), cut is not None)
    TIMINGS.count("numeric functions")
    fn = _recalled(_COMPILED, key)
    if fn is not None:
        return fn
    TIMINGS.count("lambdify")
    with TIMINGS.timer("lambdify"):
        if cut is None:
            fn = _lambdify(net, args, exprs, instances, width, first_side)
        else:
            fn = _lambdify(net, args, cut.cut_all(exprs), instances, width, first_side, cut.closing)
    return _remembered(_COMPILED, key, fn)


def _recalled(memo, key):
    """``memo[key]`` (None if absent), marked most recently used."""
    found = memo.get(key)
    if found is not None:
        memo.move_to_end(key)
    return found


def _remembered(memo, key, value):
    """``value``, kept in ``memo`` under ``key``; the least recently used entry goes past ``_COMPILED_MAX``."""
    memo[key] = value
    if len(memo) > _COMPILED_MAX:
        memo.popitem(last=False)
    return value


#: Lambdified functions by (spec, backend, args, expressions), most recently used last; at most _COMPILED_MAX.
_COMPILED = OrderedDict()
_COMPILED_MAX = 512

#: Values of :func:`compiled` functions at points, by (function, points), most recently used last (see _evaluated).
_EVALUATED = OrderedDict()


def _lambdify(net, args, exprs, instances, width, first_side=0, closing=None):
    """``symengine.Lambdify`` of ``exprs`` with the network's opaque functions closed (random or concrete)."""
    closed = [random_closed(e, net) for e in exprs] if closing is None else cut_all(exprs, closing)
    try:
        return symengine.Lambdify(args, closed, cse=True, backend="lambda")
    except RuntimeError:  # an opaque function the network's passes do not know (a lemma's own variable)
        closed = [random_closed(e) for e in closed]
        try:
            return symengine.Lambdify(args, closed, cse=True, backend="lambda")
        except RuntimeError as e:   # e.g. a division by zero left a complex infinity in a side
            k = next((k for k, x in enumerate(closed) if x.has(symengine.zoo, symengine.nan)), None)
            where = (f": side {k % width + 1 + first_side} is {closed[k]}{at(instances[k // width].where)}"
                     if k is not None and instances else "")
            raise IllFormed(f"non-finite value{where} (a division by zero?)" if where else
                            f"cannot be evaluated numerically: {e}") from None


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
    coefficients = oracle_symbols(with_cost=bool(net.generic_cost_atoms()))
    args = [sympy.Symbol(str(a)) for a in symbols_of(net, symbols) + coefficients]
    points = np.hstack([points, (default_draws(points.shape[0]) if draws is None else draws)[:, :len(coefficients)]])
    for p, i, s in borderline:
        subs = {a: sympy.Float(float(v), digits) for a, v in zip(args, points[p])}
        inst = instances[i]
        t, c = (sympy.sympify(random_closed(e, net)).evalf(digits, subs=subs)
                for e in (inst.sides[0], inst.sides[min(s + 1, len(inst.sides) - 1)]))
        scale = max(abs(t), abs(c), sympy.Float(1e-12))
        errors[p, i, s] = float(abs(t - c) / scale)
    return errors, len(borderline)
