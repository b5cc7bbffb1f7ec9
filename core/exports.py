"""CSV and XLSX downloads: one way to turn a ``tablib.Dataset`` into a file response.

Used by the compliance report, the unit manager's page, campaign results and the dashboard.

Cells hold what people typed (names from a roster, unit codes, campaign titles), so a cell is
never a formula: in CSV a text cell that a spreadsheet would read as one (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with an apostrophe, as OWASP
recommends; in XLSX every text cell is written as text, whatever it starts with.
"""

import datetime
import io
from collections.abc import Callable

import tablib
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .localtime import local_today

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60


def cell_neutralised(value: object) -> object:
    """A CSV cell that no spreadsheet runs: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(dataset: tablib.Dataset) -> bytes:
    safe = tablib.Dataset(headers=[cell_neutralised(header) for header in dataset.headers or []])
    for row in dataset:
        safe.append([cell_neutralised(value) for value in row])
    # Dates as ISO 8601 (YYYY-MM-DD): unambiguous, and Excel reads them in any locale.
    return ("\ufeff" + safe.export("csv")).encode("utf-8")


def _xlsx_value(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters a workbook cannot hold
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)  # spreadsheets have no time zones
    return value


def _xlsx(dataset: tablib.Dataset) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "".join(char for char in (dataset.title or "Sheet") if char not in "[]:*?/\\")[:31] or "Sheet"
    headers = list(dataset.headers or [])
    rows = [headers, *dataset] if headers else list(dataset)
    widths: dict[int, int] = {}
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=_xlsx_value(value))
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: "=HYPERLINK(…)" is never a formula
            widths[column] = max(widths.get(column, 0), len(str(value if value is not None else "")))
    if headers:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for column, width in widths.items():
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = min(width, MAX_COLUMN_WIDTH) + 2
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def export_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    """The dataset as a file: CSV in UTF-8 with a byte-order mark (so Excel shows Vietnamese), or XLSX."""
    if fmt == "csv":
        return _csv(dataset)
    if fmt == "xlsx":
        return _xlsx(dataset)
    raise ValueError(f"Unknown export format: {fmt}")


def export_format(fmt: str) -> str:
    """``fmt`` if it is a known export format; otherwise a 404 (it comes from the URL)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    return fmt


def safe_file_name(name: str) -> str:
    """An ASCII file name (unit codes and titles are free text)."""
    return "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "-" for char in name)[:80]


# Called after every export with keyword arguments ``request``, ``name``, ``fmt`` and ``rows``: the auth
# event log (accounts) registers itself in its ``AppConfig.ready``, so this floor names no higher one.
ExportListener = Callable[..., None]
_export_listeners: list[ExportListener] = []


def export_listener_register(listener: ExportListener) -> None:
    """Have ``listener`` told of every export (once, however often it registers)."""
    if listener not in _export_listeners:
        _export_listeners.append(listener)


def export_response(
    dataset: tablib.Dataset, fmt: str, name: str, *, request: HttpRequest | None = None
) -> HttpResponse:
    """A download of ``dataset`` named ``<name>-<local date>.<fmt>``; the listeners hear who took it."""
    response = HttpResponse(export_bytes(dataset, fmt), content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{safe_file_name(name)}-{local_today().isoformat()}.{fmt}"'
    for listener in _export_listeners:
        listener(request=request, name=name, fmt=fmt, rows=len(dataset))
    return response


def form_errors_text(form: BaseForm) -> str:
    """A bound form's errors as one line (for a 400 response or a message)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
