# an archs= filter that no architecture of the sweep passes
from symbp import Derivation, Notation

doc = Derivation("archs_exclude_all", "archs_exclude_all", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("no arch", kind="delta", layer="output", latex="", archs=lambda s, m: len(s) > 10)
def out(n, i):
    return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
