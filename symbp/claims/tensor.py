"""Tensor: the small matrix type of claims, with ⊙ (``*``), ``@``, ``.T`` and shape checks.

A shape mismatch raises :class:`IllFormed`: the formula is not a formula of this network.
"""

from __future__ import annotations

from .occurrence import ACTIVE, caller

__all__ = ['Tensor', 'IllFormed', 'odot', 'has_nan', 'is_tensor',
           # the matrix vocabulary of pages
           'Identity', 'diag', 'outer', 'ones', 'row_sums', 'column_sums', 'norm', 'matprod', 'ln']


class IllFormed(ValueError):
    """A formula that cannot be evaluated as written: shape mismatch, bad index, unknown symbol."""


#: While True, an index out of range or a shape mismatch reads as NaN instead of raising (used by
#: the diagnosis, which re-reads formulas counterfactually and must not stop at the truth side).
LENIENT = [False]

#: How many reads were out of range (or mismatched) and read as NaN while LENIENT: the diagnosis counts them to
#: tell which edit makes more of an unreadable formula readable.
LENIENT_MISSES = [0]


# -- tensors ----------------------------------------------------------------------
def is_tensor(v):
    return isinstance(v, Tensor)


class Tensor:
    """A matrix (or column/row vector) of expressions, indexed in a document's bases.

    >>> import symengine as se
    >>> a = Tensor([[se.Symbol("p")], [se.Symbol("q")]], name="a", base=(1, 1))
    >>> a[2], (a * a).shape, (a.T @ a)[1, 1]
    (q, (2, 1), p**2 + q**2)
    >>> a @ a
    Traceback (most recent call last):
    ...
    symbp.claims.tensor.IllFormed: shape mismatch: a (2×1) @ a (2×1)
    """

    def __init__(self, rows, name="?", base=(1, 1), slots=None):
        self.rows = [list(r) for r in rows]
        self.name = name
        self.base = tuple(base)
        self.slots = slots or {}   # axis -> function(other index, 0-based) giving the value at index 0

    @property
    def shape(self):
        """(rows, columns)."""
        return (len(self.rows), len(self.rows[0]) if self.rows else 0)

    def entries(self):
        """Every entry, row-major."""
        return [v for r in self.rows for v in r]

    def _index(self, axis, i):
        if not isinstance(i, int) or isinstance(i, bool):
            raise IllFormed(f"index {i!r} of {self.name} is not an integer")
        n, base = self.shape[axis], self.base[axis]
        if axis in self.slots and i == base - 1:
            return None
        if not base <= i < base + n:
            if LENIENT[0]:
                LENIENT_MISSES[0] += 1
                return "nan"
            extra = f" (or {base - 1} for the bias)" if axis in self.slots else ""
            raise IllFormed(f"index {i} out of range {base}..{base + n - 1}{extra} for {self.name}")
        return i - base

    def __getitem__(self, idx):
        reader = ACTIVE[0]
        if reader is not None:   # the diagnosis's edits: this one entry read otherwise
            read, change = reader.note("entry", self.name, caller(), idx)
            if change and change[0] == "drop":
                return self
            if change and change[0] == "zero":
                return self._entry(idx) * 0
            if change and change[0] in ("index", "arg", "exchange"):
                idx = reader.index_of(idx, change)
        return self._entry(idx)

    def _entry(self, idx):
        rows = self.rows
        if type(idx) is int and rows:   # one index of a vector, in range: the entry itself (else below says why)
            if len(rows[0]) == 1:
                r = idx - self.base[0]
                if 0 <= r < len(rows):
                    return rows[r][0]
            elif len(rows) == 1:
                c = idx - self.base[1]
                if 0 <= c < len(rows[0]):
                    return rows[0][c]
        elif type(idx) is tuple and len(idx) == 2 and type(idx[0]) is int and type(idx[1]) is int:
            r, c = idx[0] - self.base[0], idx[1] - self.base[1]
            if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
                return rows[r][c]
        rows, cols = self.shape
        if not isinstance(idx, tuple):
            if cols == 1:
                idx = (idx, self.base[1])
            elif rows == 1:
                idx = (self.base[0], idx)
            else:
                raise IllFormed(f"{self.name} is a {rows}×{cols} matrix: index it with two indices")
        if len(idx) != 2:
            raise IllFormed(f"{self.name} takes at most two indices, got {len(idx)}")
        r, c = self._index(0, idx[0]), self._index(1, idx[1])
        if "nan" in (r, c):
            import symengine
            return symengine.nan
        if r is None:
            return self.slots[0](c)
        if c is None:
            return self.slots[1](r)
        return self.rows[r][c]

    # arithmetic ------------------------------------------------------------------
    def _nan(self, shape, name):
        """A NaN tensor: what a shape mismatch reads as while LENIENT."""
        import symengine
        return Tensor([[symengine.nan] * shape[1] for _ in range(shape[0])], name, self.base)

    def _map(self, fn, name):
        slots = {ax: (lambda c, g=g: fn(g(c))) for ax, g in self.slots.items()}
        return Tensor([[fn(v) for v in r] for r in self.rows], name, self.base, slots)

    def _zip(self, other, fn, op):
        if is_tensor(other):
            if other.shape != self.shape:
                if LENIENT[0]:
                    return self._nan(self.shape, f"({self.name} {op} {other.name})")
                raise IllFormed(f"shape mismatch: {self.name} ({self.shape[0]}×{self.shape[1]}) {op} "
                                f"{other.name} ({other.shape[0]}×{other.shape[1]})")
            slots = {ax: (lambda c, g=g, h=other.slots[ax]: fn(g(c), h(c)))
                     for ax, g in self.slots.items() if ax in other.slots}
            return Tensor([[fn(u, v) for u, v in zip(r, s)] for r, s in zip(self.rows, other.rows)],
                          f"({self.name} {op} {other.name})", self.base, slots)
        return self._map(lambda u: fn(u, other), f"({self.name} {op} {other})")

    def __add__(self, o):
        return self._zip(o, lambda u, v: u + v, "+")

    def __radd__(self, o):
        return self._map(lambda u: o + u, f"({o} + {self.name})")

    def __sub__(self, o):
        return self._zip(o, lambda u, v: u - v, "-")

    def __rsub__(self, o):
        return self._map(lambda u: o - u, f"({o} - {self.name})")

    def __mul__(self, o):
        if is_tensor(o) and _product_swapped(self, o, "⊙"):   # the diagnosis's edit: a matrix product here
            return self._matprod(o)
        return self._zip(o, lambda u, v: u * v, "⊙")

    def __rmul__(self, o):
        return self._map(lambda u: o * u, f"({o}·{self.name})")

    def __truediv__(self, o):
        if is_tensor(o):
            raise IllFormed(f"cannot divide {self.name} by the matrix {o.name}")
        return self._map(lambda u: u / o, f"({self.name}/{o})")

    def __neg__(self):
        return self._map(lambda u: -u, f"-{self.name}")

    def __pow__(self, p):
        return self._map(lambda u: u ** p, f"{self.name}^{p}")

    def __matmul__(self, o):
        if isinstance(o, Identity):
            return self
        if not is_tensor(o):
            raise IllFormed(f"@ needs two matrices, got {self.name} @ {o!r}")
        if _product_swapped(self, o, "@"):   # the diagnosis's edit: an element-wise product here
            return self._zip(o, lambda u, v: u * v, "⊙")
        return self._matprod(o)

    def _matprod(self, o):
        (r, k), (k2, c) = self.shape, o.shape
        if k != k2:
            if LENIENT[0]:
                return self._nan((r, c), f"{self.name}{o.name}")
            raise IllFormed(f"shape mismatch: {self.name} ({r}×{k}) @ {o.name} ({k2}×{c})")
        rows = [[sum((self.rows[i][t] * o.rows[t][j] for t in range(1, k)), self.rows[i][0] * o.rows[0][j])
                 for j in range(c)] for i in range(r)]
        return Tensor(rows, f"{self.name}{o.name}", (self.base[0], o.base[1]))

    @property
    def T(self):
        """The transpose."""
        reader = ACTIVE[0]
        if reader is not None:   # the diagnosis's edits: this one transpose dropped
            read, change = reader.note("transpose", self.name, caller(), True)
            if change and change[0] == "untranspose":
                return self
        slots = {1 - ax: fn for ax, fn in self.slots.items()}
        return Tensor([list(c) for c in zip(*self.rows)], f"{self.name}ᵀ", self.base[::-1], slots)

    def __repr__(self):
        return f"Tensor({self.name}, {self.shape[0]}×{self.shape[1]})"


