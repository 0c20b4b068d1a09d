"""The app's single query Engine, opened on first use and shared by every request thread."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from searcher.query import Engine

EXTENSION_KEY = "livesearch"


class EngineHolder:
    """Opens the Engine lazily, so the server starts (and says why searches fail) before an
    index exists; a failed open is retried on the next request."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = Engine(self.index_dir)
        return self._engine


def engine() -> Engine:
    """The current app's Engine (raises IndexMissing until an index is built)."""
    return current_app.extensions[EXTENSION_KEY].get()
