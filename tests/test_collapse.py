"""Collapsing wire copies changes the rows shown, never what is counted (issue 17).

For any search over an index full of wire copies (invented agency stories reprinted with edits
by other outlets, tests/test_wire.py's constructed set, across countries and months):
- `total` and every facet count are the same with collapse on and off: they count stories, so
  one value per story (the outlet) sums to `total`;
- with collapse on, the groups shown (each hit with the other matching stories of its wire
  group) are disjoint and their union is exactly the match set of collapse=false; there are
  `groups` of them, and `copies` of each hit is its group's other matching stories.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles import examples
from searcher.backend import open_backend, open_store
from searcher.records import Story
from searcher.search.request import SearchRequest
from test_wire import constructed_set

COUNTRIES = ["Ukraine", "Russia", "France", "Moldova"]
PER_PAGE = 100  # the API's most


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("collapse")
    rows = constructed_set(originals=60, seed=5)
    with open_store(folder).rebuild() as out:
        out.begin(len(rows))
        for n, (group, outlet, paragraphs) in enumerate(rows):
            story = Story(source=f"{outlet}.example", origin=f"/corpus/{n}.txt", position=0, headline=None,
                          body=paragraphs, url=f"https://{outlet}.example/live/{n}",
                          date=f"2023-{1 + n % 12:02d}-{1 + n % 27:02d}", date_basis="stated",
                          countries=[COUNTRIES[(group + n) % len(COUNTRIES)]])
            out.add(story, story.origin)
    words = sorted({w for _, _, ps in rows for p in ps for w in re.findall(r"[a-z]{5,}", p.lower())})
    backend = open_backend(folder)
    yield backend, words[:: max(1, len(words) // 60)]
    backend.close()


def _all_hits(backend, req: SearchRequest) -> list:
    hits, page = [], 1
    while True:
        result = backend.search(SearchRequest(**{**vars(req), "page": page, "per_page": PER_PAGE}))
        hits += result.hits
        if page * PER_PAGE >= result.rows:
            return hits
        page += 1


requests = st.builds(
    lambda words, country, months, sort: (words, country, months, sort),
    st.lists(st.integers(0, 59), max_size=2), st.none() | st.sampled_from(COUNTRIES),
    st.none() | st.tuples(st.integers(1, 12), st.integers(0, 11)), st.sampled_from(["relevance", "newest", "oldest"]))


@settings(max_examples=examples(40, 2000))
@given(requests)
def test_collapse_shows_each_group_once_and_counts_every_story(index, drawn):
    backend, vocabulary = index
    words, country, months, sort = drawn
    req = SearchRequest(q=" OR ".join(vocabulary[w % len(vocabulary)] for w in words), sort=sort,
                        filters={"countries": [country]} if country else {})
    if months:
        first = months[0]
        req.date_from, req.date_to = date(2023, first, 1), date(2023, min(12, first + months[1]), 28)
    flat = backend.search(SearchRequest(**{**vars(req), "collapse": False, "per_page": 1}))
    grouped = backend.search(SearchRequest(**{**vars(req), "collapse": True, "per_page": 1}))
    assert flat.groups is None and grouped.total == flat.total
    assert grouped.facets == flat.facets and grouped.dates == flat.dates
    assert sum(v.count for v in grouped.facets["sources"]) == grouped.total  # one outlet per story

    matches = {h.id for h in _all_hits(backend, SearchRequest(**{**vars(req), "collapse": False}))}
    assert len(matches) == flat.total
    shown = _all_hits(backend, req)
    assert len(shown) == grouped.groups <= grouped.total
    union: set[str] = set()
    for hit in shown:
        group = {hit.id} | ({c.id for c in backend.story(hit.id).copies} & matches)
        assert not group & union and hit.copies == len(group) - 1
        union |= group
    assert union == matches
