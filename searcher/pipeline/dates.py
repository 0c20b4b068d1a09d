"""Story dates from the evidence a live blog gives, each with how it is known.

A date is only ever taken from the page: a stamp (`Updated 13 September 2023`, `11:44 p.m.`
under a day header, `<time datetime>`), a date in the story's lead (`on Friday, October 13`,
`on Oct. 18`, `on Wednesday`), the page's own date, or agreeing neighbours. When none of
these holds the story stays undated: a wrong date misleads a search more than a missing one.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?"
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
# "October 13", "13 October", "Oct. 13, 2023", "13 Oct 2023" (named groups filled by one side)
_MONTH_DAY = (
    rf"(?:(?P<m1>{_MONTH})\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?)"
)
_CALENDAR = re.compile(rf"\b(?:(?P<wd>{_WEEKDAY}),?\s+(?:the\s+)?)?{_MONTH_DAY}(?![\w:])")
_ISO = re.compile(r"\b(?P<iso>\d{4}-\d\d-\d\d)(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?\b")
_RELATIVE_WORD = re.compile(
    r"\b(?P<prefix>last|next|this|on|since|until|by)?\s*"
    r"(?P<word>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|today|tonight|yesterday"
    r"|this (?:morning|afternoon|evening))\b",
)
_AGO = re.compile(
    r"^(?P<n>\d+|an?|one)\s*(?P<unit>sec|second|min|minute|hr|hour|day|week|month|year|[smhd])s?\b"
    r"(?:\s*(?P<n2>\d+)\s*(?P<unit2>sec|second|min|minute)s?)?\s+ago\b",
    re.I,
)
# Hours 20-23 first: with `[01]?\d` first, "21:15" would match as hour 2 with no minutes.
_TIME = re.compile(
    r"^(?P<h>2[0-3]|[01]?\d)(?:[:.h](?P<m>[0-5]\d))?\s*(?P<ampm>[ap]\.?\s?m\.?)?"
    r"(?:\s*(?P<tz>GMT|UTC|BST|CET|CEST|EET|EEST|[ECMP][SD]?T|IST|JST|KST|MSK|AEST|AEDT)\b)?"
    r"(?:\s*(?P<word>Uhr|hrs?|h|horas?|heures?|ore|godz\.?)(?![\w]))?",  # `12.31 Uhr:`, `14.10 hrs`, `12h31 :`
    re.I,
)
# UTC offsets (hours) of the zone abbreviations live blogs print; CST/EST are the North American
# zones, as in "17:17 GMT / 11:17 CST". An abbreviation not listed leaves the time zone-less.
_ZONE_OFFSETS = {
    "GMT": 0, "UTC": 0, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5,
    "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11, "ET": -5, "EST": -5, "EDT": -4, "CT": -6, "CST": -6,
    "CDT": -5, "MT": -7, "MST": -7, "MDT": -6, "PT": -8, "PST": -8, "PDT": -7,
}


@dataclass
class Dating:
    """A resolved date and the basis it rests on (one of records.DATE_BASES)."""

    value: date | datetime
    basis: str

    def iso(self) -> str:
        if isinstance(self.value, datetime):
            return self.value.isoformat(timespec="minutes" if not self.value.second else "seconds")
        return self.value.isoformat()

    @property
    def day(self) -> date:
        return self.value.date() if isinstance(self.value, datetime) else self.value


def parse_iso(text: str | None) -> datetime | None:
    """A machine-readable timestamp (`<time datetime>`, JSON-LD, JSON `published`), or None."""
    if not text or not str(text).strip():
        return None
    try:
        return dateutil_parser.isoparse(str(text).strip())
    except (ValueError, OverflowError):
        try:
            return dateutil_parser.parse(str(text).strip())
        except (ValueError, OverflowError):
            return None


# A time of day in a machine-readable timestamp: `T10:57`, `10:57`, `10.57`, `10am`, `T1057`.
_HAS_CLOCK = re.compile(r"T\d\d|\d[:.]\d\d|\d\s*[ap]\.?m\b", re.I)


def parse_stated(text: str | None) -> date | datetime | None:
    """A timestamp at the precision it was given: `2024-04-27` is a day (a `date`), not midnight.

    The precision is the date's provenance as much as its basis: a page that states only the
    day must read "27 Apr 2024" on the page, the story view, the CLI and in the CSV, never
    "27 Apr 2024, 00:00", a time nobody stated (issue 16)."""
    when = parse_iso(text)
    if when is None or _HAS_CLOCK.search(str(text)):
        return when
    return when.date()


def parse_clock(text: str) -> tuple[int, int, str | None] | None:
    """`11:44 p.m.`, `2.01am`, `17:17 GMT` -> (hour, minute, tz); None for a bare number."""
    match = _TIME.match(text.strip())
    if not match or (match["m"] is None and match["ampm"] is None):
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if match["ampm"].lower().startswith("p") else 0)
    return hour, minute, (match["tz"] or None)


def clock_prefix(text: str) -> tuple[tuple[int, int, str | None], str] | None:
    """Split a leading time stamp off a line: `2.01am: Headline` -> ((2, 1, None), "Headline").

    Also `17:17 GMT / 11:17 CST: Headline` and `10:30 a.m. Headline`. A stamp needs minutes
    or am/pm, and either a separator or am/pm/zone before the text, so `10.5 million` is prose.
    """
    match = _TIME.match(text)
    if not match or (match["m"] is None and match["ampm"] is None):
        return None
    rest = text[match.end():]
    while True:  # "/ 11:17 CST" alternative zones
        alt = re.match(r"\s*/\s*", rest)
        if not alt:
            break
        other = _TIME.match(rest[alt.end():])
        if not other or other["m"] is None:
            break
        rest = rest[alt.end() + other.end():]
    sep = re.match(r"\s*[:\-–—|]\s+|\s*:?\s*$", rest)
    if sep:
        rest = rest[sep.end():]
    elif not (match["ampm"] or match["tz"] or match["word"]) or not rest[:1].isspace():
        return None
    clock = parse_clock(text[: match.end()])
    return (clock, rest.strip()) if clock else None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _weekday_index(name: str) -> int:
    return next(i for i, full in enumerate(WEEKDAYS) if full.startswith(name[:3].lower()))


def _year_for(month: int, day: int, weekday: int, near: date) -> int | None:
    """The year nearest `near` (not after it by more than a year) in which month/day falls on weekday."""
    for delta in sorted(range(-12, 2), key=abs):
        year = near.year + delta
        try:
            if date(year, month, day).weekday() == weekday and date(year, month, day) <= near + timedelta(days=7):
                return year
        except ValueError:
            continue
    return None


def _calendar_date(match: re.Match, anchor: date | None, today: date) -> Dating | None:
    """A calendar mention -> a date: with a year it is stated; the year is inferred otherwise."""
    month_name, day_text, year_text = (match["m1"], match["d1"], match["y1"]) if match["m1"] else (
        match["m2"], match["d2"], match["y2"])
    month, day = _month(month_name), int(re.match(r"\d+", day_text).group())
    try:
        if year_text:
            return Dating(date(int(year_text), month, day), "stated")
        if match["wd"]:
            year = _year_for(month, day, _weekday_index(match["wd"]), anchor or today)
            return Dating(date(year, month, day), "inferred") if year else None
        if anchor:
            candidate = date(anchor.year, month, day)
            if candidate > anchor + timedelta(days=7):  # "Dec. 31" read in January
                candidate = date(anchor.year - 1, month, day)
            return Dating(candidate, "inferred")
    except ValueError:
        return None
    return None


def day_header(line: str, today: date | None = None, dayfirst: bool = True, anchor: date | None = None) -> Dating | None:
    """A line that is only a date (`March 23, 2022`, `Friday, October 13`, `Dienstag, 27. August
    2024`, `Montag, 3. Oktober`, `27.08.2024`): a day header. `dayfirst` reads an all-number date
    (see `numeric_order`).

    Without a year, in any language: a weekday fixes the year (the nearest one in which the day
    falls on it, before the page's date or today); else the page's date (`anchor`) gives it, as
    for `Oct. 18` in a story's text; with neither the line is no header (never invented)."""
    text = line.strip().rstrip(".:")
    if len(text) > 60:
        return None
    match = _CALENDAR.fullmatch(text)
    if not match:
        iso = _ISO.fullmatch(text)
        if iso:
            return Dating(date.fromisoformat(iso["iso"]), "stated")
        if not _DAY_NUMBER.search(text):  # most lines: no day of the month, no date (cheap test first)
            return None
        return foreign_day(text, anchor, today) or (numeric_day(text, dayfirst) if _HAS_YEAR.search(text) else None)
    if not (match["y1"] or match["y2"] or match["wd"] or anchor):
        return None
    return _calendar_date(match, anchor, today or date.today())


# Month and weekday names of the languages live blogs are written in, as the Unicode CLDR gives
# them: wide and abbreviated, in running text ("3. Oktober", genitive "3 октября") and alone
# ("Oktober"), for NAME_LOCALES. scripts/make_calendar_names.py writes them from Babel into
# calendar_names.json (tests/test_dates.py checks the file is what Babel gives): read at run
# time, Babel's locale data cost 0.4 s to load and left 34,000 objects for every garbage
# collection to walk, which slowed segmenting by a fifth. A word that names two months (Czech
# `listopad` is November, Croatian October) or a month and a weekday decides nothing.
NAME_LOCALES = ("en de fr es it nl pt pl cs sk sv da nb nn fi ro hu tr ru uk el hr sr bs sl ca gl eu id ms "
                "lt lv et sq bg mk is ga cy mt af sw tl az").split()
MIN_NAME_CHARS = 3  # `ma`, `di`, `do` are weekday abbreviations and common words
CALENDAR_NAMES = Path(__file__).with_name("calendar_names.json")


@dataclass(frozen=True)
class CalendarNames:
    months: dict[str, int]  # word -> 1..12
    full_months: frozenset[str]  # wide names: a date with neither year nor weekday needs one
    weekdays: dict[str, int]  # word -> 0 (Monday) .. 6
    fillers: frozenset[str]  # words of names that decide nothing (`feira` of `segunda-feira`)

    def to_json(self) -> dict:
        return {"locales": NAME_LOCALES, "months": dict(sorted(self.months.items())),
                "full_months": sorted(self.full_months), "weekdays": dict(sorted(self.weekdays.items())),
                "fillers": sorted(self.fillers)}


@functools.cache
def calendar_names() -> CalendarNames:
    """The month and weekday words of NAME_LOCALES (calendar_names.json)."""
    data = json.loads(CALENDAR_NAMES.read_text(encoding="utf-8"))
    return CalendarNames(data["months"], frozenset(data["full_months"]), data["weekdays"], frozenset(data["fillers"]))


def names_from_cldr(localized: dict[str, tuple[dict, dict]]) -> CalendarNames:
    """The tables from each locale's (months, days) CLDR names, as Babel's `Locale.months` and
    `Locale.days` give them: {context: {width: {number: name}}}."""
    months: dict[str, set[int]] = {}
    full: set[str] = set()
    days: dict[str, set[int]] = {word: {i} for i, word in enumerate(WEEKDAYS)}
    fillers: set[str] = set()
    for month_names, day_names in localized.values():
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in month_names[context][width].items():
                    for word in _name_words(name, fillers):
                        months.setdefault(word, set()).add(number)
                        if width == "wide":
                            full.add(word)
                for number, name in day_names[context][width].items():
                    for word in _name_words(name, fillers):
                        days.setdefault(word, set()).add(number)
    clear_months = {w: next(iter(n)) for w, n in months.items() if len(n) == 1 and w not in days}
    clear_days = {w: next(iter(n)) for w, n in days.items() if len(n) == 1 and w not in months}
    fillers |= (set(months) - set(clear_months)) | (set(days) - set(clear_days))
    return CalendarNames(clear_months, frozenset(full & set(clear_months)), clear_days, frozenset(fillers))


def _name_words(name: str, fillers: set[str]) -> list[str]:
    """The words of a CLDR name that may decide a date (`Okt.` -> `okt`). A name of several
    words (`segunda-feira`, `Dydd Mercher`) lends each of them, and all of them are allowed in a
    date line as fillers; a shared one (`feira`) ends up deciding nothing."""
    words = re.findall(r"[^\W\d_]+", name.lower())
    if len(words) > 1:
        fillers.update(words)
    return [w for w in words if len(w) >= MIN_NAME_CHARS]


_DATE_JUMP = {"de", "del", "di", "le", "la", "den", "der", "am", "op", "em", "el", "y", "à", "a", "um", "at", "las", "alle",
              "om", "às", "uhr", "h", "d", "of", "the", "du", "dne", "og"}
_WORDED_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+{_DAY},\s+{_YEAR}")
_DAY_NUMBER = re.compile(r"(?<!\d)(?:[12]\d|3[01]|0?[1-9])(?!\d)")
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d\d)(?!\d)")


