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
from ..judge.budget import TIME_LIMIT, alarm_session
from ..judge.definition import DEFINITION_NOTE, reads_only_forward
from ..judge.evaluate import NetworkCache
from ..judge.exact import exact_function
from ..judge.induction import extend_to_all_depths, induction_limit
from ..judge.verify import UNDECIDED, claim_sweep, undecided, verify_claim
from ..report.results import DerivationResult, EquationResult, Report
from .cache import VerdictCache, own_sources
from .isolate import enter_child, how_it_ended, keep_survivors, raised, send
from .load import PROBE_GRACE, LoadError, bundled_derivations, load_derivation, resolve

__all__ = ['check', 'check_derivation', 'run_isolated', 'notation_text', 'preload', 'Interrupted', 'Run']


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


def _check_claim(doc: Derivation, i: int, cache, *, sweep=None, backend="symengine", budget=TIME_LIMIT,
                 numeric_only=False, points=20, seed=0, debug=False, announce=None, **_ignored) -> EquationResult:
    """The verdict on claim ``i`` of ``doc`` (run in a checking child); ``cache`` holds the networks built so far."""
    file = Path(doc.file).name if doc.file else doc.name
    claim = doc.claims[i]
    read_in = doc.for_claim(claim)   # the claim's own notation where it has one
    if announce:
        announce(i, EquationResult(claim.label, claim.kind, claim.reading, claim.latex, "error", "symbolic", [],
                                   None, claim.expect, None, None, f"{file}: claim {claim.label!r}", claim.note))
    t0 = time.monotonic()
    try:
        with alarm_session():   # the claim's many limits (one per call of its function) without a system call each
            o = _judged(claim, read_in, cache, sweep, backend, budget, numeric_only, points, seed)
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
    return eq


def _judged(claim, read_in, cache, sweep, backend, budget, numeric_only, points, seed):
    """The outcome of ``claim`` read in ``read_in``: verified on the sweep, then over all depths, then a definition."""
    claim = dataclasses.replace(claim, fn=_exact_claim_function(claim.fn))   # float literals -> rationals
    o = verify_claim(claim, read_in, cache=cache, sweep=sweep, budget=budget, numeric_only=numeric_only,
                     points=points, seed=seed)
    if not numeric_only:   # proven on the sweep: base case + induction step, with their own time limit
        o = extend_to_all_depths(o, claim, read_in, budget=induction_limit(budget), backend=backend)
    if o.status.startswith("proven") and reads_only_forward(claim, read_in, claim_sweep(claim, read_in, sweep),
                                                             cache):
        o = dataclasses.replace(o, status="definition", notes=[DEFINITION_NOTE] + list(o.notes))
    return o


# -- isolation: work units (one claim of one derivation) run in forked workers, one derivation per worker ----------
def _worker(target, k, opts, commands, w):
    """A checking child for derivation ``k``: load it, send its header, then judge each claim index it is sent.

    A worker never judges claims of another derivation: what one derivation's code does to its process (a
    monkeypatch, a global) cannot reach another's verdicts.  EOF on ``commands`` ends it.
    """
    enter_child()
    sys.stdout = sys.stderr   # what a derivation prints never mixes into the report
    code = 0
    try:
        with os.fdopen(w, "wb") as out, os.fdopen(commands, "rb") as inbox:
            try:
                doc = target if isinstance(target, Derivation) else \
                    load_derivation(target, opts.get("budget") or TIME_LIMIT)
            except LoadError as e:
                send(out, ("load-error", k, str(e)))
                return
            send(out, ("header", k, doc.name, doc.title, doc.source, doc.file or "", [c.label for c in doc.claims],
                       own_sources(doc.file) if doc.file else []))
            cache = NetworkCache(opts.get("backend", "symengine"))
            while len(got := inbox.read(4)) == 4:
                i = int.from_bytes(got, "big")
                eq = _check_claim(doc, i, cache, **opts, announce=lambda i, eq: send(out, ("claim", k, i, eq)))
                keep_survivors()    # the memos later claims reuse: not scanned again by the collector
                try:
                    send(out, ("result", k, i, eq))
                except Exception as e:   # a verdict that does not pickle (an odd object in a counterexample)
                    eq.status, eq.diagnosis, eq.counterexample, eq.steps = "error", None, None, None
                    eq.message = f"{eq.message.split(':')[0]}: claim {eq.label!r}: verdict not transferable: {e}"
                    send(out, ("result", k, i, eq))
    except BaseException:   # the pipe broke: the parent sees no verdict and reports the exit status
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


