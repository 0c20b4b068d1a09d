"""How stories' dates read to people, shared by the web page and the CLI.

Stored dates are ISO 8601 as the page gave them: a day (`2024-04-27`), a local time with no zone
(`2022-02-06T13:08`) or a time with an offset (`2023-02-08T10:57+00:00`). People read
"27 Apr 2024", "6 Feb 2022, 13:08" and "8 Feb 2023, 10:57 GMT"; the ISO value stays in
`<time datetime>` and in the JSON.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# The marker shown beside a date, and what it means (the page's title text and legend).
BASIS_LABELS = {"stated": "stated", "inferred": "inferred", "page": "page date"}
BASIS_EXPLANATIONS = {
    "stated": "The post states this date (or its time stamp does).",
    "inferred": "Worked out from the post's wording, such as \u201con Friday\u201d, and the page's date.",
    "page": "The page's own date: the post gives none of its own.",
    "none": "No date could be found for this post; none is ever invented.",
}


def human_date(iso: str | None) -> str:
    """'8 Feb 2023, 10:57 GMT', '6 Feb 2022, 13:08' or '27 Apr 2024'; 'undated' for none."""
    if not iso:
        return "undated"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    day = f"{when.day} {when:%b %Y}"
    if "T" not in iso and " " not in iso.strip():
        return day
    text = f"{day}, {when:%H:%M}"
    offset = when.utcoffset()
    return text if offset is None else f"{text} {zone_name(offset)}"


def zone_name(offset: timedelta) -> str:
    """GMT for a zero offset, else UTC+2, UTC\u22125, UTC+5:30."""
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "GMT"
    sign = "+" if minutes > 0 else "\u2212"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")


def basis_label(basis: str | None) -> str:
    """The short marker for a date's basis ('' for none: 'undated' says it)."""
    return BASIS_LABELS.get(basis or "none", "")


def basis_explanation(basis: str | None) -> str:
    return BASIS_EXPLANATIONS.get(basis or "none", "")


def dated_text(iso: str | None, basis: str | None) -> str:
    """A date with its basis for plain text (CLI): '8 Feb 2023, 10:57 GMT (stated)', 'undated'."""
    label = basis_label(basis) if iso else ""
    return human_date(iso) + (f" ({label})" if label else "")


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 story', '2 stories', '1,204 stories'."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def stories_count(total: int, groups: int | None) -> str:
    """'1,234 stories (1,180 after grouping wire copies)': the matching stories, as the facets
    count them, and the result rows when wire copies fold into one (page and CLI)."""
    text = plural(total, "story", "stories")
    if groups is not None and groups != total:
        text += f" ({groups:,} after grouping wire copies)"
    return text
