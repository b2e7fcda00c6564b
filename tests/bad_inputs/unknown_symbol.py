# a claim that names a symbol the notation does not have
from symbp import Derivation, Notation

doc = Derivation("unknown_symbol", "unknown_symbol", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("unknown", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], n.q[i]
