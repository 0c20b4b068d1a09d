"""Untrusted page and query text never becomes markup or script, and every response carries
the security headers (checked on real responses from a real fixture index)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from webui.app import create_app
from webui.security import SECURITY_HEADERS
from webui_support import web_index  # noqa: F401  (fixture)

HOSTILE_QUERY = '"><script>window.__xss=7</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def client(web_index):  # noqa: F811
    return create_app(web_index).test_client()


@pytest.fixture(scope="module")
def hostile_id(client) -> str:
    return client.get("/api/search?q=ransomware&sort=oldest").get_json()["hits"][0]["id"]


def assert_no_active_markup(html: str) -> None:
    """No inline script, inline style or event-handler attribute anywhere in the page."""
    soup = BeautifulSoup(html, "lxml")
    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/static/") and not script.string
    assert soup.find("style") is None
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), f"<{tag.name} {name}=...>"
            assert name != "style", f"<{tag.name} style=...>"
            if name in ("href", "src", "action"):
                assert not str(value).strip().lower().startswith(("javascript:", "data:")), value


@pytest.mark.parametrize(
    "url",
    ["/", "/?q=storage", '/?q="broken', "/stories/unknown", "/api/search", "/api/search?page=0",
     "/api/openapi.json", "/api/search.csv", "/static/app.js", "/static/app.css", "/no/such/page"],
)
def test_every_response_has_the_security_headers(client, url):
    response = client.get(url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


def test_content_security_policy_forbids_inline_code_and_framing():
    policy = dict(part.split(" ", 1) for part in SECURITY_HEADERS["Content-Security-Policy"].split("; "))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    assert "unsafe" not in SECURITY_HEADERS["Content-Security-Policy"]
    assert SECURITY_HEADERS["X-Content-Type-Options"] == "nosniff"


def test_hostile_story_text_is_escaped_in_json(client, hostile_id):
    hit = client.get("/api/search?q=ransomware&sort=oldest").get_json()["hits"][0]
    assert "&lt;script&gt;" in hit["headline"] and "<script" not in hit["headline"]
    assert "<img" not in hit["snippet"] and "&lt;img" in hit["snippet"]
    story = client.get(f"/api/stories/{hostile_id}").get_json()
    assert "<script>" in story["headline"]  # the plain-text API keeps the text as written


@pytest.mark.parametrize("path", ["/?q=ransomware", "/?q=ransomware+onerror", "/stories/{id}"])
def test_hostile_story_renders_as_text(client, hostile_id, path):
    html = client.get(path.format(id=hostile_id)).get_data(as_text=True)
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    assert "<script>window" not in html and "<img src=x" not in html
    assert_no_active_markup(html)


def test_javascript_page_url_is_not_a_link(client):
    hit = client.get("/api/search?q=bridge").get_json()["hits"][0]
    assert hit["url"].startswith("javascript:")
    assert_no_active_markup(client.get(f"/stories/{hit['id']}").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/", "/stories/x"])
def test_hostile_query_is_not_reflected_as_markup(client, path):
    response = client.get(path, query_string={"q": HOSTILE_QUERY, "person": HOSTILE_QUERY})
    html = response.get_data(as_text=True)
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    assert_no_active_markup(html)


def test_errors_never_show_a_traceback(client):
    for url in ["/api/search?q=" + "(" * 600, "/?q=" + ")" * 10, "/api/facets/%00", "/stories/%ff"]:
        body = client.get(url).get_data(as_text=True)
        assert "Traceback" not in body and 'File "' not in body
