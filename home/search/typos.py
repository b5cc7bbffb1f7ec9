"""Typos: the words of the indexed pages, and one-letter corrections of a query's words.

Used only when a query finds nothing: each word (of at least ``TYPO_MIN_LENGTH`` letters) may be
replaced by an indexed word one edit away (a letter changed, added, removed or two swapped),
preferring words that follow or precede the query's neighbouring word in some page
("khai xinh" → "khai sinh"), then the most frequent. Pure Python: the same on SQLite and PostgreSQL.
"""

import itertools
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

TYPO_MIN_LENGTH = 4
_LETTERS = string.ascii_lowercase + string.digits


@dataclass
class Vocabulary:
    """How often each folded word, and each pair of adjacent words, occurs in the indexed pages."""

    words: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)


def vocabulary_build(texts: Iterable[str]) -> Vocabulary:
    vocabulary = Vocabulary()
    for text in texts:
        words = text.split()
        vocabulary.words.update(words)
        vocabulary.pairs.update(itertools.pairwise(words))
    return vocabulary


def edits_one(word: str) -> set[str]:
    """Every string one edit away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {left + right[1:] for left, right in splits if right}
    swaps = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    changes = {left + letter + right[1:] for left, right in splits if right for letter in _LETTERS}
    inserts = {left + letter + right for left, right in splits for letter in _LETTERS}
    return (deletes | swaps | changes | inserts) - {word}


def _context(vocabulary: Vocabulary, before: str | None, word: str, after: str | None) -> int:
    score = 0
    if before is not None:
        score += vocabulary.pairs.get((before, word), 0)
    if after is not None:
        score += vocabulary.pairs.get((word, after), 0)
    return score


def _word_correct(vocabulary: Vocabulary, before: str | None, word: str, after: str | None) -> str:
    if len(word) < TYPO_MIN_LENGTH:
        return word
    known = vocabulary.words.get(word, 0)
    context = _context(vocabulary, before, word, after)
    if known and (context or (before is None and after is None)):
        return word  # a known word where it stands: not a typo
    best, best_key = word, (context, known)
    for candidate in edits_one(word):
        count = vocabulary.words.get(candidate, 0)
        if not count:
            continue
        key = (_context(vocabulary, before, candidate, after), count)
        if known and not key[0]:
            continue  # a known word is replaced only by one that fits its neighbours
        if key > best_key:
            best, best_key = candidate, key
    return best


def words_correct(words: list[str], *, vocabulary: Vocabulary, keep: frozenset[str] = frozenset()) -> list[str]:
    """``words`` with each likely typo corrected (the words in ``keep`` are left alone)."""
    corrected = list(words)
    for position, word in enumerate(words):
        if word in keep:
            continue
        before = corrected[position - 1] if position else None
        after = words[position + 1] if position + 1 < len(words) else None
        corrected[position] = _word_correct(vocabulary, before, word, after)
    return corrected
