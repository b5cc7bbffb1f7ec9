"""The site in a real browser: Debian's Chromium, a phone-sized window, no JavaScript needed."""

import re

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD, UserFactory
from tests.courses.factories import tutorial_create, tutorial_index_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def content(home_page):
    index = tutorial_index_create(home_page, show_in_menus=True)
    tutorial_create(
        index,
        "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia",
        slug="dang-ky-tai-khoan",
        summary="Tạo tài khoản để nộp hồ sơ trực tuyến.",
    )
    tutorial_create(index, "Thanh toán lệ phí trực tuyến", slug="thanh-toan")
    return index


def test_home_search_without_diacritics_then_an_old_english_link(live_server, content, page):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("link", name="Hướng dẫn", exact=True)).to_be_visible()

    page.get_by_label("Tìm hướng dẫn").fill("dich vu cong")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=dich\+vu\+cong"))
    result = page.get_by_role("link", name="Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia")
    expect(result).to_be_visible()

    # One language (docs/languages.md): no switcher; an old English address lands on the same page.
    expect(page.get_by_role("link", name="English")).to_have_count(0)
    page.goto(live_server.url + "/en/search/?q=dich+vu+cong")
    expect(page).to_have_url(live_server.url + "/search/?q=dich+vu+cong")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(result).to_be_visible()

    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hướng dẫn đăng ký tài khoản trên Cổng Dịch vụ công quốc gia"
    )
    assert "/en/" not in page.url


def test_site_works_without_javascript_on_a_phone(live_server, content, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    tab = context.new_page()
    try:
        tab.goto(live_server.url + "/")
        # Nothing overflows a 360 px screen.
        assert tab.evaluate("document.documentElement.scrollWidth") <= 360
        tab.get_by_label("Tìm hướng dẫn").fill("thanh toan")
        tab.get_by_label("Tìm hướng dẫn").press("Enter")
        expect(tab.get_by_role("link", name="Thanh toán lệ phí trực tuyến")).to_be_visible()
    finally:
        context.close()


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@example.vn", is_superuser=True)


def test_admin_sign_in_in_the_browser(live_server, superuser, page):
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email hoặc số điện thoại").fill("admin@example.vn")
    page.get_by_label("Mật khẩu", exact=False).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Đăng nhập")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
