"""Reading a roster file: CSV (UTF-8, with or without a byte-order mark, comma/semicolon/tab
separated, loaded with tablib) or an XLSX workbook's active sheet (read with openpyxl, formulas named).

The header row may sit below a title; headers are matched in Vietnamese or English, ignoring case
and diacritics. Each row is checked on its own (name, employee code, email, phone, unit code, date).
Nothing here touches the database.
"""

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tablib
from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from openpyxl import load_workbook

from ..phone import phone_normalise
from .messages import COLUMNS, RosterFileError

PROGRESS_EVERY = 1000
HEADER_SEARCH_ROWS = 20  # the header row may follow a title: look this far down


def max_upload_bytes() -> int:
    return getattr(settings, "ROSTER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "ROSTER_MAX_ROWS", 50_000)


# Columns ---------------------------------------------------------------------------


REQUIRED_COLUMNS = ("full_name", "employee_code", "unit_code")

# Headers as the HR office writes them, folded (see header_fold).
HEADER_ALIASES = {
    "full_name": ["hovaten", "hoten", "hotendaydu", "fullname", "name"],
    "employee_code": [
        "macanbo",
        "manhanvien",
        "macongchuc",
        "macanbocongchuc",
        "macb",
        "manv",
        "employeecode",
        "employeeid",
        "employeenumber",
    ],
    "email": ["email", "emailaddress", "diachiemail", "thudientu"],
    "phone": ["sodienthoai", "dienthoai", "sodidong", "didong", "sdt", "phone", "phonenumber", "mobile"],
    "unit_code": ["madonvi", "madv", "unitcode", "organisationunitcode", "organizationunitcode"],
    "position": ["chucvu", "chucdanh", "position", "jobtitle"],
    "started_on": ["ngaybatdau", "ngaybatdaucongtac", "ngayvaolam", "startdate", "startedon"],
}
HEADER_KEYS = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in aliases}

SAMPLE_HEADERS = {
    "vi": ["Họ và tên", "Mã cán bộ", "Email", "Số điện thoại", "Mã đơn vị", "Chức vụ", "Ngày bắt đầu"],
    "en": ["Full name", "Employee code", "Email", "Phone", "Unit code", "Position", "Start date"],
}
SAMPLE_ROWS = [
    ["Nguyễn Thị Lan", "CB00001", "lan.nt@example.gov.vn", "0912 345 678", "XA-001", "Chuyên viên", "01/09/2024"],
    ["Trần Văn Minh", "CB00002", "", "0987654321", "XA-001", "Phó Chủ tịch", "15/03/2021"],
]


def header_fold(value: Any) -> str:
    """Lower-case ASCII letters and digits only: "Mã Đơn vị" → "madonvi"."""
    return re.sub(r"[^a-z0-9]", "", anyascii(str(value or "")).lower())


# Reading ---------------------------------------------------------------------------


@dataclass
class RosterRow:
    number: int  # as a spreadsheet shows it (the header row is usually 1)
    full_name: str
    employee_code: str
    email: str | None
    phone: str | None
    unit_code: str
    position: str | None  # None: empty cell or no such column (the stored value stays)
    started_on: datetime.date | None


@dataclass
class RosterFile:
    format: str
    columns: list
    ignored_columns: list
    rows: list  # RosterRow: the rows without errors of their own
    errors: list  # [row number, column key, value, code, params]
    total_rows: int
    codes: set  # every employee code in the file, rows with errors included
    # RosterRow: the rows with errors of their own, their wrong cells empty, so that planning
    # still checks the rest (an unknown unit, a phone taken) and every error of a row shows at once.
    wrong_rows: list = field(default_factory=list)


_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other old Office files
_MAX_UNZIPPED = 400 * 1024 * 1024


def _file_format(content: bytes) -> str:
    if not content or not content.strip():
        raise RosterFileError("empty")
    if content.startswith(_XLSX_MAGIC):
        return "xlsx"
    if content.startswith(_OLE_MAGIC):
        raise RosterFileError("xls")
    if b"\x00" in content:
        raise RosterFileError("unreadable")  # binary: an image, a PDF, a zip renamed .csv...
    return "csv"


