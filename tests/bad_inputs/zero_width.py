# a zero-width layer in the derivation's sweep
from symbp import Derivation, Notation

doc = Derivation("zero_width", "Zero width", "none", Notation(first_layer=1, weight_named_after="source"),
                 {"activation": "f"}, sweep=(((2, 0, 1), 1),))


@doc.claim("zero", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
