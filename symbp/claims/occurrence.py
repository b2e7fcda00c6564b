"""Occurrences: what a claim's own code reads from the view, numbered by place, and edits at one of them.

While a :class:`Reader` is active (:data:`ACTIVE`), every read that a claim's
code makes directly (a layer ``n.W[l]``, an entry ``t[j, i]``, an activation
``n.fp(u)``, a transpose ``t.T``) is numbered by its *site* (the claim file's
line) and its ordinal there within one call of the claim, so that occurrence
``(site, k)`` is the same read on every replay of the same architecture.  An
edit alters that one read (or every read of one symbol at one site: ``("site", kind, site, name)``) (a layer ±1, an index, ``f``↔``f'``, a transpose, a
term read as 0) or every read of one symbol (``z^(0)`` read as ``z^(1)``);
the view and the tensors call the hooks below, nothing else changes.  Reads
made by the view's own code (the truth, a step's ``W − α∇W``) are never numbered.
"""

from __future__ import annotations

import dataclasses
import sys

__all__ = ['ACTIVE', 'Read', 'Reader', 'reading', 'caller', 'context_of', 'symbol_of']


#: The current :class:`Reader`, or None (no hook does anything then).
ACTIVE = [None]


@dataclasses.dataclass(frozen=True)
class Read:
    """One read of a claim's code: ``kind`` (layer, entry, apply, transpose), ``name`` (the page's symbol),
    where (``site``, ``ordinal``) and what (``value``: a layer, the indices as written, or True for ``f'``)."""
    kind: str
    name: str
    site: tuple
    ordinal: int
    value: object
    #: where in the formula, as the claim's code says it (see :func:`context_of`); not part of its identity
    context: tuple = dataclasses.field(default=(), compare=False)
    #: (k, of): the k-th of ``of`` reads of the same symbol with the same indices in its call
    nth: tuple = dataclasses.field(default=(1, 1), compare=False)
    #: which call of the claim made it (1, 2, …)
    call: int = dataclasses.field(default=0, compare=False)

    @property
    def key(self):
        """What identifies this read on every replay: (kind, site, ordinal)."""
        return (self.kind, self.site, self.ordinal)


def _read(kind, name, site, ordinal, value, context, nth, call):
    """``Read(kind, name, site, ordinal, value, context, nth, call)``, made without the frozen dataclass's checks (the
    same object: a claim's replay makes one per read it notes)."""
    read = _new(Read)
    read.__dict__.update(kind=kind, name=name, site=site, ordinal=ordinal, value=value, context=context, nth=nth,
                         call=call)
    return read


_new = object.__new__


