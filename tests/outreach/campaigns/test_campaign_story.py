"""The whole campaign story in a real browser, with a real Celery worker (issue 6, "Done when").

A communications officer writes a campaign in the admin and submits it; the communications lead
approves it, which publishes it; the officer builds a segment (with its live count), writes a message
for the campaign (a placeholder typo is refused) and sends it; the worker delivers it; the link in the
delivered e-mail is opened on a phone, where someone signs up, enrols in the campaign's course,
completes its lessons and passes its tests; the campaign's results show the click, the enrolment and
the completion.

"Signs up": messages go to people who already exist (they consented to campaign messages), so the
person who signs up is whoever opened the recipient's link on that phone (a family member, say): the
link's touch is kept in the anonymous session and carried through sign-up, which is what attributes
the enrolment and the completion to the campaign.
"""

import datetime
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import User
from courses.models import Enrolment
from outreach.models import CAMPAIGN_KIND, CampaignIndexPage, CampaignMessage, CampaignPage, CampaignTouch, Delivery
from tests.accounts.factories import UserFactory
from tests.courses.factories import public_services_course
from tests.courses.steps import public_services_course_complete
from tests.outreach.campaigns import steps
from tests.outreach.factories import person
from tests.support.browser import admin_sign_in, sign_up, welcome_continue
from tests.support.pages import page_add
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Làm thủ tục trên mạng, không phải xếp hàng"
BUTTON = "Học cách nộp hồ sơ trực tuyến"
SEGMENT = "Người dân trong tỉnh"


@pytest.fixture
def campaign_world(home_page):
    """A course like the demo's (a lesson to read, one with a quiz, a final test), the campaigns
    section, an officer and a lead, and the people a citizens' segment will (and will not) reach."""
    course = public_services_course(home_page)
    index = page_add(home_page, CampaignIndexPage(title="Chiến dịch", slug="chien-dich"))
    UserFactory(email="truyenthong@example.vn", kind=User.Kind.CIVIL_SERVANT, officer=True)
    UserFactory(email="truongnhom@example.vn", kind=User.Kind.CIVIL_SERVANT, lead=True)
    recipient = person(full_name="Đinh Nhận Tin", kind=User.Kind.CITIZEN)
    person(consent=None, full_name="Vũ Chưa Đồng Ý", kind=User.Kind.CITIZEN)  # in the segment, no consent
    person(full_name="Hồ Cán Bộ", kind=User.Kind.CIVIL_SERVANT)  # consented, not in the segment
    return {"course": course, "index": index, "recipient": recipient}


def test_campaign_from_the_officers_draft_to_a_completed_course(live_server, campaign_world, celery_worker, browser):
    base = live_server.url
    today = timezone.localdate()
    course = campaign_world["course"]

    def desk():
        tab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        tab.set_default_timeout(15_000)
        return tab

    def phone():
        tab = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN").new_page()
        tab.set_default_timeout(15_000)
        return tab

    # 1. The officer writes the campaign, its call to action the course, and submits it.
    officer = desk()
    admin_sign_in(officer, base, "truyenthong@example.vn")
    steps.campaign_write(
        officer,
        base,
        campaign_world["index"],
        title=TITLE,
        goal="Mỗi gia đình nộp ít nhất một hồ sơ trực tuyến trong quý này.",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=30),
        target_kind="Course",
        target_title=course.title,
        button_text=BUTTON,
    )
    steps.page_submit_for_moderation(officer, TITLE)
    campaign = CampaignPage.objects.get(title=TITLE)
    assert not campaign.live
    assert campaign.workflow_in_progress

    # 2. The lead approves: that publishes it; the home page shows it on a phone, with the course.
    lead = desk()
    admin_sign_in(lead, base, "truongnhom@example.vn")
    steps.page_approve(lead, base, campaign.pk, TITLE)
    campaign.refresh_from_db()
    assert campaign.live
    lead.context.close()
    passer_by = phone()
    passer_by.goto(base + "/")
    passer_by.locator("li.campaign-card", has_text=TITLE).get_by_role("link", name=TITLE).click()
    expect(passer_by.get_by_role("link", name=BUTTON)).to_have_attribute("href", re.compile(re.escape(course.url)))
    assert passer_by.evaluate("document.documentElement.scrollWidth") <= 360
    passer_by.context.close()

    # 3. The officer's segment: citizens, counted before saving (two match, one consented).
    steps.segment_create(
        officer, base, name=SEGMENT, learner_kind=User.Kind.CITIZEN, expect_total=2, expect_consenting=1
    )

    # 4. The message for the campaign: a placeholder typo is refused, then corrected.
    officer.goto(base + "/admin/campaigns/messages/new/")
    texts = {
        "campaign_title": TITLE,
        "name": "Đợt 1",
        "segment": SEGMENT,
        "email_subject": "{campaign}",
        "email_body": "Chào {ten}, học ngay: {action}",
        "sms_body": "{campaign} {link}",
        "in_app_body": "{campaign}: {link}",
    }
    steps.message_fill(officer, **texts)
    expect(officer.locator("body")).to_contain_text("{ten}")
    assert not CampaignMessage.objects.exists()
    steps.message_fill(officer, **{**texts, "email_body": "Chào {name}, học ngay: {action}"})
    expect(officer).to_have_url(re.compile(r"/admin/campaigns/messages/$"))
    message = CampaignMessage.objects.get()

    # 5. Sent now, delivered by the worker to the one consenting citizen; a stale second click sends nothing.
    steps.message_send(officer, base, message.pk, expect_consenting=1)
    assert wait_until(lambda: Delivery.objects.filter(kind=CAMPAIGN_KIND, status="sent").exists(), timeout=90)
    officer.go_back()
    officer.reload()
    expect(officer.locator("button[name=send]")).to_have_count(0)
    deliveries = Delivery.objects.filter(kind=CAMPAIGN_KIND)
    recipient = campaign_world["recipient"]
    assert [(d.recipient_id, d.channel, d.status) for d in deliveries] == [(recipient.pk, "email", "sent")]

    # 6. On the phone the e-mail was read on: the tracked link leads to the course; whoever holds
    #    the phone signs up from the course's "Enrol" (enrolled on the way back through the welcome page),
    #    then completes the lessons and the final test.
    visitor = phone()
    visitor.goto(base + steps.tracked_link(deliveries.get().body))
    expect(visitor).to_have_url(re.compile(re.escape(course.url) + "$"))
    visitor.get_by_role("button", name=gettext("Start this course")).click()
    sign_up(visitor, name="Đinh Người Nhà", phone="nguoinha@example.vn", language="vi")
    welcome_continue(visitor, language="vi")
    expect(visitor).to_have_url(re.compile(re.escape(course.url) + "$"))
    learner = User.objects.get(email="nguoinha@example.vn")
    assert CampaignTouch.objects.filter(user=learner, campaign=campaign).exists()
    public_services_course_complete(visitor, language="vi", enrolled=True)
    assert Enrolment.objects.get(user=learner, course=course).completed_at is not None
    visitor.context.close()

    # 7. The officer's results: one person clicked, one enrolment and one completion attributed.
    figures = steps.results_read(officer, base, TITLE)
    assert figures.pop("page_views") >= 1  # the passer-by's visit to the campaign page
    assert figures == {"recipients": 1, "sent": 1, "failed": 0, "clicked": 1, "enrolments": 1, "completions": 1}
    expect(officer.locator("svg[role=img] title")).to_have_count(1)
    officer.context.close()
