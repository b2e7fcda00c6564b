"""Running the checker: load derivations, verify every claim, collect a Report.

One broken derivation never stops the others: a file that does not import,
a claim that raises, a claim that cannot be evaluated each become a
one-line verdict naming the file, the claim and the cause.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import select
import signal
import sys
import time
import traceback
from pathlib import Path

from ..claims.derivation import Derivation, select_labels
from ..claims.view import on_page
from ..judge.budget import TIME_LIMIT
from ..judge.definition import DEFINITION_NOTE, reads_only_forward
from ..judge.evaluate import NetworkCache
from ..judge.exact import exact_function
from ..judge.induction import extend_to_all_depths, induction_limit
from ..judge.verify import UNDECIDED, claim_sweep, undecided, verify_claim
from ..report.results import DerivationResult, EquationResult, Report
from .isolate import enter_child, how_it_ended, raised, send
from .load import PROBE_GRACE, LoadError, bundled_derivations, load_derivation, resolve

__all__ = ['check', 'check_derivation', 'run_isolated', 'notation_text', 'Interrupted']


def notation_text(notation) -> str:
    """One line naming a notation's conventions and its names (what the report says a claim was read in).

    >>> from symbp.claims.notation import Notation
    >>> notation_text(Notation(names={"h": "a"}))
    'layers from 0; W to-from, W^(l) named after the layer it enters; bias vector; examples as rows; units from 1; names h → a'
    """
    names = ", ".join(f"{p} → {v}" for p, v in notation.names.items())
    return notation.describe() + (f"; names {names}" if names else "")


def _exact_claim_function(fn):
    """``fn`` with exact rationals for its float literals; through the page-view wrapper of :func:`on_page`."""
    inner = getattr(fn, "__wrapped__", None)
    return on_page(exact_function(inner)) if inner is not None else exact_function(fn)


def check_derivation(doc: Derivation, *, sweep=None, backend="symengine", budget=TIME_LIMIT, numeric_only=False,
                     points=20, seed=0, only=None, progress=None, debug=False) -> DerivationResult:
    """Verify every claim of ``doc`` in a forked child; a claim that raises or ends the process is an ``error``.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
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


def _check_claims(doc: Derivation, start=0, *, sweep=None, backend="symengine", budget=TIME_LIMIT, numeric_only=False,
                  points=20, seed=0, only=None, debug=False, announce=None):
    """Yield ``(index, EquationResult)`` for the claims of ``doc`` from ``start`` on (run in the child)."""
    cache = NetworkCache(backend)
    file = Path(doc.file).name if doc.file else doc.name
    picked = set(select_labels([c.label for c in doc.claims], only)[0])
    for i, claim in enumerate(doc.claims):
        if i < start or claim.label not in picked:
            continue
        read_in = doc.for_claim(claim)   # the claim's own notation where it has one
        if announce:
            announce(i, EquationResult(claim.label, claim.kind, claim.reading, claim.latex, "error", "symbolic", [],
                                       None, claim.expect, None, None, f"{file}: claim {claim.label!r}", claim.note))
        t0 = time.monotonic()
        try:
            claim = dataclasses.replace(claim, fn=_exact_claim_function(claim.fn))   # float literals -> rationals
            o = verify_claim(claim, read_in, cache=cache, sweep=sweep, budget=budget, numeric_only=numeric_only,
                             points=points, seed=seed)
            if not numeric_only:   # proven on the sweep: base case + induction step, with their own time limit
                o = extend_to_all_depths(o, claim, read_in, budget=induction_limit(budget), backend=backend)
            if o.status.startswith("proven") and reads_only_forward(claim, read_in, claim_sweep(claim, read_in, sweep),
                                                                     cache):
                o = dataclasses.replace(o, status="definition", notes=[DEFINITION_NOTE] + list(o.notes))
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
            msg = f"{loc}: claim {claim.label!r}: {raised(e)}"
        if status in ("ill-formed", "error") and not msg.startswith(file):
            msg = f"{file}: claim {claim.label!r}: {msg}"
        eq = EquationResult(claim.label, claim.kind, claim.reading, claim.latex, status, method, archs,
                            None if err is None else float(err), claim.expect, diag, cex, msg, claim.note, steps,
                            notes=notes, notation=notation_text(read_in.notation),
                            own_notation=claim.notation is not None)
        eq.seconds = time.monotonic() - t0
        yield i, eq


