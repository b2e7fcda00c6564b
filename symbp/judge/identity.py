"""Identity testing that a symmetry cannot fool: random functions, exact evaluation at random rationals.

Two tools for judging ``truth == formula`` where expansion alone does not:

* **Random functions (float64).**  The generic ``f``, ``f'``, ``g``, ``g'`` are
  independent undefined functions in the canonical form.  Numerically each
  becomes its own *random* function, ``c0 + c1·u + Σ_k A_k sin(ω_k u + φ_k)``,
  whose coefficients are extra symbols drawn afresh for every draw: neither odd
  nor even, ``f(0) ≠ 0``, and ``f'`` unrelated to ``f``, so no identity of one
  fixed stand-in passes.
* **Exact evaluation (a random oracle).**  Every symbol takes a random rational
  value; every application of a generic function takes a random rational value
  keyed by its exact argument (same argument, same value, however it is
  written), which is what some differentiable ``f`` takes there (Hermite
  interpolation).  A non-zero residual polynomial in these independent values
  vanishes with probability at most ``degree / |S|`` per point (Schwartz–Zippel).
  Concrete functions (``σ``, ``tanh``, ``exp``, ``log``, ...) are evaluated in
  50-digit mpmath instead, and compared with a tight tolerance.
"""

from __future__ import annotations

import hashlib
import weakref
from fractions import Fraction

import mpmath
import numpy as np
import symengine

from ..model.activations import GENERIC, OPAQUE
from ..model.costs import GENERIC_COST_FUNCTIONS

__all__ = ['GENERIC_FUNCTIONS', 'TERMS', 'oracle_symbols', 'random_form', 'draw_functions', 'random_closed', 'closing_map', 'RandomOracle', 'exact_value', 'degree_bound', 'SAMPLE_SET_SIZE', 'rational_point', 'Unevaluable', 'DIGITS', 'MP_TOL', 'check_exactly', 'default_draws']


#: Generic functions that are independent undefined functions (a derivative is its own function): the generic
#: activations and their derivatives, then the generic cost C(a, y) and its partials (functions of 2K arguments).
GENERIC_FUNCTIONS = tuple(n for g in GENERIC for n in (g, g + "p")) + GENERIC_COST_FUNCTIONS


#: Sinusoids in each random function.
TERMS = 3


_PER = 2 + 3 * TERMS


#: Working precision (digits) of the exact evaluation where a concrete function is transcendental.
DIGITS = 50


#: Relative tolerance of that evaluation.
MP_TOL = mpmath.mpf(10) ** -(DIGITS - 15)


#: Rationals are drawn from {k / 2^20 : |k| ≤ 2^22}, i.e. in [-4, 4]; its size enters the error bound.
_DEN, _NUM = 1 << 20, 1 << 22


SAMPLE_SET_SIZE = 2 * _NUM + 1


class Unevaluable(ValueError):
    """A node the exact evaluator does not know (an unevaluated derivative, a piecewise, ...)."""


# -- random functions, float64 -------------------------------------------------------------------------
def oracle_symbols(with_cost=True):
    """The coefficient symbols of every generic function's random form, in draw order.

    Without ``with_cost``, those of the generic activations only: the first columns of every draw (the
    generic cost's come last, so a network without it lambdifies none of them).

    >>> len(oracle_symbols()) == len(GENERIC_FUNCTIONS) * (2 + 3 * TERMS)
    True
    >>> len(oracle_symbols(with_cost=False)) == (len(GENERIC_FUNCTIONS) - len(GENERIC_COST_FUNCTIONS)) * _PER
    True
    """
    names = GENERIC_FUNCTIONS if with_cost else GENERIC_FUNCTIONS[:len(GENERIC_FUNCTIONS) - len(GENERIC_COST_FUNCTIONS)]
    return [symengine.Symbol(f"rf_{name}_{i}") for name in names for i in range(_PER)]


def _direction(name, k, count):
    """Fixed weights of a several-argument function's arguments in its ``k``-th projection (none equal, none 0)."""
    out = []
    for i in range(count):
        h = int.from_bytes(hashlib.sha256(f"{name}|{k}|{i}".encode()).digest()[:4], "big")
        out.append(symengine.Rational((1 if h & 1 else -1) * (512 + (h >> 1) % 1024), 1024))
    return out


