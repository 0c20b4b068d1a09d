"""A fix to Whoosh 2.7's W3 codec, applied on import (by schema.py, so before any index use).

`W3PerDocReader._cached_reader` caches the column readers it finds but not the ones it does not:
for every posting of a field without a lengths column (ID, NUMERIC, DATETIME fields) it asks the
file system again. Committing 4,500 stories made 137,000 `stat` calls and took 20 s; with the
miss cached it takes a fraction of that.
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_original = whoosh3.W3PerDocReader._cached_reader


def _cached_reader(self, fieldname, column):
    misses = self.__dict__.setdefault("_livesearch_missing_columns", set())
    if fieldname in misses:
        return None
    reader = _original(self, fieldname, column)
    if reader is None:
        misses.add(fieldname)
    return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader


# --- Writing: the per-posting Python work of a commit (issue 18) ---
#
# Profile of writing 3,000 generated stories (~170 postings each, one process, cProfile): the
# pool's `add` and the postings writer's `add_posting` check types with asserts on every
# posting; `add_postings` asks the lengths column for every posting's field length (1.85 s of
# a 10.3 s commit); and spelling words (`spelling=True` on headline and body) are added as one
# posting per story for every distinct word (as many postings as the body itself), although
# the spelling list only needs each word once per segment: rewrite.py reads the words
# (`terms_within`) and ranks them by the *body's* document frequency, never the spelling
# field's postings. With the four changes below, writing 5,000 stories in one process went
# from 11.5 s adding + 15.3 s committing to 7.1 s + 4.9 s (load ~5 on 2 cores).
# tests/test_writing.py checks that the index holds what Whoosh's own code writes.

import marshal  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from itertools import islice, repeat  # noqa: E402
from operator import itemgetter  # noqa: E402

from whoosh import externalsort as _externalsort, writing as _writing  # noqa: E402
from whoosh.codec.whoosh3 import W3PostingsWriter as _W3PostingsWriter  # noqa: E402

_SPELL_PREFIX = "spell_"


def _pool_add(self, item):
    """PostingPool.add without the asserts, each spelling word once per segment."""
    fieldname = item[0]
    if fieldname.startswith(_SPELL_PREFIX):
        seen = _spelling_seen(self, fieldname)
        if item[1] in seen:
            return
        seen.add(item[1])
    self.fieldnames.add(fieldname)
    self.currentsize += 154 + len(fieldname) + 2 * len(item[1]) + len(item[4] or b"")  # Whoosh's estimate
    if self.currentsize > self.limit:
        self.save()
    self.current.append(item)


def _spelling_seen(pool, fieldname: str) -> set:
    """The spelling words (bytes) of `fieldname` already in this segment's pool."""
    return pool.__dict__.setdefault("_livesearch_spelling", {}).setdefault(fieldname, set())


def _pool_add_many(pool, fieldname: str, docnum: int, items: list, fieldboost: float) -> int:
    """`_pool_add` for all items of one field of one document (Whoosh's `index()` tuples), in
    one go: the pool sorts its postings when it writes them, so where a run ends changes
    nothing. Returns the field's length (the sum of frequencies). A posting added one call at
    a time cost ~1.8 us; 1.19 M of them in 5,007 stories (cProfile, 2.1 s of 8.2 s)."""
    if fieldname.startswith(_SPELL_PREFIX):
        seen = _spelling_seen(pool, fieldname)
        items = [item for item in items if item[0] not in seen]
        seen.update(map(_TERM, items))
    if not items:
        return 0
    terms, values = list(map(_TERM, items)), list(map(_VALUE, items))
    weights = map(_WEIGHT, items) if fieldboost == 1 else [item[2] * fieldboost for item in items]
    pool.fieldnames.add(fieldname)
    pool.currentsize += ((154 + len(fieldname)) * len(items) + 2 * sum(map(len, terms))
                         + sum(map(len, values)))  # Whoosh's estimate, as _pool_add
    pool.current.extend(zip(repeat(fieldname), terms, repeat(docnum), weights, values))
    if pool.currentsize > pool.limit:
        pool.save()
    return sum(map(_FREQUENCY, items))


