"""Safe HTML for headlines and snippets: page text escaped, query matches wrapped in <mark>.

The text is analysed exactly as it was indexed (same analyzer, same token positions), so a word
is marked where the index matched it: stemmed forms (`containers` for `container`), wildcard and
fuzzy expansions, and a phrase as one unit (`<mark>North Korea</mark>`, never `North` alone in
`North Korean`). Words under NOT are never marked. The snippet is the passage with the most
distinct matched words, not the opening lines. Page text is escaped here and bleach then keeps
only bare <mark> tags, so nothing from a page can ever become markup.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
from dataclasses import dataclass

from bleach.sanitizer import Cleaner
from whoosh import query as wquery

from searcher.backend.whoosh import fastindex
from searcher.backend.whoosh.schema import TEXT_FIELDS, make_schema

SNIPPET_CHARS = 240
SURROUND = 60  # characters of context before the first match of a fragment
MAX_EXPANSIONS = 2000  # terms taken from one wildcard, fuzzy or range leaf for marking
ALLOWED_TAGS = frozenset({"mark"})
_ANALYZER = make_schema()["body"].analyzer  # headline and body share it (analysis.py)
# Index mode, as the words were indexed: compounds give their parts and the joined word
# (`counter-terrorism` is marked for `terrorism`), each at the position the index holds.
_MODE = "index"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Marks:
    """What to mark for one query: single analysed words, and phrases as runs of analysed words."""

    terms: frozenset[str] = frozenset()
    phrases: frozenset[tuple[str, ...]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.terms or self.phrases)


class Highlighter:
    """Marks the matches of one query; built once per search, used for the page's hits."""

    def __init__(self, marks: Marks | frozenset[str] = Marks(), analyzer=None):
        self.marks = marks if isinstance(marks, Marks) else Marks(frozenset(marks))
        self.terms = self.marks.terms
        self._analyzer = analyzer or _ANALYZER  # the index's own, which made the marks' words
        self._fast = fastindex.is_text_analyzer(self._analyzer)  # its tokens from fastindex's memo

    @classmethod
    def for_query(cls, query, reader, analyzer=None) -> Highlighter:
        return cls(query_marks(query, reader), analyzer)

    def headline(self, text: str) -> str:
        spans = self.spans(text)
        return clean(_render(text, spans, 0, len(text))) if spans else html.escape(text, quote=False)

    def snippet(self, paragraphs: list[str]) -> str:
        text = "\n".join(paragraphs)  # as indexed: the same token positions
        spans = self.spans(text)
        if not spans:
            return html.escape(_lead(text), quote=False)
        return clean(" … ".join(_render(text, spans, a, b) for a, b in _fragments(text, spans)))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character ranges to mark, in order, overlapping ones merged."""
        if not self.marks or not text:
            return []
        tokens = fastindex.tokens(text) if self._fast else [
            (t.text, t.pos, t.startchar, t.endchar) for t in self._analyzer(text, positions=True, chars=True, mode=_MODE)]
        found = [(start, end) for word, _, start, end in tokens if word in self.marks.terms]
        if self.marks.phrases:
            at: dict[tuple[int, str], tuple[int, int]] = {}  # (position, word) -> its characters
            for word, pos, start, end in tokens:
                at.setdefault((pos, word), (start, end))
            for phrase in self.marks.phrases:
                for word, pos, start, _ in tokens:
                    if word == phrase[0] and all((pos + k, phrase[k]) in at for k in range(1, len(phrase))):
                        found.append((start, at[(pos + len(phrase) - 1, phrase[-1])][1]))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


def _fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Up to two passages of about SNIPPET_CHARS: the one with the most distinct matched words,
    then, when some matched word is outside it, the best passage adding words it lacks."""
    words = [text[a:b].casefold() for a, b in spans]

    def window(anchor: int) -> tuple[int, int]:
        # a match early in the text keeps the opening; a later one gets SURROUND characters before it
        start = 0 if spans[anchor][1] + SURROUND <= SNIPPET_CHARS else max(0, spans[anchor][0] - SURROUND)
        if start + SNIPPET_CHARS > len(text):  # near the end: use the room before instead
            start = max(0, len(text) - SNIPPET_CHARS)
        end = max(start + SNIPPET_CHARS, spans[anchor][1])
        return _snap(text, spans, start, min(len(text), end), spans[anchor])

    def inside(bounds: tuple[int, int]) -> set[str]:
        return {w for (a, b), w in zip(spans, words) if bounds[0] <= a and b <= bounds[1]}

    windows = [window(i) for i in range(len(spans))]
    first = max(windows, key=lambda w: (len(inside(w)), -w[0]))
    shown = inside(first)
    rest = [w for w in windows if w[1] <= first[0] or w[0] >= first[1]]
    extra = max(rest, key=lambda w: (len(inside(w) - shown), -w[0]), default=None)
    if extra is None or not inside(extra) - shown:
        return [first]
    return sorted([first, extra])


