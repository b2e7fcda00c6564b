# an element-wise claim with too many unit indices
from symbp import Derivation, Notation

doc = Derivation("wrong_index_count", "wrong_index_count", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("two indices", kind="delta", layer="output", latex="")
def out(n, i, j):
    return n.delta[n.L][i], n.a[n.L][j]
