"""Enrichment throughput: Enricher with 1 and N processes beside bare spaCy `nlp.pipe`.

Usage: .venv/bin/python scripts/bench_entities.py [--stories 1000] [--processes N]
Texts are the sample corpus's stories (../shared/corpus), repeated up to --stories; no cache.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import spacy

from searcher.enrich.entities import Enricher, load_model, model_name
from searcher.pipeline.segment import stories_from_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_texts(count: int) -> list[str]:
    paths = sorted(CORPUS.glob("seeds/*.txt"))
    if not paths:
        sys.exit(f"bench_entities: no sample pages under {CORPUS / 'seeds'}; the benchmark needs them")
    texts = [story.text for path in paths for story in stories_from_file(path)[0]]
    return [texts[i % len(texts)] for i in range(count)]


def measure(label: str, run, texts: list[str], tokens: int) -> None:
    start = time.perf_counter()
    run(texts)
    seconds = time.perf_counter() - start
    print(f"{label:<44} {len(texts) / seconds:>9.1f} stories/s {tokens / seconds:>10.0f} tokens/s  ({seconds:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    texts = corpus_texts(args.stories)
    name = model_name()
    ner_only = load_model(name)
    tokens = sum(len(doc) for doc in ner_only.tokenizer.pipe(texts))
    full = spacy.load(name)
    print(f"model {name}, {len(texts)} stories, {tokens} tokens, batch {args.batch_size}, {os.cpu_count()} cores")

    def bare(nlp, processes):
        return lambda batch: list(nlp.pipe(batch, batch_size=args.batch_size, n_process=processes))

    measure("bare nlp.pipe, full pipeline, 1 process", bare(full, 1), texts, tokens)
    measure("bare nlp.pipe, NER only, 1 process", bare(ner_only, 1), texts, tokens)
    measure(f"bare nlp.pipe, NER only, {args.processes} processes", bare(ner_only, args.processes), texts, tokens)
    for processes in sorted({1, args.processes}):
        enricher = Enricher(processes=processes, batch_size=args.batch_size)
        used = enricher.process_count(len(texts))
        measure(f"Enricher (NER + gazetteer + names), {used} proc", enricher.facets_for_texts, texts, tokens)


if __name__ == "__main__":
    main()
