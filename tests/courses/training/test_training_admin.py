"""The training admin reads like the site: yes/no, "—", status labels, local dd/mm/yyyy HH:MM times, and
dd/mm/yyyy typed into its date fields (issue 13). The browser check is in test_training_admin_browser.py."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Assignment, AssignmentEvent
from courses.training.services import assignments_sync
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create

pytestmark = pytest.mark.django_db

RAW = re.compile(r">\s*(True|False|None)\s*<|\b(open|completed|exempt|cancelled) →")


@pytest.fixture
def assignment(home_page):
    unit = OrganisationUnitFactory(name="Xã B", code="C1")
    course = course_create(home_page, title="An toàn thông tin cơ bản")
    from courses.models import TrainingRequirement

    requirement = TrainingRequirement.objects.create(
        name="An toàn thông tin hằng năm", course=course, due_rule="after_assigned", due_days=30
    )
    requirement.units.add(unit)
    UserFactory(organisation_unit=unit, kind="civil_servant", full_name="Lê Văn Tám")
    assignments_sync(today=datetime.date(2026, 11, 1))
    return Assignment.objects.get()


def _inspect(client, assignment):
    return client.get(reverse("training_assignments:inspect", args=[assignment.pk])).content.decode()


def test_inspect_view_shows_yes_no_dashes_labels_and_local_times(client, assignment):
    admin = UserFactory(training_admin=True)
    client.force_login(admin)
    # 21:46 UTC on 1 December is 04:46 on 2 December in Hà Nội.
    Assignment.objects.filter(pk=assignment.pk).update(
        assigned_at=datetime.datetime(2026, 12, 1, 21, 46, tzinfo=datetime.UTC)
    )
    client.post(
        reverse("training_assignments:correct", args=[assignment.pk]),
        {"action": "mark_complete", "reason": "Chứng chỉ", "evidence": "Số 12", "completed_on": "20/11/2026"},
    )
    assignment.refresh_from_db()
    html = _inspect(client, assignment)
    assert "02/12/2026 04:46" in html
    assert "21:46" not in html
    assert not RAW.search(html), RAW.search(html)
    assert "Có" in html  # is_current
    assert "Đang mở → Đã hoàn thành" in html or "Open → Completed" in html
    assert "—" in html  # started_at, exempt_reason


def test_correction_form_takes_day_month_year_and_iso(client, assignment):
    client.force_login(UserFactory(training_admin=True))
    url = reverse("training_assignments:correct", args=[assignment.pk])
    data = {"action": "mark_complete", "reason": "Có bằng", "evidence": "Số 7", "completed_on": "20/11/2026"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:1500]
    assignment.refresh_from_db()
    assert timezone.localtime(assignment.completed_at).date() == datetime.date(2026, 11, 20)

    response = client.post(url, {"action": "reopen", "reason": "Nhầm", "due_on": "2026-12-24"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.due_on == datetime.date(2026, 12, 24)

    events = AssignmentEvent.objects.count()
    response = client.post(url, {"action": "reopen", "reason": "Nhầm", "due_on": "31/02/2026"})
    assert response.status_code == 200
    assert AssignmentEvent.objects.count() == events  # nothing written
    # The correction form's date fields are Wagtail's date pickers, set to dd/mm/yyyy.
    assert '"format": "d/m/Y"' in client.get(url).content.decode()


def test_listing_shows_yes_no_and_status_labels(client, assignment):
    client.force_login(UserFactory(training_admin=True))
    html = client.get(reverse("training_requirements:index")).content.decode()
    assert not RAW.search(html)
    html = client.get(reverse("training_assignments:index")).content.decode()
    assert not RAW.search(html)


def test_date_fields_read_day_month_year_in_both_languages():
    from django import forms
    from django.utils import translation

    for language in ("vi", "en"):
        with translation.override(language):
            field = forms.DateField()
            assert field.clean("01/02/2026") == datetime.date(2026, 2, 1)  # 1 February, never 2 January
            assert field.clean("2026-02-01") == datetime.date(2026, 2, 1)
            assert forms.DateTimeField().clean("20/11/2026 14:30").hour == 14
