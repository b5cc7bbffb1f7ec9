"""Reminders in-process: what is planned, for whom, on which channel, once; what the sender does.

The real-worker scenarios (and the worker killed mid-batch) are in test_reminders_worker.py.
"""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Consent, ContactPreference, User
from accounts.personal_data import personal_data_erase, personal_data_export
from accounts.preferences import preferences_save
from courses.certificates.services import certificate_issue
from courses.learning import services
from courses.models import Assignment, Certificate, Enrolment
from outreach.delivery import rate_limit
from outreach.delivery.channels import (
    Channel,
    FileSmsBackend,
    HttpGatewaySmsBackend,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    message_id_for,
)
from outreach.delivery.kinds import reason_label
from outreach.delivery.outbox import deliveries_enqueue, deliveries_plan, deliveries_recover, quiet_until
from outreach.delivery.sending import deliveries_send, delivery_resend_prepare
from outreach.delivery.texts import placeholders_check
from outreach.models import Delivery, MessageKind, MessageTemplate, ReminderSetting
from outreach.reminders.defaults import DEFAULT_TEMPLATES
from outreach.reminders.models import PLACEHOLDERS
from tests.accounts.factories import UserFactory
from tests.outreach.support import (
    assign,
    due,
    jsonl,
    local,
    send_due,
    servant,
    today_local,
    training_course,
    tree,
)
from tests.support.sms_gateway import GatewayBehaviour, gateway_start, gateway_stop

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def units(db):
    return tree()


@pytest.fixture
def course(home_page):
    return training_course(home_page)


@pytest.fixture
def today():
    return today_local()


@pytest.fixture
def now(today):
    return local(today, 10)


def plan(now):
    return deliveries_plan(now=now, enqueue=False)


def rows(**filters):
    return list(Delivery.objects.filter(**filters).order_by("pk"))


# Templates --------------------------------------------------------------------------------------


def test_every_default_template_uses_only_its_kinds_placeholders():
    assert set(DEFAULT_TEMPLATES) == set(MessageKind.values)
    for kind, texts in DEFAULT_TEMPLATES.items():
        for field, text in texts.items():
            assert placeholders_check(text, PLACEHOLDERS[kind]) == [], (kind, field)
    # The data migration created them.
    assert set(MessageTemplate.objects.values_list("kind", flat=True)) == set(MessageKind.values)


def test_a_template_with_an_unknown_placeholder_is_rejected_when_saved():
    template = MessageTemplate.objects.get(kind=MessageKind.TRAINING_DUE_SOON)
    template.body_vi = "Chào {name}, hạn {due_date}, mã {code}"
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "body_vi" in error.value.message_dict
    assert "{code}" in error.value.message_dict["body_vi"][0]
    # A certificate notice may use {code}.
    assert placeholders_check("Mã {code}", PLACEHOLDERS[MessageKind.CERTIFICATE_ISSUED]) == []


@pytest.mark.parametrize("text", ["{}", "{0}", "{name.__class__}", "{name[0]}", "{name!r}", "{days:>5}", "{name"])
def test_templates_take_plain_names_only(text):
    assert placeholders_check(text, PLACEHOLDERS[MessageKind.TRAINING_DUE_SOON])


def test_literal_braces_are_allowed():
    assert placeholders_check("{{name}} là {name}", {"name"}) == []


# Mandatory training ---------------------------------------------------------------------------


def test_due_soon_reminders_go_at_14_7_and_1_days_once_each(units, course, now, today):
    people = {days: servant(units["commune"]) for days in (20, 14, 10, 7, 3, 1)}
    assign(course, [units["commune"]])
    for days, person in people.items():
        due(person, today + days * DAY)
    result = plan(now)
    assert result["planned"][MessageKind.TRAINING_DUE_SOON] == {"planned": 5}
    planned = {d.recipient_id: d for d in rows(kind=MessageKind.TRAINING_DUE_SOON)}
    assert people[20].pk not in planned
    assert {days: planned[person.pk].sequence for days, person in people.items() if days != 20} == {
        14: 14,
        10: 14,
        7: 7,
        3: 7,
        1: 1,
    }
    message = planned[people[10].pk]
    assert message.channel == "email" and message.address == people[10].email
    assert "10" in message.subject and (today + 10 * DAY).strftime("%d/%m/%Y") in message.body
    assert "http://testserver/learn/training/" in message.body
    # A second tick (or a duplicate) plans nothing new.
    assert plan(now)["planned"] == {}
    assert Delivery.objects.count() == 5