def foreign_day(text: str, anchor: date | None = None, today: date | None = None) -> Dating | None:
    """A line of only a day, a month name and perhaps a weekday and a year, in any language of
    NAME_LOCALES: `Dienstag, 24. September 2024`, `Montag, 3. Oktober`, `3 octobre` (see
    `day_header` for the year when none is written)."""
    tokens = re.findall(r"[^\W\d_]+|\d+", text.lower())
    if len(tokens) > 9:
        return None
    names = calendar_names()
    months = [t for t in tokens if t in names.months]
    weekdays = [names.weekdays[t] for t in tokens if t in names.weekdays]
    numbers = [t for t in tokens if t.isdigit()]
    if len(months) != 1 or len(weekdays) > 1 or any(
            not t.isdigit() and t not in names.months and t not in names.weekdays and t not in _DATE_JUMP
            and t not in names.fillers for t in tokens):
        return None
    years = [int(n) for n in numbers if len(n) == 4]
    days = [int(n) for n in numbers if len(n) <= 2]
    if len(days) != 1 or len(years) > 1 or len(years) + len(days) != len(numbers):
        return None
    month, day = names.months[months[0]], days[0]
    try:
        if years:
            return Dating(date(years[0], month, day), "stated")
        if weekdays:
            year = _year_for(month, day, weekdays[0], anchor or today or date.today())
            return Dating(date(year, month, day), "inferred") if year else None
        if anchor and months[0] in names.full_months:
            candidate = date(anchor.year, month, day)
            if candidate > anchor + timedelta(days=7):  # `31 décembre` read in January
                candidate = date(anchor.year - 1, month, day)
            return Dating(candidate, "inferred")
    except ValueError:
        return None
    return None


