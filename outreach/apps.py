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
        # The header's unread-notification count is counted at sign-in, not on the first page.
        from django.contrib.auth.signals import user_logged_in

        from .inbox import unread_warm

        user_logged_in.connect(unread_warm, dispatch_uid="inbox-unread-warm")
        # A new campaign section is moderated: the campaign workflow and the leads' permissions.
        from .moderation import campaign_index_created

        post_save.connect(campaign_index_created, sender="outreach.CampaignIndexPage", dispatch_uid="campaign-index")
        # Sites (host names, root page) and page privacy decide what is served and to whom.
        for sender in ("wagtailcore.Site", "wagtailcore.PageViewRestriction"):
            for signal in (post_save, post_delete):
                signal.connect(page_cache_invalidate, sender=sender, dispatch_uid=f"page-cache-{sender}-{signal!r}")


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    from .page_cache import page_cache_invalidate

    if isinstance(instance, Page):
        page_cache_invalidate()
