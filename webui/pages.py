"""HTML pages, rendered on the server so they work without JavaScript; static/app.js then
takes over the search page (search as you type) by asking this same page for its results region
only (the `X-Livesearch-Partial` header) and swapping it in. So every link, count, date and bar
is made here, once; app.js has no copy of this logic.

The URL is the whole state: every link below is built from the current parameters.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import quote, urlencode, urlsplit

import bleach
from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from searcher import registry
from searcher.errors import QueryError
from searcher.search import display
from searcher.search.request import MAX_PER_PAGE, PER_PAGE_CHOICES, SearchRequest
from webui.engine import engine, run_search

blueprint = Blueprint("pages", __name__)

SORTS = (("relevance", "Best match"), ("newest", "Newest first"), ("oldest", "Oldest first"))
FORM_FIELDS = ("q", "sort", "from", "to", "page", "per_page", "literal")  # edited in the form, not carried as hidden
PAGER_SPAN = 2  # pages shown either side of the current one
BAR_PX = 48  # widest a histogram bar is drawn; many buckets shrink to fit the width
PARTIAL_HEADER = "X-Livesearch-Partial"  # app.js: answer with the results region only
TYPING_HEADER = "X-Livesearch-Typing"  # app.js, while typing: the last word is a prefix
PREFIX_MIN_LETTERS = 3  # a word being typed becomes a prefix query only from this many letters
FACET_SHOWN = 10  # facet values listed before "show more"
FACET_MORE = 200  # values listed by "show more" (and the no-JS facet page)
OPERATORS = {"AND", "OR", "NOT", "TO"}


@blueprint.app_template_filter("marked")
def marked(html: str | None) -> Markup:
    """Headline/snippet HTML from the engine, re-cleaned so nothing but <mark> can survive."""
    return Markup(bleach.clean(html or "", tags={"mark"}, attributes={}, strip=True))


@blueprint.app_template_filter("human_date")
def human_date(iso: str | None) -> str:
    return display.human_date(iso)


@blueprint.app_template_filter("basis_label")
def basis_label(basis: str | None) -> str:
    return display.basis_label(basis)


@blueprint.app_template_filter("basis_explanation")
def basis_explanation(basis: str | None) -> str:
    return display.basis_explanation(basis)


@blueprint.app_template_filter("plural")
def plural(count: int, one: str, many: str | None = None) -> str:
    return display.plural(count, one, many)


@blueprint.app_template_global("original_link")
def original_link(url: str | None, anchor: str | None) -> str | None:
    """The post itself on its page when the markup gave it an anchor (an element id, or a
    permalink URL), else the page."""
    page = web_url(url)
    anchor = (anchor or "").strip()
    if web_url(anchor):
        return anchor  # JSON-LD gives some posts a whole permalink
    if page and "#" not in page and LINKABLE_ANCHOR.fullmatch(anchor):
        return f"{page}#{quote(anchor, safe=':-._~')}"
    return page


# An id a browser can scroll to; bare numbers are `data-post-id`s more often than element ids.
LINKABLE_ANCHOR = re.compile(r"(?!\d+$)[^\s#/?]{1,200}")


@blueprint.app_template_filter("web_url")
def web_url(url: str | None) -> str | None:
    """Only http(s) links from page data become hrefs (no javascript:, data:, ...)."""
    return url if url and urlsplit(url).scheme.lower() in ("http", "https") else None


class SearchLinks:
    """URLs of the search page derived from the current parameters (the URL is the state)."""

    def __init__(self, params: list[tuple[str, str]]) -> None:
        self.params = list(params)
        self.filters = [(k, v) for k, v in self.params if k != "page"]

    @staticmethod
    def href(params: list[tuple[str, str]]) -> str:
        return "/?" + urlencode(params) if params else "/"

    def current(self) -> str:
        return self.href(self.params)

    def is_selected(self, param: str, value: str) -> bool:
        return (param, value) in self.filters

    def toggle(self, param: str, value: str) -> str:
        """Add a facet value (dropping its exclusion), or remove it when already selected."""
        if self.is_selected(param, value):
            return self.without(param, value)
        kept = [p for p in self.filters if p != ("exclude_" + param, value)]
        return self.href(kept + [(param, value)])

    def exclude(self, param: str, value: str) -> str:
        kept = [p for p in self.filters if p != (param, value)]
        return self.href(kept + [("exclude_" + param, value)])

    def without(self, param: str, value: str) -> str:
        return self.href([p for p in self.filters if p != (param, value)])

    def dates(self, start: str | None, end: str | None) -> str:
        kept = [p for p in self.filters if p[0] not in ("from", "to")]
        chosen = [(k, v) for k, v in (("from", start), ("to", end)) if v]
        return self.href(kept + chosen)

    def page(self, number: int) -> str:
        return self.href(self.filters + ([("page", str(number))] if number > 1 else []))

    def undated(self, choice: str) -> str:
        """The same search with undated stories included or left out."""
        return self.href([p for p in self.filters if p[0] != "undated"] + [("undated", choice)])

    def facet_values(self, facet: str) -> str:
        """The page listing all of a facet's values under this search (app.js: its list only)."""
        return url_for("pages.facet_page", name=facet) + ("?" + urlencode(self.filters) if self.filters else "")

    def query(self, q: str) -> str:
        return self.href([p for p in self.filters if p[0] not in ("q", "literal")] + [("q", q)])

    def literal(self, q: str) -> str:
        """The search for `q` exactly as typed (no variants, corrections or dropped words)."""
        return self.href([p for p in self.filters if p[0] not in ("q", "literal")] + [("q", q), ("literal", "1")])

    def replace_filter(self, param: str, old: str, new: str) -> str:
        return self.href([(k, new if (k, v) == (param, old) else v) for k, v in self.filters])

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Facet filters the plain HTML form carries along when the query is edited."""
        return [(k, v) for k, v in self.filters if k not in FORM_FIELDS]

    def active_filters(self) -> list[dict]:
        """The chips above the results: each current filter with a link that removes it."""
        chips = []
        for key, value in self.filters:
            excluded = key.startswith("exclude_")
            param = key.removeprefix("exclude_")
            spec = registry.facet(param)
            if spec is not None and spec.param == param:
                label = spec.label
                chips.append({"label": label, "value": value, "excluded": excluded,
                              "href": self.without(key, value)})
            elif key in ("from", "to"):
                shown = display.human_date(value) if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else value
                chips.append({"label": key, "value": shown, "excluded": False,
                              "href": self.without(key, value)})
            elif key == "undated":
                chips.append({"label": "undated", "value": "included" if value == "include" else "left out",
                              "excluded": False, "href": self.without(key, value)})
        return chips


@dataclass
class Bar:
    """One histogram bucket as drawn: a link selecting the bucket's date range."""

    value: str
    count: int
    start: str
    end: str
    x: int
    height: float
    in_range: bool
    label: str  # "Oct 2023" or "13 Oct 2023"


