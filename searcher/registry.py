"""The one list of facets: everything that names a facet derives from `FACETS`.

A facet is a set of exact values per story (people, countries, ...). The request parser, the
index schema, stored documents, hits, CSV columns, CLI options, the OpenAPI document and the
page's sidebar all read this registry, so adding a facet is one `register(FacetSpec(...))` with
its producer (the function that gives a story's values), nothing else.

Facets can also come from a plugin: `LIVESEARCH_PLUGINS=module[,module]` names modules imported
when the registry is first used; each calls `register`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from searcher.records import Story


@dataclass(frozen=True)
class FacetSpec:
    name: str  # the key in results and story JSON, and the Story attribute of entity facets
    param: str  # the URL parameter and CLI option (`country` -> `--country`, `exclude_country`)
    label: str  # the heading on the page
    field: str  # the index field
    producer: Callable[[Story], list[str]]  # a story's values
    description: str = ""
    in_story: bool = True  # listed in story JSON/CSV/hits under `name` (sources: the `source` field)
    aliases: tuple[str, ...] = ()  # other accepted URL parameters (e.g. the plural `countries`)


def _attribute(name: str) -> Callable[[Story], list[str]]:
    def values(story: Story) -> list[str]:
        return list(getattr(story, name) or [])

    values.__name__ = f"story_{name}"
    return values


def _source(story: Story) -> list[str]:
    return [story.source] if story.source else []


_SPECS: list[FacetSpec] = [
    FacetSpec("sources", "source", "Sources", "sources", _source, "the outlet", in_story=False),
    FacetSpec("countries", "country", "Countries", "countries", _attribute("countries"),
              "countries the story is about", aliases=("countries",)),
    FacetSpec("people", "person", "People", "people", _attribute("people"),
              "people named", aliases=("people",)),
    FacetSpec("organizations", "org", "Organizations", "organizations", _attribute("organizations"),
              "organisations named", aliases=("organizations", "organization")),
    FacetSpec("places", "place", "Places", "places", _attribute("places"),
              "places named", aliases=("places",)),
]
_plugins_loaded = False


def register(spec: FacetSpec) -> FacetSpec:
    """Add a facet (or replace the one of the same name); returns it."""
    _SPECS[:] = [s for s in _SPECS if s.name != spec.name] + [spec]
    return spec


def facets() -> tuple[FacetSpec, ...]:
    """Every facet, in sidebar order."""
    _load_plugins()
    return tuple(_SPECS)


def facet(name_or_param: str) -> FacetSpec | None:
    """The facet of a name, URL parameter or alias."""
    for spec in facets():
        if name_or_param in (spec.name, spec.param, *spec.aliases):
            return spec
    return None


def story_facets() -> tuple[FacetSpec, ...]:
    """The facets listed on each story (hits, story JSON, CSV)."""
    return tuple(s for s in facets() if s.in_story)


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for module in filter(None, (m.strip() for m in os.environ.get("LIVESEARCH_PLUGINS", "").split(","))):
        importlib.import_module(module)
