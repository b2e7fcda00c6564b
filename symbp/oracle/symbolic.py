"""SymbolicNetwork: the network of a spec, built forward from symbols.

Canonical model: layers ``0..L``; ``a[0] = x``; for ``l = 1..L``:
``z[l] = W[l] a[l-1] + b[l]`` and ``a[l] = f_l(z[l])``; ``W[l]`` has shape
``(n_l, n_{l-1})``; indices are 0-based.  The cost over a batch of ``m``
examples is ``J = S(m, K) * sum_k C(a[L]_k, y_k) + R``.

Nothing here knows backpropagation: every derivative is taken by the CAS on
a composed expression, and the derivatives of opaque activations are then
rewritten into one canonical form (:func:`canonical`).
"""

from __future__ import annotations

import weakref
from functools import cached_property

from ..model.activations import ACTIVATIONS, DERIVATIVE_OF_OPAQUE, OPAQUE
from ..model.costs import AVERAGES, COSTS, GENERIC_COST, generic_cost_partial
from ..model.spec import NetworkSpec
from .backends import Backend, get_backend

__all__ = ['SymbolicNetwork', 'canonical', 'closed_form', 'TARGET_CASES', 'SOFTMAX_IDENTITIES', 'SOFTMAX_CLOSED']


#: Derivative identities of the atoms softmax is built from, ``a_k = expo(z_k) · recip(Σ_j expo(z_j))``:
#: expo' = expo, recip'(u) = −recip(u)².  Expressions stay polynomial in these atoms, so softmax's δ is
#: exact under expand (a closed-form quotient of exponentials would not cancel without simplify).
SOFTMAX_IDENTITIES = {"expo": lambda u, B: B.Function("expo")(u),
                      "recip": lambda u, B: -B.Function("recip")(u) ** 2}


#: Their closed forms (for numerics).
SOFTMAX_CLOSED = {"expo": lambda u, B: B.exp(u), "recip": lambda u, B: 1 / u}


#: Most target cases (one-hot classes or binary patterns of a batch) an exact check enumerates.
TARGET_CASES = 64


def canonical(expr, backend: Backend):
    """Rewrite every derivative of an opaque function by its identity.

    >>> import symengine as se
    >>> u = se.Symbol("u")
    >>> canonical(se.Function("sigma")(2 * u).diff(u), get_backend("symengine"))
    2*(1 - sigma(2*u))*sigma(2*u)
    """
    B = backend.B
    mapping = {}
    for atom, name, point in backend.derivative_atoms(expr):
        if name in SOFTMAX_IDENTITIES:
            mapping[atom] = SOFTMAX_IDENTITIES[name](point, B)
            continue
        if name not in DERIVATIVE_OF_OPAQUE:
            raise ValueError(f"no derivative identity for {name!r} (second derivatives are not supported)")
        mapping[atom] = ACTIVATIONS[DERIVATIVE_OF_OPAQUE[name]].derivative(point, B)
    return expr.xreplace(mapping) if mapping else expr


def closed_form(expr, backend: Backend, keep=()):
    """Replace opaque functions (except those named in ``keep``) by their closed forms.

    >>> import symengine as se
    >>> closed_form(se.Function("sigma")(se.Symbol("u")), get_backend("symengine"))
    (1 + exp(-u))**(-1)
    """
    B = backend.B
    closed = {**{n: o.closed for n, o in OPAQUE.items()}, **SOFTMAX_CLOSED}
    atoms = [(a, n, arg) for a, n, arg in backend.function_atoms(expr) if n in closed and n not in keep]
    if not atoms:
        return expr
    # innermost first, so that each replacement already holds its arguments' replacements
    atoms.sort(key=lambda t: len(str(t[0])))
    mapping = {}
    for atom, name, arg in atoms:
        mapping[atom] = closed[name](arg.xreplace(mapping) if mapping else arg, B)
    return expr.xreplace(mapping)


def _function_name(expr):
    """The name of an applied undefined function (symengine or sympy), or None."""
    if hasattr(expr, "get_name"):
        return expr.get_name()
    func = getattr(expr, "func", None)
    return getattr(func, "__name__", None) if getattr(expr, "args", None) else None


def _nodes(name, zs, handles):
    """The nodes of one layer: one per unit, or one for the whole layer under softmax."""
    if name == "softmax":
        return [(name, tuple(zs), tuple(handles))]
    return [(name, zj, h) for zj, h in zip(zs, handles)]


