"""Campaigns and consent per channel: audiences, planning on consented channels only, the send-time
re-check, and the unsubscribe link withdrawing the channel the message went on."""

import datetime
import re

import pytest
from django.test import Client
from django.utils.translation import gettext as _

from accounts.consent.selectors import consent_channels
from accounts.consent.services import consent_give, consent_withdraw
from accounts.models import Consent, ConsentRecord
from core.localtime import local_today
from outreach.campaigns import links
from outreach.campaigns.audiences import segment_counts
from outreach.campaigns.links import unsubscribe_token
from outreach.campaigns.messages import CampaignSendError, campaign_message_plan, campaign_message_send
from outreach.delivery.sending import deliveries_send
from outreach.models import CAMPAIGN_KIND, Delivery
from tests.outreach.factories import campaign_create, message_create, person, segment_create

pytestmark = pytest.mark.django_db

CAMPAIGNS = Consent.Purpose.CAMPAIGNS


@pytest.fixture
def no_quiet_hours():
    from outreach.models import ReminderSetting

    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)
    config.save()


def planned(message):
    return {(d.recipient_id, d.channel) for d in Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk)}


def sent(message):
    message.refresh_from_db()
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)


def test_audience_counts_people_with_consent_on_a_channel_they_can_be_reached_on(home_page):
    person(channels=["email"])
    person(channels=["in_app"], phone_only=True)
    unreachable = person(channels=["sms"], with_phone=True)
    person(consent=None)
    person(consent=False)
    # Consent by SMS, then the phone number was removed: nobody to reach.
    type(unreachable).objects.filter(pk=unreachable.pk).update(phone=None)
    assert segment_counts(rules=segment_create()) == (5, 2)


def test_planning_writes_deliveries_only_on_consented_channels(home_page, no_quiet_hours):
    campaign = campaign_create(home_page)
    sms_only = person(channels=["sms"], with_phone=True)
    both = person(channels=["email", "in_app"], with_phone=True)
    person(consent=None, with_phone=True)
    message = message_create(campaign, segment_create())
    sent(message)
    assert planned(message) == {(sms_only.pk, "sms"), (both.pk, "email"), (both.pk, "in_app")}
    # Each channel's text carries that channel's unsubscribe link; e-mail's is also the one-click header.
    # (An SMS's is its short link, which leads to the SMS channel's unsubscribe page.)
    sms = Delivery.objects.get(recipient=sms_only)
    short = re.findall(r"/s/([0-9a-z-]+)", sms.body)[-1]
    assert links.short_token_read(token=short, today=local_today())[1:3] == (sms_only.pk, links.LINK_UNSUBSCRIBE)
    location = Client().get(f"/s/{short}")["Location"]
    token = re.search(r"/unsubscribe/([^/\s]+)/", location).group(1)
    assert links.unsubscribe_token_read(token=token)[1:] == (sms_only.pk, "sms")
    email = Delivery.objects.get(recipient=both, channel="email")
    header = email.context["headers"]["List-Unsubscribe"]
    token = re.search(r"/unsubscribe/([^/>]+)/", header).group(1)
    assert links.unsubscribe_token_read(token=token)[1:] == (both.pk, "email")
    assert "headers" not in Delivery.objects.get(recipient=both, channel="in_app").context


def test_send_now_is_refused_when_nobody_consents_on_a_reachable_channel(home_page):
    campaign = campaign_create(home_page)
    unreachable = person(channels=["sms"], with_phone=True)
    type(unreachable).objects.filter(pk=unreachable.pk).update(phone=None)
    message = message_create(campaign, segment_create())
    with pytest.raises(CampaignSendError):
        campaign_message_send(message=message)


def test_withdrawal_on_one_channel_after_planning_cancels_only_that_channel_at_sending(home_page, no_quiet_hours):
    campaign = campaign_create(home_page)
    someone = person(channels=["email", "in_app"])
    message = message_create(campaign, segment_create())
    sent(message)
    consent_withdraw(user=someone, purpose=CAMPAIGNS, channels=["in_app"], source="settings")
    deliveries_send(ids=list(Delivery.objects.values_list("pk", flat=True)))
    rows = {d.channel: (d.status, d.reason) for d in Delivery.objects.filter(recipient=someone)}
    assert rows == {"email": ("sent", ""), "in_app": ("cancelled", "opted_out")}


# Unsubscribe -------------------------------------------------------------------------------------


def test_sms_link_confirms_then_withdraws_sms_only_and_offers_every_channel(home_page, client, no_quiet_hours):
    campaign = campaign_create(home_page)
    someone = person(channels=["email", "sms"], with_phone=True)
    message = message_create(campaign, segment_create())
    sent(message)
    url = f"/unsubscribe/{unsubscribe_token(message_id=message.pk, user_id=someone.pk, channel='sms')}/"
    response = client.get(url)  # a link scanner changes nothing
    assert response.status_code == 200 and 'name="everywhere"' in response.content.decode()
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["email", "sms"]
    response = client.post(url)
    assert response.status_code == 200
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["email"]
    assert 'name="everywhere"' in response.content.decode()  # still on e-mail: offer to stop there too
    statuses = {d.channel: d.status for d in Delivery.objects.filter(recipient=someone)}
    assert statuses == {"email": "planned", "sms": "cancelled"}
    record = ConsentRecord.objects.filter(user=someone, granted=False).get()
    assert (record.channel, record.source, record.detail) == ("sms", "unsubscribe", f"campaign message {message.pk}")
    response = client.post(url, {"everywhere": "1"})
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == []
    assert 'name="everywhere"' not in response.content.decode()
    assert Delivery.objects.get(recipient=someone, channel="email").status == "cancelled"


