"""Wire copy: the same agency text reprinted by several outlets, lightly edited, is one group.

Each story's body (not its headline, which outlets rewrite) becomes a set of word shingles and
a MinHash signature (datasketch); signatures are cut into LSH bands, and two stories sharing a
band whose estimated Jaccard similarity reaches THRESHOLD are copies. The store keeps every
story's signature in a table beside the index (searcher/backend/whoosh/wire_table.py), so an
`update` finds earlier copies of a new story too, and gives each story the group of its most
similar earlier copy, or its own id.
Threshold and its precision/recall trade-off: docs/analysis.md (measured by
tests/test_wire.py on invented stories with edited copies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from hashlib import sha1

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix  # datasketch's premix (pinned 2.0.0), so signatures match its MinHash

NUM_PERM = 64
SHINGLE = 5  # words per shingle
THRESHOLD = 0.4  # estimated Jaccard of body shingles at or above which two stories are copies
MIN_WORDS = 12  # shorter bodies are never grouped: too little text to tell a copy from a formula
BANDS, ROWS = _optimal_param(THRESHOLD, NUM_PERM, 0.5, 0.5)
_WORD = re.compile(r"\w+")
_SEED = 17
_PROTOTYPE = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme="affine32")  # datasketch's permutations for the seed
_PERM_A, _PERM_B = (np.asarray(row, dtype=np.uint32) for row in _PROTOTYPE.permutations)


def shingles(paragraphs: Iterable[str]) -> set[bytes]:
    words = _WORD.findall(" ".join(paragraphs).casefold())
    if len(words) < MIN_WORDS:
        return set()
    return {" ".join(words[i: i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def signature(paragraphs: Iterable[str]) -> np.ndarray | None:
    """The MinHash of a body's shingles, or None when the body is too short to group.

    Bit for bit what datasketch's MinHash.update_batch gives (tests/test_wire.py checks it),
    computed here in one pass: SHA-1 of each shingle, datasketch's 32-bit premix, then its
    permutations as one numpy matrix. Building a MinHash object per story and hashing through
    its per-value function call took ~60% of the time (0.13 ms of CPU a story)."""
    grams = shingles(paragraphs)
    if not grams:
        return None
    hashed = np.frombuffer(b"".join([sha1(gram).digest()[:4] for gram in grams]), dtype="<u4").astype(np.uint32)
    with np.errstate(over="ignore"):
        permuted = _fmix(hashed, 32)[:, None] * _PERM_A + _PERM_B
    return permuted.min(axis=0)


_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) << np.uint64(56)  # a key differs per band
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it mod 2**64 loses no information


def band_hashes(sigs: np.ndarray) -> np.ndarray:
    """One 64-bit key per LSH band (stories sharing any key are candidates): (BANDS,) for one
    signature, (N, BANDS) for N. The ROWS 32-bit values of a band are folded into 64 bits, so
    two different bands share a key with probability ~2**-64; such a stray candidate is still
    checked against THRESHOLD. Numpy over all signatures at once: the per-band hex strings
    this replaced cost more than the grouping itself."""
    rows = np.asarray(sigs, dtype=np.uint64)[..., : BANDS * ROWS]
    rows = rows.reshape(rows.shape[:-1] + (BANDS, ROWS))
    keys = np.broadcast_to(_BAND_SALT, rows.shape[:-1]).copy()
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            keys = (keys ^ rows[..., r]) * _MIX
            keys ^= keys >> np.uint64(29)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


class Grouper:
    """Assigns groups during one build or update: earlier stories of this run are kept in
    memory; stories indexed before come from `lookup(band_hashes) -> [(group, signature, source)]`.

    A story joins the group of its most similar earlier copy from another outlet: the same
    outlet printing near-identical posts (snapshots, formulaic updates) is not wire copy.

    This run's signatures are rows of one numpy matrix, so a story's candidates are compared in
    one vectorised step: a band shared by many stories (a formula every outlet prints) made
    the per-candidate comparison quadratic; at 1M generated stories it held the build's
    process alone for minutes (py-spy: 93% of its samples in `similarity`)."""

    def __init__(self, lookup=None):
        # band key -> row in _signatures (an int, or a list when several share the band): ints,
        # so 100k stories x BANDS bands stay well under 100 MB
        self._bands: dict[int, int | list[int]] = {}
        self._groups: list[str] = []
        self._signatures = np.empty((0, NUM_PERM), dtype=np.uint32)  # rows [0, len(_groups))
        self._sources = np.empty(0, dtype=np.int64)  # each row's outlet, as a number
        self._source_numbers: dict[str, int] = {}
        self._lookup = lookup

    def group(self, story_id: str, sig: np.ndarray | None, source: str = "") -> str:
        """The story's group: its own id, or that of its most similar earlier copy."""
        if sig is None:
            return story_id
        hashes = band_hashes(sig).tolist()
        candidates: set[int] = set()
        for h in hashes:
            found = self._bands.get(h)
            if found is not None:
                candidates.update(found if isinstance(found, list) else (found,))
        # earliest first (stories indexed before this run, then this run's), so that of two
        # equally similar copies the earlier wins, however the stories were split into runs
        pairs = self._lookup(hashes) if self._lookup is not None else []
        best = self._best(story_id, sig, source, pairs, sorted(candidates))
        self._remember(best, sig, source, hashes)
        return best

    def _best(self, story_id: str, sig: np.ndarray, source: str, pairs: list, rows: list[int]) -> str:
        number = self._source_numbers.get(source, -1)
        similar = [(group, similarity(sig, other)) for group, other, other_source in pairs if other_source != source]
        if rows:
            rows_array = np.asarray(rows, dtype=np.int64)
            equal = np.count_nonzero(self._signatures[rows_array] == sig, axis=1)
            sims = equal / len(sig)
            close = np.flatnonzero((self._sources[rows_array] != number) & (sims >= THRESHOLD))
            similar += [(self._groups[rows[i]], sim) for i, sim in zip(close.tolist(), sims[close].tolist())]
        best, best_sim = story_id, THRESHOLD
        for group, sim in similar:
            if sim > best_sim or (sim == best_sim and best == story_id):
                best, best_sim = group, sim
        return best

    def _remember(self, group: str, sig: np.ndarray, source: str, hashes: list[int]) -> None:
        index = len(self._groups)
        if index == len(self._signatures):  # grow by doubling
            grown = max(1024, 2 * index)
            self._signatures = np.resize(self._signatures, (grown, NUM_PERM))
            self._sources = np.resize(self._sources, grown)
        self._signatures[index] = sig
        self._sources[index] = self._source_numbers.setdefault(source, len(self._source_numbers))
        self._groups.append(group)
        for h in hashes:
            found = self._bands.get(h)
            if found is None:
                self._bands[h] = index
            elif isinstance(found, list):
                found.append(index)
            else:
                self._bands[h] = [found, index]
