"""A visitor's query as groups of words: each group must be found in a page, as any of its alternatives.

Pure functions (no database): ``query_parse`` folds the query like the index (core.search), keeps
"quoted phrases" together, and expands abbreviations and synonyms ("cccd" → "can cuoc cong dan")
from the editors' list (home.search.selectors.search_synonyms_map).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.search import fold_query

_QUOTED = re.compile(r"\"([^\"]*)\"")
# The longest synonym term or meaning, in words, looked for in a query.
SYNONYM_MAX_WORDS = 6
# More groups than this are ignored (a query is at most 200 characters).
QUERY_MAX_GROUPS = 12


@dataclass(frozen=True)
class QueryGroup:
    """Folded words the visitor typed (``text``) and the phrases that satisfy them (``alternatives``)."""

    text: str
    alternatives: tuple[str, ...]
    quoted: bool = False


def _expanded(text: str, synonyms: Mapping[str, tuple[str, ...]], *, quoted: bool = False) -> QueryGroup:
    return QueryGroup(text=text, alternatives=(text, *synonyms.get(text, ())), quoted=quoted)


def _words_grouped(words: list[str], synonyms: Mapping[str, tuple[str, ...]]) -> list[QueryGroup]:
    """Words as groups: the longest run of words that is a synonym term or meaning becomes one group."""
    groups = []
    start = 0
    while start < len(words):
        for end in range(min(len(words), start + SYNONYM_MAX_WORDS), start, -1):
            phrase = " ".join(words[start:end])
            if end - start == 1 or phrase in synonyms:
                groups.append(_expanded(phrase, synonyms))
                start = end
                break
    return groups


def query_parse(query: str, *, synonyms: Mapping[str, tuple[str, ...]]) -> list[QueryGroup]:
    """The groups of ``query``: quoted phrases first, then the other words (repeats dropped)."""
    groups = []
    for phrase in _QUOTED.findall(query):
        folded = fold_query(phrase)
        if folded:
            groups.append(_expanded(folded, synonyms, quoted=True))
    rest = fold_query(_QUOTED.sub(" ", query))
    groups += _words_grouped(rest.split(), synonyms)
    unique = {}
    for group in groups:
        unique.setdefault(group.text, group)
    return list(unique.values())[:QUERY_MAX_GROUPS]


def query_words(groups: list[QueryGroup]) -> str:
    """The groups' text in order: what a "did you mean" link searches for."""
    return " ".join(f'"{group.text}"' if group.quoted else group.text for group in groups)
