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
from searcher.backend.manifest import MANIFEST_FORMAT, FileEntry, Fingerprint, file_key, unchanged
from searcher.errors import IndexMissing, NoInputFiles
from searcher.pipeline.ingest import iter_input_files
from searcher.records import Problem, Story
from searcher.snapshots import Merged, Snapshot, merge, read_snapshots


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
            out.append(f"{self.duplicates} repeated posts merged (the same post in several snapshots of a page)")
        if self.skipped:
            out.append(f"{len(self.skipped)} files skipped:")
            out += [f"  {p}" for p in self.skipped]
        if self.warnings:
            out.append(f"{len(self.warnings)} problems in indexed files:")
            out += [f"  {p}" for p in self.warnings]
        return out


@dataclass
class _FileRead:
    """One input file, segmented: its snapshots (one per page) and their stories."""

    key: str  # the absolute path, the manifest and `path` field key
    fingerprint: Fingerprint
    snapshots: list[Snapshot]
    stories: dict[tuple[str, str], Story]  # (origin, story id) -> story
    problems: list[Problem]

    def entry(self) -> FileEntry:
        return FileEntry(self.fingerprint, len(self.stories), len(self.snapshots),
                         [str(p) for p in self.problems], self.snapshots)


def build(
    paths: Iterable[Path], index_dir: Path, *, entities: bool = True, progress: bool = True,
    cluster: str | None = None,
) -> RunSummary:
    """Index every input file under `paths` into a fresh generation, then make it live.

    Snapshots of the same page (same URL) merge into one set of stories (searcher/snapshots.py).
    With `cluster` (a Dask scheduler address, or `local`), files are segmented and stories
    tagged on the cluster's workers (searcher.distributed); merging and writing stay here."""
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
        by_page = _group([s for f in read for s in f.snapshots])
        lookup = {(f.key, origin, sid): story for f in read for (origin, sid), story in f.stories.items()}
        chosen = [
            (_with_snapshot_fields(lookup[(m.source.file, m.source.origin, m.id)], m), m.source.file)
            for snapshots in by_page.values()
            for m in merge(snapshots).values()
        ]
        stories = [story for story, _ in chosen]
        _count(summary, read, by_page, stories)
        out.begin(len(stories))
        if stories:
            out.aliases = _resolve_corpus(stories, store.cache_path, entities, out.known_aliases(), stages, progress)
        for story, key in _bar(chosen, "indexing", "stories", progress):
            out.add(story, key)
        for f in read:
            out.manifest.files[f.key] = f.entry()
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
    """Index new and changed files into the live generation; with `prune`, drop vanished files.

    A new snapshot of a page already indexed merges with the snapshots recorded in the manifest:
    only the page's new, edited, re-dated and newly removed stories are written."""
    store = open_store(index_dir)
    if not store.exists():
        return build(paths, index_dir, entities=entities, progress=progress, cluster=cluster)
    started = time.monotonic()
    summary = RunSummary()
    with _stages(cluster) as stages, store.amend() as out:
        manifest = out.manifest
        if manifest.format < MANIFEST_FORMAT:
            raise IndexMissing(
                f"the index at {index_dir} was built by an older livesearch (no snapshot records); "
                "rebuild it once with `livesearch build PATH`"
            )
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
            out.begin(sum(len(f.stories) for f in read))
            _merge_into(out, read, set(gone), summary, store.cache_path, entities, progress, stages)
            for key in gone:
                del manifest.files[key]
            for f in read:
                manifest.files[f.key] = f.entry()
            summary.files_removed = len(gone)
    summary.seconds = time.monotonic() - started
    return summary


def _merge_into(
    out: IndexWriter,
    read: list[_FileRead],
    gone: set[str],
    summary: RunSummary,
    cache_path: Path,
    entities: bool,
    progress: bool,
    stages=None,
) -> None:
    """Merge the snapshots of `read` (new or changed files) with those recorded for the other
    files, page by page, and write what changed."""
    manifest = out.manifest
    replaced = {f.key for f in read} | gone
    new_snapshots = [s for f in read for s in f.snapshots]
    pages = {s.page for s in new_snapshots}
    pages |= {s.page for key in replaced if key in manifest.files for s in manifest.files[key].snapshots}
    kept = [s for key, entry in manifest.files.items() if key not in replaced
            for s in entry.snapshots if s.page in pages]
    by_page = _group(kept + new_snapshots)
    lookup = {(f.key, origin, sid): story for f in read for (origin, sid), story in f.stories.items()}
    writes: list[tuple[Story | None, Merged]] = []  # None: the story's text is in another file
    deletes: list[str] = []
    for page in pages:
        indexed = out.page_stories(page)
        merged = merge(by_page.get(page, []))
        deletes += [sid for sid in indexed if sid not in merged]
        for sid, m in merged.items():
            story = lookup.get((m.source.file, m.source.origin, sid))
            stored, stored_file = indexed.get(sid, (None, None))
            if story is None and stored is not None and (stored_file, stored.origin) == (m.source.file, m.source.origin):
                if _snapshot_fields(stored, stored_file) == m.fields():
                    continue  # the same text from the same snapshot, the same times: nothing to write
                story = stored if stored.id == sid else None  # (a stored story always rebuilds its id)
            writes.append((story, m))
    # Stories whose kept text is in a file this run did not read (a snapshot was replaced or
    # pruned, so an older one's text wins again): read those files once more.
    missing_files = sorted({m.source.file for story, m in writes if story is None})
    if missing_files:
        for f in _read_files([Path(k) for k in missing_files], RunSummary(), progress=False):
            lookup.update({(f.key, origin, sid): story for (origin, sid), story in f.stories.items()})
    fresh: list[Story] = []
    final: list[tuple[Story, Merged]] = []
    for story, m in writes:
        if story is None:
            story = lookup.get((m.source.file, m.source.origin, m.id))
            if story is None:
                summary.warnings.append(Problem(m.source.file, f"story {m.id} is no longer in this file; run `livesearch update` on it"))
                continue
            fresh.append(story)
        elif (m.source.file, m.source.origin, m.id) in lookup:
            fresh.append(story)
        final.append((_with_snapshot_fields(story, m), m))
    if fresh:
        out.aliases = _resolve_corpus(fresh, cache_path, entities, out.known_aliases(), stages, progress)
    for sid in deletes:
        out.delete_story(sid)
    for story, m in _bar(final, "indexing", "stories", progress):
        out.replace(story, m.source.file)
    _count(summary, read, {p: by_page.get(p, []) for p in pages}, [s for s, _ in final])


