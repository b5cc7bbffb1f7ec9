"""Permanent redirects from a page's old addresses when its slug changes or it moves.

Wagtail (``WAGTAILREDIRECTS_AUTO_CREATE``) leaves a redirect from the old address of a renamed
or moved page and of every page below it (``/huong-dan/doi-giay-phep``). Here the same redirects
are made sure of, for every site the page is on, should Wagtail's be missing (its receiver runs
in a hook that another app may turn off, and our links in SMS, e-mails and posters must not break).
The site has one language and no prefix (docs/languages.md): an old English address
``/en/<old>`` is sent to ``/<old>`` first (``core.i18n``), then here to the page's new address.

Connected in ``core.apps`` to ``page_slug_changed`` and ``post_page_move`` (both sent after
commit), like Wagtail's own receivers; idempotent: an address that already redirects is left alone.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction


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
            wanted.setdefault((site_id, Redirect.normalise_path(relative)), page_id)
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
    """``page_slug_changed`` receiver: the page and its descendants."""
    page_redirects_create(old_url_path=instance_before.url_path, new_url_path=instance.url_path)


def on_page_moved(instance: Any, url_path_before: str, url_path_after: str, **_kwargs: Any) -> None:
    """``post_page_move`` receiver: the page and its descendants."""
    page_redirects_create(old_url_path=url_path_before, new_url_path=url_path_after)