def _product_swapped(a, b, op):
    """Notes the product ``a op b`` as a read of the claim's; whether the diagnosis reads the other product."""
    reader = ACTIVE[0]
    if reader is None:
        return False
    _, change = reader.note("product", f"{a.name} {op} {b.name}", caller(3), op)
    return bool(change and change[0] == "swap")


def has_nan(side):
    """Whether a side (a Tensor or a scalar) has a NaN entry: something read out of range while LENIENT.

    >>> import symengine as se
    >>> has_nan(Tensor([[se.nan], [se.Symbol("p")]])), has_nan(se.Symbol("p"))
    (True, False)
    """
    import symengine
    entries = side.entries() if is_tensor(side) else [side]
    return any(getattr(e, "has", lambda x: False)(symengine.nan) or str(e) == "nan" for e in entries)


def odot(a, b):
    """Element-wise (Hadamard) product ``a ⊙ b``; same as ``a * b`` for tensors.

    >>> import symengine as se
    >>> p = se.Symbol("p")
    >>> odot(Tensor([[p]]), Tensor([[2]]))[1]
    2*p
    """
    if is_tensor(a):
        return a * b
    if is_tensor(b):
        return b * a
    return a * b


# -- the matrix vocabulary of pages ------------------------------------------------------------------
class Identity:
    """The identity matrix of whatever size its neighbour in ``@`` needs: an empty product of matrices.

    >>> import symengine as se
    >>> v = Tensor([[se.Symbol("p")]], name="v")
    >>> (Identity() @ v) is v, (v @ Identity()) is v, Identity().T.name
    (True, True, 'I')
    """
    name = "I"

    def __matmul__(self, o):
        if not (is_tensor(o) or isinstance(o, Identity)):
            raise IllFormed(f"@ needs two matrices, got I @ {o!r}")
        return o

    def __rmatmul__(self, o):
        return o

    @property
    def T(self):
        """The transpose (itself)."""
        return self

    def __repr__(self):
        return "Identity()"


