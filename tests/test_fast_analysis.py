"""Index-time fast analysis (searcher/backend/whoosh/fastindex.py, issue 18) gives exactly what
Whoosh's own chain gives: `fields.TEXT(...).index()` items (terms, frequencies, weights,
encoded positions, in Whoosh's order), `spellable_words()`, and the pair field's terms
(`PairField(PairAnalyzer(...)).index()`). Whoosh's code with `text_analyzer()` is the reference
model; whole indexes and search results are compared with Whoosh's writing as shipped."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh import index as whoosh_index

from profiles import examples
from searcher.backend.whoosh import fastindex
from searcher.backend.whoosh.analysis import PairAnalyzer, text_analyzer
from searcher.backend.whoosh.fixes import whoosh_as_shipped
from searcher.backend.whoosh.schema import HEADLINE_BOOST, PAIR_FIELDS, PairField, make_schema
from searcher.backend.whoosh.store import WhooshStore
from searcher.records import Story
from searcher.search.engine import Engine
from searcher.search.request import SearchRequest
from test_writing import assert_writes_what_whoosh_writes
from test_writing import write as write_documents

TRICKY = [
    "U.S.", "u.s", "U.S.-led", "U.N.'s", "O'Brien's", "O’Brien’s", "Zelensky's", "it’s", "'s", "s'",
    "counter-terrorism", "counter‐terrorism", "non‑stop", "e-mail", "rock'n'roll", "a.b.c.d",
    "3.5", "1,000", "1.2.3", "2-3", "x-1", "3.5-fold", "٣٫٥", "Erdoğan", "İstanbul", "ÉCOLE", "naïve",
    "Straße", "ﬁnance", "Ⅻ", "colour", "Colourful", "defence", "organisation", "travelled",
    "mobilised", "paediatric", "talks", "talked", "TALKING", "the", "a", "_", "__init__", "x",
]
SEPARATORS = [" ", "  ", "\n", "\t", ", ", ". ", " - ", " — ", "-", "'", "’", "“", "”", ".", "/", ""]
ALPHABET = "abcXYZéÉøğİıßﬁ0123456789_-‐‑'’. \n,"

pieces = st.one_of(st.sampled_from(TRICKY), st.text(ALPHABET, max_size=12))
texts = st.lists(st.tuples(pieces, st.sampled_from(SEPARATORS)), max_size=30).map(
    lambda ws: "".join(w + sep for w, sep in ws))


def write(docs: list[dict], folder: Path, procs: int = 1, limitmb: float = 1) -> None:
    """test_writing's writer, with each text's pair field given the text (as story_to_document)."""
    write_documents([{**doc, **{pairs: doc[text] for text, pairs in PAIR_FIELDS.items()}} for doc in docs],
                    folder, procs, limitmb)


def reference_field(boost: float = 1.0) -> fields.TEXT:
    return fields.TEXT(analyzer=text_analyzer(), field_boost=boost, spelling=True)


@contextmanager
def words_limit(limit: int):
    """The word memo at another bound (cleared first): results must not depend on it."""
    saved = fastindex.WORDS_LIMIT
    fastindex.WORDS_LIMIT = limit
    fastindex._WORDS.clear()
    fastindex._CHARS.clear()
    try:
        yield
    finally:
        fastindex.WORDS_LIMIT = saved


@settings(max_examples=examples(ci=150, full=5000), suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, boost=st.sampled_from([1.0, HEADLINE_BOOST, 0.5]), limit=st.sampled_from([2, 50, 100_000]))
def test_text_items_and_spelling_words_are_whooshs(text, boost, limit):
    field = reference_field(boost)
    with words_limit(limit):
        for _ in range(2):  # a cold memo, then a warm one
            analysis = fastindex.analyse(text)
            assert fastindex.text_items(analysis, field.format) == list(field.index(text))
            assert fastindex.spelling_words(analysis) == list(field.spellable_words(text))


@settings(max_examples=examples(ci=150, full=5000), suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, limit=st.sampled_from([2, 100_000]))
def test_pair_items_are_whooshs(text, limit):
    field = PairField(PairAnalyzer(text_analyzer()))
    with words_limit(limit):
        got = fastindex.pair_items(fastindex.analyse(text), field.format)
    assert sorted(got) == sorted(field.index(text))
    assert len(got) == len(set(got))


@settings(max_examples=examples(ci=150, full=5000), suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, limit=st.sampled_from([2, 100_000]))
def test_highlighting_tokens_are_whooshs(text, limit):
    """Terms, positions and characters, in order: what highlight.py marks from."""
    expected = [(t.text, t.pos, t.startchar, t.endchar)
                for t in text_analyzer()(text, positions=True, chars=True, mode="index")]
    with words_limit(limit):
        for _ in range(2):  # a cold memo, then a warm one
            assert fastindex.tokens(text) == expected


def test_highlighting_marks_the_same_with_and_without_the_fast_path():
    from searcher.backend.whoosh.highlight import Highlighter, Marks

    marks = Marks(frozenset({"counterterror", "talk", "us"}), frozenset({("o", "brien"), ("north", "korea")}))
    text = "U.S.-led counter-terrorism TALKS with O’Brien's team; North Korea talked. " * 3
    fast, slow = Highlighter(marks), Highlighter(marks)
    slow._fast = False
    assert fast._fast and fast.spans(text) == slow.spans(text) != []
    assert fast.snippet([text]) == slow.snippet([text])


def test_field_length_counts_every_term_of_a_compound():
    field = reference_field()
    items = fastindex.text_items(fastindex.analyse("Counter-terrorism talks"), field.format)
    assert [(term, freq) for term, freq, _, _ in items] == [
        (b"counter", 1), (b"terror", 1), (b"counterterror", 1), (b"talk", 1)]
    assert sum(freq for _, freq, _, _ in items) == 4  # what Whoosh stores as the field's length


def test_only_fields_analysed_by_text_analyzer_take_the_fast_path():
    schema = make_schema()
    assert fastindex.field_kind(schema["body"]) == "text"
    assert fastindex.field_kind(schema["headline_pairs"]) == "pairs"
    assert fastindex.field_kind(schema["id"]) is None
    assert fastindex.field_kind(fields.TEXT()) is None  # Whoosh's StandardAnalyzer: Whoosh's code
    assert fastindex.field_kind(fields.TEXT(analyzer=text_analyzer(), chars=True)) is None


# ---- whole indexes: the fast path against Whoosh's writing as shipped ----

documents = st.lists(
    st.fixed_dictionaries({"headline": texts, "body": texts, "countries": st.just([]), "people": st.just([])},
                          optional={"_boost": st.sampled_from([0.5, 2.0]), "_body_boost": st.just(3.0)}),
    min_size=1, max_size=12,
)


@settings(max_examples=examples(ci=25, full=500), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=documents, limitmb=st.sampled_from([0.005, 1]))  # 0.005: the pool spills runs
def test_an_index_written_fast_is_the_index_whoosh_writes(docs, limitmb):
    assert_writes_what_whoosh_writes(docs, limitmb, writer=write)


def by_story(folder: Path) -> dict:
    """An index's postings and field lengths keyed by story id, not document number (writer
    processes take batches in any order), across all segments."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        ids = {n: fields_["id"] for n, fields_ in reader.iter_docs()}
        postings = {}
        for fieldname, term in reader.all_terms():
            if fieldname.startswith("spell_"):
                postings[(fieldname, term)] = None
                continue
            matcher = reader.postings(fieldname, term)
            items = []
            while matcher.is_active():
                items.append((ids[matcher.id()], round(matcher.weight(), 6), matcher.value()))
                matcher.next()
            postings[(fieldname, term)] = sorted(items)
        lengths = {ids[n]: [reader.doc_field_length(n, f) for f in ("headline", "body")] for n in ids}
        return {"postings": postings, "lengths": lengths}


