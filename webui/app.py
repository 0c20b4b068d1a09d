"""Flask app factory: one query Engine per app, shared by the JSON API and the HTML pages.

Every failure becomes a short message (JSON under /api/, an HTML page elsewhere) with the
right status; no traceback ever reaches the client.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searcher.errors import IndexMissing, QueryError
from searcher.search import budget
from searcher.search.engine import Engine
from searcher.settings import default_index_dir
from webui import admission, api, curation, explore, pages, security
from webui.engine import EXTENSION_KEY

log = logging.getLogger(__name__)


def create_app(config: Mapping | str | os.PathLike | None = None) -> Flask:
    """Build the app from a config mapping (Flask's way: `INDEX_DIR`, ...), or from just an index
    folder; the folder defaults to $LIVESEARCH_INDEX, then ./index.

    `TIME_BUDGET`: seconds of work per request (default $LIVESEARCH_TIME_BUDGET, else 2; None: no
    budget; searcher.search.budget). `MAX_ACTIVE`/`MAX_WAITING`: this process's admission queue
    (webui.admission); none when MAX_ACTIVE is None (`livesearch serve` always sets one).
    `ALLOW_CURATION`: the page's entity curation actions (webui.curation); off (read-only) by default."""
    if config is not None and not isinstance(config, Mapping):
        config = {"INDEX_DIR": config}
    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR=default_index_dir(), TIME_BUDGET=budget.default_seconds(),
                            MAX_ACTIVE=None, MAX_WAITING=0, ALLOW_CURATION=False)
    app.config.from_mapping(config or {})
    app.json.sort_keys = False
    seconds = app.config["TIME_BUDGET"]
    app.extensions[EXTENSION_KEY] = Engine(Path(app.config["INDEX_DIR"]), budget_seconds=seconds)
    security.install(app)
    if app.config["MAX_ACTIVE"] is not None:
        admission.install(app, app.config["MAX_ACTIVE"], app.config["MAX_WAITING"],
                          max_wait=seconds or budget.DEFAULT_SECONDS, time_budget=seconds)
    _install_error_handlers(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(explore.blueprint)
    app.register_blueprint(curation.blueprint)
    app.context_processor(lambda: {"curation_on": curation.enabled(), "curation_facets": curation.FACETS})
    return app


_ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[^\s/'\"`()]+/)*[^\s/'\"`():,;]*")


def without_paths(message: str, index_dir: Path) -> str:
    """A message with the server's paths taken out (issue 10: no response names a server path):
    the index folder becomes "the index folder", any other absolute path "…"."""
    for folder in sorted({str(index_dir), str(index_dir.resolve())}, key=len, reverse=True):
        message = message.replace(folder, "the index folder")
    return _ABSOLUTE_PATH.sub("…", message)


def error_response(status: int, message: str):
    """JSON for API clients, a friendly page for people."""
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    return render_template("error.html", status=status, message=message), status


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def bad_query(error: QueryError):
        return error_response(400, str(error))

    @app.errorhandler(IndexMissing)
    def no_index(error: IndexMissing):
        folder = current_app.extensions[EXTENSION_KEY].index_dir
        log.warning("index unavailable: %s", error)  # the full message, paths included, for the operator
        message = without_paths(str(error) or "no index", folder)
        return error_response(503, f"Search is not available yet: {message}.")

    @app.errorhandler(budget.BudgetExceeded)
    def over_budget(error: budget.BudgetExceeded):
        response, status = error_response(503, str(error))
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on the server; the error has been logged.")
