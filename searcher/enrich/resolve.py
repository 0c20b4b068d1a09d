"""Corpus-level entity resolution: one facet value per real entity, of one type, across the index.

Tagging works story by story, so the same person ends up as `Putin` in one story and `Vladimir
Putin` in another, a city as an organisation in one and a place in the next. After tagging, the
whole corpus (on update: the new stories plus the alias table of the live index) is resolved:

1. **Type**: each value (by name key) gets one of people/organizations/places, from the corpus's
   votes and the gazetteers: a known organisation is one (`Gazprom` tagged PERSON); a value
   tagged PERSON in >= 90% of its stories is a person; a
   surname of one of the corpus's people is a person (`Stoltenberg` tagged ORG); a gazetteer
   city or region is a place (`Kharkiv` tagged ORG); a value tagged PERSON in >= 30% of its
   stories is a person; otherwise the majority wins.
2. **Clusters** within a type, by type-aware name keys: transliteration key (`Zelenskiy` =
   `Zelensky`), middle initials (`Joseph R. Biden` = `Joseph Biden`), a surname or shorter form
   joining the ONE full name it belongs to (on the story's page first, then in the corpus;
   `Erdogan` -> `Recep Tayyip Erdogan`, `Kim` -> `Kim Jong Un`) and staying apart when two full
   names share it; for organisations the known-organisation list, `EU`/`UN` qualifiers
   (`EU Commission` = `European Commission`, `UN Security Council` = `Security Council`) and
   acronym <-> long form (`OSCE`).
3. **Canonical form**: a known canonical from the live index, else the known organisation's
   name, else the full name for people, else the most frequent spelling.

The result is written as the alias table (ALIASES_FILE in each index generation)::

    {"version": 1,
     "entities": {"Vladimir Putin": {"type": "people", "variants": ["Mr Putin", "Putin"]}, ...}}

`canonical value -> type (a facet name) + the other spellings seen`, for query-time variants.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searcher.enrich.countries import Gazetteer, gazetteer
from searcher.enrich.entities import ORGANIZATION_WORDS, PROMINENT_POPULATION, same_place_spelling
from searcher.enrich.names import contains_words, fold_key, fold_text, initials, is_acronym, translit_key, without_middle_initials
from searcher.enrich.organizations import known_organization, organization_spellings
from searcher.records import Story

ALIASES_FILE = "aliases.json"
ALIASES_VERSION = 1
NAMED = ("people", "organizations", "places")
# A value tagged PERSON in at least this share of its stories is a person everywhere.
PERSON_SHARE = 0.9
# ... and one tagged PERSON this often is a person unless a gazetteer or an organisation word says otherwise.
MIN_PERSON_SHARE = 0.3
# A value of a live index's alias table counts as this many stories of its type.
KNOWN_WEIGHT = 3
# Qualifiers that may open an organisation's name without changing the organisation.
_ORG_QUALIFIERS = ("united nations", "un", "united states", "us", "american", "uk", "british", "eu", "european union")
_ORG_SYNONYMS = [(re.compile(rf"\b{short}\b"), long) for short, long in (("eu", "european"), ("un", "united nations"))]
_PLACE_KINDS = ("capital", "city", "alternate", "state", "region")


def _page(story: Story) -> str:
    return story.url or story.origin


@dataclass
class _Corpus:
    """Votes and spellings of every value of the corpus, by (type-free) fold key."""

    votes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # by name key
    names: dict[str, str] = field(default_factory=dict)  # value key -> name key
    name_spellings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    spellings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    known: dict[str, str] = field(default_factory=dict)  # key -> canonical of the live index
    by_word: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # word -> longer keys

    def add(self, facet: str, value: str, weight: int = 1) -> str:
        key = value_key(facet, value)
        if key:
            name = name_key(value)
            self.votes[name][facet] += weight
            self.spellings[key][value] += weight
            self.names[key] = name
            self.name_spellings[name][value] += weight
            if " " in name:
                for word in name.split():
                    self.by_word[word].add(name)
        return key


def name_key(value: str) -> str:
    """The type-free key spellings of one name share (`Volodymyr Zelenskiy` = `Volodymyr Zelensky`)."""
    return without_middle_initials(translit_key(value))


def value_key(facet: str, value: str) -> str:
    """People fold honorifics too (`Mr Putin` = `Putin`); other values fold case and marks only."""
    return fold_key(value) if facet == "people" else fold_text(value)


def resolve(
    stories: Iterable[Story], known: dict | None = None, places: Gazetteer | None = None,
    nouns: frozenset[str] = frozenset(),
) -> dict:
    """Resolve the named facets of `stories` in place; return the alias table (see module doc).

    `known` is the alias table of the live index, so an update keeps its canonical forms;
    `nouns` are English common nouns (entities.common_nouns): a lone one that no gazetteer,
    organisation or person name of the corpus accounts for is dropped (`Debris`)."""
    stories = list(stories)
    places = places or gazetteer()
    _recover_surnames_on_pages(stories, places, nouns)
    corpus = _collect(stories, known or {})
    name_types: dict[str, str] = {}
    for name in sorted(corpus.votes, key=lambda name: -len(name.split())):  # full names first
        name_types[name] = _decide_type(name, corpus, places, name_types)
    types = {key: name_types[name] for key, name in corpus.names.items()}
    for key in [k for k in types if _is_common_noun(k, corpus, name_types, nouns, places)]:
        del types[key]
    people = {key for key, facet in types.items() if facet == "people"}
    groups = _groups(types, corpus)
    full_names = _full_names(people, groups)
    canonical = _canonical_forms(groups, corpus, types)
    _keep_known_canonicals(full_names, canonical, {groups[key] for key in corpus.known if key in groups})
    on_page: dict[str, set[str]] = defaultdict(set)
    for story in stories:
        on_page[_page(story)].update(
            groups[key] for facet in NAMED for v in getattr(story, facet) if (key := value_key(facet, v)) in groups
        )
    for story in stories:
        _rewrite(story, types, groups, full_names, canonical, on_page[_page(story)], places)
    _recover_places_on_pages(stories, places, nouns)
    return _alias_table(corpus, types, groups, canonical, full_names, known or {})


def _recover_surnames_on_pages(stories: list[Story], places: Gazetteer, nouns: frozenset[str]) -> None:
    """`Pursglove says ...`: a story that names, by surname only, a person its page names in full
    gets that person even where the model missed the surname. Only surnames of one person on the
    page, not places or English words, capitalised and not followed by another capitalised word
    (`Black Sea` is no `Gordon Black`)."""
    by_page: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_page[_page(story)].append(story)
    for page_stories in by_page.values():
        surnames: dict[str, set[str]] = defaultdict(set)
        for story in page_stories:
            for person in story.people:
                words = person.split()
                if len(words) > 1 and len(words[-1]) >= 4 and words[-1][0].isupper():
                    surnames[words[-1]].add(person)
        unique = {
            surname: next(iter(people)) for surname, people in surnames.items()
            if len(people) == 1 and surname.casefold() not in nouns and not places.lookup(surname)
        }
        if not unique:
            continue
        alternatives = "|".join(re.escape(surname) for surname in sorted(unique, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w-])({alternatives})(?:['’]s)?(?![\w-])(?!\s+[A-Z])")
        for story in page_stories:
            for surname in dict.fromkeys(pattern.findall(story.text)):  # text order: a set's order changes run to run
                if unique[surname] not in story.people:
                    story.people.append(unique[surname])


# Words before a place name that leave it a place name (`At Chequers`, `In Kyiv`), capitalised or not.
_PLACE_LEADS = frozenset("at in into to from near outside inside across around via towards toward of the and or for on with by".split())
_CAPITALISED_BEFORE = re.compile(r"([A-Z][\w'’-]*)\s+$")
_SENTENCE_BEFORE = re.compile(r"(?:^|[.!?:\n])\s*$")


def _recover_places_on_pages(stories: list[Story], places: Gazetteer, nouns: frozenset[str]) -> None:
    """`at Chequers, the prime minister said`: a story that names a place its page tags elsewhere
    gets that place even where the model missed it. Only places no person or organisation of the
    page shares a name with, none that is as often a person's name (Jordan), written exactly,
    not inside a longer capitalised name (`Kyiv Independent`, `Bibby Stockholm`) or a name of the
    story (`Council of Europe`); a common noun
    opening a sentence (`Reading`) does not count."""
    by_page: dict[str, list[Story]] = defaultdict(list)
    for story in stories:
        by_page[_page(story)].append(story)
    for page_stories in by_page.values():
        others = {fold_text(v) for s in page_stories for facet in ("people", "organizations") for v in getattr(s, facet)}
        values = {
            v for s in page_stories for v in s.places
            if fold_text(v) not in others and not places.is_person_ambiguous(v) and v[:1].isupper()
        }
        if not values:
            continue
        alternatives = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])(?!\s+[A-Z])")
        for story in page_stories:
            names = [fold_text(v) for facet in ("people", "organizations") for v in getattr(story, facet)]
            for match in pattern.finditer(story.text):
                value, before = match.group(1), story.text[: match.start()]
                if value in story.places or _inside_a_name(before, value, nouns):
                    continue
                if any(contains_words(name, fold_text(value)) for name in names):
                    continue  # `Council of Europe`: part of a name the story has
                story.places.append(value)
                _add_country(story, value, places)


def _inside_a_name(before: str, value: str, nouns: frozenset[str]) -> bool:
    """The text before a match shows it is part of a longer name, or a common noun opening a sentence."""
    word = _CAPITALISED_BEFORE.search(before)
    if word and word.group(1).casefold() not in _PLACE_LEADS:
        return True
    folded = fold_text(value)
    is_noun = folded in nouns or (folded.endswith("s") and folded[:-1] in nouns)
    return bool(_SENTENCE_BEFORE.search(before)) and is_noun and " " not in value


def _collect(stories: list[Story], known: dict) -> _Corpus:
    corpus = _Corpus()
    for story in stories:
        for facet in NAMED:
            for value in getattr(story, facet):
                corpus.add(facet, value)
    for value, entry in known.get("entities", {}).items():
        facet = entry.get("type")
        if facet in NAMED:
            for spelling in [value, *entry.get("variants", [])]:
                corpus.known[corpus.add(facet, spelling, KNOWN_WEIGHT)] = value
    return corpus


def _decide_type(key: str, corpus: _Corpus, places: Gazetteer, decided: dict[str, str]) -> str:
    """The one facet a name belongs to (see the module doc for the order of the rules)."""
    votes = corpus.votes[key]
    total = sum(votes.values())
    spelling = corpus.name_spellings[key].most_common(1)[0][0]
    if known_organization(spelling):
        return "organizations"
    if votes["people"] >= PERSON_SHARE * total:
        return "people"
    candidates = places.lookup(spelling)
    famous_place = bool(candidates) and candidates[0].kind in ("capital", "state", "region", "country", "metonym")
    prominent = bool(candidates) and candidates[0].population >= PROMINENT_POPULATION
    if not famous_place and not prominent and _is_part_of_a_person(key, corpus, decided):
        return "people"  # `Stoltenberg` tagged ORG, `Sandu` tagged GPE beside `Maia Sandu`
    if candidates and candidates[0].kind in _PLACE_KINDS and not places.is_person_ambiguous(spelling):
        return "places"
    if candidates and places.is_person_ambiguous(spelling):
        return "places" if votes["places"] >= votes["people"] else "people"  # `Alexandria`, `Jordan`: the majority
    if votes["people"] >= MIN_PERSON_SHARE * total and not ORGANIZATION_WORDS & set(key.split()):
        return "people"  # a page that tags `Volodymyr Zelenskiy` ORG throughout is outvoted
    if len(key.split()) > 1 and _surname_is_a_person(key, corpus) and not ORGANIZATION_WORDS & set(key.split()):
        return "people"  # `Kassym-Jomart Tokayev` tagged ORG where `Tokayev` is a person
    return max(NAMED, key=lambda facet: (votes[facet], facet == "places"))


def _is_common_noun(key: str, corpus: _Corpus, decided: dict[str, str], nouns, places: Gazetteer) -> bool:
    """`Debris` tagged PERSON: one word, an English noun, and no place, organisation or longer name."""
    if " " in key or key not in nouns or decided.get(corpus.names[key]) == "organizations":
        return False
    spelling = corpus.spellings[key].most_common(1)[0][0]
    if places.lookup(spelling) or places.demonym_country(spelling) or known_organization(spelling):
        return False
    return not corpus.by_word.get(corpus.names[key])


def _surname_is_a_person(key: str, corpus: _Corpus) -> bool:
    votes = corpus.votes.get(key.split()[-1])
    return bool(votes) and votes["people"] * 2 > sum(votes.values())


def _is_part_of_a_person(key: str, corpus: _Corpus, decided: dict[str, str]) -> bool:
    """`stoltenberg` is a word of a longer name already decided to be a person."""
    words = key.split()
    return any(
        len(other.split()) > len(words) and contains_words(other, key) and decided.get(other) == "people"
        for other in corpus.by_word.get(words[0], ())
    )


def _group_key(facet: str, key: str) -> str:
    """The key spellings of one entity share within a type."""
    if facet == "people":
        return without_middle_initials(translit_key(key))
    if facet == "organizations":
        known = known_organization(key) or known_organization(key.upper())
        if known:
            return "=" + fold_text(known)
        for pattern, replacement in _ORG_SYNONYMS:
            key = pattern.sub(replacement, key)
        return translit_key(key)
    return re.sub(r"\bsaint\b", "st", translit_key(_gazetteer_spelling(key)))  # `Saint Petersburg` = `St. Petersburg`


def _gazetteer_spelling(key: str) -> str:
    """`avdiivka` and `avdiyivka` are one place: the gazetteer's name of the place a value names,
    when the value is that name transliterated one letter apart (entities.same_place_spelling);
    else the value (`Rostov`, a region, stays apart from Rostov-on-Don)."""
    candidates = gazetteer().lookup(key)
    if candidates and candidates[0].kind in _PLACE_KINDS and same_place_spelling(key, candidates[0].name):
        return fold_text(candidates[0].name)
    return key


def _groups(types: dict[str, str], corpus: _Corpus) -> dict[str, str]:
    """key -> group id (`facet:group key`); organisations' qualifiers and acronyms joined."""
    groups = {key: f"{facet}:{_group_key(facet, key)}" for key, facet in types.items()}
    org_groups = {group for key, group in groups.items() if types[key] == "organizations"}
    for key, group in list(groups.items()):
        if types[key] != "organizations" or group.startswith("organizations:="):
            continue
        bare = _without_qualifier(group.split(":", 1)[1])
        if bare and f"organizations:{bare}" in org_groups:
            groups[key] = f"organizations:{bare}"
    by_initials: dict[str, set[str]] = defaultdict(set)
    for key, group in groups.items():
        if types[key] == "organizations" and initials(key):
            by_initials[initials(key)].add(groups[key])
    for key, group in list(groups.items()):
        if group.startswith("organizations:="):
            continue  # a known organisation's acronym is settled (`ECB` is the European Central Bank)
        if types[key] == "organizations" and any(is_acronym(v) for v in corpus.spellings[key]):
            targets = by_initials.get(key.replace(" ", ""), set()) - {group}
            if len(targets) == 1:
                groups[key] = targets.pop()
    return groups


