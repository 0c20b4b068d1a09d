"""The OpenAPI 3.1 description of /api/*; tests validate real responses against it."""

from __future__ import annotations

import dataclasses
import types
import typing

from searcher import registry
from searcher.search import explore, results
from searcher.search.request import MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS, UNDATED

NULLABLE_STRING = {"type": ["string", "null"]}
TITLE_FIELDS = {
    "title": {"type": "string", "description": "The headline, or the post's first sentence when it has none "
                                               "(in hits: HTML like `headline`)."},
    "title_generated": {"type": "boolean", "description": "True when `title` was made from the first sentence."},
}
STRING_LIST = {"type": "array", "items": {"type": "string"}}
FACET_LIMIT_DEFAULT = 50
FACET_LIMIT_MAX = 500


def _facet_names() -> list[str]:
    return [spec.name for spec in registry.facets()]


def _story_facets() -> tuple[str, ...]:
    return tuple(spec.name for spec in registry.story_facets())


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, *, extra: bool = False) -> dict:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": extra,
    }


# ---- schemas derived from the records of searcher/search/results.py ---------------------------

_SCALARS = {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"}, bool: {"type": "boolean"}}


def schema_of(cls) -> dict:
    """The JSON schema of a record's `to_json()`: one property per field, typed from its
    annotation, described by its `description`/`schema` metadata; story facets (the registry's)
    are flat properties, as the record's JSON has them. One definition of the shape: a field
    added to the record appears here, and the API tests validate real answers against it."""
    hints = typing.get_type_hints(cls)
    properties: dict = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("flat_facets"):
            properties.update({name: STRING_LIST for name in _story_facets()})
            continue
        schema = dict(_type_schema(hints[f.name]))
        schema.update(f.metadata.get("schema", {}))
        if f.metadata.get("description"):
            schema["description"] = f.metadata["description"]
        properties[f.name] = schema
    doc = cls.__doc__ or ""
    described = doc and not doc.startswith(f"{cls.__name__}(")  # dataclass's own signature text
    return {**_object(properties), **({"description": " ".join(doc.split("\n\n")[0].split())} if described else {})}


def _type_schema(hint) -> dict:
    """`str | None` -> ["string", "null"]; `list[X]`; `dict[str, X]`; a record -> its object."""
    args = typing.get_args(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (inner,) = [a for a in args if a is not type(None)]
        schema = _type_schema(inner)
        if set(schema) == {"type"}:
            return {"type": [schema["type"], "null"]}
        return {"oneOf": [{"type": "null"}, schema]}
    if typing.get_origin(hint) is list:
        return {"type": "array", "items": _type_schema(args[0])}
    if typing.get_origin(hint) is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1])}
    if dataclasses.is_dataclass(hint):
        return schema_of(hint)
    raise TypeError(f"no JSON schema for {hint!r}: add it to webui/openapi.py _type_schema")


def _search_parameters() -> list[dict]:
    def query(name: str, description: str, schema: dict, *, repeated: bool = False) -> dict:
        if repeated:
            schema = {"type": "array", "items": schema}
        parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
        if repeated:
            parameter.update(style="form", explode=True)
        return parameter

    params = [
        query("q", "Whoosh query syntax: words, \"phrases\", AND/OR/NOT, field:word (headline, body).",
              {"type": "string", "maxLength": MAX_QUERY_CHARS}),
    ]
    for spec in registry.facets():
        params.append(query(spec.param, f"Only stories whose {spec.name} include this value; repeat: all must match.",
                            {"type": "string"}, repeated=True))
        params.append(query(f"exclude_{spec.param}", f"Leave out stories whose {spec.name} include this value.",
                            {"type": "string"}, repeated=True))
        for alias in spec.aliases:
            if alias == spec.param:
                continue
            params.append(query(alias, f"The same as `{spec.param}`.", {"type": "string"}, repeated=True))
            params.append(query(f"exclude_{alias}", f"The same as `exclude_{spec.param}`.",
                                {"type": "string"}, repeated=True))
    params += [
        query("from", "First day (inclusive): 2023, 2023-10, 2023-10-13 or 13 Oct 2023.", {"type": "string"}),
        query("to", "Last day (inclusive); a month or year means its last day.", {"type": "string"}),
        query("undated", "Stories with no date: `include` or `exclude`. By default they are included, "
                         "unless `from` or `to` is set.", {"type": "string", "enum": list(UNDATED)}),
        query("sort", "Result order (undated stories come last in both date orders).", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
        query("page", "1-based page number.", {"type": "integer", "minimum": 1, "default": 1}),
        query("per_page", "Hits per page.", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20}),
        query("since", "Only stories first seen after this time (ISO 8601; without an offset, UTC), "
              "e.g. the `latest_first_seen` of an earlier response.", {"type": "string", "format": "date-time"}),
        query("literal", "1: search the words exactly as typed (no name variants, corrections or dropped "
              "words; see `corrected` and `relaxed` in the response).",
              {"type": "string", "enum": ["", "0", "1", "true", "false", "yes", "no", "on", "off"], "default": "0"}),
        query("collapse", "Show the wire copies of one story (other outlets' reprints) once, the first in the "
              "order, with `copies` counting the rest; false lists every copy.",
              {"type": "string", "enum": ["0", "1", "true", "false", "yes", "no", "on", "off"], "default": "true"}),
    ]
    return params


