"""The page a journalist reads (issue 16), in real Chromium against the real app: dates as people
read them, undated stories last and counted, titles for untitled posts, the timeline, the URL
while typing, links to posts, the CSV, per-page and "show more", and accessibility basics
(axe-core, vendored under tests/vendor/axe-core)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from searcher import build as index
from test_browser import browser, page, params, wait_for_total  # noqa: F401  (fixtures)
from webui.app import create_app
from webui.pages import original_link, typed_prefix
from webui_support import FIXTURE_PAGES, served

pytestmark = pytest.mark.browser

HERE = Path(__file__).resolve().parent
PAGE_FIXTURES = HERE / "fixtures" / "page"  # harbour strike: times with zones, an untitled post, undated posts
AXE = HERE / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.10.3"
APP_JS = HERE.parent / "webui" / "static" / "app.js"
ALL = 20  # stories in the web fixtures and the page fixtures together


@pytest.fixture(scope="module")
def page_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("page-index")
    index.build([FIXTURE_PAGES, PAGE_FIXTURES], folder, progress=False)
    return folder


@pytest.fixture(scope="module")
def base_url(page_index):
    with served(page_index) as url:
        yield url


@pytest.fixture(scope="module")
def client(page_index):
    return create_app(page_index).test_client()


# ---- dates --------------------------------------------------------------------------------

def test_dates_read_as_people_read_them_with_the_iso_value_and_basis(page, base_url):
    page.goto(base_url + "/?q=dockers&sort=oldest")
    wait_for_total(page, 4)
    assert page.locator('time[datetime="2023-02-06T08:30+01:00"]').inner_text() == "6 Feb 2023, 08:30 UTC+1"
    assert page.locator('time[datetime="2023-02-08T10:57+00:00"]').inner_text() == "8 Feb 2023, 10:57 GMT"
    meta = page.locator(".hit-meta").all_inner_texts()
    assert not any(re.search(r"\d{4}-\d\d-\d\d", text) for text in meta), meta  # no raw ISO on show
    basis = page.locator(".hit-meta .basis").first
    assert basis.inner_text() == "stated" and "states this date" in basis.get_attribute("title")
    page.locator(".date-legend summary").click()
    expect(page.locator(".date-legend dd").nth(1)).to_contain_text("Worked out")

    page.goto(base_url + "/?q=ferry")
    wait_for_total(page, 1)
    assert page.locator('.hit-meta time[datetime="2023-03-13"]').inner_text() == "13 Mar 2023"  # a day, no time
    page.locator(".hit-headline a").click()
    page.wait_for_url(re.compile("/stories/"))
    assert page.locator('.story-meta time[datetime="2023-03-13"]').inner_text() == "13 Mar 2023"
    assert page.locator(".story-meta .basis").inner_text() == "stated"


def test_a_day_stated_without_a_time_reads_as_a_day_on_page_story_cli_csv_and_json(tmp_path):
    """`<time datetime="2023-03-14">` is a day: the ISO value stays `2023-03-14` and it reads
    "14 Mar 2023" everywhere, never "14 Mar 2023, 00:00" (issue 16)."""
    import json

    from click.testing import CliRunner

    from livesearch.cli import main

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "tide-live.html").write_text(
        "<html><head><title>Tide watch live</title></head><body>"
        '<article id="p2"><h2>Sea wall repaired in Lowestoft</h2><time datetime="2023-03-14">Tuesday</time>'
        "<p>Engineers repaired the sea wall in Lowestoft before the spring tide reached the town.</p></article>"
        '<article id="p1"><h2>Spring tide warning for Lowestoft</h2><time datetime="2023-03-13T00:00+00:00">midnight</time>'
        "<p>A spring tide warning was issued for Lowestoft at midnight as the sea wall was breached.</p></article>"
        "</body></html>", encoding="utf-8")
    folder = tmp_path / "ix"
    index.build([pages], folder, progress=False, entities=False)
    client = create_app(folder).test_client()
    body = client.get("/?q=Lowestoft&sort=newest").get_data(as_text=True)
    assert '<time datetime="2023-03-14">14 Mar 2023</time>' in body
    assert '<time datetime="2023-03-13T00:00+00:00">13 Mar 2023, 00:00 GMT</time>' in body  # a stated midnight stays
    hits = client.get("/api/search?q=Lowestoft&sort=newest").get_json()["hits"]
    assert [h["date"] for h in hits] == ["2023-03-14", "2023-03-13T00:00+00:00"]
    story = client.get(f"/stories/{hits[0]['id']}").get_data(as_text=True)
    assert re.search(r'class="story-meta">\s*<time datetime="2023-03-14">14 Mar 2023</time>', story)
    rows = list(csv.DictReader(io.StringIO(client.get("/api/search.csv?q=sea+wall+repaired").get_data(as_text=True)[1:])))
    assert [r["date"] for r in rows] == ["2023-03-14"]
    out = CliRunner().invoke(main, ["search", "sea wall repaired", "--index", str(folder)]).output
    assert "14 Mar 2023 (stated)" in out and "00:00" not in out
    exported = CliRunner().invoke(main, ["export", "sea wall repaired", "--index", str(folder)]).stdout
    assert json.loads(exported)["date"] == "2023-03-14"


# ---- undated stories ----------------------------------------------------------------------

def test_undated_stories_come_last_in_both_date_orders_and_are_counted(page, base_url):
    for order in ("newest", "oldest"):
        page.goto(base_url + f"/?sort={order}&per_page=50")
        wait_for_total(page, ALL)
        meta = page.locator(".hit-meta").all_inner_texts()
        assert [text.startswith("undated") for text in meta] == [False] * (ALL - 2) + [True] * 2, (order, meta)
    assert "Undated: 2 stories" in page.locator(".undated-note").inner_text()
    assert "not on the timeline" in page.locator(".undated-note").inner_text()


def test_a_date_range_leaves_undated_out_and_says_so_with_a_toggle(page, base_url):
    page.goto(base_url + "/?q=harbour")
    wait_for_total(page, 6)
    page.locator("#from").fill("2023-01-01")
    wait_for_total(page, 4)  # the two undated posts are left out by the range
    page.locator("#to").fill("2023-12-31")
    wait_for_total(page, 4)
    note = page.locator(".undated-note")
    assert "Undated: 2 stories are left out by the date range" in " ".join(note.inner_text().split())
    page.locator("#undated-toggle").click()
    wait_for_total(page, 6)
    assert ("undated", "include") in params(page)
    assert "included with the date range" in note.inner_text()
    assert page.locator("#undated-toggle").inner_text() == "leave them out"
    page.go_back()
    wait_for_total(page, 4)


# ---- untitled posts -----------------------------------------------------------------------

def test_untitled_posts_get_a_title_from_their_first_sentence(page, base_url, client):
    page.goto(base_url + "/?q=union+leaders")
    wait_for_total(page, 1)
    headline = page.locator(".hit-headline")
    assert headline.locator(".untitled-tag").inner_text().lower() == "no headline"
    first_sentence = "Union leaders said the new offer was the best they could hope for."
    assert headline.locator(".generated-title").inner_text() == first_sentence
    assert "(no headline)" not in page.content()
    headline.locator("a").click()
    page.wait_for_url(re.compile("/stories/"))
    assert page.locator("h1 .generated-title").inner_text() == first_sentence
    assert page.title().startswith(first_sentence)

    text = client.get("/api/search.csv?q=union+leaders").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert (row["headline"], row["title"], row["title_generated"]) == ("", first_sentence, "yes")
    hit_json = client.get("/api/search?q=union+leaders").get_json()["hits"][0]
    assert hit_json["title_generated"] is True and hit_json["headline"] == ""
    feed = client.get("/api/search.atom?q=union+leaders").get_data(as_text=True)
    assert f"<title>No headline: {first_sentence}</title>" in feed


# ---- the timeline -------------------------------------------------------------------------

def test_histogram_axis_is_continuous_with_ticks_and_plurals(page, base_url):
    page.goto(base_url + "/?q=harbour")
    wait_for_total(page, 6)
    bars = page.locator("#histogram a.bar")
    labels = [bars.nth(i).get_attribute("aria-label") for i in range(bars.count())]
    assert labels[0] == "Feb 2023: 1 story" and labels[-1] == "Nov 2023: 1 story"
    assert len(labels) == 10  # Feb .. Nov 2023, the empty months drawn
    assert "Apr 2023: 0 stories" in labels
    assert page.locator("#histogram a.bar.empty").count() == 6
    years = page.locator("#histogram .axis .tick.major").all_text_contents()
    months = page.locator("#histogram .axis .tick:not(.major)").all_text_contents()
    assert years == ["Feb 2023"] and months == ["Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
    assert page.locator("#histogram figcaption").inner_text().startswith("Stories by month")


def test_a_short_range_is_drawn_by_day(page, base_url):
    page.goto(base_url + "/?from=2023-10-01&to=2023-10-31")
    wait_for_total(page, 5)
    assert page.locator("#histogram figcaption").inner_text().startswith("Stories by day")
    bars = page.locator("#histogram a.bar")
    assert bars.count() == 31  # the whole selected month, by day
    assert bars.nth(19).get_attribute("aria-label") == "20 Oct 2023: 2 stories"
    assert page.locator("#histogram .axis .tick.major").all_text_contents() == ["Oct 2023"]
    assert page.locator("#histogram .axis .tick:not(.major)").all_text_contents() == ["1", "8", "15", "22", "29"]


# ---- the URL while typing -----------------------------------------------------------------

def test_typing_updates_the_url_with_one_request_per_pause(page, base_url):
    page.goto(base_url + "/")
    wait_for_total(page, ALL)
    searches = []
    page.on("request", lambda r: searches.append(r) if r.headers.get("x-livesearch-partial") else None)
    before = page.evaluate("history.length")
    page.locator("#q").press_sequentially("harbo", delay=40)  # faster than the debounce
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'harbo'")
    wait_for_total(page, 6)  # "harbo" is a prefix while typing: harbour
    assert len(searches) == 1 and searches[0].headers.get("x-livesearch-typing") == "1"
    assert page.evaluate("history.length") == before + 1  # one entry for the burst of typing
    page.locator("#q").press_sequentially("ur strike", delay=40)
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'harbour strike'")
    wait_for_total(page, 5)
    assert page.evaluate("history.length") == before + 1  # replaced, not stacked
    page.locator("#q").press("Enter")
    wait_for_total(page, 5)
    assert ("q", "harbour strike") in params(page)
    page.go_back()
    wait_for_total(page, ALL)
    assert page.locator("#q").input_value() == ""


def test_short_words_are_not_prefixes():
    assert typed_prefix("gas stor") == "gas stor*"
    assert typed_prefix("ha") == "ha"  # fewer than 3 letters: as typed
    assert typed_prefix('"harbour stri') == '"harbour stri'  # inside a phrase
    assert typed_prefix("strike AND") == "strike AND" and typed_prefix("covid19") == "covid19"


def test_typing_while_a_search_runs_cancels_it(page, base_url):
    page.goto(base_url + "/")
    wait_for_total(page, ALL)
    page.route("**/?q=harb*", lambda route: (page.wait_for_timeout(700), route.continue_()))
    aborted = []
    page.on("requestfailed", lambda r: aborted.append(r.url))
    page.locator("#q").press_sequentially("harb", delay=20)
    page.wait_for_timeout(450)  # the "harb" request is now waiting on the slow route
    page.locator("#q").press_sequentially("our", delay=20)
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'harbour'")
    wait_for_total(page, 6)
    assert any("q=harb&" in url or url.endswith("q=harb") for url in aborted), aborted


# ---- links, export, paging, facets ----------------------------------------------------------

def test_original_link_goes_to_the_post_when_it_has_an_anchor():
    page_url = "https://coastledger.example/live/harbour-strike"
    assert original_link(page_url, "post-3") == page_url + "#post-3"
    assert original_link(page_url + "#top", "x") == page_url + "#top"
    assert original_link(page_url, None) == page_url
    assert original_link("javascript:alert(1)", "a") is None
    assert original_link(page_url, "12345") == page_url  # a data-post-id, not an id
    assert original_link(page_url, page_url + "/p/9") == page_url + "/p/9"  # a permalink


def test_story_page_links_the_post_on_the_original_page(page, base_url):
    page.goto(base_url + "/?q=felixstowe+walked")  # a post with id="post-1" on its page
    page.locator(".hit-headline a").first.click()
    page.wait_for_url(re.compile("/stories/"))
    link = page.locator(".story-meta a.original")
    assert link.get_attribute("href") == "https://coastledger.example/live/harbour-strike#post-1"
    assert link.inner_text() == "Original post"
    page.goto(base_url + "/?q=ferry")  # a text page: no anchor, the page itself
    page.locator(".hit-headline a").first.click()
    page.wait_for_url(re.compile("/stories/"))
    assert page.locator(".story-meta a.original").count() == 0  # and no URL at all: no link


def test_csv_download_has_a_bom_and_is_named_after_the_query(page, base_url):
    page.goto(base_url + "/?q=harbour")
    wait_for_total(page, 6)
    with page.expect_download() as download:
        page.locator(".export a").click()
    assert download.value.suggested_filename == f"livesearch-harbour-{date.today().isoformat()}.csv"
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))) == 6


def test_per_page_selector(page, base_url):
    page.goto(base_url + "/")
    wait_for_total(page, ALL)
    page.locator("#per_page").select_option("10")
    page.wait_for_url(re.compile("per_page=10"))
    wait_for_total(page, ALL)
    assert page.locator(".hit").count() == 10
    assert page.locator("#status").inner_text() == "20 stories · page 1 of 2"
    page.locator("#pager a", has_text="2").first.click()
    page.wait_for_url(re.compile("page=2"))
    expect(page.locator("#status")).to_have_text("20 stories · page 2 of 2")
    assert page.locator(".hits").get_attribute("start") == "11"


def all_countries(client) -> int:
    count = len(client.get("/api/facets/countries?limit=500").get_json()["values"])
    assert count > 10  # more than the sidebar shows at first
    return count


def test_show_more_on_a_long_facet_list(page, base_url, client):
    page.goto(base_url + "/")
    countries = page.locator('.facet[data-facet="countries"]')
    assert countries.locator(".facet-item").count() == 10
    countries.locator(".facet-more").click()
    expect(countries.locator(".facet-item")).to_have_count(all_countries(client))
    assert countries.locator(".facet-more").count() == 0
    countries.locator('.facet-item[data-value="Kenya"] .facet-toggle').click()
    wait_for_total(page, 1)
    assert ("country", "Kenya") in params(page)


def test_show_more_works_without_javascript(browser, base_url, client):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/")
    page.locator('.facet[data-facet="countries"] .facet-more').click()
    assert page.locator("h1").inner_text() == "Countries"
    assert page.locator(".facet-item").count() == all_countries(client)
    context.close()


# ---- one copy of the page logic -------------------------------------------------------------

def test_app_js_holds_no_copy_of_the_server_side_logic(client):
    source = APP_JS.read_text(encoding="utf-8")
    for server_side in ("exclude_", "/api/search", "/stories/", "per_page=", "stories\"", "createElementNS"):
        assert server_side not in source, server_side
    partial = client.get("/?q=harbour", headers={"X-Livesearch-Partial": "1"})
    text = partial.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="results"') and "<html" not in text
    assert "X-Livesearch-Partial" in partial.headers["Vary"]


def test_undated_parameter_is_checked(client):
    assert client.get("/api/search?undated=maybe").status_code == 400
    with_range = client.get("/api/search?q=harbour&from=2023").get_json()
    assert (with_range["total"], with_range["undated"]) == (4, {"count": 2, "included": False})
    included = client.get("/api/search?q=harbour&from=2023&undated=include").get_json()
    assert (included["total"], included["undated"]["included"]) == (6, True)
    assert client.get("/api/search?q=harbour&undated=exclude").get_json()["total"] == 4


# ---- accessibility basics -------------------------------------------------------------------

A11Y_PAGES = ["/", "/?q=harbour&from=2023-01-01&to=2023-12-31", "/?q=union+leaders"]


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_accessibility_violations(browser, base_url, width):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    axe = AXE.read_text(encoding="utf-8")
    assert f"axe v{AXE_VERSION}" in axe[:100]
    story = None
    for path in A11Y_PAGES + ["story"]:
        if path == "story":
            page.goto(base_url + "/?q=union+leaders")
            story = page.locator(".hit-headline a").get_attribute("href")
            path = story
        page.goto(base_url + path)
        page.evaluate(axe)
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
                 ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})).violations
                 .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
        )
        assert violations == [], (path, violations)
    context.close()


def test_every_control_shows_keyboard_focus(page, base_url):
    page.goto(base_url + "/?q=harbour")
    wait_for_total(page, 6)
    page.evaluate("document.activeElement.blur()")
    seen = set()
    for _ in range(45):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            """() => { const el = document.activeElement; const style = getComputedStyle(el);
                 const area = el.matches('a.bar') ? getComputedStyle(el.querySelector('.bar-area')).fill : '';
                 return {what: el.tagName + '.' + (el.getAttribute('class') || el.id || ''),
                         outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                         bar: area !== '' && area !== 'rgba(0, 0, 0, 0)' && area !== 'transparent'}; }"""
        )
        assert focus["outline"] or focus["bar"], focus
        seen.add(focus["what"].split(".")[0])
    assert {"INPUT", "SELECT", "BUTTON", "A", "SUMMARY"} <= seen


# ---- the command line reads the same way ------------------------------------------------------

def test_cli_prints_readable_dates_titles_and_the_undated_choice(page_index):
    from click.testing import CliRunner

    from livesearch.cli import main

    def search(*args):
        result = CliRunner().invoke(main, ["search", *args, "--index", str(page_index), "--limit", "20"])
        assert result.exit_code == 0, result.output
        return result.output

    ranged = search("harbour", "--from", "2023")
    assert ranged.startswith("4 stories match")
    assert "(2 undated stories left out by the date range; --undated include adds them)" in ranged
    everything = search("harbour", "--from", "2023", "--undated", "include", "--sort", "oldest")
    assert everything.startswith("6 stories match")
    assert "6 Feb 2023, 08:30 UTC+1 (stated) · Coast Ledger" in everything
    assert everything.rstrip().count("undated ·") == 2 and "(none)" not in everything
    untitled = search("union leaders")
    assert "[untitled] Union leaders said the new offer was the best they could hope for." in untitled


def test_progress_is_a_few_lines_when_stderr_is_not_a_terminal():
    from searcher.build import StageLines

    out = io.StringIO()
    stage = StageLines(range(1000), "reading", "files", out)
    for n in stage:
        stage.set_postfix(stories=n)
    lines = out.getvalue().splitlines()
    assert lines[0] == "reading: 0/1000 files" and len(lines) == 11
    assert re.fullmatch(r"reading: 1000/1000 files, stories=999, \d+\.\d s", lines[-1])
    assert "\r" not in out.getvalue()

    out = io.StringIO()  # driven by update(), as the reading stage does
    stage = StageLines(["a", "b", "c"], "reading", "files", out)
    for _ in range(3):
        stage.update()
    stage.close()
    stage.close()
    assert out.getvalue().splitlines()[-1].startswith("reading: 3/3 files, ") and len(out.getvalue().splitlines()) == 4


def test_demo_generator_and_build_agree_on_the_story_count(tmp_path):
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    made = subprocess.run([sys.executable, str(HERE.parent / "scripts" / "make_corpus.py"), str(corpus),
                           "--stories", "2000", "--seed", "1"], capture_output=True, text=True, check=True)
    said = re.search(r"a build indexes (\d+) stories", made.stderr)
    assert said, made.stderr  # 2,000 asked; the end-of-page teasers are named and counted
    summary = index.build([corpus], tmp_path / "ix", entities=False, progress=False)
    assert summary.stories == int(said.group(1)) == 2003
