"""Name folding, within-story merging and corpus-wide canonical spellings."""

from searcher.enrich.names import fold_key, fold_text, initials, is_acronym, merge_short_names, strip_honorifics
from searcher.enrich.resolve import resolve
from searcher.records import Story


def test_fold_key_merges_hyphen_diacritic_case_possessive_and_honorific_variants():
    assert fold_key("Kim Jong-un") == fold_key("Kim Jong Un") == "kim jong un"
    assert fold_key("Alexeï Navalny") == fold_key("ALEXEI NAVALNY") == "alexei navalny"
    assert fold_key("Mr Putin’s") == fold_key("Putin") == "putin"
    assert fold_key("Prime Minister Keir Starmer") == "keir starmer"
    assert fold_key("Dr. Anna Schmidt") == "anna schmidt"


def test_fold_key_keeps_different_people_apart():
    assert fold_key("Kim Jong Un") != fold_key("Kim Yo Jong")


def test_a_lone_title_is_not_stripped_to_nothing():
    assert strip_honorifics("President") == "President"


def test_fold_text_keeps_words_that_only_look_like_titles_in_organisation_names():
    assert fold_text("Foreign Office") == "foreign office"
    assert fold_text("U.S.") == "us"


def test_short_mentions_join_the_full_name_they_abbreviate():
    merged = merge_short_names(["Vladimir Putin", "Putin", "Mr Putin", "Kim", "Kim Jong Un", "Mr Kim"])
    assert merged == ["Vladimir Putin", "Kim Jong Un"]


def test_a_surname_shared_by_two_full_names_is_dropped_and_both_people_kept():
    merged = merge_short_names(["Maria Okafor", "Daniel Okafor", "Okafor"])
    assert merged == ["Maria Okafor", "Daniel Okafor"]


def test_a_surname_without_its_full_name_stays():
    assert merge_short_names(["Mr Hallström", "Hallström"]) == ["Hallström"]


def test_the_most_frequent_spelling_in_a_story_is_shown():
    assert merge_short_names(["Kim Jong-un", "Kim Jong Un", "Kim Jong-un"]) == ["Kim Jong-un"]


def _story(position, **facets):
    return Story(source="t", origin="t.txt", position=position, headline=None, body=["x"], **facets)


def test_corpus_resolution_shows_each_entity_in_its_most_frequent_corpus_form():
    stories = [
        _story(0, people=["Kim Jong Un"], organizations=["Nato"]),
        _story(1, people=["Kim Jong-un", "Alexeï Navalny"], organizations=["NATO"]),
        _story(2, people=["Kim Jong-un", "Alexei Navalny"], organizations=["NATO", "Foreign Office"]),
        _story(3, people=["Alexei Navalny", "Kim Jong-un"], places=["Kyiv", "KYIV"]),
    ]
    resolve(stories)
    assert [story.people for story in stories] == [
        ["Kim Jong-un"], ["Kim Jong-un", "Alexei Navalny"], ["Kim Jong-un", "Alexei Navalny"], ["Alexei Navalny", "Kim Jong-un"],
    ]
    assert stories[0].organizations == ["NATO"] and stories[2].organizations == ["NATO", "Foreign Office"]
    assert stories[3].places == ["Kyiv"]


def test_an_acronym_joins_the_one_full_name_it_abbreviates():
    stories = [
        _story(0, organizations=["European Union", "U.N.", "ECB"]),
        _story(1, organizations=["EU", "United Nations", "European Commission Board"]),
        _story(2, organizations=["Northbridge Port Authority", "NPA"]),
        _story(3, organizations=["NPA", "Northbridge Port Authority", "National Police Agency"]),
        _story(4, organizations=["Harbour Board", "HB"]),
    ]
    resolve(stories)
    assert stories[0].organizations == ["European Union", "United Nations", "European Central Bank"]
    assert stories[2].organizations == ["Northbridge Port Authority", "NPA"]  # two full names: left alone
    assert stories[4].organizations == ["Harbour Board"]  # the one full name with initials HB


def test_initials_and_acronyms():
    assert initials("International Atomic Energy Agency") == "iaea"
    assert initials("Bank of England") == "be"
    assert initials("Reuters") == ""
    assert is_acronym("U.N.") and is_acronym("NATO") and not is_acronym("Nato") and not is_acronym("A")
