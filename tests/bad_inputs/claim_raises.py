# a claim whose function raises: math.exp cannot take a symbolic expression
import math

from symbp import Derivation, Notation

doc = Derivation("claim_raises", "claim_raises", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("raises", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * math.exp(n.z[n.L][i])
