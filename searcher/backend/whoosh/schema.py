"""The Whoosh schema of a story, and the conversion between Story records and index documents.

Facet fields are ID fields given a list: each value becomes one exact term, so a filter is one
term lookup and facet counts come from postings (see facets.py), never from stored fields.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import PurePosixPath

from whoosh import fields, formats

from searcher import registry
from searcher.backend.whoosh.analysis import PairAnalyzer, text_analyzer
from searcher.backend.whoosh import fixes  # noqa: F401  (patches Whoosh before any index is used)
from searcher.records import Story, page_key, story_title
from searcher.search.results import StoryRecord



def facet_fields() -> dict[str, str]:
    """Index field of each facet (facet name -> field), from the registry."""
    return {spec.name: spec.field for spec in registry.facets()}

TEXT_FIELDS = ("headline", "body")
# The word-pair field of each text field (analysis.PairAnalyzer): a two-word phrase is one term.
PAIR_FIELDS = {"headline": "headline_pairs", "body": "body_pairs"}
HEADLINE_BOOST = 2.0

# The version of what the schema and its analysis put in an index, recorded in each generation's
# manifest. An index built under another version answers differently (words it dropped, fields
# it lacks), so it is refused with the command that rebuilds it instead of giving wrong results.
# Bump it whenever make_schema() or analysis.py changes what is indexed.
#   1 (no version recorded): stop words ("us", "may", "it", "the") and one-letter words dropped
#   2: every word indexed (issue 10), with analysis.py's compounds and spellings (issue 14)
#   3: word-pair fields (PAIR_FIELDS), so phrases need no position checks (issue 18)
SCHEMA_VERSION = 3


class PairField(fields.FieldType):
    """Word pairs of a text field: which documents hold each pair, nothing more (no frequencies,
    positions, lengths or stored text): matching only, never scored or shown."""

    def __init__(self, analyzer):
        super().__init__(formats.Existence(), analyzer, scorable=False, stored=False)


def make_schema() -> fields.Schema:
    text = text_analyzer()  # analysis.py: no stop list, compounds, spelling families, stems
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),  # the input file whose snapshot gave the story's text
        page=fields.ID(stored=True),  # the page key (records.page_key): all snapshots of the page
        origin=fields.STORED(),  # the file (or JSON line) of that snapshot
        position=fields.NUMERIC(stored=True, sortable=True),  # on the page when first seen
        source=fields.STORED(),
        url=fields.STORED(),
        page_title=fields.STORED(),
        # spelling=True: the words as written, for corrections that are real words (issue 14)
        headline=fields.TEXT(stored=True, analyzer=text, field_boost=HEADLINE_BOOST, spelling=True),
        body=fields.TEXT(analyzer=text, spelling=True),
        **{pairs: PairField(PairAnalyzer(text)) for pairs in PAIR_FIELDS.values()},
        paragraphs=fields.STORED(),
        date=fields.DATETIME(sortable=True),
        date_text=fields.STORED(),  # the ISO text as segmented, date or date-time
        date_basis=fields.ID(stored=True),
        first_seen=fields.DATETIME(sortable=True),  # for `since` and the feed's order
        first_seen_text=fields.STORED(),
        updated=fields.STORED(),
        removed_after=fields.STORED(),
        identity=fields.STORED(),  # anchor, published, occurrence: to rebuild the Story and its id
        wire=fields.ID(stored=True, sortable=True),  # wire-copy group: the id of the group's first story (searcher.enrich.wire)
        **{name: fields.ID(stored=True) for name in facet_fields().values()},
    )


def story_to_document(story: Story, path: str) -> dict:
    """The document to index for a story read from the input file `path`."""
    doc = {
        "id": story.id,
        "path": path,
        "page": page_key(story.url, story.origin),
        "origin": story.origin,
        "position": story.position,
        "source": story.source,
        "url": story.url,
        "page_title": story.page_title,
        "headline": story.headline or "",
        "body": "\n".join(story.body),
        "paragraphs": list(story.body),
        "date_text": story.date,
        "date_basis": story.date_basis,
        "first_seen_text": story.first_seen,
        "updated": story.updated,
        "removed_after": story.removed_after,
        "identity": [story.anchor, story.published, story.occurrence],
        **{spec.field: spec.producer(story) for spec in registry.facets()},
    }
    for textfield, pairs in PAIR_FIELDS.items():  # the same text again, analysed into word pairs
        doc[pairs] = doc[textfield]
    when = parse_story_date(story.date)
    if when is not None:
        doc["date"] = when
    seen = parse_story_date(story.first_seen, utc=True)
    if seen is not None:
        doc["first_seen"] = seen
    return doc


def document_to_story(doc: dict) -> Story:
    """The Story a stored document was made from (facets included), for an update that rewrites
    a story's snapshot fields without reading its file again."""
    anchor, published, occurrence = doc.get("identity") or (None, None, 0)
    return Story(
        source=doc.get("source") or "", origin=doc.get("origin") or doc.get("page") or "",
        position=doc.get("position") or 0, headline=doc.get("headline") or None,
        body=list(doc.get("paragraphs") or []), url=doc.get("url"), page_title=doc.get("page_title"),
        date=doc.get("date_text"), date_basis=doc.get("date_basis") or "none",
        anchor=anchor, published=published, occurrence=occurrence or 0,
        first_seen=doc.get("first_seen_text"), updated=doc.get("updated"), removed_after=doc.get("removed_after"),
        **{spec.name: list(doc.get(spec.field) or []) for spec in registry.story_facets()
           if spec.name in Story.__dataclass_fields__},
    )


def parse_story_date(text: str | None, utc: bool = False) -> datetime | None:
    """A story's ISO date as a naive datetime (its stated local time; offsets are dropped), or
    with `utc` the same instant in UTC (snapshot times)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if utc and when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.replace(tzinfo=None)


def origin_name(origin: str | None) -> str | None:
    """What a reader may see of a story's origin: the input file's name (with its JSON line,
    `feed.jsonl:4`), never the server path it was read from (issue 10)."""
    if not origin:
        return None
    return PurePosixPath(origin.replace("\\", "/")).name or None


def document_to_record(doc: dict) -> StoryRecord:
    """A stored document as the plain story record: the export row and the base of the story view."""
    title, generated = story_title(doc.get("headline"), doc.get("paragraphs") or [])
    return StoryRecord(
        id=doc["id"],
        source=doc.get("source") or "",
        url=doc.get("url"),
        anchor=(doc.get("identity") or [None])[0],  # the post's id or permalink fragment on its page
        page_title=doc.get("page_title"),
        origin=origin_name(doc.get("origin") or doc.get("page")),
        position=doc.get("position") or 0,
        headline=doc.get("headline") or None,
        title=title,
        title_generated=generated,
        body=list(doc.get("paragraphs") or []),
        date=doc.get("date_text"),
        date_basis=doc.get("date_basis") or "none",
        first_seen=doc.get("first_seen_text"),
        updated=doc.get("updated"),
        removed_after=doc.get("removed_after"),
        facets={spec.name: list(doc.get(spec.field) or []) for spec in registry.story_facets()},
    )


def document_to_json(doc: dict) -> dict:
    """A stored document as plain story JSON (an export row)."""
    return document_to_record(doc).to_json()
