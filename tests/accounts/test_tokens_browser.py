"""The tokens page in a real browser on a 360 px phone: a person signs in, makes a token, sees it once,
revokes it; no sideways scroll and no WCAG 2.1 A/AA violation (axe-core). Plain forms: no script needed."""

import re

import pytest
from playwright.sync_api import expect

from accounts.tokens.models import PersonalAccessToken
from tests.accounts.factories import UserFactory
from tests.support.browser import axe_violations, site_sign_in
from tests.support.layout import assert_no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_person_makes_and_revokes_a_token_on_a_phone(live_server, browser, axe_source, english_interface):
    person = UserFactory(email="token@example.vn")
    context = browser.new_context(viewport={"width": 360, "height": 800})
    tab = context.new_page()
    try:
        site_sign_in(tab, live_server.url, person.email, next_path="/account/tokens/")
        expect(tab).to_have_url(re.compile(r"/account/tokens/$"))
        tab.get_by_label("Name", exact=True).fill("Cổng dịch vụ công tỉnh")
        tab.get_by_label("Your certificates").check()
        tab.get_by_role("button", name="Make the token").click()
        shown = tab.locator("[data-new-token]").inner_text()
        assert re.fullmatch(r"kns_[A-Za-z0-9_-]{43}", shown)
        assert_no_sideways_scroll(tab)  # the 47-character token wraps
        assert axe_violations(tab, axe_source) == []
        tab.goto(live_server.url + "/account/tokens/")
        assert tab.locator("[data-new-token]").count() == 0  # shown once
        tab.get_by_role("button", name="Revoke “Cổng dịch vụ công tỉnh”").click()
        expect(tab.locator("[data-token-id]")).to_contain_text("Revoked on")
        assert axe_violations(tab, axe_source) == []
    finally:
        context.close()
    assert PersonalAccessToken.objects.get(user=person).revoked_at is not None
