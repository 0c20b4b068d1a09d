"""/api/cooccurrence, /api/timeline and /api/stories/<id>/related over the fixture index: answers
checked against brute force over every story, every response against /api/openapi.json."""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl

import pytest

from test_api import client, everything, get_json, error_of, spec  # noqa: F401  (fixtures)
from webui_support import web_index  # noqa: F401  (fixture)

ENTITY_KEYS = ("people", "organizations", "places", "countries")


def named(hit: dict, value: str) -> bool:
    return any(value in hit[key] for key in ENTITY_KEYS)


def test_cooccurrence_counts_agree_with_brute_force_and_link_to_the_shared_stories(client, spec, everything):  # noqa: F811
    data = get_json(client, spec, "/api/cooccurrence", "/api/cooccurrence?entity=Germany&min_count=1&limit=100")
    assert data["entity"] == {"facet": "countries", "value": "Germany"} and data["found"]
    with_germany = [h for h in everything if "Germany" in h["countries"]]
    assert data["stories"] == len(with_germany) and data["universe"] == len(everything)
    expected = Counter((key, v) for h in with_germany for key in ENTITY_KEYS for v in set(h[key]) if v != "Germany")
    assert {(i["facet"], i["value"]): i["count"] for i in data["items"]} == dict(expected)
    npmi = [i["npmi"] for i in data["items"]]
    assert npmi == sorted(npmi, reverse=True)
    first = data["items"][0]
    shared = get_json(client, spec, "/api/search", "/api/search?" + first["stories"])
    assert shared["total"] == first["count"] and first["href"] == "/?" + first["stories"]


def test_cooccurrence_under_a_search_and_without_an_entity(client, spec, everything):  # noqa: F811
    scoped = get_json(client, spec, "/api/cooccurrence", "/api/cooccurrence?entity=country:Germany&q=gas&min_count=1")
    gas = get_json(client, spec, "/api/search", "/api/search?q=gas&per_page=100")
    assert scoped["universe"] == gas["total"]
    assert scoped["stories"] == sum(1 for h in gas["hits"] if "Germany" in h["countries"])
    whole = get_json(client, spec, "/api/cooccurrence", "/api/cooccurrence?q=gas&min_count=1")
    assert whole["entity"] is None and whole["stories"] == gas["total"]
    unknown = get_json(client, spec, "/api/cooccurrence", "/api/cooccurrence?entity=Nobody+Atall")
    assert unknown["found"] is False and unknown["items"] == []


def test_timeline_buckets_agree_with_brute_force(client, spec, everything):  # noqa: F811
    data = get_json(client, spec, "/api/timeline", "/api/timeline?entity=Germany&entity=Italy&interval=month")
    assert data["interval"] == "month" and [s["entity"]["value"] for s in data["series"]] == ["Germany", "Italy"]
    for series in data["series"]:
        value = series["entity"]["value"]
        months = Counter(h["date"][:7] for h in everything if h["date"] and value in h["countries"])
        got = {b["start"][:7]: n for b, n in zip(data["buckets"], series["counts"]) if n}
        assert got == dict(months) and series["total"] == sum(months.values())
        at = next(i for i, n in enumerate(series["counts"]) if n)
        bucket = get_json(client, spec, "/api/search", "/api/search?" + series["bucket_stories"][at])
        assert bucket["total"] == series["counts"][at]
        assert ("country", value) in parse_qsl(series["bucket_stories"][at])


def test_related_is_other_pages_with_reasons(client, spec, everything):  # noqa: F811
    story = next(h for h in everything if h["headline"] == "Terminal reopens after ransomware clean-up")
    data = get_json(client, spec, "/api/stories/{id}/related", f"/api/stories/{story['id']}/related?limit=3")
    assert data["id"] == story["id"] and 0 < len(data["items"]) <= 3
    own_page = get_json(client, spec, "/api/stories/{id}", f"/api/stories/{story['id']}")
    siblings = {own_page["previous"]["id"] if own_page["previous"] else None,
                own_page["next"]["id"] if own_page["next"] else None}
    assert not siblings & {i["id"] for i in data["items"]}
    assert all(i["why"].startswith("shares ") for i in data["items"])
    assert {"Netherlands", "Rotterdam"} <= set(data["items"][0]["shared_entities"])
    get_json(client, spec, "/api/stories/{id}/related", "/api/stories/nope/related", 404)


@pytest.mark.parametrize("url, word", [
    ("/api/cooccurrence?entity=A&entity=B", "one entity"),
    ("/api/cooccurrence?entity=Germany&min_count=0", "min_count"),
    ("/api/cooccurrence?entity=Germany&limit=1000", "limit"),
    ("/api/timeline?interval=fortnight", "interval"),
    ("/api/timeline?" + "&".join(f"entity=e{i}" for i in range(6)), "at most 5"),
    ("/api/timeline?interval=day&from=1900&to=2030", "longer interval"),
    ("/api/timeline?from=never", "from"),
])
def test_bad_analysis_parameters_are_400_with_a_reason(client, spec, url, word):  # noqa: F811
    template = url.split("?")[0]
    assert word in error_of(client, spec, template, url)


@pytest.mark.parametrize("url, template", [
    ("/api/cooccurrence?entity=Germany&colour=red", "/api/cooccurrence"),
    ("/api/timeline?entity=Germany&colour=red", "/api/timeline"),
    ("/api/stories/nope/related?colour=red", "/api/stories/{id}/related"),
])
def test_unknown_parameters_are_400_on_the_analysis_endpoints(client, spec, url, template):  # noqa: F811
    assert "colour" in error_of(client, spec, template, url)
