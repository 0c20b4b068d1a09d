"""A fix to Whoosh 2.7's W3 codec, applied on import (by schema.py, so before any index use).

`W3PerDocReader._cached_reader` caches the column readers it finds but not the ones it does not:
for every posting of a field without a lengths column (ID, NUMERIC, DATETIME fields) it asks the
file system again. Committing 4,500 stories made 137,000 `stat` calls and took 20 s; with the
miss cached it takes a fraction of that.
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_original = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    misses = self.__dict__.setdefault("_livesearch_missing_columns", set())
    if fieldname in misses:
        return None
    reader = _original(self, fieldname, column)
    if reader is None:
        misses.add(fieldname)
    return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader
