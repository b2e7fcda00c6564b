"""A mutation campaign on local worker processes: one unit per (derivation, claim), put together in a sequential run's order.

A unit learns whether its claim holds and, if it does, checks that claim's whole-formula mutants and its false
alarms on the random architectures, all with one :class:`~symbp.judge.evaluate.NetworkCache`.  The units run on
``jobs`` forked worker processes (the derivations are inherited by the fork, so nothing is sent but indices);
the results are the same as those of ``symbp mutate`` run claim by claim in one process, because no verdict
depends on what a cache holds.  :mod:`symbp.run.cluster` runs the same steps on a dask cluster.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from ..judge.evaluate import NetworkCache
from ..judge.mutate import false_alarms, holding_claims, mutate
from ..judge.timings import TIMINGS
from .isolate import collect_seldom, raised

__all__ = ["claim_campaign", "run_campaign", "CampaignError"]


class CampaignError(Exception):
    """A unit of the campaign did not give a result: its claim raised what ends a run, or its worker died."""

#: The derivations of the campaign running in this process, read by the forked workers.
_DOCS = []
#: Whether this process is a campaign worker (its time per phase is sent back, not kept).
_WORKER = {"on": False}
#: The networks of this process, one cache per derivation (by its index in ``_DOCS``), kept across its units:
#: the tasks go out in order, so a worker takes the claims of one derivation one after another.
_CACHES = {}


def claim_campaign(doc, claim, *, faults=None, whole=True, archs=(), cache=None, **opts) -> tuple:
    """``(holds, mutant results, checked, alarms)`` of one claim: its mutants and false alarms if it holds.

    ``faults``: the fault names (None: all); ``whole=False``: no mutants, only whether it holds and its alarms.
    ``opts``: ``budget``, ``numeric_only`` (as :func:`symbp.judge.mutate.mutate`); the false alarms are read
    numerically with ``budget`` alone, as ``symbp mutate`` reads them; ``cache``: the networks (a
    :class:`~symbp.judge.evaluate.NetworkCache`) shared with the other claims of ``doc``.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"}, sweep=(((2, 3, 2), 1),))
    >>> @doc.claim("(1)", kind="delta", layer="output", latex="")
    ... def out(n, i):
    ...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
    >>> holds, results, checked, alarms = claim_campaign(doc, doc.claims[0], faults=["sign"], budget=5)
    >>> holds, [(r.fault, r.killed, r.diagnosed) for r in results], checked, alarms
    (True, [('sign', True, True)], 0, [])
    """
    cache = cache or NetworkCache()
    if not holding_claims(doc, cache=cache, claims=[claim], **opts):
        return False, [], 0, []
    results = mutate(doc, faults=faults, claims=[claim], cache=cache, **opts) if whole else []
    checked, alarms = 0, []
    if archs:
        budget = {"budget": opts["budget"]} if "budget" in opts else {}
        checked, alarms = false_alarms(doc, [claim], archs, cache=cache, **budget)
    return True, results, checked, alarms


def _unit(task):
    """Worker: the campaign of claim ``i`` of derivation ``k``, with the time it spent per phase."""
    k, i, kwargs = task
    if _WORKER["on"]:
        TIMINGS.reset()
    doc = _DOCS[k]
    try:
        if k not in _CACHES:   # a new derivation: the last one's networks are not needed again
            _CACHES.clear()
        out = claim_campaign(doc, doc.claims[i], cache=_CACHES.setdefault(k, NetworkCache()), **kwargs)
    except BaseException as e:   # SystemExit too: this unit fails, saying where, and the worker lives on
        if not _WORKER["on"]:
            raise
        return k, i, raised(e), {}, {}
    return k, i, out, dict(TIMINGS.seconds), dict(TIMINGS.counts)


def _pool(jobs):
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_enter_worker)


def _take(docs, task, returned, out):
    """Keep a worker's result for ``task`` in ``out`` and its time per phase in TIMINGS; a failure raises."""
    k, i, _ = task
    _, _, result, seconds, counts = returned
    if isinstance(result, str):
        raise CampaignError(f"{docs[k].name}: claim {docs[k].claims[i].label!r}: {result}")
    out[k, i] = result
    for phase, s in seconds.items():
        TIMINGS.seconds[phase] += s
    for phase, c in counts.items():
        TIMINGS.counts[phase] += c


