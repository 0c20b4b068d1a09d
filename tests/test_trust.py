"""Issue 10, "results a journalist can trust": one regression test per bug, at the engine (API),
the web API, the command line and the export (JSON lines and CSV). Invented pages only; the
sample-corpus test of body-only highlighting skips when ../shared/corpus is absent."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from index_helpers import write_blog, write_corpus

from livesearch.cli import main
from searcher.backend.whoosh.analysis import text_analyzer
from searcher.backend.whoosh.highlight import Highlighter, Marks
from searcher.build import build
from searcher.backend.whoosh.store import MANIFEST, current_generation
from searcher.errors import IndexOutdated, QueryError
from searcher.search.engine import Engine
from searcher.search.export import csv_fields, csv_row
from searcher.search.request import SearchRequest, known_params
from webui.app import create_app

# Invented stories whose words a stop list used to drop ("us", "may", "it", "who", "the", "to",
# "be", "or", "not") and a distractor that has "Hague" but not the phrase "The Hague".
WORDS_PAGE = [
    ("09.00 GMT", "Sanctions talks resume", ["The US announced new sanctions on the shipping firm, officials said."]),
    ("09.30 GMT", "Export rules tightened", ["Brussels announced sanctions on three banks."]),
    ("10.00 GMT", "Prime minister under pressure", ["Theresa May told MPs she would not resign over the vote."]),
    ("10.30 GMT", "Hospital systems down", ["An IT outage hit hospital systems across the region."]),
    ("11.00 GMT", "Health agency warns", ["The WHO said cases were rising in three countries."]),
    ("11.30 GMT", "Court hears opening arguments", ["Judges at The Hague heard the opening arguments."]),
    ("12.00 GMT", "Minister visits port", ["William Hague said the plan was sound, the council reported."]),
    ("12.30 GMT", "Theatre revival opens", ["The actor paused before to be or not to be and the hall fell silent."]),
    ("13.00 GMT", "Vitamin plan approved", ["Plan B was adopted and vitamin D added to school meals."]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trust")
    corpus = write_corpus(root / "corpus")
    write_blog(corpus, "words.txt", "words-example.org", "Words live", "6 May 2024", WORDS_PAGE)
    build([corpus], root / "ix", entities=False, progress=False)
    return root / "ix"


@pytest.fixture(scope="module")
def engine(index) -> Engine:
    engine = Engine(index)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def client(index):
    return create_app(index).test_client()


def request(**params) -> SearchRequest:
    return SearchRequest.from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})


def cli(index: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--index", str(index)])


def plain(fragment: str) -> str:
    return re.sub(r"</?mark>", "", fragment)


# ---- a filter or date range that leaves nothing gives nothing, everywhere -------------------

EMPTY = [
    {"q": "wheat", "source": "example-news.com"},  # the wheat story is another outlet's
    {"q": "wheat", "country": "Atlantis"},  # a value no story has
    {"q": "wheat", "from": "2030-01-01"},
    {"q": "wheat", "exclude_source": "daily-example.co.uk"},
    {"q": '"air defence"', "to": "2001"},  # a phrase ranks by its words: the same path
    {"source": "nowhere.example"},
    {"q": "sanctions", "from": "2030"},
]


@pytest.mark.parametrize("params", EMPTY)
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_empty_match_set_gives_no_hits_and_an_empty_export(engine, params, sort):
    req = request(**params, sort=sort)
    result = engine.search(req)
    assert result.total == 0 and result.hits == []
    assert list(engine.export(req)) == []
    assert all(v.count == 0 for values in result.facets.values() for v in values)
    assert result.dates == []


@pytest.mark.parametrize("params", EMPTY)
def test_empty_match_set_over_the_web_api_and_csv(client, params):
    data = client.get("/api/search", query_string=params).get_json()
    assert data["total"] == 0 and data["hits"] == []
    text = client.get("/api/search.csv", query_string=params).get_data(as_text=True)
    assert text.startswith("\ufeff")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [list(csv_fields())]


@pytest.mark.parametrize("args", [
    ["wheat", "--source", "example-news.com"],
    ["wheat", "--country", "Atlantis"],
    ["wheat", "--from", "2030-01-01"],
])
def test_empty_match_set_on_the_command_line(index, args):
    shown = cli(index, "search", *args)
    assert shown.exit_code == 0, shown.output
    assert "\n0 stories match" in "\n" + shown.output and "Wheat" not in shown.output
    as_json = json.loads(cli(index, "search", *args, "--json").output)
    assert as_json["total"] == 0 and as_json["hits"] == []
    assert cli(index, "export", *args).output == ""
    assert cli(index, "export", *args, "--format", "csv").output.strip() == "\ufeff" + ",".join(csv_fields())  # BOM + header


def test_nonempty_filters_still_narrow(engine):
    """The fix must not turn a narrowing filter into an empty one."""
    result = engine.search(request(q="wheat", source="daily-example.co.uk"))
    assert result.total == len(result.hits) == 1


# ---- body-only words are marked, and the snippet shows the passage that matched -------------

LONG_BODY = ["Opening paragraph about the weather on the coast road.",
             "Filler about the roads, with nothing else to say. " * 4,
             "Later the inspectors found forty shipping containers abandoned at the quay.",
             "More filler about the tides and the evening ferry timetable. " * 4]


def test_body_only_word_is_marked_in_the_snippet(engine):
    hit = engine.search(request(q="lorries")).hits[0]
    assert "<mark>lorries</mark>" in hit.snippet and "<mark>" not in hit.headline


def test_snippet_shows_the_matched_passage_not_the_opening(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    write_blog(corpus, "long.txt", "long-example.org", "Port live", "4 May 2021",
               [("10.00 GMT", "Quayside inspection", LONG_BODY)])
    build([corpus], tmp_path / "ix", entities=False, progress=False)
    hit = Engine(tmp_path / "ix").search(request(q="containers")).hits[0]
    assert "<mark>containers</mark>" in hit.snippet
    assert "Opening paragraph" not in hit.snippet  # the matched passage, not the lead


def test_stemmed_wildcard_and_fuzzy_matches_are_marked(engine):
    assert "<mark>protesters</mark>" in engine.search(request(q="protester")).hits[0].snippet
    assert "<mark>Philadelphia</mark>" in engine.search(request(q="philadel*")).hits[0].snippet
    assert "<mark>Philadelphia</mark>" in engine.search(request(q="philadelphi~")).hits[0].snippet


def test_words_under_not_are_never_marked(engine):
    for hit in engine.search(request(q="ukraine NOT kyiv")).hits:
        assert "<mark>Kyiv" not in hit.snippet


def test_marks_reach_the_web_and_the_command_line(client, index):
    hit = client.get("/api/search?q=lorries").get_json()["hits"][0]
    assert "<mark>lorries</mark>" in hit["snippet"]
    data = json.loads(cli(index, "search", "lorries", "--json").output)
    assert "<mark>lorries</mark>" in data["hits"][0]["snippet"]


def test_every_snippet_marks_a_body_only_word_over_the_sample_corpus(corpus_dir, tmp_path):
    """30 words found in story bodies and no headline of the sample corpus: every hit's snippet
    has a <mark>, and the marked text is a form of the word."""
    folders = [p for p in (corpus_dir / "seeds", corpus_dir / "html", corpus_dir / "realworld") if p.is_dir()]
    build(folders, tmp_path / "ix", entities=False, progress=False)
    engine = Engine(tmp_path / "ix")
    stories = list(engine.export(SearchRequest()))
    headline_words = {w for s in stories for w in re.findall(r"[a-z]+", (s["headline"] or "").lower())}
    counts: dict[str, int] = {}
    for s in stories:
        for w in set(re.findall(r"[a-z]+", " ".join(s["body"]).lower())):
            counts[w] = counts.get(w, 0) + 1
    # words of several letters in 2 to 20 stories, in no headline, spread over the alphabet
    candidates = sorted(w for w, n in counts.items() if 2 <= n <= 20 and len(w) >= 6 and w not in headline_words)
    step = max(1, len(candidates) // 30)
    words = candidates[::step][:30]
    assert len(words) == 30
    for word in words:
        result = engine.search(SearchRequest(q=word, per_page=100))
        assert result.total >= 1, word
        for hit in result.hits:
            assert "<mark>" in hit.snippet, (word, hit.id, hit.snippet)
            marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
            assert any(analysed(m) & analysed(word) for m in marked), (word, marked)  # `makes` for `making`


def analysed(text: str) -> set[str]:
    return {t.text for t in text_analyzer()(html.unescape(text), mode="index")}


# ---- every word is searchable: no stop words at index or query time --------------------------

@pytest.mark.parametrize("query, headline", [
    ("US", "Sanctions talks resume"),
    ("May", "Prime minister under pressure"),
    ("IT", "Hospital systems down"),
    ("WHO", "Health agency warns"),
    ('"The Hague"', "Court hears opening arguments"),
    ('"to be or not to be"', "Theatre revival opens"),
    ('"Plan B"', "Vitamin plan approved"),
    ('"vitamin D"', "Vitamin plan approved"),
])
def test_stop_words_and_short_words_are_searchable(engine, client, index, query, headline):
    result = engine.search(request(q=query))
    assert headline in [plain(h.headline) for h in result.hits], query
    assert client.get("/api/search", query_string={"q": query}).get_json()["total"] == result.total
    shown = cli(index, "search", query)
    assert shown.exit_code == 0 and headline in shown.output
    assert headline in [s["headline"] for s in engine.export(request(q=query))]


def test_a_stop_word_is_not_dropped_from_a_longer_query(engine):
    both = engine.search(request(q="US sanctions"))
    assert [plain(h.headline) for h in both.hits] == ["Sanctions talks resume"]  # not Brussels' too
    assert engine.search(request(q="sanctions")).total == 2


def test_a_phrase_is_the_phrase_and_is_marked_as_one(engine):
    phrase = engine.search(request(q='"The Hague"'))
    assert [plain(h.headline) for h in phrase.hits] == ["Court hears opening arguments"]
    assert "<mark>The Hague</mark>" in phrase.hits[0].snippet
    assert engine.search(request(q="the Hague")).total == 2  # the words, anywhere
    hamlet = engine.search(request(q='"to be or not to be"')).hits
    assert "<mark>to be or not to be</mark>" in hamlet[0].snippet
    korea = engine.search(request(q='"United States"')).hits
    assert korea and all("<mark>United States</mark>" in h.snippet for h in korea)
    nations = engine.search(request(q='"United Nations" OR pennsylvania')).hits
    assert all("<mark>United</mark> States" not in h.snippet for h in nations)  # "United" alone is not the phrase


def test_an_index_built_before_every_word_was_indexed_is_refused(tmp_path, index):
    """Analysis changed the schema: an older index must say to rebuild, not answer wrongly."""
    corpus = write_corpus(tmp_path / "c")
    build([corpus], tmp_path / "ix", entities=False, progress=False)
    manifest = current_generation(tmp_path / "ix") / MANIFEST
    data = json.loads(manifest.read_text())
    del data["schema_version"]  # as written before versions were recorded
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexOutdated, match="rebuild it with `livesearch build PATH`"):
        Engine(tmp_path / "ix").search(request(q="wheat"))
    shown = cli(tmp_path / "ix", "search", "wheat")
    assert shown.exit_code == 1 and "rebuild" in shown.output
    assert cli(tmp_path / "ix", "export", "wheat").exit_code == 1
    updated = CliRunner().invoke(main, ["update", str(corpus), "--index", str(tmp_path / "ix"), "--no-entities"])
    assert updated.exit_code == 1 and "rebuild" in updated.output
    web = create_app(tmp_path / "ix").test_client().get("/api/search?q=wheat")
    assert web.status_code == 503 and "rebuild" in web.get_json()["error"]
    assert str(tmp_path) not in web.get_data(as_text=True)
    build([corpus], tmp_path / "ix", entities=False, progress=False)  # what the message says to do
    assert Engine(tmp_path / "ix").search(request(q="wheat")).total == 1


# ---- unknown parameters are refused, naming the known ones ----------------------------------

def test_unknown_parameters_are_refused_naming_the_known_ones():
    with pytest.raises(QueryError) as error:
        SearchRequest.from_params({"q": ["x"], "colour": ["red"]})
    assert "'colour'" in str(error.value) and "country" in str(error.value) and "per_page" in str(error.value)
    assert set(known_params()) >= {"q", "country", "countries", "exclude_countries", "people", "org"}


def test_plural_aliases_from_the_registry_filter_as_their_parameter():
    assert request(countries="France").filters == request(country="France").filters == {"countries": ["France"]}
    assert request(exclude_people="X").excludes == {"people": ["X"]}
    both = request(country="France", countries=["France", "Chad"])
    assert both.filters == {"countries": ["France", "Chad"]}


@pytest.mark.parametrize("url", ["/api/search?q=wheat&colour=red", "/api/search.csv?colour=red",
                                 "/api/search?organisation=UN", "/api/facets/sources?prefix=d&bogus=1"])
def test_unknown_parameters_are_400_on_the_web(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "unknown parameter" in response.get_json()["error"] and "country" in response.get_json()["error"]


def test_each_endpoint_takes_its_own_extra_parameters(client):
    assert client.get("/api/facets/sources?prefix=d&limit=5&q=wheat").status_code == 200
    assert client.get("/api/search?prefix=d").status_code == 400  # the facet endpoint's, not search's
    assert client.get("/?q=wheat&colour=red").status_code == 400  # the page says so too
    assert client.get("/api/search?countries=Atlantis&q=wheat").get_json()["total"] == 0


def test_unknown_options_on_the_command_line_are_refused(index):
    shown = cli(index, "search", "wheat", "--colour", "red")
    assert shown.exit_code == 2 and "No such option" in shown.output


# ---- no server path in any API response -----------------------------------------------------

def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_no_response_names_a_server_path(client, index, engine):
    every = client.get("/api/search?per_page=100").get_json()
    responses = [every, client.get("/api/facets/sources").get_json(), client.get("/api/search?q=%22").get_json()]
    for hit in every["hits"]:
        story = client.get(f"/api/stories/{hit['id']}").get_json()
        assert story["origin"] and "/" not in story["origin"] and story["origin"].endswith(".txt")
        responses.append(story)
    responses.append(create_app(index.parent / "nowhere").test_client().get("/api/search").get_json())
    root = str(index.parent)
    for response in responses:
        for text in _strings(response):
            assert root not in text and not re.search(r"(^|\s)/(tmp|home|work|srv|var)/", text), text
    csv_text = client.get("/api/search.csv").get_data(as_text=True)
    assert root not in csv_text
    for story in engine.export(SearchRequest()):
        assert "/" not in (story["origin"] or "")


def test_story_schema_documents_origin_as_a_file_name(client):
    spec = client.get("/api/openapi.json").get_json()
    origin = spec["components"]["schemas"]["Story"]["properties"]["origin"]
    assert "never a server path" in origin["description"]


# ---- undated stories come last in both date sorts -------------------------------------------

def test_undated_stories_come_last_whichever_way_dates_sort(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "feed.jsonl").write_text("\n".join(json.dumps(line) for line in [
        {"url": "https://example.org/a", "source": "feed.example", "title": "Undated notes",
         "text": "Harbour notes\nThe harbour board met again to discuss dredging."},
        {"url": "https://example.org/b", "source": "feed.example", "title": "Dated notes",
         "published": "2023-10-13", "text": "Harbour report\nThe harbour board approved the dredging."},
    ]), encoding="utf-8")
    build([corpus], tmp_path / "ix", entities=False, progress=False)
    engine = Engine(tmp_path / "ix")
    for sort in ("newest", "oldest"):
        hits = engine.search(request(q="harbour", sort=sort)).hits
        dates = [h.date for h in hits]
        assert None in dates and dates.index(None) == len([d for d in dates if d]), (sort, dates)
        exported = [s["date"] for s in engine.export(request(q="harbour", sort=sort))]
        assert exported == dates
        assert [csv_row(s)[1] for s in engine.export(request(q="harbour", sort=sort))] == [d or "" for d in dates]


# ---- the highlighter on any text --------------------------------------------------------------

PIECES = ["alpha", "Alpha", "beta.", "the", "US", "x", "<b>", "&amp;", "é", "\n", "  ", "gamma"]


@given(
    st.lists(st.lists(st.sampled_from(PIECES) | st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=5),
                      max_size=80).map(" ".join), max_size=4),
    st.sets(st.sampled_from(["alpha", "beta", "the", "us", "x", "gamma"])),
    st.sets(st.tuples(st.sampled_from(["alpha", "the"]), st.sampled_from(["beta", "us"]))),
)
def test_highlighting_any_text_marks_only_page_text(paragraphs, terms, phrases):
    marker = Highlighter(Marks(frozenset(terms), frozenset(phrases)))
    snippet, headline = marker.snippet(paragraphs), marker.headline(" ".join(paragraphs))
    for fragment in (snippet, headline):
        assert "<" not in plain(fragment) and fragment.count("<mark>") == fragment.count("</mark>")
    text = " ".join("\n".join(paragraphs).split())
    for piece in html.unescape(plain(snippet)).split("…"):
        assert " ".join(piece.split()) in text  # the page's own words, in order
    if marker.spans("\n".join(paragraphs)):
        assert "<mark>" in snippet
