"""Segmenting in two steps: label every line with one kind, then assemble entries.

Step 1 (`label_lines`) gives each line of a page exactly one kind (`KINDS`) and the evidence
that decided it: its own shape (a stamp, a day header, a clock prefix, a short unpunctuated
headline, a byline) and the page around it (a headline repeated a few lines on, a footer
zone, the lines before a ticker's first post). Step 2 (`assemble`) is a small state machine:
an entry starts at a stamp, clock, headline or separator and takes prose until the next
start. Every line is then accounted for: it is prose in exactly one entry, a headline or
stamp of one, or furniture of a named kind (`dropped`). Before this split a later rule could
blank lines an earlier one had kept, and pages with an identical `Updated 24 September 2024`
under every headline lost two stories in three without a word.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from searcher.pipeline import dates

MAX_HEADLINE_CHARS = 200
MAX_HEADLINE_WORDS = 30
REPEAT_WINDOW = 15  # lines within which a repeated headline is the same story's
_FINAL_PUNCTUATION = ".!:;,…"
_CLOSERS = "\"'”’»)]"
_BULLET = re.compile(r"^\s*[•●▪◦·‣∙]\s*")
_SEPARATOR = re.compile(r"^[\s_\-=*~—–•·#]{2,}$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(?P<rest>\S.*)$")
_STAMP = re.compile(r"^(?P<kind>last updated|updated|published|posted|first published)(?:\s+(?:on|at))?:?\s+(?P<when>.{1,60})$", re.I)
_AGO_LINE = re.compile(
    r"^(?:\d+\s*(?:sec|second|min|minute|hr|hour|day|week|[smhd])s?(?:\s+\d+\s*(?:sec|second|s)s?)?\s+ago"
    r"|just now|vor \d+\s*(?:sek(?:unden?)?|min(?:uten?)?|std|stunden?|tag(?:en)?)\.?"
    r"|il y a \d+\s*(?:s|sec(?:ondes?)?|min(?:utes?)?|h|heures?|jours?)|hace \d+\s*(?:segundos?|min(?:utos?)?|h|horas?|días?))$",
    re.I)
_MORE = re.compile(r"^(?:show more|read more|see more|load more|continue reading|read the full (?:story|article))\W*$", re.I)
_SHARE_WORDS = {"share", "facebook", "twitter", "x", "whatsapp", "email", "e-mail", "linkedin", "telegram", "reddit",
                "messenger", "copy", "link", "print", "pinterest", "flipboard", "bluesky", "threads", "sms", "comments"}
_FURNITURE = re.compile(
    r"^(?:news feed|live|live updates|live feed|follow|following|unfollow|avatar|short url|advertisement|ad"
    r"|sponsored|subscribe|sign up|newsletter|related|related articles?|recommended|most read|most popular"
    r"|key events|key points|summary|what we know(?: so far)?|live reporting|top stories|back to top|skip to .{1,40}|share(?: this(?: article| post| story| page)?)?|copy link"
    r"|link copied|show less|listen(?: to this article)?|watch|video|photos?|gallery|close|menu|search"
    r"|\d+\s*min(?:ute)?s? read|\d+\s*/\s*\d+|\d+ comments?|source:\s*\S+|(?:retrieved|accessed|crawled)\b.*"
    r"|(?:photo|photograph|image|credit|bildrechte|foto)s?:.*)$",
    re.I,
)
# Page-wide promotions and notices: they announce other content, never report news.
_PROMO = re.compile(
    r"^(?:breaking(?: news)?:|follow (?:our|us\b|along|ap['’]s|(?:all )?the (?:latest|live)|live)|get (?:our|the|breaking)\b.{0,60}"
    r"(?:newsletter|alerts?|app)|download (?:our|the) app|(?:read|see) (?:more|also):|related:|recommended:"
    r"|more on this (?:story|topic)|most (?:viewed|read|popular)\b|you (?:may|might) also like|lesen sie auch"
    r"|das könnte sie auch interessieren|mehr zum thema|weitere nachrichten|à lire aussi|lire aussi"
    r"|this (?:article|content|material|story) (?:may|must) not be (?:published|republished|broadcast|rewritten"
    r"|redistributed))",
    re.I,
)
# Headings of link lists: the titles under them are other pages' (see `_truncated_last`).
_LIST_INTRO = re.compile(
    r"^(?:most (?:viewed|read|popular|shared)|related(?: articles| stories| content)?|recommended(?: for you)?|top stories"
    r"|key events|trending|latest (?:stories|news)|more (?:on this (?:story|topic)|from .{1,40}|stories)"
    r"|you (?:may|might) also like|read next|das könnte sie auch interessieren|mehr zum thema|à lire aussi"
    r"|lire aussi|lesen sie auch)\W*$", re.I)
# Page footers: after one, the rest of its block is footer too (see `_footer_zone`).
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|(?:19|20)\d\d))|\ball rights reserved\b", re.I)
_FOOTER = re.compile(
    r"^(?:sign up (?:to|for)\b|subscribe (?:today|now|to)\b|(?:privacy|cookie) (?:policy|settings|notice)"
    r"|terms (?:of|and) (?:use|service|conditions)|impressum\b|datenschutz\b|contact us$|about us$)",
    re.I,
)
MAX_FOOTER_WORDS = 12  # `Sign up to our newsletter` is short; a sentence starting so is story text
# A section label in capitals ending in a colon: `HERE'S WHAT ELSE IS HAPPENING:`.
_LABEL = re.compile(r"^[^a-z]{6,80}:$")
_BYLINE = re.compile(
    r"^(?:[Bb]y\s+[A-Z][\w.'’-]*(?:,?\s+(?:and\s+)?[A-Z][\w.'’-]*){0,6}"
    r"(?:\s+(?:staff|team|reporters?|correspondents?|editors?|desk|and agencies))?(?:,\s*[\w .'’-]{1,40})?"
    r"|[Ff]rom\s+(?:(?:[Tt]he\s+)?(?:[A-Z][\w.&-]*\s+){0,4}[A-Z][\w.&-]*[’']s?\s+|our\s+)[^.!?]{1,80}"
    r"|[Vv]on\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}"
    r"|(?:[Ee]dited|[Ww]ritten|[Rr]eported|[Cc]ompiled|[Pp]resented) by\s+[A-Z][\w.'’-]*(?:,?\s+(?:and\s+)?[A-Z][\w.'’-]*){0,6})$",
)
# A live blog's own title printed at the top of its text: `Live: world news as it happens`.
_LIVE_TITLE = re.compile(r"^(?:live(?: updates| blog)?|liveblog|news ticker|ticker)\s*[:|–—-]\s|\b(?:as it happen(?:s|ed)"
                         r"|live(?: updates| blog| coverage| reporting)?|liveblog|ticker|latest(?: updates| news)?"
                         r"|(?:key |latest )?updates)(?:,.{0,40})?$", re.I)
_INTERVIEW_TURN = re.compile(r"^[QA]\s*[:.]\s")  # `Q: How long will it take?` is a transcript line
_CREDIT = re.compile(r"\((?P<credit>[^()]{2,120})\)\s*$")
_CREDIT_WORDS = re.compile(r"/|getty|images|photo|handout|\bpool\b|shutterstock|\bafp\b|\bepa\b|reuters|\bap\b|\(l\)|\(r\)", re.I)

# Every kind a line can get. `prose`, `headline`, `clock`, `numbered`, `stamp` and
# `day_header` build entries; the rest are dropped, counted by kind in `dropped`.
KINDS = ("blank", "page_title", "prose", "headline", "clock", "numbered", "stamp", "day_header", "dated_clock",
         "separator", "more", "repeat", "kicker", "caption", "byline", "author_bio", "share", "promo", "footer",
         "label", "navigation", "furniture", "orphan_headline", "banner")
STARTS = ("headline", "clock", "numbered", "dated_clock")


@dataclass
class Line:
    """One line of a page with its kind and the evidence for it."""

    index: int
    text: str
    kind: str
    evidence: str
    when: str | None = None  # a stamp's date text
    day: date | None = None  # a day header's (or dated clock's) day
    day_basis: str = "stated"  # `inferred` when the header has no year (`Montag, 3. Oktober`)
    clock: tuple[int, int, str | None] | None = None
    rest: str | None = None  # the headline or prose after a clock prefix or number
    held: bool = False  # between two copies of a headline: its stamps go to the second copy
    hint: str | None = None  # from the markup: `heading` (h1-h6), `link`, or None for a paragraph


@dataclass
class Entry:
    """A story in the making: what the page says, before dates are resolved."""

    headline: str | None = None
    body: list[str] = field(default_factory=list)
    stamps: list[str] = field(default_factory=list)
    day: date | None = None
    day_basis: str = "stated"
    clock: tuple[int, int, str | None] | None = None
    markup: str | None = None
    lines: list[int] = field(default_factory=list)  # indices of the page lines it holds
    anchor: str | None = None  # from the HTML markup: what identifies the post (issue 15)
    published: str | None = None


def bullet_free(line: str) -> str:
    return _BULLET.sub("", line).strip()


def is_headline_like(line: str) -> bool:
    """A short line without final punctuation that starts like a title."""
    text = line.strip()
    if not text or len(text) > MAX_HEADLINE_CHARS or _BULLET.match(line):
        return False
    words = text.split()
    if not 2 <= len(words) <= MAX_HEADLINE_WORDS:
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "\"'“‘«") or _INTERVIEW_TURN.match(text):
        return False
    core = text.rstrip(_CLOSERS)
    if not core or core[-1] in _FINAL_PUNCTUATION:
        return False
    return not (core.endswith("?") and len(words) > 14)


def furniture_kind(line: str) -> str | None:
    """The kind of page furniture a line is (byline, share, caption, ...), or None for story text."""
    if len(line) > MAX_HEADLINE_CHARS:
        return "caption" if _is_caption(line) else None
    if _BYLINE.match(line):
        return "byline"
    if _MORE.match(line):
        return "more"
    if _SEPARATOR.match(line):
        return "separator"
    if _FURNITURE.match(line):
        return "furniture"
    words = re.findall(r"[\w-]+", line.lower())
    if words and len(words) <= 12 and all(w in _SHARE_WORDS for w in words):
        return "share"
    return "caption" if _is_caption(line) else None


def is_furniture(line: str) -> bool:
    """Menus, share lists, bylines, captions: lines that belong to the page, not a story."""
    return furniture_kind(line) is not None


def _is_caption(line: str) -> bool:
    """A photo caption: the line ends with a photo credit in brackets."""
    credit = _CREDIT.search(line) if line.endswith(")") else None
    return bool(credit and _CREDIT_WORDS.search(credit["credit"]) and not line.endswith(".)"))


def promo_kind(line: str) -> str | None:
    """`footer`, `promo` or `label` for page-wide promotions, notices and section labels."""
    if _COPYRIGHT.search(line) and len(line.split()) <= 2 * MAX_FOOTER_WORDS:
        return "footer"
    if _FOOTER.match(line) and len(line.split()) <= MAX_FOOTER_WORDS and not line.endswith("."):
        return "footer"
    if _PROMO.match(line):
        return "promo"
    if _LABEL.match(line) and any(c.isalpha() for c in line):
        return "label"
    return None


def label_line(index: int, raw: str, page_title: str = "", hint: str | None = None, dayfirst: bool = True,
               anchor: date | None = None) -> Line:
    """One line's kind from its own shape (page-level passes refine it in `label_lines`)."""
    line = raw.strip()
    if not line:
        return Line(index, line, "blank", "empty")
    if page_title and line.lower() == page_title:
        return Line(index, line, "page_title", "equals the page title")
    if hint == "link":
        return Line(index, line, "navigation", "the whole block is a link")
    if len(line) <= MAX_HEADLINE_CHARS:
        shaped = _short_line(index, line, dayfirst, anchor)
        if shaped:
            return shaped
    kind = promo_kind(line) if len(line) <= MAX_HEADLINE_CHARS else None
    if kind:
        return Line(index, line, kind, f"{kind} wording")
    kind = furniture_kind(line)
    if kind:
        return Line(index, line, kind, f"{kind} shape")
    return _story_line(index, line, hint)


