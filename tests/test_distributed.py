"""The Dask build: a real LocalCluster of worker processes reached over TCP gives the same index
as the local build, and a worker killed while it is tagging loses nothing."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from index_helpers import write_corpus, write_many
from searcher.build import build
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, on loopback TCP (as `dask worker` would join)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local


def exported(index_dir) -> list[dict]:
    engine = Engine(index_dir)
    try:
        rows = list(engine.export(SearchRequest.from_params({"sort": ["oldest"]})))
    finally:
        engine.close()
    return [{k: v for k, v in row.items() if k != "origin"} for row in rows]


def test_a_cluster_build_gives_the_same_index_as_a_local_one(tmp_path, cluster):
    corpus = write_corpus(tmp_path / "corpus")
    build([corpus], tmp_path / "local", progress=False)
    summary = build([corpus], tmp_path / "dask", progress=False, cluster=cluster.scheduler_address)
    local, remote = exported(tmp_path / "local"), exported(tmp_path / "dask")
    assert summary.stories == len(local) > 0
    assert json.dumps(remote, sort_keys=True) == json.dumps(local, sort_keys=True)
    assert any(row["countries"] for row in remote)  # tagging really ran on the workers


def test_a_worker_killed_mid_build_loses_nothing(tmp_path, cluster):
    corpus = write_many(tmp_path / "corpus", files=6, entries_per_file=40)
    client = distributed.Client(cluster.scheduler_address)
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in client.processing().items() if any("tag_texts" in t for t in tasks)]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        summary = build([corpus], tmp_path / "dask", progress=False, cluster=cluster.scheduler_address)
    finally:
        killer.join()
        client.close()
    assert killed, "no tagging task was seen running, so no worker was killed"
    build([corpus], tmp_path / "local", progress=False, entities=True)
    assert summary.stories == len(exported(tmp_path / "local"))
    assert exported(tmp_path / "dask") == exported(tmp_path / "local")
