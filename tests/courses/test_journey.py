"""The citizen's journey in a real browser, and the failed-quiz path."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import User
from courses.models import Certificate, Enrolment
from tests.courses.factories import public_services_course, tutorial_create, tutorial_index_create
from tests.courses.steps import public_services_course_complete
from tests.support.browser import axe_violations, sign_up, welcome_continue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def learning_site(home_page):
    index = tutorial_index_create(home_page, show_in_menus=True)
    tutorial_create(
        index,
        "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia",
        slug="dang-ky-tai-khoan",
        summary="Tạo tài khoản để nộp hồ sơ trực tuyến.",
    )
    return public_services_course(home_page, issues_certificate=True)


@pytest.mark.usefixtures("english_interface")
def test_citizen_journey_from_search_to_verified_certificate(live_server, learning_site, celery_worker, page):
    base = live_server.url
    # Search the Vietnamese content without diacritics (the interface in the msgids), and open the tutorial.
    page.goto(base + "/")
    page.get_by_label("Search tutorials and guides").fill("dang ky tai khoan")
    page.get_by_label("Search tutorials and guides").press("Enter")
    page.get_by_role("link", name="Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia"
    )

    # Sign up, with a phone number (confirmed by the SMS code) and consent.
    page.goto(base + "/account/sign-up/?next=/khoa-hoc/dung-dich-vu-cong/")
    sign_up(page)
    welcome_continue(page)
    expect(page).to_have_url(re.compile(r"/khoa-hoc/dung-dich-vu-cong/$"))
    user = User.objects.get(phone="0987111222")
    assert user.privacy_consent_at is not None

    # Enrol, do the lessons (the second one's quiz) and pass the final test.
    public_services_course_complete(page)
    enrolment = Enrolment.objects.get(user=user)
    assert enrolment.completed_at is not None
    certificate = Certificate.objects.get(enrolment=enrolment)

    # My learning lists the certificate; download the PDF.
    page.goto(base + "/learn/my-learning/")
    expect(page.get_by_text(certificate.code)).to_be_visible()
    with page.expect_download() as download_info:
        page.goto(base + f"/certificates/{certificate.code}/")
        page.get_by_role("link", name=re.compile("Download the certificate")).click()
    pdf = download_info.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")

    # Anyone can verify it by its code, signed in or not.
    page.context.clear_cookies()
    page.goto(base + "/certificates/")
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(certificate.code.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text("Nguyễn Thị Hằng", exact=True).first).to_be_visible()
    expect(page.get_by_text("Dùng dịch vụ công trực tuyến").first).to_be_visible()
    expect(page.get_by_role("status").get_by_text("✓ Valid.")).to_be_visible()
    # Its Open Badges credential too, checked against the published key and status list.
    expect(page.get_by_role("region", name=re.compile("Open Badges")).get_by_text("✓ Valid.")).to_be_visible()


@pytest.mark.usefixtures("english_interface")
def test_a_failed_quiz_does_not_complete_the_course(live_server, learning_site, celery_worker, page):
    base = live_server.url
    page.goto(base + "/account/sign-up/?next=/khoa-hoc/dung-dich-vu-cong/")
    sign_up(page, name="Trần Văn Bình", phone="0987 333 444")
    welcome_continue(page)
    page.get_by_role("button", name="Start this course").click()
    page.get_by_role("button", name="Mark this lesson complete").click()
    page.get_by_label("Ngân hàng").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Not passed yet")
    expect(page.get_by_text("Công an cấp xã — correct answer")).to_be_visible()
    enrolment = Enrolment.objects.get(user__phone="0987333444")
    assert enrolment.completed_at is None
    assert not Certificate.objects.filter(enrolment=enrolment).exists()
    page.goto(base + "/khoa-hoc/dung-dich-vu-cong/")
    expect(page.get_by_text("1 of 2 lessons done")).to_be_visible()


def test_a_visitor_enrols_from_the_course_through_sign_up_and_the_welcome_page(
    live_server, learning_site, axe_source, browser
):
    """In Vietnamese, on a phone: the course's enrol button → sign-up → welcome → back on the course, enrolled."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    tab = context.new_page()
    base = live_server.url
    tab.goto(base + "/khoa-hoc/dung-dich-vu-cong/")
    with translation.override("vi"):
        tab.get_by_role("button", name=gettext("Start this course")).click()
        expect(tab).to_have_url(re.compile(r"/account/sign-up/\?next=%2Fkhoa-hoc%2Fdung-dich-vu-cong%2F$"))
        expect(tab.get_by_role("heading", level=1)).to_have_text(gettext("Create an account"))
        expect(tab.locator("[data-sign-in-note]")).to_contain_text("Dùng dịch vụ công trực tuyến")  # what will happen
        expect(tab.get_by_role("link", name=gettext("Sign in"), exact=True).last).to_be_visible()
        sign_up(tab, name="Lò Văn Phúc", phone="0987 555 666", language="vi")
        expect(tab).to_have_url(re.compile(r"/account/welcome/"))
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Lò Văn Phúc")
        expect(tab.get_by_text("Dùng dịch vụ công trực tuyến").first).to_be_visible()  # "enrolled in …"
        assert tab.evaluate("document.documentElement.scrollWidth") <= 360
        assert axe_violations(tab, axe_source) == []
        welcome_continue(tab, language="vi")
        expect(tab).to_have_url(re.compile(r"/khoa-hoc/dung-dich-vu-cong/$"))
        expect(tab.get_by_role("link", name=gettext("Continue where you left off"))).to_be_visible()
        expect(tab.get_by_role("button", name=gettext("Start this course"))).to_have_count(0)
    learner = User.objects.get(phone="0987555666")
    assert Enrolment.objects.filter(user=learner, course=learning_site, completed_at__isnull=True).exists()
    context.close()