def _short_line(index: int, line: str, dayfirst: bool = True, anchor: date | None = None) -> Line | None:
    stamp = _STAMP.match(line)
    if stamp:
        if stamp["kind"].lower() == "last updated":
            return Line(index, line, "banner", "`Last updated` is the whole page's")
        return Line(index, line, "stamp", f"`{stamp['kind']}` stamp", when=stamp["when"])
    if _AGO_LINE.match(line):
        return Line(index, line, "stamp", "`... ago` stamp", when=line)
    header = dates.day_header(line, dayfirst=dayfirst, anchor=anchor)
    if header:
        return Line(index, line, "day_header", "a line that is only a date", day=header.day, day_basis=header.basis)
    if _SEPARATOR.match(line):
        return Line(index, line, "separator", "a rule of symbols")
    if _MORE.match(line):
        return Line(index, line, "more", "`Read more` link")
    return None


# German tickers set each post's title between `+++` marks: `+++ 12:31 Hafen gesperrt +++`.
_PLUSSES = re.compile(r"^\+{2,}\s*(?P<inner>.+?)\s*\+{2,}$")


def _story_line(index: int, line: str, hint: str | None) -> Line:
    marked = _PLUSSES.match(line)
    if marked:
        inner = _story_line(index, marked["inner"], hint)
        timed = re.match(r"(?P<clock>\d{1,2}[:.]\d\d)\s+(?P<rest>\S.*)$", marked["inner"])
        clock = dates.parse_clock(timed["clock"]) if timed and inner.kind != "clock" else None
        if clock:  # `+++ 12:31 Title +++`: between the marks a bare time is a clock
            inner = Line(index, line, "clock", "a time stamp prefix", clock=clock, rest=timed["rest"])
        inner.text, inner.evidence = line, inner.evidence + ", between +++ marks"
        if inner.kind == "headline":
            inner.rest = marked["inner"]
        return inner
    full_stamp = dates.dated_clock(line)
    if full_stamp:
        return Line(index, line, "dated_clock", "a date and a time", day=full_stamp[0], clock=full_stamp[1])
    prefixed = dates.clock_prefix(line) if line[0].isdigit() else None
    if prefixed:
        return Line(index, line, "clock", "a time stamp prefix", clock=prefixed[0], rest=prefixed[1])
    numbered = _NUMBERED.match(line)
    if numbered and is_headline_like(numbered["rest"]):
        return Line(index, line, "numbered", "a numbered title", rest=numbered["rest"])
    if is_headline_like(line):
        return Line(index, line, "headline", "short, no final punctuation" + (", a heading" if hint == "heading" else ""))
    return Line(index, line, "prose", "sentence text")


