"""Roster imports: the HR office's list of civil servants, checked first (dry run), then applied all or nothing.

Reading (``roster_read``): the file is loaded with tablib (CSV in UTF-8 with or without a
byte-order mark, comma/semicolon/tab separated, or an XLSX workbook's active sheet). The header
row may sit below a title; headers are matched in Vietnamese or English, ignoring case and
diacritics. Each row is checked on its own (name, employee code, email, phone, unit code, date).

Planning (``roster_plan``): the rows are compared with the database in a fixed number of
queries (per 5,000 rows): units by code, everyone who has an employee code, the owners of the
file's emails and phones, the civil-servant group's members. The plan says who would be
created, updated (which fields), left unchanged, reactivated and, for a full roster,
deactivated, and lists every wrong row with its reason. People are matched by employee code.
An empty cell never erases a stored value.

Applying (``roster_import_apply``): the stored bytes are read and planned again inside one
transaction (the database may have changed since the check), refused if anything is wrong,
then written in bulk. Nobody is ever deleted: people missing from a full roster are deactivated.

Messages are stored as codes with parameters and translated when shown.
"""

import csv
import datetime
import io
import logging
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field

import tablib
from anyascii import anyascii
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import roles
from .hooks import people_changed_hooks_run
from .models import OrganisationUnit, RosterImport, User
from .phone import phone_normalise

logger = logging.getLogger(__name__)

CHUNK = 5000  # ids or values per query (SQLite and PostgreSQL both cap bound parameters)
WRITE_BATCH = 1000
PROGRESS_EVERY = 1000
LIST_CAP = 100  # people kept per list (create, update...) in the summary
HEADER_SEARCH_ROWS = 20  # the header row may follow a title: look this far down


def async_rows():
    """Files with more rows than this are checked and imported by a Celery worker."""
    return getattr(settings, "ROSTER_ASYNC_ROWS", 2000)


def max_upload_bytes():
    return getattr(settings, "ROSTER_MAX_UPLOAD_BYTES", 10 * 1024 * 1024)


def max_rows():
    return getattr(settings, "ROSTER_MAX_ROWS", 50_000)


def max_stored_errors():
    return getattr(settings, "ROSTER_MAX_ERRORS", 2000)


# Columns ---------------------------------------------------------------------------


COLUMNS = {
    "full_name": _("Full name"),
    "employee_code": _("Employee code"),
    "email": _("Email"),
    "phone": _("Phone"),
    "unit_code": _("Unit code"),
    "position": _("Position"),
    "started_on": _("Start date"),
}
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


def header_fold(value):
    """Lower-case ASCII letters and digits only: "Mã Đơn vị" → "madonvi"."""
    return re.sub(r"[^a-z0-9]", "", anyascii(str(value or "")).lower())


# Messages --------------------------------------------------------------------------