def test_due_today_and_overdue_on_day_one_then_weekly(units, course, now, today):
    on_the_day, late = servant(units["commune"]), servant(units["commune"])
    assign(course, [units["commune"]])
    due(on_the_day, today)
    due(late, today - DAY)
    plan(now)
    assert [d.recipient_id for d in rows(kind=MessageKind.TRAINING_DUE_TODAY)] == [on_the_day.pk]
    assert [(d.recipient_id, d.sequence) for d in rows(kind=MessageKind.TRAINING_OVERDUE)] == [(late.pk, 0)]
    # Days 2 to 7 overdue: nothing new; day 8: the second; day 15: the third.
    for days in range(1, 7):
        plan(now + days * DAY)
    assert len(rows(kind=MessageKind.TRAINING_OVERDUE, recipient=late)) == 1
    plan(now + 7 * DAY)
    plan(now + 14 * DAY)
    assert [d.sequence for d in rows(kind=MessageKind.TRAINING_OVERDUE, recipient=late)] == [0, 1, 2]


def test_an_extension_plans_reminders_for_the_new_date(units, course, now, today):
    person = servant(units["commune"])
    assign(course, [units["commune"]])
    due(person, today + 7 * DAY)
    plan(now)
    due(person, today + 14 * DAY)
    plan(now)
    assert [d.sequence for d in rows(kind=MessageKind.TRAINING_DUE_SOON)] == [7, 14]
    # The first was planned for the old date: cancelled when its turn comes.
    send_due(now)
    assert [d.status for d in rows(kind=MessageKind.TRAINING_DUE_SOON)] == ["cancelled", "sent"]
    assert rows(kind=MessageKind.TRAINING_DUE_SOON)[0].reason == "due_changed"


def test_manager_digest_one_message_per_manager_per_week_listing_their_people(units, course, now, today):
    manager = servant(units["province"], full_name="Trưởng Tỉnh")
    units["province"].managers.add(manager)
    commune_manager = servant(units["commune"], full_name="Trưởng Xã")
    units["commune"].managers.add(commune_manager)
    late = [servant(units["commune"], full_name="Lê Văn Trễ"), servant(units["other"], full_name="Trần Thị Muộn")]
    on_time = servant(units["commune"], full_name="Phạm Đúng Hạn")
    assign(course, [units["province"]])
    Assignment.objects.update(due_on=today + 30 * DAY)
    for person in late:
        due(person, today - 3 * DAY)
    ReminderSetting.objects.update_or_create(pk=ReminderSetting.load().pk, defaults={"digest_weekday": 0})
    plan(now)
    digests = {d.recipient_id: d for d in rows(kind=MessageKind.MANAGER_DIGEST)}
    assert set(digests) == {manager.pk, commune_manager.pk}
    assert "Lê Văn Trễ" in digests[manager.pk].body and "Trần Thị Muộn" in digests[manager.pk].body
    assert on_time.full_name not in digests[manager.pk].body
    assert "2 người quá hạn" in digests[manager.pk].subject
    # The commune's manager sees only the commune.
    assert "Lê Văn Trễ" in digests[commune_manager.pk].body
    assert "Trần Thị Muộn" not in digests[commune_manager.pk].body
    # Same week: nothing new; next week: one more each.
    plan(now + DAY)
    assert len(rows(kind=MessageKind.MANAGER_DIGEST)) == 2
    plan(now + 7 * DAY)
    assert len(rows(kind=MessageKind.MANAGER_DIGEST)) == 4


def test_digest_is_cancelled_when_nobody_is_overdue_any_more(units, course, now, today):
    manager = servant(units["province"])
    units["province"].managers.add(manager)
    late = servant(units["commune"])
    assign(course, [units["commune"]])
    due(late, today - 2 * DAY)
    plan(now)
    Assignment.objects.filter(user=late).update(status="exempt")
    send_due(now)
    digest = rows(kind=MessageKind.MANAGER_DIGEST)[0]
    assert (digest.status, digest.reason) == ("cancelled", "nobody_overdue")


def test_completion_between_planning_and_sending_cancels_the_message(units, course, now, today):
    person = servant(units["commune"])
    assign(course, [units["commune"]])
    due(person, today + 7 * DAY)
    plan(now)
    for lesson in course.lessons():
        services.lesson_complete(user=person, lesson=lesson, course=course)
    assert Assignment.objects.get(user=person).status == "completed"
    result = send_due(now)
    assert result.counts["cancelled"] == 1
    reminder = rows(kind=MessageKind.TRAINING_DUE_SOON)[0]
    assert (reminder.status, reminder.reason) == ("cancelled", "done")
    assert [m.subject for m in mail.outbox] == []


# Channels, preferences, opt-outs -----------------------------------------------------------------


def test_email_carries_a_message_id_derived_from_the_key(units, course, now, today):
    person = servant(units["commune"])
    assign(course, [units["commune"]])
    due(person, today + DAY)
    plan(now)
    send_due(now)
    delivery = rows()[0]
    assert delivery.status == "sent" and delivery.sent_at is not None and delivery.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [person.email]
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id_for(delivery.idempotency_key)
    # Sending the same batch again sends nothing.
    send_due(now)
    deliveries_send(ids=[delivery.pk], now=now)
    assert len(mail.outbox) == 1