def label_lines(lines: list[str], page_title: str | None = None, hints: list[str | None] | None = None,
                ticker: bool = False, language: str | None = None, dayfirst: bool | None = None,
                anchor: date | None = None) -> list[Line]:
    """Every line with exactly one kind; `ticker` drops what stands before the first clock post;
    all-number dates are read day or month first as the whole page (and its language) says;
    `anchor`, the page's own date, gives day headers without a year theirs."""
    title = (page_title or "").strip().lower()
    dayfirst = dates.numeric_order(lines, language) if dayfirst is None else dayfirst
    labelled = [label_line(i, raw, title, hints[i] if hints else None, dayfirst, anchor) for i, raw in enumerate(lines)]
    for line in labelled if hints else []:
        line.hint = hints[line.index] or "paragraph"
    _live_title(labelled)
    _author_blocks(labelled)
    _name_lines(labelled)
    _fold_repeated_headlines(labelled)
    _dates_under_headlines(labelled)
    _footer_zone(labelled)
    if ticker or _is_ticker(labelled):
        _ticker_preamble(labelled)
    return labelled


def _live_title(labelled: list[Line]) -> None:
    """The first headline of the page, when it reads as the blog's title, is the page's title:
    `Live: world news as it happens, 24 September 2024` heads the page, not its first post."""
    first = next((line for line in labelled if line.kind in ("headline", "prose", "clock", "stamp")), None)
    if first is not None and first.kind == "headline" and _LIVE_TITLE.search(first.text):
        _relabel(first, "page_title", "reads as a live blog's title")


