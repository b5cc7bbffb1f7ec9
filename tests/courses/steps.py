"""Browser steps of the courses' journeys (labels read from the message catalogue)."""

from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect


def public_services_course_complete(tab, language="en", enrolled=False):
    """On the course's page: enrol (or, ``enrolled`` already, continue), read the first lesson, pass the
    second's quiz, then the final test."""
    with translation.override(language):
        if enrolled:
            tab.get_by_role("link", name=gettext("Continue where you left off")).click()
        else:
            tab.get_by_role("button", name=gettext("Start this course")).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến là gì?")
        tab.get_by_role("button", name=gettext("Mark this lesson complete")).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text("Tài khoản VNeID")
        tab.get_by_label("Công an cấp xã").check()
        tab.get_by_role("button", name=gettext("Submit answers")).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(gettext("You passed!"))
        tab.get_by_role("link", name=gettext("Back to the course")).click()
        tab.get_by_label("Không bao giờ").check()
        tab.get_by_role("button", name=gettext("Submit the test")).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(gettext("You passed!"))
