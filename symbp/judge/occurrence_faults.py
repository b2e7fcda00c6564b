"""Faults at one occurrence: a holding claim replayed with one read (or two) of its code changed.

Where :mod:`symbp.judge.mutate` perturbs a whole formula, a fault here alters one
read that the claim's own code makes from the view (numbered by
:mod:`symbp.claims.occurrence`, so that it applies to Python and TOML claims
alike): one index swapped in one factor (``w_{ji}`` read as ``w_{ij}``), one
factor one layer off, one entry's neighbour (``w_{22}`` read as ``w_{12}``, for
an entry the page writes with literal indices), ``f`` ↔ ``f'`` at one
application, a transpose added at one matrix read or dropped at one ``ᵀ``.  A
fault is *relative* (the neighbour of whatever the read reads), so the mutant
is a page formula on every architecture.  Pairs are two such faults at two
different reads.

A mutant whose formula is identical to the original's on the sweep (by
measurement) is equivalent and skipped; one that changes the truth side
(``δ^(l)`` of ``return n.delta[l], ...``) is not a fault of the formula and is
skipped too.  A killed mutant is *diagnosed* when the diagnosis carries an edit
set no larger than the injected one under which the mutant, replayed, holds on
every architecture of its sweep: it then restores the claim exactly (the
original holds), whether it is the injected edit's inverse or an equivalent one.

>>> from symbp.claims.derivation import Derivation
>>> from symbp.claims.notation import Notation
>>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"}, sweep=(((2, 3, 2), 1),))
>>> @doc.claim("(1)", kind="delta", layer="output", latex="")
... def out(n, i):
...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
>>> [f.how for f in single_faults(out, doc) if f.family != "layer"]
["f for f'"]
>>> sample = occurrence_mutants(out, doc, per_claim=2, pairs=1)
>>> [family for family, faults, mutant in sample.mutants], sample.truth_side
(['layer', 'layer', 'pair'], 1)
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import random
import time
from dataclasses import dataclass, field

from ..claims.occurrence import ACTIVE, Reader, reading
from ..claims.tensor import LENIENT, is_tensor
from .edits import claim_files
from .evaluate import NetworkCache, instantiate, spec_for

__all__ = ['InjectingReader', 'OccurrenceFault', 'single_faults', 'make_occurrence_mutant', 'occurrence_mutants',
           'FAMILIES', 'sweep_of', 'Sample', 'timed',
           'OccurrenceResult', 'restores', 'READINGS', 'restored_by_reading', 'check_mutant', 'mutate_occurrences', 'summarize_occurrences']


#: The one-occurrence fault families, in the order the table prints them.
FAMILIES = ("index swap", "layer", "neighbour", "f <-> f'", "transpose")

def _entry_fault(idx, change):
    """The indices a read of ``idx`` reads under an entry fault (``("swap",)`` or ``("neighbour", axis, d)``).

    >>> _entry_fault((2, 1), ("swap",)), _entry_fault((2, 2), ("neighbour", 0, -1)), _entry_fault(3, ("neighbour", 0, 1))
    ((1, 2), (1, 2), 4)
    """
    if change[0] == "swap":
        return idx[::-1] if isinstance(idx, tuple) else idx
    _, axis, d = change
    if isinstance(idx, tuple):
        return idx[:axis] + (idx[axis] + d,) + idx[axis + 1:]
    return idx + d


class InjectingReader(Reader):
    """A reader that makes the claim read its injected ``faults`` ({Read.key: fault}) and hands every read, as the
    mutant writes it, to the ``outer`` reader (the diagnosis's), composing the outer reader's change with the fault.

    >>> InjectingReader({"x.py"}, {}, None).symbol_layer("z", 2)
    2
    """

    def __init__(self, files, faults, outer):
        super().__init__(files)
        self.faults, self.outer, self.pending = dict(faults), outer, 0
        if outer is not None:
            self.families = outer.families

    def symbol_layer(self, family, l):
        """The layer read for ``family^(l)``: the fault's shift of this read, then the outer reader's symbol edit."""
        shift, self.pending = self.pending, 0
        return self.outer.symbol_layer(family, l + shift) if self.outer is not None else l + shift

    def note(self, kind, name, frame, value):
        """Number the read, then apply the fault at it and the outer reader's change (see the class)."""
        self.pending = 0
        read, _ = super().note(kind, name, frame, value)
        if read is None:
            return None, None
        fault, outer = self.faults.get(read.key), self.outer

        def passed(v):
            return outer.note(kind, name, frame, v)[1] if outer is not None else None
        if kind == "layer":
            shift = fault[1] if fault and fault[0] == "layer" else 0
            flip = bool(fault and fault[0] == "transpose")
            change = passed(value + shift)
            if change and change[0] == "layer":
                shift, change = shift + change[1], None
            elif change and change[0] == "transpose":
                flip, change = not flip, None
            self.pending = shift
            return read, change if change else (("transpose",) if flip else None)
        if kind == "entry":
            v = _entry_fault(value, fault) if fault else value
            change = passed(v)
            if change and change[0] in ("drop", "zero"):
                return read, change
            if change:
                v = outer.index_of(v, change)
            return read, (("index", v) if v != value else None)
        if kind == "apply":
            flip = bool(fault)
            change = passed(value != flip)
            if change and change[0] == "flip":
                flip = not flip
            return read, ("flip",) if flip else None
        if kind == "transpose" and fault:
            return read, ("untranspose",)       # the mutant writes no ᵀ here: the outer reader sees none
        return read, passed(value)


@dataclass(frozen=True)
class OccurrenceFault:
    """One fault at one read: its ``family``, the read's ``key`` and the ``change``; ``how`` in the page's notation."""
    family: str
    key: tuple
    change: tuple
    how: str = ""
    read: object = None
    call: tuple = ()
    edit: dict = None       # {kind, at, from, to}: the edit that undoes it, as the diagnosis words edits


def sweep_of(claim, doc, sweep=None):
    """The architectures ``(sizes, m)`` of ``claim``'s sweep (its ``archs=`` filter kept), smallest first.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("d", "D", "-", Notation(), {})
    >>> sweep_of(type("C", (), {"archs": None})(), doc, sweep=(((3, 3), 2), ((2, 2), 1)))
    [((2, 2), 1), ((3, 3), 2)]
    """
    archs = [(tuple(s), m) for s, m in (sweep or doc.sweep) if claim.archs is None or claim.archs(tuple(s), m)]
    return sorted(archs, key=lambda a: (sum(a[0]) * a[1], len(a[0])))


def _recorded(claim, doc, cache, sweep, which=0):
    """The recording reader of one replay of ``claim`` on an architecture of its sweep (``which``: 0 the smallest,
    -1 the largest), and the network; (None, None) if it cannot be read."""
    archs = sweep_of(claim, doc, sweep)
    files = claim_files(claim)
    if not archs or not files:
        return None, None
    net = cache.get(spec_for(doc, claim, *archs[which]))
    reader = Reader(files)

    @functools.wraps(claim.fn)
    def fn(n, *args):
        reader.start_call(args)
        if reader.calls == 1:
            reader.args = args
        reader.all_args.append(args)
        return claim.fn(n, *args)
    reader.all_args = []
    try:
        with reading(reader):
            instantiate(dataclasses.replace(claim, fn=fn), net, doc.notation_of(claim), {})
    except Exception:     # noqa: BLE001 - a claim that does not read on its own sweep has no faults here
        return None, None
    return reader, net


def _literal_sites(small, large):
    """The reads' (kind, site) whose count per call is the same on two architectures (not a loop over units)."""
    def per_call(reader):
        counts = {}
        for r in reader.log:
            counts[r.key[:2]] = max(counts.get(r.key[:2], 0), r.ordinal + 1)
        return counts
    a, b = per_call(small), per_call(large) if large is not None else {}
    return {k for k, v in a.items() if b.get(k) == v}


def _is_matrix(reader, read):
    """Whether a layer read reads a matrix (both dimensions above 1) on the recorded architecture."""
    if read.name not in reader.families:
        return False
    canon, view = reader.families[read.name]
    try:
        t = getattr(view, canon)[read.value]
    except Exception:     # noqa: BLE001
        return False
    return is_tensor(t) and min(t.shape) > 1


def _describe(fault, claim, doc, reader):
    """The injected fault in the page's notation, as the diagnosis would name the edit that makes it."""
    from .edits import Edit, describe
    r, ch = fault.read, fault.change
    if ch[0] == "swap" or ch[0] == "neighbour":
        ch = ("index", _entry_fault(r.value, ch))
    elif ch[0] == "flip":
        ch = ("flip",)
    try:
        d, phrase = describe(Edit(fault.key, ch, r, call=fault.call), claim, fault.call, doc.notation_of(claim))
        return phrase, {**d, "from": d["to"], "to": d["from"]}
    except Exception:     # noqa: BLE001 - a description is a courtesy
        return f"{fault.family} at {r.name} (read {r.ordinal + 1} of line {r.site[1]})", None


def single_faults(claim, doc, sweep=None, cache=None):
    """Every one-occurrence fault of ``claim`` (before the equivalence check), in reading order."""
    cache = cache or NetworkCache()
    reader, _ = _recorded(claim, doc, cache, sweep)
    if reader is None:
        return []
    literal = _literal_sites(reader, _recorded(claim, doc, cache, sweep, -1)[0])
    values, firsts = {}, {}
    for r in reader.log:
        values.setdefault(r.key, set()).add(r.value)
        firsts.setdefault(r.key, r)
    first_call = getattr(reader, "args", ())
    out = []
    for key, r in firsts.items():
        call = reader.shown.get(key, (r, first_call))[1]
        if r.kind == "layer" and isinstance(r.value, int):
            changes = [("layer", ("layer", 1)), ("layer", ("layer", -1))]
            if _is_matrix(reader, r):
                changes.append(("transpose", ("transpose",)))
        elif r.kind == "entry":
            changes = []
            idx = r.value
            if isinstance(idx, tuple) and len(idx) == 2 and any(v[0] != v[1] for v in values[key]):
                changes.append(("index swap", ("swap",)))
            if len(values[key]) == 1 and key[:2] in literal:   # literal indices (w_22), not a loop's: neighbours
                axes = range(len(idx)) if isinstance(idx, tuple) else range(1)
                changes += [("neighbour", ("neighbour", axis, d)) for axis in axes for d in (-1, 1)]
        elif r.kind == "apply":
            changes = [("f <-> f'", ("flip",))]
        elif r.kind == "transpose":
            changes = [("transpose", ("untranspose",))]
        else:
            changes = []
        for family, change in changes:
            shown = reader.shown.get(key, (r,))[0]
            shown = dataclasses.replace(shown, nth=reader.occurrence(shown, call))   # which of its symbol's reads
            f = OccurrenceFault(family, key, change, read=shown, call=call)
            how, edit = _describe(f, claim, doc, reader)
            out.append(dataclasses.replace(f, how=how, edit=edit))
    return out


def make_occurrence_mutant(claim, faults):
    """The claim with the one-occurrence ``faults`` injected (its truth side read as written, unless a fault is
    at a read of it: such a mutant is skipped by :func:`occurrence_mutants`)."""
    files = claim_files(claim)
    injected = {f.key: f.change for f in faults}
    orig = claim.fn

    @functools.wraps(orig)
    def fn(n, *args):
        inner = InjectingReader(files, injected, ACTIVE[0])
        inner.start_call(args)
        with reading(inner):
            return orig(n, *args)
    label = f"{claim.label} ⟨{' + '.join(f.how for f in faults)}⟩"
    return dataclasses.replace(claim, fn=fn, label=label, expect="holds")


#: The last claim's recording (:func:`_recorded`), kept while its mutants are made.
_RECORDED = {}


def _truth_moved(claim, mutant, doc, cache, sweep):
    """Whether the mutant's truth side differs from the original's (the fault is at a read of the truth side).

    Both are called with the first call's arguments and with those of the call whose indices differ most, on the
    smallest architecture, leniently (a read out of range is NaN), so that a formula side that no longer fits does
    not hide where the fault is."""
    from ..claims.view import View
    reader, net = _RECORDED.get(id(claim)) or (None, None)
    if reader is None or _RECORDED.get("claim") is not claim:
        reader, net = _recorded(claim, doc, cache, sweep)
        _RECORDED.clear()
        _RECORDED.update({id(claim): (reader, net), "claim": claim})
    if reader is None or not hasattr(reader, "args"):
        return False
    notation = doc.notation_of(claim)
    calls = [reader.args, max(reader.all_args, key=lambda a: len(set(a)))]
    LENIENT[0] = True
    try:
        for args in calls:
            try:
                a = claim.fn(View(net, notation, 0, {}), *args)[0]
            except Exception:     # noqa: BLE001
                continue
            try:
                b = mutant.fn(View(net, notation, 0, {}), *args)[0]
            except Exception:     # noqa: BLE001 - the mutant's truth side is not even read
                return True
            if str(a) != str(b) or (is_tensor(a) and is_tensor(b) and a.entries() != b.entries()):
                return True
        return False
    finally:
        LENIENT[0] = False


@dataclass
class Sample:
    """The mutants of one claim: ``[(family, faults, mutant)]`` and the counts behind them."""
    mutants: list = field(default_factory=list)
    possible: int = 0           # single faults the claim's reads allow
    examined: int = 0           # of them, examined (in the seeded order) until the cap was reached
    equivalent: int = 0         # examined and identical to the original on the sweep: skipped
    truth_side: int = 0         # examined and at a read of the truth side: skipped
    pairs_possible: int = 0
    pairs_examined: int = 0
    pairs_equivalent: int = 0


def occurrence_mutants(claim, doc, sweep=None, cache=None, per_claim=6, pairs=2, seed=0, singles=True):
    """A seeded sample of at most ``per_claim`` single-fault and ``pairs`` two-fault mutants of ``claim``, as a
    :class:`Sample`: equivalent mutants and faults of the truth side are skipped (and counted)."""
    from .mutate import differs
    cache = cache or NetworkCache()
    rng = random.Random(f"{seed}:{doc.name}:{claim.label}")
    faults = single_faults(claim, doc, sweep, cache)
    out, bases = Sample(possible=len(faults)), {}

    def verdict(fs):
        mut = make_occurrence_mutant(claim, fs)
        if _truth_moved(claim, mut, doc, cache, sweep):
            return "truth", mut
        changed, _ = differs(claim, mut, doc, sweep, cache, bases)
        return ("fault" if changed else "equivalent"), mut
    order = list(range(len(faults)))
    rng.shuffle(order)
    formula_faults, truth_faults = [], set()
    for i in order:
        if singles and len([m for m in out.mutants if len(m[1]) == 1]) >= per_claim:
            break
        what, mut = verdict([faults[i]])
        if singles:
            out.examined += 1
        if what == "truth":
            out.truth_side += singles
            truth_faults.add(i)
            continue
        formula_faults.append(faults[i])
        if what == "equivalent":
            out.equivalent += singles
        elif singles:
            out.mutants.append((faults[i].family, (faults[i],), mut))
    if pairs:   # two faults at two different reads of the formula (those seen so far, then the rest)
        rest = [faults[i] for i in order if faults[i] not in formula_faults and i not in truth_faults]
        pool = formula_faults + rest        # a pair with a fault of the truth side is skipped below
        combos = [(a, b) for k, a in enumerate(pool) for b in pool[k + 1:] if a.key != b.key]
        out.pairs_possible = len(combos)
        rng.shuffle(combos)
        kept = 0
        for a, b in combos:
            if kept >= pairs:
                break
            out.pairs_examined += 1
            what, mut = verdict([a, b])
            if what != "fault":
                out.pairs_equivalent += 1
                continue
            kept += 1
            out.mutants.append(("pair", (a, b), mut))
    return out


def timed(fn):
    """``(fn(), wall seconds, cpu seconds of this process and its children)``.

    >>> timed(lambda: 42)[0]
    42
    """
    t0, c0 = time.monotonic(), os.times()
    out = fn()
    c1 = os.times()
    cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) \
        + (c1.children_system - c0.children_system)
    return out, time.monotonic() - t0, cpu


