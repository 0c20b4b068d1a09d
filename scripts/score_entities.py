"""Precision, recall and F1 of each entity facet against a hand annotation of the sample corpus.

    python scripts/score_entities.py [CORPUS] [--json]

The annotation (tests/fixtures/entities/annotation.json) lists, for stories of ../shared/corpus,
the people, organisations, places and countries a careful reader finds. It holds facts only:
stories are keyed by file name and a hash of their headline or of their first eight words, never
by their text. Every story of the corpus goes through the build's tagging (so corpus-level
resolution sees the whole corpus); only annotated stories are scored. Values match when their
spelling keys match (case, diacritics, hyphens and common transliteration variants folded), so
`Zelenskiy` on one page scores as `Zelensky`.

Conventions of the annotation: a person is written in full however the story shortens them;
Kremlin, White House, Downing Street and the like are country evidence, not organisations;
capitals and cities are places; a country is listed when the story names it, its people
(demonyms), one of its places or one of its national bodies (the Home Office -> United Kingdom).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searcher.enrich.names import fold_text  # noqa: E402
from searcher.records import FACETS, Story  # noqa: E402

ANNOTATION = ROOT / "tests" / "fixtures" / "entities" / "annotation.json"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def text_key(text: str | None) -> str | None:
    """A short hash of a headline or of a story's first eight words: finds the story, keeps no text."""
    if not text or not text.strip():
        return None
    return hashlib.sha1(fold_text(" ".join(text.split()[:8])).encode("utf-8")).hexdigest()[:12]


def story_keys(story: Story) -> dict[str, str | None]:
    """The story's keys: its first eight words of body and its headline."""
    return {"first": text_key(story.body[0] if story.body else None), "headline": text_key(story.headline)}


def find_story(stories: list[Story], keys: dict) -> Story | None:
    """The story whose body starts as annotated; else the one story of the file with that headline
    (a page whose posts all carry the page title cannot be matched by headline)."""
    for story in stories:
        if keys.get("first") and story_keys(story)["first"] == keys["first"]:
            return story
    same = [s for s in stories if keys.get("headline") and story_keys(s)["headline"] == keys["headline"]]
    return same[0] if len(same) == 1 else None


def _by_file(stories: list[Story]) -> dict[str, list[Story]]:
    by_file: dict[str, list[Story]] = {}
    for story in stories:
        by_file.setdefault(Path(story.origin.split(":")[0].split("#")[0]).name, []).append(story)
    return by_file


_VARIANTS = [(re.compile(pattern), repl) for pattern, repl in (
    (r"ks", "x"), (r"(?<=\w)(iy|yy|ii|ij)\b", "y"), (r"(\w)\1", r"\1"), (r"\bthe ", ""),
)]


def value_key(value: str) -> str:
    """Spelling-blind key for comparing a tagged value with an annotated one."""
    key = fold_text(value)
    for pattern, repl in _VARIANTS:
        key = pattern.sub(repl, key)
    return key


def _truth_key(annotated: str, tagged) -> str:
    """`Bakhmut|Bakhmout`: accepted spellings of one entity; the one tagged counts, else the first."""
    keys = [value_key(spelling) for spelling in annotated.split("|")]
    return next((key for key in keys if key in tagged), keys[0])


def load_annotation(path: Path = ANNOTATION) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["stories"]


def tagged_corpus(corpus: Path, workdir: Path | None = None) -> list[Story]:
    """Every story of the corpus, segmented, tagged and resolved as `livesearch build` does it
    (`workdir` plays the index folder: enrichment cache, curation file)."""
    from searcher.build import _resolve_corpus
    from searcher.pipeline.ingest import iter_input_files
    from searcher.pipeline.segment import stories_from_file

    stories: list[Story] = []
    for path in iter_input_files([corpus]):
        if ".truth" in path.name:
            continue
        stories += stories_from_file(path)[0]
    workdir = workdir or Path(tempfile.mkdtemp())
    workdir.mkdir(parents=True, exist_ok=True)
    _resolve_corpus(stories, workdir / "enrich-cache.sqlite", True, {})
    return stories