def _xlsx_max_row(content: bytes) -> int | None:
    """The row count the workbook declares (cheap: no cell is read), or None."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return workbook.active.max_row
        finally:
            workbook.close()
    except Exception:  # any broken workbook: the real read reports it
        return None


def roster_row_estimate(content: bytes) -> int | None:
    """Roughly how many rows the file has, without reading it (to choose sync or async), or None."""
    try:
        kind = _file_format(content)
    except RosterFileError:
        return None
    if kind == "xlsx":
        return _xlsx_max_row(content)
    return content.count(b"\n") + 1


def _csv_delimiter(text: str) -> str:
    head = text[:20_000]
    counts = {delimiter: head.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def _header_index(records: list[list[Any]]) -> int:
    """(index, recognised columns) of the first of ``records`` that names at least two columns."""
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        keys = [HEADER_KEYS.get(header_fold(cell)) for cell in record]
        if sum(1 for key in keys if key) >= 2:
            return index
    raise RosterFileError("no_header", headers=", ".join(SAMPLE_HEADERS["vi"]))


def _load_csv(content: bytes) -> tuple[list[Any], list[tuple[int, Any]]]:
    """(header cells, [(row number, cells)]) of a CSV file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterFileError("encoding") from None
    delimiter = _csv_delimiter(text)
    try:
        # A first pass only to number the records as a spreadsheet does (tablib drops blank lines)
        # and to find the header row below any title lines.
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise RosterFileError("unreadable") from None
    header_at = _header_index(records)
    width = len(records[header_at])
    for number, record in enumerate(records[header_at + 1 :], start=header_at + 2):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            raise RosterFileError("ragged", row=number)
    numbers = [number for number, record in enumerate(records[header_at + 1 :], start=header_at + 2) if record]
    if len(numbers) > max_rows():
        raise RosterFileError("too_many_rows", limit=max_rows())
    # Trailing empty cells (a stray separator at the end of a line) would upset tablib.
    trimmed = io.StringIO()
    writer = csv.writer(trimmed, delimiter=delimiter)
    if any(len(record) > width for record in records):
        for record in records:
            writer.writerow(record[:width] if len(record) > width else record)
        text = trimmed.getvalue()
    try:
        dataset = tablib.Dataset().load(text, format="csv", headers=True, skip_lines=header_at, delimiter=delimiter)
    except Exception:  # whatever tablib raises on a malformed file
        raise RosterFileError("unreadable") from None
    return list(dataset.headers), list(zip(numbers, dataset, strict=False))


class FormulaCell(str):
    """An XLSX cell that holds a formula (its text, "=…"), not a value: a row error of its own."""


def _xlsx_records(content: bytes) -> list[list[Any]]:
    """The active sheet's rows, each as wide as the widest; a formula cell is a ``FormulaCell``.

    Read with the formulas, not their cached results: a file written by a program has none, so a
    formula would read as an empty cell ("the name is missing") instead of being named.
    """
    sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=False).active
    records = [
        [FormulaCell(cell.value) if cell.data_type == "f" else cell.value for cell in row] for row in sheet.iter_rows()
    ]
    width = max((len(record) for record in records), default=0)
    return [record + [""] * (width - len(record)) for record in records]