class Reader:
    """Numbers the reads of the claim files ``files``; applies ``edits`` ({key: change}) to them (with
    ``names``, it keeps for each read the one that names it best: :attr:`shown`).

    >>> r = Reader({"x.py"})
    >>> r.site(sys._getframe()) is None     # a read from another file is not numbered
    True
    """

    def __init__(self, files, edits=None, symbols=None, names=True):
        self.files = set(files)
        self.names = names                      # False: no read is kept to name it (``shown`` stays empty)
        self.edits = dict(edits or {})          # Read.key -> change
        self.symbols = dict(symbols or {})      # (family, layer) -> layer: one symbol read as another
        self.log, self.counts = [], {}
        self.calls, self.current, self.spread = 0, (), 0
        self.shown = {}                         # Read.key -> (read, the call's arguments, how many differ)
        self.families = {}                      # a layered quantity's page name -> (the view's name, the view)
        self.tokens = {}                        # (kind, name, value) -> reads of it so far in this call
        self.totals = {}                        # the call's arguments -> its final ``tokens``

    def start_call(self, args=()):
        """A new call of the claim (with its layer and indices ``args``): ordinals restart."""
        self.counts = {}
        self.calls += 1
        self.current = tuple(args)
        self.spread = len(set(self.current))
        self.tokens = self.totals.setdefault(self.current, {})
        self.tokens.clear()

    def index_of(self, idx, change):
        """The indices an ``("index", new)``, ``("arg", axis, k)`` or ``("exchange",)`` change reads instead of
        ``idx`` (``arg``: the call's k-th argument, another index in scope; ``exchange``: its two indices swapped,
        whatever they are in this call)."""
        if change[0] == "index":
            return change[1]
        if change[0] == "exchange":
            return idx[::-1] if isinstance(idx, tuple) else idx
        _, axis, k = change
        if isinstance(idx, tuple):
            return idx[:axis] + (self.current[k],) + idx[axis + 1:]
        return self.current[k]

    def site(self, frame):
        """(file, line) of ``frame`` when it is the claim's code, else None."""
        if frame is None or frame.f_code.co_filename not in self.files:
            return None
        return (frame.f_code.co_filename, frame.f_lineno)

    def note(self, kind, name, frame, value):
        """The :class:`Read` being made (None when it is not the claim's own), and the change to apply."""
        if frame is None:
            return None, None
        filename = frame.f_code.co_filename
        if filename not in self.files:
            return None, None
        site = (filename, frame.f_lineno)
        counts, k = self.counts, (kind, site)
        ordinal = counts.get(k, 0)
        counts[k] = ordinal + 1
        tokens, token = self.tokens, (kind, name, value)
        try:
            nth = tokens.get(token, 0) + 1
        except TypeError:   # an unhashable value (a list of indices): counted by its text
            token = (kind, name, repr(value))
            nth = tokens.get(token, 0) + 1
        tokens[token] = nth
        read = _read(kind, name, site, ordinal, value, (), (nth, None), self.calls)
        if self.calls <= 1 or len(self.log) < 4000:
            self.log.append(read)
        key = (kind, site, ordinal)
        if self.names:
            spread = self.spread       # the call whose arguments differ most names the read best
            shown = self.shown.get(key)
            if shown is None or spread > shown[2]:
                read = _read(kind, name, site, ordinal, value, context_of(frame), (nth, None), self.calls)
                self.shown[key] = (read, self.current, spread)
        edits = self.edits
        if not edits:
            return read, None
        change = edits.get(key)
        if change is None:      # every read of this symbol at this place (a sum's summand)
            change = edits.get(("site", kind, site, symbol_of(name)), edits.get(("site", kind, site)))
        return read, change

    def occurrence(self, read, call):
        """(k, of): ``read`` is the k-th of ``of`` reads of its symbol, with its indices, in the call ``call``."""
        total = self.totals.get(tuple(call), {}).get((read.kind, read.name, _hashable(read.value)), read.nth[0])
        return (read.nth[0], max(total, read.nth[0]))

    def symbol_layer(self, family, l):
        """The layer actually read for the page's ``family^(l)`` under a symbol edit."""
        return self.symbols.get((family, l), l)


class reading:
    """Context manager: ``reader`` active while inside (restores the previous one)."""

    def __init__(self, reader):
        self.reader = reader

    def __enter__(self):
        self.previous = ACTIVE[0]
        ACTIVE[0] = self.reader
        return self.reader

    def __exit__(self, *exc):
        ACTIVE[0] = self.previous
        return False


def symbol_of(name):
    """A read's symbol without its layer: every read of it at one place is edited alike on every layer.

    >>> symbol_of("W^(2)"), symbol_of("delta")
    ('W', 'delta')
    """
    return name.split("^(", 1)[0]


def _hashable(value):
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


#: The frames of a comprehension: the claim's code is then inside a sum (or a list) over its loop variables.
_LOOPS = ("<genexpr>", "<listcomp>", "<setcomp>", "<dictcomp>")


def context_of(frame):
    """Where a read is in the formula, as the claim's code says: ``(("loop", name, value), …)`` for the loop
    variables of the comprehension it is read in (a sum over them), ``(("cell", name, value), …)`` for the
    arguments of the lambda that builds a matrix's entry (row, column); () elsewhere.

    >>> entry = lambda r, c: context_of(sys._getframe())
    >>> entry(2, 1)
    (('cell', 'r', 2), ('cell', 'c', 1))
    >>> next(context_of(sys._getframe()) for k in [3])
    (('loop', 'k', 3),)
    >>> context_of(None)
    ()
    """
    if frame is None:
        return ()
    code = frame.f_code
    if code.co_name in _LOOPS:
        names = [v for v in code.co_varnames if not v.startswith(".")]
        return tuple(("loop", v, frame.f_locals.get(v)) for v in names if v in frame.f_locals)
    if code.co_name == "<lambda>" and code.co_argcount:   # an entry's lambda takes its row and column only
        cell = tuple(("cell", v, frame.f_locals.get(v)) for v in code.co_varnames[:code.co_argcount])
        return cell if all(type(v) is int for _, _, v in cell) else ()
    return ()


def caller(depth=2):
    """The frame ``depth`` levels above the caller of this function (the claim's, for a hook)."""
    try:
        return sys._getframe(depth)
    except ValueError:
        return None
