"""Build orchestration: files -> pipeline (read, segment, date) -> enrich -> the backend's writer.

`build` writes a fresh generation made live only when complete; `update` re-reads new and
changed files into the live one. Storage details (generations, manifest, lock) belong to the
backend's store; this module only decides what to read and what to write.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from searcher.backend import IndexWriter, open_store
from searcher.backend.whoosh.store import Fingerprint, FileEntry, file_key, unchanged
from searcher.errors import NoInputFiles
from searcher.pipeline.ingest import iter_input_files
from searcher.pipeline.segment import stories_from_file
from searcher.records import Problem, Story


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
    paths: Iterable[Path], index_dir: Path, *, entities: bool = True, progress: bool = True,
    cluster: str | None = None,
) -> RunSummary:
    """Index every input file under `paths` into a fresh generation, then make it live.

    With `cluster` (a Dask scheduler address, or `local`), files are segmented and stories
    tagged on the cluster's workers (searcher.distributed); writing stays here."""
    started = time.monotonic()
    paths = list(paths)
    files = _input_files(paths)
    if not files:
        raise NoInputFiles(
            f"no input files under {', '.join(map(str, paths))}: "
            "expected .txt, .html, .htm, .json or .jsonl files"
        )
    store = open_store(index_dir)
    summary = RunSummary(changed=True)
    with _stages(cluster) as stages, store.rebuild() as out:
        read = _read_files(files, summary, progress, stages)
        out.begin(sum(len(f.stories) for f in read))
        _add_files(out, read, summary, store.cache_path, entities, progress, replacing=set(), stages=stages)
    summary.seconds = time.monotonic() - started
    return summary


def update(
    paths: Iterable[Path],
    index_dir: Path,
    *,
    prune: bool = False,
    entities: bool = True,
    progress: bool = True,
    cluster: str | None = None,
) -> RunSummary:
    """Index new and changed files into the live generation; with `prune`, drop vanished files."""
    store = open_store(index_dir)
    if not store.exists():
        return build(paths, index_dir, entities=entities, progress=progress, cluster=cluster)
    started = time.monotonic()
    summary = RunSummary()
    with _stages(cluster) as stages, store.amend() as out:
        manifest = out.manifest
        changed: list[Path] = []
        for path in _input_files(paths):
            entry = manifest.files.get(file_key(path))
            if entry is None or not unchanged(path, entry):
                changed.append(path)
            else:
                summary.files_unchanged += 1
        gone = [key for key in manifest.files if prune and not Path(key).exists()]
        if changed or gone:
            summary.changed = True
            read = _read_files(changed, summary, progress, stages)
            replaced = {f.key for f in read} | set(gone)
            out.begin(sum(len(f.stories) for f in read))
            for key in replaced:
                out.delete_file(key)
            for key in gone:
                del manifest.files[key]
            summary.files_removed = len(gone)
            _add_files(out, read, summary, store.cache_path, entities, progress, replacing=replaced, stages=stages)
    summary.seconds = time.monotonic() - started
    return summary


def _input_files(paths: Iterable[Path]) -> list[Path]:
    return sorted({p.resolve() for p in iter_input_files(list(paths))})


@contextmanager
def _stages(cluster: str | None) -> Iterator[ClusterStages | None]:
    """The cluster's read and tag stages for the run, or None to run them here."""
    if not cluster:
        yield None
        return
    from searcher.distributed import ClusterStages

    stages = ClusterStages(cluster)
    try:
        yield stages
    finally:
        stages.close()


def _read_files(paths: list[Path], summary: RunSummary, progress: bool, stages=None) -> list[_FileStories]:
    """Segment every file (here, or on the cluster); a file that fails is reported, never fatal."""
    out: list[_FileStories] = []
    bar = _bar(paths, "reading", "files", progress)

    def record(key: str, fingerprint: Fingerprint, stories: list[Story], problems: list[Problem]) -> None:
        out.append(_FileStories(key, fingerprint, stories, problems))
        summary.files_read += 1
        if stories:
            summary.warnings += problems
        else:
            summary.skipped += problems or [Problem(key, "no stories found")]
        bar.update()
        bar.set_postfix(stories=sum(len(f.stories) for f in out), refresh=False)

    if stages is not None:
        stages.read(paths, lambda key, fp, stories, problems: record(key, Fingerprint(*fp), stories, problems))
    else:
        for path in paths:
            try:
                fingerprint = Fingerprint.of(path)
                stories, problems = stories_from_file(path)
            except Exception as exc:  # one unreadable file must not stop a run over thousands
                stories, problems = [], [Problem(str(path), f"could not be read: {exc}")]
                fingerprint = Fingerprint(0, 0, "")
            record(file_key(path), fingerprint, stories, problems)
    bar.close()
    return out


