"""Build orchestration: files -> pipeline (read, segment, date) -> enrich -> the backend's writer.

`build` writes a fresh generation made live only when complete; `update` re-reads new and
changed files into the live one. Storage details (generations, manifest, lock) belong to the
backend's store; this module only decides what to read and what to write.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from searcher.backend import NOT_GIVEN, IndexWriter, open_store
from searcher.backend.manifest import MANIFEST_FORMAT, FileEntry, Fingerprint, file_key, unchanged
from searcher.distributed import segment_file
from searcher.errors import IndexMissing, NoInputFiles
from searcher.pipeline.ingest import iter_input_files
from searcher.records import FACETS, Problem, Story
from searcher.snapshots import Merged, Snapshot, merge
from searcher.workers import worker_pool


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
    recurated: int = 0  # indexed stories re-written because the curation file changed
    # stage -> [busy, idle] seconds: busy working, idle waiting for its input or for room downstream
    stages: dict[str, list[float]] = field(default_factory=dict)

    def timed(self, stage: str, busy: float, idle: float = 0.0) -> None:
        times = self.stages.setdefault(stage, [0.0, 0.0])
        times[0] += busy
        times[1] += idle

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
        if self.stages:
            out.append("stages: " + ", ".join(
                f"{name} {busy:.1f} s busy / {idle:.1f} s idle" for name, (busy, idle) in self.stages.items()))
        if self.recurated:
            out.append(f"{self.recurated} indexed stories re-written for the changed curation file (entities.toml)")
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
    signatures: dict | None = None  # (origin, story id) -> wire.signature of the body, from a reader process

    def entry(self) -> FileEntry:
        return FileEntry(self.fingerprint, len(self.stories), len(self.snapshots),
                         [str(p) for p in self.problems], self.snapshots)


def build(
    paths: Iterable[Path], index_dir: Path, *, entities: bool = True, progress: bool = True,
    cluster: str | None = None, overlap: bool = True,
) -> RunSummary:
    """Index every input file under `paths` into a fresh generation, then make it live.

    Snapshots of the same page (same URL) merge into one set of stories (searcher/snapshots.py).
    With `cluster` (a Dask scheduler address, or `local`), files are segmented and stories
    tagged on the cluster's workers (searcher.distributed); merging and writing stay here.

    Stages overlap (`overlap`, the default): files are segmented in reader processes, and each
    file's stories go to tagger processes (searcher.enrich.streaming) as soon as it is read;
    meanwhile this process merges snapshots, names outlets and prepares each document's
    facet-free part (wire-copy signature and group). Resolution needs every tag, so the index
    writer starts after it: documents are then written in the one order, and the index is the
    one `overlap=False` (everything in turn, in this process: the reference) makes. Rewriting
    the few stories whose resolved values change instead would move them to a later segment,
    changing index order, which ranking and date order use to break ties."""
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
    tag_here = entities and cluster is None and overlap
    with _stages(cluster) as stages, store.rebuild() as out, _streaming_tagger(tag_here, store.cache_path) as tagger:
        read = _read_files(files, summary, progress, stages, parallel=overlap,
                           on_file=tagger.submit if tagger is not None else None)
        by_page = _group([s for f in read for s in f.snapshots])
        lookup = {(f.key, origin, sid): story for f in read for (origin, sid), story in f.stories.items()}
        chosen = [
            (_with_snapshot_fields(lookup[(m.source.file, m.source.origin, m.id)], m), m.source.file)
            for snapshots in by_page.values()
            for m in merge(snapshots).values()
        ]
        stories = [story for story, _ in chosen]
        signatures = {id(f.stories[k]): sig for f in read for k, sig in (f.signatures or {}).items()}  # by object
        _count(summary, read, by_page, stories)
        out.begin(len(stories))

        def prepare() -> None:
            """Facet-free work on each document, done while the taggers finish."""
            clock = time.monotonic()
            for story, key in chosen:
                out.prepare(story, key, signatures.get(id(story), NOT_GIVEN))
            summary.timed("preparing", time.monotonic() - clock)

        if stories:
            out.aliases = _resolve_corpus(stories, store.cache_path, entities, out.known_aliases(), stages,
                                          progress, tagger=tagger, summary=summary,
                                          before_tags=prepare if overlap else None)
        clock = time.monotonic()
        for story, key in _bar(chosen, "indexing", "stories", progress):
            out.add(story, key)
        writing = time.monotonic() - clock
        for f in read:
            out.manifest.files[f.key] = f.entry()
    summary.timed("writing", writing + out.commit_seconds, tagger.waited if tagger is not None else 0.0)
    summary.seconds = time.monotonic() - started
    return summary


@contextmanager
def _streaming_tagger(wanted: bool, cache_path: Path) -> Iterator[StreamingTagger | None]:  # noqa: F821
    """Tagger processes fed while files are read (searcher.enrich.streaming), or None."""
    if not wanted:
        yield None
        return
    from searcher.enrich.streaming import StreamingTagger

    tagger = StreamingTagger(cache_path)
    try:
        yield tagger
    finally:
        tagger.close()


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
        summary.recurated = _recurate(out, store.cache_path, entities)
        summary.changed = summary.changed or bool(summary.recurated)
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


# Below this many files, starting reader processes costs more than it saves.
PARALLEL_READ_MIN_FILES = 8


def _read_files(paths: list[Path], summary: RunSummary, progress: bool, stages=None, parallel: bool = False,
                on_file=None) -> list[_FileRead]:
    """Segment every file into its snapshots (here, in reader processes, or on the cluster); a
    file that fails is reported, never fatal. `on_file(stories)` sees each file's stories as
    soon as it is read (the streaming tagger). Reader processes are used by `build` only
    (`parallel`): an update reads a few files, often inside a serving process."""
    out: list[_FileRead] = []
    bar = _bar(paths, "reading", "files", progress)
    started = time.monotonic()
    busy = 0.0
    stories_read = 0  # a running count: summing over `out` per file was quadratic (17k files at 1M)

    def record(key: str, fingerprint: Fingerprint, snapshots: list[Snapshot],
               stories: dict[tuple[str, str], Story], problems: list[Problem], signatures=None) -> None:
        nonlocal stories_read
        out.append(_FileRead(key, fingerprint, snapshots, stories, problems, signatures))
        stories_read += len(stories)
        summary.files_read += 1
        if stories:
            summary.warnings += problems
        else:
            summary.skipped += problems or [Problem(key, "no stories found")]
        if on_file is not None:
            on_file(stories.values())
        bar.update()
        bar.set_postfix(stories=stories_read, refresh=False)

    workers = 1
    if stages is not None:
        stages.read(paths, lambda key, fp, snapshots, stories, problems:
                    record(key, Fingerprint(*fp), snapshots, stories, problems))
    elif parallel and len(paths) >= PARALLEL_READ_MIN_FILES and (os.cpu_count() or 1) > 1:
        workers = os.cpu_count() or 1
        with worker_pool(workers) as pool:
            for (key, fp, snapshots, stories, problems), signatures, seconds in pool.map(
                    _segment_timed, [str(p) for p in paths], chunksize=4):
                busy += seconds
                record(key, Fingerprint(*fp), snapshots, stories, problems, signatures)
    else:
        for path in paths:
            clock = time.monotonic()
            key, fp, snapshots, stories, problems = segment_file(str(path))
            busy += time.monotonic() - clock
            record(key, Fingerprint(*fp), snapshots, stories, problems)
    bar.close()
    span = time.monotonic() - started
    if stages is None:
        summary.timed("reading", busy, max(0.0, span * workers - busy))
    return out


def _segment_timed(path: str) -> tuple[tuple, dict, float]:
    """Runs in a reader process: one file's segment_file result, the wire-copy signature of
    each story's body (a pure function of it: 0.15 ms of CPU a story, as much as everything
    else the build's own process does per story before Whoosh), and the seconds it took."""
    from searcher.enrich import wire

    clock = time.monotonic()
    result = segment_file(path)
    signatures = {key: wire.signature(story.body) for key, story in result[3].items()}
    return result, signatures, time.monotonic() - clock


