# a derivation with no claims
from symbp import Derivation, Notation

doc = Derivation("no_claims", "no_claims", "none", Notation(first_layer=1, weight_named_after="source"), {"activation": "f"},
                 sweep=(((2, 3, 2), 1),))

