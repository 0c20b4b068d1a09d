"""The wire-copy table of a generation (`wire.npz`): each story's MinHash signature, wire group,
outlet and input file, so that `update` finds the earlier copies of a new story.

Why a table beside the index and not index terms: the 16 LSH band keys of a story, written as
Whoosh terms, were almost all unique (1.6M terms at 100k stories) and cost ~0.45 ms of the
~2.2 ms Whoosh takes to index a story (CPU, best of three, 3,000 generator stories), which put
near-duplicate detection over its 15% budget on a warm rebuild. The table is a few numpy arrays
written once per build or update (256 bytes of signature a story: 26 MB at 100k).

It is derived data: a generation without one (built before it existed) gets it recomputed from
the stored paragraphs on its first update. It is written after Whoosh's commit and before the
manifest, so a run that dies between the two is read again in full by the next update (the
manifest did not record it), which writes the same rows again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from searcher.enrich import wire

FILE = "wire.npz"


class WireTable:
    """Rows from before this run (numpy, searched by sorted band keys) plus this run's rows."""

    def __init__(self, ids: list[str], groups: list[str], sources: list[str], paths: list[str], sigs: np.ndarray):
        self._ids, self._groups, self._sources, self._paths = ids, groups, sources, paths
        self._sigs = sigs.reshape(len(ids), wire.NUM_PERM).astype(np.uint32, copy=False)
        self._kept = np.ones(len(ids), dtype=bool)  # earlier rows still in the index after this run
        self._new: dict[str, tuple[str, str, str, np.ndarray]] = {}  # id -> (group, source, path, sig)
        self._bands: list[tuple[np.ndarray, np.ndarray]] | None = None  # per band: (row order, sorted keys)
        self._rows_of: dict[str, list[int]] | None = None
        self.changed = False

    @classmethod
    def empty(cls) -> WireTable:
        return cls([], [], [], [], np.zeros((0, wire.NUM_PERM), dtype=np.uint32))

    @classmethod
    def load(cls, gen: Path) -> WireTable | None:
        """The generation's table, or None when it has none (or an unreadable one)."""
        try:
            with np.load(gen / FILE, allow_pickle=False) as data:
                strings = json.loads(data["strings"].tobytes().decode("utf-8"))
                sources, paths = strings["source_names"], strings["path_names"]
                return cls(strings["ids"], strings["groups"], [sources[i] for i in data["source"]],
                           [paths[i] for i in data["path"]], data["sigs"])
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return None

    @classmethod
    def from_documents(cls, docs: Iterable[dict]) -> WireTable:
        """The table of stored documents, signatures recomputed from their paragraphs."""
        rows = []
        for doc in docs:
            sig = wire.signature(doc.get("paragraphs") or [])
            if sig is not None:
                rows.append((doc["id"], doc.get("wire") or doc["id"], doc.get("source") or "", doc.get("path") or "", sig))
        if not rows:
            return cls.empty()
        ids, groups, sources, paths, sigs = zip(*rows)
        return cls(list(ids), list(groups), list(sources), list(paths), np.stack(sigs))

    def candidates(self, hashes: list[int]) -> list[tuple[str, np.ndarray, str]]:
        """(group, signature, source) of the earlier rows sharing one of the band keys `hashes`
        (wire.band_hashes), in row order: what wire.Grouper takes as `lookup`."""
        if not self._ids:
            return []
        if self._bands is None:
            keys = wire.band_hashes(self._sigs)
            self._bands = [(order, keys[order, b]) for b in range(wire.BANDS)
                           for order in (np.argsort(keys[:, b], kind="stable"),)]
        rows: set[int] = set()
        for (order, sorted_keys), h in zip(self._bands, hashes):
            key = np.uint64(h)
            lo, hi = np.searchsorted(sorted_keys, key, "left"), np.searchsorted(sorted_keys, key, "right")
            rows.update(order[lo:hi].tolist())
        return [(self._groups[r], self._sigs[r], self._sources[r]) for r in sorted(rows)]

    def add(self, story_id: str, group: str, source: str, path: str, sig: np.ndarray) -> None:
        self._new[story_id] = (group, source, path, sig)
        self.changed = True

    # Drops, like Whoosh's deletions inside a writer, apply to the stories indexed before this
    # run, not to those this run added.

    def drop_story(self, story_id: str) -> None:
        if self._rows_of is None:
            self._rows_of = {}
            for row, sid in enumerate(self._ids):
                self._rows_of.setdefault(sid, []).append(row)
        self._kept[self._rows_of.get(story_id, [])] = False
        self.changed = True

    def drop_file(self, path: str) -> None:
        self._kept &= np.array([p != path for p in self._paths], dtype=bool)
        self.changed = True

    def save(self, gen: Path) -> None:
        """Write the kept earlier rows, then this run's, atomically."""
        kept = np.flatnonzero(self._kept).tolist()
        ids = [self._ids[r] for r in kept] + list(self._new)
        groups = [self._groups[r] for r in kept] + [row[0] for row in self._new.values()]
        sources = [self._sources[r] for r in kept] + [row[1] for row in self._new.values()]
        paths = [self._paths[r] for r in kept] + [row[2] for row in self._new.values()]
        sigs = np.concatenate([self._sigs[kept], np.array([row[3] for row in self._new.values()],
                                                            dtype=np.uint32).reshape(-1, wire.NUM_PERM)])
        source_names, path_names = sorted(set(sources)), sorted(set(paths))
        source_at = {name: i for i, name in enumerate(source_names)}
        path_at = {name: i for i, name in enumerate(path_names)}
        strings = json.dumps({"ids": ids, "groups": groups, "source_names": source_names, "path_names": path_names})
        tmp = gen / f".{FILE}.tmp"
        with open(tmp, "wb") as handle:
            np.savez(handle, sigs=sigs, strings=np.frombuffer(strings.encode("utf-8"), dtype=np.uint8),
                     source=np.array([source_at[s] for s in sources], dtype=np.int32),
                     path=np.array([path_at[p] for p in paths], dtype=np.int32))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, gen / FILE)
