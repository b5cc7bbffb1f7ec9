"""Zalo (ZNS): the HTTP backend against the stub speaking Zalo's contract, each answer's class, the
fallback to SMS (once, and only where SMS may carry the message), consent, quiet hours, codes."""

import datetime
import json
import re

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.consent.services import consent_withdraw
from accounts.messaging import SMS, AccountMessage
from accounts.models import Consent, ContactPreference, OneTimeCode
from accounts.preferences import preferences_save
from core.localtime import local_time
from outreach.account_messages import account_message_send
from outreach.campaigns.links import unsubscribe_token_read
from outreach.campaigns.messages import campaign_message_plan, campaign_message_send
from outreach.delivery.channels import (
    FallbackDeliveryError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
)
from outreach.delivery.outbox import deliveries_plan
from outreach.delivery.sending import deliveries_send
from outreach.delivery.zalo.channel import FileZaloBackend, HttpZaloBackend, template_data, tracking_id
from outreach.delivery.zalo.fallback import fallback_key, sms_refusal, zalo_fallback
from outreach.models import CAMPAIGN_KIND, Delivery, MessageKind, ReminderSetting
from outreach.personal_data import export as personal_data_export
from tests.accounts.factories import UserFactory
from tests.outreach.factories import campaign_create, message_create, person, segment_create
from tests.outreach.support import assign, due, jsonl, local, servant, today_local, training_course, tree
from tests.support.zalo_stub import ZaloBehaviour, sent_calls, zalo_start, zalo_stop

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.DELIVERY_RATE_LIMITS = {}


@pytest.fixture
def stub(settings):
    behaviour = ZaloBehaviour(not_on_zalo={"84912000999"})
    server, url = zalo_start(behaviour)
    settings.ZALO_BACKEND = "outreach.delivery.zalo.channel.HttpZaloBackend"
    settings.ZALO_API_URL = url
    settings.ZALO_ACCESS_TOKEN = behaviour.token
    yield behaviour
    zalo_stop(server)


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return settings.SMS_FILE_PATH


@pytest.fixture
def now():
    return local(today_local(), 10)


def _backend_send(backend, phone="84912000111", template="kns-dev-training-due"):
    return backend.send(phone=phone, template_id=template, data={"customer_name": "An"}, tracking="7.abc")


# The backend and the contract -----------------------------------------------------------------


def test_the_http_backend_sends_zalos_request_and_reads_its_answer(stub):
    backend = HttpZaloBackend()
    msg_id = _backend_send(backend)
    assert msg_id and len(msg_id) == 32
    call = stub.calls[0]
    assert call["token"] == stub.token
    assert call["body"] == {
        "phone": "84912000111",
        "template_id": "kns-dev-training-due",
        "template_data": {"customer_name": "An"},
        "tracking_id": "7.abc",
    }


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (-118, FallbackDeliveryError),  # Zalo account not existed
        (-114, FallbackDeliveryError),  # inactive, refused, outdated Zalo
        (-109, FallbackDeliveryError),  # template id invalid
        (-112, FallbackDeliveryError),  # template data invalid
        (-115, TemporaryDeliveryError),  # out of quota
        (-124, TemporaryDeliveryError),  # access token invalid
        (-100, TemporaryDeliveryError),  # unknown error: try again later
        (-108, PermanentDeliveryError),  # phone number invalid
        (-999, PermanentDeliveryError),  # a code we do not know
        ("http:503", TemporaryDeliveryError),
        ("http:429", TemporaryDeliveryError),
        ("http:400", PermanentDeliveryError),
    ],
)
def test_each_documented_answer_is_one_of_our_outcomes(stub, answer, outcome):
    stub.answers = [answer]
    with pytest.raises(outcome) as error:
        _backend_send(HttpZaloBackend())
    assert str(answer).removeprefix("http:") in str(error.value)


def test_the_stubs_own_rules_wrong_token_unknown_number_refused_template(stub):
    with pytest.raises(TemporaryDeliveryError, match="-124"):
        _backend_send(HttpZaloBackend(token="stale"))
    with pytest.raises(FallbackDeliveryError, match="-118"):
        _backend_send(HttpZaloBackend(), phone="84912000999")
    stub.refused_templates.add("kns-dev-refused")
    with pytest.raises(FallbackDeliveryError, match="-109"):
        _backend_send(HttpZaloBackend(), template="kns-dev-refused")


def test_a_slow_or_unreachable_provider_is_temporary(stub):
    stub.answers, stub.slow_seconds = ["slow"], 1.0
    with pytest.raises(TemporaryDeliveryError):
        _backend_send(HttpZaloBackend(timeout=0.3))
    with pytest.raises(TemporaryDeliveryError, match="unreachable"):
        _backend_send(HttpZaloBackend(url="http://127.0.0.1:9/message/template", timeout=0.5))


