"""The communications officer's first week on the demo site, in Chromium with a real worker (issue 13).

Nguyễn Thị Hoa (``truyenthong@kynangso.local``) signs in (setting up two-step verification, as both staff do), writes
a tutorial with a Vietnamese title, which gets an ASCII slug, and submits it for review; the communications lead
(``truongnhom@kynangso.local``), told by e-mail, in a browser of his own, finds it waiting on his admin home and
approves it, which puts it live (the cached tutorial list shows it; search finds it). She then builds an audience of
civil servants, writes a message for a running demo campaign and sends it; the worker delivers it to those who
agreed to campaign news (the demo's consents); she reads the message's delivery log, from the message and from
the campaign's results. Nothing after ``seed_demo`` is done in the shell or the ORM: the database is only read.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.demo import DEMO_CAMPAIGN_CONSENTS
from accounts.models import User
from courses.models import TutorialIndexPage, TutorialPage
from outreach.campaigns.audiences import SegmentRules, segment_people, with_campaign_consent
from outreach.models import CAMPAIGN_KIND, CampaignMessage, Delivery
from tests.journeys.staff_steps import staff_sign_in
from tests.outreach.campaigns import steps
from tests.support.browser import axe_violations
from tests.support.layout import PHONE_VIEWPORT, assert_no_sideways_scroll
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OFFICER = "truyenthong@kynangso.local"
LEAD = "truongnhom@kynangso.local"
# Not one of the demo's tutorials (the demo has the driving-licence one since issue 14).
TITLE = "Cấp lại thẻ bảo hiểm y tế trực tuyến"
SLUG = "cap-lai-the-bao-hiem-y-te-truc-tuyen"
SEGMENT = "Cán bộ, công chức toàn tỉnh"
CAMPAIGN = "Làm thủ tục trên mạng, không phải xếp hàng"  # a running demo campaign


def desk(browser):
    tab = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
    tab.set_default_timeout(15_000)
    return tab


def tutorial_write_and_submit(tab, base):
    """From the tutorials' listing in the page explorer: add a child page, fill it in, submit it for review."""
    index = TutorialIndexPage.objects.get()
    tab.goto(f"{base}/admin/pages/{index.pk}/")
    tab.locator(f"a[href$='/admin/pages/{index.pk}/add_subpage/']").first.click()
    expect(tab).to_have_url(re.compile(r"/admin/pages/add/courses/tutorialpage/\d+/$"))
    tab.locator("#id_title").fill(TITLE)
    tab.locator("#id_summary").fill(
        "Cấp lại thẻ bảo hiểm y tế bị mất trên Cổng Dịch vụ công, nhận thẻ mới qua bưu điện."
    )
    # Officers may publish tutorials themselves; this one goes to review first (docs/roles.md).
    steps.footer_menu(tab)
    tab.locator("button[name='action-submit']").click()
    expect(tab.locator(".messages")).to_contain_text(TITLE)


