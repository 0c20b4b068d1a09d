"""Settings shared by every front end (kept free of heavy imports so the CLI starts fast)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_INDEX_DIR = "index"


def default_index_dir() -> Path:
    """Where commands look for the index: $LIVESEARCH_INDEX, else ./index."""
    return Path(os.environ.get("LIVESEARCH_INDEX", DEFAULT_INDEX_DIR))
