"""The conformance suite every search backend must pass (searcher.backend: SearchBackend, IndexStore).

Each backend under test is a pair of factories (store for writing, backend for searching) over a
folder. The stories are invented records written straight through the store, so the suite tests
the backend alone, not the pipeline. A second backend joins by adding its pair to BACKENDS.
"""

from __future__ import annotations

from collections import Counter

import pytest

from searcher.backend import IndexStore, SearchBackend, open_backend, open_store
from searcher.records import Story
from searcher.search.request import SearchRequest

BACKENDS = {"whoosh": (open_store, open_backend)}

# (file, position, headline, body, date, countries, people)
STORIES = [
    ("a.txt", 0, "Drone strike on grain port", "Drones hit the grain port of Odesa overnight.", "2023-10-02T09:00", ["Ukraine"], []),
    ("a.txt", 1, "Ministers agree sanctions", "European ministers agreed new sanctions against Moscow.", "2023-10-02T11:30", ["Russia"], []),
    ("a.txt", 2, "Containers reach Russian port", "Satellite images show containers from North Korea at a Russian port.", "2023-10-13", ["Russia", "North Korea"], ["Kim Jong Un"]),
    ("b.txt", 0, "Pension protest in Paris", "Thousands marched in Paris against the pension reform.", "2023-03-07T15:00", ["France"], ["Emmanuel Macron"]),
    ("b.txt", 1, None, "An untitled post about the grain deal and shipping.", None, [], []),
    ("c.txt", 0, "Polls close", "Polls closed in Pennsylvania as voters queued.", "2024-11-05T20:50", ["United States"], []),
]


def story(file, position, headline, body, when, countries, people) -> Story:
    return Story(source=f"{file[0]}-news.example", origin=f"/corpus/{file}", position=position, headline=headline,
                 body=[body], url=f"https://{file[0]}-news.example/live", date=when,
                 date_basis="stated" if when else "none", countries=countries, people=people)


def write(store: IndexStore, rows, *, rebuild=True) -> None:
    context = store.rebuild() if rebuild else store.amend()
    with context as out:
        out.begin(len(rows))
        for row in rows:
            out.add(story(*row), f"/corpus/{row[0]}")


@pytest.fixture(params=sorted(BACKENDS), scope="module")
def pair(request, tmp_path_factory):
    make_store, make_backend = BACKENDS[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    store = make_store(folder)
    write(store, STORIES)
    backend = make_backend(folder)
    yield store, backend
    backend.close()


def search(backend: SearchBackend, **params):
    return backend.search(SearchRequest.from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()}))


def test_the_pair_implements_the_protocols(pair):
    store, backend = pair
    assert isinstance(store, IndexStore) and store.exists()
    assert isinstance(backend, SearchBackend)


def test_an_empty_query_matches_every_story_and_pages_them(pair):
    _, backend = pair
    everything = search(backend)
    assert everything.total == len(STORIES)
    pages = [search(backend, per_page="4", page=str(n), sort="oldest").hits for n in (1, 2)]
    ids = [h.id for page in pages for h in page]
    assert len(ids) == len(set(ids)) == len(STORIES)


def test_words_phrases_and_boolean_operators(pair):
    _, backend = pair
    found = {backend.story(h.id)["headline"] for h in search(backend, q="grain").hits}
    assert found == {"Drone strike on grain port", None}
    assert search(backend, q='"grain port"').total == 1
    assert search(backend, q="grain AND NOT drones").total == 1
    assert search(backend, q="Paris OR Pennsylvania").total == 2


def test_filters_excludes_and_dates_agree_with_brute_force(pair):
    _, backend = pair
    russia = [s for s in STORIES if "Russia" in s[5]]
    assert search(backend, country="Russia").total == len(russia)
    assert search(backend, exclude_country="Russia").total == len(STORIES) - len(russia)
    october = [s for s in STORIES if s[4] and s[4].startswith("2023-10")]
    assert search(backend, **{"from": "2023-10", "to": "2023-10"}).total == len(october)


def test_facet_counts_and_histogram_agree_with_brute_force(pair):
    _, backend = pair
    result = search(backend)
    expected = Counter(c for s in STORIES for c in s[5])
    assert {v.value: v.count for v in result.facets["countries"]} == dict(expected)
    assert sum(b["count"] for b in result.dates) == sum(1 for s in STORIES if s[4])