def random_form(name, *args):
    """The random function standing for generic ``name`` at ``args``, with symbolic coefficients.

    A function of several arguments (the generic cost ``C(a, y)``) is the same form in fixed, different
    projections of its arguments, one per term: neither symmetric in them nor separable.

    >>> str(random_form("f", symengine.Symbol("u"))).count("sin")
    3
    >>> u, v = symengine.symbols("u v")
    >>> random_form("C", u, v) == random_form("C", v, u)
    False
    """
    c = [symengine.Symbol(f"rf_{name}_{i}") for i in range(_PER)]
    if len(args) == 1:
        s = [args[0]] * (TERMS + 1)
    else:
        s = [sum((w * a for w, a in zip(_direction(name, k, len(args)), args)), symengine.Integer(0))
             for k in range(TERMS + 1)]
    terms = [c[2 + 3 * k] * symengine.sin(c[3 + 3 * k] * s[k + 1] + c[4 + 3 * k]) for k in range(TERMS)]
    return c[0] + c[1] * s[0] + sum(terms[1:], terms[0])


def draw_functions(rng, draws):
    """``draws`` independent random functions for each generic name: coefficients, array (draws, n).

    >>> draw_functions(np.random.default_rng(0), 3).shape == (3, len(oracle_symbols()))
    True
    """
    cols = []
    for _ in GENERIC_FUNCTIONS:
        cols += [rng.normal(0, 1, draws), rng.uniform(-1, 1, draws)]
        for _ in range(TERMS):
            cols += [rng.normal(0, 1, draws), rng.uniform(0.5, 6, draws) * rng.choice([-1, 1], draws),
                     rng.uniform(0, 2 * np.pi, draws)]
    return np.stack(cols, axis=1)


#: Seed of the fixed draws used where a caller gives none (diagnosis, counterexamples, mutation).
DEFAULT_SEED = 20261201


def default_draws(count):
    """Coefficients for ``count`` rows from three fixed random functions per generic name (row r: r mod 3).

    >>> d = default_draws(4)
    >>> bool((d[0] == d[3]).all() and (d[0] != d[1]).any())
    True
    """
    if not _FIXED:
        _FIXED.append(draw_functions(np.random.default_rng(DEFAULT_SEED), 3))
    return _FIXED[0][np.arange(count) % 3]


_FIXED = []     # the three fixed draws, computed once (they depend on DEFAULT_SEED only)


_NET_MAPS = weakref.WeakKeyDictionary()


def _net_map(net):
    """Opaque atom of ``net``'s passes -> random (generic) or closed (concrete) form, innermost first."""
    if net not in _NET_MAPS:
        B = net.backend.B
        mapping = {}
        for fw in net.passes:
            done = {}
            for name, zj, _ in fw.nodes:
                if name == "softmax":     # a_k = expo(z_k)·recip(Σ expo(z_j)): both in closed form
                    E = [symengine.sympify(B.Function("expo")(v)) for v in zj]
                    zs = [symengine.sympify(v).xreplace(done) if done else symengine.sympify(v) for v in zj]
                    done.update({e: symengine.exp(v) for e, v in zip(E, zs)})
                    S = sum(E[1:], E[0])
                    done[symengine.sympify(B.Function("recip")(S))] = 1 / S.xreplace(done)
                    continue
                act_opaque = _opaque_of(name)
                zc = symengine.sympify(zj).xreplace(done) if done else symengine.sympify(zj)
                for op in act_opaque:
                    done[symengine.sympify(B.Function(op)(zj))] = _form(op, zc)
            mapping.update(done)
        for atom, name, args in net.generic_cost_atoms():   # C(a, y) and its partials: in closed arguments
            mapping[symengine.sympify(atom)] = random_form(
                name, *(symengine.sympify(a).xreplace(mapping) for a in args))
        _NET_MAPS[net] = mapping
    return _NET_MAPS[net]


