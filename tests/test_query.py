"""The query engine over a real index built with real entity tagging (spaCy, once per module)."""

from __future__ import annotations

from datetime import date

import pytest
from index_helpers import write_corpus

from searcher.build import build
from searcher.errors import IndexMissing, QueryError
from searcher.search.engine import Engine
from searcher.search.export import csv_fields, csv_row
from searcher.search.request import SearchRequest, parse_date


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("query")
    build([write_corpus(root / "corpus")], root / "ix", entities=True, progress=False)
    engine = Engine(root / "ix")
    yield engine
    engine.close()


def run(engine: Engine, **params):
    return engine.search(SearchRequest.from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()}))


def headlines(result) -> list[str]:
    return [h.headline for h in result.hits]


def test_real_entity_tagging_fills_country_facets(engine):
    countries = {v.value: v.count for v in run(engine).facets["countries"]}
    assert countries["Ukraine"] == 3
    assert countries["France"] == 1


def test_country_filter_narrows_and_repeated_values_must_all_match(engine):
    ukraine = run(engine, country="Ukraine")
    both = run(engine, country=["ukraine", "Russia"])  # case-insensitive values
    assert ukraine.total == 3
    assert headlines(both) == ["Wheat prices climb in Chicago"]
    assert {"Ukraine", "Russia"} <= set(both.hits[0].countries)


def test_exclude_removes_stories_carrying_a_value(engine):
    assert run(engine, exclude_country="Ukraine").total == run(engine).total - 3


def test_date_filters_narrow(engine):
    assert run(engine).total == 8
    assert run(engine, **{"from": "2023-10"}).total == 5
    assert run(engine, to="Oct 2023").total == 5
    assert run(engine, **{"from": "2023-10-13", "to": "13 Oct 2023"}).total == 2
    days = run(engine, **{"from": "2023-10-13", "to": "2023-10-13"}).dates
    assert days == [{"value": "2023-10-13", "count": 2}]


def test_facet_counts_follow_the_query_and_selected_values_stay(engine):
    result = run(engine, q="pennsylvania", country="France")
    assert result.total == 0
    assert [(v.value, v.count, v.selected) for v in result.facets["countries"]] == [("France", 0, True)]
    sources = {v.value: v.count for v in run(engine, q="kyiv OR paris").facets["sources"]}
    assert sources == {"daily-example.co.uk": 1, "example-news.com": 1}


def test_date_histogram_is_monthly_over_a_wide_range(engine):
    assert [d["value"] for d in run(engine).dates] == ["2022-03", "2023-10", "2024-11"]


def test_sorting_by_date_and_paging(engine):
    newest = run(engine, sort="newest", per_page="3")
    oldest = run(engine, sort="oldest", per_page="3", page="3")
    assert [h.date for h in newest.hits] == sorted((h.date for h in newest.hits), reverse=True)
    assert all(h.date.startswith("2024-11-05") for h in newest.hits)
    assert len(oldest.hits) == 2 and all(h.date.startswith("2024-11-05") for h in oldest.hits)
    assert oldest.hits[-1].id == newest.hits[0].id
    assert newest.hits[0].score is None


