"""`livesearch watch DIR...`: keep the index current while scrapers drop snapshot files.

Changes are seen by `watchfiles` (inotify on Linux, FSEvents/kqueue elsewhere, or polling with a
bounded interval for network drives), grouped into batches (a burst of files within the debounce
window is one batch), and each batch is one `update` of the watched folders: the same atomic
guarantees (one transactional commit, manifest rewritten atomically, the write lock), so a
searcher never sees half a batch. An update that finds the index busy (another build or update)
is retried on the next tick. Ctrl-C (or SIGTERM) stops cleanly: between batches at once, during
one after the update is cancelled, leaving the last committed state live.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from searcher.build import RunSummary, update
from searcher.errors import IndexBusy, NoInputFiles
from searcher.pipeline.ingest import SUPPORTED_SUFFIXES

DEBOUNCE_MS = 1500  # changes within this window are one batch
RETRY_MS = 5000  # how often a busy index is tried again (and the stop flag looked at)


def watch(
    paths: list[Path],
    index_dir: Path,
    *,
    entities: bool = True,
    prune: bool = False,
    poll_seconds: float | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    stop: threading.Event | None = None,
    on_batch: Callable[[RunSummary], None] | None = None,
    log: Callable[[str], None] = print,
) -> int:
    """Update the index now and after every batch of changes under `paths`, until `stop` is set
    or Ctrl-C; returns the number of updates that changed the index."""
    from watchfiles import DefaultFilter, watch as watch_changes

    class InputFiles(DefaultFilter):
        def __call__(self, change, path: str) -> bool:
            name = Path(path).name
            return (super().__call__(change, path) and not name.startswith(".")
                    and Path(path).suffix.lower() in SUPPORTED_SUFFIXES)

    stop = stop or threading.Event()
    paths = [Path(p) for p in paths]
    changed_runs = 0

    def run_update() -> bool:
        """One update; False when it must be tried again (the index is busy)."""
        nonlocal changed_runs
        try:
            summary = update(paths, index_dir, prune=prune, entities=entities, progress=False)
        except IndexBusy as busy:
            log(f"{_now()} {busy}; trying again in {RETRY_MS // 1000} s")
            return False
        except NoInputFiles:
            log(f"{_now()} no input files yet under {', '.join(map(str, paths))}; waiting")
            return True
        if summary.changed:
            changed_runs += 1
            for line in summary.lines():
                log(f"{_now()} {line}")
        if on_batch is not None:
            on_batch(summary)
        return True

    log(f"{_now()} watching {', '.join(map(str, paths))} for {index_dir} (Ctrl-C stops)")
    pending = not run_update()
    for changes in watch_changes(
        *paths,
        watch_filter=InputFiles(),
        debounce=debounce_ms,
        step=min(50, debounce_ms),
        stop_event=stop,
        rust_timeout=RETRY_MS,
        yield_on_timeout=True,
        force_polling=poll_seconds is not None,
        poll_delay_ms=int((poll_seconds or 0.3) * 1000),
        raise_interrupt=False,
    ):
        if stop.is_set():
            break
        if changes or pending:
            if changes:
                log(f"{_now()} {len(changes)} file change{'s' if len(changes) != 1 else ''}")
            pending = not run_update()
    log(f"{_now()} stopped watching")
    return changed_runs


def _now() -> str:
    return datetime.now().strftime("%H:%M:%S")


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll `condition` until it holds or `seconds` pass (for tests and scripts)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
