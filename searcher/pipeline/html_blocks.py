"""What the structure of a saved HTML page says: metadata, live-blog posts, plain text lines.

Structure beats text rules: schema.org LiveBlogPosting JSON-LD first, then repeated
article/section (or time-stamped) containers, each with its heading and `<time datetime>`.
Pages without such structure are flattened to text lines for the text rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "td", "th", "div",
              "article", "section", "header", "main", "ul", "ol", "table", "figure", "aside", "footer", "nav"}
HEADING_TAGS = ("h1", "h2", "h3", "h4")
# Never story text: scripts, navigation, image captions, related-link boxes, forms.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "figure",
             "figcaption", "button", "form", "select", "iframe", "head"}
# Widgets named by their class or id: share bars, related links, newsletter boxes, adverts.
_FURNITURE_NAME = re.compile(r"(?:^|[\s_-])(?:share|sharing|social|related|newsletter|advert|promo)", re.I)
_SPACE = re.compile(r"\s+")


@dataclass
class PageMeta:
    url: str | None = None
    site_name: str | None = None
    title: str | None = None
    date: str | None = None  # ISO text of the page's modified (else published) time


@dataclass
class Post:
    """One live-blog post as the HTML marks it up."""

    headline: str | None
    paragraphs: list[str]
    stamp: str | None = None  # machine-readable time (ISO), when given


def parse(html: str):
    """An lxml tree of the page (lenient: broken markup never raises)."""
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"),
                                             parser=lxml.html.HTMLParser(encoding="utf-8", remove_comments=True))
    except (etree.ParserError, ValueError):
        root = lxml.html.document_fromstring("<html><body></body></html>")
    return root


def clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


def page_metadata(html: str, root=None) -> PageMeta:
    """Canonical URL, outlet (og:site_name / JSON-LD publisher), title and page date."""
    root = parse(html) if root is None else root
    meta = PageMeta()

    def content(*keys: str) -> str | None:
        for key in keys:
            for node in root.xpath(f'//meta[@property="{key}" or @name="{key}" or @itemprop="{key}"]'):
                if clean(node.get("content")):
                    return clean(node.get("content"))
        return None

    canonical = root.xpath('//link[@rel="canonical"]/@href')
    meta.url = clean(canonical[0]) if canonical else content("og:url")
    meta.site_name = content("og:site_name", "application-name")
    title = root.xpath("//title")
    meta.title = content("og:title") or (clean(title[0].text_content()) if title else None) or None
    meta.date = content("article:modified_time", "og:updated_time", "dateModified",
                        "article:published_time", "datePublished", "date")
    for data in json_ld(root):
        if _is_type(data, "LiveBlogPosting", "NewsArticle", "Article", "WebPage"):
            meta.date = meta.date or data.get("dateModified") or data.get("datePublished")
            meta.url = meta.url or data.get("url")
            publisher = data.get("publisher")
            if isinstance(publisher, dict) and not meta.site_name:
                meta.site_name = publisher.get("name")
    return meta


def json_ld(root) -> Iterator[dict]:
    """Every JSON-LD object on the page, @graph members included; broken scripts skipped."""
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                yield item
                graph = item.get("@graph")
                stack.extend(graph if isinstance(graph, list) else [])
            elif isinstance(item, list):
                stack.extend(item)


def _is_type(data: dict, *names: str) -> bool:
    kind = data.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(k in names for k in kinds)


def live_blog_posts(root) -> list[Post]:
    """The page's posts from its structure; [] when the structure does not mark posts."""
    posts = _posts_from_json_ld(root) or _posts_from_containers(root)
    seen: set[tuple] = set()
    unique = []
    for post in posts:  # a pinned post repeats a later one
        fingerprint = (post.headline, tuple(post.paragraphs))
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(post)
    return unique


def _posts_from_json_ld(root) -> list[Post]:
    posts = []
    for data in json_ld(root):
        if not _is_type(data, "LiveBlogPosting"):
            continue
        updates = data.get("liveBlogUpdate") or []
        for update in updates if isinstance(updates, list) else [updates]:
            if not isinstance(update, dict):
                continue
            body = update.get("articleBody") or update.get("text") or ""
            paragraphs = [clean(p) for p in re.split(r"\n\s*\n|\n", str(body)) if clean(p)]
            if paragraphs or update.get("headline"):
                posts.append(Post(clean(update.get("headline")) or None, paragraphs,
                                  update.get("datePublished") or update.get("dateModified")))
    return posts


def _posts_from_containers(root) -> list[Post]:
    """Posts as repeated containers: innermost article/section, else one per `<time>`."""
    containers = [el for el in root.xpath("//body//article | //body//section")
                  if not el.xpath(".//article | .//section") and not _skipped(el)]
    if len(containers) < 2:
        containers = _time_containers(root)
    posts = [_post_from(el) for el in containers]
    posts = [p for p in posts if p.paragraphs]
    return posts if len(posts) >= 2 else []


def _time_containers(root) -> list:
    """For each `<time>`, its highest ancestor that holds no other `<time>`."""
    times = [t for t in root.xpath("//body//time") if not _skipped(t)]
    if len(times) < 2:
        return []
    containers = []
    for time in times:
        node = time
        while node.getparent() is not None and len(node.getparent().xpath(".//time")) == 1:
            node = node.getparent()
        if node is not time and node not in containers:
            containers.append(node)
    return containers


def _post_from(container) -> Post:
    time = next(iter(container.xpath(".//time")), None)
    stamp = (time.get("datetime") or clean(time.text_content())) if time is not None else None
    heading = next((h for h in container.iter(*HEADING_TAGS) if clean(h.text_content())), None)
    headline = clean(heading.text_content()) if heading is not None else None
    time_text = clean(time.text_content()) if time is not None else None
    paragraphs = [text for el, text in leaf_blocks(container)
                  if el is not heading and text != time_text and not (time is not None and _contains(el, time))]
    return Post(headline, paragraphs, stamp)


def _contains(element, node) -> bool:
    return any(a is element for a in node.iterancestors()) or element is node


def _skipped(element) -> bool:
    return _is_furniture(element) or any(_is_furniture(a) for a in element.iterancestors())


def _is_furniture(element) -> bool:
    if element.tag in SKIP_TAGS:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    return bool(names) and bool(_FURNITURE_NAME.search(names))


def leaf_blocks(container) -> Iterator[tuple[object, str]]:
    """Block elements with text and no block children, in order, outside skipped parts."""
    stack = [container]
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str) or _is_furniture(element):
            continue
        children = [c for c in element if isinstance(c.tag, str)]
        if any(c.tag in BLOCK_TAGS for c in children):
            if clean(element.text):  # text before the first block child
                yield element, clean(element.text)
            stack.extend(reversed(children))
            continue
        text = clean(element.text_content())
        if text:
            yield element, text


def text_lines(root) -> list[str]:
    """The page body flattened to lines (one per block, blank between) for the text rules."""
    body = root.find("body")
    lines: list[str] = []
    for _, text in leaf_blocks(body if body is not None else root):
        lines.extend([text, ""])
    return lines