def test_one_click_post_from_a_mail_client_withdraws_email_only(home_page, client):
    campaign = campaign_create(home_page)
    someone = person(channels=["email", "in_app"])
    message = message_create(campaign, segment_create())
    client.handler.enforce_csrf_checks = True
    token = unsubscribe_token(message_id=message.pk, user_id=someone.pk, channel="email")
    response = client.post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["in_app"]


@pytest.mark.parametrize("change", ["person", "channel", "bad_channel"])
def test_a_changed_token_is_refused_with_a_clear_error_and_writes_nothing(home_page, client, change):
    campaign = campaign_create(home_page)
    someone = person(channels=["email", "in_app"])
    other = person(channels=["email"])
    message = message_create(campaign, segment_create())
    token = unsubscribe_token(message_id=message.pk, user_id=someone.pk, channel="in_app")
    if change == "person":
        token = token.replace(f".{links._b36(someone.pk)}.", f".{links._b36(other.pk)}.")
    elif change == "channel":
        token = token.replace(".in_app:", ".email:")
    else:  # signed, but naming no channel we know
        token = links._signer(links.UNSUBSCRIBE_SALT).sign(f"{links._b36(message.pk)}.{links._b36(someone.pk)}.fax")
    before = ConsentRecord.objects.count()
    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{token}/", {"everywhere": "1"} if method == client.post else None)
        assert response.status_code == 400
        assert _("This link does not work") in response.content.decode()
    assert ConsentRecord.objects.count() == before
    assert consent_channels(user=other, purpose=CAMPAIGNS) == ["email"]
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["email", "in_app"]


def test_a_segment_counts_nobody_until_people_consent_and_then_sending_is_allowed(home_page):
    campaign = campaign_create(home_page)
    people = [person(consent=None) for _ in range(3)]
    segment = segment_create()
    message = message_create(campaign, segment)
    assert segment_counts(rules=segment) == (3, 0)
    with pytest.raises(CampaignSendError):
        campaign_message_send(message=message)
    for someone in people[:2]:
        consent_give(user=someone, purpose=CAMPAIGNS, channels=["email"], source="settings")
    assert segment_counts(rules=segment) == (3, 2)
    message.refresh_from_db()
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    assert planned(message) == {(people[0].pk, "email"), (people[1].pk, "email")}


def test_an_expired_unsubscribe_link_is_a_clear_error_and_changes_nothing(home_page, client, monkeypatch):
    campaign = campaign_create(home_page)
    someone = person(channels=["email"])
    message = message_create(campaign, segment_create())
    token = unsubscribe_token(message_id=message.pk, user_id=someone.pk, channel="email")
    monkeypatch.setattr(links, "LINK_MAX_AGE", datetime.timedelta(seconds=-1))
    response = client.post(f"/unsubscribe/{token}/")
    assert response.status_code == 400
    assert _("This link has expired. Nothing was recorded.") in response.content.decode()
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["email"]
    assert not ConsentRecord.objects.filter(user=someone, granted=False).exists()


def test_a_replayed_unsubscribe_link_records_the_withdrawal_once(home_page, client):
    campaign = campaign_create(home_page)
    someone = person(channels=["email", "in_app"])
    message = message_create(campaign, segment_create())
    url = f"/unsubscribe/{unsubscribe_token(message_id=message.pk, user_id=someone.pk, channel='email')}/"
    for _attempt in range(3):
        assert client.post(url).status_code == 200
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["in_app"]
    assert ConsentRecord.objects.filter(user=someone, granted=False).count() == 1
    # Given again in the settings later, an old link still withdraws it (it is the person's own link).
    consent_give(user=someone, purpose=CAMPAIGNS, channels=["email"], source="settings")
    client.post(url)
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["in_app"]


def test_someone_signed_in_cannot_use_their_session_to_withdraw_for_another(home_page, client):
    """Only the token names the person: a signed-in visitor's own link changes their own consent."""
    campaign = campaign_create(home_page)
    someone, other = person(channels=["email"]), person(channels=["email"])
    message = message_create(campaign, segment_create())
    client.force_login(other)
    token = unsubscribe_token(message_id=message.pk, user_id=other.pk, channel="email")
    client.post(f"/unsubscribe/{token}/", {"user": someone.pk, "user_id": someone.pk})
    assert consent_channels(user=someone, purpose=CAMPAIGNS) == ["email"]
    assert consent_channels(user=other, purpose=CAMPAIGNS) == []
