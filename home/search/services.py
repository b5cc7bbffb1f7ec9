"""Writes for site search: the index of pages (one entry per page, from its live content) and the synonyms."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from wagtail.models import Page

from core.published import published_content_changed
from core.search import FOLD_VERSION, FoldedSearchMixin, fold_query
from courses.models import CourseIndexPage, CoursePage, LessonPage, TutorialIndexPage, TutorialPage
from outreach.campaigns.models import CampaignIndexPage, CampaignPage

from .models import SearchEntry, SearchSynonym

# Added to a page's score (home.search.selectors): learning content first, campaigns next, the
# site's own pages (home, about, privacy) and section indexes last. A title match counts far more.
TYPE_WEIGHTS: dict[type[Page], int] = {
    TutorialPage: 6,
    CoursePage: 6,
    LessonPage: 4,
    CampaignPage: 2,
    TutorialIndexPage: 0,
    CourseIndexPage: 0,
    CampaignIndexPage: 0,
}

# The synonyms seed_demo adds (home.demo): what citizens type for the services the tutorials cover.
DEMO_SYNONYMS = [
    ("CCCD", "căn cước công dân, căn cước"),
    ("DVC", "dịch vụ công"),
    ("DVCQG", "Cổng Dịch vụ công quốc gia, dịch vụ công quốc gia"),
    ("BHYT", "bảo hiểm y tế"),
    ("BHXH", "bảo hiểm xã hội"),
    ("GPLX", "giấy phép lái xe"),
    ("bằng lái", "giấy phép lái xe"),
    ("VNeID", "định danh điện tử"),
    ("ĐDĐT", "định danh điện tử"),
    ("TTHC", "thủ tục hành chính"),
    ("OTP", "mã xác thực"),
]


def _words(text: str) -> str:
    """Folded words between spaces (" dang ki tai khoan "): a phrase matches as `` phrase `` inside."""
    folded = fold_query(text)
    return f" {folded} " if folded else " "


def _entry_fields(page: Any) -> dict[str, object]:
    """The entry of ``page``, a live page with ``FoldedSearchMixin``."""
    summary = getattr(page, "summary", "") or getattr(page, "introduction", "") or page.search_description
    return {
        "title": page.title[:255],
        "summary": summary,
        "title_words": _words(page.search_title_folded()),
        "text_words": _words(page.search_text_folded()),
        "weight": TYPE_WEIGHTS.get(type(page), 0),
        "fold_version": FOLD_VERSION,
    }


def _searched(page: Page) -> bool:
    return isinstance(page, FoldedSearchMixin)


def search_entry_update(*, page: Page) -> SearchEntry | None:
    """Write ``page``'s entry from its live content (``page`` is the specific page); None for pages not searched."""
    page_id = page.pk
    if not isinstance(page, FoldedSearchMixin):
        return None
    entry, _created = SearchEntry.objects.update_or_create(page_id=page_id, defaults=_entry_fields(page))
    return entry


def search_entries_refresh(*, pages: Iterable[Page]) -> int:
    """Rewrite the entries of ``pages`` (specific pages) in bulk; returns how many were written."""
    entries = [SearchEntry(page_id=page.pk, **_entry_fields(page)) for page in pages if _searched(page)]
    if entries:
        SearchEntry.objects.bulk_create(
            entries,
            batch_size=200,
            update_conflicts=True,
            unique_fields=["page"],
            update_fields=["title", "summary", "title_words", "text_words", "weight", "fold_version"],
        )
    return len(entries)


@transaction.atomic
def search_index_rebuild(*, stale_only: bool = True) -> int:
    """Write the entry of every live page whose entry is missing or folded by an older ``FOLD_VERSION``.

    Runs after every ``migrate`` (home.apps), so a deploy that changes the folding rebuilds the
    index; ``stale_only=False`` rewrites every entry. Returns how many entries were written.
    """
    pages = Page.objects.live().exclude(depth=1)
    if stale_only:
        current = SearchEntry.objects.filter(fold_version=FOLD_VERSION).values("page_id")
        pages = pages.exclude(pk__in=current)
    written = 0
    ids = list(pages.values_list("pk", flat=True))
    for start in range(0, len(ids), 200):
        written += search_entries_refresh(pages=Page.objects.filter(pk__in=ids[start : start + 200]).specific())
    if written:
        published_content_changed()  # remembered search results are forgotten
    return written


def search_synonym_ensure(*, term: str, meaning: str) -> SearchSynonym:
    """The synonym for ``term`` (folded), created or given ``meaning``; validated like the admin form."""
    synonym = SearchSynonym.objects.filter(term_folded=fold_query(term)).first() or SearchSynonym()
    synonym.term, synonym.meaning = term, meaning
    synonym.full_clean()
    synonym.save()
    return synonym


def search_synonyms_demo_seed() -> list[SearchSynonym]:
    """The demo synonyms (``DEMO_SYNONYMS``); idempotent."""
    return [search_synonym_ensure(term=term, meaning=meaning) for term, meaning in DEMO_SYNONYMS]
