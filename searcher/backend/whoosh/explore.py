"""Co-occurrence, timelines and related stories over the per-generation numpy columns.

Each is a few vectorised operations over the match mask of a request (see columns.py): no hit
is visited one at a time except the few related candidates. Measures: docs/analysis.md.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import numpy as np

from searcher import registry
from searcher.backend.whoosh.columns import Columns
from searcher.errors import QueryError
from searcher.search.explore import (
    ENTITY_FACETS,
    GRAPH_NODES,
    Cooccurrent,
    EntityRef,
    TimelineBucket,
    search_params,
)
from searcher.search.request import SearchRequest

EPOCH_DAYS = date(1970, 1, 1).toordinal() - 1  # column day numbers are ordinal - 1
MAX_BUCKETS = 2_000


def resolve_entity(cols: Columns, ref: EntityRef) -> tuple[EntityRef, bool]:
    """The entity with its facet and indexed spelling, and whether the index has it."""
    order = (*ENTITY_FACETS, *(s.name for s in registry.story_facets() if s.name not in ENTITY_FACETS))
    for facet in (ref.facet,) if ref.facet else order:
        if facet in cols.values and (value := cols.resolve(facet, ref.value)) is not None:
            return EntityRef(facet, value), True
    return EntityRef(ref.facet or ENTITY_FACETS[0], ref.value), False


# --- who appears with X


def cooccurrents(cols: Columns, base: np.ndarray, target: np.ndarray, req: SearchRequest,
                 asked: EntityRef | None, min_count: int, limit: int) -> list[Cooccurrent]:
    """Entities of the `target` stories ranked by NPMI against the `base` stories.

    P(x) = |target| / |base|, P(y) = |base with y| / |base|, P(x,y) = |target with y| / |base|;
    pairs seen fewer than `min_count` times are left out."""
    n, n_x = int(base.sum()), int(target.sum())
    if n == 0 or n_x == 0:
        return []
    found: list[Cooccurrent] = []
    for facet in (spec.name for spec in registry.story_facets()):  # not the outlet
        if facet not in cols.values:
            continue
        c_xy = cols.counts(facet, target)
        keep = np.flatnonzero(c_xy >= min_count)
        if len(keep) == 0:
            continue
        c_y = cols.counts(facet, base)[keep]
        both = c_xy[keep].astype(np.float64)
        lift = both * n / (n_x * c_y)
        pmi = np.log2(lift)
        p_xy = both / n
        npmi = np.where(p_xy >= 1.0, 1.0, pmi / np.maximum(-np.log2(p_xy), 1e-12))
        for i, vid in enumerate(keep):
            value = cols.values[facet][vid]
            if asked is not None and asked.facet == facet and asked.value == value:
                continue
            extra = [(asked.param(), asked.value)] if asked else []
            ref = EntityRef(facet, value)
            found.append(Cooccurrent(facet, value, int(both[i]), int(c_y[i]), float(lift[i]), float(pmi[i]),
                                     float(npmi[i]), search_params(req, *extra, (ref.param(), value))))
    found.sort(key=lambda c: (-c.npmi, -c.count, c.value))
    return found[:limit]


def graph_edges(cols: Columns, target: np.ndarray, items: list[Cooccurrent]) -> list[tuple[int, int, int]]:
    """Stories shared by each pair of the first GRAPH_NODES items, within the target stories."""
    items = items[:GRAPH_NODES]
    docs = np.flatnonzero(target)
    if len(items) < 2 or len(docs) == 0:
        return []
    matrix = np.stack([cols.value_mask(c.facet, c.value)[docs] for c in items]).astype(np.float32)
    shared = matrix @ matrix.T
    return [(a, b, int(shared[a, b])) for a in range(len(items)) for b in range(a + 1, len(items))
            if shared[a, b] > 0]


# --- timelines


def pick_interval(first: int, last: int) -> str:
    span = last - first
    return "day" if span <= 62 else "week" if span <= 2 * 366 else "month" if span <= 20 * 366 else "year"


def bucket_starts(days: np.ndarray, interval: str) -> np.ndarray:
    """The first day (column day number) of the bucket of each day."""
    if interval == "day":
        return days
    if interval == "week":  # day 0 (0001-01-01) was a Monday: weeks start on Mondays
        return days - days % 7
    unit = "M" if interval == "month" else "Y"
    as_dates = (days - EPOCH_DAYS).astype("datetime64[D]").astype(f"datetime64[{unit}]")
    return as_dates.astype("datetime64[D]").astype(np.int64) + EPOCH_DAYS


def _next_start(start: date, interval: str) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def buckets_between(first: int, last: int, interval: str) -> list[TimelineBucket]:
    """Every bucket from the one holding day `first` to the one holding day `last` (a continuous axis)."""
    start = date.fromordinal(int(bucket_starts(np.array([first]), interval)[0]) + 1)
    end = date.fromordinal(last + 1)
    out: list[TimelineBucket] = []
    while start <= end:
        try:
            following = _next_start(start, interval)
        except (ValueError, OverflowError):  # past year 9999
            out.append(TimelineBucket(start, date.max))
            break
        out.append(TimelineBucket(start, following - timedelta(days=1)))
        if len(out) > MAX_BUCKETS:
            raise QueryError(f"more than {MAX_BUCKETS} {interval}s in the range; use a longer interval or narrow the dates")
        start = following
    return out


def bucket_counts(days: np.ndarray, buckets: list[TimelineBucket], interval: str) -> list[int]:
    if len(days) == 0 or not buckets:
        return [0] * len(buckets)
    starts = np.array([b.start.toordinal() - 1 for b in buckets], dtype=np.int64)
    index = np.searchsorted(starts, bucket_starts(days, interval))
    return np.bincount(index, minlength=len(buckets))[: len(buckets)].astype(int).tolist()


# --- related stories

WORD = re.compile(r"\w[\w'-]*")
KEY_TERMS = 12
CANDIDATES = 60
MAX_TERM_SHARE = 0.1  # key terms in more than this share of stories say too little to score
MIN_SHARED_WORDS = 3  # a story sharing no entity must share this many key terms to be related


def key_terms(searcher, text: str) -> list[tuple[str, float]]:
    """The story's most telling body terms (Whoosh's Bo1 model over the index's statistics)."""
    try:
        return searcher.key_terms_from_text("body", text, numterms=KEY_TERMS, normalize=True)
    except (ValueError, ZeroDivisionError):
        return []


def words_by_stem(analyzer, text: str) -> dict[str, str]:
    """Each analysed term of a text, with the first word that produced it (for "why")."""
    out: dict[str, str] = {}
    for word in WORD.findall(text):
        for token in analyzer(word):
            out.setdefault(token.text, word)
    return out


def postings_array(reader, field: str, term: str) -> np.ndarray:
    """Global document numbers of a term's postings, read a block at a time.

    Whoosh yields postings one id at a time in Python (about 60 ms per related-stories call at
    20k stories); its W3 leaf matcher holds each block's ids as one tuple, so this takes whole
    blocks (falling back to the per-id iterator for any other matcher). Deleted documents are
    included: callers mask them with the live column."""
    parts = []
    for leaf, offset in reader.leaf_readers():
        if (field, term) not in leaf:
            continue
        matcher = leaf.postings(field, term)
        if not all(hasattr(matcher, a) for a in ("_read_ids", "_next_block", "_ids", "_i")):
            parts.append(np.fromiter(matcher.all_ids(), dtype=np.int64) + offset)
            continue
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            parts.append(np.asarray(matcher._ids[matcher._i:], dtype=np.int64) + offset)
            matcher._next_block()
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
