"""Building and updating the index on disk.

Layout of an index directory:
    CURRENT               names the live generation; replaced atomically (os.replace) by a build
    gen-<time>/           one Whoosh index plus manifest.json (path -> size, mtime, hash, counts)
    write.lock            held (flock) by the one build or update allowed at a time
    enrich-cache.sqlite   entity tags by story content hash, shared by all generations
    entities.toml         the newsroom's curation (searcher.curation), applied at every build/update
    gen-<time>/aliases.json   the entity alias table of that generation (searcher.resolve)

A build writes a fresh generation and only then flips CURRENT, so a crash at any point leaves the
previous index searchable. An update writes into the live generation through Whoosh's own
transactional commit, then rewrites the manifest atomically.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC, clean_files

from searcher.records import Problem, Story
from searcher.schema import make_schema, story_to_document

POINTER = "CURRENT"
LOCK = "write.lock"
MANIFEST = "manifest.json"
ENRICH_CACHE = "enrich-cache.sqlite"
GENERATION_PREFIX = "gen-"
WRITER_MEMORY_MB = 256
# Below this many stories per process, starting writer processes costs more than it saves.
MIN_STORIES_PER_WRITER_PROCESS = 2000


class IndexBusy(Exception):
    """Another build or update holds the index's write lock."""


class NoInputFiles(Exception):
    """A build found nothing to index; the live index is left as it was."""


class IndexMissing(Exception):
    """No usable index in a directory; the message says what to run."""


class IndexWriteFailed(Exception):
    """The disk refused a write (full, read-only, file too large); the live index is untouched."""


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


def default_index_dir() -> Path:
    return Path(os.environ.get("LIVESEARCH_INDEX", "index"))


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
        return gen, whoosh_index.open_dir(str(gen))
    except Exception as exc:  # Whoosh raises many kinds for damaged files
        raise IndexMissing(
            f"index at {gen} is unreadable ({exc}): rebuild it with `livesearch build PATH`"
        ) from exc


@dataclass
class Fingerprint:
    size: int
    mtime_ns: int
    sha1: str

    @classmethod
    def of(cls, path: Path) -> Fingerprint:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, _file_sha1(path))


@dataclass
class FileEntry:
    """What the manifest remembers of one input file."""

    fingerprint: Fingerprint
    stories: int
    pages: int
    problems: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    built_at: str
    updated_at: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, gen: Path) -> Manifest:
        try:
            data = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
            files = {
                key: FileEntry(Fingerprint(**e["fingerprint"]), e["stories"], e["pages"], e["problems"])
                for key, e in data["files"].items()
            }
            return cls(data["built_at"], data.get("updated_at"), files)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexMissing(
                f"{gen / MANIFEST} is missing or damaged ({exc}): rebuild the index with `livesearch build PATH`"
            ) from exc

    def save(self, gen: Path) -> None:
        data = {
            "built_at": self.built_at,
            "updated_at": self.updated_at,
            "files": {
                key: {
                    "fingerprint": vars(e.fingerprint),
                    "stories": e.stories,
                    "pages": e.pages,
                    "problems": e.problems,
                }
                for key, e in sorted(self.files.items())
            },
        }
        _write_atomically(gen / MANIFEST, json.dumps(data, indent=1))


@dataclass
class RunSummary:
    """What a build or update did, for the closing summary and the tests."""

    files_read: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    pages: int = 0
    stories: int = 0
    duplicates: int = 0
    skipped: list[Problem] = field(default_factory=list)  # files that gave no story, with why
    warnings: list[Problem] = field(default_factory=list)  # problems in files that did index
    seconds: float = 0.0
    changed: bool = False

    def lines(self) -> list[str]:
        """The human summary printed at the end of a run."""
        if not self.changed:
            return [f"index unchanged: {self.files_unchanged} files unchanged ({self.seconds:.1f} s)"]
        out = [
            f"{self.pages} pages, {self.stories} stories from {self.files_read} files "
            f"in {self.seconds:.1f} s"
        ]
        if self.files_unchanged or self.files_removed:
            out.append(f"{self.files_unchanged} files unchanged, {self.files_removed} removed")
        if self.duplicates:
            out.append(f"{self.duplicates} duplicate stories skipped (same id as one already indexed)")
        if self.skipped:
            out.append(f"{len(self.skipped)} files skipped:")
            out += [f"  {p}" for p in self.skipped]
        if self.warnings:
            out.append(f"{len(self.warnings)} problems in indexed files:")
            out += [f"  {p}" for p in self.warnings]
        return out