def recurate(index_dir: Path) -> int:
    """Bring the live index's stories up to the curation file beside it, now (the web page's
    curation actions call this right after saving a change); returns how many stories changed."""
    store = open_store(index_dir)
    with store.amend() as out:
        return _recurate(out, store.cache_path, True)


def _recurate(out: IndexWriter, cache_path: Path, entities: bool) -> int:
    """Re-write the facet values of the indexed stories a curation change affects, when the file
    changed since the generation was written, without tagging again: the changes added since are
    applied to the stored values (one copy of the rule: curation.apply_curation), and a file changed
    otherwise (a change undone, an edit by hand) resolves the cached tags of every story afresh, with
    no known table, as `build` does (the live table carries the changes being undone). Added changes
    read only the stories holding one of their names (found through the facet fields' lexicons), so
    a click on the page costs in proportion to the entity's stories, not the index's.
    Returns how many stories were re-written."""
    from searcher.enrich.curation import APPLIED_KEY, TYPES as NAMED_FACETS, affected_names, apply_curation, load_curation
    from searcher.enrich.names import fold_text
    from searcher.pipeline.outlets import resolve_sources

    curation = load_curation(cache_path.parent)
    table = out.known_aliases()
    applied = table.get(APPLIED_KEY)
    if not entities or applied == curation.record() or (applied is None and not curation.changes and not curation.outlets):
        return 0  # (without entity tagging the curation waits for an update with it)
    start = curation.appended_to(applied)
    if start is not None:  # only stories holding a name of the new changes can change
        names = affected_names(curation.changes[start:], table)
        stored = out.stories_with(NAMED_FACETS, lambda value: fold_text(value) in names)
    else:
        stored = out.all_stories()
    stories = [story for story, _ in stored]
    before = [_curated_fields(story) for story in stories]
    if start is not None:
        table = apply_curation(stories, table, curation, start)
    else:
        resolve_sources(stories, curation.outlets)
        table = apply_curation(stories, _enrich(stories, cache_path, {}), curation)  # as `build` does
    out.aliases = table
    changed = [(story, key) for (story, key), old in zip(stored, before) if _curated_fields(story) != old]
    if changed:
        out.begin(len(changed))
        for story, key in changed:
            out.replace(story, key)
    return len(changed)


