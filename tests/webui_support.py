"""Shared by the web UI tests: a real index built from tests/fixtures/webui (built once per test
process, with the real spaCy model) and the real app served by waitress on a free port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from waitress import create_server

from searcher import build as index
from webui.app import create_app

FIXTURE_PAGES = Path(__file__).resolve().parent / "fixtures" / "webui"
_built: dict[str, Path] = {}


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    """An index of the fixture pages (read-only: tests that change an index build their own)."""
    if "index" not in _built:
        folder = tmp_path_factory.mktemp("web-index")
        index.build([FIXTURE_PAGES], folder, progress=False)
        _built["index"] = folder
    return _built["index"]


@contextmanager
def served(index_dir: Path, **config) -> Iterator[str]:
    """The real app under waitress in a background thread (`config`: create_app's keys, such as
    ALLOW_CURATION=True); yields its base URL."""
    server = create_server(create_app({"INDEX_DIR": index_dir, **config}), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
