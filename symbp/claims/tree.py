"""Formulas as syntax trees: a claim's sides as the page writes them, printed as LaTeX, text or formula source.

A tree is made of a few dataclass nodes: a :class:`Quantity` (a symbol of the
view with its layer and indices as written: ``W^{(l+1)}_{kj}``), a
:class:`Number`, a :class:`Var` (an index or the layer variable), an
:class:`Op` (``+ - × ⊙ @ / ^``), :class:`Neg`, :class:`Transpose`, an
:class:`Apply` (``f``, ``f'``, ``exp`` …) and a :class:`Sum` over a bound
index.  A Python claim's tree is read from its function's source with
:mod:`ast` (:func:`python_tree`); a TOML claim's from its parsed formula (in
:mod:`symbp.formula.reader`).  Besides the tree, the builder writes the
*reads* each node makes, in Python's evaluation order (a layer ``n.W[l]``,
an entry ``t[j, i]``, an activation, a transpose, a product of two tensors;
see :mod:`symbp.claims.occurrence`), so that the judge can match them to the
reads a replay records and apply an edit to the node it names.

Where the code is not expressible (a helper function, a loop, a partial
derivative, anything unknown) there is no tree: None, never a guess.

>>> from symbp.claims.notation import Notation
>>> f = Formula((Quantity("delta", Var("l")), Op("⊙", Op("@", Transpose(Quantity("W", Op("+", Var("l"), Number(1)))),
...     Quantity("delta", Op("+", Var("l"), Number(1)))), Apply("fp", Quantity("z", Var("l"))))), Notation())
>>> f.text()
"δ^(l) = ((W^(l+1))ᵀ δ^(l+1)) ⊙ f'(z^(l))"
>>> f.latex()
"\\\\delta^{(l)} = ((W^{(l+1)})^T \\\\delta^{(l+1)}) \\\\odot f'(z^{(l)})"
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import linecache
import re

__all__ = ['Quantity', 'Number', 'Var', 'Op', 'Neg', 'Transpose', 'Apply', 'Sum', 'Formula', 'Emit', 'Repeat',
           'python_tree', 'formula_tree', 'latex_style', 'evaluate', 'tensor_valued', 'children', 'LAYERED', 'TENSORS', 'ACTIVATIONS']


# -- nodes -----------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class Quantity:
    """A quantity of the view (its view name ``canon``) with its layer and indices as written (nodes);
    ``example``: the page's index of the example it is of (a per-example cost's derivative in a sum over the
    examples), else None."""
    canon: str
    layer: object = None
    indices: tuple = ()
    example: object = None


@dataclasses.dataclass(frozen=True, eq=False)
class Number:
    """A number as written (an int, or a decimal's text)."""
    value: object


@dataclasses.dataclass(frozen=True, eq=False)
class Var:
    """A variable of the claim: its layer, a unit index, a sum's bound index (``outer``: the claim's own, even
    inside a sum that binds the same name: an edit that undoes a capture)."""
    name: str
    outer: bool = False


@dataclasses.dataclass(frozen=True, eq=False)
class Op:
    """A binary operator: ``+ - × ⊙ @ / ^`` (× a product with a scalar, ⊙ element-wise, @ the matrix product)."""
    op: str
    left: object
    right: object


@dataclasses.dataclass(frozen=True, eq=False)
class Neg:
    """``−x``."""
    operand: object


@dataclasses.dataclass(frozen=True, eq=False)
class Transpose:
    """``xᵀ``."""
    operand: object


@dataclasses.dataclass(frozen=True, eq=False)
class Apply:
    """A function applied: the view's ``f fp f_out fp_out`` (by view name) or ``exp``, ``log``."""
    function: str
    argument: object


@dataclasses.dataclass(frozen=True, eq=False)
class Sum:
    """``Σ_var body`` (``lo``, ``hi``: the inclusive bounds, nodes, or None where not written)."""
    var: str
    body: object
    lo: object = None
    hi: object = None


@dataclasses.dataclass(frozen=True, eq=False)
class Emit:
    """One read a node makes (``kind`` as in :mod:`symbp.claims.occurrence`; ``check``: its value's shape);
    ``nodes``: the node, and for a layer read the entries of it that the code reads (they have its layer)."""
    nodes: tuple
    kind: str
    check: object = None


@dataclasses.dataclass(frozen=True, eq=False)
class Repeat:
    """The reads of a sum's body, made once per term."""
    items: tuple


#: The view's quantities that have layers (``n.W[l]``), the tensors without layers, the activations.
LAYERED = ("a", "z", "W", "b", "delta", "dC_da", "dC_dW", "dC_db", "dJ_dW", "dJ_db", "step_W", "step_b",
           "A", "Z", "Delta")
TENSORS = ("x", "y", "X", "Y")
SCALARS = ("C", "J", "lam", "lr", "L", "K", "m")
ACTIVATIONS = ("f", "fp", "f_out", "fp_out")
_OTHER_FUNCTIONS = {"exp": "exp", "log": "log", "ln": "log"}


# -- printing --------------------------------------------------------------------------------------
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "eta": "η",
          "theta": "θ", "lam": "λ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
          "psi": "ψ", "omega": "ω", "xi": "ξ", "nu": "ν", "kappa": "κ"}
