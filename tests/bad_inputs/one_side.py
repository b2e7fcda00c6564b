# a claim that returns one side
from symbp import Derivation, Notation

doc = Derivation("one_side", "one_side", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("one side", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i]
