"""The Whoosh backend: answers SearchRequests from the index generations on disk."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np

from searcher import registry
from searcher.backend.whoosh import explore
from searcher.backend.whoosh.columns import LeafCache
from searcher.backend.whoosh import multiterm
from searcher.backend.whoosh.highlight import Highlighter
from searcher.backend.whoosh import rewrite
from searcher.backend.whoosh import scoring
from searcher.backend.whoosh.analysis import ANALYZER_VERSION, index_analyzer_version
from searcher.backend.whoosh.querying import parse_query, phrases_as_words
from searcher.backend.whoosh.variants import NameTable
from searcher.backend.whoosh.schema import document_to_json, document_to_record
from searcher.backend.whoosh.store import Manifest, current_generation, open_generation
from searcher.errors import IndexMissing, QueryError
from searcher.records import story_title
from searcher.search import budget
from searcher.search.explore import (
    CooccurrenceRequest,
    CooccurrenceResult,
    RelatedResult,
    RelatedStory,
    TimelineRequest,
    TimelineResult,
    TimelineSeries,
    search_params,
)
from searcher.search.request import SearchRequest, facet_names
from searcher.search.results import (
    AnalyzerVersion,
    DateRange,
    FacetValue,
    FilterNote,
    Hit,
    IndexStats,
    SearchResult,
    StoryLink,
    StoryView,
    ValueCount,
    WireCopy,
)

FACET_LIMIT = 30  # values per facet in a search result; facet_values() pages further


class _Snapshot:
    """One searcher over one state of the index, with its value arrays."""

    def __init__(self, generation: Path, ix, cache: LeafCache):
        self.generation = generation
        self.ix = ix
        self.searcher = ix.searcher()
        self.columns = cache.columns(self.searcher)  # shared by the threads on this index state
        if self.columns.resolver is None:
            self.columns.resolver = functools.partial(_resolve_filter, self.columns, generation)
        self._last_query: tuple | None = None  # (query, its mask): a request asks twice

    @property
    def names(self) -> NameTable:
        """Name words and variants of this index state (variants.py), built on first use and
        shared with the other threads' snapshots of the same state."""
        return _names(self.columns, self.generation)

    def query_mask(self, query, make) -> np.ndarray:
        """The mask of `query` (matched by `make()`), kept for the next ask of the same query
        object: a search with a date choice reads it again for its undated count."""
        last = self._last_query
        if last is not None and last[0] is query:
            return last[1]
        mask = make()
        self._last_query = (query, mask)
        return mask

    def is_current(self, generation: Path | None) -> bool:
        return generation == self.generation and self.searcher.up_to_date()


def _names(columns, generation: Path) -> NameTable:
    """The name table of an index state, with the generation's alias table (issue 13): one per
    Columns (a segment set belongs to one generation), shared by the threads."""
    def make() -> NameTable:
        from searcher.enrich.resolve import alias_forms, load_aliases

        return NameTable(columns.values, alias_forms(load_aliases(generation)))

    return columns.derived("names", make)


def _resolve_filter(columns, generation: Path, facet: str, value: str) -> str | None:
    return _names(columns, generation).resolve_filter(facet, value)


REOPEN_ATTEMPTS = 3


