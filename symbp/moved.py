"""Old import paths, kept for one release: ``symbp.notation``, ``symbp.verify`` and the other flat modules.

symbp's modules moved into parts (``symbp.claims.notation``, ``symbp.judge.verify``, ...).  Importing an
old path still works, with a :class:`DeprecationWarning` naming the new one: the old module is an alias
whose attributes are looked up, in order, in the modules its contents moved to.

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     from symbp.notation import Tensor
>>> Tensor.__module__
'symbp.claims.tensor'
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

__all__ = ["MOVED", "install"]

#: old module (under ``symbp.``) -> the modules its names moved to, main one first
MOVED = {
    "spec": ("model.spec",), "activations": ("model.activations",), "costs": ("model.costs",),
    "backends": ("oracle.backends",), "symbolic": ("oracle.symbolic",), "groundtruth": ("oracle.groundtruth",),
    "notation": ("claims.notation", "claims.tensor", "claims.view"),
    "declarative": ("formula.reader", "formula.grammar", "formula.interpret"),
    "verify": ("judge.verify", "judge.evaluate", "judge.budget"),
    "diagnose": ("judge.diagnose", "judge.factors"),
    "exact": ("judge.exact",), "identity": ("judge.identity",), "truth": ("judge.truth",),
    "sweeps": ("judge.sweeps",), "locality": ("judge.locality",), "induction": ("judge.induction",),
    "mutate": ("judge.mutate",),
    "runner": ("run.runner", "run.load", "model.arch"), "prove": ("run.prove",),
    "trainer": ("train.trainer",), "datasets": ("train.datasets",), "rule": ("train.rule",),
    "prove_cli": ("cli.prove",), "train_cli": ("cli.train",), "mutate_cli": ("cli.mutate",),
}


class _Alias(types.ModuleType):
    """An old module path: attributes come from the modules its names moved to."""

    def __init__(self, name, targets):
        super().__init__(name, f"moved to {', '.join('symbp.' + t for t in targets)}")
        self._targets = targets

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        for target in self._targets:
            module = importlib.import_module("symbp." + target)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        head, _, old = fullname.partition(".")
        if head == "symbp" and old in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        targets = MOVED[spec.name.split(".", 1)[1]]
        warnings.warn(f"{spec.name} moved to symbp.{targets[0]} (import from symbp or the new path)",
                      DeprecationWarning, stacklevel=3)
        return _Alias(spec.name, targets)

    def exec_module(self, module):
        pass


def install() -> None:
    """Make the old paths importable (idempotent; called by ``import symbp``)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