def test_template_data_takes_our_placeholders_and_cuts_them_to_zalos_lengths(settings):
    template = settings.ZALO_TEMPLATES["training_due_soon"]
    data = template_data(template, {"name": "Nguyễn Thị Một Cái Tên Rất Dài Hơn Ba Mươi", "course": "An toàn"})
    assert data["customer_name"] == "Nguyễn Thị Một Cái Tên Rất Dài Hơn Ba Mươi"[:30]
    assert data["course_name"] == "An toàn" and data["due_date"] == ""


# Reminders by Zalo, and the fallback -----------------------------------------------------------


def _reminders(home_page, phones, channels=("zalo",)):
    units = tree()
    course = training_course(home_page)
    people = []
    for phone in phones:
        person = servant(units["commune"], phone=phone)
        preferences_save(person, channels=list(channels), purposes={})
        people.append(person)
    assign(course, [units["commune"]])
    for person in people:
        due(person, today_local() + 7 * DAY)
    return people


def test_a_reminder_goes_by_zalo_with_its_templates_parameters(home_page, stub, sms_file, now):
    (person,) = _reminders(home_page, ["0912000111"])
    deliveries_plan(now=now, enqueue=False)
    row = Delivery.objects.get(recipient=person)
    assert (row.channel, row.status, row.address, row.kind) == ("zalo", "planned", "0912000111", "training_due_soon")
    assert row.context["zalo"]["course"] == "An toàn thông tin cơ bản" and row.context["sms"]
    assert deliveries_send(ids=[row.pk], now=now).counts["sent"] == 1
    row.refresh_from_db()
    assert row.status == "sent"
    (call,) = stub.calls
    assert call["body"]["phone"] == "84912000111"
    assert call["body"]["tracking_id"] == tracking_id(pk=row.pk, key=row.idempotency_key)
    data = call["body"]["template_data"]
    assert data["course_name"] == "An toàn thông tin cơ bản" and data["days"] == "7"
    assert data["due_date"] == (today_local() + 7 * DAY).strftime("%d/%m/%Y")
    assert data["link"].startswith("http://testserver/learn/training/")
    assert jsonl(sms_file) == []
    # Sent twice (a duplicate task): nothing more.
    assert deliveries_send(ids=[row.pk], now=now).counts == {}
    assert len(stub.calls) == 1


def test_a_number_not_on_zalo_gets_the_sms_instead_once(home_page, stub, sms_file, now):
    (person,) = _reminders(home_page, ["0912000999"])
    deliveries_plan(now=now, enqueue=False)
    zalo = Delivery.objects.get(recipient=person)
    result = deliveries_send(ids=[zalo.pk], now=now)
    assert result.counts["fallback"] == 1
    zalo.refresh_from_db()
    assert (zalo.status, zalo.reason) == ("cancelled", "zalo_fallback") and "-118" in zalo.last_error
    sms = Delivery.objects.get(recipient=person, channel="sms")
    assert sms.idempotency_key == fallback_key(zalo.idempotency_key) == zalo.idempotency_key[:-5] + ":sms"
    assert sms.context["fallback_of"] == zalo.pk and "zalo" not in sms.context
    assert sms.body == zalo.context["sms"]
    # The SMS goes (as its queued task would send it), once; the Zalo row and the SMS never again.
    for _run in range(2):
        deliveries_send(ids=[zalo.pk, sms.pk], now=now)
    sms.refresh_from_db()
    assert sms.status == "sent"
    assert [line["reference"] for line in jsonl(sms_file)] == [sms.idempotency_key]
    assert len(stub.calls) == 1 and sent_calls(stub) == []
    # The beat's next pass plans nothing again.
    deliveries_plan(now=now, enqueue=False)
    assert Delivery.objects.filter(recipient=person).count() == 2


def test_a_person_on_zalo_and_sms_is_not_sent_the_sms_twice_by_the_fallback(home_page, stub, sms_file, now):
    (person,) = _reminders(home_page, ["0912000999"], channels=("zalo", "sms"))
    deliveries_plan(now=now, enqueue=False)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    deliveries_send(ids=ids, now=now)
    deliveries_send(ids=ids, now=now)
    assert Delivery.objects.filter(recipient=person).count() == 2
    assert {(d.channel, d.status) for d in Delivery.objects.all()} == {("zalo", "cancelled"), ("sms", "sent")}
    assert len(jsonl(sms_file)) == 1


