"""Load shedding (issue 19): a bounded queue in front of the search work of each server process.

At most `active` requests of a process search at once; up to `waiting` more wait for a turn, each
at most `max_wait` seconds. A request that finds the queue full, or waits too long, gets 503 with
`Retry-After` at once instead of adding to a latency that would grow without bound. Static files
and the OpenAPI document pass without a turn.

The server gives the process enough threads (active + waiting) for the queue to form here, where
it can be seen, rather than inside the server.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, g, request

from searcher.search import budget
from searcher.search.budget import RETRY_AFTER_SECONDS

EXEMPT_PREFIXES = ("/static/", "/api/openapi.json", "/favicon")


class Gate:
    def __init__(self, active: int, waiting: int, max_wait: float):
        self.active = max(1, active)
        self.waiting = max(0, waiting)
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._running = 0
        self._queued = 0
        self.shed = 0  # requests turned away since start

    def enter(self) -> bool:
        """Take a turn (True), or False when the queue is full or the wait ran out."""
        with self._cond:
            if self._running < self.active and self._queued == 0:
                self._running += 1
                return True
            if self._queued >= self.waiting:
                self.shed += 1
                return False
            self._queued += 1
            deadline = time.monotonic() + self.max_wait
            try:
                while self._running >= self.active:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._cond.wait(left):
                        if self._running < self.active:
                            break
                        self.shed += 1
                        return False
                self._running += 1
                return True
            finally:
                self._queued -= 1

    def leave(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify()


def install(app: Flask, active: int, waiting: int, max_wait: float, time_budget: float | None = None) -> Gate:
    """The gate, and the request's time budget opened when it arrives: the time it waits for a
    turn is part of its budget (the engine's own budget keeps this earlier deadline)."""
    gate = Gate(active, waiting, max_wait)
    app.extensions["livesearch.gate"] = gate

    @app.before_request
    def take_turn():
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        g.livesearch_budget = budget.open_budget(time_budget)
        if not gate.enter():
            from webui.app import error_response

            response, status = error_response(503, "The server is busy; try again in a moment.")
            response = app.make_response((response, status))
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        g.livesearch_turn = True
        return None

    @app.teardown_request
    def give_turn(_error=None):
        if g.pop("livesearch_turn", False):
            gate.leave()
        token = g.pop("livesearch_budget", None)
        if token is not None:
            try:
                budget.close_budget(token)
            except ValueError:  # reset from another context (a streamed response's end)
                pass

    return gate
