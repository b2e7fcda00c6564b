# a matrix product of mismatched shapes
from symbp import Derivation, Notation

doc = Derivation("matmul_mismatch", "matmul_mismatch", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("matmul", kind="delta", layer="output", latex="", archs=lambda s, m: s == (2, 3, 2))
def out(n):
    return n.delta[n.L], n.W[n.L - 1] @ n.delta[n.L]
