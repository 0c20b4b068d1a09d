"""The JSON/CSV API over a real index of the fixture pages, through Flask's test client:
every parameter, every error case, and every response checked against /api/openapi.json."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from searcher import build as index
from searcher.search.request import MAX_FILTER_VALUES, MAX_QUERY_CHARS, facet_params, known_params

FACET_PARAMS = facet_params()
from webui.app import create_app
from webui_support import FIXTURE_PAGES, web_index  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def client(web_index):  # noqa: F811
    return create_app(web_index).test_client()


@pytest.fixture(scope="module")
def spec(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="module")
def everything(client, spec) -> list[dict]:
    """Every story in the index, oldest first (the fixture index is small)."""
    data = get_json(client, spec, "/api/search", "/api/search?per_page=100&sort=oldest")
    assert data["total"] == len(data["hits"]) > 10
    return data["hits"]


def get_json(client, spec, template: str, url: str, status: int = 200) -> dict:
    """GET url, check the status, and validate the body against the document's schema for it."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type.startswith("application/json")
    body = response.get_json()
    declared = spec["paths"][template]["get"]["responses"][str(status)]
    schema = declared["content"]["application/json"]["schema"]
    OAS31Validator({**schema, "components": spec["components"]}).validate(body)
    return body


def error_of(client, spec, template: str, url: str, status: int = 400) -> str:
    return get_json(client, spec, template, url, status)["error"]


# ---- the document -------------------------------------------------------------------------

def test_openapi_document_is_valid_and_documents_every_search_parameter(spec):
    validate_spec(spec)
    documented = set(spec["components"]["parameters"])
    expected = {"q", "from", "to", "sort", "page", "per_page", "undated", "literal", "since", "collapse"}
    expected |= set(FACET_PARAMS) | {f"exclude_{p}" for p in FACET_PARAMS}
    assert expected <= documented == set(known_params())  # issue 10: the plural aliases too


# ---- /api/search --------------------------------------------------------------------------

def test_search_highlights_matches_and_counts(client, spec):
    data = get_json(client, spec, "/api/search", "/api/search?q=generators")
    assert data["query"] == "generators"
    assert data["total"] == 1
    hit = data["hits"][0]
    assert "<mark>generators</mark>" in hit["headline"].lower()
    assert "Macron" in hit["snippet"]
    assert hit["source"] == "harbourtimes.com" and hit["date"] == "2023-10-10" and hit["date_basis"] == "stated"
    assert isinstance(hit["score"], float)


def test_empty_query_lists_everything_newest_first(client, spec, everything):
    data = get_json(client, spec, "/api/search", "/api/search?sort=newest&per_page=100")
    assert [h["id"] for h in data["hits"]] == [h["id"] for h in reversed(everything)]
    assert all(h["score"] is None for h in data["hits"])


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_sort_orders_by_date(client, spec, sort):
    dates = [h["date"] for h in get_json(client, spec, "/api/search", f"/api/search?sort={sort}&per_page=100")["hits"]]
    assert dates == sorted(dates, reverse=sort == "newest")


def test_relevance_sort_orders_by_score(client, spec):
    hits = get_json(client, spec, "/api/search", "/api/search?q=storage OR gas&sort=relevance")["hits"]
    scores = [h["score"] for h in hits]
    assert len(scores) >= 2 and scores == sorted(scores, reverse=True)


def test_page_and_per_page_slice_the_same_order(client, spec, everything):
    page2 = get_json(client, spec, "/api/search", "/api/search?sort=oldest&per_page=3&page=2")
    assert (page2["page"], page2["per_page"], page2["total"]) == (2, 3, len(everything))
    assert [h["id"] for h in page2["hits"]] == [h["id"] for h in everything[3:6]]


@pytest.mark.parametrize("param", sorted(FACET_PARAMS))
def test_each_facet_filter_and_its_exclude_twin(client, spec, everything, param):
    facet = FACET_PARAMS[param]
    carried = (lambda hit, value: hit["source"] == value) if facet == "sources" else (lambda hit, value: value in hit[facet])
    facets = get_json(client, spec, "/api/search", "/api/search")["facets"][facet]
    value = facets[0]["value"]
    expected = [h["id"] for h in everything if carried(h, value)]

    kept = get_json(client, spec, "/api/search", f"/api/search?{param}={value}&per_page=100&sort=oldest")
    assert [h["id"] for h in kept["hits"]] == expected and kept["total"] == facets[0]["count"]
    assert [v for v in kept["facets"][facet] if v["value"] == value][0]["selected"] is True

    dropped = get_json(client, spec, "/api/search", f"/api/search?exclude_{param}={value}&per_page=100&sort=oldest")
    assert [h["id"] for h in dropped["hits"]] == [h["id"] for h in everything if not carried(h, value)]