def closing_map(net):
    """Opaque atom of ``net``'s forward passes -> its random (generic) or closed (concrete) form, as
    :func:`random_closed` with ``net`` applies it (innermost first; a dict of the caller's own).

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="sigmoid"))
    >>> [str(v) for v in closing_map(net).values()]
    ['(1 + exp(-(b1_0 + x0_0*W1_0_0)))**(-1)']
    """
    return dict(_net_map(net))


def _converted_net_map(net):
    """:func:`_net_map` converted once to symengine's own map (``xreplace`` converts a dict on every call)."""
    if net not in _NET_XMAPS:
        from symengine.lib.symengine_wrapper import DictBasic
        _NET_XMAPS[net] = DictBasic(_net_map(net))
    return _NET_XMAPS[net]


_NET_XMAPS = weakref.WeakKeyDictionary()


def _opaque_of(activation):
    from ..model.activations import ACTIVATIONS
    return ACTIVATIONS[activation].opaque


def _form(name, *args):
    return random_form(name, *args) if name in GENERIC_FUNCTIONS else OPAQUE[name].closed(args[0], symengine)


def random_closed(expr, net=None):
    """``expr`` (symengine) with generic functions in random form and concrete opaque ones in closed form.

    With ``net``, only the atoms of the network's forward passes are replaced (fast: no search through
    the tree); without it, every opaque atom is searched for.

    >>> u = symengine.Symbol("u")
    >>> random_closed(symengine.Function("sigma")(u))
    (1 + exp(-u))**(-1)
    """
    expr = symengine.sympify(expr)
    if net is not None:
        return expr.xreplace(_converted_net_map(net))
    depth = _function_depths(expr)
    atoms = [a for a in depth if isinstance(a, symengine.FunctionSymbol)
             and (a.get_name() in OPAQUE or a.get_name() in GENERIC_COST_FUNCTIONS)]
    if not atoms:
        return expr
    atoms.sort(key=depth.get)       # innermost first (an atom inside another is less deep)
    mapping = {}
    for a in atoms:
        mapping[a] = _form(a.get_name(), *(x.xreplace(mapping) if mapping else x for x in a.args))
    return expr.xreplace(mapping)


def _function_depths(expr):
    """Every subexpression of ``expr`` -> how many function applications nest in it (itself included), each
    shared subexpression visited once (``atoms`` and ``str`` walk the whole tree, exponential in nesting).

    >>> u = symengine.Symbol("u"); f = symengine.Function("f")
    >>> d = _function_depths(f(f(u) + u))
    >>> d[f(u)], d[f(f(u) + u)]
    (1, 2)
    """
    depth, todo = {}, [(expr, False)]
    while todo:
        e, ready = todo.pop()
        if e in depth:
            continue
        if ready:
            inner = max((depth[a] for a in e.args), default=0)
            depth[e] = inner + isinstance(e, symengine.FunctionSymbol)
            continue
        todo.append((e, True))
        todo += [(a, False) for a in e.args if a not in depth]
    return depth


# -- exact evaluation -----------------------------------------------------------------------------------
class RandomOracle:
    """Random rational values of generic functions, one per (function, exact argument), seeded.

    >>> o = RandomOracle(1)
    >>> o("f", Fraction(1, 2)) == o("f", Fraction(2, 4)), o("f", Fraction(1, 2)) == o("fp", Fraction(1, 2))
    (True, False)
    """

    def __init__(self, seed):
        self.seed = seed

    def __call__(self, name, arg):
        key = "|".join(_key(a) for a in arg) if isinstance(arg, tuple) else _key(arg)
        digest = hashlib.sha256(f"{self.seed}|{name}|{key}".encode()).digest()
        k = int.from_bytes(digest[:8], "big") % SAMPLE_SET_SIZE - _NUM
        return Fraction(k, _DEN)


def _key(arg):
    return repr(arg) if isinstance(arg, Fraction) else mpmath.nstr(arg, 30)


def rational_point(symbols, rng):
    """A random rational in [-4, 4] (denominator 2^20) for each symbol.

    >>> p = rational_point([symengine.Symbol("x")], np.random.default_rng(0))
    >>> all(abs(v) <= 4 and v.denominator <= 2 ** 20 for v in p.values())
    True
    """
    return {s: Fraction(int(rng.integers(-_NUM, _NUM + 1)), _DEN) for s in symbols}


