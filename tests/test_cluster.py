"""The dask executor: the same work units on a local cluster give the same report as a local run.

A wrong claim fails and a right one holds there too; a claim that ends its process is an error of that claim
alone (it is judged in a forked child of the dask worker).  ``symbp mutate --scheduler`` gives the JSON of a
local ``symbp mutate``.  The ``test`` extra installs dask.distributed, so this runs in CI; skipped where it is
not installed.  Bounded in time: the cluster (two worker processes, one thread each) must start within
:data:`START_LIMIT` seconds and each test end within :data:`TEST_LIMIT`, else it fails (never hangs).
"""

import json

import pytest

from symbp.cli.main import main
from symbp.judge.budget import time_limit
from symbp.run.cache import VerdictCache
from symbp.run.runner import check

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install '.[dask]')")

from symbp.run.cluster import ClusterError, mutate_on_cluster, on_cluster  # noqa: E402
from symbp.run.load import load_derivation  # noqa: E402

from test_parallel import write  # noqa: E402

OPTS = dict(sweep=[((2, 2), 2), ((2, 3, 1), 2)], points=3)
START_LIMIT, TEST_LIMIT = 120, 300


@pytest.fixture(scope="module")
def cluster():
    with time_limit(START_LIMIT):
        c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                     scheduler_port=0, silence_logs=40)
    with c:
        yield c


@pytest.fixture(autouse=True)
def bounded():
    """A test that has not ended within TEST_LIMIT seconds fails (TimeLimit) instead of hanging the suite."""
    with time_limit(TEST_LIMIT):
        yield


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


# -- symbp mutate --scheduler ------------------------------------------------------------------------------------
MUTATE = ["--fault", "sign", "--fault", "factor-2", "--fault", "f-for-fp", "--alarm-archs", "2", "--format", "json",
          "-q"]


def small(path):
    """The derivation at ``path`` on a small sweep of its own (``symbp mutate`` has no ``--arch``)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('{"activation": "f"})', '{"activation": "f"}, sweep=(((2, 2), 1), ((2, 3, 1), 2)))'),
                    encoding="utf-8")
    assert path.read_text(encoding="utf-8") != text
    return path


def mutate_json(capsys, *argv):
    """``symbp mutate ... --format json``: (exit code, stdout, stderr)."""
    code = main(["mutate", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_mutate_on_a_local_cluster_gives_the_local_json(tmp_path, capsys, cluster):
    a = small(write(tmp_path, "ma", "right", "wrong", "right"))
    b = small(write(tmp_path, "mb", "right"))
    local = mutate_json(capsys, a, b, *MUTATE)
    remote = mutate_json(capsys, a, b, *MUTATE, "--scheduler", cluster.scheduler_address)
    assert remote == local
    data = json.loads(remote[1])
    # per derivation, per holding claim, per fault, as a local run: the wrong claim (2) is not mutated
    assert [(m["claim"], m["fault"]) for m in data["mutants"]] == \
        [(c, f) for c in ("(1)", "(3)", "(1)") for f in ("sign", "factor 2", "f for f'")]
    assert all(m["killed"] for m in data["mutants"]) and remote[0] == 0
    assert data["false_alarms"]["checked"] == 3 and data["false_alarms"]["alarms"] == []


def test_mutate_on_the_cluster_mutates_only_the_picked_claims_that_hold(tmp_path, capsys, cluster):
    a = small(write(tmp_path, "mc", "right", "wrong"))
    local = mutate_json(capsys, a, *MUTATE, "--claim", "(2)")
    remote = mutate_json(capsys, a, *MUTATE, "--claim", "(2)", "--scheduler", cluster.scheduler_address)
    assert remote == local
    assert json.loads(remote[1])["mutants"] == []   # a wrong claim's mutants say nothing of the checker


def test_a_derivation_the_workers_cannot_see_is_a_cluster_error(tmp_path, cluster):
    a = small(write(tmp_path, "md", "right"))
    doc = load_derivation(a)
    a.unlink()   # loaded here, absent there (no shared file system)
    with pytest.raises(ClusterError, match=r"md\.py: claim '\(1\)' \(holds\): the worker could not load it"):
        mutate_on_cluster(cluster.scheduler_address, [doc], faults=["sign"])


def test_mutate_with_an_unreachable_scheduler_is_a_one_line_usage_error(tmp_path, capsys):
    a = write(tmp_path, "me", "right")
    assert main(["mutate", str(a), "--fault", "sign", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("symbp: error: cannot reach the dask scheduler at tcp://127.0.0.1:9")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("body, why", [("raise SystemExit(3)", "SystemExit(3)"),
                                       ("os._exit(5)", "no result: its process was killed")])
def test_a_claim_that_ends_its_process_stops_the_cluster_run_with_one_line(tmp_path, capsys, cluster, body, why):
    # (a local symbp mutate ends with that claim's exit status and no report)
    a = small(write(tmp_path, "mf", "right", body))
    code, out, err = mutate_json(capsys, a, *MUTATE, "--scheduler", cluster.scheduler_address)
    assert (code, out) == (2, "")
    assert err.startswith(f"symbp: error: mf.py: claim '(2)' (holds): {why}") and len(err.splitlines()) == 1, err