MESSAGES = {
    # The whole file
    "empty": _("The file is empty."),
    "too_big": _("The file is larger than %(limit)s. Split it, or keep only the columns needed."),
    "unreadable": _(
        "This file could not be read as a spreadsheet. Upload a CSV file (UTF-8) or an Excel workbook "
        "(.xlsx): in Excel, use “Save as” and choose “CSV UTF-8” or “Excel Workbook”."
    ),
    "encoding": _(
        "This CSV file is not in UTF-8, so Vietnamese letters would be garbled. In Excel, use “Save as” "
        "and choose “CSV UTF-8 (Comma delimited)”."
    ),
    "xls": _("Old Excel files (.xls) cannot be read. In Excel, use “Save as” and choose “Excel Workbook (.xlsx)”."),
    "no_header": _(
        "No header row was found. The first row (or a row near the top) must name the columns, for example: "
        "%(headers)s."
    ),
    "missing_columns": _("These columns are missing: %(columns)s."),
    "contact_columns": _("The file needs an email column, a phone column, or both."),
    "duplicate_columns": _("Two columns mean the same thing (%(columns)s): keep only one."),
    "no_rows": _("The file has a header row but nobody in it."),
    "too_many_rows": _("The file has more than %(limit)s rows. Split it into smaller files."),
    "ragged": _("Row %(row)s has more cells than the header row."),
    "changed": _(
        "Nothing was imported: the data changed since the check and some rows are now wrong (see below). "
        "Correct the file and upload it again."
    ),
    "conflict": _(
        "Nothing was imported: someone else changed the same people at the same time. Upload the file again."
    ),
    "expired": _("The file is no longer kept (it was not imported within a day of the check). Upload it again."),
    "interrupted": _(
        "The check or the import stopped before it finished and nothing was written. Upload the file again."
    ),
    "internal": _("The import failed unexpectedly and nothing was written. Try again, or tell the site administrator."),
    # One row
    "name_missing": _("The full name is missing."),
    "name_too_long": _("The full name is longer than 255 characters."),
    "code_missing": _("The employee code is missing."),
    "code_too_long": _("The employee code is longer than 50 characters."),
    "code_duplicate": _("The same employee code is also on row %(other)s."),
    "email_invalid": _("This is not a valid email address."),
    "phone_invalid": _("This is not a Vietnamese phone number (for example 0912 345 678)."),
    "contact_missing": _("Give an email address or a phone number (or both)."),
    "unit_missing": _("The unit code is missing."),
    "unit_unknown": _("No organisation unit has this code."),
    "position_too_long": _("The position is longer than 255 characters."),
    "date_invalid": _("This is not a date. Write it as dd/mm/yyyy, for example 01/09/2024."),
    "email_duplicate": _("The same email address is also on row %(other)s."),
    "phone_duplicate": _("The same phone number is also on row %(other)s."),
    "email_taken": _("This email address belongs to another person (employee code %(code)s)."),
    "phone_taken": _("This phone number belongs to another person (employee code %(code)s)."),
    "email_taken_account": _(
        "This email address belongs to an existing account without an employee code (for example someone who "
        "signed up on the site). Ask the site administrator to add the employee code to that account, or leave "
        "this cell empty."
    ),
    "phone_taken_account": _(
        "This phone number belongs to an existing account without an employee code (for example someone who "
        "signed up on the site). Ask the site administrator to add the employee code to that account, or leave "
        "this cell empty."
    ),
}

# Fields an update can change, as shown in the dry run.
FIELD_LABELS = {
    "full_name": _("Full name"),
    "email": _("Email"),
    "phone": _("Phone"),
    "organisation_unit": _("Unit"),
    "position": _("Position"),
    "started_on": _("Start date"),
    "kind": _("Kind of learner"),
    "groups": _("Role"),
    "is_active": _("Active"),
}
# A change to one of these can change which mandatory training applies (accounts.hooks).
TRAINING_FIELDS = {"organisation_unit", "position", "started_on", "kind", "is_active"}


def roster_message(code, params=None):
    """The translated text of a stored message code."""
    params = dict(params or {})
    if "columns" in params:
        params["columns"] = ", ".join(str(COLUMNS.get(key, key)) for key in params["columns"])
    if "limit" in params and isinstance(params["limit"], int) and code == "too_big":
        params["limit"] = filesizeformat(params["limit"])
    message = MESSAGES.get(code, MESSAGES["internal"])
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


class RosterFileError(Exception):
    """The file as a whole cannot be used (unreadable, wrong columns...)."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self):
        with translation.override("en"):
            return roster_message(self.code, self.params)


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


_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other old Office files
_MAX_UNZIPPED = 400 * 1024 * 1024


def _file_format(content):
    if not content or not content.strip():
        raise RosterFileError("empty")
    if content.startswith(_XLSX_MAGIC):
        return "xlsx"
    if content.startswith(_OLE_MAGIC):
        raise RosterFileError("xls")
    if b"\x00" in content:
        raise RosterFileError("unreadable")  # binary: an image, a PDF, a zip renamed .csv...
    return "csv"


def _xlsx_max_row(content):
    """The row count the workbook declares (cheap: no cell is read), or None."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return workbook.active.max_row
        finally:
            workbook.close()
    except Exception:  # any broken workbook: the real read reports it
        return None


