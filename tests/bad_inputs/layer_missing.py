# a claim that takes l but has no layer=
from symbp import Derivation, Notation

doc = Derivation("layer_missing", "layer_missing", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("(1)", kind="delta", latex="")
def out(n, l, i):
    return n.delta[l][i], n.a[l][i]
