"""Reads for site search: live, public pages of the site matching a query, best first, a page at a time."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection
from django.db.models import BooleanField, Case, CharField, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL, Window
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith
from django.http import HttpRequest
from wagtail.models import Page, PageViewRestriction, Site

from core.published import any_page_private, published_memo

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


@dataclass(frozen=True)
class SearchResult:
    page: Page  # id and url_path only: enough for {% pageurl %}
    title: str
    summary: str


@dataclass
class SearchResults:
    """One page of results; ``total`` counts them all (counted in the same query)."""

    results: list[SearchResult] = field(default_factory=list)
    total: int = 0
    number: int = 1
    per_page: int = SEARCH_PAGE_SIZE
    # The corrected query the results are for, when the query as typed found nothing ("did you mean").
    suggestion: str = ""

    def __iter__(self):
        return iter(self.results)


def _memo(request: HttpRequest | None, key: object, compute):
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


def search_synonyms_map(*, request: HttpRequest | None = None) -> Mapping[str, tuple[str, ...]]:
    """Folded term → folded expansions, both ways ("cccd" ↔ "can cuoc cong dan").

    Remembered by the process per published generation (core.published); saving or deleting a
    synonym starts a new one (home.apps), which also empties the page cache of search pages.
    """
    return _memo(request, "search-synonyms", _synonyms_load)


def _public_q() -> Q:
    restricted = PageViewRestriction.objects.filter(
        StartsWith(Cast(OuterRef("page__path"), CharField()), F("page__path"))
    )
    return ~Exists(restricted)


def _entries(*, site: Site | None, request: HttpRequest | None):
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


def _contains(field_name: str, group: QueryGroup) -> Q:
    found = Q()
    for phrase in group.alternatives:
        found |= Q(**{f"{field_name}__contains": f" {phrase} "})
    return found


def _matches(groups: list[QueryGroup]) -> Q | RawSQL:
    if connection.vendor == "postgresql":
        # The GIN index on the generated tsvector (migration 0005); the same matches as the LIKEs below.
        tsquery = " & ".join(
            "(" + " | ".join("(" + alt.replace(" ", " <-> ") + ")" for alt in group.alternatives) + ")"
            for group in groups
        )
        return RawSQL("home_searchentry.document @@ to_tsquery('simple', %s)", [tsquery], output_field=BooleanField())
    found = Q()
    for group in groups:
        found &= _contains("text_words", group)
    return found


def _score(groups: list[QueryGroup]):
    score = F("weight")
    for group in groups:
        score += Case(When(_contains("title_words", group), then=Value(TITLE_POINTS)), default=Value(TEXT_POINTS))
    if len(groups) > 1:
        whole = " ".join(group.text for group in groups)
        score += Case(
            When(title_words__contains=f" {whole} ", then=Value(PHRASE_TITLE_POINTS)),
            When(text_words__contains=f" {whole} ", then=Value(PHRASE_TEXT_POINTS)),
            default=Value(0),
        )
    return score


def _page_of(groups: list[QueryGroup], *, site, request, number: int, per_page: int) -> SearchResults:
    rows = list(
        _entries(site=site, request=request)
        .filter(_matches(groups))
        .annotate(score=_score(groups), total=Window(Count("page_id")))
        .order_by("-score", "-weight", "page__path")
        .values("page_id", "page__url_path", "title", "summary", "total")[(number - 1) * per_page : number * per_page]
    )
    results = [
        SearchResult(
            page=Page(id=row["page_id"], url_path=row["page__url_path"]), title=row["title"], summary=row["summary"]
        )
        for row in rows
    ]
    return SearchResults(results=results, total=rows[0]["total"] if rows else 0, number=number, per_page=per_page)


def _corrected(groups: list[QueryGroup], *, vocabulary: Vocabulary, synonyms) -> list[QueryGroup] | None:
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
