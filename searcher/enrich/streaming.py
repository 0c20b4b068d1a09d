"""Entity tagging in worker processes while the build goes on reading and preparing (issue 18).

A cold build is bound by spaCy (~85% of it at 100k stories). Run in the build's own process,
tagging left the second core idle while spaCy ran and kept spaCy idle while files were read and
documents prepared. `StreamingTagger` takes the stories of each file as soon as the file is
segmented, looks them up in the enrichment cache, and sends the texts it lacks, in chunks, to
tagger processes (one per core but one, as `Enricher` uses: on these 2 cores a second spaCy
process was slower, docs/benchmarks.md); results are cached as they come back. Only texts go
out and only facets come back, so a chunk costs little to ship.

Tagging is keyed by content hash, so it can run before the snapshots of a page are merged: a
story whose text two snapshots share is tagged once. The raw facets it gives are exactly what
`Enricher.enrich` gives; corpus-level resolution still runs once on all stories afterwards
(searcher.build), so the index is the one a sequential build makes.

At most `max_pending` texts are out at once (a bounded queue): past that, `submit` waits for the
oldest chunk, so a corpus far larger than memory streams through.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from searcher.enrich.cache import EnrichCache, Facets
from searcher.records import FACETS, Story
from searcher.workers import worker_pool

CHUNK = 256  # texts per task: spaCy batches 64, so a task is a few batches
MAX_PENDING = 20_000  # texts sent and not yet back (~40 MB of text)

_enricher = None  # one per tagger process: loading spaCy costs seconds, a chunk ~10 ms a text


def _tag_chunk(texts: list[str]) -> tuple[list[Facets], float]:
    """Runs in a tagger process: the facets of each text straight from the model, and the
    seconds spent (the stage's busy time)."""
    global _enricher
    from searcher.enrich.entities import Enricher

    started = time.perf_counter()
    if _enricher is None:
        _enricher = Enricher(processes=1)
    return _enricher.facets_for_texts(texts), time.perf_counter() - started


def tagger_processes() -> int:
    """As many as `Enricher` would use: all cores but one, at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


class StreamingTagger:
    """Tags stories in worker processes as they are submitted; `apply` fills their facets."""

    def __init__(self, cache_path: Path, processes: int | None = None, chunk: int | None = None,
                 max_pending: int | None = None):
        from searcher.enrich.entities import RULES_VERSION, model_name

        self.cache = EnrichCache(cache_path, f"{model_name(None)}:{RULES_VERSION}")
        self.chunk, self.max_pending = chunk or CHUNK, max_pending or MAX_PENDING
        self.processes = processes or tagger_processes()
        self.known: dict[str, Facets] = {}
        self._queued: dict[str, str] = {}  # hash -> text, waiting for a full chunk
        self._sent: set[str] = set()
        self._inflight: deque[tuple[list[str], Future]] = deque()
        self._pool: ProcessPoolExecutor | None = None
        self.busy = 0.0  # seconds the tagger processes spent tagging
        self.waited = 0.0  # seconds the build waited for them
        self.started = time.monotonic()
        self.finished: float | None = None

    def submit(self, stories: Iterable[Story]) -> None:
        """Queue the stories' texts that are neither cached nor already sent."""
        texts = {}
        for story in stories:
            h = story.content_hash
            if h not in self.known and h not in self._queued and h not in self._sent and h not in texts:
                texts[h] = story.text
        if not texts:
            return
        self.known.update(self.cache.get_many(texts))
        self._queued.update((h, t) for h, t in texts.items() if h not in self.known)
        while len(self._queued) >= self.chunk:
            self._send(self.chunk)
        self._collect(block=False)

    def apply(self, stories: list[Story]) -> None:
        """Wait for every text sent, then set each story's facets (as Enricher.enrich does)."""
        self.submit(stories)  # any not submitted while reading
        while self._queued:
            self._send(self.chunk)
        self._collect(block=True)
        self.finished = time.monotonic()
        for story in stories:
            facets = self.known[story.content_hash]
            for facet in FACETS:
                setattr(story, facet, list(facets[facet]))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def idle(self) -> float:
        """Seconds the tagger processes were not tagging, between the start and the last result."""
        span = (self.finished or time.monotonic()) - self.started
        return max(0.0, span * self.processes - self.busy)

    def _send(self, count: int) -> None:
        batch = list(self._queued)[:count]
        texts = [self._queued.pop(h) for h in batch]
        self._sent.update(batch)
        if self._pool is None:
            self._pool = worker_pool(self.processes)
        self._inflight.append((batch, self._pool.submit(_tag_chunk, texts)))
        while sum(len(b) for b, _ in self._inflight) > self.max_pending:
            self._collect_one()

    def _collect(self, block: bool) -> None:
        while self._inflight and (block or self._inflight[0][1].done()):
            self._collect_one()

    def _collect_one(self) -> None:
        batch, future = self._inflight.popleft()
        waited = time.monotonic()
        facets, busy = future.result()  # a tagger's error (no model) ends the build, as it would here
        self.waited += time.monotonic() - waited
        self.busy += busy
        fresh = dict(zip(batch, facets))
        self.cache.put_many(fresh)
        self.known.update(fresh)
        self._sent.difference_update(batch)
