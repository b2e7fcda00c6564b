"""Derivations without code: a TOML file whose formulas are strings in a small grammar.

A Python derivation module runs as code when it is checked.  A TOML
derivation does not: its formulas are parsed by a :mod:`lark` grammar (no
``eval``, no ``sympify`` of the text) and evaluated against the
:class:`~symbp.claims.view.View` by a small interpreter that knows only the
view's quantities and a fixed list of functions.  README.md ("Derivations
without code") documents the format.

The formula syntax: numbers (``2``, ``0.5``), names (the view's quantities in
the document's own names, and the claim's ``args``), indexing ``a[l][i]``,
``W[l][j, i]``, ``+ - * / ^`` (``*`` is ⊙ between tensors, ``^`` or ``**`` a
power), ``@`` (matrix product), ``.T`` (transpose), ``sum(j=1..size(l+1), …)``
(inclusive bounds), and the calls ``f fp f_out fp_out`` (activations),
``size(l)``, ``diff(expr, W[l][j, i])``, ``partial(C, z[l])``,
``partial(z[l+1], a[l])``, ``d(of, wrt)`` (the true derivative of any quantity by any other, as
``n.d``) and ``symbol(u)`` (a free symbol).  A claim's ``layer`` may be a range ``"2..L-1"``,
``layer_var`` names its layer variable, and ``units = { k = "l+1" }`` gives a unit index its layer.  Conditions
(``where``, ``archs``) compare such expressions with ``== != < <= > >=`` and
join them with ``and``, ``or``, ``not``.

>>> parse_formula("W[l][j, i] * a[l-1][i]").data
'mul'
>>> parse_formula("a[l][")
Traceback (most recent call last):
...
symbp.formula.grammar.FormulaError: formula 'a[l][': unexpected end of formula
"""

from __future__ import annotations

import inspect
import re
import tomllib

from ..claims.derivation import DEFAULT_LAYER_VARS, LAYER_CHOICES, ClaimError, Derivation
from ..claims.tensor import IllFormed
from ..claims.notation import Notation, NotationError
from .grammar import FUNCTIONS, MATRIX_FUNCTIONS, VALUES, FormulaError, parse_condition, parse_formula
from .as_tree import formula_sides
from .interpret import evaluate

__all__ = ['load_toml', 'DeclarativeError']


class DeclarativeError(ValueError):
    """A TOML derivation that cannot be loaded; the message is one line naming what is wrong."""


# -- loading a TOML derivation --------------------------------------------------------------------
_TOP = {"name": str, "title": str, "source": str, "sweep": list, "one_example": bool, "notation": dict, "spec": dict,
        "claim": list, "layer_var": str}


_CLAIM = {"label": str, "kind": str, "latex": str, "args": list, "sides": list, "layer": str, "of": str,
          "per": str, "reading": str, "expect": str, "note": str, "spec": dict, "where": str, "archs": str,
          "layer_var": str, "units": dict, "notation": dict}


_NOTATION = {"first_layer": int, "weight_index": str, "weight_named_after": str, "bias": str, "samples": str,
             "unit_base": int, "example_base": int, "names": dict}


_TYPES = {str: "a string", list: "an array", dict: "a table", int: "an integer", bool: "true or false"}


_IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")


_GRAMMAR_WORDS = {"sum", "prod", "and", "or", "not"}


