"""Derivations without code: a TOML file whose formulas are strings in a small grammar.

A Python derivation module runs as code when it is checked.  A TOML
derivation does not: its formulas are parsed by a :mod:`lark` grammar (no
``eval``, no ``sympify`` of the text) and evaluated against the
:class:`~symbp.notation.View` by a small interpreter that knows only the
view's quantities and a fixed list of functions.  README.md ("Derivations
without code") documents the format.

The formula syntax: numbers (``2``, ``0.5``), names (the view's quantities in
the document's own names, and the claim's ``args``), indexing ``a[l][i]``,
``W[l][j, i]``, ``+ - * / ^`` (``*`` is ⊙ between tensors, ``^`` or ``**`` a
power), ``@`` (matrix product), ``.T`` (transpose), ``sum(j=1..size(l+1), …)``
(inclusive bounds), and the calls ``f fp f_out fp_out`` (activations),
``size(l)``, ``diff(expr, W[l][j, i])``, ``partial(C, z[l])``,
``partial(z[l+1], a[l])`` and ``symbol(u)`` (a free symbol).  Conditions
(``where``, ``archs``) compare such expressions with ``== != < <= > >=`` and
join them with ``and``, ``or``, ``not``.

>>> parse_formula("W[l][j, i] * a[l-1][i]").data
'mul'
>>> parse_formula("a[l][")
Traceback (most recent call last):
...
symbp.declarative.FormulaError: formula 'a[l][': unexpected end of formula
"""

from __future__ import annotations

import inspect
import re
import tomllib
from fractions import Fraction

import symengine
from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .claims import KINDS, LAYER_CHOICES, ClaimError, Derivation
from .notation import IllFormed, Notation, NotationError, Tensor, _Layers, view_of

__all__ = ["load_toml", "parse_formula", "parse_condition", "evaluate", "FormulaError", "DeclarativeError",
           "GRAMMAR", "FUNCTIONS"]

GRAMMAR = r"""
formula: expr
condition: cond

?cond: cond "or" conj            -> or_
     | conj
?conj: conj "and" neg            -> and_
     | neg
?neg: "not" neg                  -> not_
    | expr CMP expr              -> compare

?expr: expr "+" term             -> add
     | expr "-" term             -> sub
     | term
?term: term "*" unary            -> mul
     | term "/" unary            -> div
     | term "@" unary            -> matmul
     | unary
?unary: "-" unary                -> neg
      | "+" unary
      | power
?power: postfix ("^" | "**") unary -> pow
      | postfix
?postfix: postfix "[" expr "]"            -> index
        | postfix "[" expr "," expr "]"   -> index2
        | postfix "." NAME                -> attr
        | atom
?atom: INT                                -> int
     | DECIMAL                            -> decimal
     | "sum" "(" NAME "=" expr ".." expr "," expr ")"   -> sum
     | NAME "(" [expr ("," expr)*] ")"   -> call
     | NAME                               -> name
     | "(" expr ")"

CMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
NAME: /[A-Za-z_][A-Za-z_0-9]*/
INT: /[0-9]+/
DECIMAL: /[0-9]+\.[0-9]+/
%ignore /[ \t]+/
"""

_PARSER = Lark(GRAMMAR, parser="lalr", start=["formula", "condition"], maybe_placeholders=False)

#: The functions a formula may call (after the notation's renames), each with its number of arguments.
FUNCTIONS = {"f": 1, "fp": 1, "f_out": 1, "fp_out": 1, "size": 1, "diff": 2, "partial": 2, "symbol": 1}
#: The view's quantities a formula may name (after the notation's renames).
VALUES = ("a", "z", "x", "y", "W", "b", "delta", "lam", "lr", "L", "K", "m", "C", "J", "dC_dW", "dC_db",
          "dJ_dW", "dJ_db", "step_W", "step_b", "dC_da", "X", "Y", "Z", "A", "Delta")

MAX_LENGTH = 4000        # characters of one formula
MAX_DEPTH = 100          # nesting of its parse tree
MAX_POWER = 64           # |exponent| of a power
MAX_RANGE = 1000         # terms of one sum
MAX_STEPS = 200_000      # tree nodes evaluated for one side of one instance


class FormulaError(ValueError):
    """A formula or condition that does not parse; the message is one line."""


class DeclarativeError(ValueError):
    """A TOML derivation that cannot be loaded; the message is one line naming what is wrong."""


