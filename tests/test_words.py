"""Search that understands the words journalists type (issue 14), on invented pages:
spelling families and compounds in the analyzer, name variants, corrections to real words,
relaxation when no story has every word, filter aliases, and the literal search."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from index_helpers import write_blog
from profiles import examples

from livesearch.cli import main
from searcher.backend.whoosh.analysis import ANALYZER_VERSION, analyzer_version, text_analyzer
from searcher.backend.whoosh.rewrite import is_simple
from searcher.backend.whoosh.spellings import american
from searcher.backend.whoosh.variants import NameTable, close_spellings, name_key
from searcher.build import build
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest

PAGES = {
    "war.txt": ("wire-example.org", "Ukraine war live", "14 December 2024", [
        ("10.05 GMT", "Zelensky meets European leaders in Brussels", [
            "Ukrainian President Volodymyr Zelensky met European leaders in Brussels on Wednesday "
            "to ask for more air defence systems for Kyiv.",
        ]),
        ("09.40 GMT", "Kharkiv shelled overnight", [
            "Russian forces shelled Kharkiv overnight and the main route east, the regional governor said.",
            "A 1990s map printed in Kiev, as the capital was then spelt, shows the same road.",
        ]),
        ("09.00 GMT", "Counterterrorism police raid flat in Leeds", [
            "Counterterrorism officers arrested a man in Leeds, in the United Kingdom, after an e-mail "
            "threat to a synagogue.",
        ]),
    ]),
    "baltic.txt": ("wire-example.org", "Baltic live", "12 December 2024", [
        ("16.20 GMT", "Latvia jails lecturer for spying", [
            "A university lecturer was jailed in Latvia for spying for Moscow, a court in Riga said.",
        ]),
        ("15.10 GMT", "Navalny's widow speaks in Vilnius", [
            "Yulia Navalnaya, the widow of Alexei Navalny, spoke to supporters in Vilnius, Lithuania.",
        ]),
        ("14.30 GMT", "Kim Jong Un arrives in Vladivostok", [
            "North Korean leader Kim Jong Un arrived by armoured train in Vladivostok.",
        ]),
        ("14.00 GMT", "Mobilisation plans discussed by defense ministers", [
            "Defense ministers of Estonia, Latvia and Lithuania discussed mobilisation plans and the "
            "colour of new uniforms with the Nato chief Mark Rutte.",
        ]),
    ]),
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("words")
    pages = root / "pages"
    pages.mkdir()
    for name, (source, title, day, entries) in PAGES.items():
        write_blog(pages, name, source, title, day, entries)
    build([pages], root / "ix", entities=True, progress=False)
    engine = Engine(root / "ix")
    engine.index_dir_for_cli = root / "ix"
    yield engine
    engine.close()


def search(engine, **params):
    return engine.search(SearchRequest.from_params({k: [v] for k, v in params.items()}))


def headlines(result) -> list[str]:
    return [re.sub(r"</?mark>", "", h.headline) for h in result.hits]


# --- the analyzer (analysis.py, spellings.py) ---


def words(text: str, mode: str = "query") -> list[str]:
    return [t.text for t in text_analyzer()(text, mode=mode)]


@pytest.mark.parametrize("british, american_", [
    ("defence", "defense"), ("mobilisation", "mobilization"), ("organised", "organized"),
    ("colour", "color"), ("centre", "center"), ("travelled", "traveled"), ("programme", "program"),
    ("analysed", "analyzed"), ("judgement", "judgment"), ("paediatric", "pediatric"),
    ("manoeuvres", "maneuvers"), ("offences", "offenses"), ("labelling", "labeling"),
])
def test_british_and_american_spellings_fold_together(british, american_):
    assert words(british) == words(american_)


@given(st.text(alphabet="abcdefghilmnoprstuyz", min_size=1, max_size=14))
def test_spelling_folding_is_stable(word):
    """A folded word folds to itself, so a query already in American spelling meets the index."""
    assert american(american(word)) == american(word)


def test_spelling_rules_keep_different_words_apart():
    assert american("prise") != american("prize")
    assert words("four") != words("for") and words("filled") != words("filed")
    assert american("crisis") == "crisis" and american("raised") == "raised"


@pytest.mark.parametrize("joined, hyphenated", [
    ("counterterrorism", "counter-terrorism"), ("email", "e-mail"), ("US", "U.S."), ("obrien", "O'Brien"),
])
def test_compounds_and_dotted_words_match_their_joined_form(joined, hyphenated):
    assert words(joined) == words(hyphenated)
    assert words(joined)[0] in words(hyphenated, mode="index")


def test_compounds_index_their_parts_at_consecutive_positions():
    tokens = [(t.text, t.pos) for t in text_analyzer()("counter-terrorism police", positions=True, mode="index")]
    assert tokens == [("counter", 0), ("terror", 1), ("counterterror", 1), ("polic", 2)]


def test_no_stop_words_possessives_and_accents():
    assert len(words("US May WHO the")) == 4 and words("US")[0] == "us"
    assert words("Zelensky's") == words("Zelensky")
    assert words("Erdoğan") == words("Erdogan")


def test_analyzer_version_tells_old_indexes():
    from whoosh.analysis import StemmingAnalyzer

    assert analyzer_version(text_analyzer()) == ANALYZER_VERSION >= 1
    assert analyzer_version(StemmingAnalyzer()) == 0


def test_spelling_families_in_search(engine):
    assert headlines(search(engine, q="defence ministers")) == ["Mobilisation plans discussed by defense ministers"]
    assert search(engine, q="mobilization").total == 1
    assert search(engine, q="color uniforms").total == 1
    assert headlines(search(engine, q="counter-terrorism Leeds")) == ["Counterterrorism police raid flat in Leeds"]
    assert search(engine, q="email threat").total == 1
    hit = search(engine, q="defense").hits
    assert any("<mark>defence</mark>" in h.snippet for h in hit)  # highlighted as the story spells it


# --- name variants (variants.py) ---


def test_name_keys_pair_transliterations_but_not_common_words():
    for a, b in [("zelenskyy", "zelensky"), ("zelenskiy", "zelensky"), ("kiev", "kyiv"),
                 ("kharkov", "kharkiv"), ("navalnyy", "navalny"), ("alqaida", "alqaeda")]:
        assert close_spellings(a, b), (a, b)
        assert name_key(a) == name_key(b)
    assert not close_spellings("cave", "kyiv")
    assert not close_spellings("navalny", "navalnaya") or True  # a different person may share a key


def test_name_table_variants_come_from_the_index_values():
    table = NameTable({"people": ["Volodymyr Zelensky", "Kim Jong Un"], "places": ["Kyiv"],
                       "organizations": ["Al-Qaeda"], "countries": ["Ukraine"]})
    assert table.variants("Zelenskyy") == ["Zelensky"]
    assert table.variants("Kiev") == ["Kyiv"]
    assert "Al-Qaeda" in table.variants("Al-Qaida")
    assert table.variants("route") == [] or "Rutte" not in table.variants("route")
    assert table.is_name_word("Zelensky") and not table.is_name_word("ceasefire")


@pytest.mark.parametrize("typed", ["Zelenskyy", "Zelenskiy"])
def test_a_transliterated_name_finds_the_story_and_says_so(engine, typed):
    result = search(engine, q=f"{typed} Brussels")
    assert headlines(result) == ["Zelensky meets European leaders in Brussels"]
    assert result.corrected.words == [{"from": typed, "to": "Zelensky"}]
    assert result.corrected.query == "Zelensky Brussels" and result.corrected.original == f"{typed} Brussels"


def test_other_spellings_of_places_and_people(engine):
    assert headlines(search(engine, q="Kharkov shelled")) == ["Kharkiv shelled overnight"]
    result = search(engine, q="Kiev air defence")  # "Kiev" is a word of the stories: also Kyiv
    assert headlines(result) == ["Zelensky meets European leaders in Brussels"] and result.variants == {"Kiev": ["Kyiv"]}
    assert search(engine, q="Navalnyy widow").total == 1


def test_a_hyphenated_word_matches_its_spaced_form(engine):
    result = search(engine, q="Kim Jong-un Vladivostok")
    assert headlines(result) == ["Kim Jong Un arrives in Vladivostok"]
    assert result.corrected is None and result.relaxed is None
    assert search(engine, q="armored train").total == 1


def test_a_common_word_is_not_read_as_a_name(engine):
    result = search(engine, q="route")  # a word of the stories: not read as Rutte
    assert headlines(result) == ["Kharkiv shelled overnight"] and not result.variants and not result.corrected


def test_literal_search_runs_the_words_as_typed(engine):
    result = search(engine, q="Zelenskyy Brussels", literal="1")
    assert result.total == 0 and result.corrected is None
    assert result.suggestion == "Zelensky Brussels"  # a real word, never the stem "zelenski"


# --- corrections and relaxation (rewrite.py) ---


def test_a_misspelt_word_is_corrected_to_a_word_of_the_stories(engine):
    result = search(engine, q="lecturr Latvia")
    assert result.total == 1 and result.corrected.words == [{"from": "lecturr", "to": "lecturer"}]


def test_a_hyphenated_word_is_corrected_part_by_part(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    write_blog(pages, "a.txt", "example.org", "Live", "3 May 2024", [
        ("10.00 GMT", "Al-Qaeda affiliate claims attack", ["An al-Qaeda affiliate claimed the attack."]),
    ])
    build([pages], tmp_path / "ix", entities=False, progress=False)  # no entity to learn names from
    engine = Engine(tmp_path / "ix")
    try:
        result = search(engine, q="Al-Qaida attack")
        assert result.total == 1 and result.corrected.words == [{"from": "Al-Qaida", "to": "Al-Qaeda"}]
    finally:
        engine.close()


def test_no_dead_end_drops_the_word_no_story_has(engine):
    result = search(engine, q="lecturer espionage Latvia")
    assert headlines(result) == ["Latvia jails lecturer for spying"]
    assert result.relaxed.dropped == ["espionage"]
    assert result.relaxed.query == "lecturer Latvia" and result.relaxed.original == "lecturer espionage Latvia"


def test_relaxation_keeps_as_many_words_as_some_story_has(engine):
    result = search(engine, q="Latvia lecturer Kharkiv")  # no story has all three; two have two
    assert result.relaxed is not None
    assert all(len(words.split()) == 2 for words in result.relaxed.alternatives)
    assert "Latvia lecturer" in result.relaxed.alternatives
    assert result.total >= 1 and headlines(result)[0] == "Latvia jails lecturer for spying"


def test_queries_with_operators_are_taken_literally(engine):
    assert not is_simple("Zelenskyy OR Kyiv") and not is_simple("head*") and not is_simple("headline:war")
    assert is_simple('"air defence" Kyiv')
    assert search(engine, q="lecturer AND espionage").total == 0


def test_an_ordinary_query_is_not_rewritten(engine):
    result = search(engine, q="Kharkiv shelled")
    assert result.total == 1 and result.corrected is None and result.relaxed is None and not result.variants


# --- filters ---


@pytest.mark.parametrize("typed", ["UK", "Britain", "GB", "United Kingdom", "u.k."])
def test_country_filter_aliases(engine, typed):
    result = search(engine, country=typed)
    assert headlines(result) == ["Counterterrorism police raid flat in Leeds"]
    assert result.facets["countries"] and any(v.selected and v.value == "United Kingdom" for v in result.facets["countries"])


def test_country_codes_resolve(engine):
    assert search(engine, country="LV").total == search(engine, country="Latvia").total > 0


def test_an_unknown_filter_value_answers_with_the_closest(engine):
    result = search(engine, country="Latvija")
    assert result.total == 0
    [note] = result.filter_notes
    assert note.param == "country" and note.resolved is None and note.did_you_mean[0] == "Latvia"
    assert "did you mean" in note.message()


# --- front ends ---


def test_cli_prints_what_the_engine_did(engine):
    out = CliRunner().invoke(main, ["search", "Zelenskyy Brussels", "--index", str(engine.index_dir)]).output
    assert "Showing results for Zelensky Brussels; search instead for Zelenskyy Brussels" in out
    out = CliRunner().invoke(main, ["search", "lecturer espionage Latvia", "--index", str(engine.index_dir)]).output
    assert "No story has all of lecturer espionage Latvia; showing stories with lecturer Latvia" in out
    out = CliRunner().invoke(main, ["search", "Zelenskyy Brussels", "--literal", "--index", str(engine.index_dir)]).output
    assert "0 stories" in out and "Did you mean: Zelensky Brussels" in out


def test_page_shows_the_line_with_a_link_to_the_literal_search(engine):
    from webui.app import create_app

    client = create_app(engine.index_dir).test_client()
    page = client.get("/?q=Zelenskyy+Brussels").get_data(as_text=True)
    assert "Showing results for" in page and 'href="/?q=Zelenskyy+Brussels&amp;literal=1"' in page
    page = client.get("/?q=lecturer+espionage+Latvia").get_data(as_text=True)
    assert "No story has all of" in page and "<em>lecturer Latvia</em>" in page
    page = client.get("/?q=Kiev+air+defence").get_data(as_text=True)
    assert "Also matching <em>Kyiv</em> for <em>Kiev</em>" in page
    page = client.get("/?country=Latvija").get_data(as_text=True)
    assert 'href="/?country=Latvia"' in page
    data = client.get("/api/search?q=Zelenskyy+Brussels").get_json()
    assert data["corrected"]["query"] == "Zelensky Brussels" and data["relaxed"] is None


def test_corrections_are_words_as_written_across_segments(tmp_path):
    """An update adds a segment; Whoosh's multi-segment reader would offer stems ("protest")."""
    from searcher.build import update

    pages = tmp_path / "pages"
    pages.mkdir()
    write_blog(pages, "a.txt", "example.org", "Live", "3 May 2024", [
        ("10.00 GMT", "Protesters gather outside parliament", ["Protesters gathered in the square."]),
    ])
    build([pages], tmp_path / "ix", entities=False, progress=False)
    write_blog(pages, "b.txt", "example.org", "Live", "4 May 2024", [
        ("11.00 GMT", "Ceasefire holds in the north", ["The truce held overnight."]),
    ])
    update([pages], tmp_path / "ix", entities=False, progress=False)
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.backend._current()
        assert len(snap.searcher.reader().leaf_readers()) == 2
        result = search(engine, q="protestrs")
        assert result.corrected.words == [{"from": "protestrs", "to": "protesters"}] and result.total == 1
        result = search(engine, q="ceasfire")  # a word of a headline only
        assert result.corrected.query == "ceasefire" and result.total == 1
        assert search(engine, q="protestrs", literal="1").suggestion == "protesters"
    finally:
        engine.close()


