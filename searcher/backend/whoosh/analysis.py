"""The text analyzer of headlines and bodies, at index and query time (schema.py, highlight.py).

    words ─tokenize─> lowercase ─compounds─> accents ─British→American─> stem

- Every word is indexed: no stop list (`US`, `May`, `WHO` are searchable; issue 10 agrees).
- Compounds and joined spellings: `counter-terrorism`, `e-mail`, `O'Brien`, `l'Ukraine` index
  their parts *and* the joined word (`counter`, `terrorism`, `counterterrorism`), the joined one
  at the last part's position so phrases over either form work. A query word is analysed to the
  joined form only, so `counter-terrorism` finds `counterterrorism` and `counter-terrorism`
  (search.rewrite adds the spaced form `"counter terrorism"` for simple queries).
- `U.S.`, `U.N.` = `US`, `UN`; a possessive `'s` is dropped (`Zelensky's` = `Zelensky`).
- Accents folded (`Erdoğan` = `Erdogan`), British spellings folded to American (spellings.py).

Accent and spelling folds and the stemmer are "morph" filters: Whoosh's spelling word list
(`spelling=True` on body) skips them, so suggestions are real words as stories write them.

Whoosh pickles the analyzer into the index, so an index keeps the analyzer it was built with
and queries against it are analysed the same way. `ANALYZER_VERSION` is stored with it;
`index_analyzer_version` tells an index built before a change (0: Whoosh's StemmingAnalyzer,
before issue 14), and `livesearch stats` says to rebuild it. Bump the version whenever a change
here or in spellings.py changes the words an index holds. Keep the class names stable:
renaming one makes existing indexes unreadable.
"""

from __future__ import annotations

import re

from whoosh.analysis import Analyzer, CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, Token
from whoosh.support.charset import accent_map

from searcher.backend.whoosh.spellings import american

ANALYZER_VERSION = 1

# Words, with inner hyphens, apostrophes and dots kept together for CompoundFilter.
WORD_PATTERN = r"\w+(?:[-‐‑'’.]\w+)*"
_SEPARATORS = re.compile(r"[-‐‑'’.]")
_ACRONYM = re.compile(r"^(?:[^\W\d_][.])+[^\W\d_]$")  # u.s, u.n, e.u (the last dot is outside)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")


class CompoundFilter(Filter):
    """Hyphenated, apostrophised and dotted words: parts and joined form (see module doc)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        shift = 0  # positions taken by the extra parts of compounds before this token
        for t in tokens:
            if t.positions:
                t.pos += shift
            text = t.text
            if not _SEPARATORS.search(text) or _NUMBER.match(text):  # 3.5, 1,000 stay one token
                yield t
                continue
            if _ACRONYM.match(text):  # u.s -> us
                t.text = text.replace(".", "")
                yield t
                continue
            parts = [p for p in _SEPARATORS.split(text) if p]
            if len(parts) > 1 and parts[-1] == "s" and text[-2] in "'’":  # possessive
                parts = parts[:-1]
            if len(parts) == 1:
                t.text = parts[0]
                yield t
                continue
            joined = "".join(parts)
            if t.mode == "query":
                t.text = joined
                yield t
                continue
            # index (and highlighting): each part at its own position, then the joined word
            # at the last part's position, spanning the whole compound.
            first_pos = t.pos if t.positions else 0
            first_char = t.startchar if t.chars else 0
            end_char = t.endchar if t.chars else 0
            offset = 0
            for n, part in enumerate(parts):
                at = text.index(part, offset)
                offset = at + len(part)
                t.text = part
                if t.positions:
                    t.pos = first_pos + n
                if t.chars:
                    t.startchar, t.endchar = first_char + at, first_char + offset
                yield t
            t.text = joined
            if t.chars:
                t.startchar, t.endchar = first_char, end_char
            yield t
            shift += len(parts) - 1


class AccentFilter(CharsetFilter):
    """Accents folded (`é` -> `e`); a morph filter, so spelling suggestions keep them."""

    is_morph = True

    def __init__(self):
        super().__init__(accent_map)


class SpellingFilter(Filter):
    """British spellings folded to American (spellings.py); carries the analyzer version."""

    is_morph = True

    def __init__(self, version: int = ANALYZER_VERSION):
        self.version = version

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__ and self.version == other.version

    def __call__(self, tokens):
        for t in tokens:
            t.text = american(t.text)
            yield t


def text_analyzer():
    """The analyzer of headline and body."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | CompoundFilter()
        | AccentFilter()
        | SpellingFilter()
        | StemFilter(cachesize=50000)
    )


def analyzer_version(analyzer) -> int:
    """The ANALYZER_VERSION an analyzer was made with; 0 for one from before issue 14."""
    for item in getattr(analyzer, "items", ()):
        if isinstance(item, SpellingFilter):
            return item.version
    return 0


def index_analyzer_version(schema) -> int:
    """The analyzer version of an index (its pickled schema)."""
    return analyzer_version(schema["body"].analyzer) if "body" in schema else 0


# ---- word pairs: a two-word phrase as one term (issue 18) ----------------------------------------

PAIR_SEPARATOR = " "  # never inside a word: the tokenizer splits on spaces


def pair_term(first: str, second: str) -> str:
    """The term of the word pair `first second` in a pair field (index and query alike)."""
    return f"{first}{PAIR_SEPARATOR}{second}"


def phrase_pairs(words) -> list[str]:
    """The pair terms a phrase of analysed words needs, in phrase order, without repeats."""
    return list(dict.fromkeys(pair_term(a, b) for a, b in zip(words, words[1:])))


class PairAnalyzer(Analyzer):
    """The word pairs of a text: every term at position p with every term at position p + 1,
    positions as `text_analyzer` gives them in index mode (the positions Whoosh's phrase matcher
    reads). A compound at p + 1 (`counter`, then `terrorism` and `counterterrorism` together)
    pairs each of its terms with its neighbours, so a pair term exists exactly when the two-word
    phrase matches, and a two-word phrase is one term lookup instead of a position check.

    Pairs cross paragraph breaks, as phrases do (a body is indexed as one text)."""

    def __init__(self, words=None):
        self.words = words if words is not None else text_analyzer()

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__ and self.words == other.words

    def __call__(self, value, **kwargs):
        at: dict[int, list[str]] = {}
        for t in self.words(value, positions=True, chars=False, mode="index"):
            at.setdefault(t.pos, []).append(t.text)  # Whoosh reuses one Token: copy what we need
        out = Token(positions=False, chars=False, boosts=False, removestops=False, mode="index")
        for pos in sorted(at):
            following = at.get(pos + 1)
            if not following:
                continue
            for first in at[pos]:
                for second in following:
                    out.text = pair_term(first, second)
                    yield out