def test_the_communications_officers_first_week(live_server, demo_site, settings, celery_worker, browser, axe_source):
    settings.ACCOUNTS_TWO_FACTOR_REQUIRED = True  # as in production: each sets it up at the first sign-in
    base = live_server.url

    mail.outbox.clear()

    # 1. The tutorial, written and submitted: not live yet, its slug folded to ASCII.
    officer = desk(browser)
    staff_sign_in(officer, base, OFFICER, demo_site)
    tutorial_write_and_submit(officer, base)
    tutorial = TutorialPage.objects.get(title=TITLE)
    assert tutorial.slug == SLUG
    assert not tutorial.live and tutorial.workflow_in_progress

    # A passer-by's phone has the tutorials' list (now in the page cache): not there yet.
    phone = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN").new_page()
    phone.goto(base + "/huong-dan/")
    expect(phone.locator("main")).not_to_contain_text(TITLE)
    # Wagtail told the lead by e-mail that it waits for his review.
    assert any(LEAD in message.to and TITLE in message.subject for message in mail.outbox)

    # 2. The lead finds it on his admin home, awaiting his review, and approves it: it goes live.
    lead = desk(browser)
    staff_sign_in(lead, base, LEAD, demo_site)
    lead.locator("main").get_by_role("link", name=TITLE).first.click()
    expect(lead).to_have_url(re.compile(rf"/admin/pages/{tutorial.pk}/edit/"))
    steps.footer_menu(lead)
    lead.locator("footer button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])").click()
    expect(lead.locator(".messages")).to_contain_text(TITLE)
    tutorial.refresh_from_db()
    assert tutorial.live and tutorial.url == f"/huong-dan/{SLUG}/"
    lead.context.close()
    assert any(OFFICER in message.to and TITLE in message.subject for message in mail.outbox)  # told: approved

    # On the phone, the list now has it, at its readable address; search finds it typed without diacritics.
    phone.reload()
    assert_no_sideways_scroll(phone)
    phone.locator("main").get_by_role("link", name=TITLE).click()
    expect(phone).to_have_url(f"{base}/huong-dan/{SLUG}/")
    expect(phone.locator("h1")).to_have_text(TITLE)
    assert_no_sideways_scroll(phone)
    assert axe_violations(phone, axe_source) == []
    phone.goto(base + "/search/?q=cap+lai+the+bao+hiem+y+te")
    expect(phone.locator("main").get_by_role("link", name=TITLE)).to_have_attribute("href", f"/huong-dan/{SLUG}/")
    assert_no_sideways_scroll(phone)
    phone.context.close()

    # 3. The audience: civil servants, counted live (the demo gave about half of its people campaign consent).
    rules = SegmentRules(learner_kind=User.Kind.CIVIL_SERVANT)
    total = segment_people(rules=rules).count()
    consenting = with_campaign_consent(people=segment_people(rules=rules)).count()
    assert 0 < consenting < total and consenting == sum(
        1 for who in DEMO_CAMPAIGN_CONSENTS if "@" in who
    )  # the demo's consenting civil servants
    steps.segment_create(
        officer,
        base,
        name=SEGMENT,
        learner_kind=User.Kind.CIVIL_SERVANT,
        expect_total=total,
        expect_consenting=consenting,
    )

    # 4. The message for a running campaign, from the admin menu, and sent now.
    officer.goto(base + "/admin/campaigns/messages/")
    officer.locator("a[href$='/admin/campaigns/messages/new/']").first.click()
    steps.message_fill(
        officer,
        campaign_title=CAMPAIGN,
        name="Tuần đầu",
        segment=SEGMENT,
        email_subject="{campaign}",
        email_body="Chào {name}, mời bạn xem: {link}",
        sms_body="{campaign} {link}",
        in_app_body="{campaign}: {link}",
    )
    expect(officer).to_have_url(re.compile(r"/admin/campaigns/messages/$"))
    message = CampaignMessage.objects.get(name="Tuần đầu")
    steps.message_send(officer, base, message.pk, expect_consenting=consenting)

    # 5. The worker delivers it, one message per consenting person.
    sent = Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, status="sent")
    assert wait_until(lambda: sent.values("recipient").distinct().count() == consenting, timeout=90)

    # The list of messages counts the people it reached.
    officer.goto(base + "/admin/campaigns/messages/")
    row = officer.locator("table.listing tbody tr", has_text="Tuần đầu")
    expect(row.locator("td").filter(has_text=re.compile(rf"^\s*{consenting}\s*$"))).to_have_count(1)
    officer.go_back()

    # 6. The delivery log, from the message's edit page (where the send ended) and from the results page.
    officer.reload()
    officer.locator("header .w-dropdown__toggle").first.click()  # the header's "…" (Actions) menu
    log_link = f"a[href$='/admin/campaigns/messages/deliveries/{message.pk}/']"
    officer.locator(log_link).first.click()
    expect(officer).to_have_url(re.compile(rf"/admin/campaigns/messages/deliveries/{message.pk}/$"))
    log = officer.locator("#campaign-delivery-log tbody tr")
    expect(log).to_have_count(sent.count())
    expect(officer.locator("[data-status-count=sent] strong")).to_have_text(str(sent.count()))

    # The campaign's results, from the admin menu: the people reached and the messages sent, then the log again.
    figures = steps.results_read(officer, base, CAMPAIGN)
    assert figures["recipients"] == consenting and figures["sent"] == sent.count() and figures["failed"] == 0
    officer.locator(log_link).first.click()
    expect(officer.locator("#campaign-delivery-log tbody tr")).to_have_count(sent.count())
    officer.context.close()
