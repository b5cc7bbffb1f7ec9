"""CSV and XLSX downloads: one way to turn a ``tablib.Dataset`` into a file response.

Used by the compliance report, the unit manager's page, campaign results and the dashboard.
"""

import tablib
from django.forms import BaseForm
from django.http import Http404, HttpResponse

from .localtime import local_today

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_bytes(dataset: tablib.Dataset, fmt: str) -> bytes:
    """The dataset as a file: CSV in UTF-8 with a byte-order mark (so Excel shows Vietnamese), or XLSX."""
    if fmt == "csv":
        # Dates as ISO 8601 (YYYY-MM-DD): unambiguous, and Excel reads them in any locale.
        return ("\ufeff" + dataset.export("csv")).encode("utf-8")
    if fmt == "xlsx":
        return dataset.export("xlsx")
    raise ValueError(f"Unknown export format: {fmt}")


def export_format(fmt: str) -> str:
    """``fmt`` if it is a known export format; otherwise a 404 (it comes from the URL)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    return fmt


def safe_file_name(name: str) -> str:
    """An ASCII file name (unit codes and titles are free text)."""
    return "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "-" for char in name)[:80]


def export_response(dataset: tablib.Dataset, fmt: str, name: str) -> HttpResponse:
    """A download of ``dataset`` named ``<name>-<local date>.<fmt>``."""
    response = HttpResponse(export_bytes(dataset, fmt), content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{safe_file_name(name)}-{local_today().isoformat()}.{fmt}"'
    return response


def form_errors_text(form: BaseForm) -> str:
    """A bound form's errors as one line (for a 400 response or a message)."""
    return " ".join(str(error) for errors in form.errors.values() for error in errors)
