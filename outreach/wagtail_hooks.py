"""The outreach app in Wagtail's admin: menus, admin URLs, buttons and log actions.

The views live with their sub-package: the delivery log in ``delivery/admin.py``, the message
templates in ``reminders/admin.py``, campaigns' audiences, messages and results in
``campaigns/admin.py``, the editors' poster in ``campaigns/views.py``.
"""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup

from .campaigns.admin import CampaignsGroup
from .campaigns.models import CampaignPage
from .campaigns.views import poster_admin
from .delivery.admin import DeliveryViewSet
from .reminders.admin import MessageTemplateViewSet
from .xapi.admin import StatementViewSet


class RemindersGroup(ViewSetGroup):
    menu_label = _("Reminders")
    menu_icon = "mail"
    menu_order = 235
    items = (
        DeliveryViewSet("outreach_deliveries", url_prefix="reminders/deliveries"),
        MessageTemplateViewSet("outreach_message_templates", url_prefix="reminders/templates"),
        # The xAPI outbox beside the delivery log (docs/xapi.md).
        StatementViewSet("outreach_xapi_statements", url_prefix="reminders/xapi"),
    )


@hooks.register("register_admin_viewset")
def register_reminders():
    return RemindersGroup()


@hooks.register("register_log_actions")
def register_reminder_log_actions(actions):
    actions.register_action("outreach.delivery.resend", _("Resend"), _("Message planned again for sending"))


# Campaign posters ---------------------------------------------------------------------------------
# "Poster (PDF)" in a campaign's header menu and its listing menu: editors print it before the
# campaign is live, too (outreach/campaigns/posters.py).


@hooks.register("register_admin_urls")
def register_campaign_poster_urls():
    return [path("campaigns/<int:page_id>/poster/", poster_admin, name="outreach_campaign_poster")]


class CampaignPosterMenuItem(MenuItem):
    def __init__(self, page, priority):
        super().__init__(
            _("Poster (PDF)"),
            reverse("outreach_campaign_poster", args=[page.pk]),
            icon_name="doc-full",
            priority=priority,
        )
        self.page = page

    def is_shown(self, user):
        return self.page.permissions_for_user(user).can_edit()


def _campaign_poster_buttons(page):
    if page.specific_class is CampaignPage:
        yield CampaignPosterMenuItem(page, priority=68)


@hooks.register("register_page_header_buttons")
def campaign_poster_header_button(page, user, view_name, next_url=None):
    yield from _campaign_poster_buttons(page)


@hooks.register("register_page_listing_more_buttons")
def campaign_poster_listing_button(page, user, next_url=None):
    yield from _campaign_poster_buttons(page)


@hooks.register("register_admin_viewset")
def register_campaigns():
    return CampaignsGroup()


@hooks.register("register_log_actions")
def register_campaign_log_actions(actions):
    actions.register_action("outreach.campaign_message.scheduled", _("Schedule"), _("Campaign message scheduled"))
    actions.register_action("outreach.campaign_message.sending", _("Send"), _("Campaign message sent"))
    actions.register_action("outreach.campaign_message.cancelled", _("Cancel"), _("Campaign message cancelled"))
