"""Extension and revocation notices, the digest's waiting requests, and messages naming real pages.

In-process (the planning pass and the sender called directly); the same through a real worker,
the in-app inbox, e-mail and the SMS gateway stub: test_notices_worker.py.
"""

import datetime
import importlib
import re
from urllib.parse import urlsplit

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from accounts.models import Consent
from accounts.personal_data import personal_data_erase
from accounts.preferences import preferences_save
from courses import hooks
from courses.certificates.services import certificate_issue, certificate_revoke
from courses.learning import services
from courses.models import Assignment, Enrolment, ExtensionRequest
from courses.training import services as training_services
from outreach.delivery.outbox import deliveries_plan
from outreach.models import Delivery, MessageKind, MessageTemplate, ReminderSetting
from outreach.reminders import notices
from outreach.reminders.defaults import DEFAULT_TEMPLATES
from outreach.reminders.planning import PAGE_TITLES
from tests.accounts.factories import UserFactory
from tests.outreach.support import assign, due, local, send_due, servant, today_local, training_course, tree

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
LINK = re.compile(r"https?://testserver\S+")


@pytest.fixture
def units(db):
    return tree()


@pytest.fixture
def course(home_page):
    return training_course(home_page)


@pytest.fixture
def now():
    return local(today_local(), 10)


@pytest.fixture
def people(units, course):
    """A civil servant of the commune, the managers above them, and the manager of another commune."""
    person = servant(units["commune"], full_name="Phạm Xin Gia Hạn")
    province_manager = servant(units["province"], full_name="Hoàng Tỉnh")
    commune_manager = servant(units["commune"], full_name="Lý Xã Một")
    stranger = servant(units["other"], full_name="Đinh Xã Hai")
    units["province"].managers.add(province_manager)
    units["commune"].managers.add(commune_manager)
    units["other"].managers.add(stranger)
    assign(course, [units["commune"]])
    due(person, today_local() + 5 * DAY)
    return {
        "person": person,
        "province": province_manager,
        "commune": commune_manager,
        "stranger": stranger,
        "assignment": Assignment.objects.get(user=person, is_current=True),
    }


def plan(now):
    return deliveries_plan(now=now, enqueue=False)


def rows(**filters):
    return list(Delivery.objects.filter(**filters).order_by("pk"))


def ask(people, days=30, reason="Đi công tác dài ngày"):
    assignment = people["assignment"]
    return training_services.extension_request_create(
        user=people["person"],
        assignment=assignment,
        requested_due_on=assignment.due_on + days * DAY,
        reason=reason,
    )


def link_in(text):
    found = LINK.findall(text)
    assert found, text
    return found[0].rstrip(".,)")


def follow(client, user, url):
    """The page ``url`` opens, as ``user`` (200 expected), and its <h1>."""
    client.force_login(user)
    parts = urlsplit(url)
    response = client.get(parts.path)
    assert response.status_code == 200, url
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    return response.content.decode(), " ".join(heading.group(1).split())


# Extension requests --------------------------------------------------------------------------


