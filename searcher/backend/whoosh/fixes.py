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
from itertools import islice  # noqa: E402

from whoosh import externalsort as _externalsort, writing as _writing  # noqa: E402
from whoosh.codec.whoosh3 import W3PostingsWriter as _W3PostingsWriter  # noqa: E402

_SPELL_PREFIX = "spell_"


def _pool_add(self, item):
    """PostingPool.add without the asserts, each spelling word once per segment."""
    fieldname = item[0]
    if fieldname.startswith(_SPELL_PREFIX):
        seen = self.__dict__.setdefault("_livesearch_spelling", set())
        key = (fieldname, item[1])
        if key in seen:
            return
        seen.add(key)
    self.fieldnames.add(fieldname)
    self.currentsize += 154 + len(fieldname) + 2 * len(item[1]) + len(item[4] or b"")  # Whoosh's estimate
    if self.currentsize > self.limit:
        self.save()
    self.current.append(item)


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
