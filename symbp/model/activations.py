"""Activations as a table: symbolic form, derivative identity, numpy form.

Symbolically a concrete activation is an *opaque* function (``sigma(u)``)
whose derivative is rewritten by its identity (``sigma(u)*(1 - sigma(u))``).
Expressions therefore stay polynomial in a few atoms, and an exact check is
``expand(truth - claim) == 0``.  The generic activations ``f`` and ``g`` are
undefined functions whose derivatives are the undefined ``fp`` and ``gp``:
a proof with them holds for every differentiable activation.

Each opaque function has a closed form built from the backend's elementary
functions (used to lambdify, and to prove the identities in the tests) and
an overflow-safe numpy form.  Adding an activation is one row in each table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ['Activation', 'OpaqueFunction', 'ACTIVATIONS', 'OPAQUE', 'VECTOR_ACTIVATIONS', 'GENERIC', 'DERIVATIVE_OF_OPAQUE', 'np_sigmoid', 'np_softmax']


# -- overflow-safe numpy forms ------------------------------------------------
def np_sigmoid(u):
    """Logistic function without overflow for any finite input.

    >>> float(np_sigmoid(np.array(-1000.0))), float(np_sigmoid(np.array(0.0)))
    (0.0, 0.5)
    """
    u = np.asarray(u, dtype=float)
    e = np.exp(-np.abs(u))
    return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def np_softmax(z, axis=-1):
    """Softmax along ``axis``, shifted by the maximum so it never overflows.

    >>> np_softmax(np.array([[1000.0, 1000.0]])).tolist()
    [[0.5, 0.5]]
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _generic_f(u):
    return np.sin(u) + u / 3.0


def _generic_g(u):
    return u + np.cos(u) / 2.0


@dataclass(frozen=True)
class OpaqueFunction:
    """An undefined function of the symbolic network and what it stands for."""
    name: str
    closed: Callable        # closed(u, B) -> expression with elementary functions of backend B
    numpy: Callable         # numpy(u) -> array, overflow-safe
    printed: str            # how a report prints it


#: Every opaque function that can appear in a canonical expression.
#: The generic ``f``/``g`` get a fixed numeric stand-in here (for trainers and closed forms); the
#: numeric identity check replaces them by independent random functions (:mod:`symbp.judge.identity`).
OPAQUE = {o.name: o for o in [
    #              name        closed form (backend B)                          numpy                 printed
    OpaqueFunction("f",        lambda u, B: B.sin(u) + u / 3,                   _generic_f,           "f"),
    OpaqueFunction("fp",       lambda u, B: B.cos(u) + B.Rational(1, 3),        lambda u: np.cos(u) + 1 / 3, "f'"),
    OpaqueFunction("g",        lambda u, B: u + B.cos(u) / 2,                   _generic_g,           "g"),
    OpaqueFunction("gp",       lambda u, B: 1 - B.sin(u) / 2,                   lambda u: 1 - np.sin(u) / 2, "g'"),
    OpaqueFunction("sigma",    lambda u, B: 1 / (1 + B.exp(-u)),                np_sigmoid,           "σ"),
    OpaqueFunction("softplus", lambda u, B: B.log(1 + B.exp(u)),                lambda u: np.logaddexp(0.0, u), "softplus"),
    OpaqueFunction("relu",     lambda u, B: B.Max(u, 0),                        lambda u: np.maximum(u, 0.0), "relu"),
    OpaqueFunction("step",     lambda u, B: B.Piecewise((1, u > 0), (0, True)), lambda u: (np.asarray(u) > 0).astype(float), "H"),
]}


@dataclass(frozen=True)
class Activation:
    """One activation: symbolic form, derivative identity, numpy form and derivative."""
    name: str
    symbolic: Callable      # symbolic(u, B) -> expression (opaque atoms allowed)
    derivative: Callable    # derivative(u, B) -> canonical expression for f'(u)
    numpy: Callable         # numpy(u) -> array
    numpy_derivative: Callable
    identity: str           # the derivative identity, as a report prints it
    opaque: tuple = ()      # opaque functions that the form and its derivative use
    smooth: bool = True


def _fn(name):
    return lambda u, B: B.Function(name)(u)


#: Element-wise activations.  ``derivative`` is the identity every derivative is rewritten by.
ACTIVATIONS = {a.name: a for a in [
    #          name        symbolic                  derivative (canonical)                            numpy                  numpy derivative                                 identity
    Activation("f",        _fn("f"),                 _fn("fp"),                                         _generic_f,            lambda u: np.cos(u) + 1 / 3,                     "f'(u) generic", ("f", "fp")),
    Activation("g",        _fn("g"),                 _fn("gp"),                                         _generic_g,            lambda u: 1 - np.sin(u) / 2,                     "g'(u) generic", ("g", "gp")),
    Activation("sigmoid",  _fn("sigma"),             lambda u, B: B.Function("sigma")(u) * (1 - B.Function("sigma")(u)),
                                                                                                        np_sigmoid,            lambda u: np_sigmoid(u) * (1 - np_sigmoid(u)),   "σ'(u) = σ(u)(1 − σ(u))", ("sigma",)),
    Activation("tanh",     lambda u, B: B.tanh(u),   lambda u, B: 1 - B.tanh(u) ** 2,                   np.tanh,               lambda u: 1 - np.tanh(u) ** 2,                   "tanh'(u) = 1 − tanh²(u)"),
    Activation("identity", lambda u, B: u,           lambda u, B: B.Integer(1),                         lambda u: np.asarray(u, dtype=float), lambda u: np.ones_like(np.asarray(u, dtype=float)), "id'(u) = 1"),
    Activation("relu",     _fn("relu"),              _fn("step"),                                       lambda u: np.maximum(u, 0.0), lambda u: (np.asarray(u) > 0).astype(float), "relu'(u) = H(u) (u ≠ 0)", ("relu", "step"), smooth=False),
    Activation("softplus", _fn("softplus"),          _fn("sigma"),                                      lambda u: np.logaddexp(0.0, u), np_sigmoid,                             "softplus'(u) = σ(u)", ("softplus", "sigma")),
    # vector-valued: a_k = exp(z_k) / sum_j exp(z_j); its Jacobian is not element-wise
    Activation("softmax",  None,                     None,                                              np_softmax,            None,                                            "∂a_k/∂z_j = a_k(δ_kj − a_j)"),
]}


#: Activations that act on the whole layer rather than element-wise (output layer only).
VECTOR_ACTIVATIONS = ("softmax",)


#: Activations for which a proof holds for every differentiable function.
GENERIC = ("f", "g")


#: Which opaque function's derivative each opaque function has (for canonicalisation).
DERIVATIVE_OF_OPAQUE = {"f": "f", "g": "g", "sigma": "sigmoid", "softplus": "softplus", "relu": "relu"}