# -- isolation: every derivation is loaded and checked in a forked child ---------------------------
def _child(target, opts, start, w):
    """The checking child: load ``target`` (path or Derivation), check from claim ``start``, report each verdict."""
    enter_child()
    sys.stdout = sys.stderr   # what a derivation prints never mixes into the report
    code = 0
    try:
        with os.fdopen(w, "wb") as out:
            try:
                doc = target if isinstance(target, Derivation) else \
                    load_derivation(target, opts.get("budget") or TIME_LIMIT)
            except LoadError as e:
                send(out, ("load-error", str(e)))
                return
            send(out, ("header", doc.name, doc.title, doc.source, doc.file or "", len(doc.claims),
                       [c.label for c in doc.claims]))
            for i, eq in _check_claims(doc, start, **opts, announce=lambda i, eq: send(out, ("claim", i, eq))):
                try:
                    send(out, ("result", i, eq))
                except Exception as e:   # a verdict that does not pickle (an odd object in a counterexample)
                    eq.status, eq.diagnosis, eq.counterexample, eq.steps = "error", None, None, None
                    eq.message = f"{eq.message.split(':')[0]}: claim {eq.label!r}: verdict not transferable: {e}"
                    send(out, ("result", i, eq))
            send(out, ("done",))
    except BaseException:   # the pipe broke: the parent sees no "done" and reports the exit status
        code = 3
    finally:
        os._exit(code)


def claim_limit(budget) -> float:
    """The hard limit (seconds) on one claim in its checking child, a safety net under every budgeted step.

    The steps of a claim stop themselves at ``budget``; this catches what no timer in the child can stop (a loop in
    C code in a claim's function): the child is killed and the claim is ``undecided``.

    >>> claim_limit(1)
    150.0
    """
    return CLAIM_LIMIT_FACTOR * float(budget) + CLAIM_LIMIT_EXTRA


#: :func:`claim_limit` is this many budgets plus :data:`CLAIM_LIMIT_EXTRA` seconds.
CLAIM_LIMIT_FACTOR, CLAIM_LIMIT_EXTRA = 30, 120.0


class _Isolated:
    """One derivation checked in forked children: a child that dies costs the claim it was on, not the run."""

    def __init__(self, target, opts, progress):
        self.target, self.opts, self.progress = target, opts, progress
        self.budget = float(opts.get("budget") or TIME_LIMIT)
        self.late = False
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
        self.deadline = time.monotonic() + (self.budget + PROBE_GRACE if self.result is None else
                                            claim_limit(self.budget))

    def overdue(self, now) -> bool:
        """Kill the child if it is past its deadline (importing, or the claim it is on); whether it was."""
        if now < self.deadline or self.late:
            return False
        self.late = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return True

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
                self.deadline = time.monotonic() + claim_limit(self.budget)
                if self.result is None:
                    self.result = DerivationResult(*message[1:5])
                self.total, self.result.labels = message[5], message[6]
            elif kind == "claim":
                self.deadline = time.monotonic() + claim_limit(self.budget)
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
        how = how_it_ended(status)
        late, self.late = self.late, False
        if self.done:
            self.finished = True
        elif late and self.result is None:
            self.result = DerivationResult(self.stem, self.stem, "", str(getattr(self.target, "file", self.target)),
                                           error=f"{self.file}: importing did not finish within {self.budget:g} s "
                                                 f"(the time limit, --budget)")
            self.finished = True
        elif self.result is None:
            what = "importing" if not isinstance(self.target, Derivation) else "checking"
            self.result = DerivationResult(self.stem, self.stem, "", str(getattr(self.target, "file", self.target)),
                                           error=f"{self.file}: {what} ended the process ({how}) before any verdict")
            self.finished = True
        elif self.running is not None:
            i, eq = self.running
            if late:   # the hard limit on a whole claim: undecided, never a pass
                eq.status = UNDECIDED
                eq.message += ": " + undecided("checking the claim", claim_limit(self.budget)).message
            else:
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


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C; ``results`` are the derivations judged so far (an unfinished one says so)."""

    def __init__(self, results):
        super().__init__("interrupted")
        self.results = results
        self.report = None


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
            wait = max(0.0, min(task.deadline for _, task in active.values()) - time.monotonic())
            ready = select.select(list(active), [], [], wait)[0]
            for _, task in active.values():   # a child past its hard limit is killed: its pipe closes
                task.overdue(time.monotonic())
            for fd in ready:
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
    except KeyboardInterrupt:   # Ctrl-C: what was judged so far, and never as a pass
        for k, task in active.values():
            if task.result is not None:
                task.result.error = task.result.error or (f"{task.file}: interrupted after {len(task.result.equations)}"
                                                          f" of {task.total} claims")
                results[k] = task.result
        raise Interrupted([r for r in results if r is not None]) from None
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

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
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
        else:
            paths += resolve([t])
    try:
        return Report(run_isolated(docs + paths, opts, jobs=jobs, progress=progress))
    except Interrupted as e:
        e.report = Report(e.results)
        raise
