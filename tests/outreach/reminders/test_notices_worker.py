"""Extension and revocation notices end to end: the pages a person uses, the after-commit task, a real
worker, and what reached the providers (e-mail in a file, SMS through the HTTP gateway stub, the
in-app inbox); the beat's planning pass afterwards sends nothing twice."""

import datetime

import pytest

from accounts.preferences import preferences_save
from courses.certificates.services import certificate_issue, certificate_revoke
from courses.learning import services
from courses.models import Assignment, Enrolment, ExtensionRequest
from outreach.models import Delivery, MessageKind, ReminderSetting
from outreach.tasks import reminders_plan as reminders_plan_task
from tests.outreach.support import assign, due, jsonl, servant, today_local, training_course, tree, worker_running
from tests.support.sms_gateway import GatewayBehaviour, gateway_start, gateway_stop
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DAY = datetime.timedelta(days=1)
UNFINISHED = (Delivery.Status.PLANNED, Delivery.Status.SENDING)


@pytest.fixture(scope="module")
def gateway():
    behaviour = GatewayBehaviour()
    server, url = gateway_start(behaviour)
    yield behaviour, url
    gateway_stop(server)


@pytest.fixture(scope="module")
def notice_worker(django_db_setup, django_db_blocker, tmp_path_factory, gateway):
    files = {"email": tmp_path_factory.mktemp("notices") / "email.jsonl"}
    env = {
        "TEST_EMAIL_FILE": str(files["email"]),
        "SMS_BACKEND": "outreach.delivery.channels.HttpGatewaySmsBackend",
        "SMS_GATEWAY_URL": gateway[1],
        "SMS_GATEWAY_TOKEN": "test-token",
    }
    with worker_running(django_db_blocker, "notices", env, files) as worker:
        yield worker


def settled(kind, count, timeout=90):
    """``count`` rows of ``kind`` exist and none is planned or sending."""

    def done():
        found = Delivery.objects.filter(kind=kind)
        return found.count() >= count and not found.filter(status__in=UNFINISHED).exists()

    return wait_until(done, timeout=timeout)


def test_request_decision_and_revocation_reach_the_right_people_once(client, home_page, notice_worker, gateway):
    behaviour, _url = gateway
    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)  # no quiet hours
    config.digest_weekday = 4
    config.save()
    units = tree()
    course = training_course(home_page, certificate_validity_months=12)
    person = servant(units["commune"], full_name="Phạm Xin Gia Hạn", phone="0912000101")
    preferences_save(person, channels=["in_app", "sms"], purposes={})
    by_mail = servant(units["province"], full_name="Hoàng Tỉnh")
    by_sms = servant(units["commune"], full_name="Lý Xã Một", phone="0912000202")
    preferences_save(by_sms, channels=["sms"], purposes={})
    stranger = servant(units["other"], full_name="Đinh Xã Hai")
    units["province"].managers.add(by_mail)
    units["commune"].managers.add(by_sms)
    units["other"].managers.add(stranger)
    assign(course, [units["commune"]])
    due(person, today_local() + 10 * DAY)
    assignment = Assignment.objects.get(user=person, is_current=True)

    # The person asks on their page: the managers who can decide hear of it, through the worker.
    client.force_login(person)
    new_due = assignment.due_on + 30 * DAY
    response = client.post(
        f"/learn/training/{assignment.pk}/extension/",
        {"requested_due_on": new_due.strftime("%d/%m/%Y"), "reason": "Đi công tác"},
    )
    assert response.status_code == 302
    extension = ExtensionRequest.objects.get()
    assert settled(MessageKind.EXTENSION_REQUESTED, 2)
    waiting = {d.recipient_id: d for d in Delivery.objects.filter(kind=MessageKind.EXTENSION_REQUESTED)}
    assert set(waiting) == {by_mail.pk, by_sms.pk}
    assert {d.status for d in waiting.values()} == {"sent"}
    mails = [line for line in jsonl(notice_worker["email"]) if line["to"] == [by_mail.email]]
    assert len(mails) == 1 and "http://testserver/learn/training/extensions/" in mails[0]["body"]
    texts = [call["body"] for call in behaviour.calls if call["body"]["to"] == by_sms.phone]
    assert len(texts) == 1 and "http://testserver/learn/training/extensions/" in texts[0]["text"]
    assert stranger.email not in {line["to"][0] for line in jsonl(notice_worker["email"])}

    # The commune's manager decides on the page the message links to: the person hears the answer.
    client.force_login(by_sms)
    assert client.get("/learn/training/extensions/").status_code == 200
    response = client.post(f"/learn/training/extensions/{extension.pk}/decide/", {"decision": "approve", "note": ""})
    assert response.status_code == 302
    assert settled(MessageKind.EXTENSION_APPROVED, 2)
    answers = {d.channel: d for d in Delivery.objects.filter(kind=MessageKind.EXTENSION_APPROVED)}
    assert set(answers) == {"in_app", "sms"} and {d.status for d in answers.values()} == {"sent"}
    texts = [call["body"]["text"] for call in behaviour.calls if call["body"]["to"] == person.phone]
    assert len(texts) == 1 and new_due.strftime("%d/%m/%Y") in texts[0]
    client.force_login(person)
    inbox = client.get("/inbox/").content.decode()
    assert new_due.strftime("%d/%m/%Y") in inbox
    assert client.get("/learn/training/").status_code == 200

    # A certificate of the person is revoked: they are told (in the inbox and by SMS).
    for lesson in course.lessons():
        services.lesson_complete(user=person, lesson=lesson, course=course)
    enrolment = Enrolment.objects.get(user=person, course=course, archived_at__isnull=True)
    certificate = certificate_issue(enrolment=enrolment)
    certificate_revoke(certificate=certificate, by=None, reason="Cấp nhầm")
    assert settled(MessageKind.CERTIFICATE_REVOKED, 2)
    revoked = Delivery.objects.filter(kind=MessageKind.CERTIFICATE_REVOKED)
    assert {d.status for d in revoked} == {"sent"}
    assert "Cấp nhầm" in revoked.get(channel="in_app").body
    texts = [call["body"]["text"] for call in behaviour.calls if call["body"]["to"] == person.phone]
    assert len(texts) == 2 and certificate.code in texts[1] and "/learn/my-learning/" in texts[1]

    # Beat's planning pass afterwards plans none of these again, and no SMS went twice.
    before = {kind: Delivery.objects.filter(kind=kind).count() for kind in MessageKind.values}
    reminders_plan_task.delay().get(timeout=120)
    for kind in (MessageKind.EXTENSION_REQUESTED, MessageKind.EXTENSION_APPROVED, MessageKind.CERTIFICATE_REVOKED):
        assert Delivery.objects.filter(kind=kind).count() == before[kind]
    references = [call["key"] for call in behaviour.calls]
    assert len(references) == len(set(references))
    assert not Delivery.objects.filter(recipient=stranger, kind__startswith="extension").exists()
