"""Constant factors: whether a claim is a constant multiple of the truth, and which one."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

__all__ = ['fit_factor', 'FACTORS', 'ratio', 'vanishes']


def vanishes(values):
    """Whether every finite value is (numerically) 0."""
    v = values[np.isfinite(values)]
    return bool(np.all(np.abs(v) <= 1e-12))


# -- constant ratio ------------------------------------------------------------------------
def ratio(truth, claim):
    """The constant c with claim = c·truth, or None."""
    t, c = truth.ravel(), claim.ravel()
    ok = np.isfinite(t) & np.isfinite(c)
    t, c = t[ok], c[ok]
    big = np.abs(t) > 1e-9 * max(np.max(np.abs(t), initial=0), 1e-300)
    if not big.any() or not np.allclose(c[~big], 0, atol=1e-9 * max(np.max(np.abs(c), initial=0), 1e-12)):
        return None
    r = c[big] / t[big]
    mid = float(np.median(r))
    return mid if np.all(np.abs(r - mid) <= 1e-7 * max(abs(mid), 1e-12)) else None


FACTORS = [  # name, value(m, K)
    ("m", lambda m, K: m), ("1/m", lambda m, K: 1 / m), ("K", lambda m, K: K), ("1/K", lambda m, K: 1 / K),
    ("m·K", lambda m, K: m * K), ("1/(m·K)", lambda m, K: 1 / (m * K)), ("K/m", lambda m, K: K / m),
    ("m/K", lambda m, K: m / K),
]


def fit_factor(ratios):
    """Name the factor ``claim/truth`` from its value on each architecture ``(ratio, m, K)``.

    >>> fit_factor([(0.5, 1, 2), (1.0, 3, 1)])
    '1/K'
    >>> fit_factor([(2.0, 1, 2), (2.0, 3, 1)])
    '2'
    """
    vals = [r for r, _, _ in ratios]
    if np.allclose(vals, vals[0], rtol=1e-7):
        fr = Fraction(vals[0]).limit_denominator(1000)
        if abs(float(fr) - vals[0]) <= 1e-9 * abs(vals[0]):
            return str(fr)
        return f"{vals[0]:.6g}"
    for sign in (1, -1):
        for name, fn in FACTORS:
            if all(abs(r - sign * fn(m, K)) <= 1e-7 * abs(r) for r, m, K in ratios):
                return name if sign == 1 else f"-{name}"
    for name, fn in FACTORS:
        for c in (2, 0.5):
            if all(abs(r - c * fn(m, K)) <= 1e-7 * abs(r) for r, m, K in ratios):
                return f"{Fraction(c)}·{name}"
    return None