def test_the_fallback_twice_for_one_claim_writes_one_sms(home_page, stub, sms_file, now):
    (person,) = _reminders(home_page, ["0912000999"])
    deliveries_plan(now=now, enqueue=False)
    zalo = Delivery.objects.get(recipient=person)
    Delivery.objects.filter(pk=zalo.pk).update(status="sending", claim="tok")
    row = (
        Delivery.objects.filter(pk=zalo.pk)
        .values(
            "pk",
            "recipient_id",
            "kind",
            "channel",
            "idempotency_key",
            "subject_id",
            "sequence",
            "context",
            "address",
            "subject",
            "body",
            "language",
        )
        .get()
    )
    error = FallbackDeliveryError("zalo -118")
    assert zalo_fallback(row=row, token="tok", error=error, now=now) == "fallback"
    assert zalo_fallback(row=row, token="tok", error=error, now=now) == ""
    assert zalo_fallback(row=row, token="other", error=error, now=now) == ""
    assert Delivery.objects.filter(channel="sms").count() == 1


def test_no_fallback_without_an_sms_provider(home_page, stub, settings, now):
    settings.SMS_BACKEND = ""
    (person,) = _reminders(home_page, ["0912000999"])
    deliveries_plan(now=now, enqueue=False)
    zalo = Delivery.objects.get(recipient=person)
    assert deliveries_send(ids=[zalo.pk], now=now).counts["failed"] == 1
    zalo.refresh_from_db()
    assert zalo.status == "failed" and "-118" in zalo.last_error
    assert not Delivery.objects.filter(channel="sms").exists()


def test_a_kind_without_a_template_goes_by_sms(home_page, stub, sms_file, settings, now):
    settings.ZALO_TEMPLATES = {}
    (person,) = _reminders(home_page, ["0912000111"])
    deliveries_plan(now=now, enqueue=False)
    zalo = Delivery.objects.get(recipient=person)
    deliveries_send(ids=[zalo.pk], now=now)
    assert stub.calls == []
    sms = Delivery.objects.get(recipient=person, channel="sms")
    deliveries_send(ids=[sms.pk], now=now)
    assert Delivery.objects.get(pk=sms.pk).status == "sent"


def test_quiet_hours_hold_zalo_messages_as_sms(home_page, stub, sms_file):
    (person,) = _reminders(home_page, ["0912000111"])
    evening = local(today_local(), 22, 30)
    deliveries_plan(now=evening, enqueue=False)
    zalo = Delivery.objects.get(recipient=person)
    assert zalo.not_before == local(today_local() + DAY, 7)
    Delivery.objects.filter(pk=zalo.pk).update(not_before=None)
    assert deliveries_send(ids=[zalo.pk], now=evening).counts["held"] == 1
    assert stub.calls == []


def test_a_temporary_answer_is_retried_then_sent(home_page, stub, sms_file, now):
    (person,) = _reminders(home_page, ["0912000111"])
    deliveries_plan(now=now, enqueue=False)
    zalo = Delivery.objects.get(recipient=person)
    stub.answers = [-115]
    assert deliveries_send(ids=[zalo.pk], now=now).counts["retry"] == 1
    zalo.refresh_from_db()
    assert zalo.status == "planned" and "-115" in zalo.last_error
    assert deliveries_send(ids=[zalo.pk], now=zalo.not_before).counts["sent"] == 1
    assert not Delivery.objects.filter(channel="sms").exists()


def test_people_without_a_mobile_number_are_skipped_on_zalo(home_page, stub, now):
    units = tree()
    course = training_course(home_page)
    landline = servant(units["commune"], phone="02438123456")
    preferences_save(landline, channels=["zalo"], purposes={})
    assign(course, [units["commune"]])
    due(landline, today_local() + 7 * DAY)
    deliveries_plan(now=now, enqueue=False)
    row = Delivery.objects.get(recipient=landline)
    assert (row.channel, row.status, row.reason) == ("zalo", "skipped", "not_mobile")


# Consent: campaigns ---------------------------------------------------------------------------


