from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self):
        # Imported here because app loading needs the models first (the usual place for signals and registries).
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from core.page_views import CountedPage, counted_page_register

        # The message kinds register their planners and re-checks with delivery (outreach.delivery.kinds),
        # in the order the planning pass runs them.
        from . import account_messages  # noqa: F401 (accounts' codes and invitations)
        from .campaigns import messages as campaign_messages  # noqa: F401
        from .campaigns.models import CAMPAIGN_PAGE_HEADER, CampaignPage, CampaignPageView
        from .campaigns.moderation import campaign_index_created
        from .campaigns.tracking import campaign_page_viewed
        from .delivery.inbox import unread_warm
        from .reminders import certificates, courses, digest, extensions, training  # noqa: F401
        from .xapi.services import subscribe_to_learning as xapi_subscribe

        # What learning announces becomes xAPI statements for the Learning Record Store (docs/xapi.md).
        xapi_subscribe()
        # The header's unread-notification count is counted at sign-in, not on the first page.
        user_logged_in.connect(unread_warm, dispatch_uid="inbox-unread-warm")
        # A new campaign section is moderated: the campaign workflow and the leads' permissions.
        post_save.connect(campaign_index_created, sender="outreach.CampaignIndexPage", dispatch_uid="campaign-index")
        # Views of campaign pages are counted (core.page_views); a QR arrival is kept as a touch.
        counted_page_register(
            CountedPage(
                "campaign", CAMPAIGN_PAGE_HEADER, CampaignPage, CampaignPageView, "campaign_id", campaign_page_viewed
            )
        )
