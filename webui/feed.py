"""Atom feeds of searches (issue 15): `/api/search.atom?<the search page's parameters>`.

A journalist subscribes to a search in a feed reader and sees new posts as they are indexed:
the feed lists the search's newest stories by `first_seen`. Page text is untrusted: titles are
plain text, summaries are the page's sanitised snippet HTML (only `<mark>`), and ElementTree
escapes both; characters XML cannot carry are dropped.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import bleach

from searcher.search.request import SearchRequest
from searcher.search.results import Hit, SearchResult

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50  # when the request names no per_page
MIME = "application/atom+xml; charset=utf-8"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

ET.register_namespace("", ATOM)


def feed_request(req: SearchRequest, per_page_given: bool) -> SearchRequest:
    """The search a feed runs: the same matches, newest first by first_seen, one page."""
    return replace(req, sort="first_seen", page=1, per_page=req.per_page if per_page_given else FEED_ENTRIES)


def atom(result: SearchResult, req: SearchRequest, base_url: str, self_url: str) -> bytes:
    """The feed document. `base_url` is the site root (ending in /), `self_url` the feed's URL."""
    base_url = base_url.rstrip("/") + "/"
    params = [(k, v) for k, v in req.to_params() if k not in ("sort", "page", "per_page", "since")]
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", "urn:livesearch:search:" + urlencode(params))
    _text(feed, "title", f"livesearch: {req.q}" if req.q else "livesearch: all stories")
    _text(feed, "subtitle", "Stories of live blogs matching a search, newest first by when they were first seen.")
    _text(feed, "updated", _newest(result))
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, base_url + ("?" + urlencode(params) if params else ""), "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "livesearch")
    _text(feed, "generator", "livesearch")
    for hit in result.hits:
        feed.append(_entry(hit, base_url))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(hit: Hit, base_url: str) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:livesearch:story:{hit.id}")
    title = _plain(hit.title) or "(untitled)"  # the headline, or the post's first sentence
    _text(entry, "title", f"No headline: {title}" if hit.title_generated and hit.title else title)
    _link(entry, f"{base_url}stories/{hit.id}", "alternate", "text/html")
    if hit.url and hit.url.lower().startswith(("http://", "https://")):
        _link(entry, hit.url, "related", "text/html")
    _text(entry, "published", _rfc3339(hit.first_seen))
    _text(entry, "updated", _rfc3339(hit.updated or hit.first_seen))
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", hit.source or "unknown")
    summary = _text(entry, "summary", _clean_html(hit.snippet))
    summary.set("type", "html")
    for country in hit.facets.get("countries", []):
        ET.SubElement(entry, f"{{{ATOM}}}category", term=_xml_safe(country))
    return entry


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    child.text = _xml_safe(text)
    return child


def _link(parent: ET.Element, href: str, rel: str, kind: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", href=_xml_safe(href), rel=rel, type=kind)


def _clean_html(fragment: str | None) -> str:
    """The engine's snippet HTML, re-cleaned exactly as the page does: nothing but <mark>."""
    return bleach.clean(fragment or "", tags={"mark"}, attributes={}, strip=True)


def _plain(fragment: str | None) -> str:
    return " ".join(html.unescape(bleach.clean(fragment or "", tags=set(), strip=True)).split())


def _xml_safe(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _rfc3339(iso: str | None) -> str:
    if not iso:
        return "1970-01-01T00:00:00Z"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return "1970-01-01T00:00:00Z"
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _newest(result: SearchResult) -> str:
    """The feed's `updated`: its newest entry's time, else the index's newest, else now."""
    times = [_rfc3339(t) for h in result.hits for t in (h.updated, h.first_seen) if t]
    if times:
        return max(times)
    if result.latest_first_seen:
        return _rfc3339(result.latest_first_seen)
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