def _snapshot_fields(story: Story, file: str) -> tuple:
    """What `Merged.fields` says of a stored story."""
    return (story.first_seen, story.updated, story.removed_after, file, story.origin, story.position)


def _with_snapshot_fields(story: Story, merged: Merged) -> Story:
    story.first_seen, story.updated, story.removed_after = merged.first_seen, merged.updated, merged.removed_after
    story.position = merged.position
    return story


def _group(snapshots: list[Snapshot]) -> dict[str, list[Snapshot]]:
    by_page: dict[str, list[Snapshot]] = {}
    for snap in snapshots:
        by_page.setdefault(snap.page, []).append(snap)
    return by_page


def _count(summary: RunSummary, read: list[_FileRead], by_page: dict, stories: list[Story]) -> None:
    summary.pages += len(by_page)
    summary.stories += len(stories)
    sightings = sum(len(s.posts) for f in read for s in f.snapshots)
    summary.duplicates += sightings - len({(s.page, sid) for f in read for s in f.snapshots for sid, _ in s.posts})


def _input_files(paths: Iterable[Path]) -> list[Path]:
    return sorted({p.resolve() for p in iter_input_files(list(paths))})


@contextmanager
def _stages(cluster: str | None) -> Iterator[ClusterStages | None]:  # noqa: F821
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


def _read_files(paths: list[Path], summary: RunSummary, progress: bool, stages=None) -> list[_FileRead]:
    """Segment every file into its snapshots (here, or on the cluster); a file that fails is
    reported, never fatal."""
    out: list[_FileRead] = []
    bar = _bar(paths, "reading", "files", progress)

    def record(key: str, fingerprint: Fingerprint, snapshots: list[Snapshot],
               stories: dict[tuple[str, str], Story], problems: list[Problem]) -> None:
        out.append(_FileRead(key, fingerprint, snapshots, stories, problems))
        summary.files_read += 1
        if stories:
            summary.warnings += problems
        else:
            summary.skipped += problems or [Problem(key, "no stories found")]
        bar.update()
        bar.set_postfix(stories=sum(len(f.stories) for f in out), refresh=False)

    if stages is not None:
        stages.read(paths, lambda key, fp, snapshots, stories, problems:
                    record(key, Fingerprint(*fp), snapshots, stories, problems))
    else:
        for path in paths:
            key = file_key(path)
            try:
                fingerprint = Fingerprint.of(path)
                snapshots, stories, problems = read_snapshots(path, key, fingerprint.mtime_ns)
            except Exception as exc:  # one unreadable file must not stop a run over thousands
                snapshots, stories, problems = [], {}, [Problem(str(path), f"could not be read: {exc}")]
                fingerprint = Fingerprint(0, 0, "")
            record(key, fingerprint, snapshots, stories, problems)
    bar.close()
    return out


def _resolve_corpus(stories: list[Story], cache_path: Path, entities: bool, known: dict, stages=None,
                    progress: bool = False) -> dict | None:
    """The steps that need every story (always here): one name per outlet, entity tags, corpus-level
    resolution, then the newsroom's curation beside the index (issue 13). Returns the alias table."""
    from searcher.enrich.curation import apply_curation, load_curation
    from searcher.pipeline.outlets import resolve_sources

    curation = load_curation(cache_path.parent)
    resolve_sources(stories, curation.outlets)
    if not entities:
        return None
    if progress:
        print(f"tagging: people, places and organisations in {len(stories)} stories", file=sys.stderr, flush=True)
    return apply_curation(stories, _enrich(stories, cache_path, known, stages), curation)


def _enrich(stories: list[Story], cache_path: Path, known: dict | None = None, stages=None) -> dict:
    """Tag entities (cached by content; here or on the cluster), then resolve them across the
    stories (searcher.enrich.resolve; always here: it needs the whole corpus)."""
    from searcher.enrich.entities import Enricher, ModelMissing, common_nouns, load_model, model_name
    from searcher.enrich.resolve import resolve

    if stages is not None:
        stages.enrich(stories, cache_path)
        try:
            nlp = load_model(model_name())
        except ModelMissing:
            nlp = None
    else:
        enricher = Enricher(cache_path=cache_path)  # spaCy loads only when tagging is asked for
        enricher.enrich(stories)
        nlp = enricher.nlp
    return resolve(stories, known, nouns=common_nouns(nlp) if nlp is not None else frozenset())


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
