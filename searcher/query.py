"""The one query engine behind the CLI and the web API: request and result records, and `Engine`.

Front ends build a `SearchRequest` (from URL-style parameters, so CLI flags and web parameters
behave the same), call `Engine.search`, and render the `SearchResult`. Nothing else touches Whoosh.
"""

from __future__ import annotations

import calendar
import functools
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
from dateutil import parser as date_parser
from whoosh import qparser
from whoosh import query as wquery

from searcher.facets import LeafCache
from searcher.highlight import Highlighter, query_terms
from searcher.index import IndexMissing, Manifest, current_generation, open_generation
from searcher.schema import document_to_json

# URL parameter -> facet name (the Story field and the key of SearchResult.facets).
FACET_PARAMS = {
    "country": "countries",
    "person": "people",
    "org": "organizations",
    "place": "places",
    "source": "sources",
}
FACET_NAMES = tuple(FACET_PARAMS.values())
SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_CHARS = 500
MAX_FILTER_VALUES = 50
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


class QueryError(ValueError):
    """A problem with what the user asked; the message is shown to them (web: HTTP 400)."""


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet name -> values, all must match
    excludes: dict[str, list[str]] = field(default_factory=dict)  # facet name -> values, none may match
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_params(cls, params: Mapping[str, list[str]]) -> SearchRequest:
        """Parse URL-style parameters (each a list of values); raise QueryError on anything bad.

        Parameters it does not know are ignored, so front ends can pass their own alongside."""
        q = " ".join(v.strip() for v in params.get("q", []) if v.strip())
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(f"query is {len(q)} characters; the limit is {MAX_QUERY_CHARS}")
        filters, excludes = {}, {}
        for param, facet in FACET_PARAMS.items():
            if values := _clean_values(params.get(param, [])):
                filters[facet] = values
            if values := _clean_values(params.get(f"exclude_{param}", [])):
                excludes[facet] = values
        n_values = sum(map(len, filters.values())) + sum(map(len, excludes.values()))
        if n_values > MAX_FILTER_VALUES:
            raise QueryError(f"{n_values} filter values; the limit is {MAX_FILTER_VALUES}")
        date_from = parse_date(_last(params, "from"), end=False, name="from")
        date_to = parse_date(_last(params, "to"), end=True, name="to")
        if date_from and date_to and date_from > date_to:
            raise QueryError(f"'from' ({date_from}) is after 'to' ({date_to})")
        sort = _last(params, "sort") or "relevance"
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        page = _int_param(params, "page", 1, 1, MAX_PAGE)
        per_page = _int_param(params, "per_page", 20, 1, MAX_PER_PAGE)
        return cls(q, filters, excludes, date_from, date_to, sort, page, per_page)

    def to_params(self) -> list[tuple[str, str]]:
        """The inverse of from_params, for building URLs; defaults are left out."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for param, facet in FACET_PARAMS.items():
            out += [(param, v) for v in self.filters.get(facet, [])]
            out += [(f"exclude_{param}", v) for v in self.excludes.get(facet, [])]
        if self.date_from:
            out.append(("from", self.date_from.isoformat()))
        if self.date_to:
            out.append(("to", self.date_to.isoformat()))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.per_page != 20:
            out.append(("per_page", str(self.per_page)))
        return out


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass
class Hit:
    id: str
    headline: str  # HTML: escaped text, query matches in <mark>
    snippet: str  # HTML, same rules
    date: str | None
    date_basis: str
    source: str
    url: str | None
    people: list[str]
    organizations: list[str]
    places: list[str]
    countries: list[str]
    score: float | None  # None when not ranked by relevance


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    dates: list[dict]  # [{"value": "2023-10" or "2023-10-13", "count": n}], in date order
    suggestion: str | None = None

    def to_json(self) -> dict:
        """The /api/search response (issue 5) and `livesearch search --json`."""
        facets: dict[str, list[dict]] = {
            name: [vars(v).copy() for v in values] for name, values in self.facets.items()
        }
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "hits": [vars(h).copy() for h in self.hits],
            "facets": {**facets, "dates": list(self.dates)},
            "suggestion": self.suggestion,
        }


def parse_date(text: str | None, *, end: bool, name: str) -> date | None:
    """Parse "2023", "2023-10", "2023-10-13", "13 Oct 2023", "Oct 2023"; a month or year given as
    an end bound means its last day."""
    if not text:
        return None
    text = text.strip()
    if re.fullmatch(r"[1-9]\d{3}", text):  # year 0 does not exist; dateutil refuses it below
        return date(int(text), 12, 31) if end else date(int(text), 1, 1)
    # Parse twice with different defaults: a field that differs was not in the text.
    try:
        a = date_parser.parse(text, default=datetime(2000, 1, 1))
        b = date_parser.parse(text, default=datetime(2001, 2, 2))
    except (ValueError, OverflowError, date_parser.ParserError):
        raise QueryError(f"bad date for {name!r}: {text!r}; use e.g. 2023-10, 2023-10-13 or 13 Oct 2023")
    if a.year != b.year:
        raise QueryError(f"date for {name!r} has no year: {text!r}; use e.g. 2023-10 or 13 Oct 2023")
    if a.month != b.month:
        return date(a.year, 12, 31) if end else date(a.year, 1, 1)
    if a.day != b.day:
        last = calendar.monthrange(a.year, a.month)[1]
        return date(a.year, a.month, last) if end else date(a.year, a.month, 1)
    return a.date()


def _clean_values(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip()
        if v and v not in out:
            out.append(v)
    return out


def _last(params: Mapping[str, list[str]], name: str) -> str | None:
    values = [v for v in params.get(name, []) if v.strip()]
    return values[-1].strip() if values else None


def _int_param(params: Mapping[str, list[str]], name: str, default: int, low: int, high: int) -> int:
    text = _last(params, name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{name!r} must be a whole number, not {text!r}")
    if not low <= value <= high:
        raise QueryError(f"{name!r} must be between {low} and {high}, not {value}")
    return value


MAX_CLAUSES = 64
FACET_LIMIT = 30  # values per facet in a search result; facet_values() pages further
MIN_WILDCARD_PREFIX = 2


def parse_query(text: str, schema):
    """Whoosh syntax (words, "phrases", AND/OR/NOT, wildcards, term~) over headline and body;
    None for the empty query (everything). Raises QueryError for what it cannot run well."""
    text = text.strip()
    if text in ("", "*"):
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}")
    _check_balanced(text)
    parser = qparser.MultifieldParser(["headline", "body"], schema)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    query = parser.parse(text)
    leaves = list(query.leaves()) if not query.is_leaf() else [query]
    if len(leaves) > MAX_CLAUSES:
        raise QueryError(f"query has {len(leaves)} terms; the limit is {MAX_CLAUSES}")
    for leaf in leaves:
        if isinstance(leaf, (wquery.Wildcard, wquery.Prefix)):
            literal = re.split(r"[*?]", leaf.text)[0]
            if len(literal) < MIN_WILDCARD_PREFIX and not isinstance(leaf, wquery.Prefix):
                raise QueryError(
                    f"wildcard {leaf.text!r} needs at least {MIN_WILDCARD_PREFIX} letters before * or ?"
                )
            if isinstance(leaf, wquery.Prefix) and len(leaf.text) < MIN_WILDCARD_PREFIX:
                raise QueryError(
                    f"wildcard {leaf.text + '*'!r} needs at least {MIN_WILDCARD_PREFIX} letters before *"
                )
    if query is wquery.NullQuery:
        raise QueryError(f"query {text!r} has no words to search for")
    return query


def _check_balanced(text: str) -> None:
    if text.count('"') % 2:
        raise QueryError('query has an unclosed quote ("); close the phrase or remove the quote')
    depth = 0
    for part in text.split('"')[::2]:  # outside phrases
        for ch in part:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                raise QueryError("query has a ')' without its '('")
    if depth:
        raise QueryError("query has a '(' without its ')'")


class _Snapshot:
    """One searcher over one state of the index, with its value arrays."""

    def __init__(self, generation: Path, ix, cache: LeafCache):
        self.generation = generation
        self.ix = ix
        self.searcher = ix.searcher()
        self.columns = cache.columns(self.searcher)

    def is_current(self, generation: Path | None) -> bool:
        return generation == self.generation and self.searcher.up_to_date()


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


class Engine:
    """The query engine of one process: thread-safe, reuses its searchers until the index changes.

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
        query = parse_query(req.q, snap.ix.schema)
        mask = self._matches(snap, query, req)
        total = int(mask.sum())
        start = (req.page - 1) * req.per_page
        ranked = req.sort == "relevance" and query is not None
        if ranked:
            rank_by = _phrases_as_words(query)
            narrowed = bool(req.filters or req.excludes or req.date_from or req.date_to) or rank_by is not query
            docs_scores = self._ranked(snap, rank_by, mask if narrowed else None, start + req.per_page)[start:]
        else:
            order = snap.columns.date_order(mask, req.sort != "oldest", start + req.per_page)
            docs_scores = [(int(d), None) for d in order[start:]]
        marker = Highlighter(query_terms(query, snap.searcher.reader()))
        hits = [self._hit(snap, doc, score, marker) for doc, score in docs_scores]
        suggestion = self._suggest(snap, query, req.q) if query is not None and total == 0 else None
        return SearchResult(
            query=req.q,
            total=total,
            page=req.page,
            per_page=req.per_page,
            took_ms=(time.perf_counter() - started) * 1000,
            hits=hits,
            facets=self._facets(snap, mask, req),
            dates=snap.columns.histogram(mask),
            suggestion=suggestion,
        )

    @_damage_is_index_missing
    def story(self, story_id: str) -> dict | None:
        snap = self._current()
        doc = snap.searcher.document(id=story_id)
        if doc is None:
            return None
        siblings = sorted(snap.searcher.documents(page=doc["page"]), key=lambda d: d["position"])
        ids = [d["id"] for d in siblings]
        at = ids.index(story_id)
        data = document_to_json(doc)
        data["page_title"] = doc.get("page_title")
        data["previous"] = _link(siblings[at - 1]) if at > 0 else None
        data["next"] = _link(siblings[at + 1]) if at + 1 < len(siblings) else None
        return data

    @_damage_is_index_missing
    def facet_values(
        self, name: str, prefix: str = "", req: SearchRequest | None = None, limit: int = 50
    ) -> list[FacetValue]:
        """Values of one facet (name or URL parameter) whose words start with `prefix`, most
        frequent first, counted over the matches of `req` (or the whole index)."""
        facet = FACET_PARAMS.get(name, name)
        if facet not in FACET_NAMES:
            raise QueryError(f"unknown facet {name!r}; use one of {', '.join(FACET_NAMES)}")
        snap = self._current()
        req = req or SearchRequest()
        mask = self._matches(snap, parse_query(req.q, snap.ix.schema), req)
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
        query = parse_query(req.q, snap.ix.schema)
        mask = self._matches(snap, query, req)
        if req.sort == "relevance" and query is not None:
            docs = (doc for doc, _ in self._ranked(snap, _phrases_as_words(query), mask, None))
        else:
            docs = (int(d) for d in snap.columns.date_order(mask, req.sort != "oldest", None))
        return (document_to_json(snap.searcher.stored_fields(doc)) for doc in docs)

    @_damage_is_index_missing
    def stats(self) -> dict:
        snap = self._current()
        cols = snap.columns
        live = cols.live
        days = cols.days[live & (cols.days >= 0)]
        manifest = Manifest.load(snap.generation)
        reader = snap.searcher.reader()
        pages = sum(
            1 for term in reader.lexicon("page") if any(True for _ in reader.postings("page", term).all_ids())
        )
        return {
            "index": str(snap.generation.parent),
            "generation": snap.generation.name,
            "stories": int(live.sum()),
            "pages": pages,
            "files": len(manifest.files),
            "sources": [{"value": v, "count": c} for v, c in cols.top("sources", live, 10_000)],
            "date_range": {
                "first": date.fromordinal(int(days.min()) + 1).isoformat() if len(days) else None,
                "last": date.fromordinal(int(days.max()) + 1).isoformat() if len(days) else None,
                "undated": int((live & (cols.days < 0)).sum()),
            },
            "top": {
                facet: [{"value": v, "count": c} for v, c in cols.top(facet, live, 10)]
                for facet in FACET_NAMES
                if facet != "sources"
            },
            "index_bytes": sum(p.stat().st_size for p in snap.generation.iterdir() if p.is_file()),
            "built_at": manifest.built_at,
            "updated_at": manifest.updated_at,
        }

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

    def _matches(self, snap: _Snapshot, query, req: SearchRequest) -> np.ndarray:
        cols = snap.columns
        if query is None:
            mask = cols.live.copy()
        else:
            mask = np.zeros(len(cols.live), dtype=bool)
            docs = np.fromiter(snap.searcher.docs_for_query(query), dtype=np.int64)
            mask[docs] = True
            mask &= cols.live
        for facet, values in req.filters.items():
            for value in values:
                mask &= cols.value_mask(facet, value)
        for facet, values in req.excludes.items():
            for value in values:
                mask &= ~cols.value_mask(facet, value)
        if req.date_from or req.date_to:
            mask &= cols.date_mask(req.date_from, req.date_to)
        return mask

    def _ranked(self, snap: _Snapshot, query, mask: np.ndarray | None, limit: int | None) -> list[tuple[int, float]]:
        """(docnum, score) best first, among the documents of `mask` when given."""
        allow = None if mask is None else set(np.flatnonzero(mask).tolist())
        results = snap.searcher.search(query, filter=allow, limit=limit)
        return [(hit.docnum, float(hit.score)) for hit in results]

    def _hit(self, snap: _Snapshot, docnum: int, score: float | None, marker: Highlighter) -> Hit:
        doc = snap.searcher.stored_fields(docnum)
        return Hit(
            id=doc["id"],
            headline=marker.headline(doc.get("headline") or ""),
            snippet=marker.snippet(doc.get("paragraphs") or []),
            date=doc.get("date_text"),
            date_basis=doc.get("date_basis") or "none",
            source=doc.get("source") or "",
            url=doc.get("url"),
            people=list(doc.get("people") or []),
            organizations=list(doc.get("organizations") or []),
            places=list(doc.get("places") or []),
            countries=list(doc.get("countries") or []),
            score=None if score is None else round(score, 4),
        )

    def _facets(self, snap: _Snapshot, mask: np.ndarray, req: SearchRequest) -> dict[str, list[FacetValue]]:
        """Top values per facet over the matches; selected values always appear, even at 0."""
        cols = snap.columns
        out = {}
        for facet in FACET_NAMES:
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

    def _suggest(self, snap: _Snapshot, query, text: str) -> str | None:
        """A did-you-mean, or None. Whoosh's corrector fails on some texts whose tokens carry no
        character offsets (e.g. "æäb<@", found by Schemathesis) and on empty ranges such as
        "[zz TO zzz]" (found by Hypothesis); no suggestion then."""
        try:
            corrected = snap.searcher.correct_query(query, text)
            return corrected.string if corrected.query != query else None
        except (TypeError, AttributeError):
            return None