def roster_row_estimate(content):
    """Roughly how many rows the file has, without reading it (to choose sync or async), or None."""
    try:
        kind = _file_format(content)
    except RosterFileError:
        return None
    if kind == "xlsx":
        return _xlsx_max_row(content)
    return content.count(b"\n") + 1


def _csv_delimiter(text):
    head = text[:20_000]
    counts = {delimiter: head.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _header_index(records):
    """(index, recognised columns) of the first of ``records`` that names at least two columns."""
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        keys = [HEADER_KEYS.get(header_fold(cell)) for cell in record]
        if sum(1 for key in keys if key) >= 2:
            return index
    raise RosterFileError("no_header", headers=", ".join(SAMPLE_HEADERS["vi"]))


def _load_csv(content):
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


def _load_xlsx(content):
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
        dataset = tablib.Dataset().load(content, format="xlsx", headers=False)
    except Exception:  # openpyxl raises many kinds of errors on broken workbooks
        raise RosterFileError("unreadable") from None
    records = [list(row) for row in dataset]
    header_at = _header_index(records)
    rows = list(enumerate(records[header_at + 1 :], start=header_at + 2))
    if len(rows) > max_rows():
        raise RosterFileError("too_many_rows", limit=max_rows())
    return records[header_at], rows


def _columns(headers):
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


def _text(value):
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


def _blank(cell):
    return cell is None or (type(cell) is str and not cell.strip())


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S")


def _date(value):
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


def _phone(value):
    text = _text(value)
    if not text:
        return None, ""
    # Spreadsheets drop the leading zero of numbers typed as numbers: 912345678 → 0912345678.
    if text.isdigit() and len(text) in (9, 10) and not text.startswith("0"):
        text = "0" + text
    return phone_normalise(text), text


def _row_parse(number, cells, columns, errors):
    """A RosterRow, or None after adding this row's errors to ``errors``."""

    def cell(key):
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    found = []

    def error(column, value, code, **params):
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
    if email:
        try:
            validate_email(email)
            if len(email) > 254:
                raise ValidationError("too long")
        except ValidationError:
            error("email", email, "email_invalid")
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
    if found:
        errors.extend(found)
        return None
    return RosterRow(number, full_name, employee_code, email, phone, unit_code, position, started_on)


def roster_read(content, progress=None):
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
    rows, errors, codes = [], [], set()
    code_at = columns["employee_code"]
    for done, (number, cells) in enumerate(records, start=1):
        code = _text(cells[code_at]) if code_at < len(cells) else ""
        if code:
            codes.add(code)
        row = _row_parse(number, cells, columns, errors)
        if row is not None:
            rows.append(row)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    if progress:
        progress(total, total)
    return RosterFile(kind, list(columns), ignored, rows, errors, total, codes)


# Planning --------------------------------------------------------------------------


@dataclass
class RosterPlan:
    total_rows: int
    errors: list = field(default_factory=list)  # [row, column, value, code, params]
    creates: list = field(default_factory=list)  # RosterRow
    updates: list = field(default_factory=list)  # (user id, RosterRow, {field: (old, new)})
    reactivations: list = field(default_factory=list)  # (user id, RosterRow, {field: (old, new)})
    unchanged: int = 0
    deactivations: list = field(default_factory=list)  # (user id, employee code, full name)
    unit_ids: dict = field(default_factory=dict)  # unit code → id
    unit_codes: dict = field(default_factory=dict)  # unit id → code (the file's units, and those people leave)
    ignored_columns: list = field(default_factory=list)
    format: str = ""

    @property
    def error_rows(self):
        return len({error[0] for error in self.errors})

    def summary(self):
        """What the dry run page shows, as JSON (lists capped at LIST_CAP, errors at ROSTER_MAX_ERRORS)."""
        units = self.unit_codes

        def shown(old_new, key):
            value = old_new
            if key == "organisation_unit":
                return units.get(value, "") if value else ""
            if isinstance(value, datetime.date):
                return value.strftime("%d/%m/%Y")
            if key in ("email", "phone", "groups"):
                return None  # contact details are not kept in the history
            return value if value is not None else ""

        def changes(fields):
            return [[key, shown(old, key), shown(new, key)] for key, (old, new) in fields.items()]

        errors = sorted(self.errors, key=lambda error: (error[0], list(COLUMNS).index(error[1])))
        return {
            "format": self.format,
            "counts": {
                "rows": self.total_rows,
                "create": len(self.creates),
                "update": len(self.updates),
                "reactivate": len(self.reactivations),
                "unchanged": self.unchanged,
                "deactivate": len(self.deactivations),
                "error_rows": self.error_rows,
                "errors": len(self.errors),
            },
            "errors": errors[: max_stored_errors()],
            "create": [[r.number, r.employee_code, r.full_name, r.unit_code] for r in self.creates[:LIST_CAP]],
            "update": [[r.number, r.employee_code, r.full_name, changes(f)] for _, r, f in self.updates[:LIST_CAP]],
            "reactivate": [
                [r.number, r.employee_code, r.full_name, changes(f)] for _, r, f in self.reactivations[:LIST_CAP]
            ],
            "deactivate": [[code, name] for _, code, name in self.deactivations[:LIST_CAP]],
            "ignored_columns": self.ignored_columns,
        }


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _civil_servant_group_id():
    return Group.objects.filter(name=roles.CIVIL_SERVANT).values_list("pk", flat=True).first()


def roster_plan(roster, full_roster=False):
    """Compare the rows of ``roster`` (a RosterFile) with the database: a RosterPlan. Writes nothing."""
    plan = RosterPlan(
        total_rows=roster.total_rows,
        errors=[list(error) for error in roster.errors],
        ignored_columns=roster.ignored_columns,
        format=roster.format,
    )
    rows = roster.rows

    # Duplicates inside the file: every row sharing a code, an email or a phone is wrong.
    def seen_on(attribute):
        numbers = {}
        for row in rows:
            value = getattr(row, attribute)
            if value:
                numbers.setdefault(value, []).append(row.number)
        return {value: found for value, found in numbers.items() if len(found) > 1}

    bad = {}  # row number → errors found while planning

    def flag(row, column, value, reason, **params):
        bad.setdefault(row.number, []).append([row.number, column, value, reason, params])

    duplicate_codes = (("employee_code", "code_duplicate"), ("email", "email_duplicate"), ("phone", "phone_duplicate"))
    for attribute, code in duplicate_codes:
        duplicates = seen_on(attribute)
        for row in rows:
            found = duplicates.get(getattr(row, attribute))
            if found:
                other = next(number for number in found if number != row.number)
                flag(row, attribute, getattr(row, attribute), code, other=other)

    # Units, in one query per CHUNK codes.
    unit_codes = {row.unit_code for row in rows}
    for chunk in _chunks(unit_codes):
        plan.unit_ids.update(OrganisationUnit.objects.filter(code__in=chunk).values_list("code", "pk"))
    for row in rows:
        if row.unit_code not in plan.unit_ids:
            flag(row, "unit_code", row.unit_code, "unit_unknown")

    # Everyone with an employee code (the civil-servant population), in one query.
    fields = ("pk", "employee_code", "full_name", "email", "phone", "organisation_unit_id", "position")
    fields += ("started_on", "kind", "is_active", "is_superuser")
    people = {
        values[1]: dict(zip(fields, values, strict=True))
        for values in User.objects.filter(employee_code__isnull=False).values_list(*fields)
    }
    email_owner = {person["email"]: person for person in people.values() if person["email"]}
    phone_owner = {person["phone"]: person for person in people.values() if person["phone"]}
    # Emails and phones of the file held by accounts without an employee code.
    for attribute, owners in (("email", email_owner), ("phone", phone_owner)):
        wanted = {getattr(row, attribute) for row in rows if getattr(row, attribute)} - owners.keys()
        for chunk in _chunks(wanted):
            for value in User.objects.filter(employee_code__isnull=True, **{f"{attribute}__in": chunk}).values_list(
                attribute, flat=True
            ):
                owners[value] = None  # an account not on any roster
    group_id = _civil_servant_group_id()
    members = (
        set(User.groups.through.objects.filter(group_id=group_id).values_list("user_id", flat=True))
        if group_id
        else set()
    )

    for row in rows:
        person = people.get(row.employee_code)
        for attribute in ("email", "phone"):
            value = getattr(row, attribute)
            owners = email_owner if attribute == "email" else phone_owner
            if value and value in owners:
                owner = owners[value]
                if owner is None:
                    flag(row, attribute, value, f"{attribute}_taken_account")
                elif person is None or owner["pk"] != person["pk"]:
                    flag(row, attribute, value, f"{attribute}_taken", code=owner["employee_code"])
        if row.number in bad:
            continue
        if person is None:
            plan.creates.append(row)
            continue
        changes = {}
        wanted = {
            "full_name": row.full_name,
            "email": row.email,
            "phone": row.phone,
            "organisation_unit": plan.unit_ids[row.unit_code],
            "position": row.position,
            "started_on": row.started_on,
            "kind": User.Kind.CIVIL_SERVANT.value,
            "is_active": True,
        }
        for key, new in wanted.items():
            if new is None:
                continue  # an empty cell never erases
            old = person["organisation_unit_id" if key == "organisation_unit" else key]
            if old != new:
                changes[key] = (old, new)
        if person["pk"] not in members:
            changes["groups"] = (False, True)
        if "is_active" in changes:
            plan.reactivations.append((person["pk"], row, changes))
        elif changes:
            plan.updates.append((person["pk"], row, changes))
        else:
            plan.unchanged += 1

    for found in bad.values():
        plan.errors.extend(found)

    # The codes of the units people would leave, for the dry run.
    plan.unit_codes = {unit_id: code for code, unit_id in plan.unit_ids.items()}
    left = {
        changes["organisation_unit"][0]
        for _id, _row, changes in plan.updates + plan.reactivations
        if "organisation_unit" in changes
    }
    left -= plan.unit_codes.keys() | {None}
    for chunk in _chunks(left):
        plan.unit_codes.update(OrganisationUnit.objects.filter(pk__in=chunk).values_list("pk", "code"))

    if full_roster:
        # Rows with errors count as listed: a typo in a phone number must not deactivate its person.
        listed = roster.codes
        plan.deactivations = sorted(
            (
                (person["pk"], code, person["full_name"])
                for code, person in people.items()
                if code not in listed
                and person["is_active"]
                and person["kind"] == User.Kind.CIVIL_SERVANT
                and not person["is_superuser"]
            ),
            key=lambda item: item[1],
        )
    return plan


# Writing ---------------------------------------------------------------------------


class RosterPlanHasErrors(Exception):
    def __init__(self, plan):
        super().__init__("the plan has errors")
        self.plan = plan


def roster_plan_write(plan):
    """Write a plan without errors in bulk; returns the ids of the people whose training may change.

    Call inside ``transaction.atomic()``. Runs the people-changed hooks.
    """
    if plan.errors:
        raise RosterPlanHasErrors(plan)
    group, _created = Group.objects.get_or_create(name=roles.CIVIL_SERVANT)
    now = timezone.now()
    new_users = [
        User(
            email=row.email,
            phone=row.phone,
            full_name=row.full_name,
            kind=User.Kind.CIVIL_SERVANT,
            organisation_unit_id=plan.unit_ids[row.unit_code],
            employee_code=row.employee_code,
            position=row.position or "",
            started_on=row.started_on,
            # What make_password(None) gives (an unusable, per-person value), without 10,000 slow calls.
            password=UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20),
            date_joined=now,
        )
        for row in plan.creates
    ]
    User.objects.bulk_create(new_users, batch_size=WRITE_BATCH)
    created_ids = [user.pk for user in new_users]
    if None in created_ids:  # a database that cannot return ids from a bulk insert
        by_code = {}
        for chunk in _chunks([user.employee_code for user in new_users]):
            by_code.update(User.objects.filter(employee_code__in=chunk).values_list("employee_code", "pk"))
        created_ids = [by_code[user.employee_code] for user in new_users]

    by_fields = {}
    for user_id, _row, changes in plan.updates + plan.reactivations:
        user = User(pk=user_id)
        columns = []
        for key, (_old, new) in changes.items():
            if key == "groups":
                continue
            column = "organisation_unit_id" if key == "organisation_unit" else key
            setattr(user, column, new)
            columns.append(column)
        if columns:
            by_fields.setdefault(tuple(sorted(columns)), []).append(user)
    for columns, users in by_fields.items():
        User.objects.bulk_update(users, list(columns), batch_size=WRITE_BATCH)

    deactivated_ids = [user_id for user_id, _code, _name in plan.deactivations]
    for chunk in _chunks(deactivated_ids):
        User.objects.filter(pk__in=chunk, is_active=True).update(is_active=False)

    member_ids = created_ids + [
        user_id for user_id, _row, changes in plan.updates + plan.reactivations if "groups" in changes
    ]
    Membership = User.groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=user_id, group_id=group.pk) for user_id in member_ids],
        batch_size=WRITE_BATCH,
        ignore_conflicts=True,
    )

    changed_ids = created_ids + deactivated_ids
    changed_ids += [
        user_id for user_id, _row, changes in plan.updates + plan.reactivations if TRAINING_FIELDS.intersection(changes)
    ]
    people_changed_hooks_run(sorted(changed_ids))
    return changed_ids


