"""The forward pass as inputs of its own: a network's z and a computed once at the points, the sides over them.

Every side a claim states on a network (its truth, its formula) reads the network's forward pass, and
compiling a side (``symengine.Lambdify`` with common subexpressions) walks that pass again each time.  Here each
forward quantity ``z^(l)_j``, ``a^(l)_j`` of each example becomes a symbol of its own (:func:`forward_cut`):
its values are computed once per network and points by one compiled function of the forward pass, and the
sides are compiled over the network's symbols and these.  A side read this way has the same value (the
symbol stands for exactly the subexpression it replaces); only the float64 rounding of a long sum may
differ in its last bit, the same way on every machine.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import symengine
from symengine.lib.symengine_wrapper import DictBasic

from .identity import closing_map

__all__ = ['ForwardCut', 'forward_cut', 'cut_all']


@dataclass(frozen=True)
class ForwardCut:
    """A network's forward quantities as symbols: ``nodes[i]`` is read as ``symbols[i]``."""
    nodes: tuple        # the forward-pass subexpressions, each once (z and a of every layer and example)
    symbols: tuple      # the symbol each one becomes
    to_symbols: object  # DictBasic node -> symbol (an xreplace map)
    closing: object     # DictBasic: the network's opaque atoms closed, over the symbols where they read one

    def cut_all(self, exprs):
        """Each of ``exprs`` with every forward quantity in it read as its symbol, in one walk (what they share is
        visited once).

        >>> from symbp.model.spec import NetworkSpec
        >>> from symbp.oracle.symbolic import SymbolicNetwork
        >>> net = SymbolicNetwork(NetworkSpec([1, 1], activation="f"))
        >>> forward_cut(net).cut_all([net.a[0][1][0], 2])
        [_fwd_a0_1_0, 2]
        """
        return cut_all(exprs, self.to_symbols)


def cut_all(exprs, mapping):
    """Each of ``exprs`` with ``mapping`` (a DictBasic) applied by ``xreplace``, in one walk.

    >>> x, y = symengine.symbols("x y")
    >>> cut_all([x + 1, x * y, 3], DictBasic({x: y}))
    [1 + y, y**2, 3]
    """
    if not exprs:
        return []
    return list(_PACK(*[symengine.sympify(e) for e in exprs]).xreplace(mapping).args)


#: An undefined function holding a list of expressions as one (one xreplace walks them all).
_PACK = symengine.Function("_pack")


#: :func:`forward_cut` per network (built once; a network's forward pass never changes).
_CUTS = weakref.WeakKeyDictionary()


def forward_cut(net):
    """The :class:`ForwardCut` of ``net`` (a symengine network), or None when it has no forward quantity to cut.

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> net = SymbolicNetwork(NetworkSpec([1, 2, 1], activation="f"))
    >>> c = forward_cut(net)
    >>> len(c.nodes), c.symbols[:2]
    (6, (_fwd_z0_1_0, _fwd_z0_1_1))
    """
    if net.backend.name != "symengine":
        return None
    if net not in _CUTS:
        _CUTS[net] = _build(net)
    return _CUTS[net]


def _build(net):
    """The :class:`ForwardCut` of ``net``: its forward nodes, their symbols, and the closing map over them."""
    nodes, symbols, to_symbols = [], [], {}
    for k in range(len(net.z)):
        for l in range(1, net.L + 1):
            for kind, values in (("z", net.z[k][l]), ("a", net.a[k][l])):
                for j, node in enumerate(values or ()):
                    node = symengine.sympify(node)
                    if node.is_Atom or node in to_symbols:   # a symbol already (a cut network), or z = a
                        continue
                    s = symengine.Symbol(f"_fwd_{kind}{k}_{l}_{j}")
                    nodes.append(node)
                    symbols.append(s)
                    to_symbols[node] = s
    if not nodes:
        return None
    closes = closing_map(net)
    closed_to_symbols = {node.xreplace(DictBasic(closes)): s for node, s in to_symbols.items()}
    closing = dict(closes)
    inward = DictBasic(to_symbols)
    outward = DictBasic(closed_to_symbols)
    for atom, form in closes.items():   # f'(z) read as f'(Z): its random (or closed) form at Z
        key = atom.xreplace(inward)
        if key not in closing and not key.is_Symbol:
            closing[key] = form.xreplace(outward)
    return ForwardCut(tuple(nodes), tuple(symbols), DictBasic(to_symbols), DictBasic(closing))
