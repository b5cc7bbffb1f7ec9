"""Offline in a real Chromium (docs/offline.md): pages opened are read offline with their pictures, a
lesson completed offline is recorded once when the connection returns, a replayed submission records
nothing twice, the next person on the same browser gets none of the previous person's pages, and the
admin is never kept."""

import io
import json
import uuid

import pytest
from django.conf import settings
from django.core.files.images import ImageFile
from django.test import Client
from PIL import Image as PILImage
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from wagtail.images import get_image_model

from core.page_views import pending_page_views
from courses.models import LessonCompletion, QuizAttempt, SubmissionKey
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, question, tutorial_create, tutorial_index_create
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = "kns-pages-1"
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(name + " " + request.url);
  }
  return urls;
}"""
IMAGE_SHOWN = "img => img.complete && img.naturalWidth > 0"


def _picture(name):
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 360), (20, 120, 60)).save(buffer, "PNG")
    return get_image_model().objects.create(
        title=name, file=ImageFile(io.BytesIO(buffer.getvalue()), name=f"{name}.png")
    )


def _body(text, picture):
    return [
        {"type": "paragraph", "value": f"<p>{text}</p>"},
        {"type": "image", "value": {"image": picture.pk, "decorative": False, "alt_text": text}},
    ]


@pytest.fixture
def site(home_page, settings):
    settings.ROOT_URLCONF = "tests.support.media_urls"
    picture = _picture("buoc-mot")
    tutorial = tutorial_create(
        tutorial_index_create(home_page),
        "Đăng ký tài khoản",
        slug="dang-ky",
        body=_body("Mở cổng dịch vụ công.", picture),
    )
    course = course_create(
        home_page,
        lessons=[
            ("Bài một", _body("Nội dung bài một.", picture)),
            ("Bài hai", _body("Nội dung bài hai.", picture)),
            ("Bài ba", [*_body("Nội dung bài ba.", picture), question("Mã OTP có được chia sẻ không?")]),
        ],
    )
    lessons = list(course.get_children().specific())
    return {"tutorial": tutorial, "lessons": lessons}


def _sign_in(context, base, user):
    """The person's session in the browser (the sign-in form has tests of its own)."""
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )


def _kept(tab, url):
    return tab.evaluate(f"caches.open('{PAGES}').then(c => c.match({json.dumps(url)})).then(r => !!r)")


def _open_and_keep(tab, url):
    tab.goto(url)
    tab.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert wait_until(lambda: _kept(tab, url), timeout=15), f"{url} was not kept"


