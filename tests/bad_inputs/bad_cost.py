# a cost symbp does not know
from symbp import Derivation, Notation

doc = Derivation("bad_cost", "Bad cost", "none", Notation(first_layer=1, weight_named_after="source"),
                 {"activation": "f", "cost": "hinge"}, sweep=(((2, 3, 1), 1),))


@doc.claim("cost", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
