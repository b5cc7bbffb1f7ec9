"""Reading the one-stop system's figures: a CSV file or an XLSX workbook's active sheet.

The generic pieces are the roster import's (``accounts.roster.reading``): the file's format, the CSV
separator, header folding, clean cell text, formula cells. The header row may sit below a title;
headers are matched in Vietnamese or English, ignoring case and diacritics. Each row is checked on
its own here (every error of a row at once); codes are matched with the database in ``planning``.
Nothing here touches the database.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import tablib
from anyascii import anyascii

from accounts.roster.messages import RosterFileError
from accounts.roster.reading import (
    HEADER_SEARCH_ROWS,
    FormulaCell,
    _blank,
    _csv_delimiter,
    _file_format,
    _text,
    _xlsx_records,
    header_fold,
    max_upload_bytes,
)

from .messages import UptakeFileError

__all__ = ["UptakeFile", "UptakeRow", "max_upload_bytes", "uptake_read", "uptake_sample_csv"]

MAX_ROWS = 100_000
MAX_COUNT = 10_000_000  # applications of one service in one unit in one month: beyond this, a typo
_MAX_UNZIPPED = 200 * 1024 * 1024

REQUIRED_COLUMNS = ("procedure_code", "unit_code", "month", "online", "paper")
HEADER_ALIASES = {
    "procedure_code": ["mathutuc", "matthc", "mathutuchanhchinh", "thutuc", "procedurecode", "procedure"],
    "unit_code": ["madonvi", "madv", "maxa", "unitcode", "organisationunitcode", "organizationunitcode", "unit"],
    "month": ["thang", "thangnam", "kybaocao", "month", "period"],
    "online": ["hosotructuyen", "sohosotructuyen", "tructuyen", "online", "onlineapplications", "applicationsonline"],
    "paper": [
        *("hosogiay", "sohosogiay", "hosotructiep", "sohosotructiep", "tructiep"),
        *("paper", "paperapplications", "applicationsonpaper"),
    ],
}
HEADER_KEYS = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in aliases}

SAMPLE_HEADERS = {
    "vi": ["Mã thủ tục", "Mã đơn vị", "Tháng", "Hồ sơ trực tuyến", "Hồ sơ giấy"],
    "en": ["Procedure code", "Unit code", "Month", "Applications online", "Applications on paper"],
}
SAMPLE_ROWS = [
    ["1.001193", "XA-001", "03/2026", "42", "18"],
    ["1.001193", "XA-001", "2026-04", "57", "11"],
]


@dataclass
class UptakeRow:
    number: int  # as a spreadsheet shows it (the header row is usually 1)
    procedure_code: str
    unit_code: str
    month: datetime.date | None  # the month's first day; None when wrong
    online: int | None
    paper: int | None


@dataclass
class UptakeFile:
    format: str
    rows: list  # UptakeRow, every row (those with errors too, their wrong cells None)
    errors: list  # [row number, column key, value, code, params]
    ignored_columns: list
    total_rows: int


def _records(content: bytes) -> tuple[str, list[list[Any]]]:
    """(format, every record of the file)."""
    try:
        kind = _file_format(content)
    except RosterFileError as error:
        raise UptakeFileError(error.code) from None
    if kind == "xlsx":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED:
                    raise UptakeFileError("too_big", limit=max_upload_bytes())
            return kind, _xlsx_records(content)
        except UptakeFileError:
            raise
        except Exception:  # zipfile and openpyxl raise many kinds of errors on broken workbooks
            raise UptakeFileError("unreadable") from None
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UptakeFileError("encoding") from None
    try:
        return kind, list(csv.reader(io.StringIO(text), delimiter=_csv_delimiter(text)))
    except csv.Error:
        raise UptakeFileError("unreadable") from None


def _columns(records: list[list[Any]]) -> tuple[int, dict[str, int], list[str]]:
    """(index of the header record, {column key: index}, the headers ignored)."""
    for at, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        keys = [HEADER_KEYS.get(header_fold(cell)) for cell in record]
        if sum(1 for key in keys if key) < 2:
            continue
        columns: dict[str, int] = {}
        ignored, repeated = [], set()
        for index, key in enumerate(keys):
            if key is None:
                if str(record[index] or "").strip():
                    ignored.append(str(record[index]).strip())
            elif key in columns:
                repeated.add(key)
            else:
                columns[key] = index
        if repeated:
            raise UptakeFileError("duplicate_columns", columns=sorted(repeated, key=REQUIRED_COLUMNS.index))
        missing = [key for key in REQUIRED_COLUMNS if key not in columns]
        if missing:
            raise UptakeFileError("missing_columns", columns=missing)
        return at, columns, ignored
    raise UptakeFileError("no_header", headers=", ".join(SAMPLE_HEADERS["vi"]))


_MONTH_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), 1, 2),  # 2026-03, 2026/03
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), 2, 1),  # 03/2026, 3-2026
    (re.compile(r"^(?:thang|t)\s*(\d{1,2})[-/.\s](?:nam\s*)?(\d{4})$"), 2, 1),  # Tháng 3/2026, T03/2026
]


def month_parse(value: Any) -> datetime.date:
    """The first day of the month a cell names (2026-03, 03/2026, a spreadsheet date); ValueError."""
    if isinstance(value, datetime.datetime | datetime.date):
        year, month = value.year, value.month
    else:
        text = _ascii_lower(_text(value))
        for pattern, year_group, month_group in _MONTH_PATTERNS:
            found = pattern.match(text)
            if found:
                year, month = int(found.group(year_group)), int(found.group(month_group))
                break
        else:
            raise ValueError(value)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(value)
    return datetime.date(year, month, 1)


def _ascii_lower(text: str) -> str:
    """Lower-case ASCII, separators kept: "Tháng 03/2026" → "thang 03/2026"."""
    return " ".join(anyascii(text).lower().split())


_GROUPED = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$")


def count_parse(value: Any) -> int:
    """A whole number of applications (1.234 and 1 234 read as thousands); ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        number = int(value)
    else:
        text = _text(value)
        if _GROUPED.match(text):
            text = re.sub(r"[.,\s]", "", text)
        if not text.isascii() or not text.isdigit():
            raise ValueError(value)
        number = int(text)
    if not 0 <= number <= MAX_COUNT:
        raise ValueError(value)
    return number


