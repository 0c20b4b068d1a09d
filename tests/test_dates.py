"""Date resolution: stated, inferred, page and none, never invented."""

from __future__ import annotations

from datetime import date, datetime, timezone

from searcher.pipeline import dates
from searcher.pipeline.dates import Evidence, resolve

TODAY = date(2026, 1, 10)


def _one(evidence: Evidence, reference: datetime | None = None):
    [found] = resolve([evidence], reference, today=TODAY)
    return (found.iso(), found.basis) if found else None


def test_weekday_with_month_day_fixes_the_year_nearest_the_reference():
    # 13 October was a Friday in 2023 (and 2017): the one nearest the page date wins
    assert _one(Evidence(lead="officials said on Friday, October 13, that"), datetime(2023, 10, 20)) == ("2023-10-13", "inferred")
    assert _one(Evidence(lead="officials said on Friday, October 13, that"), datetime(2018, 1, 2)) == ("2017-10-13", "inferred")
    # no page date: the latest such year that is not in the future
    assert _one(Evidence(lead="officials said on Friday, October 13, that")) == ("2023-10-13", "inferred")


def test_weekday_alone_is_on_or_before_the_page_date():
    wednesday_page = datetime(2024, 6, 20, 8, 0)  # a Thursday
    assert _one(Evidence(lead="a spokesperson said on Wednesday"), wednesday_page) == ("2024-06-19", "inferred")
    assert _one(Evidence(lead="the court ruled on Thursday"), wednesday_page) == ("2024-06-20", "inferred")
    assert _one(Evidence(lead="arrived early today"), wednesday_page) == ("2024-06-20", "inferred")
    assert _one(Evidence(lead="the vote yesterday"), wednesday_page) == ("2024-06-19", "inferred")


def test_month_day_takes_the_year_of_the_page():
    assert _one(Evidence(lead="state media reported on Oct. 18."), datetime(2023, 10, 19)) == ("2023-10-18", "inferred")
    assert _one(Evidence(lead="the deadline of Dec. 30 passed"), datetime(2024, 1, 3)) == ("2023-12-30", "inferred")


def test_never_invented_without_evidence():
    assert _one(Evidence(lead="state media reported on Oct. 18.")) is None  # no year anywhere
    assert _one(Evidence(lead="a spokesperson said on Wednesday")) is None  # no page date
    assert _one(Evidence(stamps=("11 sec ago",))) is None  # relative to an unknown time
    assert _one(Evidence(lead="talks will resume next Wednesday"), datetime(2024, 6, 20)) == ("2024-06-20", "page")


def test_stated_stamps_and_markup():
    assert _one(Evidence(stamps=("13 September 2023",))) == ("2023-09-13", "stated")
    assert _one(Evidence(markup="2023-12-13T13:24:43.000Z")) == ("2023-12-13T13:24:43+00:00", "stated")
    assert _one(Evidence(day=date(2022, 3, 23), clock=(23, 44, None))) == ("2022-03-23T23:44", "stated")
    assert _one(Evidence(lead="The ceasefire began on 2 May 2024 at noon")) == ("2024-05-02", "stated")


def test_relative_stamp_against_the_reference_time():
    reference = datetime(2024, 12, 19, 0, 0, 5, tzinfo=timezone.utc)
    assert _one(Evidence(stamps=("11 min 30 sec ago",)), reference) == ("2024-12-18T23:48:35+00:00", "inferred")


def test_page_date_with_an_entry_time_stamp():
    assert _one(Evidence(clock=(9, 5, None)), datetime(2024, 3, 8)) == ("2024-03-08T09:05", "page")


def test_undated_story_between_two_stories_of_one_day():
    stories = [Evidence(stamps=("19 December 2024",)), Evidence(lead="no date here"), Evidence(stamps=("19 December 2024",)),
               Evidence(lead="nor here"), Evidence(stamps=("18 December 2024",))]
    found = resolve(stories, None, today=TODAY)
    assert (found[1].iso(), found[1].basis) == ("2024-12-19", "inferred")
    assert found[3] is None  # neighbours disagree


def test_latest_stated_date_anchors_weekdays_of_an_undated_page():
    stories = [Evidence(lead="police said on Wednesday"), Evidence(stamps=("19 December 2024",))]  # 19 Dec: Thursday
    assert [f.iso() for f in resolve(stories, None, today=TODAY)] == ["2024-12-18", "2024-12-19"]


