"""The smallest edit that makes a failing formula true: one read (or two) of the claim's code changed.

The claim is replayed on one architecture with a recording reader (see
:mod:`symbp.claims.occurrence`); every single edit of one read (a layer ±1,
an index to its neighbour, two indices exchanged (in this call, or in every call), a stray index dropped,
``f``↔``f'``, a ↔ z, a transpose added or dropped, ``⊙`` ↔ matrix product, a
term read as 0), of every read of one symbol in a sum's summand, and of one
symbol everywhere (``z^(0)`` read as ``z^(1)``) is evaluated numerically at
fixed points; when none fits, a sign or constant factor (−1, 2, 1/2, m, 1/m,
K, 1/K) with one single edit (seen in that single's own values), then pairs
of the singles that come closest or that make more of an unreadable formula
readable (fewer reads out of range), first with each other.  A
winner is kept only if the edited claim is then *exactly* true (the CAS
expands truth − formula to 0 on that architecture), so an edit is never made
up.  It is described in the page's notation, placed in the page's formula (the
sum it is read in, the cell of a written matrix, which repeat of its symbol:
:func:`place`), and where it maps to one token of the claim's LaTeX the
corrected formula is printed.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import re
import time

import numpy as np

from ..claims.occurrence import Reader, reading, symbol_of
from ..claims.tensor import LENIENT, LENIENT_MISSES
from .budget import call_with_budget
from .evaluate import MAX_CLAIM_EXPANSION, MAX_INLINE_EXPANSION, RTOL, expansion_size, instantiate, relative_errors
from .numeric_replay import replay_values
from .points import NeedsSymbols
from .screening import NUMERIC, REUSE, reader_key, replay_state, restore_state, rewind, screen_for, snapshot

__all__ = ['find_edits', 'holds_with', 'describe', 'place', 'correct_latex', 'claim_files', 'predicted_pairs',
           'EDIT_BUDGET']


#: Edited readings the search evaluates at most for one claim (singles first, then pairs): bounded by work,
#: so that what it finds does not depend on the machine's speed.
MAX_TRIES = 200

#: More edited readings it may evaluate once one single edit makes a formula unreadable as written read whole
#: (yet not hold): one of two faults is then found, and the pairs with it are worth the work.
READABLE_TRIES = 200

#: Seconds after which the search stops and finds nothing (a safety net far above what MAX_TRIES takes).
EDIT_BUDGET = 60.0

#: How many edited readings the last search evaluated (for benchmarks).
LAST_TRIES = [0]

#: Seconds for the exact confirmation of a winner (expanding truth − edited formula), a safety net only: what is
#: attempted is bounded by work (MAX_CLAIM_EXPANSION terms), so the diagnosis is the same on every machine.
CONFIRM_BUDGET = 60.0

#: Fixed points at which an edited reading is evaluated (then the winner is confirmed exactly).
POINTS = 4

#: At most this many singles closest to the truth are paired.
PAIR_POOL = 10

#: Of them, the first this many are paired with each other before any is paired with every other edit.
PAIR_POOL_PAIRS = 8

#: At most this many pairs that the singles' own values predict to fit (:func:`predicted_pairs`) are tried first.
PREDICTED_PAIRS = 12

#: An edited reading may fail in any way (a tensor where a scalar belongs, ...): each means "does not fit".
_READ_ERRORS = (Exception,)


@dataclasses.dataclass(frozen=True)
class Edit:
    """One change: ``key`` (a read's key, ("symbol", name, layer), or ("symbol_rel", name, offset): the symbol at
    that offset from the call's layer, the claim's l or the output layer L), ``change`` and the read it alters."""
    key: tuple
    change: tuple
    read: object
    call: tuple = None      # the arguments of the call whose read names it (None: the first call's)
    sites: int = 1          # how many places of the claim's code read the same symbol (1: the LaTeX token is it)
    bound: tuple = None     # the axes of an entry read whose index runs with the sum it is read in (None: unknown)


#: The formula interpreter and reader (their files, not imported: judge sits below formula). A TOML claim's
#: function is the reader's; its reads are the interpreter's, one per node of the formula's tree.
_FORMULA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "formula")
_INTERPRETER, _TOML_READER = os.path.join(_FORMULA, "interpret.py"), os.path.join(_FORMULA, "reader.py")


def claim_files(claim):
    """The files whose reads are the claim's own: its function's (the interpreter's for a TOML claim).

    >>> claim_files(type("C", (), {"fn": len})())
    set()
    """
    fn = inspect.unwrap(claim.fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    return {_INTERPRETER} if os.path.abspath(code.co_filename) == _TOML_READER else {code.co_filename}


class _AnchoredReader(Reader):
    """A :class:`Reader` whose symbol edits may also be relative (``relative``: {(family, offset): shift}): the
    symbol at ``offset`` from the call's layer (``anchor``: the claim's l, else the output layer L) read
    ``shift`` layers off, on every architecture alike (``a^(l-1)`` everywhere, not ``a^(2)``).

    >>> r = _AnchoredReader({"x.py"}, relative={("a", -1): 1})
    >>> r.anchors[1] = r.anchor = 3
    >>> r.symbol_layer("a", 2), r.symbol_layer("a", 3), r.symbol_layer("z", 2)
    (3, 3, 2)
    """

    def __init__(self, files, edits=None, symbols=None, relative=None, names=True):
        super().__init__(files, edits, symbols, names=names)
        self.relative, self.anchor, self.anchors = dict(relative or {}), None, {}

    def symbol_layer(self, family, l):
        """The layer read for ``family^(l)``: an absolute symbol edit, else a relative one."""
        out = super().symbol_layer(family, l)
        if out == l and self.anchor is not None and isinstance(l, int):
            out = l + self.relative.get((family, l - self.anchor), 0)
        return out


class _RecordingReader(_AnchoredReader):
    """The reader of the formula as written, which also notes the reads that read out of range (``missed``: their
    keys; a layer or index that does not exist, read leniently as NaN): where an unreadable formula's edit belongs.

    >>> r = _RecordingReader({"x.py"})
    >>> r.last = ("layer", ("x.py", 3), 0)
    >>> LENIENT_MISSES[0] = 1
    >>> r.misses = 1; r.missed
    {('layer', ('x.py', 3), 0)}
    >>> LENIENT_MISSES[0] = 0
    """

    def __init__(self, files, edits=None, symbols=None, relative=None, names=True):
        super().__init__(files, edits, symbols, relative, names=names)
        self.missed, self.last, self.seen = set(), None, 0

    @property
    def misses(self):
        """The reads out of range of the last replay (set once it is over: the last read's misses are then its)."""
        return self.__dict__.get("misses")

    @misses.setter
    def misses(self, value):
        self.settle()
        self.__dict__["misses"] = value

    def settle(self):
        """The misses since the last read are that read's (a read is noted before it is made)."""
        if LENIENT_MISSES[0] > self.seen and self.last is not None:
            self.missed.add(self.last)
        self.seen = LENIENT_MISSES[0]

    def start_call(self, args=()):
        self.settle()
        self.last = None
        super().start_call(args)

    def note(self, kind, name, frame, value):
        self.settle()
        read, change = super().note(kind, name, frame, value)
        if read is not None:
            self.last = read.key
        return read, change


def _missed_first(candidates, record):
    """``candidates`` with the edits of the reads that read out of range as written first (else in order)."""
    missed = record.missed
    if not missed:
        return candidates
    tokens = {(r.name, r.value) for r in record.log if r.key in missed}

    def at_miss(e):
        if e.read is None:
            return False
        if e.key[0] in _SYMBOLS:
            return (e.read.name, e.read.value) in tokens
        return e.read.key in missed
    return sorted(candidates, key=lambda e: not at_miss(e))


def _anchor(claim, n, args):
    """The layer a call's relative symbol edits count from: the claim's layer argument, else the output layer."""
    if claim.takes_layer and args and isinstance(args[0], int) and not isinstance(args[0], bool):
        return args[0]
    return getattr(n, "L", None)


def _replayed(claim, reader):
    """The claim whose every call restarts the reader's ordinals (and notes the call's arguments)."""
    @functools.wraps(claim.fn)
    def fn(n, *args):
        reader.start_call(args)
        if isinstance(reader, _AnchoredReader):
            reader.anchor = reader.anchors[reader.calls] = _anchor(claim, n, args)
        if reader.calls == 1:
            reader.args = args
        out = claim.fn(n, *args)
        scale = getattr(reader, "scale", None)
        if scale is None or not isinstance(out, tuple) or len(out) <= scale[1]:
            return out
        import symengine
        c, k = scale
        c = symengine.Rational(1, 2) if c == "1/2" else _scale_value(c, n)
        c = symengine.Rational(1, int(round(1 / c))) if isinstance(c, float) else c
        return out[:k] + (out[k] * c,) + out[k + 1:]
    fn.__signature__ = _signature(claim.fn)     # the claim's parameters, read once (not once per replay)
    return dataclasses.replace(claim, fn=fn)


@functools.lru_cache(maxsize=256)
def _signature(fn):
    return inspect.signature(fn)


@functools.lru_cache(maxsize=1)
def _draws():
    from .identity import default_draws
    return default_draws(POINTS)


def _values(claim, derivation, run, reader, side=None):
    """Numeric values (points × instances × sides) of the claim replayed through ``reader``, or None;
    with ``side``, of its sides 0..``side`` only.  Replayed at the points where it can be
    (:func:`_at_points`: no symbolic form built), else symbolically (its instances are then returned too)."""
    screen = screen_for(claim, run, side, POINTS, 2718)   # what the readings of this claim on this run share
    key = reader_key(reader)
    if key is not None and key in screen.readers:     # this very reading again: its replay and values
        state, vals, instances = screen.readers[key]
        restore_state(reader, state)
        screen.hits += 1
        return vals, instances
    LENIENT[0], LENIENT_MISSES[0] = True, 0
    try:
        try:
            vals, instances = _at_points(claim, derivation, run, reader, screen, side), None
        except NeedsSymbols:
            vals, instances = _symbolically(claim, derivation, run, reader, screen, side)
    except _READ_ERRORS:
        vals = instances = None
    finally:
        LENIENT[0] = False
    if key is not None:
        screen.readers[key] = (replay_state(reader), vals, instances)
    return vals, instances


def _symbolically(claim, derivation, run, reader, screen, side):
    """The values and instances of the claim replayed symbolically through ``reader`` (lambdified at the points)."""
    net, symbols = run[2], dict(run[3])
    with reading(reader):
        instances = instantiate(_replayed(claim, reader), net, derivation.notation, symbols)
    reader.misses = LENIENT_MISSES[0]     # reads out of range, read as NaN
    if side is not None:
        instances = [dataclasses.replace(i, sides=list(i.sides[:side + 1])) for i in instances]
    vals = screen.evaluate(symbols, instances, _draws())
    if not reader.edits and not reader.symbols and not getattr(reader, "relative", None) \
            and getattr(reader, "scale", None) is None:   # the reading as written
        screen.remember_base(symbols, instances, vals)
    return vals, instances


def _at_points(claim, derivation, run, reader, screen, side):
    """The values of the claim replayed through ``reader`` at the screen's points, without its symbolic form
    (:func:`~symbp.judge.numeric_replay.replay_values`); :class:`NeedsSymbols` (the reader as it was) where
    only the symbolic replay gives them for sure, :class:`IllFormed` where the page's formula cannot be read."""
    if not (REUSE[0] and NUMERIC[0]) or _INTERPRETER in reader.files or not screen.try_at_points():
        raise NeedsSymbols("replayed symbolically")     # (a TOML formula's values are symengine's)
    net, symbols = run[2], dict(run[3])
    if "alpha" not in symbols:      # every view reads the learning rate: the symbolic replay adds it so
        symbols["alpha"] = net.backend.B.Symbol("alpha")
    start = snapshot(reader)
    try:
        with reading(reader):
            vals = replay_values(_replayed(claim, reader), net, derivation.notation, symbols,
                                 screen.sample(symbols), _draws(), side)
    except NeedsSymbols:
        rewind(reader, start)
        LENIENT_MISSES[0] = 0
        screen.not_at_points += 1
        raise
    except _READ_ERRORS:
        screen.at_points += 1
        raise
    screen.at_points += 1
    reader.misses = LENIENT_MISSES[0]     # reads out of range, read as NaN
    return vals


def _kept(claim, base):
    """What an edit must leave unchanged: the true side (None for a lemma, whose every side is the page's)."""
    return None if claim.kind == "lemma" else base


def _score(vals, side, base):
    """How far sides 1..``side`` are from the truth (0: they hold); inf where unreadable or the truth moved."""
    if not _comparable(vals, side, base):
        return np.inf
    return _closeness(max(_side_error(vals, s) for s in range(1, side + 1)))


def _comparable(vals, side, base):
    """Whether ``vals`` can be scored: :func:`_truth_kept` and :func:`_readable`."""
    return _truth_kept(vals, side, base) and _readable(vals, side, base)


def _truth_kept(vals, side, base):
    """Whether ``vals`` has sides 0..``side`` and the true side where ``base`` has it (the edit did not move it)."""
    return vals is not None and vals.shape[2] > side and not _truth_moved(vals, base)


def _readable(vals, side, base):
    """Whether sides 0..``side`` of ``vals`` are finite and, for a lemma (no ``base``), not every one 0 (0 = 0 holds
    and says nothing)."""
    sub = vals[:, :, :side + 1]
    return bool(np.all(np.isfinite(sub))) and (base is not None or bool(np.any(sub)))


def _truth_moved(vals, base):
    """Whether the true side of ``vals`` is not that of ``base`` (another shape, or other values where ``base`` has
    finite ones: ``np.allclose`` with rtol 1e-9, atol 1e-12, in its own arithmetic); False without ``base``."""
    if base is None:
        return False
    if vals.shape[:2] != base.shape[:2]:
        return True
    b0, v0 = base[:, :, 0], vals[:, :, 0]
    ok = np.isfinite(b0)
    b, v = b0[ok], v0[ok]
    with np.errstate(invalid="ignore"):     # (as np.isclose: a NaN in the values is not close, and says nothing)
        return not bool(np.all(np.abs(v - b) <= 1e-12 + 1e-9 * np.abs(b)))


def _side_error(vals, s):
    """The largest relative error of side ``s`` against the truth (side 0)."""
    return float(np.max(relative_errors(vals[:, :, [0, s]])))


def _closeness(err):
    """A score from the largest relative error: 0 within RTOL, else its order of magnitude (+20)."""
    return 0.0 if err <= RTOL else float(np.log10(err) + 20)


#: A layered quantity read as another (the view's names, with a layer shift): a ↔ z, and ∂C/∂a ↔ ∂C/∂b
#: (a page's ∇_h for ∇_b, a likely scanning slip).
_FAMILIES = {"a": (("z", 0),), "z": (("a", 0),), "A": (("Z", 0),), "Z": (("A", 0),),
             "dC_da": (("dC_db", 0),), "dC_db": (("dC_da", 0),)}


def _unread(vals, side, base):
    """How many values of sides 1..``side`` cannot be read (NaN: a layer or index out of range, read leniently);
    None where nothing is comparable (unreadable as a whole, another shape, or the truth side moved)."""
    if not _truth_kept(vals, side, base):
        return None
    return int(np.sum(~np.isfinite(vals[:, :, 1:side + 1])))


def _candidates(log, args=(), first_index=0, families=None, anchors=None):
    """Every single edit of the recorded reads (first value of each read, in reading order); ``args`` are the
    first call's layer and indices (an index may be read as another index in scope: those from ``first_index``);
    ``anchors`` ({call: layer}) the layer each call's relative symbol edits count from."""
    seen, out, symbols = set(), [], {}
    families = families or {}
    scope = list(range(first_index, len(args)))
    for r in log:
        if r.key in seen:
            continue
        seen.add(r.key)
        if r.kind == "symbol":
            symbols.setdefault((r.name, r.value), r)
        elif r.kind == "layer":
            symbols.setdefault((r.name, r.value), r)
            out += [Edit(r.key, ("layer", d), r) for d in (-1, 1)]
            canon = families.get(r.name, (None,))[0]
            out += [Edit(r.key, ("family", other, shift), r) for other, shift in _FAMILIES.get(canon, ())]
            out += [Edit(r.key, ("zero",), r), Edit(r.key, ("transpose",), r)]
        elif r.kind == "entry":
            idx = r.value
            written = idx if isinstance(idx, tuple) else (idx,)
            for axis, i in enumerate(written):   # an index replaced by another index in scope
                out += [Edit(r.key, ("arg", axis, k), r) for k in scope if isinstance(i, int)]
            if isinstance(idx, tuple) and len(idx) == 2:
                for axis in (0, 1):
                    for d in (-1, 1):
                        new = list(idx)
                        new[axis] = new[axis] + d
                        out.append(Edit(r.key, ("index", tuple(new)), r))
                if idx[0] != idx[1]:
                    out.append(Edit(r.key, ("index", idx[::-1]), r))
                # its two indices exchanged in every call (w_{jk} read as w_{kj}): equal in this call, not in others
                out.append(Edit(r.key, ("exchange",), r))
            elif isinstance(idx, int):
                out += [Edit(r.key, ("index", idx + d), r) for d in (-1, 1)]
                out.append(Edit(r.key, ("drop",), r))
            out.append(Edit(r.key, ("zero",), r))
        elif r.kind == "apply":
            out.append(Edit(r.key, ("flip",), r))
        elif r.kind == "transpose":
            out.append(Edit(r.key, ("untranspose",), r))
        elif r.kind == "product":
            out.append(Edit(r.key, ("swap",), r))
    for (name, l), r in symbols.items():
        out += [Edit(("symbol", name, l), ("symbol", l + d), r) for d in (-1, 1)]
    relative = {}       # the same symbol at the same offset from its call's layer: one edit on every architecture
    for (name, l), r in symbols.items():
        anchor = (anchors or {}).get(r.call)
        if isinstance(l, int) and isinstance(anchor, int):
            relative.setdefault((name, l - anchor), r)
    for (name, offset), r in relative.items():
        out += [Edit(("symbol_rel", name, offset), ("symbol_rel", d), r) for d in (-1, 1)]
    # every read at one site (a loop's body, a sum's summand): changes that do not depend on the read's value
    counts, first = {}, {}      # reads of one symbol at one place in one call
    for r in log:
        place = r.key[:2] + (symbol_of(r.name),)
        counts[place + (r.call,)] = counts.get(place + (r.call,), 0) + 1
        counts[place] = max(counts.get(place, 0), counts[place + (r.call,)])
        first.setdefault(place, r.key)
    firsts = {}
    for e in out:
        place = e.key[:2] + (symbol_of(e.read.name),) if e.key[0] not in _SYMBOLS else None
        if place is not None and counts.get(place, 0) > 1 and e.change[0] in _RELATIVE and \
                (first[place] == e.key or e.change[0] == "family"):
            firsts.setdefault((place, e.change), e)
    out += [dataclasses.replace(e, key=("site",) + e.key[:2] + (symbol_of(e.read.name),)) for e in firsts.values()]
    return out


#: The keys of an edit of every read of one symbol (absolute, or relative to the call's layer).
_SYMBOLS = ("symbol", "symbol_rel")

#: Changes that mean the same at every read of a site.
_RELATIVE = ("layer", "arg", "drop", "flip", "transpose", "untranspose", "family", "swap", "exchange")

#: A sign or constant factor of the whole formula (its failing side), as one edit of a pair: the page's usual
#: slips (a sign, 2, 1/2, m, 1/m, K, 1/K; m the batch, K the outputs). Alone they are the whole-formula
#: diagnoses (sign, factor), tried before any edit.
SCALES = ("-1", "2", "1/2", "m", "1/m", "K", "1/K")


def _scales():
    return [Edit(("result",), ("scale", c), None) for c in SCALES]


def _fitting_scales(vals, side, base, run):
    """The sign/factor edits under which the values ``vals`` of a singly edited formula hold (side ``side``)."""
    sizes, m = run[0], run[1]
    if not _truth_kept(vals, side, base):    # (the same for every factor: only the scaled side changes)
        return []
    others = [_side_error(vals, s) for s in range(1, side)]     # the sides before the scaled one: unchanged
    out = []
    for e in _scales():
        c = {"-1": -1, "2": 2, "1/2": 0.5, "m": m, "1/m": 1 / m, "K": sizes[-1], "1/K": 1 / sizes[-1]}[e.change[1]]
        if c == 1:   # m = 1 or K = 1: no factor at all
            continue
        v = vals.copy()
        v[:, :, side] = v[:, :, side] * c
        if _readable(v, side, base) and _closeness(max(others + [_side_error(v, side)])) == 0.0:
            out.append(e)
    return out


def predicted_pairs(values, formula, truth, limit=PREDICTED_PAIRS):
    """Pairs ``(i, j)`` of single edits whose values (``values[i]``: the formula's sides under edit i alone)
    predict that both together make every side ``truth``: on each side, the two faults in two terms of a sum
    (v_i + v_j − v = truth), in two factors of a product (v_i · v_j / v = truth), or in two steps of a chain
    (one of them alone makes that side hold); ``formula`` is v, the values as written (NaN where unreadable).
    Only a screen: a predicted pair is then evaluated and confirmed exactly like any other.

    >>> v, t = np.array([6.0, 8.0]), np.array([1.0, 2.0])    # v = (x+2)(y+3) for truth x·y at (1, 2) and (2, 1)
    >>> singles = [np.array([3.0, 4.0]), np.array([2.0, 4.0]), np.array([5.0, 5.0])]   # x(y+3), (x+2)y, other
    >>> predicted_pairs(singles, v, t)
    [(0, 1)]
    """
    with np.errstate(all="ignore"):
        return _predicted_pairs(values, formula, truth, limit)


def _predicted_pairs(values, formula, truth, limit):
    firsts, seen = [], set()    # singles with the same values are one candidate here (the first of them)
    for i, v in enumerate(values):
        if not np.any(np.isfinite(v)):
            continue
        sig = np.round(v, 9).tobytes()
        if sig not in seen:
            seen.add(sig)
            firsts.append(i)
    if len(firsts) < 2:
        return []
    stack = np.stack([values[i] for i in firsts])
    formula, truth = np.broadcast_arrays(formula, truth)
    sides = formula.ndim - 1 if formula.ndim >= 3 else None     # a last axis of sides: each side on its own

    def close(x):
        return np.isclose(x, truth, rtol=1e-7, atol=1e-10)

    def each_side(ok):   # ok: (pairs, ...) -> does it hold on every value of a side, per side
        if sides is None:
            return np.all(ok.reshape(ok.shape[0], -1), axis=1)[:, None]
        return np.all(ok.reshape(ok.shape[0], -1, ok.shape[-1]), axis=1)
    alone = each_side(close(stack))     # (singles, sides): that single alone makes that side hold
    out = []
    for a in range(len(firsts) - 1):
        rest = stack[a + 1:]
        fits = each_side(close(stack[a] + rest - formula)) | each_side(close(stack[a] * rest / formula)) \
            | alone[a] | alone[a + 1:]
        hits = np.nonzero(np.all(fits, axis=1))[0]
        out += [(firsts[a], firsts[a + 1 + b]) for b in hits]
        if len(out) >= limit:
            break
    return out[:limit]


def _scale_value(label, n):
    """The factor ``label`` on the view ``n``'s network (m its batch, K its outputs)."""
    m, K = n.m, n.size(n.L)
    return {"-1": -1, "2": 2, "1/2": 0.5, "m": m, "1/m": 1 / m, "K": K, "1/K": 1 / K}[label]


def _reader(files, edits, side=None, names=None):
    """The reader that makes ``edits`` (sides 1..``side`` scaled by a result edit); ``names``: whether it keeps the
    reads that name an edit (default: one edit or none; a pair's reads name no edit)."""
    reads = {e.key: e.change for e in edits if e.key[0] not in _SYMBOLS + ("result",)}   # a read's, or a site's
    symbols = {(e.key[1], e.key[2]): e.change[1] for e in edits if e.key[0] == "symbol"}
    relative = {(e.key[1], e.key[2]): e.change[1] for e in edits if e.key[0] == "symbol_rel"}
    reader = _RecordingReader(files, reads, symbols, relative, names=len(edits) < 2 if names is None else names)
    scale = [e.change[1] for e in edits if e.key[0] == "result"]
    reader.scale = (scale[0], side) if scale and side is not None else None
    return reader


def _edited_differences(claim, derivation, run, edits, side, files):
    """The differences truth − side 1..``side`` of the claim read under ``edits`` on ``run`` (None: unreadable)."""
    net, symbols = run[2], dict(run[3])
    reader = _reader(files, edits, side)
    try:
        with reading(reader):
            instances = instantiate(_replayed(claim, reader), net, derivation.notation, symbols,
                                    truth_check=claim.kind != "lemma")
        return [inst.sides[0] - inst.sides[s] for inst in instances
                for s in range(1, min(side, len(inst.sides) - 1) + 1)]
    except _READ_ERRORS:
        return None


def _all_zero(differences, expand):
    """Whether every difference expands to 0 (or is a sum of quotients whose numerator does)."""
    return all(expand(d) == 0 or _zero_fraction(d, expand) for d in differences)


def _zero_fraction(d, expand):
    """Whether ``d``, a sum of quotients (a partial written as ∂C/∂w ÷ ∂C/∂a), is exactly 0: its numerator over
    one common denominator expands to 0 (bounded by work as the expansion is).

    >>> import symengine as se
    >>> x, y = se.symbols("x y")
    >>> d = x / (x + y) - x ** 2 / (x ** 2 + x * y)
    >>> se.expand(d) == 0, _zero_fraction(d, se.expand), _zero_fraction(d + 1 / y, se.expand)
    (False, True, False)
    """
    split = getattr(d, "as_numer_denom", None)
    if split is None:
        return False
    numerator, _ = split()
    return expansion_size(numerator) <= MAX_CLAIM_EXPANSION and expand(numerator) == 0


def _confirmed(claim, derivation, run, edits, side, files):
    """Whether the edited claim's sides 1..``side`` expand to the truth exactly on ``run``'s architecture.

    The edited claim is read in this process (as its replays are); its differences are expanded
    here when that makes at most :data:`~symbp.judge.evaluate.MAX_INLINE_EXPANSION` terms in all (milliseconds),
    else in a child.  The expansion is bounded by work (:data:`MAX_CLAIM_EXPANSION`), the child's time limit is
    only a safety net (False past it)."""
    differences = _edited_differences(claim, derivation, run, edits, side, files)
    if differences is None:
        return False
    try:
        size = sum(expansion_size(d) for d in differences)
    except _READ_ERRORS:
        return False
    if size > MAX_CLAIM_EXPANSION:
        return False
    expand = run[2].backend.expand
    if size <= MAX_INLINE_EXPANSION:
        try:
            return _all_zero(differences, expand)
        except _READ_ERRORS:
            return False
    done, true = call_with_budget(lambda: _all_zero(differences, expand), CONFIRM_BUDGET)
    return bool(done and true)


def _edited_symbol(edit):
    """The page's symbol whose read ``edit`` changes (its name without the layer), or None."""
    if edit.key[0] in ("symbol", "symbol_rel"):
        return edit.key[1]
    return symbol_of(edit.read.name) if edit.read is not None else None


def _of_symbols(candidates, only):
    """The ``candidates`` that edit a read of one of the symbols ``only`` (all of them for None)."""
    return candidates if only is None else [e for e in candidates if _edited_symbol(e) in only]


def find_edits(claim, derivation, runs, side, budget=EDIT_BUDGET, general=None, only=None):
    """The smallest set of edits (1 or 2) under which the claim holds exactly on the smallest of ``runs``, with
    that run and the call arguments of its first instance; ``(None, None)`` when none is found (or the work
    bound is reached).

    ``runs`` are ``(sizes, m, net, symbols, ...)``.  With ``general(edits)`` (whether the edits also fit
    elsewhere), a set of the same size for which it is true is preferred to the first one found.  With
    ``only`` (a set of the page's symbol names), only edits of reads of those symbols are tried.
    """
    files = claim_files(claim)
    if not files or not runs:
        return None, None
    run = min(runs, key=lambda r: (sum(r[0]) * r[1], len(r[0])))
    fallback = [None]

    def winner(edits, *readers):
        """The edits to report now, or None to keep looking for ones that fit elsewhere too."""
        shown = _shown(edits, *readers)
        if general is None or general(edits):
            return shown
        fallback[0] = fallback[0] or shown
        # the same change at every read of its site (a sum's summand: on a larger batch it is read again)
        wide = [dataclasses.replace(e, key=("site",) + e.key[:2] + (symbol_of(e.read.name),))
                if e.key[0] not in _SYMBOLS + ("site", "result")
                and e.change[0] in _RELATIVE else e for e in edits]
        if wide != list(edits) and _confirmed(claim, derivation, run, wide, side, files) and general(wide):
            return _shown(wide, *readers)
        return None
    start, tries, limit = time.monotonic(), [0], [MAX_TRIES]

    def over():
        tries[0] += 1
        LAST_TRIES[0] = tries[0]
        return tries[0] > limit[0] or time.monotonic() - start > budget
    record = _RecordingReader(files)
    base, _ = _values(claim, derivation, run, record, side)
    if not record.log:
        return None, None
    kept = _kept(claim, base)
    args = getattr(record, "args", ())
    singles = []
    first_index = 1 if claim.takes_layer else 0
    candidates = _missed_first(_of_symbols(_candidates(record.log, args, first_index, record.families,
                                                       record.anchors), only), record)
    scaled = []     # (a sign or factor, a single edit) that fit: seen in the single's own values, no more tries
    readable = []   # (unreadable values, a single edit) that make more of an unreadable formula readable
    nearer = {}     # every single edit that makes more of it readable (closer or not): how much stays unread
    unread = _unread(base, side, kept)     # (a read out of range may leave no NaN: a derivative by it is 0)
    as_read = (record.misses, unread) if unread is not None and (unread or record.misses) else None
    if base is None:    # cannot be evaluated at all (a shape mismatch): an edit under which it evaluates is closer
        as_read = (np.inf, np.inf)
    left = []       # single edits of a lemma's left side that fit
    single_values = []  # (a single edit that reads, its values of the failing side): predicts pairs that fit
    alike, same = {}, {}    # the singles with the same values on this run (fingerprint -> edits; edit -> its group)
    for e in candidates:
        if over():
            return (fallback[0], (run, args)) if fallback[0] else (None, None)
        single = _reader(files, [e], side, names=False)    # named by ``record``: its own reads name nothing
        vals, _ = _values(claim, derivation, run, single, side)
        s = _score(vals, side, base)    # the claimed side kept: an edit of the formula's side first
        if s == 0.0 and _confirmed(claim, derivation, run, [e], side, files):
            found = winner([e], record)
            if found:
                return found, (run, args)
        if not np.isfinite(s) and kept is None:   # a lemma: its left side is the page's too (tried after)
            s = _score(vals, side, kept)
            if s == 0.0:
                left.append(e)
        fingerprint = (vals.shape, np.round(vals[:, :, :side + 1], 9).tobytes()) \
            if vals is not None and np.all(np.isfinite(vals[:, :, :side + 1])) else None   # NaN: says too little
        if fingerprint in alike:    # the same values as an earlier single here: one of them is paired (see try_pair)
            alike[fingerprint].append(e)
            continue
        if fingerprint is not None:
            alike[fingerprint] = [e]
            same[e] = alike[fingerprint]
        if vals is not None and base is not None and _unread(vals, side, base) is not None:
            single_values.append((e, vals[:, :, 1:side + 1].copy()))    # its sides, the first side unmoved
        if np.isfinite(s):
            singles.append((s, e))
            scaled += [(c, e) for c in _fitting_scales(vals, side, kept, run)]
        if as_read is not None and _unread(vals, side, kept) is not None:
            closer = (getattr(single, "misses", 0), _unread(vals, side, kept))
            if closer < as_read:    # reads more of the formula (fewer reads out of range): one of two faults fixed
                nearer[e] = closer
                if closer == (0, 0):    # it reads whole, yet is wrong: the other fault is elsewhere, pairs with it
                    limit[0] = MAX_TRIES + READABLE_TRIES
                if not np.isfinite(s):
                    readable.append((closer, e))
    if fallback[0]:     # a single edit fits here, if not elsewhere: no pair is smaller
        return fallback[0], (run, args)
    for e in left:
        if _confirmed(claim, derivation, run, [e], side, files):
            found = winner([e], record)
            if found:
                return found, (run, args)
    if fallback[0]:
        return fallback[0], (run, args)
    for c, e in scaled:
        pair = [c, e]
        if _confirmed(claim, derivation, run, pair, side, files):
            found = winner(pair, record)
            if found:
                return found, (run, args)
    singles.sort(key=lambda p: p[0])
    as_written = _score(base, side, base)
    pool = [e for s, e in singles[:PAIR_POOL] if s < as_written]   # a first edit that brings it closer
    readable.sort(key=lambda p: p[0])
    pool += [e for _, e in readable[:PAIR_POOL] if e not in pool]
    pool += [e for e in candidates if e.change[0] in _SYMBOLS and not any(x in pool for x in same.get(e, [e]))]
    tried = set()

    def pair_fits(e1, e2):
        """The pair (e1, e2) makes the formula hold, confirmed exactly (it is then tried, whatever it gives)."""
        tried.add(frozenset((e1, e2)))
        vals, _ = _values(claim, derivation, run, _reader(files, [e1, e2], side), side)
        return _score(vals, side, kept) == 0.0 and _confirmed(claim, derivation, run, [e1, e2], side, files)

    def try_pair(e1, e2, *readers):
        """The pair to report if (e1, e2) fits, or a pair of singles with the same values here (an edit of every
        read of the symbol for one of one read, ...) that fits elsewhere too; None otherwise."""
        if not pair_fits(e1, e2):
            return None
        found = winner([e1, e2], record, *readers)
        if found or general is None:
            return found
        for a in same.get(e1, [e1])[:4]:
            for b in same.get(e2, [e2])[:4]:
                if (a, b) != (e1, e2) and a.key != b.key and general([a, b]) and \
                        _confirmed(claim, derivation, run, [a, b], side, files):
                    return _shown([a, b], record, *readers)
        return None

    def predicted():
        """The pairs that the singles' own values predict to fit (two faults in two terms or two factors)."""
        if base is None or not single_values:
            return
        closeness = {e: s for s, e in singles}
        for i, j in predicted_pairs([v for _, v in single_values], base[:, :, 1:side + 1], base[:, :, :1]):
            # the closer single first, as the pairs of the pool are tried (and named)
            e1, e2 = sorted((single_values[i][0], single_values[j][0]), key=lambda e: closeness.get(e, np.inf))
            yield e1, e2, ()

    def among_close():
        """The pairs of two singles that each come closer (each fixes one of two faults)."""
        close = pool[:PAIR_POOL_PAIRS]
        for i, e1 in enumerate(close):
            for e2 in close[i + 1:]:
                yield e1, e2, ()

    def widened():
        """The second edit among the reads made once the first is made (a read may appear only then); of a formula
        that cannot be read as written, one of the two edits makes it readable: those that make the most of it
        first.  (None, None, None) once the work bound is reached."""
        for e1 in sorted(nearer, key=nearer.get) + [e for e in pool if e not in nearer]:
            if over():
                yield None, None, None
                return
            after = _reader(files, [e1], side)
            _values(claim, derivation, run, after, side)
            for e2 in _missed_first(_of_symbols(_candidates(after.log, args, first_index, after.families,
                                                            after.anchors), only), after):
                yield e1, e2, (after,)

    def first_fit(pairs):
        """The edits of the first of ``pairs`` ((e1, e2, the readers that name them), in order) that fits; None if
        none does, False once the work bound is reached."""
        for e1, e2, readers in pairs:
            if e1 is None:
                return False
            if e1.key == e2.key or frozenset((e1, e2)) in tried or (e1.read is None and e2.change[0] == "zero"):
                continue
            if over():
                return False
            found = try_pair(e1, e2, *readers)
            if found:
                return found
        return None

    for pairs in (predicted(), among_close(), widened()):
        found = first_fit(pairs)
        if found is False:
            return None, None
        if found:
            return found, (run, args)
    return (fallback[0], (run, args)) if fallback[0] else (None, None)


def _shown(edits, *readers):
    """Each edit with the read (and call arguments) that names it best: from the call whose indices differ most,
    with its place in the formula (the comprehension or matrix cell it is read in, which of its symbol it is)."""
    out = []
    for e in edits:
        for r in readers:
            if e.read is not None and e.read.key in r.shown:
                read, call, _ = r.shown[e.read.key]
                read = dataclasses.replace(read, nth=r.occurrence(read, call))
                same = {x.site for x in r.log if (x.kind, x.name, x.value) == (e.read.kind, e.read.name, e.read.value)}
                e = dataclasses.replace(e, read=read, call=call, sites=len(same), bound=_bound_axes(read, r.log))
                break
        out.append(e)
    return out


def _bound_axes(read, log):
    """The axes of the entry ``read`` whose index differs between the reads of its symbol at its place in its
    call (None when it is read there once)."""
    if read.kind != "entry":
        return ()
    values = [x.value if isinstance(x.value, tuple) else (x.value,) for x in log
              if x.kind == "entry" and x.site == read.site and x.call == read.call
              and symbol_of(x.name) == symbol_of(read.name)]
    if len(values) < 2:     # read once: which index runs with the sum cannot be seen
        return None
    return tuple(a for a in range(len(values[0])) if len({v[a] for v in values if len(v) > a}) > 1)


def holds_with(claim, derivation, run, edits, side):
    """Whether the claim's sides 1..``side`` hold numerically on ``run`` under ``edits`` (same reads, same keys)."""
    files = claim_files(claim)
    base, _ = _values(claim, derivation, run, Reader(files), side)
    vals, _ = _values(claim, derivation, run, _reader(files, edits, side), side)
    return _score(vals, side, _kept(claim, base)) == 0.0


# -- in the page's notation ------------------------------------------------------------------------
def _layer_text(v, claim, args):
    """A layer value as the page writes it relative to the claim's layer (``l+1``), else the number."""
    if claim.takes_layer and args and isinstance(args[0], int):
        lv = claim.params[0] if getattr(claim, "params", None) else "l"
        d = v - args[0]
        if abs(d) <= 2:
            return lv if d == 0 else f"{lv}{d:+d}"
    return str(v)


def _numbers(idx):
    """Indices as numbers: ``(2, 1)`` -> ``'2,1'``.

    >>> _numbers((2, 1)), _numbers(3)
    ('2,1', '3')
    """
    return ",".join(str(i) for i in (idx if isinstance(idx, tuple) else (idx,)))


def _index_text(idx, claim, args, loops=(), bound=None):
    """Indices as the page writes them: an index equal to one of the claim's (and only to it) by its name, else
    one equal to the loop variable of the sum it is read in (``loops``: (name, value)) by that name."""
    vals = list(args[1:] if claim.takes_layer else args)
    names = list(claim.indices)
    bound_vars = [(n, v) for n, v in loops if isinstance(v, int) and not isinstance(v, bool)]

    def one(axis, i):
        hits = [n for n, v in zip(names, vals) if v == i]
        if len(hits) == 1 and vals.count(i) == 1 and (bound is None or axis not in bound):
            return hits[0]
        loop = [n for n, v in bound_vars if v == i] if bound is None or axis in bound else []
        return loop[0] if len(loop) == 1 and (not hits or bound is not None) else str(i)
    parts = [one(a, i) for a, i in enumerate(idx if isinstance(idx, tuple) else (idx,))]
    return ",".join(parts)


#: The view's true quantities as a page writes them (the new W of an update is written W).
_TRUE_AS_WRITTEN = {"step_W": "{W}", "step_b": "{b}", "dC_dW": "∂C/∂{W}", "dJ_dW": "∂J/∂{W}",
                    "dC_db": "∂C/∂{b}", "dJ_db": "∂J/∂{b}", "dC_da": "∂C/∂{a}"}


def _function(name, derivative, notation=None):
    """An activation as the page writes it: ``f`` / ``f'`` for the view's own names, the page's name of the
    function (its derivative primed: a page's ``gp`` for f' is written g'), never the view's ``fp``.

    >>> from symbp.claims.notation import Notation
    >>> nt = Notation(names={"g": "f", "gp": "fp"})
    >>> _function("gp", True, nt), _function("g", False, nt), _function("fp", True), _function("sigma", False)
    ("g'", 'g', "f'", 'sigma')
    """
    canon = notation.canonical(name) if notation is not None else name
    if canon in ("f", "fp", "f_out", "fp_out"):
        if notation is None:
            return "f'" if derivative else "f"
        return notation.printed(canon.replace("f", "fp", 1) if derivative and not canon.startswith("fp")
                                else canon.replace("fp", "f") if not derivative else canon)
    return name


def _symbol(name, layer):
    return f"{name}^({layer})" if layer is not None else name


def _page_name(name, notation):
    """A view name that the page did not rename, as the page writes that quantity."""
    if name in _TRUE_AS_WRITTEN:
        return _TRUE_AS_WRITTEN[name].format(W=notation.shown("W"), b=notation.shown("b"), a=notation.shown("a"))
    return name


def _base_name(name):
    """``W^(3)`` -> (``W``, ``3``); a name without a layer -> (name, None)."""
    m = re.fullmatch(r"(.+?)\^\((.+)\)", name)
    return (m.group(1), m.group(2)) if m else (name, None)


def _ordinal(k):
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def place(edit, token):
    """Where ``edit`` is in the page's formula: ``token`` (the symbol as the page writes it) with the sum it is
    read in, the matrix cell it is written in and which of its repeats it is (never a file's line).

    >>> from symbp.claims.occurrence import Read
    >>> r = Read("entry", "W^(3)", ("x.py", 9), 0, (1, 2), context=(("cell", "r", 2), ("cell", "c", 2)))
    >>> place(Edit(r.key, ("index", (2, 2)), r), "W^(l+1)_{1,2}")
    'W^(l+1)_{1,2} in row 2, column 2'
    >>> r = Read("entry", "W^(3)", ("x.py", 9), 0, (1, 2), context=(("loop", "k", 1),), nth=(2, 2))
    >>> place(Edit(("site", "entry", r.site), ("arg", 0, 1), r), "W^(l+1)_{k,j}")
    'every W^(l+1)_{k,j} in the sum over k'
    """
    r = edit.read
    every = edit.key[0] == "site"
    loops = [(n, v) for k, n, v in r.context if k == "loop"]
    cells = [v for k, _, v in r.context if k == "cell"]
    out = ("every " if every else "") + token
    if loops:
        ints = [n for n, v in loops if isinstance(v, int) and not isinstance(v, bool)]
        out += f" in the sum over {', '.join(ints)}" if ints else " in the sum over the examples"
    if cells and all(isinstance(v, int) and not isinstance(v, bool) for v in cells) and len(cells) <= 2:
        out += f" in row {cells[0]}" + (f", column {cells[1]}" if len(cells) == 2 else "")
    k, of = r.nth
    if not every and not loops and not cells and of and of > 1:   # a sum or a cell already places it
        out += f" (the {_ordinal(k)} of {of})"
    return out


def describe(edit, claim, args, notation):
    """``{kind, at, from, to}`` (the contract's kind, in the page's notation) and a phrase for the detail."""
    r, ch = edit.read, edit.change
    if ch[0] == "scale":
        kind, to = ("sign", "−(…)") if ch[1] == "-1" else ("factor", f"{ch[1]} × (…)")
        return ({"kind": kind, "at": "the whole formula", "from": "…", "to": to},
                "the formula negated" if ch[1] == "-1" else f"the formula times {ch[1]}")
    args = edit.call if edit.call is not None else args
    loops = [(n, v) for k, n, v in r.context if k == "loop"]
    name0, layer0 = _base_name(r.name)
    r = dataclasses.replace(r, name=_page_name(name0, notation) + (f"^({layer0})" if layer0 is not None else ""))

    def said(kind, a, b, how=""):
        at = place(edit, a)
        return {"kind": kind, "at": at, "from": a, "to": b}, f"{b} for {at}{how}"
    fp = {"f": "fp", "fp": "f", "f_out": "fp_out", "fp_out": "f_out"}
    if ch[0] == "symbol_rel":   # the read's own layer in its call, and the one it is read as
        ch, edit = ("symbol", r.value + ch[1]), dataclasses.replace(edit, key=("symbol", edit.key[1], r.value))
    if ch[0] == "symbol":
        a, b = _symbol(r.name, _layer_text(edit.key[2], claim, args)), _symbol(r.name, _layer_text(ch[1], claim, args))
        return {"kind": "layer", "at": "everywhere", "from": a, "to": b}, f"{b} for {a} (everywhere)"
    if r.kind == "layer":
        a = _symbol(r.name, _layer_text(r.value, claim, args))
        if ch[0] == "layer":
            return said("layer", a, _symbol(r.name, _layer_text(r.value + ch[1], claim, args)))
        if ch[0] == "family":
            b = _symbol(_page_name(ch[1], notation) if ch[1] in _TRUE_AS_WRITTEN else notation.shown(ch[1]),
                        _layer_text(r.value + ch[2], claim, args))
            return said("index", a, b)
        if ch[0] == "transpose":
            return said("transpose", a, a + "ᵀ")
        d, _ = said("extra-term", a, "0")
        return d, f"without the term in {d['at']}"
    if r.kind == "entry":
        name, layer = _base_name(r.name)
        if layer is not None and claim.takes_layer and args and re.fullmatch(r"-?\d+", layer):
            layer = _layer_text(int(layer), claim, args)
        a = f"{_symbol(name, layer)}_{{{_index_text(r.value, claim, args, loops, edit.bound if loops and edit.bound is not None else None)}}}"
        if ch[0] == "drop":
            return said("index", a, _symbol(name, layer), ": a stray index dropped")
        if ch[0] == "zero":
            d, _ = said("extra-term", a, "0")
            return d, f"without the term in {d['at']}"
        if ch[0] == "arg":   # by name: the index in scope it reads instead
            names, parts = list(claim.indices), _index_text(r.value, claim, args, loops, edit.bound if loops and edit.bound is not None else None).split(",")
            k = ch[2] - (1 if claim.takes_layer else 0)
            parts[ch[1]] = names[k] if 0 <= k < len(names) else str(args[ch[2]])
            b = f"{_symbol(name, layer)}_{{{','.join(parts)}}}"
            if b == a:      # the sum's own index is spelled like the claim's: it captured it
                d, phrase = said("index", a, b)
                return d, phrase + f" (the {parts[ch[1]]} outside the sum, which the sum's {parts[ch[1]]} captures)"
        elif ch[0] == "exchange":   # the page's indices in the other order
            parts = a[a.index("_{") + 2:-1].split(",")
            b = f"{_symbol(name, layer)}_{{{','.join(parts[::-1])}}}"
        else:
            b = f"{_symbol(name, layer)}_{{{_index_text(ch[1], claim, args)}}}"
        if b == a:   # names guessed from values that coincide: the edit in numbers, or by what it does
            new = tuple(r.value[::-1]) if ch[0] == "exchange" else ch[1]
            a, b = (f"{_symbol(name, layer)}_{{{_numbers(v)}}}" for v in (r.value, new))
            if b == a:      # equal indices here: the read whose indices are exchanged
                at = place(edit, a)
                return ({"kind": "index", "at": at, "from": a, "to": f"{a} with its indices exchanged"},
                        f"{at} with its indices exchanged")
        return said("index", a, b)
    if r.kind == "apply":
        a = _function(r.name, r.value, notation)
        b = _function(notation.shown(fp.get(notation.canonical(r.name), r.name)), not r.value, notation)
        return said("derivative", a, b)
    if r.kind == "product":
        a, b = r.name, r.name.replace(" ⊙ ", " @ ") if r.value == "⊙" else r.name.replace(" @ ", " ⊙ ")
        d, _ = said("shape", a, b)
        d["at"] = "the product " + d["at"]
        return d, ("a matrix product for the element-wise " if r.value == "⊙" else "an element-wise product for the "
                   "matrix ") + f"product {d['at'][len('the product '):]}"
    a = r.name + "ᵀ"
    return said("transpose", a, r.name)


_LATEX_NAMES = {"delta": r"\delta", "δ": r"\delta", "σ": r"\sigma", "sigma": r"\sigma", "phi": r"\phi",
                "φ": r"\phi", "Delta": r"\Delta"}


def _tex(name):
    return _LATEX_NAMES.get(name, name)


def _names(name):
    """The LaTeX spellings of a page's symbol (``W`` is also the page's ``w``; ``∂C/∂W`` has none)."""
    if not re.fullmatch(r"[A-Za-z]+|[δσφΔ]", name):
        return []
    return list(dict.fromkeys([_tex(name), _tex(name.lower()), _tex(name.upper())]))


def _retoken_layer(latex, name, old, new, everywhere):
    """``latex`` with the layer superscript ``old`` of the symbol ``name`` replaced by ``new`` (None if not one)."""
    for spelled in _names(name):
        out = _retoken_layer_as(latex, spelled, old, new, everywhere)
        if out is not None:
            return out
    return None


def _retoken_layer_as(latex, spelled, old, new, everywhere):
    sym = re.escape(spelled)
    sub = r"(?:_\{[^{}]*\}|_[A-Za-z0-9])?"
    sup = r"\^\{?\s*([(\[]?)\s*" + re.escape(old).replace(r"\+", r"\s*\+\s*").replace(r"\-", r"\s*-\s*") \
        + r"\s*([)\]]?)\s*\}?"
    pat = re.compile(r"(?<![A-Za-z\\])(" + sym + sub + r")" + sup + r"(?![A-Za-z0-9+\-])")
    hits = list(pat.finditer(latex))
    if not hits or (len(hits) > 1 and not everywhere):
        return None

    def rep(m):
        return f"{m.group(1)}^{{{m.group(2)}{new}{m.group(3)}}}"
    return pat.sub(rep, latex)


def _bare(script):
    """A superscript's content without ``^``, braces, parentheses, brackets and spaces: ``^{(l+1)}`` -> ``l+1``."""
    return re.sub(r"[\^{}()\[\]\s]", "", script or "")


def _retoken_index(latex, name, layer, old, new):
    """``latex`` with the one token ``name_{old}`` of layer ``layer`` (its superscript, before or after the
    subscript) written ``name_{new}`` (``new`` None: the subscript dropped); None unless exactly one matches."""
    sup = r"(\^\{[^{}]*\}|\^[A-Za-z0-9])?"
    for spelled in _names(name):
        parts = old.split(",")
        olds = "|".join(re.escape(x) for x in dict.fromkeys([old, "".join(parts), " ".join(parts)]))
        pat = re.compile(r"(?<![A-Za-z\\])(" + re.escape(spelled) + r")" + sup + r"(_(?:\{\s*(?:" + olds
                         + r")\s*\}|(?:" + olds + r")(?![A-Za-z0-9])))" + sup)
        hits = [m for m in pat.finditer(latex)
                if _bare(m.group(2) or m.group(4)) == _bare(layer or "")]
        if len(hits) == 1:
            m = hits[0]
            sub = m.group(3)
            text = None if new is None else (new.replace(",", "") if "," not in sub else new)
            written = "" if text is None else ("_" + text if len(text) == 1 and "{" not in sub else "_{" + text + "}")
            return latex[:m.start()] + m.group(1) + (m.group(2) or "") + written + (m.group(4) or "") \
                + latex[m.end():]
    return None


def _retoken_symbol(latex, old, new, layer):
    """``latex`` with the one token of ``old`` at ``layer`` written ``new`` (``∂C/∂h`` -> ``∂C/∂b``: the
    variable's letter), or None unless exactly one token matches.

    >>> _retoken_symbol(r"\\nabla_{h^{(l)}} J = \\delta^{(l+1)}", "∂C/∂h", "∂C/∂b", "l")
    '\\\\nabla_{b^{(l)}} J = \\\\delta^{(l+1)}'
    """
    grad = re.fullmatch(r"∂[CJ]/∂(.+)", old), re.fullmatch(r"∂[CJ]/∂(.+)", new)
    if all(grad):
        old, new = grad[0].group(1), grad[1].group(1)
    elif any(grad):
        return None
    for spelled in _names(old):
        pat = re.compile(r"(?<![A-Za-z\\])" + re.escape(spelled) + r"(?=(?:_\{[^{}]*\}|_[A-Za-z0-9])?\^\{?\s*[(\[]?\s*"
                         + re.escape(layer) + r"\s*[)\]]?\s*\}?(?![A-Za-z0-9+\-]))")
        hits = list(pat.finditer(latex))
        if len(hits) == 1:
            m = hits[0]
            return latex[:m.start()] + (_tex(new) if spelled.startswith("\\") else new) + latex[m.end():]
    return None


def _retoken_prime(latex, name, to_derivative):
    """``latex`` with the one application of ``name`` primed (or unprimed), or None."""
    sym = re.escape(_tex(name.rstrip("'")))
    if to_derivative:
        pat = re.compile(r"(?<![A-Za-z\\])(" + sym + r")(?!')(\^\{[^{}]*\})?(\s*\()")
        hits = list(pat.finditer(latex))
        return pat.sub(lambda m: m.group(1) + "'" + (m.group(2) or "") + m.group(3), latex) if len(hits) == 1 \
            else None
    pat = re.compile(r"(?<![A-Za-z\\])(" + sym + r")(?:'|\^\{?\\prime\}?)")
    hits = list(pat.finditer(latex))
    return pat.sub(lambda m: m.group(1), latex) if len(hits) == 1 else None


def correct_latex(latex, edits, descriptions):
    """The claim's LaTeX with every edit applied where it maps to one token; None where one does not.

    >>> correct_latex(r"\\delta^{(l)} = W^{(l)} \\delta^{(l+1)}", [None],
    ...               [{"kind": "layer", "at": "read 1", "from": "W^(l)", "to": "W^(l+1)"}])
    '\\\\delta^{(l)} = W^{(l+1)} \\\\delta^{(l+1)}'
    """
    out = latex
    for e, d in zip(edits, descriptions):
        if out is None:
            return None
        if e is not None and d["at"] != "everywhere" and e.sites != 1:
            return None     # the symbol is read at several places: which token of the LaTeX is this one is unknown
        fa, ta = _base_name(d["from"]), _base_name(d["to"])
        if d["kind"] == "layer" and fa[0] == ta[0] and fa[1] is not None and ta[1] is not None:
            out = _retoken_layer(out, fa[0], fa[1], ta[1], d["at"] == "everywhere")
        elif d["kind"] == "index" and "_{" in d["from"]:
            name, rest = d["from"].split("_{", 1)
            base, layer = _base_name(name)
            to = d["to"].split("_{", 1)[1][:-1] if "_{" in d["to"] else None
            out = _retoken_index(out, base, layer, rest[:-1], to)
        elif d["kind"] == "index" and fa[1] is not None and fa[1] == ta[1] and fa[0] != ta[0]:
            out = _retoken_symbol(out, fa[0], ta[0], fa[1])     # a for z, ∂C/∂b for ∂C/∂h: the symbol's letter
        elif d["kind"] == "derivative" and e is not None:
            out = _retoken_prime(out, d["from"], not e.read.value)
        else:
            return None
    return out
