"""An imported phone-only civil servant's first week, in Chromium on a fresh demo site with a real worker.

The training office (demo ``daotao@``) uploads a roster with her in it (phone number only, commune Phú Bình,
``TN-PB``) and sends the invitations; the invitation SMS (read from the test SMS provider's file, as she reads it
on her phone) brings her to the activation page, where its code lets her choose a password. She signs in and
lands on her mandatory training, where the demo's requirement for the communes ("Hướng dẫn người dân dùng dịch
vụ công trực tuyến", a fixed due date of 31/10/2026, already past) is overdue: that is the honest overdue
training a fresh import gets, nothing is back-dated. She asks for more time; the unit's manager (demo
``quanly@``) decides from the team page; the decision reaches her by SMS, and her training page shows the new
due date. Every page she sees is checked at 360 px for sideways scrolling.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core.localtime import local_today
from courses.models import Assignment, ExtensionRequest
from tests.journeys import people_steps as steps
from tests.support.browser import sms_mark
from tests.support.layout import assert_no_sideways_scroll
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = "0366777888"
NAME = "Đinh Thị Ngọc"
ROSTER = (
    "Họ và tên,Mã cán bộ,Email,Số điện thoại,Mã đơn vị,Chức vụ,Ngày bắt đầu\n"
    f"{NAME},PB-101,,0366 777 888,TN-PB,Công chức Văn hóa - Xã hội,01/11/2026\n"
)
PASSWORD = "ngoc-mat-khau-moi-2026!"
OVERDUE = "Hướng dẫn người dân dùng dịch vụ công trực tuyến"


def test_imported_civil_servant_activates_lands_on_overdue_training_and_hears_the_decision(
    live_server, demo_site, celery_worker, browser, tmp_path
):
    base = live_server.url

    # 1. The training office imports the roster and sends the invitations from the import's result.
    office = steps.desk(browser)
    steps.admin_sign_in(office, base, "daotao@kynangso.local", demo_site)
    since = sms_mark()
    steps.roster_upload(office, base, ROSTER, tmp_path)
    office.locator("#roster-apply").click()
    office.locator("#roster-invite").click()
    expect(office.locator(".messages")).to_be_visible()
    servant = User.objects.get(employee_code="PB-101")
    assert (servant.phone, servant.email, servant.organisation_unit.code) == (PHONE, None, "TN-PB")
    office.context.close()

    # 2. On her phone: the invitation SMS links to the activation page; its code lets her choose a password.
    tab = steps.phone(browser)
    #    (In the quiet hours the invitation waits for the morning: its held text is read from the delivery log.)
    text = steps.sms_or_held(PHONE, since, contains="/account/activate/", kind="account_invitation")
    tab.goto(steps.link_in(text, "/account/activate/", base))
    assert_no_sideways_scroll(tab)
    tab.locator("input[name=identifier]").fill(PHONE)
    tab.locator("input[name=code]").fill(steps.code_in(text))
    tab.locator("input[name=password1]").fill(PASSWORD)
    tab.locator("input[name=password2]").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/account/sign-in/$"))
    assert_no_sideways_scroll(tab)

    # 3. She signs in with her phone number and lands on her training, the overdue requirement first.
    assert wait_until(lambda: Assignment.objects.filter(user=servant, requirement__name=OVERDUE).exists())
    steps.site_sign_in(tab, base, PHONE, PASSWORD)
    expect(tab).to_have_url(re.compile(r"/learn/training/$"))
    first = tab.locator("li.assignment").first
    expect(first).to_contain_text(OVERDUE)
    expect(first).to_have_class(re.compile(r"\bassignment-overdue\b"))
    assert_no_sideways_scroll(tab)

    # 4. She asks for more time.
    wanted = local_today() + datetime.timedelta(days=21)
    first.locator("a[href*='/extension/']").click()
    assert_no_sideways_scroll(tab)
    tab.locator("input[name=requested_due_on]").fill(wanted.strftime("%d/%m/%Y"))
    tab.locator("textarea[name=reason]").fill("Tôi mới nhận công tác từ tháng 11, xin thêm thời gian để học.")
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(r"/learn/training/$"))
    extension = ExtensionRequest.objects.get(requested_by=servant)
    assert extension.status == ExtensionRequest.Status.PENDING
    assert_no_sideways_scroll(tab)

    # 5. Her unit's manager approves it from the team page.
    since = sms_mark()
    manager = steps.phone(browser)
    steps.site_sign_in(manager, base, "quanly@kynangso.local", demo_site)
    expect(manager).to_have_url(re.compile(r"/learn/team/$"))
    steps.extension_decide(manager, NAME, approve=True)
    manager.context.close()

    # 6. The decision reaches her by SMS (held until 07:00 in the quiet hours); its link opens her training, now
    #    due on the date she asked for.
    text = steps.sms_or_held(PHONE, since, contains="/learn/training/", kind="extension_approved")
    tab.goto(steps.link_in(text, "/learn/training/", base))
    card = tab.locator("li.assignment", has_text=OVERDUE)
    expect(card).not_to_have_class(re.compile(r"\bassignment-overdue\b"))
    expect(card).to_contain_text(wanted.strftime("%d/%m/%Y"))
    assert_no_sideways_scroll(tab)
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED
    tab.context.close()
