"""Exported stories as CSV rows (the JSON lines are the story JSON itself)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date

from searcher import registry
from searcher.search.results import SNAPSHOT_FIELDS

BASE_FIELDS = ("id", "date", "date_basis", "source", "url", "page_title", "headline", "title", "title_generated",
               "body") + SNAPSHOT_FIELDS
CSV_BOM = "\ufeff"  # so Excel reads the file as UTF-8 (curly quotes, accents) instead of its ANSI code page


def csv_fields() -> tuple[str, ...]:
    """The CSV columns: the story's own fields, then one per story facet of the registry."""
    return BASE_FIELDS + tuple(spec.name for spec in registry.story_facets())


# Spreadsheets run cells that start with these as formulas; exported page text must stay text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_row(story: dict) -> list[str]:
    """One exported story as a CSV row: paragraphs joined by blank lines, facet values by "; ",
    and a cell that a spreadsheet would run as a formula prefixed with `'`."""
    row = []
    for name in csv_fields():
        value = story.get(name)
        if name == "body":
            value = "\n\n".join(value or [])
        elif isinstance(value, list):
            value = "; ".join(value)
        elif isinstance(value, bool):
            value = "yes" if value else ""
        cell = "" if value is None else str(value)
        row.append("'" + cell if cell.startswith(FORMULA_PREFIXES) else cell)
    return row


def csv_lines(stories: Iterable[dict]) -> Iterator[str]:
    """The whole CSV file, piece by piece, as the web export streams it and the CLI prints it:
    the BOM, the header, then one row per story (so memory stays flat for any number of rows)."""
    yield CSV_BOM
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_fields())
    for story in stories:
        writer.writerow(csv_row(story))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def export_filename(q: str, day: date, extension: str = "csv") -> str:
    """`livesearch-gas-storage-2024-05-01.csv`: the query's words (ASCII, at most 60 characters)
    and the day of the export, so two saved exports never overwrite each other as
    `livesearch.csv` did (issue 16); `livesearch-all-…` for no query."""
    ascii_text = unicodedata.normalize("NFKD", q).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-") or "all"
    return f"livesearch-{slug}-{day.isoformat()}.{extension}"
