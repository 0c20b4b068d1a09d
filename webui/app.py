"""Flask app factory: one query Engine per app, shared by the JSON API and the HTML pages.

Every failure becomes a short message (JSON under /api/, an HTML page elsewhere) with the
right status; no traceback ever reaches the client.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searcher.errors import IndexMissing, QueryError
from searcher.search import budget
from searcher.search.engine import Engine
from searcher.settings import default_index_dir
from webui import admission, api, pages, security
from webui.engine import EXTENSION_KEY

log = logging.getLogger(__name__)


_DEFAULT = object()


def create_app(index_dir: str | os.PathLike | None = None, *, time_budget: float | None | object = _DEFAULT,
               max_active: int | None = None, max_waiting: int = 0) -> Flask:
    """Build the app; the index folder defaults to $LIVESEARCH_INDEX, then ./index.

    `time_budget`: seconds per request (default $LIVESEARCH_TIME_BUDGET, else 2; None: none).
    `max_active`/`max_waiting`: this process's admission queue (webui.admission); no queue when
    max_active is None (`livesearch serve` always sets one)."""
    app = Flask(__name__)
    app.json.sort_keys = False
    seconds = budget.default_seconds() if time_budget is _DEFAULT else time_budget
    app.config["LIVESEARCH_TIME_BUDGET"] = seconds
    app.extensions[EXTENSION_KEY] = Engine(Path(index_dir) if index_dir else default_index_dir(),
                                           budget_seconds=seconds)
    security.install(app)
    if max_active is not None:
        admission.install(app, max_active, max_waiting, max_wait=seconds or budget.DEFAULT_SECONDS)
    _install_error_handlers(app)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(pages.blueprint)
    return app


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
        return error_response(503, f"Search is not available yet: {error or f'no index at {folder}'}.")

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
