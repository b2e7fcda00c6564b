"""An optional executor on ``dask.distributed``: the work units of a check (one claim of one derivation) on a cluster.

``symbp check --scheduler ADDRESS`` (``pip install 'symbp[dask]'``) sends one task per derivation file to load it
and one task per claim to judge it; on the worker, a task is a local :func:`~symbp.run.runner.run_isolated` of
that one claim, so the claim is judged in a forked child there as it is here (a claim that crashes costs that
claim alone).  The verdicts are put together in the order of the claims by the same :class:`~symbp.run.runner.Run`
as a local run, and the on-disk cache is read and written here, so the report is the same as a local run's.

What it does not do: ship files (the workers must see the derivation files, and every module they import, at
the same paths: a shared file system), install symbp on the workers (it must be the same symbp: a worker whose
symbp source differs is refused), or share ground truths between tasks.
"""

from __future__ import annotations

import contextlib

from .cache import source_digest
from .runner import Run, run_isolated

__all__ = ["on_cluster", "ClusterError"]


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
def on_cluster(address):
    """A context giving the ``execute=`` of :func:`~symbp.run.runner.check` that judges on the dask cluster at ``address``.

    ``address``: a scheduler's address (``tcp://host:8786``) or a ``distributed.Client`` (left open).

    >>> with on_cluster("tcp://127.0.0.1:1") as execute:   # doctest: +SKIP
    ...     report = check("derivations/", execute=execute)
    """
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError("--scheduler needs dask.distributed: pip install 'symbp[dask]'") from None
    if isinstance(address, Client):
        yield lambda run: _on_cluster(run, address)
        return
    try:
        client = Client(address, timeout=5)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"cannot reach the dask scheduler at {address}: {e}") from None
    with client:
        yield lambda run: _on_cluster(run, client)