_LATEX_GREEK = {"lam": "lambda"}

#: The view's true quantities as a page writes them (the new W of an update is written W).
_DERIVATIVES = {"dC_da": ("C", "a"), "dC_dW": ("C", "W"), "dC_db": ("C", "b"), "dJ_dW": ("J", "W"),
                "dJ_db": ("J", "b")}
_WRITTEN_AS = {"step_W": "W", "step_b": "b"}

#: Precedence: a child binding less tightly than its parent is parenthesised.
_PRECEDENCE = {"+": 1, "-": 1, "neg": 1, "sum": 2, "×": 2, "⊙": 2, "@": 2, "/": 2, "^": 4, "atom": 5}
_PRODUCTS = ("×", "⊙", "@")


def _name_text(name):
    base, prime = (name[:-1], "'") if name.endswith("'") else (name, "")
    return _GREEK.get(base, base) + prime


def _name_latex(name):
    base, prime = (name[:-1], "'") if name.endswith("'") else (name, "")
    if base in _GREEK:
        return "\\" + _LATEX_GREEK.get(base, base) + prime
    if len(base) == 1:
        return base + prime
    return r"\mathrm{" + base.replace("_", r"\_") + "}" + prime


def _primed(name):
    """A page's derivative name printed primed: ``sigma_prime`` -> ``sigma'``."""
    m = re.fullmatch(r"(.+?)_?prime", name)
    return m.group(1) + "'" if m else name


def latex_style(latex):
    """How a page's LaTeX writes what the notation does not say: the layer's brackets (``()``, ``[]`` or bare
    ``^l``) and the weights' letter (``w`` or ``W``), where it writes them one way only.

    >>> latex_style(r"w_{p,q}^{[l]} = w_{p,q}^{[l]} - \\rho g'^{[1]}(z)") == {"layer": "[]", "W": "w"}
    True
    >>> latex_style(r"\\delta^l = ((w^{l+1})^T \\delta^{l+1})"), latex_style(r"W^{(l)} w^{(l)} \\bullet f")
    ({'layer': '', 'W': 'w'}, {'layer': '()', '⊙': '\\\\bullet'})
    """
    style = {}
    forms = {"()": re.search(r"\^\{?\s*\(", latex or ""), "[]": re.search(r"\^\{?\s*\[", latex or ""),
             "": re.search(r"\^\{?\s*[lLk](?![a-z])", latex or "")}
    found = [k for k, v in forms.items() if v]
    if len(found) == 1:
        style["layer"] = found[0]
    lower = re.search(r"(?<![A-Za-z\\])w(?=[_^{\s])", latex or "")
    upper = re.search(r"(?<![A-Za-z\\])W(?=[_^{\s])", latex or "")
    if lower and not upper:
        style["W"] = "w"
    for mark in (r"\bullet", r"\circ"):        # the page's sign for the element-wise product
        if mark in (latex or "") and r"\odot" not in latex:
            style["⊙"] = mark
            break
    return style


