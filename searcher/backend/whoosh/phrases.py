"""Phrases matched from word pairs, without reading positions for two words (issue 18).

Whoosh matches `"following events"` by intersecting the postings of both words and then reading
and comparing the word positions of every story that holds both, in Python: ~1 s for a phrase of
two common words at 100k stories (docs/benchmarks.md). The index now also holds each text
field's word pairs (schema.PAIR_FIELDS, analysis.PairAnalyzer): every term at position p with
every term at p + 1. So:

- **two words**: the stories holding the pair term: one posting list, no positions;
- **three or more**: the stories holding every pair of the phrase (`a b`, `b c`) are the
  candidates (a superset: `a b ... b c` holds both pairs), and only those have their positions
  checked, as Whoosh's phrase matcher would check them (word k at position p + k);
- each segment's matches are cached per process (segments never change), so asking again (the
  rewrite's "does it exist", the next page, a filter click) costs a dictionary look-up.

The matches are Whoosh's own, exactly (tests/test_reference_model.py checks them against brute
force, tests/test_index.py against Whoosh's matcher). A phrase with slop (`"a b"~3`) or an index
without pair fields is left to Whoosh (`phrase_mask` returns None).
"""

from __future__ import annotations

import numpy as np
from whoosh.matching import FilterMatcher

from searcher.backend.whoosh.analysis import phrase_pairs
from searcher.backend.whoosh.schema import PAIR_FIELDS
from searcher.backend.whoosh.segcache import SegmentCache, segment_key
from searcher.search import budget

CANDIDATES_BETWEEN_CHECKS = 256  # candidates verified between two looks at the time budget


def posting_ids(matcher) -> np.ndarray:
    """Every document number of one term's postings, deleted ones included (the caller masks
    them), read a block at a time instead of one matcher step per document."""
    matcher = _unfiltered(matcher)
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):  # Whoosh 3 codec leaf
        blocks = []
        while True:
            matcher._read_ids()
            blocks.append(np.asarray(matcher._ids, dtype=np.int64))
            if matcher._lastblock:
                break
            matcher._next_block()
        return np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
    return np.fromiter(matcher.all_ids(), dtype=np.int64)


def _unfiltered(matcher):
    """The postings matcher under Whoosh's deleted-documents filter (deletions are the caller's)."""
    while isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    return matcher


def phrase_mask(searcher, phrase, n_docs: int) -> np.ndarray | None:
    """The documents holding `phrase` (a whoosh.query.Phrase of analysed words) as a boolean mask
    over the index's document numbers (deleted ones included: the caller masks them); None when
    the pair field cannot answer it (slop, or an index without pair fields)."""
    fieldname = phrase.fieldname
    pairs_field = PAIR_FIELDS.get(fieldname)
    schema = searcher.schema
    words = [w for w in phrase.words if w is not None]
    if phrase.slop != 1 or len(words) < 2 or pairs_field not in schema or fieldname not in schema:
        return None
    mask = np.zeros(n_docs, dtype=bool)
    try:
        btexts = [schema[fieldname].to_bytes(w) for w in words]
        pair_btexts = [schema[pairs_field].to_bytes(p) for p in phrase_pairs(words)]
    except ValueError:  # a word the field cannot hold matches nothing (as in Whoosh)
        return mask
    for sub, offset in searcher.leaf_searchers():
        mask[_in_segment(sub.reader(), fieldname, pairs_field, btexts, pair_btexts) + offset] = True
    return mask


def _in_segment(reader, fieldname: str, pairs_field: str, btexts: list[bytes], pair_btexts: list[bytes]) -> np.ndarray:
    """Segment-local documents holding the phrase, from the per-segment cache when it was asked
    before in this process (a search asks twice: does it exist, which stories; then every page
    and filter click asks again)."""
    segment = segment_key(reader)
    key = None if segment is None else (*segment, fieldname, tuple(btexts))
    hit = _cache.get(key)
    if hit is not None:
        return hit
    complete = True
    ids = _candidates(reader, pairs_field, pair_btexts)
    if len(btexts) > 2 and len(ids):
        ids, complete = _verified(reader, fieldname, btexts, ids)
    if complete:
        _cache.put(key, ids)
    return ids


# Phrase matches per segment, shared by the threads of a process (segcache.py).
_cache = SegmentCache(entries=1024, max_bytes=32 << 20, size=lambda ids: ids.nbytes)


