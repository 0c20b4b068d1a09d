"""Per-segment caches shared by the threads of a process (phrase matches, multi-term expansions,
field lengths). A segment never changes once written (deletions are applied afterwards, from the
live mask), so what is read from it stays true for as long as it exists. Keyed by
`segment_key(reader)`; least recently used first out, within an entry and a byte bound."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


def segment_key(reader) -> tuple | None:
    """(index folder, segment id) of a segment reader: what per-segment caches are keyed by."""
    segid = getattr(reader, "_segid", None)
    storage = getattr(reader, "_storage", None)
    folder = getattr(storage, "folder", None) or getattr(getattr(storage, "b", None), "folder", None)
    return None if segid is None or folder is None else (str(folder), segid)


class SegmentCache:
    """A thread-safe LRU of at most `entries` values and `max_bytes` of `size(value)`."""

    def __init__(self, entries: int, max_bytes: int | None = None, size: Callable[[Any], int] = lambda _: 0):
        self.entries, self.max_bytes, self._size = entries, max_bytes, size
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable | None):
        """The value kept under `key` (None when absent, or when the key is None)."""
        if key is None:
            return None
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable | None, value) -> None:
        if key is None:
            return
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._bytes += self._size(value)
            while len(self._items) > self.entries or (self.max_bytes is not None and self._bytes > self.max_bytes):
                _, old = self._items.popitem(last=False)
                self._bytes -= self._size(old)
