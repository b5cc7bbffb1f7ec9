"""Mandatory training in a real browser, with a real Celery worker: roster → requirement → learning → reports."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from core.localtime import local_today
from courses.models import Assignment, Audience, TrainingRequirement
from courses.training.services import assignments_sync
from tests.accounts.factories import PASSWORD, OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create
from tests.support.browser import admin_sign_in, site_sign_in
from tests.support.waiting import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEADER = "Họ và tên,Mã cán bộ,Email,Số điện thoại,Mã đơn vị,Chức vụ,Ngày bắt đầu\n"
GOOD_ROWS = (
    "Trần Thị Bích,CB-001,bich.tt@example.vn,0912000001,XA-01,Công chức Văn phòng,01/03/2024\n"
    "Phạm Minh Đức,CB-002,,0912000002,XA-01,Công chức Tư pháp,15/06/2025\n"
)
BAD_ROW = "Lê Văn Sai,CB-003,sai@example.vn,,XA-99,Văn thư,01/01/2025\n"
FIXED_ROW = "Lê Văn Sai,CB-003,sai@example.vn,,XA-02,Văn thư,01/01/2025\n"


@pytest.fixture
def province(home_page):
    province = OrganisationUnitFactory(name="Tỉnh Thử", code="TINH", kind="province")
    commune = OrganisationUnitFactory(name="Xã Một", code="XA-01", parent=province)
    OrganisationUnitFactory(name="Xã Hai", code="XA-02", parent=province)
    course = course_create(
        home_page,
        title="An toàn thông tin cho cán bộ",
        slug="an-toan-thong-tin",
        audience=Audience.CIVIL_SERVANTS,
        lessons=[("Mật khẩu mạnh", [{"type": "paragraph", "value": "<p>Dùng mật khẩu dài.</p>"}])],
    )
    UserFactory(email="daotao@example.vn", kind=User.Kind.CIVIL_SERVANT, is_staff=True, training_admin=True)
    manager = UserFactory(
        email="quanly@example.vn", kind=User.Kind.CIVIL_SERVANT, organisation_unit=commune, unit_manager=True
    )
    commune.managers.add(manager)
    return {"province": province, "commune": commune, "course": course}


def upload_roster(tab, base, content, tmp_path, name):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8-sig")
    tab.goto(base + "/admin/roster/upload/")
    tab.locator("input[type=file]").set_input_files(str(path))
    tab.locator("form[enctype] button[type=submit]").click()


@pytest.mark.usefixtures("english_interface")
def test_roster_to_compliance_report(live_server, province, celery_worker, tmp_path, page):
    base = live_server.url
    admin_sign_in(page, base, "daotao@example.vn")

    # 1. A roster with a wrong unit code: the dry run names the row and the reason, writes nothing.
    upload_roster(page, base, HEADER + GOOD_ROWS + BAD_ROW, tmp_path, "bad.csv")
    expect(page.get_by_text("XA-99").first).to_be_visible()
    expect(page.locator("#roster-apply")).to_have_count(0)
    assert not User.objects.filter(employee_code__startswith="CB-").exists()

    # 2. The corrected file: checked, then imported.
    upload_roster(page, base, HEADER + GOOD_ROWS + FIXED_ROW, tmp_path, "good.csv")
    page.locator("#roster-apply").click()
    assert wait_until(lambda: User.objects.filter(employee_code__startswith="CB-").count() == 3)
    bich = User.objects.get(employee_code="CB-001")
    assert bich.organisation_unit == province["commune"] and bich.kind == User.Kind.CIVIL_SERVANT

    # 3. A requirement for the commune, made in the admin; the worker assigns its two people.
    page.goto(base + "/admin/training/requirements/new/")
    page.locator("input[name=name]").fill("An toàn thông tin bắt buộc")
    page.locator("select[name=course]").select_option(str(province["course"].pk))
    page.locator("select[name=units]").select_option(str(province["commune"].pk))
    page.locator("select[name=due_rule]").select_option("after_assigned")
    page.locator("input[name=due_days]").fill("30")
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/admin/training/requirements/$"))
    requirement = TrainingRequirement.objects.get(name="An toàn thông tin bắt buộc")
    assert wait_until(lambda: Assignment.objects.filter(requirement=requirement).count() == 3)  # + the manager

    # 4. The civil servant signs in (an administrator set their first password), sees the assignment, learns.
    bich.set_password(PASSWORD)
    bich.save(update_fields=["password"])
    learner = page.context.browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    site_sign_in(learner, base, "bich.tt@example.vn")
    expect(learner.get_by_role("heading", level=1)).to_have_text("My training")
    card = learner.locator("li.assignment", has_text="An toàn thông tin bắt buộc")
    expect(card).to_contain_text("Not started")
    card.get_by_role("link", name=re.compile("^Start")).click()
    learner.get_by_role("button", name="Start this course").click()
    learner.get_by_role("button", name="Mark this lesson complete").click()
    expect(learner.get_by_text("Congratulations! You have completed the course.")).to_be_visible()
    learner.goto(base + "/learn/training/")
    expect(learner.locator("li.assignment", has_text="An toàn thông tin bắt buộc")).to_contain_text("Completed")

    # 5. The day after a due date, an assignment is overdue (a second requirement, due yesterday).
    overdue = TrainingRequirement.objects.create(
        name="Kỹ năng số nâng cao",
        course=province["course"],
        due_rule="fixed",
        due_on=local_today() - datetime.timedelta(days=1),
    )
    overdue.units.set([province["commune"]])
    assignments_sync(requirement_ids=[overdue.pk])
    learner.reload()
    # Completing the course earlier counts for the new requirement: a valid completion is not asked twice.
    expect(learner.locator("li.assignment", has_text="Kỹ năng số nâng cao")).to_contain_text("Completed")
    duc = User.objects.get(employee_code="CB-002")
    assert Assignment.objects.with_state().get(user=duc, requirement=overdue).state == "overdue"
    duc.set_password(PASSWORD)
    duc.save(update_fields=["password"])
    other = page.context.browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    site_sign_in(other, base, "0912000002")
    first_card = other.locator("li.assignment").first
    expect(first_card).to_contain_text("Kỹ năng số nâng cao")
    expect(first_card).to_contain_text("Overdue")

    # 6. The commune's manager sees who is done and who is overdue.
    manager = page.context.browser.new_context(viewport={"width": 1024, "height": 900}).new_page()
    site_sign_in(manager, base, "quanly@example.vn", next_path="/learn/team/")
    expect(manager.get_by_role("heading", level=1)).to_have_text("Your units' training")
    expect(manager.locator("main")).to_contain_text("Trần Thị Bích")
    expect(manager.locator("main")).to_contain_text("Phạm Minh Đức")

    # 7. The training office's compliance report counts the completion and the overdue people.
    page.goto(base + "/admin/compliance/")
    expect(page.locator("main")).to_contain_text("Xã Một")
    page.goto(base + f"/admin/compliance/people/?unit={province['commune'].pk}")
    expect(page.locator("main")).to_contain_text("Trần Thị Bích")
    for context in (learner.context, other.context, manager.context):
        context.close()
