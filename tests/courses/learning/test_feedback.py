"""'Was this helpful?': CSRF-protected although the pages asking it are cached, and limited per client.

The reproduction of issue 12: five ``curl -X POST -d 'helpful=no&comment=spam' …/learn/feedback/<id>/``
with no cookie added five rows. Now such a POST is refused (403, nothing written), and a client
that fetches a token each time is stopped after ``FEEDBACK_RATE_LIMIT`` answers in the window.
"""

import re

import pytest
from django.test import Client
from django.utils.translation import gettext

from courses.models import Feedback
from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def tutorial(home_page):
    return tutorial_create(tutorial_index_create(home_page), "Đăng ký tài khoản", slug="dang-ky")


def browser(**headers):
    """A client that checks CSRF tokens, as a real server does for a browser (or curl)."""
    return Client(enforce_csrf_checks=True, **headers)


def answer(client, tutorial, helpful="no", comment="Khó hiểu"):
    """What a visitor does from the tutorial page: open the feedback step, then send it."""
    step = client.get(f"/learn/feedback/{tutorial.pk}/", {"helpful": helpful})
    assert step.status_code == 200
    token = TOKEN.search(step.content.decode()).group(1)
    return client.post(
        f"/learn/feedback/{tutorial.pk}/", {"helpful": helpful, "comment": comment, "csrfmiddlewaretoken": token}
    )


def test_a_post_without_a_csrf_token_is_refused_and_writes_nothing(tutorial):
    for _ in range(5):  # the reproduction: five bare POSTs, no cookie
        response = browser().post(f"/learn/feedback/{tutorial.pk}/", {"helpful": "no", "comment": "spam"})
        assert response.status_code == 403
        assert "403_csrf.html" in [template.name for template in response.templates]
    assert not Feedback.objects.exists()


def test_a_signed_in_post_without_a_token_is_refused(tutorial):
    client = browser()
    client.force_login(UserFactory())
    assert client.post(f"/learn/feedback/{tutorial.pk}/", {"helpful": "yes"}).status_code == 403
    assert not Feedback.objects.exists()


def test_the_cached_page_leads_to_a_step_that_carries_a_token(tutorial):
    anonymous = browser()
    anonymous.get(tutorial.url)
    page = anonymous.get(tutorial.url)
    assert page["X-Page-Cache"] == "hit"
    html = page.content.decode()
    assert f'<form method="get" action="/learn/feedback/{tutorial.pk}/">' in html
    assert "csrfmiddlewaretoken" not in html

    step = anonymous.get(f"/learn/feedback/{tutorial.pk}/", {"helpful": "no"})
    assert "X-Page-Cache" not in step
    assert "no-cache" in step["Cache-Control"]
    assert "csrftoken" in step.cookies
    assert re.search(r'<input type="radio" name="helpful" value="no"[^>]*checked', step.content.decode())
    assert TOKEN.search(step.content.decode())


def test_the_step_records_the_answer_once_per_browser(tutorial):
    client = browser()
    response = answer(client, tutorial, "no", "Khó hiểu")
    assert response.status_code == 302
    assert response["Location"] == tutorial.url
    answer(client, tutorial, "yes", "")
    assert list(Feedback.objects.values_list("helpful", "comment")) == [(False, "Khó hiểu")]
    assert gettext("Thank you for your feedback.") in client.get(tutorial.url).content.decode()


def test_a_bad_answer_is_shown_again_with_an_error_and_writes_nothing(tutorial, home_page):
    client = browser()
    step = client.get(f"/learn/feedback/{tutorial.pk}/")
    token = TOKEN.search(step.content.decode()).group(1)
    response = client.post(f"/learn/feedback/{tutorial.pk}/", {"helpful": "maybe", "csrfmiddlewaretoken": token})
    assert response.status_code == 400
    assert "Vui lòng chọn “Có” hoặc “Không”." in response.content.decode()
    assert not Feedback.objects.exists()
    assert client.get(f"/learn/feedback/{home_page.pk}/").status_code == 404


def test_the_sixth_answer_from_one_client_in_the_window_is_refused(tutorial, settings):
    assert settings.FEEDBACK_RATE_LIMIT == 5
    for _ in range(5):  # five visitors (five sessions) from one address: all recorded
        assert answer(browser(REMOTE_ADDR="198.51.100.7"), tutorial).status_code == 302
    sixth = browser(REMOTE_ADDR="198.51.100.7")
    response = answer(sixth, tutorial)
    assert response.status_code == 302
    assert Feedback.objects.count() == 5
    refused = sixth.get(tutorial.url).content.decode()
    assert "Bạn đã gửi nhiều ý kiến trong thời gian ngắn." in refused
    assert answer(browser(REMOTE_ADDR="198.51.100.8"), tutorial).status_code == 302
    assert Feedback.objects.count() == 6


def test_behind_the_trusted_proxy_each_client_has_its_own_limit(tutorial, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]

    def behind_proxy(address):
        return browser(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)

    for _ in range(6):
        answer(behind_proxy("203.0.113.5"), tutorial)
    assert Feedback.objects.count() == 5
    answer(behind_proxy("203.0.113.6"), tutorial)
    assert Feedback.objects.count() == 6