def _phrases_as_words(query):
    """The query to rank by, within the match mask: each phrase becomes the AND of its words.

    Whoosh scores a phrase by re-reading every candidate's word positions, a second pass as
    slow as matching it; the mask already holds only the stories with the phrase, so ranking
    them by their words' BM25 instead keeps the same matches for a fraction of the time (a
    common phrase at 10k stories: 0.3 s instead of 1.0 s). `query` itself when it has no phrase."""
    leaves = [query] if query.is_leaf() else list(query.leaves())
    if not any(isinstance(leaf, wquery.Phrase) for leaf in leaves):
        return query
    if isinstance(query, wquery.Phrase):
        return wquery.And([wquery.Term(query.fieldname, word) for word in query.words], boost=query.boost)
    return query.apply(_phrases_as_words)


def _link(doc: dict) -> dict:
    return {"id": doc["id"], "headline": doc.get("headline") or None}


CSV_FIELDS = (
    "id", "date", "date_basis", "source", "url", "page_title", "headline", "body",
    "people", "organizations", "places", "countries",
)


# Spreadsheets run cells that start with these as formulas; exported page text must stay text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_row(story: dict) -> list[str]:
    """One exported story as a CSV row: paragraphs joined by blank lines, facet values by "; ",
    and a cell that a spreadsheet would run as a formula prefixed with `'`."""
    row = []
    for name in CSV_FIELDS:
        value = story.get(name)
        if name == "body":
            value = "\n\n".join(value or [])
        elif isinstance(value, list):
            value = "; ".join(value)
        cell = "" if value is None else str(value)
        row.append("'" + cell if cell.startswith(FORMULA_PREFIXES) else cell)
    return row
