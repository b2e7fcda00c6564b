# the other half of cyclic_a.py's import cycle (not a derivation: the test runs cyclic_a.py)
from cyclic_a import NOTATION  # noqa: F401

HELPER = None
