"""Live blogs are live (issue 15): re-scraped snapshots of one page merge into one set of stories
with stable ids, whichever way they reach the index (build, update one by one in any order,
watch), and the feeds and `since` see new stories as they arrive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from searcher.build import build, update
from searcher.records import Story, page_key
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest
from searcher.snapshots import Snapshot, merge
from searcher.watch import wait_for, watch
from webui.app import create_app

URL = "https://news.example.org/live/harbour-strike?utm_source=feed"
LIVESEARCH = Path(sys.executable).with_name("livesearch")

# Posts of an invented live blog, newest on top: (clock, headline, paragraphs).
A = ("09.10 GMT", "Ferry services suspended", ["All ferries from the northern quay are cancelled until noon."])
A_FIXED = ("09.10 GMT", "Ferry services suspended", ["All ferries from the northern quay are cancelled until 3pm, "
                                                      "the operator now says."])
B = ("09.40 GMT", "Dock workers vote to strike", ["Members of the dockers' union voted to walk out on Monday."])
C = ("13.30 GMT", "Grain ship turned back", ["A bulk carrier loaded with barley was turned back at the harbour mouth."])
D = ("17.45 GMT", "Talks resume at the town hall", ["Union leaders and the port authority met again this evening."])
HOSTILE = ("08.00 GMT", "Harbour <script>alert(1)</script> live", ["Quay <img src=x onerror=alert(2)> closed."])

# The scraper's three saves of the page: a new post on top, A corrected, then B deleted.
SNAPSHOTS = {
    "blog-1000.jsonl": ("2024-03-04T10:00:00Z", [B, A, HOSTILE]),
    "blog-1400.jsonl": ("2024-03-04T14:00:00+00:00", [C, B, A_FIXED, HOSTILE]),
    "blog-1800.jsonl": ("2024-03-04T19:00:00+01:00", [D, C, A_FIXED, HOSTILE]),  # 18:00 UTC
}
T1, T2, T3 = "2024-03-04T10:00:00+00:00", "2024-03-04T14:00:00+00:00", "2024-03-04T18:00:00+00:00"


def page_text(posts) -> str:
    lines = ["Harbour strike live: latest updates", "4 March 2024", ""]
    for clock, headline, paragraphs in posts:
        lines += [clock, headline, *paragraphs, ""]
    return "\n".join(lines)


def write_snapshot(folder: Path, name: str) -> Path:
    scraped_at, posts = SNAPSHOTS[name]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    row = {"url": URL, "source": "news.example.org", "scraped_at": scraped_at, "text": page_text(posts)}
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


def other_blog(folder: Path) -> Path:
    """An unrelated page, so merging must leave it alone."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "elsewhere.txt"
    path.write_text("Source: other.example\nValley floods live\n5 March 2024\n\n07.00 GMT\nRiver bursts its banks\n"
                    "The river rose two metres overnight.\n", encoding="utf-8")
    os.utime(path, (1_709_539_200, 1_709_539_200))  # saved 2024-03-04 08:00 UTC: first seen then
    return path


def stories(index_dir: Path) -> dict[str, tuple]:
    """Every story of the index: id -> what the issue asks to be equal every way."""
    rows = Engine(index_dir).export(SearchRequest(sort="oldest"))
    return {r["id"]: (r["headline"], tuple(r["body"]), r["first_seen"], r["updated"], r["removed_after"]) for r in rows}


def by_headline(index_dir: Path) -> dict[str, tuple]:
    return {v[0]: (k, *v[1:]) for k, v in stories(index_dir).items()}


def check_merged(index_dir: Path) -> dict[str, tuple]:
    found = by_headline(index_dir)
    assert set(found) == {A[1], B[1], C[1], D[1], HOSTILE[1], "River bursts its banks"}
    assert found[A[1]][1:] == (tuple(A_FIXED[2]), T1, T2, None)  # corrected: the new text, updated
    assert found[B[1]][2:] == (T1, None, T2)  # deleted after the second save: still here, marked
    assert found[C[1]][2:] == (T2, None, None)
    assert found[D[1]][2:] == (T3, None, None)
    assert found[HOSTILE[1]][2:] == (T1, None, None)
    return found


