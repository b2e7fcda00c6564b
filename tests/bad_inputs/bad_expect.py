# expect= neither holds nor fails
from symbp import Derivation, Notation

doc = Derivation("bad_expect", "bad_expect", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("(1)", kind="delta", layer="output", latex="", expect="maybe")
def out(n, i):
    return n.delta[n.L][i], n.a[n.L][i]