def _vector(v, what):
    """The entries of a column or row vector, or :class:`IllFormed` naming ``what`` needs one."""
    if not is_tensor(v):
        raise IllFormed(f"{what} needs a vector, got {v!r}")
    rows, cols = v.shape
    if cols != 1 and rows != 1:
        raise IllFormed(f"{what} needs a vector, got the {rows}×{cols} matrix {v.name}")
    return v.entries(), (v.base[0] if cols == 1 else v.base[1])


def diag(v):
    """The diagonal matrix of a vector: ``diag(σ′(z))`` is the page's Σ′(z).

    >>> import symengine as se
    >>> p, q = se.symbols("p q")
    >>> D = diag(Tensor([[p], [q]], name="v"))
    >>> D.shape, D[1, 1], D[1, 2], D.name
    ((2, 2), p, 0, 'diag(v)')
    """
    import symengine
    values, base = _vector(v, "diag")
    rows = [[values[i] if i == j else symengine.Integer(0) for j in range(len(values))] for i in range(len(values))]
    return Tensor(rows, f"diag({v.name})", (base, base))


def outer(u, v):
    """The outer product ``u vᵀ`` of two vectors (each a column or a row).

    >>> import symengine as se
    >>> p, q, r = se.symbols("p q r")
    >>> o = outer(Tensor([[p], [q]], name="u"), Tensor([[r]], name="v"))
    >>> o.shape, o[2, 1], o.name
    ((2, 1), q*r, 'u vᵀ')
    """
    (us, ub), (vs, vb) = _vector(u, "outer"), _vector(v, "outer")
    return Tensor([[a * b for b in vs] for a in us], f"{u.name} {v.name}ᵀ", (ub, vb))


