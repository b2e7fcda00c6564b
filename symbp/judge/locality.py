"""Locality: does a claim read only its own layer and its neighbours, and no absolute depth, width or index?

An induction over depth carries a formula from one layer to the next only
if the formula looks the same at every layer: it may read layers ``l−1``,
``l``, ``l+1`` (the output layer: ``L`` and ``L−1``) and must not depend on
the absolute depth, on a width or on a unit index.  This module finds out by
running the claim once with those values replaced by :class:`Tracked`
integers.  A tracked integer behaves like its value (``range(1, n.size(l) + 1)``
and indexing work), keeps its origin through ``+`` and ``−`` of whole
numbers, and reports every use that could make the formula branch on it or
carry it into the formula as a number: a comparison, ``bool``, ``hash``,
``int``/``float`` conversion, or arithmetic with a non-integer.  Layer
reads are recorded by :data:`symbp.claims.view.LAYER_READS` and judged relative
to the claim's layer.

>>> claim = lambda i: i + 1 == 5          # code of a claim (not of symbp)
>>> with Recorder() as rec:
...     _ = claim(Tracked(3, "the unit index i"))
>>> rec.reasons
['it compares the unit index i+1 with 5']
"""

from __future__ import annotations

import os
import sys

from ..claims.view import LAYER_READS, View
from .exact import symbp_code

__all__ = ['Tracked', 'Recorder', 'TrackingView', 'nonlocal_reasons']


_ACTIVE: list = []      # the recorders listening (innermost last)


#: the formula interpreter reads the view on a TOML claim's behalf (its file, not imported: judge sits below formula)
_INTERPRETER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "formula", "interpret.py")


def _caller_is_claim(depth=2, reads=False) -> bool:
    """Whether the code ``depth`` frames up is a claim's (not symbp's own machinery)."""
    file = sys._getframe(depth).f_code.co_filename
    if reads and file == _INTERPRETER:     # the formula interpreter reads on a TOML claim's behalf
        return True
    return not symbp_code(file)


def _record(text):
    if _ACTIVE and text not in _ACTIVE[-1].reasons:
        _ACTIVE[-1].reasons.append(text)


class Recorder:
    """Collects the reasons a claim is not local while it is active (``with rec: ...``).

    >>> claim = lambda L: 1 if L else 0
    >>> with Recorder() as rec:
    ...     _ = claim(Tracked(2, "the depth L"))
    >>> rec.reasons
    ['it tests the depth L as a truth value']
    """

    def __init__(self):
        self.reasons: list = []
        self.reads: list = []     # (name, layer) as read by the claim

    def __enter__(self):
        _ACTIVE.append(self)
        LAYER_READS.append(self._read)
        return self

    def __exit__(self, *exc):
        _ACTIVE.remove(self)
        LAYER_READS.remove(self._read)
        return False

    def _read(self, name, l):
        if _caller_is_claim(3, reads=True):
            self.reads.append((name, l))


