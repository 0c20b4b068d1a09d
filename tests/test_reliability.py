"""Faults, injected into real `livesearch` subprocesses beside a real server: SIGKILL mid-build
and mid-update, a full disk, damaged and missing index folders. After each one the old stories
are still served, nothing prints a traceback, and the next run repairs the index."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from index_helpers import write_corpus, write_many

from livesearch.cli import main
from searcher.backend.whoosh.store import GENERATION_PREFIX, current_generation
from searcher.build import build
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest
from webui.app import create_app
from script_support import load_script

LIVESEARCH = Path(sys.executable).with_name("livesearch")
ROOT = Path(__file__).resolve().parents[1]
BULK_FILES = 60  # 1,800 stories: indexing takes seconds, long enough to be interrupted


loadtest = load_script("loadtest")


def total(url: str, q: str) -> int:
    response = requests.get(f"{url}/api/search", params={"q": q}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def generations(ix: Path) -> set[str]:
    return {p.name for p in ix.iterdir() if p.name.startswith(GENERATION_PREFIX)}


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def livesearch(*args, limit_file_size: int | None = None) -> subprocess.CompletedProcess:
    def limit():  # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run([LIVESEARCH, *map(str, args), "--no-entities"], capture_output=True, text=True,
                          preexec_fn=limit if limit_file_size else None)


def kill_when_indexing(args: list) -> None:
    """Start `livesearch` and SIGKILL it once its progress bar says it is writing the index."""
    proc = subprocess.Popen([LIVESEARCH, *map(str, args), "--no-entities"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    try:
        while b"indexing:" not in seen:
            chunk = os.read(proc.stderr.fileno(), 4096)
            assert chunk, f"exited before indexing: {seen[-500:]!r}"
            seen += chunk
        time.sleep(0.5)  # well into adding documents
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def indexed(tmp_path) -> tuple[Path, Path]:
    """(corpus, index) of the three small blogs."""
    corpus = write_corpus(tmp_path / "corpus")
    build([corpus], tmp_path / "ix", entities=False, progress=False)
    return corpus, tmp_path / "ix"


@pytest.mark.parametrize("command", ["build", "update"])
def test_sigkill_mid_run_keeps_the_old_index_served_and_the_next_run_succeeds(indexed, command):
    corpus, ix = indexed
    write_many(corpus / "bulk", files=BULK_FILES)
    live = current_generation(ix)
    with loadtest.live_server(ix, threads=2) as url:
        assert total(url, "rafah") == 1

        kill_when_indexing([command, corpus, "--index", ix])

        assert current_generation(ix) == live
        assert total(url, "rafah") == 1 and total(url, "dredging") == 0  # old index, nothing half-done
        assert Engine(ix).search(SearchRequest(q="rafah")).total == 1  # and so does a fresh process
        run = livesearch(command, corpus, "--index", ix)
        assert run.returncode == 0, run.stderr
        wait_for(lambda: total(url, "dredging") == BULK_FILES * 30)  # no restart needed
        assert total(url, "rafah") == 1
    assert len(generations(ix)) <= 2  # a killed build's half-written generation is gone


def assert_clear_failure(run: subprocess.CompletedProcess, reason: str) -> None:
    assert run.returncode == 1
    assert reason in run.stderr and "previous index is unchanged" in run.stderr
    assert "Traceback" not in run.stderr


def test_file_size_limit_fails_cleanly_and_keeps_the_old_index(indexed):
    """Portable stand-in for a full disk: RLIMIT_FSIZE makes big index writes fail with EFBIG."""
    corpus, ix = indexed
    bulk = write_many(corpus.parent / "bulk", files=BULK_FILES)
    live = current_generation(ix)

    assert_clear_failure(livesearch("build", bulk, "--index", ix, limit_file_size=64_000), "File too large")
    assert generations(ix) == {live.name}  # the failed build's files are gone
    assert_clear_failure(livesearch("update", corpus, bulk, "--index", ix, limit_file_size=64_000), "File too large")

    assert current_generation(ix) == live
    engine = Engine(ix)
    assert engine.search(SearchRequest(q="rafah")).total == 1
    assert engine.search(SearchRequest(q="dredging")).total == 0
    run = livesearch("update", corpus, bulk, "--index", ix)
    assert run.returncode == 0, run.stderr
    assert engine.search(SearchRequest(q="dredging")).total == BULK_FILES * 30


@pytest.fixture
def small_disk(tmp_path):
    """A 600 kB tmpfs: the index fits, a bulk build does not. Needs root and mount(2)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(disk)], capture_output=True, text=True)
    if mount.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({mount.stderr.strip() or 'mount failed'}); "
                    "test_file_size_limit_fails_cleanly_and_keeps_the_old_index covers the same path")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_full_disk_gives_a_clear_error_keeps_the_old_index_and_gives_the_space_back(small_disk, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    bulk = write_many(tmp_path / "bulk", files=BULK_FILES)
    ix = small_disk / "ix"
    assert livesearch("build", corpus, "--index", ix).returncode == 0
    live = current_generation(ix)
    free = shutil.disk_usage(small_disk).free

    assert_clear_failure(livesearch("build", corpus, bulk, "--index", ix), "No space left on device")
    assert shutil.disk_usage(small_disk).free >= free - 16_384
    assert_clear_failure(livesearch("update", corpus, bulk, "--index", ix), "No space left on device")
    assert shutil.disk_usage(small_disk).free >= free - 16_384

    assert current_generation(ix) == live and generations(ix) == {live.name}
    assert Engine(ix).search(SearchRequest(q="rafah")).total == 1
    subprocess.run(["mount", "-o", "remount,size=50m", str(small_disk)], check=True)  # space freed
    assert livesearch("update", corpus, bulk, "--index", ix).returncode == 0
    assert Engine(ix).search(SearchRequest(q="dredging OR rafah")).total == 1 + BULK_FILES * 30


def _only(gen: Path, pattern: str) -> Path:
    [path] = gen.glob(pattern)
    return path


DAMAGE = {
    "pointer names nothing": lambda ix, gen: (ix / "CURRENT").write_text("gen-garbage"),
    "generation deleted": lambda ix, gen: shutil.rmtree(gen),
    "table of contents truncated": lambda ix, gen: os.truncate(_only(gen, "*.toc"), 10),
    "terms overwritten": lambda ix, gen: _only(gen, "*.trm").write_bytes(os.urandom(300)),
    "postings truncated": lambda ix, gen: os.truncate(_only(gen, "*.pst"), 50),
    "stored fields truncated": lambda ix, gen: os.truncate(_only(gen, "*_stored.col"), 20),
    "manifest deleted": lambda ix, gen: (gen / "manifest.json").unlink(),
    "index folder deleted": lambda ix, gen: shutil.rmtree(ix),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_index_gives_a_clear_message_and_build_repairs_it(indexed, damage):
    corpus, ix = indexed
    DAMAGE[damage](ix, current_generation(ix))

    outcomes = [CliRunner().invoke(main, [cmd, *args, "--index", str(ix)])
                for cmd, args in (("search", ["rafah"]), ("stats", []))]
    for result in outcomes:
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 0 or "livesearch build" in result.output
    assert any(r.exit_code == 1 for r in outcomes)  # the damage is noticed, not papered over
    response = create_app(ix).test_client().get("/api/search?q=rafah")
    assert response.status_code in (200, 503)
    if response.status_code == 503:
        assert "livesearch build" in response.get_json()["error"]

    result = CliRunner().invoke(main, ["build", str(corpus), "--index", str(ix), "--no-entities"])
    assert result.exit_code == 0, result.output
    assert Engine(ix).search(SearchRequest(q="rafah")).total == 1
    assert CliRunner().invoke(main, ["stats", "--index", str(ix)]).exit_code == 0


def test_serve_without_an_index_answers_503_then_picks_up_a_build(tmp_path):
    ix = tmp_path / "ix"
    with loadtest.live_server(ix, threads=2) as url:
        response = requests.get(f"{url}/api/search", params={"q": "rafah"}, timeout=30)
        assert response.status_code == 503 and "livesearch build" in response.json()["error"]
        build([write_corpus(tmp_path / "corpus")], ix, entities=False, progress=False)
        assert total(url, "rafah") == 1