def _mp(v):
    return mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else v


_MP_FUNCTIONS = {"sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "tanh": mpmath.tanh,
                 "sinh": mpmath.sinh, "cosh": mpmath.cosh, "log": mpmath.log, "asin": mpmath.asin,
                 "acos": mpmath.acos, "atan": mpmath.atan, "erf": mpmath.erf}


def _opaque_value(name, v):
    if name == "relu":
        return max(v, 0) if isinstance(v, Fraction) else mpmath.mpf(max(v, 0))
    if name == "step":
        return Fraction(1 if v > 0 else 0)
    if name == "sigma":
        return 1 / (1 + mpmath.exp(-_mp(v)))
    if name == "softplus":
        return mpmath.log(1 + mpmath.exp(_mp(v)))
    raise Unevaluable(f"no exact value for {name}")


def exact_value(expr, point, oracle):
    """The value of ``expr`` at ``point`` (symbol -> Fraction): a Fraction where exact, else a 50-digit mpf.

    >>> x, f = symengine.Symbol("x"), symengine.Function("f")
    >>> o = RandomOracle(0)
    >>> exact_value(f(x * (x + 1)) - f(x ** 2 + x), {x: Fraction(1, 3)}, o)
    Fraction(0, 1)
    >>> exact_value(x ** 2 / 3, {x: Fraction(1, 2)}, o)
    Fraction(1, 12)
    """
    memo = {}
    with mpmath.workdps(DIGITS):
        return _eval(symengine.sympify(expr), point, oracle, memo)


def _eval(e, point, oracle, memo):
    if e in memo:
        return memo[e]
    if isinstance(e, symengine.Symbol):
        if e not in point:
            raise Unevaluable(f"no value for {e}")
        v = point[e]
    elif isinstance(e, (symengine.Integer, symengine.Rational)):
        v = Fraction(int(e.p), int(e.q)) if isinstance(e, symengine.Rational) else Fraction(int(e))
    elif isinstance(e, symengine.Float):
        v = Fraction(float(e))
    elif e == symengine.E:
        v = mpmath.e
    elif e == symengine.pi:
        v = mpmath.pi
    elif isinstance(e, symengine.Add):
        v = Fraction(0)
        for a in e.args:
            v = v + _eval(a, point, oracle, memo)
    elif isinstance(e, symengine.Mul):
        v = Fraction(1)
        for a in e.args:
            v = v * _eval(a, point, oracle, memo)
    elif isinstance(e, symengine.Pow):
        v = _pow(_eval(e.args[0], point, oracle, memo), e.args[1], point, oracle, memo)
    elif isinstance(e, symengine.FunctionSymbol):
        values = tuple(_eval(a, point, oracle, memo) for a in e.args)
        arg = values[0] if len(values) == 1 else values      # the generic cost: keyed by all its arguments
        name = e.get_name()
        v = oracle(name, arg) if name in GENERIC_FUNCTIONS else _opaque_value(name, arg)
    elif isinstance(e, symengine.Abs):
        v = abs(_eval(e.args[0], point, oracle, memo))
    elif type(e).__name__.lower() in ("max", "min"):
        vals = [_eval(a, point, oracle, memo) for a in e.args]
        v = max(vals) if type(e).__name__.lower() == "max" else min(vals)
    elif type(e).__name__.lower() in _MP_FUNCTIONS and len(e.args) == 1:
        v = _MP_FUNCTIONS[type(e).__name__.lower()](_mp(_eval(e.args[0], point, oracle, memo)))
    else:
        raise Unevaluable(f"cannot evaluate {type(e).__name__} exactly")
    memo[e] = v
    return v


def _pow(base, exponent, point, oracle, memo):
    if isinstance(exponent, symengine.Integer):
        n = int(exponent)
        if isinstance(base, Fraction):
            if base == 0 and n < 0:
                raise ZeroDivisionError("division by zero at the rational point")
            return base ** n
        return base ** n
    ex = _eval(exponent, point, oracle, memo)
    if base == mpmath.e:
        return mpmath.exp(_mp(ex))
    return mpmath.power(_mp(base), _mp(ex))