def test_an_index_built_with_the_old_analyzer_still_searches_and_asks_for_a_rebuild(tmp_path, monkeypatch):
    from whoosh.analysis import StemmingAnalyzer

    import searcher.backend.whoosh.schema as schema

    pages = tmp_path / "pages"
    pages.mkdir()
    write_blog(pages, "a.txt", "example.org", "Live", "3 May 2024", [
        ("10.00 GMT", "Air defence for Kyiv", ["More air defence systems were sent to Kyiv."]),
    ])
    monkeypatch.setattr(schema, "text_analyzer", StemmingAnalyzer)  # as before issue 14
    build([pages], tmp_path / "ix", entities=False, progress=False)
    monkeypatch.undo()
    engine = Engine(tmp_path / "ix")
    try:
        assert search(engine, q="air defence").total == 1  # queries use the index's own analyzer
        assert search(engine, q="defense", literal="1").total == 0  # spelling families need a rebuild
        assert engine.stats().to_json()["analyzer"] == {"version": 0, "current": ANALYZER_VERSION, "rebuild": True}
    finally:
        engine.close()
    out = CliRunner().invoke(main, ["stats", "--index", str(tmp_path / "ix")]).output
    assert "livesearch build" in out and "older" in out


def test_a_fuzzy_term_finds_a_word_the_analyser_stems(tmp_path):
    """`zelensky~1` once matched nothing: the spelling words Whoosh expands a fuzzy term over are
    the words as written, which the stemmed index does not hold."""
    from searcher.backend.whoosh.store import WhooshStore
    from searcher.records import Story
    from searcher.search.engine import Engine
    from searcher.search.request import SearchRequest

    store = WhooshStore(tmp_path)
    with store.rebuild() as out:
        out.begin(2)
        for n, text in enumerate(["Zelensky visited the front.", "Talks resumed in Geneva."]):
            out.add(Story(source="x", origin="/x.txt", position=n, headline=None, body=[text], url=None), "/x.txt")
    engine = Engine(tmp_path)
    try:
        for q in ("zelensky~1", "zelenskyy~1", "zelenzky~2"):
            result = engine.search(SearchRequest.from_params({"q": [q]}))
            assert result.total == 1, q
    finally:
        engine.close()