def numeric_day(text: str, dayfirst: bool = True) -> Dating | None:
    """`27.08.2024`, `04/12/2023` (optionally after a weekday name) as a day header."""
    match = _NUMERIC_DATE.search(text)
    if not match:
        return None
    rest = (text[: match.start()] + text[match.end():]).strip(" ,.").lower()
    if rest and not all(w in calendar_names().weekdays or w[:3] in _MONTHS for w in re.findall(r"[^\W\d_]+", rest)):
        return None
    if re.sub(r"[^\W\d_]+|[\s,.]", "", rest):
        return None
    a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
    day, month = (a, b) if dayfirst else (b, a)
    try:
        return Dating(date(year, month, day), "stated")
    except ValueError:
        return None


def numeric_order(texts: list[str], language: str | None = None) -> bool:
    """True to read `04.12.2023`-style dates day first on this page.

    Consistency first: a number above 12 in the first place (`27/08/2024`) makes the page's
    dates day-first, in the second place (`08/27/2024`) month-first. Else the page's
    language: US English writes month first; dots (`04.12.2023`) are day-first everywhere;
    a page that writes `December 4, 2023` in words is a month-first page."""
    page = "\n".join(texts)
    found = list(_NUMERIC_DATE.finditer(page))
    if not found:
        return True  # nothing to read either way
    firsts = sum(int(m["a"]) > 12 for m in found)
    seconds = sum(int(m["b"]) > 12 for m in found)
    dots = sum(m["sep"] == "." for m in found)
    if firsts != seconds:
        return firsts > seconds
    if dots:
        return True
    if language:
        return language.lower().replace("_", "-") not in ("en-us", "en-ph", "en-ca")
    return not _WORDED_MONTH_FIRST.search(page)