@dataclass
class _FileStories:
    key: str  # the absolute path, the manifest and `path` field key
    fingerprint: Fingerprint
    stories: list[Story]
    problems: list[Problem]


def build(
    paths: Iterable[Path], index_dir: Path, *, entities: bool = True, progress: bool = True
) -> RunSummary:
    """Index every input file under `paths` into a fresh generation, then make it live."""
    started = time.monotonic()
    paths = list(paths)
    files = _input_files(paths)
    if not files:
        raise NoInputFiles(
            f"no input files under {', '.join(map(str, paths))}: "
            "expected .txt, .html, .htm, .json or .jsonl files"
        )
    index_dir.mkdir(parents=True, exist_ok=True)
    with _disk_errors("build", index_dir), write_lock(index_dir):
        _remove_stale_generations(index_dir)
        gen = index_dir / f"{GENERATION_PREFIX}{time.time_ns()}"
        try:
            gen.mkdir()
            ix = whoosh_index.create_in(str(gen), make_schema())
            summary = RunSummary(changed=True)
            manifest = Manifest(built_at=_now())
            read = _read_files(files, summary, progress)
            aliases = _index_files(ix, read, manifest, summary, index_dir, entities, progress, known_id=None)
            if aliases is not None:
                from searcher.resolve import save_aliases

                save_aliases(aliases, gen)
            manifest.save(gen)
            _fsync_tree(gen)
            _write_atomically(index_dir / POINTER, gen.name)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)  # give back the space a failed build took
            raise
        _remove_stale_generations(index_dir)
    summary.seconds = time.monotonic() - started
    return summary


