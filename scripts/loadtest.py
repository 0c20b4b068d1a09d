#!/usr/bin/env python3
"""Load test: N concurrent clients query `livesearch serve` on localhost with a realistic mix.

    python scripts/loadtest.py [--clients 32] [--seconds 60] [--stories 2000] [--update-during]
    python scripts/loadtest.py --index DIR            # serve an existing index
    python scripts/loadtest.py --url http://127.0.0.1:5000   # a server already running (loopback only)
    python scripts/loadtest.py --index DIR --profile mixed   # 90% plain word searches, 10% costly ones

Without --url it generates a corpus (scripts/make_corpus.py), builds an index and starts the server
on a free port itself. The mix: word, phrase, boolean and prefix queries, facet filters and
exclusions, date ranges, sorting, paging, facet-value search, story pages and CSV export. It
reports throughput, p50/p99 latency per kind of request and every error (a 4xx counts: the mix
only sends valid requests). `--update-during` runs `livesearch update` every few seconds, adding a
file and changing another, and checks that their new stories become searchable without a restart
and the replaced ones disappear. Exit code 1 on any error or failed check.

`--profile mixed` (issue 19) sends plain one-word searches with 10% costly ones mixed in (short
prefixes, several prefixes OR-ed, fuzzy words, wildcards) and reports the plain searches' p50/p99
under that load; 503 answers with Retry-After (load shed by the server) are counted apart from
errors, and so are costly searches that came back `timed_out`.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

from searcher import registry

ROOT = Path(__file__).resolve().parents[1]
LIVESEARCH = Path(sys.executable).with_name("livesearch")
MAX_CLIENTS = 256
MAX_SECONDS = 3600
MAX_REQUESTS = 2_000_000
UPDATE_EVERY = 6.0  # seconds between `livesearch update` runs with --update-during
VISIBLE_WITHIN = 30.0  # seconds an updated story may take to become searchable


class LoadTestError(Exception):
    """A setting the script refuses (non-loopback URL, limits); the message says which."""


def require_loopback(url: str) -> str:
    """The load test may only hit this machine: every address the host resolves to is loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadTestError(f"--url must look like http://127.0.0.1:5000, not {url!r}")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise LoadTestError(f"cannot resolve {parts.hostname!r}: {error}") from None
    for info in infos:
        if not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback:
            raise LoadTestError(f"refusing {url}: {parts.hostname} is not a loopback address; run against localhost only")
    return url.rstrip("/")


