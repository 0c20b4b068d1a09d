"""Segmentation on invented fixture pages, one per live-blog pattern."""

from __future__ import annotations

import json
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


_THREE_POSTS = (
    "Live: harbour news as it happens, 3 March 2025\n\n"
    "Ferry strike called off in Marlow\n{stamp}\n\n"
    "The ferry union called off Tuesday's strike after a late offer from the operator, officials said.\n\n"
    "Crossings will run to the normal timetable.\n\n"
    "Lighthouse keeper honoured by the town\n{stamp}\n\n"
    "The council gave its medal to the keeper who guided a stricken yacht to safety in January.\n\n"
    "New bridge opens to cyclists\n{stamp}\n\n"
    "Cyclists crossed the new bridge over the estuary for the first time on Tuesday.\n"
)


def test_identical_stamps_under_every_headline_keep_every_story():
    for stamp in ("Updated 3 March 2025", "Posted 3 March 2025", "3 March 2025", "Updated 3 March 2025 14:10"):
        stories = _text_page(_THREE_POSTS.format(stamp=stamp))
        assert [s.headline for s in stories] == ["Ferry strike called off in Marlow", "Lighthouse keeper honoured by the town",
                                                 "New bridge opens to cyclists"], stamp
        assert [len(s.body) for s in stories] == [2, 1, 1], stamp
        assert {s.date[:10] for s in stories} == {"2025-03-03"}, stamp


def test_every_line_has_one_label_and_prose_lands_in_one_story():
    from searcher.pipeline.lines import KINDS, assemble, dropped, label_lines

    text = _THREE_POSTS.format(stamp="Updated 3 March 2025") + (
        "Sign up to our morning newsletter\nChoose the plan that is right for you.\n© 2025 Marlow Gazette\n")
    labelled = label_lines(text.splitlines())
    entries = assemble(labelled)
    assert len(labelled) == len(text.splitlines()) and all(line.kind in KINDS for line in labelled)
    held = [i for e in entries for i in e.lines]
    assert sorted(held) == [line.index for line in labelled if line.kind == "prose"]  # each once
    assert dropped(labelled) == {"footer": 3, "page_title": 1}  # `Live: ... as it happens` heads the page


def test_a_page_cut_in_its_last_post_keeps_the_title_and_first_words():
    stories = _text_page(_THREE_POSTS.format(stamp="Updated 3 March 2025") +
                         "\nHarbour master retires after forty years\nThe harbour master, who took the post in")
    assert stories[-1].headline == "Harbour master retires after forty years"
    assert stories[-1].body == ["The harbour master, who took the post in"]


def test_a_page_cut_in_an_untitled_last_post_keeps_its_first_words():
    """The cut words look like a title with no text under it; after the post's own stamp (or
    clock, or rule) at the end of the page they are the untitled post's body, not lost."""
    head = _THREE_POSTS.format(stamp="Updated 3 March 2025")
    for opener, cut in (("Updated 3 March 2025", "Divers searched the harbour for"),
                        ("* * *", "Divers searched the harbour for"),
                        ("", "16:05 GMT – Divers searched the harbour for")):
        stories = _text_page(head + f"\n{opener}\n{cut}")
        assert len(stories) == 4, (opener, [s.headline for s in stories])
        assert (stories[-1].headline, stories[-1].body) == (None, ["Divers searched the harbour for"]), opener
    listed = _text_page(head + "\nMost viewed\nFerry fares rise again in Marlow")  # a link list is not a post
    assert [s.headline for s in listed][-1] == "New bridge opens to cyclists"


def test_day_headers_without_a_year_in_other_languages_date_the_posts_under_them():
    from datetime import datetime

    text = ("Montag, 3. Oktober\n\n12.31 Uhr: Fähre läuft wieder aus\nDie Fähre nach Norden fährt seit dem Mittag wieder.\n\n"
            "Sonntag, 2. Oktober\n\n09.05 Uhr: Sturm legt Hafen lahm\nDer Sturm hat den Hafen am Morgen geschlossen.\n")
    stories = segment_page(Page(origin="mem", source="x", text=text))
    assert [(s.headline, s.date, s.date_basis) for s in stories] == [
        ("Fähre läuft wieder aus", "2022-10-03T12:31", "inferred"), ("Sturm legt Hafen lahm", "2022-10-02T09:05", "inferred")]
    french = ("3 octobre\n\nLe port rouvre\nLe port a rouvert ses portes ce matin après la tempête.\n\n"
              "2 octobre\n\nLa tempête ferme le port\nLa tempête a fermé le port pendant la nuit.\n")
    dated = segment_page(Page(origin="mem", source="x", text=french, reference_date=datetime(2023, 10, 4)))
    assert [(s.headline, s.date) for s in dated] == [("Le port rouvre", "2023-10-03"), ("La tempête ferme le port", "2023-10-02")]
    undated = segment_page(Page(origin="mem", source="x", text=french))  # no page date: no year to give
    assert [s.headline for s in undated] == ["Le port rouvre", "La tempête ferme le port"]


