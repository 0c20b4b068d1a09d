"""Query translation: the user's query text as a Whoosh query, checked for what it cannot run well."""

from __future__ import annotations

import re

from whoosh import qparser
from whoosh import query as wquery

from searcher.errors import QueryError
from searcher.search.request import MAX_QUERY_CHARS

MAX_CLAUSES = 64
MIN_WILDCARD_PREFIX = 2



def parse_query(text: str, schema):
    """Whoosh syntax (words, "phrases", AND/OR/NOT, wildcards, term~) over headline and body;
    None for the empty query (everything). Raises QueryError for what it cannot run well."""
    text = text.strip()
    if text in ("", "*"):
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}")
    _check_balanced(text)
    parser = qparser.MultifieldParser(["headline", "body"], schema)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    try:
        query = parser.parse(text)
    except Exception as exc:  # Whoosh raises bare Exceptions for field values it cannot read
        raise QueryError(f"query {text!r} could not be read ({exc})") from None
    leaves = list(query.leaves()) if not query.is_leaf() else [query]
    if len(leaves) > MAX_CLAUSES:
        raise QueryError(f"query has {len(leaves)} terms; the limit is {MAX_CLAUSES}")
    for leaf in leaves:
        if isinstance(leaf, (wquery.Wildcard, wquery.Prefix)):
            literal = re.split(r"[*?]", leaf.text)[0]
            if len(literal) < MIN_WILDCARD_PREFIX and not isinstance(leaf, wquery.Prefix):
                raise QueryError(
                    f"wildcard {leaf.text!r} needs at least {MIN_WILDCARD_PREFIX} letters before * or ?"
                )
            if isinstance(leaf, wquery.Prefix) and len(leaf.text) < MIN_WILDCARD_PREFIX:
                raise QueryError(
                    f"wildcard {leaf.text + '*'!r} needs at least {MIN_WILDCARD_PREFIX} letters before *"
                )
    if query is wquery.NullQuery:
        raise QueryError(f"query {text!r} has no words to search for")
    return query


def _check_balanced(text: str) -> None:
    if text.count('"') % 2:
        raise QueryError('query has an unclosed quote ("); close the phrase or remove the quote')
    depth = 0
    for part in text.split('"')[::2]:  # outside phrases
        for ch in part:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                raise QueryError("query has a ')' without its '('")
    if depth:
        raise QueryError("query has a '(' without its ')'")


def phrases_as_words(query):
    """The query to rank by, within the match mask: each phrase becomes the AND of its words.

    Whoosh scores a phrase by re-reading every candidate's word positions, a second pass as
    slow as matching it; the mask already holds only the stories with the phrase, so ranking
    them by their words' BM25 instead keeps the same matches for a fraction of the time (a
    common phrase at 10k stories: 0.3 s instead of 1.0 s). `query` itself when it has no phrase."""
    leaves = [query] if query.is_leaf() else list(query.leaves())
    if not any(isinstance(leaf, wquery.Phrase) for leaf in leaves):
        return query
    return _relax_phrases(query)


def _relax_phrases(query):
    """Phrases in positive places become the AND of their words (more stories, a superset within
    the mask); a phrase under NOT stays a phrase, since relaxing it there would drop stories
    (`NOT "tide on"` keeps a story with "on the tide"; `NOT (tide AND on)` does not)."""
    if isinstance(query, wquery.Phrase):
        return wquery.And([wquery.Term(query.fieldname, word) for word in query.words], boost=query.boost)
    if isinstance(query, wquery.Not) or query.is_leaf():
        return query
    if isinstance(query, wquery.AndNot):
        return wquery.AndNot(_relax_phrases(query.a), query.b)
    return query.apply(_relax_phrases)


