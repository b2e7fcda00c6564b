"""``n.d(of, wrt)``: the true derivative of any quantity of a view by any other, in the page's layout.

Every value is taken by the CAS from the network's composed expressions, never from a formula of a
document.  ``wrt`` is read by what it *is* (the view hands out the network's own expressions, so an
entry of ``n.z[l]`` is found again by its value):

* a free symbol of the network (an entry of ``W``, ``b``, ``x``, ``y``, λ): ``of`` may be any
  expression, differentiated as a function of the network's free symbols;
* an intermediate quantity (an entry of ``z^(l)`` or ``a^(l)`` of one example, ``ŷ = a^(L)``, an entry
  of a batch matrix ``Z``, ``A``): ``of`` must itself be a quantity of the network (``C``, ``J``, the
  data term, the penalty, an entry of ``z`` or ``a``), and the derivative is the one of the
  computational graph: the forward pass is cut at ``wrt``'s layer (that layer becomes free symbols),
  ``of`` is rebuilt from there, differentiated, and the forward pass substituted back.  A quantity
  upstream of ``wrt`` (``a^(l−1)`` by ``z^(l)``) or of another example has derivative 0; ``J`` by
  ``z^(l)`` of example k is ``S·∂C_k/∂z^(l)`` (the batch δ, with the cost's own scaling S), and the
  penalty's is 0.

Layout: a scalar by a scalar is a scalar; a scalar by a vector or matrix is the gradient, shaped like
``wrt`` (``d(C, W[l])`` is ``∂C/∂W^(l)`` in the page's orientation, ``d(J, Z[l])`` the batch δ in the
page's sample layout); a vector or matrix by a scalar is shaped like ``of``; a vector by a vector is
the Jacobian in numerator layout, entries ``[i, j] = ∂of_i/∂wrt_j``.  A matrix by a vector or matrix
(four indices) is refused: take an entry.
"""

from __future__ import annotations

from .tensor import LENIENT, IllFormed, Tensor, has_nan, is_tensor

__all__ = ['derivative', 'quantity_key', 'describe_key', 'derivative_log']


def _index(net):
    """Value -> key of every named quantity of ``net`` (z wins over an equal a: identity activations)."""
    if "quantity_index" not in net._cache:
        out = {}
        for k in range(net.m):
            for c in range(net.L + 1):
                for j, v in enumerate(net.a[k][c]):
                    out.setdefault(v, ("a", k, c, j)) if c == 0 else out.__setitem__(v, ("a", k, c, j))
            for c in range(1, net.L + 1):
                for j, v in enumerate(net.z[k][c]):
                    out[v] = ("z", k, c, j)
        for k, C in enumerate(net.example_costs):
            out.setdefault(C, ("C", k))
        out.setdefault(net.cost, ("J",))
        data = net.cost - net.decay
        out.setdefault(data, ("data",))
        out.setdefault(net.decay, ("penalty",))
        net._cache["quantity_index"] = out
    return net._cache["quantity_index"]


def quantity_key(net, value):
    """The key of ``value`` among ``net``'s named quantities (``("z", k, l, j)``, ``("C", k)``, ...) or None.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec((1, 2, 1), activation="f"))
    >>> quantity_key(net, net.z[0][2][0]), quantity_key(net, net.cost), quantity_key(net, 3)
    (('z', 0, 2, 0), ('C', 0), None)
    """
    try:
        return _index(net).get(value)
    except TypeError:      # an unhashable value is no quantity of the network
        return None


def describe_key(view, key):
    """How the page writes the quantity ``key`` on ``view`` (``z^(2)_1``, ``C``, ``J``).

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> from symbp.claims.view import View
    >>> from symbp.claims.notation import Notation
    >>> v = View(SymbolicNetwork(NetworkSpec((1, 2, 1))), Notation(first_layer=1, names={"h": "a"}))
    >>> describe_key(v, ("a", 0, 1, 1)), describe_key(v, ("J",))
    ('h^(2)_2', 'J')
    """
    if key[0] in ("z", "a"):
        kind, k, c, j = key
        ex = f"[{k + view.nt.example_base}]" if view.m > 1 else ""
        return f"{view.shown(kind)}^({c + view.first}){ex}_{j + view.nt.unit_base}"
    if key[0] == "C":
        return view.shown("C") + (f"[{key[1] + view.nt.example_base}]" if view.m > 1 else "")
    return view.shown(key[0])


def _cut(net, kind, k, c):
    """The forward pass of example k cut at ``kind^(c)`` (free symbols ζ), and ζ -> the forward values."""
    key = ("cut", kind, k, c)
    if key not in net._cache:
        B = net.backend.B
        zeta = [B.Symbol(f"zeta_{kind}{c}_{j}") for j in range(net.sizes[c])]
        fw = net.forward(net.x[k], cut=(kind, c, zeta))
        back = dict(zip(zeta, (net.z if kind == "z" else net.a)[k][c]))
        net._cache[key] = (fw, zeta, back)
    return net._cache[key]