class Formula:
    """The sides of a claim as trees, read in ``notation``; printed as LaTeX, text or the formula grammar.

    ``style`` (see :func:`latex_style`): the page's layer brackets and weights' letter."""

    def __init__(self, sides, notation, style=None):
        self.sides, self.notation, self.style = tuple(sides), notation, dict(style or {})

    def latex(self):
        """The sides as LaTeX, joined by ``=``."""
        return " = ".join(_Printer(self.notation, "latex", self.style).show(s) for s in self.sides)

    def text(self):
        """The sides as text (Unicode), joined by ``=``."""
        return " = ".join(_Printer(self.notation, "text", self.style).show(s) for s in self.sides)

    def source(self):
        """Each side in the TOML formula grammar (page names), or None where one cannot be written there.

        >>> from symbp.claims.notation import Notation
        >>> Formula((Quantity("a", Var("l")), Apply("f", Quantity("z", Var("l")))), Notation()).source()
        ['a[l]', 'f(z[l])']
        """
        try:
            return [_source(s, self.notation) for s in self.sides]
        except _NotExpressible:
            return None

    def __repr__(self):
        return f"Formula({self.text()!r})"


class _Printer:
    def __init__(self, notation, how, style=None):
        self.nt, self.tex, self.style = notation, how == "latex", style or {}

    def name(self, canon):
        if canon in _WRITTEN_AS:
            canon = _WRITTEN_AS[canon]
        shown = self.nt.shown(canon)
        if canon == "W" and shown == "W":
            shown = self.style.get("W", shown)
        return _name_latex(shown) if self.tex else _name_text(shown)

    def function(self, fn):
        if fn in ACTIVATIONS:
            shown = _primed(self.nt.printed(fn))
            return _name_latex(shown) if self.tex else _name_text(shown)
        return "\\" + fn if self.tex else fn

    def script(self, e):
        """A layer or index expression, without spaces: ``l+1``."""
        if isinstance(e, Op) and e.op in "+-":
            right = self.script(e.right)
            if isinstance(e.right, Op) and e.right.op in "+-":
                right = f"({right})"
            return f"{self.script(e.left)}{e.op}{right}"
        return self.show(e)

    def quantity(self, q):
        layer = self.script(q.layer) if q.layer is not None else None
        o, c = tuple(self.style.get("layer", "()")) or (("", "") if self.tex else ("(", ")"))
        sup = "" if layer is None else f"^{{{o}{layer}{c}}}" if self.tex else f"^{o}{layer}{c}"
        idx = [self.script(i) for i in q.indices]
        if not idx:
            sub = ""
        elif self.tex and len(idx) == 1 and len(idx[0]) == 1:
            sub = "_" + idx[0]
        elif self.tex:
            sub = "_{" + ("".join(idx) if all(len(i) == 1 for i in idx) else ",".join(idx)) + "}"
        else:
            sub = "_" + idx[0] if len(idx) == 1 and len(idx[0]) == 1 else "_{" + ",".join(idx) + "}"
        ex = ""
        if q.example is not None:      # the cost of one example: C_e (as Bishop's E_n)
            e = self.script(q.example)
            ex = ("_" + e if len(e) == 1 else "_{" + e + "}") if self.tex else ("_" + e if len(e) == 1 else f"_({e})")
        if q.canon in _DERIVATIVES:
            of, wrt = _DERIVATIVES[q.canon]
            if self.tex:
                return rf"\frac{{\partial {self.name(of)}{ex}}}{{\partial {self.name(wrt)}{sup}{sub}}}"
            return f"∂{self.name(of)}{ex}/∂{self.name(wrt)}{sup}{sub}"
        return self.name(q.canon) + ex + sup + sub

    def level(self, e):
        if isinstance(e, Op):
            return _PRECEDENCE[e.op]
        if isinstance(e, Neg):
            return _PRECEDENCE["neg"]
        if isinstance(e, Sum):
            return _PRECEDENCE["sum"]
        if isinstance(e, Number) and isinstance(e.value, int) and e.value < 0:
            return _PRECEDENCE["neg"]
        return _PRECEDENCE["atom"]

    def wrap(self, s):
        return f"({s})"

    def operand(self, e, parent, side):
        s = self.show(e)
        mine, theirs = self.level(e), _PRECEDENCE[parent]
        if parent == "/" and self.tex:
            return s
        needs = mine < theirs or (side == "right" and mine == theirs and parent in ("-", "/", "^")) \
            or (isinstance(e, Op) and e.op in _PRODUCTS and parent in _PRODUCTS and e.op != parent) \
            or (isinstance(e, Sum) and side == "left" and parent in _PRODUCTS + ("/",)) \
            or (parent == "/" and isinstance(e, Quantity) and e.canon in _DERIVATIVES) \
            or (isinstance(e, Neg) and side == "right") \
            or (parent == "^" and side == "left" and isinstance(e, Quantity) and (e.layer is not None or e.indices))
        return self.wrap(s) if needs else s

    def show(self, e):
        if isinstance(e, Quantity):
            return self.quantity(e)
        if isinstance(e, Number):
            return str(e.value)
        if isinstance(e, Var):
            return _name_latex(e.name) if self.tex else _name_text(e.name)
        if isinstance(e, Neg):
            inner = self.operand(e.operand, "neg", "right") if not isinstance(e.operand, Neg) else \
                self.wrap(self.show(e.operand))
            return ("-" if self.tex else "−") + inner
        if isinstance(e, Transpose):
            inner = self.show(e.operand)
            if not (isinstance(e.operand, Quantity) and e.operand.layer is None and not e.operand.indices) \
                    and not isinstance(e.operand, (Var, Apply)):
                inner = self.wrap(inner)
            return inner + ("^T" if self.tex else "ᵀ")
        if isinstance(e, Apply):
            return f"{self.function(e.function)}({self.show(e.argument)})"
        if isinstance(e, Sum):
            body = self.operand(e.body, "sum", "right")
            return (rf"\sum_{{{_name_latex(e.var)}}} " if self.tex else f"Σ_{_name_text(e.var)} ") + body
        if isinstance(e, Op):
            left, right = self.operand(e.left, e.op, "left"), self.operand(e.right, e.op, "right")
            if e.op == "/" and self.tex:
                return rf"\frac{{{left}}}{{{right}}}"
            if e.op == "^":
                return f"{left}^{{{right}}}" if self.tex else f"{left}^{right}"
            if e.op in ("×", "@"):
                joint = (r" \cdot " if self.tex else "·") if right[:1].isdigit() else " "
                return left + joint + right
            if e.op == "⊙":
                return left + (f" {self.style.get('⊙', chr(92) + 'odot')} " if self.tex else " ⊙ ") + right
            if e.op == "/":
                return f"{left}/{right}"
            return f"{left} {e.op if self.tex or e.op == '+' else '−'} {right}"
        raise TypeError(f"not a tree node: {e!r}")