# -- parsing -------------------------------------------------------------------------------------
def _parse(text, start):
    what = "formula" if start == "formula" else "condition"
    if not isinstance(text, str):
        raise FormulaError(f"{what}: expected a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"{what} of {len(text)} characters: longer than {MAX_LENGTH}")
    shown = text if len(text) <= 60 else text[:57] + "..."
    try:
        tree = _PARSER.parse(text, start=start)
    except UnexpectedEOF:
        raise FormulaError(f"{what} {shown!r}: unexpected end of {what}") from None
    except UnexpectedCharacters as e:
        raise FormulaError(f"{what} {shown!r}: unexpected character {text[e.pos_in_stream]!r} "
                           f"at column {e.column}") from None
    except UnexpectedToken as e:
        if e.token.type == "$END":
            raise FormulaError(f"{what} {shown!r}: unexpected end of {what}") from None
        raise FormulaError(f"{what} {shown!r}: unexpected {str(e.token)!r} at column {e.column}") from None
    except (UnexpectedInput, LarkError) as e:  # pragma: no cover - any other parse failure
        raise FormulaError(f"{what} {shown!r}: cannot parse ({type(e).__name__})") from None
    depth, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        depth = max(depth, d)
        if depth > MAX_DEPTH:
            raise FormulaError(f"{what} {shown!r}: nested more than {MAX_DEPTH} deep")
        stack += [(c, d + (0 if k == 0 and _chained(node, c) else 1))
                  for k, c in enumerate(node.children) if isinstance(c, Tree)]
    return tree.children[0]


#: Left-associative operators that chain without nesting: ``a + b - c + …`` is one level, not one per term.
_CHAINS = ({"add", "sub"}, {"mul", "div", "matmul"})


def _chained(node, left):
    """Whether ``left`` (the first child of ``node``) continues the same flat chain of operators."""
    return any(node.data in g and left.data in g for g in _CHAINS)


def parse_formula(text: str) -> Tree:
    """The parse tree of a formula; :class:`FormulaError` (one line) when it does not parse."""
    return _parse(text, "formula")


def parse_condition(text: str) -> Tree:
    """The parse tree of a condition (``j == 1``, ``i != 0 and outputs == 1``).

    >>> evaluate(parse_condition("i != 0 and j <= 2"), None, {"i": 1, "j": 3})
    False
    """
    return _parse(text, "condition")


# -- evaluation ----------------------------------------------------------------------------------
def _scalar(v):
    return isinstance(v, (int, symengine.Basic)) and not isinstance(v, bool)


def _value(v, what):
    if _scalar(v) or isinstance(v, Tensor):
        return v
    if isinstance(v, _Layers):
        raise IllFormed(f"{v.name} needs a layer index, e.g. {v.name}[l]")
    raise IllFormed(f"{what} is not a number, vector or matrix")


def _int(v, what):
    if isinstance(v, symengine.Basic) and v.is_Integer:
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool):
        raise IllFormed(f"{what} must be a whole number, got {v}")
    return v


def _divide(a, b):
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            raise IllFormed("division by zero")
        return symengine.Rational(a, b) if a % b else a // b
    if isinstance(b, Tensor):
        raise IllFormed("cannot divide by a vector or matrix")
    return a / b


def _power(a, e):
    if isinstance(e, Tensor) or not (isinstance(e, int) or (isinstance(e, symengine.Basic) and e.is_Number)):
        raise IllFormed("an exponent must be a number")
    if abs(float(e)) > MAX_POWER:
        raise IllFormed(f"exponent {e} is larger than {MAX_POWER}")
    if isinstance(a, int) and isinstance(e, int):
        return a ** e if e >= 0 else symengine.Integer(a) ** e
    return a ** e


def _matmul(a, b):
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise IllFormed("@ needs two vectors or matrices")
    return a @ b


_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": _divide, "pow": _power, "matmul": _matmul}
_COMPARE = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