def test_time_stamp_shapes():
    assert dates.clock_prefix("2.01am: Power restored") == ((2, 1, None), "Power restored")
    assert dates.clock_prefix("17:17 GMT / 11:17 CST: Markets open lower") == ((17, 17, "GMT"), "Markets open lower")
    assert dates.clock_prefix("10:30 a.m. Schools to reopen") == ((10, 30, None), "Schools to reopen")
    assert dates.clock_prefix("11:44 p.m.") == ((23, 44, None), "")
    assert dates.clock_prefix("10.5 million people voted") is None
    assert dates.clock_prefix("2024 was a record year") is None


def test_evening_hours_and_any_second_zone():
    """Hours 20-23 are not read as hour 2, and the second clock may carry any zone."""
    assert dates.clock_prefix("20.50 GMT") == ((20, 50, "GMT"), "")
    assert dates.clock_prefix("23:05 EST: Polls close") == ((23, 5, "EST"), "Polls close")
    assert dates.clock_prefix("19:26 GMT / 21:26 EET: Talks resume") == ((19, 26, "GMT"), "Talks resume")
    assert dates.clock_prefix("08:10 CET / 16:10 JST - Markets open") == ((8, 10, "CET"), "Markets open")
    assert dates.clock_prefix("21 people were hurt") is None


def test_zoned_stamps_keep_their_offset():
    assert _one(Evidence(day=date(2024, 1, 2), clock=(21, 15, "EST"))) == ("2024-01-02T21:15-05:00", "stated")
    assert _one(Evidence(day=date(2024, 1, 2), clock=(9, 0, "CEST"))) == ("2024-01-02T09:00+02:00", "stated")
    assert _one(Evidence(day=date(2024, 1, 2), clock=(9, 0, "GMT"))) == ("2024-01-02T09:00+00:00", "stated")


def test_day_headers():
    assert dates.day_header("March 23, 2022").iso() == "2022-03-23"
    assert dates.day_header("Wednesday 13 December 2023").iso() == "2023-12-13"
    assert dates.day_header("March 23") is None  # no year, no weekday: not a header on its own
    assert dates.day_header("March 23 was a turning point") is None


def test_a_line_of_only_a_date_and_a_time_is_a_full_stamp():
    assert dates.dated_clock("4:30 p.m. ET, January 16, 2024") == (date(2024, 1, 16), (16, 30, "ET"))
    assert dates.dated_clock("Wed 13 Dec 2023 14.15 GMT") == (date(2023, 12, 13), (14, 15, "GMT"))
    assert dates.dated_clock("The vote at 10:30 on January 16, 2024 was close.") is None
    assert dates.dated_clock("11:44 p.m.") is None  # no date: a plain time stamp
    assert dates.dated_clock("March 23, 2022") is None  # no time: a day header


def test_day_headers_and_dated_clocks_in_other_languages():
    from datetime import date

    from searcher.pipeline.dates import dated_clock, day_header

    assert day_header("Dienstag, 27. August 2024").value == date(2024, 8, 27)
    assert day_header("mardi 27 août 2024").value == date(2024, 8, 27)
    assert day_header("27.08.2024").value == date(2024, 8, 27)
    assert day_header("04/12/2023", dayfirst=False).value == date(2023, 4, 12)
    assert day_header("Police 27 August 2024") is None
    assert dated_clock("27.08.2024 • 12:31 Uhr") == (date(2024, 8, 27), (12, 31, None))
    assert dated_clock("mardi 27 août 2024 à 12h31") == (date(2024, 8, 27), (12, 31, None))
    assert dated_clock("martes 27 de agosto de 2024 a las 12:31") == (date(2024, 8, 27), (12, 31, None))


# ---- precision: a day stated without a time stays a day (issue 16) -----------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from searcher.search.display import human_date  # noqa: E402

_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2039, 12, 31))
_DAY_ONLY = (lambda d: d.isoformat(), lambda d: d.strftime("%Y%m%d"), lambda d: f"{d.day} {d:%B %Y}",
             lambda d: f"{d:%a, %d %b %Y}")


@given(_DAYS, st.sampled_from(_DAY_ONLY), st.sampled_from(["markup", "stamp"]))
def test_a_day_stated_without_a_time_is_never_given_midnight(day, form, where):
    """`<time datetime="2024-04-27">` or a stamp `2024-04-27` is a day: its ISO value has no time
    and it reads "27 Apr 2024", never "27 Apr 2024, 00:00" (a time nobody stated)."""
    text = form(day)
    evidence = Evidence(markup=text) if where == "markup" else Evidence(stamps=(text,))
    found = _one(evidence)
    if where == "stamp" and found is None:
        return  # a stamp form the stamp reader does not take: nothing invented either
    assert found == (day.isoformat(), "stated"), (text, found)
    assert ":" not in human_date(found[0])


