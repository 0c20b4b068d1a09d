"""Read input files into Page records, one reader per format.

Bad content never raises: it becomes a Problem naming the file (and line) and what to do,
and whatever could be read is kept, so one bad file never stops a folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from charset_normalizer import from_bytes

from searcher.pipeline import dates, html_blocks, outlets
from searcher.records import Page, Problem

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".json")

_SNIFF = 8192


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The supported files among `paths`: files as given, folders walked recursively, sorted."""
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path


def read_file(path: str | Path) -> tuple[list[Page], list[Problem]]:
    """Pages in one file, and the problems met reading it (never raises for bad content)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return [], [Problem(str(path), f"cannot read the file ({error.strerror or error}); check it exists and is readable")]
    text, problems = decode(raw, str(path))
    if text is None:
        return [], problems
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        pages, json_problems = _read_json(text, path)
        return pages, problems + json_problems
    if suffix in (".html", ".htm"):
        return [page_from_html(text, origin=str(path), fallback_source=path.name)], problems
    return [page_from_text(text, origin=str(path), fallback_source=path.name)], problems


def decode(raw: bytes, where: str) -> tuple[str | None, list[Problem]]:
    """Bytes -> text: UTF-8 first, then a detected encoding; binary and empty input are problems."""
    if not raw.strip():
        return None, [Problem(where, "empty file: nothing to read")]
    head = raw[:_SNIFF]
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not utf16:
        return None, [Problem(where, "binary file, not text: expected UTF-8 text, HTML or JSON lines")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        bad_line = raw.count(b"\n", 0, error.start) + 1
    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        return None, [Problem(where, "not UTF-8 and no other encoding fits; save the file as UTF-8", bad_line)]
    note = Problem(where, f"not UTF-8 (first bad byte on this line); read as {best.encoding}", bad_line)
    return str(best), ([] if utf16 else [note])


def page_from_text(text: str, origin: str, fallback_source: str, **known) -> Page:
    """A scraped-text page; its outlet from what the caller knows, its URL or its text (searcher.pipeline.outlets)."""
    source = outlets.page_source(fallback_source, given=known.pop("source", None), url=known.get("url"), text=text)
    return Page(origin=origin, source=source, text=text, **known)


def page_from_html(html: str, origin: str, fallback_source: str, **known) -> Page:
    """A saved HTML page; its metadata fills whatever the caller did not already know."""
    retrieved = known.pop("retrieved", None)
    meta = html_blocks.page_metadata(html)
    url = known.pop("url", None) or meta.url
    source = outlets.page_source(fallback_source, given=known.pop("source", None), site_name=meta.site_name, url=url)
    title = known.pop("title", None) or meta.title
    reference = known.pop("reference_date", None) or dates.parse_iso(meta.date)
    return Page(origin=origin, source=source, url=url, title=title, reference_date=reference, html=html,
                retrieved=retrieved)


def _read_json(text: str, path: Path) -> tuple[list[Page], list[Problem]]:
    """A JSON array (or object), else JSON lines; each object is one page."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            return [], [Problem(str(path), f"broken JSON array ({error.msg}); fix the file or write one object per line", error.lineno)]
        rows = [(None, item) for item in items] if isinstance(items, list) else []
    else:
        rows = []
        problems = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                if number == 1 and stripped.startswith("{") and not rows:
                    try:  # one pretty-printed object
                        rows = [(None, json.loads(text))]
                        break
                    except json.JSONDecodeError:
                        pass
                problems.append(Problem(str(path), f"broken JSON line ({error.msg}); skipped", number))
        pages, row_problems = _pages_from_rows(rows, path)
        return pages, problems + row_problems
    return _pages_from_rows(rows, path)


def _pages_from_rows(rows: list[tuple[int | None, object]], path: Path) -> tuple[list[Page], list[Problem]]:
    pages: list[Page] = []
    problems: list[Problem] = []
    for index, (line, item) in enumerate(rows, start=1):
        origin = f"{path}:{line}" if line else f"{path}#{index}"
        if not isinstance(item, dict):
            problems.append(Problem(str(path), "not a JSON object; expected {\"text\": ...} or {\"html\": ...}", line))
            continue
        text, html = item.get("text"), item.get("html")
        if not (isinstance(text, str) and text.strip()) and not (isinstance(html, str) and html.strip()):
            problems.append(Problem(str(path), "no \"text\" or \"html\" field with content; skipped", line))
            continue
        known = {key: item[key].strip() for key in ("url", "title", "source") if isinstance(item.get(key), str) and item[key].strip()}
        published = item.get("published")
        if published:
            reference = dates.parse_iso(str(published))
            if reference is None:
                problems.append(Problem(str(path), f"\"published\" is not a date ({published!r}); page left undated", line))
            known["reference_date"] = reference
        known["retrieved"] = _retrieved(item)
        fallback = path.name
        if isinstance(html, str) and html.strip():
            pages.append(page_from_html(html, origin, fallback, **known))
        else:
            pages.append(page_from_text(text, origin, fallback, **known))
    return pages, problems


SNAPSHOT_TIME_FIELDS = ("scraped_at", "retrieved", "retrieved_at", "fetched_at", "published")


def _retrieved(item: dict):
    """When a JSON page was scraped, from the scraper's own field, else its `published` time
    (issue 15: snapshots; without either, the build uses the file's modification time)."""
    for key in SNAPSHOT_TIME_FIELDS:
        if item.get(key):
            when = dates.parse_iso(str(item[key]))
            if when is not None:
                return when
    return None
