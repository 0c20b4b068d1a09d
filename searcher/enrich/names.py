"""Name folding and keys: one key per entity however a page spells it (corpus-level merging: resolve.py).

Pages write the same name many ways (`Kim Jong-un`, `Kim Jong Un`, `Mr Kim`, `Alexeï Navalny`,
`Putin's`). Facets and search need one key per entity and one display form for it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache


# Forms of address and titles that precede a name without being part of it.
HONORIFICS = frozenset(
    """mr mrs ms miss mx dr prof professor sir dame lord lady madam monsieur madame herr
    president vice prime minister pm chancellor premier
    senator sen rep representative congressman congresswoman gov governor mayor general gen
    colonel col captain capt lieutenant lt sergeant sgt commander admiral marshal secretary
    judge justice rev reverend sheikh ayatollah imam rabbi cardinal archbishop bishop
    comrade chairman chairwoman ambassador foreign defence defense deputy state speaker""".split()
)

_APOSTROPHES = "'’‘`´"
_POSSESSIVE = re.compile(rf"[{_APOSTROPHES}]s?$", re.IGNORECASE)
_DASHES = re.compile(r"[-‐‑‒–—_/]+")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def strip_possessive(text: str) -> str:
    """`Putin's` -> `Putin`, `Reuters'` -> `Reuters`."""
    return _POSSESSIVE.sub("", text.strip())


@lru_cache(maxsize=1 << 17)
def fold_text(text: str) -> str:
    """Case, diacritics, hyphens, dots and possessives folded away: `Kim Jong-un's` -> `kim jong un`."""
    text = strip_possessive(text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DASHES.sub(" ", text.casefold())
    text = text.replace(".", "")
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def strip_honorifics(name: str) -> str:
    """`Mr Putin` -> `Putin`, `Prime Minister Rishi Sunak` -> `Rishi Sunak`; a lone title stays."""
    words = strip_possessive(name).split()
    while len(words) > 1 and words[0].rstrip(".").casefold() in HONORIFICS:
        words = words[1:]
    return " ".join(words)


@lru_cache(maxsize=1 << 17)
def fold_key(name: str) -> str:
    """The merge key of a name: honorifics, possessives, hyphens, diacritics and case folded."""
    return fold_text(strip_honorifics(name))


def merge_short_names(names: Sequence[str]) -> list[str]:
    """Merge the people of one story: a mention that a longer name contains joins it.

    `Putin` and `Mr Putin` join `Vladimir Putin`; `Kim` joins `Kim Jong Un`. A short mention
    that several longer names contain (`Dodik` beside `Milorad Dodik` and `Igor Dodik`) is
    dropped too: the full names already cover it. Returns display names in first-mention order,
    each the most frequent spelling of its key.
    """
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for name in names:
        display = strip_honorifics(name)
        spellings[fold_key(display)][display] += 1
    keys = [key for key in spellings if key]
    kept = [key for key in keys if not any(contains_words(longer, key) for longer in keys if longer != key)]
    return [_most_frequent(spellings[key]) for key in kept]


def contains_words(longer: str, shorter: str) -> bool:
    """True when the words of `shorter` appear in order, adjacent, inside `longer`."""
    long_words, short_words = longer.split(), shorter.split()
    size = len(short_words)
    if size >= len(long_words):
        return False
    return any(long_words[i : i + size] == short_words for i in range(len(long_words) - size + 1))


def _most_frequent(counts: Counter[str]) -> str:
    """Most frequent spelling; ties go to the first one seen (Counter keeps insertion order)."""
    return max(counts, key=counts.__getitem__)


_MINOR_WORDS = frozenset("of the and for on in at to de des du la le".split())


def initials(name: str) -> str:
    """`International Atomic Energy Agency` -> `iaea`; empty for a one-word name."""
    words = [word for word in fold_text(name).split() if word not in _MINOR_WORDS]
    return "".join(word[0] for word in words) if len(words) >= 2 else ""


def is_acronym(value: str) -> bool:
    """`EU`, `U.N.`, `IAEA`: two to six capitals, dots and spaces aside."""
    letters = value.replace(".", "").replace(" ", "")
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()


_TRANSLIT = [(re.compile(pattern), repl) for pattern, repl in (
    (r"ks", "x"),  # Aleksei / Alexei
    (r"(?<=\w)(iy|yy|ij|ii)\b", "y"),  # Zelenskiy / Zelenskyy / Zelensky
    (r"(\w)\1", r"\1"),  # Mikhail Mishustin / Michail; Tsikhanouskaya's doubled letters
)]


def translit_key(name: str) -> str:
    """`Volodymyr Zelenskiy`, `Volodymyr Zelenskyy` and `Volodymyr Zelensky` share one key: the fold
    key with the commonest romanisation differences of Cyrillic names folded too. Deliberately
    narrow: each rule joins spellings of one name and keeps different names apart."""
    key = fold_key(name)
    for pattern, repl in _TRANSLIT:
        key = pattern.sub(repl, key)
    return key


def without_middle_initials(key: str) -> str:
    """`joseph r biden` -> `joseph biden`: a one-letter word inside a longer name is dropped."""
    words = key.split()
    if len(words) <= 2:
        return key
    return " ".join([words[0], *(word for word in words[1:-1] if len(word) > 1), words[-1]])
