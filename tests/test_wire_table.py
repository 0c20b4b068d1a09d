"""The wire-copy table beside the index (searcher/backend/whoosh/wire_table.py) and the fast
MinHash (searcher/enrich/wire.py), against simple slow answers:

- `signature` is bit for bit datasketch's MinHash.update_batch of the same shingles;
- `band_hashes` of N signatures at once is the key of each one alone, and two bands get the
  same key exactly when their values are equal;
- after any sequence of builds and updates (adds, replacements, deletions by story and by
  file) the table on disk holds exactly the indexed stories, each with its group and the
  signature of its stored paragraphs (the reference: the table recomputed from the index);
- adding stories over several updates groups them as one build of the same stories does;
- an index without a table (built before it existed) gets one from its stored stories.
"""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles import examples
from searcher.backend import open_store
from searcher.backend.whoosh.store import current_generation
from searcher.backend.whoosh.wire_table import FILE, WireTable
from searcher.enrich import wire
from searcher.records import Story

WORDS = ["port", "grain", "ships", "odesa", "drone", "said", "the", "of", "navy", "escort", "wheat",
         "corn", "insurers", "premiums", "route", "kyiv", "monday", "attack", "authority", "loaded"]
AGENCY = [  # three agency texts; copies are cut or extended versions of them
    "Ukraine's Black Sea port of Odesa reopened to grain ships on Monday after a week of drone attacks, "
    "the port authority said, and three bulk carriers loaded wheat and corn under naval escort.",
    "Voters in Moldova chose a new parliament on Sunday, with turnout above half of the electorate and "
    "observers from the OSCE reporting a calm day at polling stations across the country.",
    "The central bank raised its main interest rate by half a point to fight inflation, which has stayed "
    "above its target for two years, and said further rises could follow in the spring.",
]
EXTRA = ["Exports had stalled for seven days.", "Kyiv thanked its partners.", "More ships are expected.",
         "The information could not be immediately confirmed."]
OUTLETS = ["a", "b", "c"]
FILES = ["f1", "f2", "f3", "f4"]


