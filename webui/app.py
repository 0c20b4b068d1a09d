"""Flask app factory: one query Engine per app, shared by the JSON API and the HTML pages.

Every failure becomes a short message (JSON under /api/, an HTML page elsewhere) with the
right status; no traceback ever reaches the client.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from searcher.errors import IndexMissing, QueryError
from searcher.search.engine import Engine
from searcher.settings import default_index_dir
from webui import api, pages, security
from webui.engine import EXTENSION_KEY

log = logging.getLogger(__name__)


def create_app(config: Mapping | str | os.PathLike | None = None) -> Flask:
    """Build the app from a config mapping (Flask's way: `INDEX_DIR`, ...), or from just an index
    folder; the folder defaults to $LIVESEARCH_INDEX, then ./index."""
    if config is not None and not isinstance(config, Mapping):
        config = {"INDEX_DIR": config}
    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR=default_index_dir())
    app.config.from_mapping(config or {})
    app.json.sort_keys = False
    app.extensions[EXTENSION_KEY] = Engine(Path(app.config["INDEX_DIR"]))
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
        return error_response(503, f"Search is not available yet: {error or f'no index at {folder}'}.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on the server; the error has been logged.")
