"""A claim's syntax tree (:mod:`symbp.claims.tree`): a Python claim's read from its function's source with
:mod:`ast`, a TOML claim's attached when it is read (:mod:`symbp.formula.as_tree`).

The ``return`` sides of the claim's function (simple local assignments inlined) are read as the page's
formula: ``n.W[l + 1]`` is ``W^(l+1)``, ``.T`` a transpose, ``@`` the matrix product, ``*`` ⊙ between two
tensors and × with a scalar, ``n.fp(u)`` ``f'(u)``, ``sum(… for k in range(…))`` ``Σ_k …``, a sum over
``n.examples`` a sum over the page's example index.  Alongside, the reads each node makes are noted in Python's
evaluation order.  Anything else (a helper function, a loop, a partial derivative) has no tree: None.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import linecache

from .tree import (ACTIVATIONS, DERIVATIVES, LAYERED, SCALARS, TENSORS, Apply, Emit, Formula, Neg, Number, Op,
                   Quantity, Repeat, Sum, Transpose, Var, children, latex_style)

__all__ = ['python_tree', 'formula_tree']


#: Functions of a scalar a claim's code may call besides the view's activations.
_OTHER_FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log"}


class _Unknown(Exception):
    """Code the tree cannot express."""


@dataclasses.dataclass(frozen=True, eq=False)
class _Example:
    """A sum's loop variable over the view's examples: the example whose page index is ``index``."""
    index: object


def _function_node(fn):
    """The ``ast`` node (FunctionDef or Lambda) of ``fn``'s own code, or None."""
    fn = inspect.unwrap(fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    lines = linecache.getlines(code.co_filename)
    if not lines:
        return None
    try:
        functions = _functions_of(code.co_filename, "".join(lines))
    except (SyntaxError, ValueError):
        return None
    found = functions.get((code.co_firstlineno, code.co_name, tuple(code.co_varnames[:code.co_argcount])), [])
    return found[0] if len(found) == 1 else None   # two alike on one line: not told apart


@functools.lru_cache(maxsize=64)
def _functions_of(filename, text):
    """Every function and lambda of a module's source ``text``, by (first line, name, parameters): parsed and
    walked once (a diagnosis asks for its claim functions again and again)."""
    index = {}
    for node in ast.walk(ast.parse(text, filename)):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
            index.setdefault((first, name, tuple(a.arg for a in node.args.args)), []).append(node)
    return index


class _Builder:
    """Builds the tree of expressions in a claim's code and notes the reads in evaluation order."""

    def __init__(self, view, params, notation):
        self.view, self.params, self.nt = view, set(params), notation
        self.env, self.program, self.types = {}, [], {}
        self.derived = {}       # id of a layer read's node -> the entries read of it (``W[j, i]`` of ``W = n.W[l]``)

    # the type of a node: "tensor" or "scalar" (a product of two tensors is a read)
    def is_tensor(self, node):
        return self.types.get(id(node)) == "tensor"

    def made(self, node, typ):
        self.types[id(node)] = typ
        return node

    def emit(self, node, kind, check=None):
        self.program.append(Emit((node,), kind, check))

    def expr(self, e):
        if isinstance(e, ast.Constant) and type(e.value) is int:
            return self.made(Number(e.value), "scalar")
        if isinstance(e, ast.Constant) and type(e.value) is float:
            return self.made(Number(repr(e.value)), "scalar")
        if isinstance(e, ast.Name):
            if e.id in self.env:
                return self.env[e.id]
            if e.id in self.params:
                return self.made(Var(e.id), "scalar")
            raise _Unknown(e.id)
        if isinstance(e, ast.Attribute):
            one = self.example_of(e.value)
            if one is not None:     # a quantity of one example: the derivatives of its cost
                canon = self.nt.canonical(e.attr)
                if canon in DERIVATIVES:
                    return self.made(Quantity(canon, layer=_PENDING, example=one), "layers")
                if canon == "C":
                    return self.made(Quantity(canon, example=one), "scalar")
                raise _Unknown("a quantity of one example")
            if isinstance(e.value, ast.Name) and e.value.id == self.view and e.value.id not in self.env:
                canon = self.nt.canonical(e.attr)
                if canon in SCALARS:
                    return self.made(Quantity(canon), "scalar")
                if canon in TENSORS:
                    return self.made(Quantity(canon), "tensor")
                if canon in LAYERED:
                    return self.made(Quantity(canon, layer=_PENDING), "layers")
                raise _Unknown(e.attr)
            if e.attr == "T":
                inner = self.expr(e.value)
                if not self.is_tensor(inner):
                    raise _Unknown(".T of a scalar")
                node = self.made(Transpose(inner), "tensor")
                self.emit(node, "transpose")
                return node
            raise _Unknown(e.attr)
        if isinstance(e, ast.Subscript):
            base = self.expr(e.value)
            keys = e.slice.elts if isinstance(e.slice, ast.Tuple) else [e.slice]
            idx = tuple(self.expr(k) for k in keys)
            if not isinstance(base, Quantity) or any(self.is_tensor(i) for i in idx):
                raise _Unknown("an index of an expression")
            if self.types.get(id(base)) == "layers":
                if len(idx) != 1:
                    raise _Unknown("a layer index")
                node = self.made(Quantity(base.canon, idx[0], example=base.example), "tensor")
                self.emit(node, "layer")
                return node
            if self.is_tensor(base) and not base.indices and len(idx) in (1, 2):
                node = self.made(Quantity(base.canon, base.layer, idx, base.example), "scalar")
                self.derived.setdefault(id(base), []).append(node)
                self.emit(node, "entry", len(idx))
                return node
            raise _Unknown("an index")
        if isinstance(e, ast.BinOp):
            ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "^", ast.MatMult: "@"}
            op = ops.get(type(e.op))
            if op is None:
                raise _Unknown("an operator")
            left, right = self.expr(e.left), self.expr(e.right)
            lt, rt = self.is_tensor(left), self.is_tensor(right)
            if op == "*":
                op = "⊙" if lt and rt else "×"
            if op == "@":
                if not (lt and rt):
                    raise _Unknown("@ of a scalar")
            node = self.made(Op(op, left, right), "tensor" if (lt or (rt and op != "^")) else "scalar")
            if op in ("⊙", "@"):
                self.emit(node, "product", op)
            return node
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
            inner = self.expr(e.operand)
            if isinstance(e.op, ast.UAdd):
                return inner
            if isinstance(inner, Number) and isinstance(inner.value, int):
                return self.made(Number(-inner.value), "scalar")
            return self.made(Neg(inner), self.types.get(id(inner)))
        if isinstance(e, ast.Call):
            return self.call(e)
        raise _Unknown(type(e).__name__)

    def example_of(self, e):
        """The page's example index of ``e`` when it is one example of the view (``n.examples[i - 1]``, or a
        sum's ``ex`` over ``n.examples``), else None."""
        if isinstance(e, ast.Name) and isinstance(self.env.get(e.id), _Example):
            return self.env[e.id].index
        if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Attribute) and e.value.attr == "examples" \
                and isinstance(e.value.value, ast.Name) and e.value.value.id == self.view:
            before = len(self.program)
            i = self.expr(e.slice)
            if len(self.program) != before or self.is_tensor(i):
                raise _Unknown("an example read by a formula")
            return _fold(Op("+", i, Number(self.nt.example_base)))
        return None

    def call(self, e):
        if e.keywords:
            raise _Unknown("keywords")
        f = e.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == self.view:
            canon = self.nt.canonical(f.attr)
            if canon in ACTIVATIONS and len(e.args) == 1:
                arg = self.expr(e.args[0])
                node = self.made(Apply(canon, arg), self.types.get(id(arg)))
                self.emit(node, "apply", canon.startswith("fp"))
                return node
            raise _Unknown(f.attr)
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
        if name == "sum" and isinstance(f, ast.Name) and len(e.args) == 1 and isinstance(e.args[0], ast.GeneratorExp):
            return self.sum(e.args[0])
        if name in _OTHER_FUNCTIONS and len(e.args) == 1 and not (isinstance(f, ast.Name) and f.id in self.env):
            arg = self.expr(e.args[0])
            if self.is_tensor(arg):
                raise _Unknown("exp of a tensor")
            return self.made(Apply(_OTHER_FUNCTIONS[name], arg), "scalar")
        raise _Unknown(str(name))

    def example_sum(self, name, elt):
        """``sum(ex.… for ex in n.examples)``: Σ over the page's example index (``e``, unless the claim uses it)."""
        var = next(v for v in ("e", "p", "q", "r", "s", "t") if v not in self.params and v not in self.env)
        saved_env, saved_params = dict(self.env), set(self.params)
        self.env[name] = _Example(Var(var))
        self.params.add(var)
        outer, self.program = self.program, []
        body = self.expr(elt)
        inner, self.program = self.program, outer
        self.env, self.params = saved_env, saved_params
        self.program.append(Repeat(tuple(inner)))
        return self.made(Sum(var, body, Number(self.nt.example_base), _fold(Op("-", Op("+", Quantity("m"),
                         Number(self.nt.example_base)), Number(1)))), self.types.get(id(body)))

    def bound(self, e):
        """A sum's bound: numbers, the claim's variables, ``n.L``, ``n.size(…)``, + and −; no reads."""
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and isinstance(e.func.value, ast.Name) \
                and e.func.value.id == self.view and self.nt.canonical(e.func.attr) == "size" and len(e.args) == 1:
            return Apply("size", self.bound(e.args[0]))
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub)):
            return _fold(Op("+" if isinstance(e.op, ast.Add) else "-", self.bound(e.left), self.bound(e.right)))
        before = len(self.program)
        node = self.expr(e)
        if len(self.program) != before or self.is_tensor(node):
            raise _Unknown("a bound that reads")
        return node

    def sum(self, g):
        if len(g.generators) != 1 or g.generators[0].ifs or g.generators[0].is_async:
            raise _Unknown("a comprehension")
        gen = g.generators[0]
        it = gen.iter
        if isinstance(gen.target, ast.Name) and isinstance(it, ast.Attribute) and it.attr == "examples" \
                and isinstance(it.value, ast.Name) and it.value.id == self.view:
            return self.example_sum(gen.target.id, g.elt)
        if not (isinstance(gen.target, ast.Name) and isinstance(it, ast.Call) and isinstance(it.func, ast.Name)
                and it.func.id == "range" and 1 <= len(it.args) <= 2 and not it.keywords):
            raise _Unknown("a sum not over a range")
        lo = self.bound(it.args[0]) if len(it.args) == 2 else Number(0)
        hi = _fold(Op("-", self.bound(it.args[-1]), Number(1)))
        var = gen.target.id
        saved_env, saved_params = dict(self.env), set(self.params)
        self.env.pop(var, None)
        self.params.add(var)
        outer, self.program = self.program, []
        body = self.expr(g.elt)
        inner, self.program = self.program, outer
        self.env, self.params = saved_env, saved_params
        self.program.append(Repeat(tuple(inner)))
        return self.made(Sum(var, body, lo, hi), self.types.get(id(body)))


