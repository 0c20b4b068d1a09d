#!/usr/bin/env python3
"""Time the analysis operations (issue 17) at a given size, in process (no HTTP):

    .venv/bin/python scripts/bench_analysis.py --stories 100000 [--index DIR] [--rounds 20]

The index is written straight through the store from scripts/make_corpus.py's story drafts with
their true entities (person, second person, countries, city, organisation) instead of spaCy, so
a 100k index takes minutes, not hours; planted storylines and wire copies are included. It then
times co-occurrence, timelines and related stories (p50/p95 over a fixed mix, after warm-up)
and prints JSON. Reuses DIR when it holds an index of the same size.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searcher.backend import open_store  # noqa: E402
from searcher.records import Story  # noqa: E402
from searcher.search.explore import CooccurrenceRequest, TimelineRequest  # noqa: E402
from searcher.search.engine import Engine  # noqa: E402
from searcher.search.request import SearchRequest  # noqa: E402


def _generator():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "scripts" / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = module
    spec.loader.exec_module(module)
    return module


def stories(count: int, seed: int):
    """(Story, file key) pairs from the generator's drafts, with entities from their slots."""
    mc = _generator()
    rng, plant = random.Random(seed), random.Random(f"plant-{seed}")
    pool: list = []
    made = 0
    for number, size in enumerate(mc.page_sizes(count, rng), start=1):
        outlet = mc.OUTLETS[rng.randrange(len(mc.OUTLETS))]
        for position, draft in enumerate(mc.plan_page(rng, size, pool, outlet[0], plant)):
            ctx = draft.ctx
            org = ctx["org"][4:] if ctx["org"].startswith("the ") else ctx["org"]
            yield Story(
                source=outlet[0], origin=f"/bench/page-{number:06d}.txt", position=position,
                headline=draft.headline, body=list(draft.paragraphs),
                url=f"https://{outlet[2]}/live/page-{number:06d}", date=draft.when.isoformat(), date_basis="stated",
                people=sorted({ctx["person"], ctx["person2"]}), countries=sorted({ctx["country"], ctx["country2"]}),
                places=[ctx["city"]], organizations=[org],
            ), f"/bench/page-{number:06d}.txt"
            made += 1


def build(index: Path, count: int, seed: int, wire_groups: bool = True) -> float:
    from searcher.enrich import wire

    signature = wire.signature
    if not wire_groups:  # the same build without near-duplicate detection, for its cost
        wire.signature = lambda paragraphs: None
    try:
        return _build(index, count, seed)
    finally:
        wire.signature = signature


def _build(index: Path, count: int, seed: int) -> float:
    started = time.perf_counter()
    with open_store(index).rebuild() as out:
        out.begin(count)
        for story, key in stories(count, seed):
            out.add(story, key)
    return time.perf_counter() - started


def timed(fn, rounds: int) -> dict:
    for _ in range(2):
        fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--wire-cost", action="store_true",
                        help="only build twice into temporary folders, with and without wire-copy detection")
    args = parser.parse_args()
    if args.wire_cost:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            without = build(Path(tmp) / "without", args.stories, args.seed, wire_groups=False)
            with_wire = build(Path(tmp) / "with", args.stories, args.seed)
        print(json.dumps({"stories": args.stories, "store_build_s": {"without_wire": round(without, 1),
                          "with_wire": round(with_wire, 1)}, "extra": f"{100 * (with_wire / without - 1):.1f}%"}))
        return
    index = args.index or ROOT / "bench-out" / f"analysis-{args.stories}"
    engine = Engine(index)
    figures: dict = {"stories": args.stories}
    try:
        reuse = engine.stats().stories == args.stories
    except Exception:
        reuse = False
    if not reuse:
        figures["build_s"] = round(build(index, args.stories, args.seed), 1)
        engine = Engine(index)

    def co(**params):
        req = CooccurrenceRequest.from_params({k: [v] for k, v in params.items()})
        return lambda: engine.cooccurrence(req)

    def tl(entities, **params):
        req = TimelineRequest.from_params({"entity": entities, **{k: [v] for k, v in params.items()}})
        return lambda: engine.timeline(req)

    ids = [h.id for h in engine.search(SearchRequest(sort="newest", per_page=100)).hits]
    ids += [h.id for h in engine.search(SearchRequest(q="grossi", per_page=50)).hits]
    random.Random(0).shuffle(ids)
    cursor = iter(ids * 100)
    figures["cooccurrence"] = {
        "entity (Vladimir Putin)": timed(co(entity="Vladimir Putin"), args.rounds),
        "rare entity (Rafael Grossi)": timed(co(entity="Rafael Grossi"), args.rounds),
        "entity + query (Putin, q=sanctions)": timed(co(entity="Vladimir Putin", q="sanctions"), args.rounds),
        "entity + filter + dates": timed(co(entity="Vladimir Putin", country="Ukraine", **{"from": "2023", "to": "2023"}), args.rounds),
        "no entity, q=drone": timed(co(q="drone"), args.rounds),
    }
    figures["timeline"] = {
        "3 entities by week": timed(tl(["Vladimir Putin", "Volodymyr Zelensky", "Kim Jong Un"], interval="week"), args.rounds),
        "5 entities by day, 2023": timed(tl(["Vladimir Putin", "Volodymyr Zelensky", "Kim Jong Un", "NATO", "Ukraine"],
                                           interval="day", **{"from": "2023", "to": "2023"}), args.rounds),
        "2 entities, q=sanctions, by month": timed(tl(["Vladimir Putin", "Joe Biden"], interval="month", q="sanctions"), args.rounds),
    }
    figures["related"] = {"random stories": timed(lambda: engine.related(next(cursor)), max(args.rounds, 50))}
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