def _author_blocks(labelled: list[Line]) -> None:
    """An author box: a name line, perhaps a role line, then a bio starting with the name."""
    for i, line in enumerate(labelled):
        if line.kind != "headline" or len(line.text.split()) > 4:
            continue
        for j in range(i + 1, min(len(labelled), i + 6)):
            if labelled[j].text.startswith(line.text + " ") and len(labelled[j].text) > len(line.text) + 40:
                for k in range(i, j + 1):
                    _relabel(labelled[k], "author_bio", "a name, then a bio starting with it")
                break


def _name_lines(labelled: list[Line]) -> None:
    """A contributor's name alone above `Name reports from ...`: an avatar label, not a headline."""
    story = [line for line in labelled if line.kind not in ("blank",)]
    for line, after in zip(story, story[1:]):
        words = line.text.split()
        if (line.kind == "headline" and 2 <= len(words) <= 4 and all(w[:1].isupper() and w.isalpha() for w in words)
                and after.kind in ("prose", "headline") and after.text.startswith(line.text + " ")):
            _relabel(line, "byline", "a name repeated at the start of the next line")


def _relabel(line: Line, kind: str, evidence: str) -> None:
    if line.kind not in ("blank", "page_title"):
        line.kind, line.evidence = kind, evidence


def _fold_repeated_headlines(labelled: list[Line]) -> None:
    """A headline, then photos, captions, `Updated ...` and `Follow`, then the headline again:
    the first copy is a repeat and what stands between is the story's preamble.

    Only headline-kind lines fold: stamps, dates and clocks repeat on every post by design.
    """
    for i, line in enumerate(labelled):
        if line.kind != "headline":
            continue
        for j in range(i + 1, min(len(labelled), i + REPEAT_WINDOW + 1)):
            if labelled[j].text == line.text and labelled[j].kind == "headline":
                between = labelled[i + 1 : j]
                if _holds_a_story(between):
                    break
                _relabel(line, "repeat", f"repeated on line {j + 1}")
                for other in between:
                    other.held = True
                    if other.kind in ("prose", "headline", "numbered"):
                        _relabel(other, "caption", "between two copies of a headline")
                break


