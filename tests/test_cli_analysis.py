"""`livesearch cooccur`, `timeline` and `related` over the conformance suite's planted stories
(written straight through the store: no spaCy)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from livesearch.cli import main
from searcher.backend import open_store
from test_backend_conformance import NUCLEAR, nuclear_story


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-analysis")
    with open_store(folder).rebuild() as out:
        out.begin(len(NUCLEAR))
        for row in NUCLEAR:
            out.add(nuclear_story(*row), f"/corpus/{row[0]}")
    return folder


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_cooccur_lists_above_chance_first_and_json_has_the_api_shape(ix):
    result = invoke("cooccur", "Rafael Grossi", "--index", ix, "--min-count", "4")
    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert rows[0] == "Zaporizhzhia" and "Ukraine" in rows
    data = json.loads(invoke("cooccur", "Rafael Grossi", "-q", "shelling", "--min-count", "1", "--json", "--index", ix).output)
    assert data["stories"] == 2 and data["measure"] == "npmi" and data["items"]
    missing = invoke("cooccur", "Nobody Atall", "--index", ix)
    assert missing.exit_code == 1 and "no story names" in missing.output


def test_timeline_prints_one_column_per_entity(ix):
    result = invoke("timeline", "Rafael Grossi", "place:Zaporizhzhia", "--interval", "week",
                    "--from", "2023-09-01", "--to", "2023-10-08", "--index", ix)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[0] == "week" and lines[2].split() == ["2023-09-04", "1", "1"]
    assert lines[-1].split() == ["total", "5", "5"]
    bad = invoke("timeline", *[f"e{i}" for i in range(6)], "--index", ix)
    assert bad.exit_code == 2 and "at most 5" in bad.output


def test_related_names_what_is_shared(ix):
    found = json.loads(invoke("search", "IAEA chief visits", "--json", "--index", ix).output)["hits"][0]["id"]
    result = invoke("related", found, "--index", ix)
    assert result.exit_code == 0, result.output
    assert "Shelling near Zaporizhzhia nuclear plant" in result.output.splitlines()[0]
    assert "shares Rafael Grossi" in result.output
    assert invoke("related", "nope", "--index", ix).exit_code == 1


def test_search_counts_stories_and_says_how_many_rows_wire_copies_fold_into(tmp_path):
    from test_backend_conformance import WIRE, wire_story

    with open_store(tmp_path).rebuild() as out:
        out.begin(len(WIRE))
        for row in WIRE:
            out.add(wire_story(*row), f"/corpus/{row[0]}")
    grouped = invoke("search", "odesa", "--index", tmp_path)
    assert grouped.exit_code == 0 and "3 stories (1 after grouping wire copies) match" in grouped.output
    assert "+ 2 outlets carried this" in grouped.output
    every = invoke("search", "odesa", "--every-copy", "--index", tmp_path)
    assert "3 stories match" in every.output and "carried this" not in every.output
    data = json.loads(invoke("search", "odesa", "--json", "--index", tmp_path).output)
    assert (data["total"], data["groups"], len(data["hits"])) == (3, 1, 1)
