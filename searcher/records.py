"""Small typed records passed between the pipeline stages.

ingest -> Page -> segment -> Story (dated) -> entities -> Story (with facets) -> index.
Every stage takes and returns these records, so each can be tested on its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    retrieved: datetime | None = None  # when this snapshot was scraped (JSON `scraped_at`/`retrieved`)

    @property
    def key(self) -> str:
        """Which page this is, the same for every snapshot of it: see `page_key`."""
        return page_key(self.url, self.origin)


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
    # What the markup says identifies the post (set by the HTML path when the page has it):
    anchor: str | None = None  # the post's permalink fragment or element id
    published: str | None = None  # the post's own machine-readable publication time
    occurrence: int = 0  # 2, 3, ... for repeats of a key on one page, counted from the bottom
    # Across snapshots of the same page (set by the build; see searcher/snapshots.py):
    first_seen: str | None = None  # ISO time of the earliest snapshot showing the post
    updated: str | None = None  # ISO time of the snapshot where its text last changed; None if never
    removed_after: str | None = None  # ISO time of the last snapshot showing it, when later ones do not

    @property
    def id(self) -> str:
        """Stable across re-scrapes: the page plus what identifies the post on it, never its
        position (docs/story-identity.md)."""
        key = "\x1f".join([page_key(self.url, self.origin), self.post_key])
        if self.occurrence:
            key += f"\x1f{self.occurrence}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    @property
    def post_key(self) -> str:
        """What identifies the post on its page, strongest evidence first: the markup's anchor,
        the markup's publication time, the headline with the post's stamp, the first words."""
        if self.anchor:
            return "anchor:" + self.anchor.strip()
        if self.published:
            return "published:" + self.published.strip()
        stamp = self.stamp
        if self.headline and _folded(self.headline):
            return f"headline:{_folded(self.headline)}|{stamp}"
        words = _folded(" ".join(self.body)).split()[:FIRST_WORDS]
        return f"words:{' '.join(words)}|{stamp}"

    @property
    def stamp(self) -> str:
        """The post's own time as the page states it: the full date-time when stated, only the
        clock when the day came from elsewhere (the page's date changes between snapshots)."""
        if not self.date or "T" not in self.date or self.date_basis == "none":
            return ""
        return self.date if self.date_basis == "stated" else self.date.split("T", 1)[1][:5]

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


FIRST_WORDS = 12  # words of an untitled, unstamped post that identify it
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|ocid|cmpid)$", re.I)


def page_key(url: str | None, origin: str) -> str:
    """The page a story belongs to across snapshots: its URL without fragment, tracking
    parameters or trailing slash, with scheme and host lower-cased; without a URL, the file
    (or JSON line) it was read from, since nothing else says two files are the same page."""
    if not url or not url.strip():
        return origin
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip()
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def number_repeats(stories: list[Story]) -> list[Story]:
    """Number the repeats of a post key on one page so their ids differ (returns the list).

    Counted from the bottom of the page: live blogs add posts on top, so the older posts keep
    their numbers when a new post with the same headline and clock arrives. An anchor or
    publication time that several posts of the page share identifies none of them (a "back to
    top" link, two posts in one minute) and is dropped first."""
    for name in ("anchor", "published"):
        counts: dict[tuple[str, str], int] = {}
        for story in stories:
            if getattr(story, name):
                key = (page_key(story.url, story.origin), getattr(story, name))
                counts[key] = counts.get(key, 0) + 1
        for story in stories:
            if getattr(story, name) and counts[(page_key(story.url, story.origin), getattr(story, name))] > 1:
                setattr(story, name, None)
    seen: dict[tuple[str, str], int] = {}
    for story in reversed(stories):
        story.occurrence = 0
        key = (page_key(story.url, story.origin), story.post_key)
        count = seen.get(key, 0)
        story.occurrence = count + 1 if count else 0
        seen[key] = count + 1
    return stories


def _folded(text: str) -> str:
    """Case, punctuation and spacing do not identify a post."""
    return " ".join(re.findall(r"\w+", text.casefold()))
