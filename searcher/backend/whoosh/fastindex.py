"""Analysis of headline and body with little Python per token: at index time each text analysed
once (issue 18, build throughput), and the tokens with their characters for highlighting.

Whoosh analyses a body three times when it adds a story: for the `body` field's positions, for
its spelling words (`spelling=True`, morph filters skipped) and for `body_pairs`
(analysis.PairAnalyzer); the headline likewise. Each token goes through ~6 Python generator
layers each time. A cProfile of writing 5,007 generated stories in one process put about half
of `add_document`'s 18.5 s (cumulative, profiled) in that analysis. With this module (and the
batched pool adds in fixes.py) `add_document` took 0.51 instead of 1.33 CPU ms a story
(unprofiled, load ~2.2; docs/benchmarks.md).

Here a text is analysed once per document and shared by the three fields (fixes.py's
`add_document` holds the per-document memo): its words come from one C-level regex pass
(`findall` with the analyzer's own tokenizer pattern), and each distinct word is looked up in
`_WORDS`, a bounded memo from the word as written to what the analyzer makes of it: its
positions' terms (compound parts and the joined word, accent, spelling and stem folds) and its
spelling words. Vocabulary is Zipfian, so almost every token is a hit; a miss runs the real
analyzer chain (`text_analyzer()`) on that one word, so the compound rule, folds and stemmer
keep one copy each (analysis.py, spellings.py). This is exact because every filter of that
chain works on one token at a time: a word analysed alone gives the terms it gives in context,
its positions shifted by the positions the words before it took.

Only fields whose analyzer equals `text_analyzer()` take this path (others, e.g. an index
built with an older analyzer, go through Whoosh's own code), and query-time analysis is
Whoosh's as before. The terms, postings, field lengths and spelling words are byte-identical
to Whoosh's (tests/test_fast_analysis.py, tests/test_writing.py), so neither SCHEMA_VERSION
nor ANALYZER_VERSION changed, and the schema pickled into an index is unchanged.
"""

from __future__ import annotations

from itertools import chain

from whoosh import fields, formats

from searcher.backend.whoosh.analysis import PAIR_SEPARATOR, PairAnalyzer, text_analyzer

# Distinct words remembered: ~550 bytes each (tracemalloc), so ~28 MB at most per writer
# process. The memo is cleared when full and refills with the common words first. Hit rates:
# 99.6% over the 412,000 tokens of 5,007 generated stories; 64% over the 30,000 tokens of the
# sample pages, where even a cold memo analysed 3x faster than Whoosh's three passes (116 vs
# 355 ms CPU, warm 34 ms; load 4.8).
WORDS_LIMIT = 50_000

_ANALYZER = text_analyzer()
_FINDALL = _ANALYZER[0].expression.findall  # the tokenizer's pattern (analysis.WORD_PATTERN)
_WORDS: dict[str, tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]] = {}
_ONE_POSITION: dict[int, bytes] = {}  # Positions.encode([p]), as most terms occur once in a text;
#                                       one entry per position of the longest text seen


class Analysis:
    """One text analysed: `slots[p]` holds the terms at position p (several where a compound's
    joined word shares its last part's position), `spelling` the words as written, unsorted."""

    __slots__ = ("slots", "spelling")

    def __init__(self, slots: list[tuple[str, ...]], spelling: set[str]):
        self.slots = slots
        self.spelling = spelling


def analyse(text: str) -> Analysis:
    """The terms at each position and the spelling words of `text`, as `text_analyzer()` gives
    them (positions in index mode; spelling words with the morph filters skipped)."""
    written = _FINDALL(text)
    words = _WORDS
    entries = [words.get(word) or _learn(word) for word in written]
    slots = list(chain.from_iterable(entry[0] for entry in entries))
    spelling = set(chain.from_iterable(entry[1] for entry in entries))
    return Analysis(slots, spelling)


def _learn(word: str):
    """What the analyzer chain makes of one word (a memo miss), remembered in `_WORDS`."""
    at: dict[int, list[str]] = {}
    for token in _ANALYZER(word, positions=True, mode="index"):
        at.setdefault(token.pos, []).append(token.text)
    width = max(at) + 1 if at else 1
    slots = tuple(tuple(at.get(pos, ())) for pos in range(width))
    spelling = tuple(dict.fromkeys(token.text for token in _ANALYZER(word, no_morph=True)))
    if len(_WORDS) >= WORDS_LIMIT:
        _WORDS.clear()
    entry = _WORDS[word] = (slots, spelling)
    return entry


