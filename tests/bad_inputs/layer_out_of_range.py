# a layer the network does not have
from symbp import Derivation, Notation

doc = Derivation("layer_out_of_range", "layer_out_of_range", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("no such layer", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], n.a[n.L + 3][i]
