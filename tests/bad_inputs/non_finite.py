# a formula that is not finite at the sample points
from symbp import Derivation, Notation

doc = Derivation("non_finite", "non_finite", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))

import symengine  # noqa: E402


@doc.claim("log of a negative", kind="delta", layer="output", latex="")
def out(n, i):
    return n.delta[n.L][i], symengine.log(-1 - n.y[i] ** 2) * n.fp(n.z[n.L][i])
