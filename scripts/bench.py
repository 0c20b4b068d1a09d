#!/usr/bin/env python3
"""Benchmark livesearch against the bare spaCy NER ceiling and a SQLite FTS5 baseline.

    .venv/bin/python scripts/bench.py [--sizes 10000,100000] [--quick] [--out bench-out]

For each size it makes a corpus with scripts/make_corpus.py (kept for the next run), then
measures, each through the real command in a subprocess:
  build     `livesearch build` stories/s with a cold enrichment cache, beside bare spaCy NER
            (`nlp.pipe`, same texts, same processes) as a ratio; then a rebuild with a warm cache;
  search    p50/p95 of GET /api/search over HTTP against `livesearch serve` on a free localhost
            port, for a fixed mix (common term, rare term, two terms, two- and three-word phrases; each plain, with a
            date range and with a country filter), all facets and highlights;
  baseline  the same mix against SQLite FTS5 over the `livesearch export` of the same stories:
            match count, top 20 by rank with snippet(), facet counts by GROUP BY over the match
            set through a facet table, and the month histogram (in process: no HTTP cost);
  memory    server VmRSS and VmHWM after the run; index and FTS5 database sizes;
  analysis  p50/p95 of related stories, co-occurrence and timelines (issue 17), in process over
            the same index, for entities picked from its facets; and the same cold and warm
            builds without near-duplicate (wire-copy) detection, for what it costs.
`--truth-index` instead writes the index straight through the store with the generator's true
entities (no spaCy: minutes, not hours, at 100k), twice (with and without near-duplicate
detection, CPU timed) and times the analysis operations on it.
It prints a table and writes the figures to OUT/bench.json. Localhost only, bounded loops.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import requests

from searcher import registry

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FACETS = tuple(spec.name for spec in registry.story_facets())
FACET_LIMIT = 30
PER_PAGE = 20
DATE_RANGE = ("2023-01-01", "2023-06-30")
SERVER_START_SECONDS = 120
WARM_UP_PASSES = 3
STOPWORDS = frozenset(
    """about after again against also because been before being between could during every first
    from have into more most other over said says some such than that their them then there these
    they this those through under very were what when where which while will with would your""".split()
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None, help="comma-separated story counts (default 10000,100000)")
    parser.add_argument("--quick", action="store_true", help="2,000 stories, fewer rounds, small NER sample")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out")
    parser.add_argument("--rounds", type=int, default=None, help="timed passes over the query mix (default 30, quick 5)")
    parser.add_argument("--ner-sample", type=int, default=None,
                        help="stories for the bare NER ceiling (default 3000, quick 300)")
    parser.add_argument("--processes", type=int, default=None,
                        help="spaCy processes for the ceiling (default: as many as the build's Enricher uses)")
    parser.add_argument("--reuse-build", action="store_true",
                        help="keep an index (and its build figures, if any) from an earlier run instead of rebuilding")
    parser.add_argument("--no-wire-cost", action="store_true",
                        help="skip the builds without near-duplicate detection (two more builds per size)")
    parser.add_argument("--truth-index", action="store_true",
                        help="only the analysis figures and the store-level near-duplicate cost, on an index "
                             "written with the generator's true entities (no spaCy)")
    parser.add_argument("--no-entities", action="store_true",
                        help="build without entity tagging (one build: without tags a rebuild does the same work); "
                             "what makes 1,000,000 stories fit in an hour")
    parser.add_argument("--no-baseline", action="store_true", help="skip the SQLite FTS5 baseline")
    parser.add_argument("--cluster", action="store_true",
                        help="also build with `--cluster local` (a Dask LocalCluster) and report both throughputs")
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("2000" if args.quick else "10000,100000")).split(",")]
    rounds = args.rounds or (5 if args.quick else 30)
    ner_sample = args.ner_sample or (300 if args.quick else 3000)
    args.out.mkdir(parents=True, exist_ok=True)
    out_file = args.out / "bench.json"
    previous = json.loads(out_file.read_text()) if out_file.exists() else {}
    report = {"machine": machine(), "sizes": dict(previous.get("sizes", {})),
              "truth_index": dict(previous.get("truth_index", {}))}
    if args.truth_index:
        for size in sizes:
            report["truth_index"][str(size)] = bench_truth_index(size, args.out, rounds)
            out_file.write_text(json.dumps(report, indent=1))
            print_analysis(f"{size} stories, index with the generator's true entities", report["truth_index"][str(size)])
        print(f"\nfigures written to {out_file}")
        return
    for size in sizes:
        figures = bench_size(size, args.out, rounds, ner_sample, args.processes, args.reuse_build,
                             BuildOptions(not args.no_entities, args.cluster, not args.no_baseline), not args.no_wire_cost)
        report["sizes"][str(size)] = figures
        out_file.write_text(json.dumps(report, indent=1))  # partial results survive a later failure
        print_table(size, figures)
    print(f"\nfigures written to {out_file}")


def machine() -> dict:
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "load_at_start": os.getloadavg()[0], "python": sys.version.split()[0]}


@dataclass
class BuildOptions:
    entities: bool = True
    cluster: bool = False
    baseline: bool = True


def bench_size(size: int, out: Path, rounds: int, ner_sample: int, processes: int | None, reuse_build: bool,
               options: BuildOptions = BuildOptions(), wire_cost: bool = True) -> dict:
    corpus = ensure_corpus(size, out)
    index = out / f"index-{size}"
    figures: dict = {"stories_requested": size, "load_before": os.getloadavg()[0], "entities": options.entities}
    build_file = out / f"build-{size}.json"  # the build figures, kept apart so --reuse-build finds them
    if reuse_build and (index / "CURRENT").exists():
        figures["build"] = {**(json.loads(build_file.read_text()) if build_file.exists() else {}), "reused": True}
    else:
        figures["build"] = measure_builds(corpus, index, options.entities, build_file)
        if wire_cost:
            without = measure_builds(corpus, out / f"index-{size}-nowire", options.entities, wire=False)
            figures["build"]["without_wire"] = without
            figures["build"]["wire_cost"] = wire_cost_figures(figures["build"], without)
        if options.cluster:
            figures["build"].update(measure_cluster_build(corpus, out / f"index-{size}-cluster", options.entities))
        build_file.write_text(json.dumps(figures["build"]))
    export = out / f"stories-{size}.jsonl"
    run([str(BIN / "livesearch"), "export", "--index", str(index), "--format", "jsonl"], stdout_path=export)
    stories = [json.loads(line) for line in export.open(encoding="utf-8")]
    figures["stories"] = len(stories)
    if options.entities and not figures["build"].get("ner_ceiling_stories_per_s"):
        figures["build"].update(ner_ceiling(stories, ner_sample, processes))
        build_file.write_text(json.dumps(figures["build"]))
    if options.entities and "cold_stories_per_s" in figures["build"]:
        b = figures["build"]
        b["build_over_ceiling"] = round(b["cold_stories_per_s"] / b["ner_ceiling_stories_per_s"], 3)
        if "ner_ceiling_cpu_ms_per_story" in b:  # the same ratio in CPU work, which the load does not move
            b["build_over_ceiling_cpu"] = round(b["ner_ceiling_cpu_ms_per_story"] / b["cold_cpu_ms_per_story"], 3)
    mix = query_mix(stories)
    figures["queries"] = mix
    fts_path = out / f"fts-{size}.sqlite"
    if options.baseline:
        figures["fts5"] = {"build_seconds": build_fts(stories, fts_path), "db_bytes": fts_path.stat().st_size}
    del stories
    if options.baseline:
        figures["fts5"]["latency"] = time_fts(fts_path, mix, rounds)
    figures["search"], figures["memory"] = time_server(index, mix, rounds)
    figures["analysis"] = time_analysis(index, rounds, mix[0]["q"])
    figures["disk"] = disk(index)
    if options.baseline:
        figures["ratios"] = ratios(figures["search"], figures["fts5"]["latency"])
    figures["load_after"] = os.getloadavg()[0]
    return figures


def ensure_corpus(size: int, out: Path) -> Path:
    corpus = out / f"corpus-{size}"
    if not (corpus / "truth.ndjson").exists():  # written last: its presence means complete
        run([sys.executable, str(ROOT / "scripts" / "make_corpus.py"), str(corpus), "--stories", str(size)])
    return corpus


def run(cmd: list[str], stdout_path: Path | None = None) -> str:
    """Run a command; on failure stop the benchmark with its error output."""
    with open(stdout_path, "w") if stdout_path else open(os.devnull, "w") as sink:
        proc = subprocess.run(cmd, stdout=sink if stdout_path else subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT)
    if proc.returncode:
        sys.exit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout or ""


def measure_builds(corpus: Path, index: Path, entities: bool = True, build_file: Path | None = None,
                   wire: bool = True) -> dict:
    """A cold build (fresh index directory, so an empty enrichment cache), then a warm rebuild;
    without entities one build (a rebuild would repeat the same work). Each build's figures are
    written to `build_file` as soon as it ends, so a run stopped later keeps them. `wire=False`:
    without near-duplicate detection, for what it costs."""
    shutil.rmtree(index, ignore_errors=True)
    figures = {}
    for label in ("cold", "warm") if entities else ("cold",):
        figures.update(timed_build(label, corpus, index, [] if entities else ["--no-entities"], wire))
        if build_file is not None:
            build_file.write_text(json.dumps(figures))
    return figures


def measure_cluster_build(corpus: Path, index: Path, entities: bool = True) -> dict:
    """The same cold build with `--cluster local` (a Dask LocalCluster of one worker per core)."""
    shutil.rmtree(index, ignore_errors=True)
    figures = timed_build("cluster", corpus, index, ["--cluster", "local"] + ([] if entities else ["--no-entities"]))
    shutil.rmtree(index, ignore_errors=True)
    return figures


def timed_build(label: str, corpus: Path, index: Path, extra: list[str], wire: bool = True) -> dict:
    """One `livesearch build`: wall time, stories/s, CPU seconds (it and its children: on a shared
    machine the CPU per story is the steadier figure), load average, and the stage times its
    summary reports."""
    load = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    summary = run(livesearch_command(wire) + ["build", str(corpus), "--index", str(index), *extra])
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    stories = int(re.search(r"(\d+) stories", summary).group(1))
    return {f"{label}_seconds": round(seconds, 2), f"{label}_stories_per_s": round(stories / seconds, 1),
            f"{label}_cpu_ms_per_story": round(1000 * cpu / max(1, stories), 2),
            f"{label}_load": [round(load, 2), round(os.getloadavg()[0], 2)],
            f"{label}_stages": stage_times(summary)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stage_times(summary: str) -> dict:
    """`stages: reading 4.1 s busy / 0.2 s idle, ...` from a build's summary, as
    {stage: {"busy_s": .., "idle_s": ..}}."""
    line = next((l for l in summary.splitlines() if l.startswith("stages:")), "")
    return {name: {"busy_s": float(busy), "idle_s": float(idle)}
            for name, busy, idle in re.findall(r"(\w[\w ]*?) ([\d.]+) s busy / ([\d.]+) s idle", line)}


def story_text(story: dict) -> str:
    """What the enricher tags (records.Story.text): headline and body paragraphs."""
    return "\n".join(([story["headline"]] if story.get("headline") else []) + list(story.get("body") or []))


def ner_ceiling(stories: list[dict], sample: int, processes: int | None) -> dict:
    """Bare spaCy NER (only the components NER needs) over an even sample of the stories."""
    from searcher.enrich.entities import Enricher, load_model, model_name

    processes = processes or Enricher().process_count(len(stories))  # what the cold build started
    step = max(1, len(stories) // sample)
    texts = [story_text(s) for s in stories[::step][:sample]]
    nlp = load_model(model_name())
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _all_cpu()
    for _ in nlp.pipe(texts, batch_size=64, n_process=processes):
        pass
    seconds, cpu = time.perf_counter() - started, _all_cpu() - cpu
    # CPU per story beside the build's: on a shared machine wall-clock ratios measured minutes
    # apart mostly compare the load at the two moments
    return {"ner_ceiling_stories_per_s": round(len(texts) / seconds, 1), "ner_sample": len(texts),
            "ner_processes": processes, "ner_ceiling_cpu_ms_per_story": round(1000 * cpu / len(texts), 2),
            "ner_ceiling_load": round(load, 2)}


def _all_cpu() -> float:
    """CPU seconds of this process and its waited-for children (spaCy's worker processes)."""
    return time.process_time() + _children_cpu()


# --- the query mix ---


def query_mix(stories: list[dict]) -> list[dict]:
    """Five query texts picked from the corpus by document frequency (a common, a rare word, two
    words, a two- and a three-word phrase), each plain, with a date range and with the most
    frequent country: deterministic for a given corpus."""
    df: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    triples: Counter[tuple[str, str, str]] = Counter()
    countries: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    for story in stories:
        words = re.findall(r"[a-z]+", story_text(story).lower())
        df.update({w for w in words if len(w) >= 5 and w not in STOPWORDS})
        pairs.update(zip(words, words[1:]))
        triples.update(zip(words, words[1:], words[2:]))
        countries.update(story.get("countries") or [])
        sources[story.get("source")] += 1
    n = len(stories)

    def near(fraction: float) -> str:
        return min(sorted(df), key=lambda w: (abs(df[w] / n - fraction), w))

    def content(word: str) -> bool:
        return len(word) >= 5 and word not in STOPWORDS

    common, rare, medium = near(0.25), near(0.002), near(0.05)
    phrase = next(" ".join(p) for p, _ in pairs.most_common(400) if all(map(content, p)))
    # three words, the outer two content words (`accused the government`), among the 400 most frequent
    phrase3 = next((" ".join(t) for t, _ in triples.most_common(400) if content(t[0]) and content(t[2])),
                   " ".join(triples.most_common(1)[0][0]))
    # the facet filter: the most frequent country, or without entity tags the most frequent outlet
    facet, value = ("country", countries.most_common(1)[0][0]) if countries else ("source", sources.most_common(1)[0][0])
    mix = []
    for kind, q in (("common", common), ("rare", rare), ("two terms", f"{common} {medium}"),
                    ("phrase", f'"{phrase}"'), ("3-word phrase", f'"{phrase3}"')):
        mix.append({"name": kind, "q": q})
        mix.append({"name": f"{kind} +dates", "q": q, "from": DATE_RANGE[0], "to": DATE_RANGE[1]})
        mix.append({"name": f"{kind} +{facet}", "q": q, facet: value})
    return mix


# --- SQLite FTS5 baseline ---


def build_fts(stories: list[dict], path: Path) -> float:
    """Stories, an FTS5 index over headline and body (porter stemming, like Whoosh's), and a
    (story, facet, value) table for GROUP BY facet counts."""
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(path)
    db.executescript(
        """CREATE TABLE stories (rowid INTEGER PRIMARY KEY, id TEXT, headline TEXT, body TEXT,
                                 date TEXT, month TEXT, source TEXT);
           CREATE VIRTUAL TABLE stories_fts USING fts5(headline, body, content='stories',
                                 content_rowid='rowid', tokenize='porter unicode61');
           CREATE TABLE facets (story INTEGER, facet TEXT, value TEXT);"""
    )
    rows, facet_rows = [], []
    for rowid, s in enumerate(stories, 1):
        date = (s.get("date") or "")[:10] or None
        rows.append((rowid, s["id"], s.get("headline") or "", "\n".join(s.get("body") or []), date,
                     date[:7] if date else None, s.get("source")))
        facet_rows += [(rowid, f, v) for f in FACETS for v in s.get(f) or []]
        facet_rows.append((rowid, "sources", s.get("source")))
    with db:
        db.executemany("INSERT INTO stories VALUES (?,?,?,?,?,?,?)", rows)
        db.execute("INSERT INTO stories_fts(rowid, headline, body) SELECT rowid, headline, body FROM stories")
        db.executemany("INSERT INTO facets VALUES (?,?,?)", facet_rows)
        db.execute("CREATE INDEX facets_story ON facets(story, facet, value)")
        db.execute("CREATE INDEX facets_value ON facets(facet, value, story)")
        db.execute("CREATE INDEX stories_date ON stories(date)")
    db.execute("ANALYZE")
    db.close()
    return round(time.perf_counter() - started, 2)


def fts_match(q: str) -> str:
    """Whoosh's default AND of words, or a phrase, in FTS5 syntax."""
    if q.startswith('"'):
        return q
    return " AND ".join(f'"{w}"' for w in q.split())


def fts_search(db: sqlite3.Connection, query: dict) -> dict:
    """What /api/search returns, computed with SQL: total, a page of hits with highlight() and
    snippet(), top values of each facet over the match set, and the month histogram."""
    where, params = ["stories_fts MATCH ?"], [fts_match(query["q"])]
    if "from" in query:
        where.append("s.date BETWEEN ? AND ?")
        params += [query["from"], query["to"]]
    if "country" in query:
        where.append("s.rowid IN (SELECT story FROM facets WHERE facet = 'countries' AND value = ?)")
        params.append(query["country"])
    if "source" in query:
        where.append("s.source = ?")
        params.append(query["source"])
    db.execute("DELETE FROM temp.matched")
    db.execute(
        "INSERT INTO temp.matched SELECT s.rowid FROM stories_fts JOIN stories s ON s.rowid = stories_fts.rowid "
        f"WHERE {' AND '.join(where)}", params)
    total = db.execute("SELECT count(*) FROM temp.matched").fetchone()[0]
    hits = db.execute(
        "SELECT s.id, highlight(stories_fts, 0, '<mark>', '</mark>'), "
        "snippet(stories_fts, 1, '<mark>', '</mark>', '…', 30), s.date, s.source "
        "FROM stories_fts JOIN stories s ON s.rowid = stories_fts.rowid "
        f"WHERE {' AND '.join(where)} ORDER BY rank LIMIT {PER_PAGE}", params).fetchall()
    facets = {
        facet: db.execute(
            "SELECT value, count(*) AS n FROM facets JOIN temp.matched m ON facets.story = m.rowid "
            f"WHERE facet = ? GROUP BY value ORDER BY n DESC, value LIMIT {FACET_LIMIT}", (facet,)).fetchall()
        for facet in (*FACETS, "sources")
    }
    months = db.execute("SELECT month, count(*) FROM stories JOIN temp.matched m ON stories.rowid = m.rowid "
                        "WHERE month IS NOT NULL GROUP BY month").fetchall()
    return {"total": total, "hits": hits, "facets": facets, "months": months}


def time_fts(path: Path, mix: list[dict], rounds: int) -> dict:
    db = sqlite3.connect(path)
    db.execute("CREATE TEMP TABLE matched (rowid INTEGER PRIMARY KEY)")
    totals = {}
    for query in mix:  # warm-up: page cache and prepared statements
        totals[query["name"]] = fts_search(db, query)["total"]
    timings = {q["name"]: [] for q in mix}
    for _ in range(rounds):
        for query in mix:
            started = time.perf_counter()
            fts_search(db, query)
            timings[query["name"]].append((time.perf_counter() - started) * 1000)
    db.close()
    return summarize(timings, totals)


# --- livesearch over HTTP ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_server(index: Path, mix: list[dict], rounds: int) -> tuple[dict, dict]:
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "livesearch"), "serve", "--index", str(index), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/api/search"
    try:
        session = requests.Session()
        wait_for(server, session, base)
        totals = {}
        for query in mix * WARM_UP_PASSES:  # each server thread opens its searcher on first use
            response = session.get(base, params=api_params(query), timeout=120)
            response.raise_for_status()
            totals[query["name"]] = response.json()["total"]
        timings = {q["name"]: [] for q in mix}
        for _ in range(rounds):
            for query in mix:
                started = time.perf_counter()
                session.get(base, params=api_params(query), timeout=120).raise_for_status()
                timings[query["name"]].append((time.perf_counter() - started) * 1000)
        memory = proc_memory(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    return summarize(timings, totals), memory


def api_params(query: dict) -> dict:
    params = {k: v for k, v in query.items() if k != "name"}
    params["per_page"] = PER_PAGE
    return params


def wait_for(server: subprocess.Popen, session: requests.Session, url: str) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"bench: livesearch serve exited ({server.returncode}): {server.stderr.read()[-2000:]}")
        try:
            if session.get(url, params={"q": "", "per_page": 1}, timeout=60).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    sys.exit(f"bench: livesearch serve did not answer on {url} within {SERVER_START_SECONDS} s")


