"""Planning a roster import (``roster_plan``): what the file would change. Writes nothing.

The rows are compared with the database in a fixed number of queries (per 5,000 rows): units by
code, everyone who has an employee code, the owners of the file's emails and phones, the
civil-servant group's members. The plan says who would be created, updated (which fields), left
unchanged, reactivated and, for a full roster, deactivated, and lists every wrong row with its
reason. People are matched by employee code. An empty cell never erases a stored value. A row
with errors found while reading is still checked for the rest (unknown unit, duplicates, contacts
taken), so the dry run lists every error of a row at once.
"""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group

from .. import roles
from ..models import OrganisationUnit, User
from .messages import COLUMNS
from .reading import RosterFile, RosterRow

CHUNK = 5000  # ids or values per query (SQLite and PostgreSQL both cap bound parameters)
LIST_CAP = 100  # people kept per list (create, update...) in the summary

# A person as the plan reads them: these columns of User (organisation_unit as its id).
PERSON_FIELDS = (
    *("pk", "employee_code", "full_name", "email", "phone", "organisation_unit_id", "position"),
    *("started_on", "kind", "is_active", "is_superuser"),
)

Changes = dict[str, tuple[Any, Any]]  # field → (old, new)
Person = dict[str, Any]  # PERSON_FIELDS → values
Flags = dict[int, list[list[Any]]]  # row number → errors found while planning


def max_stored_errors() -> int:
    return getattr(settings, "ROSTER_MAX_ERRORS", 2000)


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
    def error_rows(self) -> int:
        return len({error[0] for error in self.errors})

    def summary(self) -> dict[str, Any]:
        """What the dry run page shows, as JSON (lists capped at LIST_CAP, errors at ROSTER_MAX_ERRORS)."""
        units = self.unit_codes

        def shown(old_new: Any, key: str) -> Any:
            value = old_new
            if key == "organisation_unit":
                return units.get(value, "") if value else ""
            if isinstance(value, datetime.date):
                return value.strftime("%d/%m/%Y")
            if key in ("email", "phone", "groups"):
                return None  # contact details are not kept in the history
            return value if value is not None else ""

        def changes(fields: Changes) -> list[list[Any]]:
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