def test_segment_warns_when_one_story_holds_a_long_page(tmp_path):
    from click.testing import CliRunner

    from livesearch.cli import main

    sentence = "The harbour board met again today and the members discussed the dredging plan at length."
    page = tmp_path / "wall.txt"
    page.write_text("Harbour board meets\n" + " ".join([sentence] * 80) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["segment", str(page)])
    assert result.exit_code == 0
    assert f"{page}: warning: one story holds" in result.output  # stderr is mixed into output here


def test_identical_bodies_are_reported_with_the_page_name():
    from searcher.pipeline.segment import warnings_for

    body = "Subscribers can read every post of this live blog in our app, which is free to download."
    text = "\n".join(f"Storm update number {n} for the coast\n{body}" for n in range(4))
    page = Page(origin="teasers.txt", source="x", text=text)
    [warning] = warnings_for(page, segment_page(page))
    assert warning.startswith("teasers.txt: warning: 4 of 4 stories have the same body")
    assert warnings_for(Page(origin="ok.txt", source="x", text=_THREE_POSTS.format(stamp="Updated 3 March 2025")),
                        _text_page(_THREE_POSTS.format(stamp="Updated 3 March 2025"))) == []


def _html_page(html: str, title: str | None = None):
    return segment_page(Page(origin="mem", source="x", html=html, title=title))


def test_json_ld_is_evidence_only_where_the_page_agrees():
    updates = [{"@type": "BlogPosting", "headline": "Harbour live", "articleBody": "<p>Tugs freed the grounded ship at dawn, the port said.</p>"},
               {"@type": "BlogPosting", "headline": "Harbour live", "articleBody": "An archived post the page no longer shows, from last week."}]
    ld = json.dumps({"@type": "LiveBlogPosting", "headline": "Harbour live", "liveBlogUpdate": updates})
    shown = (f"<html><head><title>Harbour live</title><script type='application/ld+json'>{ld}</script></head><body>"
             "<article class='post'><h2>Grounded ship freed</h2><p>Tugs freed the grounded ship at dawn, the port said.</p></article>"
             "<article class='post'><h2>Pilots return to work</h2><p>Harbour pilots ended their strike after a pay offer on Monday.</p></article>"
             "</body></html>")
    assert [(s.headline, s.body) for s in _html_page(shown)] == [
        ("Grounded ship freed", ["Tugs freed the grounded ship at dawn, the port said."]),
        ("Pilots return to work", ["Harbour pilots ended their strike after a pay offer on Monday."])]
    shell = shown.split("<body>")[0] + "<body><div id='app'>Loading…</div></body></html>"
    stories = _html_page(shell)
    assert [s.headline for s in stories] == [None, None]  # the page title is no post title
    assert stories[0].body == ["Tugs freed the grounded ship at dawn, the port said."]  # tags stripped


def test_structured_text_decodes_entities_and_strips_markup():
    from searcher.pipeline.html_blocks import structured_text

    assert structured_text("&#x201C;We&apos;re ready,&#x201D; she said. <a href='/x'>More</a><br>Next line") == \
        "“We're ready,” she said. More\nNext line"


def test_a_flat_ticker_splits_on_clock_headings_at_any_level_and_dates_by_a_trailing_day_label():
    html = ("<html lang='de'><body><article><div class='rich'>"
            "<p>Die wichtigsten Meldungen im Überblick.</p>"
            "<h3>12.31 Uhr: Fähre läuft wieder aus</h3><p>Die Fähre nach Norden fährt seit dem Mittag wieder nach Plan.</p>"
            "<h3>09.05 Uhr: Sturm legt Hafen lahm</h3><p>Der Sturm hat den Hafen am Morgen für Stunden geschlossen.</p>"
            "<p>Die Behörden rieten, zu Hause zu bleiben.</p>"
            "</div><div class='rich'><h2>Dienstag, 04.03.2025</h2></div></article></body></html>")
    stories = _html_page(html)
    assert [(s.headline, len(s.body), s.date) for s in stories] == [
        ("Fähre läuft wieder aus", 1, "2025-03-04T12:31"), ("Sturm legt Hafen lahm", 2, "2025-03-04T09:05")]