# -- checking the mutants -------------------------------------------------------------------------
@dataclass
class OccurrenceResult:
    """What the checker said about one one-occurrence (or pair) mutant, and whether it named the injected edit."""
    derivation: str
    claim: str
    reading: str
    family: str                 # one of FAMILIES, or "pair"
    injected: list              # the faults, in the page's notation
    status: str
    diagnosis: str | None = None
    detail: str = ""
    found: list | None = None   # the diagnosis's edits ({kind, at, from, to}), None without an edit diagnosis
    restores: bool = False      # the found edits, replayed on the mutant, make it hold on every architecture
    seconds: float = 0.0        # wall time of the verdict and its diagnosis
    cpu: float = 0.0            # CPU seconds of the same, this process and its children
    injected_edits: list = None  # the edits that undo the faults, {kind, at, from, to} as the diagnosis words them
    restored_by: str = ""       # "edits" (the diagnosis's edit set) or "reading" (its whole-formula reading)

    @property
    def killed(self):
        """Whether the checker's verdict on the mutant is not a holding one."""
        from .mutate import HOLDS
        return self.status not in HOLDS

    @property
    def diagnosed(self):
        """Whether the diagnosis names the injected edit or an equivalent one as small (see the module)."""
        return self.killed and self.restores

    def to_dict(self):
        """A JSON-ready dict."""
        d = dataclasses.asdict(self)
        d.update(killed=self.killed, diagnosed=self.diagnosed)
        return d