_CLOCK_INSIDE = re.compile(r"(?<![\d:.])(?:2[0-3]|[01]?\d)[:.h][0-5]\d(?![\d:.])")
MAX_DATED_CLOCK_CHARS = 60


def dated_clock(line: str, today: date | None = None) -> tuple[date, tuple[int, int, str | None]] | None:
    """A line that is only a date and a time, in either order: an entry's full stamp.

    `4:30 p.m. ET, January 16, 2024`, `Wed 13 Dec 2023 14.15 GMT`, `January 16, 2024 10:05`."""
    if len(line) > MAX_DATED_CLOCK_CHARS:
        return None
    found = _CLOCK_INSIDE.search(line)
    if not found:
        return None
    stamp = _TIME.match(line[found.start():])
    clock = parse_clock(stamp.group(0))
    rest = f"{line[:found.start()]} {line[found.start() + stamp.end():]}".strip(" ,;|-–—•·/")
    header = day_header(rest, today) if clock and rest else None
    return (header.day, clock) if header else None


def stamp_date(text: str, reference: datetime | None, today: date | None = None, dayfirst: bool = True) -> Dating | None:
    """The date an entry stamp gives: `13 September 2023`, `11 min 30 sec ago`, an ISO time."""
    text = text.strip()
    ago = _AGO.match(text)
    if ago:
        if not reference:
            return None
        count = 1 if ago["n"].lower() in ("a", "an", "one") else int(ago["n"])
        span = relativedelta(**{_unit(ago["unit"]): count})
        if ago["n2"]:
            span += relativedelta(**{_unit(ago["unit2"]): int(ago["n2"])})
        return Dating(reference - span, "inferred")
    if text.lower() == "just now":
        return Dating(reference, "inferred") if reference else None
    if text.lower() in ("yesterday", "today"):
        return Dating(reference.date() - timedelta(days=text.lower() == "yesterday"), "inferred") if reference else None
    iso = _ISO.search(text)
    if iso:
        stamp = parse_stated(iso.group())
        return Dating(stamp, "stated") if stamp else None
    match = _CALENDAR.search(text)
    if match:
        found = _calendar_date(match, reference.date() if reference else None, today or date.today())
        if found:
            clock = parse_clock(text[match.end():].lstrip(" ,at"))
            if clock and found.basis == "stated":
                return Dating(datetime.combine(found.day, datetime.min.time()).replace(
                    hour=clock[0], minute=clock[1]), "stated")
        return found
    return foreign_day(text) or numeric_day(text, dayfirst)


