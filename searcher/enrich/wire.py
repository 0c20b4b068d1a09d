"""Wire copy: the same agency text reprinted by several outlets, lightly edited, is one group.

Each story's body (not its headline, which outlets rewrite) becomes a set of word shingles and
a MinHash signature (datasketch); signatures are cut into LSH bands, and two stories sharing a
band whose estimated Jaccard similarity reaches THRESHOLD are copies. The store keeps the band
keys as index terms, so candidates for a new story are found in the index itself (also on
`update`), and gives each story the group of its most similar earlier copy, or its own id.
Threshold and its precision/recall trade-off: docs/analysis.md (measured by
tests/test_wire.py on invented stories with edited copies).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

NUM_PERM = 64
SHINGLE = 5  # words per shingle
THRESHOLD = 0.4  # estimated Jaccard of body shingles at or above which two stories are copies
MIN_WORDS = 12  # shorter bodies are never grouped: too little text to tell a copy from a formula
BANDS, ROWS = _optimal_param(THRESHOLD, NUM_PERM, 0.5, 0.5)
_WORD = re.compile(r"\w+")
_SEED = 17
_PROTOTYPE = MinHash(num_perm=NUM_PERM, seed=_SEED)  # its permutations, reused: half the cost per story


def shingles(paragraphs: Iterable[str]) -> set[bytes]:
    words = _WORD.findall(" ".join(paragraphs).casefold())
    if len(words) < MIN_WORDS:
        return set()
    return {" ".join(words[i: i + SHINGLE]).encode("utf-8") for i in range(len(words) - SHINGLE + 1)}


def signature(paragraphs: Iterable[str]) -> np.ndarray | None:
    """The MinHash of a body's shingles, or None when the body is too short to group."""
    grams = shingles(paragraphs)
    if not grams:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, permutations=_PROTOTYPE.permutations, scheme=_PROTOTYPE.scheme)
    minhash.update_batch(list(grams))
    return minhash.hashvalues.astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[str]:
    """One key per LSH band: stories sharing any key are candidates."""
    return [f"{b:02d}{sig[b * ROWS:(b + 1) * ROWS].tobytes().hex()}" for b in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


class Grouper:
    """Assigns groups during one build or update: earlier stories of this run are kept in
    memory; stories indexed before come from `lookup(band_keys) -> [(group, signature, source)]`.

    A story joins the group of its most similar earlier copy from another outlet: the same
    outlet printing near-identical posts (snapshots, formulaic updates) is not wire copy."""

    def __init__(self, lookup=None):
        # band hash -> index in _seen (an int, or a list when several share the band): ints, not
        # the key strings, so 100k stories x BANDS bands stay well under 100 MB
        self._bands: dict[int, int | list[int]] = {}
        self._seen: list[tuple[str, np.ndarray, str]] = []  # (group, signature, source)
        self._lookup = lookup

    def group(self, story_id: str, sig: np.ndarray | None, source: str = "") -> tuple[str, list[str]]:
        """The story's group and its band keys (empty when it has no signature)."""
        if sig is None:
            return story_id, []
        keys = band_keys(sig)
        hashes = [hash(key) for key in keys]
        candidates: set[int] = set()
        for h in hashes:
            found = self._bands.get(h)
            if found is not None:
                candidates.update(found if isinstance(found, list) else (found,))
        pairs = [self._seen[i] for i in sorted(candidates)]
        if self._lookup is not None:
            pairs += self._lookup(keys)
        best, best_sim = story_id, THRESHOLD
        for group, other, other_source in pairs:
            if other_source == source:
                continue
            sim = similarity(sig, other)
            if sim > best_sim or (sim == best_sim and best == story_id):
                best, best_sim = group, sim
        index = len(self._seen)
        self._seen.append((best, sig, source))
        for h in hashes:
            found = self._bands.get(h)
            if found is None:
                self._bands[h] = index
            elif isinstance(found, list):
                found.append(index)
            else:
                self._bands[h] = [found, index]
        return best, keys
