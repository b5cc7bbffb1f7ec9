from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        # Cache invalidation, not a domain workflow: any change to the page tree empties the page cache.
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

        from .page_cache import page_cache_invalidate

        for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
            signal.connect(page_cache_invalidate, dispatch_uid=f"page-cache-{signal!r}")
        post_delete.connect(_page_deleted, dispatch_uid="page-cache-delete")
        # Tutorials show their public service's name and link.
        post_save.connect(page_cache_invalidate, sender="courses.PublicService", dispatch_uid="page-cache-service")


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    from .page_cache import page_cache_invalidate

    if isinstance(instance, Page):
        page_cache_invalidate()