# The import's life: upload → check → apply -----------------------------------------


def _progress_saver(import_id):
    def save(done, total):
        RosterImport.objects.filter(pk=import_id).update(
            processed_rows=done, total_rows=total, updated_at=timezone.now()
        )

    return save


def _fail(import_id, code, params=None, summary=None, **changes):
    """Mark the import failed with a message code (kept with the dry run's summary); forget the file."""
    with translation.override(settings.LANGUAGE_CODE):
        text = roster_message(code, params)
    if summary is None:
        summary = RosterImport.objects.filter(pk=import_id).values_list("summary", flat=True).first()
    summary = dict(summary or {})
    summary["file_error"] = {"code": code, "params": params or {}}
    RosterImport.objects.filter(pk=import_id).update(
        status=RosterImport.Status.FAILED,
        error=text,
        summary=summary,
        content=None,
        updated_at=timezone.now(),
        **changes,
    )


def roster_imports_expire():
    """Forget the files of checks not imported within a day (privacy)."""
    cutoff = timezone.now() - datetime.timedelta(days=1)
    stale = RosterImport.objects.filter(
        status=RosterImport.Status.CHECKED, uploaded_at__lt=cutoff, content__isnull=False
    )
    for import_id in stale.values_list("pk", flat=True):
        _fail(import_id, "expired")


