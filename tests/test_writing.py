"""The faster Whoosh writing (searcher/backend/whoosh/fixes.py) writes what Whoosh's own code
writes: the same terms, postings (documents, weights, positions), stored fields and field
lengths, and the same spelling words. Whoosh as shipped is the reference model."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from profiles import examples
from searcher.backend.whoosh.fixes import whoosh_as_shipped
from searcher.backend.whoosh.schema import make_schema

WORDS = ["Putin", "putin's", "Kyiv", "counter-terrorism", "U.S.", "defence", "defense", "the", "a", "Erdoğan",
         "talks", "talked", "talking", "3.5", "1,000", "e-mail", "O'Brien", "colour", "color", "x"]

texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=40).map(" ".join)
documents = st.lists(
    st.fixed_dictionaries({
        "headline": texts,
        "body": texts,
        "countries": st.lists(st.sampled_from(["Ukraine", "Russia", "Turkey"]), max_size=3, unique=True),
        "people": st.lists(st.text("0123456789abcdef", min_size=4, max_size=8), max_size=4),
    }),
    min_size=1, max_size=30,
)


def write(docs: list[dict], folder: Path, procs: int = 1, limitmb: float = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(folder), make_schema())
    writer = ix.writer(limitmb=limitmb, compound=False, procs=procs, multisegment=procs > 1)
    for n, doc in enumerate(docs):
        writer.add_document(id=f"s{n}", path="p.txt", paragraphs=[doc["body"]], **doc)
    writer.commit()


def contents(folder: Path) -> dict:
    """Everything a reader can see: per field, each term's postings (doc, weight, value);
    stored fields and field lengths per document; each field's term list (spelling words too)."""
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), round(matcher.weight(), 6), matcher.value()))
                matcher.next()
            postings[(fieldname, term)] = items if not fieldname.startswith("spell_") else None
        docs = [(reader.stored_fields(n), [reader.doc_field_length(n, f) for f in ("headline", "body")])
                for n in range(reader.doc_count_all())]
        return {"postings": postings, "docs": docs,
                "lengths": {f: reader.field_length(f) for f in ("headline", "body")}}


@settings(max_examples=examples(ci=40, full=2000))
@given(docs=documents)
def test_faster_writing_writes_what_whoosh_writes(docs):
    assert_writes_what_whoosh_writes(docs)


def assert_writes_what_whoosh_writes(docs: list[dict], limitmb: float = 1, writer=None) -> None:
    """The index our writing makes of `docs` is the one Whoosh as shipped makes (`writer`: a
    `write`-like function, e.g. one adding pair fields)."""
    writer = writer or write
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
        writer(docs, Path(ours), limitmb=limitmb)
        with whoosh_as_shipped():
            writer(docs, Path(theirs), limitmb=limitmb)
        assert contents(Path(ours)) == contents(Path(theirs))


def test_spelling_words_are_written_once_per_segment_not_once_per_story(tmp_path):
    docs = [{"headline": "Talks in Kyiv", "body": "Talks in Kyiv went on", "countries": [], "people": []}] * 50
    write(docs, tmp_path / "ours")
    ix = whoosh_index.open_dir(str(tmp_path / "ours"))
    with ix.reader() as reader:
        assert [t for f, t in reader.all_terms() if f == "spell_body"] == [b"in", b"kyiv", b"on", b"talks", b"went"]
        assert len(list(reader.postings("spell_body", b"kyiv").all_ids())) == 1  # Whoosh wrote 50
        assert reader.doc_frequency("body", "kyiv") == 50  # what corrections rank by


@settings(max_examples=examples(ci=15, full=500))
@given(docs=documents, limitmb=st.sampled_from([0.002, 0.01, 0.05]))
def test_postings_spilled_in_chunked_runs_write_what_whoosh_writes(docs, limitmb):
    """A tiny pool spills many runs (past 128 Whoosh merges runs into runs first, reduce_to)."""
    assert_writes_what_whoosh_writes(docs, limitmb)


@settings(max_examples=examples(ci=30, full=1000))
@given(items=st.lists(st.tuples(st.sampled_from(["body", "headline", "spell_body"]), st.binary(max_size=6),
                                st.integers(0, 10**6), st.floats(0, 100), st.binary(max_size=8)),
                      max_size=400),
       chunk=st.integers(1, 50), maxsize=st.integers(1, 60))
def test_a_spilling_pool_gives_back_every_item_in_order(items, chunk, maxsize):
    """The chunked runs against the slow answer: sorted()."""
    from whoosh.externalsort import SortingPool

    from searcher.backend.whoosh import fixes

    saved, fixes.RUN_CHUNK = fixes.RUN_CHUNK, chunk
    try:
        with tempfile.TemporaryDirectory() as folder:
            pool = SortingPool(maxsize=maxsize, tempdir=folder)
            for item in items:
                pool.add(item)
            assert list(pool.items(maxfiles=3)) == sorted(items)  # maxfiles=3: runs merged into runs too
            assert list(Path(folder).iterdir()) == []  # every run file removed
    finally:
        fixes.RUN_CHUNK = saved
