"""The outreach app's models, defined in its sub-packages (Django finds them here).

- ``delivery.models``: the outbox and delivery log (``Delivery``), the rate limit's buckets;
- ``reminders.models``: the reminders' message templates and settings;
- ``campaigns.models``: campaign pages, audiences, campaign messages and what they led to;
- ``xapi.models``: the xAPI statements' outbox and its sender's lease.
"""

from .campaigns.models import (
    CAMPAIGN_KIND,
    AudienceSegment,
    CampaignClick,
    CampaignIndexPage,
    CampaignMessage,
    CampaignPage,
    CampaignPageView,
    CampaignTouch,
)
from .delivery.models import Channel, Delivery, RateLimitBucket
from .reminders.models import MessageKind, MessageTemplate, ReminderSetting
from .xapi.models import Sender, Statement

__all__ = [
    "CAMPAIGN_KIND",
    "AudienceSegment",
    "CampaignClick",
    "CampaignIndexPage",
    "CampaignMessage",
    "CampaignPage",
    "CampaignPageView",
    "CampaignTouch",
    "Channel",
    "Delivery",
    "MessageKind",
    "MessageTemplate",
    "RateLimitBucket",
    "ReminderSetting",
    "Sender",
    "Statement",
]
