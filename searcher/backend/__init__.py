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

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

from searcher.backend.manifest import Manifest
from searcher.records import Story
from searcher.search.explore import (
    CooccurrenceRequest,
    CooccurrenceResult,
    RelatedResult,
    TimelineRequest,
    TimelineResult,
)
from searcher.search.request import SearchRequest
from searcher.search.results import FacetValue, IndexStats, SearchResult, StoryView


@runtime_checkable
class SearchBackend(Protocol):
    """What a store of stories must answer. Thread-safe; sees an index change without a restart."""

    index_dir: Path

    def search(self, req: SearchRequest) -> SearchResult:
        """Match, rank (relevance or date, undated last), page, count facets and dates, highlight."""

    def story(self, story_id: str) -> StoryView | None:
        """One story with `previous`/`next` links to its page siblings and its wire copies, or None."""

    def facet_values(
        self, name: str, prefix: str = "", req: SearchRequest | None = None, limit: int = 50
    ) -> list[FacetValue]:
        """Values of one facet whose words start with `prefix`, counted over `req`'s matches."""

    def export(self, req: SearchRequest) -> Iterator[dict]:
        """Every match of `req` in its order, as story JSON; raises before yielding on a bad request."""

    def stats(self) -> IndexStats:
        """Counts, date range and top values of the whole index."""

    def cooccurrence(self, req: CooccurrenceRequest) -> CooccurrenceResult:
        """Entities seen with `req.entity` in the search's stories (or over-represented in the
        search's stories when no entity), ranked by NPMI with a minimum count (docs/analysis.md)."""

    def timeline(self, req: TimelineRequest) -> TimelineResult:
        """Dated stories per interval for each entity (up to 5) under the search, on one axis."""

    def related(self, story_id: str, limit: int = 8) -> RelatedResult | None:
        """Stories of other pages most similar in words and entities, with why; None if no such story."""

    def close(self) -> None:
        """Release the calling thread's resources."""


class IndexWriter(Protocol):
    """One run's writes, made visible together when the run's block completes."""

    manifest: Manifest  # per input file: fingerprint, counts and snapshots, for `update` (manifest.py)
    aliases: dict | None  # the entity alias table to store with the index (searcher.enrich.resolve)

    def known_aliases(self) -> dict:
        """The alias table of the index this run changes (empty for a fresh build)."""

    def begin(self, expected_stories: int) -> None:
        """Called once before the first write, with how many stories are coming."""

    def add(self, story: Story, file_key: str) -> None:
        """Index a story read from the input file `file_key`."""

    def prepare(self, story: Story, file_key: str, signature=...) -> None:
        """Optional early work on a story before its facets are known (a build calls it for every
        story, in the order it will then `add` them, while entity tags are still coming; with the
        body's wire-copy signature when its reader processes computed it)."""

    commit_seconds: float  # time the run's final commit took (the build's stage times)

    def delete_file(self, file_key: str) -> None:
        """Remove every story indexed from `file_key`."""

    def has_story(self, story_id: str, unless_from: set[str]) -> bool:
        """A story with this id is indexed already, from a file not in `unless_from`."""

    def replace(self, story: Story, file_key: str) -> None:
        """Index a story in place of the one with its id, if any (snapshots: searcher/build.py)."""

    def delete_story(self, story_id: str) -> None:
        """Remove one story by id."""

    def all_stories(self) -> list[tuple[Story, str]]:
        """Every story of the index this run changes, as written, with its input file (empty for a
        fresh build): for re-applying the curation to stories already indexed."""

    def stories_with(self, facets: Iterable[str], matches: Callable[[str], bool]) -> list[tuple[Story, str]]:
        """The stories of the index this run changes holding a value of one of `facets` that
        `matches` (a curation change's names), as written, with their input files."""

    def page_stories(self, page: str) -> dict[str, tuple[Story, str]]:
        """The stories of one page key (records.page_key) as the run found them, each with the
        input file it was written from, by id: the Story as written, snapshot fields included."""


@runtime_checkable
class IndexStore(Protocol):
    """The write side: an index that is rebuilt or amended atomically, one writer at a time."""

    index_dir: Path
    cache_path: Path  # where the enrichment cache lives beside the index

    def exists(self) -> bool:
        """A finished index is there to amend."""

    def rebuild(self) -> AbstractContextManager[IndexWriter]:
        """A fresh index, made live only when the block completes; the old one serves until then."""

    def amend(self) -> AbstractContextManager[IndexWriter]:
        """The live index, changed in one commit when the block completes."""


def open_store(index_dir: Path | str) -> IndexStore:
    """The write side for an index folder (today always Whoosh)."""
    from searcher.backend.whoosh.store import WhooshStore

    return WhooshStore(Path(index_dir))


def open_backend(index_dir: Path | str) -> SearchBackend:
    """The backend for an index folder (today always Whoosh)."""
    from searcher.backend.whoosh.backend import WhooshBackend

    return WhooshBackend(index_dir)
