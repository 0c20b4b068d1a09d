"""Split a live-blog page into stories: HTML structure first, text rules as the fallback.

The text rules read a page as lines and rely on general signs of a live blog, not on any
one outlet: a headline is a short line without final punctuation; a line repeated within a
few lines is the same headline around photos and stamps; time stamps, day headers, numbered
entries and `___` rules start entries; page furniture (menus, share lists, bylines, author
bios, captions, `Read more`) is dropped.
"""

from __future__ import annotations

from pathlib import Path

from searcher import dates, html_blocks, lines
from searcher.ingest import read_file
from searcher.records import Page, Problem, Story

# The text rules live in `searcher.lines` (label every line, then assemble); these names stay
# importable from here.
MAX_HEADLINE_CHARS = lines.MAX_HEADLINE_CHARS
Entry = lines.Entry
is_headline_like = lines.is_headline_like
text_entries = lines.text_entries
_is_furniture = lines.is_furniture
_bullet_free = lines.bullet_free


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
