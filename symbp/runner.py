"""Running the checker: load derivations, verify every claim, collect a Report.

One broken derivation never stops the others: a file that does not import,
a claim that raises, a claim that cannot be evaluated each become a
one-line verdict naming the file, the claim and the cause.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import pickle
import select
import signal
import sys
import time
import traceback
from pathlib import Path

from .claims import ClaimError, Derivation
from .exact import exact_function
from .induction import extend_to_all_depths
from .notation import NotationError, on_page
from .report import DerivationResult, EquationResult, Report
from .verify import NetworkCache, verify_claim

__all__ = ["check", "check_derivation", "load_derivation", "bundled_derivations", "derivation_files",
           "LoadError", "parse_arch", "run_isolated"]


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
            if not _IN_CHILD:
                _probe_import(path, name)
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
    except BaseException as e:  # the module's own code raised (sys.exit included; Ctrl-C only in a checking child)
        if isinstance(e, KeyboardInterrupt) and not _IN_CHILD:
            raise
        where = traceback.extract_tb(e.__traceback__)[-1]
        raise LoadError(f"{name}:{where.lineno}: importing raised {_raised(e)}") from None
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


def _probe_import(path, name):
    """Import ``path`` once in a forked child first: a module that ends its process (``os._exit``) is a LoadError."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(path, None, 0, w)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        got = fh.read(1)
    status = os.waitpid(pid, 0)[1]
    if not got:
        raise LoadError(f"{name}: importing ended the process ({_how(status)})")


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
        dims = tuple(_whole(v) for v in sizes.split(","))
        batch = _whole(m) if m else 1
    except ValueError:
        raise ValueError(f"--arch {text!r}: expected widths like 2,3,1 (optionally :m for the batch size)") from None
    if len(dims) < 2 or min(dims) < 1 or batch < 1:
        raise ValueError(f"--arch {text!r}: need at least two widths >= 1 and a batch size >= 1")
    return dims, batch


def _whole(text: str) -> int:
    """An integer written in ASCII digits (``int`` alone would take ``" 3"``, ``"1_0"`` and other scripts' digits)."""
    if not text.isascii() or not text.strip().isdigit():
        raise ValueError(text)
    return int(text)


def _exact_claim_function(fn):
    """``fn`` with exact rationals for its float literals; through the page-view wrapper of :func:`on_page`."""
    inner = getattr(fn, "__wrapped__", None)
    return on_page(exact_function(inner)) if inner is not None else exact_function(fn)


def check_derivation(doc: Derivation, *, sweep=None, backend="symengine", budget=10.0, numeric_only=False,
                     points=20, seed=0, only=None, progress=None, debug=False) -> DerivationResult:
    """Verify every claim of ``doc`` in a forked child; a claim that raises or ends the process is an ``error``.

    >>> from symbp.claims import Derivation
    >>> from symbp.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"})
    >>> @doc.claim("(1)", kind="delta", layer="output", latex="")
    ... def leaves(n, i):
    ...     raise SystemExit(0)
    >>> check_derivation(doc).equations[0].message
    "demo: claim '(1)': SystemExit(0)"
    """
    opts = dict(sweep=sweep, backend=backend, budget=budget, numeric_only=numeric_only, points=points,
                seed=seed, only=only, debug=debug)
    return run_isolated([doc], opts, progress=progress)[0]


