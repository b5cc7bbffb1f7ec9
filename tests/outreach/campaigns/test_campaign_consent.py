"""Campaigns and consent per channel: audiences, planning on consented channels only, the send-time
re-check, and the unsubscribe link withdrawing the channel the message went on."""

import re

import pytest
from django.utils.translation import gettext as _

from accounts.consent.selectors import consent_channels
from accounts.consent.services import consent_withdraw
from accounts.models import Consent, ConsentRecord
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
    import datetime

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
    sms = Delivery.objects.get(recipient=sms_only)
    token = re.search(r"/unsubscribe/([^/\s]+)/", sms.body).group(1)
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
    consent_withdraw(user=someone, purpose=CAMPAIGNS, channels=["in_app"], source="settings page")
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
    assert (record.channel, record.source) == ("sms", f"unsubscribe link (campaign message {message.pk})")
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
