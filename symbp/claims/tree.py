"""Formulas as syntax trees: a claim's sides as the page writes them, printed as LaTeX, text or formula source.

A tree is made of a few dataclass nodes: a :class:`Quantity` (a symbol of the
view with its layer and indices as written: ``W^{(l+1)}_{kj}``), a
:class:`Number`, a :class:`Var` (an index or the layer variable), an
:class:`Op` (``+ - × ⊙ @ / ^``), :class:`Neg`, :class:`Transpose`, an
:class:`Apply` (``f``, ``f'``, ``exp`` …) and a :class:`Sum` over a bound
index.  A Python claim's tree is read from its function's source with
:mod:`ast` (:mod:`symbp.claims.code_tree`); a TOML claim's from its parsed formula
(:mod:`symbp.formula.as_tree`).  Besides the tree, the builder writes the
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

import dataclasses
import re

__all__ = ['Quantity', 'Number', 'Var', 'Op', 'Neg', 'Transpose', 'Apply', 'Sum', 'Formula', 'Emit', 'Repeat',
           'latex_style', 'evaluate', 'tensor_valued', 'children', 'LAYERED', 'TENSORS', 'SCALARS', 'ACTIVATIONS',
           'DERIVATIVES']


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


# -- printing --------------------------------------------------------------------------------------
_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "eta": "η",
          "theta": "θ", "lam": "λ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
          "psi": "ψ", "omega": "ω", "xi": "ξ", "nu": "ν", "kappa": "κ"}
_LATEX_GREEK = {"lam": "lambda"}

#: The view's true quantities as a page writes them (the new W of an update is written W).
DERIVATIVES = {"dC_da": ("C", "a"), "dC_dW": ("C", "W"), "dC_db": ("C", "b"), "dJ_dW": ("J", "W"),
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
        if q.canon in DERIVATIVES:
            of, wrt = DERIVATIVES[q.canon]
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
            or (parent == "/" and isinstance(e, Quantity) and e.canon in DERIVATIVES) \
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
