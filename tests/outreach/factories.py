"""Helpers for the campaign tests: a campaign page, segments, messages, consenting people."""

import datetime

from django.utils import timezone

from accounts.consent.channels import CHANNEL_CODES
from accounts.consent.services import consent_give, consent_withdraw
from accounts.models import Consent
from accounts.preferences import default_channels
from outreach.models import AudienceSegment, CampaignIndexPage, CampaignMessage, CampaignPage
from tests.accounts.factories import UserFactory
from tests.support.pages import page_add


def campaign_create(home_page, course=None, **kwargs):
    index = CampaignIndexPage.objects.first() or page_add(
        home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich")
    )
    today = timezone.localdate()
    kwargs.setdefault("title", "Làm thủ tục trên mạng, không phải xếp hàng")
    kwargs.setdefault("slug", f"chien-dich-{CampaignPage.objects.count() + 1}")
    kwargs.setdefault("goal", "Người dân nộp hồ sơ trực tuyến.")
    kwargs.setdefault("starts_on", today - datetime.timedelta(days=1))
    kwargs.setdefault("ends_on", today + datetime.timedelta(days=30))
    actions = [{"type": "course", "value": {"page": course.pk, "label": ""}}] if course is not None else []
    if not actions:
        from courses.models import PublicService

        service = PublicService.objects.create(
            name="Cấp phiếu lý lịch tư pháp", agency="Sở Tư pháp", official_url="https://dichvucong.gov.vn/p/llpt"
        )
        actions = [{"type": "service", "value": {"service": service.pk, "label": ""}}]
    return page_add(index, CampaignPage(calls_to_action=actions, **kwargs))


def consenting(user, granted=True, channels=None):
    """Campaign consent given (on ``channels``, by default e-mail if the person has an address, else SMS) or
    withdrawn (on every channel), through the consent services."""
    if granted:
        channels = default_channels(has_email=bool(user.email)) if channels is None else channels
        consent_give(user=user, purpose=Consent.Purpose.CAMPAIGNS, channels=channels, source="import")
    else:
        consent_withdraw(
            user=user, purpose=Consent.Purpose.CAMPAIGNS, channels=channels or CHANNEL_CODES, source="import"
        )
    return user


def person(consent=True, channels=None, **kwargs):
    """A person with campaign consent (True: on ``channels``), withdrawn (False) or never asked (None)."""
    user = UserFactory(**kwargs)
    if consent is not None:
        consenting(user, consent, channels)
    return user


def segment_create(**kwargs):
    units = kwargs.pop("units", None)
    kwargs.setdefault("name", "Mọi người")
    segment = AudienceSegment.objects.create(**kwargs)
    if units:
        segment.units.set(units)
    return segment


def message_create(campaign, segment, **kwargs):
    kwargs.setdefault("name", "Đợt 1")
    kwargs.setdefault("email_subject", "{campaign}")
    kwargs.setdefault("email_body", "Chào {name}, xem tại {link}")
    kwargs.setdefault("sms_body", "{site}: {campaign} {link}")
    kwargs.setdefault("in_app_body", "Chào {name}: {link}")
    return CampaignMessage.objects.create(campaign=campaign, segment=segment, **kwargs)
