"""Never a dead end: what the engine runs for a query as journalists type it.

For a *simple* query (words and "phrases", no operators, fields, wildcards or groups, which
are taken literally), each word or phrase is a clause, all of which a story must match:

1. **Variants**: a clause word that is a name of the index (or that no story contains) also
   matches its other spellings (variants.py: `Kiev` = `Kyiv`, `Zelenskiy` = `Zelensky`); a
   hyphenated word also matches its spaced form (`Jong-un` = `Jong Un`; the analyzer already
   makes it match `Jongun`). When the word itself is in no story this is a correction.
2. **Correction**: a word in no story, with a close word of the stories (Whoosh's spelling word
   lists of headline and body, real words as written, never stems), is replaced by it: "Showing results for
   *Zelensky*; search instead for *Zelenskyy*".
3. **Relaxation**: when no story has every clause (under the filters), words no story has are
   dropped first, then the fewest further clauses such that some story has the rest, keeping
   the rarest (most telling) words: "No story has all of *professor espionage Estonia*; showing
   stories with *professor Estonia*".

When nothing needs rewriting the query runs as parsed, so an ordinary query costs one lookup per
clause more than before (relaxation reads each clause's matches only when nothing matched).
`literal` requests skip all of this (SearchRequest.literal, `literal=1`).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wquery
from whoosh.codec.base import Automata

from searcher.backend.whoosh import multiterm
from searcher.backend.whoosh.querying import parse_query
from searcher.backend.whoosh.segcache import SegmentCache, segment_key
from searcher.backend.whoosh.variants import NameTable
from searcher.errors import QueryError
from searcher.search.results import Correction, Relaxation

_PIECES = re.compile(r'"[^"]*"|\S+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_SYNTAX = re.compile(r"[()\[\]{}*?~^:]")
_HYPHENS = re.compile(r"[-‐‑]")
MAX_RELAX_CLAUSES = 10  # beyond this, clauses the stories lack are dropped but no search of subsets
MAX_SUBSETS = 400
MAX_RELAXED_SETS = 4  # sets of words shown ("showing stories with a b, a c or b c")


@dataclass
class Clause:
    text: str  # as typed (or corrected)
    query: object  # the Whoosh query matching it (with variants)
    is_word: bool
    typed: str = ""
    exists: bool = True  # some live story matches it (before filters)
    mask: np.ndarray | None = None


@dataclass
class Understanding:
    query: object  # what to run; None: the query as parsed (nothing needed rewriting)
    mask: np.ndarray | None  # matches under the filters, when already computed
    corrected: Correction | None = None
    relaxed: Relaxation | None = None
    variants: dict[str, list[str]] = field(default_factory=dict)


def is_simple(text: str) -> bool:
    """Words and quoted phrases only: no operators, fields, wildcards, ranges, groups or boosts."""
    outside = " ".join(re.split(r'"[^"]*"', text))
    if _SYNTAX.search(outside) or text.count('"') % 2:
        return False
    return not any(p in _OPERATORS or p.startswith("'") for p in outside.split())


def understand(searcher, schema, text: str, live: np.ndarray, filtered: np.ndarray, names: NameTable):
    """The query to run for `text` (see the module doc), or None to run it as parsed."""
    if not is_simple(text):
        return None
    clauses = _clauses(text, schema)
    if not clauses:
        return None
    reader = searcher.reader()
    rewritten = False
    corrections: list[tuple[str, str]] = []
    matched_variants: dict[str, list[str]] = {}
    for clause in clauses:
        clause.exists = _exists(searcher, clause.query)
        if not clause.is_word:
            continue
        alternatives = []
        if _HYPHENS.search(clause.text):
            parts = [p for p in _HYPHENS.split(clause.text) if p]
            alternatives.append('"' + " ".join(parts) + '"')
        variants = names.variants(clause.text, phonetic=not clause.exists or names.is_name_word(clause.text))
        matched = _matching_forms(searcher, schema, variants)
        found = list(matched)
        alternatives += list(matched.values())
        if found:
            if clause.exists:
                matched_variants[clause.text] = found
            else:
                corrections.append((clause.text, found[0]))
                clause.text = found[0]
        if alternatives:
            queries = [clause.query] + [q for q in (_parse(a, schema) for a in alternatives) if q is not None]
            clause.query = wquery.Or(queries)
            rewritten = True
            clause.exists = clause.exists or bool(found) or _exists(searcher, clause.query)
        if not clause.exists:
            better = correct_word(reader, clause.text, names)
            if better:
                q = _parse(better, schema)
                if q is not None and _exists(searcher, q):
                    corrections.append((clause.text, better))
                    clause.text, clause.query, clause.exists = better, q, True
                    rewritten = True
    corrected = None
    if corrections:
        corrected = Correction(
            query=" ".join(c.text for c in clauses), original=text,
            words=[{"from": a, "to": b} for a, b in corrections],
        )
    query = clauses[0].query if len(clauses) == 1 else wquery.And([c.query for c in clauses])
    mask = None
    relaxed = None
    if len(clauses) > 1:
        mask = _docs(searcher, query, live) & filtered
        if not mask.any():
            sets = _relax(searcher, clauses, live, filtered)
            if sets:
                used = {id(c) for subset in sets for c in subset}
                relaxed = Relaxation(
                    query=" ".join(c.text for c in sets[0]),
                    original=" ".join(c.text for c in clauses),
                    dropped=[c.text for c in clauses if id(c) not in used],
                    alternatives=[" ".join(c.text for c in subset) for subset in sets],
                )
                ands = [s[0].query if len(s) == 1 else wquery.And([c.query for c in s]) for s in sets]
                query = ands[0] if len(ands) == 1 else wquery.Or(ands)
                mask = np.zeros(len(live), dtype=bool)
                for subset in sets:
                    mask |= np.logical_and.reduce([c.mask for c in subset]) & filtered
                rewritten = True
    if not rewritten:
        return Understanding(None, mask) if mask is not None else None
    return Understanding(query, mask, corrected, relaxed, matched_variants)


def suggest(searcher, schema, text: str, names: NameTable) -> str | None:
    """A did-you-mean for a query run literally: unknown words replaced by close real words."""
    reader = searcher.reader()
    changed = False
    out = []
    for piece in _PIECES.findall(text):
        word = piece
        if piece not in _OPERATORS and re.fullmatch(r"[^\W\d_][\w'’-]*", piece):
            q = _parse(piece, schema)
            if q is not None and not _exists(searcher, q):
                variants = [v for v in names.variants(piece) if _exists(searcher, _parse(_as_query_text(v), schema))]
                better = variants[0] if variants else correct_word(reader, piece, names)
                if better:
                    word, changed = better, True
        out.append(word)
    return " ".join(out) if changed else None


def correct_word(reader, word: str, names: NameTable) -> str | None:
    """The closest word of the stories to an unknown word, as stories write it; None if none.

    Candidates come from Whoosh's spelling word lists of headline and body (unstemmed words): one edit for
    words up to seven letters, two beyond; a same-first-letter candidate, then the fewest edits,
    then the most frequent wins."""
    if _HYPHENS.search(word):  # Al-Qaida: correct the parts no story has (Al-Qaeda)
        parts = _HYPHENS.split(word)
        fixed = [p if not p or _frequency(reader, p) else correct_word(reader, p, names) for p in parts]
        if any(f is None for f in fixed) or fixed == parts:
            return None
        return "-".join(fixed)
    lowered = word.lower()
    if len(lowered) < 3 or not lowered.isalpha():
        return None
    maxdist = 1 if len(lowered) <= 7 else 2
    candidates = _spelling_words(reader, lowered, maxdist)
    candidates.discard(lowered)
    if not candidates:
        return None
    import jellyfish

    def rank(c: str):
        return (c[:1] != lowered[:1], jellyfish.damerau_levenshtein_distance(c, lowered), -_frequency(reader, c), c)

    best = min(candidates, key=rank)
    shown = names.words.get(best)
    if shown:
        return shown
    return best.capitalize() if word[:1].isupper() and word[1:2].islower() else best


def _spelling_words(reader, word: str, maxdist: int) -> set[str]:
    """Words of the spelling list within `maxdist` edits, from each segment: a multi-segment
    reader's own `terms_within` walks the stemmed terms instead of the spelling list.

    Whoosh's Levenshtein automaton walks each segment's spelling words, kept in memory as one
    sorted list per segment (`_spelling_list`): Whoosh's own walk seeks in the term file for
    each candidate (6,500 seeks for 15 corrections on a 5k-story index, 74 ms a correction
    profiled; 15 ms with the list)."""
    out: set[str] = set()
    dfa = Automata.levenshtein_dfa(word, maxdist)
    for leaf, _ in reader.leaf_readers():
        for fieldname in ("headline", "body"):
            words = _spelling_list(leaf, fieldname)
            if words:
                out.update(Automata.find_matches(dfa, _ListCursor(words)))
    return out


# A segment's spelling words never change (segcache.py): one sorted list per (segment, field).
_spelling_lists = SegmentCache(entries=32, max_bytes=256 << 20, size=lambda words: 64 * len(words))


def _spelling_list(leaf, fieldname: str) -> list[str]:
    """The segment's spelling words of a text field, sorted ([] for an index without a list).
    UTF-8 bytes sort as their code points, so the decoded list stays in the automaton's order."""
    key = segment_key(leaf)
    words = _spelling_lists.get(None if key is None else (key, fieldname))
    if words is None:
        field = leaf.schema[fieldname]
        try:
            words = [t.decode("utf-8") for t in leaf.lexicon(field.spelling_fieldname(fieldname))] if field.spelling else []
        except Exception:  # an index without a spelling list (built with another schema)
            words = []
        _spelling_lists.put(None if key is None else (key, fieldname), words)
    return words


