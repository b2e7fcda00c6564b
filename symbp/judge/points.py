"""A value at the screen's fixed points: what a claim's formula computes there, without its symbolic form.

The edit search replays a claim on a view whose quantities are their values at a few fixed points
(:mod:`symbp.judge.numeric_replay`); each scalar there is a :class:`Num`, a float array over the points.
A :class:`Num` does only what gives the very value the symbolic replay's lambdified form gives, and raises
:class:`NeedsSymbols` for everything else (so the reading is then replayed symbolically, never guessed):

* arithmetic (``+ − × / **``, ``abs``) with another :class:`Num`, a number, or symengine's exact numbers, computed
  on the values at once; a division by (or a negative power of) a value that is 0 at a point raises (it may be
  an exact 0, symbolically ``zoo``);
* its symbolic form (:attr:`Num.expr`), built only on demand, by the very operations the symbolic replay makes
  on the very expressions of the network: a tensor's name that takes a scalar's text (``(alpha·δ^(l))``) is
  then the same, and so is a value computed from a NaN read (a read out of range, :attr:`Num.tainted`), which
  symengine may simplify away (``(x + nan)·0`` is ``0``): such a value is taken from its symbolic form.

Comparisons, truth values, hashing, ``repr``, conversion to a float and any other attribute raise: a formula
that branches on a value, or hands it to a CAS function, is replayed symbolically.
"""

from __future__ import annotations

import numpy as np
import symengine
from symengine.lib.symengine_wrapper import ComplexInfinity, Constant, Infinity, NaN

__all__ = ['Num', 'NeedsSymbols', 'is_num', 'ZERO_TOL']


class NeedsSymbols(Exception):
    """The replay at the points met something only the symbolic replay does exactly (not an error of the page)."""


#: A divisor (or a factor of a tainted value) this close to 0 at a point may be an exact 0 symbolically.
ZERO_TOL = 1e-9


def is_num(v):
    """Whether ``v`` is a value at the points.

    >>> is_num(Num(np.ones(2))), is_num(1.0)
    (True, False)
    """
    return isinstance(v, Num)


def _operand(o):
    """(values, tainted) of a scalar operand: a :class:`Num`, a number, or symengine's exact numbers;
    None for anything else (a tensor: its own operator applies)."""
    if isinstance(o, Num):
        return o.values, o.tainted
    if isinstance(o, bool):
        raise NeedsSymbols("a truth value in a formula")
    if isinstance(o, (int, float)):
        if isinstance(o, float) and not np.isfinite(o):
            raise NeedsSymbols("a non-finite number in a formula")
        try:
            return float(o), False
        except OverflowError:
            raise NeedsSymbols("a number too large for a float") from None
    if isinstance(o, symengine.Basic):
        if o is symengine.nan or isinstance(o, NaN):
            return np.nan, True
        if isinstance(o, (Infinity, ComplexInfinity)):
            raise NeedsSymbols("an infinity in a formula")
        if isinstance(o, (symengine.Number, Constant)):
            try:
                return float(o), False
            except (RuntimeError, TypeError, ValueError, OverflowError):
                raise NeedsSymbols(f"the number {o} is not a float") from None
        raise NeedsSymbols("a symbolic expression in a formula read at the points")
    return None


#: What symengine asks of an operand it converts: a value at the points has none (symengine then declines).
_CONVERSIONS = ("_symengine_", "_sympy_", "pyobject")


def _near_zero(values):
    return bool((np.abs(values) <= ZERO_TOL).any())


