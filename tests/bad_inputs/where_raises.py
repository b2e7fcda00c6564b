# a where= predicate that raises
from symbp import Derivation, Notation

doc = Derivation("where_raises", "where_raises", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("bad where", kind="delta", layer="output", latex="", where=lambda i: i.bad)
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
