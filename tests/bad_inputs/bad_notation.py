# a Notation value outside its allowed set
from symbp import Derivation, Notation

doc = Derivation("bad_notation", "Bad notation", "none", Notation(first_layer=1, weight_index="ij"), {"activation": "f"})
