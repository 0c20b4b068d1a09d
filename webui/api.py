"""JSON (and CSV) search API: a thin HTTP skin over searcher.search.Engine.

Query parameters go to SearchRequest.from_params unchanged, so the API, the HTML page and the
CLI share one parser and one set of error messages.
"""

from __future__ import annotations

import itertools
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, abort, jsonify, request, stream_with_context
from werkzeug.datastructures import MultiDict

from searcher import registry
from searcher.errors import QueryError
from searcher.search.explore import (
    RELATED_LIMIT,
    RELATED_MAX_LIMIT,
    RELATED_PARAMS,
    CooccurrenceRequest,
    TimelineRequest,
)
from searcher.search.export import csv_lines, export_filename
from searcher.search.request import SearchRequest
from webui import feed
from webui.engine import engine, run_search
from webui.openapi import FACET_LIMIT_DEFAULT, FACET_LIMIT_MAX, openapi_document

blueprint = Blueprint("api", __name__, url_prefix="/api")

# The parameters an endpoint takes besides the search parameters of SearchRequest.
FACET_VALUES_PARAMS = ("prefix", "limit")


def search_request(args: MultiDict, extra: tuple[str, ...] = ()) -> SearchRequest:
    """Parse the search parameters of a request (raises QueryError with a readable message);
    `extra` names the endpoint's own parameters, any other unknown one is a 400."""
    return SearchRequest.from_params(args.to_dict(flat=False), extra=extra)


@blueprint.get("/search")
def search():
    return jsonify(run_search(search_request(request.args)))


@blueprint.get("/search.csv")
def search_csv():
    """Every matching story, streamed row by row (no page cap), UTF-8 with a BOM for Excel."""
    req = search_request(request.args)
    stories = iter(engine().export(req))
    first = next(stories, None)  # so a bad request still fails with a 400, before streaming
    rows = stories if first is None else itertools.chain([first], stories)
    name = export_filename(req.q, date.today())
    return Response(
        stream_with_context(csv_lines(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"; filename*=UTF-8\'\'{quote(name)}'},
    )


@blueprint.get("/search.atom")
def search_atom():
    """The search as an Atom feed, newest first by first_seen (webui/feed.py)."""
    req = feed.feed_request(search_request(request.args), "per_page" in request.args)
    body = feed.atom(engine().search(req), req, request.host_url, request.url)
    response = Response(body, mimetype=feed.MIME)
    response.add_etag()  # feed readers poll: an unchanged feed is a 304
    return response.make_conditional(request)


@blueprint.get("/stories/<story_id>")
def story(story_id: str):
    found = engine().story(story_id)
    if found is None:
        abort(404, description=f"No story with id {story_id!r}.")
    return jsonify(found.to_json())


@blueprint.get("/stories/<story_id>/related")
def related(story_id: str):
    """Stories of other pages most like this one in words and entities, with why."""
    unknown = [name for name in request.args if name not in RELATED_PARAMS]
    if unknown:
        raise QueryError(f"unknown parameter {unknown[0][:40]!r}; the known one is limit")
    limit = _limit(request.args.get("limit"), RELATED_LIMIT, RELATED_MAX_LIMIT)
    found = engine().related(story_id, limit)
    if found is None:
        abort(404, description=f"No story with id {story_id!r}.")
    return jsonify(found.to_json())


@blueprint.get("/cooccurrence")
def cooccurrence():
    """Who appears with `entity` under the search parameters (docs/analysis.md)."""
    result = engine().cooccurrence(CooccurrenceRequest.from_params(request.args.to_dict(flat=False)))
    data = result.to_json()
    for item in data["items"]:
        item["href"] = "/?" + item["stories"]
    return jsonify(data)


@blueprint.get("/timeline")
def timeline():
    """Dated stories per interval for up to 5 entities under the search parameters."""
    return jsonify(engine().timeline(TimelineRequest.from_params(request.args.to_dict(flat=False))).to_json())


@blueprint.get("/facets/<name>")
def facet_values(name: str):
    """Search within one facet's values (for long lists), under the current query and filters."""
    prefix = request.args.get("prefix", "")
    limit = _limit(request.args.get("limit"))
    req = search_request(request.args, FACET_VALUES_PARAMS)
    values = engine().facet_values(name, prefix=prefix, req=req, limit=limit)
    return jsonify(
        {
            "facet": spec.name if (spec := registry.facet(name)) else name,
            "prefix": prefix,
            "values": [{"value": v.value, "count": v.count, "selected": v.selected} for v in values],
        }
    )


def _limit(raw: str | None, default: int = FACET_LIMIT_DEFAULT, most: int = FACET_LIMIT_MAX) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise QueryError(f"limit must be a whole number from 1 to {most}, not {raw!r}")
    return int(raw)


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
