"""The build, update, search, stats and export sub-commands, run through click on a real index."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from index_helpers import write_corpus

from livesearch.cli import main


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """(corpus folder, index folder) built once, without entity tagging."""
    root = tmp_path_factory.mktemp("cli")
    corpus = write_corpus(root / "corpus")
    result = CliRunner().invoke(main, ["build", str(corpus), "--index", str(root / "ix"), "--no-entities"])
    assert result.exit_code == 0, result.output
    return corpus, root / "ix"


def invoke(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def test_build_prints_a_closing_summary(indexed):
    corpus, ix = indexed
    result = invoke("build", corpus, "--index", ix, "--no-entities")
    assert result.exit_code == 0
    assert "3 pages, 8 stories from 3 files" in result.output


def test_update_twice_reports_nothing_changed(indexed):
    corpus, ix = indexed
    result = invoke("update", corpus, "--index", ix, "--no-entities")
    assert result.exit_code == 0
    assert "index unchanged: 3 files unchanged" in result.output


def test_search_json_has_the_api_shape(indexed):
    _, ix = indexed
    result = invoke("search", "rafah", "--from", "2023-10", "--json", "--index", ix)
    data = json.loads(result.output)
    assert data["total"] == 1
    assert set(data) == {"query", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion",
                         "corrected", "relaxed", "variants", "filter_notes", "latest_first_seen",
                         "expanded", "timed_out", "undated"}
    assert set(data["hits"][0]) == {
        "id", "headline", "snippet", "date", "date_basis", "source", "url",
        "people", "organizations", "places", "countries", "score", "title", "title_generated",
        "first_seen", "updated", "removed_after", "copies",
    }
    assert set(data["facets"]) == {"countries", "people", "organizations", "places", "sources", "dates"}


def test_search_prints_readable_results(indexed):
    _, ix = indexed
    result = invoke("search", "pension", "--source", "example-news.com", "--limit", 1, "--index", ix)
    assert result.exit_code == 0
    assert "1 story matches" in result.output
    assert "Protests in Paris over pension reform" in result.output
    assert re.search(r"\n     \d{1,2} [A-Z][a-z]{2} \d{4}(, \d\d:\d\d( GMT| UTC\S+)?)? \((stated|inferred|page date)\) · example-news.com",
                     result.output), result.output
    assert "<mark>" not in result.output


def test_index_directory_comes_from_the_environment(indexed):
    _, ix = indexed
    result = invoke("search", "kyiv", "--json", env={"LIVESEARCH_INDEX": str(ix)})
    assert json.loads(result.output)["total"] == 1


def test_stats(indexed):
    _, ix = indexed
    data = json.loads(invoke("stats", "--json", "--index", ix).output)
    assert (data["stories"], data["pages"]) == (8, 3)
    text = invoke("stats", "--index", ix).output
    assert "8 from 3 pages in 3 files" in text and "2022-03-02" in text


def test_export_jsonl_and_csv_give_every_match(indexed):
    _, ix = indexed
    lines = invoke("export", "--index", ix).output.splitlines()
    assert len(lines) == 8 and all(json.loads(line)["id"] for line in lines)
    text = invoke("export", "ukraine", "--format", "csv", "--index", ix).stdout
    assert text.startswith("\ufeffid,")  # the BOM Excel needs, as the web export has
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 3 and rows[0]["body"]


def test_cli_csv_is_the_web_csv_byte_for_byte_and_both_are_named_after_query_and_date(indexed, tmp_path):
    """One rule for the exported file (issue 16): the CLI writes what /api/search.csv sends,
    BOM included, and `--output FOLDER` names it as the web download is named."""
    from datetime import date

    from webui.app import create_app

    _, ix = indexed
    response = create_app({"INDEX_DIR": ix}).test_client().get("/api/search.csv?q=Ukraine+war&sort=oldest")
    name = f"livesearch-ukraine-war-{date.today().isoformat()}.csv"
    assert f'filename="{name}"' in response.headers["Content-Disposition"]
    result = invoke("export", "Ukraine war", "--sort", "oldest", "--format", "csv", "--output", tmp_path, "--index", ix)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_bytes() == response.get_data()
    assert response.get_data().startswith("\ufeff".encode())
    jsonl = invoke("export", "--output", tmp_path / "all.jsonl", "--index", ix)
    assert jsonl.exit_code == 0 and len((tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines()) == 8


@pytest.mark.parametrize("args, message, code", [
    (["search", "x", "--from", "someday"], "bad date for 'from'", 2),
    (["search", '"open'], "unclosed quote", 1),
    (["export", "--to", "2020", "--from", "2021"], "is after", 2),
])
def test_bad_input_gives_a_message_not_a_traceback(indexed, args, message, code):
    _, ix = indexed
    result = invoke(*args, "--index", ix)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_index_and_empty_input(tmp_path):
    result = invoke("search", "x", "--index", tmp_path / "none")
    assert result.exit_code == 1 and "no index at" in result.output
    (tmp_path / "empty").mkdir()
    result = invoke("build", tmp_path / "empty", "--index", tmp_path / "ix", "--no-entities")
    assert result.exit_code == 1 and "no input files" in result.output
