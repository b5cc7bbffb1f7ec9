"""The welcome page after sign-up (/account/welcome/, ``accounts:account_welcome``)."""

import pytest
from django.urls import reverse

from courses.learning import services
from courses.models import Audience
from tests.accounts.factories import UserFactory
from tests.courses.factories import course_create, tutorial_index_create

pytestmark = pytest.mark.django_db

WELCOME = "/account/welcome/"


def test_its_url_and_name():
    assert reverse("accounts:account_welcome") == WELCOME


@pytest.mark.usefixtures("english_interface")
def test_it_greets_by_name_and_says_what_to_do_next(client, home_page):
    index = tutorial_index_create(home_page)
    client.force_login(UserFactory(full_name="Hoàng Thị Lan"))
    response = client.get(WELCOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome, Hoàng Thị Lan!" in html
    assert f'href="{index.url}"' in html  # browse the tutorials
    assert 'href="/account/notifications/"' in html
    assert '<li data-welcome="profile"><a href="/account/profile/">' in html
    assert 'href="/chinh-sach-bao-ve-du-lieu-ca-nhan/"' in html  # how their data is used
    assert 'href="/account/my-data/"' in html
    assert 'href="/learn/my-learning/"' in html
    assert "Continue where you were" not in html  # no page to go back to


def test_in_vietnamese_it_says_tao_tai_khoan_words_not_dang_ky(client):
    client.force_login(UserFactory(full_name="Hoàng Thị Lan"))
    html = client.get(WELCOME).content.decode()
    assert "Hoàng Thị Lan" in html and "Đăng ký" not in html


@pytest.mark.usefixtures("english_interface")
def test_a_safe_next_becomes_the_continue_button(client):
    client.force_login(UserFactory())
    html = client.get(WELCOME + "?next=/khoa-hoc/dung-vneid/").content.decode()
    assert '<a class="button" href="/khoa-hoc/dung-vneid/">Continue where you were</a>' in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_an_unsafe_next_is_not_offered(client, target):
    client.force_login(UserFactory())
    html = client.get(WELCOME, {"next": target}).content.decode()
    assert 'class="button"' not in html and f'href="{target}"' not in html


def test_visitors_are_asked_to_sign_in(client):
    response = client.get(WELCOME)
    assert response.status_code == 302 and response["Location"].startswith("/account/sign-in/")


@pytest.mark.usefixtures("english_interface")
def test_the_first_step_is_a_course_to_start_open_to_the_newcomer(client, home_page):
    advanced = course_create(home_page, title="Nâng cao", slug="nang-cao")
    course_create(home_page, title="Cho cán bộ", slug="cho-can-bo", audience=Audience.CIVIL_SERVANTS)
    basics = course_create(home_page, title="Cơ bản", slug="co-ban")
    advanced.prerequisites.add(basics)
    advanced.save_revision().publish()
    client.force_login(UserFactory())
    html = client.get(WELCOME).content.decode()
    first = html.split('<li data-welcome="course">', 1)[1].split("</li>", 1)[0]
    assert f'href="{basics.url}"' in first
    assert "A course to start with: Cơ bản" in first
    steps = html.split('class="cta-list first-steps"', 1)[1].split("</ol>", 1)[0]
    assert [name for name in ("course", "notifications", "profile") if f'data-welcome="{name}"' in steps] == [
        "course",
        "notifications",
        "profile",
    ]


@pytest.mark.usefixtures("english_interface")
def test_someone_enrolled_on_the_way_in_is_offered_their_course_first(client, home_page):
    course_create(home_page, title="Cơ bản", slug="co-ban")
    mine = course_create(home_page, title="Dùng VNeID", slug="dung-vneid")
    user = UserFactory()
    services.enrolment_create(user=user, course=mine)
    client.force_login(user)
    html = client.get(WELCOME).content.decode()
    first = html.split('<li data-welcome="course">', 1)[1].split("</li>", 1)[0]
    assert "Continue your course: Dùng VNeID" in first and mine.url in first


def test_with_no_course_at_all_the_first_steps_are_the_settings_and_the_profile(client):
    client.force_login(UserFactory())
    html = client.get(WELCOME).content.decode()
    assert 'data-welcome="course"' not in html
    assert 'data-welcome="notifications"' in html and 'data-welcome="profile"' in html
