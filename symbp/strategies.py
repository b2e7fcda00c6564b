"""Hypothesis strategies: small valid NetworkSpecs, and parameters and data of the right shapes.

hypothesis is a test extra (``pip install 'symbp[test]'``); it is imported
here only, so ``import symbp`` never needs it.

>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(specs(max_width=3))
... def check(spec):
...     assert 1 <= min(spec.sizes) and max(spec.sizes) <= 3
>>> check()
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from .model.activations import ACTIVATIONS, GENERIC, VECTOR_ACTIVATIONS
from .model.costs import AVERAGES, COSTS
from .model.spec import BIAS_LAYOUTS, NetworkSpec, SpecError

__all__ = ['specs', 'parameters']


#: Concrete element-wise activations (the generic ``f``, ``g`` have no numeric meaning of their own).
HIDDEN = tuple(a for a in ACTIVATIONS if a not in VECTOR_ACTIVATIONS and a not in GENERIC)


def _valid(fields):
    try:
        return NetworkSpec(**fields)
    except SpecError:
        return None


@st.composite
def specs(draw, *, min_depth=1, max_depth=3, max_width=4, max_batch=3, activations=HIDDEN,
          costs=tuple(COSTS), averages=tuple(AVERAGES), weight_decay=True, bias=("vector",)):
    """Small valid NetworkSpecs: any activation × cost × convention that fits together.

    >>> from hypothesis import find
    >>> find(specs(), lambda s: s.cost == "softmax_cross_entropy").output_activation
    'softmax'
    """
    depth = draw(st.integers(min_depth, max_depth))
    sizes = tuple(draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1)))
    cost = draw(st.sampled_from(costs))
    hidden = draw(st.sampled_from(activations))
    out = COSTS[cost].output_activations
    out_choices = [a for a in (out or (None,) + tuple(activations))
                   if a is None or a in activations or a in VECTOR_ACTIVATIONS]
    output = draw(st.sampled_from(out_choices)) if out_choices else None
    if cost == "softmax_cross_entropy" and sizes[-1] < 2:
        sizes = sizes[:-1] + (2,)
    fields = dict(sizes=sizes, activation=hidden, output_activation=output, cost=cost,
                  average=draw(st.sampled_from(averages)), batch_size=draw(st.integers(1, max_batch)),
                  bias=draw(st.sampled_from(tuple(b for b in bias if b in BIAS_LAYOUTS))))
    if weight_decay and draw(st.booleans()):
        fields["weight_decay"] = draw(st.sampled_from((0.01, 0.1, 0.5)))
        fields["decay_biases"] = draw(st.booleans())
    spec = _valid(fields)
    assume(spec is not None)   # e.g. cross_entropy with an output activation it is not defined for
    return spec


def _finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)


@st.composite
def parameters(draw, spec, *, scale=2.0):
    """``(W, b, X, Y)`` for ``spec``: finite, moderate (|W|, |b|, |X| ≤ ``scale``), targets in (0.05, 0.95).

    Canonical layout: ``W[l]`` of shape ``(n_l, n_{l-1})`` (plus a bias column 0 with
    ``bias="weight0"``, where ``b`` is None), rows of ``X`` and ``Y`` are examples;
    softmax targets are rows that sum to 1; one-hot or 0/1 rows when the spec's ``targets`` say so.

    >>> from hypothesis import find
    >>> W, b, X, Y = find(parameters(NetworkSpec([2, 3, 1], batch_size=2)), lambda p: True)
    >>> [w.shape for w in W], [v.shape for v in b], X.shape, Y.shape
    ([(3, 2), (1, 3)], [(3,), (1,)], (2, 2), (2, 1))
    """
    n, m, w0 = spec.sizes, spec.batch_size, spec.bias == "weight0"
    val = _finite(-scale, scale)
    W = [draw(arrays(np.float64, (n[l], n[l - 1] + w0), elements=val)) for l in range(1, len(n))]
    b = None if w0 else [draw(arrays(np.float64, (n[l],), elements=val)) for l in range(1, len(n))]
    X = draw(arrays(np.float64, (m, n[0]), elements=val))
    Y = draw(arrays(np.float64, (m, n[-1]), elements=_finite(0.05, 0.95)))
    if spec.targets == "one_hot":
        Y = np.eye(n[-1])[draw(st.lists(st.integers(0, n[-1] - 1), min_size=m, max_size=m))]
    elif spec.targets == "binary":
        Y = draw(arrays(np.float64, (m, n[-1]), elements=st.sampled_from((0.0, 1.0))))
    elif spec.cost == "softmax_cross_entropy":
        Y = Y / Y.sum(axis=1, keepdims=True)
    return W, b, X, Y
