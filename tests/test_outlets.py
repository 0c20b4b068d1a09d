"""Sources are outlets, not file names (searcher.pipeline.outlets and its hook in ingest)."""

from __future__ import annotations

import json

from searcher.pipeline.ingest import read_file
from searcher.pipeline.outlets import FILE_NAME_FLAG, canonical_outlet, host_of, outlet_in_text, page_source, resolve_sources
from searcher.records import Story


def _story(source, url=None) -> Story:
    return Story(source=source, origin="x.txt", position=0, headline="h", body=["b"], url=url)


def test_metadata_then_domain_table_then_text_then_flagged_file_name():
    assert page_source("a.html", site_name="the Guardian") == "The Guardian"
    assert page_source("a.html", url="https://www.theguardian.com/politics/live/x") == "The Guardian"
    assert page_source("a.html", url="https://news.example.org/live") == "news.example.org"
    assert page_source("a.txt", given="lemonde.fr") == "Le Monde"
    assert page_source("a.txt", text="Body.\nSource: independent.co.uk\n") == "The Independent"
    assert page_source("page-000021.txt", text="Nothing about the outlet here.") == "page-000021.txt" + FILE_NAME_FLAG


def test_outlet_named_by_the_page_about_itself_not_by_what_it_quotes():
    assert outlet_in_text("Reuters reported the strike. The Kremlin denied it.") is None
    assert outlet_in_text("Story.\nJane Roe is a former News Editor at the Kyiv Independent. She writes.") == (
        "The Kyiv Independent"
    )
    assert outlet_in_text("Story.\n© 2024 Harbour Times Media\n") == "Harbour Times Media"
    assert outlet_in_text("From CNN's Kathleen Magramo\nThe strike hit Kharkiv.") == "CNN"


def test_one_outlet_one_name_across_the_corpus():
    stories = [
        _story("The Harbour Times", "https://harbourtimes.example.net/live/1"),
        _story("harbourtimes.example.net"),  # a text page's `Source:` line
        _story("Harbour Times"),  # a byline's short name
        _story("Northbridge Post", "https://northbridgepost.example.com/live/2"),
        _story("Northbridge"),
        _story("Global Wire Today", "https://globalwire.example.org/live/3"),
        _story("GWT"),
        _story("page-000021.txt" + FILE_NAME_FLAG),
    ]
    resolve_sources(stories)
    assert [s.source for s in stories] == [
        "The Harbour Times", "The Harbour Times", "The Harbour Times", "Northbridge Post", "Northbridge Post",
        "Global Wire Today", "Global Wire Today", "page-000021.txt" + FILE_NAME_FLAG,
    ]


def test_the_users_domain_table_wins():
    stories = [_story("news.example.org", "https://news.example.org/a"), _story("The Independent")]
    resolve_sources(stories, {"news.example.org": "Example News", "independent.co.uk": "The Indy"})
    assert [s.source for s in stories] == ["Example News", "The Indy"]


def test_ingest_names_outlets(tmp_path):
    html = tmp_path / "saved.html"
    html.write_text('<html><head><link rel="canonical" href="https://www.lemonde.fr/en/live/x">'
                    "</head><body><p>Text.</p></body></html>")
    text = tmp_path / "000_abc.txt"
    text.write_text("A story about nothing in particular.\n")
    lines = tmp_path / "pages.jsonl"
    lines.write_text(json.dumps({"text": "Story.", "url": "https://www.arabnews.com/node/1"}) + "\n")
    assert read_file(html)[0][0].source == "Le Monde"
    assert read_file(text)[0][0].source == "000_abc.txt" + FILE_NAME_FLAG
    assert read_file(lines)[0][0].source == "Arab News"


def test_hosts_and_names_are_tidied():
    assert host_of("https://m.bbc.co.uk/news/live") == "bbc.co.uk"
    assert host_of("not a url") is None
    assert canonical_outlet("  Kyiv Independent ") == "The Kyiv Independent"


def test_the_users_table_can_name_the_outlet_of_files_that_say_nothing():
    story = Story(source="000_ce8f.txt" + FILE_NAME_FLAG, origin="/data/seeds/000_ce8f.txt", position=0, headline="h", body=["b"])
    resolve_sources([story], {"000_*.txt": "Le Monde"})
    assert story.source == "Le Monde"
