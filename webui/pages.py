"""HTML pages, rendered on the server so they work without JavaScript; static/app.js then
takes over the search page (search as you type) using /api/search.

The URL is the whole state: every link below is built from the current parameters.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import bleach
from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup

from searcher import registry
from searcher.errors import QueryError
from searcher.search.request import SearchRequest
from webui.engine import engine, run_search

blueprint = Blueprint("pages", __name__)

SORTS = (("relevance", "Best match"), ("newest", "Newest first"), ("oldest", "Oldest first"))
FORM_FIELDS = ("q", "sort", "from", "to", "page", "literal")  # edited in the form, not carried as hidden
PAGER_SPAN = 2  # pages shown either side of the current one
BAR_PX = 48  # widest a histogram bar is drawn; many buckets shrink to fit the width


@blueprint.app_template_filter("marked")
def marked(html: str | None) -> Markup:
    """Headline/snippet HTML from the engine, re-cleaned so nothing but <mark> can survive."""
    return Markup(bleach.clean(html or "", tags={"mark"}, attributes={}, strip=True))


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
                chips.append({"label": key, "value": value, "excluded": False,
                              "href": self.without(key, value)})
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


def bucket_range(value: str) -> tuple[str, str]:
    """First and last day of a histogram bucket: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'."""
    parts = value.split("-")
    if len(parts) == 1:
        return f"{value}-01-01", f"{value}-12-31"
    if len(parts) == 2:
        last = calendar.monthrange(int(parts[0]), int(parts[1]))[1]
        return f"{value}-01", f"{value}-{last:02d}"
    return value, value


def histogram(buckets: list[dict], date_from: str | None, date_to: str | None) -> list[Bar]:
    """Bars 10 units wide on a 100-unit-high canvas, tallest bucket full height."""
    tallest = max((b["count"] for b in buckets), default=0) or 1
    bars = []
    for position, bucket in enumerate(buckets):
        start, end = bucket_range(bucket["value"])
        in_range = bool(date_from or date_to) and (date_from or start) <= start and end <= (date_to or end)
        height = max(2.0, 100.0 * bucket["count"] / tallest) if bucket["count"] else 0.0
        bars.append(Bar(bucket["value"], bucket["count"], start, end, position * 10, height, in_range))
    return bars


def pager(page: int, per_page: int, total: int) -> list[int]:
    last = max(1, math.ceil(total / per_page))
    return list(range(max(1, page - PAGER_SPAN), min(last, page + PAGER_SPAN) + 1))


@blueprint.get("/")
def search_page():
    args = request.args.to_dict(flat=False)
    try:
        req = SearchRequest.from_params(args)
        result = run_search(req)
        links = SearchLinks(req.to_params())
        error = None
    except QueryError as problem:
        result, error = None, str(problem)
        links = SearchLinks([(k, v) for k, values in args.items() for v in values])
    params = dict(links.params)
    page = render_template(
        "search.html",
        result=result,
        error=error,
        links=links,
        q=params.get("q", ""),
        sort=params.get("sort", "relevance"),
        date_from=params.get("from", ""),
        date_to=params.get("to", ""),
        sorts=SORTS,
        facet_labels={s.name: s.label for s in registry.facets()},
        param_of_facet={s.name: s.param for s in registry.facets()},
        bars=histogram(result["facets"]["dates"], params.get("from"), params.get("to")) if result else [],
        pages=pager(result["page"], result["per_page"], result["total"]) if result else [],
        last_page=max(1, math.ceil(result["total"] / result["per_page"])) if result else 1,
        story_query=urlencode(links.params),
        bar_px=BAR_PX,
        feed_href=feed_href(links.params),
        poll_ms=current_app.config.get("NEW_SINCE_POLL_MS", NEW_SINCE_POLL_MS),
    )
    return page, (400 if error else 200)


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
    )