def chunks(*, values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``values`` in lists of at most ``size`` (one query each)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def civil_servant_group_id() -> int | None:
    return Group.objects.filter(name=roles.CIVIL_SERVANT).values_list("pk", flat=True).first()


def _flag(*, bad: Flags, row: RosterRow, column: str, value: Any, reason: str, **params: Any) -> None:
    bad.setdefault(row.number, []).append([row.number, column, value, reason, params])


def _duplicates_flag(*, rows: list[RosterRow], bad: Flags) -> None:
    """Duplicates inside the file: every row sharing a code, an email or a phone is wrong."""
    duplicate_codes = (("employee_code", "code_duplicate"), ("email", "email_duplicate"), ("phone", "phone_duplicate"))
    for attribute, code in duplicate_codes:
        numbers: dict[Any, list[int]] = {}
        for row in rows:
            value = getattr(row, attribute)
            if value:
                numbers.setdefault(value, []).append(row.number)
        for row in rows:
            found = numbers.get(getattr(row, attribute))
            if found and len(found) > 1:
                other = next(number for number in found if number != row.number)
                _flag(bad=bad, row=row, column=attribute, value=getattr(row, attribute), reason=code, other=other)


def _units_find(*, rows: list[RosterRow], plan: RosterPlan, bad: Flags) -> None:
    """The file's units by code, in one query per CHUNK codes; rows naming no unit are wrong."""
    for chunk in chunks(values={row.unit_code for row in rows if row.unit_code}):
        plan.unit_ids.update(OrganisationUnit.objects.filter(code__in=chunk).values_list("code", "pk"))
    for row in rows:
        if row.unit_code and row.unit_code not in plan.unit_ids:
            _flag(bad=bad, row=row, column="unit_code", value=row.unit_code, reason="unit_unknown")


def _people() -> dict[str, Person]:
    """Everyone with an employee code (the civil-servant population), in one query, by code."""
    return {
        values[1]: dict(zip(PERSON_FIELDS, values, strict=True))
        for values in User.objects.filter(employee_code__isnull=False).values_list(*PERSON_FIELDS)
    }


def _contact_owners(*, rows: list[RosterRow], people: dict[str, Person]) -> dict[str, dict[str, Person | None]]:
    """{"email": {address: owner}, "phone": {number: owner}}; owner None: an account not on any roster."""
    owners: dict[str, dict[str, Person | None]] = {}
    for attribute in ("email", "phone"):
        owned: dict[str, Person | None] = {person[attribute]: person for person in people.values() if person[attribute]}
        # Emails and phones of the file held by accounts without an employee code.
        wanted = {getattr(row, attribute) for row in rows if getattr(row, attribute)} - owned.keys()
        for chunk in chunks(values=wanted):
            for value in User.objects.filter(employee_code__isnull=True, **{f"{attribute}__in": chunk}).values_list(
                attribute, flat=True
            ):
                owned[value] = None
        owners[attribute] = owned
    return owners


def _civil_servant_ids() -> set[int]:
    group_id = civil_servant_group_id()
    if not group_id:
        return set()
    return set(User.groups.through.objects.filter(group_id=group_id).values_list("user_id", flat=True))


def _contacts_flag(
    *, row: RosterRow, person: Person | None, owners: dict[str, dict[str, Person | None]], bad: Flags
) -> None:
    """An email or phone of the row that belongs to someone else."""
    for attribute in ("email", "phone"):
        value = getattr(row, attribute)
        if not value or value not in owners[attribute]:
            continue
        owner = owners[attribute][value]
        if owner is None:
            _flag(bad=bad, row=row, column=attribute, value=value, reason=f"{attribute}_taken_account")
        elif person is None or owner["pk"] != person["pk"]:
            _flag(
                bad=bad,
                row=row,
                column=attribute,
                value=value,
                reason=f"{attribute}_taken",
                code=owner["employee_code"],
            )


def _row_changes(*, row: RosterRow, person: Person, unit_id: int, members: set[int]) -> Changes:
    """What the row would change in the stored person (an empty cell never erases)."""
    wanted = {
        "full_name": row.full_name,
        "email": row.email,
        "phone": row.phone,
        "organisation_unit": unit_id,
        "position": row.position,
        "started_on": row.started_on,
        "kind": User.Kind.CIVIL_SERVANT.value,
        "is_active": True,
    }
    changes: Changes = {}
    for key, new in wanted.items():
        if new is None:
            continue  # an empty cell never erases
        old = person["organisation_unit_id" if key == "organisation_unit" else key]
        if old != new:
            changes[key] = (old, new)
    if person["pk"] not in members:
        changes["groups"] = (False, True)
    return changes


def _left_units_code(*, plan: RosterPlan) -> None:
    """The codes of the file's units and of the units people would leave, for the dry run."""
    plan.unit_codes = {unit_id: code for code, unit_id in plan.unit_ids.items()}
    left = {
        changes["organisation_unit"][0]
        for _id, _row, changes in plan.updates + plan.reactivations
        if "organisation_unit" in changes
    }
    left -= plan.unit_codes.keys() | {None}
    for chunk in chunks(values=left):
        plan.unit_codes.update(OrganisationUnit.objects.filter(pk__in=chunk).values_list("pk", "code"))


def _deactivations(*, listed: set[str], people: dict[str, Person]) -> list[tuple[int, str, str]]:
    """The active civil servants of a full roster who are not in the file, by employee code."""
    return sorted(
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


def roster_plan(*, roster: RosterFile, full_roster: bool = False) -> RosterPlan:
    """Compare the rows of ``roster`` with the database: a RosterPlan. Writes nothing."""
    plan = RosterPlan(
        total_rows=roster.total_rows,
        errors=[list(error) for error in roster.errors],
        ignored_columns=roster.ignored_columns,
        format=roster.format,
    )
    rows = roster.rows
    # Rows already wrong are checked too (their wrong cells empty): every error of a row shows at once.
    checked = rows + roster.wrong_rows
    bad: Flags = {}
    _duplicates_flag(rows=checked, bad=bad)
    _units_find(rows=checked, plan=plan, bad=bad)
    people = _people()
    owners = _contact_owners(rows=checked, people=people)
    members = _civil_servant_ids()

    for row in roster.wrong_rows:
        _contacts_flag(row=row, person=people.get(row.employee_code), owners=owners, bad=bad)
    for row in rows:
        person = people.get(row.employee_code)
        _contacts_flag(row=row, person=person, owners=owners, bad=bad)
        if row.number in bad:
            continue
        if person is None:
            plan.creates.append(row)
            continue
        changes = _row_changes(row=row, person=person, unit_id=plan.unit_ids[row.unit_code], members=members)
        if "is_active" in changes:
            plan.reactivations.append((person["pk"], row, changes))
        elif changes:
            plan.updates.append((person["pk"], row, changes))
        else:
            plan.unchanged += 1

    for found in bad.values():
        plan.errors.extend(found)
    _left_units_code(plan=plan)
    if full_roster:
        # Rows with errors count as listed: a typo in a phone number must not deactivate its person.
        plan.deactivations = _deactivations(listed=roster.codes, people=people)
    return plan