@contextmanager
def live_server(index_dir: Path, threads: int = 8, timeout: float = 60.0, workers: int | None = None,
                time_budget: float | None = None) -> Iterator[str]:
    """`livesearch serve` on a free localhost port in a subprocess; yields its base URL."""
    extra = ([] if workers is None else ["--workers", str(workers)]) + (
        [] if time_budget is None else ["--time-budget", str(time_budget)])
    proc = subprocess.Popen(
        [str(LIVESEARCH), "serve", "--index", str(index_dir), "--port", "0", "--threads", str(threads), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = _read_line(proc, timeout)
        found = re.search(r"http://[\d.]+:\d+", line or "")
        if not found:
            raise LoadTestError(f"`livesearch serve` did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}")
        yield found.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_line(proc: subprocess.Popen, timeout: float) -> str | None:
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0] if box else None


def make_index(workdir: Path, stories: int, seed: int, entities: bool) -> tuple[Path, Path]:
    """Generate a synthetic corpus and index it; returns (corpus, index)."""
    import make_corpus  # beside this script (scripts/ is on the path when it runs)

    corpus, index_dir = workdir / "corpus", workdir / "index"
    make_corpus.generate(corpus, stories, seed=seed)
    command = [str(LIVESEARCH), "build", str(corpus), "--index", str(index_dir)]
    subprocess.run(command + ([] if entities else ["--no-entities"]), check=True, stdout=subprocess.DEVNULL)
    return corpus, index_dir


# --- the query mix ------------------------------------------------------------------------------


@dataclass
class Vocabulary:
    """What the mix draws from, read from the index through the API itself."""

    words: list[str]
    facets: dict[str, list[str]]  # URL parameter -> values
    months: list[str]
    story_ids: list[str]
    total: int

    @classmethod
    def discover(cls, session: requests.Session, url: str) -> Vocabulary:
        data = session.get(f"{url}/api/search", params={"per_page": 100}, timeout=30).json()
        text = " ".join(re.sub(r"<[^>]+>", " ", h["headline"] + " " + h["snippet"]) for h in data["hits"])
        words = sorted({w.lower() for w in re.findall(r"[A-Za-z]{5,}", text)})
        params = {spec.name: spec.param for spec in registry.facets()}
        facets = {params[name]: [v["value"] for v in values] for name, values in data["facets"].items() if name in params and values}
        months = [b["value"] for b in data["facets"]["dates"]]
        if not words or not data["hits"]:
            raise LoadTestError(f"the index at {url} has no stories to query")
        return cls(words, facets, months, [h["id"] for h in data["hits"]], data["total"])


def next_request(rng: random.Random, vocab: Vocabulary) -> tuple[str, str, dict]:
    """(kind, path, params) of one request, drawn with the weights of a newsroom's traffic."""
    word = rng.choice(vocab.words)
    kind = rng.choices(
        ["word", "syntax", "filter", "exclude_dates", "paging", "facet_values", "story", "csv"],
        weights=[30, 12, 18, 10, 12, 6, 8, 4],
    )[0]
    params: dict = {"q": word}
    if kind == "syntax":
        other = rng.choice(vocab.words)
        params["q"] = rng.choice([f'"{word} {other}"', f"{word} OR {other}", f"{word} AND NOT {other}",
                                  f"{word[:4]}*", f"{word}~"])
    elif kind in ("filter", "csv") and vocab.facets:
        param = rng.choice(sorted(vocab.facets))
        params = {param: rng.choice(vocab.facets[param]), "sort": rng.choice(["relevance", "newest"])}
        if rng.random() < 0.5:
            params["q"] = word
    elif kind == "exclude_dates" and vocab.months:
        first = rng.randrange(len(vocab.months))
        params = {"from": vocab.months[first], "to": vocab.months[rng.randrange(first, len(vocab.months))],
                  "sort": "oldest"}
        if "source" in vocab.facets:
            params["exclude_source"] = rng.choice(vocab.facets["source"])
    elif kind == "paging":
        pages = max(1, min(20, vocab.total // 20))
        params = {"sort": "newest", "page": rng.randint(1, pages), "per_page": 20}
    elif kind == "facet_values" and vocab.facets:
        param = rng.choice(sorted(vocab.facets))
        value = rng.choice(vocab.facets[param])
        return kind, f"/api/facets/{param}", {"prefix": value[:2]}
    elif kind == "story":
        return kind, f"/api/stories/{rng.choice(vocab.story_ids)}", {}
    path = "/api/search.csv" if kind == "csv" else "/api/search"
    return kind, path, params


COSTLY_SHARE = 0.10  # of the mixed profile's requests


def next_mixed_request(rng: random.Random, vocab: Vocabulary) -> tuple[str, str, dict]:
    """The mixed profile: a plain one-word search, or (10%) a costly multi-term one."""
    word = rng.choice(vocab.words)
    if rng.random() >= COSTLY_SHARE:
        return "plain", "/api/search", {"q": word}
    prefixes = [w[:2] for w in rng.sample(vocab.words, 4)]
    q = rng.choice([
        f"{prefixes[0]}*",
        " OR ".join(f"{p}*" for p in prefixes),
        f"{word}~2",
        f"{prefixes[0]}?{word[-1]}*",
        f"{rng.choice(vocab.words)} {prefixes[1]}*",
    ])
    return "costly", "/api/search", {"q": q}


# --- running it ---------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    shed: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # 503 + Retry-After, by kind
    timed_out: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # partial answers, by kind
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, seconds: float, error: str | None, shed: bool = False, timed_out: bool = False) -> None:
        with self.lock:
            if shed:
                self.shed[kind] += 1
                return
            self.latencies[kind].append(seconds)
            if timed_out:
                self.timed_out[kind] += 1
            if error:
                self.errors.append(f"{kind}: {error}")

    @property
    def requests(self) -> int:
        return sum(map(len, self.latencies.values()))


def client(url: str, vocab: Vocabulary, tally: Tally, deadline: float, budget: threading.Semaphore, seed: int,
           mixed: bool = False) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    draw = next_mixed_request if mixed else next_request
    while time.monotonic() < deadline and budget.acquire(blocking=False):
        kind, path, params = draw(rng, vocab)
        started = time.perf_counter()
        error, shed, timed_out = None, False, False
        try:
            response = session.get(url + path, params=params, timeout=60)
            body = response.content  # the CSV export streams: read it all
            if response.status_code == 503 and "Retry-After" in response.headers:
                shed = True
            elif response.status_code != 200:
                error = f"HTTP {response.status_code} for {path} {params}: {body[:200]!r}"
            elif path == "/api/search":
                timed_out = bool(response.json().get("timed_out"))
        except requests.RequestException as exc:
            error = f"{type(exc).__name__} for {path} {params}: {exc}"
        tally.record(kind, time.perf_counter() - started, error, shed=shed, timed_out=timed_out)
        if shed:
            time.sleep(min(1.0, float(response.headers.get("Retry-After", 1))))


@dataclass
class UpdateCheck:
    """One `livesearch update` run and whether its stories showed up (and replaced ones left)."""

    token: str
    update_seconds: float
    visible_after: float | None  # seconds from the end of the update to the first search hit
    replaced_gone: bool
    error: str | None = None


def updater(url: str, corpus: Path, index_dir: Path, deadline: float, checks: list[UpdateCheck]) -> None:
    """Every UPDATE_EVERY seconds: add a page and rewrite the previous one, run `livesearch update`,
    then poll the API until the new token is found and the replaced token is not."""
    session = requests.Session()
    folder = corpus / "live-updates"
    folder.mkdir(exist_ok=True)
    previous: tuple[Path, str] | None = None
    n = 0
    while time.monotonic() + UPDATE_EVERY < deadline:
        time.sleep(UPDATE_EVERY)
        n += 1
        token = update_token(n)
        _write_update_page(folder / f"added-{n:04d}.txt", token, "added")
        replaced = None
        if previous:  # change last round's file: its story is replaced by one with a new token
            path, replaced = previous
            _write_update_page(path, token + "x", "changed")
        previous = (folder / f"added-{n:04d}.txt", token)
        started = time.monotonic()
        run = subprocess.run([str(LIVESEARCH), "update", str(corpus), "--index", str(index_dir), "--no-entities"],
                             capture_output=True, text=True)
        took = time.monotonic() - started
        if run.returncode:
            checks.append(UpdateCheck(token, took, None, False, f"update failed: {run.stderr[-500:]}"))
            continue
        visible = _wait_visible(session, url, [token] + ([token + "x"] if replaced else []), replaced)
        checks.append(UpdateCheck(token, took, visible, visible is not None,
                                  None if visible is not None else "new stories not searchable in time"))


def update_token(n: int) -> str:
    """A made-up word that the analyzer keeps whole and no page contains."""
    letters = "".join("bcdfghjklmnpqrstvwz"[int(d)] for d in f"{n:04d}")
    return f"quokka{letters}"


def _write_update_page(path: Path, token: str, what: str) -> None:
    path.write_text(
        f"Source: loadtest.example\nHarbour updates live\n4 May 2024\n\n10.00 GMT\n"
        f"Ferry timetable {what} ({token})\nThe harbour office published the {token} timetable "
        f"for the summer ferries.\n",
        encoding="utf-8",
    )


def _wait_visible(session, url: str, tokens: list[str], gone: str | None) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < VISIBLE_WITHIN:
        found = all(_total(session, url, t) > 0 for t in tokens)
        if found and (gone is None or _total(session, url, gone) == 0):
            return time.monotonic() - started
        time.sleep(0.1)
    return None


def _total(session, url: str, q: str) -> int:
    return session.get(f"{url}/api/search", params={"q": q, "per_page": 1}, timeout=30).json()["total"]


def run_load(url: str, clients: int, seconds: float, max_requests: int, seed: int,
             update: tuple[Path, Path] | None = None, mixed: bool = False) -> dict:
    """Drive the server at `url`; returns the figures (see `report`)."""
    vocab = Vocabulary.discover(requests.Session(), url)
    tally = Tally()
    checks: list[UpdateCheck] = []
    budget = threading.Semaphore(max_requests)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=client, args=(url, vocab, tally, deadline, budget, seed + i, mixed), daemon=True)
               for i in range(clients)]
    if update:
        threads.append(threading.Thread(target=updater, args=(url, *update, deadline, checks), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    every = sorted(x for values in tally.latencies.values() for x in values)
    return {
        "url": url,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": tally.requests,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:10],
        "throughput_rps": round(tally.requests / elapsed, 1),
        "p50_ms": _ms(every, 0.50),
        "p99_ms": _ms(every, 0.99),
        "by_kind": {kind: {"requests": len(v), "p50_ms": _ms(sorted(v), 0.5), "p99_ms": _ms(sorted(v), 0.99),
                           "max_ms": _ms(sorted(v), 1.0), "timed_out": tally.timed_out.get(kind, 0)}
                    for kind, v in sorted(tally.latencies.items())},
        "shed_503": dict(tally.shed),
        "profile": "mixed" if mixed else "newsroom",
        "updates": [vars(c) for c in checks],
        "stories_at_start": vocab.total,
    }


def _ms(sorted_seconds: list[float], quantile: float) -> float | None:
    if not sorted_seconds:
        return None
    return round(1000 * sorted_seconds[min(len(sorted_seconds) - 1, int(quantile * len(sorted_seconds)))], 1)


def failures(figures: dict) -> list[str]:
    """Everything that makes the run a failure, as sentences."""
    out = [f"{figures['errors']} request errors, e.g. {figures['error_samples'][:3]}"] if figures["errors"] else []
    out += [f"update {c['token']}: {c['error']}" for c in figures["updates"] if c["error"]]
    return out


def report(figures: dict) -> str:
    lines = [
        f"{figures['requests']} requests by {figures['clients']} clients in {figures['seconds']} s: "
        f"{figures['throughput_rps']} req/s, p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
        f"{figures['errors']} errors",
    ]
    for kind, k in figures["by_kind"].items():
        lines.append(f"  {kind:<14} {k['requests']:>7} requests  p50 {k['p50_ms']:>7} ms  p99 {k['p99_ms']:>7} ms"
                     + (f"  ({k['timed_out']} timed out)" if k.get("timed_out") else ""))
    if figures.get("shed_503"):
        lines.append("  shed with 503 + Retry-After: " + ", ".join(f"{k} {n}" for k, n in sorted(figures["shed_503"].items())))
    if figures["updates"]:
        ok = [c for c in figures["updates"] if not c["error"]]
        lines.append(f"{len(figures['updates'])} updates during the load, {len(ok)} searchable without restart"
                     + (f" (after at most {max(c['visible_after'] for c in ok):.2f} s;"
                        f" update took at most {max(c['update_seconds'] for c in ok):.1f} s)" if ok else ""))
    lines += [f"FAILED: {f}" for f in failures(figures)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32, help=f"concurrent clients (default 32, at most {MAX_CLIENTS})")
    parser.add_argument("--seconds", type=float, default=60, help=f"duration (default 60, at most {MAX_SECONDS})")
    parser.add_argument("--max-requests", type=int, default=MAX_REQUESTS, help="stop after this many requests")
    parser.add_argument("--url", help="a running server on this machine (loopback addresses only)")
    parser.add_argument("--index", type=Path, help="serve this existing index instead of generating one")
    parser.add_argument("--stories", type=int, default=2000, help="stories in the generated corpus (default 2000)")
    parser.add_argument("--entities", action="store_true", help="tag entities when building (slower; richer facets)")
    parser.add_argument("--threads", type=int, default=8, help="request threads per worker of the started server (default 8)")
    parser.add_argument("--workers", type=int, help="worker processes of the started server (default: its own, one per core)")
    parser.add_argument("--time-budget", type=float, help="--time-budget of the started server (default: its own)")
    parser.add_argument("--profile", choices=["newsroom", "mixed"], default="newsroom",
                        help="newsroom: the realistic mix; mixed: plain searches with 10%% costly ones (issue 19)")
    parser.add_argument("--update-during", action="store_true", help="run `livesearch update` while clients query")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    try:
        if not 1 <= args.clients <= MAX_CLIENTS or not 0 < args.seconds <= MAX_SECONDS:
            raise LoadTestError(f"--clients must be 1..{MAX_CLIENTS} and --seconds 1..{MAX_SECONDS}")
        if not 1 <= args.max_requests <= MAX_REQUESTS:
            raise LoadTestError(f"--max-requests must be 1..{MAX_REQUESTS}")
        if args.update_during and args.url:
            raise LoadTestError("--update-during needs an index this script serves itself; drop --url")
        figures = _run(args)
    except LoadTestError as error:
        print(f"loadtest: {error}", file=sys.stderr)
        return 2
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 1 if failures(figures) else 0


def _run(args) -> dict:
    load = dict(clients=args.clients, seconds=args.seconds, max_requests=args.max_requests, seed=args.seed,
                mixed=args.profile == "mixed")
    if args.url:
        return run_load(require_loopback(args.url), **load)
    workdir = Path(tempfile.mkdtemp(prefix="livesearch-load-"))
    try:
        if args.index and not args.update_during:
            corpus, index_dir = None, args.index
        else:
            print(f"building an index of {args.stories} generated stories in {workdir} ...", file=sys.stderr)
            corpus, index_dir = make_index(workdir, args.stories, args.seed, args.entities)
        with live_server(index_dir, threads=args.threads, workers=args.workers, time_budget=args.time_budget) as url:
            print(f"serving {index_dir} at {url}; {args.clients} clients for {args.seconds:.0f} s", file=sys.stderr)
            return run_load(url, update=(corpus, index_dir) if args.update_during else None, **load)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
