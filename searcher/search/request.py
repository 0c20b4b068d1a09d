"""What a person asks: `SearchRequest`, parsed from URL-style parameters.

CLI flags and web parameters go through the same `from_params`, so both behave the same, and
`to_params` gives the URL that carries the whole request.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from dateutil import parser as date_parser

from searcher import registry
from searcher.errors import QueryError

SORTS = ("relevance", "newest", "oldest", "first_seen")  # first_seen: newest first by first_seen
UNDATED = ("include", "exclude")  # `undated=`: by default included, left out when a date range is set
PER_PAGE_CHOICES = (10, 20, 50, 100)  # the page's selector; the API takes any 1..MAX_PER_PAGE
MAX_QUERY_CHARS = 500
MAX_FILTER_VALUES = 50
MAX_PER_PAGE = 100
MAX_PAGE = 10_000


def facet_params() -> dict[str, str]:
    """URL parameter -> facet name, from the registry."""
    return {spec.param: spec.name for spec in registry.facets()}


def facet_names() -> tuple[str, ...]:
    return tuple(spec.name for spec in registry.facets())


# The parameters every search takes besides the facet filters (registry) and their excludes.
FIXED_PARAMS = ("q", "from", "to", "sort", "page", "per_page", "undated", "since", "literal", "collapse")


def facet_param_names(spec: registry.FacetSpec) -> tuple[str, ...]:
    """The URL parameters that filter by a facet: its own and its aliases (`country`, `countries`)."""
    return tuple(dict.fromkeys((spec.param, *spec.aliases)))


def known_params() -> tuple[str, ...]:
    """Every parameter `from_params` understands: the fixed ones, then each facet's parameter
    and aliases with their `exclude_` twins."""
    out = list(FIXED_PARAMS)
    for spec in registry.facets():
        names = facet_param_names(spec)
        out += [*names, *(f"exclude_{name}" for name in names)]
    return tuple(dict.fromkeys(out))


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
    since: datetime | None = None  # only stories first seen after this (UTC, naive)
    literal: bool = False  # run the words as typed: no variants, correction or relaxation (issue 14)
    collapse: bool = True  # wire copies of one story shown once (searcher.enrich.wire, issue 17)
    undated: str | None = None  # "include" / "exclude"; None: include unless a date range is set

    @property
    def include_undated(self) -> bool:
        """Whether stories with no date can match: yes unless excluded, or a date range is set
        and they were not asked for."""
        if self.undated is not None:
            return self.undated == "include"
        return not (self.date_from or self.date_to)

    @classmethod
    def from_params(cls, params: Mapping[str, list[str]], *, extra: Iterable[str] = ()) -> SearchRequest:
        """Parse URL-style parameters (each a list of values); raise QueryError on anything bad.

        A parameter it does not know is an error naming the known ones (a misspelt filter must
        not silently return everything); `extra` names the parameters the caller handles itself
        (the facet endpoint's `prefix` and `limit`)."""
        _refuse_unknown(params, tuple(extra))
        q = " ".join(v.strip() for v in params.get("q", []) if v.strip())
        if len(q) > MAX_QUERY_CHARS:
            raise QueryError(f"query is {len(q)} characters; the limit is {MAX_QUERY_CHARS}")
        filters, excludes = {}, {}
        for spec in registry.facets():
            names = facet_param_names(spec)
            if values := _clean_values([v for name in names for v in params.get(name, [])]):
                filters[spec.name] = values
            if values := _clean_values([v for name in names for v in params.get(f"exclude_{name}", [])]):
                excludes[spec.name] = values
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
        since = parse_since(_last(params, "since"))
        literal = _bool_param(params, "literal")
        undated = _last(params, "undated")
        if undated is not None and undated not in UNDATED:
            raise QueryError(f"undated must be include or exclude, not {undated!r}")
        collapse = _bool_param(params, "collapse") if _last(params, "collapse") is not None else True
        return cls(q, filters, excludes, date_from, date_to, sort, page, per_page, since=since, literal=literal,
                   collapse=collapse, undated=undated)

    def to_params(self) -> list[tuple[str, str]]:
        """The inverse of from_params, for building URLs; defaults are left out."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for spec in registry.facets():
            out += [(spec.param, v) for v in self.filters.get(spec.name, [])]
            out += [(f"exclude_{spec.param}", v) for v in self.excludes.get(spec.name, [])]
        if self.date_from:
            out.append(("from", self.date_from.isoformat()))
        if self.date_to:
            out.append(("to", self.date_to.isoformat()))
        if self.undated is not None:
            out.append(("undated", self.undated))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        if self.per_page != 20:
            out.append(("per_page", str(self.per_page)))
        if self.since:
            out.append(("since", self.since.isoformat(timespec="seconds") + "Z"))
        if self.literal:
            out.append(("literal", "1"))
        if not self.collapse:
            out.append(("collapse", "false"))
        return out


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


def _refuse_unknown(params: Mapping[str, list[str]], extra: tuple[str, ...]) -> None:
    known = known_params()
    unknown = [name for name in params if name not in known and name not in extra]
    if unknown:
        listed = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise QueryError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {listed}; "
            f"the known ones are {', '.join((*known, *extra))}"
        )


def parse_since(text: str | None) -> datetime | None:
    """`since`: an ISO 8601 time (`2024-03-01T10:00:00Z`, `2024-03-01T11:00+01:00`, or a day),
    as naive UTC; a time without offset is UTC."""
    if not text:
        return None
    text = re.sub(r"(\d) (\d{2}:?\d{2})$", r"\1+\2", text.strip())  # a `+` decoded to a space in a URL
    try:
        when = date_parser.isoparse(text)
    except (ValueError, OverflowError):
        raise QueryError(f"bad time for 'since': {text!r}; use ISO 8601, e.g. 2024-03-01T10:00:00Z")
    if when.tzinfo is not None:
        try:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable time
            raise QueryError(f"time for 'since' is out of range: {text!r}")
    return when


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


def _bool_param(params: Mapping[str, list[str]], name: str) -> bool:
    text = (_last(params, name) or "").lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise QueryError(f"{name!r} must be 1 or 0, not {text!r}")


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
