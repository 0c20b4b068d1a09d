#!/usr/bin/env python3
"""A corpus with a large vocabulary, for the cost of prefix, wildcard and fuzzy queries (issue 19).

    python scripts/make_wordy_corpus.py OUT_DIR --stories 5000 [--vocabulary 60000] [--seed 1]

scripts/make_corpus.py writes realistic pages from a small vocabulary (about 1,300 words at 20k
stories), so `co*` expands to a few dozen words; real news has tens of thousands, and a short
prefix then stands for thousands of words. This writes one JSON line per story (a page of one
story: title, text, date) whose words are drawn, Zipf-like, from a generated vocabulary whose
words start with the common English prefixes (co, re, st, pr, ...), plus a few real names
(putin, zelensky and misspellings of it) so plain and fuzzy queries have something to find.
No spaCy is needed: build with `livesearch build OUT_DIR --no-entities`. Same seed, same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path

PREFIXES = ("co", "re", "st", "pr", "de", "in", "ma", "ca", "pa", "tr", "se", "di", "mo", "ba")
LETTERS = "abcdefghiklmnoprstuvwyz"
VOWELS = "aeiou"
NAMES = ("putin", "zelensky", "zelenskyy", "zelenskiy", "zelensky", "biden", "kyiv", "moscow")
STORIES_PER_FILE = 2000


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        word = rng.choice(PREFIXES)
        for _ in range(rng.randint(2, 4)):
            word += rng.choice(LETTERS) + rng.choice(VOWELS)
        words.add(word)
    out = sorted(words)
    rng.shuffle(out)  # frequency rank independent of spelling
    return out


def generate(out_dir: Path, stories: int, vocabulary_size: int = 60_000, seed: int = 1,
             words_per_story: int = 60) -> Path:
    """Write the corpus (jsonl files) into out_dir; returns out_dir."""
    rng = random.Random(seed)
    vocab = vocabulary(vocabulary_size, rng)
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]  # Zipf-like, flattened at the top
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = date(2023, 1, 1)
    files = (stories + STORIES_PER_FILE - 1) // STORIES_PER_FILE
    n = 0
    for f in range(files):
        with open(out_dir / f"wordy-{f:04d}.jsonl", "w", encoding="utf-8") as out:
            for _ in range(min(STORIES_PER_FILE, stories - n)):
                words = rng.choices(vocab, cum_weights=cumulative, k=words_per_story)
                if rng.random() < 0.2:
                    words[rng.randrange(len(words))] = rng.choice(NAMES)
                day = start + timedelta(days=rng.randrange(900))
                title = " ".join(words[:6]).capitalize()
                body = " ".join(words[6:]).capitalize() + "."
                out.write(json.dumps({
                    "url": f"https://wordy.example/{n}",
                    "title": title,
                    "source": "wordy",
                    "published": day.isoformat(),
                    "text": f"{title}\n\n{body}\n",
                }) + "\n")
                n += 1
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--stories", type=int, required=True)
    parser.add_argument("--vocabulary", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out_dir, args.stories, args.vocabulary, args.seed)
    print(f"wrote {args.stories} stories over {args.vocabulary} words to {args.out_dir}")


if __name__ == "__main__":
    main()