class _Interpreter:
    """Evaluates parse trees against a view ``n`` (None in conditions) and the claim's variables."""

    def __init__(self, n, env):
        self.n, self.env, self.steps = view_of(n), dict(env), 0

    def canon(self, name):
        """The view's name for the page's ``name`` (the notation's renames, applied once), or None."""
        if self.n is None:
            return None
        canon = self.n.nt.canonical(name)
        return canon if canon in VALUES or canon in FUNCTIONS else None

    def known(self):
        names = set(self.env)
        if self.n is not None:
            names |= set(VALUES) | set(FUNCTIONS) | set(self.n.nt.names)
        return ", ".join(sorted(names))

    def ev(self, t):
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise IllFormed(f"formula too large: more than {MAX_STEPS} evaluation steps")
        return getattr(self, "ev_" + t.data)(t)

    def ev_int(self, t):
        return int(t.children[0])

    def ev_decimal(self, t):
        q = Fraction(str(t.children[0]))
        return symengine.Rational(q.numerator, q.denominator)

    def ev_name(self, t):
        name = str(t.children[0])
        if name in self.env:
            return self.env[name]
        canon = self.canon(name)
        if canon not in VALUES:
            if canon in FUNCTIONS:
                raise IllFormed(f"{name} is a function: call it, e.g. {name}(...)")
            raise IllFormed(f"unknown symbol {name!r} (this notation knows: {self.known()})")
        return getattr(self.n, canon)

    def _arith(self, t):
        chain = [t]   # a flat chain a + b - c + … (nested to the left by the parser) is folded in a loop
        while isinstance(chain[-1].children[0], Tree) and _chained(chain[-1], chain[-1].children[0]):
            chain.append(chain[-1].children[0])
            self.steps += 1
        value = _value(self.ev(chain[-1].children[0]), "an operand")
        for node in reversed(chain):
            value = _ARITH[node.data](value, _value(self.ev(node.children[1]), "an operand"))
        return value

    ev_add = ev_sub = ev_mul = ev_div = ev_pow = ev_matmul = _arith

    def ev_neg(self, t):
        return -_value(self.ev(t.children[0]), "an operand")

    def ev_index(self, t):
        base, i = self.ev(t.children[0]), _int(self.ev(t.children[1]), "an index")
        if not isinstance(base, (_Layers, Tensor)):
            raise IllFormed(f"cannot index {base}: not a vector, matrix or layered quantity")
        return base[i]

    def ev_index2(self, t):
        base = self.ev(t.children[0])
        j, i = (_int(self.ev(c), "an index") for c in t.children[1:])
        if not isinstance(base, Tensor):
            raise IllFormed(f"cannot index {base} with two indices: not a matrix")
        return base[j, i]

    def ev_attr(self, t):
        if str(t.children[1]) != "T":
            raise IllFormed(f"unknown attribute .{t.children[1]} (only .T, the transpose)")
        base = self.ev(t.children[0])
        if isinstance(base, Tensor):
            return base.T
        if _scalar(base):
            return base
        raise IllFormed(".T needs a vector or matrix")

    def ev_sum(self, t):
        var, lo, hi, body = t.children
        lo, hi = _int(self.ev(lo), "a sum's lower bound"), _int(self.ev(hi), "a sum's upper bound")
        if hi - lo + 1 > MAX_RANGE:
            raise IllFormed(f"sum over {hi - lo + 1} terms: more than {MAX_RANGE}")
        saved, total = self.env.get(str(var), _MISSING), 0
        try:
            for k in range(lo, hi + 1):
                self.env[str(var)] = k
                total = total + _value(self.ev(body), "a sum's term")
        finally:
            if saved is _MISSING:
                self.env.pop(str(var), None)
            else:
                self.env[str(var)] = saved
        return total

    def _quantity(self, t):
        """A ``partial`` argument: ``C`` or ``z[l]`` / ``a[l]`` (in the page's names)."""
        if t.data == "name" and self.canon(str(t.children[0])) == "C":
            return "C"
        if t.data == "index" and t.children[0].data == "name":
            kind = self.canon(str(t.children[0].children[0]))
            if kind in ("z", "a"):
                return kind, _int(self.ev(t.children[1]), "a layer")
        raise IllFormed("partial takes C, z[l] or a[l] (in the page's names)")

    def ev_call(self, t):
        name, args = str(t.children[0]), t.children[1:]
        canon = self.canon(name)
        if canon not in FUNCTIONS:
            raise IllFormed(f"unknown function {name!r} (allowed: {', '.join(sorted(FUNCTIONS))}, sum)")
        if len(args) != FUNCTIONS[canon]:
            raise IllFormed(f"{name} takes {FUNCTIONS[canon]} argument(s), got {len(args)}")
        if canon == "partial":
            return self.n.partial(self._quantity(args[0]), self._quantity(args[1]))
        if canon == "symbol":
            if args[0].data != "name":
                raise IllFormed("symbol takes a name, e.g. symbol(u)")
            return self.n.symbol(str(args[0].children[0]))
        vals = [_value(self.ev(a), f"an argument of {name}") for a in args]
        if canon == "size":
            return self.n.size(_int(vals[0], "a layer"))
        if canon == "diff" and not isinstance(vals[1], symengine.Basic):
            raise IllFormed("diff takes a weight, bias, input or target entry as its second argument")
        return getattr(self.n, canon)(*vals)

    def ev_compare(self, t):
        a, op, b = t.children
        a, b = (_value(self.ev(c), "a comparison's side") for c in (a, b))
        if not (isinstance(a, int) and isinstance(b, int)):
            raise IllFormed("a condition compares whole numbers")
        return _COMPARE[str(op)](a, b)

    def ev_and_(self, t):
        return bool(self.ev(t.children[0])) and bool(self.ev(t.children[1]))

    def ev_or_(self, t):
        return bool(self.ev(t.children[0])) or bool(self.ev(t.children[1]))

    def ev_not_(self, t):
        return not self.ev(t.children[0])


