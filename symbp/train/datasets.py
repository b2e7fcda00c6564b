"""Small data sets for training: XOR (built in), Fisher's iris (shipped CSV), digits (scikit-learn).

Each loader returns a :class:`Dataset`: inputs ``X`` (rows are examples),
one-hot targets ``Y`` (one column when there are two classes), the class
index of every row and the class names.  Inputs are scaled for a sigmoid
network (iris: standardised; digits: divided by 16).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np

__all__ = ['Dataset', 'DATASETS', 'load', 'xor', 'iris', 'digits']


@dataclass(frozen=True)
class Dataset:
    """Inputs, targets and labels of one data set."""
    name: str
    X: np.ndarray           # (m, n_0)
    Y: np.ndarray           # (m, K): one-hot, or (m, 1) 0/1 for two classes
    labels: np.ndarray      # (m,) class index of every row
    classes: tuple          # class names
    source: str


def _one_hot(labels, k):
    return np.eye(k)[labels] if k > 2 else labels.astype(float)[:, None]


def xor() -> Dataset:
    """The four XOR examples, one output.

    >>> d = xor(); d.X.tolist(), d.Y.ravel().tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0])
    return Dataset("xor", X, _one_hot(labels, 2), labels, ("0", "1"), "built in")


def iris() -> Dataset:
    """Fisher's iris (150 × 4, three classes), shipped as ``symbp/data/iris.csv``; features standardised.

    >>> d = iris(); d.X.shape, d.Y.shape, d.classes
    ((150, 4), (150, 3), ('setosa', 'versicolor', 'virginica'))
    """
    text = resources.files("symbp").joinpath("data/iris.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(line for line in io.StringIO(text) if not line.startswith("#")))[1:]
    X = np.array([[float(v) for v in r[:4]] for r in rows])
    classes = tuple(sorted({r[4] for r in rows}))
    labels = np.array([classes.index(r[4]) for r in rows])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return Dataset("iris", X, _one_hot(labels, len(classes)), labels, classes,
                   "Fisher (1936), UCI Machine Learning Repository")


def digits() -> Dataset:
    """scikit-learn's bundled digits (1797 × 64, ten classes), pixels / 16; needs scikit-learn.

    >>> digits().X.shape    # doctest: +SKIP
    (1797, 64)
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("the digits data set needs scikit-learn: pip install 'symbp[bench]'") from None
    X, labels = load_digits(return_X_y=True)
    return Dataset("digits", X / 16.0, _one_hot(labels, 10), labels, tuple(str(d) for d in range(10)),
                   "scikit-learn (UCI optical recognition of handwritten digits)")


#: Name -> loader.
DATASETS = {"xor": xor, "iris": iris, "digits": digits}


def load(name: str) -> Dataset:
    """The data set called ``name`` (one of :data:`DATASETS`).

    >>> load("xor").X.shape
    (4, 2)
    """
    if name not in DATASETS:
        raise ValueError(f"data set {name!r} is not one of {', '.join(map(repr, DATASETS))}")
    return DATASETS[name]()