def _snap(text: str, spans, start: int, end: int, anchor: tuple[int, int]) -> tuple[int, int]:
    """Move a window's edges to word boundaries, never cutting a marked span or losing the anchor."""
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, anchor[0])
        start = space + 1 if space != -1 else start
    for a, b in spans:  # a span cut by the start edge starts the window instead
        if a < start < b:
            start = a
    for a, b in spans:  # a span cut by the end edge is left out whole
        if a < end < b:
            end = a if a >= anchor[1] else b
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", anchor[1], end)
        end = space if space != -1 else end
    return start, max(end, anchor[1])


def _render(text: str, spans, start: int, end: int) -> str:
    """text[start:end] escaped, its spans in <mark>, whitespace runs as one space, with … where cut."""
    out, at = [], start
    for a, b in spans:
        if a >= start and b <= end:
            out += [_escape(text[at:a]), "<mark>", _escape(text[a:b]), "</mark>"]
            at = b
    out.append(_escape(text[at:end]))
    body = "".join(out).strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(text.rstrip()) else "")


def _escape(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text), quote=False)


_cleaners = threading.local()  # a bleach Cleaner is costly to build and not thread-safe


def clean(fragment: str) -> str:
    cleaner = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = Cleaner(tags=ALLOWED_TAGS, attributes={}, strip=True)
    return cleaner.clean(fragment)


def query_marks(query, reader) -> Marks:
    """The words and phrases a query matches in headline or body, wildcards and fuzzy terms
    expanded against the index; nothing under NOT.

    (Whoosh's own `existing_terms` skips every field after the first one it sees: its loop
    variable shadows its `fieldname` argument, which is how body-only words went unmarked.)"""
    if query is None:
        return Marks()
    terms: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    for leaf in _positive_leaves(query):
        if isinstance(leaf, wquery.Phrase):
            if leaf.fieldname in TEXT_FIELDS and leaf.words:
                words = tuple(_text(w) for w in leaf.words)
                if leaf.slop <= 1:
                    phrases.add(words)
                else:
                    terms.update(words)
            continue
        try:
            expanded = leaf.expanded_terms(reader, phrases=False)
        except Exception:  # a leaf Whoosh cannot expand (damaged range, ...) marks nothing
            continue
        for fieldname, text in itertools.islice(expanded, MAX_EXPANSIONS):
            if fieldname in TEXT_FIELDS:
                terms.add(_text(text))
    return Marks(frozenset(terms), frozenset(phrases))


def query_terms(query, reader) -> frozenset[str]:
    """The single words query_marks finds, phrase words included (for callers wanting a flat set)."""
    marks = query_marks(query, reader)
    return marks.terms | frozenset(w for p in marks.phrases for w in p)


def _positive_leaves(query):
    """The leaves of a query tree that a match must or may contain (not those under NOT)."""
    if isinstance(query, wquery.Not):
        return
    if isinstance(query, wquery.AndNot):
        yield from _positive_leaves(query.a)
        return
    if query.is_leaf():
        yield query
        return
    for child in query.children():
        yield from _positive_leaves(child)


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _lead(text: str) -> str:
    """The opening of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