def test_a_request_tells_each_manager_who_can_decide_once_and_nobody_else(client, people, now):
    extension = ask(people)
    plan(now)
    waiting = rows(kind=MessageKind.EXTENSION_REQUESTED)
    assert {d.recipient_id for d in waiting} == {people["province"].pk, people["commune"].pk}
    assert {d.idempotency_key for d in waiting} == {
        f"extension_requested:{people[who].pk}:x{extension.pk}:email" for who in ("province", "commune")
    }
    # Run twice, and the after-commit planning of the same event: nothing new.
    plan(now)
    plan(now + DAY)
    notices.notice_plan(event=hooks.EXTENSION_REQUESTED, pk=extension.pk)
    assert len(rows(kind=MessageKind.EXTENSION_REQUESTED)) == 2

    body = waiting[0].body
    assert "Phạm Xin Gia Hạn" in body and "Đi công tác dài ngày" in body
    assert extension.requested_due_on.strftime("%d/%m/%Y") in body
    # The link opens the page where it is decided, named as its heading; the request is there.
    url = link_in(body)
    assert url == "http://testserver/learn/training/extensions/"
    page, heading = follow(client, people["commune"], url)
    assert f"“{heading}”" in body and "Phạm Xin Gia Hạn" in page
    # The manager of another commune is not told, does not see it, and cannot decide it.
    page, _heading = follow(client, people["stranger"], url)
    assert "Phạm Xin Gia Hạn" not in page
    response = client.post(f"/learn/training/extensions/{extension.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.PENDING


def test_a_request_decided_before_sending_cancels_the_waiting_notices(people, now):
    extension = ask(people)
    plan(now)
    training_services.extension_decide(manager=people["commune"], extension=extension, approve=True)
    send_due(now)
    waiting = rows(kind=MessageKind.EXTENSION_REQUESTED)
    assert {(d.status, d.reason) for d in waiting} == {("cancelled", "extension_decided")}


def test_a_manager_who_stopped_managing_the_unit_is_not_told(units, people, now):
    ask(people)
    plan(now)
    units["province"].managers.remove(people["province"])
    send_due(now)
    by_whom = {d.recipient_id: (d.status, d.reason) for d in rows(kind=MessageKind.EXTENSION_REQUESTED)}
    assert by_whom == {people["province"].pk: ("cancelled", "not_manager"), people["commune"].pk: ("sent", "")}


def test_a_manager_asking_for_themself_is_not_told_of_their_own_request(units, people, now):
    units["commune"].managers.add(people["person"])
    ask(people)
    plan(now)
    assert people["person"].pk not in {d.recipient_id for d in rows(kind=MessageKind.EXTENSION_REQUESTED)}


def test_the_approval_tells_the_new_due_date_and_links_to_the_training_page(client, people, now):
    extension = ask(people, days=20)
    training_services.extension_decide(manager=people["commune"], extension=extension, approve=True, note="Đồng ý")
    plan(now)
    plan(now)
    notices.notice_plan(event=hooks.EXTENSION_DECIDED, pk=extension.pk)
    answers = rows(kind=MessageKind.EXTENSION_APPROVED)
    assert [(d.recipient_id, d.idempotency_key) for d in answers] == [
        (people["person"].pk, f"extension_approved:{people['person'].pk}:x{extension.pk}:email")
    ]
    assert rows(kind=MessageKind.EXTENSION_REFUSED) == []
    body = answers[0].body
    assert extension.requested_due_on.strftime("%d/%m/%Y") in body and "Đồng ý" in body
    _page, heading = follow(client, people["person"], link_in(body))
    assert f"“{heading}”" in body
    send_due(now)
    assert Delivery.objects.get(pk=answers[0].pk).status == "sent"


def test_the_refusal_tells_the_reason_on_the_chosen_channels(people, now, settings):
    settings.SMS_BACKEND = "outreach.delivery.channels.ConsoleSmsBackend"
    person = people["person"]
    person.phone = "0912000321"
    person.save(update_fields=["phone"])
    preferences_save(person, channels=["in_app", "sms"], purposes={})
    extension = ask(people)
    training_services.extension_decide(
        manager=people["province"], extension=extension, approve=False, note="Hạn đã được gia hạn một lần"
    )
    plan(now)
    refused = rows(kind=MessageKind.EXTENSION_REFUSED)
    assert sorted(d.channel for d in refused) == ["in_app", "sms"]
    in_app = next(d for d in refused if d.channel == "in_app")
    assert "Hạn đã được gia hạn một lần" in in_app.body
    assert people["assignment"].due_on.strftime("%d/%m/%Y") in in_app.body
    sms = next(d for d in refused if d.channel == "sms")
    assert "http://testserver/learn/training/" in sms.body


def test_an_inactive_requester_is_not_told(people, now):
    extension = ask(people)
    training_services.extension_decide(manager=people["commune"], extension=extension, approve=False)
    people["person"].is_active = False
    people["person"].save(update_fields=["is_active"])
    plan(now)
    assert rows(kind=MessageKind.EXTENSION_REFUSED) == []


def test_erasing_the_requester_scrubs_their_name_from_the_managers_notices(people, now):
    ask(people)
    plan(now)
    personal_data_erase(people["person"])
    for delivery in rows(kind=MessageKind.EXTENSION_REQUESTED):
        assert "Phạm Xin Gia Hạn" not in delivery.body + delivery.subject


def test_the_hook_plans_after_commit_and_a_broker_failure_loses_nothing(
    people, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    from outreach.reminders import tasks

    monkeypatch.setattr(tasks.notices_plan, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        extension = ask(people)
    assert len(callbacks) == 1
    assert ExtensionRequest.objects.filter(pk=extension.pk, status="pending").exists()
    # The planning pass plans it anyway.
    plan(local(today_local(), 10))
    assert len(rows(kind=MessageKind.EXTENSION_REQUESTED)) == 2


# Revocation --------------------------------------------------------------------------------


def _certificate(home_page, person, course=None):
    course = course or training_course(home_page, title="Chữ ký số", slug="chu-ky-so")
    for lesson in course.lessons():
        services.lesson_complete(user=person, lesson=lesson, course=course)
    return certificate_issue(enrolment=Enrolment.objects.get(user=person, course=course, archived_at__isnull=True))


def test_a_revoked_certificate_tells_its_owner_once_with_the_reason(client, home_page, now):
    owner = UserFactory(full_name="Trịnh Có Chứng Nhận")
    certificate = _certificate(home_page, owner)
    plan(now)  # the "issued" notice
    certificate_revoke(certificate=certificate, by=None, reason="Bài kiểm tra do người khác làm")
    plan(now)
    plan(now + DAY)
    certificate_revoke(certificate=certificate, by=None, reason="Lần hai")  # revoking again: nothing new
    notices.notice_plan(event=hooks.CERTIFICATE_REVOKED, pk=certificate.pk)
    revoked = rows(kind=MessageKind.CERTIFICATE_REVOKED)
    assert [d.idempotency_key for d in revoked] == [f"certificate_revoked:{owner.pk}:c{certificate.pk}:email"]
    body = revoked[0].body
    assert "Bài kiểm tra do người khác làm" in body and certificate.code in body
    url = link_in(body)
    assert url == "http://testserver/learn/my-learning/#certificates-heading"
    page, heading = follow(client, owner, url)
    assert f"“{heading}”" in body and certificate.code in page
    # The "issued" notice planned earlier is cancelled; the revocation notice is sent.
    send_due(now)
    assert {d.kind: d.status for d in rows(subject_id=certificate.pk)} == {
        MessageKind.CERTIFICATE_ISSUED: "cancelled",
        MessageKind.CERTIFICATE_REVOKED: "sent",
    }


def test_the_revocation_notice_follows_the_certificate_notices_purpose(home_page, now):
    refuses, later = UserFactory(), UserFactory()
    preferences_save(refuses, channels=["email"], purposes={Consent.Purpose.CERTIFICATE_NOTICES: False})
    course = training_course(home_page, title="Chữ ký số", slug="chu-ky-so")
    for person in (refuses, later):
        certificate_revoke(certificate=_certificate(home_page, person, course), by=None, reason="Sai sót")
    plan(now)
    assert [d.recipient_id for d in rows(kind=MessageKind.CERTIFICATE_REVOKED)] == [later.pk]
    # Refused between planning and sending: not sent.
    preferences_save(later, channels=["email"], purposes={Consent.Purpose.CERTIFICATE_NOTICES: False})
    send_due(now)
    assert [(d.status, d.reason) for d in rows(kind=MessageKind.CERTIFICATE_REVOKED)] == [("cancelled", "opted_out")]


# The weekly digest ---------------------------------------------------------------------------


def test_the_digest_lists_the_requests_waiting_and_goes_without_anyone_overdue(client, people, now):
    ReminderSetting.objects.update_or_create(pk=ReminderSetting.load().pk, defaults={"digest_weekday": 0})
    ask(people)
    plan(now)
    digests = {d.recipient_id: d for d in rows(kind=MessageKind.MANAGER_DIGEST)}
    assert set(digests) == {people["province"].pk, people["commune"].pk}  # not the other commune's manager
    digest = digests[people["commune"].pk]
    assert "0 người quá hạn, 1 đề nghị gia hạn" in digest.subject
    assert today_local().strftime("%d/%m/%Y") in digest.body  # the oldest request's day
    links = LINK.findall(digest.body)
    assert "http://testserver/learn/training/extensions/" in links and "http://testserver/learn/team/" in links
    for url in links:
        _page, heading = follow(client, people["commune"], url.rstrip(".,)"))
        assert f"“{heading}”" in digest.body


def test_a_digest_whose_requests_were_decided_and_nobody_overdue_is_cancelled(people, now):
    ReminderSetting.objects.update_or_create(pk=ReminderSetting.load().pk, defaults={"digest_weekday": 0})
    extension = ask(people)
    plan(now)
    training_services.extension_decide(manager=people["province"], extension=extension, approve=False)
    send_due(now)
    assert {d.status for d in rows(kind=MessageKind.MANAGER_DIGEST)} == {"cancelled"}


# Texts: real page titles, working links ----------------------------------------------------


@pytest.mark.parametrize("language", ["vi"])  # the site's one language (docs/languages.md)
def test_every_page_a_message_names_has_that_title_as_its_heading(client, people, language):
    viewers = {
        "courses:my_training": people["person"],
        "courses:my_learning": people["person"],
        "courses:team": people["commune"],
        "courses:extension_decisions": people["commune"],
        "accounts:notification_settings": people["person"],
    }
    assert set(viewers) == set(PAGE_TITLES)
    from outreach.reminders.planning import Links

    for name, user in viewers.items():
        link, title = Links().page(name, language)
        _page, heading = follow(client, user, link)
        with translation.override(language):
            assert heading == title, (name, language)


def test_no_default_text_names_an_invented_page():
    for texts in DEFAULT_TEMPLATES.values():
        for text in texts.values():
            assert "Đào tạo bắt buộc của tôi" not in text and "“My training”" not in text
    for kind in MessageKind.values:
        assert MessageTemplate.objects.filter(kind=kind).exists()


def test_an_edited_template_keeps_its_words_without_the_invented_page_name():
    migration = importlib.import_module("outreach.migrations.0013_message_kinds_extensions_revocation")
    edited = MessageTemplate.objects.get(kind=MessageKind.TRAINING_OVERDUE)
    edited.body_vi = "Chào {name}, gửi đề nghị trên trang “Đào tạo bắt buộc của tôi”. {link}"
    edited.save()
    shipped = MessageTemplate.objects.get(kind=MessageKind.TRAINING_DUE_SOON)
    for field, text in migration.OLD_TEMPLATES["training_due_soon"].items():
        setattr(shipped, field, text)
    shipped.save()
    digest = MessageTemplate.objects.get(kind=MessageKind.MANAGER_DIGEST)
    digest.body_vi = "Chào {name}: {people}\n\n{site}"
    digest.save()
    migration.update(django_apps, None)
    edited.refresh_from_db()
    assert edited.body_vi == "Chào {name}, gửi đề nghị trên trang “{page}”. {link}"
    shipped.refresh_from_db()
    assert shipped.body_vi == DEFAULT_TEMPLATES["training_due_soon"]["body_vi"]
    digest.refresh_from_db()
    assert digest.body_vi == "Chào {name}: {people}\n\n{pending}\n\n{site}"
    for template in (edited, shipped, digest):
        template.full_clean()


def test_training_reminders_name_the_training_page_by_its_title(client, people, now):
    plan(now)
    reminder = rows(kind=MessageKind.TRAINING_DUE_SOON)[0]
    _page, heading = follow(client, people["person"], link_in(reminder.body))
    assert reminder.body.count(f"“{heading}”") == 2
