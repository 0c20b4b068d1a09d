"""The search page left open says how many new stories arrived (issue 15), in headless Chromium."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from waitress import create_server

from searcher.build import build, update
from test_browser import browser, page  # noqa: F401  (fixtures)
from test_live import other_blog, write_snapshot
from webui.app import create_app

pytestmark = pytest.mark.browser


def test_an_open_search_page_counts_the_new_stories(tmp_path, page):  # noqa: F811
    scrapes, ix = tmp_path / "scrapes", tmp_path / "ix"
    build([other_blog(scrapes), write_snapshot(scrapes, "blog-1000.jsonl")], ix, entities=False, progress=False)
    app = create_app(ix)
    app.config["NEW_SINCE_POLL_MS"] = 1000
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.effective_port}/?q=harbour+OR+union+OR+talks")
        notice = page.locator("#new-since")
        expect(notice).to_be_hidden()
        assert page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href") \
            == "/api/search.atom?q=harbour+OR+union+OR+talks"
        update([write_snapshot(scrapes, "blog-1400.jsonl")], ix, entities=False, progress=False)  # C: harbour
        expect(notice).to_have_text("1 new story since your last visit · show", timeout=15_000)
        update([write_snapshot(scrapes, "blog-1800.jsonl")], ix, entities=False, progress=False)  # D: talks
        expect(notice).to_have_text("2 new stories since your last visit · show", timeout=20_000)
        notice.get_by_role("link", name="show").click()
        expect(page.locator("#new-since")).to_be_hidden()
        expect(page.locator("#hits")).to_contain_text("Talks resume at the town hall")
    finally:
        page.goto("about:blank")  # stop live.js polling first: a poll cut off by close() is a console error
        server.close()