def _softmax_rules(zs, handles, backend):
    """Derivative atom -> identity for the atoms of one softmax layer (``handles[j]`` enters ``zs[j]`` alone)."""
    B = backend.B
    E = [B.Function("expo")(v) for v in zs]
    rules = {e.diff(h): e for e, h in zip(E, handles)}
    S = sum(E[1:], E[0])
    for atom, name, point in backend.derivative_atoms(B.Function("recip")(S).diff(handles[0])):
        if name == "recip":
            rules[atom] = -B.Function("recip")(S) ** 2
    return rules


class Forward:
    """One forward pass: ``z[l]``, ``a[l]`` and how to rewrite its derivatives.

    ``rules`` maps each derivative atom the CAS will produce for an opaque
    activation (``Subs(Derivative(sigma(xi), xi), xi, z)``) to its canonical
    form; the atoms are found by differentiating ``f(z)`` by the handle
    symbol whose coefficient in ``z`` is 1 (the bias, or the cut symbol), so
    no search through the (large) expression tree is ever needed.
    """

    def __init__(self, z, a, nodes, backend):
        self.z, self.a, self.nodes, self.backend = z, a, nodes, backend
        B = backend.B
        self.rules = {}
        for name, zj, handle in nodes:
            if name == "softmax":   # zj, handle: the layer's z and handles; expo(z_j) and recip(Σ expo(z))
                self.rules.update(_softmax_rules(zj, handle, backend))
                continue
            act = ACTIVATIONS[name]
            if act.opaque:
                self.rules[act.symbolic(zj, B).diff(handle)] = act.derivative(zj, B)

    def canonical(self, expr):
        """``expr`` with every derivative atom of this pass rewritten canonically."""
        return expr.xreplace(self.rules)

    def closed_map(self, upto=None):
        """Opaque atom -> closed form, for every node, innermost layer first."""
        B = self.backend.B
        mapping = {}
        for name, zj, _ in self.nodes:
            if name == "softmax":
                E = [B.Function("expo")(v) for v in zj]
                S = sum(E[1:], E[0])
                mapping.update({e: B.exp(v.xreplace(mapping) if mapping else v) for e, v in zip(E, zj)})
                mapping[B.Function("recip")(S)] = 1 / S.xreplace(mapping)
                continue
            act = ACTIVATIONS[name]
            if not act.opaque:
                continue
            zc = zj.xreplace(mapping) if mapping else zj
            for op in act.opaque:
                mapping[B.Function(op)(zj)] = OPAQUE[op].closed(zc, B)
        return mapping


#: Per network, its ``rules`` and ``closed_map`` converted for symengine (:meth:`SymbolicNetwork._converted`).
_CONVERTED = weakref.WeakKeyDictionary()


