"""Split a live-blog page into dated stories: HTML structure first, text rules as the fallback.

The text rules (`searcher.pipeline.lines`) label every line with one kind and then assemble
entries, so no line is lost without a name. They rely on general signs of a live blog, not on
any one outlet: a headline is a short line without final punctuation; a line repeated within
a few lines is the same headline around photos and stamps; time stamps, day headers, numbered
entries and `___` rules start entries; page furniture (menus, share lists, bylines, author
bios, captions, promos, footers, `Read more`) is dropped. HTML is read as the page renders it
(`searcher.pipeline.html_blocks`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from searcher.pipeline import dates, html_blocks, lines
from searcher.pipeline.ingest import read_file
from searcher.records import Page, Problem, Story, number_repeats

# The text rules live in `searcher.pipeline.lines` (label every line, then assemble); these names stay
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
    language = None
    if page.html is not None:
        entries, language = _html_entries(page)
    else:
        entries = text_entries((page.text or "").splitlines(), page.title, anchor=_page_day(page))
    dayfirst = dates.numeric_order([s for e in entries for s in e.stamps] + [e.body[0] for e in entries if e.body], language)
    evidence = [dates.Evidence(markup=e.markup, day=e.day, day_basis=e.day_basis, clock=e.clock, stamps=tuple(e.stamps),
                               lead=" ".join(([e.headline] if e.headline else []) + e.body[:1])) for e in entries]
    dated = dates.resolve(evidence, page.reference_date, dayfirst=dayfirst)
    return number_repeats([
        Story(source=page.source, origin=page.origin, position=position, headline=entry.headline, body=entry.body,
              url=page.url, page_title=page.title, date=when.iso() if when else None,
              date_basis=when.basis if when else "none", anchor=entry.anchor, published=entry.published)
        for position, (entry, when) in enumerate(zip(entries, dated))
    ])


def _page_day(page: Page):
    """The page's own date, which gives day headers without a year theirs (dates.day_header)."""
    return page.reference_date.date() if page.reference_date else None


def _html_entries(page: Page) -> tuple[list[Entry], str | None]:
    """Entries of an HTML page (and its language): a flat ticker by the text rules on its
    block, else the posts its structure marks, else the text rules on its content."""
    root = html_blocks.parse(page.html or "")
    language = root.get("lang") or None
    page = replace(page, title=page.title or html_blocks.page_metadata(page.html or "", root).title)
    ticker = html_blocks.flat_ticker(root)
    if ticker is not None:
        text, hints = html_blocks.text_blocks(root, ticker)
        before, after = html_blocks.day_labels_beside(ticker)
        text, hints = before + text + after, [None] * len(before) + hints + [None] * len(after)
        entries = text_entries(text, page.title, hints, ticker=True, language=language, anchor=_page_day(page))
        return _timed_by_json_ld(entries, root), language
    posts = html_blocks.live_blog_posts(root, page.title)
    if not posts:
        text, hints = html_blocks.text_blocks(root)
        entries = text_entries(text, page.title, hints, language=language, anchor=_page_day(page))
        return _timed_by_json_ld(entries, root), language
    entries = [_post_entry(post) for post in posts]
    return [e for e in entries if e.body or e.headline], language


def _timed_by_json_ld(entries: list[Entry], root) -> list[Entry]:
    """Entries read from the rendered text take a JSON-LD update's time where that update's
    body opens with the same words: structured data as evidence where it agrees."""
    times = html_blocks.json_ld_times(root)
    for entry in entries if times else []:
        when = times.get(html_blocks.opening(" ".join(entry.body)))
        if when and entry.markup is None:
            entry.markup = when
    return entries


BODY_KINDS = ("prose", "headline", "numbered")


def _post_entry(post: html_blocks.Post) -> Entry:
    """One marked-up post; its paragraphs are labelled like text lines and only story text
    is kept (a shown time `12.05 BST`, a contributor's name above `Name reports from ...`,
    captions and promos are not)."""
    labelled = lines.label_lines(post.paragraphs, dayfirst=True)  # a post's date is its markup's
    body = [lines.bullet_free(line.text) for line in labelled if line.kind in BODY_KINDS]
    body = [lines.bullet_free(line.rest) if line.kind == "clock" and line.rest else text
            for line, text in zip([l for l in labelled if l.kind in BODY_KINDS], body)]
    stamps = [line.when or line.text for line in labelled if line.kind == "stamp"]
    headline = post.headline
    clock = next((line.clock for line in labelled if line.kind in ("clock", "dated_clock") and not line.rest), None)
    dated = next((line for line in labelled if line.kind in ("dated_clock", "day_header")), None)
    timed = dates.clock_prefix(headline) if headline and headline[0].isdigit() else None
    if timed and lines.is_headline_like(timed[1]):  # `12:31 Title` as a post's heading: the text path's title
        clock, headline = timed
    return Entry(headline=headline, body=[b for b in body if b], markup=post.stamp, stamps=stamps, clock=clock,
                 day=dated.day if dated else None, day_basis=dated.day_basis if dated else "stated",
                 anchor=post.anchor, published=post.published)


LONG_PAGE_WORDS = 800  # a page this long is expected to hold several posts
ONE_STORY_SHARE = 0.6  # ... and one story holding this share of its words looks unsplit
IDENTICAL_BODIES = 3  # this many stories with one body look read from a repeated block


def warnings_for(page: Page, stories: list[Story]) -> list[str]:
    """What looks wrong in a page's result, each naming the page and what to check: one story
    holding most of a long page's text (the posts were not split), or many stories with the
    same body (a repeated block, such as a teaser, read as every post)."""
    found = []
    page_words = _page_words(page)
    sizes = [sum(len(p.split()) for p in s.body) for s in stories]
    if page_words >= LONG_PAGE_WORDS and sizes and max(sizes) >= ONE_STORY_SHARE * page_words:
        found.append(f"{page.origin}: warning: one story holds {max(sizes) * 100 // page_words}% of the page's "
                     f"{page_words} words; its posts may not have been split (check the layout with "
                     f"`livesearch segment --json`)")
    bodies: dict[tuple[str, ...], int] = {}
    for story in stories:
        if story.body:
            bodies[tuple(story.body)] = bodies.get(tuple(story.body), 0) + 1
    repeated = max(bodies.values(), default=0)
    if repeated >= IDENTICAL_BODIES:
        found.append(f"{page.origin}: warning: {repeated} of {len(stories)} stories have the same body; a repeated "
                     f"block may have been read as every post (check the page's markup)")
    return found


def _page_words(page: Page) -> int:
    if page.html is not None:
        root = html_blocks.parse(page.html)
        body = root.find("body")
        return sum(len(text.split()) for _, text in html_blocks.leaf_blocks(body if body is not None else root))
    return len((page.text or "").split())
