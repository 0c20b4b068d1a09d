"""Hot-path caches per index state (issue 18, searcher/backend/whoosh/columns.py): the value
arrays, live mask, date column and every filter or date mask are made once per index state and
shared by the threads of a process; a change of the index makes new ones; the mask cache stays
within its byte bound; and a cached mask is always the one a fresh computation gives."""

from __future__ import annotations

import tempfile
import threading
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiles import examples
from searcher.backend.whoosh import columns as columns_module
from searcher.backend.whoosh.store import WhooshStore
from searcher.records import Story
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest

COUNTRIES = ["Aland", "Borduria", "Syldavia", "Zembla"]
FIRST = date(2023, 1, 1)


def story(n: int, countries: list[str], day: int | None, source: str = "a.example") -> Story:
    return Story(source=source, origin=f"/srv/{n % 2}.txt", position=n, headline=f"Story {n}",
                 body=[f"tide pier number{n}"], url=f"https://x.example/{n % 2}", page_title="P",
                 date=None if day is None else (FIRST + timedelta(days=day)).isoformat(),
                 date_basis="none" if day is None else "stated", countries=countries, anchor=f"s{n}")


def write(folder: Path, stories: list[Story]) -> None:
    with WhooshStore(folder).rebuild() as out:
        out.begin(len(stories))
        for s in stories:
            out.add(s, s.origin)


def add(folder: Path, stories: list[Story]) -> None:
    with WhooshStore(folder).amend() as out:
        out.begin(len(stories))
        for s in stories:
            out.add(s, s.origin)


def search(engine: Engine, **params) -> int:
    return engine.search(SearchRequest.from_params({k: [v] for k, v in params.items()} | {"collapse": ["false"]})).total


@pytest.fixture
def index(tmp_path) -> Path:
    write(tmp_path / "ix", [story(n, [COUNTRIES[n % 4]], n if n % 5 else None) for n in range(40)])
    return tmp_path / "ix"


def test_threads_share_one_columns_and_one_mask_per_filter(index):
    engine = Engine(index)
    seen, totals = [], []

    def worker():
        totals.append(search(engine, country="Borduria", **{"from": "2023-01-05", "to": "2023-01-30"}))
        seen.append(engine.backend._current().columns)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(totals)) == 1 and totals[0] > 0
    assert len({id(c) for c in seen}) == 1  # four searchers, one Columns
    cols = seen[0]
    assert [k for k in cols._masks if k[0] == "value"] == [("value", "countries", "Borduria")]
    assert [k[0] for k in cols._masks].count("dates") == 1
    assert not cols.live.flags.writeable and not cols.times.flags.writeable


def test_a_change_of_the_index_gives_new_columns_and_masks(index):
    engine = Engine(index)
    before = search(engine, country="Zembla")
    old = engine.backend._current().columns
    add(index, [story(100 + n, ["Zembla"], 3, source="b.example") for n in range(3)])
    assert search(engine, country="Zembla") == before + 3
    assert engine.backend._current().columns is not old


@settings(max_examples=examples(15, 100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    items=st.lists(st.tuples(st.lists(st.sampled_from(COUNTRIES), unique=True, max_size=2),
                             st.none() | st.integers(0, 60)), min_size=1, max_size=30),
    asks=st.lists(st.tuples(st.sampled_from([*COUNTRIES, "zembla", "Atlantis"]),
                            st.none() | st.integers(-5, 65), st.none() | st.integers(-5, 65)), min_size=1, max_size=25),
    bound=st.integers(1, 200),
)
def test_cached_masks_are_fresh_ones_within_the_byte_bound(items, asks, bound):
    saved = columns_module.MASK_CACHE_BYTES
    columns_module.MASK_CACHE_BYTES = bound  # a few masks of up to 30 bytes: evictions all the time
    try:
        with tempfile.TemporaryDirectory() as tmp:
            write(Path(tmp) / "ix", [story(n, c, d) for n, (c, d) in enumerate(items)])
            engine = Engine(Path(tmp) / "ix")
            cols = engine.backend._current().columns
            for value, a, b in asks + asks:  # asked twice: the second time from the cache (if kept)
                start = None if a is None else FIRST + timedelta(days=a)
                end = None if b is None else FIRST + timedelta(days=b)
                expected = np.array([value.casefold() in {c.casefold() for c in countries}
                                     for countries, _ in items])
                assert cols.value_mask("countries", value).tolist() == expected.tolist()
                days = [None if d is None else FIRST + timedelta(days=d) for _, d in items]
                in_range = [d is not None and (start is None or d >= start) and (end is None or d <= end) for d in days]
                assert cols.date_mask(start, end).tolist() == in_range
                assert cols._mask_bytes <= max(bound, max(m.nbytes for m in cols._masks.values()))
                assert cols._mask_bytes == sum(m.nbytes for m in cols._masks.values())
            engine.close()
    finally:
        columns_module.MASK_CACHE_BYTES = saved