def test_writer_processes_write_what_whoosh_writes(tmp_path):
    docs = [{"headline": " ".join(TRICKY[n % 7::5]), "body": " ".join(TRICKY[n % 11::3]) + f" story{n}",
             "countries": [], "people": []} for n in range(250)]
    write(docs, tmp_path / "ours", procs=2)
    with whoosh_as_shipped():
        write(docs, tmp_path / "theirs", procs=2)
    ours = by_story(tmp_path / "ours")
    assert ours == by_story(tmp_path / "theirs")
    assert len(ours["lengths"]) == 250 and ours["postings"][("body_pairs", b"counterterror e")]


def test_an_index_of_plain_whoosh_text_fields_still_opens_and_searches(tmp_path):
    """An index whose schema holds Whoosh's own TEXT fields (as before issue 18, or with another
    analyzer) is written by Whoosh's code and reads as before."""
    schema = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT(spelling=True),
                           mine=fields.TEXT(analyzer=text_analyzer(), spelling=True))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    writer = ix.writer()
    writer.add_document(id="a", body="Talks in Kyiv", mine="Counter-terrorism talks in Kyiv")
    writer.add_document(id="b", body="Talks went on", mine="Defence talks")
    writer.commit()
    ix = whoosh_index.open_dir(str(tmp_path))
    with ix.reader() as reader:
        assert b"kyiv" in set(reader.lexicon("body")) and b"talks" in set(reader.lexicon("body"))
        assert set(reader.lexicon("mine")) >= {b"counterterror", b"defens", b"talk"}
    from whoosh.qparser import QueryParser
    with ix.searcher() as searcher:
        for field, q, expected in [("body", '"talks in kyiv"', ["a"]), ("mine", '"counter terrorism"', ["a"]),
                                   ("mine", "defense", ["b"]), ("body", "talks", ["a", "b"])]:
            hits = searcher.search(QueryParser(field, ix.schema).parse(q))
            assert sorted(h["id"] for h in hits) == expected, q