def roster_imports_resume(now=None):
    """Beat: give a check or an import whose task was lost another task, then give up on it.

    A task can be lost before it reaches the broker (the broker was down at commit), or with a
    worker on a broker that does not redeliver (the filesystem broker). Running a check or an
    import twice is safe (see roster_import_check and roster_import_apply), so an import whose row
    has not changed for ``ROSTER_STALL_SECONDS`` is enqueued again on every pass, until it has
    not changed for ``ROSTER_GIVE_UP_SECONDS``: then it is marked failed ("interrupted"), with
    nothing written, and its file forgotten. Returns (resumed ids, given-up ids).
    """
    from .tasks import roster_apply, roster_check

    now = now or timezone.now()
    stall = datetime.timedelta(seconds=getattr(settings, "ROSTER_STALL_SECONDS", 600))
    give_up = datetime.timedelta(seconds=getattr(settings, "ROSTER_GIVE_UP_SECONDS", 3600))
    unfinished = RosterImport.objects.filter(
        status__in=[RosterImport.Status.CHECKING, RosterImport.Status.APPLYING], updated_at__lt=now - stall
    )
    resumed, given_up = [], []
    for import_id, status, updated_at in unfinished.values_list("pk", "status", "updated_at").order_by("pk"):
        if updated_at < now - give_up:
            # Only if it is still stuck: a task that finished meanwhile wins.
            if RosterImport.objects.filter(pk=import_id, status=status, updated_at=updated_at).exists():
                _fail(import_id, "interrupted")
                given_up.append(import_id)
            continue
        task = roster_check if status == RosterImport.Status.CHECKING else roster_apply
        transaction.on_commit(lambda task=task, import_id=import_id: task.delay(import_id))
        resumed.append(import_id)
    if resumed or given_up:
        logger.warning("Roster imports resumed: %s; given up: %s", resumed, given_up)
    return resumed, given_up


