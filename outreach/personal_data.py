"""Personal data held by the outreach layer (see ``accounts.personal_data``): contact
preferences (stored by accounts, exported here with the messages sent; consents and their record
are exported by accounts), and the campaign links a person followed and the campaigns they arrived from."""

from accounts.models import ContactPreference, User
from core.localtime import moment_iso

from .models import CampaignClick, CampaignTouch, Delivery, MessageKind


def export(user: User) -> dict:
    preference = ContactPreference.objects.filter(user=user).first()
    return {
        "notification_settings": (
            {
                "by_email": preference.use_email,
                "by_sms": preference.use_sms,
                "in_app": preference.use_in_app,
                "by_zalo": preference.use_zalo,
                "updated_at": moment_iso(preference.updated_at),
            }
            if preference
            else None
        ),
        "messages": [
            {
                "kind": d.kind,
                "channel": d.channel,
                "status": d.status,
                "address": d.address,
                "subject": d.subject,
                "body": d.body,
                "planned_at": moment_iso(d.planned_at),
                "sent_at": moment_iso(d.sent_at),
                "read_at": moment_iso(d.read_at),
                "received_at": moment_iso(d.received_at),
            }
            for d in Delivery.objects.filter(recipient=user).order_by("planned_at", "pk")
        ],
        "campaign_links_followed": [
            {
                "campaign": c.message.campaign.title,
                "message": c.message.name,
                "clicks": c.count,
                "first_at": moment_iso(c.first_at),
                "last_at": moment_iso(c.last_at),
            }
            for c in CampaignClick.objects.filter(recipient=user).select_related("message__campaign").order_by("pk")
        ],
        "campaign_visits": [
            {
                "campaign": t.campaign.title,
                "by": t.source,
                "first_at": moment_iso(t.first_at),
                "last_at": moment_iso(t.last_at),
            }
            for t in CampaignTouch.objects.filter(user=user).select_related("campaign").order_by("pk")
        ],
    }


def erase(user: User) -> None:
    """Messages to the person go (their preferences and consents go with the account).

    Managers' digests that listed the person, and the "extension request waits" notices that named
    them, keep their count but not the name.
    """
    Delivery.objects.filter(recipient=user).delete()
    CampaignClick.objects.filter(recipient=user).delete()
    CampaignTouch.objects.filter(user=user).delete()
    name = user.full_name.strip()
    naming = (MessageKind.MANAGER_DIGEST, MessageKind.EXTENSION_REQUESTED)
    for digest in Delivery.objects.filter(kind__in=naming).only("pk", "body", "subject", "context").iterator():
        user_ids = digest.context.get("user_ids") or []
        if user.pk not in user_ids:
            continue
        digest.context["user_ids"] = [pk for pk in user_ids if pk != user.pk]
        if name:
            digest.body = digest.body.replace(name, "[…]")
            digest.subject = digest.subject.replace(name, "[…]")
        digest.save(update_fields=["body", "subject", "context"])