def proc_memory(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) // 1024 for key in ("VmRSS", "VmHWM")}


# --- figures ---


def summarize(timings: dict[str, list[float]], totals: dict[str, int]) -> dict:
    everything = [t for ts in timings.values() for t in ts]
    return {
        "per_query": {name: {"p50_ms": round(percentile(ts, 50), 2), "p95_ms": round(percentile(ts, 95), 2),
                             "total": totals[name]} for name, ts in timings.items()},
        "overall": {"p50_ms": round(percentile(everything, 50), 2), "p95_ms": round(percentile(everything, 95), 2),
                    "requests": len(everything)},
    }


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def ratios(ours: dict, fts: dict) -> dict:
    per_query = {name: round(ours["per_query"][name]["p50_ms"] / fts["per_query"][name]["p50_ms"], 2)
                 for name in ours["per_query"]}
    return {"per_query_p50": per_query,
            "overall_p50": round(ours["overall"]["p50_ms"] / fts["overall"]["p50_ms"], 2),
            "overall_p95": round(ours["overall"]["p95_ms"] / fts["overall"]["p95_ms"], 2)}


def disk(index: Path) -> dict:
    gen = index / (index / "CURRENT").read_text().strip()
    total = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    return {"generation_bytes": sum(p.stat().st_size for p in gen.iterdir() if p.is_file()), "index_dir_bytes": total}


