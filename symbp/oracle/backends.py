"""The two computer-algebra backends, behind one small interface.

symengine (the default) is fast; sympy is the reference.  Both build the same
expressions from the same tables, and both answer the handful of questions
the oracle asks: differentiate, expand, find derivative atoms, lambdify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import symengine
import sympy
from sympy.core.function import AppliedUndef

__all__ = ['Backend', 'BACKENDS', 'get_backend', 'BackendError']


class BackendError(ValueError):
    """An unknown backend name."""


@dataclass(frozen=True)
class Backend:
    """A CAS module plus the few operations symbp needs from it."""
    name: str
    B: object                       # the module: Symbol, Function, exp, log, Rational, ...
    derivative_atoms: Callable      # expr -> [(atom, function name, point)]
    function_atoms: Callable        # expr -> [(atom, function name, argument)] of undefined functions
    lambdify: Callable              # (symbols, exprs) -> fn(array (P, n_symbols)) -> array (P, n_exprs)

    def expand(self, expr):
        """Expand a product/power expression into a sum of terms."""
        return self.B.expand(expr)

    def sympify(self, expr):
        """The expression as a sympy object (for printing and exact evaluation)."""
        return sympy.sympify(expr)


# -- symengine ---------------------------------------------------------------
def _se_derivative_atoms(expr):
    out = []
    for s in expr.atoms(symengine.Subs):
        out.append((s, s.expr.expr.get_name(), s.point[0]))
    for d in expr.atoms(symengine.Derivative):
        if isinstance(d.expr, symengine.FunctionSymbol):
            out.append((d, d.expr.get_name(), d.expr.args[0]))
    return out


def _se_function_atoms(expr):
    return [(a, a.get_name(), a.args[0]) for a in expr.atoms(symengine.FunctionSymbol)]


def _se_lambdify(symbols, exprs):
    fn = symengine.Lambdify(list(symbols), list(exprs), cse=True, backend="lambda")

    def evaluate(points):
        points = np.atleast_2d(np.asarray(points, dtype=float))
        return np.asarray(fn(points)).reshape(points.shape[0], len(exprs))
    return evaluate


# -- sympy ---------------------------------------------------------------------
def _sp_derivative_atoms(expr):
    out = []
    for s in expr.atoms(sympy.Subs):
        out.append((s, s.expr.expr.func.__name__, s.point[0]))
    for d in expr.atoms(sympy.Derivative):
        if isinstance(d.expr, AppliedUndef):
            out.append((d, d.expr.func.__name__, d.expr.args[0]))
    return out


def _sp_function_atoms(expr):
    return [(a, a.func.__name__, a.args[0]) for a in expr.atoms(AppliedUndef)]


def _sp_lambdify(symbols, exprs):
    fn = sympy.lambdify([list(symbols)], list(exprs), modules="numpy", cse=True)

    def evaluate(points):
        points = np.atleast_2d(np.asarray(points, dtype=float))
        cols = fn(points.T)
        return np.stack([np.broadcast_to(np.asarray(c, dtype=float), (points.shape[0],)) for c in cols], axis=1)
    return evaluate


BACKENDS = {
    "symengine": Backend("symengine", symengine, _se_derivative_atoms, _se_function_atoms, _se_lambdify),
    "sympy": Backend("sympy", sympy, _sp_derivative_atoms, _sp_function_atoms, _sp_lambdify),
}


def get_backend(name: str) -> Backend:
    """The backend called ``name``.

    >>> get_backend("symengine").name
    'symengine'
    """
    try:
        return BACKENDS[name]
    except KeyError:
        raise BackendError(f"backend: {name!r} is not one of {', '.join(map(repr, BACKENDS))}") from None
