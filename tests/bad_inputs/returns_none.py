# a claim that returns nothing
from symbp import Derivation, Notation

doc = Derivation("returns_none", "returns_none", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("nothing", kind="delta", layer="output", latex="")
def out(n, i):
    n.delta[n.L][i]