def restores(mutant, claim, doc, cache, edits, injected, sweep=None):
    """Whether ``edits`` (as the diagnosis found them: at most as many as ``injected``) make the mutant hold on
    every architecture of the claim's sweep when it is replayed under them."""
    from .edits import holds_with
    if not edits or len(edits) > len(injected):
        return False
    for sizes, m in sweep_of(claim, doc, sweep):
        net = cache.get(spec_for(doc, claim, sizes, m))
        symbols = {}
        try:
            sides = len(instantiate(claim, net, doc.notation_of(claim), symbols)[0].sides) - 1
        except Exception:     # noqa: BLE001 - the original does not read here: nothing to restore
            continue
        if not holds_with(mutant, doc.for_claim(mutant), (sizes, m, net, symbols), edits, sides):
            return False
    return True


#: The whole-formula readings of the diagnosis (:func:`symbp.judge.diagnose.diagnose`), by diagnosis kind: each is
#: one change, so a reading of the kind the diagnosis names that restores the mutant is an edit as small.
READINGS = {"derivative": [dict(perturb={"swap_f": True})],
            "layer": [dict(perturb={"shift": (fam, s)}) for fam in ("z", "a", "delta", "W", "b") for s in (-1, 1)],
            "transpose": [dict(perturb={"transpose_W": True}), dict(swap_indices=True)]}