def _holds_a_story(between: list[Line]) -> bool:
    """True when a headline followed by prose, or a stamp or clock that starts a post, stands
    between two copies of a headline: then the first copy is a `Key events` link to a later
    post, not the same story's preamble."""
    shaped = [line for line in between if line.kind in ("prose", "headline", "clock", "numbered", "dated_clock")]
    if any(line.kind in ("clock", "dated_clock") for line in shaped):
        return True
    return any(a.kind == "headline" and b.kind == "prose" for a, b in zip(shaped, shaped[1:]))


_ASIDE = ("blank", "byline", "caption", "share", "furniture", "author_bio")


def _dates_under_headlines(labelled: list[Line]) -> None:
    """A bare date between a headline and its text (`Title` / `24 September 2024` / prose) is
    that post's stamp, not a day header: identical on every post, it must not cut them."""
    shown = [line for line in labelled if line.kind not in _ASIDE]
    for before, line, after in zip(shown, shown[1:], shown[2:]):
        text_follows = after.kind == "prose" or (after is shown[-1] and after.kind == "headline")  # or a cut post
        if line.kind == "day_header" and before.kind in ("headline", "numbered", "clock") and text_follows:
            line.kind, line.evidence, line.when = "stamp", "a date between a headline and its text", line.text


FOOTER_ZONE_LINES = 3  # sentences after a footer line that are its own (a plan offer, a legal line)
FOOTER_ZONE_WORDS = 25  # ... each short: a longer paragraph is story text again


def _footer_zone(labelled: list[Line]) -> None:
    """After a footer line (`© 2024 ...`, `SUBSCRIBE TODAY`), up to three short sentences are
    footer too: `SUBSCRIBE TODAY` is followed by `Choose the plan that's right for you.`"""
    left = 0
    for line in labelled:
        if line.kind == "footer":
            left = FOOTER_ZONE_LINES
        elif line.kind in STARTS + ("stamp", "day_header", "separator"):
            left = 0
        elif left and line.kind == "prose":
            if len(line.text.split()) > FOOTER_ZONE_WORDS:
                left = 0
                continue
            _relabel(line, "footer", "a short sentence after a footer line")
            left -= 1


def _is_ticker(labelled: list[Line]) -> bool:
    """A page whose posts open with a time (`12.31 Uhr: Title`, `4:30 p.m. ET, October 9, 2024`
    above a title): three or more timed starts, at least twice as many as titles without one."""
    shown = [line for line in labelled if line.kind not in _ASIDE]
    timed = sum(1 for line in shown if line.kind in ("clock", "dated_clock"))
    untimed = sum(1 for before, line in zip([None] + shown, shown) if line.kind in ("headline", "numbered")
                  and not (before is not None and before.kind in ("clock", "dated_clock", "stamp", "day_header")))
    return timed >= 3 and timed >= 2 * untimed


