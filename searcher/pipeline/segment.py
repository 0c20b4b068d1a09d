"""Split a live-blog page into stories: HTML structure first, text rules as the fallback.

The text rules read a page as lines and rely on general signs of a live blog, not on any
one outlet: a headline is a short line without final punctuation; a line repeated within a
few lines is the same headline around photos and stamps; time stamps, day headers, numbered
entries and `___` rules start entries; page furniture (menus, share lists, bylines, author
bios, captions, `Read more`) is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from searcher.pipeline import dates, html_blocks
from searcher.pipeline.ingest import read_file
from searcher.records import Page, Problem, Story

MAX_HEADLINE_CHARS = 200
MAX_HEADLINE_WORDS = 30
REPEAT_WINDOW = 15  # lines within which a repeated headline is the same story's
_FINAL_PUNCTUATION = ".!:;,…"
_CLOSERS = "\"'”’»)]"
_BULLET = re.compile(r"^\s*[•●▪◦·‣∙]\s*")
_SEPARATOR = re.compile(r"^[\s_\-=*~—–•·#]{3,}$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(?P<rest>\S.*)$")
_STAMP = re.compile(r"^(?P<kind>last updated|updated|published|posted|first published)(?:\s+(?:on|at))?:?\s+(?P<when>.{1,60})$", re.I)
_AGO_LINE = re.compile(r"^\d+\s*(?:sec|second|min|minute|hr|hour|day|week)s?(?:\s+\d+\s*(?:sec|second)s?)?\s+ago$", re.I)
_MORE = re.compile(r"^(?:show more|read more|see more|load more|continue reading|read the full (?:story|article))\W*$", re.I)
_SHARE_WORDS = {"share", "facebook", "twitter", "x", "whatsapp", "email", "e-mail", "linkedin", "telegram", "reddit",
                "messenger", "copy", "link", "print", "pinterest", "flipboard", "bluesky", "threads", "sms", "comments"}
_FURNITURE = re.compile(
    r"^(?:news feed|live|live updates|live feed|follow|following|unfollow|avatar|short url|advertisement|ad"
    r"|sponsored|subscribe|sign up|newsletter|related|related articles?|recommended|most read|most popular"
    r"|key events|top stories|back to top|skip to .{1,40}|share(?: this(?: article| post| story| page)?)?|copy link"
    r"|link copied|show less|listen(?: to this article)?|watch|video|photos?|gallery|close|menu|search"
    r"|\d+\s*min(?:ute)?s? read|\d+\s*/\s*\d+|\d+ comments?|source:\s*\S+|(?:retrieved|accessed|crawled)\b.*"
    r"|(?:photo|photograph|image|credit)s?:.*)$",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:[Bb]y\s+[A-Z][\w.'’-]*(?:,?\s+(?:and\s+)?[A-Z][\w.'’-]*){0,6}(?:,\s*[\w .'’-]{1,40})?"
    r"|[Ff]rom\s+(?:(?:[Tt]he\s+)?(?:[A-Z][\w.&-]*\s+){0,4}[A-Z][\w.&-]*[’']s?\s+|our\s+)[^.!?]{1,80})$",
)
_INTERVIEW_TURN = re.compile(r"^[QA]\s*[:.]\s")  # `Q: How long will it take?` is a transcript line
_CREDIT = re.compile(r"\((?P<credit>[^()]{2,120})\)\s*$")
_CREDIT_WORDS = re.compile(r"/|getty|images|photo|handout|\bpool\b|shutterstock|\bafp\b|\bepa\b|reuters|\bap\b|\(l\)|\(r\)", re.I)


@dataclass
class Entry:
    """A story in the making: what the page says, before dates are resolved."""

    headline: str | None = None
    body: list[str] = field(default_factory=list)
    stamps: list[str] = field(default_factory=list)
    day: date | None = None
    clock: tuple[int, int, str | None] | None = None
    markup: str | None = None


def stories_from_file(path: str | Path) -> tuple[list[Story], list[Problem]]:
    """All stories of a file, in page order, with the problems met reading it."""
    pages, problems = read_file(path)
    return [story for page in pages for story in segment_page(page)], problems


def segment_page(page: Page) -> list[Story]:
    """The page's stories, dated, with page source/url/title/origin copied onto each."""
    entries = _html_entries(page) if page.html is not None else text_entries((page.text or "").splitlines(), page.title)
    evidence = [dates.Evidence(markup=e.markup, day=e.day, clock=e.clock, stamps=tuple(e.stamps),
                               lead=" ".join(([e.headline] if e.headline else []) + e.body[:1])) for e in entries]
    dated = dates.resolve(evidence, page.reference_date)
    return [
        Story(source=page.source, origin=page.origin, position=position, headline=entry.headline, body=entry.body,
              url=page.url, page_title=page.title, date=when.iso() if when else None,
              date_basis=when.basis if when else "none")
        for position, (entry, when) in enumerate(zip(entries, dated))
    ]