_TERM, _FREQUENCY, _WEIGHT, _VALUE = (itemgetter(n) for n in range(4))


def _add_posting(self, id_, weight, vbytes, length=None):
    """W3PostingsWriter.add_posting without the per-posting type asserts."""
    if len(self._ids) >= self._blocklimit:
        self._write_block()
    self._ids.append(id_)
    self._weights.append(weight)
    if weight > self._maxweight:
        self._maxweight = weight
    if vbytes:
        self._values.append(vbytes)
    if length:
        if self._minlength is None or length < self._minlength:
            self._minlength = length
        if length > self._maxlength:
            self._maxlength = length


class _Lengths:
    """The just-written segment's field lengths, read once per field instead of per posting."""

    def __init__(self, reader):
        self.reader = reader
        self.by_field: dict = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self.by_field.get(fieldname)
        if lengths is None:
            count = self.reader.doc_count_all()
            lengths = self.by_field[fieldname] = [
                self.reader.doc_field_length(n, fieldname, default) for n in range(count)
            ]
        return lengths[docnum]


def _flush_segment(self):
    self.perdocwriter.close()
    pdr = self.per_document_reader() if self.codec.length_stats else None
    self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None, self.pool.iter_postings())
    self.fieldwriter.close()
    if pdr:
        pdr.close()


_PATCHES = [
    (_writing.PostingPool, "add", _pool_add),
    (_W3PostingsWriter, "add_posting", _add_posting),
    (_writing.SegmentWriter, "_flush_segment", _flush_segment),
]

_original_write_block = _W3PostingsWriter._write_block


def _write_block(self, last=False):
    """Blocks of a few postings (most terms of `id` and the wire band keys hold one) are written
    uncompressed: the block's header records its compression, and Whoosh meant to skip zlib
    below 20 bytes but overwrote the flag (72,000 zlib calls, 0.9 s of a 9.6 s commit)."""
    if len(self._ids) > 2:
        return _original_write_block(self, last)
    level, self._compression = self._compression, 0
    try:
        return _original_write_block(self, last)
    finally:
        self._compression = level


_PATCHES.append((_W3PostingsWriter, "_write_block", _write_block))


# --- Adding a document: headline and body analysed once each (fastindex.py, issue 18) ---

from whoosh.util.text import utf8encode as _utf8encode  # noqa: E402

from searcher.backend.whoosh import fastindex  # noqa: E402


def _field_kind(writer, fieldname: str, field) -> str | None:
    """fastindex.field_kind, asked once per field of a writer (its schema does not change)."""
    kinds = writer.__dict__.setdefault("_livesearch_kinds", {})
    kind = kinds.get(fieldname, kinds)
    if kind is kinds:
        kind = kinds[fieldname] = fastindex.field_kind(field)
    return kind


