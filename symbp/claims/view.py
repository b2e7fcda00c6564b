"""View: one network seen through a document's notation, and the page's side of that boundary.

``n.a[l][i]`` is the page's ``a_i^{(l)}``.  A claim function reads a :class:`PageView`, whose
every attribute is a page name looked up once by :meth:`View.page`; the view's own code uses
the view's names and is never renamed.  Every derivative a view offers (``n.delta``,
``n.dC_dW``, ``n.partial``) is the ground truth of :mod:`symbp.oracle.symbolic`, never a
formula of a document.
"""

from __future__ import annotations

import weakref
from functools import cached_property, wraps

from ..model.activations import ACTIVATIONS
from .derivative import derivative
from .notation import PAGE_FUNCTIONS, PAGE_SYMBOL, PAGE_VALUES, Notation
from .occurrence import ACTIVE, caller
from .tensor import LENIENT, LENIENT_MISSES, IllFormed, Tensor, is_tensor

__all__ = ['View', 'PageView', 'on_page', 'view_of', 'LAYER_READS', 'PAGE_READS', 'Layers']


#: True Jacobians already computed, per network: (example, of, by kind, layer) -> rows (see View.partial).
_PARTIALS = weakref.WeakKeyDictionary()


#: Callbacks ``hook(name, l)`` told of every layer read through a view (used by :mod:`symbp.judge.locality`).
LAYER_READS: list = []


#: Callbacks ``hook(canon)`` told of every quantity a page reads, by the view's name (used by
#: :mod:`symbp.judge.definition`).
PAGE_READS: list = []


#: Every name a page may read (the view's values and functions).
_PAGE_NAMES = frozenset(PAGE_VALUES + PAGE_FUNCTIONS)


#: The view's true gradients (``dC_dW``): in messages they are written ``∂C/∂W`` in the page's names.
_GRADIENT = __import__("re").compile(r"d([CJ])_d([Wba])")


class Layers:
    """Document layer index -> Tensor, with a clear error for a layer that does not exist."""

    def __init__(self, name, valid, build):
        self.name, self.valid, self.build, self.cache = name, list(valid), build, {}

    def __getitem__(self, l):
        if LAYER_READS:
            for hook in LAYER_READS:
                hook(self.name, l)
        reader = ACTIVE[0]
        if reader is None and type(l) is int:   # a layer read before: its tensor (else _read builds it or says why)
            t = self.cache.get(l)
            if t is not None:
                return t
        if reader is not None and isinstance(l, int) and not isinstance(l, bool):   # the diagnosis's edits
            read, change = reader.note("layer", self.name, caller(), l)
            if read is not None:
                l = reader.symbol_layer(self.name, l) + (change[1] if change and change[0] == "layer" else 0)
                if change and change[0] == "family" and self.name in reader.families:   # a for z, b for h, ...
                    canon, view = reader.families[self.name]
                    if canon != change[1]:
                        return getattr(view, change[1])._read(l + change[2])
                t = self._read(l)
                if change and change[0] == "zero" and is_tensor(t):
                    return t._map(lambda v: v * 0, t.name)
                return t.T if change and change[0] == "transpose" and is_tensor(t) else t
        return self._read(l)

    def _read(self, l):
        if not isinstance(l, int) or isinstance(l, bool) or l not in self.valid:
            if LENIENT[0]:  # a layer that does not exist reads as NaN (see LENIENT)
                LENIENT_MISSES[0] += 1
                import symengine
                return Tensor([[symengine.nan]], f"{self.name}^({l})")
            raise IllFormed(f"{self.name}^({l}) does not exist (layers {self.valid[0]}..{self.valid[-1]})"
                            if self.valid else f"{self.name} has no layers")
        if l not in self.cache:
            self.cache[l] = self.build(l)
        return self.cache[l]


