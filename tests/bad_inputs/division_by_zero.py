# a division by zero: the side is a complex infinity
from symbp import Derivation, Notation

doc = Derivation("division_by_zero", "division_by_zero", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("divides by zero", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], n.a[n.L][i] / 0