def degree_bound(expr):
    """An upper bound on the degree of the numerator of ``expr`` in its symbols and function values.

    Function applications count as fresh variables of degree 1; None where a
    non-integer power or a concrete transcendental function takes part.

    >>> x, f = symengine.Symbol("x"), symengine.Function("f")
    >>> degree_bound(x ** 3 * f(x) + 1 / x)
    5
    """
    memo = {}
    try:
        return _degree(symengine.sympify(expr), memo)[0]
    except Unevaluable:
        return None


def _degree(e, memo):
    if e in memo:
        return memo[e]
    if isinstance(e, symengine.Symbol):
        d = (1, 0)
    elif isinstance(e, symengine.Number):
        d = (0, 0)
    elif isinstance(e, symengine.Mul):
        parts = [_degree(a, memo) for a in e.args]
        d = (sum(p[0] for p in parts), sum(p[1] for p in parts))
    elif isinstance(e, symengine.Add):
        parts = [_degree(a, memo) for a in e.args]
        den = sum(p[1] for p in parts)
        d = (max(p[0] + den - p[1] for p in parts), den)
    elif isinstance(e, symengine.Pow) and isinstance(e.args[1], symengine.Integer):
        n, (a, b) = int(e.args[1]), _degree(e.args[0], memo)
        d = (n * a, n * b) if n >= 0 else (-n * b, -n * a)
    elif isinstance(e, symengine.FunctionSymbol) and e.get_name() in GENERIC_FUNCTIONS:
        for a in e.args:
            _degree(a, memo)
        d = (1, 0)
    else:
        raise Unevaluable(type(e).__name__)
    memo[e] = d
    return d


def check_exactly(pairs, count, seed):
    """Evaluate each ``(tag, truth, formula)`` exactly at ``count`` random rational points (random oracle).

    Returns a dict: ``pairs`` and ``points`` evaluated, ``mpmath`` (whether a
    concrete transcendental function took part), ``bound`` (Schwartz–Zippel
    bound on the chance that a wrong pair agrees at every point, None if it
    cannot be given), ``failure`` (``(tag, point, truth value, formula value)``
    or None) and ``unevaluable`` (why some pair could not be evaluated, or None).

    >>> x = symengine.Symbol("x")
    >>> check_exactly([("a", x ** 2, x * x), ("b", x, x + x / 2 ** 40)], 2, 0)["failure"][0]
    'b'
    """
    rng = np.random.default_rng(seed)
    out = {"pairs": 0, "points": count, "mpmath": False, "bound": 0.0, "failure": None, "unevaluable": None}
    for tag, truth, formula in pairs:
        truth, formula = symengine.sympify(truth), symengine.sympify(formula)
        symbols = sorted((truth - formula).free_symbols, key=str)
        degree = degree_bound(truth - formula)
        atoms = (truth - formula).atoms(symengine.FunctionSymbol)
        apps = len(atoms)
        arg_degrees = [degree_bound(x) for a in atoms for x in a.args]
        arg_degree = None if None in arg_degrees else max(arg_degrees, default=0)
        try:
            for k in range(count):
                point, oracle = rational_point(symbols, rng), RandomOracle(seed * 1_000_003 + k)
                t, f = exact_value(truth, point, oracle), exact_value(formula, point, oracle)
                if isinstance(t, Fraction) and isinstance(f, Fraction):
                    same = t == f
                else:
                    out["mpmath"] = True
                    with mpmath.workdps(DIGITS):
                        same = abs(_mp(t) - _mp(f)) <= MP_TOL * max(abs(_mp(t)), abs(_mp(f)), 1)
                if not same:
                    out["failure"] = (tag, point, t, f)
                    return out
        except (Unevaluable, ZeroDivisionError, TypeError, ValueError) as e:
            out["unevaluable"] = out["unevaluable"] or f"{tag}: {e}"
            continue
        out["pairs"] += 1
        if degree is None or arg_degree is None or out["bound"] is None:
            out["bound"] = None
        else:
            # per point: the residual's numerator vanishes, or two distinct arguments of one function collide
            per_point = min(1.0, (degree + apps * (apps - 1) // 2 * max(arg_degree, 1)) / SAMPLE_SET_SIZE)
            out["bound"] = max(out["bound"], per_point ** count)
    return out