class _ListCursor:
    """The part of a Whoosh term cursor `Automata.find_matches` uses, over a sorted list."""

    def __init__(self, words: list[str]):
        self._words, self._at = words, 0

    def text(self) -> str | None:
        return self._words[self._at] if self._at < len(self._words) else None

    def find(self, text: str) -> None:
        self._at = bisect.bisect_left(self._words, text, self._at)


def _frequency(reader, word: str) -> int:
    """Stories with the word (its analysed term in body)."""
    analyzer = reader.schema["body"].analyzer
    terms = [t.text for t in analyzer(word, mode="query")]
    if len(terms) != 1:
        return 0
    return reader.doc_frequency("body", terms[0]) + reader.doc_frequency("headline", terms[0])


def _relax(searcher, clauses: list[Clause], live: np.ndarray, filtered: np.ndarray) -> list[tuple[Clause, ...]]:
    """The largest sets of clauses that some story has (rarest sets first); [] if none.

    Clauses no story has are dropped first; then every subset of the next size down is tried,
    and all that match are kept, so the results hold every story with that many of the words
    (ranked by them) rather than a guess at which word to drop."""
    usable = []
    for clause in clauses:
        if clause.exists:
            clause.mask = _docs(searcher, clause.query, live)
            if (clause.mask & filtered).any():
                usable.append(clause)
    if not usable:
        return []
    total = max(int(live.sum()), 1)
    weight = {id(c): math.log((total + 1) / (int(c.mask.sum()) + 1)) for c in usable}
    if len(usable) > MAX_RELAX_CLAUSES:  # greedy: keep adding the rarest clause that still matches
        kept, mask = [], filtered.copy()
        for clause in sorted(usable, key=lambda c: -weight[id(c)]):
            if (mask & clause.mask).any():
                kept.append(clause)
                mask &= clause.mask
        return [tuple(c for c in clauses if c in kept)]
    tried = 0
    for size in range(len(usable), 0, -1):
        found = []
        for subset in itertools.combinations(usable, size):
            tried += 1
            if tried > MAX_SUBSETS:
                break
            mask = filtered.copy()
            for clause in subset:
                mask &= clause.mask
                if not mask.any():
                    break
            else:
                found.append(subset)
        if found:
            found.sort(key=lambda subset: -sum(weight[id(c)] for c in subset))
            return found[:MAX_RELAXED_SETS]
    return []


