# a chain that does not say what it computes
from symbp import Derivation, Notation

doc = Derivation("chain_without_of", "chain_without_of", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("(1)", kind="chain", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], n.a[n.L][i], n.a[n.L][i]
