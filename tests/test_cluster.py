"""The dask executor: the same work units on a local cluster give the same report as a local run.

A wrong claim fails and a right one holds there too; a claim that ends its process is an error of that claim
alone (it is judged in a forked child of the dask worker).  Skipped when dask.distributed is not installed
(``pip install '.[dask]'``).
"""

import pytest

from symbp.cli.main import main
from symbp.run.cache import VerdictCache
from symbp.run.runner import check

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install '.[dask]')")

from symbp.run.cluster import ClusterError, on_cluster  # noqa: E402

from test_parallel import write  # noqa: E402

OPTS = dict(sweep=[((2, 2), 2), ((2, 3, 1), 2)], points=3)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  scheduler_port=0, silence_logs=40) as c:
        yield c


def test_a_local_cluster_gives_the_local_report(tmp_path, cluster):
    a = write(tmp_path, "ca", "right", "wrong", "os._exit(5)", "right")
    b = write(tmp_path, "cb", "wrong", "right")
    bad = tmp_path / "cbad.py"
    bad.write_text("raise ValueError('no')\n", encoding="utf-8")
    local = check([str(a), str(bad), str(b)], jobs=2, **OPTS)
    with on_cluster(cluster.scheduler_address) as execute:
        remote = check([str(a), str(bad), str(b)], execute=execute, **OPTS)
    assert remote.to_json() == local.to_json()
    eqs = remote.derivations[0].equations
    assert [e.status.startswith("proven") for e in eqs] == [True, False, False, True]
    assert eqs[2].status == "error" and "exit status 5" in eqs[2].message
    assert remote.derivations[1].error and "ValueError" in remote.derivations[1].error


def test_the_cluster_run_reads_and_writes_the_cache(tmp_path, cluster):
    a = write(tmp_path, "cc", "right", "wrong")
    cache = VerdictCache(tmp_path / "cache")
    with on_cluster(cluster.scheduler_address) as execute:
        first = check(str(a), cache=cache, execute=execute, **OPTS)
    assert list(cache.directory.rglob("*.json"))
    second = check(str(a), cache=cache, only=["(1)"], **OPTS)   # locally, from the cache
    assert second.derivations[0].equations[0].to_dict() == first.derivations[0].equations[0].to_dict()


def test_an_unreachable_scheduler_is_a_one_line_usage_error(tmp_path, capsys):
    a = write(tmp_path, "cd", "right")
    assert main(["check", str(a), "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("symbp: error: cannot reach the dask scheduler at tcp://127.0.0.1:9")
    assert len(err.splitlines()) == 1


def test_cluster_error_names_the_extra():
    assert issubclass(ClusterError, Exception)