def test_campaign_messages_go_by_zalo_only_with_consent_on_zalo_and_fall_back_only_with_consent_on_sms(
    home_page, stub, sms_file
):
    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)
    config.save()
    on_zalo = person(channels=["zalo"], phone="0912000111")
    zalo_only = person(channels=["zalo"], phone="0912000999")  # not on Zalo, no SMS consent
    both = person(channels=["zalo", "sms"], phone="0912000899")  # not on Zalo in this test: see below
    sms_only = person(channels=["sms"], phone="0912000799")
    silent = person(consent=None, phone="0912000699")
    preferences_save(silent, channels=["zalo"], purposes={})  # Zalo for reminders is not consent to campaigns
    stub.not_on_zalo.add("84912000899")
    message = message_create(campaign_create(home_page), segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    rows = {(d.recipient_id, d.channel): d for d in Delivery.objects.filter(kind=CAMPAIGN_KIND)}
    assert set(rows) == {
        (on_zalo.pk, "zalo"),
        (zalo_only.pk, "zalo"),
        (both.pk, "zalo"),
        (both.pk, "sms"),
        (sms_only.pk, "sms"),
    }
    # The Zalo variant carries its own unsubscribe link (the Zalo channel's), as a parameter too.
    zalo = rows[(on_zalo.pk, "zalo")]
    token = re.search(r"/unsubscribe/([^/\s]+)/", zalo.context["zalo"]["unsubscribe"]).group(1)
    assert unsubscribe_token_read(token=token)[1:] == (on_zalo.pk, "zalo")
    ids = [d.pk for d in rows.values()]
    for _run in range(2):
        deliveries_send(ids=ids, now=timezone.now())
        deliveries_send(ids=list(Delivery.objects.values_list("pk", flat=True)), now=timezone.now())
    after = {(d.recipient_id, d.channel): d for d in Delivery.objects.filter(kind=CAMPAIGN_KIND)}
    assert set(after) == set(rows)  # no fallback row: "both" had its SMS already, "zalo_only" no consent
    assert after[(on_zalo.pk, "zalo")].status == "sent"
    refused = after[(zalo_only.pk, "zalo")]
    assert refused.status == "failed" and "-118" in refused.last_error
    assert after[(both.pk, "zalo")].reason == "zalo_fallback" and after[(both.pk, "sms")].status == "sent"
    assert sorted(line["to"] for line in jsonl(sms_file)) == ["0912000799", "0912000899"]
    assert [call["body"]["phone"] for call in sent_calls(stub)] == ["84912000111"]
    data = sent_calls(stub)[0]["body"]["template_data"]
    assert data["campaign"] == message.campaign.title and "/unsubscribe/" in data["unsubscribe"]


def test_the_fallback_rule_per_purpose(home_page):
    zalo_only = person(channels=["zalo"], phone="0912000999")
    both = person(channels=["zalo", "sms"], phone="0912000899")
    base = {"kind": CAMPAIGN_KIND, "address": "0912000999", "context": {}}
    assert sms_refusal({**base, "recipient_id": zalo_only.pk}) == "no_sms_consent"
    assert sms_refusal({**base, "recipient_id": both.pk}) == ""
    # Mandatory training: no purpose to refuse; service notices: unless refused.
    assert sms_refusal({**base, "kind": MessageKind.TRAINING_DUE_SOON, "recipient_id": zalo_only.pk}) == ""
    assert sms_refusal({**base, "kind": MessageKind.COURSE_NUDGE, "recipient_id": zalo_only.pk}) == ""
    consent_withdraw(user=zalo_only, purpose=Consent.Purpose.COURSE_NUDGES, channels=[""], source="settings")
    assert sms_refusal({**base, "kind": MessageKind.COURSE_NUDGE, "recipient_id": zalo_only.pk}) == "opted_out"
    assert sms_refusal(
        {**base, "kind": MessageKind.TRAINING_DUE_SOON, "address": "02438123456", "recipient_id": 1}
    ) == ("not_mobile")


# One-time codes, and the development backend -------------------------------------------------------


def _code_message(user, key):
    code = OneTimeCode.objects.create(
        user=user,
        purpose=OneTimeCode.Purpose.PASSWORD_RESET,
        address=user.phone,
        code_hash="x",
        expires_at=timezone.now() + datetime.timedelta(minutes=10),
    )
    return AccountMessage(
        kind="code",
        channel=SMS,
        user_id=user.pk,
        address=user.phone,
        body="Kỹ Năng Số: 123456 là mã của bạn.",
        key=f"account-code:{code.pk}:{key}:sms",
        expires_at=code.expires_at,
        urgent=True,
        secret=True,
        context={"code_id": code.pk, "purpose": code.purpose},
        values={"code": "123456", "minutes": 10},
    )


def test_a_code_goes_by_zalo_to_who_chose_it_and_its_secret_is_not_kept(settings, tmp_path, sms_file, now):
    settings.ZALO_FILE_PATH = str(tmp_path / "zalo.jsonl")
    on_zalo = UserFactory(phone="0912000111")
    preferences_save(on_zalo, channels=["zalo"], purposes={})
    by_sms = UserFactory(phone="0912000222")
    with transaction.atomic():
        account_message_send(_code_message(on_zalo, "a"))
        account_message_send(_code_message(by_sms, "b"))
    zalo = Delivery.objects.get(recipient=on_zalo)
    assert (zalo.channel, zalo.idempotency_key[-5:]) == ("zalo", ":zalo")
    assert Delivery.objects.get(recipient=by_sms).channel == "sms"
    deliveries_send(ids=list(Delivery.objects.values_list("pk", flat=True)), now=timezone.now())
    (line,) = jsonl(settings.ZALO_FILE_PATH)
    assert line["phone"] == "84912000111" and line["template_data"] == {"otp": "123456", "minutes": "10"}
    zalo.refresh_from_db()
    assert zalo.status == "sent" and "123456" not in json.dumps(zalo.context) + zalo.body
    assert zalo.context["code_id"]  # the delivery log still names the code's purpose
    assert [entry["to"] for entry in jsonl(sms_file)] == ["0912000222"]


def test_a_code_to_a_number_not_on_zalo_comes_by_sms_at_once_even_in_quiet_hours(settings, tmp_path, sms_file):
    settings.ZALO_FILE_PATH = str(tmp_path / "zalo.jsonl")
    settings.ZALO_FILE_NOT_ON_ZALO = ("99",)
    person = UserFactory(phone="0912000999")
    preferences_save(person, channels=["zalo"], purposes={})
    with transaction.atomic():
        account_message_send(_code_message(person, "c"))
    night = timezone.now()
    config = ReminderSetting.load()  # quiet hours now: a code is not held, nor its SMS
    config.quiet_hours_start = (local_time(night) - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    config.quiet_hours_end = (local_time(night) + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    config.save()
    zalo = Delivery.objects.get(recipient=person)
    assert deliveries_send(ids=[zalo.pk], now=night).counts["fallback"] == 1
    sms = Delivery.objects.get(recipient=person, channel="sms")
    assert sms.not_before is None and "123456" in sms.body
    zalo.refresh_from_db()
    assert "123456" not in json.dumps(zalo.context) + zalo.body
    deliveries_send(ids=[sms.pk], now=night)
    assert [entry["to"] for entry in jsonl(sms_file)] == ["0912000999"]
    assert jsonl(settings.ZALO_FILE_PATH) == []


def test_the_file_backend_records_a_tracking_id_once(tmp_path, settings):
    settings.ZALO_FILE_NOT_ON_ZALO = ("99",)
    first, second = FileZaloBackend(str(tmp_path / "z.jsonl")), FileZaloBackend(str(tmp_path / "z.jsonl"))
    msg_id = first.send(phone="84912000111", template_id="t", data={"a": "1"}, tracking="1.x")
    assert second.send(phone="84912000111", template_id="t", data={"a": "1"}, tracking="1.x") == msg_id
    assert len(jsonl(tmp_path / "z.jsonl")) == 1
    with pytest.raises(FallbackDeliveryError):
        first.send(phone="84912000199", template_id="t", data={}, tracking="2.x")
    with pytest.raises(FallbackDeliveryError):
        first.send(phone="84912000111", template_id="refused-t", data={}, tracking="3.x")


# Where people choose Zalo -------------------------------------------------------------------------


def test_people_choose_zalo_and_agree_to_campaign_news_on_it_in_their_settings(client):
    person = UserFactory(phone_only=True)
    client.force_login(person)
    html = client.get("/account/notifications/").content.decode()
    assert 'value="zalo"' in html and 'name="campaigns_zalo"' in html
    response = client.post("/account/notifications/", {"channels": ["zalo"], "campaigns_zalo": "on"})
    assert response.status_code == 302
    preference = ContactPreference.objects.get(user=person)
    assert (preference.use_zalo, preference.use_sms, preference.use_email) == (True, False, False)
    assert set(
        Consent.objects.filter(user=person, purpose="campaigns", granted=True).values_list("channel", flat=True)
    ) == {"zalo"}
    assert personal_data_export(person)["notification_settings"]["by_zalo"] is True


def test_zalo_without_a_phone_number_is_refused_and_nothing_is_written(client):
    person = UserFactory(phone=None)
    client.force_login(person)
    html = client.get("/account/notifications/").content.decode()
    zalo_box = html[html.index('id="id_campaigns_zalo"') - 200 : html.index('id="id_campaigns_zalo"') + 50]
    assert "disabled" in zalo_box
    response = client.post("/account/notifications/", {"channels": ["zalo"], "campaigns_zalo": "on"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    assert not ContactPreference.objects.filter(user=person).exists()
    assert not Consent.objects.filter(user=person).exists()
