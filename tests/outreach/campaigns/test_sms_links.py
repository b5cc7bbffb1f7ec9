"""Short links in SMS (``/s/<token>``, outreach/campaigns/links.py) and links as buttons in the inbox."""

import datetime
import re

import pytest
from django.test import Client
from django.utils.translation import gettext as _

from accounts.models import Consent, ContactPreference
from core.localtime import local_today
from outreach.campaigns import links
from outreach.campaigns.links import BadToken, short_token, short_token_read
from outreach.campaigns.messages import campaign_message_plan, campaign_message_send, message_texts
from outreach.delivery.models import Delivery
from outreach.delivery.texts import sms_link
from outreach.models import CampaignClick, CampaignTouch
from tests.accounts.factories import UserFactory
from tests.outreach.factories import campaign_create, message_create, person, segment_create

pytestmark = pytest.mark.django_db

SHORT = re.compile(r"\S+/s/([0-9a-z-]+)")


def _sms(message, someone):
    texts, _unsubscribe = message_texts(
        message=message, person_id=someone.pk, full_name=someone.full_name, language="vi", channels=["sms"]
    )
    return texts["sms"][1]


def test_campaign_sms_carries_short_links_the_same_each_time(home_page, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://kynangso.gov.vn"
    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create(), sms_body="{site}: {campaign} {link} {action}")
    sms = _sms(message, someone)
    assert "/r/" not in sms and "/unsubscribe/" not in sms and "https://" not in sms
    tokens = SHORT.findall(sms)
    assert len(tokens) == 3  # the page, the call to action, the unsubscribe footer
    assert all(len(token) <= 30 for token in tokens)
    assert sms.count("kynangso.gov.vn/s/") == 3
    assert _sms(message, someone) == sms  # idempotent: same message, person and day, same text
    # E-mail and the inbox keep the long links (and the mail client's one-click header).
    texts, _unsubscribe = message_texts(message=message, person_id=someone.pk, full_name="A", language="vi")
    assert "/unsubscribe/" in texts["email"][1] and "/r/" in texts["in_app"][1]


def test_planned_sms_rows_have_the_short_links(home_page, settings):
    campaign = campaign_create(home_page)
    someone = person(phone="0912345678", channels=["sms"])
    ContactPreference.objects.create(user=someone, use_email=False, use_sms=True, use_in_app=False)
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    body = Delivery.objects.get(recipient=someone, channel="sms").body
    assert len(SHORT.findall(body)) == 2, body


def test_a_short_link_is_followed_like_the_long_one(home_page, client):
    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create())
    token = short_token(message_id=message.pk, user_id=someone.pk, link="p", day=local_today())
    response = client.get(f"/s/{token}")
    assert response.status_code == 302
    assert response["Location"].endswith(campaign.url)
    assert CampaignClick.objects.get().link == "p"
    assert CampaignTouch.objects.get().user_id == someone.pk
    # Typed in capitals from a printed SMS: the same link.
    assert Client().get(f"/s/{token.upper()}").status_code == 302
    # A test send's link counts nothing.
    test_token = short_token(message_id=message.pk, user_id=someone.pk, link="p", test=True, day=local_today())
    assert Client().get(f"/s/{test_token}").status_code == 302
    assert CampaignClick.objects.get().count == 2


def test_the_short_unsubscribe_link_leads_to_the_unsubscribe_page(home_page, client):
    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create())
    token = short_token(message_id=message.pk, user_id=someone.pk, link="u", day=local_today())
    response = client.get(f"/s/{token}")
    assert response.status_code == 302
    assert response["Location"].startswith("/unsubscribe/")
    # Short links are sent by SMS only: the page withdraws the SMS channel.
    long_token = response["Location"].split("/")[2]
    assert links.unsubscribe_token_read(token=long_token) == (message.pk, someone.pk, "sms")
    page = client.get(response["Location"])
    assert page.status_code == 200
    # Nothing changes until the person confirms on that page (its own logic, unchanged).
    assert not Consent.objects.filter(user=someone, granted=False).exists()


@pytest.mark.parametrize("mangle", ["person", "mac", "expired", "garbage", "test-unsubscribe"])
def test_a_tampered_or_expired_short_link_is_a_clear_error_and_records_nothing(home_page, client, mangle):
    campaign = campaign_create(home_page)
    someone, other = person(), person()
    message = message_create(campaign, segment_create())
    day = local_today()
    if mangle == "expired":
        day -= links.LINK_MAX_AGE + datetime.timedelta(days=1)
    token = short_token(message_id=message.pk, user_id=someone.pk, link="p", day=day)
    if mangle == "person":
        token = token.replace(f"-{links._b36(someone.pk)}-", f"-{links._b36(other.pk)}-", 1)
    elif mangle == "mac":
        token = token[:-1] + ("0" if token[-1] != "0" else "1")
    elif mangle == "garbage":
        token = "x" * 300
    elif mangle == "test-unsubscribe":
        value = f"{links._b36(message.pk)}-{links._b36(someone.pk)}-ut-{links._b36((day - links.SHORT_EPOCH).days)}"
        token = f"{value}-{links._short_mac(value)}"
    response = client.get(f"/s/{token}")
    assert response.status_code == 400
    html = response.content.decode()
    assert _("This link does not work") in html
    assert (_("This link has expired. Nothing was recorded.") in html) == (mangle == "expired")
    assert not CampaignClick.objects.exists() and not CampaignTouch.objects.exists()
    with pytest.raises(BadToken):
        short_token_read(token=token, today=local_today())


def test_sms_links_lose_only_the_https_scheme():
    assert sms_link("https://kynangso.gov.vn/learn/my-training/") == "kynangso.gov.vn/learn/my-training/"
    assert sms_link("http://127.0.0.1:8000/learn/") == "http://127.0.0.1:8000/learn/"


def test_the_inbox_shows_links_as_buttons_not_raw_addresses(home_page, client):
    someone = UserFactory()
    long_link = "https://kynangso.gov.vn/r/" + "a" * 90 + ":1abcde:" + "b" * 43 + "/"
    unsubscribe = "https://kynangso.gov.vn/unsubscribe/" + "c" * 60 + "/"
    Delivery.objects.create(
        recipient=someone,
        kind="campaign",
        channel="in_app",
        status=Delivery.Status.SENT,
        subject="Tin mới",
        body=f"Chào bạn <b>, xem tại: {long_link}.\n\nĐể không nhận nữa, mở: {unsubscribe}",
        sent_at=datetime.datetime.now(datetime.UTC),
        idempotency_key="inbox-links",
    )
    client.force_login(someone)
    html = client.get("/inbox/").content.decode()
    assert f'href="{long_link}"' in html and f">{long_link}<" not in html
    assert f'<a class="button inbox-link" href="{long_link}">{_("Open the link")}</a>.' in html
    assert f'href="{unsubscribe}">{_("Stop receiving these messages")}</a>' in html
    assert "Chào bạn &lt;b&gt;" in html
