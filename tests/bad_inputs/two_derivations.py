# two Derivations in one file
from symbp import Derivation, Notation

doc = Derivation("two_derivations", "two_derivations", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))

other = Derivation("other", "Other", "none", Notation(), {"activation": "f"})


@doc.claim("out", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