def print_table(size: int, f: dict) -> None:
    b, m, d = f["build"], f["memory"], f["disk"]
    print(f"\n== {f['stories']} stories (load {f['load_before']:.1f} -> {f['load_after']:.1f} on {os.cpu_count()} cores)")
    if "ner_ceiling_stories_per_s" in b:
        print(f"bare NER ceiling {b['ner_ceiling_stories_per_s']:.1f} stories/s ({b['ner_processes']} procs)")
    for label in ("cold", "warm", "cluster"):
        if f"{label}_stories_per_s" in b:
            stages = ", ".join(f"{name} {t['busy_s']:.0f}/{t['idle_s']:.0f} s" for name, t in b[f"{label}_stages"].items())
            print(f"build {label:<8} {b[f'{label}_stories_per_s']:>8.1f} stories/s ({b[f'{label}_seconds']} s, "
                  f"{b.get(f'{label}_cpu_ms_per_story', '?')} CPU ms/story, load {b.get(f'{label}_load')}; "
                  f"busy/idle: {stages or '-'})")
    if "build_over_ceiling" in b:
        print(f"build / ceiling {b['build_over_ceiling']:.2f} (wall)"
              + (f", {b['build_over_ceiling_cpu']:.2f} (CPU: ceiling {b['ner_ceiling_cpu_ms_per_story']} ms/story)"
                 if "build_over_ceiling_cpu" in b else ""))
    ours = f["search"]["per_query"]
    fts = f["fts5"]["latency"]["per_query"] if "fts5" in f else None
    print(f"{'query':<20} {'total':>7} {'ls p50':>8} {'ls p95':>8}" + (f" {'fts p50':>8} {'fts p95':>8} {'ratio':>6}" if fts else ""))
    if "wire_cost" in b:
        print("near-duplicate detection costs " + ", ".join(
            f"{k.replace('_pct', '').replace('_', ' ')} +{v}%" for k, v in b["wire_cost"].items()) + " (target <= 15%)")
    for name in ours:
        row = f"{name:<20} {ours[name]['total']:>7} {ours[name]['p50_ms']:>8.1f} {ours[name]['p95_ms']:>8.1f}"
        if fts:
            row += f" {fts[name]['p50_ms']:>8.1f} {fts[name]['p95_ms']:>8.1f} {f['ratios']['per_query_p50'][name]:>6.2f}"
        print(row)
    o = f["search"]["overall"]
    row = f"{'overall':<20} {'':>7} {o['p50_ms']:>8.1f} {o['p95_ms']:>8.1f}"
    if fts:
        fo = f["fts5"]["latency"]["overall"]
        row += f" {fo['p50_ms']:>8.1f} {fo['p95_ms']:>8.1f} {f['ratios']['overall_p50']:>6.2f}"
    print(row)
    print(f"server RSS {m['VmRSS']} MB (peak {m['VmHWM']} MB); index {d['generation_bytes'] / 1e6:.1f} MB "
          f"(dir with cache {d['index_dir_bytes'] / 1e6:.1f} MB)"
          + (f"; FTS5 db {f['fts5']['db_bytes'] / 1e6:.1f} MB" if "fts5" in f else ""))
    if "analysis" in f:
        print_analysis(f"{f['stories']} stories", f["analysis"])


