"""Entity curation on the search page in headless Chromium (webui/curation.py, static/curate.js):
on a server started with curation allowed, hiding a person removes it from the facet at once; on
a read-only server the page offers no action. Any script error or CSP violation fails the test."""

from __future__ import annotations

import shutil

import pytest

from test_browser import browser, page  # noqa: F401  (fixtures)
from webui_support import served, web_index  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def _people(page) -> list[str]:
    page.wait_for_function("() => document.getElementById('search-app').dataset.state === 'ready'")
    return page.locator('.facet[data-facet="people"] .facet-item').evaluate_all("items => items.map(i => i.dataset.value)")


def test_hiding_a_person_from_the_facet_removes_it(page, web_index, tmp_path):  # noqa: F811
    index = tmp_path / "index"
    shutil.copytree(web_index, index)
    with served(index, ALLOW_CURATION=True) as url:
        page.goto(url + "/")
        assert "Emmanuel Macron" in _people(page)
        item = page.locator('.facet[data-facet="people"] .facet-item[data-value="Emmanuel Macron"]')
        item.locator(".facet-curate").click()
        item.locator('.curate-panel select[name="action"]').select_option("hide")
        with page.expect_navigation():
            item.locator('.curate-panel button[type="submit"]').click()
        assert "Emmanuel Macron" not in _people(page)
        assert page.locator(".facet-curate").count() > 0
        page.goto("about:blank")  # leave the page before its server stops


def test_a_read_only_server_shows_no_curation_action(page, web_index):  # noqa: F811
    with served(web_index) as url:
        page.goto(url + "/")
        assert _people(page)
        assert page.locator(".facet-curate").count() == 0
        page.goto("about:blank")