def _unit(word: str) -> str:
    """`sec`, `min`, `hour` -> relativedelta's keyword."""
    unit = {"sec": "seconds", "min": "minutes", "hr": "hours", "s": "seconds", "m": "minutes", "h": "hours",
            "d": "days"}.get(word.lower(), word.lower())
    return unit if unit.endswith("s") else unit + "s"


def with_clock(day: date, clock: tuple[int, int, str | None], basis: str) -> Dating:
    """A day plus an entry's time stamp; a stamp with a known zone keeps its UTC offset."""
    stamp = datetime(day.year, day.month, day.day, clock[0], clock[1])
    offset = _ZONE_OFFSETS.get((clock[2] or "").upper())
    if offset is not None:
        stamp = stamp.replace(tzinfo=timezone(timedelta(hours=offset)))
    return Dating(stamp, basis)


def prose_date(text: str, anchor: date | None, today: date | None = None, nearest: bool = False) -> Dating | None:
    """The date a story's lead gives: the first calendar mention, else `on Wednesday`/`today`.

    Calendar mentions without a year need the page's date (or a weekday) to fix the year;
    weekday words resolve to that weekday on or before the anchor, or the nearest one when
    the anchor is only the latest date the page mentions (the page may run past it).
    Without an anchor, None.
    """
    today = today or date.today()
    calendar = _CALENDAR.search(text)
    word = next((m for m in _RELATIVE_WORD.finditer(text) if (m["prefix"] or "").lower() not in
                 ("next", "since", "until", "by")), None)
    if calendar and (not word or calendar.start() <= word.start() + 12):
        found = _calendar_date(calendar, anchor, today)
        if found:
            return found
    if not word or not anchor:
        return None
    name = word["word"].lower()
    if name in ("today", "tonight") or name.startswith("this "):
        return Dating(anchor, "inferred")
    if name == "yesterday":
        return Dating(anchor - timedelta(days=1), "inferred")
    back = (anchor.weekday() - _weekday_index(name)) % 7
    if back == 0 and (word["prefix"] or "").lower() == "last":
        back = 7
    elif nearest and back > 3:
        back -= 7
    return Dating(anchor - timedelta(days=back), "inferred")


