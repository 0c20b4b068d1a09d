"""What a search answers: typed records whose JSON is the API's contract (see webui/openapi.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from searcher import registry


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass
class Hit:
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

    def __getattr__(self, name: str) -> list[str]:
        """A story facet's values as an attribute (`hit.countries`)."""
        facets = self.__dict__.get("facets")
        if facets is not None and name in facets:
            return facets[name]
        raise AttributeError(name)

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
    total: int
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

    def to_json(self) -> dict:
        """The /api/search response (issue 5) and `livesearch search --json`."""
        facets: dict[str, list[dict]] = {
            name: [vars(v).copy() for v in values] for name, values in self.facets.items()
        }
        return {
            "query": self.query,
            "total": self.total,
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