def _culprit(docs, pending, out):
    """After a worker died: run the unfinished tasks one by one, each in a fresh worker, to name the one that kills it."""
    for task in pending:
        with _pool(1) as pool:
            try:
                returned = pool.submit(_unit, task).result()
            except BrokenProcessPool:
                k, i, _ = task
                raise CampaignError(f"{docs[k].name}: claim {docs[k].claims[i].label!r}: no result: its worker "
                                    f"process was killed") from None
        _take(docs, task, returned, out)
    raise CampaignError("no result: a worker process was killed, and no claim kills it when judged alone")


def _in_pool(docs, tasks, jobs, out, progress):
    """Run ``tasks`` on ``jobs`` forked workers into ``out``; their time per phase added to TIMINGS."""
    broken = False
    with _pool(jobs) as pool:
        futures = {pool.submit(_unit, task): task for task in tasks}
        for n, future in enumerate(as_completed(futures)):
            k, i, _ = futures[future]
            try:
                returned = future.result()
            except BrokenProcessPool:
                broken = True
                break
            try:
                _take(docs, futures[future], returned, out)
            except CampaignError:
                for f in futures:
                    f.cancel()
                raise
            if progress:
                progress("mutants", n, len(tasks), f"{docs[k].name}: {docs[k].claims[i].label}")
    if broken:
        _culprit(docs, [t for t in tasks if (t[0], t[1]) not in out], out)


def _enter_worker():
    _WORKER["on"] = True
    _CACHES.clear()
    collect_seldom()


def _index(doc, claim):
    return next(j for j, c in enumerate(doc.claims) if c is claim)


def run_campaign(docs, *, jobs=1, claims=None, faults=None, whole=True, archs=(), progress=None, **opts) -> tuple:
    """``(held, results, checked, alarms)`` of the whole-formula mutants and false alarms of ``docs`` on ``jobs`` workers.

    ``claims``: per derivation, the claims to take (None: all); ``held``: per derivation, its claims that hold;
    ``results`` in the order of a sequential run (per derivation, per holding claim, per fault); ``alarms`` as
    ``(derivation, claim, reading, status, detail)``.  ``progress(name, index, total, label)`` is told of each
    claim as it is done.  The workers' time per phase is added to :data:`symbp.judge.timings.TIMINGS`.

    >>> from symbp.claims.derivation import Derivation
    >>> from symbp.claims.notation import Notation
    >>> doc = Derivation("demo", "Demo", "-", Notation(), {"activation": "f"}, sweep=(((2, 3, 2), 1),))
    >>> @doc.claim("(1)", kind="delta", layer="output", latex="")
    ... def out(n, i):
    ...     return n.delta[n.L][i], (n.a[n.L][i] - n.y[i]) * n.fp(n.z[n.L][i])
    >>> held, results, checked, alarms = run_campaign([doc], jobs=2, faults=["sign"], budget=5)
    >>> [[c.label for c in h] for h in held], [(r.claim, r.fault, r.killed) for r in results]
    ([['(1)']], [('(1)', 'sign', True)])
    """
    picked = [list(doc.claims) if claims is None or claims[k] is None else list(claims[k])
              for k, doc in enumerate(docs)]
    kwargs = {"faults": faults, "whole": whole, "archs": list(archs), **opts}
    tasks = [(k, _index(doc, c), kwargs) for k, doc in enumerate(docs) for c in picked[k]]
    out = {}
    _DOCS[:] = docs
    _CACHES.clear()
    try:
        if jobs <= 1:
            for n, task in enumerate(tasks):
                k, i, out[k, i] = _unit(task)[:3]
                if progress:
                    progress("mutants", n, len(tasks), f"{docs[k].name}: {docs[k].claims[i].label}")
        else:
            _in_pool(docs, tasks, jobs, out, progress)
    finally:
        _DOCS[:] = []
        _CACHES.clear()
    held, results, checked, alarms = [], [], 0, []
    for k, doc in enumerate(docs):
        held.append([])
        for c in picked[k]:
            holds, found, n, doc_alarms = out[k, _index(doc, c)]
            if holds:
                held[k].append(c)
            results += found
            checked += n
            alarms += [(doc.name, *a) for a in doc_alarms]
    return held, results, checked, alarms