def test_mandatory_reminders_ignore_opt_outs_but_follow_the_chosen_channels(
    units, course, now, today, settings, tmp_path
):
    settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    person = servant(units["commune"], phone="0912000111")
    preferences_save(
        person,
        channels=["sms", "in_app"],
        purposes={Consent.Purpose.COURSE_NUDGES: False, Consent.Purpose.CERTIFICATE_NOTICES: False},
    )
    assign(course, [units["commune"]])
    due(person, today + 7 * DAY)
    plan(now)
    assert sorted(d.channel for d in rows()) == ["in_app", "sms"]
    send_due(now)
    assert mail.outbox == []
    sms = jsonl(settings.SMS_FILE_PATH)
    assert [line["to"] for line in sms] == ["0912000111"]
    # ASCII-folded SMS (Vietnamese marks would make each part 70 characters).
    assert sms[0]["text"].isascii()


def test_people_without_a_usable_address_are_skipped_with_the_reason(units, course, now, today):
    no_email = servant(units["commune"], email=None, phone="0912000222")
    ContactPreference.objects.create(user=no_email, use_email=True, use_sms=False, use_in_app=False)
    assign(course, [units["commune"]])
    due(no_email, today + DAY)
    plan(now)
    skipped = rows()[0]
    assert (skipped.status, skipped.reason, skipped.channel) == ("skipped", "no_email", "email")
    send_due(now)
    assert mail.outbox == []
    # Without a preference a phone-only person gets SMS.
    ContactPreference.objects.filter(user=no_email).delete()
    Delivery.objects.all().delete()
    plan(now)
    assert [(d.channel, d.status, d.address) for d in rows()] == [("sms", "planned", "0912000222")]


def test_a_landline_is_never_sent_an_sms(units, course, today, settings, tmp_path):
    # Before, an SMS to a landline was planned and paid for (the provider refused it).
    settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    landline = servant(units["commune"], phone="02438123456")
    preferences_save(landline, channels=["sms"], purposes={})
    assign(course, [units["commune"]])
    due(landline, today + 7 * DAY)
    plan(local(today, 10))
    assert [(d.channel, d.status, d.reason, d.address) for d in rows()] == [
        ("sms", "skipped", "not_mobile", "02438123456")
    ]
    assert str(reason_label("not_mobile")) == "Số máy bàn: không nhận được tin nhắn SMS"


def test_quiet_hours_hold_sms_until_seven_in_the_morning(units, course, today, settings, tmp_path):
    settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    by_sms = servant(units["commune"], phone="0912000333")
    preferences_save(by_sms, channels=["sms", "email"], purposes={})
    assign(course, [units["commune"]])
    due(by_sms, today + 7 * DAY)
    evening = local(today, 22, 30)
    plan(evening)
    sms = rows(channel="sms")[0]
    assert sms.not_before == local(today + DAY, 7)
    assert deliveries_send(ids=[d.pk for d in rows()], now=evening).counts["sent"] == 1  # the e-mail goes
    assert Delivery.objects.get(pk=sms.pk).status == "planned"
    # Planned before 21:00, sent during quiet hours: held back as well.
    Delivery.objects.filter(pk=sms.pk).update(not_before=None)
    result = deliveries_send(ids=[sms.pk], now=local(today + DAY, 3))
    assert result.counts["held"] == 1
    held = Delivery.objects.get(pk=sms.pk)
    assert (held.status, held.not_before, held.attempts) == ("planned", local(today + DAY, 7), 0)
    assert jsonl(settings.SMS_FILE_PATH) == []
    # Morning.
    assert deliveries_send(ids=[sms.pk], now=local(today + DAY, 7, 1)).counts["sent"] == 1
    assert len(jsonl(settings.SMS_FILE_PATH)) == 1


def test_quiet_until():
    day = datetime.date(2026, 11, 24)
    start, end = datetime.time(21), datetime.time(7)
    assert quiet_until(now=local(day, 20, 59), start=start, end=end) is None
    assert quiet_until(now=local(day, 21), start=start, end=end) == local(day + DAY, 7)
    assert quiet_until(now=local(day, 6, 59), start=start, end=end) == local(day, 7)
    assert quiet_until(now=local(day, 7), start=start, end=end) is None
    assert quiet_until(now=local(day, 12, 30), start=datetime.time(12), end=datetime.time(13)) == local(day, 13)


# Certificates and course nudges ---------------------------------------------------------------


def _complete(person, course):
    for lesson in course.lessons():
        services.lesson_complete(user=person, lesson=lesson, course=course)
    enrolment = Enrolment.objects.get(user=person, course=course, archived_at__isnull=True)
    return certificate_issue(enrolment=enrolment)


