"""Phrases from word pairs (issue 18, searcher/backend/whoosh/phrases.py) match exactly what
Whoosh's position-checking phrase matcher matches.

The reference here is Whoosh itself (`Searcher.docs_for_query` on the parsed phrase: intersect
the words' postings, compare their positions), the slow simple answer the pair field replaces.
Texts mix what the analyser treats specially: compounds (`counter-terrorism` indexes `counter`,
`terrorism` and `counterterrorism`), acronyms (`U.S.`), possessives (`O'Brien's`), accents,
British spellings, repeated words (`very very`), capitals and paragraph breaks. The brute-force
reference model (tests/test_reference_model.py) covers phrases of 2-5 plain words through the
whole engine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import query as wquery

from profiles import examples
from searcher.backend.whoosh import multiterm
from searcher.backend.whoosh import phrases
from searcher.backend.whoosh.analysis import PairAnalyzer, pair_term, phrase_pairs
from searcher.backend.whoosh.querying import parse_query
from searcher.backend.whoosh.store import WhooshStore
from searcher.records import Story
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest

WORDS = ["very", "the", "of", "tide", "pier", "north", "korea", "plan", "counter-terrorism", "counter",
         "terrorism", "counterterrorism", "unit", "U.S.", "us", "O'Brien's", "obrien", "brien", "o",
         "Erdoğan", "erdogan", "colour", "color", "e-mail", "mail", "it's", "3.5", "a"]
SEPARATORS = [" ", " ", " ", ", ", ". ", " - ", "\n"]

words = st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.capitalize()]))
runs = st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), min_size=1, max_size=12).map(
    lambda ws: "".join(w + sep for w, sep in ws).strip(" ,.-\n"))


def story(n: int, headline: str | None, paragraphs: list[str]) -> Story:
    return Story(source="pairs.example", origin=f"/srv/{n % 3}.txt", position=n, headline=headline,
                 body=paragraphs, url=f"https://pairs.example/{n % 3}", page_title="Pairs", date=None,
                 date_basis="none", anchor=f"p{n}")


stories = st.lists(st.tuples(st.none() | runs, st.lists(runs, min_size=1, max_size=3)), min_size=1, max_size=10)


@st.composite
def phrase_texts(draw, texts: list[str]) -> str:
    """2-5 words: a run of a story's own text (so phrases match) or drawn from WORDS."""
    if texts and draw(st.booleans()):
        tokens = draw(st.sampled_from(texts)).replace("\n", " ").replace(",", " ").split()
        tokens = [t for t in tokens if t not in ("-", ".")] or ["tide"]
        size = draw(st.integers(2, 5))
        start = draw(st.integers(0, max(0, len(tokens) - size)))
        chosen = tokens[start:start + size]
        if len(chosen) < 2:
            chosen = chosen * 2
    else:
        chosen = draw(st.lists(words, min_size=2, max_size=5))
    return '"' + " ".join(t.strip(".") or "a" for t in chosen) + '"'


def write(folder: Path, items: list[tuple], amend: bool) -> None:
    """The stories through the real writer; with `amend`, a second commit replacing file 0's
    stories by their second half (deleted documents, a second segment)."""
    made = [story(n, h, b) for n, (h, b) in enumerate(items)]
    store = WhooshStore(folder)
    with store.rebuild() as out:
        out.begin(len(made))
        for s in made:
            out.add(s, s.origin)
    if amend:
        with store.amend() as out:
            kept = [s for s in made if s.origin == "/srv/0.txt"][1::2]
            out.begin(len(kept))
            out.delete_file("/srv/0.txt")
            for s in kept:
                out.add(s, s.origin)


def whoosh_matches(engine: Engine, q: str) -> set[int]:
    snap = engine.backend._current()
    live = snap.columns.live
    return {d for d in snap.searcher.docs_for_query(parse_query(q, snap.ix.schema)) if live[d]}


def pair_matches(engine: Engine, q: str) -> set[int]:
    snap = engine.backend._current()
    mask = multiterm.match(snap.searcher, parse_query(q, snap.ix.schema), len(snap.columns.live))
    return set(np.flatnonzero(mask & snap.columns.live).tolist())


