"""The segmenter against the hand-annotated sample pages in ../shared/corpus.

Each file must give exactly the truth's stories (teasers may go either way), each headline
exact and each body starting at the truth's first words. Dates: a date we give must be the
truth's, and dates the page itself states must be found. Skips when the corpus is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from searcher.pipeline.segment import stories_from_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
TRUTH_FILES = sorted((CORPUS / "truth").glob("*.truth.json")) if CORPUS.is_dir() else []


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _matches(story, truth: dict) -> bool:
    headlines = {truth.get("headline"), truth.get("headline_text", truth.get("headline"))}
    body = _words(" ".join(story.body))
    starts = [truth["first_words"]] + ([truth["alt_first_words"]] if truth.get("alt_first_words") else [])
    return story.headline in headlines and any(body.startswith(_words(s)) for s in starts)


def _pairs(truth_file: Path):
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    page = next(p for sub in ("seeds", "html") for p in [CORPUS / sub / truth_file.name[: -len(".truth.json")]] if p.exists())
    stories, problems = stories_from_file(page)
    return truth["stories"], stories, problems


@pytest.mark.parametrize("truth_file", TRUTH_FILES or [None], ids=lambda p: p.name.split(".")[0] if p else "absent")
def test_stories_match_truth(truth_file, corpus_dir):
    expected, stories, problems = _pairs(truth_file)
    assert problems == []
    found = [s for s in stories if not any(t.get("teaser") and _matches(s, t) for t in expected)]
    wanted = [t for t in expected if not t.get("teaser")]
    assert [s.headline for s in found] == [t["headline"] for t in wanted]
    for story, truth in zip(found, wanted):
        assert _matches(story, truth), f"{truth['headline']}: body starts {story.body[0][:60]!r}"


@pytest.mark.parametrize("truth_file", TRUTH_FILES or [None], ids=lambda p: p.name.split(".")[0] if p else "absent")
def test_dates_agree_with_truth(truth_file, corpus_dir):
    expected, stories, _ = _pairs(truth_file)
    for truth in expected:
        story = next((s for s in stories if _matches(s, truth)), None)
        if story is None or not truth.get("date"):
            continue
        if story.date:
            assert story.date[:10] == truth["date"], f"{truth.get('headline')}: {story.date} ({story.date_basis})"
        if truth.get("date_basis", "stated") == "stated":
            assert story.date, f"{truth.get('headline')}: the page states {truth['date']} but no date was found"
