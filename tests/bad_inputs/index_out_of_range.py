# a free index: a unit the layer does not have
from symbp import Derivation, Notation

doc = Derivation("index_out_of_range", "index_out_of_range", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("free index", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], n.a[n.L][i + 7]