STORIES = [
    ("Counter-terrorism talks in Kyiv", ["U.S. officials met O'Brien's team in Kyiv.", "Talks on defence went on."]),
    ("Erdoğan's colour revolution", ["Erdogan spoke of the colour of the e-mail.", "3.5 per cent, 1,000 troops."]),
    (None, ["The counter terrorism unit's e‑mail", "Defense talks: the U.S.-led coalition in İstanbul."]),
    ("Talks talked talking", ["Counterterrorism and counter-terrorism and counter terrorism."]),
]
QUERIES = ['"counter terrorism"', "counter-terrorism", '"talks in kyiv"', "defence", "U.S.", "erdogan",
           '"the colour"', "kyiv OR istanbul", '"us officials"', "e-mail", "talk", '"1,000 troops"']


def build(folder: Path) -> None:
    made = [Story(source="fast.example", origin=f"/srv/{n % 2}.txt", position=n, headline=h, body=b,
                  url=f"https://fast.example/{n % 2}", page_title="Fast", date=None, date_basis="none",
                  anchor=f"p{n}") for n, (h, b) in enumerate(STORIES * 3)]
    with WhooshStore(folder).rebuild() as out:
        out.begin(len(made))
        for s in made:
            out.add(s, s.origin)


def results(folder: Path) -> dict:
    engine = Engine(folder)
    try:
        found = {}
        for q in QUERIES:
            for literal in ("0", "1"):
                r = engine.search(SearchRequest.from_params({"q": [q], "literal": [literal], "collapse": ["false"]}))
                found[(q, literal)] = (r.total, [(h.id, round(h.score or 0, 6), h.snippet) for h in r.hits])
        return found
    finally:
        engine.close()


def test_search_results_are_those_of_an_index_whoosh_wrote(tmp_path):
    build(tmp_path / "ours")
    with whoosh_as_shipped():
        build(tmp_path / "theirs")
    ours, theirs = results(tmp_path / "ours"), results(tmp_path / "theirs")
    assert ours == theirs
    assert ours[('"counter terrorism"', "1")][0] == 9  # every story but Erdoğan's: both spellings
    assert ours[('"talks in kyiv"', "1")][0] == 3