def _ticker_preamble(labelled: list[Line]) -> None:
    """In a ticker split on clock headings, what stands before the first one is an intro,
    a teaser or an agency notice, not a post."""
    first = next((k for k, line in enumerate(labelled) if line.kind in ("clock", "dated_clock")), None)
    for line in labelled[:first]:
        if line.kind in ("prose", "headline", "numbered"):
            _relabel(line, "promo", "before the first post of a ticker")


def assemble(labelled: list[Line]) -> list[Entry]:
    """Entries from labelled lines: a start (stamp, clock, headline, separator) opens one and it
    takes prose until the next. Lines whose role changes here (a kicker above the real headline,
    a teaser before `Show more`, a title with no text under it) are relabelled."""
    machine = _Assembler()
    for line in labelled:
        machine.feed(line)
    return machine.finish(labelled)


class _Assembler:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.current: Entry | None = None
        self.day: date | None = None
        self.day_basis = "stated"
        self.pending: list[str] = []  # stamps seen after a story's body, for the next story
        self.opened = False  # a stamp after a body opens the next post, titled or not
        self.headers: list[tuple[int, date, str]] = []  # (entries so far, day, basis) at each day header
        self.headline_line: dict[int, Line] = {}  # id(entry) -> its headline's line
        self.kicker_line: dict[int, Line] = {}  # id(entry) -> the line its headline replaced
        self.kicker_text: dict[int, str | None] = {}  # ... and that line's headline text
        self.teasers: list[Entry] = []

    def start(self, line: Line, **fields) -> Entry:
        entry = Entry(day=self.day, day_basis=self.day_basis, stamps=self.pending[:], **fields)
        self.pending.clear()
        self.opened = False
        self.entries.append(entry)
        self.current = entry
        return entry

    def set_headline(self, entry: Entry, line: Line, text: str) -> None:
        old = self.headline_line.get(id(entry))
        if old is not None:
            _relabel(old, "kicker", "a short line above the real headline")
            self.kicker_line[id(entry)] = old
            self.kicker_text[id(entry)] = entry.headline
        entry.headline = text
        self.headline_line[id(entry)] = line

    def feed(self, line: Line) -> None:
        kind, current = line.kind, self.current
        if kind == "stamp":
            if line.held or (current is not None and current.body):
                self.pending.append(line.when or line.text)
                self.opened = not line.held
            elif current is not None:
                current.stamps.append(line.when or line.text)
            else:
                self.pending.append(line.when or line.text)
        elif kind == "day_header":
            self.day, self.day_basis, self.current = line.day, line.day_basis, None
            self.headers.append((len(self.entries), line.day, line.day_basis))
        elif kind == "separator":
            self.current = None
        elif kind == "more":
            if current is not None and current.headline is None and current.body:
                self.entries.pop()  # a lead teaser before "Show more" is a promo
                self.current = None
                self.teasers.append(current)
        elif kind == "dated_clock":
            self.day, self.day_basis = line.day, line.day_basis
            self.start(line, clock=line.clock)
        elif kind == "clock":
            entry = self.start(line, clock=line.clock)
            if line.rest and is_headline_like(line.rest):
                self.set_headline(entry, line, line.rest)
            elif line.rest:
                entry.body.append(line.rest)
                entry.lines.append(line.index)
        elif kind in ("numbered", "headline"):
            text = line.rest or line.text
            above = self.headline_line.get(id(current)) if current is not None else None
            if above is not None and above.hint == "heading" and line.hint == "paragraph" and not current.body:
                line.kind, line.evidence = "prose", "a short paragraph under a heading"  # a standfirst
                self.feed(line)
                return
            if current is not None and not current.body and not self.opened:
                self.set_headline(current, line, text)
            else:
                self.set_headline(self.start(line), line, text)
        elif kind == "prose":
            if current is None or self.opened:
                current = self.start(line)
            current.body.append(bullet_free(line.text))
            current.lines.append(line.index)

    def finish(self, labelled: list[Line]) -> list[Entry]:
        for entry in self.teasers:
            for index in entry.lines:
                _relabel(labelled[index], "promo", "a lead teaser before `Show more`")
        _truncated_last(self, labelled)
        _cut_untitled_last(self, labelled)
        for entry in self.entries:
            if not entry.body and id(entry) in self.headline_line:
                _relabel(self.headline_line[id(entry)], "orphan_headline", "a title with no text under it")
        entries = [e for e in self.entries if e.body]
        _trailing_day_headers(self, entries)
        return entries