def _story(number: int, text: int, extra: int, outlet: str, file: str, cut: bool) -> Story:
    body = AGENCY[text]
    if cut:  # a reprint that cut the end of the sentence
        body = body[: len(body) * 2 // 3]
    paragraphs = [body] + ([EXTRA[extra]] if extra < len(EXTRA) else [])
    return Story(source=f"{outlet}.example", origin=f"/corpus/{file}.txt", position=number, headline=f"Story {number}",
                 body=paragraphs, url=f"https://{outlet}.example/{file}", date="2024-05-06", date_basis="stated")


stories = st.builds(_story, st.integers(0, 40), st.integers(0, len(AGENCY) - 1), st.integers(0, len(EXTRA)),
                    st.sampled_from(OUTLETS), st.sampled_from(FILES), st.booleans())


@settings(max_examples=examples(150, 2000))
@given(st.lists(st.sampled_from(WORDS), min_size=0, max_size=80))
def test_signature_is_datasketchs_minhash(words):
    paragraphs = [" ".join(words)]
    grams = wire.shingles(paragraphs)
    sig = wire.signature(paragraphs)
    if not grams:
        assert sig is None and len(words) < wire.MIN_WORDS
        return
    reference = MinHash(num_perm=wire.NUM_PERM, seed=17)
    reference.update_batch(list(grams))
    assert sig.dtype == np.uint32 and np.array_equal(sig, reference.hashvalues.astype(np.uint32))


@settings(max_examples=examples(150, 2000))
@given(st.lists(st.lists(st.integers(0, 3), min_size=wire.NUM_PERM, max_size=wire.NUM_PERM), min_size=1, max_size=6))
def test_band_keys_are_equal_exactly_when_the_bands_are(rows):
    sigs = np.array(rows, dtype=np.uint32)  # few distinct values, so many bands repeat
    keys = wire.band_hashes(sigs)
    assert keys.shape == (len(rows), wire.BANDS)
    for i, sig in enumerate(sigs):
        assert np.array_equal(keys[i], wire.band_hashes(sig))
        for j, other in enumerate(sigs):
            for b in range(wire.BANDS):
                band = slice(b * wire.ROWS, (b + 1) * wire.ROWS)
                assert (keys[i, b] == keys[j, b]) == np.array_equal(sig[band], other[band])


def _rows(table: WireTable) -> set[tuple]:
    return {(table._ids[r], table._groups[r], table._sources[r], table._paths[r], table._sigs[r].tobytes())
            for r in range(len(table._ids))}


def _stored(folder) -> tuple[WireTable, dict[str, str]]:
    from whoosh import index

    gen = current_generation(folder)
    with index.open_dir(str(gen)).reader() as reader:
        docs = list(reader.all_stored_fields())
    return WireTable.from_documents(docs), {d["id"]: d["wire"] for d in docs}


operations = st.lists(st.tuples(st.sampled_from(["add", "replace", "delete", "delete_file"]), stories),
                      min_size=1, max_size=5)


@settings(max_examples=examples(20, 300))
@given(st.lists(stories, min_size=1, max_size=5), st.lists(operations, min_size=0, max_size=3))
def test_the_table_on_disk_always_holds_the_indexed_stories(tmp_path_factory, first, runs):
    folder = tmp_path_factory.mktemp("wire")
    store = open_store(folder)
    first = list({s.id: s for s in first}.values())  # a build writes each story once
    with store.rebuild() as out:
        out.begin(len(first))
        for s in first:
            out.add(s, s.origin)
    for run in [[]] + runs:
        run = list({s.id: (op, s) for op, s in run}.values())  # an update touches each story once
        if run:
            with store.amend() as out:
                out.begin(len(run))
                for op, s in run:
                    if op == "add" and not out.has_story(s.id, unless_from=set()):
                        out.add(s, s.origin)
                    elif op in ("add", "replace"):
                        out.replace(s, s.origin)
                    elif op == "delete":
                        out.delete_story(s.id)
                    else:
                        out.delete_file(s.origin)
        reference, groups = _stored(folder)
        table = WireTable.load(current_generation(folder))
        assert table is not None and _rows(table) == _rows(reference)
        assert set(groups) >= set(table._ids)  # noqa: SLF001


@settings(max_examples=examples(20, 300))
@given(st.lists(stories, min_size=1, max_size=10), st.lists(st.integers(1, 9), max_size=3))
def test_updates_group_as_one_build_of_the_same_stories(tmp_path_factory, sequence, cuts):
    unique = list({s.id: s for s in sequence}.values())  # one story per id, in first-seen order
    grouper = wire.Grouper()
    expected = {s.id: grouper.group(s.id, wire.signature(s.body), s.source) for s in unique}
    folder = tmp_path_factory.mktemp("runs")
    store = open_store(folder)
    bounds = [0, *sorted({c for c in cuts if c < len(unique)}), len(unique)]
    for n, (start, end) in enumerate(zip(bounds, bounds[1:])):
        with store.rebuild() if n == 0 else store.amend() as out:
            out.begin(end - start)
            for s in unique[start:end]:
                out.add(s, s.origin)
    assert _stored(folder)[1] == expected


def test_an_index_without_a_table_gets_one_from_its_stored_stories(tmp_path):
    store = open_store(tmp_path)
    original = _story(1, 0, 0, "a", "f1", False)
    with store.rebuild() as out:
        out.begin(1)
        out.add(original, original.origin)
    (current_generation(tmp_path) / FILE).unlink()  # as an index built before the table existed
    copy = _story(2, 0, 1, "b", "f2", True)
    with store.amend() as out:
        out.begin(1)
        out.add(copy, copy.origin)
    assert _stored(tmp_path)[1] == {original.id: original.id, copy.id: original.id}
    assert _rows(WireTable.load(current_generation(tmp_path))) == _rows(_stored(tmp_path)[0])