def _damage_is_index_missing(method):
    """Whoosh raises many kinds of error on damaged files: name the index and what repairs it
    (the CLI prints it, the web answers 503) instead of a traceback.

    A missing file is first retried on a fresh searcher: an update's commit deletes the segment
    files it merged, which a searcher opened just before may not have opened yet (seen once in
    2,400 requests by scripts/loadtest.py --update-during)."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        for attempt in range(REOPEN_ATTEMPTS):
            try:
                return method(self, *args, **kwargs)
            except (QueryError, IndexMissing):
                raise
            except Exception as exc:
                if isinstance(exc, FileNotFoundError) and attempt + 1 < REOPEN_ATTEMPTS:
                    self._local.snapshot = None
                    continue
                raise IndexMissing(
                    f"index at {self.index_dir} could not be read ({type(exc).__name__}: {exc}); "
                    f"rebuild it with `livesearch build PATH`"
                ) from exc

    return guarded


class WhooshBackend:
    """The embedded backend (see searcher.backend.SearchBackend): thread-safe, reuses its searchers
    until the index changes.

    Each thread gets its own searcher: Whoosh readers seek and read shared file objects, so one
    searcher used by two threads at once returns garbage (found by scripts/loadtest.py). The value
    arrays are still shared through the LeafCache."""

    def __init__(self, index_dir: Path | str):
        self.index_dir = Path(index_dir)
        self._cache = LeafCache()
        self._local = threading.local()  # .snapshot: this thread's _Snapshot

    def close(self) -> None:
        """Close the calling thread's searcher (other threads' close when they are dropped)."""
        snap = getattr(self._local, "snapshot", None)
        if snap is not None:
            snap.searcher.close()
            self._local.snapshot = None

    @_damage_is_index_missing
    def search(self, req: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        snap = self._current()
        query, mask, plan = self._understood(snap, req)
        no_date = snap.columns.undated
        if (req.date_from or req.date_to or not req.include_undated) and no_date.any():
            # the undated stories the date choice leaves out: the same search without it
            undated = self._query_mask(snap, query) & self._filtered(snap, req, dates=False) & no_date
        else:
            undated = mask & no_date
        cols = snap.columns
        total = int(mask.sum())  # stories, as the facets count them; the pages go through groups when collapsed
        groups = int(np.unique(cols.groups[mask]).size) if req.collapse else None
        start = (req.page - 1) * req.per_page
        need = start + req.per_page
        ranked = req.sort == "relevance" and query is not None
        limit = need * 2 + 20 if req.collapse else need
        while True:  # when collapsing wire copies, fetch more until `need` groups are in hand
            if req.sort == "first_seen":
                docs_scores = [(int(d), None) for d in cols.seen_order(mask, limit)]
            elif ranked and multiterm.is_rewritten(query):
                docs_scores = self._ranked_multiterm(snap, query, mask, limit)
            elif ranked:
                rank_by = phrases_as_words(query)
                narrowed = (
                    bool(req.filters or req.excludes or req.date_from or req.date_to)
                    or rank_by is not query
                    or plan is not None
                )
                docs_scores = self._ranked(snap, rank_by, mask if narrowed else None, limit)
            else:
                order = cols.date_order(mask, req.sort != "oldest", limit)
                docs_scores = [(int(d), None) for d in order]
            fetched = len(docs_scores)
            if req.collapse:
                seen: set[int] = set()
                docs_scores = [(d, s) for d, s in docs_scores
                               if not (int(cols.groups[d]) in seen or seen.add(int(cols.groups[d])))]
            if not req.collapse or len(docs_scores) >= need or fetched < limit:
                break
            limit *= 4
        docs_scores = docs_scores[start:need]
        sizes = cols.group_sizes(mask) if req.collapse else None
        analyzer = snap.ix.schema["body"].analyzer
        marker = Highlighter.for_query(query, snap.searcher.reader(), analyzer)
        plain = Highlighter(frozenset(), analyzer)  # past the time budget: hits without marks (cheap)
        hits = []
        for doc, score in docs_scores:
            late = budget.expired()
            if late:
                budget.stop("highlighting")
            copies = int(sizes[doc]) - 1 if sizes is not None else 0
            hits.append(self._hit(snap, doc, score, plain if late else marker, copies))
        suggestion = (
            rewrite.suggest(snap.searcher, snap.ix.schema, req.q, snap.names)
            if query is not None and total == 0 and not budget.expired()
            else None
        )
        return SearchResult(
            query=req.q,
            total=total,
            groups=groups,
            page=req.page,
            per_page=req.per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=self._facets(snap, mask, req),
            dates=snap.columns.histogram(mask),
            suggestion=suggestion,
            undated=int(undated.sum()),
            undated_included=req.include_undated,
            latest_first_seen=_utc_text(snap.columns.latest_seen()),
            corrected=plan.corrected if plan else None,
            relaxed=plan.relaxed if plan else None,
            variants=plan.variants if plan else {},
            filter_notes=self._filter_notes(snap, req),
            expanded=multiterm.report(query),
        )

    @_damage_is_index_missing
    def story(self, story_id: str) -> StoryView | None:
        snap = self._current()
        doc = snap.searcher.document(id=story_id)
        if doc is None:
            return None
        siblings = _page_order(snap.searcher.documents(page=doc["page"]))
        ids = [d["id"] for d in siblings]
        at = ids.index(story_id)
        return StoryView(
            **vars(document_to_record(doc)),
            previous=_link(siblings[at - 1]) if at > 0 else None,
            next=_link(siblings[at + 1]) if at + 1 < len(siblings) else None,
            copies=self._copies(snap, snap.searcher.document_number(id=story_id)),
        )

    def _copies(self, snap: _Snapshot, docnum: int | None) -> list[WireCopy]:
        """The other stories of a story's wire group (other outlets' reprints), oldest first."""
        cols = snap.columns
        if docnum is None:
            return []
        others = (cols.groups == cols.groups[docnum]) & cols.live
        others[docnum] = False
        out = []
        for other in cols.date_order(others, False, 50):
            fields = snap.searcher.stored_fields(int(other))
            out.append(WireCopy(fields["id"], fields.get("headline") or None, fields.get("source") or "",
                                fields.get("date_text")))
        return out

    @_damage_is_index_missing
    def facet_values(
        self, name: str, prefix: str = "", req: SearchRequest | None = None, limit: int = 50
    ) -> list[FacetValue]:
        """Values of one facet (name or URL parameter) whose words start with `prefix`, most
        frequent first, counted over the matches of `req` (or the whole index)."""
        spec = registry.facet(name)
        if spec is None:
            names = ", ".join(s.name for s in registry.facets())
            raise QueryError(f"unknown facet {name!r}; use one of {names}")
        facet = spec.name
        snap = self._current()
        req = req or SearchRequest()
        _, mask, _ = self._understood(snap, req)
        folded = prefix.strip().casefold()

        def keep(value: str) -> bool:
            value = value.casefold()
            return value.startswith(folded) or any(w.startswith(folded) for w in value.split())

        selected = {snap.columns.resolve(facet, v) for v in req.filters.get(facet, [])}
        return [
            FacetValue(value, count, value in selected)
            for value, count in snap.columns.top(facet, mask, limit, keep)
        ]

    @_damage_is_index_missing
    def export(self, req: SearchRequest) -> Iterator[dict]:
        """Every match in the request's order, as plain story JSON, read one at a time.

        Not a generator itself, so a bad request raises here rather than mid-stream."""
        snap = self._current()
        query, mask, _ = self._understood(snap, req)
        if req.sort == "first_seen":
            docs = (int(d) for d in snap.columns.seen_order(mask, None))
        elif req.sort == "relevance" and multiterm.is_rewritten(query):
            docs = (doc for doc, _ in self._ranked_multiterm(snap, query, mask, None))
        elif req.sort == "relevance" and query is not None:
            docs = (doc for doc, _ in self._ranked(snap, phrases_as_words(query), mask, None))
        else:
            docs = (int(d) for d in snap.columns.date_order(mask, req.sort != "oldest", None))
        return (document_to_json(snap.searcher.stored_fields(doc)) for doc in docs)

    @_damage_is_index_missing
    def stats(self) -> IndexStats:
        snap = self._current()
        cols = snap.columns
        live = cols.live
        days = cols.days[live & (cols.days >= 0)]
        manifest = Manifest.load(snap.generation)
        reader = snap.searcher.reader()
        pages = sum(
            1 for term in reader.lexicon("page") if any(True for _ in reader.postings("page", term).all_ids())
        )
        built_with = index_analyzer_version(snap.ix.schema)
        return IndexStats(
            index=str(snap.generation.parent),
            generation=snap.generation.name,
            stories=int(live.sum()),
            pages=pages,
            files=len(manifest.files),
            sources=[ValueCount(v, c) for v, c in cols.top("sources", live, 10_000)],
            date_range=DateRange(
                first=date.fromordinal(int(days.min()) + 1).isoformat() if len(days) else None,
                last=date.fromordinal(int(days.max()) + 1).isoformat() if len(days) else None,
                undated=int((live & (cols.days < 0)).sum()),
            ),
            top={facet: [ValueCount(v, c) for v, c in cols.top(facet, live, 10)]
                 for facet in facet_names() if facet != "sources"},
            index_bytes=sum(p.stat().st_size for p in snap.generation.iterdir() if p.is_file()),
            analyzer=AnalyzerVersion(built_with, ANALYZER_VERSION, built_with < ANALYZER_VERSION),
            built_at=manifest.built_at,
            updated_at=manifest.updated_at,
        )

    @_damage_is_index_missing
    def cooccurrence(self, req: CooccurrenceRequest) -> CooccurrenceResult:
        started = time.perf_counter()
        snap = self._current()
        cols = snap.columns
        _, mask, _ = self._understood(snap, req.search)
        if req.entity is None:
            entity, found, base, target = None, True, cols.live, mask
        else:
            entity, found = explore.resolve_entity(cols, req.entity)
            base = mask
            target = mask & cols.value_mask(entity.facet, entity.value) if found else np.zeros_like(mask)
        items = explore.cooccurrents(cols, base, target, req.search, entity, req.min_count, req.limit)
        return CooccurrenceResult(
            entity=entity, found=found, stories=int(target.sum()), universe=int(base.sum()),
            min_count=req.min_count, items=items, edges=explore.graph_edges(cols, target, items),
            took_ms=(time.perf_counter() - started) * 1000,
        )

    @_damage_is_index_missing
    def timeline(self, req: TimelineRequest) -> TimelineResult:
        started = time.perf_counter()
        snap = self._current()
        cols = snap.columns
        _, mask, _ = self._understood(snap, req.search)
        dated = mask & (cols.days >= 0)
        rows = []  # (entity, found, days)
        for ref in req.entities or [None]:
            if ref is None:
                rows.append((None, True, cols.days[dated]))
                continue
            entity, found = explore.resolve_entity(cols, ref)
            days = cols.days[dated & cols.value_mask(entity.facet, entity.value)] if found else cols.days[:0]
            rows.append((entity, found, days))
        seen = [d for _, _, d in rows if len(d)]
        first = req.search.date_from.toordinal() - 1 if req.search.date_from else (
            min(int(d.min()) for d in seen) if seen else None)
        last = req.search.date_to.toordinal() - 1 if req.search.date_to else (
            max(int(d.max()) for d in seen) if seen else None)
        if first is None or last is None or first > last:
            interval, buckets = (req.interval if req.interval != "auto" else "month"), []
        else:
            interval = explore.pick_interval(first, last) if req.interval == "auto" else req.interval
            buckets = explore.buckets_between(first, last, interval)
        series = []
        for entity, found, days in rows:
            extra = [(entity.param(), entity.value)] if entity is not None and found else []
            series.append(TimelineSeries(entity, found, int(len(days)),
                                         explore.bucket_counts(days, buckets, interval),
                                         search_params(req.search, *extra)))
        return TimelineResult(interval, buckets, series, req.search, (time.perf_counter() - started) * 1000)

    @_damage_is_index_missing
    def related(self, story_id: str, limit: int = 8) -> RelatedResult | None:
        """Stories of other pages most similar in words (the story's Bo1 key terms, weighted by
        rarity) and entities (shared values weighted by rarity), scored over numpy arrays of
        postings; the same post seen again on its outlet, and its wire copies, are left out."""
        from whoosh import query as wq

        started = time.perf_counter()
        snap = self._current()
        searcher, cols = snap.searcher, snap.columns
        docnum = searcher.document_number(id=story_id)
        if docnum is None:
            return None
        doc = searcher.stored_fields(docnum)
        text = "\n".join([doc.get("headline") or "", *(doc.get("paragraphs") or [])])
        n_live = max(int(cols.live.sum()), 1)
        skip = np.fromiter({docnum, *searcher.docs_for_query(wq.Term("page", doc["page"]))}, dtype=np.int64)

        # words: one rarity-weighted vote per shared key term
        reader = searcher.reader()
        text_scores = np.zeros(len(cols.live), dtype=np.float32)
        term_docs: list[tuple[str, np.ndarray]] = []
        for term, _ in explore.key_terms(searcher, text):
            df = reader.doc_frequency("body", term)
            if df < 2 or df > explore.MAX_TERM_SHARE * n_live:
                continue
            docs = explore.postings_array(reader, "body", term)
            text_scores[docs] += math.log2(n_live / df)
            term_docs.append((term, docs))
        possible_text = sum(math.log2(n_live / len(d)) for _, d in term_docs)

        # entities: the same, per shared value
        entity_scores = np.zeros(len(cols.live), dtype=np.float32)
        rarity: dict[str, float] = {}
        for spec in registry.story_facets():
            for value in doc.get(spec.field) or []:
                docs = cols.value_docs(spec.name, value)
                if len(docs) > 1:
                    rarity[value] = math.log2(n_live / len(docs))
                    entity_scores[docs] += rarity[value]
        possible = sum(rarity.values())

        scores = (text_scores * (10.0 / possible_text) if possible_text else text_scores)
        scores += entity_scores * (10.0 / possible) if possible else entity_scores
        scores[skip] = 0
        scores[~cols.live] = 0
        group = cols.groups[docnum]
        scores[cols.groups == group] = 0  # its wire copies are the same story (see `copies`)
        count = min(explore.CANDIDATES, len(scores) - 1)
        best = np.argpartition(-scores, count)[: count + 1] if count > 0 else np.flatnonzero(scores)
        ranked = sorted((int(d) for d in best if scores[d] > 0), key=lambda d: (-float(scores[d]), d))

        words = explore.words_by_stem(snap.ix.schema["body"].analyzer, text)
        own_post = ((doc.get("source") or "").casefold(), (doc.get("headline") or "").casefold(),
                    tuple(doc.get("paragraphs") or []))
        items: list[RelatedStory] = []
        for other in ranked:
            fields = searcher.stored_fields(other)
            source, headline = (fields.get("source") or "").casefold(), (fields.get("headline") or "").casefold()
            same_headline = bool(headline) and headline == own_post[1]
            if source == own_post[0] and (same_headline or tuple(fields.get("paragraphs") or []) == own_post[2]):
                continue  # the same post in another snapshot of its live blog
            shared_entities = sorted(
                {v for spec in registry.story_facets() for v in fields.get(spec.field) or [] if v in rarity},
                key=lambda v: (-rarity[v], v))
            named = {w.casefold() for v in shared_entities for w in v.split()}
            shared_words = [
                words.get(term, term) for term, docs in term_docs
                if _contains(docs, other) and words.get(term, term).casefold() not in named
            ]
            if not shared_entities and len(shared_words) < explore.MIN_SHARED_WORDS:
                continue  # a common word or two in common is not a relation
            title, generated = story_title(fields.get("headline"), fields.get("paragraphs") or [])
            items.append(RelatedStory(
                id=fields["id"], headline=fields.get("headline") or None, date=fields.get("date_text"),
                source=fields.get("source") or "", score=float(scores[other]),
                shared_entities=shared_entities, shared_words=shared_words,
                title=title, title_generated=generated,
            ))
            if len(items) >= limit:
                break
        return RelatedResult(story_id, items, (time.perf_counter() - started) * 1000)

    def _current(self) -> _Snapshot:
        """The snapshot of the index as it is on disk now (cheap when nothing changed)."""
        generation = current_generation(self.index_dir)
        snap = getattr(self._local, "snapshot", None)
        if snap is not None and snap.is_current(generation):
            return snap
        if generation is None:
            raise IndexMissing(f"no index at {self.index_dir}: run `livesearch build PATH`")
        gen, ix = open_generation(self.index_dir)
        self._local.snapshot = _Snapshot(gen, ix, self._cache)
        return self._local.snapshot  # the old one closes when its last request lets go of it

    def _understood(self, snap: _Snapshot, req: SearchRequest):
        """(query, matches, rewrite.Understanding or None): the query as journalists mean it
        (variants, corrections, relaxation; rewrite.py) unless the request is literal."""
        query = parse_query(req.q, snap.ix.schema)
        # prefix, wildcard, fuzzy and range terms as constant-score document sets (multiterm.py);
        # rewrite.understand leaves such queries alone (they are not "simple")
        query = multiterm.rewrite(query, snap.searcher, snap.columns.live).query
        filtered = self._filtered(snap, req)
        plan = None
        if query is not None and not req.literal:
            plan = rewrite.understand(snap.searcher, snap.ix.schema, req.q, snap.columns.live, filtered, snap.names)
        if plan is not None and plan.query is None:  # nothing rewritten; its matches already read
            return query, plan.mask, None
        if plan is not None:
            query = plan.query
            if plan.mask is not None:
                return query, plan.mask, plan
        return query, self._query_mask(snap, query) & filtered, plan

    def _filter_notes(self, snap: _Snapshot, req: SearchRequest) -> list[FilterNote]:
        """Filter values read as another indexed value (`UK`), or matching no value at all."""
        notes = []
        for kind in (req.filters, req.excludes):
            for facet, values in kind.items():
                spec = registry.facet(facet)
                param = spec.param if spec else facet
                if kind is req.excludes:
                    param = f"exclude_{param}"
                for value in values:
                    resolved = snap.columns.resolve(facet, value)
                    if resolved is None:
                        notes.append(FilterNote(param, value, None, snap.names.closest_values(facet, value)))
                    elif resolved.casefold() != value.casefold():
                        notes.append(FilterNote(param, value, resolved))
        return notes

    def _query_mask(self, snap: _Snapshot, query) -> np.ndarray:
        cols = snap.columns
        if query is None:
            return cols.live.copy()
        # within the time budget; read-only, since a search may ask for it again (`undated`)
        return snap.query_mask(query, lambda: _frozen(multiterm.match(snap.searcher, query, len(cols.live)) & cols.live))

    def _matches(self, snap: _Snapshot, query, req: SearchRequest) -> np.ndarray:
        return self._query_mask(snap, query) & self._filtered(snap, req)

    def _filtered(self, snap: _Snapshot, req: SearchRequest, dates: bool = True) -> np.ndarray:
        """Live documents that pass the request's filters and (unless not `dates`) its date range
        and undated choice."""
        cols = snap.columns
        mask = cols.live.copy()
        for facet, values in req.filters.items():
            for value in values:
                mask &= cols.value_mask(facet, value)
        for facet, values in req.excludes.items():
            for value in values:
                mask &= ~cols.value_mask(facet, value)
        if req.since is not None:
            mask &= cols.seen_mask(req.since)
        if not dates:
            return mask
        if req.date_from or req.date_to:
            in_range = cols.date_mask(req.date_from, req.date_to)
            mask &= (in_range | (cols.days < 0)) if req.include_undated else in_range
        elif not req.include_undated:
            mask &= cols.dated
        return mask

    def _ranked(self, snap: _Snapshot, query, mask: np.ndarray | None, limit: int | None) -> list[tuple[int, float]]:
        """(docnum, score) best first, among the documents of `mask` when given.

        An empty mask answers nothing here: Whoosh takes an empty `filter` set for "no filter"
        and would rank the unfiltered matches (issue 10)."""
        if mask is not None and not mask.any():
            return []
        fast = scoring.scores_within(snap.searcher, query, snap.columns.live if mask is None else mask)
        if fast is not None:  # BM25F in numpy, Whoosh's scores (scoring.py)
            ranked = scoring.best_first(*fast, limit)
            if mask is not None and (limit is None or len(ranked) < limit) and len(fast[0]) < int(mask.sum()):
                rest = mask.copy()
                rest[fast[0]] = False  # matches the ranking query missed: after, in index order
                ranked += [(int(d), 0.0) for d in np.flatnonzero(rest)[: None if limit is None else limit - len(ranked)]]
            return ranked
        allow = None if mask is None else set(np.flatnonzero(mask).tolist())
        # Within a mask every allowed match is scored: a limited collector behind the filter
        # can miss the best match (found by the reference model: top-1 gave a story scoring 4.28
        # where another scored 4.40), so page 1 would not be the export's first story.
        ranked = multiterm.budgeted_search(snap.searcher, query, allow, limit if allow is None else None)
        # best first, ties in index order (so a page is always the slice of the export's order)
        ranked.sort(key=lambda pair: (-pair[1], pair[0]))
        if allow is not None and limit is not None:
            ranked = ranked[:limit]
        if allow is not None and len(ranked) < len(allow) and (limit is None or len(ranked) < limit):
            # a match the ranking query missed still belongs to the answer: after the scored ones,
            # in index order, so a page never disagrees with the total or the export
            scored = {doc for doc, _ in ranked}
            missing = sorted(allow - scored)
            ranked += [(doc, 0.0) for doc in missing[: None if limit is None else limit - len(ranked)]]
        return ranked

    def _ranked_multiterm(self, snap: _Snapshot, query, mask: np.ndarray, limit: int | None) -> list[tuple[int, float]]:
        """Ranking for a query with prefix/wildcard/fuzzy terms (see multiterm): the other
        words' BM25, then newest first."""
        cols = snap.columns
        return multiterm.rank(snap.searcher, query, mask, cols.days,
                              lambda m, n: cols.date_order(m, True, n), limit)

    def _hit(self, snap: _Snapshot, docnum: int, score: float | None, marker: Highlighter, copies: int = 0) -> Hit:
        doc = snap.searcher.stored_fields(docnum)
        title, generated = story_title(doc.get("headline"), doc.get("paragraphs") or [])
        return Hit(
            id=doc["id"],
            headline=marker.headline(doc.get("headline") or ""),
            snippet=marker.snippet(doc.get("paragraphs") or []),
            date=doc.get("date_text"),
            date_basis=doc.get("date_basis") or "none",
            source=doc.get("source") or "",
            url=doc.get("url"),
            facets={spec.name: list(doc.get(spec.field) or []) for spec in registry.story_facets()},
            score=None if score is None else round(score, 4),
            title=marker.headline(title),
            title_generated=generated,
            first_seen=doc.get("first_seen_text"),
            updated=doc.get("updated"),
            removed_after=doc.get("removed_after"),
            copies=copies,
        )

    def _facets(self, snap: _Snapshot, mask: np.ndarray, req: SearchRequest) -> dict[str, list[FacetValue]]:
        """Top values per facet over the matches; selected values always appear, even at 0."""
        cols = snap.columns
        out = {}
        for facet in facet_names():
            selected = [cols.resolve(facet, v) or v for v in req.filters.get(facet, [])]
            values = [
                FacetValue(value, count, value in selected)
                for value, count in cols.top(facet, mask, FACET_LIMIT)
            ]
            shown = {v.value for v in values}
            values += [
                FacetValue(value, int((mask & cols.value_mask(facet, value)).sum()), True)
                for value in selected
                if value not in shown
            ]
            out[facet] = values
        return out


def _frozen(mask: np.ndarray) -> np.ndarray:
    mask.setflags(write=False)
    return mask


def _contains(sorted_docs: np.ndarray, doc: int) -> bool:
    at = int(np.searchsorted(sorted_docs, doc))
    return at < len(sorted_docs) and int(sorted_docs[at]) == doc


def _page_order(docs) -> list[dict]:
    """A page's stories as the page shows them: live blogs add posts on top, so the posts first
    seen in later snapshots come first, each snapshot's new posts in their page order."""
    by_position = sorted(docs, key=lambda d: d.get("position") or 0)
    return sorted(by_position, key=lambda d: d.get("first_seen_text") or "", reverse=True)


def _utc_text(when) -> str | None:
    return None if when is None else when.isoformat(timespec="seconds") + "+00:00"


def _link(doc: dict) -> StoryLink:
    title, generated = story_title(doc.get("headline"), doc.get("paragraphs") or [])
    return StoryLink(doc["id"], doc.get("headline") or None, title, generated)


