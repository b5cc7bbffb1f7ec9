"""What a phone downloads on a first visit to a demo tutorial (docs/performance.md, "Offline (PWA)"):
under 100 KB before the page has loaded, gzip as a proxy would send it; the worker and what it keeps
come after the load event, and the scripts stay under 30 KB gzip in total."""

import gzip

import pytest
from playwright.sync_api import expect

from courses.models import TutorialPage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIRST_LOAD_MAX = 100 * 1024
SCRIPTS_MAX = 30 * 1024
BENCH_TUTORIAL = "dang-ky-tai-khoan-cong-dich-vu-cong-quoc-gia"  # the tutorial `make bench` measures
TEXT = ("text/", "application/javascript", "application/json", "application/manifest+json", "image/svg")


def _weight(response):
    """Bytes on the wire: text gzip-compressed (level 6, as the proxy does), pictures as they are."""
    body = response.body()
    kind = response.headers.get("content-type", "")
    return len(gzip.compress(body, 6)) if kind.startswith(TEXT) else len(body)


def test_first_visit_to_a_tutorial_stays_light(live_server, demo_site, settings, page):
    settings.ROOT_URLCONF = "tests.support.media_urls"
    tutorial = TutorialPage.objects.get(slug=BENCH_TUTORIAL)
    seen = []
    page.context.on("requestfinished", lambda request: seen.append(request))  # the worker's requests too
    page.goto(live_server.url + tutorial.url, wait_until="load")
    before = list(seen)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("[data-offline-save]")).to_be_visible()
    page.wait_for_timeout(1500)  # the worker's install and the first visit's save
    after = [request for request in seen if request not in before]

    def total(requests):
        return sum(_weight(request.response()) for request in requests if request.response() is not None)

    first, later = total(before), total(after)
    print(f"\nfirst load: {len(before)} requests, {first} bytes; after load: {len(after)} requests, {later} bytes")
    for request in seen:
        where = "before" if request in before else "after "
        print(
            " ",
            where,
            "worker" if request.service_worker else "page  ",
            request.response().status,
            _weight(request.response()),
            request.url,
        )
    assert first < FIRST_LOAD_MAX
    assert not [request for request in before if request.url.endswith("/sw.js")]  # registered after load
    scripts = [request for request in seen if request.url.endswith(".js")]
    assert sum(_weight(request.response()) for request in scripts) < SCRIPTS_MAX