def _read_as(claim, mutant, perturb=None, swap_indices=False):
    """The mutant's formula sides read through a perturbed view (or with its two unit indices exchanged), beside
    the original's truth side (the faults are never at a read of it)."""
    from .mutate import MutantView

    @functools.wraps(claim.fn)
    def fn(n, *args):
        truth = claim.fn(n, *args)[0]
        if swap_indices:
            args = args[:len(args) - 2] + args[len(args) - 2:][::-1]
        view = MutantView(n.net, n.nt, n.k, n._symbols, perturb) if perturb else n
        LENIENT[0] = True
        try:
            return (truth, *mutant.fn(view, *args)[1:])
        finally:
            LENIENT[0] = False
    return dataclasses.replace(claim, fn=fn)


def restored_by_reading(mutant, claim, doc, cache, kind, sweep=None):
    """Whether a whole-formula reading of the diagnosis ``kind`` (see :data:`READINGS`), replayed on the mutant,
    makes its formula identical to the original's on the claim's sweep (by measurement)."""
    from .mutate import differs
    for how in READINGS.get(kind, ()):
        if how.get("swap_indices") and len(claim.indices) < 2:
            continue
        changed, evaluable = differs(claim, _read_as(claim, mutant, **how), doc, sweep, cache)
        if not changed and evaluable:
            return True
    return False


