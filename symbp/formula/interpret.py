"""The formula interpreter: a parsed formula evaluated against a view, nothing else reachable."""

from __future__ import annotations

import math
from fractions import Fraction

import symengine
from lark import Tree

from ..claims import tensor as matrix_vocabulary
from ..claims.tensor import Identity, IllFormed, Tensor
from ..claims.view import PAGE_READS, Layers, view_of
from .grammar import FUNCTIONS, MATRIX_FUNCTIONS, MAX_DIGITS, MAX_POWER, MAX_RANGE, MAX_STEPS, VALUES, chained

__all__ = ['evaluate']


# -- evaluation ----------------------------------------------------------------------------------
def _scalar(v):
    return isinstance(v, (int, symengine.Basic)) and not isinstance(v, bool)


def _value(v, what):
    if _scalar(v) or isinstance(v, (Tensor, Identity)):
        return v
    if isinstance(v, Layers):
        raise IllFormed(f"{v.name} needs a layer index, e.g. {v.name}[l]")
    raise IllFormed(f"{what} is not a number, vector or matrix")


def _int(v, what):
    if isinstance(v, symengine.Basic) and v.is_Integer:
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise IllFormed(f"{what} must be a whole number, got {v}")
    return v


def _divide(a, b):
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            raise IllFormed("division by zero")
        return symengine.Rational(a, b) if a % b else a // b
    if isinstance(b, Tensor):
        raise IllFormed("cannot divide by a vector or matrix")
    return a / b


def _check_power_size(a, e):
    """A power whose base is itself big (``(2^64)^64``, ``((x+1)^64)^64``) is bounded too, not only its exponent."""
    if isinstance(a, Tensor):
        return
    if isinstance(a, (int, symengine.Integer)) and abs(int(a)) > 1:
        if math.log10(abs(int(a))) * abs(float(e)) > MAX_DIGITS:
            raise IllFormed(f"a power with more than {MAX_DIGITS} digits ({_short(a)} to the {e})")
    elif isinstance(a, symengine.Pow) and a.args[1].is_Number and abs(float(a.args[1]) * float(e)) > MAX_POWER:
        raise IllFormed(f"a power of a power, exponent {a.args[1]}·{e}: larger than {MAX_POWER}")


def _short(x, limit=40):
    text = str(x)
    return text if len(text) <= limit else f"{text[:limit // 2]}…({len(text)} characters)"


def _power(a, e):
    if isinstance(e, Tensor) or not (isinstance(e, int) or (isinstance(e, symengine.Basic) and e.is_Number)):
        raise IllFormed("an exponent must be a number")
    if abs(float(e)) > MAX_POWER:
        raise IllFormed(f"exponent {e} is larger than {MAX_POWER}")
    _check_power_size(a, e)
    if isinstance(a, int) and isinstance(e, int):
        return a ** e if e >= 0 else symengine.Integer(a) ** e
    return a ** e


def _matmul(a, b):
    if not (isinstance(a, (Tensor, Identity)) and isinstance(b, (Tensor, Identity))):
        raise IllFormed("@ needs two vectors or matrices")
    return a @ b


_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": _divide, "pow": _power, "matmul": _matmul}


_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