def _month_cell(value: Any, today: datetime.date) -> tuple[datetime.date | None, str]:
    """(the month or None, the error code or "")."""
    if _blank(value):
        return None, "month_missing"
    try:
        month = month_parse(value)
    except ValueError:
        return None, "month_invalid"
    if month > today.replace(day=1):
        return None, "month_future"
    return month, ""


def _count_cell(value: Any) -> tuple[int | None, str]:
    """(the number or None, the error code or "")."""
    if _blank(value):
        return None, "count_missing"
    try:
        return count_parse(value), ""
    except ValueError:
        return None, "count_invalid"


def _row_parse(number: int, cells: list[Any], columns: dict[str, int], today: datetime.date) -> tuple[UptakeRow, list]:
    """The row (its wrong cells None) and its errors, every one at once.

    A cell holding a formula gets that error alone (not "missing" or "invalid").
    """
    errors: list[list[Any]] = []
    values = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}

    def error(column: str, value: Any, code: str, **params: Any) -> None:
        errors.append([number, column, _text(value)[:200], code, params])

    formulas = {key for key in REQUIRED_COLUMNS if isinstance(values[key], FormulaCell)}
    for key in formulas:
        error(key, values[key], "formula")
    codes = {}
    for key, missing in (("procedure_code", "procedure_missing"), ("unit_code", "unit_missing")):
        codes[key] = "" if key in formulas else _text(values[key])
        if key in formulas:
            continue
        if not codes[key]:
            error(key, "", missing)
        elif len(codes[key]) > 50:
            error(key, codes[key], f"{key}_too_long")
            codes[key] = ""
    month, code = (None, "") if "month" in formulas else _month_cell(values["month"], today)
    if code:
        error("month", values["month"], code)
    counts: dict[str, int | None] = {}
    for key in ("online", "paper"):
        counts[key], code = (None, "") if key in formulas else _count_cell(values[key])
        if code:
            error(key, values[key], code, **({"limit": MAX_COUNT} if code == "count_invalid" else {}))
    row = UptakeRow(number, codes["procedure_code"], codes["unit_code"], month, counts["online"], counts["paper"])
    return row, errors


def uptake_read(content: bytes, *, today: datetime.date) -> UptakeFile:
    """Read and check every row of a file of figures (bytes). Raises UptakeFileError."""
    kind, records = _records(content)
    header_at, columns, ignored = _columns(records)
    width = len(records[header_at])
    rows: list[UptakeRow] = []
    errors: list[list[Any]] = []
    numbered = list(enumerate(records[header_at + 1 :], start=header_at + 2))
    numbered = [(number, cells) for number, cells in numbered if not all(_blank(cell) for cell in cells)]
    if not numbered:
        raise UptakeFileError("no_rows")
    if len(numbered) > MAX_ROWS:
        raise UptakeFileError("too_many_rows", limit=MAX_ROWS)
    for number, cells in numbered:
        if len(cells) > width and any(not _blank(cell) for cell in cells[width:]):
            raise UptakeFileError("ragged", row=number)
        row, found = _row_parse(number, cells, columns, today)
        rows.append(row)
        errors.extend(found)
    return UptakeFile(kind, rows, errors, ignored, len(rows))


def uptake_sample_csv(language: str = "vi", *, codes: tuple[str, str] | None = None) -> str:
    """A CSV file (UTF-8 with a byte-order mark, which Excel needs) with the expected headers.

    ``codes``: a procedure code and a unit code of this site, so that the sample checks as it is.
    """
    rows = SAMPLE_ROWS if codes is None else [[codes[0], codes[1], *row[2:]] for row in SAMPLE_ROWS]
    dataset = tablib.Dataset(*rows, headers=SAMPLE_HEADERS.get(language, SAMPLE_HEADERS["en"]))
    return "\ufeff" + dataset.export("csv")