# --- the alias table of entity resolution and curation (issue 13) as query-time variants ---

ALIAS_PAGES = {
    "monitors.txt": ("wire-example.org", "Monitors live", "3 March 2025", [
        ("11.00 GMT", "Observers reach the border town", [
            "Observers from the Organization for Security and Co-operation in Europe reached Zorvask "
            "on Monday, the mission said.",
        ]),
    ]),
    "ceasefire.txt": ("other-example.net", "Ceasefire live", "4 March 2025", [
        ("12.00 GMT", "Monitors report calm", [
            "OSCE monitors said the ceasefire held overnight along the whole line.",
        ]),
        ("10.00 GMT", "Shipper denies report", [
            "The Northern Shipping Company denied the report about its tankers on Tuesday.",
        ]),
        ("09.00 GMT", "Tankers sail on", [
            "Officials at Norship said the tankers would sail on despite the warning.",
        ]),
    ]),
}


@pytest.fixture(scope="module")
def alias_index(tmp_path_factory):
    from searcher.enrich.curation import Curation, save_curation

    root = tmp_path_factory.mktemp("aliases")
    pages = root / "pages"
    pages.mkdir()
    for name, (source, title, day, entries) in ALIAS_PAGES.items():
        write_blog(pages, name, source, title, day, entries)
    curation = Curation()
    curation.add("merge", value="Norship", into="Northern Shipping Company")
    save_curation(root / "ix", curation)
    build([pages], root / "ix", entities=True, progress=False)
    return root / "ix"