def _without_qualifier(key: str) -> str | None:
    """`united nations security council` -> `security council` (a rest of two or more words)."""
    for qualifier in _ORG_QUALIFIERS:
        if key.startswith(qualifier + " ") and len(key[len(qualifier) + 1 :].split()) >= 2:
            return key[len(qualifier) + 1 :]
    return None


def _full_names(people: set[str], groups: dict[str, str]) -> dict[str, list[str]]:
    """For each person group that is a shorter form, the full-name groups that contain it."""
    by_group: dict[str, str] = {}
    for key in people:
        by_group.setdefault(groups[key], groups[key].split(":", 1)[1])
    names = dict(by_group)
    by_word: dict[str, set[str]] = defaultdict(set)
    for group, name in names.items():
        for word in name.split():
            by_word[word].add(group)

    def containing(name: str) -> list[str]:
        words = name.split()
        pool = by_word.get(words[-1], set()) | (by_word.get(words[0], set()) if len(words[0]) > 1 else set())
        return sorted(g for g in pool if names[g] != name and _abbreviates(name, names[g]))

    longest = {group for group, name in names.items() if len(name.split()) > 1 and not containing(name)}
    out: dict[str, list[str]] = {}
    for group, name in names.items():
        if group not in longest:
            out[group] = [full for full in containing(name) if full in longest]
    return out


