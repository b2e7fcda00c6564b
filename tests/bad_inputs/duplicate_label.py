# two claims with the same label and reading
from symbp import Derivation, Notation

doc = Derivation("duplicate_label", "duplicate_label", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("(1)", kind="delta", layer="output", latex="")
def first(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])


@doc.claim("(1)", kind="delta", layer="output", latex="")
def second(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
