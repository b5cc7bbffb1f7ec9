"""Search that forgives missing diacritics.

Neither SQLite's FTS5 (which folds only single-mark letters and never "đ")
nor PostgreSQL's full-text search (without an unaccent configuration) matches
"huong dan" with "Hướng dẫn". So every searchable page also indexes a folded
copy of its text, and queries are folded the same way before searching:
both databases then compare plain ASCII words.
"""

import re
from typing import TYPE_CHECKING, Any

from anyascii import anyascii
from wagtail.search import index

_SPACES = re.compile(r"\s+")
# What a search backend would read as syntax (quotes, operators, NUL): words are letters and digits.
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
# A lone syllable-final "y" after a consonant onset is written "i" as well (ký/kí, lý/lí, mỹ/mĩ, quy/qui):
# folded to "i" at index and query time, "dang ky" and "dang ki" are the same words. "uy" (thủy, huy) is kept.
_FINAL_Y = re.compile(r"\b(b|c|ch|d|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|q|qu|r|s|t|th|tr|v|x)y\b")
# Bump when the folding changes: the site search index (home.search) rebuilds the entries of older versions.
FOLD_VERSION = 2


def fold(text):
    """Lower-case ASCII transliteration: "Đăng ký dịch vụ công" -> "dang ky dich vu cong"."""
    return _SPACES.sub(" ", anyascii(str(text or ""))).strip().lower()


def fold_spelling(folded: str) -> str:
    """Folded text with the i/y spelling variants made one: "dang ky my thuat" -> "dang ki mi thuat"."""
    return _FINAL_Y.sub(r"\1i", folded)


def fold_query(text: object) -> str:
    """A visitor's query as the words the folded index holds: folded, with every other character a space.

    Both databases' tokenisers split the indexed text at punctuation, so dropping it from the query
    changes no match; it keeps quotes, NUL bytes and operator characters away from the backend's
    query syntax (an unbalanced quote was an SQLite error). A quoted phrase finds pages with all its words.
    """
    return fold_spelling(_SPACES.sub(" ", _NOT_A_WORD.sub(" ", fold(text))).strip())


class FoldedSearchMixin:
    """Adds ``search_text_folded`` to a page: its searchable text, folded.

    Subclasses list their text fields in ``folded_search_fields``; StreamFields
    contribute their blocks' searchable content.
    """

    folded_search_fields = ("title",)

    if TYPE_CHECKING:  # provided by the page model the mixin is combined with
        _meta: Any
        title: str

    def search_text_folded(self):
        parts: list[str] = []
        for name in self.folded_search_fields:
            value = getattr(self, name, None)
            if value is None:
                continue
            field = self._meta.get_field(name)
            if hasattr(field, "get_searchable_content"):
                parts.extend(str(text) for text in field.get_searchable_content(value))
            else:
                parts.append(str(value))
        return fold_spelling(fold(" ".join(parts)))

    def search_title_folded(self):
        return fold_spelling(fold(self.title))


def folded_index_fields():
    """The index fields every folded page adds to its ``search_fields``."""
    return [
        index.SearchField("search_title_folded", boost=5),
        index.SearchField("search_text_folded"),
        index.AutocompleteField("search_text_folded"),
    ]
