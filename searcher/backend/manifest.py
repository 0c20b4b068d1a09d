"""What an index remembers of its input files: the manifest, common to every backend.

The build (searcher/build.py) decides from it which files changed since the last run, and the
store keeps it beside the index it describes (for Whoosh, `gen-<time>/manifest.json`). Nothing here
knows how stories are stored, so a second backend keeps the same manifest and `update` logic.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from searcher.errors import IndexMissing
from searcher.snapshots import Snapshot

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 2  # 2: per-file snapshots, stories keyed by id across files (issue 15)


@dataclass
class Fingerprint:
    size: int
    mtime_ns: int
    sha1: str

    @classmethod
    def of(cls, path: Path) -> Fingerprint:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, file_sha1(path))


@dataclass
class FileEntry:
    """What the manifest remembers of one input file."""

    fingerprint: Fingerprint
    stories: int
    pages: int
    problems: list[str] = field(default_factory=list)
    snapshots: list[Snapshot] = field(default_factory=list)


@dataclass
class Manifest:
    built_at: str
    updated_at: str | None = None
    files: dict[str, FileEntry] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT
    schema_version: int | None = None  # the store's schema version; None: written before versions were recorded

    @classmethod
    def load(cls, gen: Path) -> Manifest:
        try:
            data = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
            files = {
                key: FileEntry(Fingerprint(**e["fingerprint"]), e["stories"], e["pages"], e["problems"],
                               [Snapshot.from_json(s, key) for s in e.get("snapshots", [])])
                for key, e in data["files"].items()
            }
            return cls(data["built_at"], data.get("updated_at"), files, data.get("format", 1),
                       data.get("schema_version"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise IndexMissing(
                f"{gen / MANIFEST} is missing or damaged ({exc}): rebuild the index with `livesearch build PATH`"
            ) from exc

    def save(self, gen: Path) -> None:
        data = {
            "format": self.format,
            "schema_version": self.schema_version,
            "built_at": self.built_at,
            "updated_at": self.updated_at,
            "files": {
                key: {
                    "fingerprint": vars(e.fingerprint),
                    "stories": e.stories,
                    "pages": e.pages,
                    "problems": e.problems,
                    "snapshots": [s.to_json() for s in e.snapshots],
                }
                for key, e in sorted(self.files.items())
            },
        }
        write_atomically(gen / MANIFEST, json.dumps(data, separators=(",", ":")))


def unchanged(path: Path, entry: FileEntry) -> bool:
    """Same size and mtime, or (after a touch or a copy) the same content."""
    st = path.stat()
    fp = entry.fingerprint
    if st.st_size != fp.size:
        return False
    if st.st_mtime_ns == fp.mtime_ns:
        return True
    if file_sha1(path) == fp.sha1:
        fp.mtime_ns = st.st_mtime_ns
        return True
    return False


def file_key(path: Path) -> str:
    return str(path.resolve())


def file_sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename or new file in `directory` durable (the directory entry itself)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