def test_read_offline_complete_offline_recorded_once_when_back(live_server, site, page):
    base = live_server.url
    context = page.context
    learner = UserFactory(full_name="Trần Văn Học")
    _sign_in(context, base, learner)
    tutorial_url = base + site["tutorial"].url
    lesson, second, third = site["lessons"]
    lesson_url = base + lesson.url

    _open_and_keep(page, tutorial_url)  # a first visit: kept after load
    # The worker fetched the tutorial again to keep it; that copy is not a second view.
    assert pending_page_views(site["tutorial"].pk, kind="tutorial") == 1
    _open_and_keep(page, lesson_url)  # the worker is there now: kept on the way
    expect(page.locator("[data-offline-save]")).to_be_visible()

    context.set_offline(True)
    for url, text in ((tutorial_url, "Mở cổng dịch vụ công."), (lesson_url, "Nội dung bài một.")):
        page.goto(url)
        expect(page.get_by_text(text)).to_be_visible()
        picture = page.locator("main img").first
        expect(picture).to_be_visible()
        assert picture.evaluate(IMAGE_SHOWN)

    # Complete the lesson offline: kept in the browser, nothing sent.
    page.locator("form[data-offline] button[type=submit]").click()
    expect(page.locator("#offline-status")).to_be_visible()
    assert len(page.evaluate("JSON.parse(localStorage.getItem('kns-offline-queue'))")) == 1
    assert not LessonCompletion.objects.exists()

    # Back online: sent once, with a fresh token; the page shows the lesson done.
    context.set_offline(False)
    assert wait_until(lambda: LessonCompletion.objects.filter(user=learner, lesson=lesson).exists(), timeout=15)
    expect(page.locator("form[data-offline]")).to_have_count(0)
    expect(page.locator(".lesson .message-success")).to_be_visible()
    assert page.evaluate("localStorage.getItem('kns-offline-queue')") is None
    assert LessonCompletion.objects.filter(user=learner).count() == 1
    assert SubmissionKey.objects.filter(user=learner).count() == 1

    # A quiz answered offline: sent when back, graded by the server.
    _open_and_keep(page, base + third.url)
    context.set_offline(True)
    page.reload()
    page.get_by_label("Đúng").check()
    page.locator("form.quiz button[type=submit]").click()
    expect(page.locator("#offline-status")).to_be_visible()
    context.set_offline(False)
    assert wait_until(lambda: QuizAttempt.objects.filter(user=learner, lesson=third).exists(), timeout=15)
    attempt = QuizAttempt.objects.get(user=learner, lesson=third)
    assert attempt.passed and attempt.score == 100
    assert LessonCompletion.objects.filter(user=learner, lesson=third).count() == 1
    expect(page.locator("form.quiz")).to_be_visible()  # reloaded: "you passed", the quiz may be taken again
    expect(page.locator("section .message-success")).to_be_visible()

    # The same queued submission sent twice (two tabs, a retry): recorded once.
    owner = page.locator("body").get_attribute("data-offline-owner")
    key = str(uuid.uuid4())
    item = {
        "url": f"{base}/learn/lessons/{second.pk}/complete/",
        "fields": [],
        "key": key,
        "owner": owner,
        "page": "/x/",
        "at": 0,
        "tries": 0,
    }
    page.evaluate(
        "item => { item.at = Date.now(); localStorage.setItem('kns-offline-queue', JSON.stringify([item, item]));"
        " window.dispatchEvent(new Event('online')); }",
        item,
    )
    assert wait_until(lambda: page.evaluate("localStorage.getItem('kns-offline-queue')") is None, timeout=15)
    assert LessonCompletion.objects.filter(user=learner, lesson=second).count() == 1
    assert SubmissionKey.objects.filter(user=learner, key=key).count() == 1

    # Someone else's queued submission is not sent as this person's.
    page.evaluate(
        "item => { item.at = Date.now(); localStorage.setItem('kns-offline-queue', JSON.stringify([item]));"
        " window.dispatchEvent(new Event('online')); }",
        {**item, "key": str(uuid.uuid4()), "owner": "someone-else"},
    )
    page.wait_for_timeout(1000)
    assert LessonCompletion.objects.filter(user=learner).count() == 3
    assert len(page.evaluate("JSON.parse(localStorage.getItem('kns-offline-queue'))")) == 1


def test_the_next_person_gets_none_of_the_previous_persons_pages(live_server, site, page):
    base = live_server.url
    context = page.context
    first = UserFactory(full_name="Người Thứ Nhất")
    _sign_in(context, base, first)
    lesson_url = base + site["lessons"][0].url
    _open_and_keep(page, lesson_url)
    _open_and_keep(page, base + site["tutorial"].url)

    # Another person signs in on the same browser: the first page they see empties the kept pages.
    _sign_in(context, base, UserFactory(full_name="Người Thứ Hai"))
    page.goto(base + "/")
    assert wait_until(lambda: not [url for url in page.evaluate(CACHED_URLS) if url.startswith(PAGES)], timeout=15)

    context.set_offline(True)
    page.goto(lesson_url)
    expect(page.locator("article.offline")).to_be_visible()  # the offline page, not the first person's lesson
    assert "Người Thứ Nhất" not in page.content()
    assert page.locator("body").get_attribute("data-offline-owner") is None


def test_the_admin_is_never_kept(live_server, site, page):
    base = live_server.url
    context = page.context
    _sign_in(context, base, UserFactory(superuser=True))
    _open_and_keep(page, base + site["tutorial"].url)
    lesson = site["lessons"][0]
    for path in ("/admin/", f"/admin/pages/{lesson.pk}/edit/", f"/admin/pages/{lesson.pk}/edit/preview/?mode="):
        page.goto(base + path)
    page.goto(base + site["tutorial"].url)
    urls = page.evaluate(CACHED_URLS)
    assert any(site["tutorial"].url in url for url in urls)
    assert not [url for url in urls if "/admin/" in url]
    context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(base + "/admin/")
