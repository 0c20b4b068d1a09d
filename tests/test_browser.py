"""The real app under waitress driven by headless Chromium (Debian's package, not a Playwright
download): search as you type, facets, date range, story page and Back, hostile page text."""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from webui_support import served, web_index  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
XSS_FLAG = "window.__xss"  # what every payload in the hostile fixture page would set


@pytest.fixture(scope="module")
def base_url(web_index):  # noqa: F811
    with served(web_index) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests need it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page that fails the test on any script error or CSP violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert problems == []


def params(page) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(page.url).query)


def wait_for_total(page, total: int) -> None:
    """Wait until the status line shows `total` results and the page is idle."""
    pattern = re.compile(rf"^{total} stor(y|ies)\b")
    page.wait_for_function(
        "([source]) => new RegExp(source).test(document.getElementById('status').textContent)"
        " && document.getElementById('search-app').dataset.state === 'ready'",
        arg=[pattern.pattern],
    )


def hit_titles(page) -> list[str]:
    return page.locator(".hit-headline").all_inner_texts()


def test_search_as_you_type_updates_results_and_url(page, base_url):
    page.goto(base_url + "/")
    wait_for_total(page, 13)
    page.locator("#q").press_sequentially("generators", delay=20)
    wait_for_total(page, 1)
    assert hit_titles(page) == ["Macron promises winter generators"]
    assert page.locator(".hit-headline mark").inner_text().lower() == "generators"
    assert ("q", "generators") in params(page)


def test_add_exclude_and_remove_a_facet(page, base_url):
    page.goto(base_url + "/")
    sources = page.locator('.facet[data-facet="sources"]')
    sources.locator('.facet-item[data-value="harbourtimes.com"] .facet-toggle').click()
    wait_for_total(page, 3)
    assert ("source", "harbourtimes.com") in params(page)
    assert page.locator(".chip").inner_text().startswith("Sources: harbourtimes.com")
    assert all(text.endswith("harbourtimes.com") for text in page.locator(".hit-meta").all_inner_texts())

    sources.locator('.facet-item[data-value="harbourtimes.com"] .facet-toggle').click()  # selected: removes
    wait_for_total(page, 13)
    assert params(page) == []

    sources.locator('.facet-item[data-value="harbourtimes.com"] .facet-exclude').click()
    wait_for_total(page, 10)
    assert ("exclude_source", "harbourtimes.com") in params(page)
    assert not any(text.endswith("harbourtimes.com") for text in page.locator(".hit-meta").all_inner_texts())

    page.go_back()  # Back restores the previous state, results included
    wait_for_total(page, 13)
    assert params(page) == []


def test_keyboard_adds_a_facet_and_keeps_focus(page, base_url):
    page.goto(base_url + "/")
    page.evaluate("document.activeElement.blur()")  # the search box has autofocus
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    link = page.locator('.facet[data-facet="countries"] .facet-item[data-value="Somalia"] .facet-toggle')
    link.focus()
    page.keyboard.press("Enter")
    wait_for_total(page, 2)
    assert ("country", "Somalia") in params(page)
    assert page.evaluate("document.activeElement.closest('.facet-item').dataset.value") == "Somalia"


def test_drag_across_the_histogram_selects_a_date_range(page, base_url):
    page.goto(base_url + "/")
    bars = page.locator("#histogram a.bar")
    assert bars.count() == 4  # Oct 2023 .. Jan 2024, by month
    first, second = bars.nth(0).bounding_box(), bars.nth(1).bounding_box()
    page.mouse.move(first["x"] + first["width"] / 2, first["y"] + first["height"] / 2)
    page.mouse.down()
    page.mouse.move(second["x"] + second["width"] / 2, second["y"] + second["height"] / 2, steps=5)
    page.mouse.up()
    wait_for_total(page, 9)  # 3 in October, 6 in November
    assert ("from", "2023-10-01") in params(page) and ("to", "2023-11-30") in params(page)
    assert page.locator("#from").input_value() == "2023-10-01"
    assert page.locator("#to").input_value() == "2023-11-30"


