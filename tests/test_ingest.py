"""Reading files into pages: formats, sources, and bad input that never stops a run."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from livesearch.cli import main
from searcher.pipeline.ingest import SUPPORTED_SUFFIXES, iter_input_files, read_file
from searcher.pipeline.segment import segment_page, stories_from_file

PAGES = Path(__file__).parent / "fixtures" / "pages"
STORY = "Ferry crossings resume\nThe ferry company restarted its morning crossings after the storm passed on Tuesday.\n"


def test_iter_input_files_walks_folders_sorted_and_filters_suffixes(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ("b/z.html", "b/a.txt", "c.jsonl", "notes.md", "d.JSON", "image.png"):
        (tmp_path / name).write_text("x")
    single = tmp_path / "b" / "a.txt"
    found = list(iter_input_files([tmp_path, single]))
    assert found == [tmp_path / "b" / "a.txt", tmp_path / "b" / "z.html", tmp_path / "c.jsonl", tmp_path / "d.JSON", single]
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".html", ".htm", ".jsonl", ".json"}


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"  \n")
    pages, problems = read_file(path)
    assert pages == [] and [p.message for p in problems] == ["empty file: nothing to read"]
    assert str(problems[0]).startswith(str(path) + ": ")


def test_binary_file(tmp_path):
    path = tmp_path / "photo.html"
    path.write_bytes(bytes(range(256)) * 40)
    pages, problems = read_file(path)
    assert pages == [] and "binary file" in problems[0].message


def test_invalid_utf8_is_decoded_by_detection_and_reported(tmp_path):
    path = tmp_path / "latin.txt"
    text = ("Café owners protest new terrace fees\n"
            "Owners of cafés in the old town said on Monday that the new fees for terraces would force "
            "many of them to close, and that the council had not consulted them before the vote.\n")
    path.write_bytes(text.encode("cp1252"))
    pages, problems = read_file(path)
    assert len(pages) == 1 and "Café owners protest" in pages[0].text
    assert problems[0].line == 1 and "not UTF-8" in problems[0].message


def test_twenty_megabyte_file(tmp_path):
    path = tmp_path / "big.txt"
    paragraph = ("The ferry company said crossings would run every hour from the morning, while engineers checked "
                 "the harbour walls for storm damage and the coastguard kept a small patrol boat on standby. ") * 3
    block = "Ferry crossings resume {n}\n" + (paragraph.strip() + "\n") * 4
    with path.open("w", encoding="utf-8") as out:
        n = 0
        while out.tell() < 20 * 1024 * 1024:
            out.write(block.format(n=n))
            n += 1
    pages, problems = read_file(path)
    assert problems == [] and len(pages) == 1
    stories = segment_page(pages[0])
    assert len(stories) == n and stories[-1].headline == f"Ferry crossings resume {n - 1}"


def test_json_lines_with_missing_fields_and_broken_lines_keep_the_rest():
    pages, problems = read_file(PAGES / "pages.jsonl")
    assert [p.origin.rsplit(":", 1)[1] for p in pages] == ["1", "4"]
    assert (pages[0].source, pages[0].url, pages[0].title) == (
        "Harbour Post", "https://www.harbourpost.example/live/strike", "Port strike live")
    assert pages[0].reference_date.isoformat() == "2024-03-07T18:00:00+00:00"
    assert [(p.line, p.message.split(" (")[0].split(";")[0]) for p in problems] == [
        (3, "broken JSON line"), (2, "no \"text\" or \"html\" field with content"), (4, "\"published\" is not a date")]
    assert pages[1].html and pages[1].reference_date is None


def test_json_array():
    pages, problems = read_file(PAGES / "pages.json")
    assert len(pages) == 1 and pages[0].source == "Metro Courier"
    assert len(problems) == 1 and "no \"text\" or \"html\"" in problems[0].message
    stories, _ = stories_from_file(PAGES / "pages.json")
    assert (stories[0].date, stories[0].date_basis) == ("2024-02-13", "inferred")  # "on Tuesday" before 15 Feb


def test_broken_json_array_is_a_problem_with_a_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n{"text": "a"},\n{"text": \n')
    pages, problems = read_file(path)
    assert pages == [] and problems[0].line == 4 and "broken JSON array" in problems[0].message


def test_source_from_html_host_when_no_site_name():
    [page], _ = read_file(PAGES / "plain.html")
    assert (page.source, page.url) == ("civicwire.example", "https://www.civicwire.example/live/election-night")
    assert page.reference_date.isoformat() == "2024-05-02T23:50:00+00:00"


def test_cli_json_one_object_per_page():
    result = CliRunner().invoke(main, ["segment", "--json", "--no-entities", str(PAGES / "blocks.html")])
    assert result.exit_code == 0
    [line] = result.output.strip().splitlines()
    data = json.loads(line)
    assert (data["source"], data["title"]) == ("The Daily Lantern", "Budget day – live updates | The Daily Lantern")
    first = data["stories"][0]
    assert {"headline", "body", "date", "date_basis", "position", "people", "organizations", "places", "countries", "id"} <= set(first)
    assert first["headline"] == "Fuel duty frozen for another year"


def test_cli_bad_file_does_not_stop_a_folder(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "good.txt").write_text(STORY, encoding="utf-8")
    result = CliRunner().invoke(main, ["segment", str(tmp_path)])
    assert result.exit_code == 0
    assert f"{tmp_path / 'bad.txt'}: binary file" in result.stderr
    assert "Ferry crossings resume" in result.stdout


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["segment", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    (tmp_path / "empty.txt").write_text("")
    nothing = runner.invoke(main, ["segment", str(tmp_path / "empty.txt")])
    assert nothing.exit_code == 1 and "empty file" in nothing.stderr
