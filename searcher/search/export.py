"""Exported stories as CSV rows (the JSON lines are the story JSON itself)."""

from __future__ import annotations

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
