"""A time budget per request: every costly loop asks the budget whether to go on (issue 19).

The engine opens a budget around each call (`within`); the backend's loops (expanding a
wildcard, reading postings, collecting ranked hits) call `expired()` now and then, and stop
early when it says so, recording that they did (`cut`). A search that was cut returns what it
has with `timed_out: true`; work that cannot be partial (facet values, an export's matching)
raises `BudgetExceeded` instead, which the web answers with 503 + Retry-After.

The budget lives in a context variable, so it follows the request through any layer without
being passed along, and each server thread has its own. With no budget open, nothing expires.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from searcher.errors import LivesearchError

DEFAULT_SECONDS = 2.0
ENV = "LIVESEARCH_TIME_BUDGET"
RETRY_AFTER_SECONDS = 2


def env_set() -> bool:
    """Whether $LIVESEARCH_TIME_BUDGET is set (the CLI has no budget unless it is)."""
    return bool(os.environ.get(ENV, "").strip())


def default_seconds() -> float | None:
    """$LIVESEARCH_TIME_BUDGET (seconds; 0 or 'none' for no budget), else 2 s."""
    raw = os.environ.get(ENV, "").strip().lower()
    if not raw:
        return DEFAULT_SECONDS
    if raw in ("0", "none", "off"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise LivesearchError(f"{ENV}={raw!r} is not a number of seconds (e.g. 2 or 0.5; 0 for none)")
    return value if value > 0 else None


class BudgetExceeded(LivesearchError):
    """Work that cannot be returned in part ran past its time budget (web: 503 + Retry-After)."""

    retry_after = RETRY_AFTER_SECONDS


class Budget:
    """A deadline for one request, and what was cut short because of it."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.started = time.monotonic()
        self.deadline = None if seconds is None else self.started + seconds
        self.cut: list[str] = []  # the stages that stopped early

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def stop(self, stage: str) -> None:
        """Record that `stage` stopped early (the result is partial)."""
        if stage not in self.cut:
            self.cut.append(stage)

    def check(self, what: str) -> None:
        """Raise BudgetExceeded when the deadline has passed (for work that cannot be partial)."""
        if self.expired():
            raise BudgetExceeded(
                f"{what} ran past its time budget of {self.seconds:g} s; narrow the query "
                f"(longer prefixes, fewer wildcards) or try again in a moment"
            )


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("livesearch_budget", default=None)


@contextmanager
def within(seconds: float | None, *, fresh: bool = False) -> Iterator[Budget]:
    """Open a budget for the enclosed work. A nested budget keeps the earlier deadline, unless
    `fresh` (an export's batches: each has a budget of its own)."""
    outer = _current.get()
    budget = Budget(seconds)
    if not fresh and outer is not None and outer.deadline is not None and (
        budget.deadline is None or outer.deadline < budget.deadline
    ):
        budget.deadline = outer.deadline
        budget.seconds = outer.seconds
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)
        if outer is not None:
            for stage in budget.cut:
                outer.stop(stage)


def open_budget(seconds: float | None):
    """Open a budget without a `with` block (a web request's, from its arrival: the time it waits
    for a turn counts); returns the token for `close_budget`."""
    return _current.set(Budget(seconds))


def close_budget(token) -> None:
    _current.reset(token)


def current() -> Budget | None:
    return _current.get()


def expired() -> bool:
    """Whether the open budget (if any) has run out."""
    budget = _current.get()
    return budget is not None and budget.expired()


def stop(stage: str) -> None:
    budget = _current.get()
    if budget is not None:
        budget.stop(stage)


def remaining() -> float | None:
    budget = _current.get()
    return None if budget is None else budget.remaining()
