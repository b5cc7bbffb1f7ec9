"""Planning an uptake import (``uptake_plan``): what the file would change. Writes nothing.

The rows are matched with the database in a fixed number of queries (per 5,000 codes): public
services by procedure code, units by code, the stored figures of the file's services and months.
A row is new, replaces a stored figure (a newer one for the same service, unit and month: the check
lists it with the old and new numbers), or changes nothing. Every error of a row is listed at once.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from accounts.models import OrganisationUnit
from accounts.roster.planning import chunks
from courses.learning.models import PublicService

from ..models import UptakeFigure
from .messages import COLUMNS
from .reading import UptakeFile, UptakeRow

LIST_CAP = 100  # replacements kept in the summary
MAX_STORED_ERRORS = 2000

Key = tuple[int, int, datetime.date]  # service id, unit id, month


@dataclass
class UptakePlan:
    total_rows: int
    errors: list = field(default_factory=list)  # [row, column, value, code, params]
    creates: list = field(default_factory=list)  # (key, UptakeRow)
    replaces: list = field(default_factory=list)  # (figure id, UptakeRow, (old online, old paper))
    unchanged: int = 0
    ignored_columns: list = field(default_factory=list)
    format: str = ""
    months: list = field(default_factory=list)  # the file's first and last month

    @property
    def error_rows(self) -> int:
        return len({error[0] for error in self.errors})

    def summary(self) -> dict[str, Any]:
        """What the check page shows, as JSON (replacements capped at LIST_CAP, errors at MAX_STORED_ERRORS)."""
        errors = sorted(self.errors, key=lambda error: (error[0], list(COLUMNS).index(error[1])))
        return {
            "format": self.format,
            "counts": {
                "rows": self.total_rows,
                "create": len(self.creates),
                "replace": len(self.replaces),
                "unchanged": self.unchanged,
                "error_rows": self.error_rows,
                "errors": len(self.errors),
            },
            "errors": errors[:MAX_STORED_ERRORS],
            "replace": [
                [
                    row.number,
                    row.procedure_code,
                    row.unit_code,
                    f"{row.month:%m/%Y}",
                    old[0],
                    old[1],
                    row.online,
                    row.paper,
                ]
                for _pk, row, old in self.replaces[:LIST_CAP]
            ],
            "months": [f"{month:%m/%Y}" for month in self.months],
            "ignored_columns": self.ignored_columns,
        }


def _flag(errors: list, row: UptakeRow, column: str, value: Any, code: str, **params: Any) -> None:
    errors.append([row.number, column, value, code, params])


def _codes(rows: list[UptakeRow]) -> tuple[dict[str, int], dict[str, int]]:
    """({procedure code: service id}, {unit code: unit id}) of the file's codes."""
    services: dict[str, int] = {}
    for chunk in chunks(values={row.procedure_code for row in rows if row.procedure_code}):
        services.update(PublicService.objects.filter(procedure_code__in=chunk).values_list("procedure_code", "pk"))
    units: dict[str, int] = {}
    for chunk in chunks(values={row.unit_code for row in rows if row.unit_code}):
        units.update(OrganisationUnit.objects.filter(code__in=chunk).values_list("code", "pk"))
    return services, units


def _stored(*, service_ids: set[int], months: set[datetime.date]) -> dict[Key, tuple[int, int, int]]:
    """{(service, unit, month): (figure id, online, paper)} of the stored figures of these services and months."""
    stored: dict[Key, tuple[int, int, int]] = {}
    if not service_ids or not months:
        return stored
    for chunk in chunks(values=service_ids):
        figures = UptakeFigure.objects.filter(service_id__in=chunk, month__in=sorted(months))
        for pk, service_id, unit_id, month, online, paper in figures.values_list(
            "pk", "service_id", "unit_id", "month", "online", "paper"
        ):
            stored[(service_id, unit_id, month)] = (pk, online, paper)
    return stored


def uptake_plan(*, upload: UptakeFile) -> UptakePlan:
    """Compare the rows of ``upload`` with the database: an UptakePlan. Writes nothing."""
    plan = UptakePlan(
        total_rows=upload.total_rows,
        errors=[list(error) for error in upload.errors],
        ignored_columns=upload.ignored_columns,
        format=upload.format,
    )
    services, units = _codes(upload.rows)
    numbers: dict[tuple[str, str, datetime.date], list[int]] = {}
    for row in upload.rows:
        if row.procedure_code and row.unit_code and row.month:
            numbers.setdefault((row.procedure_code, row.unit_code, row.month), []).append(row.number)
    for row in upload.rows:
        if row.procedure_code and row.procedure_code not in services:
            _flag(plan.errors, row, "procedure_code", row.procedure_code, "procedure_unknown")
        if row.unit_code and row.unit_code not in units:
            _flag(plan.errors, row, "unit_code", row.unit_code, "unit_unknown")
        same = numbers.get((row.procedure_code, row.unit_code, row.month)) if row.month else None
        if same and len(same) > 1:
            other = next(number for number in same if number != row.number)
            _flag(plan.errors, row, "month", f"{row.month:%m/%Y}", "duplicate", other=other)
    wrong = {error[0] for error in plan.errors}
    good = [row for row in upload.rows if row.number not in wrong]
    months = {row.month for row in good}
    plan.months = [min(months), max(months)] if months else []
    stored = _stored(service_ids={services[row.procedure_code] for row in good}, months=months)
    for row in good:
        key = (services[row.procedure_code], units[row.unit_code], row.month)
        found = stored.get(key)
        if found is None:
            plan.creates.append((key, row))
        elif (found[1], found[2]) != (row.online, row.paper):
            plan.replaces.append((found[0], row, (found[1], found[2])))
        else:
            plan.unchanged += 1
    return plan