def roster_import_create(*, user, file_name, content, full_roster):
    """Keep an uploaded file and check it: now for a small file, in a Celery task for a large one."""
    roster_imports_expire()
    estimate = roster_row_estimate(content)
    roster_import = RosterImport.objects.create(
        uploaded_by=user,
        file_name=(file_name or "roster")[:255],
        content=content,
        full_roster=bool(full_roster),
        status=RosterImport.Status.CHECKING,
        total_rows=estimate or 0,
    )
    if estimate is not None and estimate > async_rows():
        from .tasks import roster_check

        transaction.on_commit(lambda: roster_check.delay(roster_import.pk))
    else:
        roster_import_check(roster_import.pk)
    roster_import.refresh_from_db()
    return roster_import


def roster_import_check(import_id):
    """The dry run of one import: read, plan, store the summary. Safe to run twice."""
    roster_import = RosterImport.objects.filter(pk=import_id).only("status", "full_roster").first()
    if roster_import is None or roster_import.status != RosterImport.Status.CHECKING:
        return roster_import
    content = RosterImport.objects.filter(pk=import_id).values_list("content", flat=True).first()
    try:
        roster = roster_read(bytes(content or b""), progress=_progress_saver(import_id))
        plan = roster_plan(roster, roster_import.full_roster)
    except RosterFileError as error:
        _fail(import_id, error.code, error.params, total_rows=0, processed_rows=0)
        return RosterImport.objects.get(pk=import_id)
    except Exception:
        logger.exception("Roster import %s: check failed", import_id)
        _fail(import_id, "internal", total_rows=0, processed_rows=0)
        return RosterImport.objects.get(pk=import_id)
    changes = {
        "status": RosterImport.Status.CHECKED,
        "summary": plan.summary(),
        "total_rows": plan.total_rows,
        "processed_rows": plan.total_rows,
        "updated_at": timezone.now(),
    }
    if plan.errors:
        changes["content"] = None  # it can never be imported: forget it
    RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.CHECKING).update(**changes)
    return RosterImport.objects.get(pk=import_id)