def test_click_a_bar_then_type_dates(page, base_url):
    page.goto(base_url + "/")
    page.locator("#histogram a.bar").nth(2).click()  # December 2023
    wait_for_total(page, 3)
    assert ("from", "2023-12-01") in params(page) and ("to", "2023-12-31") in params(page)
    page.locator("#to").fill("2024-01-31")
    wait_for_total(page, 4)
    assert ("to", "2024-01-31") in params(page)


def test_facet_filter_box_searches_all_values(page, base_url):
    page.goto(base_url + "/")
    box = page.locator('.facet[data-facet="countries"] .facet-filter')
    assert box.is_visible()
    box.fill("ken")
    expect(page.locator('.facet[data-facet="countries"] .facet-item')).to_have_count(1)
    assert page.locator('.facet[data-facet="countries"] .facet-name').inner_text() == "Kenya"
    box.fill("")
    assert page.locator('.facet[data-facet="countries"] .facet-item').count() > 1


def test_open_a_story_and_go_back_to_the_same_results(page, base_url):
    page.goto(base_url + "/")
    page.locator("#q").fill("storage OR gas")
    wait_for_total(page, 3)
    page.locator("#sort").select_option("oldest")
    page.wait_for_url(re.compile("sort=oldest"))
    wait_for_total(page, 3)
    before_url, before_hits = page.url, hit_titles(page)
    page.locator(".hit-headline a").nth(1).click()
    page.wait_for_url(re.compile(r"/stories/"))
    assert page.locator("h1").inner_text() == before_hits[1]
    assert page.locator(".entity-links a", has_text="Germany").count() == 1
    page.go_back()
    wait_for_total(page, 3)
    assert page.url == before_url and hit_titles(page) == before_hits
    assert page.locator("#q").input_value() == "storage OR gas"


def test_story_entity_link_filters(page, base_url):
    page.goto(base_url + "/?q=generators")
    page.wait_for_function("document.getElementById('search-app').dataset.state === 'ready'")
    page.locator(".hit-headline a").first.click()
    page.wait_for_url(re.compile(r"/stories/"))  # the story page, before its link is looked for
    page.locator(".entity-links a", has_text="Emmanuel Macron").click()
    wait_for_total(page, 1)
    assert params(page) == [("person", "Emmanuel Macron")]


def test_hostile_page_text_never_executes(page, base_url):
    page.goto(base_url + "/?q=ransomware")
    wait_for_total(page, 2)
    headline = page.locator(".hit-headline", has_text=re.compile("^Ransomware")).inner_text()
    assert "<script>window.__xss = 1</script>" in headline  # shown as text
    page.locator("#q").fill("ransomware onerror")  # the same text through the JavaScript renderer
    wait_for_total(page, 1)
    assert "onerror" in page.locator(".hit-snippet").inner_text()
    page.locator(".hit-headline a").first.click()
    page.wait_for_url(re.compile(r"/stories/"))
    assert "<script>" in page.locator("h1").inner_text()
    page.goto(base_url + "/?q=harbour+bridge")
    page.locator(".hit-headline a").first.click()
    assert page.locator(".story-meta a").count() == 0  # its javascript: page URL is not a link
    assert page.evaluate(f"typeof {XSS_FLAG}") == "undefined"


def test_query_text_is_not_reflected_as_markup(page, base_url):
    page.goto(base_url + "/?q=%3Cimg+src%3Dx+onerror%3D%22window.__xss%3D9%22%3E")
    assert page.locator("#q").input_value() == '<img src=x onerror="window.__xss=9">'
    assert page.evaluate(f"typeof {XSS_FLAG}") == "undefined"


def test_phone_width_has_no_sideways_scroll(browser, base_url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/?q=storage")
    wait_for_total(page, 2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".hit").first.is_visible()
    context.close()
