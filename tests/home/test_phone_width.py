"""No page of the public site, nor the inbox, scrolls sideways on a 360 px phone (issue 13): axe does not see it.

On the demo site (``seed_demo``), one browser and one tab walk every live page of the page tree (home, tutorials,
courses and lessons, campaigns, standard pages), the transparency page, search results, sign-in, sign-up, the
certificate pages, each in Vietnamese and in English, then the inbox of two demo people holding campaign messages
(their links shown as buttons) and their own pages.
"""

import re

import pytest
from wagtail.models import Page

from outreach.campaigns.messages import campaign_message_send
from outreach.models import CAMPAIGN_KIND, CampaignPage, Delivery
from tests.outreach.factories import message_create, segment_create
from tests.support.layout import PHONE_VIEWPORT, assert_no_sideways_scroll
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CITIZEN = "0912345678"  # the demo citizen: campaign news by SMS and in the inbox
MANAGER = "quanly@kynangso.local"  # the demo unit manager: by e-mail and in the inbox
# Who signs in (both have campaign messages in the inbox), and the pages of their own then visited.
SIGNED_IN = {
    CITIZEN: [
        "/learn/my-learning/",
        "/account/notifications/",
        "/account/profile/",
        "/account/my-data/",
        "/account/tokens/",
    ],
    MANAGER: ["/learn/training/", "/learn/team/"],
}

FIXED_PATHS = [
    "/minh-bach/",
    "/search/?q=dich+vu+cong",
    "/search/?q=khong-co-ket-qua-nao",
    "/search/?q=vneid",  # promoted results above the results (home/search/demo.py)
    "/account/sign-in/",
    "/account/sign-up/",
    "/account/password-reset/",
    "/certificates/",
    "/certificates/KNS-0000-0000/",
]


def live_paths():
    """Every live, public page of the tree below the root, in tree order (reading the database only)."""
    pages = Page.objects.live().public().filter(depth__gt=1).order_by("path")
    return [page.get_url() for page in pages]


def campaign_messages_to_the_inbox():
    """Two campaign messages sent to every consenting demo person, delivered by the worker."""
    segment = segment_create(name="Mọi người")
    for number, campaign in enumerate(CampaignPage.objects.live().order_by("pk")[:2], start=1):
        message = message_create(
            campaign,
            segment,
            name=f"Đợt {number}",
            in_app_body="Chào {name}, xem ngay: {link}\nHọc thử: {action}",
        )
        campaign_message_send(message=message)
    inbox = Delivery.objects.filter(kind=CAMPAIGN_KIND, channel="in_app", status="sent")
    assert wait_until(lambda: inbox.filter(recipient__phone=CITIZEN).count() == 2, timeout=90)
    assert wait_until(lambda: inbox.filter(recipient__email=MANAGER).count() == 2, timeout=30)


def overflows(tab):
    """What ``assert_no_sideways_scroll`` finds on the page (a list, so one run names every page that fails)."""
    try:
        assert_no_sideways_scroll(tab)
    except AssertionError as error:
        return [str(error)]
    return []


def test_no_page_of_the_public_site_or_the_inbox_scrolls_sideways_at_360(
    live_server, demo_site, celery_worker, browser
):
    campaign_messages_to_the_inbox()
    base = live_server.url
    paths = live_paths() + FIXED_PATHS
    assert len(paths) > 20, paths
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    failures = []
    for path in paths:
        response = tab.goto(base + path)
        assert response.status < 500, (path, response.status)
        failures += overflows(tab)

    # The inbox of demo people with campaign messages (their links are buttons), and their own pages.
    for identifier, own_pages in SIGNED_IN.items():
        tab.context.clear_cookies()
        tab.goto(f"{base}/account/sign-in/?next=/inbox/")
        tab.locator("input[name=username]").fill(identifier)
        tab.locator("input[name=password]").fill(demo_site)
        tab.locator("main form button[type=submit]").click()
        tab.wait_for_url(re.compile(r"/inbox/$"))
        assert tab.locator(".inbox-body a.button").count() >= 2, identifier
        failures += overflows(tab)
        for path in own_pages:
            response = tab.goto(base + path)
            assert response.status < 500, (path, response.status)
            failures += overflows(tab)
    context.close()
    assert not failures, "\n".join(failures)