def test_all_number_dates_follow_the_page():
    from searcher.pipeline.dates import numeric_order

    assert numeric_order(["Posted 04/12/2023", "Posted 25/11/2023"])  # 25 can only be a day
    assert not numeric_order(["Posted 04/12/2023", "Posted 11/25/2023"])
    assert numeric_order(["04.12.2023"]) and not numeric_order(["04/12/2023"], "en-US")
    assert not numeric_order(["04/12/2023", "It began on December 1, 2023."])


def test_promo_before_the_first_post_and_footers_are_not_stories():
    stories = _text_page(
        "Breaking news: storm on the coast\nFollow our live updates for the latest\n\n"
        "14:10 GMT – Ferries cancelled\nAll ferries were cancelled for the afternoon, the operator said.\n"
        "13:05 GMT – Schools close early\nSchools on the coast closed at lunchtime as the wind rose.\n"
        "Sign up to our morning newsletter\n© 2025 Coast Gazette\n")
    assert [(s.headline, len(s.body)) for s in stories] == [("Ferries cancelled", 1), ("Schools close early", 1)]


def test_clocks_of_other_languages_open_posts():
    stories = _text_page(
        "+++ 12:31 Hafen wegen Sturm gesperrt +++\nDer Hafen bleibt bis zum Abend geschlossen, teilte die Behörde mit.\n"
        "12h05 : Les ferries restent à quai\nLes ferries ne partiront pas avant demain, selon la compagnie.\n"
        "11:40 h - Cierran el puerto\nEl puerto permanecerá cerrado hasta la noche, dijo la autoridad.\n")
    assert [s.headline for s in stories] == ["Hafen wegen Sturm gesperrt", "Les ferries restent à quai", "Cierran el puerto"]


def test_json_ld_times_date_the_posts_the_page_shows_with_the_same_words():
    ld = json.dumps({"@type": "LiveBlogPosting", "liveBlogUpdate": [
        {"datePublished": "2025-03-04T09:05:00Z", "articleBody": "Tugs freed the grounded ship at dawn, the port said."},
        {"datePublished": "2025-03-01T08:00:00Z", "articleBody": "A post the page does not show at all, from days ago."}]})
    html = (f"<html><head><script type='application/ld+json'>{ld}</script></head><body><main>"
            "<h2>Grounded ship freed</h2><p>Tugs freed the grounded ship at dawn, the port said.</p>"
            "<h2>Pilots return to work</h2><p>Harbour pilots ended their strike after a pay offer.</p></main></body></html>")
    stories = _html_page(html)
    assert [(s.headline, s.date) for s in stories] == [("Grounded ship freed", "2025-03-04T09:05+00:00"),
                                                       ("Pilots return to work", None)]


def test_a_sign_up_line_inside_a_post_takes_only_short_sentences_with_it():
    stories = _text_page(
        "Storm closes the harbour\nThe harbour was closed on Tuesday as gusts reached 120 km/h, the port authority said.\n"
        "Sign up for storm alerts\nGet a message when the warning changes.\n"
        "Crews spent the night securing the cranes, and the authority said it would review the closure at noon "
        "on Wednesday after a new forecast from the weather service.\n")
    assert stories[0].body[0].startswith("The harbour was closed") and stories[0].body[1].startswith("Crews spent")
    assert len(stories[0].body) == 2


def test_a_notice_above_timed_posts_is_not_a_story():
    stories = _text_page(
        "Live Updates: Storm Tamsin hits the coast\nBy Harbour News staff\nUpdated 5:30 PM EDT, Wed October 9, 2024\n"
        "Our live coverage has moved here.\n"
        "4:30 p.m. ET, October 9, 2024\nTamsin makes landfall near Port Eskel\nFrom Harbour News' Jane Doe\n"
        "The storm came ashore at about 4 p.m. with winds of 120 mph, forecasters said.\n"
        "4:02 p.m. ET, October 9, 2024\nMore than 1 million customers without power\n"
        "Utilities reported widespread outages across three counties.\n"
        "3:45 p.m. ET, October 9, 2024\nThe governor said shelters had room for another 5,000 people.\n")
    assert [(s.headline, s.date) for s in stories] == [
        ("Tamsin makes landfall near Port Eskel", "2024-10-09T16:30-05:00"),
        ("More than 1 million customers without power", "2024-10-09T16:02-05:00"), (None, "2024-10-09T15:45-05:00")]


