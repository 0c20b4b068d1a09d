"""Per-searcher value arrays: facet values and dates of every document, as numpy arrays.

Counting facets, filtering by value or date range and sorting by date are then a few vectorised
operations over a boolean mask of matching documents, instead of Whoosh's `groupedby` (which
visits every hit). Arrays are built per segment and cached, so after an `update` only the
segments that changed are read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from whoosh.util.times import datetime_to_long, long_to_datetime

from searcher.backend.whoosh.schema import facet_fields

MICROS_PER_DAY = 86_400 * 1_000_000
COLUMN_MISSING = np.iinfo(np.uint64).max  # what Whoosh's DATETIME column holds for no date
NO_DATE = np.iinfo(np.int64).max  # the same in our signed arrays
DAY_BUCKETS_MAX_SPAN = 90  # the histogram counts by day when the matches span this many days or fewer
MASK_CACHE_BYTES = 64 << 20  # filter and date masks kept per index state (64 at 1M stories)


@dataclass
class _LeafColumns:
    """The arrays of one segment, with segment-local document numbers and value ids."""

    values: dict[str, list[str]]
    pair_docs: dict[str, np.ndarray]
    pair_values: dict[str, np.ndarray]
    times: np.ndarray
    live: np.ndarray
    wire: np.ndarray  # wire-copy group label per document, UTF-8 bytes (b"" when none)
    seen: np.ndarray | None = None  # first_seen (microseconds), NO_DATE when missing (issue 15)


class LeafCache:
    """Segment arrays, and the whole-index Columns made from them, shared by every thread of a
    process (issue 18).

    A segment's arrays are keyed by segment and deletions, so an `update` reads only the
    segments it changed. The combined Columns (with its cached filter masks, date masks and name
    table) is keyed by the whole segment set: the threads of a worker each open their own
    searcher (Whoosh readers are not thread-safe) but share one Columns per index state, so a
    filter's mask is made once per generation, not once per thread. When the segment set
    changes a new Columns is made and the old one is dropped once no request holds it."""

    KEEP = 2  # combined Columns kept: the live index state and the one before it (during a swap)

    def __init__(self) -> None:
        self._leaves: dict[tuple, _LeafColumns] = {}
        self._combined: OrderedDict[tuple, Columns] = OrderedDict()
        self._lock = threading.Lock()
        self._building = threading.Lock()  # one thread combines; the others wait for its result

    def columns(self, searcher) -> Columns:
        layout = tuple((_leaf_key(reader), offset) for reader, offset in searcher.reader().leaf_readers())
        state = (layout, searcher.doc_count_all())
        with self._building:
            with self._lock:
                shared = self._combined.get(state)
                if shared is not None:
                    self._combined.move_to_end(state)
                    return shared
            combined = self._combine(searcher, state)
            with self._lock:
                self._combined[state] = combined
                while len(self._combined) > self.KEEP:
                    self._combined.popitem(last=False)
            return combined

    def _combine(self, searcher, state: tuple) -> Columns:
        leaves = []
        for reader, offset in searcher.reader().leaf_readers():
            key = _leaf_key(reader)
            with self._lock:
                leaf = self._leaves.get(key)
            if leaf is None:
                leaf = _read_leaf(reader)
                with self._lock:
                    self._leaves[key] = leaf
            leaves.append((key, leaf, offset))
        with self._lock:  # forget segments no longer in use by any kept index state
            used = {key for key, _, _ in leaves} | {k for st in self._combined for k, _ in st[0]}
            self._leaves = {k: v for k, v in self._leaves.items() if k in used}
        return Columns.combine([(leaf, offset) for _, leaf, offset in leaves], state[1])


def _leaf_key(reader) -> tuple:
    segment = reader.segment()
    return (segment.segment_id(), segment.deleted_count())


def _read_leaf(reader) -> _LeafColumns:
    n = reader.doc_count_all()
    values, pair_docs, pair_values = {}, {}, {}
    for facet, fieldname in facet_fields().items():
        names, docs, ids = [], [], []
        # a facet registered after this index was built has no field in it: no values
        for term in reader.lexicon(fieldname) if fieldname in reader.schema else ():
            postings = list(reader.postings(fieldname, term).all_ids())
            if postings:
                docs.append(np.fromiter(postings, dtype=np.int32, count=len(postings)))
                ids.append(np.full(len(postings), len(names), dtype=np.int32))
                names.append(term.decode("utf-8"))
        values[facet] = names
        pair_docs[facet] = np.concatenate(docs) if docs else np.zeros(0, np.int32)
        pair_values[facet] = np.concatenate(ids) if ids else np.zeros(0, np.int32)
    raw = np.fromiter(reader.column_reader("date", translate=False), dtype=np.uint64, count=n)
    times = raw.astype(np.int64)
    times[raw == COLUMN_MISSING] = NO_DATE
    live = np.ones(n, dtype=bool)
    if reader.has_deletions():
        live[[d for d in range(n) if reader.is_deleted(d)]] = False
    if "wire" in reader.schema and reader.has_column("wire"):  # indexes built before issue 17 have none
        # bytes of fixed width, not Python strings: at 1M stories an object array of labels
        # kept 62 MB of strings per process, and numbering them as str made a 64 MB copy more
        wire = np.array([(v or "").encode("utf-8") for v in reader.column_reader("wire")], dtype=bytes)
    else:
        wire = np.zeros(n, dtype="S1")
    return _LeafColumns(values, pair_docs, pair_values, times, live, wire, _time_column(reader, "first_seen", n))


def _time_column(reader, fieldname: str, n: int) -> np.ndarray:
    """A DATETIME column as signed microseconds, NO_DATE where missing (or the field is absent)."""
    if fieldname not in reader.schema:
        return np.full(n, NO_DATE, dtype=np.int64)
    raw = np.fromiter(reader.column_reader(fieldname, translate=False), dtype=np.uint64, count=n)
    out = raw.astype(np.int64)
    out[raw == COLUMN_MISSING] = NO_DATE
    return out


def _group_numbers(labels: np.ndarray) -> np.ndarray:
    """Wire group labels as numbers; an unlabelled document is a group of its own."""
    groups = np.arange(len(labels), dtype=np.int64) + len(labels)
    labelled = np.flatnonzero(labels != b"")
    if len(labelled):
        _, numbers = np.unique(labels[labelled], return_inverse=True)
        groups[labelled] = numbers
    return groups


class Columns:
    """The arrays of a whole searcher: global document numbers, global value ids per facet."""

    def __init__(self, values, pair_docs, pair_values, times, live, groups=None):
        self.values: dict[str, list[str]] = values  # facet -> value id -> value
        self.pair_docs: dict[str, np.ndarray] = pair_docs  # facet -> doc of each (doc, value)
        self.pair_values: dict[str, np.ndarray] = pair_values  # facet -> value of each pair
        self.times = times  # DATETIME column (microseconds), NO_DATE when missing
        self.live = live  # not deleted
        # wire-copy group of each document (an int; a story in no group has its own)
        self.groups = groups if groups is not None else np.arange(len(live), dtype=np.int64)
        self.seen = np.full(len(live), NO_DATE, dtype=np.int64)  # first_seen, as times (set by combine)
        self.days = np.where(times == NO_DATE, -1, times // MICROS_PER_DAY)
        self._ids = {f: {v: i for i, v in enumerate(vs)} for f, vs in values.items()}
        self._folded = {f: {v.casefold(): i for i, v in enumerate(vs)} for f, vs in values.items()}
        self.dated = self.days >= 0  # has a date (the undated choice and histograms)
        self.undated = ~self.dated
        self._masks: OrderedDict[tuple, np.ndarray] = OrderedDict()  # least recently used first out
        self._mask_bytes = 0
        self._derived: dict[str, object] = {}
        self._lock = threading.Lock()
        # facet, value -> the indexed value it names (`UK` -> `United Kingdom`), or None:
        # set by the backend from variants.py (issue 14)
        self.resolver = None

    def derived(self, name: str, make):
        """A value computed once from these arrays (the name table), shared by every thread."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = make()
            return self._derived[name]

    def _cached_mask(self, key: tuple, make) -> np.ndarray:
        """A mask from the bounded cache of this index state, made by `make()` on a miss.

        Masks are read-only once cached: callers combine them into new arrays (`a & b`)."""
        with self._lock:
            mask = self._masks.get(key)
            if mask is not None:
                self._masks.move_to_end(key)
                return mask
        mask = make()
        mask.setflags(write=False)
        with self._lock:
            if key not in self._masks:
                self._masks[key] = mask
                self._mask_bytes += mask.nbytes
            while self._mask_bytes > MASK_CACHE_BYTES and len(self._masks) > 1:
                _, old = self._masks.popitem(last=False)
                self._mask_bytes -= old.nbytes
        return mask

    @classmethod
    def combine(cls, leaves: list[tuple[_LeafColumns, int]], size: int) -> Columns:
        values, pair_docs, pair_values = {}, {}, {}
        for facet in facet_fields():
            ids: dict[str, int] = {}
            docs, vals = [], []
            for leaf, offset in leaves:
                remap = np.array(
                    [ids.setdefault(v, len(ids)) for v in leaf.values[facet]], dtype=np.int32
                )
                docs.append(leaf.pair_docs[facet] + offset)
                vals.append(remap[leaf.pair_values[facet]] if len(remap) else leaf.pair_values[facet])
            values[facet] = list(ids)
            pair_docs[facet] = np.concatenate(docs) if docs else np.zeros(0, np.int32)
            pair_values[facet] = np.concatenate(vals) if vals else np.zeros(0, np.int32)
        times = np.full(size, NO_DATE, dtype=np.int64)
        seen = np.full(size, NO_DATE, dtype=np.int64)
        live = np.zeros(size, dtype=bool)
        labels = np.zeros(size, dtype=f"S{max([leaf.wire.dtype.itemsize for leaf, _ in leaves], default=1)}")
        for leaf, offset in leaves:
            times[offset: offset + len(leaf.times)] = leaf.times
            live[offset: offset + len(leaf.live)] = leaf.live
            labels[offset: offset + len(leaf.wire)] = leaf.wire
            if leaf.seen is not None:
                seen[offset: offset + len(leaf.seen)] = leaf.seen
        columns = cls(values, pair_docs, pair_values, times, live, _group_numbers(labels))
        columns.seen = seen
        for shared in (times, seen, live, columns.groups, columns.days, columns.dated, columns.undated):
            shared.setflags(write=False)  # shared by every thread: combine into new arrays, never in place
        return columns

    def resolve(self, facet: str, value: str) -> str | None:
        """The indexed spelling of a value, matched exactly or else case-insensitively."""
        vid = self._ids[facet].get(value)
        if vid is None:
            vid = self._folded[facet].get(value.casefold())
        if vid is None and self.resolver is not None:
            other = self.resolver(facet, value)
            vid = None if other is None else self._ids[facet].get(other)
        return None if vid is None else self.values[facet][vid]

    def value_docs(self, facet: str, value: str) -> np.ndarray:
        """Documents carrying `value` (exact spelling), uncached: for one-off lookups."""
        vid = self._ids.get(facet, {}).get(value)
        if vid is None:
            return np.zeros(0, dtype=np.int32)
        return self.pair_docs[facet][self.pair_values[facet] == vid]

    def value_mask(self, facet: str, value: str) -> np.ndarray:
        """Documents carrying `value` (cached per index state: filters repeat across requests)."""
        return self._cached_mask(("value", facet, value), lambda: self._value_mask(facet, value))

    def _value_mask(self, facet: str, value: str) -> np.ndarray:
        mask = np.zeros(len(self.live), dtype=bool)
        resolved = self.resolve(facet, value)
        if resolved is not None:
            vid = self._ids[facet][resolved]
            mask[self.pair_docs[facet][self.pair_values[facet] == vid]] = True
        return mask

    def date_mask(self, date_from: date | None, date_to: date | None) -> np.ndarray:
        """Dated documents within the days (cached per index state, like filters)."""
        return self._cached_mask(("dates", date_from, date_to), lambda: self._date_mask(date_from, date_to))

    def _date_mask(self, date_from: date | None, date_to: date | None) -> np.ndarray:
        mask = self.times != NO_DATE
        if date_from:
            mask &= self.times >= datetime_to_long(datetime.combine(date_from, datetime.min.time()))
        if date_to:
            end = datetime.combine(date_to, datetime.max.time())
            mask &= self.times <= datetime_to_long(end)
        return mask

    def counts(self, facet: str, mask: np.ndarray) -> np.ndarray:
        """Matching documents per value id of `facet` (over every live document: cached)."""
        if mask is self.live:
            return self._cached_mask(("live-counts", facet), lambda: self._count(facet, mask))
        return self._count(facet, mask)

    def _count(self, facet: str, mask: np.ndarray) -> np.ndarray:
        chosen = self.pair_values[facet][mask[self.pair_docs[facet]]]
        return np.bincount(chosen, minlength=len(self.values[facet]))

    def top(self, facet: str, mask: np.ndarray, limit: int, keep=lambda v: True) -> list[tuple[str, int]]:
        """The `limit` values with most matches (ties by value), among those `keep` accepts."""
        counts = self.counts(facet, mask)
        order = np.lexsort((np.array(self.values[facet], dtype=object), -counts)) if len(counts) else []
        out = []
        for vid in order:
            if counts[vid] == 0 or len(out) >= limit:
                break
            value = self.values[facet][vid]
            if keep(value):
                out.append((value, int(counts[vid])))
        return out

    def first_of_groups(self, order: np.ndarray) -> np.ndarray:
        """`order` (document numbers) keeping only the first of each wire group."""
        if len(order) == 0:
            return order
        _, first = np.unique(self.groups[order], return_index=True)
        return order[np.sort(first)]

    def group_sizes(self, mask: np.ndarray) -> np.ndarray:
        """Per document: how many documents of `mask` share its wire group."""
        counts = np.bincount(self.groups[mask], minlength=2 * len(self.groups))
        return counts[self.groups]

    def date_order(self, mask: np.ndarray, newest: bool, limit: int | None) -> np.ndarray:
        """Matching documents by date, undated last in both orders; the first `limit` of them."""
        docs = np.flatnonzero(mask)
        times = self.times[docs]
        # undated last in both orders (negating int64's minimum overflows, so map, don't negate)
        key = np.where(times == NO_DATE, np.iinfo(np.int64).max, -times if newest else times)
        # ties keep index order (page order for a page's stories)
        if limit is not None and limit < len(docs):
            # the first `limit` by (key, doc): all keys below the limit-th, then the lowest docs
            # among those equal to it (argpartition alone picks ties at random, so page 2 could
            # repeat or skip stories of page 1 that share a date, such as the undated)
            kth = np.partition(key, limit - 1)[limit - 1]
            below = np.flatnonzero(key < kth)
            part = np.concatenate([below, np.flatnonzero(key == kth)[: limit - len(below)]])
            return docs[part[np.lexsort((docs[part], key[part]))]]
        return docs[np.lexsort((docs, key))]

    def seen_mask(self, since: datetime) -> np.ndarray:
        """Stories first seen strictly after `since` (a naive UTC time)."""
        return (self.seen != NO_DATE) & (self.seen > datetime_to_long(since))

    def seen_order(self, mask: np.ndarray, limit: int | None) -> np.ndarray:
        """Matching documents newest first by first_seen (then page order), the first `limit`."""
        docs = np.flatnonzero(mask)
        key = -np.where(self.seen[docs] == NO_DATE, np.iinfo(np.int64).min + 1, self.seen[docs])
        order = docs[np.lexsort((docs, key))]
        return order if limit is None else order[:limit]

    def latest_seen(self) -> datetime | None:
        """The newest first_seen of the live stories (naive UTC), or None."""
        seen = self.seen[self.live & (self.seen != NO_DATE)]
        return long_to_datetime(int(seen.max())) if len(seen) else None

    def histogram(self, mask: np.ndarray) -> list[dict]:
        """Matches per month, or per day when they span DAY_BUCKETS_MAX_SPAN days or less; only
        buckets with matches (the page draws the continuous axis)."""
        days = self.days[mask & (self.days >= 0)]
        if len(days) == 0:
            return []
        first, last = date.fromordinal(int(days.min()) + 1), date.fromordinal(int(days.max()) + 1)
        by_day = (last - first).days < DAY_BUCKETS_MAX_SPAN
        uniq, counts = np.unique(days, return_counts=True)
        buckets: dict[str, int] = {}
        for day, count in zip(uniq, counts):
            d = date.fromordinal(int(day) + 1)
            label = d.isoformat() if by_day else d.strftime("%Y-%m")
            buckets[label] = buckets.get(label, 0) + int(count)
        return [{"value": k, "count": v} for k, v in buckets.items()]