class _NotExpressible(Exception):
    pass


def _source(e, nt):
    """``e`` in the TOML formula grammar (page names)."""
    def par(x):
        s = _source(x, nt)
        return s if isinstance(x, (Quantity, Var, Apply)) or (isinstance(x, Number) and int_like(x)) else f"({s})"

    def int_like(x):
        return isinstance(x.value, int) and x.value >= 0
    if isinstance(e, Quantity):
        if e.example is not None:
            raise _NotExpressible("a quantity of one example")
        name = nt.shown(e.canon)
        out = name + (f"[{_source(e.layer, nt)}]" if e.layer is not None else "")
        if e.indices:
            out += "[" + ", ".join(_source(i, nt) for i in e.indices) + "]"
        return out
    if isinstance(e, Number):
        return str(e.value)
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Neg):
        return "-" + par(e.operand)
    if isinstance(e, Transpose):
        return par(e.operand) + ".T"
    if isinstance(e, Apply):
        if e.function not in ACTIVATIONS + ("size",):
            raise _NotExpressible(e.function)
        return f"{nt.shown(e.function)}({_source(e.argument, nt)})"
    if isinstance(e, Sum):
        if e.lo is None or e.hi is None:
            raise _NotExpressible("sum bounds")
        return f"sum({e.var}={_source(e.lo, nt)}..{_source(e.hi, nt)}, {_source(e.body, nt)})"
    if isinstance(e, Op):
        op = {"×": "*", "⊙": "*"}.get(e.op, e.op)
        return f"{par(e.left)} {op} {par(e.right)}"
    raise _NotExpressible(repr(e))


# -- a Python claim's tree, from its source --------------------------------------------------------
class _Unknown(Exception):
    """Code the tree cannot express."""


@dataclasses.dataclass(frozen=True, eq=False)
class _Example:
    """A sum's loop variable over the view's examples: the example whose page index is ``index``."""
    index: object


@functools.lru_cache(maxsize=64)
def _module_ast(filename, text):
    return ast.parse(text, filename)


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
        tree = _module_ast(code.co_filename, "".join(lines))
    except (SyntaxError, ValueError):
        return None
    params = list(code.co_varnames[:code.co_argcount])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
            if first == code.co_firstlineno and name == code.co_name \
                    and [a.arg for a in node.args.args] == params:
                found.append(node)
    return found[0] if len(found) == 1 else None


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
                if canon in _DERIVATIVES:
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


