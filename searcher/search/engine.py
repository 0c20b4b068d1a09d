"""The one query engine behind the CLI and the web: requests in, typed results out.

Front ends build a `SearchRequest` (from URL-style parameters, so CLI flags and web parameters
behave the same), call `Engine.search`, and render the `SearchResult`. The engine holds a
`SearchBackend` (searcher.backend) and nothing here knows which one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from searcher.backend import SearchBackend, open_backend
from searcher.search.request import SearchRequest
from searcher.search.results import FacetValue, SearchResult


class Engine:
    """A process's query engine over one index folder; thread-safe."""

    def __init__(self, index_dir: Path | str, backend: SearchBackend | None = None):
        self.index_dir = Path(index_dir)
        self.backend = backend if backend is not None else open_backend(self.index_dir)

    def search(self, req: SearchRequest) -> SearchResult:
        return self.backend.search(req)

    def story(self, story_id: str) -> dict | None:
        return self.backend.story(story_id)

    def facet_values(
        self, name: str, prefix: str = "", req: SearchRequest | None = None, limit: int = 50
    ) -> list[FacetValue]:
        return self.backend.facet_values(name, prefix, req, limit)

    def export(self, req: SearchRequest) -> Iterator[dict]:
        return self.backend.export(req)

    def stats(self) -> dict:
        return self.backend.stats()

    def close(self) -> None:
        self.backend.close()
