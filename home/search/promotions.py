"""Promoted results ("Được đề xuất"): editors' picks for a query, shown above the search results.

Wagtail's ``search_promotions`` stores them (admin: Settings → Promoted search results); a query
matches a promotion when both fold to the same words (``core.search.fold_query``), so "CCCD",
"cccd" and "Căn cước" style variants of one spelling meet. All promotions are read in one query
per page-cache generation and remembered by each process (``core.published.published_memo``):
a search with no promotion costs no query. Saving or deleting a promotion starts a new generation
(``promotions_changed``), which also empties the page cache, whose stored search pages show them.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.search_promotions.models import Query, SearchPromotion
from wagtail.models import Page

from core.published import published_content_changed, published_memo
from core.search import fold_query

from .models import QUERY_MAX_LENGTH

MEMO_KEY = "home.search.promotions"


@dataclass(frozen=True)
class Promotion:
    """One promoted result as the search page shows it."""

    title: str
    url: str
    description: str
    external: bool


def _promotions_by_query(request) -> dict[str, tuple[Promotion, ...]]:
    found: dict[str, list[Promotion]] = {}
    picks = SearchPromotion.objects.select_related("query", "page").order_by("query_id", "sort_order", "pk")
    for pick in picks:
        if pick.page is not None:
            if not pick.page.live:
                continue
            url = pick.page.get_url(request=request)
            if not url:
                continue
            promotion = Promotion(pick.page.title, url, pick.description, external=False)
        elif pick.external_link_url:
            title = pick.external_link_text or pick.external_link_url
            promotion = Promotion(title, pick.external_link_url, pick.description, external=True)
        else:
            continue
        found.setdefault(fold_query(pick.query.query_string), []).append(promotion)
    return {query: tuple(items) for query, items in found.items()}


def search_promotions_for(*, query: str, request: HttpRequest | None = None) -> list[Promotion]:
    """The promoted results for ``query`` (folded, exact words), in the editors' order; usually none.

    No database query once this process has read the promotions for the current generation.
    """
    folded = fold_query(query)[:QUERY_MAX_LENGTH]
    if not folded:
        return []
    memo_request = request if request is not None else SimpleNamespace()
    by_query = published_memo(memo_request, MEMO_KEY, lambda: _promotions_by_query(request))
    return list(by_query.get(folded, ()))


def search_promotion_ensure(*, query: str, page: Page, description: str = "") -> SearchPromotion:
    """Promote ``page`` for ``query`` (idempotent: an existing pick of that page for that query is kept)."""
    with transaction.atomic():
        query_row = Query.get(query)
        pick = SearchPromotion.objects.filter(query=query_row, page=page).first()
        if pick is None:
            order = SearchPromotion.objects.filter(query=query_row).count()
            pick = SearchPromotion.objects.create(query=query_row, page=page, description=description, sort_order=order)
    return pick


def promotion_form_labels_fix() -> bool:
    """Wagtail's promotion form labels "external link text" from a field it never marked for translation.

    Called from ``HomeConfig.ready``; returns False when the field is gone (a Wagtail upgrade). A fix
    for ``core.admin_strings.PYTHON_FIXES`` once both branches meet, and a patch to offer upstream.
    """
    from wagtail.contrib.search_promotions.forms import SearchPromotionForm, SearchPromotionsFormSet

    label = _("External link text")
    fixed = False
    for form in {SearchPromotionForm, SearchPromotionsFormSet.form}:
        field = form.base_fields.get("external_link_text")
        if field is not None:
            field.label = label
            fixed = True
    return fixed


def promotions_changed(**_kwargs) -> None:
    """Signal receiver (``HomeConfig.ready``): a promotion or its query changed, so every process reads them again."""
    published_content_changed()
