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

from searcher.query import IndexMissing, QueryError
from webui import api, pages, security
from webui.engine import EXTENSION_KEY, EngineHolder

DEFAULT_INDEX_DIR = "index"
INDEX_ENV_VAR = "LIVESEARCH_INDEX"

log = logging.getLogger(__name__)


def create_app(index_dir: str | os.PathLike | None = None) -> Flask:
    """Build the app; the index folder defaults to $LIVESEARCH_INDEX, then ./index."""
    app = Flask(__name__)
    app.json.sort_keys = False
    folder = Path(index_dir or os.environ.get(INDEX_ENV_VAR) or DEFAULT_INDEX_DIR)
    app.extensions[EXTENSION_KEY] = EngineHolder(folder)
    security.install(app)
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
        detail = str(error) or f"no index in {folder}"
        message = (
            f"The search index is not available ({detail}). "
            f"Build it with: livesearch build PATH... --index {folder}"
        )
        return error_response(503, message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on the server; the error has been logged.")