class Tracked(int):
    """An integer that remembers what it is (``origin``) and reports uses that depend on its value.

    >>> l = Tracked(2, "l")
    >>> (l + 1).name, (l - 1 + 1).offset, list(range(1, Tracked(2, "the width") + 1))
    ('l+1', 0, [1, 2])
    """

    def __new__(cls, value, origin, offset=0, affine=True):
        t = super().__new__(cls, value)
        t.origin, t.offset, t.affine = origin, offset, affine
        return t

    @property
    def name(self) -> str:
        """How the page would write it: ``l+1``, ``the width of layer l`` …"""
        if not self.affine:
            return f"a value computed from {self.origin}"
        return self.origin + (f"{self.offset:+d}" if self.offset else "")

    def _shifted(self, value, d):
        return Tracked(value, self.origin, self.offset + d, self.affine)

    def _derived(self, value):
        return Tracked(value, self.origin, 0, False)

    def __add__(self, o):
        if type(o) is int:
            return self._shifted(int.__int__(self) + o, o)
        if isinstance(o, int) and not isinstance(o, bool):
            return self._derived(int.__int__(self) + int.__int__(o))
        _record(f"it uses {self.name} as a number in the formula")
        return int.__int__(self) + o

    __radd__ = __add__

    def __sub__(self, o):
        if type(o) is int:
            return self._shifted(int.__int__(self) - o, -o)
        if isinstance(o, int) and not isinstance(o, bool):
            return self._derived(int.__int__(self) - int.__int__(o))
        _record(f"it uses {self.name} as a number in the formula")
        return int.__int__(self) - o

    def __rsub__(self, o):
        if isinstance(o, int) and not isinstance(o, bool):
            return self._derived(int.__int__(o) - int.__int__(self))
        _record(f"it uses {self.name} as a number in the formula")
        return o - int.__int__(self)

    def _other(op):
        def method(self, o):
            if isinstance(o, int) and not isinstance(o, bool):
                return self._derived(getattr(int, op)(int.__int__(self), int.__int__(o)))
            _record(f"it uses {self.name} as a number in the formula")
            return getattr(int, op)(int.__int__(self), o) if not isinstance(o, float) else \
                getattr(float, op)(float(int.__int__(self)), o)
        return method

    __mul__ = __rmul__ = _other("__mul__")
    __floordiv__ = _other("__floordiv__")
    __rfloordiv__ = _other("__rfloordiv__")
    __mod__ = _other("__mod__")
    __rmod__ = _other("__rmod__")
    __pow__ = _other("__pow__")
    __rpow__ = _other("__rpow__")
    __truediv__ = _other("__truediv__")
    __rtruediv__ = _other("__rtruediv__")
    del _other

    def __neg__(self):
        _record(f"it uses {self.name} as a number in the formula")
        return -int.__int__(self)

    def __int__(self):     # how symengine takes an int: the value enters the formula
        _record(f"it uses {self.name} as a number in the formula")
        return int.__int__(self)

    def __float__(self):
        _record(f"it uses {self.name} as a number in the formula")
        return float(int.__int__(self))

    def __index__(self):
        return int.__int__(self)

    def _compare(op):
        def method(self, o):
            if _caller_is_claim():
                other = o.name if isinstance(o, Tracked) else repr(o)
                _record(f"it compares {self.name} with {other}")
            return getattr(int, op)(self, o)
        return method

    __eq__ = _compare("__eq__")
    __ne__ = _compare("__ne__")
    __lt__ = _compare("__lt__")
    __le__ = _compare("__le__")
    __gt__ = _compare("__gt__")
    __ge__ = _compare("__ge__")
    del _compare

    def __bool__(self):
        if _caller_is_claim():
            _record(f"it tests {self.name} as a truth value")
        return int.__int__(self) != 0

    def __hash__(self):
        if _caller_is_claim():
            _record(f"it looks {self.name} up in a table")
        return int.__hash__(self)

    def __repr__(self):
        return int.__repr__(self)

    __str__ = __repr__

    def __reduce__(self):
        return (int, (int.__int__(self),))


class TrackingView(View):
    """A View whose depth ``L``, output width ``K``, batch size ``m`` and widths ``size(l)`` are tracked.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> from symbp.claims.notation import Notation
    >>> v = TrackingView(SymbolicNetwork(NetworkSpec((1, 2, 1), activation="f")), Notation())
    >>> v.L.name, v.size(1).name
    ('the depth L', 'the width of layer 1')
    """

    def __init__(self, net, notation, *args, **kw):
        super().__init__(net, notation, *args, **kw)
        object.__setattr__(self, "L", Tracked(self.L, "the depth L"))
        object.__setattr__(self, "K", Tracked(self.K, "the output width K"))
        object.__setattr__(self, "m", Tracked(self.m, "the batch size m"))

    def size(self, l):
        """Width of document layer l, tracked."""
        where = l.name if isinstance(l, Tracked) else str(l)
        if _caller_is_claim(reads=True):
            _read_layer("size", l)
        return Tracked(super().size(int.__int__(l)), f"the width of layer {where}")

    def partial(self, of, wrt):
        """True Jacobian (see View.partial); its layers count as read."""
        if _caller_is_claim(reads=True):
            for q in (of, wrt):
                if isinstance(q, tuple):
                    _read_layer(q[0], q[1])
        plain = lambda q: (q[0], int.__int__(q[1])) if isinstance(q, tuple) else q   # noqa: E731
        return super().partial(plain(of), plain(wrt))


def _read_layer(name, l):
    if _ACTIVE:
        _ACTIVE[-1].reads.append((name, l))


def nonlocal_reasons(reads, anchors) -> list:
    """Why layer reads are not local: ``anchors`` maps an origin to the offsets it may be read at.

    >>> l = Tracked(3, "l")
    >>> nonlocal_reasons([("delta", l + 1), ("a", l - 1)], {"l": (-1, 0, 1)})
    []
    >>> nonlocal_reasons([("delta", l + 2), ("a", 2)], {"l": (-1, 0, 1)})
    ['it reads delta^(l+2)', 'it reads a^(2) at a fixed layer']
    """
    out = []
    for name, l in reads:
        if not isinstance(l, Tracked):
            why = f"it reads {name}^({l}) at a fixed layer"
        elif not l.affine or l.origin not in anchors or l.offset not in anchors[l.origin]:
            why = f"it reads {name}^({l.name})"
        else:
            continue
        if why not in out:
            out.append(why)
    return out
