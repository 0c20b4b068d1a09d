"""The source facet names the outlet, never the file: one outlet, one name.

A page's outlet comes, in this order, from what the caller says (a JSON `source` field), the
page's own metadata (`og:site_name`, JSON-LD `publisher`), its URL's domain (looked up in
OUTLETS, a domain -> outlet table that users extend in the curation file), what the text says
about itself (a `Source: outlet.com` line, a `© 2024 Outlet` line, a byline `From CNN's Jane Doe`,
a bio `... is a news editor at the Kyiv Independent`), and only as a last resort the file name,
flagged as such (`page-000021.txt (file name)`).

The user's table (`[outlets]` in the curation file) maps domains, and file-name patterns with `*`
for pages that say nothing about their outlet (`"000_*.txt" = "Le Monde"`).

After a build has read every page, `resolve_sources` makes one name per outlet across the corpus:
a bare domain takes the name the outlet's HTML pages give for that domain (`harbourtimes.example.net`
-> `The Harbour Times`), and a byline's short name the one outlet of the corpus it abbreviates
(`Northbridge` -> `Northbridge Post`, `GWT` -> `Global Wire Today`).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import PurePath
from urllib.parse import urlparse

from searcher.enrich.names import fold_text, initials
from searcher.records import Story

FILE_NAME_FLAG = " (file name)"

# "domain | display name | other names": outlets whose pages name them inconsistently or not at all.
OUTLETS = """
theguardian.com | The Guardian | Guardian | the Guardian
lemonde.fr | Le Monde | Le Monde in English
arabnews.com | Arab News
kyivindependent.com | The Kyiv Independent | Kyiv Independent
independent.co.uk | The Independent | Independent
apnews.com | The Associated Press | Associated Press | AP News | AP
hutchnews.com | The Hutchinson News | Hutchinson News
br.de | BR24 | BR | Bayerischer Rundfunk
reuters.com | Reuters
bbc.co.uk | BBC News | BBC
bbc.com | BBC News
nytimes.com | The New York Times | New York Times | NYT
washingtonpost.com | The Washington Post | Washington Post
cnn.com | CNN
aljazeera.com | Al Jazeera | Al Jazeera English
france24.com | France 24 | FRANCE 24
dw.com | DW | Deutsche Welle
euronews.com | Euronews
politico.eu | Politico Europe | POLITICO
politico.com | Politico
ft.com | Financial Times | FT
telegraph.co.uk | The Telegraph | Telegraph
news.sky.com | Sky News
nbcnews.com | NBC News
cbsnews.com | CBS News
abcnews.go.com | ABC News
foxnews.com | Fox News
npr.org | NPR
bloomberg.com | Bloomberg
timesofisrael.com | The Times of Israel | Times of Israel
haaretz.com | Haaretz
kyivpost.com | Kyiv Post
pravda.com.ua | Ukrainska Pravda
themoscowtimes.com | The Moscow Times | Moscow Times
meduza.io | Meduza
tass.com | TASS
rferl.org | Radio Free Europe/Radio Liberty | RFE/RL
ukrinform.net | Ukrinform
economist.com | The Economist | Economist
lefigaro.fr | Le Figaro
spiegel.de | Der Spiegel | DER SPIEGEL
tagesschau.de | tagesschau
zeit.de | Die Zeit | ZEIT ONLINE
sueddeutsche.de | Süddeutsche Zeitung
"""

_SOURCE_LINE = re.compile(r"^\s*Source:\s*(?P<source>[\w.-]+\.[a-z]{2,})\s*$", re.I | re.M)
_NAME = r"(?:[A-Z][\w&'’.-]*|of|the|and)(?:\s(?:[A-Z][\w&'’.-]*|of|the|and)){0,4}"
_COPYRIGHT = re.compile(rf"(?:©|\(c\)|Copyright)\s*(?:\d{{4}}\s*)?(?:[-–]\s*\d{{4}}\s*)?(?P<name>{_NAME})", re.M)
_BYLINE = re.compile(r"^\s*From (?P<name>[A-Z][\w&.-]*(?: [A-Z][\w&.-]*){0,3})['’]s? [A-Z][\w'’-]+(?: [A-Z][\w'’-]+){0,2}\s*$", re.M)
_BIO = re.compile(
    rf"\b(?i:reporter|editor|correspondent|writer|journalist|columnist|producer)\s+(?:at|for|with)\s+(?:the\s+)?(?P<name>{_NAME})"
)
_HOST_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")


def _rows() -> list[list[str]]:
    return [[part.strip() for part in line.split("|")] for line in OUTLETS.strip().splitlines()]


@cache
def _by_domain() -> dict[str, str]:
    return {row[0]: row[1] for row in _rows()}


@cache
def _by_name() -> dict[str, str]:
    return {fold_text(name): row[1] for row in _rows() for name in row[1:]}


def host_of(url: str | None) -> str | None:
    """`https://www.theguardian.com/world/...` -> `theguardian.com`."""
    try:
        host = urlparse(url).hostname if url else None
    except ValueError:
        return None
    if not host:
        return None
    for prefix in ("www.", "m.", "amp.", "edition."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
    return host


def outlet_for_host(host: str | None, extra: Mapping[str, str] = {}) -> str | None:
    """The outlet a domain (or a subdomain of it) belongs to, from `extra` first, then OUTLETS."""
    if not host:
        return None
    host = host.lower()
    for table in (extra, _by_domain()):
        for domain, name in table.items():
            if host == domain.lower() or host.endswith("." + domain.lower()):
                return name
    return None


def canonical_outlet(name: str) -> str:
    """`the Guardian` -> `The Guardian`: a known outlet's one display name, else the name tidied."""
    name = " ".join(name.split()).strip(" .,;:-–|")
    return _by_name().get(fold_text(name), name)


