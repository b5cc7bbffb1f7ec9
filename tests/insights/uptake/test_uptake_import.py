"""The one-stop system's figures (issue 15, part 5): the file checked first (dry run), then imported all or nothing."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.html import escape

from core.localtime import local_today, months_add
from courses.models import PublicService
from insights.models import UptakeFigure, UptakeImport
from insights.uptake.messages import uptake_message
from insights.uptake.reading import count_parse, month_parse
from insights.uptake.services import uptake_check, uptake_import_apply, uptake_import_create
from tests.accounts.factories import OrganisationUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

EN = ["Procedure code", "Unit code", "Month", "Applications online", "Applications on paper"]
VI = ["Mã thủ tục", "Mã đơn vị", "Tháng", "Hồ sơ trực tuyến", "Hồ sơ giấy"]
LAST_MONTH = months_add(local_today().replace(day=1), -1)
TWO_AGO = months_add(LAST_MONTH, -1)
NEXT_MONTH = months_add(local_today().replace(day=1), 1)


@pytest.fixture
def world(db):
    province = OrganisationUnitFactory(name="Tỉnh Thử", code="P", kind="province")
    commune = OrganisationUnitFactory(name="Xã Một", code="XA-001", kind="commune", parent=province)
    other = OrganisationUnitFactory(name="Xã Hai", code="XA-002", kind="commune", parent=province)
    birth = PublicService.objects.create(
        name="Đăng ký khai sinh", agency="UBND cấp xã", procedure_code="1.001193", official_url="https://x.gov.vn"
    )
    licence = PublicService.objects.create(
        name="Đổi giấy phép lái xe", agency="Công an", procedure_code="1.002809", official_url="https://x.gov.vn"
    )
    return {"commune": commune, "other": other, "birth": birth, "licence": licence}


@pytest.fixture
def trainer(db):
    return UserFactory(email="daotao@example.gov.vn", training_admin=True)


def csv_bytes(rows, headers=EN, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode()


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


def good_rows():
    return [
        ["1.001193", "XA-001", f"{TWO_AGO:%Y-%m}", "40", "20"],
        ["1.001193", "XA-001", f"{LAST_MONTH:%m/%Y}", "45", "15"],
        ["1.002809", "XA-002", f"{LAST_MONTH:%m/%Y}", "1.200", "300"],
    ]


def stored():
    return sorted(UptakeFigure.objects.values_list("service__procedure_code", "unit__code", "month", "online", "paper"))


def errors_of(summary):
    return {(row, column, code) for row, column, _value, code, _params in summary["errors"]}


def test_month_and_count_formats():
    assert month_parse("2026-03") == datetime.date(2026, 3, 1)
    assert month_parse("03/2026") == datetime.date(2026, 3, 1)
    assert month_parse("3/2026") == datetime.date(2026, 3, 1)
    assert month_parse("Tháng 3/2026") == datetime.date(2026, 3, 1)
    assert month_parse(datetime.datetime(2026, 3, 17)) == datetime.date(2026, 3, 1)
    for wrong in ("13/2026", "2026-00", "03/26", "March", "1899-01", "2026-03-01x"):
        with pytest.raises(ValueError):
            month_parse(wrong)
    assert count_parse("1.234") == 1234
    assert count_parse("1 234") == 1234
    assert count_parse(12.0) == 12
    assert count_parse("0") == 0
    for wrong in ("-1", "1,5", 1.5, "12a", "٣", "²", True, "99999999999"):
        with pytest.raises(ValueError):
            count_parse(wrong)


def test_csv_check_writes_nothing_then_import_writes_every_figure(world):
    content = csv_bytes(good_rows())
    upload = uptake_import_create(user=None, file_name="so-lieu.csv", content=content)
    assert upload.status == UptakeImport.Status.CHECKED
    assert upload.summary["counts"] == {
        "rows": 3,
        "create": 3,
        "replace": 0,
        "unchanged": 0,
        "error_rows": 0,
        "errors": 0,
    }
    assert not UptakeFigure.objects.exists()  # the check writes nothing
    upload, imported = uptake_import_apply(import_id=upload.pk)
    assert imported and upload.status == UptakeImport.Status.APPLIED and upload.content is None
    assert stored() == [
        ("1.001193", "XA-001", TWO_AGO, 40, 20),
        ("1.001193", "XA-001", LAST_MONTH, 45, 15),
        ("1.002809", "XA-002", LAST_MONTH, 1200, 300),
    ]
    # A double click imports once.
    _upload, again = uptake_import_apply(import_id=upload.pk)
    assert not again
    assert UptakeFigure.objects.count() == 3


def test_xlsx_with_a_title_and_vietnamese_headers(world):
    rows = [["1.001193", "XA-001", datetime.datetime(LAST_MONTH.year, LAST_MONTH.month, 1), 7, 3.0]]
    plan, summary = uptake_check(content=xlsx_bytes(rows, title="Báo cáo tháng"))
    assert summary["counts"]["create"] == 1 and not summary["errors"]
    assert summary["format"] == "xlsx"
    assert plan.creates[0][1].online == 7 and plan.creates[0][1].paper == 3


def test_every_error_of_a_row_at_once_translated_and_nothing_written(world):
    rows = [
        ["9.999999", "XA-404", f"{NEXT_MONTH:%m/%Y}", "-3", "x"],  # five errors on one row
        ["", "", "", "", ""],  # blank: skipped
        ["", "", "hôm qua", "5", ""],
        ["1.001193", "XA-001", f"{LAST_MONTH:%m/%Y}", "4", "1"],
        ["1.001193", "XA-001", f"{LAST_MONTH:%Y-%m}", "5", "1"],  # the same key as row 5
    ]
    upload = uptake_import_create(user=None, file_name="sai.csv", content=csv_bytes(rows))
    found = errors_of(upload.summary)
    assert {
        (2, "procedure_code", "procedure_unknown"),
        (2, "unit_code", "unit_unknown"),
        (2, "month", "month_future"),
        (2, "online", "count_invalid"),
        (2, "paper", "count_invalid"),
        (4, "procedure_code", "procedure_missing"),
        (4, "unit_code", "unit_missing"),
        (4, "month", "month_invalid"),
        (4, "paper", "count_missing"),
        (5, "month", "duplicate"),
        (6, "month", "duplicate"),
    } == found
    assert upload.summary["counts"]["error_rows"] == 4
    _upload, imported = uptake_import_apply(import_id=upload.pk)
    assert not imported
    assert not UptakeFigure.objects.exists()
    for code in {code for _row, _column, code in found}:
        text = uptake_message(code, {"other": 5, "limit": 10})
        assert text and "%(" not in text


def test_a_formula_cell_is_its_own_error(world):
    rows = [["1.001193", "XA-001", f"{LAST_MONTH:%m/%Y}", "=B2*3", 2]]
    _plan, summary = uptake_check(content=xlsx_bytes(rows))
    assert errors_of(summary) == {(2, "online", "formula")}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "xls"),
        (b"PK\x03\x04broken", "unreadable"),
        ("Mã thủ tục,Tháng\n1,2".encode("utf-16"), "unreadable"),
        ("Ma thu tuc,Đơn vị\n1,2\n".encode("latin-1", "replace") + b"\xe9\xff\n", "encoding"),
        (b"a,b,c\n1,2,3\n", "no_header"),
        (b"Procedure code,Unit code,Month\n1,2,3\n", "missing_columns"),
        (csv_bytes([], headers=EN), "no_rows"),
        (csv_bytes([["1.001193", "XA-001", "03/2026", "1", "1", "extra"]]), "ragged"),
    ],
)
def test_whole_file_errors_write_nothing(world, content, code):
    upload = uptake_import_create(user=None, file_name="f.csv", content=content)
    assert upload.status == UptakeImport.Status.FAILED
    assert upload.summary["file_error"]["code"] == code
    assert uptake_message(code, upload.summary["file_error"]["params"])
    assert not UptakeFigure.objects.exists()


def test_reimporting_the_same_file_changes_nothing_and_a_newer_figure_replaces(world):
    content = csv_bytes(good_rows())
    uptake_import_apply(import_id=uptake_import_create(user=None, file_name="a.csv", content=content).pk)
    before = list(UptakeFigure.objects.order_by("pk").values_list("pk", "online", "paper", "updated_at", "source"))
    again = uptake_import_create(user=None, file_name="a.csv", content=content)
    assert again.summary["counts"]["unchanged"] == 3
    assert again.summary["counts"]["create"] == again.summary["counts"]["replace"] == 0
    uptake_import_apply(import_id=again.pk)
    assert list(UptakeFigure.objects.order_by("pk").values_list("pk", "online", "paper", "updated_at", "source")) == (
        before
    )
    newer = good_rows()
    newer[1][3] = "50"  # the month's figure was corrected in the one-stop system
    check = uptake_import_create(user=None, file_name="b.csv", content=csv_bytes(newer))
    assert check.summary["counts"]["replace"] == 1 and check.summary["counts"]["unchanged"] == 2
    assert check.summary["replace"] == [[3, "1.001193", "XA-001", f"{LAST_MONTH:%m/%Y}", 45, 15, 50, 15]]
    uptake_import_apply(import_id=check.pk)
    assert UptakeFigure.objects.count() == 3
    assert UptakeFigure.objects.get(month=LAST_MONTH, unit=world["commune"]).online == 50


def test_import_refuses_when_the_data_changed_since_the_check(world):
    upload = uptake_import_create(user=None, file_name="a.csv", content=csv_bytes(good_rows()))
    world["licence"].procedure_code = "1.000000"
    world["licence"].save()
    upload, imported = uptake_import_apply(import_id=upload.pk)
    assert not imported and upload.status == UptakeImport.Status.FAILED
    assert upload.summary["file_error"]["code"] == "changed"
    assert not UptakeFigure.objects.exists()


def test_the_unique_named_constraint(world):
    from django.db import IntegrityError, transaction

    UptakeFigure.objects.create(service=world["birth"], unit=world["commune"], month=LAST_MONTH, online=1, paper=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        UptakeFigure.objects.create(service=world["birth"], unit=world["commune"], month=LAST_MONTH, online=2, paper=1)
    names = {constraint.name for constraint in UptakeFigure._meta.constraints}
    assert "insights_uptakefigure_once" in names


# The admin pages ------------------------------------------------------------------------------------


def post_file(client, content, name="so-lieu.csv"):
    data = {"file": io.BytesIO(content)}
    data["file"].name = name
    return client.post(reverse("insights_uptake_upload"), data)


def test_admin_flow_upload_check_import(client, world, trainer):
    client.force_login(trainer)
    form = client.get(reverse("insights_uptake_upload"))
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    response = post_file(client, csv_bytes(good_rows()))
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert 'data-count="create">3<' in html and 'id="uptake-apply"' in html
    assert not UptakeFigure.objects.exists()
    upload = UptakeImport.objects.get()
    assert upload.uploaded_by == trainer
    response = client.post(reverse("insights_uptake_apply", args=[upload.pk]))
    assert response.status_code == 302
    assert UptakeFigure.objects.count() == 3
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="applied"' in html and 'id="uptake-dashboard"' in html
    sample = client.get(reverse("insights_uptake_sample"))
    assert sample.status_code == 200 and sample["Content-Type"].startswith("text/csv")
    plan, summary = uptake_check(content=sample.content)
    assert summary.get("file_error") is None and plan.total_rows == 2


def test_the_sample_file_names_this_sites_codes_and_checks_without_a_wrong_row(client, trainer):
    # A site whose codes are not the documentation's example (the demo's communes are TN-…): the sample
    # offered on the upload page must check as it is, or a newcomer's first upload is all errors.
    province = OrganisationUnitFactory(name="Tỉnh Khác", code="TN", kind="province")
    OrganisationUnitFactory(name="Xã Ba", code="TN-XB", kind="commune", parent=province)
    PublicService.objects.create(
        name="Đăng ký kết hôn", agency="UBND cấp xã", procedure_code="1.000894", official_url="https://x.gov.vn"
    )
    client.force_login(trainer)
    sample = client.get(reverse("insights_uptake_sample"))
    assert sample.status_code == 200
    rows = list(csv.reader(io.StringIO(sample.content.decode("utf-8-sig"))))
    assert {(row[0], row[1]) for row in rows[1:]} == {("1.000894", "TN-XB")}
    plan, summary = uptake_check(content=sample.content)
    assert summary.get("file_error") is None and plan.total_rows == 2
    assert errors_of(summary) == set()


def test_admin_shows_row_errors_and_offers_no_import(client, world, trainer):
    client.force_login(trainer)
    response = post_file(client, csv_bytes([["1.001193", "XA-404", "03/2026", "1", "1"]]))
    html = client.get(response["Location"]).content.decode()
    assert 'id="uptake-errors"' in html and "XA-404" in html
    assert escape(uptake_message("unit_unknown")) in html
    assert 'id="uptake-apply"' not in html
    upload = UptakeImport.objects.get()
    client.post(reverse("insights_uptake_apply", args=[upload.pk]))
    assert not UptakeFigure.objects.exists()


def test_bad_uploads_are_a_form_error(client, world, trainer):
    client.force_login(trainer)
    assert post_file(client, b"x", name="figures.pdf").status_code == 400
    assert client.post(reverse("insights_uptake_upload"), {}).status_code == 400
    assert not UptakeImport.objects.exists()


@pytest.mark.parametrize("role", ["leader", "unit_manager", "officer", "lead", "civil_servant", None])
def test_only_the_training_office_and_superusers_import(client, world, trainer, role):
    upload = uptake_import_create(user=trainer, file_name="a.csv", content=csv_bytes(good_rows()))
    user = UserFactory(**({role: True} if role else {}))
    if role == "unit_manager":
        world["commune"].managers.add(user)
    client.force_login(user)
    expected = {403} if role in ("leader", "unit_manager", "officer", "lead") else {302, 403}
    assert client.get(reverse("insights_uptake_upload")).status_code in expected
    assert client.get(reverse("insights_uptake_detail", args=[upload.pk])).status_code in expected
    assert post_file(client, csv_bytes(good_rows())).status_code in expected
    assert client.post(reverse("insights_uptake_apply", args=[upload.pk])).status_code in expected
    assert client.get(reverse("insights_uptake_sample")).status_code in expected
    assert UptakeImport.objects.count() == 1 and not UptakeFigure.objects.exists()
    assert UptakeImport.objects.get().status == UptakeImport.Status.CHECKED


def test_a_superuser_imports(client, world):
    client.force_login(UserFactory(superuser=True, is_staff=True))
    response = post_file(client, csv_bytes(good_rows()))
    upload = UptakeImport.objects.get()
    assert response.status_code == 302
    client.post(reverse("insights_uptake_apply", args=[upload.pk]))
    assert UptakeFigure.objects.count() == 3


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    assert client.get(reverse("insights_uptake_upload")).status_code == 302
    assert post_file(client, csv_bytes(good_rows())).status_code == 302
    assert not UptakeImport.objects.exists()


def test_forms_need_the_csrf_token(world, trainer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(trainer)
    assert post_file(client, csv_bytes(good_rows())).status_code == 403
    upload = uptake_import_create(user=trainer, file_name="a.csv", content=csv_bytes(good_rows()))
    assert client.post(reverse("insights_uptake_apply", args=[upload.pk])).status_code == 403
    assert UptakeImport.objects.count() == 1 and not UptakeFigure.objects.exists()
