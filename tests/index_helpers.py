"""Invented live blogs for the index, query and CLI tests, written as real input files."""

from __future__ import annotations

from pathlib import Path

# file name -> (source, page title, page date, [(time, headline, [paragraphs])])
BLOGS = {
    "middle_east.txt": (
        "example-news.com",
        "Middle East live: aid convoy reaches Rafah crossing",
        "13 October 2023",
        [
            ("10.42 BST", "Aid convoy reaches Rafah crossing", [
                "A convoy of twenty lorries carrying water and medicine reached the Rafah crossing "
                "from Egypt on Friday morning, officials in Cairo said.",
                "The United Nations said far more aid was needed for Gaza.",
            ]),
            ("09.15 BST", "Protests in Paris over pension reform", [
                "Thousands of protesters marched through Paris as Emmanuel Macron defended the "
                "pension reform in a televised address to France.",
            ]),
        ],
    ),
    "europe.txt": (
        "daily-example.co.uk",
        "Ukraine war live: Kyiv braces for new strikes",
        "2 March 2022",
        [
            ("18.05 GMT", "Kyiv braces for new strikes", [
                "Residents of Kyiv sheltered in metro stations overnight as air raid sirens "
                "sounded across Ukraine.",
            ]),
            ("16.30 GMT", "Germany pledges more air defence", [
                "Olaf Scholz told the Bundestag in Berlin that Germany would send more air "
                "defence systems to Ukraine.",
            ]),
            ("14.10 GMT", "Wheat prices climb in Chicago", [
                "Wheat futures rose sharply in Chicago as traders worried about exports from "
                "Ukraine and Russia.",
            ]),
        ],
    ),
    "elections.txt": (
        "example-news.com",
        "US election live: polls close in Pennsylvania",
        "5 November 2024",
        [
            ("20.50 GMT", "Polls close in Pennsylvania", [
                "Voters in Philadelphia queued into the night as polls closed across "
                "Pennsylvania in the United States.",
            ]),
            ("20.15 GMT", "Hackers target <b>county</b> websites <script>alert(1)</script>", [
                "Officials said several county websites were hit by hackers; "
                "<img src=x onerror=alert(2)> no votes were affected.",
            ]),
            ("19.00 GMT", "Tokyo markets open higher", [
                "Shares in Tokyo opened higher as investors in Japan waited for results from "
                "the United States.",
            ]),
        ],
    ),
}


def write_blog(folder: Path, name: str, source: str, title: str, day: str, entries) -> Path:
    lines = [f"Source: {source}", title, day, ""]
    for time_, headline, paragraphs in entries:
        lines += [time_, headline, *paragraphs, ""]
    path = folder / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_corpus(folder: Path) -> Path:
    """The blogs of BLOGS as .txt files in `folder` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (source, title, day, entries) in BLOGS.items():
        write_blog(folder, name, source, title, day, entries)
    return folder


BULK_WORDS = ("berth", "pilots", "tugs", "silt", "quay", "ferries", "cranes", "tides", "permits", "fishermen",
              "moorings", "buoys", "lighthouse", "customs", "pontoon", "sluice", "depth", "survey", "contract",
              "barges", "storm", "levy", "ballast", "jetty", "marina", "salvage", "harbourmaster", "wharf")


def write_many(folder: Path, files: int, entries_per_file: int = 30) -> Path:
    """A larger corpus, for builds that must last long enough to be interrupted. Each entry's
    words differ (seeded), so the stories are distinct, not wire copies of one another."""
    import random

    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        entries = []
        for i in range(entries_per_file):
            words = random.Random(n * 100_003 + i).sample(BULK_WORDS, 12)
            entries.append((
                f"{10 + i // 60:02d}.{i % 60:02d} GMT", f"Council meeting {n} item {i} on harbour dredging",
                [f"The harbour board discussed dredging plan {n}-{i} and the budget for the coming year.",
                 f"Members raised {words[0]}, {words[1]}, {words[2]} and {words[3]} before the {words[4]} vote.",
                 f"The {words[5]} and {words[6]} report on {words[7]} goes with {words[8]}, {words[9]}, "
                 f"{words[10]} and {words[11]} to the next meeting."],
            ))
        write_blog(folder, f"bulk_{n:04d}.txt", "bulk-example.org", f"Harbour live {n}", "4 May 2021", entries)
    return folder
