"""Entity curation through the web API (webui/curation.py), both ways: off by default (403 that
says how to turn it on, no actions on the page) and on with ALLOW_CURATION (validation, same-origin
only, the versioned file written beside the index, the stories re-written at once). Real index of
the fixture pages, Flask's test client, responses checked against /api/openapi.json."""

from __future__ import annotations

import shutil

import pytest
from openapi_schema_validator import OAS31Validator

from searcher.enrich.curation import CURATION_FILE, load_curation
from webui.app import create_app
from webui_support import web_index  # noqa: F401  (fixture)

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def own_index(web_index, tmp_path):  # noqa: F811
    """A copy of the fixture index this test may change."""
    folder = tmp_path / "index"
    shutil.copytree(web_index, folder)
    return folder


def _app(index, allow):
    return create_app({"INDEX_DIR": index, "ALLOW_CURATION": allow})


def _checked(client, response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    spec = client.get("/api/openapi.json").get_json()
    method = response.request.method.lower()
    declared = spec["paths"]["/api/curation"][method]["responses"][str(status)]
    OAS31Validator({**declared["content"]["application/json"]["schema"], "components": spec["components"]}).validate(
        response.get_json())
    return response.get_json()


def _facet_values(client, facet):
    return {v["value"] for v in client.get("/api/search?per_page=100").get_json()["facets"][facet]}


def test_off_by_default_answers_403_saying_how_and_writes_nothing(own_index):
    client = create_app(own_index).test_client()
    body = _checked(client, client.post("/api/curation", json={"action": "hide", "value": "Macron"}), 403)
    assert "--allow-curation" in body["error"]
    assert not (own_index / CURATION_FILE).exists()
    assert _checked(client, client.get("/api/curation"), 200) == {"enabled": False, "changes": []}
    page = client.get("/").get_data(as_text=True)
    assert "facet-curate" not in page and "curate.js" not in page


def test_on_a_hide_is_saved_beside_the_index_and_gone_from_the_facet_at_once(own_index):
    client = _app(own_index, True).test_client()
    people = _facet_values(client, "people")
    assert "Emmanuel Macron" in people
    page = client.get("/").get_data(as_text=True)
    assert "facet-curate" in page and "curate.js" in page
    body = _checked(client, client.post("/api/curation", json={"action": "hide", "value": "Emmanuel Macron"}), 200)
    assert body["applied"] and body["number"] == 1 and body["stories_updated"] >= 1
    assert "Emmanuel Macron" not in _facet_values(client, "people")
    assert load_curation(own_index).changes == [{"action": "hide", "value": "Emmanuel Macron"}]
    assert _checked(client, client.get("/api/curation"), 200)["changes"] == [{"action": "hide", "value": "Emmanuel Macron"}]


def test_on_merge_rename_and_retype_reach_the_facets(own_index):
    client = _app(own_index, True).test_client()
    people = sorted(_facet_values(client, "people"))
    first, second = people[0], people[1]
    _checked(client, client.post("/api/curation", json={"action": "merge", "value": first, "into": second}), 200)
    assert first not in _facet_values(client, "people") and second in _facet_values(client, "people")
    _checked(client, client.post("/api/curation", json={"action": "rename", "value": second, "to": "Renamed Person"}), 200)
    assert "Renamed Person" in _facet_values(client, "people")
    _checked(client, client.post("/api/curation", json={"action": "retype", "value": "Renamed Person", "type": "organizations"}), 200)
    assert "Renamed Person" in _facet_values(client, "organizations") and "Renamed Person" not in _facet_values(client, "people")
    assert [c["action"] for c in load_curation(own_index).changes] == ["merge", "rename", "retype"]


@pytest.mark.parametrize("body, message", [
    ({"action": "explode", "value": "x"}, "action must be one of"),
    ({"action": "merge", "value": "x"}, "needs a non-empty 'into'"),
    ({"action": "hide", "value": "  "}, "needs a non-empty 'value'"),
    ({"action": "hide", "value": 5}, "needs a non-empty 'value'"),
    ({"action": "retype", "value": "x", "type": "animals"}, "type must be one of"),
    ({"action": "hide", "value": "x", "into": "y"}, "unknown field"),
    ({"action": "hide", "value": "x" * 201}, "longer than 200"),
    (["hide", "x"], "send a JSON object"),
])
def test_on_invalid_changes_are_400_with_what_to_fix_and_nothing_is_written(own_index, body, message):
    client = _app(own_index, True).test_client()
    error = _checked(client, client.post("/api/curation", json=body), 400)["error"]
    assert message in error
    assert not (own_index / CURATION_FILE).exists()


def test_on_cross_site_and_non_json_requests_are_refused(own_index):
    client = _app(own_index, True).test_client()
    change = {"action": "hide", "value": "Emmanuel Macron"}
    form = client.post("/api/curation", data=change)  # what a form on another site can send
    assert _checked(client, form, 400)["error"].startswith("the body must be JSON")
    other = client.post("/api/curation", json=change, headers={"Origin": "https://evil.example"})
    assert "cross-site" in _checked(client, other, 403)["error"]
    fetched = client.post("/api/curation", json=change, headers={"Sec-Fetch-Site": "cross-site"})
    assert "cross-site" in _checked(client, fetched, 403)["error"]
    assert not (own_index / CURATION_FILE).exists()
    same = client.post("/api/curation", json=change, headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    _checked(client, same, 200)


def test_on_a_busy_index_the_change_is_saved_and_the_next_update_applies_it(own_index, monkeypatch):
    from searcher.backend.whoosh.store import write_lock
    from searcher.build import update
    from webui import curation
    from webui_support import FIXTURE_PAGES

    monkeypatch.setattr(curation, "BUSY_ATTEMPTS", 1)
    client = _app(own_index, True).test_client()
    with write_lock(own_index):  # a build or update running in another process
        body = _checked(client, client.post("/api/curation", json={"action": "hide", "value": "Emmanuel Macron"}), 200)
    assert not body["applied"] and "next `livesearch update`" in body["message"]
    assert "Emmanuel Macron" in _facet_values(client, "people")
    assert update([FIXTURE_PAGES], own_index, progress=False).recurated >= 1
    assert "Emmanuel Macron" not in _facet_values(client, "people")
