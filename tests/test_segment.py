"""Segmentation on invented fixture pages, one per live-blog pattern."""

from __future__ import annotations

from pathlib import Path

from searcher.records import DATE_BASES, Page
from searcher.pipeline.segment import is_headline_like, segment_page, stories_from_file

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _stories(name: str):
    stories, problems = stories_from_file(PAGES / name)
    return stories


def test_no_blank_lines_headless_lead_and_source_line():
    stories = _stories("no_blank_lines.txt")
    assert [s.headline for s in stories] == [None, "Transport minister rejects union demands",
                                             "Exporters count the cost of the stoppage"]
    assert stories[0].body[0].startswith("Harbour workers in Valdoria")
    assert all(s.source == "valdoria-herald.example" for s in stories)
    assert not any("Source:" in p for s in stories for p in s.body)
    assert [s.position for s in stories] == [0, 1, 2]


def test_dates_stated_inferred_from_neighbouring_day_and_none():
    stories = _stories("no_blank_lines.txt")
    assert (stories[0].date, stories[0].date_basis) == ("2024-03-05", "stated")
    assert (stories[1].date, stories[1].date_basis) == ("2024-03-06", "inferred")  # "on Wednesday"
    assert (stories[2].date, stories[2].date_basis) == (None, "none")  # nothing supports a date


def test_repeated_headline_with_captions_and_stamps_between():
    stories = _stories("repeated_headlines.txt")
    assert [s.headline for s in stories] == ["Flood barriers hold as river peaks in Corvant",
                                             "Rail link to the coast reopens after landslide"]
    first = stories[0]
    assert first.body[0].startswith("Emergency crews say")  # standfirst bullet, bullet sign removed
    assert first.body[1].startswith("CORVANT: The temporary flood barriers")
    assert not any(p in ("Short Url", "Follow", "1 / 2") or "NORTHWIRE" in p for p in first.body)
    assert (first.date, first.date_basis) == ("2024-03-04", "stated")  # "Updated 4 March 2024"
    # "Updated 12 min 30 sec ago" has no reference time; "on Sunday" near the page's latest date
    assert (stories[1].date, stories[1].date_basis) == ("2024-03-03", "inferred")


def test_furniture_teaser_bylines_share_list_caption_and_author_bio_dropped():
    stories = _stories("furniture.txt")
    assert [s.headline for s in stories] == ["Mayor of Tessin resigns over housing scandal"]
    body = stories[0].body
    assert body == [
        "Tessin's mayor, Aldo Brun, resigned on Feb. 14 after auditors found that council flats had been "
        "allocated to relatives of senior officials.",
        "Brun denied any personal wrongdoing but said he could not lead the city while the inquiry ran its course.",
    ]
    assert stories[0].date is None  # "Feb. 14" without any year on the page: never invented


def test_time_stamped_entries_under_a_day_header():
    stories = _stories("timestamps.txt")
    assert [(s.headline, s.date) for s in stories] == [
        ("Night curfew extended in the capital", "2022-03-23T23:44"),
        ("Power restored to eastern districts", "2022-03-23T02:01"),
        ("Markets open lower after overnight sell-off", "2022-03-23T17:17+00:00"),
        ("Schools to reopen on Monday", "2022-03-23T10:30"),
        (None, "2022-03-23T09:05"),  # after a ___ rule: a time stamp then prose, an untitled post
    ]
    assert stories[4].body[0].startswith("Police said the motorway")
    assert {s.date_basis for s in stories} == {"stated"}


def test_numbered_entries_after_a_page_title():
    stories = _stories("numbered.txt")
    assert [s.headline for s in stories] == ["Storm warning lifted for the north coast",
                                             "Central bank holds interest rates", "Stadium vote delayed again"]


def test_html_article_blocks_with_time_headings_and_furniture():
    stories = _stories("blocks.html")
    assert [s.headline for s in stories] == ["Fuel duty frozen for another year", None, "Minister arrives at parliament"]
    assert stories[0].body == [
        "The minister confirmed that fuel duty will stay frozen until next spring, a measure worth about 1.2 billion to motorists.",
        "Diesel and petrol rates are unchanged.", "The freeze will be reviewed in the autumn."]
    assert stories[2].body == ["The finance minister has arrived at parliament carrying the traditional red folder."]
    assert [(s.date, s.date_basis) for s in stories] == [
        ("2024-03-06T14:05+00:00", "stated"), ("2024-03-06T13:40+00:00", "stated"), ("2024-03-06T12:58+00:00", "stated")]
    assert {(s.source, s.url, s.page_title) for s in stories} == {
        ("The Daily Lantern", "https://www.dailylantern.example/politics/live/2024/mar/06/budget-day",
         "Budget day – live updates | The Daily Lantern")}


def test_html_live_blog_json_ld_updates():
    stories = _stories("jsonld.html")
    assert [(s.headline, s.date) for s in stories] == [
        ("Course record falls in the women's race", "2024-04-14T11:52+02:00"), (None, "2024-04-14T09:05+02:00")]
    assert stories[0].body == ["Amara Kiptoo crossed the line in 2:17:40, taking almost a minute off the course record.",
                               "She said the cool morning had helped."]
    assert stories[0].source == "Runners News"


def test_html_without_post_structure_falls_back_to_text_rules_and_page_date():
    stories = _stories("plain.html")
    assert [s.headline for s in stories] == ["Turnout higher than expected in the capital", "First results due after midnight"]
    assert stories[1].body == ["The electoral commission said the first constituency results would be declared shortly after midnight."]
    assert (stories[0].date, stories[0].date_basis) == ("2024-05-02", "inferred")  # "on Thursday", page of Thu 2 May
    assert (stories[1].date, stories[1].date_basis) == ("2024-05-02", "page")
    assert stories[0].source == "civicwire.example"


