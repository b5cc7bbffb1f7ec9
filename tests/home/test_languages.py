"""One public language, Vietnamese, without a prefix (docs/languages.md).

Every old English address (``/en/…``, in SMS, e-mails, posters, bookmarks and search engines) answers a
permanent redirect to the same address without the prefix, query string kept, before the page cache,
sessions and Wagtail: no query, no render.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outreach.reminders.planning import Links
from tests.courses.factories import tutorial_create, tutorial_index_create
from tests.outreach.factories import campaign_create, message_create, segment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký khai sinh", slug="dang-ky-khai-sinh")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/en/", "/"),
        ("/en", "/"),
        ("/en?from=sms", "/?from=sms"),
        ("/en/huong-dan/dang-ky-khai-sinh/", "/huong-dan/dang-ky-khai-sinh/"),
        (
            "/en/huong-dan/dang-ky-khai-sinh/?from=qr&utm_source=zalo",
            "/huong-dan/dang-ky-khai-sinh/?from=qr&utm_source=zalo",
        ),
        ("/en/c/ABC234/", "/c/ABC234/"),
        ("/en/account/sign-in/?next=/learn/my-learning/", "/account/sign-in/?next=/learn/my-learning/"),
        ("/en/certificates/KNS-2026-0001/", "/certificates/KNS-2026-0001/"),
        ("/en/minh-bach/", "/minh-bach/"),
        ("/en/h%C6%B0%E1%BB%9Bng-d%E1%BA%ABn/", "/h%C6%B0%E1%BB%9Bng-d%E1%BA%ABn/"),
    ],
)
def test_every_old_english_address_is_a_permanent_redirect_without_a_query(
    tutorial, old, new, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = Client().get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert "X-Page-Cache" not in response and not response.cookies


def test_the_redirect_lands_on_the_vietnamese_page(tutorial):
    response = Client().get("/en/huong-dan/dang-ky-khai-sinh/?from=sms", follow=True)
    assert response.redirect_chain == [("/huong-dan/dang-ky-khai-sinh/?from=sms", 301)]
    assert response.status_code == 200 and '<html lang="vi">' in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/en//evil.example/", "/en/\\evil.example/", "/en/%2F%2Fevil.example/", "/en/%5Cevil.example/"]
)
def test_the_redirect_never_leaves_the_site(path):
    response = Client().get(path)
    assert response.status_code == 301
    assert response["Location"] == "/evil.example/"  # a path on this site, never //host


@pytest.mark.parametrize("method", ["head", "post"])
def test_other_methods_are_redirected_too(tutorial, method):
    response = getattr(Client(), method)("/en/huong-dan/dang-ky-khai-sinh/")
    assert (response.status_code, response["Location"]) == (301, "/huong-dan/dang-ky-khai-sinh/")


@pytest.mark.parametrize("path", ["/english/", "/envelope/", "/huong-dan/en/", "/ena/"])
def test_addresses_that_only_start_like_en_are_not_redirected(tutorial, path):
    assert Client().get(path).status_code == 404


def test_pages_are_vietnamese_whatever_the_browser_asks_and_have_no_switcher(tutorial):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    browser.cookies["django_language"] = "en"
    response = browser.get(tutorial.url)
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "vi"
    assert '<html lang="vi">' in html
    assert 'hreflang="en"' not in html and 'lang="en"' not in html and "/en/" not in html
    assert 'class="lang"' not in html  # the old language switcher


def test_the_set_language_view_is_gone(tutorial):
    assert Client().post("/i18n/setlang/", {"language": "en"}).status_code == 404


def test_addresses_have_no_prefix_in_any_active_language():
    for language in ("vi", "en"):
        with translation.override(language):
            assert reverse("accounts:sign_in") == "/account/sign-in/"
            assert reverse("wagtail_serve", args=["huong-dan/"]) == "/huong-dan/"


def test_reminder_links_have_no_prefix_even_for_someone_who_chose_english_messages(settings):
    links = Links()
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    for language in ("vi", "en"):
        assert links.certificate("KNS-2026-0001", language).link == base + "/certificates/KNS-2026-0001/"
        assert links.named("accounts:sign_in", language) == base + "/account/sign-in/"


def test_a_person_who_once_chose_english_messages_gets_them_in_vietnamese():
    from outreach.delivery.outbox import Person

    for language in ("vi", "en", ""):
        person = Person(1, "Lan", "lan@example.vn", None, language, None, None, None)
        assert person.lang == "vi"


@pytest.mark.parametrize("preferred", ["vi", "en"])
def test_campaign_messages_are_vietnamese_and_their_links_have_no_prefix(home_page, preferred):
    from outreach.campaigns import messages
    from tests.accounts.factories import UserFactory

    campaign = campaign_create(home_page)
    message = message_create(campaign, segment_create())
    person = UserFactory(preferred_language=preferred, email="lan@example.vn", phone="0912000111")
    with translation.override("en"):  # whatever the worker's active language was
        texts, _channels = messages.message_preview(message=message, user=person)
    assert texts
    for _subject, body in texts.values():
        assert "/en/" not in body
    with translation.override("vi"):
        footer = translation.gettext("Unsubscribe: %(url)s").split("%")[0]
    assert footer != "Unsubscribe: " and footer in texts["sms"][1]
