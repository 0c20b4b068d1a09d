"""Hostile input: generated queries, filters and dates against the real engine (never anything
but a result or a QueryError, bounded by length and clause limits), generated pages through
segmentation (never raises), and XSS payloads in page text, headlines, sources, URLs, queries
and facet values driven through real Chromium (nothing executes)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from index_helpers import write_blog, write_corpus
from test_browser import browser  # noqa: F401  (fixture: Debian's Chromium, skips when missing)

from searcher.backend.whoosh.querying import MAX_CLAUSES
from searcher.build import build
from searcher.errors import QueryError
from searcher.search.engine import Engine
from searcher.search.request import (
    MAX_FILTER_VALUES, MAX_PER_PAGE, MAX_QUERY_CHARS, SearchRequest, facet_params,
)
from searcher.records import Page
from searcher.pipeline.segment import segment_page, stories_from_file
from webui_support import served

# ---- strategies -------------------------------------------------------------------------------

SYNTAX = ['"', "(", ")", "AND", "OR", "NOT", "ANDNOT", "*", "?", "~", "~2", "^3", "headline:", "body:", "id:",
          "date:", "[a TO z]", "{", "}", "[", "]", "-", "+", ":", "\\", "/", "'", "<", ">", "&", "%", "\x00",
          "rafah", "harbour", "ukraine", "pa*", "ra?ah", "kyiv~", "“", "”", "\u200b", "🙂", "ǅ", "İ"]
query_text = st.one_of(
    st.lists(st.sampled_from(SYNTAX) | st.text(max_size=12), max_size=30).map(" ".join),
    st.lists(st.sampled_from(SYNTAX), max_size=40).map("".join),
    st.text(max_size=80),
    st.text(min_size=MAX_QUERY_CHARS - 5, max_size=MAX_QUERY_CHARS + 50),
)
DATES = ["2023", "2023-10", "2023-10-13", "13 Oct 2023", "Oct 2023", "0000", "0001-01-01", "9999-12-31",
         "10000-01", "2023-02-30", "31 Feb 2023", "2023-13", "Oct", "13", "1e9", "yesterday", "-1", "٢٠٢٣"]
date_text = st.sampled_from(DATES) | st.text(max_size=20) | st.from_regex(r"\d{1,6}(-\d{1,3}){0,2}", fullmatch=True)
FACET_PARAMS = facet_params()
PARAM_NAMES = ["q", "from", "to", "sort", "page", "per_page", *FACET_PARAMS, *(f"exclude_{p}" for p in FACET_PARAMS)]
value_text = st.text(max_size=40) | st.sampled_from(["relevance", "newest", "oldest", "1", "0", "-3", "101", "1e3", " 7 "])


@st.composite
def params(draw) -> dict[str, list[str]]:
    out = draw(st.dictionaries(st.sampled_from(PARAM_NAMES + ["junk", ""]), st.lists(value_text, max_size=4)))
    if draw(st.booleans()):
        out["q"] = [draw(query_text)]
    for name in ("from", "to"):
        if draw(st.booleans()):
            out[name] = [draw(date_text)]
    return out


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    folder = tmp_path_factory.mktemp("hostile-engine")
    build([write_corpus(folder / "corpus")], folder / "ix", entities=False, progress=False)
    return Engine(folder / "ix")


# ---- queries, filters, dates ------------------------------------------------------------------


@given(params())
@example({"from": ["0000"]})  # once a ValueError (a 500 on the web): year 0 does not exist
@example({"to": ["9999-12-31"], "page": ["10000"], "per_page": ["100"]})
def test_request_parsing_gives_a_request_or_a_query_error(raw):
    try:
        req = SearchRequest.from_params(raw)
    except QueryError as error:
        assert str(error)
        return
    assert len(req.q) <= MAX_QUERY_CHARS
    assert 1 <= req.per_page <= MAX_PER_PAGE and req.page >= 1
    assert sum(map(len, req.filters.values())) + sum(map(len, req.excludes.values())) <= MAX_FILTER_VALUES
    assert not (req.date_from and req.date_to and req.date_from > req.date_to)


@given(params())
@example({"q": ["æä\U00011e32îÛb<@"]})  # once a TypeError in Whoosh's spelling corrector (a 500)
@example({"q": ["[zz TO zzz]"]})  # once an AttributeError there
@example({"q": ["date:[0 TO 1]"]})  # once a bare Exception from Whoosh's date parsing (a 503)
def test_search_gives_a_result_or_a_query_error(engine, raw):
    try:
        req = SearchRequest.from_params(raw)
        result = engine.search(req)
    except QueryError as error:
        assert str(error)
        return
    assert 0 <= len(result.hits) <= req.per_page and result.total >= 0
    json.dumps(result.to_json())  # the API can always serialise it


@given(st.sampled_from([*FACET_PARAMS, *FACET_PARAMS.values(), "junk", ""]), st.text(max_size=30), params())
def test_facet_search_gives_values_or_a_query_error(engine, name, prefix, raw):
    try:
        values = engine.facet_values(name, prefix, SearchRequest.from_params(raw))
    except QueryError as error:
        assert str(error)
        return
    assert all(v.count >= 0 for v in values)


@pytest.mark.parametrize("query", [
    "harbour " * (MAX_QUERY_CHARS // 8 + 1),
    " OR ".join(["rafah"] * (MAX_CLAUSES + 1)),
    "(" * 40 + "rafah" + ")" * 40 + "".join(f" OR dock{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(MAX_CLAUSES)),
    "a*", "*", "?afah", "r* OR s*",
])
def test_pathological_queries_are_refused_before_they_run(engine, query):
    """Length, clause and wildcard limits bound every query's work (a bare * is everything)."""
    if query == "*":
        assert engine.search(SearchRequest(q=query)).total == 8
        return
    with pytest.raises(QueryError):
        engine.search(SearchRequest(q=query))


