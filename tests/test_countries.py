"""The gazetteer: countries, aliases, capitals, cities, demonyms, metonyms and ambiguity."""

import pytest

from searcher.enrich.countries import gazetteer


@pytest.fixture(scope="module")
def places():
    return gazetteer()


def _country(places, text, evidence=()):
    place = places.resolve(text, evidence)
    return place.country if place else None


@pytest.mark.parametrize("alias", ["US", "U.S.", "USA", "America", "the United States", "United States of America"])
def test_us_aliases(places, alias):
    assert _country(places, alias) == "United States"


@pytest.mark.parametrize("alias", ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom"])
def test_uk_aliases(places, alias):
    assert _country(places, alias) == "United Kingdom"


@pytest.mark.parametrize(
    ("official", "everyday"),
    [
        ("Korea, Democratic People's Republic of", "North Korea"),
        ("Russian Federation", "Russia"),
        ("Iran, Islamic Republic of", "Iran"),
        ("Viet Nam", "Vietnam"),
        ("Syrian Arab Republic", "Syria"),
    ],
)
def test_official_names_display_as_everyday_names(places, official, everyday):
    place = places.resolve(official)
    assert (place.name, place.kind) == (everyday, "country")


@pytest.mark.parametrize(
    ("city", "display", "country"),
    [("Pyongyang", "Pyongyang", "North Korea"), ("Kiev", "Kyiv", "Ukraine"), ("Kyiv", "Kyiv", "Ukraine"),
     ("Luhansk", "Luhansk", "Ukraine"), ("Hanoi", "Hanoi", "Vietnam"), ("Tbilisi", "Tbilisi", "Georgia")],
)
def test_capitals_and_cities_come_from_the_gazetteer(places, city, display, country):
    place = places.resolve(city)
    assert (place.name, place.country) == (display, country)
    assert not place.is_country


@pytest.mark.parametrize(
    ("demonym", "country"),
    [("Russian", "Russia"), ("Russians", "Russia"), ("North Korean", "North Korea"), ("Ukrainian", "Ukraine"),
     ("Ukrainians", "Ukraine"), ("Iranian", "Iran"), ("Chinese", "China"), ("French", "France"),
     ("Israelis", "Israel"), ("Pakistani", "Pakistan"), ("Malian", "Mali"), ("Mexican", "Mexico")],
)
def test_demonyms(places, demonym, country):
    assert places.demonym_country(demonym) == country


@pytest.mark.parametrize("word", ["Communist", "Western", "Asian", "Republican"])
def test_political_and_regional_adjectives_are_no_demonyms(places, word):
    assert places.demonym_country(word) is None


@pytest.mark.parametrize(
    ("metonym", "country"),
    [("Kremlin", "Russia"), ("the White House", "United States"), ("Downing Street", "United Kingdom"),
     ("Pentagon", "United States"), ("Élysée", "France")],
)
def test_metonyms_point_to_their_country(places, metonym, country):
    place = places.resolve(metonym)
    assert (place.kind, place.country) == ("metonym", country)


def test_georgia_is_the_country_unless_the_story_is_about_the_united_states(places):
    assert places.resolve("Georgia").kind == "country"
    us_reading = places.resolve("Georgia", {"United States"})
    assert (us_reading.kind, us_reading.country) == ("state", "United States")


def test_washington_is_in_the_united_states_even_in_a_story_about_britain(places):
    assert _country(places, "Washington", {"United Kingdom"}) == "United States"


def test_a_small_namesake_never_beats_the_famous_place(places):
    assert _country(places, "Paris", {"United States"}) == "France"


def test_jordan_the_place_is_a_country_but_also_a_common_first_name(places):
    assert places.resolve("Jordan").is_country
    assert places.is_person_ambiguous("Jordan")
    assert not places.is_person_ambiguous("Avdiivka")


def test_continents_are_regions_not_towns(places):
    place = places.resolve("Asia")
    assert (place.kind, place.country) == ("region", None)


def test_unknown_names_are_not_places(places):
    assert places.resolve("Putin") is None
    assert places.lookup("Stoltenberg") == []
