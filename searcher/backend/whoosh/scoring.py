"""BM25F of the ranking query in numpy over the postings (issue 18).

Ranking the matches of a search by Whoosh's scorer costs one Python call chain per matching
document and query word (matcher step, weight, field length, formula): at 100k stories ~70% of a
plain search, and ~1.9 s of a 3-word phrase's 2.5 s at 10k under load (profiled; the phrase's
words are ranked over all its matches). Here the same BM25F is computed for all matches at once:

- each word's postings (document numbers and weights, i.e. term frequency x field boost) are
  read a block at a time into arrays; field lengths come from the segment's length column (the
  same one-byte lossy lengths Whoosh reads), cached per segment;
- the formula is Whoosh's `bm25()` with the searcher's own idf, average field length, B and K1,
  written as the same float operations, so each word's score is Whoosh's to the bit;
- words combine as Whoosh's matchers combine them: AND and OR add their parts' scores (OR only
  those present), AND NOT / Require keep the left side's, AND MAYBE adds the right side's where
  present, and a NOT inside an AND (`x NOT y`) counts 1.0, as Whoosh's inverse matcher does; OR sums in Whoosh's binary tree order and AND in its tree of estimated sizes, so sums
  of up to two parts are exact and longer ones equal to within rounding (1e-12 relative).

The unscored side of AND NOT and Require (phrases included) is matched as a search matches it
(multiterm.match). A query shape outside these (wildcard document sets, OR with a coordination
scale or `minmatch`, a custom weighting) returns None and Whoosh ranks it as before.
tests/test_scoring.py compares the scores with Whoosh's on random corpora and queries.
"""

from __future__ import annotations


import numpy as np
from whoosh import query as wquery
from whoosh import scoring as wscoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from searcher.backend.whoosh.phrases import _unfiltered
from searcher.backend.whoosh.segcache import SegmentCache, segment_key

_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


class Unsupported(Exception):
    """A query shape this module does not score (Whoosh ranks it)."""


