"""symbp: check the mathematics of backpropagation against a computer-algebra ground truth.

Everything a derivation author and a test writer need is importable from here; importing
``symbp`` itself is light (each name is loaded on first use), so the pytest plugin costs
nothing in projects that do not use it.

>>> from symbp import Derivation, Notation, Tensor, check
>>> Notation(first_layer=1).first_layer
1
"""

import importlib

from . import moved
from .version import __version__

__all__ = [
    # writing a derivation: a document's formulas in its own notation
    "Derivation", "Claim", "Notation", "Tensor", "odot",
    # the matrix vocabulary of pages: Σ′(z) = diag(σ′(z)), u vᵀ, products over layers, ones, row sums, ‖v‖
    "diag", "outer", "matprod", "Identity", "ones", "row_sums", "column_sums", "norm", "ln",
    "derivative",   # n.d(of, wrt): the true derivative of any quantity by any other
    "formula_tree",     # a claim's formula as a syntax tree, printed in the page's notation
    # checking it
    "check", "check_derivation", "load_derivation", "prove", "render_proofs", "Report",
    # the network and its ground truth
    "NetworkSpec", "SymbolicNetwork", "GroundTruth", "parse_arch",
    # training
    "Trainer", "DocumentRule",
    # errors
    "SpecError", "NotationError", "ClaimError", "IllFormed", "LoadError", "DeclarativeError", "FormulaError",
    "RuleError",
    "__version__",
]

#: public name -> the module that defines it (``module:name`` where the name differs)
_HOME = {
    "Derivation": "claims.derivation", "Claim": "claims.derivation", "ClaimError": "claims.derivation",
    "Notation": "claims.notation", "NotationError": "claims.notation",
    "Tensor": "claims.tensor", "odot": "claims.tensor", "IllFormed": "claims.tensor",
    "diag": "claims.tensor", "outer": "claims.tensor", "matprod": "claims.tensor", "Identity": "claims.tensor",
    "ones": "claims.tensor", "row_sums": "claims.tensor", "column_sums": "claims.tensor", "norm": "claims.tensor",
    "ln": "claims.tensor",
    "derivative": "claims.derivative",
    "formula_tree": "claims.code_tree",
    "check": "run.runner", "check_derivation": "run.runner", "load_derivation": "run.load", "LoadError": "run.load",
    "prove": "run.prove", "render_proofs": "run.prove:render", "Report": "report.results",
    "NetworkSpec": "model.spec", "SpecError": "model.spec", "parse_arch": "model.arch",
    "SymbolicNetwork": "oracle.symbolic", "GroundTruth": "oracle.groundtruth",
    "Trainer": "train.trainer", "DocumentRule": "train.rule", "RuleError": "train.rule",
    "DeclarativeError": "formula.reader", "FormulaError": "formula.grammar",
}

moved.install()


def __getattr__(name):
    if name in _HOME:
        module, _, attr = _HOME[name].partition(":")
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attr or name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