def field_kind(field) -> str | None:
    """"text" for a Positions TEXT field analysed by `text_analyzer()`, "pairs" for a pair field
    over it, None for any other field (Whoosh's own code indexes it). The writer asks once per
    field (fixes.py), as comparing analyzers is not free."""
    analyzer = getattr(field, "analyzer", None)
    if _ANALYZER[0].expression.groups:  # findall would return groups, not words
        return None
    if (type(field) is fields.TEXT and type(field.format) is formats.Positions
            and not field.vector and analyzer == _ANALYZER):
        return "text"
    if (type(field.format) is formats.Existence and type(analyzer) is PairAnalyzer
            and analyzer.words == _ANALYZER and not field.scorable and not field.vector):
        return "pairs"
    return None


def text_items(analysis: Analysis, fmt: formats.Positions) -> list[tuple[bytes, int, float, bytes]]:
    """`fields.TEXT.index()`'s items: (term, frequency, weight, encoded positions) per term, in
    order of first occurrence (Whoosh's order, which its spelling postings depend on)."""
    positions: dict[str, list[int]] = {}
    for pos, slot in enumerate(analysis.slots):
        for term in slot:
            found = positions.get(term)
            if found is None:
                positions[term] = [pos]
            else:
                found.append(pos)
    boost = fmt.field_boost
    encode = fmt.encode
    return [
        (term.encode("utf-8"), len(poslist), float(len(poslist)) * boost,
         _one_position(poslist[0], encode) if len(poslist) == 1 else encode(poslist))
        for term, poslist in positions.items()
    ]


def _one_position(pos: int, encode) -> bytes:
    value = _ONE_POSITION.get(pos)
    if value is None:
        value = _ONE_POSITION[pos] = encode([pos])
    return value


def pair_items(analysis: Analysis, fmt: formats.Existence) -> list[tuple[bytes, int, float, bytes]]:
    """`PairField.index()`'s items: every term at position p with every term at p + 1."""
    slots = analysis.slots
    pairs = {f"{first}{PAIR_SEPARATOR}{second}"
             for here, after in zip(slots, slots[1:]) for first in here for second in after}
    boost = fmt.field_boost
    return [(pair.encode("utf-8"), 1, boost, b"") for pair in pairs]


def spelling_words(analysis: Analysis) -> list[str]:
    """`fields.TEXT.spellable_words()`: the distinct words as written, sorted."""
    return sorted(analysis.spelling)


# ---- highlighting: the same tokens with their characters (highlight.py) --------------------------
#
# Highlighting a page of 10 hits analysed each headline and body with Whoosh's chain, characters
# included: about half the time of a search on the 5k-story index (cProfile). The same per-word
# memo, with each token's characters relative to its word, gives the chain's tokens.

_FINDITER = _ANALYZER[0].expression.finditer
_CHARS: dict[str, tuple[int, tuple[tuple[str, int, int, int], ...]]] = {}


def is_text_analyzer(analyzer) -> bool:
    """Whether `analyzer` is `text_analyzer()`, whose tokens `tokens` gives."""
    return analyzer == _ANALYZER and not _ANALYZER[0].expression.groups


def tokens(text: str) -> list[tuple[str, int, int, int]]:
    """(term, position, startchar, endchar) of each token of `text`, as
    `text_analyzer()(text, positions=True, chars=True, mode="index")` gives them, in its order."""
    out: list[tuple[str, int, int, int]] = []
    base = 0
    chars = _CHARS
    for match in _FINDITER(text):
        word = match.group()
        width, found = chars.get(word) or _learn_chars(word)
        at = match.start()
        out.extend([(term, base + pos, at + start, at + end) for term, pos, start, end in found])
        base += width
    return out


def _learn_chars(word: str):
    found = tuple((t.text, t.pos, t.startchar, t.endchar)
                  for t in _ANALYZER(word, positions=True, chars=True, mode="index"))
    width = max((pos for _, pos, _, _ in found), default=0) + 1
    if len(_CHARS) >= WORDS_LIMIT:
        _CHARS.clear()
    entry = _CHARS[word] = (width, found)
    return entry
