"""An anonymous visitor's enrol button (to sign-up, enrolled on the way back) and the refusals' links."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from courses.learning.progress import course_access_error
from courses.models import Audience, Enrolment
from tests.accounts.codes_support import planned_code
from tests.accounts.factories import PASSWORD, UserFactory
from tests.courses.factories import course_create

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "mat-khau-dai-2026!"


def sign_up_form(**overrides):
    data = {
        "full_name": "Lò Thị Mai",
        "identifier": "0977 000 111",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "consent": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def course(home_page):
    return course_create(home_page, title="Dùng VNeID", slug="dung-vneid", lessons=[("Một", []), ("Hai", [])])


def enrol(client, course):
    return client.post(reverse("courses:course_enrol", args=[course.pk]))


class TestAnonymousEnrol:
    @pytest.mark.usefixtures("english_interface")
    def test_the_course_page_offers_enrolment_and_says_an_account_comes_first(self, client, course):
        html = client.get(course.url).content.decode()
        assert f'action="/learn/courses/{course.pk}/enrol/"' in html
        assert "Start this course" in html and "First you create an account (or sign in)" in html

    def test_the_button_goes_to_sign_up_with_next_back_to_the_course(self, client, course):
        response = enrol(client, course)
        assert response.status_code == 302
        assert response["Location"] == f"/account/sign-up/?next={quote(course.url, safe='')}"
        assert not Enrolment.objects.exists()

    def test_after_sign_up_the_person_is_enrolled_welcomed_and_sent_back(self, client, course):
        sign_up_url = enrol(client, course)["Location"]
        page = client.get(sign_up_url).content.decode()
        assert f'name="next" value="{course.url}"' in page
        response = client.post(sign_up_url, sign_up_form())
        # By phone: the account waits for its SMS code, and so does the enrolment.
        assert response["Location"] == reverse("accounts:sign_up_confirm")
        user = User.objects.get(phone="0977000111")
        assert not Enrolment.objects.exists()
        response = client.post(response["Location"], {"code": planned_code(user.phone)})
        assert response["Location"] == f"/account/welcome/?next={quote(course.url, safe='')}"
        assert Enrolment.objects.filter(user=user, course=course).exists()
        welcome = client.get(response["Location"]).content.decode()
        assert f'<a class="button" href="{course.url}">' in welcome
        assert "Dùng VNeID" in welcome  # "You are enrolled in Dùng VNeID."
        # On the course: no enrol button any more, the lessons to continue.
        html = client.get(course.url).content.decode()
        assert "/enrol/" not in html

    def test_someone_with_an_account_signs_in_from_the_sign_up_page_and_is_enrolled(self, client, course):
        user = UserFactory(email="mai@example.vn")
        sign_up_url = enrol(client, course)["Location"]
        page = client.get(sign_up_url).content.decode()
        sign_in_url = f"/account/sign-in/?next={course.url}"  # the template's urlencode keeps the slashes
        assert f'href="{sign_in_url}"' in page
        response = client.post(sign_in_url, {"username": "mai@example.vn", "password": PASSWORD})
        assert response["Location"] == course.url
        assert Enrolment.objects.filter(user=user, course=course).exists()

    def test_a_civil_servants_course_sends_the_visitor_to_sign_in_and_keeps_nothing(self, client, home_page):
        course = course_create(home_page, slug="cong-vu", audience=Audience.CIVIL_SERVANTS)
        response = enrol(client, course)
        assert response["Location"].startswith("/account/sign-in/?next=")
        citizen = UserFactory(email="dan@example.vn")
        client.post("/account/sign-in/", {"username": "dan@example.vn", "password": PASSWORD})
        assert not Enrolment.objects.filter(user=citizen).exists()

    def test_a_pending_enrolment_the_person_may_not_take_is_skipped(self, client, home_page, course):
        enrol(client, course)
        course.unpublish()
        client.post("/account/sign-up/", sign_up_form())
        assert not Enrolment.objects.exists()
        assert User.objects.filter(phone="0977000111").exists()

    def test_the_sign_in_page_links_to_sign_up_and_back_keeping_next(self, client, course):
        next_q = quote(course.url, safe="")
        sign_in = client.get(f"/account/sign-in/?next={next_q}").content.decode()
        assert f'href="/account/sign-up/?next={course.url}"' in sign_in
        sign_up = client.get(f"/account/sign-up/?next={next_q}").content.decode()
        assert f'href="/account/sign-in/?next={course.url}"' in sign_up


def _label(html, pattern):
    match = re.search(pattern, html, re.S)
    assert match, pattern
    return match.group(1).strip()


class TestTwoMeaningsOfDangKy:
    """Đăng ký reads both "sign up" and "enrol": on the course page the two are different words."""

    @pytest.mark.usefixtures("english_interface")
    def test_the_header_says_create_an_account_and_the_course_says_start_this_course(self, client, course):
        html = client.get(course.url).content.decode()
        header = _label(html, r'<nav class="account-nav".*?href="/account/sign-up/\?next=[^"]*">([^<]*)</a>')
        button = _label(html, r'<button type="submit" data-action="enrol">([^<]*)</button>')
        assert header == "Create an account" and button == "Start this course"
        with translation.override("en"):
            assert header != button and "Sign up" not in html and "Enrol in this course" not in html

    def test_the_vietnamese_page_uses_the_same_markup(self, client, course):
        html = client.get(course.url).content.decode()
        assert f'action="/learn/courses/{course.pk}/enrol/"' in html and 'data-action="enrol"' in html
        assert 'href="/account/sign-up/?next=' in html


class TestSafeAndVisible:
    """The enrolment is written only by the person's own CSRF-checked sign-up or sign-in POST, and
    both pages say beforehand which course it will be."""

    def test_a_get_of_the_enrol_address_is_refused_and_writes_nothing(self, client, course):
        assert client.get(reverse("courses:course_enrol", args=[course.pk])).status_code == 405
        assert "kns_progress" not in client.session

    def test_opening_the_pages_on_the_way_enrols_nobody(self, client, course):
        user = UserFactory(email="mai@example.vn")
        sign_up_url = enrol(client, course)["Location"]
        client.get(sign_up_url)
        client.get(f"/account/sign-in/?next={course.url}")
        client.force_login(user)  # signed in without the sign-in form: no hook, no enrolment
        client.get(reverse("accounts:account_welcome"))
        client.get(course.url)
        assert not Enrolment.objects.exists()

    @pytest.mark.usefixtures("english_interface")
    def test_sign_up_and_sign_in_say_which_course_the_person_will_be_enrolled_in(self, client, course):
        sign_up_url = enrol(client, course)["Location"]
        for url in (sign_up_url, f"/account/sign-in/?next={course.url}"):
            html = client.get(url).content.decode()
            assert html.count("data-sign-in-note") == 1, url
            assert "You will be enrolled in the course “Dùng VNeID” as soon as you are signed in." in html, url

    def test_without_a_pending_course_there_is_no_note(self, client, course):
        assert "data-sign-in-note" not in client.get("/account/sign-up/").content.decode()
        assert "data-sign-in-note" not in client.get("/account/sign-in/").content.decode()

    def test_a_sign_up_post_without_the_csrf_token_is_refused_and_enrols_nobody(self, course):
        browser = Client(enforce_csrf_checks=True)
        # The course page is cached for visitors, so its enrol form carries no token: the POST still works…
        response = browser.post(reverse("courses:course_enrol", args=[course.pk]))
        assert response.status_code == 302 and response["Location"].startswith("/account/sign-up/")
        # …but nothing is written until the person's own sign-up form, which needs the token.
        assert browser.post("/account/sign-up/", sign_up_form()).status_code == 403
        assert not User.objects.exists() and not Enrolment.objects.exists()
        browser.get(response["Location"])
        token = browser.cookies["csrftoken"].value
        by_email = sign_up_form(identifier="mai.lo@example.vn")  # by phone it would wait for its SMS code first
        response = browser.post("/account/sign-up/", {**by_email, "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert Enrolment.objects.filter(user__email="mai.lo@example.vn", course=course).exists()

    def test_a_sign_in_post_without_the_csrf_token_is_refused_and_enrols_nobody(self, course):
        UserFactory(email="mai@example.vn")
        browser = Client(enforce_csrf_checks=True)
        browser.post(reverse("courses:course_enrol", args=[course.pk]))
        response = browser.post("/account/sign-in/", {"username": "mai@example.vn", "password": PASSWORD})
        assert response.status_code == 403 and not Enrolment.objects.exists()

    def test_a_signed_in_enrol_post_needs_the_token(self, course):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(UserFactory())
        assert browser.post(reverse("courses:course_enrol", args=[course.pk])).status_code == 403
        assert not Enrolment.objects.exists()

    def test_the_pending_course_is_claimed_once(self, client, course):
        user = UserFactory(email="mai@example.vn")
        enrol(client, course)
        client.post("/account/sign-in/", {"username": "mai@example.vn", "password": PASSWORD})
        Enrolment.objects.all().delete()
        client.logout()
        client.post("/account/sign-in/", {"username": "mai@example.vn", "password": PASSWORD})
        assert not Enrolment.objects.filter(user=user).exists()


@pytest.fixture
def chain(home_page):
    basics = course_create(home_page, title="Cơ bản", slug="co-ban", lessons=[("Một", [])])
    safety = course_create(home_page, title="An toàn", slug="an-toan", lessons=[("Một", [])])
    advanced = course_create(home_page, title="Nâng cao", slug="nang-cao")
    advanced.prerequisites.add(basics, safety)
    advanced.save_revision().publish()
    advanced.refresh_from_db()
    return basics, safety, advanced


class TestPrerequisites:
    def test_the_refusal_lists_the_missing_courses_as_pages(self, chain):
        basics, safety, advanced = chain
        refusal = course_access_error(user=UserFactory(), course=advanced)
        assert [page.pk for page in refusal.missing] == [basics.pk, safety.pk]
        assert "Cơ bản, An toàn" in str(refusal) and refusal.message == str(refusal)

    @pytest.mark.usefixtures("english_interface")
    def test_each_missing_course_is_a_link_on_the_course_and_lesson_pages(self, client, chain):
        basics, safety, advanced = chain
        client.force_login(UserFactory())
        for url in (advanced.url, advanced.lessons().first().url):
            html = client.get(url).content.decode()
            assert "Complete these courses first:" in html, url
            assert f'<a href="{basics.url}">Cơ bản</a>' in html, url
            assert f'<a href="{safety.url}">An toàn</a>' in html, url
            assert f"/learn/courses/{advanced.pk}/enrol/" not in html

    def test_a_completed_prerequisite_is_no_longer_listed(self, client, chain):
        from courses.learning import services

        basics, safety, advanced = chain
        user = UserFactory()
        services.lesson_complete(user=user, lesson=basics.lessons().first(), course=basics)
        client.force_login(user)
        html = client.get(advanced.url).content.decode()
        assert f'<a href="{safety.url}">An toàn</a>' in html
        assert f'<a href="{basics.url}">' not in html.split("message-error", 1)[1].split("</div>", 1)[0]

    @pytest.mark.usefixtures("english_interface")
    def test_an_enrol_post_anyway_says_the_names_in_plain_words(self, client, chain):
        advanced = chain[2]
        client.force_login(UserFactory())
        response = client.post(f"/learn/courses/{advanced.pk}/enrol/", follow=True)
        messages = [str(message) for message in response.context["messages"]]
        assert messages == ["Complete these courses first: Cơ bản, An toàn."]
        assert not Enrolment.objects.filter(course=advanced).exists()

    @pytest.mark.usefixtures("english_interface")
    def test_a_visitor_is_offered_sign_in_and_sign_up_back_to_the_course(self, client, chain):
        url = "/khoa-hoc/nang-cao/"
        html = client.get(url).content.decode()
        assert "Sign in to take this course: it has prerequisites." in html
        assert f'href="/account/sign-in/?next={url}"' in html
        assert f'href="/account/sign-up/?next={url}"' in html