def _check_claims(doc: Derivation, start=0, *, sweep=None, backend="symengine", budget=10.0, numeric_only=False,
                  points=20, seed=0, only=None, debug=False, announce=None):
    """Yield ``(index, EquationResult)`` for the claims of ``doc`` from ``start`` on (run in the child)."""
    cache = NetworkCache(backend)
    file = Path(doc.file).name if doc.file else doc.name
    for i, claim in enumerate(doc.claims):
        if i < start or (only and claim.label not in only):
            continue
        if announce:
            announce(i, EquationResult(claim.label, claim.kind, claim.reading, claim.latex, "error", "symbolic", [],
                                       None, claim.expect, None, None, f"{file}: claim {claim.label!r}", claim.note))
        t0 = time.monotonic()
        try:
            claim = dataclasses.replace(claim, fn=_exact_claim_function(claim.fn))   # float literals -> rationals
            o = verify_claim(claim, doc, cache=cache, sweep=sweep, budget=budget, numeric_only=numeric_only,
                             points=points, seed=seed)
            if not numeric_only:   # proven on the sweep: base case + induction step with what is left of the budget
                o = extend_to_all_depths(o, claim, doc, budget=budget - (time.monotonic() - t0), backend=backend)
            status, method, archs, err, diag, cex, msg, steps = (o.status, o.method, o.architectures,
                                                                o.max_rel_error, o.diagnosis, o.counterexample,
                                                                o.message, o.steps)
            notes = list(o.notes)
        except BaseException as e:  # the transcription itself raised (SystemExit, KeyboardInterrupt included)
            if debug:
                traceback.print_exc()
            tb = traceback.extract_tb(e.__traceback__)
            line = next((f.lineno for f in reversed(tb)
                         if doc.file and os.path.abspath(f.filename) == os.path.abspath(doc.file)), None)
            loc = f"{file}:{line}" if line else file
            status, method, archs, err, diag, cex, steps = "error", "symbolic", [], None, None, None, None
            notes = []
            msg = f"{loc}: claim {claim.label!r}: {_raised(e)}"
        if status in ("ill-formed", "error") and not msg.startswith(file):
            msg = f"{file}: claim {claim.label!r}: {msg}"
        eq = EquationResult(claim.label, claim.kind, claim.reading, claim.latex, status, method, archs,
                            None if err is None else float(err), claim.expect, diag, cex, msg, claim.note, steps,
                            notes=notes)
        eq.seconds = time.monotonic() - t0
        yield i, eq


def _raised(e: BaseException) -> str:
    """One line for an exception a derivation's own code raised."""
    if isinstance(e, SystemExit):
        return f"SystemExit({e.code!r})"
    if isinstance(e, KeyboardInterrupt):
        return "KeyboardInterrupt"
    return f"{type(e).__name__}: {e}"


# -- isolation: every derivation is loaded and checked in a forked child ---------------------------
#: True in a checking child: derivation code runs here, and nothing it raises or calls may end the run.
_IN_CHILD = False


def _send(out, message):
    data = pickle.dumps(message)
    out.write(len(data).to_bytes(8, "big") + data)
    out.flush()


def _child(target, opts, start, w):
    """The checking child: load ``target`` (path or Derivation), check from claim ``start``, report each verdict."""
    global _IN_CHILD
    _IN_CHILD = True
    sys.stdout = sys.stderr   # what a derivation prints never mixes into the report
    code = 0
    try:
        with os.fdopen(w, "wb") as out:
            try:
                doc = target if isinstance(target, Derivation) else load_derivation(target)
            except LoadError as e:
                _send(out, ("load-error", str(e)))
                return
            _send(out, ("header", doc.name, doc.title, doc.source, doc.file or "", len(doc.claims)))
            if opts is None:   # a probe: loading was all
                return
            for i, eq in _check_claims(doc, start, **opts, announce=lambda i, eq: _send(out, ("claim", i, eq))):
                try:
                    _send(out, ("result", i, eq))
                except Exception as e:   # a verdict that does not pickle (an odd object in a counterexample)
                    eq.status, eq.diagnosis, eq.counterexample, eq.steps = "error", None, None, None
                    eq.message = f"{eq.message.split(':')[0]}: claim {eq.label!r}: verdict not transferable: {e}"
                    _send(out, ("result", i, eq))
            _send(out, ("done",))
    except BaseException:   # the pipe broke: the parent sees no "done" and reports the exit status
        code = 3
    finally:
        os._exit(code)