_PENDING = Var("?")


def _fold(e):
    """``(x + 1) - 1`` -> ``x``; ``l + 0`` -> ``l``; numbers added."""
    if isinstance(e, Op) and e.op in "+-" and isinstance(e.right, Number) and isinstance(e.right.value, int):
        d = e.right.value if e.op == "+" else -e.right.value
        left = e.left
        if isinstance(left, Number) and isinstance(left.value, int):
            return Number(left.value + d)
        if isinstance(left, Op) and left.op in "+-" and isinstance(left.right, Number) \
                and isinstance(left.right.value, int):
            d += left.right.value if left.op == "+" else -left.right.value
            left = left.left
        if d == 0:
            return left
        return Op("+" if d > 0 else "-", left, Number(abs(d)))
    return e


def python_tree(fn, notation):
    """The tree of a Python claim function's sides and the reads it makes (``(Formula, program)``), or None.

    >>> from symbp.claims.notation import Notation
    >>> f, program = python_tree(lambda n, l: (n.delta[l], n.fp(n.z[l]) * (n.W[l + 1].T @ n.delta[l + 1])),
    ...                          Notation())
    >>> f.text(), [p.kind for p in program]
    ("δ^(l) = f'(z^(l)) ⊙ ((W^(l+1))ᵀ δ^(l+1))", ['layer', 'layer', 'apply', 'layer', 'transpose', 'layer', 'product', 'product'])
    >>> python_tree(lambda n, l: (n.delta[l], helper(n, l)), Notation()) is None
    True
    """
    node = _function_node(fn)
    if node is None or not node.args.args or node.args.vararg or node.args.kwonlyargs:
        return None
    names = [a.arg for a in node.args.args]
    b = _Builder(names[0], names[1:], notation)
    try:
        if isinstance(node, ast.Lambda):
            value = node.body
        else:
            body = list(node.body)
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]     # the docstring
            for st in body[:-1]:
                if not (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)):
                    raise _Unknown("a statement")
                b.env[st.targets[0].id] = b.expr(st.value)
            if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
                raise _Unknown("no return")
            value = body[-1].value
        if not isinstance(value, ast.Tuple) or len(value.elts) < 2:
            raise _Unknown("not a tuple of sides")
        sides = [b.expr(s) for s in value.elts]
    except Exception:       # _Unknown, or code the tree cannot hold: no tree (never a guess, never a crash)
        return None
    if any(b.types.get(id(s)) == "layers" or _has_pending(s) for s in sides):
        return None
    return Formula(sides, notation), _resolved(b.program, b.derived)