def _clauses(text: str, schema) -> list[Clause]:
    clauses = []
    for piece in _PIECES.findall(text):
        q = _parse(piece, schema)
        if q is not None:
            clauses.append(Clause(piece, q, not piece.startswith('"'), typed=piece))
    return clauses


def _parse(text: str, schema):
    try:
        q = parse_query(text, schema)
    except QueryError:
        return None
    return None if q is None or q is wquery.NullQuery else q


def _matching_forms(searcher, schema, variants: list[str]) -> dict[str, str]:
    """Variant -> the query text of it that some story matches; one variant per analysed query
    (`Organisation ...` and `Organization ...` are one search)."""
    matched: dict[str, str] = {}
    seen: set[str] = set()
    for variant in variants:
        for text in _query_texts(variant):
            query = _parse(text, schema)
            if query is not None and str(query) not in seen and _exists(searcher, query):
                seen.add(str(query))
                matched[variant] = text
                break
    return matched


def _query_texts(value: str) -> list[str]:
    """A name as query text, then (for a phrase with a hyphenated word) with the hyphens spaced:
    the index puts a compound's joined form at its last part's position, so a phrase with a word
    before the compound (`Security and Co-operation in Europe`) matches only with the parts."""
    texts = [_as_query_text(value)]
    spaced = _HYPHENS.sub(" ", value)
    if spaced != value and len(value.split()) > 1:
        texts.append(_as_query_text(spaced))
    return texts


def _as_query_text(value: str) -> str:
    """A name as query text: several words become a phrase."""
    words = value.replace('"', " ").split()
    return '"' + " ".join(words) + '"' if len(words) > 1 else value


def _exists(searcher, q) -> bool:
    """Some live story matches `q`. A phrase is read from its word pairs (phrases.py): Whoosh's
    first match of a phrase of common words that rarely meet walks their positions at length."""
    if q is None:
        return False
    if _has_phrase(q):
        reader = searcher.reader()
        docs = np.flatnonzero(multiterm.match(searcher, q, reader.doc_count_all()))
        return any(not reader.is_deleted(int(d)) for d in docs)
    for _ in searcher.docs_for_query(q):
        return True
    return False


def _has_phrase(q) -> bool:
    return any(isinstance(leaf, wquery.Phrase) for leaf in ([q] if q.is_leaf() else q.leaves()))


def _docs(searcher, q, live: np.ndarray) -> np.ndarray:
    """Live stories matching `q`, matched as a search matches it (multiterm.match)."""
    return multiterm.match(searcher, q, len(live)) & live
