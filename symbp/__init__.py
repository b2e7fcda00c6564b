"""symbp: check the mathematics of backpropagation against a computer-algebra ground truth."""

from .spec import NetworkSpec, SpecError
from .symbolic import SymbolicNetwork
from .groundtruth import GroundTruth
from .notation import Notation, odot
from .claims import Derivation
from .runner import check
from .trainer import Trainer

__version__ = "0.1.0"

__all__ = [
    # model
    "NetworkSpec", "SpecError", "SymbolicNetwork", "GroundTruth",
    # checker
    "Notation", "odot", "Derivation", "check",
    # training
    "Trainer",
    "__version__",
]
