"""Building and updating a real index on disk: generations, manifest, crashes, concurrency."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from index_helpers import BLOGS, write_blog, write_corpus, write_many
from whoosh import index as whoosh_index

from searcher.backend.whoosh.store import GENERATION_PREFIX, Manifest, current_generation, write_lock
from searcher.build import build, update
from searcher.errors import IndexBusy
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest

LIVESEARCH = Path(sys.executable).with_name("livesearch")


def search(engine: Engine, **params) -> list:
    req = SearchRequest.from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    return engine.search(req).hits


def ids_by_file(index_dir: Path) -> dict[str, set[str]]:
    gen = current_generation(index_dir)
    with whoosh_index.open_dir(str(gen)).searcher() as s:
        out: dict[str, set[str]] = {}
        for doc in s.all_stored_fields():
            out.setdefault(Path(doc["path"]).name, set()).add(doc["id"])
        return out


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_corpus(tmp_path / "corpus")


def test_build_then_search_finds_the_story_first(corpus, tmp_path):
    summary = build([corpus], tmp_path / "ix", entities=False, progress=False)
    assert (summary.pages, summary.stories, summary.skipped) == (3, 8, [])
    hits = search(Engine(tmp_path / "ix"), q="dredging OR rafah")
    assert hits[0].headline == "Aid convoy reaches <mark>Rafah</mark> crossing"
    assert hits[0].date.startswith("2023-10-13")


def test_update_after_editing_one_file_changes_only_its_stories(corpus, tmp_path):
    ix = tmp_path / "ix"
    build([corpus], ix, entities=False, progress=False)
    before = ids_by_file(ix)
    source, title, day, entries = BLOGS["europe.txt"]
    time.sleep(0.01)
    write_blog(corpus, "europe.txt", source, title, day,
               entries[:2] + [("12.00 GMT", "Barley harvest forecast cut", ["Farmers expect less barley."])])

    summary = update([corpus], ix, entities=False, progress=False)

    after = ids_by_file(ix)
    assert (summary.files_read, summary.files_unchanged, summary.stories) == (1, 2, 3)
    assert after["middle_east.txt"] == before["middle_east.txt"]
    assert after["elections.txt"] == before["elections.txt"]
    assert len(after["europe.txt"] & before["europe.txt"]) == 2  # the two kept stories keep their ids
    engine = Engine(ix)
    assert search(engine, q="barley")[0].headline == "<mark>Barley</mark> harvest forecast cut"
    assert search(engine, q="wheat") == []


def test_update_twice_is_a_no_op(corpus, tmp_path):
    ix = tmp_path / "ix"
    build([corpus], ix, entities=False, progress=False)
    (corpus / "new.txt").write_text("Source: x.org\nHarbour live\n4 May 2021\n\n10.00 GMT\nFerry strike ends\nFerries sail again.\n")
    first = update([corpus], ix, entities=False, progress=False)
    gen = current_generation(ix)
    toc, manifest = whoosh_index.open_dir(str(gen)).latest_generation(), (gen / "manifest.json").read_bytes()

    second = update([corpus], ix, entities=False, progress=False)

    assert first.changed and first.stories == 1
    assert not second.changed and second.files_unchanged == 4
    assert whoosh_index.open_dir(str(gen)).latest_generation() == toc
    assert (gen / "manifest.json").read_bytes() == manifest


def test_touched_but_identical_file_is_not_reindexed(corpus, tmp_path):
    ix = tmp_path / "ix"
    build([corpus], ix, entities=False, progress=False)
    os.utime(corpus / "europe.txt", (1, 1))
    assert not update([corpus], ix, entities=False, progress=False).changed


def test_prune_removes_stories_of_deleted_files(corpus, tmp_path):
    ix = tmp_path / "ix"
    build([corpus], ix, entities=False, progress=False)
    (corpus / "elections.txt").unlink()
    assert update([corpus], ix, entities=False, progress=False).files_removed == 0
    assert search(Engine(ix), q="Pennsylvania")  # kept without --prune

    summary = update([corpus], ix, prune=True, entities=False, progress=False)

    assert summary.files_removed == 1
    assert search(Engine(ix), q="Pennsylvania") == []
    assert all("elections" not in key for key in Manifest.load(current_generation(ix)).files)


def test_a_second_writer_is_refused(corpus, tmp_path):
    ix = tmp_path / "ix"
    ix.mkdir()
    with write_lock(ix):
        with pytest.raises(IndexBusy, match="another build or update"):
            build([corpus], ix, entities=False, progress=False)


_HOLD_AND_FORK = """
import os, sys, time
from pathlib import Path
from searcher.backend.whoosh.store import write_lock
with write_lock(Path(sys.argv[1])):
    child = os.fork()
    if child == 0:  # a worker forked while the lock is held, as the build's stage workers are
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)
"""


def test_a_killed_writer_frees_the_index_although_its_forked_workers_live_on(tmp_path):
    """CI saw IndexBusy right after a SIGKILLed build: its forked workers shared the lock."""
    ix = tmp_path / "ix"
    ix.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _HOLD_AND_FORK, str(ix)], stdout=subprocess.PIPE, text=True)
    child = int(proc.stdout.readline())
    try:
        with pytest.raises(IndexBusy):
            with write_lock(ix):
                pass
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        os.kill(child, 0)  # the orphaned worker is still alive...
        with write_lock(ix):  # ...and the index is free at once
            pass
    finally:
        proc.kill()
        proc.stdout.close()
        os.kill(child, signal.SIGKILL)


def test_the_same_process_cannot_take_the_lock_twice(tmp_path):
    with write_lock(tmp_path):
        with pytest.raises(IndexBusy):
            with write_lock(tmp_path):
                pass
    with write_lock(tmp_path):  # released
        pass


def test_bad_files_are_named_and_good_files_still_indexed(corpus, tmp_path):
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_text("")
    (corpus / "feed.jsonl").write_text(
        '{"source": "wire.example", "url": "https://wire.example/live", "title": "Wire live", '
        '"text": "Wire live\\n7 June 2022\\n\\n08.00 GMT\\nLighthouse keeper retires\\n'
        'The last lighthouse keeper on the island retired after forty years."}\n'
        '{"source": "wire.example", "text": "broken\n'
    )

    summary = build([corpus], tmp_path / "ix", entities=False, progress=False)

    skipped = {Path(p.path).name: p.message for p in summary.skipped}
    assert set(skipped) == {"binary.txt", "empty.txt"}
    assert "empty" in skipped["empty.txt"]
    assert [(Path(p.path).name, p.line) for p in summary.warnings] == [("feed.jsonl", 2)]
    assert summary.stories == 9
    assert search(Engine(tmp_path / "ix"), q="lighthouse")


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _generations(ix: Path) -> set[str]:
    return {p.name for p in ix.iterdir() if p.name.startswith(GENERATION_PREFIX)}


def test_sigkill_mid_build_leaves_the_old_index_searchable(corpus, tmp_path):
    ix = tmp_path / "ix"
    build([corpus], ix, entities=False, progress=False)
    live = current_generation(ix)
    bulk = write_many(tmp_path / "bulk", files=60)
    proc = subprocess.Popen([LIVESEARCH, "build", str(bulk), "--index", str(ix), "--no-entities"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: len(_generations(ix)) > 1)
        time.sleep(0.3)  # well into reading and indexing
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    assert current_generation(ix) == live
    assert search(Engine(ix), q="rafah")
    summary = build([bulk], ix, entities=False, progress=False)
    assert summary.stories == 60 * 30
    assert search(Engine(ix), q="dredging")
    assert len(_generations(ix)) == 2  # the new one and the one before; the killed one is gone


def test_searches_during_a_build_see_no_errors(corpus, tmp_path):
    ix = tmp_path / "ix"
    build([corpus], ix, entities=False, progress=False)
    engine = Engine(ix)
    bulk = write_many(corpus / "bulk", files=15)
    errors: list[BaseException] = []
    totals: list[int] = []
    done = threading.Event()

    def keep_searching():
        while not done.is_set():
            try:
                totals.append(engine.search(SearchRequest(q="rafah OR dredging")).total)
            except BaseException as error:  # the assertion below reports it
                errors.append(error)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        subprocess.run([LIVESEARCH, "build", str(corpus), "--index", str(ix), "--no-entities"],
                       check=True, capture_output=True)
        subprocess.run([LIVESEARCH, "build", str(corpus), "--index", str(ix), "--no-entities"],
                       check=True, capture_output=True)
        _wait_for(lambda: totals and totals[-1] > 1)
    finally:
        done.set()
        searcher.join()

    assert errors == []
    assert totals[0] == 1 and totals[-1] == 1 + 15 * 30
    assert bulk.is_dir()
