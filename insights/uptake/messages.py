"""The uptake import's messages: column labels, file and row errors, translated when shown.

Stored as codes with parameters (in the import's summary), so a check reads in the language of whoever
looks at it. The whole-file errors the roster import shares (empty, unreadable, encoding, .xls...)
keep the roster's words (``accounts.roster.messages``).
"""

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from accounts.roster.messages import MESSAGES as ROSTER_MESSAGES

COLUMNS = {
    "procedure_code": _("Procedure code"),
    "unit_code": _("Unit code"),
    "month": _("Month"),
    "online": _("Applications online"),
    "paper": _("Applications on paper"),
}

MESSAGES = {
    # The whole file (besides the roster's)
    "no_header": _(
        "No header row was found. The first row (or a row near the top) must name the columns, for example: "
        "%(headers)s."
    ),
    "missing_columns": _("These columns are missing: %(columns)s."),
    "duplicate_columns": _("Two columns mean the same thing (%(columns)s): keep only one."),
    "no_rows": _("The file has a header row but no figures."),
    "too_many_rows": _("The file has more than %(limit)s rows. Split it into smaller files."),
    "changed": _(
        "Nothing was imported: the data changed since the check and some rows are now wrong (see below). "
        "Correct the file and upload it again."
    ),
    # One row
    "procedure_missing": _("The procedure code is missing."),
    "procedure_code_too_long": _("The procedure code is longer than 50 characters."),
    "procedure_unknown": _("No public service has this procedure code (see Public services in the admin)."),
    "unit_missing": _("The unit code is missing."),
    "unit_code_too_long": _("The unit code is longer than 50 characters."),
    "unit_unknown": _("No organisation unit has this code."),
    "month_missing": _("The month is missing."),
    "month_invalid": _("This is not a month. Write it as mm/yyyy or yyyy-mm, for example 03/2026 or 2026-03."),
    "month_future": _("This month has not ended yet: figures are for past months."),
    "count_missing": _("The number of applications is missing (write 0 if there were none)."),
    "count_invalid": _("This is not a whole number of applications from 0 to %(limit)s."),
    "duplicate": _("The same procedure, unit and month are also on row %(other)s."),
}


def uptake_message(code: str, params: dict[str, Any] | None = None) -> str:
    """The translated text of a stored message code."""
    params = dict(params or {})
    if "columns" in params:
        params["columns"] = ", ".join(str(COLUMNS.get(key, key)) for key in params["columns"])
    if isinstance(params.get("limit"), int) and code != "too_big":
        params["limit"] = number_format(params["limit"], force_grouping=True)
    message = MESSAGES.get(code) or ROSTER_MESSAGES.get(code) or ROSTER_MESSAGES["internal"]
    if code == "too_big":
        params["limit"] = filesizeformat(params.get("limit", 0))
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


class UptakeFileError(Exception):
    """The file as a whole cannot be used (unreadable, wrong columns...)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        with translation.override("en"):
            return uptake_message(self.code, self.params)


def uptake_summary_errors(summary: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The stored errors as dicts for a template: row, column label, value, reason."""
    return [
        {"row": row, "column": COLUMNS.get(column, column), "value": value, "reason": uptake_message(code, params)}
        for row, column, value, code, params in (summary or {}).get("errors", [])
    ]


def uptake_file_error(summary: dict[str, Any] | None) -> str:
    """The translated message of a stored whole-file error, or ""."""
    error = (summary or {}).get("file_error")
    return uptake_message(error["code"], error.get("params")) if error else ""
