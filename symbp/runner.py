"""Running the checker: load derivations, verify every claim, collect a Report.

One broken derivation never stops the others: a file that does not import,
a claim that raises, a claim that cannot be evaluated each become a
one-line verdict naming the file, the claim and the cause.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import time
import traceback
from pathlib import Path

from .claims import ClaimError, Derivation
from .induction import extend_to_all_depths
from .notation import NotationError
from .report import DerivationResult, EquationResult, Report
from .verify import NetworkCache, verify_claim

__all__ = ["check", "check_derivation", "load_derivation", "bundled_derivations", "derivation_files",
           "LoadError", "parse_arch"]


class LoadError(Exception):
    """A derivation file that cannot be loaded; the message is one line naming the file."""


def bundled_derivations() -> Path:
    """The folder of the bundled derivations (installed copy, or the repository's ``derivations/``).

    >>> bundled_derivations().name
    'derivations'
    """
    try:
        import symbp.derivations as pkg
        return Path(pkg.__path__[0])
    except ImportError:
        return Path(__file__).resolve().parent.parent / "derivations"


def derivation_files(paths) -> list:
    """The derivation files named by ``paths`` (folders expand to their ``*.py`` and ``*.toml``, ``_*`` excluded)."""
    out = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(f for f in (*p.glob("*.py"), *p.glob("*.toml")) if not f.name.startswith("_"))
        else:
            out.append(p)
    return out


def load_derivation(path) -> Derivation:
    """Import the derivation module at ``path`` (or a dotted module name) and return its Derivation.

    A ``.toml`` file is read by :mod:`symbp.declarative`, which runs none of its text as code.
    """
    path = str(path)
    name = Path(path).name
    if path.endswith(".toml"):
        return _load_toml(path, name)
    try:
        if path.endswith(".py") or os.sep in path or os.path.isfile(path):
            if not os.path.exists(path):
                raise LoadError(f"{path}: no such file")
            if not path.endswith(".py"):
                raise LoadError(f"{name}: not a derivation (a .py module or a .toml file)")
            mod_name = "symbp_derivation_" + Path(path).stem
            spec = importlib.util.spec_from_file_location(mod_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            try:
                spec.loader.exec_module(module)
            finally:
                sys.modules.pop(mod_name, None)
        else:
            module = importlib.import_module(path)
    except LoadError:
        raise
    except SyntaxError as e:
        raise LoadError(f"{name}:{e.lineno}: syntax error: {e.msg}") from None
    except (ClaimError, NotationError) as e:
        raise LoadError(f"{name}: {e}") from None
    except ImportError as e:
        raise LoadError(f"{name}: cannot import: {e}") from None
    except RecursionError:
        raise LoadError(f"{name}: import recursion (a cyclic import?)") from None
    except Exception as e:  # the module's own code raised
        where = traceback.extract_tb(e.__traceback__)[-1]
        raise LoadError(f"{name}:{where.lineno}: importing raised {type(e).__name__}: {e}") from None
    docs = [v for v in vars(module).values() if isinstance(v, Derivation)]
    if not docs:
        raise LoadError(f"{name}: defines no Derivation (expected `doc = Derivation(...)`)")
    if len(docs) > 1:
        raise LoadError(f"{name}: defines {len(docs)} Derivations; one per file")
    doc = docs[0]
    if not doc.claims:
        raise LoadError(f"{name}: derivation {doc.name!r} has no claims")
    doc.file = str(path)
    return doc


def _load_toml(path, name) -> Derivation:
    from .declarative import DeclarativeError, load_toml
    if not os.path.isfile(path):
        raise LoadError(f"{path}: no such file")
    try:
        doc = load_toml(path)
    except DeclarativeError as e:
        raise LoadError(f"{name}: {e}") from None
    except OSError as e:
        raise LoadError(f"{name}: cannot read: {e.strerror}") from None
    doc.file = path
    return doc


def parse_arch(text: str):
    """``"2,3,1"`` -> ``((2, 3, 1), 1)``; ``"2,3,1:3"`` -> batch size 3.

    >>> parse_arch("2,3,1:3")
    ((2, 3, 1), 3)
    """
    sizes, _, m = text.partition(":")
    try:
        dims = tuple(int(v) for v in sizes.split(","))
        batch = int(m) if m else 1
    except ValueError:
        raise ValueError(f"--arch {text!r}: expected widths like 2,3,1 (optionally :m for the batch size)") from None
    if len(dims) < 2 or min(dims) < 1 or batch < 1:
        raise ValueError(f"--arch {text!r}: need at least two widths >= 1 and a batch size >= 1")
    return dims, batch


def check_derivation(doc: Derivation, *, sweep=None, backend="symengine", budget=10.0, numeric_only=False,
                     points=20, seed=0, only=None, progress=None, debug=False) -> DerivationResult:
    """Verify every claim of ``doc``; a claim that raises becomes an ``error`` verdict."""
    cache = NetworkCache(backend)
    result = DerivationResult(doc.name, doc.title, doc.source, doc.file)
    file = Path(doc.file).name if doc.file else doc.name
    for i, claim in enumerate(doc.claims):
        if only and claim.label not in only:
            continue
        if progress:
            progress(doc.name, i, len(doc.claims), claim.label)
        t0 = time.monotonic()
        try:
            o = verify_claim(claim, doc, cache=cache, sweep=sweep, budget=budget, numeric_only=numeric_only,
                             points=points, seed=seed)
            if not numeric_only:   # proven on the sweep: base case + induction step with what is left of the budget
                o = extend_to_all_depths(o, claim, doc, budget=budget - (time.monotonic() - t0), backend=backend)
            status, method, archs, err, diag, cex, msg, steps = (o.status, o.method, o.architectures,
                                                                o.max_rel_error, o.diagnosis, o.counterexample,
                                                                o.message, o.steps)
            notes = list(o.notes)
        except Exception as e:  # the transcription itself raised
            if debug:
                traceback.print_exc()
            tb = traceback.extract_tb(e.__traceback__)
            line = next((f.lineno for f in reversed(tb)
                         if doc.file and os.path.abspath(f.filename) == os.path.abspath(doc.file)), None)
            loc = f"{file}:{line}" if line else file
            status, method, archs, err, diag, cex, steps = "error", "symbolic", [], None, None, None, None
            notes = []
            msg = f"{loc}: claim {claim.label!r}: {type(e).__name__}: {e}"
        if status in ("ill-formed", "error") and not msg.startswith(file):
            msg = f"{file}: claim {claim.label!r}: {msg}"
        result.equations.append(EquationResult(
            claim.label, claim.kind, claim.reading, claim.latex, status, method, archs,
            None if err is None else float(err), claim.expect, diag, cex, msg, claim.note, steps, notes=notes))
        result.equations[-1].seconds = time.monotonic() - t0
    return result


def _check_path(args):
    path, opts = args
    try:
        doc = load_derivation(path)
    except LoadError as e:
        return DerivationResult(Path(str(path)).stem, Path(str(path)).stem, "", str(path), error=str(e))
    return check_derivation(doc, **opts)


def check(path_or_module=None, *, jobs=1, progress=None, **opts) -> Report:
    """Check derivation files, folders, module names or Derivation objects; returns a :class:`Report`.

    ``opts``: ``sweep``, ``backend``, ``budget``, ``numeric_only``, ``points``, ``seed``, ``only``.

    >>> from symbp.claims import Derivation
    >>> from symbp.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"})
    >>> @doc.claim("(1)", kind="delta", layer="output", latex="")
    ... def wrong_sign(n, i):
    ...     return n.delta[n.L][i], (n.y[i] - n.a[n.L][i]) * n.fp(n.z[n.L][i])
    >>> report = check(doc)
    >>> e = report.derivations[0].equations[0]
    >>> e.status, e.diagnosis["kind"], report.exit_code
    ('fails', 'sign', 1)
    """
    targets = path_or_module if isinstance(path_or_module, (list, tuple)) else \
        [bundled_derivations() if path_or_module is None else path_or_module]
    docs, paths = [], []
    for t in targets:
        if isinstance(t, Derivation):
            docs.append(t)
        elif hasattr(t, "__dict__") and not isinstance(t, (str, Path)):   # a module object
            found = [v for v in vars(t).values() if isinstance(v, Derivation)]
            docs += found
        elif isinstance(t, (str, Path)) and (Path(t).exists() or str(t).endswith((".py", ".toml"))):
            paths += derivation_files([t])
        else:
            paths.append(t)
    results = [check_derivation(d, progress=progress, **opts) for d in docs]
    work = [(p, dict(opts)) for p in paths]
    if jobs > 1 and len(work) > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(min(jobs, len(work))) as pool:
            results += pool.map(_check_path, work)
    else:
        for w in work:
            results.append(_check_path((w[0], dict(w[1], progress=progress))))
    return Report(results)