def test_date_sorts_put_undated_last(pair):
    _, backend = pair
    for sort in ("newest", "oldest"):
        hits = search(backend, sort=sort, per_page="100").hits
        dates = [h.date for h in hits]
        assert dates[-1] is None and None not in dates[:-1]
        dated = [d for d in dates if d]
        assert dated == sorted(dated, reverse=sort == "newest")


def test_story_has_its_page_siblings_and_export_gives_every_match(pair):
    _, backend = pair
    middle = next(h for h in search(backend, q="sanctions").hits)
    story_json = backend.story(middle.id)
    assert story_json["headline"] == "Ministers agree sanctions"
    assert story_json["previous"]["headline"] == "Drone strike on grain port"
    assert story_json["next"]["headline"] == "Containers reach Russian port"
    assert backend.story("no-such-id") is None
    exported = list(backend.export(SearchRequest.from_params({"q": ["port"], "sort": ["oldest"]})))
    assert [s["headline"] for s in exported] == ["Drone strike on grain port", "Containers reach Russian port"]


def test_facet_values_and_stats(pair):
    _, backend = pair
    assert [v.value for v in backend.facet_values("country", prefix="nor")] == ["North Korea"]
    figures = backend.stats()
    assert figures["stories"] == len(STORIES)
    assert figures["date_range"]["undated"] == sum(1 for s in STORIES if not s[4])


def test_amend_deletes_by_file_and_adds_and_the_backend_sees_it_without_reopening(tmp_path):
    for name, (make_store, make_backend) in BACKENDS.items():
        store = make_store(tmp_path / name)
        write(store, STORIES)
        backend = make_backend(tmp_path / name)
        assert search(backend, q="Paris").total == 1
        with store.amend() as out:
            out.begin(1)
            out.delete_file("/corpus/b.txt")
            assert out.has_story(story(*STORIES[0]).id, unless_from=set())
            assert not out.has_story(story(*STORIES[0]).id, unless_from={"/corpus/a.txt"})
            out.add(story("d.txt", 0, "Port reopens", "The grain port reopened.", "2023-10-20", ["Ukraine"], []), "/corpus/d.txt")
        assert search(backend, q="Paris").total == 0
        assert search(backend, q="reopened").total == 1
        assert search(backend).total == len(STORIES) - 2 + 1
        backend.close()


def test_a_failed_rebuild_leaves_the_previous_index_live(tmp_path):
    for name, (make_store, make_backend) in BACKENDS.items():
        store = make_store(tmp_path / name)
        write(store, STORIES)
        with pytest.raises(RuntimeError), store.rebuild() as out:
            out.begin(1)
            out.add(story("z.txt", 0, "Half written", "Never committed.", None, [], []), "/corpus/z.txt")
            raise RuntimeError("the build died")
        backend = make_backend(tmp_path / name)
        assert search(backend).total == len(STORIES)
        assert search(backend, q="committed").total == 0
        backend.close()


def test_amend_replaces_and_deletes_stories_by_id_and_lists_a_page(tmp_path):
    """What an update merging live-blog snapshots needs (issue 15: searcher/build.py)."""
    for name, (make_store, make_backend) in BACKENDS.items():
        store = make_store(tmp_path / name)
        write(store, STORIES)
        first, second = story(*STORIES[0]), story(*STORIES[1])
        with store.amend() as out:
            page = out.page_stories("https://a-news.example/live")
            assert set(page) == {story(*row).id for row in STORIES if row[0] == "a.txt"}
            stored, file = page[first.id]
            assert (stored.headline, stored.body, file) == (first.headline, first.body, "/corpus/a.txt")
            out.begin(1)
            first.body, first.first_seen, first.updated = ["Drones hit the port again."], "2024-03-04T10:00:00+00:00", "2024-03-04T14:00:00+00:00"
            out.replace(first, "/corpus/a2.txt")
            out.delete_story(second.id)
        backend = make_backend(tmp_path / name)
        assert search(backend).total == len(STORIES) - 1
        hit = search(backend, q="again").hits[0]
        assert (hit.id, hit.first_seen, hit.updated) == (first.id, "2024-03-04T10:00:00+00:00", "2024-03-04T14:00:00+00:00")
        assert search(backend, q="sanctions").total == 0
        backend.close()
