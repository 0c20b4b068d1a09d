"""Segmentation scored against the real saved pages in ../shared/corpus/realworld.

Each page has a hand-made truth (`NN.truth.json`): the stories a careful reader finds. A
found story matches a truth story when its headline is the truth's (`headline`,
`headline_text` or one of `alt_headlines`) and its body starts with the truth's first words
(or `alt_first_words`). Precision, recall and F1 are over stories; teasers count either way.
Skips when the corpus is absent. These pages guide general rules only: nothing in the code
names them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from searcher.pipeline.segment import stories_from_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
TRUTH_FILES = sorted((CORPUS / "realworld").glob("*.truth.json")) if CORPUS.is_dir() else []
MIN_F1 = 0.95


def _words(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def matches(story, truth: dict) -> bool:
    headlines = {truth.get("headline"), truth.get("headline_text", truth.get("headline")), *(truth.get("alt_headlines") or [])}
    body = _words(" ".join(story.body))
    starts = [truth["first_words"]] + ([truth["alt_first_words"]] if truth.get("alt_first_words") else [])
    return story.headline in headlines and any(body.startswith(_words(s)) for s in starts)


def score(truth_file: Path) -> dict:
    """Stories found, truth stories, precision, recall and F1 for one page."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    stories, _ = stories_from_file(truth_file.parent / truth["file"])
    expected = truth["stories"]
    stories = [s for s in stories if not any(t.get("teaser") and matches(s, t) for t in expected)]
    wanted = [t for t in expected if not t.get("teaser")]
    recalled = sum(any(matches(s, t) for s in stories) for t in wanted)
    precise = sum(any(matches(s, t) for t in wanted) for s in stories)
    precision = precise / len(stories) if stories else 0.0
    recall = recalled / len(wanted) if wanted else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"found": len(stories), "truth": len(wanted), "precision": precision, "recall": recall, "f1": f1}


@pytest.mark.parametrize("truth_file", TRUTH_FILES or [None], ids=lambda p: p.name.split(".")[0] if p else "absent")
def test_realworld_page_scores(truth_file, corpus_dir):
    result = score(truth_file)
    assert result["f1"] >= MIN_F1, result


@pytest.mark.parametrize("truth_file", TRUTH_FILES or [None], ids=lambda p: p.name.split(".")[0] if p else "absent")
def test_realworld_dates_agree(truth_file, corpus_dir):
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    stories, _ = stories_from_file(truth_file.parent / truth["file"])
    for expected in truth["stories"]:
        story = next((s for s in stories if matches(s, expected)), None)
        if story is None or not expected.get("date") or not story.date:
            continue
        allowed = {expected["date"], *(expected.get("alt_dates") or [])}
        assert story.date[:10] in allowed, f"{expected.get('headline')}: {story.date} ({story.date_basis})"


if __name__ == "__main__":  # python tests/test_realworld.py: the table for a note or a PR
    for path in TRUTH_FILES:
        r = score(path)
        print(f"{path.name:32} found {r['found']:3} truth {r['truth']:3} P {r['precision']:.2f} R {r['recall']:.2f} F1 {r['f1']:.2f}")
