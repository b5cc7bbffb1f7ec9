"""Campaign messages end to end through a real worker and broker (like the reminders' worker tests).

The worker runs ``tests.outreach.worker_settings``: e-mail and SMS go to JSON-lines files this
process reads, so what reached the "provider" is checked exactly: once per person and channel,
only to people who consented, nothing after unsubscribing, nothing more after a second click.
Then a recipient follows the tracked link, someone signs up from it and completes the linked
course, and the campaign's results show the click, the enrolment and the completion.
"""

import re
from collections import Counter

import pytest

from accounts.models import ContactPreference, User
from courses.learning import services
from outreach.campaigns.messages import CampaignSendError, campaign_message_send
from outreach.campaigns.selectors import campaign_results
from outreach.models import CAMPAIGN_KIND, CampaignMessage, Delivery, ReminderSetting
from outreach.tasks import campaign_message_plan as campaign_message_plan_task
from tests.accounts.factories import UserFactory
from tests.outreach.factories import campaign_create, message_create, person, segment_create
from tests.outreach.support import jsonl, training_course, worker_running
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

UNFINISHED = (Delivery.Status.PLANNED, Delivery.Status.SENDING)


@pytest.fixture(scope="module")
def outbox_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("campaign-outbox")


@pytest.fixture(scope="module")
def campaign_worker(django_db_setup, django_db_blocker, outbox_dir):
    files = {"email": outbox_dir / "email.jsonl", "sms": outbox_dir / "sms.jsonl"}
    env = {
        "TEST_EMAIL_FILE": str(files["email"]),
        "SMS_BACKEND": "outreach.delivery.channels.FileSmsBackend",
        "SMS_FILE_PATH": str(files["sms"]),
    }
    with worker_running(django_db_blocker, "camp", env, files) as worker:
        yield worker


@pytest.fixture
def outbox(campaign_worker, settings):
    for name in ("email", "sms"):
        campaign_worker[name].write_text("")
    settings.SMS_BACKEND = "outreach.delivery.channels.FileSmsBackend"
    settings.SMS_FILE_PATH = str(campaign_worker["sms"])
    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = config.quiet_hours_start.replace(hour=0, minute=0)
    config.save()
    return campaign_worker


def settled(message, timeout=90):
    def done():
        message.refresh_from_db()
        return (
            message.status == CampaignMessage.Status.SENT
            and not Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, status__in=UNFINISHED).exists()
        )

    return wait_until(done, timeout=timeout)


def test_a_message_reaches_consenting_people_once_and_never_after_unsubscribing(outbox, home_page, client):
    campaign = campaign_create(home_page)
    by_email = person(full_name="Nguyễn Thư")
    by_sms = person(full_name="Trần Nhắn", phone="0912000333", channels=["sms"])
    ContactPreference.objects.create(user=by_sms, use_email=False, use_sms=True, use_in_app=False)
    silent = person(consent=None, full_name="Lê Im Lặng")
    refused = person(consent=False, full_name="Phạm Từ Chối")
    message = message_create(campaign, segment_create())

    assert campaign_message_send(message=message) == CampaignMessage.Status.SENDING
    with pytest.raises(CampaignSendError):  # the second click
        campaign_message_send(message=CampaignMessage.objects.get(pk=message.pk))
    campaign_message_plan_task.delay(message.pk)  # and a duplicate task: nothing more
    assert settled(message)

    emails = jsonl(outbox["email"])
    sms = jsonl(outbox["sms"])
    assert Counter(line["to"][0] for line in emails) == {by_email.email: 1}
    assert [line["to"] for line in sms] == ["0912000333"]
    for address in (silent.email, refused.email):
        assert address not in {line["to"][0] for line in emails}
    assert Delivery.objects.filter(kind=CAMPAIGN_KIND).count() == 2
    body = emails[0]["body"]
    assert "Chào Nguyễn Thư" in body

    # The person unsubscribes from the link in the e-mail (no sign-in): the next message skips them.
    unsubscribe = re.search(r"https?://[^\s]+/unsubscribe/[^\s/]+/", body).group(0)
    path = unsubscribe.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200
    second = message_create(campaign, segment_create(), name="Đợt 2")
    campaign_message_send(message=second)
    assert settled(second)
    assert Counter(line["to"][0] for line in jsonl(outbox["email"])) == {by_email.email: 1}
    assert [line["to"] for line in jsonl(outbox["sms"])] == ["0912000333", "0912000333"]


def test_click_sign_up_and_completion_are_attributed_in_the_results(outbox, home_page, client, settings):
    settings.ACCOUNTS_SIGN_IN_HOOKS = [
        "courses.learning.services.session_progress_claim",
        "outreach.campaigns.tracking.touches_claim",
    ]
    course = training_course(home_page, title="Nộp hồ sơ trực tuyến", slug="nop-ho-so")
    campaign = campaign_create(home_page, course=course)
    recipient = person(full_name="Vũ Nhận Tin")
    message = message_create(campaign, segment_create(), email_body="Chào {name}, học ngay: {action}")
    campaign_message_send(message=message)
    assert settled(message)
    body = jsonl(outbox["email"])[0]["body"]
    link = re.search(r"https?://[^\s]+/r/[^\s/]+/", body).group(0).split("testserver", 1)[1]

    # Someone at the recipient's home follows the link, signs up and completes the course.
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].endswith(course.url)
    response = client.post(
        "/account/sign-up/",
        {
            "full_name": "Vũ Người Nhà",
            "identifier": "nguoinha@example.vn",
            "password1": "a-long-new-password-123",
            "password2": "a-long-new-password-123",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    learner = User.objects.get(email="nguoinha@example.vn")
    for lesson in course.lessons():
        services.lesson_complete(user=learner, lesson=lesson, course=course)

    results = campaign_results(campaign=campaign)
    assert results["recipients"] == 1 and results["sent"] == 1
    assert results["clicked"] == 1
    assert (results["enrolments"], results["completions"]) == (1, 1)
    client.force_login(UserFactory(superuser=True))
    html = client.get(f"/admin/campaigns/messages/results/{campaign.pk}/").content.decode()
    assert "<svg" in html
    cells = re.findall(r'<td data-measure="\d+">(\d+)</td>', html)
    assert cells == ["1", "1", "0", "1", "0", "1", "1"]
    assert wait_until(lambda: recipient.pk in set(Delivery.objects.values_list("recipient_id", flat=True)))
