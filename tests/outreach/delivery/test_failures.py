"""Failures that must be seen and survived (issue 12): each reproduction of the report, in process.

A crash mid-batch, the rate limiter's Redis gone, the soft time limit, a provider that hangs,
malformed addresses and refused numbers, the lease renewed while sending, a restarted worker's
rows, tasks lost with the broker, a database blip while recording. The worker-kill scenario with
real processes is in ``test_worker_kill.py``; the measured figures in docs/performance.md.
"""

import datetime
import time
import types

import pytest
import redis
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils import timezone

from accounts.models import ContactPreference
from courses.models import Assignment
from outreach.delivery import channels, sending
from outreach.delivery.channels import Channel, SmsBackend
from outreach.delivery.outbox import deliveries_plan, deliveries_recover, deliveries_recover_and_requeue
from outreach.delivery.sending import claim_prefix, deliveries_send
from outreach.models import Delivery
from tests.outreach.support import assign, local, servant, today_local, training_course, tree
from tests.support.sms_gateway import GatewayBehaviour, gateway_start, gateway_stop

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def now():
    return local(today_local(), 10)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.DELIVERY_RATE_LIMITS = {}


def planned(home_page, count, *, now, sms=False, phones=None, emails=None):
    """``count`` planned deliveries (training reminders), by e-mail or by SMS; their pks in order."""
    units = tree()
    course = training_course(home_page)
    people = []
    for number in range(count):
        kwargs = {}
        if sms:
            kwargs["phone"] = phones[number] if phones else f"09130{number:05d}"
        if emails:
            kwargs["email"] = emails[number]
        people.append(servant(units["commune"], **kwargs))
    if sms:
        ContactPreference.objects.bulk_create(
            [ContactPreference(user=person, use_email=False, use_sms=True, use_in_app=False) for person in people]
        )
    assign(course, [units["commune"]])
    Assignment.objects.update(due_on=today_local() + DAY)
    deliveries_plan(now=now, enqueue=False)
    pks = list(Delivery.objects.filter(status="planned").order_by("pk").values_list("pk", flat=True))
    assert len(pks) == count
    return pks


def statuses():
    counts = {}
    for status in Delivery.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


class Recording(Channel):
    """A provider that takes every message and notes, at each call, how many rows were already marked sent."""

    def __init__(self, *, stop_at=None, error=SystemExit, sleep=0.0, on_call=None):
        self.calls, self.sent_seen = [], []
        self.stop_at, self.error, self.sleep, self.on_call = stop_at, error, sleep, on_call

    def send_many(self, messages):
        for message in messages:
            if self.stop_at is not None and len(self.calls) == self.stop_at:
                raise self.error()
            self.sent_seen.append(Delivery.objects.filter(status="sent").count())
            self.calls.append(message.key)
            if self.on_call:
                self.on_call(len(self.calls))
            time.sleep(self.sleep)
        return [None for _message in messages]


def use(monkeypatch, channel):
    monkeypatch.setattr("outreach.delivery.sending.channel_for", lambda name: channel)
    return channel


# A crash mid-batch: the sent mark is per message ------------------------------------------------


def test_each_message_is_marked_sent_before_the_next_one_goes(home_page, now, monkeypatch):
    """A worker killed at any moment has re-sendable at most the one message in flight: when the
    provider gets message k, the k-1 before it are already recorded sent (not every 100 or 0.5 s)."""
    pks = planned(home_page, 30, now=now)
    channel = use(monkeypatch, Recording(stop_at=12))
    with pytest.raises(SystemExit):
        deliveries_send(ids=pks, now=now)
    assert channel.sent_seen == list(range(12))
    # The batch stopped (a kill signal turned into an exception): the 12 sent are sent, the rest handed back.
    assert statuses() == {"sent": 12, "planned": 18}
    assert set(Delivery.objects.filter(status="sent").values_list("idempotency_key", flat=True)) == set(channel.calls)
    rest = Delivery.objects.filter(status="planned")
    assert all(d.claim == "" and d.attempts == 0 and d.not_before > now for d in rest)


# The rate limiter's Redis is gone --------------------------------------------------------------


