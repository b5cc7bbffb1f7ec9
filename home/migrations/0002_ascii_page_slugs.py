"""Fold the Unicode slugs of existing pages to ASCII, with permanent redirects from the old addresses.

"Đổi giấy phép lái xe" saved as ``đổi-giấy-phép-lái-xe`` becomes ``doi-giay-phep-lai-xe`` (core/slugs.py
folds new pages the same way). Every page whose address changes (the page and the pages below it)
gets a permanent redirect from its old path on each site that holds it, in both forms a browser or a
message may use: raw (``/đổi-…``) and percent-encoded (``/%C4%91%E1%BB%95i-…``), and the same under
``/en/``; the redirect names the page, so ``/en/<old>`` reaches ``/en/<new>``. The stored revisions get the new slug, so publishing
an old draft does not bring the Unicode slug back. Reversing changes nothing (the redirects stay).
"""

from urllib.parse import quote

from anyascii import anyascii
from django.conf import settings
from django.db import migrations
from django.utils.text import slugify


def _fold(text):
    return slugify(anyascii(str(text or "")))[:255].strip("-")


def _unique(slug, taken):
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def _old_paths(old_url_path, sites):
    """The site-relative paths (normalised like Redirect.old_path: no trailing slash) per site."""
    for site_id, root_url_path in sites:
        if old_url_path.startswith(root_url_path) and old_url_path != root_url_path:
            raw = "/" + old_url_path[len(root_url_path) :].strip("/")
            # Vietnamese without a prefix, the other languages under theirs (/en/…): i18n_patterns.
            for prefix in ["", *(f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)]:
                yield site_id, prefix + raw
                encoded = quote(prefix + raw, safe="/")
                if encoded != prefix + raw:
                    yield site_id, encoded


def fold_slugs(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Redirect = apps.get_model("wagtailredirects", "Redirect")

    pages = list(Page.objects.order_by("depth", "path").values("id", "path", "depth", "slug", "url_path"))
    if all(page["slug"].isascii() for page in pages):
        return
    by_path = {page["path"]: page for page in pages}
    old_url_paths = {page["id"]: page["url_path"] for page in pages}
    siblings = {}
    for page in pages:
        siblings.setdefault(page["path"][:-4], set()).add(page["slug"])
    changed_slugs = {}
    for page in pages:
        parent = by_path.get(page["path"][:-4])
        if not page["slug"].isascii():
            taken = siblings[page["path"][:-4]] - {page["slug"]}
            new_slug = _unique(_fold(page["slug"]) or f"trang-{page['id']}", taken)
            siblings[page["path"][:-4]] = taken | {new_slug}
            page["slug"] = changed_slugs[page["id"]] = new_slug
        if parent is not None:
            page["url_path"] = parent["url_path"] + page["slug"] + "/"

    sites = [
        (site.id, old_url_paths[site.root_page_id]) for site in Site.objects.all() if site.root_page_id in old_url_paths
    ]
    for page in pages:
        if page["url_path"] == old_url_paths[page["id"]]:
            continue
        fields = {"url_path": page["url_path"]}
        if page["id"] in changed_slugs:
            fields["slug"] = page["slug"]
        Page.objects.filter(id=page["id"]).update(**fields)
        for site_id, old_path in _old_paths(old_url_paths[page["id"]], sites):
            if Redirect.objects.filter(site_id=site_id, old_path=old_path).exists():
                continue
            Redirect.objects.create(
                site_id=site_id,
                old_path=old_path,
                is_permanent=True,
                redirect_page_id=page["id"],
                automatically_created=True,
            )

    _revisions_update(apps, pages, old_url_paths, changed_slugs)
    _page_cache_forget()


def _page_cache_forget():
    """A new page-cache generation: no process serves or routes the old addresses from memory."""
    from core.published import published_content_changed  # app code: loaded only when the migration runs

    try:
        published_content_changed()
    except Exception as error:  # the cache unreachable while migrating: its entries expire by themselves
        print(f"  page cache not emptied ({error}); old addresses answer from it until PAGE_CACHE_SECONDS pass")


def _revisions_update(apps, pages, old_url_paths, changed_slugs):
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    page_type = ContentType.objects.filter(app_label="wagtailcore", model="page").first()
    if page_type is None:
        return
    for page in pages:
        if page["url_path"] == old_url_paths[page["id"]]:
            continue
        for revision in Revision.objects.filter(base_content_type=page_type, object_id=str(page["id"])):
            content = dict(revision.content or {})
            content["url_path"] = page["url_path"]
            if page["id"] in changed_slugs:
                content["slug"] = page["slug"]
            Revision.objects.filter(pk=revision.pk).update(content=content)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0001_initial"),
        ("courses", "0007_tutorial_page_views"),
        ("outreach", "0012_delivery_kind_registry"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
    ]

    operations = [migrations.RunPython(fold_slugs, migrations.RunPython.noop, elidable=True)]