def _abbreviates(short: str, full: str) -> bool:
    """`putin` / `vladimir putin`, `tayyip erdogan` / `recep tayyip erdogan`, `j biden` / `joe biden`."""
    if contains_words(full, short):
        return True
    short_words, full_words = short.split(), full.split()
    return (
        len(short_words) == 2 and len(short_words[0]) == 1
        and full_words[-1] == short_words[-1] and full_words[0].startswith(short_words[0])
    )


def _keep_known_canonicals(full_names: dict[str, list[str]], canonical: dict[str, str], known: set[str]) -> None:
    """An update must not split an entity the live index already shows: when a longer name arrives
    (`Recep Tayyip Erdogan`) for an indexed shorter one (`Tayyip Erdogan`), the indexed form stays."""
    for short, fulls in full_names.items():
        if len(fulls) == 1 and short in known and fulls[0] not in known:
            canonical[fulls[0]] = canonical[short]


def _canonical_forms(groups: dict[str, str], corpus: _Corpus, types: dict[str, str]) -> dict[str, str]:
    """group -> display value."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    known: dict[str, str] = {}
    for key, group in groups.items():
        spellings[group].update(corpus.spellings[key])
        if key in corpus.known:
            known.setdefault(group, corpus.known[key])
    out = {}
    for group, counts in spellings.items():
        if group in known:
            out[group] = known[group]
        elif group.startswith("organizations:="):
            out[group] = known_organization(group[len("organizations:=") :]) or _most_frequent(counts)
        else:
            out[group] = _most_frequent(counts)
    return out


def _most_frequent(counts: Counter[str]) -> str:
    """The commonest spelling; ties go to the longer, then the first seen."""
    return max(counts, key=lambda value: (counts[value], len(value)))


def _rewrite(story, types, groups, full_names, canonical, page_groups, places) -> None:
    """Put each of the story's values in its type's facet, in its canonical form."""
    out: dict[str, list[str]] = {facet: [] for facet in NAMED}
    for facet in NAMED:
        for value in getattr(story, facet):
            key = value_key(facet, value)
            if key not in types:
                continue  # dropped (a common noun) or empty
            kind, group = types[key], groups[key]
            group = _join_full_name(group, full_names, page_groups)
            display = canonical[group]
            if display not in out[kind]:
                out[kind].append(display)
            if kind == "places" and facet != "places":
                _add_country(story, display, places)
    out["organizations"] = _without_short_references(out["organizations"])
    for facet in NAMED:
        setattr(story, facet, out[facet])


def _without_short_references(organizations: list[str]) -> list[str]:
    """`Commission` beside `European Commission` in one story is the same body named short."""
    keys = [fold_text(value) for value in organizations]
    return [
        value for value, key in zip(organizations, keys)
        if not any(other != key and other.endswith(" " + key) for other in keys)
    ]


def _join_full_name(group: str, full_names: dict[str, list[str]], page_groups: set[str]) -> str:
    """The one full name a shorter name stands for: on the page first, else in the corpus."""
    candidates = full_names.get(group)
    if not candidates:
        return group
    on_page = [full for full in candidates if full in page_groups]
    if len(on_page) == 1:
        return on_page[0]
    return candidates[0] if len(candidates) == 1 else group


def _add_country(story: Story, place: str, places: Gazetteer) -> None:
    resolved = places.resolve(place, story.countries)
    if resolved and resolved.country and resolved.country not in story.countries:
        story.countries.append(resolved.country)


def _alias_table(corpus, types, groups, canonical, full_names, known) -> dict:
    """canonical -> type and variant spellings; a short name joins only where it is unambiguous."""
    entities: dict[str, dict] = {}
    for key, group in groups.items():
        target = group
        if len(full_names.get(group, [])) == 1:
            target = full_names[group][0]
        display = canonical[target]
        entry = entities.setdefault(display, {"type": types[key], "variants": set()})
        entry["variants"].update(spelling for spelling in corpus.spellings[key] if spelling != display)
        if types[key] == "organizations":  # `OSCE`: tagging wrote it as the long name it stands for
            entry["variants"].update(organization_spellings(display))
    return {
        "version": ALIASES_VERSION,
        "entities": {value: {"type": e["type"], "variants": sorted(e["variants"])} for value, e in sorted(entities.items())},
    }


def save_aliases(table: dict, directory: Path) -> Path:
    """Write the alias table into an index generation directory (atomically)."""
    path = Path(directory) / ALIASES_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def load_aliases(directory: Path | None) -> dict:
    """The alias table of an index generation (see the module doc); empty when absent or damaged."""
    if directory is None:
        return {"version": ALIASES_VERSION, "entities": {}}
    try:
        table = json.loads((Path(directory) / ALIASES_FILE).read_text(encoding="utf-8"))
        if isinstance(table, dict) and isinstance(table.get("entities"), dict):
            return table
    except (OSError, ValueError):
        pass
    return {"version": ALIASES_VERSION, "entities": {}}


def alias_lookup(table: dict) -> dict[str, str]:
    """Every variant spelling -> its canonical value, keyed as the query side folds a word
    (`fold_text` without spaces: `mrputin`, `kimjongun`), for NameTable.aliases (search variants)."""
    lookup: dict[str, str] = {}
    for canonical, entry in table.get("entities", {}).items():
        for variant in entry.get("variants", []):
            key = fold_text(variant).replace(" ", "")
            if key and key != fold_text(canonical).replace(" ", ""):
                lookup.setdefault(key, canonical)
    return lookup


def alias_forms(table: dict) -> dict[str, list[str]]:
    """Every form of an entity (its canonical value and variant spellings), keyed as the query
    side folds a word (`fold_text` without spaces: `osce`, `zelenskiy`, `jongun`) -> the entity's
    forms, canonical first, for NameTable.aliases (search variants). A key two entities share is
    left out: the table cannot say which one the word means."""
    forms: dict[str, list[str]] = {}
    shared: set[str] = set()
    for canonical, entry in table.get("entities", {}).items():
        spellings = [canonical, *entry.get("variants", [])]
        for key in {fold_text(form).replace(" ", "") for form in spellings} - {""}:
            if key in forms:
                shared.add(key)
            forms[key] = spellings
    return {key: value for key, value in forms.items() if key not in shared}


def variants_of(table: dict, value: str) -> list[str]:
    """Every spelling of the entity `value` names (canonical first), for query-time variants."""
    entities = table.get("entities", {})
    if value in entities:
        return [value, *entities[value]["variants"]]
    folded = fold_text(value)
    for canonical, entry in entities.items():
        if folded in {fold_text(v) for v in [canonical, *entry["variants"]]}:
            return [canonical, *entry["variants"]]
    return [value]
