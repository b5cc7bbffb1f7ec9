from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        # The header's unread-notification count is counted at sign-in, not on the first page.
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from .inbox import unread_warm

        user_logged_in.connect(unread_warm, dispatch_uid="inbox-unread-warm")
        # A new campaign section is moderated: the campaign workflow and the leads' permissions.
        from .moderation import campaign_index_created

        post_save.connect(campaign_index_created, sender="outreach.CampaignIndexPage", dispatch_uid="campaign-index")
        # Views of campaign pages are counted (core.page_views); a QR arrival is kept as a touch.
        from core.page_views import CountedPage, counted_page_register

        from .campaign_tracking import campaign_page_viewed
        from .models import CAMPAIGN_PAGE_HEADER, CampaignPage, CampaignPageView

        counted_page_register(
            CountedPage(
                "campaign", CAMPAIGN_PAGE_HEADER, CampaignPage, CampaignPageView, "campaign_id", campaign_page_viewed
            )
        )
