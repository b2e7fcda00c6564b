# a claim of a kind symbp does not know
from symbp import Derivation, Notation

doc = Derivation("unknown_kind", "unknown_kind", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("(1)", kind="gradient", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], n.a[n.L][i]
