# a cyclic import: cyclic_a needs a name from cyclic_b, which needs one from cyclic_a before either is defined
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cyclic_b import HELPER  # noqa: E402,F401

NOTATION = None