# ---- segmentation -----------------------------------------------------------------------------

LINES = ["10.42 BST", "09:15", "Updated 3 minutes ago", "Friday 13 October 2023", "Source: x.org", "1.", "—",
         "Share", "BREAKING", "Aid convoy reaches Rafah crossing", "Key events", "12.00am GMT+1", "", " ",
         "31/02/2023", "Posted at 25:61", "By our reporter", "<script>alert(1)</script>", "\ufeff", "\x0c"]
page_text = st.lists(st.sampled_from(LINES) | st.text(max_size=60), max_size=60).map("\n".join)
TAGS = ["<article>", "</article>", "<div class='live-post'>", "</div>", "<h2>", "</h2>", "<p>", "</p>",
        "<time datetime='2023-10-13T10:42:00Z'>", "<time datetime='garbage'>", "</time>", "<script>", "</script>",
        "<script type='application/ld+json'>", '{"@type": "LiveBlogPosting", "liveBlogUpdate": [{}]}',
        "<!--", "-->", "<![CDATA[", "<br>", "<meta property='og:url' content='javascript:1'>", "&amp;", "&#0;"]
page_html = st.lists(st.sampled_from(TAGS) | st.sampled_from(LINES) | st.text(max_size=30), max_size=80).map("".join)


def _check_stories(stories) -> None:
    assert [s.position for s in stories] == list(range(len(stories)))
    for story in stories:
        assert all(isinstance(p, str) for p in story.body) and story.id


@given(page_text, st.sampled_from([None, "2023-10-13T09:00:00"]))
def test_segmenting_any_text_never_raises(text, when):
    from datetime import datetime

    page = Page(origin="gen.txt", source="gen.example", text=text,
                reference_date=datetime.fromisoformat(when) if when else None)
    _check_stories(segment_page(page))


@given(page_html)
def test_segmenting_any_html_never_raises(html):
    _check_stories(segment_page(Page(origin="gen.html", source="gen.example", html=html)))