def _truncated_last(machine: _Assembler, labelled: list[Line]) -> None:
    """A saved page that ends mid-post: its first words, cut before any full stop, look like a
    second headline under the real one. Keep the title and read the cut line as the body."""
    if not machine.entries:
        return
    last = machine.entries[-1]
    title_line = machine.headline_line.get(id(last))
    if last.body or title_line is None:
        return
    kicker = machine.kicker_line.get(id(last))
    if kicker is None or kicker.kind != "kicker" or any(
            line.kind in STARTS + ("prose",) for line in labelled[title_line.index + 1 :]):
        return
    before = [line for line in labelled[: kicker.index] if line.kind != "blank"]
    if before and (before[-1].kind in ("label", "navigation", "orphan_headline", "kicker", "repeat", "footer")
                   or _LIST_INTRO.match(before[-1].text)):
        return  # the end of a list of titles under `Most viewed`, not a post cut short
    last.headline = machine.kicker_text.get(id(last)) or kicker.text
    last.body = [title_line.text]
    last.lines = [title_line.index]
    kicker.kind, kicker.evidence = "headline", "the last post's title; the page ends in its first words"
    title_line.kind, title_line.evidence = "prose", "the cut first words of the last post"


# What opens an untitled post: its own stamp or clock, a rule, a day header.
_OPENERS = ("stamp", "separator", "day_header", "clock", "dated_clock")


def _cut_untitled_last(machine: _Assembler, labelled: list[Line]) -> None:
    """A saved page that ends in the first words of an untitled post: cut before any full stop,
    they look like a title with no text under it, and the post would be lost. When such a line
    ends the page right after what opens a post (its stamp or clock, a rule), it is that post's
    body. A titled post cut just after its title keeps its text this way too, as an untitled one."""
    if not machine.entries:
        return
    last = machine.entries[-1]
    title_line = machine.headline_line.get(id(last))
    if last.body or title_line is None or id(last) in machine.kicker_line:
        return
    if any(line.kind in STARTS + ("prose",) for line in labelled[title_line.index + 1 :]):
        return
    before = [line for line in labelled[: title_line.index] if line.kind not in _ASIDE]
    opened = last.clock is not None or last.stamps or (before and before[-1].kind in _OPENERS)
    if not opened or (before and _LIST_INTRO.match(before[-1].text)):
        return
    last.headline = None
    last.body = [title_line.rest if title_line.kind == "clock" and title_line.rest else title_line.text]
    last.lines = [title_line.index]
    del machine.headline_line[id(last)]
    if title_line.kind != "clock":  # `14:10 GMT – Ferry crews inspected the`: the clock line holds it
        title_line.kind = "prose"
    title_line.evidence = "the cut first words of the last post, which has no title"


def _trailing_day_headers(machine: _Assembler, entries: list[Entry]) -> None:
    """Day labels printed after their day's posts (a ticker that closes each day with its
    date): posts (with a clock or title, not just a lead) before the first label. Each label
    dates the posts above it back to the previous label; posts after the last label have
    no label of their own (the page was cut before it) and keep no day."""
    headers = machine.headers
    if not headers or not any(e.body and (e.clock or e.headline) for e in machine.entries[: headers[0][0]]):
        return
    begin = 0
    for end, day, basis in headers:
        for entry in machine.entries[begin:end]:
            entry.day, entry.day_basis = day, basis
        begin = end
    for entry in machine.entries[begin:]:
        entry.day = None


def text_entries(lines: list[str], page_title: str | None = None, hints: list[str | None] | None = None,
                 ticker: bool = False, language: str | None = None, anchor: date | None = None) -> list[Entry]:
    """Entries from page text lines: label, then assemble."""
    return assemble(label_lines(lines, page_title, hints, ticker, language, anchor=anchor))


def dropped(labelled: list[Line]) -> Counter:
    """How many non-blank lines of each furniture kind were left out of every story."""
    kept = ("prose", "headline", "clock", "numbered", "stamp", "day_header", "dated_clock")
    return Counter(line.kind for line in labelled if line.kind not in kept + ("blank",))
