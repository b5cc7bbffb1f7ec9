"""The roster's messages: column labels, file and row error messages, and their translation when shown.

Messages are stored as codes with parameters (in the import's summary) and translated when shown,
so a dry run reads in the language of whoever looks at it.
"""

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

COLUMNS = {
    "full_name": _("Full name"),
    "employee_code": _("Employee code"),
    "email": _("Email"),
    "phone": _("Phone"),
    "unit_code": _("Unit code"),
    "position": _("Position"),
    "started_on": _("Start date"),
}


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
    "formula": _("This cell holds a formula, not a value: type the value itself (or paste it as values only)."),
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


def roster_message(code: str, params: dict[str, Any] | None = None) -> str:
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

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        with translation.override("en"):
            return roster_message(self.code, self.params)


def roster_summary_errors(summary: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The stored errors as dicts for a template: row, column label, value, reason."""
    return [
        {"row": row, "column": COLUMNS.get(column, column), "value": value, "reason": roster_message(code, params)}
        for row, column, value, code, params in (summary or {}).get("errors", [])
    ]


def roster_summary_changes(changes: list[list[Any]]) -> list[dict[str, Any]]:
    """[[field, old, new], ...] of a stored update as dicts for a template."""
    shown = []
    for key, old, new in changes:
        if key == "groups":
            old, new = "", gettext("Civil servant")
        shown.append({"field": FIELD_LABELS.get(key, key), "old": old, "new": new, "hidden": old is None})
    return shown


def roster_file_error(summary: dict[str, Any] | None) -> str:
    """The translated message of a stored whole-file error, or ""."""
    error = (summary or {}).get("file_error")
    return roster_message(error["code"], error.get("params")) if error else ""
