"""Exact numbers for the exact check: a float in a formula becomes the rational its decimal says.

The exact check expands ``truth - claim``.  Float coefficients there would let terms cancel by
rounding (``1e16·x + x − 1e16·x`` is ``0`` in floats), so a wrong formula could be ``proven``.
Floats reach a claim in two ways, and both are made exact:

* **written in the derivation** (a literal ``0.5``, ``1e16``, a module constant ``ETA = 0.1``, a default
  argument): :func:`exact_function` gives the claim function a copy of its code in which each one is the
  rational of its shortest decimal repr (``0.5`` → 1/2, ``0.1`` → 1/10, ``1e16`` → 10¹⁶) before it runs,
  so no rounding happens at all;
* **computed while the claim runs** (``1/3``, ``math.pi``): they reach the sides as floats or
  ``RealDouble`` atoms, which :func:`exact_value` replaces by the rational of their repr.  That rational is
  exact, but it is not the page's number (``1/3`` becomes 3333333333333333/10¹⁶), so such a claim fails
  the exact check honestly and is judged numerically: it can be ``confirmed``, never ``proven`` by
  cancellation.

Limit: float arithmetic that rounds away a term *and* leaves no float behind (``(10**16/1)*x + x -
(10**16/1)*x``, ints divided at run time) cannot be seen after the fact.
"""

from __future__ import annotations

import os
import types
from fractions import Fraction

import symengine

from ..claims.tensor import Tensor

__all__ = ['symbp_code', 'exact_value', 'exact_function', 'rational']


def rational(x: float):
    """The exact rational of a float's shortest decimal repr, as a symengine number (inf and nan stay floats).

    >>> rational(0.5), rational(0.1), rational(1e16)
    (1/2, 1/10, 10000000000000000)
    """
    try:
        q = Fraction(repr(float(x)))
    except (ValueError, OverflowError):
        return x
    return symengine.Integer(q.numerator) / symengine.Integer(q.denominator)


def exact_value(side):
    """``side`` (a float, an expression or a Tensor of them) with every float replaced by :func:`rational`.

    >>> import symengine as se
    >>> x = se.Symbol("x")
    >>> exact_value(0.25 * x + 1)
    1 + (1/4)*x
    """
    if isinstance(side, Tensor):
        rows = [[exact_value(v) for v in r] for r in side.rows]
        if all(u is v for r, s in zip(rows, side.rows) for u, v in zip(r, s)):   # no float in it: itself
            return side
        return Tensor(rows, side.name, side.base, side.slots)
    if isinstance(side, float):
        return rational(side)
    if isinstance(side, symengine.RealNumber):
        return rational(float(side))
    if isinstance(side, symengine.Basic) and side not in _EXACT:
        floats = _floats(side)
        if floats:
            return side.xreplace({f: rational(float(f)) for f in floats})
    return side


#: Expressions known free of floats (a side without floats, and every part of it): the same truth quantities
#: pass again and again, and a formula is built of them. At most about _EXACT_MAX; past it the set starts afresh.
_EXACT = set()
_EXACT_MAX = 200_000


def _floats(expr) -> set:
    """The float atoms of ``expr``: each shared subexpression visited once, none inside one known free of floats.

    (``atoms`` walks the whole tree.)  A formula is mostly the network's true quantities (δ, z, a) put
    together: once they are known free of floats, only its new nodes are walked.  When ``expr`` has no float,
    it and every compound part of it visited are remembered as free of floats.

    >>> x = symengine.Symbol("x")
    >>> sorted(map(float, _floats(0.5 * x + 0.25 * x ** 2 + 1)))
    [0.25, 0.5]
    """
    floats, seen, todo = set(), [], [expr]
    visited = set()
    while todo:
        e = todo.pop()
        if e in visited or e in _EXACT:
            continue
        visited.add(e)
        args = e.args
        if args:
            seen.append(e)
        elif isinstance(e, symengine.RealNumber):
            floats.add(e)
        todo += args
    if not floats:
        if len(_EXACT) + len(seen) > _EXACT_MAX:
            _EXACT.clear()
        _EXACT.update(seen)
    return floats


def exact_function(fn):
    """A copy of ``fn`` whose float literals, float defaults and float module constants are exact rationals.

    Functions of the same file that ``fn`` reaches through its globals or closure are copied the same way.
    Functions of symbp itself (e.g. the TOML reader's, whose decimals are exact already) are left alone.

    >>> def step(x):
    ...     return x + 1e16 * x - 1e16 * x
    >>> import symengine as se
    >>> step(se.Symbol("x")), exact_function(step)(se.Symbol("x"))
    (0, x)
    >>> exact_function(lambda x: 0.1 * x)(3)
    3/10
    """
    if not isinstance(fn, types.FunctionType) or _ours(fn):
        return fn
    env = dict(fn.__globals__)
    done = {}

    def copy(f):
        if id(f) in done:
            return done[id(f)]
        new = types.FunctionType(_exact_code(f.__code__), env, f.__name__,
                                 tuple(_const(v) for v in f.__defaults__) if f.__defaults__ else None,
                                 _cells(f.__closure__, f))
        done[id(f)] = new
        new.__kwdefaults__ = {k: _const(v) for k, v in f.__kwdefaults__.items()} if f.__kwdefaults__ else None
        new.__dict__.update(f.__dict__)
        new.__qualname__, new.__module__, new.__doc__ = f.__qualname__, f.__module__, f.__doc__
        return new

    def same_file(v):
        return isinstance(v, types.FunctionType) and v.__code__.co_filename == fn.__code__.co_filename \
            and v.__globals__ is fn.__globals__

    def _cells(closure, f):
        if not closure:
            return closure
        out = []
        for c in closure:
            try:
                v = c.cell_contents
            except ValueError:   # an empty cell (a name bound later)
                out.append(c)
                continue
            out.append(types.CellType(copy(v) if same_file(v) else _const(v)))
        return tuple(out)

    for k, v in list(env.items()):
        if type(v) is float:
            env[k] = rational(v)
    result = copy(fn)
    for k, v in list(env.items()):
        if same_file(v) and v is not fn:
            env[k] = copy(v)
    return result


_SYMBP = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_BUNDLED = os.path.join(_SYMBP, "derivations") + os.sep   # an installed copy of the bundled derivations


def symbp_code(filename: str) -> bool:
    """Whether ``filename`` is symbp's own machinery (the package, not a derivation installed inside it).

    >>> symbp_code(__file__), symbp_code("derivations/ufldl_backprop.py")
    (True, False)
    """
    path = os.path.abspath(filename)
    return path.startswith(_SYMBP) and not path.startswith(_BUNDLED)


def _ours(fn) -> bool:
    return symbp_code(fn.__code__.co_filename)


def _const(c):
    if type(c) is float:
        return rational(c)
    if type(c) is tuple:
        return tuple(_const(v) for v in c)
    return c


def _exact_code(code: types.CodeType) -> types.CodeType:
    consts = tuple(_exact_code(c) if isinstance(c, types.CodeType) else _const(c) for c in code.co_consts)
    if all(a is b for a, b in zip(consts, code.co_consts)):
        return code
    return code.replace(co_consts=consts)