def check_mutant(doc, claim, family, faults, mutant, cache, sweep=None, **opts):
    """The checker's verdict on one mutant as an :class:`OccurrenceResult` (``opts`` as :func:`verify_claim`'s)."""
    from .diagnose import edits_of
    from .verify import verify_claim
    try:
        o, wall, cpu = timed(lambda: verify_claim(mutant, doc.for_claim(mutant), cache=cache, sweep=sweep, **opts))
        status, diag = o.status, o.diagnosis or {}
        detail = diag.get("detail", "") or o.message
    except Exception as e:  # noqa: BLE001 - the mutant raised: the checker reports an error verdict
        status, diag, detail, wall, cpu = "error", {}, f"{type(e).__name__}: {e}", 0.0, 0.0
    found = edits_of(diag) if diag.get("edits") else None
    if status == "error":
        ok = False
    elif found is not None:
        ok = restores(mutant, claim, doc, cache, found, faults, sweep)
    else:
        ok = restored_by_reading(mutant, claim, doc, cache, diag.get("kind"), sweep)   # one change: as small
    return OccurrenceResult(doc.name, claim.label, claim.reading, family, [f.how for f in faults], status,
                            diag.get("kind"), detail, diag.get("edits"), ok, wall, cpu, [f.edit for f in faults],
                            ("edits" if found is not None else "reading") if ok else "")