def scores(searcher, query, n_docs: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(docs, scores): the documents the ranking query matches, ascending (deleted ones
    included; the caller masks them), and their BM25F scores as Whoosh computes them; None when
    the query or weighting is not one this module scores."""
    weighting = searcher.weighting
    if type(weighting) is not wscoring.BM25F:
        return None
    try:
        return _score(searcher, query, weighting, n_docs)
    except Unsupported:
        return None


def scores_within(searcher, query, allow: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """`scores` restricted to the documents of the boolean mask `allow` (live ones, filtered)."""
    scored = scores(searcher, query, len(allow))
    if scored is None:
        return None
    docs, values = scored
    keep = allow[docs]
    return docs[keep], values[keep]


def best_first(docs: np.ndarray, values: np.ndarray, limit: int | None) -> list[tuple[int, float]]:
    """(doc, score) by score, ties in index order; the first `limit`."""
    if limit is not None and limit < len(docs):
        kth = np.partition(-values, limit - 1)[limit - 1]  # the limit-th best score
        near = np.flatnonzero(-values <= kth)  # every document scoring at least that (ties too)
        docs, values = docs[near], values[near]
    order = np.lexsort((docs, -values))[:limit]
    return list(zip(docs[order].tolist(), values[order].tolist()))


def _score(searcher, q, weighting, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """(sorted top-level documents, their scores) of `q`."""
    kind = type(q)
    if kind is wquery.Term:
        return _term(searcher, q, weighting)
    if kind is wquery.And:
        docs, values = _and(searcher, q, weighting, n_docs)
    elif kind is wquery.Or:
        if q.scale or getattr(q, "minmatch", 0):
            raise Unsupported
        docs, values = _tree_sum([_score(searcher, s, weighting, n_docs) for s in q.subqueries])
    elif kind is wquery.AndNot:
        docs, values = _score(searcher, q.a, weighting, n_docs)
        keep = ~_matched(searcher, q.b, n_docs)[docs]
        docs, values = docs[keep], values[keep]
    elif kind is wquery.Require:
        docs, values = _score(searcher, q.a, weighting, n_docs)
        keep = _matched(searcher, q.b, n_docs)[docs]
        docs, values = docs[keep], values[keep]
    elif kind is wquery.Not:  # Whoosh's InverseMatcher: every other document, scoring 1.0
        docs = np.flatnonzero(~_matched(searcher, q.query, n_docs))
        return docs, np.ones(len(docs), dtype=np.float64)
    elif kind is wquery.AndMaybe:
        docs, values = _score(searcher, q.a, weighting, n_docs)
        extra_docs, extra = _score(searcher, q.b, weighting, n_docs)
        both, ia, ib = np.intersect1d(docs, extra_docs, assume_unique=True, return_indices=True)
        values = values.copy()
        values[ia] = values[ia] + extra[ib]
    else:
        raise Unsupported
    if q.boost != 1.0:
        values = values * q.boost
    return docs, values


def _term(searcher, q, weighting) -> tuple[np.ndarray, np.ndarray]:
    """A word's documents over every segment, scored by Whoosh's BM25F formula."""
    fieldname, schema = q.fieldname, searcher.schema
    if fieldname not in schema:
        return _EMPTY
    field = schema[fieldname]
    if not field.scorable:
        raise Unsupported
    try:
        btext = field.to_bytes(q.text)
    except ValueError:
        return _EMPTY
    idf = searcher.idf(fieldname, btext)
    avgfl = searcher.avg_field_length(fieldname) or 1
    B, K1 = weighting._field_B.get(fieldname, weighting.B), weighting.K1
    all_docs, all_values = [], []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (fieldname, btext) not in reader:
            continue
        docs, weights = term_postings(reader, fieldname, btext)
        lengths = _field_lengths(reader, fieldname)
        fl = _LENGTHS[lengths[docs]] if lengths is not None else np.ones(len(docs))
        all_values.append(idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl))))  # scoring.bm25
        all_docs.append(docs + offset)
    if not all_docs:
        return _EMPTY
    docs, values = np.concatenate(all_docs), np.concatenate(all_values)
    if q.boost != 1.0:
        values = values * q.boost
    return docs, values


def _and(searcher, q, weighting, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
    """Intersection, summed in Whoosh's tree: the two smallest estimated parts joined first."""
    reader = searcher.reader()
    parts = [(-s.estimate_size(reader), n, _score(searcher, s, weighting, n_docs))
             for n, s in enumerate(q.subqueries)]
    parts.sort(key=lambda p: (p[0], p[1]))
    while len(parts) > 1:
        (wa, na, a), (wb, nb, b) = parts.pop(0), parts.pop(0)
        parts.append((wa + wb, min(na, nb), _intersect_sum(a, b)))
        parts.sort(key=lambda p: (p[0], p[1]))
    return parts[0][2] if parts else _EMPTY


def _intersect_sum(a, b):
    docs, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return docs, a[1][ia] + b[1][ib]


def _tree_sum(parts: list) -> tuple[np.ndarray, np.ndarray]:
    """Union, summed as Whoosh's binary tree of UnionMatchers (first half + second half)."""
    if not parts:
        return _EMPTY
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    (da, va), (db, vb) = _tree_sum(parts[:half]), _tree_sum(parts[half:])
    docs = np.union1d(da, db)
    values = np.zeros(len(docs), dtype=np.float64)
    in_a, in_b = np.searchsorted(docs, da), np.searchsorted(docs, db)
    values[in_a] = va
    both = np.zeros(len(docs), dtype=bool)
    both[in_a] = True
    only_b = ~both[in_b]
    values[in_b[only_b]] = vb[only_b]
    values[in_b[~only_b]] = values[in_b[~only_b]] + vb[~only_b]
    return docs, values


def _matched(searcher, q, n_docs: int) -> np.ndarray:
    """Documents matching an unscored part (the right side of AND NOT, Require), as a mask."""
    from searcher.backend.whoosh import multiterm  # multiterm ranks with this module

    return multiterm.match(searcher, q, n_docs)


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


# Decoded postings of frequent words per segment, shared by the threads of a process: reading a
# word's postings means unpickling and decompressing each block of 128 in Python, 0.5 s for a
# word in 255,000 of 1M stories (cProfile: 2.1 s of a 3.6 s sample of searches went to
# `_read_ids`). Words in fewer than CACHE_MIN_DOCS stories are read each time (cheap, and they
# would crowd out the costly ones). Kept as int32 ids and float32 weights (the weights are
# float32 in the index, so widening them again is exact): 8 bytes a posting.
CACHE_MIN_DOCS = 2_000
POSTINGS_CACHE_BYTES = 96 << 20
_postings_cache = SegmentCache(entries=4096, max_bytes=POSTINGS_CACHE_BYTES,
                               size=lambda hit: hit[0].nbytes + hit[1].nbytes)


def term_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and weights (deleted documents included); frequent words
    from the per-segment cache."""
    segment = segment_key(reader)
    key = None if segment is None else (*segment, fieldname, btext)
    hit = _postings_cache.get(key)
    if hit is not None:
        return hit[0].astype(np.int64), hit[1].astype(np.float64)
    docs, weights = _read_postings(reader, fieldname, btext)
    if len(docs) >= CACHE_MIN_DOCS:
        _postings_cache.put(key, (docs.astype(np.int32), weights.astype(np.float32)))
    return docs, weights


def _read_postings(reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """A term's document numbers and weights (deleted documents included), block by block."""
    m = _unfiltered(reader.postings(fieldname, btext))
    if hasattr(m, "_read_ids") and hasattr(m, "_read_weights") and hasattr(m, "_next_block"):
        ids, weights = [], []
        while True:
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            weights.append(np.asarray(m._weights, dtype=np.float64))
            if m._lastblock:
                break
            m._next_block()
        return np.concatenate(ids), np.concatenate(weights)
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


# Length bytes per (segment, field), shared by the threads of a process; segments never change.
_lengths = SegmentCache(entries=64)  # (segment, field) arrays kept: one byte per document each


def _field_lengths(reader, fieldname: str) -> np.ndarray | None:
    """Each document's length byte of a field (Whoosh's lossy length), None without a column."""
    segment = segment_key(reader)
    key = None if segment is None else (*segment, fieldname)
    hit = _lengths.get(key)
    if hit is not None:
        return hit
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN) \
        if hasattr(reader, "_perdoc") else None
    if column is None:
        return None
    lengths = np.fromiter(column, dtype=np.uint8, count=reader.doc_count_all())
    _lengths.put(key, lengths)
    return lengths
