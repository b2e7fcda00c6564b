"""The network at the screen's fixed points: what a :class:`~symbp.claims.view.View` reads of it, as values.

A :class:`NumericNet` stands in for a :class:`~symbp.oracle.symbolic.SymbolicNetwork` under a view: the
same shape (``L``, ``sizes``, ``m``, ``spec``) and the same quantities, each entry a
:class:`~symbp.judge.points.Num` holding its value at the points.  The parameters, inputs, targets, λ
and the free symbols are columns of the points; every other quantity (``a``, ``z``, ``δ``, the costs,
``∂C/∂W``, a Jacobian) is the CAS's expression of the symbolic network, compiled and evaluated once
per batch (all the entries a view builds before it uses one) and remembered by expression.  An exact
number of the network (``0`` for no weight decay) stays that very number.  The activations are the
spec's closed forms, the generic ``f``, ``f'``, ``g``, ``g'`` the screen's drawn functions (the coefficient
columns of ``draws``), exactly as :func:`~symbp.judge.evaluate.numeric_values` closes them.

Whatever else the view asks of it (``n.diff``, ``n.d``: a derivative needs symbols) raises
:class:`~symbp.judge.points.NeedsSymbols`.
"""

from __future__ import annotations

import weakref

import numpy as np
import symengine
from symengine.lib.symengine_wrapper import ComplexInfinity, FunctionSymbol, Infinity, NaN, NegativeInfinity

from ..claims.view import View
from .evaluate import compiled, symbols_of
from .identity import oracle_symbols, random_closed
from .points import NeedsSymbols, Num, is_num

__all__ = ['NumericNet', 'PointFunctions', 'numeric_net', 'NON_SMOOTH']


#: Opaque functions that are piecewise (their closed forms compare): a NaN argument is not handled alike by a
#: whole lambdified formula and by the function alone, so such an application of a tainted value raises.
NON_SMOOTH = ("relu", "step")

#: The elementary functions an activation's symbolic form may call on the backend (``B.tanh``).
_ELEMENTARY = ("tanh", "exp", "log", "sin", "cos", "sqrt", "Abs")


class PointFunctions:
    """The backend ``B`` of a :class:`NumericNet`: exact numbers are symengine's, a function of a value at the
    points is its closed form evaluated there, a new symbol raises.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="tanh"))
    >>> points = np.array([[0.5, 1.0, 2.0, 0.1]])
    >>> B = NumericNet(net, {}, points, np.zeros((1, 0))).backend.B
    >>> B.Integer(1), float(B.tanh(Num(np.array([0.5]))).values[0]) == float(np.tanh(0.5))
    (1, True)
    """

    def __init__(self, source):
        self.source = source
        self.Integer, self.Rational, self.nan = symengine.Integer, symengine.Rational, symengine.nan

    def Symbol(self, name):
        """A new free symbol: only the symbolic replay has one."""
        raise NeedsSymbols(f"a new symbol {name!r}")

    def Function(self, name):
        """The opaque function ``name`` (``f``, ``sigma``, ...), applied at the points."""
        return lambda u: self.source.apply("function", name, u)

    def __getattr__(self, name):
        if name in _ELEMENTARY:
            return lambda u: self.source.apply("elementary", name, u)
        if name.startswith("__"):
            raise AttributeError(name)
        raise NeedsSymbols(f"the backend's {name!r}")