def _add_files(
    out: IndexWriter,
    read: list[_FileStories],
    summary: RunSummary,
    cache_path: Path,
    entities: bool,
    progress: bool,
    replacing: set[str],
    stages=None,
) -> None:
    """Tag, deduplicate and add the stories of `read`, and record each file in the manifest."""
    all_stories = [s for f in read for s in f.stories]
    if entities and all_stories:
        if progress:
            print(f"tagging: people, places and organisations in {len(all_stories)} stories", file=sys.stderr, flush=True)
        _enrich(all_stories, cache_path, stages)
    seen: set[str] = set()
    bar = _bar(read, "indexing", "files", progress)
    for f in bar:
        added = 0
        pages = set()
        for story in f.stories:
            sid = story.id
            if sid in seen or out.has_story(sid, unless_from=replacing):
                summary.duplicates += 1
                continue
            seen.add(sid)
            out.add(story, f.key)
            pages.add(story.origin)
            added += 1
        summary.stories += added
        summary.pages += len(pages)
        out.manifest.files[f.key] = FileEntry(f.fingerprint, added, len(pages), [str(p) for p in f.problems])
        bar.set_postfix(stories=summary.stories, refresh=False)


def _enrich(stories: list[Story], cache_path: Path, stages=None) -> None:
    """Tag entities (cached by content; here or on the cluster), then merge spelling variants
    across the stories (always here: it needs the whole corpus)."""
    from searcher.enrich.names import canonicalize

    if stages is not None:
        stages.enrich(stories, cache_path)
    else:
        from searcher.enrich.entities import Enricher  # spaCy loads only when tagging is asked for

        Enricher(cache_path=cache_path).enrich(stories)
    canonicalize(stories)


def _bar(items, desc: str, unit: str, progress: bool):
    """A tqdm bar on a terminal; elsewhere (CI, cron, `2> build.log`) a few plain lines, since
    a bar's redraws would fill the log."""
    if progress and not _is_terminal(sys.stderr):
        return StageLines(items, desc, unit, sys.stderr)
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, total=len(items), disable=not progress, file=sys.stderr, leave=False)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class StageLines:
    """Progress as short lines: one when a stage starts, one every ~10% or 30 s, one at the end
    (`indexing: 120/120 files, stories=2003, 4.1 s`). Used like the tqdm bar it replaces:
    iterated, or driven with update() and close()."""

    EVERY_SECONDS = 30.0
    STEPS = 10

    def __init__(self, items, desc: str, unit: str, stream, clock=time.monotonic):
        self.items = list(items)
        self.desc, self.unit, self.stream, self.clock = desc, unit, stream, clock
        self.postfix: dict = {}
        self.done = 0
        self.started = self.last_print = clock()
        self.next_step = 1
        self.closed = False
        self._line()

    def set_postfix(self, refresh: bool = False, **values) -> None:
        self.postfix = values

    def _line(self, last: bool = False) -> None:
        extra = "".join(f", {k}={v}" for k, v in self.postfix.items())
        took = f", {self.clock() - self.started:.1f} s" if last else ""
        print(f"{self.desc}: {self.done}/{len(self.items)} {self.unit}{extra}{took}", file=self.stream, flush=True)

    def update(self, n: int = 1) -> None:
        self.done += n
        total, now = len(self.items), self.clock()
        if self.done >= total:
            return  # close() prints the last line, with the final figures
        if self.done * self.STEPS >= self.next_step * total or now - self.last_print >= self.EVERY_SECONDS:
            self.next_step = self.done * self.STEPS // total + 1
            self.last_print = now
            self._line()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._line(last=True)

    def __iter__(self):
        for item in self.items:
            yield item
            self.update()
        self.close()
