"""One base class for every error livesearch reports to a person.

Front ends catch `LivesearchError` and print (CLI) or answer (web) its message, which always
says what to do next; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class LivesearchError(Exception):
    """An expected failure whose message is for the user."""


class QueryError(LivesearchError, ValueError):
    """A problem with what the user asked; the message is shown to them (web: HTTP 400)."""


class IndexMissing(LivesearchError):
    """No usable index in a directory; the message says what to run."""


class IndexOutdated(IndexMissing):
    """The index was built under another schema version; the message says to rebuild it."""


class IndexBusy(LivesearchError):
    """Another build or update holds the index's write lock."""


class NoInputFiles(LivesearchError):
    """A build found nothing to index; the live index is left as it was."""


class IndexWriteFailed(LivesearchError):
    """The disk refused a write (full, read-only, file too large); the live index is untouched."""