def test_a_rate_limiter_connection_error_hands_back_the_rest_of_the_batch(home_page, now, monkeypatch, caplog):
    pks = planned(home_page, 80, now=now)
    use(monkeypatch, Recording())
    calls = []

    def acquire(*, channel, wanted, max_wait):
        calls.append(wanted)
        if len(calls) > 1:
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
        return wanted

    monkeypatch.setattr("outreach.delivery.sending.acquire", acquire)
    with pytest.raises(redis.exceptions.ConnectionError):
        deliveries_send(ids=pks, now=now)
    first_window = calls[0]
    assert statuses() == {"sent": first_window, "planned": 80 - first_window}
    assert not Delivery.objects.filter(status="sending").exists()
    assert f"{80 - first_window} unsent rows handed back" in caplog.text
    assert any(r.levelname == "WARNING" and "ConnectionError" in r.getMessage() for r in caplog.records)


def test_send_tasks_retry_themselves_when_a_dependency_fails():
    from outreach.tasks import deliveries_send as task

    for error in (redis.exceptions.ConnectionError, OperationalError, ConnectionError):
        assert issubclass(error, task.autoretry_for)
    assert task.max_retries is None and task.retry_backoff


# The soft time limit is never swallowed --------------------------------------------------------


class _SoftLimitAfterTwo(SmsBackend):
    calls = 0

    def send(self, *, to, text, reference):
        type(self).calls += 1
        if type(self).calls == 3:
            raise SoftTimeLimitExceeded()


def test_the_soft_time_limit_goes_through_the_sms_channel_and_releases_what_is_unsent(home_page, now, settings):
    settings.SMS_BACKEND = "tests.outreach.delivery.test_failures._SoftLimitAfterTwo"
    _SoftLimitAfterTwo.calls = 0
    pks = planned(home_page, 10, now=now, sms=True)
    with pytest.raises(SoftTimeLimitExceeded):
        deliveries_send(ids=pks, now=now)
    # The two sent are recorded; the one interrupted and the rest are planned again, none left sending.
    assert statuses() == {"sent": 2, "planned": 8}


def test_the_soft_time_limit_goes_through_the_email_channel(home_page, now, monkeypatch):
    pks = planned(home_page, 5, now=now)
    sent = []

    def send(self, fail_silently=False):
        if len(sent) == 1:
            raise SoftTimeLimitExceeded()
        sent.append(self.to)
        return 1

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    with pytest.raises(SoftTimeLimitExceeded):
        deliveries_send(ids=pks, now=now)
    assert statuses() == {"sent": 1, "planned": 4}


