"""Screening edited readings cheaply: what one claim's readings on one architecture share, computed once.

The edit search (:mod:`symbp.judge.edits`) evaluates up to hundreds of readings of one claim on one
architecture at the same fixed points.  An edit changes the formula, never the truth side (an edit that
moves it is rejected anyway), so a :class:`Screen` keeps, per (claim, network, symbols, side):

* the sample points (one draw per set of free symbols),
* the values of the reading as written (its truth side is reused for every edited reading whose truth
  expressions are the very same: only the edited sides are then lambdified and evaluated), and
* the readings already evaluated with at most one edit (the reader's log and values), so that replaying
  the same reading again costs nothing.

Any reading whose truth side, instances or free symbols differ from the reading as written is evaluated
whole, as before.  Screening only orders and filters candidates: a winner is still confirmed exactly.
The counterfactual readings of :mod:`symbp.judge.diagnose` share their truth values likewise
(:func:`screened_values`).
"""

from __future__ import annotations

import numpy as np

from .evaluate import Instance, numeric_values, sample_points

__all__ = ['Screen', 'screen_for', 'formula_values', 'screened_values', 'reader_key', 'replay_state', 'restore_state',
           'snapshot', 'rewind', 'SCREENS_MAX', 'REUSE', 'NUMERIC', 'NUMERIC_TRIES']


#: Screens kept at once (those of one claim: its runs and sides); a new claim clears them.
SCREENS_MAX = 16

#: While False, nothing is shared: every reading is replayed and evaluated whole (the reference path, for tests).
REUSE = [True]

#: While False (or REUSE is), every reading is replayed symbolically, never at the points
#: (:mod:`symbp.judge.numeric_replay`): the reference of the numeric replay, for tests.
NUMERIC = [True]

#: A screen stops trying the numeric replay after this many readings that needed symbols more than it could do
#: (a cost only: every reading is then replayed symbolically, as before).
NUMERIC_TRIES = 3

_SCREENS = {}


class Screen:
    """What the readings of one claim on one run share: points, the as-written values, replayed readers.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> w, screen = net.params[0], Screen(None, net, {}, 1, 3, 0)
    >>> screen.remember_base({}, [Instance("", [w, 2 * w])], screen.evaluate({}, [Instance("", [w, 2 * w])], None))
    >>> v = screen.evaluate({}, [Instance("", [w, w])], None)      # the truth w as written: reused
    >>> screen.truth_reused, bool(np.allclose(v[:, 0, 0], v[:, 0, 1]))
    (1, True)
    """

    def __init__(self, claim, net, symbols, side, count, seed):
        self.claim, self.net, self.symbols, self.side = claim, net, dict(symbols), side
        self.count, self.seed = count, seed
        self.points, self.base, self.readers = {}, None, {}
        self.hits = self.truth_reused = 0
        self.at_points = self.not_at_points = 0     # readings replayed at the points, and those that could not be

    def try_at_points(self):
        """Whether to try the next reading at the points: not once the claim has needed its symbols again and again
        (its code differentiates or calls the CAS itself: each try would only cost a second replay).

        >>> s = Screen(None, None, {}, 1, 3, 0)
        >>> s.not_at_points = NUMERIC_TRIES
        >>> s.try_at_points()
        False
        """
        return self.not_at_points < NUMERIC_TRIES + 4 * self.at_points

    def sample(self, symbols):
        """The fixed sample points for the free symbols ``symbols`` (drawn once per set of names)."""
        names = tuple(sorted(symbols))
        if names not in self.points:
            self.points[names] = sample_points(self.net, symbols, self.count, self.seed)
        return self.points[names]

    def evaluate(self, symbols, instances, draws):
        """Values (points × instances × sides) of ``instances``, the truth side reused where it is unchanged."""
        pts = self.sample(symbols)
        base = self.base
        if base is not None and _same_truth(base, symbols, instances):
            self.truth_reused += 1
            return np.concatenate([base[2][:, :, :1], formula_values(self.net, symbols, instances, pts, draws)],
                                  axis=2)
        return numeric_values(self.net, symbols, instances, pts, draws)

    def remember_base(self, symbols, instances, values):
        """The reading as written: its truth side is reused for the edited readings."""
        if values is not None and self.base is None:
            self.base = (tuple(sorted(symbols)), list(instances), values)


def _same_truth(base, symbols, instances):
    """Whether ``instances`` are the as-written reading's instances with the very same truth expressions."""
    names, inst0, _ = base
    if tuple(sorted(symbols)) != names or len(instances) != len(inst0):
        return False
    for a, b in zip(instances, inst0):
        if a.key != b.key or len(a.sides) < 2:
            return False
        ta, tb = a.sides[0], b.sides[0]
        if ta is not tb and (type(ta) is not type(tb) or ta != tb):
            return False
    return True


def formula_values(net, symbols, instances, points, draws=None):
    """Values (points × instances × sides − 1) of every side but the first (the truth) of ``instances``.

    >>> import symengine as se
    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> w = net.params[0]
    >>> pts = sample_points(net, {}, 2, 0)
    >>> v = formula_values(net, {}, [Instance("", [w, 2 * w, 3 * w])], pts)
    >>> v.shape, bool(np.allclose(v[:, 0, 1], 1.5 * v[:, 0, 0]))
    ((2, 1, 2), True)
    """
    rest = [Instance(i.where, list(i.sides[1:]), i.key, i.truth) for i in instances]
    return numeric_values(net, symbols, rest, points, draws)