@pytest.fixture
def snapshot_dir(tmp_path) -> Path:
    folder = tmp_path / "scrapes"
    for name in SNAPSHOTS:
        write_snapshot(folder, name)
    other_blog(folder)
    return folder


def test_build_merges_the_snapshots_of_a_page(snapshot_dir, tmp_path):
    summary = build([snapshot_dir], tmp_path / "ix", entities=False, progress=False)
    assert summary.stories == 6  # the distinct posts, not 3 + 4 + 4 + 1
    assert summary.duplicates == 6  # sightings merged into stories already seen
    check_merged(tmp_path / "ix")


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_update_one_snapshot_at_a_time_in_any_order_gives_the_build(snapshot_dir, tmp_path, order):
    built = tmp_path / "built"
    build([snapshot_dir], built, entities=False, progress=False)
    files = [snapshot_dir / name for name in SNAPSHOTS]
    updated = tmp_path / "updated"
    build([snapshot_dir / "elsewhere.txt"], updated, entities=False, progress=False)
    for n in order:
        update([files[n]], updated, entities=False, progress=False)
    assert stories(updated) == stories(built)
    assert update(files, updated, entities=False, progress=False).changed is False


def test_a_saved_story_url_still_resolves_after_later_snapshots(tmp_path):
    scrapes = tmp_path / "scrapes"
    ix = tmp_path / "ix"
    build([write_snapshot(scrapes, "blog-1000.jsonl")], ix, entities=False, progress=False)
    client = create_app(ix).test_client()
    saved = {h["headline"]: h["id"] for h in client.get("/api/search?per_page=100").get_json()["hits"]}
    for name in ("blog-1400.jsonl", "blog-1800.jsonl"):
        update([write_snapshot(scrapes, name)], ix, entities=False, progress=False)
    story = client.get(f"/api/stories/{saved[A[1]]}").get_json()
    assert story["body"] == A_FIXED[2] and (story["first_seen"], story["updated"]) == (T1, T2)
    deleted = client.get(f"/api/stories/{saved[B[1]]}").get_json()
    assert deleted["removed_after"] == T2
    page = client.get(f"/stories/{saved[B[1]]}")
    assert page.status_code == 200 and "no longer on the page</strong> after" in page.get_data(as_text=True)
    # the page's order: the posts of later saves first, each save's new posts in page order
    order = [story["previous"]["headline"], story["headline"], story["next"]["headline"]]
    assert order == [B[1], A[1], HOSTILE[1]]


def test_ids_do_not_depend_on_position_and_anchors_survive_a_rewritten_headline():
    def post(headline, position, **marks):
        return Story(source="s", origin="/x/a.html", position=position, headline=headline, body=["Text."],
                     url="https://Example.org/live/#top", date="2024-03-04T09:10+00:00", date_basis="stated", **marks)

    assert post("Dock strike", 0).id == post("Dock strike", 7).id
    assert post("Dock strike", 0).id != post("Dock strike called off", 0).id  # the documented limit
    assert post("Dock strike", 0, anchor="p-17").id == post("Dock strike called off", 3, anchor="p-17").id
    assert page_key("https://Example.org/live/?utm_medium=x#top", "f") == page_key("https://example.org/live", "g")
    assert page_key(None, "/data/a.txt") == "/data/a.txt"


def test_merge_is_a_function_of_the_set_of_snapshots():
    snaps = [
        Snapshot("p", "/f1", "/f1", T1, [("b", "1"), ("a", "1")]),
        Snapshot("p", "/f2", "/f2", T2, [("c", "1"), ("b", "1"), ("a", "2")]),
        Snapshot("p", "/f3", "/f3", T3, [("d", "1"), ("c", "1"), ("a", "2")]),
    ]
    results = [{k: v.fields() for k, v in merge(list(order)).items()}
               for order in (snaps, snaps[::-1], [snaps[1], snaps[2], snaps[0]])]
    assert results[0] == results[1] == results[2]
    merged = merge(snaps)
    assert (merged["a"].updated, merged["a"].source.file, merged["b"].removed_after) == (T2, "/f2", T2)


