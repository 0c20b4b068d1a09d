"""Safe HTML for headlines and snippets: page text escaped, query matches wrapped in <mark>.

Whoosh's HtmlFormatter escapes the text around matches; bleach then keeps only bare <mark>
tags, so nothing from a page can ever become markup.
"""

from __future__ import annotations

import html
import threading

from bleach.sanitizer import Cleaner
from whoosh import highlight

from searcher.backend.whoosh.schema import make_schema

SNIPPET_CHARS = 240
ALLOWED_TAGS = frozenset({"mark"})
_ANALYZER = make_schema()["body"].analyzer  # headline and body share it
# Compounds are marked by their parts too (`counter-terrorism` for the word `terrorism`):
# the analyzer's index mode gives parts and joined word (analysis.py).
_MODE = "index"


class Highlighter:
    """Marks the terms of one query; built once per search, used for the page's hits."""

    def __init__(self, terms: frozenset[str], analyzer=None):
        self.terms = terms
        self._analyzer = analyzer or _ANALYZER  # the index's own, which made `terms`
        self._formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        self._whole = highlight.WholeFragmenter()
        self._context = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=80)

    def headline(self, text: str) -> str:
        marked = self._mark(text, self._whole, top=1)
        return clean(marked) if marked else html.escape(text, quote=False)

    def snippet(self, paragraphs: list[str]) -> str:
        text = "\n".join(paragraphs)
        marked = self._mark(text, self._context, top=2)
        return clean(marked) if marked else html.escape(_lead(text), quote=False)

    def _mark(self, text: str, fragmenter, top: int) -> str:
        if not self.terms or not text:
            return ""
        return highlight.highlight(
            text, self.terms, self._analyzer, fragmenter, self._formatter, top=top, mode=_MODE
        )


_cleaners = threading.local()  # a bleach Cleaner is costly to build and not thread-safe


def clean(fragment: str) -> str:
    cleaner = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = Cleaner(tags=ALLOWED_TAGS, attributes={}, strip=True)
    return cleaner.clean(fragment)


def query_terms(query, reader) -> frozenset[str]:
    """The indexed words a query matches in headline or body, wildcards and fuzzy terms expanded."""
    if query is None:
        return frozenset()
    terms = query.existing_terms(reader, phrases=True, expand=True)
    return frozenset(
        text.decode("utf-8") if isinstance(text, bytes) else text
        for fieldname, text in terms
        if fieldname in ("headline", "body")
    )


def _lead(text: str) -> str:
    """The opening of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
