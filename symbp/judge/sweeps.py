"""What a sweep of architectures can tell apart, and the notes a verdict carries when it cannot.

A formula is judged on a few architectures ``((widths...), m)``.  Some
wrong formulas agree with the truth on special ones: ``W`` for ``Wᵀ`` or
``w_ij`` for ``w_ji`` where every weight matrix is square, a missing
``1/m`` where every batch has one example, a ``1/K`` where every output
layer has one unit, a factor that is right for odd ``m`` only.  The
default sweep avoids all of these; a claim restricted to some
architectures (``archs=``), a document about one example, or ``--arch``
may not, and then the verdict says what it cannot tell apart.
"""

from __future__ import annotations

__all__ = ['weak_sweep_notes']


def weak_sweep_notes(archs, batch=True) -> list:
    """Notes naming the errors that the architectures ``[(sizes, m), ...]`` cannot tell from the truth.

    ``batch=False`` (a claim about one example at a time) leaves out the notes on batch sizes.

    >>> weak_sweep_notes([((2, 3, 2), 1), ((3, 4, 1), 4)])
    []
    >>> for note in weak_sweep_notes([((1, 1, 1), 1)]): print(note)
    every weight matrix of the sweep is square: a transpose or an index swap cannot be told from the truth
    every batch of the sweep has one example (m = 1): a batch factor (1/m, m) cannot be told from the truth
    every output layer of the sweep has one unit (K = 1): a factor 1/K cannot be told from the truth
    """
    archs = [(tuple(s), m) for s, m in archs]
    if not archs:
        return []
    notes = []
    if all(a == b for sizes, _ in archs for a, b in zip(sizes, sizes[1:])):
        notes.append("every weight matrix of the sweep is square: a transpose or an index swap cannot be told "
                     "from the truth")
    ms = {m for _, m in archs}
    if not batch:
        pass
    elif ms == {1}:
        notes.append("every batch of the sweep has one example (m = 1): a batch factor (1/m, m) cannot be told "
                     "from the truth")
    elif not any(m % 2 == 0 for m in ms) or max(ms) < 4:
        missing = " and ".join(w for w, gap in (("no even m", not any(m % 2 == 0 for m in ms)),
                                                 ("no m >= 4", max(ms) < 4)) if gap)
        notes.append(f"the sweep's batch sizes are {sorted(ms)}, {missing}: a batch factor right for some m "
                     f"only may pass")
    if all(sizes[-1] == 1 for sizes, _ in archs):
        notes.append("every output layer of the sweep has one unit (K = 1): a factor 1/K cannot be told from the "
                     "truth")
    return notes
