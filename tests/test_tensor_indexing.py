"""A Tensor read by one or two indices: the entry in range, the bias slot at base − 1, IllFormed (or NaN while
LENIENT) past it, for column vectors, row vectors, 1×1 and matrices, in either index base."""

import pytest
import symengine as se

from symbp.claims.tensor import LENIENT, LENIENT_MISSES, IllFormed, Tensor


def _tensor(rows, cols, base, slot):
    entries = [[se.Symbol(f"t{r}_{c}") for c in range(cols)] for r in range(rows)]
    slots = {"rows": {0: (lambda c: se.Symbol(f"slot_r{c}"))}, "cols": {1: (lambda r: se.Symbol(f"slot_c{r}"))},
             None: None}[slot]
    return Tensor(entries, "t", (base, base), slots)


def _expected(t, idx):
    """What reading ``idx`` must give, from the tensor's rows, base and slots (None: ill-formed)."""
    rows, cols = len(t.rows), len(t.rows[0])
    if not isinstance(idx, tuple):
        if cols == 1:
            idx = (idx, t.base[1])
        elif rows == 1:
            idx = (t.base[0], idx)
        else:
            return None
    r, c = idx[0] - t.base[0], idx[1] - t.base[1]
    if r == -1 and 0 in t.slots and 0 <= c < cols:
        return t.slots[0](c)
    if c == -1 and 1 in t.slots and 0 <= r < rows:
        return t.slots[1](r)
    if 0 <= r < rows and 0 <= c < cols:
        return t.rows[r][c]
    return None


@pytest.mark.parametrize("shape", [(3, 1), (1, 3), (1, 1), (2, 3)])
@pytest.mark.parametrize("base", [0, 1])
@pytest.mark.parametrize("slot", [None, "rows", "cols"])
def test_every_index_reads_its_entry_its_slot_or_is_ill_formed(shape, base, slot):
    t = _tensor(*shape, base, slot)
    singles = list(range(base - 2, base + 5))
    for idx in singles + [(i, j) for i in singles for j in singles]:
        want = _expected(t, idx)
        if want is None:
            with pytest.raises(IllFormed):
                t[idx]
            LENIENT[0], LENIENT_MISSES[0] = True, 0
            try:
                got = t[idx]
            except IllFormed:   # a matrix read with one index says so even while lenient
                assert not isinstance(idx, tuple) and shape[0] > 1 and shape[1] > 1
            else:
                assert got == se.nan and LENIENT_MISSES[0] >= 1, idx
            finally:
                LENIENT[0], LENIENT_MISSES[0] = False, 0
        else:
            assert t[idx] == want, (idx, t[idx], want)
