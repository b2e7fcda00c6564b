# an activation symbp does not know
from symbp import Derivation, Notation

doc = Derivation("bad_activation", "Bad activation", "none", Notation(first_layer=1, weight_named_after="source"),
                 {"activation": "swish"}, sweep=(((2, 3, 1), 1),))


@doc.claim("act", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