_RESERVED = set(VALUES) | set(FUNCTIONS) | set(MATRIX_FUNCTIONS) | _GRAMMAR_WORDS


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
    own = _notation(c["notation"], f"{where}: notation") if "notation" in c else None
    notation = own or doc.notation
    params = tuple(c.get("args", ()))
    for p in params:
        if not isinstance(p, str) or not _IDENT.match(p) or p in _RESERVED or p == "n":
            raise DeclarativeError(f"{where}: args: {p!r} is not a free variable name (a name not used by the view)")
        if p in notation.all_names():
            raise DeclarativeError(f"{where}: args: {p!r} is the page's name for {notation.all_names()[p]!r}")
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
            layer = _layer_fn(layer)
        layer_var = c.get("layer_var", doc.layer_var)
        units = None
        if "units" in c:
            if not all(isinstance(v, str) for v in c["units"].values()):
                raise DeclarativeError(f"{where}: units maps each unit index to its layer, a formula string "
                                       f"(\"l+1\")")
            units = {k: _unit_fn(parse_formula(v), (layer_var,) if layer_var else DEFAULT_LAYER_VARS) for k, v in c["units"].items()}
    except FormulaError as e:
        raise DeclarativeError(f"{where}: {e}") from None
    for tree in trees:
        for call in tree.find_data("call"):
            fname = str(call.children[0])
            if fname not in MATRIX_FUNCTIONS and notation.canonical(fname) not in FUNCTIONS:
                raise DeclarativeError(f"{where}: unknown function {fname!r} (allowed: "
                                       f"{', '.join(sorted({*FUNCTIONS, *MATRIX_FUNCTIONS}))}, sum, prod)")
    layer_names = (layer_var,) if layer_var else DEFAULT_LAYER_VARS
    indices = params[1:] if params[:1] and params[0] in layer_names else params
    kw = {k: c[k] for k in ("of", "per", "reading", "expect", "note", "spec") if k in c}
    kw.update(layer_var=c.get("layer_var"), units=units)
    if own is not None:
        kw["notation"] = own
    if cond is not None:
        kw["where"] = lambda *idx, t=cond: bool(evaluate(t, None, dict(zip(indices, idx))))
    if archs is not None:
        kw["archs"] = lambda s, m, t=archs: bool(evaluate(
            t, None, {"inputs": s[0], "outputs": s[-1], "depth": len(s) - 1, "m": m}))
    try:
        doc.claim(c["label"], c["kind"], c.get("latex", ""), layer=layer, **kw)(_claim_fn(params, trees))
    except ClaimError as e:
        raise DeclarativeError(str(e)) from None
    doc.claims[-1].tree = formula_sides(trees, params, notation)    # the page's formula as a tree (or None)


def _layer_fn(text):
    """``layer = "L - 1"`` (one layer) or ``"2..L-1"`` (the layers a claim is asserted for, bounds inclusive)."""
    lo, sep, hi = text.partition("..")
    if not sep:
        tree = parse_formula(text)
        return lambda n: evaluate(tree, n)
    lo_tree, hi_tree = parse_formula(lo), parse_formula(hi)

    def layers(n):
        first, last = evaluate(lo_tree, n), evaluate(hi_tree, n)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (first, last)):
            raise IllFormed(f"layer {text!r}: the bounds must be whole numbers, got {first}..{last}")
        return range(first, last + 1)
    return layers


def _unit_fn(tree, layer_names):
    """A unit index's layer (``units = { k = "l+1" }``): the formula read with the claim's layer variable."""
    return lambda n, l: evaluate(tree, n, {name: l for name in layer_names})


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
    notation = _notation(data.get("notation", {}), "notation")
    spec = data.get("spec", {})
    _check_spec(spec, "spec")
    kw = {"sweep": _sweep(data["sweep"])} if "sweep" in data else {}
    kw["one_example"] = data.get("one_example", False)
    kw["layer_var"] = data.get("layer_var")
    doc = Derivation(data["name"], data.get("title", data["name"]), data.get("source", ""), notation, spec, **kw)
    if not data["claim"]:
        raise DeclarativeError("derivation: needs at least one [[claim]]")
    for i, c in enumerate(data["claim"], 1):
        if isinstance(c, dict) and "spec" in c:
            _check_spec(c["spec"], f"claim {i}: spec")
        _add_claim(doc, i, c)
    return doc


def _notation(table, where) -> Notation:
    """The Notation of a ``[notation]`` table (the document's, or one claim's own)."""
    if not isinstance(table, dict):
        raise DeclarativeError(f"{where} must be a table")
    nt = dict(table)
    _check_table(nt, _NOTATION, where)
    names = nt.get("names", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        raise DeclarativeError(f"{where}: names maps page names to view names (strings)")
    grammar = sorted(set(names) & _GRAMMAR_WORDS)
    if grammar:
        raise DeclarativeError(f"{where}: names: {grammar[0]!r} is a word of the formula grammar, not a name")
    try:
        return Notation(**nt)
    except NotationError as e:
        raise DeclarativeError(f"{where}: {e}") from None


def _check_spec(spec, where):
    """A spec table must make a NetworkSpec (sizes and batch size aside)."""
    from ..model.spec import NetworkSpec, SpecError
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