def _how(status: int) -> str:
    """``"exit status 0"`` or ``"killed by SIGKILL"`` for a ``waitpid`` status."""
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exit status {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


class _Isolated:
    """One derivation checked in forked children: a child that dies costs the claim it was on, not the run."""

    def __init__(self, target, opts, progress):
        self.target, self.opts, self.progress = target, opts, progress
        if isinstance(target, Derivation):
            self.stem, self.file = target.name, Path(target.file).name if target.file else target.name
        else:
            self.stem, self.file = Path(str(target)).stem, Path(str(target)).name
        self.result, self.total, self.start, self.finished = None, 0, 0, False
        self.spawn()

    def spawn(self):
        """Fork a child that checks from claim ``self.start`` on."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _child(self.target, self.opts, self.start, w)
        os.close(w)
        self.pid, self.fd, self.buf, self.running, self.done = pid, r, b"", None, False

    def feed(self, chunk: bytes):
        """Take bytes from the child's pipe and act on every whole message."""
        self.buf += chunk
        while len(self.buf) >= 8 and len(self.buf) >= 8 + int.from_bytes(self.buf[:8], "big"):
            size = int.from_bytes(self.buf[:8], "big")
            message, self.buf = pickle.loads(self.buf[8:8 + size]), self.buf[8 + size:]
            kind = message[0]
            if kind == "load-error":
                self.result = DerivationResult(self.stem, self.stem, "", str(self.target), error=message[1])
                self.done = True
            elif kind == "header":
                if self.result is None:
                    self.result = DerivationResult(*message[1:5])
                self.total = message[5]
            elif kind == "claim":
                self.running = message[1:]
                if self.progress:
                    self.progress(self.result.name, message[1], self.total, message[2].label)
            elif kind == "result":
                self.result.equations.append(message[2])
                self.running = None
            elif kind == "done":
                self.done = True

    def ended(self, status: int):
        """The child's pipe closed: finish, or record the claim it died on and go on after it."""
        os.close(self.fd)
        how = _how(status)
        if self.done:
            self.finished = True
        elif self.result is None:
            what = "importing" if not isinstance(self.target, Derivation) else "checking"
            self.result = DerivationResult(self.stem, self.stem, "", str(getattr(self.target, "file", self.target)),
                                           error=f"{self.file}: {what} ended the process ({how}) before any verdict")
            self.finished = True
        elif self.running is not None:
            i, eq = self.running
            eq.message += f": ended the checking process ({how})"
            self.result.equations.append(eq)
            self.start = i + 1
            if self.start < self.total:
                self.spawn()
            else:
                self.finished = True
        else:
            self.result.error = f"{self.file}: the checking process ended ({how}) between two claims"
            self.finished = True


def run_isolated(targets, opts, *, jobs=1, progress=None) -> list:
    """Check each target (a derivation path, module name or Derivation) in forked children, ``jobs`` at a time.

    Whatever a derivation does (``sys.exit``, ``os._exit``, a crash), it gets a verdict and the others are checked.

    >>> [r.error for r in run_isolated(["no/such/file.py"], {})]
    ['no/such/file.py: no such file']
    """
    pending, active, results = list(enumerate(targets)), {}, [None] * len(targets)
    try:
        while pending or active:
            while pending and len(active) < max(1, jobs):
                k, target = pending.pop(0)
                task = _Isolated(target, opts, progress)
                active[task.fd] = (k, task)
            for fd in select.select(list(active), [], [])[0]:
                k, task = active[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    task.feed(chunk)
                    continue
                del active[fd]
                task.ended(os.waitpid(task.pid, 0)[1])
                if task.finished:
                    results[k] = task.result
                else:
                    active[task.fd] = (k, task)
    finally:   # interrupted (a real Ctrl-C reaches this process too): stop every child
        for _, task in active.values():
            try:
                os.kill(task.pid, signal.SIGKILL)
                os.waitpid(task.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(task.fd)
    return results


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
    return Report(run_isolated(docs + paths, opts, jobs=jobs, progress=progress))
