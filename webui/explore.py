"""Pages beyond the result list (issue 17): who appears with an entity (ranked list and network
graph), entity timelines (server-rendered SVG, no script), and the related stories of a story
page. The answers come from the Engine's typed results, as the JSON API's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from searcher import registry
from searcher.errors import QueryError
from searcher.search.explore import (
    GRAPH_NODES,
    INTERVALS,
    MAX_TIMELINE_ENTITIES,
    RELATED_LIMIT,
    CooccurrenceRequest,
    CooccurrenceResult,
    RelatedResult,
    TimelineRequest,
    TimelineResult,
)
from webui.engine import engine

blueprint = Blueprint("explore", __name__)

CHART_W, CHART_H = 760, 220  # the timeline's plot area (SVG user units)
CHART_LEFT, CHART_TOP, CHART_BOTTOM = 44, 12, 34
CHART_TICKS = 8  # at most this many labelled buckets on the x axis


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _search_params(args: dict[str, list[str]], *drop: str) -> list[tuple[str, str]]:
    """The search's own parameters (carried into links and hidden form fields)."""
    own = {"entity", "limit", "min_count", "interval", "page", "per_page", *drop}
    return [(k, v) for k, values in args.items() if k not in own for v in values]


@blueprint.app_template_global("related_stories")
def related_stories(story_id: str) -> RelatedResult | None:
    """For story.html (via _related.html): the related stories of a story, or None on failure."""
    try:
        return engine().related(story_id, RELATED_LIMIT)
    except QueryError:
        return None


@blueprint.app_template_global("entity_param")
def entity_param(facet: str, value: str) -> str:
    spec = registry.facet(facet)
    return f"{spec.param}:{value}" if spec else value


def graph_data(result: CooccurrenceResult) -> dict:
    """Nodes and edges for static/cooccurrence.js: the asked entity in the middle."""
    items = result.items[:GRAPH_NODES]
    nodes = [{"id": f"n{i}", "label": c.value, "facet": c.facet, "count": c.count, "href": "/?" + c.stories}
             for i, c in enumerate(items)]
    edges = [{"source": f"n{a}", "target": f"n{b}", "count": n} for a, b, n in result.edges
             if n >= result.min_count]  # between the others: only pairs that pass the same bar
    if result.entity is not None:
        nodes.insert(0, {"id": "center", "label": result.entity.value, "facet": result.entity.facet,
                         "count": result.stories, "href": None})
        edges = [{"source": "center", "target": f"n{i}", "count": c.count} for i, c in enumerate(items)] + edges
    return {"nodes": nodes, "edges": edges}


@blueprint.get("/cooccurrence")
def cooccurrence_page():
    args = _args()
    result, error = None, None
    try:
        req = CooccurrenceRequest.from_params(args)
        result = engine().cooccurrence(req)
    except QueryError as problem:
        error = str(problem)
    entity = (args.get("entity") or [""])[-1]
    page = render_template(
        "cooccurrence.html", result=result, error=error, entity=entity,
        min_count=(args.get("min_count") or [""])[-1],
        hidden=_search_params(args), search_query=urlencode(_search_params(args)),
        graph=graph_data(result) if result and result.items else None,
        facet_labels={s.name: s.label for s in registry.facets()},
    )
    return page, (400 if error else 200)


@dataclass
class Point:
    x: float
    y: float
    count: int
    label: str
    href: str


@dataclass
class Line:
    name: str
    css: str
    points: list[Point]
    total: int
    found: bool
    href: str

    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def chart(result: TimelineResult) -> dict:
    """SVG geometry of a timeline: one polyline per series, a link per non-empty point."""
    n = len(result.buckets)
    tallest = max((c for s in result.series for c in s.counts), default=0) or 1
    step = CHART_W / max(1, n - 1)
    base = CHART_TOP + CHART_H

    def x(i: int) -> float:
        return CHART_LEFT + (i * step if n > 1 else CHART_W / 2)

    lines = []
    for k, series in enumerate(result.series):
        name = series.entity.value if series.entity else "all matching stories"
        points = [Point(x(i), base - CHART_H * c / tallest, c, f"{name}: {c} in {_bucket_label(b, result.interval)}",
                        "/?" + series.bucket_stories(result.search, b))
                  for i, (b, c) in enumerate(zip(result.buckets, series.counts))]
        lines.append(Line(name, f"series-{k}", points, series.total, series.found, "/?" + series.stories))
    every = max(1, -(-n // CHART_TICKS))
    ticks = [(x(i), _bucket_label(b, result.interval)) for i, b in enumerate(result.buckets) if i % every == 0]
    return {"lines": lines, "ticks": ticks, "tallest": tallest, "width": CHART_LEFT + CHART_W + 30,
            "height": base + CHART_BOTTOM, "left": CHART_LEFT, "top": CHART_TOP, "base": base,
            "right": CHART_LEFT + CHART_W}


def _bucket_label(bucket, interval: str) -> str:
    if interval == "year":
        return str(bucket.start.year)
    if interval == "month":
        return bucket.start.strftime("%Y-%m")
    if interval == "week":
        return "week of " + bucket.start.isoformat()
    return bucket.start.isoformat()


@blueprint.get("/timeline")
def timeline_page():
    args = _args()
    result, error = None, None
    try:
        result = engine().timeline(TimelineRequest.from_params(args))
    except QueryError as problem:
        error = str(problem)
    entities = [e for e in args.get("entity", []) if e.strip()][:MAX_TIMELINE_ENTITIES]
    page = render_template(
        "timeline.html", result=result, error=error,
        entities=entities + [""] * (MAX_TIMELINE_ENTITIES - len(entities)),
        interval=(args.get("interval") or ["auto"])[-1], intervals=INTERVALS,
        hidden=_search_params(args), search_query=urlencode(_search_params(args)),
        chart=chart(result) if result and result.buckets else None,
    )
    return page, (400 if error else 200)
