"""A TOML claim's parsed formulas as the page's syntax tree (:mod:`symbp.claims.tree`), with the reads they make.

The interpreter (:mod:`symbp.formula.interpret`) evaluates a parse tree
left to right, operands before their operator, a sum's body once per term;
the reads it makes of the view (a layer, an entry, an activation, a
transpose, a product of two tensors) are noted here in that order, so that
an edit of one read names one node.  A formula using anything else (a
partial derivative, ``diff``, ``d``, ``symbol``, the matrix vocabulary,
``prod``) has no tree: None.

>>> from symbp.claims.notation import Notation
>>> from symbp.formula.grammar import parse_formula
>>> f, program = formula_sides([parse_formula("delta[l]"), parse_formula("(W[l+1].T @ delta[l+1]) * fp(z[l])")],
...                            ("l",), Notation())
>>> f.text(), [p.kind for p in program]
("δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ f'(z^(l))", ['layer', 'layer', 'transpose', 'layer', 'product', 'layer', 'apply', 'product'])
>>> formula_sides([parse_formula("delta[l]"), parse_formula("partial(C, z[l])")], ("l",), Notation()) is None
True
"""

from __future__ import annotations

from lark import Tree

from ..claims.tree import (ACTIVATIONS, LAYERED, SCALARS, TENSORS, Apply, Emit, Formula, Neg, Number, Op, Quantity,
                           Repeat, Sum, Transpose, Var)
from .grammar import chained

__all__ = ['formula_sides']


class _Unknown(Exception):
    pass


class _Converter:
    def __init__(self, params, notation):
        self.params, self.nt = set(params), notation
        self.program, self.types = [], {}

    def made(self, node, typ):
        self.types[id(node)] = typ
        return node

    def tensor(self, node):
        return self.types.get(id(node)) == "tensor"

    def emit(self, node, kind, check=None):
        self.program.append(Emit((node,), kind, check))

    def conv(self, t):
        if not isinstance(t, Tree):
            raise _Unknown(str(t))
        return getattr(self, "c_" + t.data, self.unknown)(t)

    def unknown(self, t):
        raise _Unknown(t.data)

    def c_int(self, t):
        return self.made(Number(int(t.children[0])), "scalar")

    def c_decimal(self, t):
        return self.made(Number(str(t.children[0])), "scalar")

    def c_name(self, t):
        name = str(t.children[0])
        if name in self.params:
            return self.made(Var(name), "scalar")
        canon = self.nt.canonical(name)
        if canon in SCALARS:
            return self.made(Quantity(canon), "scalar")
        if canon in TENSORS:
            return self.made(Quantity(canon), "tensor")
        if canon in LAYERED:
            return self.made(Quantity(canon), "layers")
        raise _Unknown(name)

    def _chain(self, t):
        chain = [t]     # a flat chain a + b - c + … : the interpreter folds it left to right
        while isinstance(chain[-1].children[0], Tree) and chained(chain[-1], chain[-1].children[0]):
            chain.append(chain[-1].children[0])
        value = self.conv(chain[-1].children[0])
        for node in reversed(chain):
            value = self.binary(node.data, value, self.conv(node.children[1]))
        return value

    c_add = c_sub = c_mul = c_div = c_pow = c_matmul = _chain

    def binary(self, data, left, right):
        lt, rt = self.tensor(left), self.tensor(right)
        if self.types.get(id(left)) == "layers" or self.types.get(id(right)) == "layers":
            raise _Unknown("a layered quantity without its layer")
        op = {"add": "+", "sub": "-", "div": "/", "pow": "^", "matmul": "@"}.get(data)
        if data == "mul":
            op = "⊙" if lt and rt else "×"
        if op == "@" and not (lt and rt):
            raise _Unknown("@ of a scalar")
        node = self.made(Op(op, left, right), "tensor" if lt or (rt and op != "^") else "scalar")
        if op in ("⊙", "@"):
            self.emit(node, "product", op)
        return node

    def c_neg(self, t):
        inner = self.conv(t.children[0])
        return self.made(Neg(inner), self.types.get(id(inner)))

    def c_index(self, t):
        base, i = self.conv(t.children[0]), self.conv(t.children[1])
        if not isinstance(base, Quantity) or self.tensor(i):
            raise _Unknown("an index of an expression")
        if self.types.get(id(base)) == "layers":
            node = self.made(Quantity(base.canon, i), "tensor")
            self.emit(node, "layer")
            return node
        if self.tensor(base) and not base.indices:
            node = self.made(Quantity(base.canon, base.layer, (i,)), "scalar")
            self._entry(base, node, 1)
            return node
        raise _Unknown("an index")

    def c_index2(self, t):
        base = self.conv(t.children[0])
        j, i = (self.conv(c) for c in t.children[1:])
        if not (isinstance(base, Quantity) and self.tensor(base) and not base.indices):
            raise _Unknown("two indices of an expression")
        node = self.made(Quantity(base.canon, base.layer, (j, i)), "scalar")
        self._entry(base, node, 2)
        return node

    def _entry(self, base, node, arity):
        for k, item in enumerate(self.program):   # the layer read of the quantity names the entry too
            if isinstance(item, Emit) and item.nodes[0] is base and item.kind == "layer":
                self.program[k] = Emit(item.nodes + (node,), item.kind, item.check)
        self.emit(node, "entry", arity)

    def c_attr(self, t):
        if str(t.children[1]) != "T":
            raise _Unknown("an attribute")
        base = self.conv(t.children[0])
        if not self.tensor(base):
            raise _Unknown(".T of a scalar")
        node = self.made(Transpose(base), "tensor")
        self.emit(node, "transpose")
        return node

    def c_call(self, t):
        name, args = str(t.children[0]), t.children[1:]
        canon = self.nt.canonical(name)
        if canon not in ACTIVATIONS or len(args) != 1 or name in self.params:
            raise _Unknown(name)
        arg = self.conv(args[0])
        node = self.made(Apply(canon, arg), self.types.get(id(arg)))
        self.emit(node, "apply", canon.startswith("fp"))
        return node

    def c_sum(self, t):
        var, lo, hi, body = t.children
        before = len(self.program)
        lo, hi = self.bound(lo), self.bound(hi)
        if len(self.program) != before:
            raise _Unknown("a bound that reads")
        outer, self.program = self.program, []
        added = str(var) not in self.params
        self.params.add(str(var))
        inner = self.conv(body)
        if added:
            self.params.discard(str(var))
        reads, self.program = self.program, outer
        self.program.append(Repeat(tuple(reads)))
        return self.made(Sum(str(var), inner, lo, hi), self.types.get(id(inner)))

    def bound(self, t):
        if t.data == "call" and str(t.children[0]) == "size" and len(t.children) == 2:
            return Apply("size", self.conv(t.children[1]))
        return self.conv(t)


def formula_sides(trees, params, notation):
    """The parse trees ``trees`` of a claim's sides as ``(Formula, reads)``, or None where one has no tree."""
    c = _Converter(params, notation)
    try:
        sides = [c.conv(t) for t in trees]
    except Exception:       # _Unknown, or anything the tree cannot hold: no tree, and the claim loads as ever
        return None
    if any(c.types.get(id(s)) == "layers" for s in sides):
        return None
    return Formula(sides, notation), tuple(c.program)