# -- the view -----------------------------------------------------------------------
class View:
    """One network, one example, in a document's notation.

    ``perturb`` is used by the diagnosis to re-read a formula counterfactually
    (``{"shift": ("z", 1)}`` reads ``z^(l)`` as ``z^(l+1)``; ``{"swap_f": True}``
    exchanges ``f`` and ``f'``; ``{"transpose_W": True}`` transposes ``W``).
    """

    def __init__(self, net, notation: Notation, k=0, symbols=None, perturb=None):
        self.net, self.nt, self.k = net, notation, k
        self.perturb = perturb or {}
        self._symbols = symbols if symbols is not None else {}
        self._page_of = {v: p for p, v in notation.all_names().items()}   # view name -> the page's name
        self._resolved = {}     # the page's names resolved so far -> the view's
        self.B = net.backend.B
        self.L = net.L + notation.first_layer
        self.first = notation.first_layer
        self.K = net.sizes[-1]
        self.m = net.m
        self.lam = net.lam
        self.lr = self._free("alpha")

    # -- the page's names (the notation's renames apply here, once) --------------------------
    def resolve(self, name):
        """The view's name for what the page calls ``name``; :class:`IllFormed` if the view has none.

        A view name the page renamed away still names the view's quantity (``{"h": "a"}``: ``a`` is the
        view's a), unless the page uses that name for something else (Bishop's ``{"a": "z", "z": "a"}``).

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation(names={"h": "a", "net": "z"}))
        >>> v.resolve("h"), v.resolve("a"), v.resolve("net")
        ('a', 'a', 'z')
        """
        known = self._resolved.get(name) if isinstance(name, str) else None
        if known is not None:   # a name read again (a formula reads its symbols over and over)
            return known
        canon = self.nt.canonical(name) if isinstance(name, str) else name
        if not isinstance(canon, str) or canon not in _PAGE_NAMES:
            raise IllFormed(f"unknown symbol {name!r} (this notation knows: {', '.join(sorted(self.known()))})")
        if isinstance(name, str):
            self._resolved[name] = canon
        return canon

    def page(self, name):
        """What the page's ``name`` denotes on this view (``n.page("h")`` is ``n.a`` under ``{"h": "a"}``).

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation(names={"a": "z", "z": "a"}))
        >>> v.page("a") is v.z, v.page("z") is v.a
        (True, True)
        """
        canon = self._resolved.get(name) if type(name) is str else None
        if canon is None:
            canon = self.resolve(name)
        if PAGE_READS:
            for hook in PAGE_READS:
                hook(canon)
        if canon == "examples":
            return [PageView(ex) for ex in self.examples]
        if canon == "partial":
            return self._page_partial
        out = getattr(self, canon)
        if isinstance(out, Layers) and ACTIVE[0] is not None:   # the diagnosis may read another family instead
            ACTIVE[0].families[out.name] = (canon, self)
        return out

    def _page_partial(self, of, wrt):
        """``partial`` with its quantities (``"C"``, ``("z", l)``) in the page's names."""
        reader, frame = ACTIVE[0], caller()

        def kind(q):
            if not (isinstance(q, tuple) and q):
                return q
            q = (self.resolve(q[0]),) + tuple(q[1:])
            if reader is not None and reader.site(frame) and len(q) == 2:   # a symbol edit (z^(0) read as z^(1))
                reader.note("symbol", self.shown(q[0]), frame, q[1])
                q = (q[0], reader.symbol_layer(self.shown(q[0]), q[1]))
            return q
        return self.partial(self.resolve(of) if isinstance(of, str) else kind(of), kind(wrt))

    def shown(self, canon):
        """How the page writes the view's ``canon`` (its page name, or ``canon`` itself).

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> View(SymbolicNetwork(NetworkSpec((1, 1))), Notation(names={"h": "a"})).shown("a")
        'h'
        """
        return self._page_of.get(canon, canon)

    def written(self, canon):
        """How the page writes the view's ``canon`` in a message: its page name, a true gradient as ``∂C/∂W``.

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation(names={"w": "W"}))
        >>> v.written("dC_dW"), v.written("dJ_db"), v.written("W"), v.dC_dW[1].name
        ('∂C/∂w', '∂J/∂b', 'w', '∂C/∂w^(1)')
        """
        m = _GRADIENT.fullmatch(canon)
        if m and canon not in self._page_of:
            return f"∂{m.group(1)}/∂{self.shown(m.group(2))}"
        return self.shown(canon)

    def known(self):
        """The names a claim can use in this notation: the view's, and the page's own.

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> "h" in View(SymbolicNetwork(NetworkSpec((1, 1))), Notation(names={"h": "a"})).known()
        True
        """
        return set(PAGE_VALUES) | set(PAGE_FUNCTIONS) | set(self.nt.all_names())

    def _free(self, key):
        """The free symbol ``key`` shared by every view of the same check."""
        if key not in self._symbols:
            self._symbols[key] = self.B.Symbol(key)
        return self._symbols[key]

    def symbol(self, name):
        """A free symbol of the page (shared by every view of the same check), e.g. a lemma's ``u``.

        Its internal name carries a prefix no symbol of the network has, so a page's ``alpha`` or
        ``lambda`` is not the learning rate or the weight decay; it displays as the page writes it.

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation())
        >>> v.symbol("alpha") == v.lr, v.display_names()[str(v.symbol("alpha"))]
        (False, 'alpha')
        """
        if not isinstance(name, str) or not name:
            raise IllFormed(f"symbol takes a name, got {name!r}")
        return self._free(PAGE_SYMBOL + name)

    def display_names(self) -> dict:
        """Canonical symbol name -> how the page writes it (``W2_0_1`` -> ``W^(2)_{1,2}``)."""
        nt, net, u, e = self.nt, self.net, self.nt.unit_base, self.nt.example_base
        off = 1 if nt.weight_named_after == "source" else 0
        out = _Shown({"lambda": self._page_of.get("lam", "λ"), "alpha": self._page_of.get("lr", "α")})
        W, b, x, y = (self.shown(q) for q in ("W", "b", "x", "y"))
        for c in range(1, net.L + 1):
            d = c - off + self.first
            for j in range(net.sizes[c]):
                for i in range(net.sizes[c - 1]):
                    r, s = (j, i) if nt.weight_index == "to_from" else (i, j)
                    out[f"W{c}_{j}_{i}"] = f"{W}^({d})_{{{r + u},{s + u}}}"
                out[f"b{c}_{j}"] = f"{b}^({d})_{{{j + u}}}"
        for k in range(net.m):
            ex = f"^[{k + e}]" if net.m > 1 else ""
            out.update({f"x{k}_{i}": f"{x}_{{{i + u}}}{ex}" for i in range(net.sizes[0])})
            out.update({f"y{k}_{i}": f"{y}_{{{i + u}}}{ex}" for i in range(net.sizes[-1])})
        for fn, out_fn in (("f", "f_out"), ("fp", "fp_out")):   # the activations, as functions: "fp()" -> σ'
            if fn in self._page_of:
                out[fn + "()"] = self.nt.printed(fn)
            if out_fn in self._page_of:
                out[{"f": "g", "fp": "gp"}[fn] + "()"] = self.nt.printed(out_fn)
        return out

    # -- layer numbering ------------------------------------------------------------
    def _canon_layer(self, family, l):
        shift = self.perturb.get("shift")
        if shift and shift[0] == family:
            l = l + shift[1]
        return l - self.first

    def _shift(self, family):
        shift = self.perturb.get("shift")
        return shift[1] if shift and shift[0] == family else 0

    def _canon_weight(self, l):
        c = self._canon_layer("W", l)
        return c + 1 if self.nt.weight_named_after == "source" else c

    @property
    def layers(self):
        """Document indices of every layer, input first."""
        return [c + self.first for c in range(self.net.L + 1)]

    @property
    def hidden(self):
        """Document indices of the hidden layers."""
        return self.layers[1:-1]

    @property
    def weight_layers(self):
        """Document indices of the weight matrices."""
        off = 1 if self.nt.weight_named_after == "source" else 0
        return [c - off + self.first for c in range(1, self.net.L + 1)]

    def size(self, l):
        """Width of document layer l."""
        return self.net.sizes[self._check_layer(l, "s")]

    def _check_layer(self, l, name, lo=0):
        c = l - self.first
        if not isinstance(l, int) or not lo <= c <= self.net.L:
            raise IllFormed(f"{name}^({l}) does not exist (layers {self.first + lo}..{self.L})")
        return c

    # -- vectors of one example -------------------------------------------------------
    def _vec(self, values, name, slot_one=False):
        b = self.nt.unit_base
        slots = {0: (lambda _c: self.B.Integer(1))} if (slot_one and self.nt.bias_slot) else None
        return Tensor([[v] for v in values], name, (b, b), slots)

    def _layer_vec(self, family, values_of, lo, slot_one=False):
        def build(l):
            c = self._canon_layer(family, l)
            if not lo <= c <= self.net.L:
                raise IllFormed(f"{self.shown(family)}^({l}) does not exist")
            return self._vec(values_of(c), f"{self.shown(family)}^({l})", slot_one)
        sh = self._shift(family)
        return Layers(self.shown(family), [c + self.first - sh for c in range(lo, self.net.L + 1)], build)

    @cached_property
    def a(self):
        """Activations ``a^(l)`` (``a`` of the input layer is ``x``)."""
        return self._layer_vec("a", lambda c: self.net.a[self.k][c], 0, slot_one=True)

    @cached_property
    def z(self):
        """Pre-activations ``z^(l)``."""
        return self._layer_vec("z", lambda c: self.net.z[self.k][c], 1)

    @cached_property
    def delta(self):
        """The true ``δ^(l) = ∂C/∂z^(l)`` of this example (free-symbol method)."""
        return self._layer_vec("delta", lambda c: self.net.delta_cached(self.k, c), 1)

    @cached_property
    def dC_da(self):
        """The true ``∂C/∂a^(l)`` of this example."""
        return self._layer_vec("dC_da", lambda c: self.net.partial(self.k, lambda z, a, C: C, "a", c), 0)

    @property
    def x(self):
        """The input of this example."""
        return self._vec(self.net.x[self.k], self.shown("x"), slot_one=True)

    @property
    def y(self):
        """The target of this example."""
        return self._vec(self.net.y[self.k], self.shown("y"))

    # -- weights ---------------------------------------------------------------------
    def _weights(self, name, entry, bias_entry):
        """Doc-oriented matrices: ``entry(c, j, i)`` canonical (to j, from i)."""
        def build(l):
            c = self._canon_weight(l)
            if not 1 <= c <= self.net.L:
                raise IllFormed(f"{self.shown(name)}^({l}) does not exist")
            n_to, n_from = self.net.sizes[c], self.net.sizes[c - 1]
            rows = [[entry(c, j, i) for i in range(n_from)] for j in range(n_to)]
            b = self.nt.unit_base
            slots = {1: (lambda j: bias_entry(c, j))} if self.nt.bias_slot else {}
            t = Tensor(rows, f"{self.written(name)}^({l})", (b, b), slots)
            flip = (self.nt.weight_index == "from_to") != bool(self.perturb.get("transpose_W") and name == "W")
            if not flip:
                return t
            t = t.T
            t.name = f"{self.written(name)}^({l})"   # the page's own matrix: it writes no transpose
            return t
        return Layers(self.shown(name), [l - self._shift("W") for l in self.weight_layers], build)

    @cached_property
    def W(self):
        """Weights ``W^(l)`` in the document's orientation and naming."""
        return self._weights("W", lambda c, j, i: self.net.W[c][j][i], lambda c, j: self.net.b[c][j])

    def _bias(self, name, entry):
        def build(l):
            c = self._canon_weight(l)
            if not 1 <= c <= self.net.L:
                raise IllFormed(f"{self.shown(name)}^({l}) does not exist")
            return self._vec([entry(c, j) for j in range(self.net.sizes[c])], f"{self.written(name)}^({l})")
        return Layers(self.shown(name), [l - self._shift("W") for l in self.weight_layers], build)

    @cached_property
    def b(self):
        """Biases ``b^(l)``, named like the weights."""
        return self._bias("b", lambda c, j: self.net.b[c][j])

    # -- activations -------------------------------------------------------------------
    def _act(self, canon_layer, derivative):
        name = self.net.spec.activation_of(canon_layer)
        if name == "softmax":
            raise IllFormed("softmax has no element-wise derivative: write the output δ directly")
        if self.perturb.get("swap_f"):
            derivative = not derivative
        row = ACTIVATIONS[name]
        fn = row.derivative if derivative else row.symbolic
        canon = ("fp" if derivative else "f") + ("_out" if canon_layer == self.net.L and self.net.L > 1 else "")
        shown = self.nt.printed(canon) if canon in self._page_of else ("f'" if derivative else "f")
        return lambda u: u._map(lambda v: fn(v, self.B), f"{shown}({u.name})") \
            if is_tensor(u) else fn(u, self.B)

    def _applied(self, name, derivative):
        """Whether this application (of the page's ``name``) is the derivative: an edit may exchange f and f'."""
        reader = ACTIVE[0]
        if reader is not None:
            read, change = reader.note("apply", self.shown(name), caller(3), derivative)
            if change and change[0] == "flip":
                return not derivative
        return derivative

    def f(self, u):
        """The hidden layers' activation, element-wise."""
        return self._act(1 if self.net.L > 1 else self.net.L, self._applied("f", False))(u)

    def fp(self, u):
        """The hidden layers' activation derivative ``f'``, element-wise (canonical form)."""
        return self._act(1 if self.net.L > 1 else self.net.L, self._applied("fp", True))(u)

    def f_out(self, u):
        """The output layer's activation."""
        return self._act(self.net.L, self._applied("f_out", False))(u)

    def fp_out(self, u):
        """The output layer's activation derivative."""
        return self._act(self.net.L, self._applied("fp_out", True))(u)

    # -- costs and their true derivatives -------------------------------------------------
    @property
    def C(self):
        """This example's cost (no scaling, no weight decay)."""
        return self.net.example_costs[self.k]

    @property
    def J(self):
        """The batch cost with the spec's conventions."""
        return self.net.cost

    @property
    def data(self):
        """The data term of the batch cost: ``J`` without its penalty (a page's ``C_0``)."""
        return self.net.cost - self.net.decay

    @property
    def penalty(self):
        """The penalty of the batch cost (weight decay, a page's ``Ω``; 0 without one)."""
        return self.net.decay

    @property
    def yhat(self):
        """The network's output ``ŷ = a^(L)`` of this example."""
        return self.a[self.L]

    def _grads(self, name, of):
        def wentry(c, j, i):
            return self.net.diff_cached(of, self.net.W[c][j][i])

        def bentry(c, j):
            return self.net.diff_cached(of, self.net.b[c][j])
        return self._weights(name, wentry, bentry), self._bias(name.replace("W", "b"), bentry)

    @cached_property
    def _example_grads(self):
        return self._grads("dC_dW", self.net.example_costs[self.k])

    @cached_property
    def _batch_grads(self):
        return self._grads("dJ_dW", self.net.cost)

    @property
    def dC_dW(self):
        """True ``∂C/∂W^(l)`` of this example, doc-oriented (index 0 is the bias where the notation has it)."""
        return self._example_grads[0]

    @property
    def dC_db(self):
        """True ``∂C/∂b^(l)`` of this example."""
        return self._example_grads[1]

    @property
    def dJ_dW(self):
        """True ``∂J/∂W^(l)`` of the batch cost."""
        return self._batch_grads[0]

    @property
    def dJ_db(self):
        """True ``∂J/∂b^(l)`` of the batch cost."""
        return self._batch_grads[1]

    @cached_property
    def step_W(self):
        """``W^(l) − lr·∂J/∂W^(l)``: one true gradient-descent step."""
        return Layers(self.shown("step_W"), self.weight_layers, lambda l: self.W[l] - self.lr * self.dJ_dW[l])

    @cached_property
    def step_b(self):
        """``b^(l) − lr·∂J/∂b^(l)``."""
        return Layers(self.shown("step_b"), self.weight_layers, lambda l: self.b[l] - self.lr * self.dJ_db[l])

    def diff(self, expr, wrt):
        """True derivative of a quantity of this network by a weight, bias, input or target entry.

        ``n.diff(n.z[l + 1][k], n.W[l][k, j])`` is the page's ``∂z_k^(l+1)/∂W_kj^(l)``.
        """
        if is_tensor(expr):
            return expr._map(lambda v: self.net.diff(v, wrt), f"∂{expr.name}/∂{wrt}")
        if not getattr(wrt, "is_Symbol", False):
            raise IllFormed(f"can differentiate by a weight, bias, input or target entry, not by {wrt}")
        return self.net.diff(expr, wrt)

    def d(self, of, wrt):
        """The true derivative ``∂of/∂wrt`` of any quantity of the view by any other, in the page's layout.

        ``n.d(n.C, n.a[n.L][j])`` is ``∂C/∂a^L_j``, ``n.d(n.z[l + 1][k], n.z[l][j])`` is ``∂z^{l+1}_k/∂z^l_j``,
        ``n.d(n.J, n.Z[l])`` the batch δ; a scalar by a tensor is shaped like ``wrt``, a vector by a vector
        is the Jacobian in numerator layout ``[i, j] = ∂of_i/∂wrt_j`` (see :mod:`symbp.claims.derivative`).
        """
        return derivative(self, of, wrt)

    def partial(self, of, wrt):
        """True Jacobian ``∂of/∂wrt`` for ``of``/``wrt`` in ``("z", l)``, ``("a", l)`` (``of`` may be ``"C"``).

        Rows follow ``of``'s units, columns ``wrt``'s, both in the document's index base; its name is the page's.

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> v = View(SymbolicNetwork(NetworkSpec((1, 2, 2))), Notation(names={"e": "C", "s": "z", "h": "a"}))
        >>> v.partial("C", ("z", 2)).name, v.partial(("z", 2), ("a", 1)).name
        ('∂e/∂s^(2)', '∂s^(2)/∂h^(1)')
        """
        kind, l = wrt
        if kind not in ("z", "a"):
            raise IllFormed(f"partial: can differentiate by z or a, not {kind!r}")
        c = self._check_layer(l, kind, lo=1 if kind == "z" else 0)
        if of == "C":
            picks = [lambda z, a, C: C]
        else:
            okind, ol = of
            oc = self._check_layer(ol, okind)
            if oc < c or (oc == c and okind == "z" and kind == "a"):
                raise IllFormed(f"partial: {okind}^({ol}) does not depend on {kind}^({l})")
            picks = [lambda z, a, C, r=r: (z if okind == "z" else a)[oc][r] for r in range(self.net.sizes[oc])]
        key = (self.k, of if of == "C" else (okind, oc), kind, c)
        memo = _PARTIALS.setdefault(self.net, {})
        if key not in memo:     # one derivative pass per row, every column at once; once per network
            memo[key] = [self.net.partial(self.k, pick, kind, c) for pick in picks]
        rows = [list(row) for row in memo[key]]
        b = self.nt.unit_base
        top = self.shown("C") if of == "C" else f"{self.shown(okind)}^({ol})"   # the page's names: ∂e/∂s^(2)
        return Tensor(rows, f"∂{top}/∂{self.shown(kind)}^({l})", (b, b))

    # -- the batch -------------------------------------------------------------------
    @cached_property
    def examples(self):
        """One view per example of the batch."""
        return [self if k == self.k else View(self.net, self.nt, k, self._symbols, self.perturb)
                for k in range(self.m)]

    def _batch(self, name, per_example):
        """Matrix with one row (rows layout) or column (columns layout) per example."""
        cols = [per_example(ex) for ex in self.examples]
        rows = [[c[i] for c in cols] for i in range(len(cols[0]))]   # units × examples
        b, e = self.nt.unit_base, self.nt.example_base
        t = Tensor(rows, name, (b, e))
        return t if self.nt.samples == "columns" else Tensor(t.T.rows, name, (e, b))

    @property
    def X(self):
        """Inputs of the batch in the document's sample layout."""
        return self._batch(self.shown("X"), lambda ex: self.net.x[ex.k])

    @property
    def Y(self):
        """Targets of the batch in the document's sample layout."""
        return self._batch(self.shown("Y"), lambda ex: self.net.y[ex.k])

    @cached_property
    def Z(self):
        """``Z^(l)``: pre-activations of the batch."""
        name = self.shown("Z")
        return Layers(name, self.layers[1:], lambda l: self._batch(f"{name}^({l})",
                                                                    lambda ex: ex.z[l].entries()))

    @cached_property
    def A(self):
        """``A^(l)``: activations of the batch."""
        name = self.shown("A")
        return Layers(name, self.layers, lambda l: self._batch(f"{name}^({l})", lambda ex: ex.a[l].entries()))

    @cached_property
    def Delta(self):
        """True δ^(l) of every example, in the sample layout."""
        name = self.shown("Delta")
        return Layers(name, self.layers[1:],
                       lambda l: self._batch(f"{name if name != 'Delta' else 'Δ'}^({l})",
                                             lambda ex: ex.delta[l].entries()))