def test_certificate_issued_and_about_to_expire(home_page, now):
    course = training_course(home_page, title="Chữ ký số", slug="chu-ky-so", certificate_validity_months=12)
    citizen = UserFactory()
    certificate = _complete(citizen, course)
    assert certificate is not None
    plan(now)
    issued = rows(kind=MessageKind.CERTIFICATE_ISSUED)
    assert [d.subject_id for d in issued] == [certificate.pk]
    assert certificate.code in issued[0].body and f"/certificates/{certificate.code}/" in issued[0].body
    # 20 days before expiry: the notice; once.
    Certificate.objects.filter(pk=certificate.pk).update(issued_at=now - 340 * DAY, expires_at=now + 20 * DAY)
    plan(now)
    plan(now + DAY)
    expiring = rows(kind=MessageKind.CERTIFICATE_EXPIRING)
    assert [d.subject_id for d in expiring] == [certificate.pk]
    # Revoked before it is sent: cancelled.
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=now)
    send_due(now)
    assert {d.status for d in rows(kind=MessageKind.CERTIFICATE_EXPIRING)} == {"cancelled"}


def test_certificate_notices_respect_the_opt_out(home_page, now):
    course = training_course(home_page, title="Chữ ký số", slug="chu-ky-so")
    citizen = UserFactory()
    preferences_save(citizen, channels=["email"], purposes={Consent.Purpose.CERTIFICATE_NOTICES: False})
    _complete(citizen, course)
    plan(now)
    assert rows(kind=MessageKind.CERTIFICATE_ISSUED) == []


def test_course_nudges_every_n_days_at_most_k_times_and_stop_on_completion(home_page, now):
    course = training_course(home_page, title="Dịch vụ công", slug="dich-vu-cong")
    course_two = training_course(home_page, title="Chữ ký số", slug="chu-ky-so")
    citizen = UserFactory()
    services.enrolment_create(user=citizen, course=course)
    finished_soon = services.enrolment_create(user=citizen, course=course_two)
    Enrolment.objects.update(last_activity_at=now - 8 * DAY)
    config = ReminderSetting.load()
    config.inactivity_days, config.max_nudges = 7, 2
    config.save()
    plan(now)
    assert sorted(d.subject_id for d in rows(kind=MessageKind.COURSE_NUDGE)) == sorted(
        Enrolment.objects.values_list("pk", flat=True)
    )
    # Completing a course between planning and sending cancels its nudge.
    Enrolment.objects.filter(pk=finished_soon.pk).update(completed_at=now)
    send_due(now)
    assert {d.subject_id: d.status for d in rows(kind=MessageKind.COURSE_NUDGE)}[finished_soon.pk] == "cancelled"
    # Three days later: nothing (spaced 7 days); a week later: the second; then no more (K = 2).
    plan(now + 3 * DAY)
    plan(now + 7 * DAY)
    plan(now + 14 * DAY)
    plan(now + 21 * DAY)
    nudges = rows(kind=MessageKind.COURSE_NUDGE, subject_id=Enrolment.objects.get(course=course).pk)
    assert [d.sequence for d in nudges] == [1, 2]


def test_nudges_respect_the_opt_out_and_stop_when_the_learner_comes_back(home_page, now):
    course = training_course(home_page, title="Dịch vụ công", slug="dich-vu-cong")
    refuses, returns = UserFactory(), UserFactory()
    preferences_save(refuses, channels=["email"], purposes={Consent.Purpose.COURSE_NUDGES: False})
    for person in (refuses, returns):
        services.enrolment_create(user=person, course=course)
    Enrolment.objects.update(last_activity_at=now - 10 * DAY)
    plan(now)
    assert [d.recipient_id for d in rows(kind=MessageKind.COURSE_NUDGE)] == [returns.pk]
    Enrolment.objects.filter(user=returns).update(last_activity_at=now + datetime.timedelta(minutes=1))
    send_due(now + datetime.timedelta(minutes=2))
    assert rows(kind=MessageKind.COURSE_NUDGE)[0].reason == "active_again"


def test_opting_out_after_planning_cancels_the_message(home_page, now):
    course = training_course(home_page, title="Dịch vụ công", slug="dich-vu-cong")
    citizen = UserFactory()
    services.enrolment_create(user=citizen, course=course)
    Enrolment.objects.update(last_activity_at=now - 10 * DAY)
    plan(now)
    preferences_save(citizen, channels=["email"], purposes={Consent.Purpose.COURSE_NUDGES: False})
    send_due(now)
    nudge = rows(kind=MessageKind.COURSE_NUDGE)[0]
    assert (nudge.status, nudge.reason) == ("cancelled", "opted_out")
    assert mail.outbox == []


# Failures, retries, recovery -------------------------------------------------------------------


class _Failing(Channel):
    def __init__(self, error):
        self.error = error

    def send_many(self, messages):
        return [self.error for _message in messages]