def test_repeated_values_must_all_match(client, spec, everything):
    def carrying(*countries):
        return [h["id"] for h in everything if set(countries) <= set(h["countries"])]

    pairs = [(a, b) for h in everything for a in h["countries"] for b in h["countries"] if a < b]
    first, second = next(p for p in pairs if len(carrying(*p)) < min(len(carrying(p[0])), len(carrying(p[1]))))
    data = get_json(client, spec, "/api/search", f"/api/search?country={first}&country={second}&per_page=100&sort=oldest")
    assert [h["id"] for h in data["hits"]] == carrying(first, second)


def test_facet_counts_follow_the_query(client, spec):
    data = get_json(client, spec, "/api/search", "/api/search?q=cholera")
    assert {v["value"] for v in data["facets"]["sources"]} == {"dailyhealthwire.org"}
    assert sum(v["count"] for v in data["facets"]["sources"]) == data["total"]


def test_date_range_is_inclusive_and_histogram_follows_it(client, spec, everything):
    data = get_json(client, spec, "/api/search", "/api/search?from=2023-11-01&to=2023-11-30&per_page=100")
    expected = {h["id"] for h in everything if "2023-11-01" <= h["date"] <= "2023-11-30"}
    assert {h["id"] for h in data["hits"]} == expected and expected
    assert sum(b["count"] for b in data["facets"]["dates"]) == data["total"]
    assert all(b["value"].startswith("2023-11") for b in data["facets"]["dates"])


def test_month_dates_are_accepted(client, spec):
    by_month = get_json(client, spec, "/api/search", "/api/search?from=2023-12&to=2023-12")
    by_day = get_json(client, spec, "/api/search", "/api/search?from=2023-12-01&to=2023-12-31")
    assert by_month["total"] == by_day["total"] > 0


def test_suggestion_offers_a_correction(client, spec):
    data = get_json(client, spec, "/api/search", "/api/search?q=generatros&literal=1")
    assert data["total"] == 0 and data["suggestion"] == "generators"
    data = get_json(client, spec, "/api/search", "/api/search?q=generatros")
    assert data["total"] > 0 and data["corrected"]["query"] == "generators"
    assert data["corrected"]["words"] == [{"from": "generatros", "to": "generators"}]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ('q="aid convoy', "quote"),
        ("q=(storage", "("),
        ("q=storage)", ")"),
        ("q=a*", "wildcard"),
        ("q=" + "x" * (MAX_QUERY_CHARS + 1), "limit"),
        ("from=someday", "from"),
        ("to=2023-02-30", "to"),
        ("from=2023-12-01&to=2023-11-01", "after"),
        ("sort=alphabetical", "sort"),
        ("page=0", "page"),
        ("page=two", "page"),
        ("page=99", "last page"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("&".join(f"country=c{i}" for i in range(MAX_FILTER_VALUES + 1)), "filter values"),
    ],
)
def test_bad_parameters_are_400_with_a_message(client, spec, query, fragment):
    message = error_of(client, spec, "/api/search", f"/api/search?{query}")
    assert fragment in message


# ---- /api/search.csv ----------------------------------------------------------------------

def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # the BOM: Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_csv_streams_every_match_without_the_page_cap(client, everything):
    response = client.get("/api/search.csv?sort=oldest&per_page=2")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [r["id"] for r in rows] == [h["id"] for h in everything]


def test_csv_takes_the_search_parameters(client):
    rows = read_csv(client.get("/api/search.csv?q=cholera&source=dailyhealthwire.org&from=2023-12"))
    assert [r["headline"] for r in rows] == ["Vaccination drive begins in Baidoa"]
    assert "\n\n" in rows[0]["body"] and "Somalia" in rows[0]["countries"]


def test_csv_keeps_formulas_as_text(client):
    rows = read_csv(client.get("/api/search.csv?q=HYPERLINK"))
    assert rows and rows[0]["body"].startswith("'=HYPERLINK(")


def test_csv_of_nothing_is_just_the_header(client):
    response = client.get("/api/search.csv?q=zzzzqqq")
    assert response.status_code == 200 and response.get_data(as_text=True).startswith("\ufeffid,date,")
    assert read_csv(response) == []


def test_csv_bad_parameters_are_400_json(client, spec):
    assert "quote" in error_of(client, spec, "/api/search.csv", '/api/search.csv?q="open')


# ---- /api/stories/<id> --------------------------------------------------------------------

