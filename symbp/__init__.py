"""symbp: check the mathematics of backpropagation against a computer-algebra ground truth."""

from .spec import NetworkSpec, SpecError
from .symbolic import SymbolicNetwork
from .groundtruth import GroundTruth

__version__ = "0.1.0"

__all__ = [
    # model
    "NetworkSpec", "SpecError", "SymbolicNetwork", "GroundTruth",
    "__version__",
]