def _curated_fields(story: Story) -> tuple:
    return (story.source, *(tuple(getattr(story, facet)) for facet in FACETS))


def _resolve_corpus(stories: list[Story], cache_path: Path, entities: bool, known: dict, stages=None,
                    progress: bool = False, tagger=None, summary: RunSummary | None = None,
                    before_tags=None) -> dict | None:
    """The steps that need every story (always here): one name per outlet, entity tags, corpus-level
    resolution, then the newsroom's curation beside the index (issue 13). Returns the alias table.
    `before_tags` runs once the outlets are named and before waiting for the tags (the build
    prepares documents meanwhile)."""
    from searcher.enrich.curation import apply_curation, load_curation
    from searcher.pipeline.outlets import resolve_sources

    curation = load_curation(cache_path.parent)
    resolve_sources(stories, curation.outlets)
    if before_tags is not None:
        before_tags()
    if not entities:
        return None
    if progress:
        print(f"tagging: people, places and organisations in {len(stories)} stories", file=sys.stderr, flush=True)
    tags = _enrich(stories, cache_path, known, stages, tagger, summary)
    clock = time.monotonic()
    table = apply_curation(stories, tags, curation)
    if summary is not None:
        summary.timed("resolving", time.monotonic() - clock)
    return table


def _enrich(stories: list[Story], cache_path: Path, known: dict | None = None, stages=None, tagger=None,
            summary: RunSummary | None = None) -> dict:
    """Tag entities (cached by content; in tagger processes, here, or on the cluster), then
    resolve them across the stories (searcher.enrich.resolve; always here: it needs the whole
    corpus, so it waits for every tag)."""
    from searcher.enrich.entities import Enricher, ModelMissing, common_nouns, load_model, model_name
    from searcher.enrich.resolve import resolve

    clock = time.monotonic()
    if stages is not None or tagger is not None:
        try:
            nlp = load_model(model_name())  # its word lists, for resolve (loaded while the taggers work)
        except ModelMissing:
            nlp = None
        if tagger is not None:
            tagger.apply(stories)
            if summary is not None:
                summary.timed("tagging", tagger.busy, tagger.idle())
        else:
            stages.enrich(stories, cache_path)
    else:
        enricher = Enricher(cache_path=cache_path)  # spaCy loads only when tagging is asked for
        enricher.enrich(stories)
        nlp = enricher.nlp
        if summary is not None:
            summary.timed("tagging", time.monotonic() - clock)
    clock = time.monotonic()
    table = resolve(stories, known, nouns=common_nouns(nlp) if nlp is not None else frozenset())
    if summary is not None:
        summary.timed("resolving", time.monotonic() - clock)
    return table


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
