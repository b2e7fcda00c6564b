"""An optional executor on ``dask.distributed``: the work units of a check or a mutation run on a cluster.

``symbp check --scheduler ADDRESS`` (``pip install 'symbp[dask]'``) sends one task per derivation file to load it
and one task per claim to judge it; on the worker, a task is a local :func:`~symbp.run.runner.run_isolated` of
that one claim, so the claim is judged in a forked child there as it is here (a claim that crashes costs that
claim alone).  The verdicts are put together in the order of the claims by the same :class:`~symbp.run.runner.Run`
as a local run, and the on-disk cache is read and written here, so the report is the same as a local run's.

``symbp mutate --scheduler ADDRESS`` (:func:`mutate_on_cluster`) sends one task per claim to learn whether it
holds, then one task per (holding claim, fault) for its mutants and one per holding claim for its false alarms;
each task runs the same :mod:`symbp.judge.mutate` function as a local run, on that one claim (and fault), in a
forked child of the worker, and the results are put together here in the local run's order.

What it does not do: ship files (the workers must see the derivation files, and every module they import, at
the same paths: a shared file system), install symbp on the workers (it must be the same symbp: a worker whose
symbp source differs is refused), or share ground truths between tasks.
"""

from __future__ import annotations

import contextlib
import os

from ..judge.budget import TIME_LIMIT, call_with_budget
from .cache import source_digest
from .isolate import raised
from .load import LoadError, load_derivation
from .runner import Run, claim_limit, run_isolated

__all__ = ["on_cluster", "mutate_on_cluster", "ClusterError"]


class ClusterError(Exception):
    """The cluster cannot be used: dask is not installed, the scheduler cannot be reached, its symbp differs."""


def _load_on_worker(target, opts):
    """Task: load ``target``, judge nothing; its result (labels or load error), own sources and symbp's hash."""
    run = Run([target], {**opts, "indices": []}, 1, None, {})
    try:
        run.loop()
    finally:
        run.stop()
    return run.finished(0), run.deps[0], source_digest()


def _judge_on_worker(target, opts, i):
    """Task: the verdict on claim ``i`` of ``target``, judged in a forked child of the worker."""
    result = run_isolated([target], {**opts, "indices": [i]})[0]
    return result.equations[0] if result.equations else result.error


def _on_cluster(run: Run, client):
    """Fill ``run`` from the cluster: load each derivation not cached, then judge every claim to do."""
    from distributed import as_completed
    opts = {k: v for k, v in run.opts.items() if k != "indices"}
    to_load = [k for k in range(len(run.targets)) if run.todo[k] is None]
    futures = {client.submit(_load_on_worker, run.targets[k], opts, pure=False): k for k in to_load}
    for future in as_completed(futures):
        k = futures[future]
        try:
            result, deps, digest = future.result()
        except Exception as e:   # the worker was lost, the task could not be sent
            run.fail(k, f"{run.name_of(k)[1]}: the cluster could not load it: {type(e).__name__}: {e}")
            continue
        if digest != source_digest():
            raise ClusterError("the cluster's workers run another symbp (its source differs from this one's)")
        if result.error:
            run.fail(k, result.error)
        else:
            run.header(k, result.name, result.title, result.source, result.file, result.labels)
            run.deps[k] = deps
    units = {}
    for k in range(len(run.targets)):
        for i in run.todo[k] or []:
            units[client.submit(_judge_on_worker, run.targets[k], opts, i, pure=False)] = (k, i)
        run.todo[k] = [] if run.todo[k] is not None else None
    for future in as_completed(units):
        k, i = units[future]
        try:
            eq = future.result()
        except Exception as e:
            run.fail(k, f"{run.name_of(k)[1]}: claim {run.results[k].labels[i]!r}: the cluster lost the task: "
                        f"{type(e).__name__}: {e}")
            continue
        if isinstance(eq, str):   # the file could not be loaded again on that worker
            run.fail(k, eq)
        elif eq is not None:
            run.verdicts[k][i] = eq
            if run.progress:
                run.progress(run.results[k].name, i, run.total[k], eq.label)


