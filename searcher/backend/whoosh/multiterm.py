"""Multi-term queries cost what they match, not what they expand to (issue 19).

A prefix (`co*`), wildcard (`c?mp*`), fuzzy term (`zelensky~2`) or range (`[a TO c]`) stands for
every index word it matches. Whoosh runs it as a scored union of one matcher per word: at 20k
stories `co* OR re* OR st* OR pr*` took seconds, most of it recomputing block-max quality over
thousands of matchers. Here, as Lucene and Elasticsearch do by default, each such term becomes a
constant-score filter over its documents:

- **Matching stays exact.** The documents are the union of the postings of *every* word the term
  expands to, read block by block into numpy (no per-word matcher, no scoring), cached per index
  segment. So the match set is the one Whoosh would give; only ranking and highlighting change.
- **Ranking** is by the query's other words (BM25 over the words outside the multi-term terms and
  outside NOT), then by date, newest first, undated last. A query of multi-term terms only is in
  date order.
- **Expansions are capped** for what is shown: the `EXPANSION_CAP` most frequent words (by
  document frequency, which is also Elasticsearch's fuzzy `max_expansions` rule) are highlighted,
  and the response says so: `"expanded": {"co*": {"terms": 50, "words": 1834, "capped": true}}`.
- **Bounded**: the expansion and matching loops stop when the request's time budget
  (searcher.search.budget) runs out and record it; the result then says `timed_out: true`.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

import numpy as np
from whoosh import collectors
from whoosh import query as wquery
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.searching import TimeLimit

from searcher.backend.whoosh import scoring
from searcher.backend.whoosh.phrases import phrase_mask, posting_ids
from searcher.backend.whoosh.segcache import SegmentCache, segment_key
from searcher.search import budget

EXPANSION_CAP = 50  # words per multi-term term kept for highlighting (matching uses them all)
CHUNK = 4096  # document ids read between two looks at the budget
TERMS_BETWEEN_CHECKS = 32  # expanded words read between two looks at the budget
CACHE_ENTRIES = 512  # (segment, multi-term term) expansions remembered per process
CACHE_BYTES = 64 << 20  # and at most this much of their document numbers

# ---- the multi-term leaf as a constant-score filter ------------------------------------------


class DocSetQuery(wquery.Query):
    """A multi-term leaf rewritten: a constant score over a precomputed set of documents.

    `by_reader` maps id(segment reader) -> that segment's document numbers (live ones only), so
    the matcher works per segment as Whoosh's collectors call it; `docs` holds the same as
    top-level numbers. `kept` are the (field, word) pairs it shows as its expansions."""

    def __init__(self, source, docs: np.ndarray, by_reader: dict, kept: list[tuple[str, str]], boost: float = 1.0,
                 label: str = "", expansion: Expansion | None = None):
        self.source = source
        self.label = label
        self.expansion = expansion
        self.fieldname = source.field()
        self.text = getattr(source, "text", "")
        self.docs = docs
        self.by_reader = by_reader
        self.kept = kept
        self.boost = boost

    def __repr__(self) -> str:
        return f"DocSetQuery({self.source!r}, {len(self.docs)} docs)"

    def __unicode__(self) -> str:
        return str(self.source)

    __str__ = __unicode__

    def __eq__(self, other) -> bool:
        return isinstance(other, DocSetQuery) and other.source == self.source

    def __hash__(self) -> int:
        return hash(("DocSetQuery", hash(self.source)))

    def is_leaf(self) -> bool:
        return True

    def field(self):
        return self.fieldname

    def terms(self, phrases=False):
        yield from self.kept

    def expanded_terms(self, ixreader, phrases=False):
        yield from self.kept

    def estimate_size(self, ixreader) -> int:
        return len(self.docs)

    def estimate_min_size(self, ixreader) -> int:
        return len(self.docs)

    def matcher(self, searcher, context=None):
        entry = self.by_reader.get(id(searcher.reader()))
        ids = entry[1] if entry is not None else self.docs
        if not len(ids):
            return NullMatcher()
        return ListMatcher(ids.tolist(), all_weights=self.boost)


# ---- rewriting ---------------------------------------------------------------------------------


@dataclass
class Expansion:
    """What one multi-term term (as the user wrote it) expanded to, over its fields."""

    words: set[str] = field(default_factory=set)
    shown: dict[str, int] = field(default_factory=dict)  # word -> document frequency, the kept ones
    complete: bool = True

    def report(self) -> dict:
        terms = min(len(self.words), EXPANSION_CAP)
        return {"terms": terms, "words": len(self.words), "capped": len(self.words) > EXPANSION_CAP,
                **({} if self.complete else {"complete": False})}


@dataclass
class Rewritten:
    """A parsed query with its multi-term leaves as DocSetQuery; `query` is the original when it
    had none. `expanded()` is the response's report, keyed by the terms as written."""

    query: object
    expansions: dict[str, Expansion] = field(default_factory=dict)

    @property
    def rewritten(self) -> bool:
        return bool(self.expansions)

    def expanded(self) -> dict[str, dict]:
        return {label: exp.report() for label, exp in self.expansions.items()}


