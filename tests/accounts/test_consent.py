"""Consent per purpose and per channel: the services, the record, the selectors, sign-up, the settings
page, the data migration, personal data, and the demo."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override

from accounts.consent.channels import CHANNEL_CODES
from accounts.consent.selectors import consent_channels, people_consenting
from accounts.consent.services import ConsentError, consent_give, consent_withdraw
from accounts.models import Consent, ConsentRecord, ContactPreference, User
from accounts.personal_data import personal_data_erase, personal_data_export
from tests.accounts.factories import UserFactory
from tests.accounts.test_sign_up import SIGN_UP, sign_up_data

pytestmark = pytest.mark.django_db

CAMPAIGNS = Consent.Purpose.CAMPAIGNS
SETTINGS_URL = "/account/notifications/"


def answers(user):
    return dict(Consent.objects.filter(user=user, purpose=CAMPAIGNS).values_list("channel", "granted"))


# Services and the record --------------------------------------------------------------------------


def test_give_then_withdraw_keeps_every_change_with_time_source_and_notice_version(settings):
    settings.ACCOUNTS_PRIVACY_NOTICE_VERSION = "2026-11"
    person = UserFactory(with_phone=True)
    moment = timezone.now() - datetime.timedelta(hours=2)
    assert consent_give(user=person, purpose=CAMPAIGNS, channels=["sms", "email"], source="signup", at=moment) == [
        "sms",
        "email",
    ]
    settings.ACCOUNTS_PRIVACY_NOTICE_VERSION = "2027-01"
    assert consent_withdraw(user=person, purpose=CAMPAIGNS, channels=["sms"], source="settings") == ["sms"]
    assert answers(person) == {"email": True, "sms": False}
    records = list(
        ConsentRecord.objects.filter(user=person).values_list("channel", "granted", "source", "notice_version")
    )
    assert records == [
        ("sms", True, "signup", "2026-11"),
        ("email", True, "signup", "2026-11"),
        ("sms", False, "settings", "2027-01"),
    ]
    assert ConsentRecord.objects.filter(user=person, channel="sms", granted=True).get().at == moment


def test_the_same_answer_again_changes_and_records_nothing():
    person = UserFactory()
    consent_give(user=person, purpose=CAMPAIGNS, channels=["email"], source="settings")
    before = Consent.objects.get(user=person, purpose=CAMPAIGNS, channel="email").at
    assert consent_give(user=person, purpose=CAMPAIGNS, channels=["email"], source="settings") == []
    assert ConsentRecord.objects.filter(user=person).count() == 1
    assert Consent.objects.get(user=person, purpose=CAMPAIGNS, channel="email").at == before


def test_consent_on_a_channel_the_person_cannot_be_reached_on_is_refused_and_writes_nothing():
    person = UserFactory()  # e-mail only
    with pytest.raises(ConsentError):
        consent_give(user=person, purpose=CAMPAIGNS, channels=["in_app", "sms"], source="import")
    with pytest.raises(ConsentError):
        consent_give(user=person, purpose=CAMPAIGNS, channels=["zalo"], source="import")
    with pytest.raises(ConsentError):
        consent_give(user=person, purpose="marketing", channels=["email"], source="import")
    # Service notices are answered for every channel at once.
    with pytest.raises(ConsentError):
        consent_withdraw(user=person, purpose=Consent.Purpose.COURSE_NUDGES, channels=["email"], source="import")
    assert not Consent.objects.filter(user=person).exists() and not ConsentRecord.objects.exists()
    # Withdrawing is always possible.
    assert consent_withdraw(user=person, purpose=CAMPAIGNS, channels=["sms"], source="import") == ["sms"]


def test_one_answer_per_person_purpose_and_channel_and_the_record_is_append_only():
    person = UserFactory()
    consent_give(user=person, purpose=CAMPAIGNS, channels=["email"], source="import")
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(user=person, purpose=CAMPAIGNS, channel="email", granted=False)
    record = ConsentRecord.objects.get(user=person)
    record.granted = False
    with pytest.raises(ValueError):
        record.save()


def test_selectors_count_consent_only_on_channels_people_can_be_reached_on():
    email_only = UserFactory()
    both = UserFactory(with_phone=True)
    UserFactory()  # never answered: silence is not consent
    consent_give(user=email_only, purpose=CAMPAIGNS, channels=["email"], source="import")
    consent_give(user=both, purpose=CAMPAIGNS, channels=["sms"], source="import")
    everyone = User.objects.all()
    assert set(people_consenting(people=everyone, purpose=CAMPAIGNS)) == {email_only, both}
    assert list(people_consenting(people=everyone, purpose=CAMPAIGNS, channel="sms")) == [both]
    assert list(people_consenting(people=everyone, purpose=CAMPAIGNS, channel="email")) == [email_only]
    # A phone number removed later: the SMS consent stays on record but reaches nobody.
    User.objects.filter(pk=both.pk).update(phone=None)
    assert list(people_consenting(people=everyone, purpose=CAMPAIGNS)) == [email_only]
    assert consent_channels(user=both, purpose=CAMPAIGNS) == ["sms"]


# The data migration -----------------------------------------------------------------------------


def test_migration_carries_a_campaign_answer_over_to_the_then_current_channels():
    from importlib import import_module

    migration = import_module("accounts.migrations.0010_consent_per_channel_and_record")
    chose = UserFactory(with_phone=True)
    ContactPreference.objects.create(user=chose, use_email=False, use_sms=True, use_in_app=True)
    default = UserFactory()
    nudges = UserFactory()
    at = timezone.now() - datetime.timedelta(days=30)
    Consent.objects.create(user=chose, purpose=CAMPAIGNS, granted=True, at=at, source="roster file")
    Consent.objects.create(user=default, purpose=CAMPAIGNS, granted=False, at=at)
    Consent.objects.create(user=nudges, purpose=Consent.Purpose.COURSE_NUDGES, granted=False, at=at)
    migration.campaign_consent_per_channel(apps, None)
    assert answers(chose) == {"sms": True, "in_app": True}
    assert answers(default) == {"email": False}
    assert Consent.objects.get(user=nudges).channel == ""
    assert set(ConsentRecord.objects.filter(user=chose).values_list("channel", "source", "detail", "at")) == {
        ("sms", "import", "carried over: roster file", at),
        ("in_app", "import", "carried over: roster file", at),
    }


# Sign-up ------------------------------------------------------------------------------------------


def test_sign_up_offers_unticked_campaign_boxes_per_channel(client):
    html = client.get(SIGN_UP).content.decode()
    for code in CHANNEL_CODES:
        assert f'name="campaigns_{code}"' in html
    assert "checked" not in html


def test_sign_up_without_ticks_gives_no_campaign_consent(client):
    client.post(SIGN_UP, sign_up_data())
    user = User.objects.get(email="lan@example.vn")
    assert not Consent.objects.filter(user=user).exists() and not ConsentRecord.objects.filter(user=user).exists()


def test_sign_up_ticks_give_consent_on_the_channels_the_person_gave_a_contact_for(client, settings):
    settings.ACCOUNTS_PRIVACY_NOTICE_VERSION = "2026-11"
    # A phone number: SMS and the inbox; the ticked e-mail box is left out (no address).
    response = client.post(
        SIGN_UP, sign_up_data("0987 111 222", campaigns_sms="on", campaigns_in_app="on", campaigns_email="on")
    )
    assert response.status_code == 302
    user = User.objects.get(phone="0987111222")
    assert answers(user) == {"sms": True, "in_app": True}
    assert set(ConsentRecord.objects.filter(user=user).values_list("source", "notice_version")) == {
        ("signup", "2026-11")
    }


# The notification settings page --------------------------------------------------------------------


def test_settings_page_shows_campaign_consent_per_channel_and_explains_a_disabled_one(client):
    person = UserFactory(phone_only=True)
    consent_give(user=person, purpose=CAMPAIGNS, channels=["sms"], source="import")
    client.force_login(person)
    with override("vi"):
        html = client.get(SETTINGS_URL, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'name="campaigns_sms"' in html and 'id="id_campaigns_email"' in html
    email_box = html[html.index('id="id_campaigns_email"') - 200 : html.index('id="id_campaigns_email"') + 50]
    assert "disabled" in email_box
    sms_box = html[html.index('name="campaigns_sms"') - 20 : html.index('name="campaigns_sms"') + 120]
    assert "checked" in sms_box


def test_settings_page_gives_and_withdraws_campaign_consent_per_channel(client):
    person = UserFactory(phone_only=True)
    client.force_login(person)
    form = {"channels": ["sms"], "course_nudges": "on", "certificate_notices": "on"}
    response = client.post(SETTINGS_URL, {**form, "campaigns_sms": "on", "campaigns_in_app": "on"})
    assert response.status_code == 302
    assert answers(person) == {"sms": True, "in_app": True}
    # A disabled channel (no address) cannot be ticked by posting it anyway.
    client.post(SETTINGS_URL, {**form, "campaigns_in_app": "on", "campaigns_email": "on"})
    assert answers(person) == {"sms": False, "in_app": True}
    assert ConsentRecord.objects.filter(user=person, purpose=CAMPAIGNS, source="settings").count() == 3
    # Saving again without change records nothing more; service notices kept their meaning.
    client.post(SETTINGS_URL, {**form, "campaigns_in_app": "on"})
    assert ConsentRecord.objects.filter(user=person, purpose=CAMPAIGNS).count() == 3
    assert Consent.objects.get(user=person, purpose=Consent.Purpose.COURSE_NUDGES).channel == ""


def test_settings_page_changes_only_the_signed_in_person(client):
    person, other = UserFactory(), UserFactory()
    client.force_login(person)
    form = {"channels": ["email"], "campaigns_email": "on", "user": other.pk, "user_id": other.pk}
    client.post(f"{SETTINGS_URL}?user={other.pk}", form)
    assert answers(person) == {"email": True}
    assert not Consent.objects.filter(user=other).exists()


def test_an_unticked_box_of_someone_who_never_answered_stays_silence(client):
    person = UserFactory()
    client.force_login(person)
    client.post(SETTINGS_URL, {"channels": ["email"]})
    assert not Consent.objects.filter(user=person, purpose=CAMPAIGNS).exists()


# Personal data ----------------------------------------------------------------------------------


def test_export_has_the_consents_and_their_record_and_erasure_removes_them():
    person = UserFactory(with_phone=True)
    consent_give(user=person, purpose=CAMPAIGNS, channels=["sms"], source="signup")
    consent_withdraw(user=person, purpose=CAMPAIGNS, channels=["sms"], source="unsubscribe")
    data = personal_data_export(person)
    assert data["consents"] == [
        {
            "purpose": "campaigns",
            "channel": "sms",
            "given": False,
            "at": data["consents"][0]["at"],
            "how": "unsubscribe",
        }
    ]
    assert [(r["channel"], r["given"], r["how"]) for r in data["consent_record"]] == [
        ("sms", True, "signup"),
        ("sms", False, "unsubscribe"),
    ]
    assert all(r["privacy_notice_version"] for r in data["consent_record"])
    personal_data_erase(person)
    assert not Consent.objects.exists() and not ConsentRecord.objects.exists()


# Demo -------------------------------------------------------------------------------------------


def test_demo_people_get_campaign_consent_through_the_service_and_keep_a_withdrawal():
    from accounts.demo import demo_consents_seed, demo_people_seed

    demo_people_seed()
    consenting = people_consenting(people=User.objects.all(), purpose=CAMPAIGNS)
    assert 3 <= consenting.count() < User.objects.count()
    assert set(ConsentRecord.objects.values_list("source", flat=True)) == {"demo"}
    citizen = User.objects.get(phone="0912345678")
    assert consent_channels(user=citizen, purpose=CAMPAIGNS) == ["sms", "in_app"]
    consent_withdraw(user=citizen, purpose=CAMPAIGNS, channels=["sms"], source="unsubscribe")
    demo_consents_seed()
    assert consent_channels(user=citizen, purpose=CAMPAIGNS) == ["in_app"]
