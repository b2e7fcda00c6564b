"""The corrected formula: the diagnosis's edits applied to the claim's syntax tree, printed in the page's notation.

The claim is replayed once with a recording reader; the reads it makes in each
call are matched, in evaluation order, to the reads its tree says it makes
(:mod:`symbp.claims.tree`).  An edit names reads (one read, every read of a
symbol at one place, or every read of a symbol at one layer); it maps to the
tree when the nodes of those reads make no other read in any call (a read in
one term of a sum is not a node of its own).  The edits are then applied to
the nodes (a layer ±1, an index, ``f``↔``f'``, a ↔ z, a transpose, ⊙ ↔ @, a
term read as 0, a sign or factor of the formula) and the tree is printed: it is
the edited code, which the search confirmed exactly.  Before it is shown, the
printed tree itself is evaluated on the view at fixed points and must hold (so
a mapping slip can never show a formula the search did not confirm).  Where the
tree does not exist, the reads do not match, an edit does not map, or the print
does not hold: None (never a guess).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
from fractions import Fraction

import numpy as np

from ..claims.occurrence import Reader, reading, symbol_of
from ..claims.tensor import LENIENT, LENIENT_MISSES
from ..claims.code_tree import python_tree
from ..claims.tree import (Apply, Emit, Formula, Neg, Number, Op, Quantity, Repeat, Sum, Transpose, Var, evaluate,
                           latex_style, tensor_valued)
from ..claims import view as view_module
from . import budget as budget_module
from .edits import claim_files
from .evaluate import RTOL, instantiate, numeric_values, relative_errors, sample_points

__all__ = ['corrected_formula', 'claim_tree']


#: Reads of one call matched at most (a larger call is not matched: no corrected print).
MAX_CALL_READS = 400


def claim_tree(claim, notation):
    """``(Formula, reads)`` of the claim (a TOML claim's attached tree, else its Python code's), or None.

    >>> from symbp.claims.notation import Notation
    >>> claim_tree(type("C", (), {"fn": len, "tree": None})(), Notation()) is None
    True
    """
    if not _own_code(claim.fn):     # a mutant's function, or another wrapper: its code is not the tree's
        return None
    tree = getattr(claim, "tree", None)
    if tree is None:
        tree = python_tree(claim.fn, notation)
    return (Formula(tree[0].sides, notation, latex_style(getattr(claim, "latex", ""))), tree[1]) if tree else None


#: The files of the wrappers a claim's function may have and still be its own code: the page adapter
#: (:func:`symbp.claims.view.on_page`) and the time limit (:func:`symbp.judge.budget.limited`).
_TRANSPARENT = {os.path.abspath(view_module.__file__), os.path.abspath(budget_module.__file__)}


def _own_code(fn):
    """Whether ``fn`` is the claim's own function, wrapped only by the page adapter or a time limit.

    >>> from symbp.claims.view import on_page
    >>> _own_code(on_page(lambda n: n)), _own_code(functools.wraps(len)(lambda *a: 0))
    (True, False)
    """
    while hasattr(fn, "__wrapped__"):
        code = getattr(fn, "__code__", None)
        if code is None or os.path.abspath(code.co_filename) not in _TRANSPARENT:
            return False
        fn = fn.__wrapped__
    return True


def _replay(claim, derivation, run):
    """The reads of the claim's own code on ``run``, by call (1, 2, …), each call's in the order made."""
    files = claim_files(claim)
    reader = Reader(files)

    @functools.wraps(claim.fn)
    def fn(n, *args):
        reader.start_call(args)
        out = claim.fn(n, *args)
        returned[0] = reader.calls
        return out
    returned = [0]
    net, symbols = run[2], dict(run[3])
    LENIENT[0], LENIENT_MISSES[0] = True, 0
    complete = True
    try:
        with reading(reader):
            instantiate(dataclasses.replace(claim, fn=fn), net, derivation.notation, symbols)
    except Exception:       # a formula unreadable as written: the calls that returned are whole
        complete = False
    finally:
        LENIENT[0] = False
    calls = {}
    for r in reader.log:
        calls.setdefault(r.call, []).append(r)
    if 0 in calls or not calls:
        return None
    if not complete:
        calls = {c: r for c, r in calls.items() if c <= returned[0]}
    if len(reader.log) >= 4000:     # the last call may be cut short (the reader keeps the first 4000 reads)
        calls.pop(reader.calls, None)
    return calls


def _fits(emit, read):
    if emit.kind != read.kind:
        return False
    if read.kind == "entry":
        return (len(read.value) if isinstance(read.value, tuple) else 1) == emit.check
    if read.kind in ("apply", "product"):
        return read.value == emit.check
    return True


def _match(program, reads):
    """The (emit, read) pairs of one call, matching ``reads`` in order (a sum's body repeated), or None."""
    limit = [20000]

    def go(items, pos):
        limit[0] -= 1
        if limit[0] < 0:
            return None
        if not items:
            return [] if pos == len(reads) else None
        head, rest = items[0], items[1:]
        if isinstance(head, Repeat):
            if _has_reads(head.items):
                more = go(head.items + (head,) + rest, pos)     # one more term, then the others
                if more is not None:
                    return more
            return go(rest, pos)
        if pos < len(reads) and _fits(head, reads[pos]):
            tail = go(rest, pos + 1)
            return None if tail is None else [(head, reads[pos])] + tail
        return None
    if len(reads) > MAX_CALL_READS:
        return None
    try:
        return go(tuple(program), 0)
    except RecursionError:
        return None


def _has_reads(items):
    return any(isinstance(i, Emit) or _has_reads(i.items) for i in items)


def _affected(edit, pairs):
    """The emits an edit changes, or None where it changes only some of the reads of one of them."""
    key = edit.key
    if key[0] == "symbol":
        hit = [(e, r) for e, r in pairs if r.kind == "layer" and r.name == key[1] and r.value == key[2]]
    elif key[0] == "site":
        hit = [(e, r) for e, r in pairs if r.kind == key[1] and r.site == key[2] and symbol_of(r.name) == key[3]] \
            if len(key) == 4 else []
    else:
        hit = [(e, r) for e, r in pairs if r.key == key]
    emits = {id(e): e for e, _ in hit}
    hit_reads = {id(r) for _, r in hit}
    if not emits or any(id(r) not in hit_reads for e, r in pairs if id(e) in emits):
        return None
    return list(emits.values())


_FLIP = {"f": "fp", "fp": "f", "f_out": "fp_out", "fp_out": "f_out"}


def _shift(expr, d):
    """A layer expression ``d`` layers on: ``l+1`` -> ``l+2`` / ``l``."""
    if d == 0:
        return expr
    if isinstance(expr, Number) and isinstance(expr.value, int):
        return Number(expr.value + d)
    if isinstance(expr, Op) and expr.op in "+-" and isinstance(expr.right, Number) and isinstance(expr.right.value, int):
        total = (expr.right.value if expr.op == "+" else -expr.right.value) + d
        if total == 0:
            return expr.left
        return Op("+" if total > 0 else "-", expr.left, Number(abs(total)))
    return Op("+" if d > 0 else "-", expr, Number(abs(d)))


def _changed(node, kind, change, first, claim):
    """``node`` (a node of an emit of ``kind``) under ``change``; ``first``: it is the emit's own node."""
    what = change[0]
    if kind == "layer":
        if not isinstance(node, Quantity):
            return None
        if what == "layer":
            return dataclasses.replace(node, layer=_shift(node.layer, change[1]))
        if what == "symbol":
            return None     # handled by the caller (a new layer, known from the read)
        if what == "family":
            return dataclasses.replace(node, canon=change[1], layer=_shift(node.layer, change[2]))
        if what == "zero":
            return Number(0)
        if node.layer is None:
            return None
        if what == "transpose":
            if first and not node.indices:
                return Transpose(dataclasses.replace(node))     # a copy: the node is not its own child
            if len(node.indices) == 2:
                return dataclasses.replace(node, indices=node.indices[::-1])
            return node
        return None
    if kind == "entry":
        if not isinstance(node, Quantity) or not node.indices:
            return None
        if what == "drop":
            return dataclasses.replace(node, indices=())
        if what == "zero":
            return Number(0)
        if what == "exchange":
            return dataclasses.replace(node, indices=node.indices[::-1]) if len(node.indices) == 2 else node
        if what == "index":
            new = change[1] if isinstance(change[1], tuple) else (change[1],)
            if len(new) != len(node.indices):
                return None
            return dataclasses.replace(node, indices=tuple(Number(v) for v in new))
        if what == "arg":
            _, axis, k = change
            if not (0 <= k < len(claim.params)) or axis >= len(node.indices):
                return None
            idx = list(node.indices)
            idx[axis] = Var(claim.params[k], outer=True)     # the claim's index, whatever a sum binds
            return dataclasses.replace(node, indices=tuple(idx))
        return None
    if kind == "apply" and what == "flip" and isinstance(node, Apply) and node.function in _FLIP:
        return dataclasses.replace(node, function=_FLIP[node.function])
    if kind == "transpose" and what == "untranspose" and isinstance(node, Transpose):
        return ("alias", node.operand)
    if kind == "product" and what == "swap" and isinstance(node, Op) and node.op in ("⊙", "@"):
        return dataclasses.replace(node, op="@" if node.op == "⊙" else "⊙")
    return None


def _scaled(side, label):
    """``side`` times the factor ``label`` (−1, 2, 1/2, m, 1/m, K, 1/K), numbers folded: −(−x) is x, ½·2x is x."""
    numeric = {"-1": Fraction(-1), "2": Fraction(2), "1/2": Fraction(1, 2)}
    if label in numeric:
        k = numeric[label]
        if k == -1 and isinstance(side, Neg):
            return side.operand
        folded = _fold_coefficient(side, k)
        if folded is not None:
            return folded
        return Neg(side) if k == -1 else Op("×", _number(k), side)
    factor = {"m": Quantity("m"), "1/m": Op("/", Number(1), Quantity("m")), "K": Quantity("K"),
              "1/K": Op("/", Number(1), Quantity("K"))}
    return Op("×", factor[label], side) if label in factor else None


def _fold_coefficient(e, k):
    """``k`` times the product ``e`` whose first factor is a whole number (``2 δ a`` -> ``δ a`` for ½), or None."""
    if not (isinstance(e, Op) and e.op == "×"):
        return None
    if isinstance(e.left, Number) and isinstance(e.left.value, int):
        c = k * e.left.value
        return e.right if c == 1 else Op("×", _number(c), e.right)
    left = _fold_coefficient(e.left, k)
    return None if left is None else Op("×", left, e.right)


def _number(q):
    """A fraction as a node: ``2``, ``-3`` or ``1/2``."""
    if q.denominator == 1:
        return Number(int(q))
    return Op("/", Number(q.numerator), Number(q.denominator))


def _rebuild(e, repl):
    r = repl.get(id(e))
    if isinstance(r, tuple):        # the node is now one of its own children (a transpose dropped)
        return _rebuild(r[1], repl)
    e = e if r is None else r
    if isinstance(e, Op):
        left, right = _rebuild(e.left, repl), _rebuild(e.right, repl)
        op = e.op
        if op in ("×", "⊙"):    # the code's *: element-wise between two tensors, else a product with a scalar
            op = "⊙" if tensor_valued(left) and tensor_valued(right) else "×"
        return _simplified(dataclasses.replace(e, op=op, left=left, right=right))
    if isinstance(e, (Neg, Transpose)):
        return _simplified(dataclasses.replace(e, operand=_rebuild(e.operand, repl)))
    if isinstance(e, Apply):
        return dataclasses.replace(e, argument=_rebuild(e.argument, repl))
    if isinstance(e, Sum):
        body = _rebuild(e.body, repl)
        if _uses_outer(body, e.var):    # the sum's index captured the claim's: the sum's renamed
            fresh = next(v for v in _FRESH if not _uses(body, v))
            return _simplified(dataclasses.replace(e, var=fresh, body=_renamed(body, e.var, fresh)))
        return _simplified(dataclasses.replace(e, body=body))
    return e


#: Names for a sum's index renamed to undo a capture.
_FRESH = ("e", "p", "q", "r", "s", "t", "u", "v", "k1", "k2", "k3")


def _vars(e):
    if isinstance(e, Var):
        yield e
    kids = ([e.layer] if isinstance(e, Quantity) and e.layer is not None else []) + \
        (list(e.indices) if isinstance(e, Quantity) else []) + \
        ([e.example] if isinstance(e, Quantity) and e.example is not None else []) + \
        ([e.left, e.right] if isinstance(e, Op) else [e.operand] if isinstance(e, (Neg, Transpose)) else
         [e.argument] if isinstance(e, Apply) else [e.body, e.lo, e.hi] if isinstance(e, Sum) else [])
    for k in kids:
        if k is not None:
            yield from _vars(k)


def _uses_outer(e, name):
    return any(v.outer and v.name == name for v in _vars(e))


def _uses(e, name):
    return any(v.name == name for v in _vars(e)) or any(isinstance(x, Sum) and x.var == name for x in _nodes(e))


def _nodes(e):
    yield e
    for k in ([e.left, e.right] if isinstance(e, Op) else [e.operand] if isinstance(e, (Neg, Transpose)) else
              [e.argument] if isinstance(e, Apply) else [e.body] if isinstance(e, Sum) else []):
        yield from _nodes(k)


def _renamed(e, old, new):
    """``e`` with its bound variable ``old`` (not the claim's own, ``outer``) written ``new``."""
    if isinstance(e, Var):
        return Var(new) if e.name == old and not e.outer else e
    if isinstance(e, Quantity):
        return dataclasses.replace(e, layer=None if e.layer is None else _renamed(e.layer, old, new),
                                   indices=tuple(_renamed(i, old, new) for i in e.indices),
                                   example=None if e.example is None else _renamed(e.example, old, new))
    if isinstance(e, Op):
        return dataclasses.replace(e, left=_renamed(e.left, old, new), right=_renamed(e.right, old, new))
    if isinstance(e, (Neg, Transpose)):
        return dataclasses.replace(e, operand=_renamed(e.operand, old, new))
    if isinstance(e, Apply):
        return dataclasses.replace(e, argument=_renamed(e.argument, old, new))
    if isinstance(e, Sum):
        bounds = dict(lo=None if e.lo is None else _renamed(e.lo, old, new),
                      hi=None if e.hi is None else _renamed(e.hi, old, new))
        return dataclasses.replace(e, body=e.body if e.var == old else _renamed(e.body, old, new), **bounds)
    return e


def _zero(e):
    return isinstance(e, Number) and e.value == 0


def _simplified(e):
    """A term read as 0 taken out: ``x + 0`` -> ``x``, ``0 ⊙ x`` -> ``0``, ``0 − x`` -> ``−x``."""
    if isinstance(e, Op):
        if e.op in ("×", "⊙", "@") and (_zero(e.left) or _zero(e.right)):
            return Number(0)
        if e.op == "/" and _zero(e.left):
            return Number(0)
        if e.op in "+-" and _zero(e.right):
            return e.left
        if e.op == "+" and _zero(e.left):
            return e.right
        if e.op == "-" and _zero(e.left):
            return Neg(e.right)
    if isinstance(e, (Neg, Transpose, Sum)) and _zero(e.operand if not isinstance(e, Sum) else e.body):
        return Number(0)
    return e


def corrected_formula(claim, derivation, run, edits, side):
    """The claim's sides with ``edits`` applied, as a :class:`~symbp.claims.tree.Formula`, or None.

    ``run`` is the architecture the edits were found on (``(sizes, m, net, symbols, …)``); ``side`` the side a
    sign or factor edit scales.

    >>> from symbp.claims.notation import Notation
    >>> no_tree = type("C", (), {"fn": len, "tree": None, "latex": ""})()     # code without a tree: no print
    >>> corrected_formula(no_tree, type("D", (), {"notation": Notation()})(), None, [], 1) is None
    True
    """
    found = claim_tree(claim, derivation.notation)
    if found is None:
        return None
    formula, program = found
    calls = _replay(claim, derivation, run)
    if not calls:
        return None
    pairs = []
    for call in sorted(calls):
        matched = _match(program, calls[call])
        if matched is None:
            return None
        pairs += matched
    repl, sides = {}, list(formula.sides)
    for edit in edits:
        if edit.key[0] == "result":
            if edit.change[0] != "scale" or not 0 < side < len(sides):
                return None
            sides[side] = _scaled(sides[side], edit.change[1])
            if sides[side] is None:
                return None
            continue
        emits = _affected(edit, pairs)
        if emits is None:
            return None
        for emit in emits:
            for k, node in enumerate(emit.nodes):
                current = repl.get(id(node), node)
                if isinstance(current, tuple):
                    return None
                if edit.change[0] == "symbol":
                    if emit.kind != "layer" or not isinstance(current, Quantity):
                        return None
                    new = dataclasses.replace(current, layer=_shift(current.layer, edit.change[1] - edit.key[2]))
                else:
                    new = _changed(current, emit.kind, edit.change, k == 0, claim)
                if new is None:
                    return None
                repl[id(node)] = new
    out = Formula([_rebuild(s, repl) for s in sides], derivation.notation, formula.style)
    return out if _holds(out, claim, derivation, run, side) else None


#: Fixed points at which the printed formula is evaluated before it is shown.
POINTS = 3


def _holds(formula, claim, derivation, run, side):
    """Whether the printed formula's sides 0..``side`` agree numerically on ``run`` (the tree evaluated on the
    view, not the claim's code): a print that is not the formula the search confirmed is never shown."""
    def fn(n, *args):
        env = dict(zip(claim.params, args))
        return tuple(evaluate(s, n, dict(env)) for s in formula.sides)
    fn.__signature__ = inspect.signature(claim.fn)
    net, symbols = run[2], dict(run[3])
    try:
        instances = instantiate(dataclasses.replace(claim, fn=fn), net, derivation.notation, symbols)
        values = numeric_values(net, symbols, instances, sample_points(net, symbols, POINTS, 2718))
    except Exception:      # the printed formula cannot be evaluated: it is not shown
        return False
    if values.shape[2] <= side:
        return False
    err = relative_errors(values[:, :, :side + 1])
    return bool(np.all(np.isfinite(values[:, :, :side + 1])) and np.all(err <= RTOL))
