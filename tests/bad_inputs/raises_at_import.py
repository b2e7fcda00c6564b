# the module's own code raises while it is imported
from symbp import Derivation, Notation

widths = {}
doc = Derivation("raises", "Raises", "none", Notation(), {"activation": "f"}, sweep=((widths["hidden"], 1),))