@given(_DAYS, st.integers(0, 23), st.integers(0, 59), st.sampled_from(["", "Z", "+01:00"]))
def test_a_stated_time_is_kept_even_at_midnight(day, hour, minute, zone):
    text = f"{day.isoformat()}T{hour:02d}:{minute:02d}{zone}"
    found = _one(Evidence(markup=text))
    assert found is not None and found[0].startswith(f"{day.isoformat()}T{hour:02d}:{minute:02d}")
    assert f"{hour:02d}:{minute:02d}" in human_date(found[0])


# ---- day headers without a year, in the languages of the CLDR tables (issue 11) ----------------

from datetime import timedelta  # noqa: E402

from hypothesis import assume, settings  # noqa: E402
from profiles import examples  # noqa: E402

from searcher.pipeline.dates import NAME_LOCALES, calendar_names, day_header  # noqa: E402


def test_the_shipped_name_tables_are_what_the_cldr_gives():
    """calendar_names.json is generated (scripts/make_calendar_names.py); it must not drift."""
    pytest = __import__("pytest")
    pytest.importorskip("babel", reason="babel (test extras) generates the tables")
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "make_calendar_names.py"
    spec = importlib.util.spec_from_file_location("make_calendar_names", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert dates.CALENDAR_NAMES.read_text(encoding="utf-8") == module.generated_text(), \
        "run python scripts/make_calendar_names.py"


def test_yearless_day_headers_in_other_languages_take_the_year_as_english_ones_do():
    page_day = date(2022, 10, 5)
    # a weekday fixes the year: 3 October was a Monday in 2022
    assert day_header("Montag, 3. Oktober").value == date(2022, 10, 3)
    assert day_header("Montag, 3. Oktober").basis == "inferred"
    assert day_header("lunes, 3 de octubre", anchor=page_day).value == date(2022, 10, 3)
    assert day_header("понедельник, 3 октября", anchor=page_day).value == date(2022, 10, 3)
    # no weekday: the page's date gives the year, as for `Oct. 18` in a story's text
    assert day_header("3 octobre", anchor=page_day) == dates.Dating(date(2022, 10, 3), "inferred")
    assert day_header("30 dicembre", anchor=date(2023, 1, 2)).value == date(2022, 12, 30)
    assert day_header("3 octobre") is None  # no year, no weekday, no page date: never invented
    assert day_header("3 oct", anchor=page_day) is None  # an abbreviation alone is too weak a sign
    assert day_header("Montag 3 Oktober Abend", anchor=page_day) is None  # other words: not only a date
    assert day_header("Dienstag, 24. September 2024").basis == "stated"


_READ_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "nb", "fi", "ro", "hu", "tr", "ru", "uk",
                 "el", "cs", "sk", "sl", "ca", "id", "lt", "lv", "et", "bg")
_PATTERNS = ("EEEE, d MMMM", "EEEE d MMMM", "d MMMM", "d. MMMM", "EEEE, d MMMM y", "d MMMM y")


@settings(max_examples=examples(300, 3000))
@given(st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 12, 31)), st.sampled_from(NAME_LOCALES),
       st.sampled_from(_PATTERNS), st.integers(0, 6))
def test_a_day_header_written_by_the_cldr_reads_back_as_its_day_and_never_as_another(day, locale, pattern, late):
    """Reference: Babel writes the day as that language writes it; the page is dated up to six
    days later. The header reads back as that day in the listed languages, and in every
    language it is never read as another day (ambiguous names give no date, not a wrong one)."""
    babel_dates = __import__("pytest").importorskip("babel.dates", reason="babel (test extras) writes the dates")
    text = babel_dates.format_date(day, pattern, locale=locale)
    found = day_header(text, anchor=day + timedelta(days=late))
    assert found is None or found.day == day, (text, found)
    if locale in _READ_LOCALES:
        assert found is not None, text


def test_name_tables_hold_no_word_that_names_two_things():
    names = calendar_names()
    assert not set(names.months) & set(names.weekdays)
    assert names.months["oktober"] == 10 and names.weekdays["montag"] == 0 and "listopad" not in names.months
    assert len(NAME_LOCALES) >= 40