class Num:
    """The values of one scalar at the points (``values``, a float array), tainted by a NaN read or not, and how its
    symbolic form is made: ``expr`` (an expression of the network) or ``recipe`` (an operation on other values).

    >>> p, q = symengine.symbols("p q")
    >>> a, b = Num(np.array([1.0, 2.0]), expr=p), Num(np.array([3.0, 4.0]), expr=q)
    >>> c = (a + 1) * b - a / 2
    >>> c.values.tolist(), c.expr == (p + 1) * q - p / 2, (2 ** a).values.tolist()
    ([5.5, 11.0], True, [2.0, 4.0])
    """
    __slots__ = ("_values", "tainted", "_expr", "_recipe", "_source")
    __array_ufunc__ = None      # numpy defers to the operators below
    __hash__ = None

    def __init__(self, values, tainted=False, expr=None, source=None, recipe=None):
        self._values, self.tainted, self._expr, self._source, self._recipe = values, tainted, expr, source, recipe

    @property
    def values(self):
        """The float array over the points (computed with the other pending values of its source at first use)."""
        if self._values is None:
            self._source.flush(self)
        return self._values

    def set_values(self, values):
        """Its values, computed (by its source's batch)."""
        self._values = values

    @property
    def known_expr(self):
        """Its symbolic form if it is already known (an expression of the network), else None: never built here."""
        return self._expr

    @property
    def expr(self):
        """Its symbolic form: the symbolic replay's value of the same formula (built once, on demand)."""
        if self._expr is None:
            _build(self)
        return self._expr

    # -- arithmetic -----------------------------------------------------------------------------------
    def _binary(self, other, op, reflected=False):
        if type(other) is Num:
            ov, ot = other.values, other.tainted
        else:
            got = _operand(other)
            if got is None:
                return NotImplemented
            ov, ot = got
        a, b = (ov, self.values) if reflected else (self.values, ov)
        if op is np.divide and _near_zero(b):
            raise NeedsSymbols("a division by a value that is 0 at a point")
        if op is np.power and _near_zero(a) and np.any(np.asarray(b) < 0):
            raise NeedsSymbols("a negative power of a value that is 0 at a point")
        return Num(op(a, b), self.tainted or ot, recipe=(op, other, self) if reflected else (op, self, other))

    def __add__(self, o):
        return self._binary(o, np.add)

    def __radd__(self, o):
        return self._binary(o, np.add, True)

    def __sub__(self, o):
        return self._binary(o, np.subtract)

    def __rsub__(self, o):
        return self._binary(o, np.subtract, True)

    def __mul__(self, o):
        return self._binary(o, np.multiply)

    def __rmul__(self, o):
        return self._binary(o, np.multiply, True)

    def __truediv__(self, o):
        return self._binary(o, np.divide)

    def __rtruediv__(self, o):
        return self._binary(o, np.divide, True)

    def __pow__(self, o):
        return self._binary(o, np.power)

    def __rpow__(self, o):
        return self._binary(o, np.power, True)

    def __neg__(self):
        return Num(-self.values, self.tainted, recipe=(np.negative, self))

    def __pos__(self):
        return self

    def __abs__(self):
        return Num(np.abs(self.values), self.tainted, recipe=(np.absolute, self))

    # -- what only a symbolic value does --------------------------------------------------------------
    def _symbols(self, *_):
        raise NeedsSymbols("a value at the points was asked for what only its symbolic form has")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = __int__ = __index__ = _symbols
    __iter__ = __len__ = __getitem__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _symbols
    __matmul__ = __rmatmul__ = __complex__ = __round__ = __repr__ = _symbols

    def __getattr__(self, name):
        if name.startswith("__") or name in _CONVERSIONS:     # not a symengine value: its operators decline
            raise AttributeError(name)
        raise NeedsSymbols(f"a value at the points has no {name!r}")

    def __str__(self):
        return str(self.expr)

    def __format__(self, spec):
        return format(str(self), spec)

    def describe(self):
        """For debugging: its values and whether it is tainted (never a message of the page)."""
        return f"Num({self.values.tolist()}{', tainted' if self.tainted else ''})"


def _operands(recipe):
    return recipe[2:] if recipe[0] == "apply" else recipe[1:]


def _build(root):
    """The symbolic form of ``root`` and of every value it is made of (post-order, without recursion)."""
    stack = [root]
    while stack:
        n = stack[-1]
        if n._expr is not None:
            stack.pop()
            continue
        if n._recipe is None:
            raise NeedsSymbols("a value at the points with no symbolic form")
        todo = [x for x in _operands(n._recipe) if isinstance(x, Num) and x._expr is None]
        if todo:
            stack.extend(todo)
            continue
        op, *args = n._recipe
        if op == "apply":
            function, u = args
            n._expr = function(_symbolic(u))
        else:
            n._expr = _COMPOSE[op](*(_symbolic(x) for x in args))
        stack.pop()


def _symbolic(x):
    return x._expr if isinstance(x, Num) else x


#: Each operation on the values (its numpy function) and the same operation on the symbolic forms.
_COMPOSE = {np.add: lambda a, b: a + b, np.subtract: lambda a, b: a - b, np.multiply: lambda a, b: a * b,
            np.divide: lambda a, b: a / b, np.power: lambda a, b: a ** b, np.negative: lambda a: -a, np.absolute: abs}