def rewrite(query, searcher, live: np.ndarray) -> Rewritten:
    """Replace each multi-term leaf of `query` (None: everything) by a DocSetQuery."""
    if query is None or not _has_multiterm(query):
        return Rewritten(query)
    expansions: dict[str, Expansion] = {}

    def replace(q):
        if isinstance(q, wquery.MultiTerm):
            return _docset(q, searcher, live, expansions.setdefault(_label(q), Expansion()))
        if q.is_leaf():
            return q
        return q.apply(replace)

    return Rewritten(replace(query), expansions)


def _docset_leaves(query) -> list[DocSetQuery]:
    if query is None:
        return []
    leaves = [query] if query.is_leaf() else list(query.leaves())
    return [leaf for leaf in leaves if isinstance(leaf, DocSetQuery)]


def is_rewritten(query) -> bool:
    """Whether `query` has multi-term terms rewritten as DocSetQuery (then `rank` orders it)."""
    return bool(_docset_leaves(query))


def report(query) -> dict[str, dict]:
    """The response's `expanded`: each multi-term term as the index saw it -> its report."""
    return {leaf.label: leaf.expansion.report() for leaf in _docset_leaves(query) if leaf.expansion is not None}


def _has_multiterm(query) -> bool:
    leaves = [query] if query.is_leaf() else query.leaves()
    return any(isinstance(leaf, wquery.MultiTerm) for leaf in leaves)


def _label(q) -> str:
    """The term as the index sees it (the analyser has already folded and stemmed it)."""
    if isinstance(q, wquery.Prefix):
        return f"{q.text}*"
    if isinstance(q, wquery.FuzzyTerm):
        return f"{q.text}~{q.maxdist}" + (f"/{q.prefixlength}" if q.prefixlength else "")
    if isinstance(q, wquery.TermRange):
        return f"[{q.start or ''} TO {q.end or ''}]"
    return str(getattr(q, "text", q))