# --- issue 17: related stories, co-occurrence, timelines; the cost of near-duplicate detection ---

RELATED_STORIES = 50  # random stories whose related stories are timed
# `livesearch` with near-duplicate detection off (every story too short to group): the same
# command otherwise, for what the detection costs. Not a product switch.
WITHOUT_WIRE = ("import sys; from searcher.enrich import wire; wire.signature = lambda paragraphs: None; "
                "from livesearch.cli import main; sys.argv[0] = 'livesearch'; main()")


def livesearch_command(wire: bool = True) -> list[str]:
    return [str(BIN / "livesearch")] if wire else [sys.executable, "-c", WITHOUT_WIRE]


def own_cpu() -> float:
    """CPU seconds of this process and its finished children (writer processes)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + _children_cpu()


def wire_cost_figures(with_wire: dict, without: dict) -> dict:
    """How much longer each build took with near-duplicate detection, in % (target <= 15)."""
    return {f"{label}_{kind}_pct": round(100 * (with_wire[f"{label}_{kind}"] / without[f"{label}_{kind}"] - 1), 1)
            for label in ("cold", "warm") for kind in ("seconds", "cpu_ms_per_story")
            if without.get(f"{label}_{kind}") and with_wire.get(f"{label}_{kind}")}


def timed(fn, rounds: int) -> dict:
    """p50/p95 in ms of `rounds` calls after two warm-up calls."""
    for _ in range(2):
        fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1)}


def time_analysis(index: Path, rounds: int, q: str) -> dict:
    """Co-occurrence, timelines and related stories in process (no HTTP), for the index's most
    named people and country (and a rarer person), plain, under the query `q` and filtered."""
    from searcher.search.engine import Engine
    from searcher.search.explore import CooccurrenceRequest, TimelineRequest
    from searcher.search.request import SearchRequest

    engine = Engine(index)
    everything = engine.search(SearchRequest(per_page=1, collapse=False))
    people = [v.value for v in everything.facets.get("people", [])]
    countries = [v.value for v in everything.facets.get("countries", [])]
    figures: dict = {"stories": everything.total, "load_before": os.getloadavg()[0],
                     "people": people[:5], "rare_person": people[min(len(people) - 1, 15)] if people else None}
    if not people or not countries:
        figures["note"] = "the index has no people or countries (built without entities): nothing to time"
        return figures
    dates = {"from": DATE_RANGE[0], "to": DATE_RANGE[1]}

    def co(**params):
        req = CooccurrenceRequest.from_params({k: [v] for k, v in params.items()})
        return lambda: engine.cooccurrence(req)

    def tl(entities, **params):
        req = TimelineRequest.from_params({"entity": entities, **{k: [v] for k, v in params.items()}})
        return lambda: engine.timeline(req)

    figures["cooccurrence"] = {
        "most named person": timed(co(entity=people[0]), rounds),
        "rarer person": timed(co(entity=figures["rare_person"]), rounds),
        "person + query": timed(co(entity=people[0], q=q), rounds),
        "person + country + dates": timed(co(entity=people[0], country=countries[0], **dates), rounds),
        "no entity, query": timed(co(q=q), rounds),
    }
    figures["timeline"] = {
        "3 people by week": timed(tl(people[:3], interval="week"), rounds),
        "5 entities by day, half a year": timed(tl(people[:4] + countries[:1], interval="day", **dates), rounds),
        "2 people + query by month": timed(tl(people[:2], interval="month", q=q), rounds),
    }
    ids = [h.id for h in engine.search(SearchRequest(sort="newest", per_page=100, collapse=False)).hits]
    ids += [h.id for h in engine.search(SearchRequest(q=q, per_page=100, collapse=False)).hits]
    random.Random(0).shuffle(ids)
    cursor = iter(ids * (RELATED_STORIES // max(1, len(ids)) + 3))
    figures["related"] = {"random story": timed(lambda: engine.related(next(cursor)), max(rounds, RELATED_STORIES))}
    for kind in ("cooccurrence", "timeline", "related"):
        figures[f"{kind}_p50_ms"] = max(f["p50_ms"] for f in figures[kind].values())
        figures[f"{kind}_p95_ms"] = max(f["p95_ms"] for f in figures[kind].values())
    figures["load_after"] = os.getloadavg()[0]
    engine.close()
    return figures


def truth_stories(count: int, seed: int = 1):
    """(Story, file key) pairs from the generator's drafts, with the entities of their slots
    (person, second person, countries, city, organisation) instead of spaCy's; planted
    storylines and wire copies included."""
    from searcher.records import Story

    import make_corpus as mc  # beside this script (scripts/ is on the path when it runs)
    rng, plant = random.Random(seed), random.Random(f"plant-{seed}")
    pool: list = []
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


def store_build(index: Path, count: int, wire_groups: bool = True) -> dict:
    """Write the truth stories straight through the store; wall and CPU seconds (writer
    processes included)."""
    from searcher.backend import open_store
    from searcher.enrich import wire

    signature = wire.signature
    if not wire_groups:
        wire.signature = lambda paragraphs: None
    shutil.rmtree(index, ignore_errors=True)
    try:
        cpu, started = own_cpu(), time.perf_counter()
        with open_store(index).rebuild() as out:
            out.begin(count)
            for story, key in truth_stories(count):
                out.add(story, key)
        return {"seconds": round(time.perf_counter() - started, 1), "cpu_seconds": round(own_cpu() - cpu, 1)}
    finally:
        wire.signature = signature


def bench_truth_index(size: int, out: Path, rounds: int) -> dict:
    """The store-level cost of near-duplicate detection (no reading, segmenting or tagging: the
    strictest denominator) and the analysis figures, on an index with true entities."""
    index = out / f"truth-{size}"
    figures: dict = {"stories_requested": size, "entities": "the generator's true entities (no spaCy)",
                     "load_before": os.getloadavg()[0]}
    without = store_build(out / f"truth-{size}-nowire", size, wire_groups=False)
    shutil.rmtree(out / f"truth-{size}-nowire", ignore_errors=True)
    with_wire = store_build(index, size)
    figures["store_build"] = {"without_wire": without, "with_wire": with_wire,
                              "extra_wall_pct": round(100 * (with_wire["seconds"] / without["seconds"] - 1), 1),
                              "extra_cpu_pct": round(100 * (with_wire["cpu_seconds"] / without["cpu_seconds"] - 1), 1)}
    figures["analysis"] = time_analysis(index, rounds, "sanctions")
    figures["load_after"] = os.getloadavg()[0]
    return figures


def print_analysis(title: str, f: dict) -> None:
    if "store_build" in f:
        b = f["store_build"]
        print(f"\n== {title}: store build without near-duplicate detection {b['without_wire']['seconds']} s "
              f"({b['without_wire']['cpu_seconds']} s CPU), with {b['with_wire']['seconds']} s "
              f"({b['with_wire']['cpu_seconds']} s CPU): +{b['extra_wall_pct']}% wall, +{b['extra_cpu_pct']}% CPU")
    a = f["analysis"] if "analysis" in f else f
    if "note" in a:
        print(f"analysis: {a['note']}")
        return
    print(f"analysis over {a['stories']} stories (load {a['load_before']:.1f} -> {a['load_after']:.1f}); "
          f"people {', '.join(a['people'][:3])}; rarer {a['rare_person']}")
    print(f"{'operation':<44} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, target in (("cooccurrence", 300), ("timeline", 300), ("related", 150)):
        for name, t in a[kind].items():
            print(f"{kind + ': ' + name:<44} {t['p50_ms']:>8.1f} {t['p95_ms']:>8.1f}")
        print(f"{kind + ' (worst p50; target <= ' + str(target) + ')':<44} {a[kind + '_p50_ms']:>8.1f} {a[kind + '_p95_ms']:>8.1f}")


if __name__ == "__main__":
    main()
