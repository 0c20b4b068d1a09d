"""What a search answers: typed records whose JSON is the API's contract (see webui/openapi.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass

from searcher import registry


class FacetAttributes:
    """A story facet's values as an attribute (`hit.countries`, `story.people`), read from the
    record's `facets` dict (Hit and StoryRecord)."""

    def __getattr__(self, name: str) -> list[str]:
        facets = self.__dict__.get("facets")
        if facets is not None and name in facets:
            return facets[name]
        raise AttributeError(name)


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass
class Hit(FacetAttributes):
    id: str
    headline: str  # HTML: escaped text, query matches in <mark>
    snippet: str  # HTML, same rules
    date: str | None
    date_basis: str
    source: str
    url: str | None
    facets: dict[str, list[str]]  # story facet name -> values (registry.story_facets())
    score: float | None  # None when not ranked by relevance
    title: str = ""  # HTML like headline: the headline, or the first sentence when there is none
    title_generated: bool = False  # True when `title` was made from the first sentence
    first_seen: str | None = None  # snapshots (issue 15): earliest scrape showing the story
    updated: str | None = None  # when its text last changed, None if never
    removed_after: str | None = None  # the last scrape showing it, when the page no longer does
    copies: int = 0  # other matching stories of its wire group, hidden when results collapse (issue 17)

    def to_json(self) -> dict:
        """Flat, as the API has always given it: each story facet is a key of the hit."""
        data = {k: v for k, v in vars(self).items()
                if k not in ("facets", "score", "copies", "title", "title_generated") + SNAPSHOT_FIELDS}
        data.update({spec.name: list(self.facets.get(spec.name, [])) for spec in registry.story_facets()})
        data["score"] = self.score
        data.update({name: getattr(self, name) for name in SNAPSHOT_FIELDS})
        data["copies"] = self.copies
        data["title"] = self.title
        data["title_generated"] = self.title_generated
        return data


SNAPSHOT_FIELDS = ("first_seen", "updated", "removed_after")


@dataclass
class Correction:
    """What the engine ran instead of an unknown word (issue 14): "Showing results for …"."""

    query: str  # the corrected query, as run
    original: str  # the query as typed; `literal=1` runs it as it is
    words: list[dict]  # [{"from": typed word, "to": word of the stories}]


@dataclass
class Relaxation:
    """Which words were left out when no story had them all: "No story has all of …"."""

    query: str  # the words kept (the rarest set when several), as run
    original: str  # all the words (after any correction)
    dropped: list[str]  # words in none of the sets kept
    alternatives: list[str] = field(default_factory=list)  # every set of words shown, rarest first


@dataclass
class FilterNote:
    """A filter value read as another indexed value, or matching none (with the nearest ones)."""

    param: str  # the URL parameter (`country`)
    value: str  # as given
    resolved: str | None  # the indexed value it stands for (`UK` -> `United Kingdom`), or None
    did_you_mean: list[str] = field(default_factory=list)  # known values close to an unknown one

    def message(self) -> str:
        if self.resolved:
            return f"{self.param} {self.value!r} read as {self.resolved!r}"
        if self.did_you_mean:
            return f"no {self.param} {self.value!r} in the index; did you mean {' or '.join(map(repr, self.did_you_mean))}?"
        return f"no {self.param} {self.value!r} in the index"


@dataclass
class SearchResult:
    query: str
    total: int  # matching stories, wire copies included: what the facets, histogram and export count
    page: int
    per_page: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    dates: list[dict]  # [{"value": "2023-10" or "2023-10-13", "count": n}], in date order
    suggestion: str | None = None  # a did-you-mean when the query ran literally and matched nothing
    corrected: Correction | None = None
    relaxed: Relaxation | None = None
    variants: dict[str, list[str]] = field(default_factory=dict)  # word -> other spellings matched too
    filter_notes: list[FilterNote] = field(default_factory=list)
    undated: int = 0  # matches with no date (ignoring any date range); not in `dates`
    undated_included: bool = True  # whether those are among `total` (a date range leaves them out)
    # Prefix, wildcard, fuzzy and range terms as the index saw them ("co*", "zelenski~2") ->
    # {"terms": highlighted, "words": all the index words matched, "capped": more words than
    # highlighted}; matching uses every word (issue 19).
    expanded: dict[str, dict] = field(default_factory=dict)
    timed_out: bool = False  # the time budget ran out: total, hits and counts may be partial
    latest_first_seen: str | None = None  # the index's newest first_seen: pass as `since` to poll
    # With collapse on (the default): the result rows left after each wire group's copies are
    # folded into one, which the pages go through; None with collapse off (rows = stories).
    groups: int | None = None

    @property
    def rows(self) -> int:
        """The result rows the pages go through: groups when collapsed, else stories."""
        return self.total if self.groups is None else self.groups

    def to_json(self) -> dict:
        """The /api/search response (issue 5) and `livesearch search --json`."""
        facets: dict[str, list[dict]] = {
            name: [vars(v).copy() for v in values] for name, values in self.facets.items()
        }
        return {
            "query": self.query,
            "total": self.total,
            "groups": self.groups,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "hits": [h.to_json() for h in self.hits],
            "facets": {**facets, "dates": list(self.dates)},
            "suggestion": self.suggestion,
            "corrected": vars(self.corrected).copy() if self.corrected else None,
            "relaxed": vars(self.relaxed).copy() if self.relaxed else None,
            "variants": {k: list(v) for k, v in self.variants.items()},
            "filter_notes": [{**vars(n), "message": n.message()} for n in self.filter_notes],
            "undated": {"count": self.undated, "included": self.undated_included},
            "expanded": {term: dict(info) for term, info in self.expanded.items()},
            "timed_out": self.timed_out,
            "latest_first_seen": self.latest_first_seen,
        }




