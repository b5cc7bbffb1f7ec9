"""Reads for site search: live, public pages of the site matching a query, best first, a page at a time."""

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, QuerySet
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith
from django.http import HttpRequest
from wagtail.models import PageViewRestriction, Site

from core.published import any_page_private, published_memo, search_memo_get

from .models import SearchEntry, SearchSynonym
from .query import QueryGroup, query_parse, query_words
from .typos import Vocabulary, vocabulary_build, words_correct

SEARCH_MAX_QUERY_LENGTH = 200
SEARCH_PAGE_SIZE = 10
# Points a page scores per group of the query: found in its title, or only in its text; plus the
# whole query as one phrase in its title or text; plus its type's weight (home.search.services).
TITLE_POINTS = 10
TEXT_POINTS = 1
PHRASE_TITLE_POINTS = 8
PHRASE_TEXT_POINTS = 3


@dataclass
class SearchResult:
    page_id: int
    url_path: str  # the view turns it into ``url`` (home.search.views)
    title: str
    summary: str
    url: str = ""


@dataclass
class SearchResults:
    """One page of results; ``total`` counts them all (counted in the same query)."""

    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    number: int = 1
    per_page: int = SEARCH_PAGE_SIZE
    # The corrected query the results are for, when the query as typed found nothing ("did you mean").
    suggestion: str = ""

    def __iter__(self) -> Iterator[SearchResult]:
        return iter(self.results)

    def copy(self) -> "SearchResults":
        """A copy whose results are its own (the view adds their URLs)."""
        return dataclasses.replace(self, results=[dataclasses.replace(result) for result in self.results])


_T = TypeVar("_T")
Synonyms = Mapping[str, tuple[str, ...]]


def _memo(request: HttpRequest | None, key: object, compute: Callable[[], _T]) -> _T:
    # Without a request (a task, a shell), a throwaway one: the generation is read once.
    return published_memo(request if request is not None else SimpleNamespace(), key, compute)


def _synonyms_load() -> dict[str, tuple[str, ...]]:
    expansions: dict[str, dict[str, None]] = {}
    for synonym in SearchSynonym.objects.all():
        meanings = synonym.meanings_folded()
        expansions.setdefault(synonym.term_folded, {}).update(dict.fromkeys(meanings))
        for meaning in meanings:  # and the reverse: "can cuoc cong dan" also finds "CCCD"
            expansions.setdefault(meaning, {})[synonym.term_folded] = None
    return {term: tuple(found) for term, found in expansions.items()}


def search_synonyms_map(*, request: HttpRequest | None = None) -> Synonyms:
    """Folded term → folded expansions, both ways ("cccd" ↔ "can cuoc cong dan").

    Remembered by the process per published generation (core.published); saving or deleting a
    synonym starts a new one (home.apps), which also empties the page cache of search pages.
    """
    return _memo(request, "search-synonyms", _synonyms_load)


def _public_q() -> Any:
    restricted = PageViewRestriction.objects.filter(
        StartsWith(Cast(OuterRef("page__path"), CharField()), F("page__path"))
    )
    return ~Exists(restricted)


def _entries(*, site: Site | None, request: HttpRequest | None) -> QuerySet[SearchEntry]:
    entries = SearchEntry.objects.filter(page__live=True)
    if site is not None:
        entries = entries.filter(page__path__startswith=site.root_page.path)
    if request is None or any_page_private(request):
        entries = entries.filter(_public_q())
    return entries


def search_vocabulary(*, site: Site | None = None, request: HttpRequest | None = None) -> Vocabulary:
    """The words (and pairs of words) of the pages search finds, remembered per generation."""
    root = site.root_page.path if site is not None else ""
    return _memo(
        request,
        ("search-vocabulary", root),
        lambda: vocabulary_build(_entries(site=site, request=request).values_list("text_words", flat=True)),
    )


def _like(phrase: str) -> str:
    # Folded phrases hold only a-z, 0-9 and single spaces: nothing LIKE would read as a wildcard.
    return f"% {phrase} %"


def _any_of(column: str, group: QueryGroup, params: list[Any]) -> str:
    params += [_like(phrase) for phrase in group.alternatives]
    return "(" + " OR ".join(f"{column} LIKE %s" for _phrase in group.alternatives) + ")"


def _matches_sql(groups: list[QueryGroup], params: list[Any]) -> str:
    if connection.vendor == "postgresql":
        # The GIN index on the generated tsvector (migration 0004): the same pages as the LIKEs below.
        params.append(
            " & ".join(
                "(" + " | ".join("(" + phrase.replace(" ", " <-> ") + ")" for phrase in group.alternatives) + ")"
                for group in groups
            )
        )
        return "e.document @@ to_tsquery('simple', %s)"
    return " AND ".join(_any_of("e.text_words", group, params) for group in groups)


