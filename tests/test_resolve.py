"""Corpus-level entity resolution (searcher.enrich.resolve), one rule per test, on invented stories."""

from __future__ import annotations

import json

from searcher.records import Story
from searcher.enrich.resolve import ALIASES_FILE, load_aliases, resolve, save_aliases, variants_of


def _story(page="page-1", position=0, **facets) -> Story:
    story = Story(source="Fixture Daily", origin=f"{page}.txt", position=position, headline=f"h{position}", body=["b"])
    for facet, values in facets.items():
        setattr(story, facet, list(values))
    return story


def _values(stories, facet):
    return sorted({v for s in stories for v in getattr(s, facet)})


def test_a_surname_alone_joins_the_one_full_name_of_the_corpus():
    stories = [
        _story("a", people=["Vladimir Putin"]),
        _story("b", people=["Putin"]),
        _story("c", people=["Erdogan"]),
        _story("d", people=["Tayyip Erdogan"]),
        _story("e", people=["Recep Tayyip Erdogan", "Kim Jong Un"]),
        _story("f", people=["Kim"]),
    ]
    resolve(stories)
    assert _values(stories, "people") == ["Kim Jong Un", "Recep Tayyip Erdogan", "Vladimir Putin"]


def test_a_surname_shared_by_two_full_names_stays_apart_unless_its_page_names_one():
    stories = [
        _story("a", people=["Milorad Dodik"]),
        _story("b", people=["Igor Dodik"]),
        _story("c", people=["Dodik"]),
        _story("d", 0, people=["Igor Dodik"]),
        _story("d", 1, people=["Dodik"]),  # same page as Igor Dodik
    ]
    resolve(stories)
    assert stories[2].people == ["Dodik"]
    assert stories[4].people == ["Igor Dodik"]


def test_transliterations_and_middle_initials_are_one_person():
    stories = [
        _story("a", people=["Volodymyr Zelenskiy"]),
        _story("b", people=["Volodymyr Zelensky"]),
        _story("c", people=["Volodymyr Zelensky"]),
        _story("d", people=["Joseph R. Biden"]),
        _story("e", people=["Joseph Biden"]),
    ]
    resolve(stories)
    people = _values(stories, "people")
    assert len(people) == 2 and "Volodymyr Zelensky" in people and people[0].startswith("Joseph")


def test_a_value_mostly_tagged_person_is_a_person_everywhere():
    stories = [_story(str(i), people=["Jens Stoltenberg"]) for i in range(9)]
    stories += [_story("x", organizations=["Jens Stoltenberg"]), _story("y", organizations=["Stoltenberg"])]
    resolve(stories)
    assert _values(stories, "organizations") == []
    assert _values(stories, "people") == ["Jens Stoltenberg"]


def test_cities_tagged_as_organisations_or_people_are_places_with_their_country():
    stories = [
        _story("a", organizations=["Kharkiv"]),
        _story("b", people=["Kharkiv"]),
        _story("c", places=["Kharkiv"]),
        _story("d", organizations=["Marseille"]),
    ]
    resolve(stories)
    assert _values(stories, "places") == ["Kharkiv", "Marseille"]
    assert _values(stories, "organizations") == _values(stories, "people") == []
    assert stories[0].countries == ["Ukraine"] and stories[3].countries == ["France"]


def test_known_companies_are_organisations_not_people():
    stories = [_story("a", people=["Gazprom"]), _story("b", people=["Rosatom"]), _story("c", places=["Gazprom"])]
    resolve(stories)
    assert _values(stories, "organizations") == ["Gazprom", "Rosatom"]
    assert _values(stories, "people") == _values(stories, "places") == []


def test_organisation_qualifiers_and_acronyms_join_the_long_name():
    stories = [
        _story("a", organizations=["Security Council"]),
        _story("b", organizations=["UN Security Council"]),
        _story("c", organizations=["United Nations Security Council"]),
        _story("d", organizations=["EU Commission"]),
        _story("e", organizations=["European Commission"]),
        _story("f", organizations=["OSCE"]),
        _story("g", organizations=["Organization for Security and Co-operation in Europe"]),
        _story("h", organizations=["Northbridge Port Authority"]),
        _story("i", organizations=["NPA"]),
    ]
    resolve(stories)
    assert _values(stories, "organizations") == [
        "European Commission", "Northbridge Port Authority",
        "Organization for Security and Co-operation in Europe", "United Nations Security Council",
    ]


def test_a_short_organisation_name_beside_its_long_form_in_a_story_goes():
    stories = [_story("a", organizations=["European Commission", "Commission"])]
    resolve(stories)
    assert stories[0].organizations == ["European Commission"]


def test_no_value_ends_under_two_facets():
    stories = [
        _story("a", people=["Kherson"]),
        _story("b", organizations=["Kherson"]),
        _story("c", places=["Kherson"]),
        _story("d", people=["Tokayev"]),
        _story("e", organizations=["Kassym-Jomart Tokayev"]),
        _story("f", organizations=["Kassym-Jomart Tokayev"]),
    ]
    resolve(stories)
    facets = [set(_values(stories, f)) for f in ("people", "organizations", "places")]
    assert not (facets[0] & facets[1] or facets[0] & facets[2] or facets[1] & facets[2])
    assert _values(stories, "people") == ["Kassym-Jomart Tokayev"]


