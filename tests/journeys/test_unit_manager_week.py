"""A unit manager's first week, in Chromium on a fresh demo site with a real worker.

The demo manager of the commune Phú Bình (``quanly@``, Lê Thị Thu) signs in and lands on her team page. From her
notifications she chooses the inbox as well as e-mail. One of her people (demo ``canbo@``, Phạm Văn Nam, whose
demo requirement for the communes is overdue) asks for more time on the site; she is told (an e-mail and a notice
in her inbox that links to the requests), approves the request from the team page, and the team page and the
operations dashboard (reached from the site header) show the same overdue figure for her unit, before and after
the approval. Every page she sees is checked at 360 px for sideways scrolling.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core.localtime import local_today
from courses.models import Assignment, ExtensionRequest
from outreach.models import Delivery
from tests.journeys import people_steps as steps
from tests.support.layout import assert_no_sideways_scroll
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MANAGER = "quanly@kynangso.local"
REQUESTER = "canbo@kynangso.local"
OVERDUE = "Hướng dẫn người dân dùng dịch vụ công trực tuyến"


def team_overdue(tab):
    """The team page's total of overdue assignments (the summary table's foot, the "Overdue" column)."""
    return int(tab.locator("#summary-heading ~ div table tfoot td").nth(4).inner_text())


def assert_headers_readable(tab):
    """No table header on the team page is squeezed to a letter per line (at most four lines of text)."""
    squeezed = tab.evaluate(
        """() => [...document.querySelectorAll('main table th')]
            .filter(th => th.getBoundingClientRect().height > 4 * parseFloat(getComputedStyle(th).lineHeight) + 16)
            .map(th => th.textContent.trim())"""
    )
    assert not squeezed, f"table headers squeezed on a phone: {squeezed}"


def dashboard_overdue(tab):
    """The operations dashboard's headline "Overdue" figure."""
    return int(tab.locator("[data-figure=overdue] dd").inner_text())


def overdue_now(unit):
    """The overdue current assignments of the people of ``unit`` (the database, to check the pages)."""
    return sum(
        1
        for assignment in Assignment.objects.with_state().filter(user__organisation_unit=unit, is_current=True)
        if assignment.state == "overdue"
    )


def test_unit_manager_is_told_approves_from_the_team_page_and_sees_one_overdue_figure(
    live_server, demo_site, celery_worker, browser
):
    base = live_server.url
    manager_user = User.objects.get(email=MANAGER)
    unit = manager_user.organisation_unit

    # 1. She signs in and lands on her team page; the dashboard, from the header, agrees on the overdue figure.
    manager = steps.phone(browser)
    steps.site_sign_in(manager, base, MANAGER, demo_site)
    expect(manager).to_have_url(re.compile(r"/learn/team/$"))
    assert_no_sideways_scroll(manager)
    assert_headers_readable(manager)
    before = team_overdue(manager)
    assert before == overdue_now(unit) > 0
    manager.locator(".account-nav a[href$='/admin/insights/']").click()
    expect(manager.locator("[data-figure=overdue]")).to_be_visible()
    assert dashboard_overdue(manager) == before
    assert_no_sideways_scroll(manager)

    # 2. She wants notices in the site's inbox too (e-mail stays on).
    manager.goto(base + "/")
    manager.locator(".account-nav a[href$='/inbox/']").click()
    assert_no_sideways_scroll(manager)
    manager.locator("main a[href$='/account/notifications/']").click()
    assert_no_sideways_scroll(manager)
    manager.locator("input[name=channels][value=in_app]").check()
    expect(manager.locator("input[name=channels][value=email]")).to_be_checked()
    manager.locator("main form button[type=submit]").click()
    expect(manager.locator("input[name=channels][value=in_app]")).to_be_checked()

    # 3. One of her people asks for more time, on the site.
    requester = steps.phone(browser)
    steps.site_sign_in(requester, base, REQUESTER, demo_site)
    expect(requester).to_have_url(re.compile(r"/learn/training/$"))
    card = requester.locator("li.assignment", has_text=OVERDUE)
    card.locator("a[href*='/extension/']").click()
    wanted = local_today() + datetime.timedelta(days=14)
    requester.locator("input[name=requested_due_on]").fill(wanted.strftime("%d/%m/%Y"))
    requester.locator("textarea[name=reason]").fill("Tuần này tôi đi tập huấn ở tỉnh, xin lùi hạn hai tuần.")
    requester.locator("main form button[type=submit]").click()
    expect(requester).to_have_url(re.compile(r"/learn/training/$"))
    extension = ExtensionRequest.objects.get(requested_by__email=REQUESTER)

    # 4. She is told: by e-mail and in her inbox, with a link to the requests waiting for her.
    def told():
        return Delivery.objects.filter(recipient=manager_user, kind="extension_requested", status="sent").count() == 2

    assert wait_until(told, timeout=60), list(
        Delivery.objects.filter(recipient=manager_user).values_list("kind", "channel", "status")
    )
    assert {d.channel for d in Delivery.objects.filter(recipient=manager_user, kind="extension_requested")} == {
        "email",
        "in_app",
    }
    manager.reload()
    manager.locator(".account-nav a[href*='/inbox/']").click()
    notice = manager.locator("li.card.unread").first
    expect(notice).to_contain_text("Phạm Văn Nam")
    expect(notice.locator("a[href*='/learn/training/extensions/']")).to_be_visible()
    assert_no_sideways_scroll(manager)

    # 5. She approves it from the team page.
    manager.locator(".account-nav a[href$='/learn/team/']").click()
    steps.extension_decide(manager, "Phạm Văn Nam", approve=True)
    assert_no_sideways_scroll(manager)
    extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED

    # 6. One overdue fewer, on the team page and on the dashboard alike.
    manager.locator(".account-nav a[href$='/learn/team/']").click()
    after = team_overdue(manager)
    assert after == before - 1 == overdue_now(unit)
    manager.locator(".account-nav a[href$='/admin/insights/']").click()
    assert dashboard_overdue(manager) == after
    assert_no_sideways_scroll(manager)
    for tab in (manager, requester):
        tab.context.close()