class _Interpreter:
    """Evaluates parse trees against a view ``n`` (None in conditions) and the claim's variables."""

    def __init__(self, n, env):
        self.n, self.env, self.steps = view_of(n), dict(env), 0

    def canon(self, name):
        """The view's name for the page's ``name`` (the notation's renames, applied once), or None."""
        if self.n is None:
            return None
        canon = self.n.nt.canonical(name)
        if canon in VALUES or canon in FUNCTIONS:
            for hook in PAGE_READS:   # what the formula reads (symbp.judge.definition)
                hook(canon)
            return canon
        return None

    def known(self):
        names = set(self.env)
        if self.n is not None:
            names |= set(VALUES) | set(FUNCTIONS) | set(self.n.nt.names)
        return ", ".join(sorted(names))

    def ev(self, t):
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise IllFormed(f"formula too large: more than {MAX_STEPS} evaluation steps")
        return getattr(self, "ev_" + t.data)(t)

    def ev_int(self, t):
        return int(t.children[0])

    def ev_decimal(self, t):
        q = Fraction(str(t.children[0]))
        return symengine.Rational(q.numerator, q.denominator)

    def ev_name(self, t):
        name = str(t.children[0])
        if name in self.env:
            return self.env[name]
        canon = self.canon(name)
        if canon not in VALUES:
            if canon in FUNCTIONS:
                raise IllFormed(f"{name} is a function: call it, e.g. {name}(...)")
            raise IllFormed(f"unknown symbol {name!r} (this notation knows: {self.known()})")
        return getattr(self.n, canon)

    def _arith(self, t):
        chain = [t]   # a flat chain a + b - c + … (nested to the left by the parser) is folded in a loop
        while isinstance(chain[-1].children[0], Tree) and chained(chain[-1], chain[-1].children[0]):
            chain.append(chain[-1].children[0])
            self.steps += 1
        value = _value(self.ev(chain[-1].children[0]), "an operand")
        for node in reversed(chain):
            value = _ARITH[node.data](value, _value(self.ev(node.children[1]), "an operand"))
        return value

    ev_add = ev_sub = ev_mul = ev_div = ev_pow = ev_matmul = _arith

    def ev_neg(self, t):
        return -_value(self.ev(t.children[0]), "an operand")

    def ev_index(self, t):
        base, i = self.ev(t.children[0]), _int(self.ev(t.children[1]), "an index")
        if not isinstance(base, (Layers, Tensor)):
            raise IllFormed(f"cannot index {base}: not a vector, matrix or layered quantity")
        return base[i]

    def ev_index2(self, t):
        base = self.ev(t.children[0])
        j, i = (_int(self.ev(c), "an index") for c in t.children[1:])
        if not isinstance(base, Tensor):
            raise IllFormed(f"cannot index {base} with two indices: not a matrix")
        return base[j, i]

    def ev_attr(self, t):
        if str(t.children[1]) != "T":
            raise IllFormed(f"unknown attribute .{t.children[1]} (only .T, the transpose)")
        base = self.ev(t.children[0])
        if isinstance(base, (Tensor, Identity)):
            return base.T
        if _scalar(base):
            return base
        raise IllFormed(".T needs a vector or matrix")

    def ev_sum(self, t):
        var, lo, hi, body = t.children
        lo, hi = _int(self.ev(lo), "a sum's lower bound"), _int(self.ev(hi), "a sum's upper bound")
        if hi - lo + 1 > MAX_RANGE:
            raise IllFormed(f"sum over {hi - lo + 1} terms: more than {MAX_RANGE}")
        saved, total = self.env.get(str(var), _MISSING), 0
        try:
            for k in range(lo, hi + 1):
                self.env[str(var)] = k
                total = total + _value(self.ev(body), "a sum's term")
        finally:
            if saved is _MISSING:
                self.env.pop(str(var), None)
            else:
                self.env[str(var)] = saved
        return total

    def ev_prod(self, t):
        """``prod(k=lo..hi, F)``: the matrix product ``F(lo) F(lo+1) ⋯ F(hi)``, in order (I when empty)."""
        var, lo, hi, body = t.children
        lo, hi = _int(self.ev(lo), "a product's lower bound"), _int(self.ev(hi), "a product's upper bound")
        if hi - lo + 1 > MAX_RANGE:
            raise IllFormed(f"product over {hi - lo + 1} factors: more than {MAX_RANGE}")
        saved, factors = self.env.get(str(var), _MISSING), []
        try:
            for k in range(lo, hi + 1):
                self.env[str(var)] = k
                factors.append(_value(self.ev(body), "a product's factor"))
        finally:
            if saved is _MISSING:
                self.env.pop(str(var), None)
            else:
                self.env[str(var)] = saved
        return matrix_vocabulary.matprod(factors)

    def _quantity(self, t):
        """A ``partial`` argument: ``C`` or ``z[l]`` / ``a[l]`` (in the page's names)."""
        if t.data == "name" and self.canon(str(t.children[0])) == "C":
            return "C"
        if t.data == "index" and t.children[0].data == "name":
            kind = self.canon(str(t.children[0].children[0]))
            if kind in ("z", "a"):
                return kind, _int(self.ev(t.children[1]), "a layer")
        raise IllFormed("partial takes C, z[l] or a[l] (in the page's names)")

    def ev_call(self, t):
        name, args = str(t.children[0]), t.children[1:]
        if name in MATRIX_FUNCTIONS and name not in self.env:
            if len(args) != MATRIX_FUNCTIONS[name]:
                raise IllFormed(f"{name} takes {MATRIX_FUNCTIONS[name]} argument(s), got {len(args)}")
            vals = [_value(self.ev(a), f"an argument of {name}") for a in args]
            if name == "ones":
                vals = [_int(vals[0], "the length of ones")]
            return getattr(matrix_vocabulary, name)(*vals)
        canon = self.canon(name)
        if canon not in FUNCTIONS:
            raise IllFormed(f"unknown function {name!r} (allowed: "
                            f"{', '.join(sorted({*FUNCTIONS, *MATRIX_FUNCTIONS}))}, sum, prod)")
        if len(args) != FUNCTIONS[canon]:
            raise IllFormed(f"{name} takes {FUNCTIONS[canon]} argument(s), got {len(args)}")
        if canon == "partial":
            return self.n.partial(self._quantity(args[0]), self._quantity(args[1]))
        if canon == "symbol":
            if args[0].data != "name":
                raise IllFormed("symbol takes a name, e.g. symbol(u)")
            return self.n.symbol(str(args[0].children[0]))
        vals = [_value(self.ev(a), f"an argument of {name}") for a in args]
        if canon == "size":
            return self.n.size(_int(vals[0], "a layer"))
        if canon == "diff" and not isinstance(vals[1], symengine.Basic):
            raise IllFormed("diff takes a weight, bias, input or target entry as its second argument")
        return getattr(self.n, canon)(*vals)

    def ev_compare(self, t):
        a, op, b = t.children
        a, b = (_value(self.ev(c), "a comparison's side") for c in (a, b))
        if not (isinstance(a, int) and isinstance(b, int)):
            raise IllFormed("a condition compares whole numbers")
        return _COMPARE[str(op)](a, b)

    def ev_and_(self, t):
        return bool(self.ev(t.children[0])) and bool(self.ev(t.children[1]))

    def ev_or_(self, t):
        return bool(self.ev(t.children[0])) or bool(self.ev(t.children[1]))

    def ev_not_(self, t):
        return not self.ev(t.children[0])


_MISSING = object()


def evaluate(tree: Tree, n, env=None):
    """The value of a parsed formula or condition on view ``n`` with the variables ``env``.

    Errors that make the formula unreadable raise :class:`~symbp.claims.tensor.IllFormed`.
    """
    try:
        return _Interpreter(n, env or {}).ev(tree)
    except IllFormed:
        raise
    except RecursionError:
        raise IllFormed("formula nested too deeply") from None
    except (TypeError, ValueError, ArithmeticError, RuntimeError) as e:
        raise IllFormed(f"cannot evaluate: {type(e).__name__}: {e}") from None