HTML = """<html><head><link rel="canonical" href="https://news.example.org/live/quay"><title>Quay live</title></head>
<body>{posts}</body></html>"""
POST = """<article id="{anchor}"><h2>{headline}</h2><time datetime="2024-03-0{day}T{clock}:00Z">{clock}</time>
<p>{body}</p></article>"""


def write_html(folder: Path, name: str, posts, mtime: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(HTML.format(posts="\n".join(POST.format(**p) for p in posts)), encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def test_html_snapshots_keep_ids_by_anchor_and_are_timed_by_mtime(tmp_path):
    first = [{"anchor": "post-2", "headline": "Cranes idle", "day": 4, "clock": "10:05", "body": "No cranes moved."},
             {"anchor": "post-1", "headline": "Strike begins", "day": 4, "clock": "09:00", "body": "Pickets at dawn."}]
    second = [{**first[0], "headline": "All cranes idle at the quay"}, first[1]]  # headline rewritten
    folder = tmp_path / "html"
    write_html(folder, "b.html", second, 1_709_560_000)  # the later save (by mtime), named first
    write_html(folder, "c.html", first, 1_709_550_000)
    build([folder], tmp_path / "ix", entities=False, progress=False)
    found = by_headline(tmp_path / "ix")
    assert set(found) == {"All cranes idle at the quay", "Strike begins"}
    assert found["All cranes idle at the quay"][2:4] == ("2024-03-04T11:00:00+00:00", "2024-03-04T13:46:40+00:00")


def test_since_and_the_newest_first_seen(snapshot_dir, tmp_path):
    ix = tmp_path / "ix"
    build([snapshot_dir], ix, entities=False, progress=False)
    client = create_app(ix).test_client()
    everything = client.get("/api/search").get_json()
    assert everything["latest_first_seen"] == T3
    after = client.get("/api/search", query_string={"since": "2024-03-04T15:00:00+01:00"}).get_json()  # 14:00 UTC
    assert [h["headline"] for h in after["hits"]] == [D[1]]
    newest = client.get("/api/search?sort=first_seen&per_page=3").get_json()["hits"]
    assert [h["first_seen"] for h in newest] == [T3, T2, T1]
    for bad in ("yesterday", "0001-01-01T00:00:00+01:00", "2024-03-01T25:00"):
        assert client.get("/api/search", query_string={"since": bad}).status_code == 400, bad
    assert client.get("/api/search", query_string={"since": "9999-12-31T23:59:59"}).get_json()["total"] == 0


def test_the_atom_feed_validates_newest_first_and_sanitised(snapshot_dir, tmp_path):
    ix = tmp_path / "ix"
    build([snapshot_dir], ix, entities=False, progress=False)
    client = create_app(ix).test_client()
    response = client.get("/api/search.atom", query_string={"q": "harbour OR quay OR union OR ferries"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "livesearch: harbour OR quay OR union OR ferries"
    published = [e.published for e in feed.entries]
    assert published == sorted(published, reverse=True) and len(feed.entries) == 5
    assert feed.entries[0].title == D[1] and feed.entries[0].link.endswith("/stories/" + feed.entries[0].id.rsplit(":", 1)[1])
    hostile = next(e for e in feed.entries if "Harbour" in e.title)
    assert hostile.title == "Harbour <script>alert(1)</script> live"  # plain text, escaped in the XML
    raw = ET.fromstring(response.data)
    summaries = [s.text for s in raw.iter("{http://www.w3.org/2005/Atom}summary")]
    assert all("<img" not in s and "<script" not in s for s in summaries)
    assert any("<mark>" in s for s in summaries)
    page = client.get("/?q=harbour").get_data(as_text=True)
    assert '<link id="search-feed" rel="alternate" type="application/atom+xml"' in page
    assert 'href="/api/search.atom?q=harbour"' in page
    assert client.get("/api/search.atom?from=nonsense").status_code == 400
    again = client.get("/api/search.atom", query_string={"q": "harbour OR quay OR union OR ferries"},
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_watch_indexes_each_snapshot_as_it_drops_and_the_feed_lists_it(tmp_path):
    scrapes, ix = tmp_path / "scrapes", tmp_path / "ix"
    other_blog(scrapes)
    batches: list = []
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=([scrapes], ix), daemon=True, kwargs=dict(
        entities=False, debounce_ms=200, stop=stop, on_batch=batches.append, log=lambda line: None))
    thread.start()
    try:
        assert wait_for(lambda: len(batches) == 1, 30)  # the catch-up update at start
        client = create_app(ix).test_client()
        for n, name in enumerate(SNAPSHOTS, start=2):
            write_snapshot(scrapes, name)
            assert wait_for(lambda: len(batches) >= n and batches[-1].changed, 30), name
            newest_post = SNAPSHOTS[name][1][0][1]
            feed = feedparser.parse(client.get("/api/search.atom").data)
            assert newest_post in [e.title for e in feed.entries if e.published == feed.entries[0].published]
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    check_merged(ix)
    built = tmp_path / "built"
    build([scrapes], built, entities=False, progress=False)
    assert stories(ix) == stories(built)


def test_watch_command_stops_cleanly_on_ctrl_c(tmp_path):
    scrapes, ix = tmp_path / "scrapes", tmp_path / "ix"
    other_blog(scrapes)
    proc = subprocess.Popen([str(LIVESEARCH), "watch", str(scrapes), "--index", str(ix), "--no-entities",
                             "--debounce", "100"], stderr=subprocess.PIPE, text=True)
    try:
        write_snapshot(scrapes, "blog-1000.jsonl")
        assert wait_for(lambda: ix.exists() and len(_quiet_stories(ix)) == 4, 60)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err


def _quiet_stories(ix: Path) -> dict:
    try:
        return stories(ix)
    except Exception:  # the index may not exist yet
        return {}


def test_an_update_writes_only_what_a_new_snapshot_changes(tmp_path):
    scrapes, ix = tmp_path / "scrapes", tmp_path / "ix"
    build([write_snapshot(scrapes, "blog-1000.jsonl")], ix, entities=False, progress=False)
    second = update([write_snapshot(scrapes, "blog-1400.jsonl")], ix, entities=False, progress=False)
    assert second.stories == 2  # C is new, A was corrected; B and the hostile post are untouched
    third = update([write_snapshot(scrapes, "blog-1800.jsonl")], ix, entities=False, progress=False)
    assert third.stories == 2  # D is new, B is marked removed


@pytest.mark.parametrize("pruned", list(SNAPSHOTS))
def test_pruning_a_snapshot_gives_the_build_of_the_others(snapshot_dir, tmp_path, pruned):
    ix = tmp_path / "ix"
    build([snapshot_dir], ix, entities=False, progress=False)
    (snapshot_dir / pruned).unlink()
    update([snapshot_dir], ix, prune=True, entities=False, progress=False)
    build([snapshot_dir], tmp_path / "rebuilt", entities=False, progress=False)
    assert stories(ix) == stories(tmp_path / "rebuilt")


def test_an_index_from_before_snapshots_asks_for_a_rebuild(snapshot_dir, tmp_path):
    from searcher.backend.whoosh.store import current_generation
    from searcher.errors import IndexMissing

    ix = tmp_path / "ix"
    build([snapshot_dir / "elsewhere.txt"], ix, entities=False, progress=False)
    manifest = current_generation(ix) / "manifest.json"
    data = json.loads(manifest.read_text())
    del data["format"]
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMissing, match="older livesearch"):
        update([snapshot_dir], ix, entities=False, progress=False)
