"""The smallest edit that makes a failing formula true: one read (or two) of the claim's code changed.

The claim is replayed on one architecture with a recording reader (see
:mod:`symbp.claims.occurrence`); every single edit of one read (a layer ±1,
an index to its neighbour, two indices exchanged, a stray index dropped,
``f``↔``f'``, a transpose added or dropped, a term read as 0) and of one
symbol everywhere (``z^(0)`` read as ``z^(1)``) is evaluated numerically at
fixed points; when none fits, pairs of the singles that come closest.  A
winner is kept only if the edited claim is then *exactly* true (the CAS
expands truth − formula to 0 on that architecture), so an edit is never made
up.  It is described in the page's notation, and where it maps to one token
of the claim's LaTeX the corrected formula is printed.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import re
import time

import numpy as np

from ..claims.occurrence import Reader, reading
from ..claims.tensor import LENIENT
from .budget import call_with_budget
from .evaluate import (MAX_CLAIM_EXPANSION, RTOL, expansion_size, instantiate, numeric_values, relative_errors,
                       sample_points)

__all__ = ['find_edits', 'holds_with', 'describe', 'correct_latex', 'EDIT_BUDGET']


#: Edited readings the search evaluates at most for one claim (singles first, then pairs): bounded by work,
#: so that what it finds does not depend on the machine's speed.
MAX_TRIES = 200

#: Seconds after which the search stops and finds nothing (a safety net far above what MAX_TRIES takes).
EDIT_BUDGET = 60.0

#: How many edited readings the last search evaluated (for benchmarks).
LAST_TRIES = [0]

#: Seconds for the exact confirmation of a winner (expanding truth − edited formula), a safety net only: what is
#: attempted is bounded by work (MAX_CLAIM_EXPANSION terms), so the diagnosis is the same on every machine.
CONFIRM_BUDGET = 60.0

#: Fixed points at which an edited reading is evaluated (then the winner is confirmed exactly).
POINTS = 4

#: At most this many singles closest to the truth are paired.
PAIR_POOL = 10

#: An edited reading may fail in any way (a tensor where a scalar belongs, ...): each means "does not fit".
_READ_ERRORS = (Exception,)


@dataclasses.dataclass(frozen=True)
class Edit:
    """One change: ``key`` (a read's key, or ("symbol", name, layer)), ``change`` and the read it alters."""
    key: tuple
    change: tuple
    read: object
    call: tuple = None      # the arguments of the call whose read names it (None: the first call's)
    sites: int = 1          # how many places of the claim's code read the same symbol (1: the LaTeX token is it)


#: The formula interpreter and reader (their files, not imported: judge sits below formula). A TOML claim's
#: function is the reader's; its reads are the interpreter's, one per node of the formula's tree.
_FORMULA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "formula")
_INTERPRETER, _TOML_READER = os.path.join(_FORMULA, "interpret.py"), os.path.join(_FORMULA, "reader.py")


