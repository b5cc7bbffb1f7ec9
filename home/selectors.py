"""Reads for the site's own pages: site search."""

from wagtail.models import Page, PageQuerySet, Site
from wagtail.search.backends.base import BaseSearchResults

from core.search import fold_query

SEARCH_MAX_QUERY_LENGTH = 200


def pages_search(*, query: str, site: Site | None = None) -> PageQuerySet | BaseSearchResults:
    """Live, public pages matching ``query`` with or without diacritics, best first.

    The query is folded like the index's folded copy of each page's text (core.search), so
    "dich vu cong" finds "Dịch vụ công"; quotes and other punctuation are not query syntax.
    """
    folded = fold_query(query)[:SEARCH_MAX_QUERY_LENGTH]
    if not folded:
        return Page.objects.none()
    pages = Page.objects.live().public().specific()
    if site is not None:
        pages = pages.descendant_of(site.root_page, inclusive=True)
    return pages.search(folded, operator="and")
