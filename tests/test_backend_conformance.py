"""The conformance suite every search backend must pass (searcher.backend: SearchBackend, IndexStore).

Each backend under test is a pair of factories (store for writing, backend for searching) over a
folder. The stories are invented records written straight through the store, so the suite tests
the backend alone, not the pipeline. A second backend joins by adding its pair to BACKENDS.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import parse_qsl

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
    found = {backend.story(h.id).headline for h in search(backend, q="grain").hits}
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
    assert story_json.headline == "Ministers agree sanctions"
    assert story_json.previous.headline == "Drone strike on grain port"
    assert story_json.next.headline == "Containers reach Russian port"
    assert backend.story("no-such-id") is None
    exported = list(backend.export(SearchRequest.from_params({"q": ["port"], "sort": ["oldest"]})))
    assert [s["headline"] for s in exported] == ["Drone strike on grain port", "Containers reach Russian port"]


def test_facet_values_and_stats(pair):
    _, backend = pair
    assert [v.value for v in backend.facet_values("country", prefix="nor")] == ["North Korea"]
    figures = backend.stats()
    assert figures.stories == len(STORIES)
    assert figures.date_range.undated == sum(1 for s in STORIES if not s[4])


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


# ---- beyond matching: co-occurrence, timelines, related stories (issue 17) ------------------
# A planted answer: Rafael Grossi is named in 5 of 30 stories, all about Ukraine (20 of 30);
# 4 of them name Zaporizhzhia (5 of 30), 2 name the IAEA (2 of 30). By frequency Ukraine comes
# first; by how far above chance (NPMI), Zaporizhzhia does, and the IAEA is under min_count 3.

from searcher.search.explore import CooccurrenceRequest, TimelineRequest  # noqa: E402

NUCLEAR = [  # (file, source, headline, body, date, countries, people, places, orgs)
    ("nuke1.txt", "a", "IAEA chief visits Zaporizhzhia plant",
     "Rafael Grossi inspected the reactor halls of the Zaporizhzhia nuclear plant after shelling damaged a cooling pond.",
     "2023-09-04", ["Ukraine"], ["Rafael Grossi"], ["Zaporizhzhia"], ["IAEA"]),
    ("nuke2.txt", "b", "Shelling near Zaporizhzhia nuclear plant",
     "Shelling hit the cooling pond of the Zaporizhzhia nuclear plant, Rafael Grossi said, warning of reactor risks.",
     "2023-09-12", ["Ukraine"], ["Rafael Grossi"], ["Zaporizhzhia"], ["IAEA"]),
    ("nuke3.txt", "c", "Grossi calls for a safety zone",
     "Rafael Grossi asked both armies for a safety zone around the Zaporizhzhia plant.",
     "2023-09-20", ["Ukraine"], ["Rafael Grossi"], ["Zaporizhzhia"], []),
    ("nuke4.txt", "a", "Inspectors rotate at the plant",
     "A new team of inspectors sent by Rafael Grossi reached the Zaporizhzhia station.",
     "2023-10-02", ["Ukraine"], ["Rafael Grossi"], ["Zaporizhzhia"], []),
    ("nuke5.txt", "b", "Grossi warns on nuclear safety",
     "Rafael Grossi told ministers in Kyiv that nuclear safety in Ukraine was fragile.",
     "2023-10-03", ["Ukraine"], ["Rafael Grossi"], ["Kyiv"], []),
    ("zap.txt", "c", "Evacuations in the Zaporizhzhia region",
     "Families left villages of the Zaporizhzhia region by bus.",
     "2023-09-13", ["Ukraine"], [], ["Zaporizhzhia"], []),
] + [
    (f"war{i}.txt", "a", f"Front line report {i}", f"Artillery fire continued along the front near Bakhmut, report {i}.",
     f"2023-08-{i + 1:02d}", ["Ukraine"], [], ["Bakhmut"], [])
    for i in range(14)
] + [
    (f"paris{i}.txt", "b", f"Pension protest {i}", f"Thousands marched in Paris against the pension reform, day {i}.",
     f"2023-03-{i + 1:02d}", ["France"], ["Emmanuel Macron"], ["Paris"], [])
    for i in range(10)
]
SAME_PAGE = ("nuke1.txt", "a", "Grain corridor talks", "Turkey hosted talks on the grain corridor.",
             "2023-09-04", ["Ukraine", "Turkey"], [], [], [])
SNAPSHOT = ("nuke1-later.txt",) + NUCLEAR[0][1:]  # the same post, scraped again later


def nuclear_story(file, source, headline, body, when, countries, people, places, orgs, position=0) -> Story:
    return Story(source=f"{source}-news.example", origin=f"/corpus/{file}", position=position, headline=headline,
                 body=[body], url=f"https://{source}-news.example/{file}", date=when, date_basis="stated",
                 countries=countries, people=people, places=places, organizations=orgs)


@pytest.fixture(params=sorted(BACKENDS), scope="module")
def nuclear(request, tmp_path_factory):
    make_store, make_backend = BACKENDS[request.param]
    folder = tmp_path_factory.mktemp(f"{request.param}-nuclear")
    rows = [(row, 0) for row in NUCLEAR] + [(SAME_PAGE, 1), (SNAPSHOT, 0)]
    with make_store(folder).rebuild() as out:
        out.begin(len(rows))
        for row, position in rows:
            out.add(nuclear_story(*row, position=position), f"/corpus/{row[0]}")
    backend = make_backend(folder)
    yield backend
    backend.close()


def cooccur(backend, **params):
    return backend.cooccurrence(CooccurrenceRequest.from_params(
        {k: v if isinstance(v, list) else [v] for k, v in params.items()}))


def test_cooccurrence_ranks_above_chance_not_by_frequency(nuclear):
    result = cooccur(nuclear, entity="rafael grossi", min_count="4")
    assert (result.entity.facet, result.entity.value, result.found) == ("people", "Rafael Grossi", True)
    assert result.stories == 6  # the five, and the snapshot of the first
    values = [(c.value, c.count) for c in result.items]
    assert values[0] == ("Zaporizhzhia", 5)
    assert ("Ukraine", 6) in values and values.index(("Ukraine", 6)) > 0
    assert "IAEA" not in dict(values)  # 3 shared stories with the snapshot; below min_count 4
    assert not any(c.facet == "sources" for c in result.items)  # outlets are not entities
    first = result.items[0]
    n, n_x = result.universe, result.stories
    assert first.lift == pytest.approx(first.count * n / (n_x * first.total))
    assert -1 <= first.npmi <= 1 and first.pmi > 0
    assert ("person", "Rafael Grossi") in parse_qsl(first.stories) and ("place", "Zaporizhzhia") in parse_qsl(first.stories)
    stories = search(nuclear, **{k: [v for kk, v in parse_qsl(first.stories) if kk == k] for k, _ in parse_qsl(first.stories)})
    assert stories.total == first.count


def test_cooccurrence_min_count_search_scope_edges_and_unknown_entity(nuclear):
    assert "IAEA" in [c.value for c in cooccur(nuclear, entity="Rafael Grossi", min_count="2").items]
    assert "IAEA" not in [c.value for c in cooccur(nuclear, entity="Rafael Grossi", min_count="4").items]
    scoped = cooccur(nuclear, entity="person:Rafael Grossi", q="shelling", min_count="1")
    assert scoped.stories == 3 and scoped.universe == 3  # nuke1, its snapshot, nuke2
    full = cooccur(nuclear, entity="Rafael Grossi", min_count="4")
    names = [c.value for c in full.items]
    assert (names.index("Zaporizhzhia"), names.index("Ukraine"), 5) in {
        (min(a, b), max(a, b), n) for a, b, n in full.edges}
    missing = cooccur(nuclear, entity="Nobody Atall")
    assert not missing.found and missing.stories == 0 and missing.items == []
    whole = cooccur(nuclear, q="pension", min_count="1")  # no entity: what the search's stories share
    assert whole.entity is None and [c.value for c in whole.items][:1] in (["Emmanuel Macron"], ["France"], ["Paris"])


def test_timeline_counts_per_week_on_one_axis(nuclear):
    result = nuclear.timeline(TimelineRequest.from_params(
        {"entity": ["Rafael Grossi", "place:Zaporizhzhia"], "interval": ["week"], "from": ["2023-09-01"], "to": ["2023-10-08"]}))
    assert result.interval == "week"
    assert [b.start.isoformat() for b in result.buckets] == ["2023-08-28", "2023-09-04", "2023-09-11", "2023-09-18", "2023-09-25", "2023-10-02"]
    assert result.buckets[0].end.isoformat() == "2023-09-03"
    grossi, zap = result.series
    assert grossi.counts == [0, 2, 1, 1, 0, 2] and grossi.total == 6
    assert zap.counts == [0, 2, 2, 1, 0, 1]
    link = dict(parse_qsl(grossi.bucket_stories(result.search, result.buckets[1])))
    assert link == {"person": "Rafael Grossi", "from": "2023-09-04", "to": "2023-09-10"}
    assert search(nuclear, **{k: v for k, v in link.items()}).total == 2


def test_timeline_auto_interval_months_and_unfound(nuclear):
    result = nuclear.timeline(TimelineRequest.from_params({"entity": ["France", "Nobody"], "interval": ["month"]}))
    assert result.interval == "month" and result.buckets[0].start.isoformat() == "2023-03-01"
    france, nobody = result.series
    assert france.counts[0] == 10 and sum(france.counts) == 10 and not nobody.found and sum(nobody.counts) == 0
    whole = nuclear.timeline(TimelineRequest.from_params({}))
    assert whole.series[0].entity is None and whole.series[0].total == len(NUCLEAR) + 2
    assert whole.interval == "week"  # March to October 2023


def test_related_stories_share_words_and_entities_but_not_the_page_or_the_same_post(nuclear):
    first = search(nuclear, q='"IAEA chief visits"').hits
    own = next(h for h in first if h.url.endswith("/nuke1.txt"))
    result = nuclear.related(own.id, limit=5)
    headlines = [r.headline for r in result.items]
    assert headlines[0] == "Shelling near Zaporizhzhia nuclear plant"
    assert "Grain corridor talks" not in headlines  # same page
    assert "IAEA chief visits Zaporizhzhia plant" not in headlines  # the same post, later snapshot
    top = result.items[0]
    assert {"Rafael Grossi", "Zaporizhzhia", "IAEA"} <= set(top.shared_entities)
    assert {"shelling", "cooling"} & {w.lower() for w in top.shared_words}
    assert top.why().startswith("shares ")
    assert nuclear.related("no-such-id") is None


# ---- wire copies: one agency text, reprinted with edits by other outlets, is one group -------

AGENCY = ("Ukraine's Black Sea port of Odesa reopened to grain ships on Monday after a week of "
          "drone attacks, the port authority said. Three bulk carriers loaded wheat and corn under naval "
          "escort, and insurers said premiums for the route had fallen for the first time since spring.")
WIRE = [  # (file, source, headline, paragraphs)
    ("w1.txt", "a", "Port of Odesa reopens to grain ships", [AGENCY, "Exports had stalled for seven days."]),
    ("w2.txt", "b", "Grain ships return to Odesa", [AGENCY.replace("on Monday ", "on Monday morning "),
                                                    "Kyiv thanked its partners for the escort."]),  # last paragraph changed
    ("w3.txt", "c", "Odesa port back in business", [AGENCY]),  # a paragraph cut
    ("w4.txt", "d", "Elections in Moldova", ["Voters in Moldova chose a new parliament on Sunday, with turnout "
                                             "above half of the electorate and observers reporting calm."]),
    ("f1.txt", "e", "Council item 1", ["The harbour board discussed dredging plan 1 and the budget for the coming year."] * 3),
    ("f2.txt", "e", "Council item 2", ["The harbour board discussed dredging plan 2 and the budget for the coming year."] * 3),
]


def wire_story(file, source, headline, paragraphs) -> Story:
    return Story(source=f"{source}-news.example", origin=f"/corpus/{file}", position=0, headline=headline,
                 body=list(paragraphs), url=f"https://{source}-news.example/{file}", date="2024-05-06",
                 date_basis="stated")


def test_wire_copies_are_grouped_collapsed_and_listed_and_update_finds_earlier_copies(tmp_path):
    for name, (make_store, make_backend) in BACKENDS.items():
        store = make_store(tmp_path / name)
        with store.rebuild() as out:
            out.begin(len(WIRE))
            for row in WIRE:
                out.add(wire_story(*row), f"/corpus/{row[0]}")
        backend = make_backend(tmp_path / name)
        collapsed = search(backend, q="odesa")
        assert collapsed.total == 1 and collapsed.hits[0].copies == 2
        assert search(backend, q="odesa", collapse="false").total == 3
        assert all(h.copies == 0 for h in search(backend, q="odesa", collapse="false").hits)
        first = backend.story(collapsed.hits[0].id)
        assert sorted(c.source for c in first.copies) == sorted(
            f"{s}-news.example" for _, s, _, _ in WIRE[:3] if f"{s}-news.example" != first.source)
        assert search(backend, q="moldova").hits[0].copies == 0
        assert search(backend, q="dredging").total == 2  # one outlet's formula is not wire copy
        with store.amend() as out:
            out.begin(1)
            out.add(wire_story("w5.txt", "f", "Odesa reopens", [AGENCY, "More ships are expected."]), "/corpus/w5.txt")
        assert search(backend, q="odesa").total == 1 and search(backend, q="odesa").hits[0].copies == 3
        assert search(backend, q="odesa", collapse="false", per_page="1", page="4").total == 4
        related = backend.related(first.id)
        assert not {c.id for c in first.copies} & {r.id for r in related.items}


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
