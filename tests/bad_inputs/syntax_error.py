# a syntax error: the file does not parse
from symbp import Derivation, Notation

doc = Derivation("syntax_error", "syntax_error", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))


@doc.claim("out", kind="delta", layer="output", latex="")
def out(n, i:
    return n.delta[n.L][i], n.a[n.L][i]