class SymbolicNetwork:
    """Symbols, forward pass and composed cost of the network of ``spec``.

    Examples
    --------
    >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="identity"))
    >>> net.z[0][1][0], net.cost
    (b1_0 + x0_0*W1_0_0, (1/2)*(b1_0 - y0_0 + x0_0*W1_0_0)**2)
    """

    def __init__(self, spec: NetworkSpec, backend: str | Backend = "symengine"):
        self.spec = spec
        self.backend = backend if isinstance(backend, Backend) else get_backend(backend)
        B = self.backend.B
        n, L, m = spec.sizes, spec.depth, spec.batch_size
        self.L, self.m, self.sizes = L, m, n
        self.x = [[B.Symbol(f"x{k}_{i}") for i in range(n[0])] for k in range(m)]
        self.y = [[B.Symbol(f"y{k}_{i}") for i in range(n[L])] for k in range(m)]
        self.W = {l: [[B.Symbol(f"W{l}_{j}_{i}") for i in range(n[l - 1])] for j in range(n[l])]
                  for l in range(1, L + 1)}
        self.b = {l: [B.Symbol(f"b{l}_{j}") for j in range(n[l])] for l in range(1, L + 1)}
        self.lam = B.Symbol("lambda")
        #: one forward pass per example; z[k][l], a[k][l] are lists (z[k][0] is None)
        self.passes = [self.forward(self.x[k]) for k in range(m)]
        self.z = [p.z for p in self.passes]
        self.a = [p.a for p in self.passes]
        self.rules = {key: v for p in self.passes for key, v in p.rules.items()}
        self._cache = {}

    # -- forward pass ---------------------------------------------------------
    def __repr__(self):
        s = self.spec
        return (f"{type(self).__name__}({list(s.sizes)}, m={s.batch_size}, {s.activation}/{s.output_activation}, "
                f"{s.cost}, backend={self.backend.name})")

    def activate(self, l, zs):
        """Activations of canonical layer ``l`` for pre-activations ``zs``."""
        B = self.backend.B
        name = self.spec.activation_of(l)
        if name == "softmax":   # a_k = expo(z_k) · recip(Σ_j expo(z_j)), see SOFTMAX_IDENTITIES
            exps = [B.Function("expo")(v) for v in zs]
            total = B.Function("recip")(sum(exps[1:], exps[0]))
            return [e * total for e in exps]
        return [ACTIVATIONS[name].symbolic(v, B) for v in zs]

    def forward(self, x, cut=None) -> Forward:
        """The forward pass from input ``x``; ``cut=(kind, l, symbols)`` starts at ``z[l]`` or ``a[l]``.

        Cutting is how a derivative with respect to an inner quantity is
        taken: the quantity becomes free symbols, the CAS differentiates,
        and the symbols are put back (:meth:`partial`).
        """
        L = self.L
        z, a, nodes = [None] * (L + 1), [None] * (L + 1), []
        a[0] = list(x)
        start = 1
        if cut is not None:
            kind, lc, symbols = cut
            if kind == "z":
                z[lc], a[lc] = list(symbols), self.activate(lc, symbols)
                nodes += _nodes(self.spec.activation_of(lc), symbols, symbols)
            else:
                a[lc] = list(symbols)
            start = lc + 1
        for l in range(start, L + 1):
            W, b, prev = self.W[l], self.b[l], a[l - 1]
            z[l] = [sum((w * p for w, p in zip(row, prev)), bj) for row, bj in zip(W, b)]
            a[l] = self.activate(l, z[l])
            nodes += _nodes(self.spec.activation_of(l), z[l], b)
        return Forward(z, a, nodes, self.backend)

    def example_cost(self, a_out, y):
        """Per-example cost ``C(a[L], y)`` (no scaling, no weight decay)."""
        return COSTS[self.spec.cost].symbolic(a_out, y, self.backend.B)

    def pass_cost(self, fw: Forward, k):
        """The per-example cost at the end of the pass ``fw`` of example k (a subclass may end it otherwise)."""
        cost = self.example_cost(fw.a[self.L], self.y[k])
        if self.spec.cost == "generic":
            self._generic_cost_rules(fw, cost, k)
        return cost

    def _generic_cost_rules(self, fw: Forward, cost, k):
        """Rules rewriting the CAS's derivative atoms of the undefined cost ``C(a, y)`` into named partials.

        ``∂C/∂a_j`` at the pass's point becomes the undefined ``C_aj(a, y)`` (``∂C/∂y_j``: ``C_yj``), found by
        differentiating ``C`` by the handle of each output unit (its bias or cut symbol, or the cut ``a``
        itself) and by each target; the argument a derivative atom is taken in gives its position.
        """
        B, K = self.backend.B, self.sizes[-1]
        if fw.z[self.L] is None:                        # cut at a^(L): the a's are the symbols themselves
            handles = list(fw.a[self.L])
        else:
            handles = [h for _, _, h in fw.nodes[-K:]]  # the output layer's nodes come last
        point = cost.args
        for h in handles + list(self.y[k]):
            d = cost.diff(h)
            for atom in d.atoms(B.Subs):
                inner = atom.expr
                if isinstance(inner, B.Derivative) and getattr(inner.expr, "args", None) \
                        and _function_name(inner.expr) == GENERIC_COST:
                    self._add_cost_rule(fw, atom, list(inner.expr.args).index(inner.variables[0]), point)
            for atom in d.atoms(B.Derivative):
                if _function_name(atom.expr) == GENERIC_COST and atom.variables[0] in point:
                    self._add_cost_rule(fw, atom, list(point).index(atom.variables[0]), point)

    def _add_cost_rule(self, fw, atom, position, point):
        K = self.sizes[-1]
        name = generic_cost_partial("a", position + 1) if position < K else generic_cost_partial("y", position - K + 1)
        fw.rules[atom] = self.rules[atom] = self.backend.B.Function(name)(*point)
        _CONVERTED.pop(self, None)

    def generic_cost_atoms(self):
        """``(atom, name, arguments)`` of ``C`` and its partials at each example's point (generic cost only)."""
        if self.spec.cost != "generic":
            return []
        B, K, out = self.backend.B, self.sizes[-1], []
        for k in range(self.m):
            point = tuple(self.a[k][self.L]) + tuple(self.y[k])
            names = [GENERIC_COST] + [generic_cost_partial(w, j) for w in "ay" for j in range(1, K + 1)]
            out += [(B.Function(n)(*point), n, point) for n in names]
        return out

    # -- cost -----------------------------------------------------------------
    @cached_property
    def scale(self):
        """The factor S(m, K) in front of the summed per-example costs."""
        return AVERAGES[self.spec.average](self.m, self.sizes[-1], self.backend.B)

    @cached_property
    def decay(self):
        """The weight-decay term R (zero when the spec has no weight decay)."""
        B, spec = self.backend.B, self.spec
        if spec.weight_decay == 0:
            return B.Integer(0)
        squares = [w ** 2 for l in self.W for row in self.W[l] for w in row]
        if spec.decay_biases:
            squares += [v ** 2 for l in self.b for v in self.b[l]]
        R = self.lam / 2 * sum(squares[1:], squares[0])
        return R / self.m if spec.decay_average else R

    @cached_property
    def example_costs(self):
        """``C_k`` for every example k."""
        return [self.pass_cost(self.passes[k], k) for k in range(self.m)]

    @cached_property
    def cost(self):
        """The composed batch cost J."""
        costs = self.example_costs
        return self.scale * sum(costs[1:], costs[0]) + self.decay

    @cached_property
    def params(self):
        """Every parameter symbol, canonical order: W[1] row-major, b[1], W[2], b[2], ..."""
        out = []
        for l in range(1, self.L + 1):
            out += [w for row in self.W[l] for w in row] + list(self.b[l])
        return out

    @property
    def data_symbols(self):
        """Input and target symbols, example by example."""
        return [s for k in range(self.m) for s in self.x[k]] + [s for k in range(self.m) for s in self.y[k]]

    # -- target domain ----------------------------------------------------------
    def target_cases(self, limit=TARGET_CASES):
        """The spec's target domain as substitutions of the y symbols: ``(how, [(case, mapping)])``.

        An exact check that holds after each substitution holds on the whole
        domain: ``free`` and a box ``[0, 1]`` keep y symbolic (one case, no
        substitution); ``probability`` with a softmax output puts
        ``y_K = 1 − Σ_{k<K} y_k`` (the simplex); ``one_hot`` and ``binary``
        enumerate every class (``K^m`` cases) or pattern (``2^(mK)``).  Past
        ``limit`` cases they fall back to a superset (the simplex, free y),
        which may reject but never wrongly accepts.  ``case`` is a tuple of
        per-example target rows (or None).

        >>> net = SymbolicNetwork(NetworkSpec([1, 2], cost="softmax_cross_entropy", targets="one_hot"))
        >>> how, cases = net.target_cases()
        >>> how, [c for c, _ in cases]
        ('enumerating every class of every example', [((1, 0),), ((0, 1),)])
        >>> SymbolicNetwork(NetworkSpec([1, 2], cost="softmax_cross_entropy")).target_cases()[1][0][1]
        {y0_1: 1 - y0_0}
        """
        from itertools import product
        B, K, m, domain = self.backend.B, self.sizes[-1], self.m, self.spec.targets
        simplex = domain == "one_hot" or (domain == "probability" and self.spec.output_activation == "softmax")
        if domain in ("one_hot", "binary"):
            rows = ([tuple(int(i == c) for i in range(K)) for c in range(K)] if domain == "one_hot"
                    else list(product((0, 1), repeat=K)))
            if len(rows) ** m <= limit:
                cases = [(case, {s: B.Integer(v) for k in range(m) for s, v in zip(self.y[k], case[k])})
                         for case in product(rows, repeat=m)]
                what = "class" if domain == "one_hot" else "0/1 pattern"
                return f"enumerating every {what} of every example", cases
        if simplex:
            mapping = {self.y[k][-1]: 1 - sum(self.y[k][:-1], B.Integer(0)) for k in range(m)}
            how = "on the simplex (y_K = 1 − Σ_{k<K} y_k)"
            return (how if domain == "probability" else how + f", a superset of the one-hot vectors "
                    f"(more than {limit} cases)"), [(None, mapping)]
        if domain == "binary":
            return f"with y free, a superset of {{0,1}} (more than {limit} cases)", [(None, {})]
        return ("with y free" if domain == "free" else "with y free (an identity on [0, 1] holds everywhere)"), \
            [(None, {})]

    # -- derivatives by the CAS -------------------------------------------------
    def diff(self, expr, symbol):
        """``d expr / d symbol`` in canonical form (``expr`` built from this network's passes)."""
        return expr.diff(symbol).xreplace(self._converted(self.rules))

    def _converted(self, mapping):
        """``mapping`` (``rules`` or ``closed_map``) as symengine's ``xreplace`` takes it, converted once.

        symengine converts a dict argument to its own map on every call (milliseconds for a network's
        hundreds of rules); the converted map is kept per network, keyed by which mapping and its size
        (``rules`` only grows: :meth:`_add_cost_rule` adds, and drops the converted copy).
        """
        if self.backend.name != "symengine":
            return mapping
        maps = _CONVERTED.setdefault(self, {})
        key = (id(mapping), len(mapping))
        if key not in maps:
            from symengine.lib.symengine_wrapper import DictBasic
            maps[key] = DictBasic(mapping)
        return maps[key]

    def diff_all(self, expr, symbols, closed=False):
        """:meth:`diff` by each of ``symbols`` (then :meth:`closed` if asked), rewritten in one pass.

        The derivatives share most of their subtrees; one ``xreplace`` over all of them at once visits
        each shared subtree once instead of once per derivative.

        >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="sigmoid"))
        >>> net.diff_all(net.cost, net.params) == [net.diff(net.cost, p) for p in net.params]
        True
        """
        out = self.rewrite_all([expr.diff(s) for s in symbols], self._converted(self.rules))
        return self.rewrite_all(out, self._converted(self.closed_map)) if closed else out

    def rewrite_all(self, exprs, mapping):
        """``[e.xreplace(mapping) for e in exprs]``, as one traversal of their shared subtrees.

        >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="sigmoid"))
        >>> net.rewrite_all(net.a[0][1], net.closed_map) == [net.closed(net.a[0][1][0])]
        True
        """
        exprs = list(exprs)
        if not exprs or not mapping:
            return exprs
        packed = self.backend.B.Function("symbp_all")(*exprs).xreplace(mapping)
        return list(packed.args)

    def partial(self, k, of, kind, l, wrt_index=None):
        """Derivative of a per-example quantity w.r.t. ``z[l]`` or ``a[l]`` of example k.

        ``of(z, a, C)`` picks the quantity from the forward pass cut at that
        layer (``C`` is the per-example cost).  Returns the list over the
        layer's units, or one unit if ``wrt_index`` is given.
        """
        B = self.backend.B
        zeta = [B.Symbol(f"zeta_{kind}{l}_{j}") for j in range(self.sizes[l])]
        fw = self.forward(self.x[k], cut=(kind, l, zeta))
        quantity = of(fw.z, fw.a, self.pass_cost(fw, k))
        back = dict(zip(zeta, (self.z if kind == "z" else self.a)[k][l]))
        units = range(len(zeta)) if wrt_index is None else [wrt_index]
        out = [fw.canonical(quantity.diff(zeta[j])).xreplace(back) for j in units]
        return out if wrt_index is None else out[0]

    def delta(self, k, l):
        """``δ[l] = ∂C_k/∂z[l]`` for example k, by the free-symbol method."""
        return self.partial(k, lambda z, a, C: C, "z", l)

    def delta_cached(self, k, l):
        """:meth:`delta`, computed once per (k, l)."""
        key = ("delta", k, l)
        if key not in self._cache:
            self._cache[key] = self.delta(k, l)
        return self._cache[key]

    def diff_cached(self, expr, symbol):
        """:meth:`diff` of a long-lived expression (a cost of this network), computed once.

        By a weight (a bias), the derivatives by every weight (bias) of its layer are computed with it, rewritten
        in one pass (:meth:`diff_all`): a view reads the whole gradient matrix, and the same rewrite of each
        derivative on its own walks their shared subtrees again and again.

        >>> net = SymbolicNetwork(NetworkSpec([2, 2], activation="sigmoid"))
        >>> w = net.W[1][0][1]
        >>> net.diff_cached(net.cost, w) == net.diff(net.cost, w), (id(net.cost), net.W[1][1][0]) in net._cache
        (True, True)
        """
        key = (id(expr), symbol)
        if key not in self._cache:
            symbols = [s for s in self._layer_of.get(symbol, (symbol,)) if (id(expr), s) not in self._cache]
            for s, d in zip(symbols, self.diff_all(expr, symbols)):
                self._cache[(id(expr), s)] = (expr, d)
        return self._cache[key][1]

    @cached_property
    def _layer_of(self):
        """Each weight (bias) -> every weight (bias) of its layer, in order."""
        out = {}
        for l in self.W:
            weights = tuple(w for row in self.W[l] for w in row)
            out.update(dict.fromkeys(weights, weights))
            out.update(dict.fromkeys(self.b[l], tuple(self.b[l])))
        return out

    @cached_property
    def closed_map(self):
        """Opaque atom -> closed form, over every example's pass (for numerics)."""
        out = {}
        for p in self.passes:
            out.update(p.closed_map())
        return out

    def closed(self, expr):
        """``expr`` with every opaque function of this network replaced by its closed form."""
        return expr.xreplace(self._converted(self.closed_map))
