"""One shape per answer (issue 12): the story view and the index statistics are typed records
whose JSON and OpenAPI schema derive from them, and the layers import only downwards."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator

from livesearch.cli import main
from searcher import build as index
from searcher.search import results
from searcher.search.engine import Engine
from webui.app import create_app
from webui.openapi import schema_of
from webui_support import FIXTURE_PAGES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("records")
    index.build([FIXTURE_PAGES], folder, progress=False, entities=False)
    return folder


@pytest.fixture(scope="module")
def spec(built) -> dict:
    return create_app(built).test_client().get("/api/openapi.json").get_json()


def _validate(spec: dict, name: str, body) -> None:
    OAS31Validator({**spec["components"]["schemas"][name], "components": spec["components"]}).validate(body)


def test_story_view_is_a_record_whose_json_is_the_api_and_whose_fields_are_the_schema(built, spec):
    engine = Engine(built)
    hit = engine.search(results_request()).hits[1]
    view = engine.story(hit.id)
    assert isinstance(view, results.StoryView) and isinstance(view.previous, results.StoryLink)
    body = create_app(built).test_client().get(f"/api/stories/{hit.id}").get_json()
    assert body == json.loads(json.dumps(view.to_json()))
    _validate(spec, "Story", body)
    assert set(spec["components"]["schemas"]["Story"]["properties"]) == set(body)


def test_index_stats_is_a_record_whose_json_is_the_cli_output_and_the_schema(built, spec):
    figures = Engine(built).stats()
    assert isinstance(figures, results.IndexStats) and isinstance(figures.date_range, results.DateRange)
    printed = json.loads(CliRunner().invoke(main, ["stats", "--json", "--index", str(built)]).output)
    assert printed == figures.to_json()
    _validate(spec, "IndexStats", printed)
    assert set(spec["components"]["schemas"]["IndexStats"]["properties"]) == set(printed)


def results_request():
    from searcher.search.request import SearchRequest

    return SearchRequest(sort="oldest", per_page=50)


def test_a_field_added_to_a_record_appears_in_its_json_and_schema():
    """The schema has no second copy of the shape: a new field shows up by itself."""

    @dataclasses.dataclass
    class Extended(results.StoryView):
        """A story with a field the base record lacks."""

        sentiment: float | None = dataclasses.field(default=None, metadata={"description": "Tone, -1 to 1."})

    schema = schema_of(Extended)
    record = Extended(id="x", source="s", url=None, sentiment=0.5, facets={"people": ["A"]})
    data = record.to_json()
    assert schema["properties"]["sentiment"] == {"type": ["number", "null"], "description": "Tone, -1 to 1."}
    assert set(schema["properties"]) == set(data) and data["sentiment"] == 0.5 and data["people"] == ["A"]
    OAS31Validator(schema).validate(data)


_text = st.text(max_size=20)
_opt = st.none() | _text


@given(st.builds(
    results.StoryView, id=_text, source=_text, url=_opt, headline=_opt, body=st.lists(_text, max_size=3),
    date=_opt, date_basis=st.sampled_from(["stated", "inferred", "page", "none"]),
    position=st.integers(0, 500), facets=st.dictionaries(st.sampled_from(["people", "places"]), st.lists(_text, max_size=2)),
    previous=st.none() | st.builds(results.StoryLink, id=_text, headline=_opt, title=_text, title_generated=st.booleans()),
    copies=st.lists(st.builds(results.WireCopy, id=_text, headline=_opt, source=_text, date=_opt), max_size=2),
))
def test_every_story_view_json_matches_its_derived_schema(view):
    OAS31Validator(schema_of(results.StoryView)).validate(view.to_json())


# ---- layers: each imports only the ones before it ----------------------------------------------

# Modules allowed to name the Whoosh package outside it: the backend factory, and issue 13's
# curation CLI, which reads an index's facet fields directly (not part of this change).
WHOOSH_ALLOWED = {"searcher/backend/__init__.py", "livesearch/entities_cli.py"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_only_the_backend_package_knows_whoosh():
    """build.py keeps its manifest through searcher/backend/manifest.py, never the Whoosh store."""
    offenders = []
    for folder in ("searcher", "livesearch", "webui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("searcher/backend/whoosh/") or rel in WHOOSH_ALLOWED:
                continue
            named = {m for m in _imports(path) if m == "whoosh" or m.startswith(("whoosh.", "searcher.backend.whoosh"))}
            if named:
                offenders.append((rel, sorted(named)))
    assert offenders == []