def update(
    paths: Iterable[Path],
    index_dir: Path,
    *,
    prune: bool = False,
    entities: bool = True,
    progress: bool = True,
) -> RunSummary:
    """Index new and changed files into the live generation; with `prune`, drop vanished files."""
    if current_generation(index_dir) is None:
        return build(paths, index_dir, entities=entities, progress=progress)
    started = time.monotonic()
    with _disk_errors("update", index_dir), write_lock(index_dir):
        gen, ix = open_generation(index_dir)
        manifest = Manifest.load(gen)
        summary = RunSummary()
        changed: list[Path] = []
        for path in _input_files(paths):
            entry = manifest.files.get(_key(path))
            if entry is None or not _unchanged(path, entry):
                changed.append(path)
            else:
                summary.files_unchanged += 1
        gone = [key for key in manifest.files if prune and not Path(key).exists()]
        if changed or gone:
            summary.changed = True
            read = _read_files(changed, summary, progress)
            replaced = {f.key for f in read} | set(gone)
            with ix.searcher() as searcher:
                def known_id(story_id: str) -> bool:
                    doc = searcher.document(id=story_id)
                    return doc is not None and doc["path"] not in replaced

                writer = ix.writer(limitmb=WRITER_MEMORY_MB, compound=False)
                try:
                    for key in replaced:
                        writer.delete_by_term("path", key)
                    for key in gone:
                        del manifest.files[key]
                    summary.files_removed = len(gone)
                    from searcher.resolve import load_aliases, save_aliases

                    aliases = _add_files(
                        writer, read, manifest, summary, index_dir, entities, progress, known_id, load_aliases(gen)
                    )
                    writer.commit()
                    if aliases is not None:
                        save_aliases(aliases, gen)
                except BaseException:
                    _abandon(ix, writer)
                    raise
            manifest.updated_at = _now()
            manifest.save(gen)
    summary.seconds = time.monotonic() - started
    return summary


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer per index directory; the kernel drops the lock if the holder dies."""
    with open(index_dir / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(
                f"another build or update is running on {index_dir}; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _abandon(ix, writer) -> None:
    """Cancel a failed update and delete its unfinished segment's files, which a full disk needs
    back; the last committed state stays live. Cancel itself may fail on a full disk."""
    with suppress(Exception):
        writer.cancel()
    toc = TOC.read(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
    shutil.rmtree(Path(ix.storage.folder) / f"{ix.indexname}.tmp", ignore_errors=True)  # its sort pool


def _input_files(paths: Iterable[Path]) -> list[Path]:
    from searcher.ingest import iter_input_files

    return sorted({p.resolve() for p in iter_input_files(list(paths))})


def _read_files(paths: list[Path], summary: RunSummary, progress: bool) -> list[_FileStories]:
    """Segment every file; a file that fails is reported, never fatal."""
    from searcher.segment import stories_from_file

    out = []
    bar = _bar(paths, "reading", "files", progress)
    for path in bar:
        try:
            fingerprint = Fingerprint.of(path)
            stories, problems = stories_from_file(path)
        except Exception as exc:  # one unreadable file must not stop a run over thousands
            stories, problems = [], [Problem(str(path), f"could not be read: {exc}")]
            fingerprint = Fingerprint(0, 0, "")
        out.append(_FileStories(_key(path), fingerprint, stories, problems))
        summary.files_read += 1
        if stories:
            summary.warnings += problems
        else:
            summary.skipped += problems or [Problem(str(path), "no stories found")]
        bar.set_postfix(stories=sum(len(f.stories) for f in out), refresh=False)
    return out


def _index_files(ix, read, manifest, summary, index_dir, entities, progress, known_id) -> dict | None:
    stories = sum(len(f.stories) for f in read)
    procs = max(1, min(os.cpu_count() or 1, stories // MIN_STORIES_PER_WRITER_PROCESS))
    # Several processes analyse documents at once, each writing its own segment (no final merge).
    writer = ix.writer(limitmb=WRITER_MEMORY_MB, compound=False, procs=procs, multisegment=procs > 1)
    try:
        aliases = _add_files(writer, read, manifest, summary, index_dir, entities, progress, known_id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return aliases


def _add_files(
    writer,
    read: list[_FileStories],
    manifest: Manifest,
    summary: RunSummary,
    index_dir: Path,
    entities: bool,
    progress: bool,
    known_id: Callable[[str], bool] | None,
    known: dict | None = None,
) -> dict | None:
    """Tag, deduplicate and add the stories of `read`, and record each file in the manifest;
    returns the alias table of the entities (None when untagged)."""
    all_stories = [s for f in read for s in f.stories]
    aliases = _resolve_corpus(all_stories, index_dir, entities, known) if all_stories else None
    seen: set[str] = set()
    bar = _bar(read, "indexing", "files", progress)
    for f in bar:
        added = 0
        pages = set()
        for story in f.stories:
            sid = story.id
            if sid in seen or (known_id is not None and known_id(sid)):
                summary.duplicates += 1
                continue
            seen.add(sid)
            writer.add_document(**story_to_document(story, f.key))
            pages.add(story.origin)
            added += 1
        summary.stories += added
        summary.pages += len(pages)
        manifest.files[f.key] = FileEntry(f.fingerprint, added, len(pages), [str(p) for p in f.problems])
        bar.set_postfix(stories=summary.stories, refresh=False)
    return aliases


def _enrich(stories: list[Story], cache_path: Path, known: dict | None = None) -> dict:
    """Tag entities (cached by content), then resolve them across the corpus (searcher.resolve);
    returns the alias table."""
    from searcher.entities import Enricher, common_nouns
    from searcher.resolve import resolve

    enricher = Enricher(cache_path=cache_path)
    enricher.enrich(stories)
    return resolve(stories, known, nouns=common_nouns(enricher.nlp))


def _resolve_corpus(stories: list[Story], index_dir: Path, entities: bool, known: dict | None) -> dict | None:
    """Corpus-level steps after reading: one name per outlet, entity resolution, then the
    newsroom's curation (entities.toml beside the index). Returns the alias table to store."""
    from searcher.curation import apply_curation, load_curation
    from searcher.outlets import resolve_sources

    curation = load_curation(index_dir)
    resolve_sources(stories, curation.outlets)
    if not entities:
        return None
    table = _enrich(stories, index_dir / ENRICH_CACHE, known)
    return apply_curation(stories, table, curation)


def _bar(items, desc: str, unit: str, progress: bool):
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, disable=not progress, file=sys.stderr, leave=False)


def _unchanged(path: Path, entry: FileEntry) -> bool:
    """Same size and mtime, or (after a touch or a copy) the same content."""
    st = path.stat()
    fp = entry.fingerprint
    if st.st_size != fp.size:
        return False
    if st.st_mtime_ns == fp.mtime_ns:
        return True
    if _file_sha1(path) == fp.sha1:
        fp.mtime_ns = st.st_mtime_ns
        return True
    return False


def _key(path: Path) -> str:
    return str(path.resolve())


def _file_sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_tree(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_file():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