def test_stories_copy_page_fields_and_serialise():
    page = Page(origin="mem", source="Example", url="https://e.example/live", title="Live",
                text="Ferry service resumes\nThe ferry company restarted its morning crossings after the storm.")
    [story] = segment_page(page)
    data = story.to_json()
    assert (data["source"], data["url"], data["page_title"], data["origin"]) == ("Example", "https://e.example/live", "Live", "mem")
    assert data["date_basis"] in DATE_BASES and data["id"] == story.id and data["people"] == []


def test_empty_page_has_no_stories():
    assert segment_page(Page(origin="mem", source="x", text="")) == []
    assert segment_page(Page(origin="mem", source="x", html="<html><body></body></html>")) == []


def test_headline_shape():
    assert is_headline_like("Nato chief warns on ‘authoritarian’ deal")
    assert not is_headline_like("The minister said the talks would continue.")
    assert not is_headline_like("He said: “We will not give up.”")
    assert not is_headline_like("Word")
    assert not is_headline_like("Q: How long will the inquiry take?")
    assert not is_headline_like("  • A standfirst bullet without a full stop")
    assert not is_headline_like("lower-case start of a wrapped line")


def _text_page(text: str):
    return segment_page(Page(origin="mem", source="x", text=text))


def test_recurring_byline_is_furniture_not_a_repeated_headline():
    stories = _text_page(
        "9:05 a.m. Harbour cranes idle after strike vote\n"
        "By Team GW\n"
        "Dock workers voted overnight to stop work at the container terminal.\n"
        "9:40 a.m. Rail freight diverted to northern ports\n"
        "The rail operator said cargo trains would run to two other ports this week.\n"
        "10:15 a.m. Union leaders meet the port authority\n"
        "By Team GW\n"
        "Talks began at the port authority's offices shortly after ten.\n"
    )
    assert [s.headline for s in stories] == [
        "Harbour cranes idle after strike vote",
        "Rail freight diverted to northern ports",
        "Union leaders meet the port authority",
    ]
    assert all("By Team GW" not in s.body for s in stories)


def test_bylines_naming_a_several_word_outlet():
    stories = _text_page(
        "Floodwater reaches the old town\n"
        "From Harbour Times' Aisha Haddad\n"
        "From The Daily Planet's Jo Park\n"
        "Water rose above the quay walls on Monday evening, the mayor said.\n"
    )
    assert stories[0].body == ["Water rose above the quay walls on Monday evening, the mayor said."]


def test_share_buttons_one_per_line_are_dropped():
    stories = _text_page(
        "Ferry crossings cancelled as gales hit the coast\n"
        "All ferry crossings were cancelled for the day, the operator said.\n"
        "Share this article\nFacebook\nTwitter\nLinkedIn\nEmail\n"
        "Bridge reopens after inspection\n"
        "Engineers cleared the bridge to reopen to traffic by noon.\n"
    )
    assert [s.headline for s in stories] == ["Ferry crossings cancelled as gales hit the coast", "Bridge reopens after inspection"]
    assert stories[0].body == ["All ferry crossings were cancelled for the day, the operator said."]


def test_entries_under_full_date_and_time_stamps():
    stories = _text_page(
        "6:10 p.m. ET, March 4, 2025\n"
        "Senate passes the spending bill\n"
        "The bill passed by a narrow margin late on Tuesday afternoon.\n"
        "Tue 4 Mar 2025 21.40 GMT\n"
        "Markets in Asia open lower\n"
        "Shares in Tokyo fell at the open after the vote in Washington.\n"
    )
    assert [(s.headline, s.date, s.date_basis) for s in stories] == [
        ("Senate passes the spending bill", "2025-03-04T18:10-05:00", "stated"),
        ("Markets in Asia open lower", "2025-03-04T21:40+00:00", "stated"),
    ]


def test_html_widgets_named_share_or_related_are_not_story_text():
    html = (
        "<html><body><main>"
        "<article class='post'><h2>Bridge reopens after repairs</h2>"
        "<p>Engineers reopened the bridge to traffic on Monday morning.</p>"
        "<div class='post-share'><a>Share</a><a>Facebook</a></div>"
        "<div id='related-links'><p>Earlier: Bridge closes for repairs</p></div></article>"
        "<article class='post'><h2>Trams run again in the centre</h2>"
        "<p>The tram network resumed service after a two-day strike.</p></article>"
        "</main></body></html>"
    )
    stories = segment_page(Page(origin="mem", source="x", html=html))
    assert [(s.headline, s.body) for s in stories] == [
        ("Bridge reopens after repairs", ["Engineers reopened the bridge to traffic on Monday morning."]),
        ("Trams run again in the centre", ["The tram network resumed service after a two-day strike."]),
    ]


def test_a_key_events_link_does_not_swallow_the_stories_before_its_post():
    stories = _text_page(
        "Key events\n"
        "Opposition attacks spending plans\n"
        "Chancellor raises fuel duty\n"
        "The chancellor announced a rise in fuel duty of five pence a litre from April.\n"
        "Opposition attacks spending plans\n"
        "The shadow chancellor said the plans would hit working families hardest.\n"
    )
    assert [s.headline for s in stories] == ["Chancellor raises fuel duty", "Opposition attacks spending plans"]