def test_page_text_is_escaped_and_only_matches_are_marked(engine):
    hit = run(engine, q="hackers").hits[0]
    assert hit.headline == (
        "<mark>Hackers</mark> target &lt;b&gt;county&lt;/b&gt; websites &lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert "<img" not in hit.snippet and "&lt;img src=x onerror=alert(2)&gt;" in hit.snippet
    assert "<mark>hackers</mark>" in hit.snippet


def test_phrases_wildcards_and_fuzzy_terms(engine):
    assert headlines(run(engine, q='"air defence"')) == ["Germany pledges more <mark>air defence</mark>"]
    assert run(engine, q="penn*").total == 1
    assert run(engine, q="pensylvania~").total == 1
    assert run(engine, q="kyiv NOT sirens").total == 0


def test_did_you_mean(engine):
    result = run(engine, q="protestrs", literal="1")  # as typed: nothing, and a real word offered
    assert result.total == 0 and result.suggestion == "protesters"
    assert run(engine, q=result.suggestion).total == 1
    corrected = run(engine, q="protestrs")  # by default the correction runs, and says so
    assert corrected.total == 1 and corrected.corrected.query == "protesters"


@pytest.mark.parametrize("params, message", [
    ({"q": ['"unclosed']}, "unclosed quote"),
    ({"q": ["(kyiv"]}, "without its"),
    ({"q": ["*iv"]}, "wildcard"),
    ({"q": ["x" * 501]}, "limit is 500"),
    ({"q": [" OR ".join(f"w{i}" for i in range(70))]}, "limit is 64"),
    ({"from": ["next tuesday-ish"]}, "bad date"),
    ({"from": ["2024"], "to": ["2023"]}, "after"),
    ({"sort": ["random"]}, "unknown sort"),
    ({"page": ["0"]}, "between 1"),
    ({"per_page": ["101"]}, "between 1 and 100"),
])
def test_bad_requests_raise_query_error(engine, params, message):
    with pytest.raises(QueryError, match=message):
        engine.search(SearchRequest.from_params(params))


def test_request_parameters_round_trip():
    req = SearchRequest.from_params({
        "q": ["gaza"], "country": ["Israel", "Egypt"], "exclude_source": ["x.com"],
        "from": ["13 Oct 2023"], "to": ["2023-11"], "sort": ["newest"], "page": ["2"],
    })
    assert (req.date_from, req.date_to) == (date(2023, 10, 13), date(2023, 11, 30))
    assert SearchRequest.from_params({k: [v for kk, v in req.to_params() if kk == k] for k, _ in req.to_params()}) == req
    assert parse_date("2024-02", end=True, name="to") == date(2024, 2, 29)


def test_story_has_all_fields_and_its_neighbours(engine):
    hit = run(engine, q="germany").hits[0]
    story = engine.story(hit.id)
    assert story.body == [
        "Olaf Scholz told the Bundestag in Berlin that Germany would send more air defence systems to Ukraine."
    ]
    assert story.source == "daily-example.co.uk" and story.date_basis == "stated"
    assert story.previous.headline == "Kyiv braces for new strikes"
    assert story.next.headline == "Wheat prices climb in Chicago"
    assert engine.story("0000000000000000") is None


def test_facet_values_search_by_word_prefix(engine):
    values = engine.facet_values("country", prefix="sta")
    assert [v.value for v in values] == ["United States"]
    with pytest.raises(QueryError, match="unknown facet"):
        engine.facet_values("colour")


def test_export_streams_every_match_in_order(engine):
    rows = list(engine.export(SearchRequest(sort="oldest")))
    assert len(rows) == 8
    assert rows[0]["headline"] == "Wheat prices climb in Chicago"  # 14.10, before 16.30 and 18.05
    assert csv_row(rows[0])[csv_fields().index("countries")] == "; ".join(rows[0]["countries"])


def test_stats(engine):
    figures = engine.stats()
    assert (figures.stories, figures.pages, figures.files) == (8, 3, 3)
    assert figures.date_range.first == "2022-03-02"
    assert figures.to_json()["sources"][0] == {"value": "example-news.com", "count": 5}


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissing, match="run `livesearch build PATH`"):
        Engine(tmp_path / "nowhere").search(SearchRequest())



def test_csv_rows_keep_formula_like_page_text_as_text():
    row = dict(zip(csv_fields(), csv_row({"id": "a1", "headline": '=HYPERLINK("http://x.example")',
                                         "body": ["-5 degrees overnight"], "people": ["@handle"], "source": "Wire"})))
    assert row["headline"] == "'=HYPERLINK(\"http://x.example\")"
    assert (row["body"], row["people"], row["source"]) == ("'-5 degrees overnight", "'@handle", "Wire")