def _candidates(reader, pairs_field: str, pair_btexts: list[bytes]) -> np.ndarray:
    """Segment-local documents holding every pair term, rarest pair first."""
    if any((pairs_field, b) not in reader for b in pair_btexts):
        return np.zeros(0, dtype=np.int64)
    ids = None
    for b in sorted(pair_btexts, key=lambda b: reader.doc_frequency(pairs_field, b)):
        got = posting_ids(reader.postings(pairs_field, b))
        ids = got if ids is None else np.intersect1d(ids, got, assume_unique=True)
        if not len(ids):
            break
    return ids


def _verified(reader, fieldname: str, btexts: list[bytes], candidates: np.ndarray) -> tuple[np.ndarray, bool]:
    """The candidates with word k of the phrase at position p + k for some p (Whoosh's SpanNear2
    rule with slop 1), read from the text field's positions; False when the time budget ran out
    (the candidates checked so far are returned).

    Each word's postings are read a block at a time and only the candidates' positions decoded
    (`_positions`), instead of a matcher step and skip per candidate and word: on the 1M index
    a 3-word phrase of common words (63,000 candidates) took over 2 s, more than the time
    budget, so it was never complete and never cached."""
    per_word, covered = {}, len(candidates)
    for b in dict.fromkeys(btexts):
        found = _positions(reader, fieldname, b, candidates)
        if found is None:  # not Whoosh's W3 postings: a matcher step per candidate
            return _verified_stepwise(reader, fieldname, btexts, candidates)
        per_word[b], upto = found
        covered = min(covered, upto)
    starts, rest = per_word[btexts[0]], [(k, per_word[b]) for k, b in enumerate(btexts[1:], 1)]
    kept = []
    for n in range(covered):
        first = starts[n]
        if first is None or any(word[n] is None for _, word in rest):
            continue
        others = [(k, frozenset(word[n])) for k, word in rest]
        if any(all(p + k in at for k, at in others) for p in first):
            kept.append(n)
    return candidates[np.array(kept, dtype=np.int64)], covered == len(candidates)


BLOCKS_BETWEEN_CHECKS = 64  # posting blocks read between two looks at the time budget


def _positions(reader, fieldname: str, btext: bytes, candidates: np.ndarray) -> tuple[list, int] | None:
    """Each candidate's positions of one word (None where it lacks the word), and how many of
    the candidates, from the first, were reached before the time budget ran out; None when the
    postings are not Whoosh's W3 blocks."""
    m = _unfiltered(reader.postings(fieldname, btext))
    if not all(hasattr(m, name) for name in ("_read_ids", "_read_values", "_next_block", "_lastblock", "format")):
        return None
    decode = m.format.decoder("positions")
    out: list = [None] * len(candidates)
    blocks = 0
    while True:
        m._read_ids()
        ids = np.asarray(m._ids, dtype=np.int64)
        lo = int(np.searchsorted(candidates, ids[0], side="left"))
        hi = int(np.searchsorted(candidates, ids[-1], side="right"))
        if hi > lo:
            at = np.searchsorted(ids, candidates[lo:hi])
            held = ids[np.minimum(at, len(ids) - 1)] == candidates[lo:hi]
            m._read_values()
            values = m._values
            for n, i, ok in zip(range(lo, hi), at.tolist(), held.tolist()):
                if ok:
                    out[n] = decode(values[i])
        blocks += 1
        if m._lastblock or hi >= len(candidates):
            return out, len(candidates)
        if blocks % BLOCKS_BETWEEN_CHECKS == 0 and budget.expired():
            budget.stop("matching")
            return out, int(hi)
        m._next_block()


def _verified_stepwise(reader, fieldname: str, btexts: list[bytes], candidates: np.ndarray) -> tuple[np.ndarray, bool]:
    """`_verified` with a matcher step and skip per candidate and word (any postings format)."""
    matchers = {b: _unfiltered(reader.postings(fieldname, b)) for b in dict.fromkeys(btexts)}
    rest = list(enumerate(btexts[1:], 1))
    kept, complete = [], True
    for n, doc in enumerate(candidates.tolist()):
        if n % CANDIDATES_BETWEEN_CHECKS == CANDIDATES_BETWEEN_CHECKS - 1 and budget.expired():
            budget.stop("matching")
            complete = False
            break
        positions = {}
        for b, m in matchers.items():
            if m.is_active() and m.id() < doc:
                m.skip_to(doc)
            if not m.is_active() or m.id() != doc:
                break
            positions[b] = frozenset(m.value_as("positions"))
        else:
            at = positions
            if any(all(p + k in at[b] for k, b in rest) for p in at[btexts[0]]):
                kept.append(doc)
    return np.array(kept, dtype=np.int64), complete
