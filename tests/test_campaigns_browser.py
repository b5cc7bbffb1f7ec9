"""A campaign message in a real browser with a real worker: a communications officer builds a segment
(with the live count), writes the message, sends it; a recipient's link leads someone to sign up and
complete the linked course; the campaign's results show the click, the enrolment and the completion.

(The campaign page's own workflow, moderation and publishing are issue 6 part A's browser test.)
"""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from accounts.models import User
from courses import services
from outreach.models import CAMPAIGN_KIND, CampaignMessage, Delivery
from tests.campaigns_support import campaign_create, person
from tests.factories import PASSWORD, UserFactory, course_create
from tests.test_training_worker import wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_officer_sends_a_campaign_message_and_sees_what_it_led_to(live_server, home_page, celery_worker, page):
    base = live_server.url
    course = course_create(
        home_page,
        title="Nộp hồ sơ trực tuyến",
        slug="nop-ho-so",
        lessons=[("Tạo tài khoản", [{"type": "paragraph", "value": "<p>Vào cổng dịch vụ công.</p>"}])],
    )
    campaign = campaign_create(home_page, course=course)
    officer = UserFactory(email="truyenthong@example.vn", is_staff=True)
    officer.groups.add(Group.objects.get(name=roles.COMMUNICATIONS_STAFF))
    recipient = person(full_name="Đinh Nhận Tin", kind=User.Kind.CITIZEN)
    person(full_name="Hồ Cán Bộ", kind=User.Kind.CIVIL_SERVANT)

    page.goto(base + "/admin/login/")
    page.locator("input[name=username]").fill(officer.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # 1. A segment of citizens: counted before saving, then saved.
    page.goto(base + "/admin/campaigns/segments/new/")
    page.locator("#id_name").fill("Người dân")
    page.locator("#id_learner_kind").select_option(User.Kind.CITIZEN)
    page.locator("button[name=count]").click()
    expect(page.locator("#live-count")).to_contain_text("1")
    page.locator("#id_name").fill("Người dân trong tỉnh")
    page.locator("footer button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/campaigns/segments/$"))

    # 2. The message, with a placeholder typo first (refused), then corrected.
    page.goto(base + "/admin/campaigns/messages/new/")
    page.locator("#id_campaign").select_option(str(campaign.pk))
    page.locator("#id_name").fill("Đợt 1")
    page.locator("#id_segment").select_option(label="Người dân trong tỉnh")
    page.locator("#id_email_subject").fill("{campaign}")
    page.locator("#id_email_body").fill("Chào {ten}, học ngay: {action}")
    page.locator("#id_sms_body").fill("{campaign} {link}")
    page.locator("#id_in_app_body").fill("{campaign}: {link}")
    page.locator("footer button[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("{ten}")
    assert not CampaignMessage.objects.exists()
    page.locator("#id_email_body").fill("Chào {name}, học ngay: {action}")
    page.locator("footer button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/campaigns/messages/$"))
    message = CampaignMessage.objects.get()

    # 3. Send now; a second click (another tab's stale form) sends nothing more.
    page.goto(f"{base}/admin/campaigns/messages/send/{message.pk}/")
    expect(page.locator("#segment-consenting")).to_have_text("1")
    page.locator("button[name=send]").click()
    wait_for(lambda: Delivery.objects.filter(kind=CAMPAIGN_KIND, status="sent").exists(), timeout=90)
    page.go_back()
    page.reload()
    expect(page.locator("button[name=send]")).to_have_count(0)
    deliveries = Delivery.objects.filter(kind=CAMPAIGN_KIND)
    assert [(d.recipient_id, d.channel, d.status) for d in deliveries] == [(recipient.pk, "email", "sent")]

    # 4. Someone opens the link from the e-mail, signs up and completes the course.
    link = re.search(r"/r/[^\s/]+/", deliveries.get().body).group(0)
    visitor = page.context.browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    tab = visitor.new_page()
    tab.set_default_timeout(15_000)
    tab.goto(base + link)
    expect(tab).to_have_url(re.compile(re.escape(course.url) + "$"))
    tab.goto(base + "/account/sign-up/")
    tab.locator("input[name=full_name]").fill("Đinh Người Nhà")
    tab.locator("input[name=identifier]").fill("nguoinha@example.vn")
    tab.locator("input[name=password1]").fill("a-long-new-password-123")
    tab.locator("input[name=password2]").fill("a-long-new-password-123")
    tab.locator("input[name=consent]").check()
    tab.locator("main form button[type=submit]").click()
    wait_for(lambda: User.objects.filter(email="nguoinha@example.vn").exists(), timeout=30)
    learner = User.objects.get(email="nguoinha@example.vn")
    for lesson in course.lessons():
        services.lesson_complete(learner, lesson, course=course)
    visitor.close()

    # 5. The results: recipients, sent, clicked, enrolments and completions.
    page.goto(f"{base}/admin/campaigns/messages/results/{campaign.pk}/")
    expect(page.locator("svg[role=img] title")).to_have_count(1)
    cells = page.locator("#campaign-results td[data-measure]").all_inner_texts()
    assert cells == ["1", "1", "0", "1", "0", "1", "1"]