def mutate_occurrences(doc, claims, *, sweep=None, cache=None, per_claim=6, pairs=2, seed=0, singles=True,
                       progress=None, **opts):
    """``(results, counts)``: the one-occurrence and pair mutants of the holding ``claims``, checked; ``counts``
    sums the :class:`Sample` figures (possible, examined, equivalent, truth side; the same for pairs)."""
    cache = cache or NetworkCache()
    results, counts = [], {}
    for i, claim in enumerate(claims):
        if progress:
            progress(f"{doc.name}: one-occurrence mutants", i, len(claims), claim.label)
        sample = occurrence_mutants(claim, doc, sweep, cache, per_claim, pairs, seed, singles)
        for f in dataclasses.fields(sample):   # the counts only (asdict would deep-copy the mutants' claims)
            if f.name != "mutants":
                counts[f.name] = counts.get(f.name, 0) + getattr(sample, f.name)
        for family, faults, mutant in sample.mutants:
            results.append(check_mutant(doc, claim, family, faults, mutant, cache, sweep, **opts))
    return results, counts


def summarize_occurrences(results):
    """Per family (then ``"single"`` for all singles, ``"pair"``): mutants, killed, diagnosed, median seconds.

    >>> summarize_occurrences([])
    {}
    """
    import statistics
    rows = {}
    for r in results:
        for key in ((r.family, "single") if r.family != "pair" else ("pair",)):
            rows.setdefault(key, []).append(r)
    order = [f for f in FAMILIES if f in rows] + [k for k in ("single", "pair") if k in rows]
    return {k: {"mutants": len(rows[k]), "killed": sum(r.killed for r in rows[k]),
                "diagnosed": sum(r.diagnosed for r in rows[k]),
                "by_reading": sum(r.diagnosed and r.restored_by == "reading" for r in rows[k]),
                "median_seconds": statistics.median(r.seconds for r in rows[k]),
                "median_cpu": statistics.median(r.cpu for r in rows[k])} for k in order}