def score(stories: list[Story], annotation: list[dict]) -> dict:
    """Micro-averaged precision, recall and F1 per facet, over the annotated stories found."""
    counts = {facet: [0, 0, 0] for facet in FACETS}  # true positives, tagged, annotated
    found = 0
    by_file = _by_file(stories)
    for entry in annotation:
        match = find_story(by_file.get(entry["file"], []), entry["keys"])
        if match is None:
            continue
        found += 1
        for facet in FACETS:
            tagged = {value_key(v) for v in getattr(match, facet)}
            truth = {_truth_key(v, tagged) for v in entry[facet]}
            counts[facet][0] += len(tagged & truth)
            counts[facet][1] += len(tagged)
            counts[facet][2] += len(truth)
    result = {"stories": found, "annotated": len(annotation)}
    for facet, (hits, tagged, truth) in counts.items():
        precision = hits / tagged if tagged else 1.0
        recall = hits / truth if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[facet] = {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}
    return result


def errors(stories: list[Story], annotation: list[dict]) -> list[str]:
    """Per story, the values tagged wrongly (+) and missed (-): what to look at next."""
    lines = []
    by_file = _by_file(stories)
    for entry in annotation:
        match = find_story(by_file.get(entry["file"], []), entry["keys"])
        if match is None:
            lines.append(f"{entry['file']} {entry['keys']}: story not found")
            continue
        for facet in FACETS:
            tagged = {value_key(v): v for v in getattr(match, facet)}
            truth = {_truth_key(v, tagged): v for v in entry[facet]}
            extra = [v for k, v in tagged.items() if k not in truth]
            missed = [v for k, v in truth.items() if k not in tagged]
            if extra or missed:
                lines.append(f"{entry['file']}#{match.position} {facet}: +{extra} -{missed}")
    return lines


# The examples of values in the wrong facet (or in none): value -> facets it may appear in.
WRONG_PLACES = {
    **dict.fromkeys("Dnipro Kharkiv Kyiv Marseille Vilnius Bamako Kherson Klaipeda Batumi".split(), {"places"}),
    "Amur Oblast": {"places"},
    **dict.fromkeys("Stoltenberg Lavrov Sunak Orban Scholz Raisi".split(), {"people"}),
    "Von der Leyen": {"people"},
    **dict.fromkeys(["Gazprom", "Rosatom"], {"organizations"}),
    **dict.fromkeys("Debris Border Don Honey Solar GMT TOUGH SMART JERUSALEM MOSCOW Kazakh Moldovan".split(), set()),
    **dict.fromkeys(["Earlier, Human Rights Watch", "Biden meets Modi", "Ganja for", "Unofficial Russian",
                     "British Daesh", "White House Briefing", "Choe Sun", "Chol", "Lam"], set()),
}
NAMED_FACETS = ("people", "organizations", "places")


def facet_problems(stories: list[Story]) -> list[str]:
    """The issue's done-when checks: no person value is the bare surname of another; no value
    under two of people/organizations/places; none of the issue's examples in its wrong place."""
    values = {facet: {v for s in stories for v in getattr(s, facet)} for facet in NAMED_FACETS}
    problems = []
    full_names = {}
    for person in values["people"]:
        if len(person.split()) > 1:
            full_names.setdefault(fold_text(person.split()[-1]), []).append(person)
    for person in sorted(values["people"]):
        if len(person.split()) == 1 and fold_text(person) in full_names:
            problems.append(f"person {person!r} is the surname of {full_names[fold_text(person)]}")
    for i, facet in enumerate(NAMED_FACETS):
        for other in NAMED_FACETS[i + 1 :]:
            for value in sorted(values[facet] & values[other]):
                problems.append(f"{value!r} is under both {facet} and {other}")
    for facet in NAMED_FACETS:
        for value in sorted(values[facet]):
            allowed = WRONG_PLACES.get(value)
            if allowed is not None and facet not in allowed:
                problems.append(f"{value!r} is under {facet}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--checks", action="store_true", help="run the done-when checks on the corpus")
    parser.add_argument("--errors", action="store_true", help="list each story's wrong and missed values")
    args = parser.parse_args(argv)
    stories = tagged_corpus(args.corpus)
    annotation = load_annotation() if args.corpus == DEFAULT_CORPUS else []
    result = score(stories, annotation)
    if args.checks:
        problems = facet_problems(stories)
        print("\n".join(problems) or "done-when checks: no problem")
    if args.errors:
        print("\n".join(errors(stories, annotation)))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"{result['stories']} of {result['annotated']} annotated stories found")
        for facet in FACETS:
            r = result[facet]
            print(f"{facet:14} P {r['precision']:.2f}  R {r['recall']:.2f}  F1 {r['f1']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