def test_a_summary_box_and_posted_at_stamps():
    stories = _text_page(
        "Storm Tamsin: Latest updates\nSummary\nStorm Tamsin brings winds of up to 90mph to the coast\n"
        "Ferries and trains are cancelled across the region\nLive Reporting\nEdited by Anna Berg\n\n"
        "Posted at 12:31\nHarbour wall breached at Port Eskel\nThe harbour wall gave way shortly after noon, the coastguard said.\n\n"
        "Posted at 11:58\nThe Met Office has extended its red warning until 18:00.\n\n"
        "Posted at 11:40\nSchools close early\nSchools in three districts closed at lunchtime as the wind rose.\n")
    assert [s.headline for s in stories] == ["Harbour wall breached at Port Eskel", None, "Schools close early"]


def test_a_feed_of_div_posts_with_date_and_time_lines():
    html = ("<html lang='de'><head><title>Liveblog: Sturm an der Küste</title></head><body><main>"
            "<h1>Liveblog: Sturm an der Küste</h1><p>Ein schwerer Sturm zieht über die Küste. Alle Entwicklungen hier.</p>"
            "<div class='feed'>"
            "<div class='entry'><div class='when'>27.08.2024 • 12:31 Uhr</div><h2>Hafen gesperrt</h2>"
            "<p>Der Hafen bleibt bis zum Abend geschlossen, teilte die Behörde mit.</p></div>"
            "<div class='entry'><div class='when'>27.08.2024 • 11:02 Uhr</div>"
            "<p>Alle Fähren fielen am Vormittag aus, wie die Reederei mitteilte.</p></div>"
            "<div class='entry'><div class='when'>27.08.2024 • 10:15 Uhr</div><h2>Sturmwarnung verlängert</h2>"
            "<p>Der Wetterdienst verlängerte die Warnung bis Mitternacht.</p><p>Orkanböen sind möglich.</p></div>"
            "</div></main></body></html>")
    assert [(s.headline, len(s.body), s.date) for s in _html_page(html)] == [
        ("Hafen gesperrt", 1, "2024-08-27T12:31"), (None, 1, "2024-08-27T11:02"), ("Sturmwarnung verlängert", 2, "2024-08-27T10:15")]


def test_a_script_drawn_page_with_a_standfirst_is_read_from_its_json_ld():
    ld = json.dumps({"@type": "LiveBlogPosting", "headline": "Harbour live", "liveBlogUpdate": [
        {"headline": "Grounded ship freed", "articleBody": "Tugs freed the grounded ship at dawn, the port said."},
        {"articleBody": "Harbour pilots ended their strike after a pay offer on Monday."}]})
    html = (f"<html><head><title>Harbour live</title><script type='application/ld+json'>{ld}</script></head><body>"
            "<h1>Harbour live</h1><p>Follow the latest news from the harbour as the storm passes the coast.</p>"
            "<div id='feed'></div></body></html>")
    assert [(s.headline, s.body[0][:20]) for s in _html_page(html)] == [
        ("Grounded ship freed", "Tugs freed the groun"), (None, "Harbour pilots ended")]


def test_relative_stamps_in_several_languages_open_posts():
    from datetime import datetime

    page = Page(origin="mem", source="x", reference_date=datetime(2024, 9, 24, 15, 0), text=(
        "2h ago\nHarbour wall breached at Port Eskel\nThe harbour wall gave way shortly after noon, the coastguard said.\n"
        "vor 3 Std.\nDer Hafen bleibt bis zum Abend geschlossen, teilte die Behörde mit.\n"
        "Just now\nSchools close early\nSchools in three districts closed at lunchtime as the wind rose.\n"))
    stories = segment_page(page)
    assert [(s.headline, s.date) for s in stories] == [
        ("Harbour wall breached at Port Eskel", "2024-09-24T13:00"), (None, "2024-09-24"),
        ("Schools close early", "2024-09-24T15:00")]
