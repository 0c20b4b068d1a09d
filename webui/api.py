"""JSON (and CSV) search API: a thin HTTP skin over searcher.search.Engine.

Query parameters go to SearchRequest.from_params unchanged, so the API, the HTML page and the
CLI share one parser and one set of error messages.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, abort, jsonify, request, stream_with_context
from werkzeug.datastructures import MultiDict

from searcher import registry
from searcher.errors import QueryError
from searcher.search.export import CSV_BOM, csv_fields, csv_row
from searcher.search.request import SearchRequest
from webui import feed
from webui.engine import engine, run_search
from webui.openapi import FACET_LIMIT_DEFAULT, FACET_LIMIT_MAX, openapi_document

blueprint = Blueprint("api", __name__, url_prefix="/api")

def search_request(args: MultiDict) -> SearchRequest:
    """Parse the search parameters of a request (raises QueryError with a readable message);
    parameters it does not know, such as `prefix`, are ignored."""
    return SearchRequest.from_params(args.to_dict(flat=False))


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
    name = csv_filename(req.q, date.today())
    return Response(
        stream_with_context(_csv_lines(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"; filename*=UTF-8\'\'{quote(name)}'},
    )


def csv_filename(q: str, day: date) -> str:
    """`livesearch-gas-storage-2024-05-01.csv`: the query's words (ASCII, at most 60 characters)
    and the day of the export; `livesearch-all-…` for no query."""
    ascii_text = unicodedata.normalize("NFKD", q).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-") or "all"
    return f"livesearch-{slug}-{day.isoformat()}.csv"


def _csv_lines(stories: Iterable[dict]) -> Iterator[str]:
    yield CSV_BOM
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_fields())
    for story in stories:
        writer.writerow(csv_row(story))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


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
    return jsonify(found)


@blueprint.get("/facets/<name>")
def facet_values(name: str):
    """Search within one facet's values (for long lists), under the current query and filters."""
    prefix = request.args.get("prefix", "")
    limit = _limit(request.args.get("limit"))
    req = search_request(request.args)
    values = engine().facet_values(name, prefix=prefix, req=req, limit=limit)
    return jsonify(
        {
            "facet": spec.name if (spec := registry.facet(name)) else name,
            "prefix": prefix,
            "values": [{"value": v.value, "count": v.count, "selected": v.selected} for v in values],
        }
    )


def _limit(raw: str | None) -> int:
    if raw is None:
        return FACET_LIMIT_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= FACET_LIMIT_MAX:
        raise QueryError(f"limit must be a whole number from 1 to {FACET_LIMIT_MAX}, not {raw!r}")
    return int(raw)


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