@settings(max_examples=examples(40, 300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(items=stories, amend=st.booleans(), data=st.data())
def test_pair_matching_is_whooshs_phrase_matching(items, amend, data):
    texts = [t for h, b in items for t in ([h] if h else []) + b]
    queries = data.draw(st.lists(phrase_texts(texts), min_size=4, max_size=8))
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "ix", items, amend)
        engine = Engine(Path(tmp) / "ix")
        try:
            for q in queries:
                assert pair_matches(engine, q) == whoosh_matches(engine, q), q
                for extra in (f"{q} OR tide", f"pier AND NOT {q}", f"({q}) ({q[:-1]} very\")"):
                    assert pair_matches(engine, extra) == whoosh_matches(engine, extra), extra
        finally:
            engine.close()


def test_a_compound_pairs_every_term_with_its_neighbours():
    pairs = {t.text for t in PairAnalyzer()("the Counter-Terrorism unit")}
    assert pairs == {pair_term(a, b) for a, b in [("the", "counter"), ("counter", "terror"),
                                                  ("counter", "counterterror"), ("terror", "unit"),
                                                  ("counterterror", "unit")]}


def test_pairs_cross_paragraphs_as_phrases_do():
    assert pair_term("pier", "north") in {t.text for t in PairAnalyzer()("the pier\nnorth korea")}


def test_a_phrase_asks_for_each_pair_once():
    assert phrase_pairs(["very", "very", "very"]) == [pair_term("very", "very")]
    assert phrase_pairs(["a", "b", "a", "b"]) == [pair_term("a", "b"), pair_term("b", "a")]


def test_repeated_and_longer_phrases_are_verified(tmp_path):
    """Candidates hold every pair; only those with the words in a row match."""
    items = [(None, ["very good and very very good"]), (None, ["very good very"]),
             (None, ["the tide on the pier"]), (None, ["the tide on the beach, on the pier"]),
             ("North Korea plan", ["korea plan north korea"])]
    write(tmp_path / "ix", items, amend=False)
    engine = Engine(tmp_path / "ix")

    def found(q):
        result = engine.search(SearchRequest.from_params({"q": [q], "literal": ["1"], "collapse": ["false"]}))
        return result.total, [h.snippet for h in result.hits]

    try:
        assert found('"very very"')[0] == 1
        assert found('"very very very"')[0] == 0
        assert found('"good very"')[0] == 1
        assert found('"the tide on the pier"')[0] == 1  # story 3 holds every pair, not the run
        assert found('"north korea plan"')[0] == 1
        total, snippets = found('"on the pier"')
        assert total == 2 and all("<mark>on the pier</mark>" in s for s in snippets)
    finally:
        engine.close()


def test_what_pairs_cannot_answer_is_left_to_whoosh(tmp_path):
    """A phrase with slop, or over a field without pairs, is Whoosh's to match (None)."""
    write(tmp_path / "ix", [(None, ["the tide on the pier"])], amend=False)
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.backend._current()
        phrase = parse_query('"tide on"~2', snap.ix.schema).subqueries[1]
        assert phrases.phrase_mask(snap.searcher, phrase, 1) is None
        assert phrases.phrase_mask(snap.searcher, wquery.Phrase("page", ["tide", "on"]), 1) is None
        exact = parse_query('"tide on"', snap.ix.schema).subqueries[1]
        assert phrases.phrase_mask(snap.searcher, exact, 1).tolist() == [True]
    finally:
        engine.close()


# ---- verification over many posting blocks (Whoosh writes 128 postings a block) ----------------

FEW = ["tide", "pier", "north", "korea", "plan"]


@settings(max_examples=examples(8, 100), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(150, 600), amend=st.booleans(),
       queries=st.lists(st.lists(st.sampled_from(FEW), min_size=3, max_size=4).map(" ".join),
                        min_size=2, max_size=5))
def test_longer_phrases_verified_across_blocks_are_whooshs(seed, size, amend, queries):
    """Five words in hundreds of stories: each word's postings span several blocks, so the
    block-wise position reading (phrases._positions) meets every block edge."""
    import random

    rng = random.Random(seed)
    items = [(None, [" ".join(rng.choice(FEW) for _ in range(rng.randint(3, 9)))]) for _ in range(size)]
    with tempfile.TemporaryDirectory() as tmp:
        write(Path(tmp) / "ix", items, amend)
        engine = Engine(Path(tmp) / "ix")
        try:
            for words in queries:
                q = f'"{words}"'
                assert pair_matches(engine, q) == whoosh_matches(engine, q), q
        finally:
            engine.close()


def test_a_phrase_stopped_by_the_time_budget_keeps_only_verified_stories(tmp_path):
    """Verification stopped part-way returns a subset of the answer and says it is incomplete."""
    from searcher.search import budget

    items = [(None, ["north korea plan tide " * 3])] * 400 + [(None, ["plan korea north"])] * 400
    write(tmp_path / "ix", items, False)
    engine = Engine(tmp_path / "ix")
    try:
        snap = engine.backend._current()
        reader = snap.searcher.reader()
        btexts = [w.encode() for w in ("north", "korea", "plan")]
        pairs = [b"north korea", b"korea plan"]
        candidates = phrases._candidates(reader, "body_pairs", pairs)
        full, complete = phrases._verified(reader, "body", btexts, candidates)
        assert complete and len(full) == 400
        saved = phrases.BLOCKS_BETWEEN_CHECKS
        phrases.BLOCKS_BETWEEN_CHECKS = 1
        try:
            with budget.within(0.0, fresh=True):
                part, complete = phrases._verified(reader, "body", btexts, candidates)
        finally:
            phrases.BLOCKS_BETWEEN_CHECKS = saved
        assert not complete and set(part.tolist()) < set(full.tolist())
        assert phrases._verified_stepwise(reader, "body", btexts, candidates)[0].tolist() == full.tolist()
    finally:
        engine.close()
