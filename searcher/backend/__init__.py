"""The boundary between search and storage: `SearchBackend`, and the backend in use.

`searcher.search` (and through it the CLI and the web) talks only to this protocol. Whoosh
(`searcher.backend.whoosh`) is the embedded default; another backend is a package that
implements these methods and passes `tests/test_backend_conformance.py`. docs/scaling.md maps
each operation onto OpenSearch for the day a newsroom outgrows one machine.

The read side is coarse on purpose: one `search` call answers matching, ranking, facet counts,
the date histogram and highlighting together, as one OpenSearch request with aggregations and
highlight would, so a remote backend needs one round trip per search.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from searcher.search.request import SearchRequest
from searcher.search.results import FacetValue, SearchResult


@runtime_checkable
class SearchBackend(Protocol):
    """What a store of stories must answer. Thread-safe; sees an index change without a restart."""

    index_dir: Path

    def search(self, req: SearchRequest) -> SearchResult:
        """Match, rank (relevance or date, undated last), page, count facets and dates, highlight."""

    def story(self, story_id: str) -> dict | None:
        """One story's JSON with `previous`/`next` links to its page siblings, or None."""

    def facet_values(
        self, name: str, prefix: str = "", req: SearchRequest | None = None, limit: int = 50
    ) -> list[FacetValue]:
        """Values of one facet whose words start with `prefix`, counted over `req`'s matches."""

    def export(self, req: SearchRequest) -> Iterator[dict]:
        """Every match of `req` in its order, as story JSON; raises before yielding on a bad request."""

    def stats(self) -> dict:
        """Counts, date range and top values of the whole index."""

    def close(self) -> None:
        """Release the calling thread's resources."""


def open_backend(index_dir: Path | str) -> SearchBackend:
    """The backend for an index folder (today always Whoosh)."""
    from searcher.backend.whoosh.backend import WhooshBackend

    return WhooshBackend(index_dir)
