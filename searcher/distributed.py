"""Segmenting and tagging on a Dask distributed cluster, streamed back to the one index writer.

Both stages are pure functions of their input (a file; a batch of texts), so any worker can run
them and a task lost with its worker is simply run again (`retries`, and Dask's own rescheduling
of a dead worker's tasks). The driver keeps everything stateful: the enrichment cache (looked up
before any text is sent, filled as results come back), the corpus-wide name merging, and the
single index writer, whose generation only goes live when the whole build succeeded.

`ADDRESS` is a scheduler started with `dask scheduler` (`tcp://host:8786`; workers join it
with `dask worker tcp://host:8786`), or `local` for a LocalCluster of worker processes on this
machine. Workers must see the input files at the same paths (a shared or copied folder): a task
carries the path, not the bytes, so a 20 MB page is read where it is processed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from searcher.records import FACETS, Problem, Story

TAG_BATCH = 128  # texts per tagging task: large enough to amortise a task, small to spread work
TASK_RETRIES = 3


def connect(address: str):
    """A client of the cluster at `address`, or of a new LocalCluster when it is `local`."""
    from distributed import Client, LocalCluster

    if address == "local":
        workers = max(1, (os.cpu_count() or 1))
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        return Client(cluster)
    return Client(address, timeout="30s")


def segment_file(path: str) -> tuple[str, tuple[int, int, str], list, dict[tuple[str, str], Story], list[Problem]]:
    """Runs on a worker: one file's snapshots and stories (searcher.snapshots.read_snapshots;
    never raises: a bad file gives a problem)."""
    from searcher.backend.manifest import Fingerprint
    from searcher.snapshots import read_snapshots

    try:
        fingerprint = Fingerprint.of(Path(path))
        snapshots, stories, problems = read_snapshots(Path(path), path, fingerprint.mtime_ns)
    except Exception as exc:  # one unreadable file must not stop a run over thousands
        return path, (0, 0, ""), [], {}, [Problem(path, f"could not be read: {exc}")]
    return path, (fingerprint.size, fingerprint.mtime_ns, fingerprint.sha1), snapshots, stories, problems


_tagger = None  # one Enricher per worker process: loading spaCy costs seconds, tagging ms


def tag_texts(texts: list[str]) -> list[dict]:
    """Runs on a worker: the facets of each text, straight from the model (no cache here)."""
    global _tagger
    from searcher.enrich.entities import Enricher

    if _tagger is None:
        _tagger = Enricher(processes=1)
    return _tagger.facets_for_texts(texts)


class ClusterStages:
    """The build's read and tag stages, run on a cluster instead of in this process."""

    def __init__(self, address: str):
        self.address = address
        self.client = connect(address)

    def close(self) -> None:
        cluster = getattr(self.client, "cluster", None)
        self.client.close()
        if cluster is not None and self.address == "local":
            cluster.close()

    def read(self, paths: list[Path], on_file: Callable[[str, tuple, list, dict, list[Problem]], None]) -> None:
        """Segment every file on the cluster; `on_file` gets each result in input order."""
        futures = self.client.map(segment_file, [str(p) for p in paths], retries=TASK_RETRIES, pure=False)
        for future in futures:  # in order: the manifest and story order match a local build
            on_file(*future.result())

    def enrich(self, stories: list[Story], cache_path: Path) -> None:
        """Cached facets first (here, on the driver), the rest tagged on the cluster."""
        from searcher.enrich.cache import EnrichCache
        from searcher.enrich.entities import RULES_VERSION, model_name

        cache = EnrichCache(cache_path, f"{model_name(None)}:{RULES_VERSION}")
        hashes = [story.content_hash for story in stories]
        known = cache.get_many(hashes)
        texts = {story.content_hash: story.text for story in stories}
        missing = list(dict.fromkeys(h for h in hashes if h not in known))
        batches = [missing[i: i + TAG_BATCH] for i in range(0, len(missing), TAG_BATCH)]
        futures = self.client.map(tag_texts, [[texts[h] for h in batch] for batch in batches],
                                  retries=TASK_RETRIES, pure=False)
        for batch, future in zip(batches, futures):
            fresh = dict(zip(batch, future.result()))
            cache.put_many(fresh)
            known.update(fresh)
        _apply(stories, hashes, known)


def _apply(stories: Iterable[Story], hashes: list[str], known: dict[str, dict]) -> None:
    for story, content_hash in zip(stories, hashes):
        for facet in FACETS:
            setattr(story, facet, list(known[content_hash][facet]))