def _html_entries(page: Page) -> list[Entry]:
    root = html_blocks.parse(page.html or "")
    posts = html_blocks.live_blog_posts(root)
    if not posts:
        return text_entries(html_blocks.text_lines(root), page.title)
    entries = []
    for post in posts:
        body = [p for p in (_bullet_free(p) for p in post.paragraphs) if not _is_furniture(p)]
        if body or post.headline:
            entries.append(Entry(headline=post.headline, body=body, markup=post.stamp))
    return entries


def _bullet_free(line: str) -> str:
    return _BULLET.sub("", line).strip()


def _is_furniture(line: str) -> bool:
    """Menus, share lists, bylines, captions: lines that belong to the page, not a story."""
    if len(line) > MAX_HEADLINE_CHARS:
        return _is_caption(line)
    if _FURNITURE.match(line) or _MORE.match(line) or _BYLINE.match(line) or _SEPARATOR.match(line):
        return True
    words = re.findall(r"[\w-]+", line.lower())
    if words and len(words) <= 12 and all(w in _SHARE_WORDS for w in words):
        return True
    return _is_caption(line)


def _is_caption(line: str) -> bool:
    """A photo caption: the line ends with a photo credit in brackets."""
    credit = _CREDIT.search(line) if line.endswith(")") else None
    return bool(credit and _CREDIT_WORDS.search(credit["credit"]) and not line.endswith(".)"))


def is_headline_like(line: str) -> bool:
    """A short line without final punctuation that starts like a title."""
    text = line.strip()
    if not text or len(text) > MAX_HEADLINE_CHARS or _BULLET.match(line):
        return False
    words = text.split()
    if not 2 <= len(words) <= MAX_HEADLINE_WORDS:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘«") or _INTERVIEW_TURN.match(text):
        return False
    core = text.rstrip(_CLOSERS)
    if not core or core[-1] in _FINAL_PUNCTUATION:
        return False
    return not (core.endswith("?") and len(words) > 14)