# ---- one story, and the index as a whole (issue 12: typed records, not dicts) ----------------
# Each field's JSON schema (webui/openapi.py derives the document from these classes) takes its
# type from the annotation; `doc` metadata is the field's description there.


def _doc(text: str, **schema) -> dict:
    return {"metadata": {"description": text, **({"schema": schema} if schema else {})}}


@dataclass
class StoryRecord(FacetAttributes):
    """One stored story as plain data: an export row (JSON line, CSV row) and the base of the
    story view. Story facets are flat keys of its JSON, as in hits."""

    id: str
    source: str
    url: str | None
    anchor: str | None = field(default=None, **_doc(
        "The post's element id or permalink fragment on its page, when the markup gives one "
        "(the page links `url#anchor`)."))
    page_title: str | None = None
    origin: str | None = field(default=None, **_doc(
        "The input file's name (a JSON line's as `feed.jsonl:4`); never a server path.", pattern=r"^[^/\\]*$"))
    position: int = field(default=0, **_doc("0-based order on its page.", minimum=0))
    headline: str | None = None
    title: str = field(default="", **_doc("The headline, or the post's first sentence when it has none."))
    title_generated: bool = field(default=False, **_doc("True when `title` was made from the first sentence."))
    body: list[str] = field(default_factory=list, **_doc("Paragraphs."))
    date: str | None = field(default=None, **_doc("ISO 8601 at the precision the page gave: a day, or a time."))
    date_basis: str = field(default="none", **_doc("How the date is known.", enum=["stated", "inferred", "page", "none"]))
    first_seen: str | None = field(default=None, **_doc(
        "ISO time (UTC) of the earliest snapshot of the page showing the story."))
    updated: str | None = field(default=None, **_doc(
        "ISO time (UTC) of the snapshot where its text last changed; null if never."))
    removed_after: str | None = field(default=None, **_doc(
        "ISO time (UTC) of the last snapshot showing it, when the page's newest no longer does; "
        "null while it is on the page."))
    facets: dict[str, list[str]] = field(default_factory=dict, metadata={"flat_facets": True})

    def to_json(self) -> dict:
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("flat_facets"):
                data.update({spec.name: list(value.get(spec.name, [])) for spec in registry.story_facets()})
            else:
                data[f.name] = _plain(value)
        return data


@dataclass
class StoryLink:
    """A neighbouring story on the same page."""

    id: str
    headline: str | None
    title: str = field(default="", **_doc("The headline, or the first sentence of an untitled post."))
    title_generated: bool = False


@dataclass
class WireCopy:
    """The same text printed by another outlet (issue 17)."""

    id: str
    headline: str | None
    source: str
    date: str | None


@dataclass
class StoryView(StoryRecord):
    """A story with its neighbours on the page and its wire copies: /api/stories/<id> and the
    story page."""

    previous: StoryLink | None = None
    next: StoryLink | None = None
    copies: list[WireCopy] = field(default_factory=list, **_doc(
        "Wire copies: the same text printed by other outlets."))


@dataclass
class ValueCount:
    value: str
    count: int = field(**_doc("Stories.", minimum=0))


@dataclass
class DateRange:
    first: str | None
    last: str | None
    undated: int = field(**_doc("Stories with no date.", minimum=0))


@dataclass
class AnalyzerVersion:
    version: int = field(**_doc("The text analyzer the index was built with."))
    current: int = field(**_doc("This livesearch's analyzer."))
    rebuild: bool = field(**_doc("Older than this livesearch's: spelling families need `livesearch build`."))


@dataclass
class IndexStats:
    """`livesearch stats`: counts, date range and top values of the whole index."""

    index: str
    generation: str
    stories: int
    pages: int
    files: int
    sources: list[ValueCount]
    date_range: DateRange
    top: dict[str, list[ValueCount]]  # facet -> its 10 most frequent values
    index_bytes: int
    analyzer: AnalyzerVersion
    built_at: str
    updated_at: str | None

    def to_json(self) -> dict:
        return _plain(self)


def _plain(value):
    """A record's value as JSON data: records become objects, lists and dicts are copied."""
    if isinstance(value, StoryRecord):
        return value.to_json()
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