def outlet_in_text(text: str | None) -> str | None:
    """What a page's text says about its outlet: a `Source:` line (its domain), a copyright line,
    a bio, a `From Outlet's Name` byline. Outlets a story merely quotes (`Reuters reported`) never count."""
    if not text:
        return None
    tail = text[-3000:]
    found = _SOURCE_LINE.findall(tail)
    if found:
        host = found[-1].lower()
        return outlet_for_host(host) or host
    for pattern, where in ((_COPYRIGHT, tail), (_BIO, text), (_BYLINE, text)):
        names = [match.group("name") for match in pattern.finditer(where)]
        names = [re.split(r"\.\s", name)[0].strip(" .,;:") for name in names]  # `Kyiv Independent. He`
        names = [name for name in names if len(name) >= 2 and name.lower() not in ("the", "of", "and")]
        if names:
            known = [name for name in names if fold_text(name) in _by_name()]
            return canonical_outlet((known or [Counter(names).most_common(1)[0][0]])[0])
    return None


def page_source(
    file_name: str, *, given: str | None = None, site_name: str | None = None, url: str | None = None,
    text: str | None = None,
) -> str:
    """The outlet of one page (see the module doc for the order of the evidence)."""
    if given and given.strip():
        given = given.strip()
        return outlet_for_host(given) or given if _HOST_LIKE.match(given) else canonical_outlet(given)
    if site_name and site_name.strip():
        return canonical_outlet(site_name)
    host = host_of(url)
    if host:
        return outlet_for_host(host) or host
    return outlet_in_text(text) or file_name + FILE_NAME_FLAG


def resolve_sources(stories: Iterable[Story], extra: Mapping[str, str] = {}) -> dict[str, str]:
    """One name per outlet across the corpus; rewrites `story.source` in place and returns the
    changes (old -> new). `extra` is the user's domain -> outlet table (curation file)."""
    stories = list(stories)
    learned: dict[str, Counter[str]] = defaultdict(Counter)
    for story in stories:
        host = host_of(story.url)
        if host and not _is_host(story.source) and not story.source.endswith(FILE_NAME_FLAG):
            learned[host][story.source] += 1
    names = {name for counts in learned.values() for name in counts} | set(_by_domain().values()) | set(extra.values())
    changes: dict[str, str] = {}
    for story in stories:
        new = _resolved_source(story, learned, names, extra)
        if new != story.source:
            changes[story.source] = new
            story.source = new
    return changes


def _resolved_source(story: Story, learned, names: set[str], extra: Mapping[str, str]) -> str:
    """The user's table first, then what the corpus's own pages say, then abbreviations expanded."""
    source = story.source
    for domain, name in extra.items():  # the user renames an outlet the table knows
        if source == outlet_for_host(domain):
            return name
    file_name = PurePath(story.origin.split(":")[0].split("#")[0]).name
    for pattern, name in extra.items():  # or names the outlet of files (`000_*.txt` = "Le Monde")
        if "*" in pattern and fnmatch.fnmatchcase(file_name, pattern):
            return name
    host = source.lower() if _is_host(source) else None
    url_host = host_of(story.url)
    for candidate in (url_host, host):
        mapped = outlet_for_host(candidate, extra) if candidate and extra else None
        if mapped:
            return mapped
    if host:
        if host in learned:
            return learned[host].most_common(1)[0][0]
        return outlet_for_host(host, extra) or source
    if source.endswith(FILE_NAME_FLAG) or source in names:
        return source
    return _expanded(source, names)


def _is_host(value: str) -> bool:
    return bool(_HOST_LIKE.match(value)) and not value.endswith(FILE_NAME_FLAG)


def _expanded(short: str, names: set[str]) -> str:
    """`Northbridge` -> `Northbridge Post`, `GWT` -> `Global Wire Today`: the one outlet name of the
    corpus that contains the short name as a word or has it as initials."""
    key = fold_text(short)
    matches = {
        name for name in names
        if name != short and len(name.split()) > 1
        and (key in fold_text(name).split() or key == initials(name) or fold_text(name).endswith(" " + key))
    }
    return matches.pop() if len(matches) == 1 else short