def _one_reminder(units, course, today, now):
    person = servant(units["commune"])
    assign(course, [units["commune"]])
    due(person, today + DAY)
    plan(now)
    return rows()[0]


def test_temporary_errors_are_retried_with_backoff_then_fail_visibly(units, course, now, today, monkeypatch, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    settings.DELIVERY_RETRY_BASE_SECONDS = 30
    delivery = _one_reminder(units, course, today, now)
    monkeypatch.setattr(
        "outreach.delivery.sending.channel_for", lambda name: _Failing(TemporaryDeliveryError("SMTP 451 try later"))
    )
    result = deliveries_send(ids=[delivery.pk], now=now)
    assert result.retry_ids == [delivery.pk] and 30 <= result.retry_countdown <= 31
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("planned", 1)
    assert delivery.not_before >= now + datetime.timedelta(seconds=30) and "451" in delivery.last_error
    # Too early: not claimed.
    assert deliveries_send(ids=[delivery.pk], now=now).counts == {}
    later = delivery.not_before + datetime.timedelta(seconds=1)
    result = deliveries_send(ids=[delivery.pk], now=later)
    assert result.retry_countdown >= 60  # doubled
    delivery.refresh_from_db()
    result = deliveries_send(ids=[delivery.pk], now=delivery.not_before + datetime.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, result.retry_ids) == ("failed", 3, [])


def test_no_retry_waits_longer_than_the_brokers_visibility_timeout(settings):
    from outreach.delivery.sending import backoff_seconds
    from outreach.delivery.tasks import max_countdown

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    assert backoff_seconds(attempts=1) == settings.DELIVERY_RETRY_BASE_SECONDS
    assert backoff_seconds(attempts=100) + 1 < visibility
    assert max_countdown() < visibility
    # A batch stops taking messages well inside its soft time limit (and a provider call's timeout
    # fits in what is left); it renews its lease several times within one lease.
    from outreach.tasks import deliveries_send as task

    assert task.soft_time_limit > settings.DELIVERY_BATCH_BUDGET_SECONDS + settings.SMS_GATEWAY_TIMEOUT
    assert task.soft_time_limit > settings.DELIVERY_BATCH_BUDGET_SECONDS + settings.EMAIL_TIMEOUT
    assert settings.DELIVERY_HEARTBEAT_SECONDS + settings.SMS_GATEWAY_TIMEOUT < settings.DELIVERY_LEASE_SECONDS / 2
    assert task.acks_late and task.ignore_result


def test_provider_failure_then_success(units, course, now, today, monkeypatch):
    delivery = _one_reminder(units, course, today, now)
    monkeypatch.setattr("outreach.delivery.sending.channel_for", lambda name: _Failing(TemporaryDeliveryError("503")))
    deliveries_send(ids=[delivery.pk], now=now)
    monkeypatch.undo()
    delivery.refresh_from_db()
    deliveries_send(ids=[delivery.pk], now=delivery.not_before)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_permanent_failure_is_recorded_and_an_administrator_resends_it(
    units, course, now, today, monkeypatch, django_capture_on_commit_callbacks
):
    delivery = _one_reminder(units, course, today, now)
    monkeypatch.setattr(
        "outreach.delivery.sending.channel_for", lambda name: _Failing(PermanentDeliveryError("550 no such user"))
    )
    assert deliveries_send(ids=[delivery.pk], now=now).retry_ids == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("failed", "550 no such user")
    monkeypatch.undo()
    queued = []
    monkeypatch.setattr("outreach.tasks.delivery_resend.delay", queued.append)
    administrator = UserFactory(training_admin=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery_resend_prepare(delivery=delivery, user=administrator)
    assert queued == [delivery.pk]
    assert not delivery_resend_prepare(delivery=delivery, user=administrator)  # not failed any more
    deliveries_send(ids=[delivery.pk], now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


def test_rows_left_sending_by_a_dead_worker_are_planned_again(units, course, now, today, settings):
    delivery = _one_reminder(units, course, today, now)
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sending", claim="dead", claimed_at=now - datetime.timedelta(minutes=11), attempts=1
    )
    assert deliveries_recover(now=now) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.claim, delivery.queued_at) == ("planned", "", None)
    # After too many lost attempts: failed.
    settings.DELIVERY_MAX_ATTEMPTS = 2
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=now - DAY, attempts=2)
    deliveries_recover(now=now)
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_enqueue_batches_ids_and_does_not_queue_twice(
    units, course, now, today, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.DELIVERY_BATCH_SIZE = 2
    for _number in range(5):
        servant(units["commune"])
    assign(course, [units["commune"]])
    Assignment.objects.update(due_on=today + DAY)
    plan(now)
    queued = []
    monkeypatch.setattr("outreach.tasks.deliveries_send.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliveries_enqueue(now=now) == 5
    assert [len(batch) for batch in queued] == [2, 2, 1]
    assert deliveries_enqueue(now=now + datetime.timedelta(seconds=30)) == 0
    # A backlog waits in the send queue: rows queued minutes ago are waiting their turn, not lost.
    monkeypatch.setattr("outreach.delivery.outbox.send_queue_length", lambda: 200)
    assert deliveries_enqueue(now=now + datetime.timedelta(minutes=5)) == 0
    # The broker cannot say: only rows queued half an hour ago are presumed lost.
    monkeypatch.setattr("outreach.delivery.outbox.send_queue_length", lambda: None)
    assert deliveries_enqueue(now=now + datetime.timedelta(minutes=5)) == 0
    assert deliveries_enqueue(now=now + datetime.timedelta(minutes=31)) == 5
    # The queue is empty and the rows were queued over a minute ago (the broker lost the tasks): queued again.
    monkeypatch.setattr("outreach.delivery.outbox.send_queue_length", lambda: 0)
    assert deliveries_enqueue(now=now + datetime.timedelta(minutes=31, seconds=30)) == 0
    assert deliveries_enqueue(now=now + datetime.timedelta(minutes=32, seconds=30)) == 5


def test_sending_a_batch_takes_a_bounded_number_of_queries(
    units, course, now, today, django_assert_max_num_queries, settings
):
    settings.DELIVERY_RATE_LIMITS = {}
    people = [servant(units["commune"]) for _number in range(60)]
    assign(course, [units["commune"]])
    for index, person in enumerate(people):
        due(person, today + (1 if index % 2 else 7) * DAY)
    plan(now)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    # A few queries for the batch, then one per message: each outcome is committed as it comes.
    with django_assert_max_num_queries(12 + 60):
        result = deliveries_send(ids=ids, now=now)
    assert result.counts["sent"] == 60


def test_planning_takes_a_bounded_number_of_queries(units, course, now, today, django_assert_max_num_queries):
    people = [servant(units["commune"]) for _number in range(30)]
    assign(course, [units["commune"]])
    for index, person in enumerate(people):
        due(person, today + (index % 20 - 5) * DAY)
    # A few queries per planner whatever the number of people (extension requests waiting and
    # decided, and revoked certificates, added one planner each).
    with django_assert_max_num_queries(46):
        plan(now)
    assert Delivery.objects.count() == 30


# Two senders racing on the same batch ---------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_racing_on_the_same_batch_send_each_message_once(home_page, settings):
    settings.DELIVERY_RATE_LIMITS = {}
    units = tree()
    course = training_course(home_page)
    today = today_local()
    now = local(today, 10)
    people = [servant(units["commune"]) for _number in range(40)]
    assign(course, [units["commune"]])
    Assignment.objects.update(due_on=today + DAY)
    plan(now)
    ids = list(Delivery.objects.values_list("pk", flat=True))
    assert len(ids) == len(people)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sender():
        try:
            barrier.wait()
            results.append(deliveries_send(ids=ids, now=now).counts.get("sent", 0))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _number in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == len(people)
    assert len(mail.outbox) == len(people)
    assert len({message.to[0] for message in mail.outbox}) == len(people)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


# Providers ------------------------------------------------------------------------------------


def test_file_sms_backend_records_a_reference_once_across_processes(tmp_path):
    path = tmp_path / "sms.jsonl"
    first, second = FileSmsBackend(path), FileSmsBackend(path)
    first.send(to="0912000444", text="Một", reference="k1")
    second.send(to="0912000444", text="Một", reference="k1")  # the other process re-sends it
    second.send(to="0912000444", text="Hai", reference="k2")
    first.send(to="0912000444", text="Hai", reference="k2")
    assert [line["reference"] for line in jsonl(path)] == ["k1", "k2"]


def test_http_gateway_backend_classifies_errors():
    gateway = GatewayBehaviour(answers=[200, 503, 429, 400, "slow"])
    server, url = gateway_start(gateway)
    try:
        backend = HttpGatewaySmsBackend(url=url, token="secret", sender="KNS", timeout=0.5)
        backend.send(to="0912000555", text="Xin chào", reference="key-1")
        assert (gateway.calls[0]["authorization"], gateway.calls[0]["body"]) == (
            "Bearer secret",
            {"to": "0912000555", "text": "Xin chào", "sender": "KNS", "client_reference": "key-1"},
        )
        for expected in (TemporaryDeliveryError, TemporaryDeliveryError, PermanentDeliveryError):
            with pytest.raises(expected):
                backend.send(to="0912000555", text="Xin chào", reference="key-2")
        with pytest.raises(TemporaryDeliveryError):  # timeout
            backend.send(to="0912000555", text="Xin chào", reference="key-3")
        with pytest.raises(TemporaryDeliveryError):  # nobody listening
            HttpGatewaySmsBackend(url="http://127.0.0.1:9/sms", timeout=0.5).send(to="0", text="x", reference="k")
    finally:
        gateway_stop(server)


# The global rate limit ----------------------------------------------------------------------


def _hammer(store, channel, seconds, workers=2):
    """Two threads taking tokens as fast as they can for ``seconds``; returns the total granted."""
    granted = []
    stop = threading.Event()

    def worker():
        total = 0
        try:
            while not stop.is_set():
                total += rate_limit.acquire(channel=channel, wanted=5, max_wait=0.2, bucket_store=store)
        finally:
            granted.append(total)
            connection.close()

    threads = [threading.Thread(target=worker) for _number in range(workers)]
    for thread in threads:
        thread.start()
    threading.Event().wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(10)
    return sum(granted)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rate_limit_is_shared_by_every_worker_database_store(settings):
    settings.DELIVERY_RATE_LIMITS = {"sms": 600}  # 10 a second, bursts of 10
    total = _hammer(rate_limit.DatabaseBucketStore(), "sms", 2.0)
    # Two workers together: the first second's burst plus 10 a second, never 2 x that.
    assert 15 <= total <= 10 + 10 * 2.5


def test_rate_limit_is_shared_by_every_worker_redis_store(settings):
    redis = pytest.importorskip("redis")
    url = settings.DELIVERY_RATE_LIMIT_REDIS_URL or "redis://127.0.0.1:6379/15"
    try:
        store = rate_limit.RedisBucketStore(url)
        store.client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1")
    channel = f"test-{datetime.datetime.now().timestamp()}"
    settings.DELIVERY_RATE_LIMITS = {channel: 600}
    total = _hammer(store, channel, 2.0)
    assert 15 <= total <= 10 + 10 * 2.5
    store.client.delete(rate_limit.KEY_PREFIX + channel)


def test_no_limit_configured_means_no_wait(settings):
    settings.DELIVERY_RATE_LIMITS = {}
    assert rate_limit.acquire(channel="email", wanted=500) == 500


# Pages: inbox, header count, notification settings --------------------------------------------


def test_inbox_lists_in_app_messages_and_the_header_counts_unread(client, units, course, now, today):
    person = servant(units["commune"])
    preferences_save(person, channels=["in_app"], purposes={})
    assign(course, [units["commune"]])
    due(person, today + 7 * DAY)
    plan(now)
    send_due(now)
    client.force_login(person)
    response = client.get(reverse("outreach:inbox"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "An toàn thông tin hằng năm" in text
    assert "1 thông báo chưa đọc" in text or "1 unread notification" in text
    delivery = rows()[0]
    response = client.post(reverse("outreach:inbox_read", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    text = client.get(reverse("outreach:inbox")).content.decode()
    assert "chưa đọc" not in text and "unread" not in text
    # Someone else's notification cannot be marked.
    other = servant(units["commune"])
    client.force_login(other)
    Delivery.objects.filter(pk=delivery.pk).update(read_at=None)
    assert client.post(reverse("outreach:inbox_read", args=[delivery.pk])).status_code == 404


def test_header_unread_count_costs_no_query_once_cached(client, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    person = UserFactory()
    request = RequestFactory().get("/")
    request.user = person
    # The header's links (core.nav): each app's, the notifications link with its unread count.
    template = Template(
        "{% load site_tags %}{% account_links as links %}"
        "{% for link in links %}{{ link.url }}={{ link.badge }};{% endfor %}"
    )
    expected = (
        f"{reverse('courses:my_learning')}=0;{reverse('outreach:inbox')}=0;{reverse('accounts:account_profile')}=0;"
    )
    assert template.render(Context({"request": request})) == expected
    with django_assert_num_queries(0):
        assert template.render(Context({"request": request})) == expected


def test_inbox_needs_a_sign_in(client):
    response = client.get(reverse("outreach:inbox"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_notification_settings_page_saves_channels_and_opt_outs(client):
    person = UserFactory(phone="0912000666")
    client.force_login(person)
    url = reverse("accounts:notification_settings")
    assert client.get(url).status_code == 200
    response = client.post(url, {"channels": ["sms", "in_app"], "certificate_notices": "on"})
    assert response.status_code == 302
    preference = ContactPreference.objects.get(user=person)
    assert (preference.use_email, preference.use_sms, preference.use_in_app) == (False, True, True)
    assert dict(Consent.objects.filter(user=person).values_list("purpose", "granted")) == {
        "course_nudges": False,
        "certificate_notices": True,
    }
    # At least one channel; only channels the person has an address for.
    assert client.post(url, {}).status_code == 400
    phone_less = UserFactory()
    client.force_login(phone_less)
    response = client.post(url, {"channels": ["sms"]})
    assert response.status_code == 400
    assert not ContactPreference.objects.filter(user=phone_less).exists()


# Admin ----------------------------------------------------------------------------------------


def test_training_administrators_see_the_delivery_log_and_resend_failed_messages(
    client, units, course, now, today, monkeypatch
):
    person = servant(units["commune"], full_name="Ngô Thất Bại")
    assign(course, [units["commune"]])
    due(person, today + DAY)
    plan(now)
    delivery = rows()[0]
    Delivery.objects.filter(pk=delivery.pk).update(status="failed", last_error="550", attempts=5)
    client.force_login(UserFactory(training_admin=True))
    index = reverse("outreach_deliveries:index")
    response = client.get(index, {"status": "failed", "kind": MessageKind.TRAINING_DUE_SOON, "channel": "email"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ngô Thất Bại" in text
    assert 'data-status-count="failed"' in text
    day = timezone.localdate(delivery.planned_at).isoformat()
    response = client.get(index, {"planned_at_from": day, "planned_at_to": day, "q": "Thất Bại"})
    assert response.status_code == 200 and "Ngô Thất Bại" in response.content.decode()
    other_day = (timezone.localdate(delivery.planned_at) + 3 * DAY).isoformat()
    assert "Ngô Thất Bại" not in client.get(index, {"planned_at_from": other_day}).content.decode()
    queued = []
    monkeypatch.setattr("outreach.tasks.delivery_resend.delay", queued.append)
    resend = reverse("outreach_deliveries:resend", args=[delivery.pk])
    assert client.get(resend).status_code == 200
    response = client.post(resend)
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "planned" and delivery.attempts == 0
    # Nobody else may read the log.
    client.force_login(UserFactory(officer=True))
    assert client.get(index).status_code in (302, 403)


def test_template_edit_rejects_an_unknown_placeholder_in_the_admin(client):
    client.force_login(UserFactory(training_admin=True))
    template = MessageTemplate.objects.get(kind=MessageKind.COURSE_NUDGE)
    url = reverse("outreach_message_templates:edit", args=[template.pk])
    assert client.get(url).status_code == 200
    data = {field: getattr(template, field) for field in MessageTemplate.TEXT_FIELDS}
    data["sms_vi"] = "Học tiếp {course} trước {due_date}"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "{due_date}" in response.content.decode()
    template.refresh_from_db()
    assert "{due_date}" not in template.sms_vi
    data["sms_vi"] = "Học tiếp {course}: {link}"
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.sms_vi == "Học tiếp {course}: {link}"


def test_training_administrators_edit_the_reminder_settings(client):
    client.force_login(UserFactory(training_admin=True))
    response = client.get(reverse("wagtailsettings:edit", args=["outreach", "remindersetting"]), follow=True)
    assert response.status_code == 200
    url = response.redirect_chain[-1][0]
    data = {
        "days_before_due": "10, 3",
        "overdue_repeat_days": 5,
        "digest_weekday": 2,
        "inactivity_days": 5,
        "max_nudges": 1,
        "certificate_notice_days": 20,
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "07:00",
    }
    assert client.post(url, {**data, "days_before_due": "ten"}).status_code == 200
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ReminderSetting.load().days_before_list() == [10, 3]


# Personal data --------------------------------------------------------------------------------


def test_messages_are_exported_and_erased_with_the_person(units, course, now, today):
    manager = servant(units["province"])
    units["province"].managers.add(manager)
    person = servant(units["commune"], full_name="Đinh Riêng Tư")
    preferences_save(person, channels=["email", "in_app"], purposes={Consent.Purpose.COURSE_NUDGES: False})
    assign(course, [units["commune"]])
    due(person, today - 2 * DAY)
    plan(now)
    data = personal_data_export(person)
    assert data["notification_settings"]["in_app"] is True
    assert data["consents"][0]["purpose"] == "course_nudges" and data["consents"][0]["given"] is False
    assert {m["channel"] for m in data["messages"]} == {"email", "in_app"}
    digest = Delivery.objects.get(kind=MessageKind.MANAGER_DIGEST)
    assert "Đinh Riêng Tư" in digest.body
    personal_data_erase(person)
    assert not User.objects.filter(pk=person.pk).exists()
    assert not Delivery.objects.filter(recipient_id=person.pk).exists()
    digest.refresh_from_db()
    assert "Đinh Riêng Tư" not in digest.body and person.pk not in digest.context["user_ids"]


def test_a_message_templates_history_page_opens(client):
    """Its rows load from history-results/, which the viewset did not route: the page was a 500 (fuzz test)."""
    template = MessageTemplate.objects.order_by("pk").first()
    client.force_login(UserFactory(superuser=True))
    response = client.get(reverse("outreach_message_templates:history", args=[template.pk]))
    assert response.status_code == 200
    assert client.get(reverse("outreach_message_templates:history_results", args=[template.pk])).status_code == 200