def _schemas() -> dict:
    facet_value = _object({"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
                           "selected": {"type": "boolean"}})
    date_bucket = _object({
        "value": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
        "count": {"type": "integer", "minimum": 0},
    })
    entities = {name: STRING_LIST for name in _story_facets()}
    snapshot_times = {
        "first_seen": {**NULLABLE_STRING, "description": "ISO time (UTC) of the earliest snapshot of the page showing the story."},
        "updated": {**NULLABLE_STRING, "description": "ISO time (UTC) of the snapshot where its text last changed; null if never."},
        "removed_after": {**NULLABLE_STRING, "description": "ISO time (UTC) of the last snapshot showing it, when the page's newest no longer does; null while it is on the page."},
    }
    hit = _object({
        "id": {"type": "string"},
        "headline": {"type": "string", "description": "HTML: escaped page text, query matches in <mark>."},
        "snippet": {"type": "string", "description": "HTML: escaped page text, query matches in <mark>."},
        "date": NULLABLE_STRING,
        "date_basis": {"type": "string", "enum": ["stated", "inferred", "page", "none"]},
        "source": {"type": "string"},
        "url": NULLABLE_STRING,
        **entities,
        "score": {"type": ["number", "null"]},
        **TITLE_FIELDS,
        **snapshot_times,
        "copies": {"type": "integer", "minimum": 0,
                   "description": "Other matching stories of its wire group (hidden when collapse is true)."},
    })
    facets = _object({
        **{facet: {"type": "array", "items": _ref("FacetValue")} for facet in _facet_names()},
        "dates": {"type": "array", "items": _ref("DateBucket")},
    })
    search_response = _object({
        "query": {"type": "string"},
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "took_ms": {"type": "number", "minimum": 0},
        "hits": {"type": "array", "items": _ref("Hit")},
        "facets": _ref("Facets"),
        "suggestion": {**NULLABLE_STRING, "description": "A did-you-mean of real words of the stories, "
                       "offered when the query ran as typed (`literal=1` or operators) and matched nothing."},
        "undated": _object({
            "count": {"type": "integer", "minimum": 0,
                      "description": "Matches with no date, ignoring the date range; not in `facets.dates`."},
            "included": {"type": "boolean", "description": "Whether they are among `total` (see `undated`)."},
        }),
        "corrected": {"oneOf": [{"type": "null"}, _ref("Correction")],
                      "description": "Set when unknown words were replaced by words or names of the stories "
                                     "and the corrected query ran (\"Showing results for …\")."},
        "relaxed": {"oneOf": [{"type": "null"}, _ref("Relaxation")],
                    "description": "Set when no story had every word and stories with most of them are shown "
                                   "(\"No story has all of …\")."},
        "variants": {"type": "object", "additionalProperties": STRING_LIST,
                     "description": "Query words that also matched other spellings of a name (Kiev: [Kyiv])."},
        "filter_notes": {"type": "array", "items": _ref("FilterNote"),
                         "description": "Filter values read as an indexed value (country=UK -> United Kingdom) "
                                        "or matching no value, with the closest known ones."},
        "expanded": {
            "type": "object",
            "description": "Each prefix, wildcard, fuzzy or range term of the query, as the index saw it "
                           "(\"co*\", \"zelenski~2\"): `words` index words it matched (all of them are "
                           "matched), `terms` the most frequent of them, at most 50, that are highlighted, "
                           "`capped` when there were more; `complete: false` when the time budget cut the "
                           "expansion short. Such terms do not score: hits rank by the query's other words, "
                           "then newest first.",
            "additionalProperties": {
                "type": "object",
                "required": ["terms", "words", "capped"],
                "properties": {
                    "terms": {"type": "integer", "minimum": 0},
                    "words": {"type": "integer", "minimum": 0},
                    "capped": {"type": "boolean"},
                    "complete": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        },
        "timed_out": {"type": "boolean", "description": "The request's time budget ran out: total, hits and "
                                                         "counts are what was found by then (a lower bound), and "
                                                         "hits shown after it have no highlighting."},
        "latest_first_seen": {**NULLABLE_STRING, "description": "The index's newest first_seen; pass it as `since` to count stories indexed later."},
    })
    correction = _object({
        "query": {"type": "string", "description": "The query that ran."},
        "original": {"type": "string", "description": "The query as typed; add literal=1 to run it."},
        "words": {"type": "array", "items": _object({"from": {"type": "string"}, "to": {"type": "string"}})},
    })
    relaxation = _object({
        "query": {"type": "string", "description": "The rarest set of words kept."},
        "original": {"type": "string", "description": "All the words (after any correction)."},
        "dropped": {**STRING_LIST, "description": "Words in none of the sets kept."},
        "alternatives": {**STRING_LIST, "description": "Every set of words whose stories are shown."},
    })
    filter_note = _object({
        "param": {"type": "string"},
        "value": {"type": "string"},
        "resolved": NULLABLE_STRING,
        "did_you_mean": STRING_LIST,
        "message": {"type": "string"},
    })
    story = schema_of(results.StoryView)
    facet_values = _object({
        "facet": {"type": "string", "enum": _facet_names()},
        "prefix": {"type": "string"},
        "values": {"type": "array", "items": _ref("FacetValue")},
    })
    error = _object({"error": {"type": "string"}})
    entity = {"oneOf": [{"type": "null"}, _object({
        "facet": {"type": "string", "enum": _facet_names()}, "value": {"type": "string"}})]}
    query_string = {"type": "string", "description": "Query string of the stories: append to /api/search? or /?."}
    cooccurrent = _object({
        "facet": {"type": "string", "enum": list(_story_facets())},
        "value": {"type": "string"},
        "count": {"type": "integer", "minimum": 1, "description": "Stories naming both."},
        "total": {"type": "integer", "minimum": 1, "description": "Stories naming this entity (under the search)."},
        "lift": {"type": "number", "minimum": 0, "description": "P(both) / (P(asked) P(this)); 1 is chance."},
        "pmi": {"type": "number", "description": "log2(lift)."},
        "npmi": {"type": "number", "minimum": -1, "maximum": 1, "description": "PMI / -log2 P(both): the ranking."},
        "stories": query_string,
        "href": {"type": "string", "description": "The search page of the shared stories."},
    })
    cooccurrence = _object({
        "entity": entity,
        "found": {"type": "boolean", "description": "The index names the entity."},
        "stories": {"type": "integer", "minimum": 0, "description": "Stories naming the entity under the search (or matching it)."},
        "universe": {"type": "integer", "minimum": 0, "description": "Stories the probabilities are over."},
        "measure": {"type": "string", "enum": ["npmi"]},
        "min_count": {"type": "integer", "minimum": 1},
        "items": {"type": "array", "items": _ref("Cooccurrent")},
        "edges": {"type": "array", "description": "Shared stories between the first items (for the graph).",
                  "items": _object({"source": {"type": "integer", "minimum": 0},
                                    "target": {"type": "integer", "minimum": 0},
                                    "count": {"type": "integer", "minimum": 1}})},
        "took_ms": {"type": "number", "minimum": 0},
    })
    day = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    timeline = _object({
        "interval": {"type": "string", "enum": [i for i in explore.INTERVALS if i != "auto"]},
        "buckets": {"type": "array", "items": _object({"start": day, "end": day})},
        "series": {"type": "array", "maxItems": explore.MAX_TIMELINE_ENTITIES, "items": _object({
            "entity": entity,
            "found": {"type": "boolean"},
            "total": {"type": "integer", "minimum": 0},
            "counts": {"type": "array", "items": {"type": "integer", "minimum": 0}},
            "stories": query_string,
            "bucket_stories": {"type": "array", "items": query_string},
        })},
        "took_ms": {"type": "number", "minimum": 0},
    })
    related = _object({
        "id": {"type": "string"},
        "items": {"type": "array", "items": _object({
            "id": {"type": "string"},
            "headline": NULLABLE_STRING,
            "title": {"type": "string", "description": "The headline, or the first sentence of an untitled post."},
            "title_generated": {"type": "boolean"},
            "date": NULLABLE_STRING,
            "source": {"type": "string"},
            "score": {"type": "number", "minimum": 0},
            "shared_entities": STRING_LIST,
            "shared_words": STRING_LIST,
            "why": {"type": "string", "description": "e.g. shares Avdiivka, Russia, 'shelling'."},
        })},
        "took_ms": {"type": "number", "minimum": 0},
    })
    return {
        "Cooccurrent": cooccurrent, "Cooccurrence": cooccurrence, "Timeline": timeline, "Related": related,
        "FacetValue": facet_value, "DateBucket": date_bucket, "Hit": hit, "Facets": facets,
        "SearchResponse": search_response, "Correction": correction, "Relaxation": relaxation,
        "FilterNote": filter_note, "Story": story, "FacetValues": facet_values, "Error": error,
        "IndexStats": schema_of(results.IndexStats),
        **_curation_schemas(),
    }


def _curation_schemas() -> dict:
    """One change as the curation file writes it (searcher.enrich.curation), and the answers."""
    from searcher.enrich.curation import ACTIONS, MAX_VALUE_CHARS, TYPES

    text = {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_CHARS}
    changes = []
    for action, fields in ACTIONS.items():
        properties = {"action": {"const": action}, **{f: ({"enum": list(TYPES)} if f == "type" else text) for f in fields}}
        changes.append(_object(properties))
    change = {"oneOf": changes, "description": "merge (value, into), rename (value, to), retype (value, type), hide (value)."}
    return {
        "CurationChange": change,
        "CurationState": _object({"enabled": {"type": "boolean"}, "changes": {"type": "array", "items": change}}),
        "CurationResult": _object({
            "change": change, "number": {"type": "integer", "minimum": 1}, "applied": {"type": "boolean"},
            "stories_updated": {"type": "integer", "minimum": 0}, "message": {"type": "string"},
        }),
    }


def _json(schema_name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again (when busy).",
                                "schema": {"type": "integer", "minimum": 0}}}
ERRORS = {
    "400": _json("Error", "Bad parameters: query syntax, dates, numbers, sizes, or a parameter this "
                         "operation does not know; the message says which (and lists the known ones)."),
    "503": {**_json("Error", "No index has been built yet; or the server is busy (its queue is full) or the "
                             "work could not finish within its time budget and cannot be partial: then with "
                             "Retry-After."), "headers": RETRY_AFTER},
}


def openapi_document() -> dict:
    search_params = [{"$ref": f"#/components/parameters/{p['name']}"} for p in _search_parameters()]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "livesearch API",
            "version": "1.0.0",
            "description": "Search live-blog news story by story, with entity and date facets.",
        },
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Search stories (one page of hits, facets, date histogram).",
                "parameters": search_params,
                "responses": {"200": _json("SearchResponse", "One page of results."), **ERRORS},
            }},
            "/api/search.csv": {"get": {
                "operationId": "exportCsv", "summary": "Every matching story as CSV, streamed (page and per_page are ignored).",
                "parameters": search_params,
                "responses": {
                    "200": {"description": "CSV with a header row.", "content": {"text/csv": {"schema": {"type": "string"}}}},
                    **ERRORS,
                },
            }},
            "/api/search.atom": {"get": {
                "operationId": "searchFeed",
                "summary": "An Atom feed of the search: its newest stories by first_seen (per_page, default 50).",
                "parameters": search_params,
                "responses": {
                    "200": {"description": "Atom 1.0.", "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                    **ERRORS,
                },
            }},
            "/api/curation": {
                "get": {
                    "operationId": "curationChanges",
                    "summary": "Whether this server lets the page curate entities, and the curation file's changes in order.",
                    "responses": {"200": _json("CurationState", "The state."), "400": ERRORS["400"], "503": ERRORS["503"]},
                },
                "post": {
                    "operationId": "curate",
                    "summary": "Merge, rename, retype or hide an entity value: saved in the curation file beside the "
                               "index and applied to the indexed stories. Only on a server started with "
                               "`livesearch serve --allow-curation`; same-origin JSON only.",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CurationChange")}}},
                    "responses": {
                        "200": _json("CurationResult", "Saved, and applied unless another build or update held the index."),
                        "400": _json("Error", "Not a JSON object, an unknown action, a missing, empty, unknown or too long field."),
                        "403": _json("Error", "Curation is off on this server (the message says how to turn it on), or a cross-site request."),
                        "503": ERRORS["503"],
                    },
                },
            },
            "/api/stories/{id}": {"get": {
                "operationId": "story", "summary": "One full story, with the previous and next stories of its page.",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _json("Story", "The story."), "404": _json("Error", "No story with that id."),
                              "503": ERRORS["503"]},
            }},
            "/api/stories/{id}/related": {"get": {
                "operationId": "related", "summary": "Stories of other pages most like this one in words and entities, with why.",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "limit", "in": "query", "required": False,
                                "schema": {"type": "integer", "minimum": 1, "maximum": explore.RELATED_MAX_LIMIT,
                                           "default": explore.RELATED_LIMIT}}],
                "responses": {"200": _json("Related", "Related stories, best first."),
                              "400": ERRORS["400"], "404": _json("Error", "No story with that id."),
                              "503": ERRORS["503"]},
            }},
            "/api/cooccurrence": {"get": {
                "operationId": "cooccurrence",
                "summary": "Who appears with an entity: entities of its stories under the search, ranked by NPMI "
                           "(how far above chance) among pairs seen at least min_count times.",
                "parameters": [
                    {"name": "entity", "in": "query", "required": False,
                     "description": "A name ('Vladimir Putin') or facet:name ('country:Georgia'); without it, the "
                                    "entities most over-represented in the search's stories.",
                     "schema": {"type": "string", "maxLength": explore.MAX_ENTITY_CHARS}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": explore.COOCCURRENCE_MAX_LIMIT,
                                "default": explore.COOCCURRENCE_LIMIT}},
                    {"name": "min_count", "in": "query", "required": False, "description": "Fewest shared stories.",
                     "schema": {"type": "integer", "minimum": 1, "default": explore.MIN_COUNT}},
                    *[p for p in search_params if not p["$ref"].endswith(("/page", "/per_page", "/collapse"))],
                ],
                "responses": {"200": _json("Cooccurrence", "Co-occurring entities, best first."), **ERRORS},
            }},
            "/api/timeline": {"get": {
                "operationId": "timeline",
                "summary": "Dated stories per interval naming each entity (up to 5), under the search, on one axis.",
                "parameters": [
                    {"name": "entity", "in": "query", "required": False, "style": "form", "explode": True,
                     "description": "Repeat for up to 5 entities; name or facet:name. Without it: every matching story.",
                     "schema": {"type": "array", "maxItems": explore.MAX_TIMELINE_ENTITIES,
                                "items": {"type": "string", "maxLength": explore.MAX_ENTITY_CHARS}}},
                    {"name": "interval", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": list(explore.INTERVALS), "default": "auto"}},
                    *[p for p in search_params if not p["$ref"].endswith(("/page", "/per_page", "/collapse"))],
                ],
                "responses": {"200": _json("Timeline", "Buckets and one series per entity."), **ERRORS},
            }},
            "/api/facets/{name}": {"get": {
                "operationId": "facetValues", "summary": "Values of one facet starting with a prefix, counted under the search parameters.",
                "parameters": [
                    {"name": "name", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": _facet_names()}},
                    {"name": "prefix", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": FACET_LIMIT_MAX,
                                "default": FACET_LIMIT_DEFAULT}},
                    *search_params,
                ],
                "responses": {"200": _json("FacetValues", "Matching values, most frequent first."), **ERRORS},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }},
        },
        "components": {
            "schemas": _schemas(),
            "parameters": {p["name"]: p for p in _search_parameters()},
        },
    }
