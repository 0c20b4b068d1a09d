"""Snapshots of a live blog: the same page scraped again and again, merged into one set of stories.

A scraper saves the same URL every few minutes; each saved page (a file, or one JSON line) is a
*snapshot* of that page at its scrape time. The stories of a page are the union of the posts of
all its snapshots, keyed by story id (docs/story-identity.md):

- `first_seen`: the time of the earliest snapshot showing the post;
- the text kept is the newest snapshot's (corrections win), taken from the snapshot in which
  that text first appeared, so a later snapshot with the same text rewrites nothing;
- `updated`: the time of that snapshot when the text changed at least once, else None;
- `removed_after`: the time of the last snapshot showing the post, when the page's newest
  snapshot no longer does (the post stays searchable); None while it is on the page.

`merge` is a pure function of the *set* of snapshots (ties in time are broken by file and origin),
so `build` of all files and `update` file by file, in any order, give the same stories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

HASH_CHARS = 16  # of a post's content hash, enough to notice an edit


@dataclass
class Snapshot:
    """What the build remembers of one snapshot of one page (kept in the index's manifest)."""

    page: str  # the page key (records.page_key): the same for every snapshot of the page
    file: str  # the input file's key (absolute path)
    origin: str  # the file, or `file:line` for a JSON line
    seen: str  # the scrape time, ISO 8601 in UTC (see `iso_utc`)
    posts: list[tuple[str, str]]  # (story id, content hash) in page order

    def order(self) -> tuple[str, str, str]:
        return (self.seen, self.file, self.origin)

    def to_json(self) -> dict:
        return {"page": self.page, "origin": self.origin, "seen": self.seen, "posts": [list(p) for p in self.posts]}

    @classmethod
    def from_json(cls, data: dict, file: str) -> Snapshot:
        return cls(data["page"], file, data["origin"], data["seen"], [(i, h) for i, h in data["posts"]])


@dataclass
class Merged:
    """One story of a page after merging its snapshots."""

    id: str
    first_seen: str
    updated: str | None
    removed_after: str | None
    source: Snapshot  # the snapshot whose text the story keeps
    position: int  # its place on the page when first seen

    def fields(self) -> tuple:
        """What a stored story must match to need no rewrite."""
        return (self.first_seen, self.updated, self.removed_after, self.source.file, self.source.origin, self.position)


def merge(snapshots: list[Snapshot]) -> dict[str, Merged]:
    """The stories of one page from all its snapshots, by id (see the module's docstring)."""
    if not snapshots:
        return {}
    ordered = sorted(snapshots, key=Snapshot.order)
    state: dict[str, list] = {}  # id -> [first_seen, updated, last_seen, hash, source, position]
    for snap in ordered:
        for position, (story_id, digest) in enumerate(snap.posts):
            found = state.get(story_id)
            if found is None:
                state[story_id] = [snap.seen, None, snap.seen, digest, snap, position]
                continue
            if digest != found[3]:
                found[1], found[3], found[4] = snap.seen, digest, snap
            found[2] = snap.seen
    on_page = {story_id for story_id, _ in ordered[-1].posts}
    return {
        story_id: Merged(story_id, first, updated, None if story_id in on_page else last, source, position)
        for story_id, (first, updated, last, _, source, position) in state.items()
    }


def iso_utc(when: datetime) -> str:
    """A snapshot time as comparable ISO text: UTC, to the second (a naive time is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def mtime_iso(mtime_ns: int) -> str:
    return iso_utc(datetime.fromtimestamp(mtime_ns / 1e9, timezone.utc))


def read_snapshots(path: Path, key: str, mtime_ns: int):
    """Each page of a file as a snapshot, timed by the page's scrape time or else the file's
    mtime, with its stories by (origin, id) and the problems met reading it (a pure function of
    the file, so it also runs on a cluster worker: searcher.distributed)."""
    from searcher.pipeline.ingest import read_file
    from searcher.pipeline.segment import segment_page

    pages, problems = read_file(path)
    snapshots, stories = [], {}
    for page in pages:
        page_stories = segment_page(page)
        if not page_stories:
            continue
        seen = iso_utc(page.retrieved) if page.retrieved else mtime_iso(mtime_ns)
        snapshots.append(Snapshot(page.key, key, page.origin, seen,
                                  [(s.id, s.content_hash[:HASH_CHARS]) for s in page_stories]))
        for story in page_stories:
            stories[(page.origin, story.id)] = story
    return snapshots, stories, problems