def _docset(q, searcher, live: np.ndarray, expansion: Expansion) -> DocSetQuery:
    chunks, by_reader, top = [], {}, {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        ids, words, complete = _expand_in_segment(q, reader)
        count = reader.doc_count_all()
        seg_live = live[offset:offset + count]
        ids = ids[seg_live[ids]] if len(ids) else ids
        by_reader[id(reader)] = (reader, ids)
        chunks.append(ids + offset)
        for word, df in words.items():
            top[word] = top.get(word, 0) + df
        expansion.complete &= complete
    expansion.words.update(top)
    kept = heapq.nlargest(EXPANSION_CAP, top.items(), key=lambda item: (item[1], item[0]))
    for word, df in kept:
        expansion.shown[word] = max(expansion.shown.get(word, 0), df)
    docs = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    return DocSetQuery(q, docs, by_reader, [(q.field(), word) for word, _ in kept], boost=q.boost,
                       label=_label(q), expansion=expansion)


# Expansions per segment, shared by the threads of a process (segcache.py): (ids, words).
_cache = SegmentCache(CACHE_ENTRIES, CACHE_BYTES, size=lambda hit: hit[0].nbytes)


def _expand_in_segment(q, reader) -> tuple[np.ndarray, dict[str, int], bool]:
    """(sorted document numbers, {word: document frequency}, complete) of `q` in one segment."""
    segment = segment_key(reader)
    key = None if segment is None else (*segment, type(q).__name__, repr(q))
    hit = _cache.get(key)
    if hit is not None:
        return hit[0], hit[1], True
    fieldname = q.field()
    schema = reader.schema
    if fieldname not in schema:
        return np.zeros(0, dtype=np.int64), {}, True
    fieldobj = schema[fieldname]
    chunks, words, complete = [], {}, True
    for n, btext in enumerate(_indexed_texts(q, reader, fieldname, fieldobj)):
        if n % TERMS_BETWEEN_CHECKS == 0 and budget.expired():
            budget.stop("expanding")
            complete = False
            break
        try:
            ids = posting_ids(reader.postings(fieldname, btext))
        except Exception:  # a word listed by the lexicon but absent from the postings: skip it
            continue
        if len(ids):
            chunks.append(ids)
            words[fieldobj.from_bytes(btext)] = len(ids)
    ids = np.unique(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.int64)
    if complete and key is not None:
        ids = ids.astype(np.int32)  # segment-local numbers
        _cache.put(key, (ids, words))
    return ids, words, complete


def _indexed_texts(q, reader, fieldname: str, fieldobj):
    """The indexed terms a multi-term query stands for. A fuzzy term is expanded over the
    field's spelling words, which are the words as written (`zelensky`), not as indexed
    (`zelenski`, stemmed and folded): those are run through the field's analyser, or a fuzzy
    query would match nothing on a stemmed field."""
    seen: set[bytes] = set()
    for btext in q._btexts(reader):
        if isinstance(btext, str):
            btext = fieldobj.to_bytes(btext)
        candidates = [btext]
        if isinstance(q, wquery.FuzzyTerm) and (fieldname, btext) not in reader:
            word = btext.decode("utf-8", "replace")
            candidates = [fieldobj.to_bytes(token) for token in fieldobj.process_text(word, mode="index")]
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


# ---- matching ----------------------------------------------------------------------------------


def match(searcher, query, n_docs: int) -> np.ndarray:
    """The documents `query` matches, as a boolean mask over the index's document numbers
    (deleted ones included: the caller masks them). Words, multi-term terms and their AND/OR/NOT
    are combined in numpy, phrases from word pairs (phrases.py); other shapes are left to
    Whoosh's matchers, read in chunks that stop when the budget runs out."""
    if isinstance(query, DocSetQuery):
        mask = np.zeros(n_docs, dtype=bool)
        mask[query.docs] = True
        return mask
    if type(query) is wquery.Term:
        return _term_mask(searcher, query, n_docs)
    if type(query) is wquery.Phrase:
        mask = phrase_mask(searcher, query, n_docs)
        if mask is not None:
            return mask
    if not query.is_leaf():
        evaluated = _evaluate(searcher, query, n_docs)
        if evaluated is not None:
            return evaluated
    mask = np.zeros(n_docs, dtype=bool)
    mask[matching_docs(searcher, query)] = True
    return mask


def _term_mask(searcher, term, n_docs: int) -> np.ndarray:
    """One word's documents, read block-wise from each segment's postings (as Whoosh matches it)."""
    mask = np.zeros(n_docs, dtype=bool)
    schema = searcher.schema
    if term.fieldname not in schema:
        return mask
    fieldobj = schema[term.fieldname]
    try:
        btext = fieldobj.to_bytes(term.text)
    except ValueError:
        return mask
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (term.fieldname, btext) not in reader:
            continue
        ids, _ = scoring.term_postings(reader, term.fieldname, btext)  # frequent words: the shared cache
        mask[ids + offset] = True
    return mask


def _evaluate(searcher, q, n_docs: int) -> np.ndarray | None:
    """Boolean structure over DocSetQuery masks in numpy; None for a shape it does not know
    (the caller then lets Whoosh match it, DocSetQuery leaves included)."""
    kind = type(q)
    if kind is wquery.And or kind is wquery.Or or kind is wquery.AndNot or kind is wquery.AndMaybe \
            or kind is wquery.Require or kind is wquery.Not:
        if kind is wquery.Or and getattr(q, "minmatch", 0) > 1:
            return None
        parts = [q.query] if kind is wquery.Not else list(q.children())
        masks = []
        for part in parts:
            sub = match(searcher, part, n_docs)
            masks.append(sub)
        if kind is wquery.And or kind is wquery.Require:
            return np.logical_and.reduce(masks) if masks else np.zeros(n_docs, dtype=bool)
        if kind is wquery.Or:
            return np.logical_or.reduce(masks) if masks else np.zeros(n_docs, dtype=bool)
        if kind is wquery.AndNot:
            return masks[0] & ~masks[1]
        if kind is wquery.AndMaybe:
            return masks[0]
        return ~masks[0]  # Not
    return None


def matching_docs(searcher, query) -> np.ndarray:
    """Top-level document numbers of `query`'s matches, as Searcher.docs_for_query gives them,
    read in chunks with a look at the budget between chunks."""
    out = []
    for sub, offset in searcher.leaf_searchers():
        ids = query.docs(sub)
        while True:
            chunk = np.fromiter(itertools.islice(ids, CHUNK), dtype=np.int64)
            if len(chunk):
                out.append(chunk + offset)
            if len(chunk) < CHUNK:
                break
            if budget.expired():
                budget.stop("matching")
                return np.concatenate(out)
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


# ---- ranking -----------------------------------------------------------------------------------


def other_words(query):
    """The query's words outside multi-term terms and outside NOT, as one OR (None if none):
    what ranks the matches of a rewritten query."""
    leaves: list = []

    def walk(q, negated: bool) -> None:
        if negated:
            return
        if isinstance(q, (DocSetQuery, wquery.MultiTerm)):
            return
        if isinstance(q, wquery.Not):
            return
        if isinstance(q, wquery.AndNot):
            walk(q.a, False)
            return
        if isinstance(q, wquery.Phrase):
            leaves.extend(wquery.Term(q.fieldname, w) for w in q.words)
            return
        if q.is_leaf():
            leaves.append(q)
            return
        for child in q.children():
            walk(child, False)

    walk(query, False)
    unique = list(dict.fromkeys(leaves))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else wquery.Or(unique)


def rank(searcher, query, mask: np.ndarray, days: np.ndarray, date_order, limit: int | None) -> list[tuple[int, float]]:
    """(docnum, score) best first for a rewritten query: BM25 of its other words, then date.

    `days` holds each document's day number (negative: undated); `date_order(mask, limit)` gives
    the documents of a mask newest first, undated last."""
    others = other_words(query)
    ranked: list[tuple[int, float]] = []
    if others is not None:
        docs, scores = _scored(searcher, others, mask)
        if len(docs):
            day = days[docs].astype(np.float64)
            day[day < 0] = -np.inf
            order = np.lexsort((-day, -scores))
            ranked = [(int(docs[i]), float(scores[i])) for i in order]
            if limit is not None and len(ranked) >= limit:
                return ranked[:limit]
            mask = mask.copy()
            mask[docs] = False
    more = None if limit is None else limit - len(ranked)
    ranked += [(int(d), 0.0) for d in date_order(mask, more)]
    return ranked


def _scored(searcher, query, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(docs, BM25F scores) of `query`'s matches within `mask`: in numpy (scoring.py), or by
    Whoosh's scorer for a shape that module does not score."""
    if not mask.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    fast = scoring.scores_within(searcher, query, mask)
    if fast is not None:
        return fast
    hits = budgeted_search(searcher, query, set(np.flatnonzero(mask).tolist()), None)
    return (np.fromiter((d for d, _ in hits), dtype=np.int64, count=len(hits)),
            np.fromiter((s for _, s in hits), dtype=np.float64, count=len(hits)))


class _BudgetCollector(collectors.WrappingCollector):
    """Stops collecting when the request's budget runs out; what was collected stays.

    It watches the stream of matches (`matches()`, which a FilterCollector outside it also reads),
    so the score collector's block-quality skipping inside it still applies."""

    def matches(self):
        for n, sub_docnum in enumerate(self.child.matches()):
            if n % 256 == 255 and budget.expired():
                raise TimeLimit
            yield sub_docnum

    def collect_matches(self):
        child = self.child
        for sub_docnum in self.matches():
            child.collect(sub_docnum)


def budgeted_search(searcher, query, allow: set | None, limit: int | None) -> list[tuple[int, float]]:
    """Searcher.search(query, filter=allow, limit=limit) as (docnum, score), stopping when the
    budget runs out (then the best of what was scored so far). As in Whoosh, an empty or None
    `allow` filters nothing."""
    collector = _BudgetCollector(searcher.collector(limit=limit))
    if allow:
        collector = collectors.FilterCollector(collector, allow)
    try:
        searcher.search_with_collector(query, collector)
    except TimeLimit:
        budget.stop("ranking")
    return [(hit.docnum, float(hit.score)) for hit in collector.results()]