def screened_values(net, symbols, instances, points):
    """:func:`~symbp.judge.evaluate.numeric_values` of ``instances``, their truth sides evaluated once for the
    same network, symbols, points and truth expressions (the counterfactual readings of one claim share them).

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> w = net.params[0]
    >>> pts = sample_points(net, {}, 2, 0)
    >>> a = screened_values(net, {}, [Instance("", [w, 2 * w])], pts)
    >>> b = screened_values(net, {}, [Instance("", [w, 3 * w])], pts)
    >>> bool(np.allclose(b[:, 0, 1], 1.5 * a[:, 0, 1])), bool(np.array_equal(a[:, :, 0], b[:, :, 0]))
    (True, True)
    """
    if not REUSE[0] or not instances or any(len(i.sides) < 2 for i in instances):
        return numeric_values(net, symbols, instances, points)
    try:
        truths = tuple(i.sides[0] for i in instances)
        key = (id(net), tuple(sorted(symbols)), points.shape, points.tobytes(), truths)
        hash(key)
    except TypeError:
        return numeric_values(net, symbols, instances, points)
    kept = _TRUTHS.get(key)
    if kept is None or kept[0] is not net:
        if len(_TRUTHS) >= SCREENS_MAX:
            _TRUTHS.clear()
        truth = numeric_values(net, symbols, [Instance(i.where, [i.sides[0]], i.key) for i in instances], points)
        kept = _TRUTHS[key] = (net, truth)
    return np.concatenate([kept[1], formula_values(net, symbols, instances, points)], axis=2)


#: Truth values by (network, symbols, points, truth expressions), for :func:`screened_values`.
_TRUTHS = {}


def screen_for(claim, run, side, count, seed):
    """The :class:`Screen` of ``claim`` on ``run`` (``(sizes, m, net, symbols, ...)``) for its sides 0..``side``.

    >>> class C:
    ...     pass
    >>> c, run = C(), ((1, 1), 1, object(), {})
    >>> screen_for(c, run, 1, 4, 0) is screen_for(c, run, 1, 4, 0), screen_for(c, run, 2, 4, 0).side
    (True, 2)
    """
    net, symbols = run[2], run[3]
    if not REUSE[0]:
        return Screen(claim, net, symbols, side, count, seed)
    try:
        sym_key = tuple(sorted(dict(symbols).items()))
        hash(sym_key)
    except TypeError:
        sym_key = None
    key = (id(claim), id(net), sym_key, side, count, seed)
    found = _SCREENS.get(key)
    if found is not None and found.claim is claim and found.net is net:
        return found
    if any(s.claim is not claim for s in _SCREENS.values()) or len(_SCREENS) >= SCREENS_MAX:
        _SCREENS.clear()    # another claim: what this one's readings shared is not needed again
    screen = Screen(claim, net, symbols, side, count, seed)
    if sym_key is not None:
        _SCREENS[key] = screen
    return screen


def reader_key(reader):
    """What fixes a reader's replay (its files, edits, symbol edits, scale and whether it names its reads); None
    for two edits or more (such readings are tried once, and not kept).

    >>> from symbp.claims.occurrence import Reader
    >>> reader_key(Reader({"x.py"})) == reader_key(Reader({"x.py"})), reader_key(Reader({"x.py"}, {1: 2, 3: 4}))
    (True, None)
    """
    edits, symbols, scale = reader.edits, reader.symbols, getattr(reader, "scale", None)
    relative = getattr(reader, "relative", None) or {}    # symbol edits counted from the call's layer
    if len(edits) + len(symbols) + len(relative) + (scale is not None) > 1:
        return None
    try:
        key = (tuple(sorted(edits.items(), key=repr)), tuple(sorted(symbols.items(), key=repr)),
               tuple(sorted(relative.items(), key=repr)), scale, tuple(sorted(reader.files)), type(reader).__name__,
               reader.names)
        hash(key)
    except TypeError:
        return None
    return key


#: What a replay leaves on a reader (see :class:`symbp.claims.occurrence.Reader`).
_STATE = ("log", "counts", "calls", "current", "spread", "names", "shown", "families", "tokens", "totals", "args",
          "misses", "anchor", "anchors", "missed")


def replay_state(reader):
    """A copy of what a replay left on ``reader`` (its log, the reads that name it, counts), to restore later.

    >>> from symbp.claims.occurrence import Reader
    >>> r = Reader({"x.py"})
    >>> r.start_call((2,))
    >>> replay_state(r)["calls"], replay_state(r)["current"]
    (1, (2,))
    """
    return {k: _copied(k, reader.__dict__[k]) for k in _STATE if k in reader.__dict__}


def restore_state(reader, state):
    """``reader`` as if it had made the replay that left ``state`` (a copy: the kept state is never changed).

    >>> from symbp.claims.occurrence import Reader
    >>> r = Reader({"x.py"})
    >>> r.start_call((2,))
    >>> restore_state(Reader({"x.py"}), replay_state(r)).current
    (2,)
    """
    reader.__dict__.update({k: _copied(k, v) for k, v in state.items()})
    return reader


def snapshot(reader):
    """Everything on ``reader`` (a copy), to :func:`rewind` it to after a replay that could not be finished.

    >>> from symbp.claims.occurrence import Reader
    >>> r = Reader({"x.py"})
    >>> s = snapshot(r)
    >>> r.start_call((2,)); r.args = (2,)
    >>> rewind(r, s).calls, hasattr(r, "args")
    (0, False)
    """
    return {k: _copied(k, v) for k, v in reader.__dict__.items()}


def rewind(reader, state):
    """``reader`` exactly as :func:`snapshot` found it (what a replay added since is gone)."""
    reader.__dict__.clear()
    reader.__dict__.update({k: _copied(k, v) for k, v in state.items()})
    return reader


def _copied(name, value):
    """A container of a reader's state copied one level down (its ``totals``, a dict of dicts: both levels)."""
    if name == "totals":
        return {k: dict(v) for k, v in value.items()}
    if isinstance(value, (list, dict)):
        return value.copy()
    return value
