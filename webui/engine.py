"""Access to the app's single query Engine, shared by every request thread (the Engine is
thread-safe, reuses its searcher and reopens it when a build or update changes the index)."""

from __future__ import annotations

import math

from flask import current_app

from searcher.errors import QueryError
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest

EXTENSION_KEY = "livesearch.engine"


def engine() -> Engine:
    return current_app.extensions[EXTENSION_KEY]


def run_search(req: SearchRequest) -> dict:
    """Run a search for the API or the page; a page past the last one is a bad request, so a
    stale link says so instead of showing an empty list."""
    result = engine().search(req)
    last_page = max(1, math.ceil(result.rows / req.per_page))
    if req.page > last_page:
        raise QueryError(f"page {req.page} is past the last page ({last_page}) of {result.rows} results")
    return result.to_json()
