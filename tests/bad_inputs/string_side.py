# a claim that returns a string as a side
from symbp import Derivation, Notation

doc = Derivation("string_side", "string_side", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("string", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], "(a_i - y_i) f'(z_i)"
