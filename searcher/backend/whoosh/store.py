"""The index directory on disk: generations, the manifest, the writer lock (the Whoosh store).

Layout of an index directory:
    CURRENT               names the live generation; replaced atomically (os.replace) by a build
    gen-<time>/           one Whoosh index plus manifest.json (path -> size, mtime, hash, counts)
    write.lock            held (lockf) by the one build or update allowed at a time
    enrich-cache.sqlite   entity tags by story content hash, shared by all generations
    entities.toml         the newsroom's curation (searcher.enrich.curation), applied at every build/update
    gen-<time>/aliases.json   the generation's entity alias table (searcher.enrich.resolve)

The manifest also keeps, per input file, its snapshots (page key, scrape time, post ids and
content hashes: searcher/snapshots.py), so an update merges a new snapshot of a page with the
ones already indexed without reading them again.

A build writes a fresh generation and only then flips CURRENT, so a crash at any point leaves the
previous index searchable. An update writes into the live generation through Whoosh's own
transactional commit, then rewrites the manifest atomically.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC, clean_files

from searcher.backend import NOT_GIVEN
from searcher.backend.manifest import (  # noqa: F401  (re-exported: the store's manifest)
    fsync_dir,
    MANIFEST,
    MANIFEST_FORMAT,
    FileEntry,
    Fingerprint,
    Manifest,
    file_key,
    now_iso,
    unchanged,
    write_atomically,
)
from searcher.backend.whoosh.schema import SCHEMA_VERSION, document_to_story, facet_fields, make_schema, story_to_document
from searcher.backend.whoosh.wire_table import FILE as WIRE_TABLE, WireTable
from searcher.errors import IndexBusy, IndexMissing, IndexOutdated, IndexWriteFailed
from searcher.enrich import wire
from searcher.records import Story

POINTER = "CURRENT"
LOCK = "write.lock"
ENRICH_CACHE = "enrich-cache.sqlite"
GENERATION_PREFIX = "gen-"
WRITER_MEMORY_MB = 256
# Below this many stories per process, starting writer processes costs more than it saves.
MIN_STORIES_PER_WRITER_PROCESS = 2000


@contextmanager
def _disk_errors(what: str, index_dir: Path) -> Iterator[None]:
    """Turn an OSError mid-run into IndexWriteFailed, whose message says what is safe and what to do."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise IndexWriteFailed(
            f"{what} of {index_dir} failed: {exc.strerror or exc}{where}. The previous index is "
            f"unchanged and still searchable; free some disk space (or fix permissions) and run it again"
        ) from exc


def current_generation(index_dir: Path) -> Path | None:
    """The live generation directory, or None when there is no (finished) build yet."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    gen = index_dir / name
    return gen if name.startswith(GENERATION_PREFIX) and gen.is_dir() else None


def open_generation(index_dir: Path) -> tuple[Path, whoosh_index.FileIndex]:
    """Open the live generation, or raise IndexMissing with the command that fixes it."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexMissing(f"no index at {index_dir}: run `livesearch build PATH`")
    try:
        ix = whoosh_index.open_dir(str(gen))
    except Exception as exc:  # Whoosh raises many kinds for damaged files
        raise IndexMissing(
            f"index at {gen} is unreadable ({exc}): rebuild it with `livesearch build PATH`"
        ) from exc
    check_schema_version(gen)
    return gen, ix


def check_schema_version(gen: Path) -> None:
    """Refuse a generation built under another schema version (see schema.SCHEMA_VERSION)."""
    version = Manifest.load(gen).schema_version
    if version != SCHEMA_VERSION:
        built = f"version {version}" if version else "an older version"
        raise IndexOutdated(
            f"the index at {gen.parent} was built by {built} of livesearch's indexing and this one "
            f"reads version {SCHEMA_VERSION} (version 3 adds word pairs for phrases; 2 indexes every word, stop words included): "
            f"rebuild it with `livesearch build PATH`"
        )