def preload() -> None:
    """Import what every checking child would import on first use, once, before the first worker forks.

    numpy's random generators (every sample) and masked arrays (``np.median``), the induction's locality reader,
    sympy's tensor module (imported by its first ``Add``) and the diagnosis's sympy ground truth: each worker
    finds them imported instead of importing them again.  Nothing of a derivation runs here.

    >>> preload()
    >>> import sys; "numpy.random" in sys.modules
    True
    """
    import numpy.ma  # noqa: F401
    import numpy.random  # noqa: F401
    import sympy.tensor.tensor  # noqa: F401

    from ..judge import locality  # noqa: F401
    from ..oracle import groundtruth  # noqa: F401


class _Worker:
    """The parent's end of one forked worker: its pipes, what it is judging, the bytes it has sent so far, and
    its deadline (importing: the budget; each claim: :func:`claim_limit`), past which it is killed."""

    def __init__(self, target, k, opts, others=()):
        r, w = os.pipe()
        cr, cw = os.pipe()
        pid = os.fork()
        if pid == 0:   # the other workers' pipes are not this one's: a copy kept open would hide their EOF
            for fd in (r, cw, *others):
                os.close(fd)
            _worker(target, k, opts, cr, w)
        os.close(w)
        os.close(cr)
        self.k, self.pid, self.fd, self.commands = k, pid, r, cw
        self.buf, self.loaded, self.busy, self.running = b"", False, None, None
        self.budget, self.late = float(opts.get("budget") or TIME_LIMIT), False
        self.deadline = time.monotonic() + self.budget + PROBE_GRACE

    def renew(self):
        """A new step began (the derivation loaded, a claim announced): it has a whole claim's limit again."""
        self.deadline = time.monotonic() + claim_limit(self.budget)

    def overdue(self, now) -> bool:
        """Kill the worker if it is past its deadline; whether it was (its pipe then closes)."""
        if now < self.deadline or self.late:
            return False
        self.late = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return True

    def give(self, i: int):
        """Send claim index ``i`` to judge."""
        self.busy = i
        self.renew()
        os.write(self.commands, i.to_bytes(4, "big"))

    def release(self):
        """No more work: the worker ends when it reads EOF."""
        if self.commands is not None:
            os.close(self.commands)
            self.commands = None

    def messages(self, chunk: bytes):
        """The whole messages in the bytes received so far."""
        self.buf += chunk
        while len(self.buf) >= 8 and len(self.buf) >= 8 + int.from_bytes(self.buf[:8], "big"):
            size = int.from_bytes(self.buf[:8], "big")
            message, self.buf = pickle.loads(self.buf[8:8 + size]), self.buf[8 + size:]
            yield message