@dataclass
class Tick:
    label: str
    left: float  # percent of the axis width
    major: bool  # a year (month axis) or a month (day axis)


@dataclass
class Histogram:
    bars: list[Bar]
    ticks: list[Tick]
    by_day: bool
    undated: int  # matches with no date (ignoring the date range)
    undated_included: bool
    has_range: bool


def bucket_range(value: str) -> tuple[str, str]:
    """First and last day of a histogram bucket: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    parts = value.split("-")
    if len(parts) == 1:
        return f"{value}-01-01", f"{value}-12-31"
    if len(parts) == 2:
        last = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{value}-01", f"{value}-{last:02d}"
    return value, value


AXIS_MAX_DAYS = 92  # a selected date range widens a day axis up to this many days
AXIS_MAX_MONTHS = 120  # or a month axis up to this many months


def continuous(buckets: list[dict], date_from: str | None = None, date_to: str | None = None) -> list[dict]:
    """Every month (or day) from the first bucket to the last, empty ones at 0: the axis is time.
    A selected date range widens the axis to itself when that stays short enough to read."""
    if not buckets:
        return []
    counts = {b["value"]: b["count"] for b in buckets}
    first, last = buckets[0]["value"], buckets[-1]["value"]
    size = len(first)
    lo, hi = (date_from or "")[:size], (date_to or "")[:size]
    if len(lo) == size and len(hi) == size and lo <= first and last <= hi:
        if size == 10:
            fits = (date.fromisoformat(hi) - date.fromisoformat(lo)).days < AXIS_MAX_DAYS
        else:
            fits = (int(hi[:4]) - int(lo[:4])) * 12 + int(hi[5:]) - int(lo[5:]) < AXIS_MAX_MONTHS
        if fits:
            first, last = lo, hi
    out = []
    if len(first) == 10:
        day, end = date.fromisoformat(first), date.fromisoformat(last)
        while day <= end:
            out.append({"value": day.isoformat(), "count": counts.get(day.isoformat(), 0)})
            day += timedelta(days=1)
    else:
        year, month = map(int, first.split("-"))
        while f"{year:04d}-{month:02d}" <= last:
            value = f"{year:04d}-{month:02d}"
            out.append({"value": value, "count": counts.get(value, 0)})
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def bucket_label(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {calendar.month_abbr[int(parts[1])]} {parts[0]}"
    if len(parts) == 2:
        return f"{calendar.month_abbr[int(parts[1])]} {parts[0]}"
    return value


def ticks(values: list[str]) -> list[Tick]:
    """Axis labels in two rows, so they never collide: the bottom row names years (month axis)
    or months (day axis) where they begin, and the first bucket's; the top row, when there are
    few buckets, names months (every one, or every other) or days (1, 8, 15, 22, 29)."""
    n = len(values)
    major: list[tuple[int, str]] = []
    minor: list[tuple[int, str]] = []
    for i, value in enumerate(values):
        parts = value.split("-")
        month = calendar.month_abbr[int(parts[1])]
        if len(parts) == 3:
            day = int(parts[2])
            if day == 1 or i == 0:
                major.append((i, f"{month} {parts[0]}"))
            if n <= 35 and (day - 1) % 7 == 0:
                minor.append((i, str(day)))
        else:
            if parts[1] == "01" or i == 0:
                major.append((i, parts[0] if parts[1] == "01" else f"{month} {parts[0]}"))
            if n <= 12 or (n <= 24 and int(parts[1]) % 2 == 1):
                minor.append((i, month))
    gap = max(2.0, n * MIN_TICK_GAP)
    if len(major) > 1 and major[1][0] - major[0][0] < gap:
        major.pop(0)  # the first bucket's label would collide with the next year's (month's)
    kept = [t for k, t in enumerate(major) if k == 0 or t[0] - major[k - 1][0] >= gap]

    def place(i: int, label: str, is_major: bool) -> Tick:
        return Tick(label, 100.0 * (i + 0.5) / n, is_major)

    return [place(i, label, False) for i, label in minor] + [place(i, label, True) for i, label in kept]


MIN_TICK_GAP = 0.09  # of the axis width between two labels of the bottom row


def histogram(result, date_from: str | None, date_to: str | None) -> Histogram:
    """Bars 10 units wide on a 100-unit-high canvas, tallest bucket full height, one per month
    or day with the empty ones drawn (at 0), and the undated stories counted beside."""
    buckets = continuous(result["facets"]["dates"], date_from, date_to)
    tallest = max((b["count"] for b in buckets), default=0) or 1
    bars = []
    for position, bucket in enumerate(buckets):
        start, end = bucket_range(bucket["value"])
        in_range = bool(date_from or date_to) and (date_from or start) <= start and end <= (date_to or end)
        height = max(2.0, 100.0 * bucket["count"] / tallest) if bucket["count"] else 0.0
        bars.append(Bar(bucket["value"], bucket["count"], start, end, position * 10, height, in_range,
                        bucket_label(bucket["value"])))
    undated = result.get("undated") or {"count": 0, "included": True}
    return Histogram(
        bars=bars,
        ticks=ticks([b.value for b in bars]),
        by_day=bool(bars) and len(bars[0].value) == 10,
        undated=undated["count"],
        undated_included=undated["included"],
        has_range=bool(date_from or date_to),
    )


def pager(page: int, per_page: int, total: int) -> list[int]:
    last = max(1, math.ceil(total / per_page))
    return list(range(max(1, page - PAGER_SPAN), min(last, page + PAGER_SPAN) + 1))


def typed_prefix(q: str) -> str:
    """While typing, the word being typed matches as a prefix (`gener` -> `gener*`), but only
    from PREFIX_MIN_LETTERS letters on, so short prefixes never expand to half the lexicon."""
    match = re.search(r"(?:^|\s)([^\W\d_]+)$", q)
    if not match or len(match.group(1)) < PREFIX_MIN_LETTERS or match.group(1) in OPERATORS:
        return q
    if q.count('"') % 2:  # inside a phrase
        return q
    return q + "*"


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def per_page_choices(current: int) -> list[int]:
    return sorted(set(PER_PAGE_CHOICES) | {min(current, MAX_PER_PAGE)})


@blueprint.get("/")
def search_page():
    args = _args()
    try:
        req = SearchRequest.from_params(args)
        searched = req
        if request.headers.get(TYPING_HEADER) and req.q:
            searched = replace(req, q=typed_prefix(req.q))
        try:
            result = run_search(searched)
        except QueryError:
            if searched is req:
                raise
            result = run_search(req)  # the prefix form was refused (e.g. a bad wildcard): as typed
        links = SearchLinks(req.to_params())
        error = None
    except QueryError as problem:
        req, result, error = None, None, str(problem)
        links = SearchLinks([(k, v) for k, values in args.items() for v in values])
    params = dict(links.params)
    last_page = max(1, math.ceil(result["total"] / result["per_page"])) if result else 1
    status_text = ""
    if result:
        status_text = display.plural(result["total"], "story", "stories")
        if result["total"]:
            status_text += f" · page {result['page']} of {last_page}"
    context = dict(
        result=result,
        error=error,
        status_text=status_text,
        links=links,
        q=params.get("q", ""),
        sort=params.get("sort", "relevance"),
        date_from=req.date_from.isoformat() if req and req.date_from else "",
        date_to=req.date_to.isoformat() if req and req.date_to else "",
        per_page=req.per_page if req else 20,
        per_page_choices=per_page_choices(req.per_page if req else 20),
        sorts=SORTS,
        facet_labels={s.name: s.label for s in registry.facets()},
        param_of_facet={s.name: s.param for s in registry.facets()},
        chart=histogram(result, params.get("from"), params.get("to")) if result else None,  # ISO days
        pages=pager(result["page"], result["per_page"], result["total"]) if result else [],
        last_page=last_page,
        story_query=urlencode(links.params),
        bar_px=BAR_PX,
        facet_shown=FACET_SHOWN,
        basis_explanations=display.BASIS_EXPLANATIONS,
        feed_href=feed_href(links.params),
        poll_ms=current_app.config.get("NEW_SINCE_POLL_MS", NEW_SINCE_POLL_MS),
    )
    status = 400 if error else 200
    if request.headers.get(PARTIAL_HEADER):
        response = render_template("_results.html", **context), status
    else:
        response = render_template("search.html", **context), status
    return _vary(response)


def _vary(response):
    from flask import make_response

    response = make_response(response)
    response.vary.add(PARTIAL_HEADER)
    response.vary.add(TYPING_HEADER)
    return response


@blueprint.get("/facets/<name>")
def facet_page(name: str):
    """All of a facet's values (up to FACET_MORE, or those matching `prefix`) under the search
    in the URL: the "show more" link without JavaScript, and the list app.js swaps in."""
    spec = registry.facet(name)
    if spec is None:
        abort(404, description=f"There is no facet {name!r}.")
    args = _args()
    prefix = (args.pop("prefix", None) or [""])[-1]
    req = SearchRequest.from_params(args)
    values = engine().facet_values(spec.name, prefix=prefix, req=req, limit=FACET_MORE)
    links = SearchLinks(req.to_params())
    context = dict(facet=spec.name, label=spec.label, param=spec.param, values=values, links=links,
                   prefix=prefix, back_href=links.current())
    template = "_facet_values.html" if request.headers.get(PARTIAL_HEADER) else "facet.html"
    return _vary(render_template(template, **context))


NEW_SINCE_POLL_MS = 30_000  # first wait of static/live.js; it backs off to 10 minutes


def feed_href(params: list[tuple[str, str]]) -> str:
    """The Atom feed of the search on the page (issue 15)."""
    kept = [(k, v) for k, v in params if k not in ("page", "per_page", "sort", "since")]
    return url_for("api.search_atom") + ("?" + urlencode(kept) if kept else "")


@blueprint.get("/stories/<story_id>")
def story_page(story_id: str):
    story = engine().story(story_id)
    if story is None:
        abort(404, description=f"There is no story with id {story_id!r}; it may have been removed by a rebuild.")
    back = [(k, v) for k, values in request.args.to_dict(flat=False).items() for v in values]
    return render_template(
        "story.html",
        story=story,
        facet_labels={s.name: s.label for s in registry.facets()},
        param_of_facet={s.name: s.param for s in registry.facets()},
        back_href=SearchLinks.href(back),
        story_query=urlencode(back),
        story_url=lambda other: url_for("pages.story_page", story_id=other),
        basis_explanations=display.BASIS_EXPLANATIONS,
    )