_MISSING = object()


def evaluate(tree: Tree, n, env=None):
    """The value of a parsed formula or condition on view ``n`` with the variables ``env``.

    Errors that make the formula unreadable raise :class:`~symbp.notation.IllFormed`.
    """
    try:
        return _Interpreter(n, env or {}).ev(tree)
    except IllFormed:
        raise
    except RecursionError:
        raise IllFormed("formula nested too deeply") from None
    except (TypeError, ValueError, ArithmeticError, RuntimeError) as e:
        raise IllFormed(f"cannot evaluate: {type(e).__name__}: {e}") from None


# -- loading a TOML derivation --------------------------------------------------------------------
_TOP = {"name": str, "title": str, "source": str, "sweep": list, "one_example": bool, "notation": dict, "spec": dict,
        "claim": list}
_CLAIM = {"label": str, "kind": str, "latex": str, "args": list, "sides": list, "layer": str, "of": str,
          "per": str, "reading": str, "expect": str, "note": str, "spec": dict, "where": str, "archs": str}
_NOTATION = {"first_layer": int, "weight_index": str, "weight_named_after": str, "bias": str, "samples": str,
             "unit_base": int, "example_base": int, "names": dict}
_TYPES = {str: "a string", list: "an array", dict: "a table", int: "an integer", bool: "true or false"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
_GRAMMAR_WORDS = {"sum", "and", "or", "not"}
_RESERVED = set(VALUES) | set(FUNCTIONS) | _GRAMMAR_WORDS


def _check_table(table, schema, where):
    unknown = sorted(set(table) - set(schema))
    if unknown:
        raise DeclarativeError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(schema)})")
    for key, typ in schema.items():
        if key in table and (not isinstance(table[key], typ) or (typ is int and isinstance(table[key], bool))):
            raise DeclarativeError(f"{where}: {key} must be {_TYPES[typ]}, got {table[key]!r}"[:200])


def _sweep(value):
    out = []
    for item in value:
        sizes, m = (item.get("sizes"), item.get("m", 1)) if isinstance(item, dict) else \
            (item[0], item[1]) if isinstance(item, list) and len(item) == 2 else (None, None)
        if not (isinstance(sizes, list) and len(sizes) >= 2
                and all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 64 for s in sizes)
                and isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 64):
            raise DeclarativeError(f"sweep: {item!r} is not [[widths >= 1, ...], m >= 1] "
                                   f"(or {{sizes = [...], m = ...}})"[:200])
        out.append((tuple(sizes), m))
    if not out:
        raise DeclarativeError("sweep: needs at least one architecture")
    return tuple(out)


def _claim_fn(params, sides):
    def fn(n, *args):
        env = dict(zip(params, args))
        return tuple(evaluate(tree, n, env) for tree in sides)
    fn.__signature__ = inspect.Signature(
        [inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in ("n",) + tuple(params)])
    return fn