def tensor_valued(e):
    """Whether the node's value is a vector or matrix (a product of two of them is ⊙, else ×).

    >>> tensor_valued(Quantity("W", Var("l"))), tensor_valued(Quantity("W", Var("l"), (Var("j"), Var("i"))))
    (True, False)
    """
    if isinstance(e, Quantity):
        return not e.indices and (e.canon in TENSORS or (e.canon in LAYERED and e.layer is not None))
    if isinstance(e, Op):
        return e.op == "@" or tensor_valued(e.left) or (e.op != "^" and tensor_valued(e.right))
    if isinstance(e, Transpose):
        return True
    if isinstance(e, (Neg, Apply)):
        return tensor_valued(e.operand if isinstance(e, Neg) else e.argument)
    if isinstance(e, Sum):
        return tensor_valued(e.body)
    return False


def evaluate(e, n, env):
    """The value of the tree ``e`` on the view ``n`` (a View or PageView) with the variables ``env`` (l, j, …).

    >>> from symbp.model.spec import NetworkSpec
    >>> from symbp.oracle.symbolic import SymbolicNetwork
    >>> from symbp.claims.notation import Notation
    >>> from symbp.claims.view import View
    >>> v = View(SymbolicNetwork(NetworkSpec((1, 1))), Notation())
    >>> evaluate(Quantity("a", Number(1), (Var("j"),)), v, {"j": 1}) == v.a[1][1]
    True
    """
    from .view import view_of
    view, top = view_of(n), dict(env)

    def page(canon):
        return view.page(view.nt.shown(canon))

    def ev(e):
        if isinstance(e, Quantity):
            if e.example is not None:
                one = view.examples[ev(e.example) - view.nt.example_base]
                q = one.page(one.nt.shown(e.canon))
            else:
                q = page(e.canon)
            if e.layer is not None:
                q = q[ev(e.layer)]
            if e.indices:
                idx = tuple(ev(i) for i in e.indices)
                q = q[idx if len(idx) > 1 else idx[0]]
            return q
        if isinstance(e, Number):
            if isinstance(e.value, int):
                return e.value
            import symengine
            from fractions import Fraction
            q = Fraction(str(e.value))
            return symengine.Rational(q.numerator, q.denominator)
        if isinstance(e, Var):
            return top[e.name] if e.outer else env[e.name]
        if isinstance(e, Neg):
            return -ev(e.operand)
        if isinstance(e, Transpose):
            return ev(e.operand).T
        if isinstance(e, Apply):
            x = ev(e.argument)
            if e.function in ACTIVATIONS:
                return page(e.function)(x)
            if e.function == "size":
                return view.size(x)
            import symengine
            return getattr(symengine, e.function)(x)
        if isinstance(e, Sum):
            if e.lo is None or e.hi is None:
                raise ValueError("a sum without its bounds")
            saved, total = env.get(e.var, _UNSET), 0
            try:
                for k in range(ev(e.lo), ev(e.hi) + 1):
                    env[e.var] = k
                    total = total + ev(e.body)
            finally:
                env.pop(e.var, None)
                if saved is not _UNSET:
                    env[e.var] = saved
            return total
        if isinstance(e, Op):
            a, b = ev(e.left), ev(e.right)
            if e.op == "+":
                return a + b
            if e.op == "-":
                return a - b
            if e.op in ("×", "⊙"):
                return a * b
            if e.op == "@":
                return a @ b
            if e.op == "^":
                return a ** b
            if isinstance(a, int) and isinstance(b, int):
                import symengine
                return symengine.Rational(a, b)
            return a / b
        raise TypeError(f"not a tree node: {e!r}")
    return ev(e)


_UNSET = object()


def children(e):
    """The child nodes of ``e`` (a quantity's layer and indices included).

    >>> [type(c).__name__ for c in children(Op("+", Var("l"), Number(1)))]
    ['Var', 'Number']
    """
    if isinstance(e, Quantity):
        return ([e.layer] if e.layer is not None else []) + list(e.indices)
    if isinstance(e, Op):
        return [e.left, e.right]
    if isinstance(e, (Neg, Transpose)):
        return [e.operand]
    if isinstance(e, Apply):
        return [e.argument]
    if isinstance(e, Sum):
        return [e.body]
    return []


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
