"""Segmentation speed: milliseconds per story to read and segment a generated corpus.

    python scripts/bench_segment.py [--stories 3000] [--repeat 3]

The corpus comes from scripts/make_corpus.py (text, HTML and JSON lines in all its layouts);
files are read once, then `segment_page` runs over every page `--repeat` times and the best run
counts (the least disturbed by other work on a shared machine). Prints the load average beside
the figure: on a busy machine the figure is an upper bound. With ../shared/corpus/realworld
present it also prints each real page's F1 (tests/test_realworld.py's scoring).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searcher.pipeline.ingest import iter_input_files, read_file  # noqa: E402
from searcher.pipeline.segment import segment_page  # noqa: E402


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        _module(ROOT / "scripts" / "make_corpus.py", "make_corpus").generate(Path(folder), args.stories, seed=1)
        pages = [page for path in iter_input_files([Path(folder)]) for page in read_file(path)[0]]
    best, found = float("inf"), 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        found = sum(len(segment_page(page)) for page in pages)
        best = min(best, time.perf_counter() - started)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"segment: {len(pages)} pages, {found} stories, {1000 * best / max(found, 1):.3f} ms a story "
          f"(best of {args.repeat}; load average {load})")
    realworld = ROOT.parent / "shared" / "corpus" / "realworld"
    if realworld.is_dir():
        sys.path.insert(0, str(ROOT / "tests"))
        scoring = _module(ROOT / "tests" / "test_realworld.py", "test_realworld")
        for truth in sorted(realworld.glob("*.truth.json")):
            print(f"realworld {truth.name.split('.')[0]}: F1 {scoring.score(truth)['f1']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