@dataclass
class Evidence:
    """What one story offers for its date, in the order of trust."""

    markup: str | None = None  # `<time datetime>` / JSON-LD time
    day: date | None = None  # day header in force above the entry
    day_basis: str = "stated"  # `inferred` when that header wrote no year
    clock: tuple[int, int, str | None] | None = None  # the entry's time stamp
    stamps: tuple[str, ...] = ()  # `Updated ...` texts
    lead: str = ""  # headline and first paragraph


def resolve(stories: list[Evidence], reference: datetime | None, today: date | None = None,
            dayfirst: bool = True) -> list[Dating | None]:
    """Dates for a page's stories, in three passes.

    1. Each story's own stamps and self-contained dates (`Friday, October 13`).
    2. Partial evidence (`on Wednesday`, `Oct. 18`) against the page's date, or, for a page
       without one, the latest date its stories stated; then the page's own date (`page`).
    3. An undated story between two stories of the same day is of that day (`inferred`).
    """
    today = today or date.today()
    ref_day = reference.date() if reference else None
    found = [_own_date(story, reference, ref_day, today, dayfirst) for story in stories]
    known_days = [d.day for d in found if d and d.day <= today + timedelta(days=1)]
    anchor = ref_day or (max(known_days) if known_days else None)
    for i, story in enumerate(stories):
        if found[i] is None and anchor:
            found[i] = prose_date(story.lead, anchor, today, nearest=reference is None)
        if found[i] is None and reference:
            found[i] = with_clock(ref_day, story.clock, "page") if story.clock else Dating(ref_day, "page")
    return _between_same_day(found)


def _between_same_day(found: list[Dating | None]) -> list[Dating | None]:
    """Fill each run of undated stories whose nearest dated neighbours share a day."""
    result = found[:]
    previous: Dating | None = None
    run: list[int] = []
    for i, dating in enumerate(found):
        if dating is None:
            run.append(i)
            continue
        if previous and run and previous.day == dating.day:
            for j in run:
                result[j] = Dating(dating.day, "inferred")
        previous, run = dating, []
    return result


def _own_date(story: Evidence, reference: datetime | None, ref_day: date | None, today: date,
              dayfirst: bool = True) -> Dating | None:
    marked = parse_stated(story.markup)
    if marked:
        return Dating(marked, "stated")
    if story.day:
        return with_clock(story.day, story.clock, story.day_basis) if story.clock else Dating(story.day, story.day_basis)
    for stamp in story.stamps:
        dated = stamp_date(stamp, reference, today, dayfirst)
        if dated:
            return dated
    return prose_date(story.lead, ref_day, today) if ref_day else _self_contained(story.lead, today)


def _self_contained(text: str, today: date) -> Dating | None:
    """Only dates that fix their own year: `October 13, 2023` or `Friday, October 13`."""
    match = _CALENDAR.search(text)
    if match and (match["y1"] or match["y2"] or match["wd"]):
        return _calendar_date(match, None, today)
    return None
