"""Costs and cost conventions as tables.

``J = S(m, K) * sum_k C(a[L]_k, y_k) + R(W, b)``: the per-example cost ``C``,
the scaling ``S`` and the weight decay ``R`` are conventions that a spec
names; each is one row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ['Cost', 'COSTS', 'COST_ALIASES', 'AVERAGES', 'TARGETS', 'GENERIC_COST', 'MAX_GENERIC_OUTPUTS',
           'generic_cost_partial', 'GENERIC_COST_FUNCTIONS']


def _np_cross_entropy(a, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y != 0, y * np.log(a), 0.0) + np.where(y != 1, (1 - y) * np.log1p(-a), 0.0)
    return -t.sum(axis=-1)


def _np_softmax_cross_entropy(a, y):
    with np.errstate(divide="ignore"):
        return -np.where(y != 0, y * np.log(a), 0.0).sum(axis=-1)


#: The undefined per-example cost ``C(a_1, …, a_K, y_1, …, y_K)`` of the ``generic`` cost, and how many
#: outputs it is defined for (its partial derivatives are undefined functions of their own, named below).
GENERIC_COST = "C"


MAX_GENERIC_OUTPUTS = 8


def generic_cost_partial(wrt, position):
    """The name of ``∂C/∂a_j`` (``wrt="a"``) or ``∂C/∂y_j`` (``"y"``), ``position`` j from 1.

    >>> generic_cost_partial("a", 2)
    'C_a2'
    """
    return f"{GENERIC_COST}_{wrt}{position}"


#: Every undefined function a generic cost brings into an expression: C and its first partials.
GENERIC_COST_FUNCTIONS = (GENERIC_COST,) + tuple(generic_cost_partial(w, j) for w in "ay"
                                                 for j in range(1, MAX_GENERIC_OUTPUTS + 1))


def _generic_symbolic(a, y, B):
    if len(a) > MAX_GENERIC_OUTPUTS:
        raise ValueError(f"cost 'generic' is defined for at most {MAX_GENERIC_OUTPUTS} outputs, got {len(a)}")
    return B.Function(GENERIC_COST)(*a, *y)


def _no_numpy(A, Y):
    raise ValueError("cost 'generic' is an undefined function: it has no numeric form to train with")


#: Target domains: where the targets y of one example live (a spec names one; each cost has a default).
TARGETS = {
    "free": "y real, unconstrained",
    "one_hot": "y a one-hot class vector e_c",
    "probability": "y_k in [0, 1], and summing to 1 over the outputs for a softmax output",
    "binary": "y_k in {0, 1}",
}


@dataclass(frozen=True)
class Cost:
    """A per-example cost C(a, y) of the output activations a and targets y."""
    name: str
    symbolic: Callable          # symbolic(a: list, y: list, B) -> expression
    numpy: Callable             # numpy(A, Y) -> per-example costs, A and Y of shape (m, K)
    output_activations: tuple | None  # output activations it is defined for (None: any)
    formula: str
    targets: str = "free"       # default target domain (a key of TARGETS)


#: Per-example costs.
COSTS = {c.name: c for c in [
    Cost("half_sse",
         lambda a, y, B: sum(((ak - yk) ** 2 for ak, yk in zip(a, y)), B.Integer(0)) / 2,
         lambda A, Y: 0.5 * ((A - Y) ** 2).sum(axis=-1),
         None,
         "C = ½ Σ_k (a_k − y_k)²"),
    Cost("cross_entropy",
         lambda a, y, B: -sum((yk * B.log(ak) + (1 - yk) * B.log(1 - ak) for ak, yk in zip(a, y)), B.Integer(0)),
         _np_cross_entropy,
         ("sigmoid", "f", "g"),
         "C = −Σ_k [y_k ln a_k + (1 − y_k) ln(1 − a_k)]",
         "probability"),
    Cost("softmax_cross_entropy",
         lambda a, y, B: -sum((yk * B.log(ak) for ak, yk in zip(a, y)), B.Integer(0)),
         _np_softmax_cross_entropy,
         ("softmax",),
         "C = −Σ_k y_k ln a_k,  a = softmax(z)",
         "probability"),
    Cost("generic", _generic_symbolic, _no_numpy, None,
         "C = C(a, y), an undefined differentiable function of the outputs and targets (every cost)"),
    Cost("sse",
         lambda a, y, B: sum(((ak - yk) ** 2 for ak, yk in zip(a, y)), B.Integer(0)),
         lambda A, Y: ((A - Y) ** 2).sum(axis=-1),
         None,
         "C = Σ_k (a_k − y_k)²  (squared error without the ½)"),
    Cost("mse",
         lambda a, y, B: sum(((ak - yk) ** 2 for ak, yk in zip(a, y)), B.Integer(0)) / len(a),
         lambda A, Y: ((A - Y) ** 2).mean(axis=-1),
         None,
         "C = (1/K) Σ_k (a_k − y_k)²  (mean squared error over the K outputs)"),
    Cost("log_likelihood",
         lambda a, y, B: -sum((yk * B.log(ak) for ak, yk in zip(a, y)), B.Integer(0)),
         _np_softmax_cross_entropy,
         ("softmax",),
         "C = −ln a_y  (= −Σ_k y_k ln a_k for a one-hot y),  a = softmax(z)",
         "one_hot"),
]}


#: Other names pages use for a cost of the table (a spec may use them; it stores the table's name).
COST_ALIASES = {
    "binary_cross_entropy": "cross_entropy",
    "categorical_cross_entropy": "softmax_cross_entropy",
    "squared_error": "half_sse",
}


#: Scaling S(m, K) of the summed per-example costs.
AVERAGES = {
    "none": lambda m, K, B: B.Integer(1),                     # J = Σ_k C_k
    "examples": lambda m, K, B: B.Rational(1, m),             # J = (1/m) Σ_k C_k
    "examples_and_outputs": lambda m, K, B: B.Rational(1, m * K),  # J = 1/(mK) Σ_k C_k
}
