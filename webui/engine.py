"""Access to the app's single query Engine, shared by every request thread (the Engine is
thread-safe, reuses its searcher and reopens it when a build or update changes the index)."""

from __future__ import annotations

from flask import current_app

from searcher.query import Engine

EXTENSION_KEY = "livesearch.engine"


def engine() -> Engine:
    return current_app.extensions[EXTENSION_KEY]
