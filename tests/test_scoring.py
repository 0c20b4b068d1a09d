"""BM25F in numpy (issue 18, searcher/backend/whoosh/scoring.py) gives Whoosh's own scores.

The reference is Whoosh's scorer itself (`Searcher.search(q, limit=None)`: one matcher step,
weight and field-length read per document), the slow answer the numpy scoring replaces, on
random corpora written by the real writer (sometimes amended: deletions, several segments) and
random ranking queries (words over headline and body, AND, OR, AND NOT, phrases relaxed to
their words as `querying.phrases_as_words` ranks them).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiles import examples
from searcher.backend.whoosh import scoring
from searcher.backend.whoosh.querying import parse_query, phrases_as_words
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest
from test_phrases import stories, write

WORDS = ["very", "the", "tide", "pier", "north", "korea", "plan", "counter-terrorism", "unit", "U.S.", "colour"]
words = st.sampled_from(WORDS)


@st.composite
def ranking_queries(draw) -> str:
    def leaf():
        if draw(st.integers(0, 3)) == 0:
            return '"' + " ".join(draw(st.lists(words, min_size=2, max_size=3))) + '"'
        return draw(words)

    q = leaf()
    for _ in range(draw(st.integers(0, 3))):
        q = draw(st.sampled_from(["({a}) AND ({b})", "({a}) OR ({b})", "({a}) AND NOT ({b})", "({a}) ({b})"])).format(
            a=q, b=leaf())
    return q


def whoosh_scores(searcher, query, live) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None) if live[hit.docnum]}


@settings(max_examples=examples(40, 300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(items=stories, amend=st.booleans(), queries=st.lists(ranking_queries(), min_size=3, max_size=8))
def test_numpy_scores_are_whooshs(items, amend, queries):
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "ix", items, amend)
        engine = Engine(Path(tmp) / "ix")
        try:
            snap = engine.backend._current()
            live = snap.columns.live
            saved, scoring.CACHE_MIN_DOCS = scoring.CACHE_MIN_DOCS, 0  # every word through the cache
            try:  # each query twice: postings read, then from the per-segment cache
                got_twice = [[scoring.scores_within(snap.searcher, phrases_as_words(parse_query(text, snap.ix.schema)), live)
                              for text in queries] for _ in range(2)]
            finally:
                scoring.CACHE_MIN_DOCS = saved
            for text, got, cached in zip(queries, *got_twice):
                query = phrases_as_words(parse_query(text, snap.ix.schema))
                assert got is not None and cached is not None, text
                assert np.array_equal(got[0], cached[0]) and np.array_equal(got[1], cached[1]), text
                assert got is not None, text
                ours = dict(zip(got[0].tolist(), got[1].tolist()))
                theirs = whoosh_scores(snap.searcher, query, live)
                assert ours.keys() == theirs.keys(), text
                for doc, score in theirs.items():
                    assert abs(ours[doc] - score) <= 1e-12 * max(1.0, abs(score)), (text, doc, ours[doc], score)
                    if text in WORDS:  # one word over two fields: Whoosh's floats to the bit
                        assert ours[doc] == score, (text, doc)
        finally:
            engine.close()


def test_best_first_is_a_full_sort_cut():
    rng = np.random.default_rng(3)
    docs = np.arange(500)
    values = rng.integers(0, 20, 500).astype(float)  # many ties
    full = scoring.best_first(docs, values, None)
    assert full == sorted(full, key=lambda p: (-p[1], p[0]))
    for limit in (1, 7, 20, 499, 500, 600):
        assert scoring.best_first(docs, values, limit) == full[:limit]


def test_a_shape_it_does_not_score_is_left_to_whoosh(tmp_path):
    write(tmp_path / "ix", [(None, ["the tide on the pier"])], amend=False)
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.backend._current()
        assert scoring.scores(snap.searcher, parse_query("ti*", snap.ix.schema), 1) is None
        result = engine.search(SearchRequest.from_params({"q": ["NOT pier"], "collapse": ["false"]}))
        assert result.total == 0
    finally:
        engine.close()