class NumericNet:
    """``net`` at ``points`` (rows: the columns of :func:`~symbp.judge.evaluate.symbols_of` for ``symbols``) with
    the generic functions of ``draws`` (rows: coefficient columns, as :func:`~symbp.judge.evaluate.numeric_values`).

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> from symbp.judge.evaluate import sample_points
    >>> from symbp.judge.identity import default_draws
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> pts = sample_points(net, {}, 2, 0)
    >>> nn = NumericNet(net, {}, pts, default_draws(2))
    >>> bool(np.allclose(nn.z[0][1][0].values, pts[:, 0] * pts[:, 2] + pts[:, 1]))
    True
    """

    def __init__(self, net, symbols, points, draws):
        self.net, self.spec, self.L, self.m, self.sizes = net, net.spec, net.L, net.m, net.sizes
        coefficients = oracle_symbols(with_cost=bool(net.generic_cost_atoms()))
        self.args = symbols_of(net, symbols) + coefficients
        self.points = np.hstack([points, draws[:, :len(coefficients)]])
        self.count = points.shape[0]
        self.draws = draws
        self.columns = {s: self.points[:, i] for i, s in enumerate(self.args[:points.shape[1]])}
        self.known, self.bad, self.pending, self.nan_kind, self.gradients, self.views = {}, set(), [], {}, {}, {}
        self._nan = np.full(points.shape[0], np.nan)
        self._nan.flags.writeable = False
        self.backend = type("PointBackend", (), {"B": PointFunctions(self), "name": "points"})()
        self.lam = self.leaf(net.lam)
        self.x = [[self.leaf(s) for s in row] for row in net.x]
        self.y = [[self.leaf(s) for s in row] for row in net.y]
        self.W = {l: [[self.leaf(w) for w in row] for row in rows] for l, rows in net.W.items()}
        self.b = {l: [self.leaf(v) for v in row] for l, row in net.b.items()}
        self.a = [[None if layer is None else [self.leaf(e) for e in layer] for layer in pass_a] for pass_a in net.a]
        self.z = [[None if layer is None else [self.leaf(e) for e in layer] for layer in pass_z] for pass_z in net.z]
        self._costs = self._cost = self._decay = None

    # -- values --------------------------------------------------------------------------------------
    def leaf(self, expr):
        """The value of the network's expression ``expr`` at the points (an exact number stays itself)."""
        if isinstance(expr, symengine.Number) or isinstance(expr, (int, float)):
            return expr
        if expr in self.bad:
            raise NeedsSymbols("a quantity of the network that is not finite at a point")
        values = self.columns.get(expr)
        if values is None:
            values = self.known.get(expr)
        if values is not None:
            return Num(values, expr=expr)
        out = Num(None, expr=expr, source=self)
        self.pending.append(out)
        return out

    def flush(self, wanted):
        """Compute ``wanted`` (a value of :meth:`leaf`) and every other pending value: one compiled function for
        all of them; :class:`NeedsSymbols` if ``wanted`` is not finite at a point (or cannot be evaluated)."""
        pending, self.pending = self.pending + [wanted], []
        exprs = list(dict.fromkeys(n.expr for n in pending if n.expr not in self.known and n.expr not in self.bad))
        if exprs:
            try:
                self._evaluate(exprs)
            except Exception:           # one of them cannot be evaluated: which, each on its own
                for e in exprs:
                    try:
                        self._evaluate([e])
                    except Exception:
                        self.bad.add(e)
        for n in pending:
            if n.expr in self.known:
                n.set_values(self.known[n.expr])
        if wanted.expr in self.bad:
            raise NeedsSymbols("a quantity of the network that is not finite at a point")

    def _evaluate(self, exprs):
        fn = compiled(self.net, self.args, exprs)
        with np.errstate(all="ignore"):
            vals = np.asarray(fn(self.points), dtype=float).reshape(self.count, len(exprs))
        for k, e in enumerate(exprs):
            if np.all(np.isfinite(vals[:, k])):
                self.known[e] = vals[:, k]
            else:
                self.bad.add(e)

    def apply(self, kind, name, u):
        """``name(u)`` (``kind``: an opaque ``"function"`` or an ``"elementary"`` one) of a value at the points or
        of an exact number: the network's expression where ``u`` is one (its value then computed like any other
        quantity's), else the function's closed form evaluated at ``u``'s values (NaN where ``u`` is tainted)."""
        function = symengine.Function(name) if kind == "function" else getattr(symengine, name)
        if is_num(u):
            if u.known_expr is not None and not u.tainted:
                return self.leaf(function(u.known_expr))
            if u.tainted:       # its value is its symbolic form's (see numeric_replay); a smooth function's NaN
                return Num(self._nan, True, recipe=("apply", function, u))
            values = self._function(kind, name)(u.values)
            if not np.all(np.isfinite(values)):
                raise NeedsSymbols(f"{name} is not finite at a point")
            return Num(values, recipe=("apply", function, u))
        if isinstance(u, NaN):
            return Num(self._nan, True, expr=function(u))
        if isinstance(u, (symengine.Number, int, float)) and not isinstance(u, bool):
            return self.leaf(function(u))
        raise NeedsSymbols(f"{name} of something that is not a value at the points")

    def exactly(self, exprs):
        """The values at the points of the symbolic forms ``exprs`` as the symbolic replay's lambdified form gives
        them, NaN included (a formula with a NaN read): NaN where a NaN stays in a formula of smooth functions,
        else compiled (symengine may have simplified the NaN away)."""
        out, compile_ = [None] * len(exprs), []
        for k, e in enumerate(exprs):
            if isinstance(e, NaN):
                out[k] = self._nan
            elif isinstance(e, (symengine.Number, int, float)):
                if isinstance(e, (ComplexInfinity, Infinity, NegativeInfinity)):
                    raise NeedsSymbols("an infinity in a formula")
                out[k] = np.full(self.count, float(e))
            else:
                how = self.nan_kind.get(e)
                if how is None:
                    atoms = e.atoms(FunctionSymbol, NaN, ComplexInfinity, Infinity, NegativeInfinity)
                    if any(isinstance(a, (ComplexInfinity, Infinity, NegativeInfinity)) for a in atoms):
                        how = "infinite"
                    elif any(isinstance(a, NaN) for a in atoms) and not any(
                            isinstance(a, FunctionSymbol) and a.get_name() in NON_SMOOTH for a in atoms):
                        how = "nan"
                    else:
                        how = "compile"
                    self.nan_kind[e] = how
                if how == "infinite":
                    raise NeedsSymbols("an infinity in a formula")
                if how == "nan":
                    out[k] = self._nan
                else:
                    compile_.append(k)
        if compile_:
            try:
                fn = compiled(self.net, self.args, [exprs[k] for k in compile_])
                with np.errstate(all="ignore"):
                    vals = np.asarray(fn(self.points), dtype=float).reshape(self.count, len(compile_))
            except Exception as e:
                raise NeedsSymbols(f"a formula with a NaN read could not be evaluated: {e}") from None
            for j, k in enumerate(compile_):
                out[k] = vals[:, j]
        return out

    def _function(self, kind, name):
        """``name`` at an array of values, the generic functions drawn as the points' rows draw them."""
        key = (kind, name, self.draws.shape[1])
        fn = _FUNCTIONS.get(key)
        if fn is None:
            u = symengine.Symbol("symbp_u")
            function = symengine.Function(name) if kind == "function" else getattr(symengine, name)
            coefficients = oracle_symbols(with_cost=True)[:self.draws.shape[1]]
            fn = symengine.Lambdify([u] + coefficients, [random_closed(function(u))], cse=True, backend="lambda")
            _FUNCTIONS[key] = fn
        draws = self.draws

        def at(values):
            with np.errstate(all="ignore"):
                return np.asarray(fn(np.hstack([np.asarray(values, dtype=float)[:, None], draws])),
                                  dtype=float).reshape(-1)
        return at

    def view(self, notation, symbols):
        """The view of this network in ``notation`` (the free ``symbols`` at the points), one for every replay:
        its tensors are built once (no operation changes a tensor: each makes a new one), its reads are the
        active reader's every time."""
        found = self.views.get(id(notation))
        if found is None or found[0] is not notation:
            at_points = {k: self.leaf(s) for k, s in symbols.items()}
            found = self.views[id(notation)] = (notation, View(self, notation, 0, at_points))
        return found[1]

    # -- the quantities a view reads -----------------------------------------------------------------
    def delta_cached(self, k, l):
        """The true ``δ`` of example ``k`` at canonical layer ``l``."""
        return [self.leaf(e) for e in self.net.delta_cached(k, l)]

    def partial(self, k, of, kind, l, wrt_index=None):
        """:meth:`~symbp.oracle.symbolic.SymbolicNetwork.partial` at the points."""
        out = self.net.partial(k, of, kind, l, wrt_index)
        return self.leaf(out) if wrt_index is not None else [self.leaf(e) for e in out]

    def diff_cached(self, expr, symbol):
        """The true ``∂expr/∂symbol`` of a cost of the network by one of its symbols (the same value every time)."""
        key = (id(expr), id(symbol))
        found = self.gradients.get(key)
        if found is None or found[0] is not expr or found[1] is not symbol:
            found = self.gradients[key] = (expr, symbol, self.leaf(self.net.diff_cached(_expression(expr),
                                                                                        _expression(symbol))))
        return found[2]

    @property
    def example_costs(self):
        """``C_k`` of every example."""
        if self._costs is None:
            self._costs = [self.leaf(c) for c in self.net.example_costs]
        return self._costs

    @property
    def cost(self):
        """The batch cost ``J``."""
        if self._cost is None:
            self._cost = self.leaf(self.net.cost)
        return self._cost

    @property
    def decay(self):
        """The weight-decay term."""
        if self._decay is None:
            self._decay = self.leaf(self.net.decay)
        return self._decay

    def diff(self, expr, symbol):
        """A derivative of a formula's value: only the symbolic replay has one."""
        raise NeedsSymbols("a derivative of a value at the points")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise NeedsSymbols(f"the network's {name!r} at the points")


def _expression(v):
    """The network's expression a value at the points stands for (an exact number is itself)."""
    if is_num(v):
        return v.expr
    if isinstance(v, symengine.Basic):
        return v
    raise NeedsSymbols("a derivative of something that is not the network's")


#: One compiled function per opaque or elementary function (and coefficient columns).
_FUNCTIONS = {}

#: The numeric networks of each symbolic network, by the points and draws they are at (a few at once).
_NETS = weakref.WeakKeyDictionary()
_NETS_MAX = 8


def numeric_net(net, symbols, points, draws):
    """The :class:`NumericNet` of ``net`` at ``points`` with ``draws`` for ``symbols``, built once.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 1]))
    >>> p, d = np.zeros((2, 4)), np.zeros((2, 3))
    >>> numeric_net(net, {}, p, d) is numeric_net(net, {}, p, d)
    True
    """
    key = (tuple(sorted(symbols)), tuple(str(s) for _, s in sorted(symbols.items())), points.shape,
           points.tobytes(), draws.shape, draws.tobytes())
    nets = _NETS.setdefault(net, {})
    found = nets.get(key)
    if found is None:
        if len(nets) >= _NETS_MAX:
            nets.clear()
        found = nets[key] = NumericNet(net, symbols, points, draws)
    return found
