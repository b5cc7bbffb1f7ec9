"""The welcome page after sign-up (/account/welcome/, ``accounts:account_welcome``)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.courses.factories import tutorial_index_create

pytestmark = pytest.mark.django_db

WELCOME = "/account/welcome/"


def test_its_url_and_name():
    assert reverse("accounts:account_welcome") == WELCOME


def test_it_greets_by_name_and_says_what_to_do_next(client, home_page):
    index = tutorial_index_create(home_page)
    client.force_login(UserFactory(full_name="Hoàng Thị Lan"))
    response = client.get("/en" + WELCOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome, Hoàng Thị Lan!" in html
    assert f'href="/en{index.url}"' in html or f'href="{index.url}"' in html  # browse the tutorials
    assert 'href="/en/account/notifications/"' in html
    assert 'href="/en/chinh-sach-bao-ve-du-lieu-ca-nhan/"' in html  # how their data is used
    assert 'href="/en/account/my-data/"' in html
    assert 'href="/en/learn/my-learning/"' in html
    assert "Continue where you were" not in html  # no page to go back to


def test_in_vietnamese_it_says_tao_tai_khoan_words_not_dang_ky(client):
    client.force_login(UserFactory(full_name="Hoàng Thị Lan"))
    html = client.get(WELCOME).content.decode()
    assert "Hoàng Thị Lan" in html and "Đăng ký" not in html


def test_a_safe_next_becomes_the_continue_button(client):
    client.force_login(UserFactory())
    html = client.get("/en" + WELCOME + "?next=/khoa-hoc/dung-vneid/").content.decode()
    assert '<a class="button" href="/khoa-hoc/dung-vneid/">Continue where you were</a>' in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_an_unsafe_next_is_not_offered(client, target):
    client.force_login(UserFactory())
    html = client.get(WELCOME, {"next": target}).content.decode()
    assert 'class="button"' not in html and f'href="{target}"' not in html


def test_visitors_are_asked_to_sign_in(client):
    response = client.get(WELCOME)
    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/")