def roster_import_can_apply(roster_import):
    counts = (roster_import.summary or {}).get("counts") or {}
    return (
        roster_import.status == RosterImport.Status.CHECKED
        and not counts.get("errors")
        and "file_error" not in (roster_import.summary or {})
    )


def roster_import_apply_start(import_id):
    """Start importing a checked file: (the import, whether this call started it).

    Only one call wins (a conditional UPDATE), so a double click imports once. Small files are
    imported now; large ones by a Celery task enqueued once this transaction commits.
    """
    roster_import = RosterImport.objects.defer("content").get(pk=import_id)
    if not roster_import_can_apply(roster_import):
        return roster_import, False
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.CHECKED).update(
        status=RosterImport.Status.APPLYING, processed_rows=0, updated_at=timezone.now()
    )
    if not claimed:
        return RosterImport.objects.defer("content").get(pk=import_id), False
    if roster_import.total_rows > async_rows():
        from .tasks import roster_apply

        transaction.on_commit(lambda: roster_apply.delay(import_id))
    else:
        roster_import_apply(import_id)
    return RosterImport.objects.defer("content").get(pk=import_id), True


def roster_import_apply(import_id):
    """Import a file whose import was started: all or nothing. Safe to run twice.

    The file is read again and re-planned inside the transaction that writes, with the import's
    row locked: a second run (a duplicate task, a retry after a lost worker) waits, then finds it
    imported and does nothing. If the worker dies mid-way, the transaction rolls back and the
    status stays "importing", so a redelivered task runs it again from the start.
    """
    status = RosterImport.objects.filter(pk=import_id).values_list("status", flat=True).first()
    if status != RosterImport.Status.APPLYING:
        return
    content = RosterImport.objects.filter(pk=import_id).values_list("content", flat=True).first()
    if content is None:
        _fail(import_id, "expired")
        return
    try:
        roster = roster_read(bytes(content), progress=_progress_saver(import_id))
        with transaction.atomic():
            roster_import = RosterImport.objects.select_for_update().defer("content").get(pk=import_id)
            if roster_import.status != RosterImport.Status.APPLYING:
                return
            plan = roster_plan(roster, roster_import.full_roster)
            changed_ids = roster_plan_write(plan)
            summary = plan.summary()
            summary["training_changed"] = len(changed_ids)
            roster_import.summary = summary
            roster_import.status = RosterImport.Status.APPLIED
            roster_import.applied_at = timezone.now()
            roster_import.content = None
            roster_import.total_rows = roster_import.processed_rows = plan.total_rows
            roster_import.error = ""
            roster_import.updated_at = roster_import.applied_at
            roster_import.save(
                update_fields=[
                    *("summary", "status", "applied_at", "content", "total_rows", "processed_rows", "error"),
                    "updated_at",
                ]
            )
    except RosterFileError as error:
        _fail(import_id, error.code, error.params)
    except RosterPlanHasErrors as error:
        _fail(import_id, "changed", summary=error.plan.summary())
    except DatabaseError:
        # A unique email, phone or employee code taken meanwhile (IntegrityError), a lock timeout...
        logger.warning("Roster import %s: the database refused the import", import_id, exc_info=True)
        _fail(import_id, "conflict")
    except Exception:
        logger.exception("Roster import %s: import failed", import_id)
        _fail(import_id, "internal")


def roster_sample_csv(language="vi"):
    """A CSV file (UTF-8 with a byte-order mark, which Excel needs) with the expected headers."""
    dataset = tablib.Dataset(*SAMPLE_ROWS, headers=SAMPLE_HEADERS.get(language, SAMPLE_HEADERS["en"]))
    return "\ufeff" + dataset.export("csv")


def roster_summary_errors(summary):
    """The stored errors as dicts for a template: row, column label, value, reason."""
    return [
        {"row": row, "column": COLUMNS.get(column, column), "value": value, "reason": roster_message(code, params)}
        for row, column, value, code, params in (summary or {}).get("errors", [])
    ]


def roster_summary_changes(changes):
    """[[field, old, new], ...] of a stored update as dicts for a template."""
    shown = []
    for key, old, new in changes:
        if key == "groups":
            old, new = "", gettext("Civil servant")
        shown.append({"field": FIELD_LABELS.get(key, key), "old": old, "new": new, "hidden": old is None})
    return shown


def roster_file_error(summary):
    error = (summary or {}).get("file_error")
    return roster_message(error["code"], error.get("params")) if error else ""