@contextlib.contextmanager
def _client(address):
    """A ``distributed.Client`` of the scheduler at ``address`` (closed after), or ``address`` if it is one (left open)."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--scheduler needs dask.distributed: pip install 'symbp[dask]'") from None
    if isinstance(address, Client):
        yield address
        return
    try:
        client = Client(address, timeout=5)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"cannot reach the dask scheduler at {address}: {e}") from None
    with client:
        yield client


@contextlib.contextmanager
def on_cluster(address):
    """A context giving the ``execute=`` of :func:`~symbp.run.runner.check` that judges on the dask cluster at ``address``.

    ``address``: a scheduler's address (``tcp://host:8786``) or a ``distributed.Client`` (left open).

    >>> with on_cluster("tcp://127.0.0.1:1") as execute:   # doctest: +SKIP
    ...     report = check("derivations/", execute=execute)
    """
    with _client(address) as client:
        yield lambda run: _on_cluster(run, client)


# -- symbp mutate: (claim) and (claim, fault) units ------------------------------------------------------------
#: The derivations a worker process has loaded: ``(file, its mtime and size, budget)`` -> Derivation.
_LOADED = {}


def _derivation(file, budget):
    """The derivation in ``file``, loaded once per worker process (and again when the file changes)."""
    st = os.stat(file)
    key = (file, st.st_mtime_ns, st.st_size, budget)
    if key not in _LOADED:
        _LOADED[key] = load_derivation(file, budget)
    return _LOADED[key]


def _mutate_step(file, i, step, arg, opts):
    """Task: one step of ``symbp mutate`` on claim ``i`` of ``file`` in a forked child of the worker.

    ``step``: ``"holds"`` (whether the claim holds), ``"mutants"`` (the results of fault ``arg``'s mutants) or
    ``"alarms"`` (its false alarms on the architectures ``arg``).  Returns ``(ok, outcome or why not, digest)``.
    """
    from ..judge.mutate import false_alarms, holding_claims, mutate
    budget = opts["budget"]
    try:
        doc = _derivation(file, budget)
    except (LoadError, OSError) as e:
        return False, f"the worker could not load it: {e}", source_digest()
    claim = doc.claims[i]

    def work():
        try:
            if step == "holds":
                return True, bool(holding_claims(doc, claims=[claim], **opts))
            if step == "mutants":
                return True, mutate(doc, faults=[arg], claims=[claim], **opts)
            return True, false_alarms(doc, [claim], arg, budget=budget)
        except BaseException as e:   # what would end a local run (SystemExit too): this run fails, saying where
            return False, raised(e)

    done, out = call_with_budget(work, claim_limit(budget))
    if not done:
        out = (False, f"no result: its process was killed or ran past {claim_limit(budget):g} s "
                      f"(the hard limit on a claim)")
    return (*out, source_digest())


def _gather(client, units, progress, client_digest):
    """Submit ``units`` (key -> (file, i, step, arg, opts, name shown, label shown)); their outcomes by key."""
    from distributed import as_completed
    futures = {client.submit(_mutate_step, *unit[:5], pure=False): key for key, unit in units.items()}
    total, done, out = {}, {}, {}
    for unit in units.values():
        total[unit[5]] = total.get(unit[5], 0) + 1
    for future in as_completed(futures):
        key = futures[future]
        file, i, step, arg, opts, name, label = units[key]
        try:
            ok, outcome, digest = future.result()
        except Exception as e:   # the worker was lost, the task could not be sent
            ok, outcome, digest = False, f"the cluster lost the task: {type(e).__name__}: {e}", client_digest
        if digest != client_digest:
            raise ClusterError("the cluster's workers run another symbp (its source differs from this one's)")
        if not ok:
            raise ClusterError(f"{os.path.basename(file)}: claim {label!r} ({step}): {outcome}")
        out[key] = outcome
        if progress:
            progress(name, done.setdefault(name, 0), total[name], label)
            done[name] += 1
    return out


def mutate_on_cluster(address, docs, *, claims=None, faults=None, archs=(), progress=None, **opts):
    """``(results, checked, alarms)`` of ``symbp mutate`` on ``docs``, each step judged on the dask cluster at ``address``.

    ``claims``: the ``--claim`` patterns (None: every claim); ``faults``: the fault names (None: all);
    ``archs``: the random architectures of the false-alarm count; ``opts``: ``budget``, ``numeric_only`` (as
    :func:`symbp.judge.mutate.mutate`).  The results are those of a local run, in its order: per derivation,
    per holding claim, per fault.  A step that raises or is lost is a :class:`ClusterError` naming the claim.

    >>> mutate_on_cluster("tcp://127.0.0.1:1", docs)   # doctest: +SKIP
    """
    from ..claims.derivation import select_labels
    from ..judge.mutate import FAULTS
    faults = list(faults or FAULTS)
    opts = {"budget": TIME_LIMIT, **opts}
    files = []
    for doc in docs:
        if not doc.file:
            raise ClusterError(f"{doc.name}: a derivation without a file cannot be sent to the cluster")
        files.append(os.path.abspath(doc.file))
    picked = []
    for doc in docs:
        chosen = set(select_labels([c.label for c in doc.claims], claims)[0]) if claims else None
        picked.append([i for i, c in enumerate(doc.claims) if chosen is None or c.label in chosen])
    digest = source_digest()
    with _client(address) as client:
        holds = _gather(client, {(k, i): (files[k], i, "holds", None, opts, f"{doc.name}: which claims hold",
                                          doc.claims[i].label)
                                 for k, doc in enumerate(docs) for i in picked[k]}, progress, digest)
        held = [[i for i in picked[k] if holds[k, i]] for k in range(len(docs))]
        units = {}
        for k, doc in enumerate(docs):
            for i in held[k]:
                label = doc.claims[i].label
                for f in faults:
                    units[k, i, f] = (files[k], i, "mutants", f, opts, f"{doc.name}: mutants", f"{label} ⟨{f}⟩")
                if archs:
                    units[k, i, None] = (files[k], i, "alarms", list(archs), opts, f"{doc.name}: false alarms",
                                         label)
        out = _gather(client, units, progress, digest)
    results, checked, alarms = [], 0, []
    for k, doc in enumerate(docs):
        for i in held[k]:
            for f in faults:
                results += out[k, i, f]
            if archs:
                n, found = out[k, i, None]
                checked, alarms = checked + n, alarms + [(doc.name, *a) for a in found]
    return results, checked, alarms
