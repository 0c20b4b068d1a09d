"""The Whoosh schema of a story, and the conversion between Story records and index documents.

Facet fields are ID fields given a list: each value becomes one exact term, so a filter is one
term lookup and facet counts come from postings (see facets.py), never from stored fields.
"""

from __future__ import annotations

from datetime import datetime

from whoosh import fields

from searcher import registry
from searcher.backend.whoosh.analysis import text_analyzer
from searcher.backend.whoosh import fixes  # noqa: F401  (patches Whoosh before any index is used)
from searcher.records import Story, story_title



def facet_fields() -> dict[str, str]:
    """Index field of each facet (facet name -> field), from the registry."""
    return {spec.name: spec.field for spec in registry.facets()}

TEXT_FIELDS = ("headline", "body")
HEADLINE_BOOST = 2.0


def make_schema() -> fields.Schema:
    text = text_analyzer()  # analysis.py: no stop list, compounds, spelling families, stems
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),  # the input file, the unit of `update`
        page=fields.ID(stored=True),  # the page the story came from (its origin)
        position=fields.NUMERIC(stored=True, sortable=True),
        source=fields.STORED(),
        url=fields.STORED(),
        page_title=fields.STORED(),
        # spelling=True: the words as written, for corrections that are real words (issue 14)
        headline=fields.TEXT(stored=True, analyzer=text, field_boost=HEADLINE_BOOST, spelling=True),
        body=fields.TEXT(analyzer=text, spelling=True),
        paragraphs=fields.STORED(),
        date=fields.DATETIME(sortable=True),
        date_text=fields.STORED(),  # the ISO text as segmented, date or date-time
        date_basis=fields.ID(stored=True),
        **{name: fields.ID(stored=True) for name in facet_fields().values()},
    )


def story_to_document(story: Story, path: str) -> dict:
    """The document to index for a story read from the input file `path`."""
    doc = {
        "id": story.id,
        "path": path,
        "page": story.origin,
        "position": story.position,
        "source": story.source,
        "url": story.url,
        "page_title": story.page_title,
        "headline": story.headline or "",
        "body": "\n".join(story.body),
        "paragraphs": list(story.body),
        "date_text": story.date,
        "date_basis": story.date_basis,
        **{spec.field: spec.producer(story) for spec in registry.facets()},
    }
    when = parse_story_date(story.date)
    if when is not None:
        doc["date"] = when
    return doc


def parse_story_date(text: str | None) -> datetime | None:
    """A story's ISO date as a naive datetime (its stated local time; offsets are dropped)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        return None


def document_to_json(doc: dict) -> dict:
    """A stored document as plain story JSON: the export row and the base of the story view."""
    title, generated = story_title(doc.get("headline"), doc.get("paragraphs") or [])
    return {
        "id": doc["id"],
        "source": doc.get("source"),
        "url": doc.get("url"),
        "page_title": doc.get("page_title"),
        "origin": doc.get("page"),
        "position": doc.get("position"),
        "headline": doc.get("headline") or None,
        "title": title,  # the headline, or the first sentence when there is none
        "title_generated": generated,
        "body": list(doc.get("paragraphs") or []),
        "date": doc.get("date_text"),
        "date_basis": doc.get("date_basis") or "none",
        **{spec.name: list(doc.get(spec.field) or []) for spec in registry.story_facets()},
    }
