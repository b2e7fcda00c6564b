"""What one walk through an expression tells: how many distinct subexpressions it has, and its float atoms.

Instantiation asks of every side which floats it holds (:func:`symbp.judge.exact.exact_value`), and the numeric
check how many distinct subexpressions its instances have (:func:`symbp.judge.evaluate.size_chunks`); the same
sides (a network's true quantities above all) come again claim after claim, so each is walked once per process.
"""

from __future__ import annotations

import symengine

__all__ = ['subexpression_count', 'float_atoms', 'MAX_REMEMBERED']

#: Expressions whose walk is remembered; past it the memo starts afresh.
MAX_REMEMBERED = 20_000

_MEMO = {}


def _walk(expr):
    """``(distinct subexpressions, float atoms)`` of ``expr``, each shared subexpression visited once."""
    found = _MEMO.get(expr)
    if found is None:
        seen, floats, todo = set(), set(), [expr]
        while todo:
            e = todo.pop()
            if e not in seen:
                seen.add(e)
                if isinstance(e, symengine.RealNumber):
                    floats.add(e)
                todo += e.args
        if len(_MEMO) >= MAX_REMEMBERED:
            _MEMO.clear()
        found = _MEMO[expr] = (len(seen), frozenset(floats))
    return found


def subexpression_count(expr) -> int:
    """How many distinct subexpressions ``expr`` has, itself included.

    >>> x, y = symengine.symbols("x y")
    >>> subexpression_count((x + y) * x)    # x, y, x + y and the product
    4
    """
    return _walk(expr)[0]


def float_atoms(expr) -> frozenset:
    """The float atoms of ``expr``.

    >>> x = symengine.Symbol("x")
    >>> sorted(map(float, float_atoms(0.5 * x + 0.25 * x ** 2 + 1)))
    [0.25, 0.5]
    """
    return _walk(expr)[1]