def _add_document(self, **fields):
    """SegmentWriter.add_document (Whoosh 2.7) with the items of headline, body, their spelling
    words and their pair fields from one fastindex analysis per text; any other field (and any
    text field with another analyzer) is indexed by Whoosh's own code, unchanged."""
    self._check_state()
    perdocwriter = self.perdocwriter
    schema = self.schema
    docnum = self.docnum
    add_post = self.pool.add

    docboost = self._doc_boost(fields)
    fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
    self._check_fields(schema, fieldnames)
    analysed: dict[str, fastindex.Analysis] = {}  # a text's analysis, for its three fields
    # the fast path adds to the pool in batches, so only to our pool (not Whoosh's as shipped)
    fast = type(self.pool) is _writing.PostingPool and _writing.PostingPool.add is _pool_add

    perdocwriter.start_doc(docnum)
    try:
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            kind = _field_kind(self, fieldname, field) if fast and type(value) is str else None
            analysis = None
            if kind is not None:
                analysis = analysed.get(value)
                if analysis is None:
                    analysis = analysed[value] = fastindex.analyse(value)

            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                if kind is not None:
                    items = (fastindex.text_items(analysis, field.format) if kind == "text"
                             else fastindex.pair_items(analysis, field.format))
                    scored = _pool_add_many(self.pool, fieldname, docnum, items, fieldboost)
                    length = scored if field.scorable else 0
                    if items:
                        vbytes = items[-1][3]
                else:
                    items = field.index(value)
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in items:
                        weight *= fieldboost
                        if scorable:
                            length += freq
                        add_post((fieldname, tbytes, docnum, weight, vbytes))

            if field.separate_spelling():
                spellfield = field.spelling_fieldname(fieldname)
                if kind == "text":
                    words = fastindex.spelling_words(analysis)
                    if words:  # each with Whoosh's value: the field's last posting's (sic)
                        _pool_add_many(self.pool, spellfield, 0, [(w.encode("utf-8"), 1, 1, vbytes) for w in words], 1)
                else:
                    for word in field.spellable_words(value):
                        word = _utf8encode(word)[0]
                        add_post((spellfield, word, 0, 1, vbytes))  # sic: the last posting's value

            vformat = field.vector
            if vformat:
                vitems = vformat.word_values(value, field.analyzer, mode="index")
                vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                perdocwriter.add_vector_items(fieldname, field, vitems)

            customval = fields.get("_stored_%s" % fieldname, value)
            sv = customval if field.stored else None
            perdocwriter.add_field(fieldname, field, sv, length)

            column = field.column_type
            if column and customval is not None:
                cv = field.to_column_value(customval)
                perdocwriter.add_column_value(fieldname, column, cv)
    except Exception as ex:
        perdocwriter.cancel_doc()
        raise ex

    perdocwriter.finish_doc()
    self._added = True
    self.docnum += 1


_PATCHES.append((_writing.SegmentWriter, "add_document", _add_document))


# Past WRITER_MEMORY_MB a writer's pool sorts its postings and spills them to a run file; the
# commit merges the runs. Whoosh writes and reads a run with one marshal call per posting on a
# file object; at 1M stories (two writers, ~150M postings each, 19 GB of runs in the 1M run)
# that is every posting through Python twice more. A run is written as marshalled lists of
# RUN_CHUNK postings and read back a list at a time: one marshal call per chunk.

RUN_CHUNK = 10_000


def _write_run(self, f, items):
    try:
        if isinstance(items, list):  # save(): the sorted pool
            for start in range(0, len(items), RUN_CHUNK):
                marshal.dump(items[start:start + RUN_CHUNK], f, 2)
        else:  # reduce_to(): a merge of runs
            iterator = iter(items)
            while chunk := list(islice(iterator, RUN_CHUNK)):
                marshal.dump(chunk, f, 2)
    finally:
        f.close()


def _read_run(self, path):
    f = self._open_run(path)
    try:
        while True:
            try:
                chunk = marshal.load(f)
            except EOFError:
                return
            yield from chunk
    finally:
        f.close()
        self._remove_run(path)


_PATCHES += [(_externalsort.SortingPool, "_write_run", _write_run), (_externalsort.SortingPool, "_read_run", _read_run)]
_SHIPPED = [(owner, name, owner.__dict__[name]) for owner, name, _ in _PATCHES]
for _owner, _name, _function in _PATCHES:
    setattr(_owner, _name, _function)


@contextmanager
def whoosh_as_shipped():
    """Whoosh's own writing code for the block (the reference the writing tests compare with)."""
    for owner, name, function in _SHIPPED:
        setattr(owner, name, function)
    try:
        yield
    finally:
        for owner, name, function in _PATCHES:
            setattr(owner, name, function)


# --- Whoosh's writer processes die with the build (procs > 1) ---
#
# `SubWriterTask` waits on its job queue for ever; when the build's process was killed, the
# writers it had forked stayed alive, holding gigabytes (seen in the 1M run) and writing into an
# abandoned generation. They now get SIGTERM when their parent dies, as the stage workers do.

from whoosh import multiproc as _multiproc  # noqa: E402

from searcher.workers import die_with_parent  # noqa: E402

_original_task_run = _multiproc.SubWriterTask.run


def _task_run(self):
    die_with_parent()
    return _original_task_run(self)


_multiproc.SubWriterTask.run = _task_run
