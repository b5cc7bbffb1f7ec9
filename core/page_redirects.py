"""Permanent redirects from a page's old addresses in every language, when its slug changes or it moves.

Wagtail (``WAGTAILREDIRECTS_AUTO_CREATE``) leaves a redirect from the old address of a renamed
or moved page and of every page below it, but only as its own URL resolver sees the address:
``/huong-dan/doi-giay-phep``. The site serves its pages through ``i18n_patterns`` too: Vietnamese
without a prefix and English under ``/en/``. Wagtail's redirect knows nothing of the prefix, so
``/en/huong-dan/doi-giay-phep/`` (the address of every link an English-speaking visitor was given,
or that a search engine or an SMS holds) answered 404. Here the same redirects are added under each
prefix (and without one, should Wagtail's be missing). The redirect names the page, so the
redirect middleware sends ``/en/<old>`` to ``/en/<new>`` (it answers in the request's language).

Connected in ``core.apps`` to ``page_slug_changed`` and ``post_page_move`` (both sent after
commit), like Wagtail's own receivers; idempotent: an address that already redirects is left alone.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction


def _language_prefixes() -> list[str]:
    """The prefixes: none for the default language, then "/en" and any other (``prefix_default_language=False``)."""
    return ["", *(f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)]


def page_redirects_create(*, old_url_path: str, new_url_path: str, page_ids: Iterable[int] | None = None) -> int:
    """Redirect every old address of the page at ``new_url_path`` (was ``old_url_path``) and its descendants.

    Returns how many redirects were created. Pages not live are skipped (they have no address).
    """
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.models import Page, Site

    if not getattr(settings, "WAGTAILREDIRECTS_AUTO_CREATE", True) or old_url_path == new_url_path:
        return 0
    pages = Page.objects.live().filter(url_path__startswith=new_url_path).values_list("pk", "url_path")
    if page_ids is not None:
        pages = pages.filter(pk__in=list(page_ids))
    roots = [(root.site_id, root.root_path) for root in Site.get_site_root_paths()]
    wanted: dict[tuple[int, str], int] = {}
    for page_id, url_path in pages:
        old_page_path = old_url_path + url_path[len(new_url_path) :]
        for site_id, root_path in roots:
            # The old address on this site; none when the page was (or is) this site's root, or outside it.
            if old_page_path == root_path or not old_page_path.startswith(root_path):
                continue
            if url_path == root_path or not url_path.startswith(root_path):
                continue
            relative = "/" + old_page_path[len(root_path) :].strip("/")
            for prefix in _language_prefixes():
                wanted.setdefault((site_id, Redirect.normalise_path(prefix + relative)), page_id)
    if not wanted:
        return 0
    created = 0
    with transaction.atomic():
        existing = set(
            Redirect.objects.filter(old_path__in={path for _site, path in wanted}).values_list("site_id", "old_path")
        )
        new = [
            Redirect(
                site_id=site_id,
                old_path=old_path,
                redirect_page_id=page_id,
                is_permanent=True,
                automatically_created=True,
            )
            for (site_id, old_path), page_id in wanted.items()
            if (site_id, old_path) not in existing
        ]
        created = len(Redirect.objects.bulk_create(new, ignore_conflicts=True))
    return created


def on_page_slug_changed(instance: Any, instance_before: Any, **_kwargs: Any) -> None:
    """``page_slug_changed`` receiver: the page and its descendants, every language."""
    page_redirects_create(old_url_path=instance_before.url_path, new_url_path=instance.url_path)


def on_page_moved(instance: Any, url_path_before: str, url_path_after: str, **_kwargs: Any) -> None:
    """``post_page_move`` receiver: the page and its descendants, every language."""
    page_redirects_create(old_url_path=url_path_before, new_url_path=url_path_after)
