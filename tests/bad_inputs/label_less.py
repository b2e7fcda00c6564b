# a claim with an empty label
from symbp import Derivation, Notation

doc = Derivation("label_less", "label_less", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("  ", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
