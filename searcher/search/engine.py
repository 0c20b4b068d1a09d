"""The one query engine behind the CLI and the web: requests in, typed results out.

Front ends build a `SearchRequest` (from URL-style parameters, so CLI flags and web parameters
behave the same), call `Engine.search`, and render the `SearchResult`. The engine holds a
`SearchBackend` (searcher.backend) and nothing here knows which one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from searcher.backend import SearchBackend, open_backend
from searcher.search import budget
from searcher.search.explore import (
    CooccurrenceRequest,
    CooccurrenceResult,
    RelatedResult,
    TimelineRequest,
    TimelineResult,
)
from searcher.search.request import SearchRequest
from searcher.search.results import FacetValue, IndexStats, SearchResult, StoryView


_DEFAULT = object()
EXPORT_BATCH = 500  # exported rows read under one time budget


class Engine:
    """A process's query engine over one index folder; thread-safe.

    Every call runs within a time budget (`budget_seconds`; default $LIVESEARCH_TIME_BUDGET or
    2 s; None for none, see searcher.search.budget): a search past it returns what it has with
    `timed_out` set; facet values and an export's matching, which cannot be partial, raise
    `BudgetExceeded`, and each batch of an export's rows gets a budget of its own."""

    def __init__(self, index_dir: Path | str, backend: SearchBackend | None = None,
                 budget_seconds: float | None | object = _DEFAULT):
        self.index_dir = Path(index_dir)
        self.backend = backend if backend is not None else open_backend(self.index_dir)
        self.budget_seconds = budget.default_seconds() if budget_seconds is _DEFAULT else budget_seconds

    def search(self, req: SearchRequest) -> SearchResult:
        with budget.within(self.budget_seconds) as spent:
            result = self.backend.search(req)
        if spent.cut:
            result.timed_out = True
        return result

    def story(self, story_id: str) -> StoryView | None:
        return self.backend.story(story_id)

    def facet_values(
        self, name: str, prefix: str = "", req: SearchRequest | None = None, limit: int = 50
    ) -> list[FacetValue]:
        with budget.within(self.budget_seconds) as spent:
            values = self.backend.facet_values(name, prefix, req, limit)
        if spent.cut:
            raise budget.BudgetExceeded(
                f"counting {name} values ran past the time budget of {spent.seconds:g} s; "
                f"narrow the query or try again in a moment")
        return values

    def export(self, req: SearchRequest) -> Iterator[dict]:
        """Every match, streamed. Matching and ordering run within one budget (past it:
        BudgetExceeded, before the first row); then each batch of EXPORT_BATCH rows has a budget
        of its own, and a batch that overruns it ends the stream with BudgetExceeded."""
        with budget.within(self.budget_seconds) as spent:
            rows = iter(self.backend.export(req))
            first = next(rows, None)
        if spent.cut:
            raise budget.BudgetExceeded(
                f"export matching ran past the time budget of {spent.seconds:g} s; narrow the query")
        return self._batched([] if first is None else [first], rows)

    def _batched(self, head: list[dict], rows: Iterator[dict]) -> Iterator[dict]:
        yield from head
        while True:
            with budget.within(self.budget_seconds, fresh=True) as spent:
                batch = list(itertools.islice(rows, EXPORT_BATCH))
                spent.check(f"a batch of {EXPORT_BATCH} exported stories")
            if not batch:
                return
            yield from batch

    def stats(self) -> IndexStats:
        return self.backend.stats()

    def cooccurrence(self, req: CooccurrenceRequest) -> CooccurrenceResult:
        return self.backend.cooccurrence(req)

    def timeline(self, req: TimelineRequest) -> TimelineResult:
        return self.backend.timeline(req)

    def related(self, story_id: str, limit: int = 8) -> RelatedResult | None:
        return self.backend.related(story_id, limit)

    def close(self) -> None:
        self.backend.close()
