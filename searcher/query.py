"""The one query engine behind the CLI and the web API: request and result records, and `Engine`.

Front ends build a `SearchRequest` (from URL-style parameters, so CLI flags and web parameters
behave the same), call `Engine.search`, and render the `SearchResult`. Nothing else touches Whoosh.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil import parser as date_parser

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


class IndexMissing(Exception):
    """No usable index where one was expected; the message says what to run."""


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
        """Parse URL-style parameters (each a list of values); raise QueryError on anything bad."""
        known = {"q", "from", "to", "sort", "page", "per_page"} | set(FACET_PARAMS)
        known |= {f"exclude_{p}" for p in FACET_PARAMS}
        unknown = sorted(set(params) - known)
        if unknown:
            raise QueryError(f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(known))}")
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
    if re.fullmatch(r"\d{4}", text):
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