def _by_intermediate(net, of_key, wrt_key):
    """``∂of/∂wrt`` for two named quantities, ``wrt`` an entry of z or a (the graph's derivative)."""
    kind, k, c, j = wrt_key
    fw, zeta, back = _cut(net, kind, k, c)
    if of_key[0] in ("z", "a"):
        okind, ok, oc, oj = of_key
        values = (fw.z if okind == "z" else fw.a)[oc] if ok == k else None
        if values is None:
            return net.backend.B.Integer(0)
        q = values[oj]
    elif of_key[0] == "C":
        if of_key[1] != k:
            return net.backend.B.Integer(0)
        q = net.pass_cost(fw, k)
    elif of_key[0] in ("J", "data"):
        q = net.scale * net.pass_cost(fw, k)
    else:   # the penalty reads the weights only
        return net.backend.B.Integer(0)
    return fw.canonical(q.diff(zeta[j])).xreplace(back)


def _scalar(view, of, wrt):
    net = view.net
    if LENIENT[0] and (has_nan(of) or has_nan(wrt)):   # the diagnosis's counterfactual read out of range
        return net.backend.B.nan
    wkey = quantity_key(net, wrt)
    if getattr(wrt, "is_Symbol", False) and (wkey is None or (wkey[0] == "a" and wkey[2] == 0)):
        return net.diff(of, wrt) if hasattr(of, "diff") else net.backend.B.Integer(0)
    if wkey is None or wkey[0] not in ("z", "a"):
        raise IllFormed(f"d: cannot differentiate by {wrt if wkey is None else describe_key(view, wkey)}: the second "
                        f"argument must be an entry (or a vector or matrix) of W, b, x, y, z, a or a batch matrix")
    if of == wrt:
        return net.backend.B.Integer(1)
    if not hasattr(of, "free_symbols") or not of.free_symbols:
        return net.backend.B.Integer(0)
    okey = quantity_key(net, of)
    if okey is None:
        raise IllFormed(f"d: by {describe_key(view, wkey)}, the first argument must be a quantity of the network "
                        f"(C, J, the data term, the penalty, an entry of z or a), not a formula")
    cache = net._cache.setdefault("d", {})
    if (okey, wkey) not in cache:
        cache[(okey, wkey)] = _by_intermediate(net, okey, wkey)
    return cache[(okey, wkey)]


def _record(view, value, description, of):
    """Log ``value`` as a true derivative when ``of`` is a quantity of the network (not a page's formula):
    a lemma whose first side is one is held against it (see judge/truth.py)."""
    entries = of.entries() if is_tensor(of) else [of]
    if all(quantity_key(view.net, v) is not None for v in entries):
        view.net._cache.setdefault("d_log", []).append((value, description))
    return value


def _name(view, q):
    """How the page writes ``q``: a tensor's name, a named quantity, a symbol of the network, or "a formula"."""
    if is_tensor(q):
        return q.name
    key = quantity_key(view.net, q)
    if key is not None:
        return describe_key(view, key)
    if getattr(q, "is_Symbol", False):
        return view.display_names().get(str(q), str(q))
    return "(a formula)"


def derivative_log(net, clear=False):
    """The ``(value, description)`` of every derivative ``n.d`` returned on ``net`` since the log was cleared.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> derivative_log(SymbolicNetwork(NetworkSpec((1, 1))), clear=True)
    []
    """
    if clear:
        net._cache["d_log"] = []
    return net._cache.setdefault("d_log", [])


def _vector(t):
    return t.shape[0] == 1 or t.shape[1] == 1


def _long_base(t):
    return t.base[0] if t.shape[1] == 1 else t.base[1]


def derivative(view, of, wrt):
    """The true ``∂of/∂wrt`` on ``view`` in the page's layout (see the module's docstring).

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> from symbp.claims.view import View
    >>> from symbp.claims.notation import Notation
    >>> n = View(SymbolicNetwork(NetworkSpec((1, 2, 1), activation="f")), Notation(first_layer=1))
    >>> derivative(n, n.z[3], n.a[2]).shape, derivative(n, n.z[3][1], n.a[2]).shape
    ((1, 2), (2, 1))
    >>> all((derivative(n, n.C, n.z[2])[j] - n.delta[2][j]).expand() == 0 for j in (1, 2))
    True
    >>> derivative(n, n.a[2][1], n.z[2][2]), derivative(n, n.a[1][1], n.z[2][1])
    (0, 0)
    """
    name = f"∂{_name(view, of)}/∂{_name(view, wrt)}"
    if is_tensor(of) and is_tensor(wrt):
        if not (_vector(of) and _vector(wrt)):
            raise IllFormed(f"d: {name} has more than two indices (a matrix by a vector or matrix): "
                            f"take an entry of {of.name if not _vector(of) else wrt.name}")
        rows = [[_scalar(view, o, w) for w in wrt.entries()] for o in of.entries()]
        out = Tensor(rows, name, (_long_base(of), _long_base(wrt)))
        for v in out.entries():
            _record(view, v, name, of)
        return _record(view, out, name, of)
    if is_tensor(wrt):
        out = wrt._map(lambda w: _scalar(view, of, w), name)
    elif is_tensor(of):
        out = of._map(lambda o: _scalar(view, o, wrt), name)
    else:
        return _record(view, _scalar(view, of, wrt), name, of)
    for v in out.entries():
        _record(view, v, name, of)
    return _record(view, out, name, of)
