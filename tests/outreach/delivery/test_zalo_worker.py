"""Zalo through a real Celery worker: beat's planning pass, the worker sends a reminder by Zalo (the
ZNS stub over HTTP) and hands a number not on Zalo to SMS (the SMS gateway stub over HTTP), each
exactly once although the planning task and the sending task run twice."""

import datetime

import pytest

from accounts.preferences import preferences_save
from outreach.models import Delivery, MessageKind, ReminderSetting
from outreach.tasks import deliveries_send as deliveries_send_task
from outreach.tasks import reminders_plan as reminders_plan_task
from tests.outreach.support import assign, due, servant, today_local, training_course, tree, worker_running
from tests.support.sms_gateway import GatewayBehaviour, gateway_start, gateway_stop
from tests.support.waiting import wait_until
from tests.support.zalo_stub import ZaloBehaviour, sent_calls, zalo_start, zalo_stop

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DAY = datetime.timedelta(days=1)
UNFINISHED = (Delivery.Status.PLANNED, Delivery.Status.SENDING)


@pytest.fixture(scope="module")
def stubs():
    zalo, gateway = ZaloBehaviour(not_on_zalo={"84912000999"}), GatewayBehaviour()
    zalo_server, zalo_url = zalo_start(zalo)
    gateway_server, gateway_url = gateway_start(gateway)
    yield {"zalo": zalo, "zalo_url": zalo_url, "gateway": gateway, "gateway_url": gateway_url}
    zalo_stop(zalo_server)
    gateway_stop(gateway_server)


@pytest.fixture(scope="module")
def zalo_worker(django_db_setup, django_db_blocker, tmp_path_factory, stubs):
    files = {"email": tmp_path_factory.mktemp("zalo") / "email.jsonl"}
    env = {
        "TEST_EMAIL_FILE": str(files["email"]),
        "SMS_BACKEND": "outreach.delivery.channels.HttpGatewaySmsBackend",
        "SMS_GATEWAY_URL": stubs["gateway_url"],
        "SMS_GATEWAY_TOKEN": "test-token",
        "ZALO_BACKEND": "outreach.delivery.zalo.channel.HttpZaloBackend",
        "ZALO_API_URL": stubs["zalo_url"],
        "ZALO_ACCESS_TOKEN": stubs["zalo"].token,
    }
    with worker_running(django_db_blocker, "zalo", env, files) as worker:
        yield worker


def settled(count, timeout=90):
    def done():
        rows = Delivery.objects.all()
        return rows.count() >= count and not rows.filter(status__in=UNFINISHED).exists()

    return wait_until(done, timeout=timeout)


def test_a_reminder_by_zalo_and_a_fallback_to_sms_each_exactly_once(home_page, zalo_worker, stubs, settings):
    zalo, gateway = stubs["zalo"], stubs["gateway"]
    settings.SMS_BACKEND = "outreach.delivery.channels.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = stubs["gateway_url"]
    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)  # no quiet hours
    config.save()
    units = tree()
    course = training_course(home_page)
    on_zalo = servant(units["commune"], full_name="Trần Có Zalo", phone="0912000111")
    not_on_zalo = servant(units["commune"], full_name="Lê Không Zalo", phone="0912000999")
    for person in (on_zalo, not_on_zalo):
        preferences_save(person, channels=["zalo"], purposes={})
    assign(course, [units["commune"]])
    for person in (on_zalo, not_on_zalo):
        due(person, today_local() + 7 * DAY)

    # Beat's pass runs twice (a duplicate tick), and the worker sends.
    reminders_plan_task.delay().get(timeout=120)
    reminders_plan_task.delay().get(timeout=120)
    assert settled(3)
    # The sending task of every row runs again (a redelivered task): nothing more goes out.
    deliveries_send_task.delay(list(Delivery.objects.values_list("pk", flat=True))).get(timeout=120)
    assert settled(3)

    rows = {(d.recipient_id, d.channel): d for d in Delivery.objects.filter(kind=MessageKind.TRAINING_DUE_SOON)}
    assert set(rows) == {(on_zalo.pk, "zalo"), (not_on_zalo.pk, "zalo"), (not_on_zalo.pk, "sms")}
    assert rows[(on_zalo.pk, "zalo")].status == "sent"
    assert (rows[(not_on_zalo.pk, "zalo")].status, rows[(not_on_zalo.pk, "zalo")].reason) == (
        "cancelled",
        "zalo_fallback",
    )
    assert rows[(not_on_zalo.pk, "sms")].status == "sent"
    # Zalo: one message accepted, for the person on Zalo; one refusal for the other number.
    assert [call["body"]["phone"] for call in sent_calls(zalo)] == ["84912000111"]
    assert [call["error"] for call in zalo.calls if call["body"]["phone"] == "84912000999"] == [-118]
    assert sent_calls(zalo)[0]["body"]["template_data"]["course_name"] == course.title
    # SMS: exactly one, to the number not on Zalo, with the reminder's SMS text.
    texts = [call["body"] for call in gateway.calls]
    assert [text["to"] for text in texts] == ["0912000999"]
    assert texts[0]["client_reference"] == rows[(not_on_zalo.pk, "sms")].idempotency_key
    assert "/learn/training/" in texts[0]["text"]