def ones(count, base=1):
    """The column vector of ``count`` ones (``X @ ones(m)`` sums the rows of X).

    >>> ones(3).shape, ones(3)[3]
    ((3, 1), 1)
    """
    import symengine
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise IllFormed(f"ones takes a whole number of entries >= 1, got {count!r}")
    return Tensor([[symengine.Integer(1)] for _ in range(count)], f"1_{count}", (base, base))


def row_sums(M):
    """The column vector of each row's sum, ``Σ_j M_ij`` (numpy's ``M.sum(axis=1, keepdims=True)``).

    With examples in columns, ``row_sums(dZ) / m`` is the page's ``(1/m) Σ_i dz^(i)``.

    >>> import symengine as se
    >>> p, q = se.symbols("p q")
    >>> row_sums(Tensor([[p, q], [q, q]], name="M")).entries()
    [p + q, 2*q]
    """
    if not is_tensor(M):
        raise IllFormed(f"row_sums needs a matrix, got {M!r}")
    return Tensor([[sum(r[1:], r[0])] for r in M.rows], f"row_sums({M.name})", (M.base[0], M.base[1]))


def column_sums(M):
    """The row vector of each column's sum, ``Σ_i M_ij`` (numpy's ``M.sum(axis=0, keepdims=True)``).

    >>> import symengine as se
    >>> p, q = se.symbols("p q")
    >>> column_sums(Tensor([[p, q], [q, q]], name="M")).entries()
    [p + q, 2*q]
    """
    if not is_tensor(M):
        raise IllFormed(f"column_sums needs a matrix, got {M!r}")
    return Tensor(row_sums(M.T).T.rows, f"column_sums({M.name})", (M.base[0], M.base[1]))


def norm(v):
    """The Euclidean norm ``‖v‖`` of a vector (the Frobenius norm of a matrix); ``norm(v)**2`` is ``Σ v²``.

    >>> import symengine as se
    >>> p, q = se.symbols("p q")
    >>> norm(Tensor([[p], [q]])) ** 2
    p**2 + q**2
    """
    import symengine
    if not is_tensor(v):
        return symengine.Abs(v)
    squares = [e ** 2 for e in v.entries()]
    return symengine.sqrt(sum(squares[1:], squares[0]))


def matprod(factors):
    """The product ``F_1 F_2 ⋯ F_n`` of matrices, in order; the :class:`Identity` when there are none.

    ``matprod(n.W[k].T @ diag(n.fp(n.z[k])) for k in range(l + 1, n.L + 1))`` is the page's
    ``(w^{l+1})ᵀ Σ′(z^{l+1}) ⋯ (w^L)ᵀ Σ′(z^L)``.

    >>> import symengine as se
    >>> p = se.Symbol("p")
    >>> matprod([Tensor([[p]]), Tensor([[2]])])[1, 1], matprod([])
    (2*p, Identity())
    """
    out = Identity()
    for F in factors:
        if not (is_tensor(F) or isinstance(F, Identity)):
            raise IllFormed(f"a product of matrices takes matrices, got {F!r}")
        out = out @ F
    return out


def ln(v):
    """The natural logarithm, element-wise on a vector or matrix: the page's ``ln a`` (``−ln a_y``).

    >>> import symengine as se
    >>> p = se.Symbol("p")
    >>> ln(p), ln(Tensor([[p]], name="a")).name
    (log(p), 'ln(a)')
    """
    import symengine
    if is_tensor(v):
        return v._map(symengine.log, f"ln({v.name})")
    return symengine.log(v)
