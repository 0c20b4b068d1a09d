#!/usr/bin/env python3
"""Snapshots at scale (issue 15): how long `update` takes to merge one new scrape of a big live
blog into a big index, and how the story count grows as the same blog is scraped again and again.

    python scripts/bench_live.py --stories 100000 --snapshots 50 --posts 300 [--out bench-out/live]

1. growth: the blog's scrapes are indexed one `update` at a time into an index of their own; the
   story count after each must be the distinct posts shown so far, not the sightings.
2. update: a corpus of --stories stories plus all the blog's scrapes but the last is built (no
   entity tagging, to fit the time), then the last scrape is added with `update` and timed
   (without, then, for one more scrape, with entity tagging).
Figures go to OUT/bench_live.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_corpus  # noqa: E402

from searcher.build import build, update  # noqa: E402
from searcher.search.engine import Engine  # noqa: E402


def count(index_dir: Path) -> int:
    engine = Engine(index_dir)
    try:
        return engine.stats().stories
    finally:
        engine.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=50)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("bench-out/live"))
    parser.add_argument("--reuse-corpus", action="store_true", help="keep OUT/corpus from an earlier run")
    args = parser.parse_args()
    out = args.out
    corpus, live = out / "corpus", out / "live-blog"
    if not args.reuse_corpus:
        shutil.rmtree(out, ignore_errors=True)
        make_corpus.generate(corpus, args.stories, seed=1)
        truth = make_corpus.write_live_blog(live, 1, args.snapshots + 1, args.posts)
        (out / "live-truth.json").write_text(json.dumps(truth))
    truth = json.loads((out / "live-truth.json").read_text())
    scrapes = sorted((live / make_corpus.LIVE_DIR).glob("*.jsonl"))
    figures: dict = {"stories_requested": args.stories, "snapshots": args.snapshots, "posts": args.posts,
                     "live_truth": truth}

    # 1. growth, one update per scrape (the last, extra scrape is left for part 2)
    growth_ix = out / "ix-growth"
    shutil.rmtree(growth_ix, ignore_errors=True)
    counts, seconds = [], []
    for scrape in scrapes[:-1]:
        started = time.perf_counter()
        update([scrape], growth_ix, entities=False, progress=False)
        seconds.append(time.perf_counter() - started)
        counts.append(count(growth_ix))
    sightings = sum(len(json.loads(s.read_text())["text"].split(" GMT\n")) - 1 for s in scrapes[:-1])
    figures["growth"] = {"stories_after_each_scrape": counts, "sightings": sightings,
                         "update_seconds_median": sorted(seconds)[len(seconds) // 2], "update_seconds_max": max(seconds)}
    print(f"growth: {len(scrapes) - 1} scrapes, {sightings} post sightings -> {counts[-1]} stories "
          f"(after each: {counts[:3]} ... {counts[-3:]}); update median {figures['growth']['update_seconds_median']:.2f} s")

    # 2. the big index
    big_ix = out / "ix-big"
    shutil.rmtree(big_ix, ignore_errors=True)
    started = time.perf_counter()
    summary = build([corpus, *scrapes[:-2]], big_ix, entities=False, progress=False)
    figures["big_build_seconds"] = time.perf_counter() - started
    figures["big_index_stories"] = count(big_ix)
    print(f"big index: {figures['big_index_stories']} stories from {summary.files_read} files, "
          f"built in {figures['big_build_seconds']:.0f} s (no entities)")
    started = time.perf_counter()
    one = update([scrapes[-2]], big_ix, entities=False, progress=False)
    figures["update_one_scrape_seconds"] = time.perf_counter() - started
    figures["update_one_scrape_written"] = one.stories
    print(f"update of one new scrape ({args.posts}-post blog) into it: {figures['update_one_scrape_seconds']:.2f} s, "
          f"{one.stories} stories written")
    started = time.perf_counter()
    two = update([scrapes[-1]], big_ix, entities=True, progress=False)
    figures["update_one_scrape_with_entities_seconds"] = time.perf_counter() - started
    figures["update_one_scrape_with_entities_written"] = two.stories
    print(f"the next scrape with entity tagging (spaCy load included): "
          f"{figures['update_one_scrape_with_entities_seconds']:.2f} s, {two.stories} stories written")
    started = time.perf_counter()
    again = update([corpus, live], big_ix, entities=False, progress=False)
    figures["update_nothing_changed_seconds"] = time.perf_counter() - started
    assert not again.changed
    figures["big_index_stories_after"] = count(big_ix)
    (out / "bench_live.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