def test_the_alias_table_lists_canonical_values_with_type_and_variants(tmp_path):
    stories = [_story("a", people=["Vladimir Putin"]), _story("b", people=["Putin", "Mr Putin"]),
               _story("c", organizations=["Nato"])]
    table = resolve(stories)
    assert table["entities"]["Vladimir Putin"] == {"type": "people", "variants": ["Mr Putin", "Putin"]}
    assert table["entities"]["NATO"]["type"] == "organizations"
    save_aliases(table, tmp_path)
    assert json.loads((tmp_path / ALIASES_FILE).read_text())["version"] == 1
    loaded = load_aliases(tmp_path)
    assert variants_of(loaded, "putin") == ["Vladimir Putin", "Mr Putin", "Putin"]
    assert load_aliases(tmp_path / "missing")["entities"] == {}


def test_an_update_keeps_the_live_index_canonical_forms():
    known = {"version": 1, "entities": {"Kim Jong Un": {"type": "people", "variants": ["Kim Jong-un"]}}}
    stories = [_story("a", people=["Kim Jong-un"]), _story("b", people=["Kim Jong-un"]), _story("c", people=["Kim"])]
    table = resolve(stories, known)
    assert _values(stories, "people") == ["Kim Jong Un"]
    assert "Kim" in table["entities"]["Kim Jong Un"]["variants"]


def test_a_surname_the_model_missed_joins_the_full_name_its_page_uses():
    page = [
        _story("p", 0, people=["Tom Pursglove", "Gordon Black"]),
        Story(source="s", origin="p.txt", position=1, headline="Visas", body=["Pursglove says the rules stand."]),
        Story(source="s", origin="p.txt", position=2, headline="Sea", body=["Ships left the Black Sea."]),
    ]
    resolve(page)
    assert page[1].people == ["Tom Pursglove"]
    assert page[2].people == []


def test_an_update_never_splits_an_entity_the_index_already_shows():
    known = {"version": 1, "entities": {"Tayyip Erdogan": {"type": "people", "variants": ["Erdogan"]}}}
    stories = [_story("a", people=["Recep Tayyip Erdogan"]), _story("b", people=["Erdogan"])]
    resolve(stories, known)
    assert _values(stories, "people") == ["Tayyip Erdogan"]


def test_a_place_name_that_is_also_a_first_name_follows_the_majority():
    stories = [_story("a", places=["Alexandria"]), _story("b", places=["Alexandria"]), _story("c", people=["Alexandria"])]
    resolve(stories)
    assert _values(stories, "places") == ["Alexandria"] and _values(stories, "people") == []


def test_the_alias_lookup_is_keyed_as_the_query_side_folds_words():
    from searcher.enrich.resolve import alias_lookup

    table = {"entities": {"Kim Jong Un": {"type": "people", "variants": ["Kim Jong-un", "Mr Kim", "Kim"]}}}
    assert alias_lookup(table) == {"mrkim": "Kim Jong Un", "kim": "Kim Jong Un"}


def _page_story(page, position, text, **facets) -> Story:
    story = Story(source="Fixture Daily", origin=f"{page}.txt", position=position, headline=None, body=[text])
    for facet, values in facets.items():
        setattr(story, facet, list(values))
    return story


def test_a_place_its_page_tags_elsewhere_is_found_where_the_model_missed_it():
    stories = [
        _page_story("p", 0, "The talks took place at the country estate of Kelmscott Hall.", places=["Kelmscott Hall"]),
        _page_story("p", 1, "Speaking at Kelmscott Hall, the prime minister said the talks went well."),
        _page_story("p", 2, "The Kelmscott Hall Trust, which runs Kelmscott Hall Gardens, said nothing."),
        _page_story("q", 0, "Elsewhere, at Kelmscott Hall, nothing happened."),  # another page
    ]
    resolve(stories)
    assert [s.places for s in stories] == [["Kelmscott Hall"], ["Kelmscott Hall"], [], []]


def test_a_recovered_place_skips_names_that_contain_it_and_person_names():
    stories = [
        _page_story("p", 0, "Ministers met in Strasbourg and in Jordan.", places=["Strasbourg", "Jordan"]),
        _page_story("p", 1, "The Council of Strasbourg met. Jordan said so.", organizations=["Council of Strasbourg"]),
    ]
    resolve(stories)
    assert stories[1].places == []


def test_a_first_name_alone_joins_the_one_full_name():
    stories = [_story("a", people=["Volodymyr Zelenskiy"]), _story("b", people=["Volodymyr"])]
    resolve(stories)
    assert _values(stories, "people") == ["Volodymyr Zelenskiy"]


def test_spellings_of_one_place_one_letter_apart_are_one_value_the_commonest():
    stories = [_story("a", places=["Avdiivka"]), _story("b", places=["Avdiivka"]), _story("c", places=["Avdiyivka"]),
               _story("d", places=["Rostov"]), _story("e", places=["Rostov-on-Don"])]
    resolve(stories)
    assert _values(stories, "places") == ["Avdiivka", "Rostov", "Rostov-on-Don"]
