"""Questions beyond "which stories match": who appears with an entity, how often entities are
named over time, and which stories are related to one. Requests parsed from URL-style
parameters (as `SearchRequest`) and typed results whose JSON is the API's contract.

Measures and thresholds are explained in docs/analysis.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from searcher import registry
from searcher.errors import QueryError
from searcher.search.request import SearchRequest, _int_param, _last

ENTITY_FACETS = ("people", "organizations", "places", "countries", "sources")  # bare names resolve in this order
INTERVALS = ("auto", "day", "week", "month", "year")
MAX_TIMELINE_ENTITIES = 5
MAX_ENTITY_CHARS = 200
COOCCURRENCE_LIMIT = 20
COOCCURRENCE_MAX_LIMIT = 100
MIN_COUNT = 3  # a pair seen fewer times than this is not ranked: PMI of rare pairs is noise
RELATED_LIMIT = 8
RELATED_MAX_LIMIT = 50
GRAPH_NODES = 15  # entities drawn in the co-occurrence graph (edges among them are counted)

# Parameters of each analysis endpoint beyond the search parameters (declared for the API).
COOCCURRENCE_PARAMS = ("entity", "limit", "min_count")
TIMELINE_PARAMS = ("entity", "interval")
RELATED_PARAMS = ("limit",)


@dataclass(frozen=True)
class EntityRef:
    """An entity as asked for: a facet (None: any entity facet) and a value."""

    facet: str | None
    value: str

    @classmethod
    def parse(cls, text: str) -> EntityRef:
        """`Vladimir Putin`, or with its facet to disambiguate: `person:Georgia`, `country:Georgia`
        (any facet name, URL parameter or alias)."""
        text = text.strip()
        if not text:
            raise QueryError("an entity is empty; give a name such as 'Vladimir Putin' or 'country:Georgia'")
        if len(text) > MAX_ENTITY_CHARS:
            raise QueryError(f"entity is {len(text)} characters; the limit is {MAX_ENTITY_CHARS}")
        head, sep, rest = text.partition(":")
        if sep and rest.strip() and (spec := registry.facet(head.strip().lower())) is not None:
            return cls(spec.name, rest.strip())
        return cls(None, text)

    def param(self) -> str:
        """The search parameter that filters on this entity (needs a resolved facet)."""
        spec = registry.facet(self.facet or "")
        if spec is None:
            raise ValueError(f"entity {self.value!r} has no facet")
        return spec.param

    def to_text(self) -> str:
        return f"{self.param()}:{self.value}" if self.facet else self.value

    def to_json(self) -> dict:
        return {"facet": self.facet, "value": self.value}


def _entities(params: Mapping[str, list[str]]) -> list[EntityRef]:
    out: list[EntityRef] = []
    for text in params.get("entity", []):
        if text.strip():
            ref = EntityRef.parse(text)
            if ref not in out:
                out.append(ref)
    return out


def _search_part(params: Mapping[str, list[str]]) -> SearchRequest:
    own = {"page", "per_page", "collapse", *COOCCURRENCE_PARAMS, *TIMELINE_PARAMS, *RELATED_PARAMS}
    return SearchRequest.from_params({k: v for k, v in params.items() if k not in own})


def search_params(req: SearchRequest, *extra: tuple[str, str]) -> str:
    """The query string of the search page (or /api/search) for `req` narrowed by `extra`
    parameters (facet filters, from/to): how every answer links to its stories."""
    params = [p for p in req.to_params() if p[0] not in ("page", "per_page")]
    for key, value in extra:
        if key in ("from", "to"):
            params = [p for p in params if p[0] != key]
        if (key, value) not in params:
            params.append((key, value))
    return urlencode(params)


@dataclass
class CooccurrenceRequest:
    search: SearchRequest = field(default_factory=SearchRequest)
    entity: EntityRef | None = None
    limit: int = COOCCURRENCE_LIMIT
    min_count: int = MIN_COUNT

    @classmethod
    def from_params(cls, params: Mapping[str, list[str]]) -> CooccurrenceRequest:
        entities = _entities(params)
        if len(entities) > 1:
            raise QueryError("give one entity for co-occurrence (or none: what the search's stories share)")
        return cls(
            _search_part(params),
            entities[0] if entities else None,
            _int_param(params, "limit", COOCCURRENCE_LIMIT, 1, COOCCURRENCE_MAX_LIMIT),
            _int_param(params, "min_count", MIN_COUNT, 1, 1_000_000),
        )


@dataclass
class Cooccurrent:
    """An entity seen with the asked one: shared stories, and how far above chance."""

    facet: str
    value: str
    count: int  # stories naming both (under the search)
    total: int  # stories naming this one (under the search)
    lift: float  # P(both) / (P(asked) P(this)): 1 is chance
    pmi: float  # log2(lift)
    npmi: float  # pmi / -log2 P(both), in [-1, 1]: the ranking measure
    stories: str  # query string of the shared stories (search page or /api/search)

    def to_json(self) -> dict:
        data = vars(self).copy()
        for key in ("lift", "pmi", "npmi"):
            data[key] = round(data[key], 4)
        return data


@dataclass
class CooccurrenceResult:
    entity: EntityRef | None  # resolved (facet filled), or None: the search's own stories
    found: bool  # the entity is in the index
    stories: int  # stories naming the entity under the search (or matching the search)
    universe: int  # stories the probabilities are taken over
    min_count: int
    items: list[Cooccurrent]
    edges: list[tuple[int, int, int]]  # (item, item, shared stories) among the first GRAPH_NODES items
    took_ms: float
    measure: str = "npmi"

    def to_json(self) -> dict:
        return {
            "entity": self.entity.to_json() if self.entity else None,
            "found": self.found,
            "stories": self.stories,
            "universe": self.universe,
            "measure": self.measure,
            "min_count": self.min_count,
            "items": [c.to_json() for c in self.items],
            "edges": [{"source": a, "target": b, "count": n} for a, b, n in self.edges],
            "took_ms": round(self.took_ms, 2),
        }


@dataclass
class TimelineRequest:
    search: SearchRequest = field(default_factory=SearchRequest)
    entities: list[EntityRef] = field(default_factory=list)
    interval: str = "auto"

    @classmethod
    def from_params(cls, params: Mapping[str, list[str]]) -> TimelineRequest:
        entities = _entities(params)
        if len(entities) > MAX_TIMELINE_ENTITIES:
            raise QueryError(f"{len(entities)} entities; a timeline shows at most {MAX_TIMELINE_ENTITIES}")
        interval = _last(params, "interval") or "auto"
        if interval not in INTERVALS:
            raise QueryError(f"unknown interval {interval!r}; use one of {', '.join(INTERVALS)}")
        return cls(_search_part(params), entities, interval)


@dataclass
class TimelineBucket:
    start: date
    end: date  # inclusive

    def to_json(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class TimelineSeries:
    entity: EntityRef | None  # None: every story matching the search
    found: bool
    total: int  # dated stories in the series
    counts: list[int]  # one per bucket
    stories: str  # query string of the series' stories

    def bucket_stories(self, req: SearchRequest, bucket: TimelineBucket) -> str:
        extra = [(self.entity.param(), self.entity.value)] if self.entity and self.found else []
        return search_params(req, *extra, ("from", bucket.start.isoformat()), ("to", bucket.end.isoformat()))

    def to_json(self) -> dict:
        return {"entity": self.entity.to_json() if self.entity else None, "found": self.found,
                "total": self.total, "counts": list(self.counts), "stories": self.stories}


@dataclass
class TimelineResult:
    interval: str  # the one used (auto resolved)
    buckets: list[TimelineBucket]
    series: list[TimelineSeries]
    search: SearchRequest
    took_ms: float

    def to_json(self) -> dict:
        return {
            "interval": self.interval,
            "buckets": [b.to_json() for b in self.buckets],
            "series": [
                {**s.to_json(), "bucket_stories": [s.bucket_stories(self.search, b) for b in self.buckets]}
                for s in self.series
            ],
            "took_ms": round(self.took_ms, 2),
        }


@dataclass
class RelatedStory:
    id: str
    headline: str | None
    date: str | None
    source: str
    score: float
    shared_entities: list[str]  # the rarest first
    shared_words: list[str]  # as written in the asked story
    title: str = ""  # the headline, or the first sentence of an untitled post (records.story_title)
    title_generated: bool = False

    def why(self) -> str:
        """"shares Avdiivka, Russia, 'shelling'"."""
        parts = self.shared_entities[:3] + [f"'{w}'" for w in self.shared_words[:3]]
        return "shares " + ", ".join(parts) if parts else ""

    def to_json(self) -> dict:
        return {**vars(self), "score": round(self.score, 4), "why": self.why()}


@dataclass
class RelatedResult:
    story_id: str
    items: list[RelatedStory]
    took_ms: float

    def to_json(self) -> dict:
        return {"id": self.story_id, "items": [r.to_json() for r in self.items], "took_ms": round(self.took_ms, 2)}
