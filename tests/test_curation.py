"""Curation beside the index (searcher.enrich.curation) and `livesearch entities`: merges, renames,
retypes and hides applied at build and update, surviving rebuilds."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from index_helpers import write_blog
from profiles import examples

from livesearch.cli import main
from searcher.enrich.curation import CURATION_FILE, TYPES, Curation, CurationError, apply_curation, load_curation, save_curation
from searcher.records import Story


def _story(**facets) -> Story:
    story = Story(source="s", origin="o.txt", position=0, headline="h", body=["b"])
    for facet, values in facets.items():
        setattr(story, facet, list(values))
    return story


def test_each_action_rewrites_stories_and_the_alias_table():
    stories = [
        _story(people=["Putin", "Debris"], organizations=["Gazprom Neft"]),
        _story(people=["Vladimir Putin"], places=["Kiev"]),
    ]
    table = {"entities": {"Vladimir Putin": {"type": "people", "variants": ["Mr Putin"]}}}
    curation = Curation()
    curation.add("merge", value="Putin", into="Vladimir Putin")
    curation.add("hide", value="debris")
    curation.add("rename", value="Kiev", to="Kyiv")
    curation.add("retype", value="Gazprom Neft", type="organizations")
    curation.add("retype", value="Vladimir Putin", type="places")
    apply_curation(stories, table, curation)
    assert stories[0].people == [] and stories[0].places == ["Vladimir Putin"]
    assert set(stories[1].places) == {"Vladimir Putin", "Kyiv"}
    assert table["entities"]["Vladimir Putin"]["type"] == "places"
    assert table["entities"]["Kyiv"] == {"type": "places", "variants": ["Kiev"]}


def test_the_file_round_trips_and_bad_files_say_what_is_wrong(tmp_path):
    curation = Curation(outlets={"harbourtimes.example.net": 'The "Harbour" Times'})
    curation.add("merge", value="Kim", into="Kim Jong Un")
    save_curation(tmp_path, curation)
    again = load_curation(tmp_path)
    assert again.changes == curation.changes and again.outlets == curation.outlets
    assert load_curation(tmp_path / "none").changes == []
    (tmp_path / CURATION_FILE).write_text('version = 1\n[[change]]\naction = "explode"\nvalue = "x"\n')
    with pytest.raises(CurationError, match="action must be one of"):
        load_curation(tmp_path)
    (tmp_path / CURATION_FILE).write_text("version = [\n")
    with pytest.raises(CurationError, match="cannot read"):
        load_curation(tmp_path)
    with pytest.raises(CurationError, match="type must be"):
        Curation().add("retype", value="x", type="animals")


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _write_blog(folder):
    folder.mkdir()
    write_blog(folder, "blog.txt", "harbourtimes.example.net", "Russia live", "13 September 2023", [
        ("10.42 BST", "Putin meets Kim in Vladivostok",
         ["Vladimir Putin met Kim Jong Un in Vladivostok on Wednesday, the Kremlin said."]),
        ("09.15 BST", "Strike on Kharkiv",
         ["Missiles hit Kharkiv overnight, officials in Ukraine said. Putin said the talks went well."]),
    ])
    return folder


def _facet(index, facet):
    result = _invoke("search", "", "--json", "--index", index, "--limit", "50")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    return {value for hit in hits for value in ([hit[facet]] if isinstance(hit[facet], str) else hit[facet])}


def test_cli_curation_applies_at_build_and_survives_rebuilds(tmp_path):
    corpus, index = _write_blog(tmp_path / "corpus"), tmp_path / "ix"
    assert _invoke("build", corpus, "--index", index).exit_code == 0
    for args in (("merge", "Kim Jong Un", "Supreme Leader Kim"), ("hide", "Vladivostok"),
                 ("retype", "Vladimir Putin", "organizations"), ("outlet", "harbourtimes.example.net", "The Harbour Times")):
        result = _invoke("entities", *args, "--index", index)
        assert result.exit_code == 0 and "saved in" in result.output, result.output
    listed = _invoke("entities", "changes", "--index", index).output
    assert "merge" in listed and "hide" in listed and "The Harbour Times" in listed
    for _ in range(2):  # applied, and again after another rebuild
        assert _invoke("build", corpus, "--index", index).exit_code == 0
        assert "Supreme Leader Kim" in _facet(index, "people") and "Kim Jong Un" not in _facet(index, "people")
        assert "Vladivostok" not in _facet(index, "places")
        assert "Vladimir Putin" in _facet(index, "organizations") and "Vladimir Putin" not in _facet(index, "people")
        assert _facet(index, "source") == {"The Harbour Times"}
    values = _invoke("entities", "list", "--index", index).output
    assert "Vladimir Putin" in values and "Supreme Leader Kim" in values and "== organizations" in values
    assert _invoke("entities", "undo", "2", "--index", index).exit_code == 0
    result = _invoke("update", corpus, "--index", index)
    assert result.exit_code == 0 and "re-written for the changed curation file" in result.output, result.output
    assert "Vladivostok" in _facet(index, "places")  # an undo reaches indexed stories at update
    assert "index unchanged" in _invoke("update", corpus, "--index", index).output


def test_cli_reports_a_broken_curation_file_instead_of_dropping_it(tmp_path):
    corpus, index = _write_blog(tmp_path / "corpus"), tmp_path / "ix"
    index.mkdir()
    (index / CURATION_FILE).write_text("version = [\n")
    result = _invoke("build", corpus, "--index", index)
    assert result.exit_code == 1 and "curation file" in result.output
    assert "there is no change" in _invoke("entities", "undo", "5", "--index", tmp_path / "other").output


def test_a_change_reaches_indexed_stories_at_update_without_new_pages(tmp_path):
    corpus, index = _write_blog(tmp_path / "corpus"), tmp_path / "ix"
    assert _invoke("build", corpus, "--index", index).exit_code == 0
    assert "Vladivostok" in _facet(index, "places")
    assert _invoke("entities", "hide", "Vladivostok", "--index", index).exit_code == 0
    assert _invoke("entities", "merge", "Vladimir Putin", "President Putin", "--index", index).exit_code == 0
    result = _invoke("update", corpus, "--index", index)
    assert result.exit_code == 0 and "2 indexed stories re-written" in result.output, result.output
    assert "Vladivostok" not in _facet(index, "places")
    assert "President Putin" in _facet(index, "people") and "Vladimir Putin" not in _facet(index, "people")


NAMES = ["Vladimir Putin", "Kim Jong Un", "Kharkiv", "Vladivostok", "Ukraine", "Kremlin", "Nobody Here"]
CHANGES = st.one_of(
    st.builds(lambda v, t: ("merge", {"value": v, "into": t}), st.sampled_from(NAMES), st.sampled_from(NAMES + ["Mr X"])),
    st.builds(lambda v, t: ("rename", {"value": v, "to": t}), st.sampled_from(NAMES), st.sampled_from(["Renamed", "Kyiv"])),
    st.builds(lambda v, t: ("retype", {"value": v, "type": t}), st.sampled_from(NAMES), st.sampled_from(TYPES)),
    st.builds(lambda v: ("hide", {"value": v}), st.sampled_from(NAMES)),
)


def _facets_by_story(index):
    from searcher.backend.whoosh.store import open_generation
    from searcher.backend.whoosh.schema import document_to_story

    _, ix = open_generation(index)
    with ix.searcher() as searcher:
        stories = [document_to_story(doc) for doc in searcher.documents()]
    return {(s.origin, s.position): {f: sorted(getattr(s, f)) for f in ("people", "organizations", "places", "countries")}
            for s in stories}


@settings(max_examples=examples(8, 60))
@given(st.lists(CHANGES, min_size=1, max_size=4), st.integers(0, 3))
def test_curated_build_equals_build_then_curate_then_update(tmp_path_factory, changes, undo):
    """The same facets per story whether the curation was there at build or came after it (and
    an undo after that is the same as never having made the change)."""
    from searcher.build import build, update

    root = tmp_path_factory.mktemp("curate")
    corpus = _write_blog(root / "corpus")
    curation = Curation()
    for action, fields in changes:
        curation.add(action, **fields)
    save_curation(root / "curated", curation)
    build([corpus], root / "curated", progress=False)
    build([corpus], root / "later", progress=False)
    save_curation(root / "later", curation)
    update([corpus], root / "later", progress=False)
    assert _facets_by_story(root / "later") == _facets_by_story(root / "curated")
    if undo < len(curation.changes):
        curation.changes.pop(undo)
        save_curation(root / "later", curation)
        update([corpus], root / "later", progress=False)
        save_curation(root / "again", curation)
        build([corpus], root / "again", progress=False)
        assert _facets_by_story(root / "later") == _facets_by_story(root / "again")