@given(st.binary(max_size=2000) | page_text.map(str.encode), st.sampled_from([".txt", ".html", ".jsonl", ".json"]))
def test_reading_any_file_never_raises(raw, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"page{suffix}"
        path.write_bytes(raw)
        stories, problems = stories_from_file(path)
    _check_stories(stories)
    assert all(str(p) for p in problems)


# ---- XSS through real Chromium ----------------------------------------------------------------

MARKER = "zebracrossing"  # a word every hostile story carries, to find them all
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "<svg onload=window.__xss=3>",
    '"><script>window.__xss=4</script>',
    "'><img src=x onerror=window.__xss=5>",
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
    '<a href="javascript:window.__xss=7">link</a>',
    "</textarea></title><script>window.__xss=8</script>",
    '<mark onmouseover="window.__xss=9" style="display:block;width:9999px;height:9999px">x</mark>',
    '<details open ontoggle="window.__xss=10">',
    "&lt;script&gt;window.__xss=11&lt;/script&gt;",
    "{{constructor.constructor('window.__xss=12')()}}",
    "<style>@import 'javascript:window.__xss=13'</style>",
    '<object data="data:text/html,<script>parent.__xss=14</script>"></object>',
]
HOSTILE_URLS = ["javascript:window.__xss=20", "data:text/html,<script>window.__xss=21</script>",
                "JaVaScRiPt:window.__xss=22", " javascript:window.__xss=23"]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """An index of pages whose headlines, bodies, sources and URLs carry every payload, served."""
    folder = tmp_path_factory.mktemp("hostile-site")
    pages = folder / "pages"
    pages.mkdir()
    for n, payload in enumerate(PAYLOADS):
        write_blog(pages, f"hostile-{n}.txt", f"news{n}.example {payload}", f"Live {payload}", "13 October 2023",
                   [("10.42 BST", f"Harbour {MARKER} {payload}", [f"The {MARKER} closed {payload} on Friday."])])
    with open(pages / "feeds.jsonl", "w", encoding="utf-8") as feed:
        for n, url in enumerate(HOSTILE_URLS):
            text = f"Feed live\n13 October 2023\n\n11.00 BST\nFerry {MARKER} delayed\nThe {MARKER} ferry was late."
            feed.write(json.dumps({"source": f"feed{n}.example", "url": url, "title": "Feed live", "text": text}) + "\n")
    build([pages], folder / "ix", entities=False, progress=False)
    ids = [hit.id for hit in Engine(folder / "ix").search(SearchRequest(q=MARKER, per_page=100)).hits]
    assert len(ids) == len(PAYLOADS) + len(HOSTILE_URLS)
    with served(folder / "ix") as url:
        yield url, ids


def _groups(size: int = 3) -> list[str]:
    """The payloads a few at a time, within the query length limit."""
    return [" ".join(PAYLOADS[i:i + size]) for i in range(0, len(PAYLOADS), size)]


def _visits(ids: list[str]) -> list[str]:
    """Every page the payloads reach: results, facets and chips, query echoes, story pages."""
    urls = ["/?" + urlencode({"q": MARKER, "per_page": 100})]
    urls.append("/?" + urlencode([(p, v) for v in PAYLOADS for p in ("country", "exclude_person", "source")]))
    urls.append("/?" + urlencode({"q": MARKER, "from": PAYLOADS[0], "to": PAYLOADS[1]}))
    urls += ["/?" + urlencode({"q": group}) for group in _groups()]
    urls += [f"/stories/{story_id}" for story_id in ids]
    urls.append("/stories/" + PAYLOADS[0].replace("/", "%2F"))
    return urls


@pytest.mark.browser
def test_no_payload_executes_anywhere_in_the_browser(browser, hostile_site):  # noqa: F811
    base, ids = hostile_site
    context = browser.new_context()
    page = context.new_page()
    dialogs, csp = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    checked = 0
    for path in _visits(ids):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.__xss") == "undefined", path
        checked += 1
    page.goto(base + "/")
    for payload in _groups():  # typed into the live search box and rendered by the JavaScript
        page.locator("#q").fill(payload)
        page.wait_for_load_state("networkidle")
        page.mouse.move(300, 300)  # would fire a mouseover handler had one survived
        assert page.evaluate("typeof window.__xss") == "undefined", payload
    context.close()
    assert dialogs == [] and csp == []  # escaped, not merely blocked by the CSP
    assert checked == len(_visits(ids))
