"""Receivers that keep site search's index (derived data) in step with the pages; no workflow here."""

from django.db import connections
from wagtail.models import Page

from core.published import published_content_changed

from .services import search_entry_update, search_index_rebuild

# A save that writes only these fields leaves the live content as it was (a draft's revision, a lock).
_NOT_CONTENT = frozenset(
    {
        "latest_revision",
        "latest_revision_created_at",
        "draft_title",
        "has_unpublished_changes",
        "locked",
        "locked_at",
        "locked_by",
        "wagtail_admin_comments",
        "live_revision",
        "path",
        "numchild",
        "depth",
        "url_path",
    }
)


def page_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    """Write the entry of a live page saved with its content (publishing saves the whole page)."""
    if raw or not isinstance(instance, Page) or not instance.live:
        return
    if update_fields is not None and _NOT_CONTENT.issuperset(update_fields):
        return
    if search_entry_update(page=instance) is not None:
        # Search results are remembered per generation (home.search.selectors): a new one.
        published_content_changed()


def index_rebuild_after_migrate(sender, using="default", plan=None, **kwargs):

    if "home_searchentry" in connections[using].introspection.table_names():
        search_index_rebuild(stale_only=True)
