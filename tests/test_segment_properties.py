"""Conservation, as a property: pages generated from a live-blog layout grammar segment into
exactly the stories they were made of.

The grammar covers headline styles (plain, numbered, clock-prefixed in several languages and
formats), identical and distinct stamps before or after headlines, bare dates under
headlines, clock lines, day headers before or after their posts, bylines, share bars,
captions, promos and notices before the first post, footers after the last, untitled posts,
and HTML with per-post containers, as a flat ticker of clock headings, or as plain blocks,
with misleading JSON-LD (the page title as every update's headline, a history of posts the
page does not show, entities and tags in bodies). Every generated story must come back with
its own headline and exactly its body: no body sentence lost, moved or duplicated.

CI runs `examples(ci, full)` cases; `LIVESEARCH_HYPOTHESIS_PROFILE=full` runs the soak count.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from profiles import examples

from searcher.pipeline.lines import KINDS, assemble, label_lines
from searcher.records import Page
from searcher.pipeline.segment import segment_page

PLACES = ["Marlow", "Corvant", "Eskel", "Tessin", "Valdoria", "Rallen", "Odrin", "Pellas", "Quorn", "Sable",
          "Tarvik", "Umbra", "Vesna", "Wendel", "Yarrow", "Zelt", "Brisk", "Calder", "Dunmore", "Elvan"]
SUBJECTS = ["Ferry crews", "Council officials", "Rail engineers", "Harbour police", "Flood wardens", "Hospital staff",
            "Border guards", "Farm unions", "School leaders", "Bus drivers"]
VERBS = ["inspected", "reopened", "closed", "cleared", "repaired", "visited", "guarded", "mapped"]
NOUNS = ["bridge", "quay", "depot", "market", "tunnel", "station", "clinic", "barracks"]
HEAD_NOUNS = ["Ferry strike", "Bridge repairs", "Flood warning", "Rail link", "Power cut", "Curfew", "Port blockade",
              "Water shortage", "Road closure", "Grain shipment"]
HEAD_VERBS = ["ends in", "begins in", "lifted in", "extended in", "delayed in", "announced in", "spreads to"]
CLOCK_PREFIXES = ["14:{m:02d} GMT – ", "12.{m:02d} Uhr: ", "2.{m:02d}am: ", "10:{m:02d} a.m. ", "17:{m:02d} GMT / 11:{m:02d} CST: ",
                  "09.{m:02d} BST: ", "12h{m:02d} : ", "12:{m:02d} h - "]
CLOCK_LINES = ["14:{m:02d} GMT", "12.{m:02d} Uhr", "2.{m:02d}am", "10:{m:02d} a.m.", "09.{m:02d} BST"]
DAY_HEADERS = ["24 September 2024", "Tuesday, 24 September 2024", "Dienstag, 24. September 2024", "24.09.2024",
               "September 24, 2024", "mardi 24 septembre 2024", "martes, 24 de septiembre de 2024",
               "Dienstag, 24. September", "mardi 24 septembre", "вторник, 24 сентября"]  # no year: the weekday fixes it
IDENTICAL_STAMPS = ["Updated 24 September 2024", "Posted 24 September 2024", "Published 24 September 2024"]
BYLINES = ["By Anna Berg", "By Tom Reyes and Lea Marsh", "From our correspondent in Brisk"]
SHARE_BARS = [["Share"], ["Share", "Facebook", "Twitter", "Email"], ["Share Facebook Twitter Email"]]
PROMOS = ["Breaking news: storm warning for the coast", "Follow our live updates for the latest",
          "This content may not be republished without permission."]
FOOTERS = [["Sign up to our morning newsletter"], ["© 2024 Harbour Gazette Media"],
           ["SUBSCRIBE TODAY", "Choose the plan that is right for you."], ["Related: Ferry fares rise again"]]


@dataclass
class Story:
    headline: str | None
    body: list[str]
    minute: int


@st.composite
def stories(draw, min_size: int = 1):
    count = draw(st.integers(min_size, 6))
    places = draw(st.lists(st.sampled_from(PLACES), min_size=count, max_size=count, unique=True))
    result = []
    for index, place in enumerate(places):
        titled = draw(st.booleans()) or draw(st.booleans())
        headline = f"{draw(st.sampled_from(HEAD_NOUNS))} {draw(st.sampled_from(HEAD_VERBS))} {place}" if titled else None
        paragraphs = draw(st.integers(1, 3))
        body = [f"{draw(st.sampled_from(SUBJECTS))} {draw(st.sampled_from(VERBS))} the {draw(st.sampled_from(NOUNS))} "
                f"near {place} after {10 * index + p + 2} hours, a spokesperson said." for p in range(paragraphs)]
        result.append(Story(headline, body, minute=59 - 7 * index))
    return result


@st.composite
def text_pages(draw):
    """A text page and the stories it holds."""
    posts = draw(stories())
    style = draw(st.sampled_from(["plain", "numbered", "clock_prefix", "clock_line", "plusses"]))
    stamp = draw(st.sampled_from(["none", "identical_before", "identical_after", "distinct_before", "distinct_after",
                                  "bare_date_after", "relative_before"]))
    relative = draw(st.sampled_from(["2h ago", "12 min ago", "Just now", "vor 2 Std.", "il y a 3 heures", "hace 5 minutos"]))
    identical = draw(st.sampled_from(IDENTICAL_STAMPS))
    clock_prefix = draw(st.sampled_from(CLOCK_PREFIXES))
    clock_line = draw(st.sampled_from(CLOCK_LINES))
    days = draw(st.sampled_from(["none", "before", "after"]))
    day = draw(st.sampled_from(DAY_HEADERS))
    day_breaks = set(draw(st.lists(st.integers(1, max(1, len(posts) - 1)), max_size=2)))  # posts that open a new day
    blank = draw(st.booleans())
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("Live: harbour news as it happens")
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(PROMOS)))
    if days == "before":
        lines.append(day)
    for number, post in enumerate(posts, start=1):
        block: list[str] = []
        if number - 1 in day_breaks and days != "none":
            lines.append(day if days == "before" else "Monday, 23 September 2024")  # after: the previous day's label
        # an untitled post needs something that opens it: a clock, a stamp or a rule
        opener_needed = post.headline is None and style not in ("clock_prefix", "clock_line", "plusses") and stamp == "none"
        if opener_needed:
            block.append("* * *")
        if stamp == "identical_before":
            block.append(identical)
        elif stamp == "distinct_before":
            block.append(f"Updated 24 September 2024 {post.minute // 3 + 10}:{post.minute:02d}")
        elif stamp == "relative_before":
            block.append(relative)
        if style == "clock_line":
            block.append(clock_line.format(m=post.minute))
        if post.headline is not None:
            if style == "numbered":
                block.append(f"{number}. {post.headline}")
            elif style == "clock_prefix":
                block.append(clock_prefix.format(m=post.minute) + post.headline)
            elif style == "plusses":  # German tickers: `+++ 12:31 Title +++`
                block.append(f"+++ 12:{post.minute:02d} {post.headline} +++")
            else:
                block.append(post.headline)
        elif style in ("clock_prefix", "plusses"):
            if draw(st.booleans()):  # `14:10 GMT – The council said ...`: the untitled post's text on the clock's line
                block.append(clock_prefix.format(m=post.minute) + post.body[0])
                lines.extend(block + post.body[1:])
                continue
            block.append(clock_prefix.format(m=post.minute).rstrip(" :–-"))
        if stamp == "identical_after":
            block.append(identical)
        elif stamp == "distinct_after":
            block.append(f"Updated 24 September 2024 {post.minute // 3 + 10}:{post.minute:02d}")
        elif stamp == "bare_date_after":
            block.append("24 September 2024")
        if draw(st.booleans()):
            block.append(draw(st.sampled_from(BYLINES)))
        if draw(st.booleans()):
            block.append(f"Workers near the {draw(st.sampled_from(NOUNS))} on Monday. (Photo: Lena Brandt/Northwire)")
        block.extend(post.body[:1])
        if draw(st.booleans()):
            block.extend(draw(st.sampled_from(SHARE_BARS)))
        block.extend(post.body[1:])
        lines.extend(block)
        if days == "after" and number == len(posts):
            lines.append(day)
    if draw(st.booleans()):
        lines.extend(draw(st.sampled_from(FOOTERS)))
    text = ("\n\n" if blank else "\n").join(lines)
    return text, posts, style


@st.composite
def cut_text_pages(draw):
    """A text page saved before its last post finished: the page ends in its first words. The
    post may be untitled: then those words (short, unpunctuated, like a title) are its body."""
    text, posts, style = draw(text_pages().filter(lambda page: "SUBSCRIBE" not in page[0]))
    last = posts[-1]
    words = last.body[0].split()
    cut = " ".join(words[: draw(st.integers(3, len(words) - 2))]).rstrip(",")
    text = text[: text.rindex(last.body[0])] + cut
    return text, posts[:-1] + [Story(last.headline, [cut], last.minute)], style


def _expected(posts):
    return [(p.headline, p.body) for p in posts]


@settings(max_examples=examples(150, 1000))
@given(text_pages())
def test_generated_text_pages_give_back_their_stories(page):
    text, posts, _ = page
    found = segment_page(Page(origin="mem", source="x", text=text))
    assert [(s.headline, s.body) for s in found] == _expected(posts), text


@settings(max_examples=examples(100, 600))
@given(cut_text_pages())
def test_a_page_cut_in_its_last_post_keeps_its_title_and_first_words(page):
    text, posts, _ = page
    found = segment_page(Page(origin="mem", source="x", text=text))
    assert [(s.headline, s.body) for s in found] == _expected(posts), text


@settings(max_examples=examples(100, 600))
@given(st.one_of(text_pages(), cut_text_pages()))
def test_every_line_has_one_label_and_each_prose_line_one_story(page):
    text, _, _ = page
    labelled = label_lines(text.splitlines())
    entries = assemble(labelled)
    assert [line.index for line in labelled] == list(range(len(text.splitlines())))
    assert all(line.kind in KINDS and line.evidence for line in labelled)
    held = sorted(i for e in entries for i in e.lines)
    prose = [line.index for line in labelled if line.kind == "prose"]
    assert held == sorted(set(held)), text  # no line in two entries
    assert set(prose) <= set(held), text  # every prose line in one
    assert all(labelled[i].kind in ("prose", "clock") for i in held), text  # `14:10 GMT – text` lines too


def _json_ld(title: str, posts, shown: bool) -> str:
    """Misleading structured data: every update headed by the page title, bodies with entities
    and tags, and a history of posts the page does not show."""
    updates = [{"@type": "BlogPosting", "headline": title,
                "articleBody": "".join(f"<p>{html.escape(p).replace('said', '&#x201C;said&#x201D;')}</p>" for p in post.body)}
               for post in posts] if shown else []
    updates.append({"@type": "BlogPosting", "headline": "Archive post from last week",
                    "articleBody": "Older crews inspected the pier near Nowhere after 99 hours, a spokesperson said."})
    data = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": title, "liveBlogUpdate": updates}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@st.composite
def html_pages(draw):
    """An HTML page and the stories it shows."""
    layout = draw(st.sampled_from(["containers", "div_containers", "flat_ticker", "blocks"]))
    posts = draw(stories(min_size=2).filter(lambda p: len(p) >= (3 if layout == "div_containers" else 2)))
    title = "Harbour live: all the latest"
    tag = draw(st.sampled_from(["h2", "h3", "h4"]))
    parts = [f"<html><head><title>{title}</title>"]
    if draw(st.booleans()):
        parts.append(_json_ld(title, posts, shown=draw(st.booleans())))
    parts.append(f"</head><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/w'>World</a></li></ul></nav><main><h1>{title}</h1>")
    if draw(st.booleans()):
        parts.append(f"<div class='notice'><p>{html.escape(draw(st.sampled_from(PROMOS)))}</p></div>")
    clock = draw(st.sampled_from(CLOCK_PREFIXES))
    if layout in ("flat_ticker", "blocks") and draw(st.booleans()):  # a short unpunctuated standfirst under a heading
        for post in posts:
            if post.headline:
                post.body.insert(0, f"Crews worked through the night near {post.headline.split()[-1]}")
    if layout == "flat_ticker":
        parts.append("<div class='rich-text'><p>Our reporters follow the events for you.</p>")
        for post in posts:
            heading = clock.format(m=post.minute) + (post.headline or "")
            parts.append(f"<{tag}>{html.escape(heading.rstrip(' :–-'))}</{tag}>")
            parts.extend(f"<p>{html.escape(p)}</p>" for p in post.body)
        parts.append("</div><div class='rich-text'><h2>Dienstag, 24. September 2024</h2>"
                     "<ul><li><a href='/older'>Earlier posts</a></li></ul></div>")
    elif layout == "containers":
        prefixed = draw(st.booleans())  # `<h2>12.31 Uhr: Title</h2>` in each post's own container
        for post in posts:
            parts.append(f"<article class='post'><p><time datetime='2024-09-24T14:{post.minute:02d}:00Z'>"
                         f"14.{post.minute:02d} BST</time></p>")
            if post.headline:
                heading = (clock.format(m=post.minute) if prefixed else "") + post.headline
                parts.append(f"<{tag}>{html.escape(heading)}</{tag}>")
            if draw(st.booleans()):
                parts.append(f"<p class='byline'>{draw(st.sampled_from(BYLINES))}</p>")
            parts.append(f"<p>{html.escape(post.body[0])}</p>")
            if draw(st.booleans()):
                parts.append("<figure><img src='x.jpg'><figcaption>Crews at work. Photograph: Lena Brandt</figcaption></figure>")
            parts.extend(f"<p>{html.escape(p)}</p>" for p in post.body[1:])
            if draw(st.booleans()):
                parts.append("<div class='share-bar'><a>Share</a><a>Facebook</a></div>")
            parts.append("</article>")
        cards = draw(st.integers(0, 8))  # onward-journey cards, often more numerous than the posts
        if cards:
            parts.append("<section class='more-stories'>" + "".join(
                f"<article class='card'><h3><a href='/c{n}'>Ferry fares rise again in {PLACES[n]}</a></h3>"
                f"<p>Operators blame fuel costs for the rise.</p></article>" for n in range(cards)) + "</section>")
    elif layout == "div_containers":  # no article/section: repeated divs of one class, a clock or title in each
        for post in posts:
            parts.append(f"<div class='entry'><div class='entry-time'>14:{post.minute:02d}</div>")
            if post.headline:
                parts.append(f"<{tag}>{html.escape(post.headline)}</{tag}>")
            parts.extend(f"<p>{html.escape(p)}</p>" for p in post.body)
            if draw(st.booleans()):
                parts.append("<div class='share-tools'><a>Share</a></div>")
            parts.append("</div>")
    else:
        stamp = draw(st.sampled_from(IDENTICAL_STAMPS))
        for post in posts:
            if post.headline:
                parts.append(f"<{tag}>{html.escape(post.headline)}</{tag}>")
            parts.append(f"<p>{stamp}</p>")
            parts.extend(f"<p>{html.escape(p)}</p>" for p in post.body)
            if draw(st.booleans()):
                parts.append("<p><a href='/related'>Ferry fares rise again in Marlow</a></p>")
    parts.append("</main><footer><p>© 2024 Harbour Gazette Media</p><p>Sign up to our newsletter</p></footer></body></html>")
    return "".join(parts), posts, layout


@settings(max_examples=examples(150, 1000))
@given(html_pages())
def test_generated_html_pages_give_back_the_stories_they_show(page):
    markup, posts, _ = page
    found = segment_page(Page(origin="mem", source="x", html=markup))
    assert [(s.headline, s.body) for s in found] == _expected(posts), markup