def _files(claim):
    """The files whose reads are the claim's own: its function's (the interpreter's for a TOML claim)."""
    fn = inspect.unwrap(claim.fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return set()
    return {_INTERPRETER} if os.path.abspath(code.co_filename) == _TOML_READER else {code.co_filename}


def _replayed(claim, reader):
    """The claim whose every call restarts the reader's ordinals (and notes the call's arguments)."""
    @functools.wraps(claim.fn)
    def fn(n, *args):
        reader.start_call(args)
        if reader.calls == 1:
            reader.args = args
        return claim.fn(n, *args)
    return dataclasses.replace(claim, fn=fn)


@functools.lru_cache(maxsize=1)
def _draws():
    from .identity import default_draws
    return default_draws(POINTS)


def _values(claim, derivation, run, reader, side=None):
    """Numeric values (points × instances × sides) of the claim replayed through ``reader``, or None;
    with ``side``, of its sides 0..``side`` only."""
    net, symbols = run[2], dict(run[3])
    LENIENT[0] = True
    try:
        with reading(reader):
            instances = instantiate(_replayed(claim, reader), net, derivation.notation, symbols)
        if side is not None:
            instances = [dataclasses.replace(i, sides=list(i.sides[:side + 1])) for i in instances]
        pts = sample_points(net, symbols, POINTS, 2718)
        return numeric_values(net, symbols, instances, pts, _draws()), instances
    except _READ_ERRORS:
        return None, None
    finally:
        LENIENT[0] = False


def _score(vals, side, base):
    """How far sides 1..``side`` are from the truth (0: they hold); inf where unreadable or the truth moved."""
    if vals is None or vals.shape[2] <= side:
        return np.inf
    if base is not None:
        if vals.shape[:2] != base.shape[:2]:
            return np.inf
        b0, v0 = base[:, :, 0], vals[:, :, 0]
        ok = np.isfinite(b0)
        if not np.allclose(v0[ok], b0[ok], rtol=1e-9, atol=1e-12):   # the edit moved the true side
            return np.inf
    sub = vals[:, :, :side + 1]
    if not np.all(np.isfinite(sub)):
        return np.inf
    err = max(float(np.max(relative_errors(sub[:, :, [0, s]]))) for s in range(1, side + 1))
    return 0.0 if err <= RTOL else float(np.log10(err) + 20)


#: A layered quantity read as another (the view's names, with a layer shift): a ↔ z, and ∂C/∂a ↔ ∂C/∂b
#: (a page's ∇_h for ∇_b, a likely scanning slip).
_FAMILIES = {"a": (("z", 0),), "z": (("a", 0),), "A": (("Z", 0),), "Z": (("A", 0),),
             "dC_da": (("dC_db", 0),), "dC_db": (("dC_da", 0),)}


def _candidates(log, args=(), first_index=0, families=None):
    """Every single edit of the recorded reads (first value of each read, in reading order); ``args`` are the
    first call's layer and indices (an index may be read as another index in scope: those from ``first_index``)."""
    seen, out, symbols = set(), [], {}
    families = families or {}
    scope = list(range(first_index, len(args)))
    for r in log:
        if r.key in seen:
            continue
        seen.add(r.key)
        if r.kind == "symbol":
            symbols.setdefault((r.name, r.value), r)
        elif r.kind == "layer":
            symbols.setdefault((r.name, r.value), r)
            out += [Edit(r.key, ("layer", d), r) for d in (-1, 1)]
            canon = families.get(r.name, (None,))[0]
            out += [Edit(r.key, ("family", other, shift), r) for other, shift in _FAMILIES.get(canon, ())]
            out += [Edit(r.key, ("zero",), r), Edit(r.key, ("transpose",), r)]
        elif r.kind == "entry":
            idx = r.value
            written = idx if isinstance(idx, tuple) else (idx,)
            for axis, i in enumerate(written):   # an index replaced by another index in scope
                out += [Edit(r.key, ("arg", axis, k), r) for k in scope if isinstance(i, int)]
            if isinstance(idx, tuple) and len(idx) == 2:
                for axis in (0, 1):
                    for d in (-1, 1):
                        new = list(idx)
                        new[axis] = new[axis] + d
                        out.append(Edit(r.key, ("index", tuple(new)), r))
                if idx[0] != idx[1]:
                    out.append(Edit(r.key, ("index", idx[::-1]), r))
            elif isinstance(idx, int):
                out += [Edit(r.key, ("index", idx + d), r) for d in (-1, 1)]
                out.append(Edit(r.key, ("drop",), r))
            out.append(Edit(r.key, ("zero",), r))
        elif r.kind == "apply":
            out.append(Edit(r.key, ("flip",), r))
        elif r.kind == "transpose":
            out.append(Edit(r.key, ("untranspose",), r))
    for (name, l), r in symbols.items():
        out += [Edit(("symbol", name, l), ("symbol", l + d), r) for d in (-1, 1)]
    # every read at one site (a loop's body, a sum's summand): changes that do not depend on the read's value
    repeated = {r.key[:2] for r in log if r.ordinal == 1}
    firsts = {}
    for e in out:
        if e.key[0] != "symbol" and e.key[:2] in repeated and e.change[0] in _RELATIVE and \
                (e.read.ordinal == 0 or e.change[0] == "family"):
            firsts.setdefault((e.key[:2], e.change), e)
    out += [dataclasses.replace(e, key=("site",) + e.key[:2]) for e in firsts.values()]
    return out


#: Changes that mean the same at every read of a site.
_RELATIVE = ("layer", "arg", "drop", "flip", "transpose", "untranspose", "family")


def _reader(files, edits):
    reads = {e.key: e.change for e in edits if e.key[0] != "symbol"}   # a read's key, or ("site", kind, site)
    symbols = {(e.key[1], e.key[2]): e.change[1] for e in edits if e.key[0] == "symbol"}
    return Reader(files, reads, symbols)


def _exactly_true(claim, derivation, run, edits, side, files):
    """Whether the edited claim's sides 1..``side`` expand to the truth exactly on ``run``'s architecture."""
    net, symbols = run[2], dict(run[3])
    reader = _reader(files, edits)
    try:
        with reading(reader):
            instances = instantiate(_replayed(claim, reader), net, derivation.notation, symbols,
                                    truth_check=claim.kind != "lemma")
    except _READ_ERRORS:
        return False
    expand = net.backend.expand
    differences = [inst.sides[0] - inst.sides[s] for inst in instances for s in range(1, min(side, len(inst.sides) - 1) + 1)]
    try:
        # bounded by work, as the exact check is: too large to expand is "not confirmed" on every machine alike
        if sum(expansion_size(d) for d in differences) > MAX_CLAIM_EXPANSION:
            return False
        return all(expand(d) == 0 for d in differences)
    except _READ_ERRORS:
        return False


def _confirmed(claim, derivation, run, edits, side, files):
    """:func:`_exactly_true`, in a child; the expansion is bounded by work (:data:`MAX_CLAIM_EXPANSION`), the time
    limit is only a safety net (False past it)."""
    done, true = call_with_budget(lambda: _exactly_true(claim, derivation, run, edits, side, files), CONFIRM_BUDGET)
    return bool(done and true)


def find_edits(claim, derivation, runs, side, budget=EDIT_BUDGET, general=None):
    """The smallest set of edits (1 or 2) under which the claim holds exactly on the smallest of ``runs``, with
    that run and the call arguments of its first instance; ``(None, None)`` when none is found (or the work
    bound is reached).

    ``runs`` are ``(sizes, m, net, symbols, ...)``.  With ``general(edits)`` (whether the edits also fit
    elsewhere), a set of the same size for which it is true is preferred to the first one found.
    """
    files = _files(claim)
    if not files or not runs:
        return None, None
    run = min(runs, key=lambda r: (sum(r[0]) * r[1], len(r[0])))
    fallback = [None]

    def winner(edits, *readers):
        """The edits to report now, or None to keep looking for ones that fit elsewhere too."""
        shown = _shown(edits, *readers)
        if general is None or general(edits):
            return shown
        fallback[0] = fallback[0] or shown
        # the same change at every read of its site (a sum's summand: on a larger batch it is read again)
        wide = [dataclasses.replace(e, key=("site",) + e.key[:2]) if e.key[0] not in ("symbol", "site")
                and e.change[0] in _RELATIVE else e for e in edits]
        if wide != list(edits) and _confirmed(claim, derivation, run, wide, side, files) and general(wide):
            return _shown(wide, *readers)
        return None
    start, tries = time.monotonic(), [0]

    def over():
        tries[0] += 1
        LAST_TRIES[0] = tries[0]
        return tries[0] > MAX_TRIES or time.monotonic() - start > budget
    record = Reader(files)
    base, _ = _values(claim, derivation, run, record, side)
    if not record.log:
        return None, None
    args = getattr(record, "args", ())
    singles = []
    first_index = 1 if claim.takes_layer else 0
    for e in _candidates(record.log, args, first_index, record.families):
        if over():
            return (fallback[0], (run, args)) if fallback[0] else (None, None)
        vals, _ = _values(claim, derivation, run, _reader(files, [e]), side)
        s = _score(vals, side, base)
        if s == 0.0 and _confirmed(claim, derivation, run, [e], side, files):
            found = winner([e], record)
            if found:
                return found, (run, args)
        if np.isfinite(s):
            singles.append((s, e))
    if fallback[0]:     # a single edit fits here, if not elsewhere: no pair is smaller
        return fallback[0], (run, args)
    singles.sort(key=lambda p: p[0])
    as_written = _score(base, side, base)
    pool = [e for s, e in singles[:PAIR_POOL] if s < as_written]   # a first edit that brings it closer
    pool += [e for e in _candidates(record.log, args, first_index, record.families) if e.change[0] == "symbol" and e not in pool]
    tried = set()
    for e1 in pool:   # the second edit among the reads made once the first is made (a read may appear only then)
        if over():
            return None, None
        after = _reader(files, [e1])
        _values(claim, derivation, run, after, side)
        for e2 in _candidates(after.log, args, first_index, after.families):
            pair = frozenset((e1, e2))
            if e2.key == e1.key or pair in tried:
                continue
            if over():
                return None, None
            tried.add(pair)
            vals, _ = _values(claim, derivation, run, _reader(files, [e1, e2]), side)
            if _score(vals, side, base) == 0.0 and _confirmed(claim, derivation, run, [e1, e2], side, files):
                found = winner([e1, e2], record, after)
                if found:
                    return found, (run, args)
    return (fallback[0], (run, args)) if fallback[0] else (None, None)


def _shown(edits, *readers):
    """Each edit with the read (and call arguments) that names it best: from the call whose indices differ most."""
    out = []
    for e in edits:
        for r in readers:
            if e.read.key in r.shown:
                read, call, _ = r.shown[e.read.key]
                same = {x.site for x in r.log if (x.kind, x.name, x.value) == (e.read.kind, e.read.name, e.read.value)}
                e = dataclasses.replace(e, read=read, call=call, sites=len(same))
                break
        out.append(e)
    return out


def holds_with(claim, derivation, run, edits, side):
    """Whether the claim's sides 1..``side`` hold numerically on ``run`` under ``edits`` (same reads, same keys)."""
    files = _files(claim)
    base, _ = _values(claim, derivation, run, Reader(files), side)
    vals, _ = _values(claim, derivation, run, _reader(files, edits), side)
    return _score(vals, side, base) == 0.0


# -- in the page's notation ------------------------------------------------------------------------
def _layer_text(v, claim, args):
    """A layer value as the page writes it relative to the claim's layer (``l+1``), else the number."""
    if claim.takes_layer and args and isinstance(args[0], int):
        lv = claim.params[0] if getattr(claim, "params", None) else "l"
        d = v - args[0]
        if abs(d) <= 2:
            return lv if d == 0 else f"{lv}{d:+d}"
    return str(v)


def _index_text(idx, claim, args):
    """Indices as the page writes them: an index equal to one of the claim's (and only to it) by its name."""
    vals = list(args[1:] if claim.takes_layer else args)
    names = list(claim.indices)

    def one(i):
        hits = [n for n, v in zip(names, vals) if v == i]
        return hits[0] if len(hits) == 1 and vals.count(i) == 1 else str(i)
    parts = [one(i) for i in (idx if isinstance(idx, tuple) else (idx,))]
    return ",".join(parts)


#: The view's true quantities as a page writes them (the new W of an update is written W).
_TRUE_AS_WRITTEN = {"step_W": "{W}", "step_b": "{b}", "dC_dW": "∂C/∂{W}", "dJ_dW": "∂J/∂{W}",
                    "dC_db": "∂C/∂{b}", "dJ_db": "∂J/∂{b}", "dC_da": "∂C/∂{a}"}


def _function(name, derivative):
    """An activation as the page writes it: its own name, else ``f`` / ``f'`` (never the view's ``fp``)."""
    if name in ("f", "fp", "f_out", "fp_out"):
        return "f'" if derivative else "f"
    return name


def _symbol(name, layer):
    return f"{name}^({layer})" if layer is not None else name


def _page_name(name, notation):
    """A view name that the page did not rename, as the page writes that quantity."""
    if name in _TRUE_AS_WRITTEN:
        return _TRUE_AS_WRITTEN[name].format(W=notation.shown("W"), b=notation.shown("b"), a=notation.shown("a"))
    return name


def _base_name(name):
    """``W^(3)`` -> (``W``, ``3``); a name without a layer -> (name, None)."""
    m = re.fullmatch(r"(.+?)\^\((.+)\)", name)
    return (m.group(1), m.group(2)) if m else (name, None)


def describe(edit, claim, args, notation):
    """``{kind, at, from, to}`` (the contract's kind, in the page's notation) and a phrase for the detail."""
    r, ch = edit.read, edit.change
    args = edit.call if edit.call is not None else args
    name0, layer0 = _base_name(r.name)
    r = dataclasses.replace(r, name=_page_name(name0, notation) + (f"^({layer0})" if layer0 is not None else ""))
    line = r.site[1] if r.site else "?"
    nth = f"every read of line {line}" if edit.key[0] == "site" else f"read {r.ordinal + 1} of line {line}"
    if r.site and r.site[0] == _INTERPRETER:   # a TOML formula: its reads in the order the formula is read
        nth = "every such read of the formula" if edit.key[0] == "site" else f"read {r.ordinal + 1} of its kind in the formula"
    fp = {"f": "fp", "fp": "f", "f_out": "fp_out", "fp_out": "f_out"}
    if ch[0] == "symbol":
        a, b = _symbol(r.name, _layer_text(edit.key[2], claim, args)), _symbol(r.name, _layer_text(ch[1], claim, args))
        return {"kind": "layer", "at": "everywhere", "from": a, "to": b}, f"{b} for {a} (everywhere)"
    if r.kind == "layer":
        a = _symbol(r.name, _layer_text(r.value, claim, args))
        if ch[0] == "layer":
            b = _symbol(r.name, _layer_text(r.value + ch[1], claim, args))
            return {"kind": "layer", "at": nth, "from": a, "to": b}, f"{b} for {a} ({nth})"
        if ch[0] == "family":
            b = _symbol(_page_name(ch[1], notation) if ch[1] in _TRUE_AS_WRITTEN else notation.shown(ch[1]),
                        _layer_text(r.value + ch[2], claim, args))
            return {"kind": "index", "at": nth, "from": a, "to": b}, f"{b} for {a} ({nth})"
        if ch[0] == "transpose":
            return {"kind": "transpose", "at": nth, "from": a, "to": a + "ᵀ"}, f"{a}ᵀ for {a} ({nth})"
        return {"kind": "extra-term", "at": nth, "from": a, "to": "0"}, f"without the term in {a} ({nth})"
    if r.kind == "entry":
        name, layer = _base_name(r.name)
        if layer is not None and claim.takes_layer and args and re.fullmatch(r"-?\d+", layer):
            layer = _layer_text(int(layer), claim, args)
        a = f"{_symbol(name, layer)}_{{{_index_text(r.value, claim, args)}}}"
        if ch[0] == "drop":
            b = _symbol(name, layer)
            return {"kind": "index", "at": nth, "from": a, "to": b}, f"{b} for {a}: a stray index dropped ({nth})"
        if ch[0] == "zero":
            return {"kind": "extra-term", "at": nth, "from": a, "to": "0"}, f"without the term in {a} ({nth})"
        if ch[0] == "arg":   # by name: the index in scope it reads instead
            names, parts = list(claim.indices), _index_text(r.value, claim, args).split(",")
            k = ch[2] - (1 if claim.takes_layer else 0)
            parts[ch[1]] = names[k] if 0 <= k < len(names) else str(args[ch[2]])
            b = f"{_symbol(name, layer)}_{{{','.join(parts)}}}"
        else:
            b = f"{_symbol(name, layer)}_{{{_index_text(ch[1], claim, args)}}}"
        return {"kind": "index", "at": nth, "from": a, "to": b}, f"{b} for {a} ({nth})"
    if r.kind == "apply":
        a, b = _function(r.name, r.value), _function(notation.shown(fp.get(notation.canonical(r.name), r.name)),
                                                     not r.value)
        return {"kind": "derivative", "at": nth, "from": a, "to": b}, f"{b} for {a} ({nth})"
    a = r.name + "ᵀ"
    return {"kind": "transpose", "at": nth, "from": a, "to": r.name}, f"{r.name} for {a} ({nth})"


_LATEX_NAMES = {"delta": r"\delta", "δ": r"\delta", "σ": r"\sigma", "sigma": r"\sigma", "phi": r"\phi",
                "φ": r"\phi", "Delta": r"\Delta"}


def _tex(name):
    return _LATEX_NAMES.get(name, name)


def _names(name):
    """The LaTeX spellings of a page's symbol (``W`` is also the page's ``w``; ``∂C/∂W`` has none)."""
    if not re.fullmatch(r"[A-Za-z]+|[δσφΔ]", name):
        return []
    return list(dict.fromkeys([_tex(name), _tex(name.lower()), _tex(name.upper())]))


def _retoken_layer(latex, name, old, new, everywhere):
    """``latex`` with the layer superscript ``old`` of the symbol ``name`` replaced by ``new`` (None if not one)."""
    for spelled in _names(name):
        out = _retoken_layer_as(latex, spelled, old, new, everywhere)
        if out is not None:
            return out
    return None


def _retoken_layer_as(latex, spelled, old, new, everywhere):
    sym = re.escape(spelled)
    sub = r"(?:_\{[^{}]*\}|_[A-Za-z0-9])?"
    sup = r"\^\{?\s*([(\[]?)\s*" + re.escape(old).replace(r"\+", r"\s*\+\s*").replace(r"\-", r"\s*-\s*") \
        + r"\s*([)\]]?)\s*\}?"
    pat = re.compile(r"(?<![A-Za-z\\])(" + sym + sub + r")" + sup + r"(?![A-Za-z0-9+\-])")
    hits = list(pat.finditer(latex))
    if not hits or (len(hits) > 1 and not everywhere):
        return None

    def rep(m):
        return f"{m.group(1)}^{{{m.group(2)}{new}{m.group(3)}}}"
    return pat.sub(rep, latex)


def _bare(script):
    """A superscript's content without ``^``, braces, parentheses, brackets and spaces: ``^{(l+1)}`` -> ``l+1``."""
    return re.sub(r"[\^{}()\[\]\s]", "", script or "")


def _retoken_index(latex, name, layer, old, new):
    """``latex`` with the one token ``name_{old}`` of layer ``layer`` (its superscript, before or after the
    subscript) written ``name_{new}`` (``new`` None: the subscript dropped); None unless exactly one matches."""
    sup = r"(\^\{[^{}]*\}|\^[A-Za-z0-9])?"
    for spelled in _names(name):
        parts = old.split(",")
        olds = "|".join(re.escape(x) for x in dict.fromkeys([old, "".join(parts), " ".join(parts)]))
        pat = re.compile(r"(?<![A-Za-z\\])(" + re.escape(spelled) + r")" + sup + r"(_(?:\{\s*(?:" + olds
                         + r")\s*\}|(?:" + olds + r")(?![A-Za-z0-9])))" + sup)
        hits = [m for m in pat.finditer(latex)
                if _bare(m.group(2) or m.group(4)) == _bare(layer or "")]
        if len(hits) == 1:
            m = hits[0]
            sub = m.group(3)
            text = None if new is None else (new.replace(",", "") if "," not in sub else new)
            written = "" if text is None else ("_" + text if len(text) == 1 and "{" not in sub else "_{" + text + "}")
            return latex[:m.start()] + m.group(1) + (m.group(2) or "") + written + (m.group(4) or "") \
                + latex[m.end():]
    return None


def _retoken_prime(latex, name, to_derivative):
    """``latex`` with the one application of ``name`` primed (or unprimed), or None."""
    sym = re.escape(_tex(name.rstrip("'")))
    if to_derivative:
        pat = re.compile(r"(?<![A-Za-z\\])(" + sym + r")(?!')(\^\{[^{}]*\})?(\s*\()")
        hits = list(pat.finditer(latex))
        return pat.sub(lambda m: m.group(1) + "'" + (m.group(2) or "") + m.group(3), latex) if len(hits) == 1 \
            else None
    pat = re.compile(r"(?<![A-Za-z\\])(" + sym + r")(?:'|\^\{?\\prime\}?)")
    hits = list(pat.finditer(latex))
    return pat.sub(lambda m: m.group(1), latex) if len(hits) == 1 else None


def correct_latex(latex, edits, descriptions):
    """The claim's LaTeX with every edit applied where it maps to one token; None where one does not.

    >>> correct_latex(r"\\delta^{(l)} = W^{(l)} \\delta^{(l+1)}", [None],
    ...               [{"kind": "layer", "at": "read 1", "from": "W^(l)", "to": "W^(l+1)"}])
    '\\\\delta^{(l)} = W^{(l+1)} \\\\delta^{(l+1)}'
    """
    out = latex
    for e, d in zip(edits, descriptions):
        if out is None:
            return None
        if e is not None and d["at"] != "everywhere" and e.sites != 1:
            return None     # the symbol is read at several places: which token of the LaTeX is this one is unknown
        fa, ta = _base_name(d["from"]), _base_name(d["to"])
        if d["kind"] == "layer" and fa[0] == ta[0] and fa[1] is not None and ta[1] is not None:
            out = _retoken_layer(out, fa[0], fa[1], ta[1], d["at"] == "everywhere")
        elif d["kind"] == "index" and "_{" in d["from"]:
            name, rest = d["from"].split("_{", 1)
            base, layer = _base_name(name)
            to = d["to"].split("_{", 1)[1][:-1] if "_{" in d["to"] else None
            out = _retoken_index(out, base, layer, rest[:-1], to)
        elif d["kind"] == "derivative" and e is not None:
            out = _retoken_prime(out, d["from"], not e.read.value)
        else:
            return None
    return out
