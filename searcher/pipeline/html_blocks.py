"""What the structure of a saved HTML page says: metadata, live-blog posts, plain text lines.

The rendered page is the truth. Posts come from repeated article/section (or time-stamped)
containers, each with its heading and `<time datetime>`; a flat ticker (`<h2>12.31 Uhr: ...`
headings and paragraphs in one rich-text block) is split by the text rules on its clock
headings. schema.org LiveBlogPosting JSON-LD is used only where the page shows nothing of its
own (a script shell) or for the updates whose text the page shows, with its headlines dropped
when they are the page's title and its markup and entities removed. Pages without such
structure are flattened to text lines (with a hint for whole-link blocks) for the text rules.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from searcher.pipeline import dates

BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "td", "th", "div",
              "article", "section", "header", "main", "ul", "ol", "table", "figure", "aside", "footer", "nav"}
HEADING_TAGS = ("h1", "h2", "h3", "h4")
ALL_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
SHELL_WORDS = 8  # a page with fewer than SHELL_SENTENCES sentences this long is a script shell:
SHELL_SENTENCES = 2  # ... its JSON-LD is all there is to read
CONTENT_SHARE = 0.8  # the content root holds this share of the page's paragraph text
# Never story text: scripts, navigation, image captions, related-link boxes, forms.
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "figure",
             "figcaption", "button", "form", "select", "iframe", "head"}
# Widgets named by their class or id: share bars, related links, newsletter boxes, adverts.
_FURNITURE_NAME = re.compile(r"(?:^|[\s_-])(?:share|sharing|social|related|newsletter|advert|promo|recommend|onward"
                             r"|more-stories|most-(?:viewed|read|popular)|trending)", re.I)
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
    anchor: str | None = None  # the post's permalink fragment or element id (issue 15: story identity)
    published: str | None = None  # its datePublished / `<time datetime>` (issue 15: story identity)


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


def live_blog_posts(root, page_title: str | None = None) -> list[Post]:
    """The page's posts from its structure; [] when the structure does not mark posts.

    Rendered posts first; JSON-LD updates only for a page drawn by scripts (`is_shell`)."""
    if is_shell(root):
        posts = _posts_from_json_ld(root, page_title) or _posts_from_containers(root, page_title)
    else:
        posts = _posts_from_containers(root, page_title)
    seen: set[tuple] = set()
    unique = []
    for post in posts:  # a pinned post repeats a later one
        fingerprint = (post.headline, tuple(post.paragraphs))
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique.append(post)
    return unique


def structured_text(value) -> str:
    """A text from structured data with entities decoded and markup stripped, paragraphs kept
    as lines: JSON-LD bodies carry `&#x201C;`, `&apos;` and `<a href=...>` as often as not."""
    text = html_lib.unescape(str(value or ""))
    if "<" in text and ">" in text:
        text = re.sub(r"(?i)<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote)>", "\n", text)
        try:
            text = lxml.html.fragment_fromstring(text, create_parent="div").text_content()
        except (etree.ParserError, ValueError):
            text = re.sub(r"<[^>]+>", " ", text)
        text = html_lib.unescape(text)
    return "\n".join(clean(line) for line in text.split("\n") if clean(line))


def _posts_from_json_ld(root, page_title: str | None = None) -> list[Post]:
    """JSON-LD updates, used only for a page that shows no story text of its own (a script
    shell): where the page shows text, that text is the truth and a JSON-LD list (often the
    blog's whole history, headed by the page's title) is not. A headline that is the page's
    (or the blog's) own title is no post title."""
    posts = []
    for data in json_ld(root):
        if not _is_type(data, "LiveBlogPosting"):
            continue
        titles = {_words(t) for t in (page_title, structured_text(data.get("headline")), structured_text(data.get("name"))) if t}
        updates = data.get("liveBlogUpdate") or []
        for update in updates if isinstance(updates, list) else [updates]:
            if not isinstance(update, dict):
                continue
            body = structured_text(update.get("articleBody") or update.get("text") or "")
            paragraphs = [p for p in body.split("\n") if p]
            headline = structured_text(update.get("headline")) or None
            if headline and _words(headline) in titles:
                headline = None
            if paragraphs or headline:
                posts.append(Post(headline, paragraphs, update.get("datePublished") or update.get("dateModified"),
                                  **post_identity_from_json_ld(update)))
    return posts


def json_ld_times(root) -> dict[str, str]:
    """Evidence only: each JSON-LD update's time by the opening words of its body, so a post
    the page shows with the same opening can take the time (the page, not the data, decides
    what the posts are)."""
    times: dict[str, str] = {}
    for data in json_ld(root):
        if not _is_type(data, "LiveBlogPosting"):
            continue
        updates = data.get("liveBlogUpdate") or []
        for update in updates if isinstance(updates, list) else [updates]:
            if isinstance(update, dict) and (update.get("datePublished") or update.get("dateModified")):
                body = structured_text(update.get("articleBody") or update.get("text") or "")
                if body:
                    times[opening(body)] = str(update.get("datePublished") or update.get("dateModified"))
    return times


def opening(text: str) -> str:
    """The first eight words of a text, lower-cased, punctuation dropped: a post's fingerprint."""
    return " ".join(_words(text).split()[:8])


def is_shell(root) -> bool:
    """True when fewer than SHELL_SENTENCES blocks of the page are sentences of SHELL_WORDS
    words or more: the page is drawn by scripts (a server may render its title and one
    standfirst around an empty feed) and its structured data is all there is to read."""
    found = 0
    for paragraph in root.iter("p", "li", "blockquote"):
        text = clean(paragraph.text_content())
        if len(text.split()) >= SHELL_WORDS and text.rstrip("\"'”’)»")[-1:] in ".!?" and not _skipped(paragraph):
            found += 1
            if found >= SHELL_SENTENCES:
                return False
    return True


def _words(text: str | None) -> str:
    return " ".join(re.findall(r"\w+", (text or "").lower()))


def _posts_from_containers(root, page_title: str | None = None) -> list[Post]:
    """Posts as repeated containers: innermost article/section, else one per `<time>`.

    Containers of the feed's own shape (tag and class, or beside those) are the posts; a
    page header, standfirst box or pinned copy shaped otherwise is not. A container whose
    heading is the page's title is the page itself."""
    containers = [el for el in root.xpath("//body//article | //body//section")
                  if not el.xpath(".//article | .//section") and not _skipped(el)]
    containers = _dominant_shape(containers)
    if len(containers) < 2:
        containers = _repeated_blocks(root) or _time_containers(root)
    title = _words(page_title)
    posts = [_post_from(el) for el in containers]
    posts = [p for p in posts if p.paragraphs and not (title and _words(p.headline) == title)]
    return posts if len(posts) >= 2 else []


MIN_REPEATED_BLOCKS = 3
REPEATED_SHARE = 0.5  # of the content block's words


def _repeated_blocks(root) -> list:
    """Posts as `div`/`li` siblings of one class that hold most of the page's content, at least
    half of them marked as posts are (a heading, a `<time>`, a clock or stamp first): a feed of
    `<div class="entry">` posts. A CMS wrapping each paragraph in a div marks none of them."""
    body = root.find("body")
    if body is None:
        return []
    total = len(clean(content_root(root).text_content()).split()) or 1
    best: list = []
    best_words = 0
    for parent in body.iter():
        if not isinstance(parent.tag, str) or _is_furniture(parent):
            continue
        groups: dict[tuple, list] = {}
        for child in parent:
            if isinstance(child.tag, str) and (child.tag == "li" or (child.tag == "div" and (child.get("class") or "").strip())):
                groups.setdefault((child.tag, child.get("class")), []).append(child)
        for group in groups.values():
            if len(group) < MIN_REPEATED_BLOCKS:
                continue
            words = sum(len(clean(el.text_content()).split()) for el in group)
            marked = sum(1 for el in group if _marks_a_post(el))
            if words >= REPEATED_SHARE * total and 2 * marked >= len(group) and words > best_words:
                best, best_words = group, words
    return [el for el in best if not _skipped(el)]


def _marks_a_post(element) -> bool:
    if element.find(".//time") is not None or next(element.iterdescendants(*ALL_HEADINGS), None) is not None:
        return True
    first = next(leaf_blocks(element), (None, ""))[1]
    return bool(first) and first[0].isdigit() and bool(dates.clock_prefix(first) or dates.dated_clock(first))


def _dominant_shape(containers: list) -> list:
    shapes = {}
    for el in containers:
        shapes.setdefault((el.tag, el.get("class") or ""), []).append(el)
    # the feed is the shape holding the most text: related-article cards may be more numerous
    best = max(shapes.values(), key=lambda group: (sum(len(clean(el.text_content())) for el in group), len(group)), default=[])
    if len(best) < 2:
        return containers
    parents = [el.getparent() for el in best]  # held, so lxml hands back the same proxies (stable ids)
    held = {id(parent) for parent in parents}
    return [el for el in containers if id(el.getparent()) in held]


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
    return Post(headline, paragraphs, stamp, **post_identity(container, time))


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
        if any(c.tag in BLOCK_TAGS for c in children) or (children and _has_block_inside(element)):
            if clean(element.text):  # text before the first block child
                yield element, clean(element.text)
            stack.extend(reversed(children))
            continue
        text = clean(element.text_content())
        if text:
            yield element, text


def _has_block_inside(element) -> bool:
    """Blocks under an unknown wrapper (`<gu-island>`, `<bsp-body>`) still split the text."""
    return next(element.iterdescendants(*BLOCK_TAGS), None) is not None


def text_lines(root) -> list[str]:
    """The page body flattened to lines (one per block, blank between) for the text rules."""
    return text_blocks(root)[0]


def text_blocks(root, container=None) -> tuple[list[str], list[str | None]]:
    """Lines (one per block, blank between) and a hint for each: `link` for a block that is
    all link text (navigation, related cards), `heading` for h1-h6. Without a container, the
    content root: the smallest element holding most of the page's paragraph text, so the
    masthead, menus and footer of a page without post markup are not read as posts."""
    if container is None:
        container = content_root(root)
    lines: list[str] = []
    hints: list[str | None] = []
    for element, text in leaf_blocks(container):
        heading = element.tag in ALL_HEADINGS  # a linked heading is still a post's title
        hint = "heading" if heading else "link" if _is_link_block(element, text) else None
        lines.extend([text, ""])
        hints.extend([hint, None])
    return lines, hints


def content_root(root):
    """The lowest element holding CONTENT_SHARE of the paragraph text (the body when none does)."""
    body = root.find("body")
    body = body if body is not None else root
    paragraphs = [(p, len(clean(p.text_content()))) for p in body.iter("p") if not _skipped(p)]
    total = sum(size for _, size in paragraphs)
    if not total:
        return body
    weight: dict[int, int] = {}
    nodes = {}
    for p, size in paragraphs:
        for ancestor in p.iterancestors():
            weight[id(ancestor)] = weight.get(id(ancestor), 0) + size
            nodes[id(ancestor)] = ancestor
            if ancestor is body:
                break
    best = body
    for key, size in weight.items():
        node = nodes[key]
        if size >= CONTENT_SHARE * total and _depth(node) > _depth(best):
            best = node
    return best


def _depth(node) -> int:
    return sum(1 for _ in node.iterancestors())


def _is_link_block(element, text: str) -> bool:
    linked = sum(len(clean(a.text_content())) for a in element.iter("a"))
    return bool(text) and linked >= 0.9 * len(text.replace(" ", "")) - 2 and linked > 0


def flat_ticker(root):
    """The element holding a flat ticker: two or more sibling headings (any level) that open
    with a clock (`12.31 Uhr:`, `14:10 GMT`, `2.01am:`), posts with no container of their own."""
    parents: dict[int, list] = {}
    for heading in root.iter(*ALL_HEADINGS):
        text = clean(heading.text_content())
        if text[:1].isdigit() and dates.clock_prefix(text) and not _skipped(heading):
            parent = heading.getparent()
            parents.setdefault(id(parent), [parent, 0])[1] += 1
    best = max(parents.values(), key=lambda pair: pair[1], default=None)
    return best[0] if best and best[1] >= 2 else None


def day_labels_beside(ticker) -> tuple[list[str], list[str]]:
    """Day labels (headings that are only a date) in the blocks before and after a ticker's own
    block, within its article: a ticker may close each day's block with its date."""
    scope = next((a for a in ticker.iterancestors() if a.tag in ("article", "main", "body")), None)
    if scope is None:
        return [], []
    before: list[str] = []
    after: list[str] = []
    seen_ticker = False
    for heading in scope.iter(*ALL_HEADINGS):
        if any(a is ticker for a in heading.iterancestors()):
            seen_ticker = True
            continue
        text = clean(heading.text_content())
        if text and not _skipped(heading) and dates.day_header(text):
            (after if seen_ticker else before).extend([text, ""])
    return before, after


# --- what identifies a post across snapshots of its page (issue 15; docs/story-identity.md) ---

_ANCHOR_ATTRIBUTES = ("data-post-id", "data-entry-id", "data-id", "id")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def post_identity(container, time=None) -> dict:
    """`anchor` and `published` of a post container: its id (or a permalink to `#fragment`
    inside it), and its `<time datetime>` when that is a full date-time."""
    anchor = None
    for name in _ANCHOR_ATTRIBUTES:
        if clean(container.get(name)):
            anchor = clean(container.get(name))
            break
    if anchor is None:
        for href in container.xpath(".//a/@href"):
            fragment = href.partition("#")[2].strip()
            if fragment:
                anchor = fragment
                break
    stamp = clean(time.get("datetime")) if time is not None else ""
    return {"anchor": anchor, "published": stamp if _ISO_DATETIME.match(stamp) else None}


def post_identity_from_json_ld(update: dict) -> dict:
    """`anchor` and `published` of a JSON-LD liveBlogUpdate: its url's fragment (or @id), and
    its datePublished."""
    anchor = None
    for key in ("url", "@id"):
        value = update.get(key)
        if isinstance(value, str) and value.strip():
            anchor = value.partition("#")[2].strip() or value.strip()
            break
    published = update.get("datePublished")
    return {"anchor": anchor, "published": clean(str(published)) if published else None}