def test_the_task_retries_its_batch_after_the_soft_time_limit(monkeypatch):
    from outreach.delivery import tasks

    def interrupted(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(tasks, "deliveries_send_service", interrupted)
    retried = []
    fake = types.SimpleNamespace(
        request=types.SimpleNamespace(hostname="w1@host"),
        retry=lambda **kwargs: retried.append(kwargs) or RuntimeError("retry"),
    )
    with pytest.raises(RuntimeError):
        tasks._send(fake, [1, 2, 3])
    assert retried == [{"args": [[1, 2, 3]], "countdown": 5}]


# Permanent at once: malformed addresses, refused and landline numbers ----------------------------


def test_a_malformed_address_fails_for_good_on_the_first_try(home_page, now, mailoutbox):
    pks = planned(home_page, 2, now=now, emails=["a@b@c", "ok@example.org"])
    result = deliveries_send(ids=pks, now=now)
    assert result.retry_ids == []
    bad = Delivery.objects.get(address="a@b@c")
    assert (bad.status, bad.attempts) == ("failed", 1) and "invalid e-mail address" in bad.last_error
    assert Delivery.objects.get(address="ok@example.org").status == "sent"
    assert [message.to for message in mailoutbox] == [["ok@example.org"]]


@pytest.fixture
def gateway(settings, monkeypatch):
    behaviour = GatewayBehaviour()
    server, url = gateway_start(behaviour)
    settings.SMS_BACKEND = "outreach.delivery.channels.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = url
    monkeypatch.setattr(channels, "_sms_backend", None)  # one backend per process: this test's URL
    yield behaviour
    gateway_stop(server)


def test_a_refused_number_and_a_landline_fail_for_good_at_once(home_page, now, gateway):
    phones = ["0977000001", "0912000001", "02412345678"]
    pks = planned(home_page, 2, now=now, sms=True, phones=phones[:2])
    # A landline that slipped into an SMS row (planned before the rule, or edited): never offered to the gateway.
    landline = Delivery.objects.get(pk=pks[1])
    Delivery.objects.create(
        recipient=landline.recipient,
        kind=landline.kind,
        channel="sms",
        idempotency_key=landline.idempotency_key + ":landline",
        address=phones[2],
        subject_id=landline.subject_id,
        sequence=landline.sequence,
        body="x",
        context=landline.context,
        planned_at=landline.planned_at,
    )
    result = deliveries_send(ids=[*pks, Delivery.objects.get(address=phones[2]).pk], now=now)
    assert result.retry_ids == []
    refused = Delivery.objects.get(address="0977000001")
    assert (refused.status, refused.attempts) == ("failed", 1) and "invalid_number" in refused.last_error
    not_mobile = Delivery.objects.get(address=phones[2])
    assert (not_mobile.status, not_mobile.attempts) == ("failed", 1) and "not a mobile" in not_mobile.last_error
    assert Delivery.objects.get(address="0912000001").status == "sent"
    assert len(gateway.calls) == 2


def test_a_provider_that_hangs_on_one_call_in_five_cannot_hold_a_batch_past_its_budget(
    home_page, now, gateway, settings
):
    """Every fifth call hangs longer than the gateway timeout: the batch stops taking messages when its
    budget is spent, each message ends sent, retried (back-off) or failed, none is left sending."""
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    settings.DELIVERY_BATCH_BUDGET_SECONDS = 1.5
    gateway.hang = 0.6
    phones = [f"0977{number:06d}" if number % 10 == 3 else f"0913{number:06d}" for number in range(60)]
    pks = planned(home_page, 60, now=now, sms=True, phones=phones)
    started = time.monotonic()
    result = deliveries_send(ids=pks, now=now)
    elapsed = time.monotonic() - started
    assert elapsed < settings.DELIVERY_BATCH_BUDGET_SECONDS + settings.SMS_GATEWAY_TIMEOUT + 1.0
    counts = statuses()
    assert "sending" not in counts, counts
    assert counts.get("sent", 0) >= 1 and counts.get("failed", 0) >= 1, (
        counts,
        list(Delivery.objects.values_list("status", "last_error")[:5]),
    )
    assert counts["sent"] >= 1 and counts.get("failed", 0) >= 1
    retried = Delivery.objects.filter(status="planned", attempts=1)
    assert all("unreachable" in d.last_error or "timed out" in d.last_error for d in retried)
    assert retried.exists()
    handed_back = Delivery.objects.filter(status="planned", attempts=0)
    assert handed_back.exists()  # the budget ran out before the 60 were tried
    assert set(result.retry_ids) == set(Delivery.objects.filter(status="planned").values_list("pk", flat=True))
    # Refused numbers that were tried: failed on their first attempt.
    assert all(d.attempts == 1 for d in Delivery.objects.filter(status="failed"))


# The lease is renewed while sending; a restarted worker's rows; lost tasks -------------------------


def test_a_sending_batch_renews_the_lease_of_the_rows_it_still_holds(home_page, now, monkeypatch, settings):
    settings.DELIVERY_HEARTBEAT_SECONDS = 0.2
    pks = planned(home_page, 8, now=now)
    seen = []

    def look(calls):
        seen.append(Delivery.objects.filter(pk=pks[-1]).values_list("claimed_at", flat=True).get())

    use(monkeypatch, Recording(sleep=0.1, on_call=look))
    deliveries_send(ids=pks, now=now)
    assert seen[0] == now
    assert seen[-1] > now + datetime.timedelta(seconds=0.4)
    assert statuses() == {"sent": 8}


def test_a_batch_whose_lease_was_taken_over_stops_sending_those_rows(home_page, now, monkeypatch, settings):
    settings.DELIVERY_HEARTBEAT_SECONDS = 0
    pks = planned(home_page, 6, now=now)

    def recovered_elsewhere(calls):
        if calls == 2:
            Delivery.objects.filter(pk__in=pks[3:]).update(claim="someone-else")

    channel = use(monkeypatch, Recording(on_call=recovered_elsewhere))
    deliveries_send(ids=pks, now=now)
    assert len(channel.calls) == 3  # the third was already in hand when it was renewed
    assert Delivery.objects.filter(claim="someone-else", status="sending").count() == 3


def test_a_restarted_worker_hands_back_at_once_what_it_held_before(home_page, now):
    pks = planned(home_page, 4, now=now)
    just_now = timezone.now() - datetime.timedelta(seconds=5)  # well inside the lease
    Delivery.objects.filter(pk__in=pks[:2]).update(
        status="sending", claim=claim_prefix("w1@host") + "x" * 24, claimed_at=just_now, attempts=1
    )
    Delivery.objects.filter(pk__in=pks[2:]).update(
        status="sending", claim=claim_prefix("w2@host") + "y" * 24, claimed_at=just_now, attempts=1
    )
    assert deliveries_recover() == 0  # the lease is not over
    assert deliveries_recover(owner="w1@host", started=timezone.now()) == 2
    assert set(Delivery.objects.filter(status="planned").values_list("pk", flat=True)) == set(pks[:2])
    assert Delivery.objects.filter(status="sending").count() == 2  # w2 is alive: left alone


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_start_recovers_its_rows_at_once_and_the_next_batch_takes_them(home_page, now, monkeypatch):
    from outreach.delivery import tasks

    pks = planned(home_page, 4, now=now)
    Delivery.objects.filter(pk__in=pks[:3]).update(
        status="sending", claim=claim_prefix("w1@host") + "x" * 24, claimed_at=timezone.now(), attempts=1
    )
    tasks._recover_on_worker_start(sender=types.SimpleNamespace(hostname="w1@host"))
    assert set(Delivery.objects.filter(status="planned", queued_at=None).values_list("pk", flat=True)) >= set(pks[:3])
    # Any sending task (here one given only the fourth row) takes them, however long the queue's backlog.
    channel = use(monkeypatch, Recording())
    assert deliveries_send(ids=[pks[3]]).counts["sent"] == 4
    assert len(channel.calls) == 4


def test_the_lease_is_short_and_recovery_runs_every_half_minute(settings):
    """A dead worker's rows are planned again within two minutes: lease + one recovery interval."""
    schedule = settings.CELERY_BEAT_SCHEDULE["recover-deliveries"]
    assert schedule["task"] == "outreach.tasks.deliveries_recover"
    assert settings.DELIVERY_LEASE_SECONDS + schedule["schedule"] <= 120


def test_rows_whose_tasks_the_broker_lost_are_queued_again_by_the_recovery_pass(
    home_page, now, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    pks = planned(home_page, 3, now=now)
    two_minutes_ago = timezone.now() - datetime.timedelta(minutes=2)
    Delivery.objects.filter(pk__in=pks).update(queued_at=two_minutes_ago)  # queued, then Redis restarted
    queued = []
    monkeypatch.setattr("outreach.tasks.deliveries_send.delay", queued.append)
    monkeypatch.setattr("outreach.delivery.outbox.send_queue_length", lambda: 0)
    with django_capture_on_commit_callbacks(execute=True):
        result = deliveries_recover_and_requeue()
    assert result == {"recovered": 0, "queued": 3}
    assert queued == [pks]
    assert "queued again by the recovery pass: 3" in caplog.text


# The database goes away while an outcome is recorded -------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_outcome_is_recorded_through_a_short_database_outage(home_page, now, monkeypatch):
    """PostgreSQL restarts while a message is being marked sent: the write waits and reconnects; the
    message is not left sending (to be sent again after the lease)."""
    pks = planned(home_page, 3, now=now)
    original = sending._mine
    failures = []

    def flaky(ids, token):
        if len(ids) == 1 and len(failures) < 2:
            failures.append(ids)
            raise OperationalError("server closed the connection unexpectedly")
        return original(ids, token)

    monkeypatch.setattr(sending, "_mine", flaky)
    monkeypatch.setattr(sending.time, "sleep", lambda seconds: None)
    channel = use(monkeypatch, Recording())
    deliveries_send(ids=pks, now=now)
    assert statuses() == {"sent": 3}
    assert len(channel.calls) == 3 and len(failures) == 2