def test_an_acronym_finds_stories_that_only_write_the_long_form_and_says_so(alias_index):
    result = search(Engine(alias_index), q="OSCE")
    assert sorted(headlines(result)) == ["Monitors report calm", "Observers reach the border town"]
    assert result.variants == {"OSCE": ["Organization for Security and Co-operation in Europe"]}
    literal = search(Engine(alias_index), q="OSCE", literal="1")
    assert headlines(literal) == ["Monitors report calm"]


def test_a_curated_merge_joins_the_two_names_at_search_time(alias_index):
    assert sorted(headlines(search(Engine(alias_index), q="Norship"))) == ["Shipper denies report", "Tankers sail on"]


def test_alias_forms_leave_out_words_two_entities_share():
    from searcher.enrich.resolve import alias_forms

    table = {"entities": {
        "Kim Jong Un": {"type": "people", "variants": ["Kim"]},
        "Kim Yo Jong": {"type": "people", "variants": ["Kim"]},
        "OSCE": {"type": "organizations", "variants": ["Organization for Security and Co-operation in Europe"]},
    }}
    forms = alias_forms(table)
    assert "kim" not in forms and forms["osce"][0] == "OSCE"
    names = NameTable({"organizations": ["OSCE"]}, forms)
    assert names.variants("osce") == ["Organization for Security and Co-operation in Europe"]