class Run:
    """The state of one run: per derivation its header, the claims still to judge, the verdicts so far.

    :meth:`loop` judges them in forked local workers; :mod:`symbp.run.cluster` fills in the same state from a
    cluster's tasks, so both give the same report.
    """

    def __init__(self, targets, opts, jobs, progress, cached):
        self.targets, self.opts, self.jobs, self.progress = targets, opts, max(1, jobs), progress
        n = len(targets)
        self.results, self.total, self.picked = [None] * n, [0] * n, [None] * n
        self.verdicts = [dict() for _ in range(n)]
        self.todo = [None] * n           # claim indices not yet given to a worker (None: not loaded yet)
        self.deps = [None] * n           # the files each derivation read, from its worker's header
        self.loading = set()             # derivations a worker is loading for the first time
        self.workers = {}
        for k, hit in cached.items():    # header and verdicts from the on-disk cache
            self.header(k, *hit["header"])
            self.verdicts[k].update(hit["verdicts"])
            self.todo[k] = [i for i in self.todo[k] if i not in self.verdicts[k]]

    def name_of(self, k):
        """``(stem, file name)`` of target ``k``, for messages about it."""
        t = self.targets[k]
        if isinstance(t, Derivation):
            return t.name, (Path(t.file).name if t.file else t.name)
        return Path(str(t)).stem, Path(str(t)).name

    def header(self, k, name, title, source, file, labels):
        """Derivation ``k`` was loaded (its first header counts): the claims it picks are to do."""
        if self.results[k] is not None:
            return
        self.results[k] = DerivationResult(name, title, source, file)
        self.results[k].labels, self.total[k] = list(labels), len(labels)
        picked = set(select_labels(labels, self.opts.get("only"))[0])
        indices = self.opts.get("indices")   # claims by position (one work unit of a cluster run)
        self.picked[k] = [i for i, label in enumerate(labels) if label in picked and (indices is None or i in indices)]
        self.todo[k] = list(self.picked[k])

    def fail(self, k, error):
        """Derivation ``k`` cannot be checked (further): its error, and no more work on it."""
        stem, _ = self.name_of(k)
        if self.results[k] is None:
            self.results[k] = DerivationResult(stem, stem, "", str(getattr(self.targets[k], "file", self.targets[k])))
        self.results[k].error = self.results[k].error or error
        self.todo[k] = []

    def next_derivation(self):
        """The derivation a new worker should take: the first one not loaded yet, else the one with most to do."""
        for k in range(len(self.targets)):
            if self.todo[k] is None and k not in self.loading:
                return k
        waiting = [(-len(t), k) for k, t in enumerate(self.todo) if t]
        return min(waiting)[1] if waiting else None

    def spawn(self):
        """Fork workers while there are free slots and work for them."""
        while len(self.workers) < self.jobs:
            k = self.next_derivation()
            if k is None:
                return
            if self.todo[k] is None:
                self.loading.add(k)
            if not self.workers:
                preload()
            others = [fd for o in self.workers.values() for fd in (o.fd, o.commands) if fd is not None]
            wk = _Worker(self.targets[k], k, self.opts, others)
            self.workers[wk.fd] = wk

    def assign(self, wk):
        """Give an idle, loaded worker its derivation's next claim, or let it go."""
        todo = self.todo[wk.k]
        if todo:
            wk.give(todo.pop(0))
        else:
            wk.release()

    def receive(self, wk, message):
        """Act on one message of a worker."""
        kind, k = message[0], message[1]
        if kind == "load-error":
            self.loading.discard(k)
            self.fail(k, message[2])
        elif kind == "header":
            self.loading.discard(k)
            self.header(k, *message[2:7])
            self.deps[k] = message[7]
            wk.loaded = True
            wk.renew()
            self.assign(wk)
        elif kind == "claim":
            wk.renew()
            wk.running = message[3]
            if self.progress:
                self.progress(self.results[k].name, message[2], self.total[k], message[3].label)
        elif kind == "result":
            self.verdicts[k][message[2]] = message[3]
            wk.busy = wk.running = None
            self.assign(wk)

    def ended(self, wk, status):
        """A worker's pipe closed: if it died on a claim, that claim is an error and its derivation goes on."""
        os.close(wk.fd)
        wk.release()
        how = how_it_ended(status)
        k = wk.k
        if wk.busy is not None:
            eq = wk.running
            if eq is None:   # it died before announcing the claim: say so with the claim's label
                label = self.results[k].labels[wk.busy]
                eq = EquationResult(label, "", "", "", "error", "symbolic", [], None, "holds",
                                    message=f"{self.name_of(k)[1]}: claim {label!r}")
            if wk.late:   # the hard limit on a whole claim: undecided, never a pass
                eq.status = UNDECIDED
                eq.message += ": " + undecided("checking the claim", claim_limit(wk.budget)).message
            else:
                eq.message += f": ended the checking process ({how})"
            self.verdicts[k][wk.busy] = eq
        elif not wk.loaded and wk.late:
            self.loading.discard(k)
            self.fail(k, f"{self.name_of(k)[1]}: importing did not finish within {wk.budget:g} s "
                         f"(the time limit, --budget)")
        elif not wk.loaded and self.results[k] is None:
            what = "importing" if not isinstance(self.targets[k], Derivation) else "checking"
            self.loading.discard(k)
            self.fail(k, f"{self.name_of(k)[1]}: {what} ended the process ({how}) before any verdict")
        elif not wk.loaded and self.todo[k]:
            self.fail(k, f"{self.name_of(k)[1]}: the checking process ended ({how}) while importing")

    def finished(self, k) -> DerivationResult:
        """Derivation ``k``'s result, its verdicts in the order of its claims."""
        r = self.results[k]
        if r is not None and self.picked[k] is not None:
            r.equations = [self.verdicts[k][i] for i in self.picked[k] if i in self.verdicts[k]]
        return r

    def loop(self):
        """Judge every claim to do in local forked workers, ``jobs`` at a time."""
        self.spawn()
        while self.workers:
            wait = max(0.0, min(wk.deadline for wk in self.workers.values()) - time.monotonic())
            ready = select.select(list(self.workers), [], [], wait)[0]
            for wk in self.workers.values():   # a worker past its hard limit is killed: its pipe closes
                wk.overdue(time.monotonic())
            for fd in ready:
                wk = self.workers[fd]
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    for message in wk.messages(chunk):
                        self.receive(wk, message)
                    continue
                del self.workers[fd]
                self.ended(wk, os.waitpid(wk.pid, 0)[1])
            self.spawn()

    def stop(self):
        """Kill every worker still running (Ctrl-C reaches them too) and close their pipes."""
        for wk in self.workers.values():
            try:
                os.kill(wk.pid, signal.SIGKILL)
                os.waitpid(wk.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(wk.fd)
            wk.release()
        self.workers = {}


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C; ``results`` are the derivations judged so far (an unfinished one says so)."""

    def __init__(self, results):
        super().__init__("interrupted")
        self.results = results
        self.report = None


def run_isolated(targets, opts, *, jobs=1, progress=None, cache=None, execute=None) -> list:
    """Check each target (a derivation path, module name or Derivation) in forked workers, ``jobs`` at a time.

    The unit of work is one claim of one derivation: ``jobs`` workers share the claims of one derivation as well
    as those of many, and the verdicts come back in the order of the claims whatever ``jobs`` is.  Whatever a
    derivation does (``sys.exit``, ``os._exit``, a crash), it gets a verdict and the others are checked.
    ``cache``: a :class:`~symbp.run.cache.VerdictCache` to reuse and store verdicts of derivation files.
    ``execute``: what judges the claims of a :class:`Run` (default :meth:`Run.loop`; :mod:`symbp.run.cluster`).

    >>> [r.error for r in run_isolated(["no/such/file.py"], {})]
    ['no/such/file.py: no such file']
    """
    looked = {k: cache.lookup(t, opts) for k, t in enumerate(targets)} if cache is not None else {}
    cached = {k: hit for k, hit in looked.items() if hit is not None and hit["header"] is not None}
    run = Run(targets, opts, jobs, progress, cached)
    try:
        (execute or Run.loop)(run)
    except KeyboardInterrupt:   # Ctrl-C: what was judged so far, and never as a pass
        results = []
        for k in range(len(targets)):
            r = run.finished(k)
            if r is not None and not r.error and len(r.equations) < len(run.picked[k] or []):
                r.error = f"{run.name_of(k)[1]}: interrupted after {len(r.equations)} of {run.total[k]} claims"
            if r is not None:
                results.append(r)
        raise Interrupted(results) from None
    finally:   # interrupted (a real Ctrl-C reaches this process too): stop every child
        run.stop()
    results = [run.finished(k) for k in range(len(targets))]
    for k, hit in looked.items():
        if hit is None or (k in cached and run.verdicts[k].keys() <= cached[k]["verdicts"].keys()):
            continue   # not a file, or nothing new to store
        deps = run.deps[k] if run.deps[k] is not None else cached.get(k, {}).get("deps")
        cache.store(targets[k], opts, hit["key"], results[k], run.verdicts[k], deps)
    return results


def check(path_or_module=None, *, jobs=1, progress=None, cache=False, execute=None, **opts) -> Report:
    """Check derivation files, folders, module names or Derivation objects; returns a :class:`Report`.

    ``opts``: ``sweep``, ``backend``, ``budget``, ``numeric_only``, ``points``, ``seed``, ``only``.
    ``jobs``: worker processes, sharing out single claims.  ``cache``: True to reuse and store the verdicts of
    derivation files in the on-disk cache (:mod:`symbp.run.cache`; ``symbp check`` does so unless ``--no-cache``),
    or a :class:`~symbp.run.cache.VerdictCache`.  ``execute``: where the claims are judged (see :func:`run_isolated`;
    :func:`symbp.run.cluster.on_cluster` for a dask cluster).

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
        store = (VerdictCache() if cache is True else cache) or None
        return Report(run_isolated(docs + paths, opts, jobs=jobs, progress=progress, cache=store, execute=execute))
    except Interrupted as e:
        e.report = Report(e.results)
        raise