# -- the page's side of the boundary ------------------------------------------------------------
class _Shown(dict):
    """Symbol name -> display; a page's own symbol (``page.u``) displays as the page wrote it (``u``)."""

    def __contains__(self, key):
        return super().__contains__(key) or (isinstance(key, str) and key.startswith(PAGE_SYMBOL))

    def __missing__(self, key):
        if isinstance(key, str) and key.startswith(PAGE_SYMBOL):
            return key[len(PAGE_SYMBOL):]
        raise KeyError(key)


class PageView:
    """A :class:`View` as the page names it: every attribute is one of the page's names, renamed once.

    Claim functions receive one (see :func:`on_page`).  Under Bishop's notation
    (``names={"a": "z", "z": "a"}``) ``n.a`` is the view's ``z`` and ``n.z`` its ``a``; the view's own
    attributes (its backend, notation, ...) are not reachable by a page name, so no name clashes with them.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation(names={"a": "z", "z": "a", "B": "b"}))
    >>> n = PageView(v)
    >>> n.a[1].name, n.z[1][1] == v.a[1][1], n.B[1].name
    ('a^(1)', True, 'B^(1)')
    """
    __slots__ = ("_view",)

    def __init__(self, view):
        object.__setattr__(self, "_view", view)

    def __getattribute__(self, name):
        if name.startswith("__") and name.endswith("__"):
            return object.__getattribute__(self, name)
        return object.__getattribute__(self, "_view").page(name)

    def __setattr__(self, name, value):
        raise IllFormed(f"cannot assign to {name!r}: the page's quantities are read-only")

    def __repr__(self):
        return f"PageView({object.__getattribute__(self, '_view').nt.describe()})"


def view_of(n):
    """The :class:`View` behind ``n`` (a :class:`PageView` or a view).

    >>> view_of(None) is None
    True
    """
    return object.__getattribute__(n, "_view") if isinstance(n, PageView) else n


def on_page(fn):
    """``fn(n, *args)`` called with the page's view of ``n``: the one place where page names are read.

    >>> on_page(lambda n, l: l + 1)(None, 1)
    2
    """
    @wraps(fn)
    def call(n, *args):
        return fn(PageView(n) if isinstance(n, View) else n, *args)
    return call
