"""The analysis pages in headless Chromium (issue 17): the co-occurrence list and its network
graph (Cytoscape.js under the strict CSP), the timeline chart's click-through, and a story
page's related stories. Any script error or CSP violation fails the test (see `page`)."""

from __future__ import annotations

import re

import pytest

from test_browser import base_url, browser, page, params  # noqa: F401  (fixtures)
from webui_support import web_index  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def total_of(page) -> int:
    page.wait_for_function("() => document.getElementById('search-app').dataset.state === 'ready'")
    return int(re.match(r"(\d+)", page.locator("#status").inner_text()).group(1))


def test_who_appears_with_lists_draws_the_graph_and_opens_shared_stories(page, base_url):  # noqa: F811
    page.goto(base_url + "/")
    page.locator("a.analysis-link", has_text="Who appears with").click()
    page.locator("#entity").fill("Netherlands")
    page.locator("#min_count").fill("1")
    page.locator("#entity").press("Enter")
    page.wait_for_selector("#cooc-table .cooc-item")
    assert "Netherlands" in page.locator("#cooc-status").inner_text()
    rows = page.locator("#cooc-table .cooc-item")
    assert "Rotterdam" in rows.evaluate_all("rows => rows.map(r => r.dataset.value)")
    page.wait_for_selector("#cooc-graph[data-ready=true] canvas")  # Cytoscape drew without a CSP complaint
    first = rows.first
    shared = int(first.locator(".cooc-stories").inner_text())
    first.locator(".cooc-stories").click()
    assert total_of(page) == shared
    assert ("country", "Netherlands") in params(page)


def test_timeline_chart_points_open_the_stories_of_their_bucket(page, base_url):  # noqa: F811
    page.goto(base_url + "/timeline?entity=Germany&entity=Italy&interval=month")
    lines = page.locator("#timeline-chart g.series")
    assert lines.evaluate_all("gs => gs.map(g => g.dataset.name)") == ["Germany", "Italy"]
    point = page.locator("#timeline-chart g.series-0 a.point").first
    count = int(point.get_attribute("data-count"))
    point.click()
    assert total_of(page) == count
    assert ("country", "Germany") in params(page) and any(k == "from" for k, _ in params(page))


def test_story_page_lists_related_stories_with_why(page, base_url):  # noqa: F811
    page.goto(base_url + "/?q=ransomware+clean-up")
    page.locator(".hit-headline", has_text="Terminal reopens").click()
    items = page.locator("#related .related-item")
    items.first.wait_for()
    assert "Netherlands" in items.first.locator(".related-why").inner_text()
    headline = items.first.locator(".related-link").inner_text()
    items.first.locator(".related-link").click()
    page.wait_for_selector("article.story h1")
    assert page.locator("article.story h1").inner_text() == headline


@pytest.fixture(scope="module")
def wire_url(tmp_path_factory):
    """An index holding one agency story reprinted by two more outlets (no spaCy: written
    straight through the store, as the conformance suite does)."""
    from searcher.backend import open_store
    from test_backend_conformance import WIRE, wire_story
    from webui_support import served

    folder = tmp_path_factory.mktemp("wire-index")
    with open_store(folder).rebuild() as out:
        out.begin(len(WIRE))
        for row in WIRE:
            out.add(wire_story(*row), f"/corpus/{row[0]}")
    with served(folder) as url:
        yield url


def test_wire_copies_collapse_expand_on_the_story_page_and_switch_off(page, wire_url):  # noqa: F811
    page.goto(wire_url + "/")
    page.locator("#q").press_sequentially("odesa", delay=20)
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith("
                           "'3 stories (1 after grouping wire copies) ·')")
    copies = page.locator(".hit-copies a")
    assert copies.inner_text() == "+ 2 outlets carried this"
    copies.click()
    page.wait_for_selector("#copies")
    assert page.locator("#copies .copy-item").count() == 2
    page.go_back()
    page.wait_for_selector(".hit-copies a")
    page.locator("#collapse-link").click()
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('3 stories ·')")
    assert ("collapse", "false") in params(page) and page.locator(".hit-copies").count() == 0
    assert page.locator("#collapse-link").inner_text() == "Group wire copies"