def test_story_has_full_text_and_its_neighbours(client, spec, everything):
    summit = [h for h in everything if h["source"] == "capitalbrief.eu"]
    middle = get_json(client, spec, "/api/stories/{id}", f"/api/stories/{summit[1]['id']}")
    assert middle["headline"] == "Summit agrees gas storage targets"
    assert len(middle["body"]) == 2 and middle["body"][0].startswith("Leaders agreed")
    assert middle["previous"] == {"id": summit[0]["id"], "headline": "Leaders gather in Brussels for energy summit",
                                  "title": "Leaders gather in Brussels for energy summit", "title_generated": False}
    assert middle["next"]["id"] == summit[2]["id"]
    first = get_json(client, spec, "/api/stories/{id}", f"/api/stories/{summit[0]['id']}")
    assert first["previous"] is None


def test_unknown_story_is_404(client, spec):
    assert "no-such-story" in error_of(client, spec, "/api/stories/{id}", "/api/stories/no-such-story", 404)


# ---- /api/facets/<name> -------------------------------------------------------------------

def test_facet_values_by_prefix(client, spec):
    data = get_json(client, spec, "/api/facets/{name}", "/api/facets/countries?prefix=ge")
    assert data["facet"] == "countries" and data["prefix"] == "ge"
    assert [v["value"] for v in data["values"]] == ["Germany"]


def test_facet_values_follow_query_and_filters(client, spec):
    all_people = get_json(client, spec, "/api/facets/{name}", "/api/facets/people")["values"]
    data = get_json(client, spec, "/api/facets/{name}", "/api/facets/person?q=water&country=Kenya")
    assert data["facet"] == "people"
    assert [v["value"] for v in data["values"]] == ["William Ruto"] and len(all_people) > 1


def test_facet_values_limit(client, spec):
    data = get_json(client, spec, "/api/facets/{name}", "/api/facets/countries?limit=2")
    assert len(data["values"]) == 2


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/api/facets/colours", "unknown facet"),
        ("/api/facets/countries?limit=0", "limit"),
        ("/api/facets/countries?limit=many", "limit"),
        ('/api/facets/countries?q="open', "quote"),
        ("/api/facets/countries?from=never", "from"),
    ],
)
def test_facet_errors_are_400(client, spec, url, fragment):
    assert fragment in error_of(client, spec, "/api/facets/{name}", url)


# ---- HTTP-level errors and a missing index -----------------------------------------------

def test_unknown_api_path_and_wrong_method_are_json(client):
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and "error" in missing.get_json()
    wrong = client.post("/api/search")
    assert wrong.status_code == 405 and "error" in wrong.get_json()


def test_missing_index_is_503_with_the_command_to_run(tmp_path, spec):
    client = create_app(tmp_path / "nowhere").test_client()
    body = get_json(client, spec, "/api/search", "/api/search", 503)
    assert "livesearch build" in body["error"]
    page = client.get("/")
    assert page.status_code == 503 and "livesearch build" in page.get_data(as_text=True)


def test_rebuilt_index_is_picked_up_without_restart(tmp_path, spec):
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(FIXTURE_PAGES / "relief-live.txt", pages)
    index.build([pages], tmp_path / "index", entities=False, progress=False)
    client = create_app(tmp_path / "index").test_client()
    assert get_json(client, spec, "/api/search", "/api/search?q=cholera")["total"] == 0
    shutil.copy(FIXTURE_PAGES / "health-live.txt", pages)
    index.build([pages], tmp_path / "index", entities=False, progress=False)
    assert get_json(client, spec, "/api/search", "/api/search?q=cholera")["total"] == 2


# ---- the HTML pages (server-rendered, no JavaScript) ---------------------------------------

def test_search_page_renders_results_facets_and_links(client):
    page = client.get("/?q=storage&country=Germany").get_data(as_text=True)
    assert "Summit agrees gas <mark>storage</mark> targets" in page
    assert 'href="/?q=storage"' in page  # the chip that removes the country filter
    assert 'href="/?q=storage&amp;country=Germany&amp;exclude_country=Italy"' in page
    assert 'type="hidden" name="country" value="Germany"' in page


def test_search_page_bad_query_is_a_friendly_400(client):
    response = client.get('/?q="unclosed')
    assert response.status_code == 400
    assert "close the phrase" in response.get_data(as_text=True)


def test_story_page_links_entities_and_back_to_the_results(client, everything):
    story = next(h for h in everything if h["headline"] == "Macron promises winter generators")
    page = client.get(f"/stories/{story['id']}?q=generators&sort=newest").get_data(as_text=True)
    assert 'href="/?person=Emmanuel+Macron"' in page
    assert 'id="back-to-results" href="/?q=generators&amp;sort=newest"' in page
    assert client.get("/stories/nope").status_code == 404