def _score_sql(groups: list[QueryGroup], params: list[Any]) -> str:
    terms = ["e.weight"]
    for group in groups:
        in_title = _any_of("e.title_words", group, params)
        terms.append(f"(CASE WHEN {in_title} THEN {TITLE_POINTS} ELSE {TEXT_POINTS} END)")
    if len(groups) > 1:
        whole = _like(" ".join(group.text for group in groups))
        params += [whole, whole]
        terms.append(
            f"(CASE WHEN e.title_words LIKE %s THEN {PHRASE_TITLE_POINTS}"
            f" WHEN e.text_words LIKE %s THEN {PHRASE_TEXT_POINTS} ELSE 0 END)"
        )
    return " + ".join(terms)


_PRIVATE = (
    " AND NOT EXISTS (SELECT 1 FROM wagtailcore_pageviewrestriction r"
    " JOIN wagtailcore_page rp ON rp.id = r.page_id WHERE p.path LIKE rp.path || '%%')"
)


def _page_of(
    groups: list[QueryGroup], *, site: Site | None, request: HttpRequest | None, number: int, per_page: int
) -> SearchResults:
    """One query (hand-written: building it with the ORM cost more than running it): the page's rows and the total."""
    params: list[Any] = []
    score = _score_sql(groups, params)
    where = "p.live = %s"
    params.append(True)
    if site is not None:
        where += " AND p.path LIKE %s"
        params.append(f"{site.root_page.path}%")
    if request is None or any_page_private(request):
        where += _PRIVATE
    where += " AND " + _matches_sql(groups, params)
    params += [per_page, (number - 1) * per_page]
    # Only constants and placeholders go into the text; every value the visitor typed is a parameter.
    sql = (
        f"SELECT e.page_id, p.url_path, e.title, e.summary, COUNT(*) OVER () AS total, {score} AS score"  # noqa: S608
        " FROM home_searchentry e JOIN wagtailcore_page p ON p.id = e.page_id"
        f" WHERE {where} ORDER BY score DESC, e.weight DESC, p.path LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    results = [SearchResult(page_id=row[0], url_path=row[1], title=row[2], summary=row[3]) for row in rows]
    return SearchResults(results=results, total=rows[0][4] if rows else 0, number=number, per_page=per_page)


def _corrected(groups: list[QueryGroup], *, vocabulary: Vocabulary, synonyms: Synonyms) -> list[QueryGroup] | None:
    """The groups with typos corrected in their words (not in quoted phrases or synonyms), or None."""
    words = [group.text for group in groups if not group.quoted and len(group.alternatives) == 1]
    corrected = words_correct(words, vocabulary=vocabulary, keep=frozenset(synonyms))
    if corrected == words:
        return None
    replace = dict(zip(words, corrected, strict=True))
    return [
        QueryGroup(text=replace[g.text], alternatives=(replace[g.text],)) if g.text in replace else g for g in groups
    ]


def pages_search(
    *,
    query: str,
    site: Site | None = None,
    page: int = 1,
    per_page: int = SEARCH_PAGE_SIZE,
    request: HttpRequest | None = None,
) -> SearchResults:
    """Page ``page`` of the live, public pages matching every word of ``query``, best first.

    Folded like the index (no accents, i/y made one), quoted phrases kept together, abbreviations
    and synonyms expanded; with no match, one-letter typos corrected (``suggestion``). A page past
    the last gives the first.
    """
    synonyms = search_synonyms_map(request=request)
    groups = query_parse(query[:SEARCH_MAX_QUERY_LENGTH], synonyms=synonyms)
    if not groups:
        return SearchResults(per_page=per_page)
    number = max(1, page)
    # Remembered per published generation: the same words on the same page cost no query.
    key = ("search", site.root_page.path if site is not None else "", tuple(groups), number, per_page)
    found = search_memo_get(
        request if request is not None else SimpleNamespace(),
        key,
        lambda: _search(groups, synonyms=synonyms, site=site, request=request, number=number, per_page=per_page),
    )
    return found.copy()


def _search(
    groups: list[QueryGroup],
    *,
    synonyms: Synonyms,
    site: Site | None,
    request: HttpRequest | None,
    number: int,
    per_page: int,
) -> SearchResults:
    found = _page_of(groups, site=site, request=request, number=number, per_page=per_page)
    if not found.results and number > 1:
        found = _page_of(groups, site=site, request=request, number=1, per_page=per_page)
    if found.results:
        return found
    corrected = _corrected(groups, vocabulary=search_vocabulary(site=site, request=request), synonyms=synonyms)
    if corrected is None:
        return found
    found = _page_of(corrected, site=site, request=request, number=1, per_page=per_page)
    if found.results:
        found.suggestion = query_words(corrected)
    return found
