from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor: no models, shared by every app above it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("Site core")

    def ready(self):
        # Cache invalidation, not a domain workflow: any change to the page tree, a site or a
        # page's privacy empties the page cache and the per-process memo (core.published).
        # Imported here: signal receivers are connected once the apps are loaded.
        from celery.signals import before_task_publish, task_postrun, task_prerun
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

        from .logs import request_id_publish, request_id_task_end, request_id_task_start
        from .published import published_content_changed
        from .sqlite import sqlite_connection_harden

        # A task's log lines carry the id of the request that sent it (core.logs).
        before_task_publish.connect(request_id_publish, dispatch_uid="request-id-publish")
        task_prerun.connect(request_id_task_start, dispatch_uid="request-id-task-start")
        task_postrun.connect(request_id_task_end, dispatch_uid="request-id-task-end")
        # SQLite answers an out-of-range id or date like PostgreSQL does (no row), not with an error.
        connection_created.connect(sqlite_connection_harden, dispatch_uid="core-sqlite-harden")
        for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
            signal.connect(published_content_changed, dispatch_uid=f"page-cache-{signal!r}")
        post_delete.connect(_page_deleted, dispatch_uid="page-cache-delete")
        # A renamed or moved page's old addresses redirect (core.page_redirects; /en/… first loses its prefix).
        from .page_redirects import on_page_moved, on_page_slug_changed

        page_slug_changed.connect(on_page_slug_changed, dispatch_uid="page-redirects-slug")
        post_page_move.connect(on_page_moved, dispatch_uid="page-redirects-move")
        # Vietnamese where Wagtail prints English it never marked for translation (core.admin_strings).
        from .admin_strings import admin_strings_fix

        admin_strings_fix()
        # Permission names in Vietnamese (core.permission_names), after each app's migrations.
        from django.db.models.signals import post_migrate

        from .permission_names import on_post_migrate

        post_migrate.connect(on_post_migrate, dispatch_uid="core-permission-names")
        for sender in ("wagtailcore.Site", "wagtailcore.PageViewRestriction"):
            for signal in (post_save, post_delete):
                signal.connect(published_content_changed, sender=sender, dispatch_uid=f"page-cache-{sender}-{signal!r}")


def _page_deleted(sender, instance, **kwargs):
    # Imported here: wagtail.models needs the app registry ready.
    from wagtail.models import Page

    from .published import published_content_changed

    if isinstance(instance, Page):
        published_content_changed()