def _add_claim(doc, i, c):
    if not isinstance(c, dict):
        raise DeclarativeError(f"claim {i}: must be a table ([[claim]])")
    where = f"claim {i} ({c['label']!r})" if isinstance(c.get("label"), str) else f"claim {i}"
    _check_table(c, _CLAIM, where)
    for key in ("label", "kind", "sides"):
        if key not in c:
            raise DeclarativeError(f"{where}: needs {key!r}")
    params = tuple(c.get("args", ()))
    for p in params:
        if not isinstance(p, str) or not _IDENT.match(p) or p in _RESERVED or p == "n":
            raise DeclarativeError(f"{where}: args: {p!r} is not a free variable name (a name not used by the view)")
        if p in doc.notation.names:
            raise DeclarativeError(f"{where}: args: {p!r} is the page's name for {doc.notation.names[p]!r}")
    if len(set(params)) != len(params):
        raise DeclarativeError(f"{where}: args: a variable is named twice")
    sides = c["sides"]
    if len(sides) < 2 or not all(isinstance(s, str) for s in sides):
        raise DeclarativeError(f"{where}: sides must be at least two formula strings (truth first)")
    try:
        trees = [parse_formula(s) for s in sides]
        cond = parse_condition(c["where"]) if "where" in c else None
        archs = parse_condition(c["archs"]) if "archs" in c else None
        layer = c.get("layer")
        if layer is not None and layer not in LAYER_CHOICES:
            layer_tree = parse_formula(layer)
            layer = lambda n, t=layer_tree: evaluate(t, n)   # noqa: E731
    except FormulaError as e:
        raise DeclarativeError(f"{where}: {e}") from None
    for tree in trees:
        for call in tree.find_data("call"):
            fname = str(call.children[0])
            if doc.notation.canonical(fname) not in FUNCTIONS:
                raise DeclarativeError(f"{where}: unknown function {fname!r} (allowed: "
                                       f"{', '.join(sorted(FUNCTIONS))}, sum)")
    indices = params[1:] if params[:1] in (("l",), ("layer",)) else params
    kw = {k: c[k] for k in ("of", "per", "reading", "expect", "note", "spec") if k in c}
    if cond is not None:
        kw["where"] = lambda *idx, t=cond: bool(evaluate(t, None, dict(zip(indices, idx))))
    if archs is not None:
        kw["archs"] = lambda s, m, t=archs: bool(evaluate(
            t, None, {"inputs": s[0], "outputs": s[-1], "depth": len(s) - 1, "m": m}))
    try:
        doc.claim(c["label"], c["kind"], c.get("latex", ""), layer=layer, **kw)(_claim_fn(params, trees))
    except ClaimError as e:
        raise DeclarativeError(str(e)) from None


def load_toml(path) -> Derivation:
    """Read the TOML derivation at ``path``; :class:`DeclarativeError` (one line) when it is not one.

    Nothing in the file is executed: formulas are parsed by the grammar and
    evaluated later, on each network of the sweep, by the interpreter.
    """
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise DeclarativeError(f"TOML: {e}") from None
    except UnicodeDecodeError:
        raise DeclarativeError("TOML: not UTF-8 text") from None
    _check_table(data, _TOP, "derivation")
    for key in ("name", "claim"):
        if key not in data:
            raise DeclarativeError(f"derivation: needs {key!r}" + (" (at least one [[claim]])" if key == "claim"
                                                                   else ""))
    nt = dict(data.get("notation", {}))
    _check_table(nt, _NOTATION, "notation")
    names = nt.get("names", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise DeclarativeError("notation: names maps page names to view names (strings)")
    grammar = sorted(set(names) & _GRAMMAR_WORDS)
    if grammar:
        raise DeclarativeError(f"notation: names: {grammar[0]!r} is a word of the formula grammar, not a name")
    try:
        notation = Notation(**nt)
    except NotationError as e:
        raise DeclarativeError(f"notation: {e}") from None
    spec = data.get("spec", {})
    _check_spec(spec, "spec")
    kw = {"sweep": _sweep(data["sweep"])} if "sweep" in data else {}
    kw["one_example"] = data.get("one_example", False)
    doc = Derivation(data["name"], data.get("title", data["name"]), data.get("source", ""), notation, spec, **kw)
    if not data["claim"]:
        raise DeclarativeError("derivation: needs at least one [[claim]]")
    for i, c in enumerate(data["claim"], 1):
        if isinstance(c, dict) and "spec" in c:
            _check_spec(c["spec"], f"claim {i}: spec")
        _add_claim(doc, i, c)
    return doc


def _check_spec(spec, where):
    """A spec table must make a NetworkSpec (sizes and batch size aside)."""
    from .spec import NetworkSpec, SpecError
    if not isinstance(spec, dict):
        raise DeclarativeError(f"{where} must be a table")
    fields = dict(spec)
    if fields.get("weight_decay") is True:
        fields["weight_decay"] = 1.0
    bad = sorted(set(fields) & {"sizes", "batch_size"})
    if bad:
        raise DeclarativeError(f"{where}: {bad[0]} comes from the sweep, not the spec")
    try:
        NetworkSpec((2, 2), **fields)
    except SpecError as e:
        raise DeclarativeError(f"{where}: {e}") from None
    except TypeError:
        known = ("activation, output_activation, cost, average, weight_decay, decay_biases, decay_average, bias, "
                 "targets")
        raise DeclarativeError(f"{where}: unknown key among {sorted(fields)} (allowed: {known})") from None