def _load_xlsx(content: bytes) -> tuple[list[Any], list[tuple[int, Any]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise RosterFileError("unreadable") from None
    if unzipped > _MAX_UNZIPPED:
        raise RosterFileError("too_big", limit=max_upload_bytes())
    declared = _xlsx_max_row(content)
    if declared is not None and declared > max_rows() + HEADER_SEARCH_ROWS:
        raise RosterFileError("too_many_rows", limit=max_rows())
    try:
        records = _xlsx_records(content)
    except Exception:  # openpyxl raises many kinds of errors on broken workbooks
        raise RosterFileError("unreadable") from None
    header_at = _header_index(records)
    rows = list(enumerate(records[header_at + 1 :], start=header_at + 2))
    if len(rows) > max_rows():
        raise RosterFileError("too_many_rows", limit=max_rows())
    return records[header_at], rows


def _columns(headers: list[Any]) -> tuple[dict[str, int], list[str]]:
    """{column key: index} of the recognised headers, and the headers ignored."""
    columns, ignored, repeated = {}, [], set()
    for index, header in enumerate(headers):
        key = HEADER_KEYS.get(header_fold(header))
        if key is None:
            if str(header or "").strip():
                ignored.append(str(header).strip())
        elif key in columns:
            repeated.add(key)
        else:
            columns[key] = index
    if repeated:
        raise RosterFileError("duplicate_columns", columns=sorted(repeated, key=list(COLUMNS).index))
    missing = [key for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise RosterFileError("missing_columns", columns=missing)
    if "email" not in columns and "phone" not in columns:
        raise RosterFileError("contact_columns")
    return columns, ignored


def _text(value: Any) -> str:
    """A cell as clean text: numbers without ".0", whitespace collapsed, Unicode in NFC."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, datetime.datetime | datetime.date):
            return value.strftime("%d/%m/%Y")
        value = str(value)
    text = " ".join(value.split())
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _blank(cell: Any) -> bool:
    return cell is None or (type(cell) is str and not cell.strip())


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S")


def _date(value: Any) -> datetime.date | None:
    """A date from a real spreadsheet date or dd/mm/yyyy, yyyy-mm-dd text; None if empty; ValueError."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    else:
        text = _text(value)
        if not text:
            return None
        for date_format in _DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(text, date_format).date()
                break
            except ValueError:
                continue
        else:
            raise ValueError(text)
    if not 1900 <= day.year <= 2100:
        raise ValueError(value)
    return day


def _phone(value: Any) -> tuple[str | None, str]:
    text = _text(value)
    if not text:
        return None, ""
    # Spreadsheets drop the leading zero of numbers typed as numbers: 912345678 → 0912345678.
    if text.isdigit() and len(text) in (9, 10) and not text.startswith("0"):
        text = "0" + text
    return phone_normalise(text), text


def _email_valid(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return len(email) <= 254


def _row_parse(
    number: int, cells: Any, columns: dict[str, int], errors: list[list[Any]], wrong: list[RosterRow] | None = None
) -> RosterRow | None:
    """A RosterRow, or None after adding this row's errors to ``errors`` (and the row, its wrong cells
    empty, to ``wrong``).

    A column whose cell holds a formula gets that error alone (not "missing" or "invalid").
    """
    formulas = {
        key: cells[index]
        for key, index in columns.items()
        if index < len(cells) and isinstance(cells[index], FormulaCell)
    }
    if not formulas:
        return _row_values_parse(number, cells, columns, errors, wrong)
    found: list[list[Any]] = []
    values = [None if isinstance(cell, FormulaCell) else cell for cell in cells]
    _row_values_parse(number, values, columns, found, wrong)
    errors.extend(error for error in found if error[1] not in formulas)
    errors.extend([number, key, str(value)[:200], "formula", {}] for key, value in formulas.items())
    return None


def _row_values_parse(
    number: int, cells: Any, columns: dict[str, int], errors: list[list[Any]], wrong: list[RosterRow] | None = None
) -> RosterRow | None:
    """``_row_parse`` for the cells' values."""

    def cell(key: str) -> Any:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    found: list[list[Any]] = []

    def error(column: str, value: Any, code: str, **params: Any) -> None:
        found.append([number, column, _text(value)[:200], code, params])

    full_name = _text(cell("full_name"))
    if not full_name:
        error("full_name", "", "name_missing")
    elif len(full_name) > 255:
        error("full_name", full_name, "name_too_long")
    employee_code = _text(cell("employee_code"))
    if not employee_code:
        error("employee_code", "", "code_missing")
    elif len(employee_code) > 50:
        error("employee_code", employee_code, "code_too_long")
    email = _text(cell("email")).lower() or None
    if email and not _email_valid(email):
        error("email", email, "email_invalid")
        email = None
    phone, raw_phone = _phone(cell("phone"))
    if raw_phone and phone is None:
        error("phone", cell("phone"), "phone_invalid")
    if not email and not raw_phone:
        error("email" if "email" in columns else "phone", "", "contact_missing")
    unit_code = _text(cell("unit_code"))
    if not unit_code:
        error("unit_code", "", "unit_missing")
    position = _text(cell("position")) or None
    if position and len(position) > 255:
        error("position", position, "position_too_long")
    try:
        started_on = _date(cell("started_on"))
    except ValueError:
        started_on = None
        error("started_on", cell("started_on"), "date_invalid")
    row = RosterRow(number, full_name, employee_code, email, phone, unit_code, position, started_on)
    if found:
        errors.extend(found)
        if wrong is not None:
            wrong.append(row)
        return None
    return row


def roster_read(content: bytes, progress: Callable[[int, int], None] | None = None) -> RosterFile:
    """Read and check every row of a roster file (bytes). Raises RosterFileError.

    ``progress(done, total)`` is called as rows are checked, every PROGRESS_EVERY rows.
    """
    kind = _file_format(content)
    headers, records = _load_xlsx(content) if kind == "xlsx" else _load_csv(content)
    columns, ignored = _columns(headers)
    records = [(number, cells) for number, cells in records if not all(_blank(cell) for cell in cells)]
    if not records:
        raise RosterFileError("no_rows")
    total = len(records)
    if progress:
        progress(0, total)
    rows: list[RosterRow] = []
    wrong: list[RosterRow] = []
    errors: list[list[Any]] = []
    codes: set[str] = set()
    code_at = columns["employee_code"]
    for done, (number, cells) in enumerate(records, start=1):
        code = _text(cells[code_at]) if code_at < len(cells) else ""
        if code:
            codes.add(code)
        row = _row_parse(number, cells, columns, errors, wrong)
        if row is not None:
            rows.append(row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress:
        progress(total, total)
    return RosterFile(kind, list(columns), ignored, rows, errors, total, codes, wrong)


def roster_sample_csv(language: str = "vi") -> str:
    """A CSV file (UTF-8 with a byte-order mark, which Excel needs) with the expected headers."""
    dataset = tablib.Dataset(*SAMPLE_ROWS, headers=SAMPLE_HEADERS.get(language, SAMPLE_HEADERS["en"]))
    return "\ufeff" + dataset.export("csv")