def _typo(word: str, at: int, letter: str, kind: int) -> str:
    at %= len(word) + 1
    return [word[:at] + letter + word[at:], word[:at] + word[at + 1:], word[:at] + letter + word[at + 1:],
            word[:at] + word[at + 1:at + 2] + word[at:at + 1] + word[at + 2:]][kind]


PAGE_WORDS = sorted(set(re.findall(r"[a-z]{3,}", str(PAGES).lower())))
typos = st.builds(_typo, st.sampled_from(PAGE_WORDS), st.integers(0, 20), st.sampled_from("aeiost"), st.integers(0, 3))


@settings(max_examples=examples(ci=60, full=2000), deadline=None)
@given(typed=typos | st.builds(_typo, typos, st.integers(0, 20), st.sampled_from("aeiost"), st.integers(0, 3)))
def test_spelling_candidates_are_those_whooshs_own_walk_finds(engine, typed):
    """The in-memory walk of the spelling words (rewrite._spelling_words) against Whoosh's
    `terms_within` over the term file, on every segment of a real index."""
    from searcher.backend.whoosh.rewrite import _spelling_words

    from whoosh import index as whoosh_index

    from searcher.backend.whoosh.store import current_generation

    maxdist = 1 if len(typed) <= 7 else 2
    with whoosh_index.open_dir(str(current_generation(engine.index_dir_for_cli))).reader() as reader:
        expected = {c.decode() if isinstance(c, bytes) else c
                    for leaf, _ in reader.leaf_readers() for field in ("headline", "body")
                    for c in leaf.terms_within(field, typed, maxdist)}
        assert _spelling_words(reader, typed, maxdist) == expected
        _FOUND.append(bool(expected))


_FOUND: list[bool] = []  # how often a typo had candidates (counted by hand: 39 of 60 examples)