def text_entries(lines: list[str], page_title: str | None = None) -> list[Entry]:
    """Entries from page text lines by the text rules."""
    lines = [line.strip() for line in lines]
    titles = [is_headline_like(line) for line in lines]
    lines = _drop_author_blocks(lines, titles)
    lines, carried = _fold_repeated_headlines(lines, titles)
    title = (page_title or "").strip().lower()
    entries: list[Entry] = []
    current: Entry | None = None
    day: date | None = None
    pending: list[str] = []  # stamps seen after a story's body, for the next story

    def start(**fields) -> Entry:
        entry = Entry(day=day, stamps=pending[:], **fields)
        pending.clear()
        entries.append(entry)
        return entry

    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or (title and line.lower() == title):
            continue
        if index in carried:  # stamps found between two copies of this headline
            pending.extend(carried[index])
        if len(line) <= MAX_HEADLINE_CHARS:  # stamps, headers and furniture are short lines
            stamp = _STAMP.match(line)
            if stamp or _AGO_LINE.match(line):
                if stamp and stamp["kind"].lower() == "last updated":
                    continue  # a banner of the whole page, not a story date
                if current is not None and not current.body:
                    current.stamps.append(stamp["when"] if stamp else line)
                else:
                    pending.append(stamp["when"] if stamp else line)
                continue
            header = dates.day_header(line)
            if header:
                day, current = header.day, None
                continue
            if _SEPARATOR.match(line):
                current = None
                continue
            if _MORE.match(line):
                if current is not None and current.headline is None:
                    entries.pop()  # a lead teaser before "Show more" is a promo
                    current = None
                continue
        if _is_furniture(line):
            continue
        full_stamp = dates.dated_clock(line)
        if full_stamp:  # `4:30 p.m. ET, January 16, 2024` above an entry
            day, clock = full_stamp
            current = start(clock=clock)
            continue
        prefixed = dates.clock_prefix(line) if line[0].isdigit() else None
        if prefixed:
            clock, rest = prefixed
            current = start(clock=clock)
            if is_headline_like(rest):
                current.headline = rest
            elif rest:
                current.body.append(rest)
            continue
        numbered = _NUMBERED.match(line)
        if numbered and is_headline_like(numbered["rest"]):
            if current is not None and not current.body:
                current.headline = numbered["rest"]
            else:
                current = start(headline=numbered["rest"])
            continue
        if titles[index]:
            if current is not None and not current.body:
                current.headline = line  # a kicker or page title above the real headline
            else:
                current = start(headline=line)
            continue
        if current is None:
            current = start()
        current.body.append(_bullet_free(line))
    return [e for e in entries if e.body]


def _fold_repeated_headlines(lines: list[str], titles: list[bool]) -> tuple[list[str], dict[int, list[str]]]:
    """Blank out everything from a headline to its repeat a few lines on, keeping the stamps.

    Outlets print a headline, then photos, captions, `Updated ...` and `Follow`, then the
    headline again: all of that is one story's preamble. Returns the lines and, by the index
    of the kept (second) copy, the stamps found in between.
    """
    lines = lines[:]
    carried: dict[int, list[str]] = {}
    for i, line in enumerate(lines):
        if not titles[i] or not line or _is_furniture(line):  # a byline recurs under every post
            continue
        for j in range(i + 1, min(len(lines), i + REPEAT_WINDOW + 1)):
            if lines[j] == line and not _holds_a_story(lines[i + 1 : j], titles[i + 1 : j]):
                stamps = [m["when"] if m else lines[k] for k in range(i + 1, j)
                          for m in [_STAMP.match(lines[k])] if m or _AGO_LINE.match(lines[k])]
                carried.setdefault(j, []).extend(stamps)
                for k in range(i, j):
                    lines[k] = ""
                break
    return lines, carried


def _holds_a_story(lines: list[str], titles: list[bool]) -> bool:
    """True when a headline followed by prose stands between two copies of a headline: then
    the first copy is a `Key events` link to a later post, not the same story's preamble."""
    prose = [line for line in lines if line and not _is_furniture(line) and not _STAMP.match(line)]
    shapes = {line: title for line, title in zip(lines, titles)}
    return any(shapes[a] and not shapes[b] for a, b in zip(prose, prose[1:]))


def _drop_author_blocks(lines: list[str], titles: list[bool]) -> list[str]:
    """Blank an author box: a name line, perhaps a role line, then a bio starting with the name."""
    lines = lines[:]
    for i, line in enumerate(lines):
        if not titles[i] or len(line.split()) > 4:
            continue
        for j in range(i + 1, min(len(lines), i + 6)):
            if lines[j].startswith(line + " ") and len(lines[j]) > len(line) + 40:
                for k in range(i, j + 1):
                    lines[k] = ""
                break
    return lines
