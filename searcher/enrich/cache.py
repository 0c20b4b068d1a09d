"""SQLite cache of enrichment results, keyed by a story's content hash.

Rebuilding an index re-reads every page, but most stories are unchanged: their facets come
from here instead of spaCy. SQLite in WAL mode lets readers work while one writer commits.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from searcher.records import FACETS

Facets = dict[str, list[str]]


class EnrichCache:
    """Facets by content hash, valid only for the `version` (model and rules) that made them."""

    def __init__(self, path: str | Path, version: str) -> None:
        self.path = Path(path)
        self.version = version
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS facets ("
                " content_hash TEXT PRIMARY KEY, version TEXT NOT NULL, facets TEXT NOT NULL)"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection per call: safe across threads and forked workers."""
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:  # commits, or rolls back on error
                yield db
        finally:
            db.close()

    def get_many(self, content_hashes: Iterable[str]) -> dict[str, Facets]:
        """The cached facets of those hashes that have an entry for this version."""
        wanted = list(dict.fromkeys(content_hashes))
        found: dict[str, Facets] = {}
        with self._connect() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT content_hash, facets FROM facets WHERE version = ? AND content_hash IN ({marks})",
                    [self.version, *chunk],
                )
                found.update((content_hash, json.loads(facets)) for content_hash, facets in rows)
        return found

    def put_many(self, entries: Mapping[str, Facets]) -> None:
        """Store (or replace) facets in one transaction."""
        rows = [
            (content_hash, self.version, json.dumps({facet: facets[facet] for facet in FACETS}))
            for content_hash, facets in entries.items()
        ]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO facets VALUES (?, ?, ?)", rows)
