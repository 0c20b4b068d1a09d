"""Small typed records passed between the pipeline stages.

ingest -> Page -> segment -> Story (dated) -> entities -> Story (with facets) -> index.
Every stage takes and returns these records, so each can be tested on its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime

# How a story's date is known. Order matters: earlier is stronger evidence.
DATE_BASES = ("stated", "inferred", "page", "none")

FACETS = ("people", "organizations", "places", "countries")


TITLE_CHARS = 90  # longest title made from a post's first sentence
_NOT_SENTENCE_ENDS = {"mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "sen", "rep", "gov", "no",
                      "vs", "u.s", "u.k", "u.n", "e.g", "i.e", "jan", "feb", "aug", "sept", "oct", "nov", "dec"}
_SENTENCE_END = re.compile(r"[.!?](?=[\"'’”)]*(\s|$))")


def title_from_body(body: list[str]) -> str:
    """A title for a post without a headline: its first sentence, cut at a word near
    TITLE_CHARS (with "…"). Empty when the post has no text."""
    text = " ".join(" ".join(p.split()) for p in body if p and p.strip())
    sentence = text
    for end in _SENTENCE_END.finditer(text):
        words = text[: end.start()].split()
        last = words[-1].lower().strip("\"'(‘“") if words else ""
        if last in _NOT_SENTENCE_ENDS or len(last) == 1:  # Mr. Putin, U.S. officials, J. Smith
            continue
        sentence = text[: end.end()]
        break
    if len(sentence) > TITLE_CHARS:
        cut = sentence[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:-–— ")
        sentence = cut + "…"
    return sentence


def story_title(headline: str | None, body: list[str]) -> tuple[str, bool]:
    """What to call a story: (its headline, False), or (its first sentence, True) when it has
    none. One rule for hits, story pages, CSV and feeds."""
    if headline and headline.strip():
        return headline, False
    return title_from_body(body), True


@dataclass
class Problem:
    """A per-file (and, when known, per-line) complaint that never stops a run."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Page:
    """One live-blog page as read from a file (or one JSON line of a file)."""

    origin: str  # the file it came from ("path" or "path:line" for JSON lines)
    source: str  # the outlet
    url: str | None = None
    title: str | None = None
    reference_date: datetime | None = None  # the page's own date, when known
    text: str | None = None  # scraped text, when the input is text
    html: str | None = None  # saved HTML, when the input is HTML


@dataclass
class Story:
    """One story of a live blog, with its date and (after enrichment) its entity facets."""

    source: str
    origin: str
    position: int  # 0-based order on the page
    headline: str | None
    body: list[str]  # paragraphs
    url: str | None = None
    page_title: str | None = None
    date: str | None = None  # ISO 8601, date or date-time
    date_basis: str = "none"  # one of DATE_BASES
    people: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """Stable across rebuilds: the same page, position and headline give the same id."""
        key = "\x1f".join([self.url or self.origin, str(self.position), self.headline or ""])
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    @property
    def text(self) -> str:
        """Headline and body as one text, the input to entity tagging."""
        parts = [self.headline] if self.headline else []
        return "\n".join(parts + self.body)

    @property
    def content_hash(self) -> str:
        """Key of the enrichment cache: changes whenever the tagged text changes."""
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()

    def to_json(self) -> dict:
        """The story as `livesearch segment --json` and the export print it."""
        data = asdict(self)
        data["id"] = self.id
        return data
