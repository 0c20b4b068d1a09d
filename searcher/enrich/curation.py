"""Curation: the newsroom's own corrections to entity facets and sources, kept beside the index.

`entities.toml` in the index folder (beside CURRENT, so every build and update reads it and it
survives rebuilds) lists changes, applied in order after corpus-level resolution:

    # livesearch curation ...
    version = 1

    [[change]]
    action = "merge"            # "Putin" and its spellings become "Vladimir Putin"
    value = "Putin"
    into = "Vladimir Putin"

    [[change]]
    action = "rename"           # the entity keeps its type, shown under a new name
    value = "Kim Jong-un"
    to = "Kim Jong Un"

    [[change]]
    action = "retype"           # people, organizations or places
    value = "Gazprom"
    type = "organizations"

    [[change]]
    action = "hide"             # gone from every facet (the stories stay)
    value = "Debris"

    [outlets]                   # domain (or file-name pattern) -> outlet, for the source facet
    "harbourtimes.example.net" = "The Harbour Times"
    "000_*.txt" = "Le Monde"

`livesearch entities` edits it; editing by hand works too. Values match case-, accent- and
hyphen-blind, and through the alias table's variants (`Putin` matches `Mr Putin`).
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from searcher.enrich.names import fold_text
from searcher.errors import LivesearchError
from searcher.records import Story

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CURATION_FILE = "entities.toml"
CURATION_LOCK = ".entities.toml.lock"  # serialises writers of the file
MAX_VALUE_CHARS = 200  # a facet value longer than this is no entity name
APPLIED_KEY = "curation"  # in the alias table: the curation a generation's stories carry
CURATION_VERSION = 1
TYPES = ("people", "organizations", "places")
ACTIONS = {"merge": ("value", "into"), "rename": ("value", "to"), "retype": ("value", "type"), "hide": ("value",)}
_HEADER = """# livesearch curation: corrections to the entity facets and sources of the index in this folder.
# Applied in order at every build and update; edit with `livesearch entities ...` or by hand.
# Actions: merge (value, into), rename (value, to), retype (value, type), hide (value).
"""


class CurationError(LivesearchError, ValueError):
    """The curation file or a requested change is invalid; the message says what to fix."""


@dataclass
class Curation:
    changes: list[dict] = field(default_factory=list)
    outlets: dict[str, str] = field(default_factory=dict)

    def add(self, action: str, **fields: str) -> dict:
        """Append a checked change (and return it)."""
        return self.append({"action": action, **fields})

    def append(self, change: dict) -> dict:
        """Append a checked change given as the file writes it (and return it)."""
        _check(change, len(self.changes) + 1)
        self.changes.append(dict(change))
        return self.changes[-1]

    def record(self) -> dict:
        """What an index generation keeps of the curation it applied (in its alias table, under
        APPLIED_KEY), so an update can tell whether the file changed since."""
        return {"changes": [dict(change) for change in self.changes], "outlets": dict(self.outlets)}

    def appended_to(self, applied: dict | None) -> int | None:
        """How many of the changes were applied already when the file only grew since `applied`
        (a merge, rename, retype or hide added; outlets unchanged); None when it changed otherwise
        (a change undone or edited by hand), which needs the corpus resolved again."""
        if not isinstance(applied, dict) or applied.get("outlets") != self.outlets:
            return None
        done = applied.get("changes")
        if not isinstance(done, list) or self.changes[: len(done)] != done:
            return None
        return len(done)


def curation_path(index_dir: Path) -> Path:
    return Path(index_dir) / CURATION_FILE


def load_curation(index_dir: Path) -> Curation:
    """The curation beside an index; empty when there is none. A broken file raises CurationError
    naming the file and the problem (a build must not silently drop the newsroom's corrections)."""
    path = curation_path(index_dir)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Curation()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise CurationError(f"{path}: cannot read the curation file ({error}); fix or remove it") from None
    if data.get("version", CURATION_VERSION) != CURATION_VERSION:
        raise CurationError(f"{path}: version {data.get('version')!r} is not {CURATION_VERSION}")
    changes = data.get("change", [])
    outlets = data.get("outlets", {})
    if not isinstance(changes, list) or not isinstance(outlets, dict):
        raise CurationError(f"{path}: expected [[change]] tables and an [outlets] table")
    for number, change in enumerate(changes, start=1):
        try:
            _check(change, number)
        except CurationError as error:
            raise CurationError(f"{path}: {error}") from None
    return Curation([dict(c) for c in changes], {str(k): str(v) for k, v in outlets.items()})


def add_change(index_dir: Path, change: dict) -> tuple[dict, int]:
    """Check one change and append it to the curation file beside the index, under a lock so that
    two writers (CLI, web workers) never lose each other's change; returns it and its number."""
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(index_dir) / CURATION_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            curation = load_curation(index_dir)
            change = curation.append(change)
            save_curation(index_dir, curation)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return change, len(curation.changes)


def _check(change: dict, number: int) -> None:
    action = change.get("action") if isinstance(change, dict) else None
    if action not in ACTIONS:
        raise CurationError(f"change {number}: action must be one of {', '.join(ACTIONS)}, not {action!r}")
    unknown = sorted(set(change) - {"action", *ACTIONS[action]})
    if unknown:
        raise CurationError(f"change {number} ({action}): unknown field(s) {', '.join(map(repr, unknown))}; "
                            f"{action} takes {', '.join(ACTIONS[action])}")
    for key in ACTIONS[action]:
        if not isinstance(change.get(key), str) or not change[key].strip():
            raise CurationError(f"change {number} ({action}): needs a non-empty {key!r}")
        if len(change[key]) > MAX_VALUE_CHARS:
            raise CurationError(f"change {number} ({action}): {key!r} is longer than {MAX_VALUE_CHARS} characters")
    if action == "retype" and change["type"] not in TYPES:
        raise CurationError(f"change {number} (retype): type must be one of {', '.join(TYPES)}")


def save_curation(index_dir: Path, curation: Curation) -> Path:
    """Write the file (atomically); TOML strings are written as JSON strings, which TOML accepts."""
    lines = [_HEADER, f"version = {CURATION_VERSION}", ""]
    for change in curation.changes:
        lines.append("[[change]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in change.items()]
        lines.append("")
    if curation.outlets:
        lines.append("[outlets]")
        lines += [f"{json.dumps(k, ensure_ascii=False)} = {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(curation.outlets.items())]
        lines.append("")
    path = curation_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)
    return path


def apply_curation(stories: Iterable[Story], table: dict, curation: Curation, start: int = 0) -> dict:
    """Apply the changes (from number `start` on: the earlier ones are in the stories already) to
    the stories' facets (in place) and to the alias table; returns the table, which records the
    whole curation as applied."""
    stories = list(stories)
    entities = table.setdefault("entities", {})
    table[APPLIED_KEY] = curation.record()
    for change in curation.changes[start:]:
        names = _spellings(change["value"], entities)
        action = change["action"]
        if action == "hide":
            _rewrite(stories, names, None, None)
            _drop_entry(entities, names)
        elif action == "retype":
            kind = change["type"]
            _rewrite(stories, names, None, kind)
            for entry in _entries(entities, names):
                entry["type"] = kind
        else:
            target = change["into"] if action == "merge" else change["to"]
            kind = _type_of(target, entities, stories) if action == "merge" else None
            kind = kind or _type_of(change["value"], entities, stories)
            _rewrite(stories, names, target, kind)
            _move_entry(entities, names, target, kind, change["value"])
    return table


def affected_names(changes: list[dict], table: dict) -> set[str]:
    """Fold keys of every value the changes name or name as a target, with the alias table's
    variants: a story holding none of them is untouched by `apply_curation` of these changes."""
    entities = table.get("entities", {})
    names: set[str] = set()
    for change in changes:
        for key in ("value", "into", "to"):
            if key in change:
                names |= _spellings(change[key], entities)
    return names


def _spellings(value: str, entities: dict) -> set[str]:
    """Fold keys of `value` and of every variant the alias table lists with it."""
    key = fold_text(value)
    keys = {key}
    for canonical, entry in entities.items():
        spellings = {fold_text(v) for v in [canonical, *entry.get("variants", [])]}
        if key in spellings:
            keys |= spellings
    return keys


def _entries(entities: dict, names: set[str]) -> list[dict]:
    return [entry for canonical, entry in entities.items() if fold_text(canonical) in names]


def _type_of(value: str, entities: dict, stories: list[Story]) -> str | None:
    key = fold_text(value)
    for canonical, entry in entities.items():
        if fold_text(canonical) == key:
            return entry.get("type")
    for story in stories:
        for kind in TYPES:
            if any(fold_text(v) == key for v in getattr(story, kind)):
                return kind
    return None


def _rewrite(stories: list[Story], names: set[str], target: str | None, kind: str | None) -> None:
    """Replace the values whose fold key is in `names` by `target` (None: drop) in facet `kind`
    (None: the facet they were in)."""
    for story in stories:
        moved: list[tuple[str, str]] = []
        for facet in TYPES:
            values = getattr(story, facet)
            kept = [v for v in values if fold_text(v) not in names]
            moved += [(facet, v) for v in values if fold_text(v) in names]
            setattr(story, facet, kept)
        for facet, value in moved:
            if target is None and kind is None:
                continue  # hidden
            facet = kind or facet
            shown = target or value
            if shown not in getattr(story, facet):
                getattr(story, facet).append(shown)


def _drop_entry(entities: dict, names: set[str]) -> None:
    for canonical in [c for c in entities if fold_text(c) in names]:
        del entities[canonical]


def _move_entry(entities: dict, names: set[str], target: str, kind: str | None, value: str) -> None:
    variants: set[str] = {value}
    for canonical in [c for c in entities if fold_text(c) in names and c != target]:
        entry = entities.pop(canonical)
        variants |= {canonical, *entry.get("variants", [])}
        kind = kind or entry.get("type")
    entry = entities.setdefault(target, {"type": kind or "people", "variants": []})
    if kind:
        entry["type"] = kind
    entry["variants"] = sorted((set(entry["variants"]) | variants) - {target})