class GenerationWriter:
    """The write side of one generation: stories are added and deleted by their input file.

    The Whoosh writer opens on `begin`, once the caller knows how many stories are coming:
    a large build is written by several processes, each making its own segment."""

    def __init__(self, ix, manifest: Manifest, searcher=None):
        self.ix = ix
        self.manifest = manifest
        self._searcher = searcher  # the state before this run (update), to find stories kept
        self._writer = None
        self._table: WireTable | None = WireTable.empty() if searcher is None else None
        self._wire = wire.Grouper(lambda hashes: self.wire_table().candidates(hashes))
        self.aliases: dict | None = None  # set by the build; written into the generation on success
        self.generation: Path | None = None
        self._prepared: deque[tuple[str, str, object]] = deque()  # (story id, wire group, signature), in order
        self.commit_seconds = 0.0

    def known_aliases(self) -> dict:
        """The live generation's alias table when amending; empty for a fresh generation."""
        from searcher.enrich.resolve import load_aliases

        if self.aliases is not None:  # this run's table (an update that re-applied the curation)
            return self.aliases
        return load_aliases(self.generation if self._searcher is not None else None)

    def save_aliases(self, gen: Path) -> None:
        if self.aliases is not None:
            from searcher.enrich.resolve import save_aliases

            save_aliases(self.aliases, gen)

    def begin(self, expected_stories: int) -> None:
        if self._writer is not None:
            return  # an update that re-applied the curation began already
        procs = 1
        if self._searcher is None:  # a fresh generation
            procs = max(1, min(os.cpu_count() or 1, expected_stories // MIN_STORIES_PER_WRITER_PROCESS))
        self._writer = self.ix.writer(
            limitmb=WRITER_MEMORY_MB, compound=False, procs=procs, multisegment=procs > 1
        )

    def add(self, story: Story, file_key: str) -> None:
        self._writer.add_document(**self._document(story, file_key))

    def prepare(self, story: Story, file_key: str, signature=NOT_GIVEN) -> None:
        """Do now the part of `add` that needs no facets (the wire-copy signature and group,
        in the order of adding), so a build can do it while entity tags are still coming.
        Stories must then be added in the order they were prepared. `signature`: the body's
        `wire.signature`, when the build's reader processes computed it already."""
        sig = wire.signature(story.body) if signature is NOT_GIVEN else signature
        self._prepared.append((story.id, self._wire.group(story.id, sig, story.source), sig))

    def _document(self, story: Story, file_key: str) -> dict:
        """The story's document with its wire-copy group (its signature goes to the wire table)."""
        doc = story_to_document(story, file_key)
        if self._prepared:
            prepared_id, group, sig = self._prepared.popleft()
            if prepared_id != story.id:
                raise RuntimeError(f"story {story.id} added out of order: {prepared_id} was prepared next")
            doc["wire"] = group
        else:
            sig = wire.signature(story.body)
            doc["wire"] = self._wire.group(story.id, sig, story.source)
        if sig is not None:
            self.wire_table().add(story.id, doc["wire"], story.source, file_key, sig)
        return doc

    def wire_table(self) -> WireTable:
        """The signatures of the stories indexed before this run (read on first use), plus this
        run's: where `update` finds the earlier copies of a new story."""
        if self._table is None:
            self._table = WireTable.load(self.generation)
            if self._table is None:  # a generation built before the table existed
                self._table = WireTable.from_documents(self._searcher.reader().all_stored_fields())
        return self._table

    def save_wire_table(self, gen: Path) -> None:
        if self._table is not None and (self._table.changed or not (gen / WIRE_TABLE).exists()):
            self._table.save(gen)

    def commit(self) -> None:
        clock = time.monotonic()
        self._writer.commit()
        self.commit_seconds += time.monotonic() - clock

    def replace(self, story: Story, file_key: str) -> None:
        """Write a story in place of the one with its id (if any)."""
        self.wire_table().drop_story(story.id)
        self._writer.update_document(**self._document(story, file_key))

    def delete_story(self, story_id: str) -> None:
        self.wire_table().drop_story(story_id)
        self._writer.delete_by_term("id", story_id)

    def page_stories(self, page: str) -> dict[str, tuple[Story, str]]:
        """The stories of one page (by page key) as they were before this run, each with the
        input file it was written from, by story id."""
        if self._searcher is None:
            return {}
        return {doc["id"]: (document_to_story(doc), doc["path"]) for doc in self._searcher.documents(page=page)}

    def all_stories(self) -> list[tuple[Story, str]]:
        """Every story as it was before this run, with the input file it was written from."""
        if self._searcher is None:
            return []
        return [(document_to_story(doc), doc["path"]) for doc in self._searcher.documents()]

    def stories_with(self, facets: Iterable[str], matches: Callable[[str], bool]) -> list[tuple[Story, str]]:
        """The stories (as before this run, with their input files) holding a value of one of
        `facets` that `matches`: the facet fields' lexicons are scanned, not the stories."""
        if self._searcher is None:
            return []
        reader = self._searcher.reader()
        docnums: set[int] = set()
        for facet in facets:
            field = facet_fields().get(facet)
            if field is None or field not in reader.schema:
                continue
            for term in reader.lexicon(field):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                if matches(value):
                    docnums.update(reader.postings(field, term).all_ids())
        stored = (self._searcher.stored_fields(n) for n in sorted(docnums) if not reader.is_deleted(n))
        return [(document_to_story(doc), doc["path"]) for doc in stored]

    def delete_file(self, file_key: str) -> None:
        """Drop every story indexed from `file_key` (its manifest entry is the caller's)."""
        self.wire_table().drop_file(file_key)
        self._writer.delete_by_term("path", file_key)

    def has_story(self, story_id: str, unless_from: set[str]) -> bool:
        """A story with this id is indexed already, from a file not in `unless_from`."""
        if self._searcher is None:
            return False
        doc = self._searcher.document(id=story_id)
        return doc is not None and doc["path"] not in unless_from


class WhooshStore:
    """The index directory: generations behind an atomic pointer, one writer at a time."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self.cache_path = self.index_dir / ENRICH_CACHE

    def exists(self) -> bool:
        return current_generation(self.index_dir) is not None

    @contextmanager
    def rebuild(self) -> Iterator[GenerationWriter]:
        """A fresh generation, made live only when the block completes (with the lock held)."""
        index_dir = self.index_dir
        index_dir.mkdir(parents=True, exist_ok=True)
        with _disk_errors("build", index_dir), write_lock(index_dir):
            _remove_stale_generations(index_dir)
            gen = index_dir / f"{GENERATION_PREFIX}{time.time_ns()}"
            try:
                gen.mkdir()
                out = GenerationWriter(whoosh_index.create_in(str(gen), make_schema()), Manifest(built_at=now_iso(), schema_version=SCHEMA_VERSION))
                try:
                    yield out
                except BaseException:
                    if out._writer is not None:
                        out._writer.cancel()
                    raise
                if out._writer is not None:
                    out.commit()
                out.save_aliases(gen)
                out.save_wire_table(gen)
                out.manifest.save(gen)
                _fsync_tree(gen)
                write_atomically(index_dir / POINTER, gen.name)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)  # give back the space a failed build took
                raise
            _remove_stale_generations(index_dir)

    @contextmanager
    def amend(self) -> Iterator[GenerationWriter]:
        """The live generation, changed by one transactional commit when the block completes;
        nothing is written when the block never calls `begin`."""
        with _disk_errors("update", self.index_dir), write_lock(self.index_dir):
            gen, ix = open_generation(self.index_dir)
            manifest = Manifest.load(gen)
            with ix.searcher() as searcher:
                out = GenerationWriter(ix, manifest, searcher)
                out.generation = gen
                try:
                    yield out
                    if out._writer is not None:
                        out.commit()
                except BaseException:
                    if out._writer is not None:
                        _abandon(ix, out._writer)
                    raise
            if out._writer is not None or out.aliases is not None:
                out.save_aliases(gen)  # also when a curation change touched no story: it is recorded
            if out._writer is not None:
                out.save_wire_table(gen)
                manifest.updated_at = now_iso()
                manifest.save(gen)


_HELD_HERE: set[str] = set()  # index directories this process is writing
_HELD_GUARD = threading.Lock()


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer per index directory; the lock ends with the process that holds it.

    A POSIX record lock (`lockf`), not `flock`: an `flock` lock belongs to the open file, which
    every forked worker (readers, taggers, Whoosh's writer processes) shares, so a build killed
    with SIGKILL stayed locked until its last orphaned worker had exited (CI saw IndexBusy on
    the very next build). A record lock belongs to the process and the kernel drops it the
    moment that process dies. Record locks do not exclude a second writer in the same process,
    so a set of the directories held here does that (a curation write beside `serve`), before
    the file is opened: closing any descriptor of the file would drop the process's lock, so
    nothing else may open it."""
    key = str(Path(index_dir).resolve())
    with _HELD_GUARD:
        if key in _HELD_HERE:
            raise _busy(index_dir)
        _HELD_HERE.add(key)
    try:
        with open(index_dir / LOCK, "a") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:  # EAGAIN or EACCES: another process holds it
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise _busy(index_dir) from None
            try:
                yield
            finally:
                fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        with _HELD_GUARD:
            _HELD_HERE.discard(key)


def _busy(index_dir: Path) -> IndexBusy:
    return IndexBusy(f"another build or update is running on {index_dir}; wait for it to finish")


def _abandon(ix, writer) -> None:
    """Cancel a failed update and delete its unfinished segment's files, which a full disk needs
    back; the last committed state stays live. Cancel itself may fail on a full disk."""
    with suppress(Exception):
        writer.cancel()
    toc = TOC.read(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
    shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)  # its sort pool


def _fsync_tree(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_file():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(directory)


def _remove_stale_generations(index_dir: Path) -> None:
    """Keep the live generation and the one before it (searchers may still read it); drop the
    rest, including half-written ones left by a killed build. Call with the write lock held."""
    live = current_generation(index_dir)
    gens = sorted(
        (p for p in index_dir.iterdir() if p.is_dir() and p.name.startswith(GENERATION_PREFIX)),
        key=_generation_number,
    )
    keep = set()
    if live is not None:
        older = [g for g in gens if _generation_number(g) < _generation_number(live)]
        keep = {live.name} | ({older[-1].name} if older else set())
    for gen in gens:
        if gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)


def _generation_number(gen: Path) -> int:
    suffix = gen.name[len(GENERATION_PREFIX):]
    return int(suffix) if suffix.isdigit() else -1