def _resolved(program, derived):
    """The program with every layer read naming the entries read of its node too."""
    out = []
    for item in program:
        if isinstance(item, Repeat):
            out.append(Repeat(_resolved(item.items, derived)))
        else:
            out.append(Emit(item.nodes + tuple(derived.get(id(item.nodes[0]), ())), item.kind, item.check))
    return tuple(out)


def _has_pending(e):
    if isinstance(e, Quantity):
        return e.layer is _PENDING
    return any(_has_pending(c) for c in children(e))


def formula_tree(claim, notation):
    """The claim's sides as a :class:`Formula` in ``notation`` (a TOML claim's is attached when it is read; a
    Python claim's is read from its function's source), or None where its code has no tree.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("d", "D", "-", Notation(names={"g": "f", "gp": "fp"}))
    >>> @doc.claim("(1)", kind="delta", layer="output", latex="")
    ... def out(n, i):
    ...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.gp(n.z[n.L][i])
    >>> formula_tree(out, doc.notation).text()
    "δ^(L)_i = (a^(L)_i − y_i) g'(z^(L)_i)"
    """
    tree = getattr(claim, "tree", None)
    if tree is None:
        tree = python_tree(claim.fn, notation)
    return Formula(tree[0].sides, notation, latex_style(getattr(claim, "latex", ""))) if tree else None
