"""Compliance with mandatory training: roll-ups per unit, the people behind them, and exports.

Reads only (selectors) for the admin report (``compliance_views``) and the unit manager's page
(``team_views``). Every figure counts *current* assignments that are not cancelled ("no longer
required"), on one ``today`` (the site's local date), with the states of ``AssignmentQuerySet``
(``state_filter``/``with_state``; ``state_conditions`` spells the same conditions out for the
roll-up, and the tests check that they agree), so the report, the manager's page and a person's
own page agree.

The tree is never walked in Python: an assignment carries a copy of its unit's treebeard path
(``unit_path``), a sub-tree is a path prefix (``unit_path LIKE 'prefix%'``, served by the
``courses_assign_subtree`` index) and the roll-up of a unit's children is one query grouping by
the first ``(depth + 1) × steplen`` characters of that path (after counting per path). A fixed
number of queries per page, whatever the number of units or people.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

import tablib
from django.db import connections
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit
from core.localtime import local_date, local_today

from .models import Assignment, AssignmentQuerySet, AssignmentState, assignment_state_q

STEPLEN = OrganisationUnit.steplen

# What a report may filter on: every state except "cancelled", which reports leave out.
REPORT_STATES = [choice for choice in AssignmentState.choices if choice[0] != AssignmentState.CANCELLED]

# Counted per row, in this order (columns of the tables and exports).
STATE_COLUMNS = [
    AssignmentState.COMPLETED,
    AssignmentState.IN_PROGRESS,
    AssignmentState.NOT_STARTED,
    AssignmentState.OVERDUE,
    AssignmentState.EXEMPT,
]

# Exports are built in memory (tablib) within one request: beyond this many rows, narrow the filters.
# Measured (docs/performance.md): about 40 µs a row for CSV, 350 µs for XLSX (openpyxl without lxml).
EXPORT_MAX_ROWS = {"csv": 50_000, "xlsx": 20_000}


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to (besides the unit): all optional."""

    requirement_id: int | None = None
    state: str = ""
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None

    def apply(self, assignments: AssignmentQuerySet, today: datetime.date) -> AssignmentQuerySet:
        if self.requirement_id:
            assignments = assignments.filter(requirement_id=self.requirement_id)
        if self.due_from:
            assignments = assignments.filter(due_on__gte=self.due_from)
        if self.due_to:
            assignments = assignments.filter(due_on__lte=self.due_to)
        if self.state:
            assignments = assignments.state_filter(self.state, today)
        return assignments


NO_FILTERS = Filters()


def report_assignments(*, filters: Filters = NO_FILTERS, today: datetime.date | None = None) -> AssignmentQuerySet:
    """Current, not cancelled assignments matching ``filters``: what every report counts."""
    today = today or local_today()
    assignments = Assignment.objects.current().exclude(status=Assignment.Status.CANCELLED)
    return filters.apply(assignments, today)


def under_paths(*, assignments: AssignmentQuerySet, paths: Iterable[str]) -> AssignmentQuerySet:
    """Only assignments in the sub-trees whose paths are ``paths`` (any of them)."""
    condition = Q()
    for path in paths:
        condition |= Q(unit_path__startswith=path)
    return assignments.filter(condition)


# Roll-up ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a roll-up: a unit (with its sub-units), or a unit's own people, or a total."""

    label: str
    unit: OrganisationUnit | None = None
    kind: str = "unit"  # "unit", "direct" (the parent's own people), "none" (no unit), "other", "total"
    counts: dict = field(default_factory=dict)

    @property
    def assigned(self):
        return self.counts.get("assigned", 0)

    @property
    def completed(self):
        return self.counts.get(AssignmentState.COMPLETED, 0)

    @property
    def in_progress(self):
        return self.counts.get(AssignmentState.IN_PROGRESS, 0)

    @property
    def not_started(self):
        return self.counts.get(AssignmentState.NOT_STARTED, 0)

    @property
    def overdue(self):
        return self.counts.get(AssignmentState.OVERDUE, 0)

    @property
    def exempt(self):
        return self.counts.get(AssignmentState.EXEMPT, 0)

    @property
    def required(self):
        """Assignments that must be completed: exempt people are not expected to."""
        return self.assigned - self.exempt

    @property
    def rate(self):
        """Completion rate in per cent (one decimal): completed ÷ (assigned − exempt); None if nothing is due."""
        return round(100 * self.completed / self.required, 1) if self.required else None

    def add(self, counts):
        for key, value in counts.items():
            self.counts[key] = self.counts.get(key, 0) + value


@dataclass
class Rollup:
    parent: OrganisationUnit | None
    rows: list  # one per child unit, in tree order, zeros included
    direct: Row | None  # the parent's own people (not in a sub-unit)
    extra: list  # assignments with no unit, or under a unit no longer in the tree
    total: Row

    @property
    def all_rows(self):
        return [*self.rows, *([self.direct] if self.direct else []), *self.extra]


def state_conditions(*, today: datetime.date) -> dict[AssignmentState, Q]:
    """{state: Q} for the states a report counts (``assignment_state_q``, the models' one definition).

    Plain conditions, not ``Q(state=…)`` on ``with_state``'s annotation: PostgreSQL would
    evaluate the whole CASE once per state and row, which on 500,000 rows is the difference
    between meeting the report's time budget and not (docs/performance.md).
    """
    return {
        state: assignment_state_q(state, today)
        for state in (
            AssignmentState.COMPLETED,
            AssignmentState.IN_PROGRESS,
            AssignmentState.NOT_STARTED,
            AssignmentState.OVERDUE,
            AssignmentState.EXEMPT,
        )
    }


def _state_counts(*, today: datetime.date) -> dict[str, Count]:
    """The aggregates of a roll-up row. "Not started" is what remains of the assigned once the other
    four states are counted (the five states split every assignment that is not cancelled): one
    ``FILTER`` fewer per row, and ``COUNT(*)`` for the total."""
    counts = {"assigned": Count("*")}
    for state, condition in state_conditions(today=today).items():
        if state != AssignmentState.NOT_STARTED:
            counts[state.value] = Count("pk", filter=condition)
    return counts


def _grouped(
    *, assignments: AssignmentQuerySet, groups: int | list[str], today: datetime.date
) -> dict[str, dict[str, int]]:
    """{group: {"assigned": n, state: n, …}} in one query.

    ``groups`` is either a prefix length (group by the first that many characters of the unit
    path: the children of a unit) or a list of paths of disjoint sub-trees (group by the one each
    path starts with: the units a manager manages). The inner query counts per unit path (a
    ``GROUP BY`` on the column itself); the outer one adds those rows (one per unit, not one per
    assignment) up by prefix. On PostgreSQL that is cheaper than taking the prefix of every
    assignment's path (docs/performance.md).
    """
    counts = _state_counts(today=today)
    per_path = assignments.values("unit_path").annotate(**counts).order_by()
    sql, params = per_path.query.sql_with_params()
    connection = connections[per_path.db]
    quote = connection.ops.quote_name
    path = f"per_path.{quote('unit_path')}"
    key_params: list[int | str]
    if isinstance(groups, int):
        key, key_params = f"SUBSTR({path}, 1, %s)", [groups]
    else:
        whens = " ".join(f"WHEN SUBSTR({path}, 1, %s) = %s THEN %s" for _group in groups)
        key = f"CASE {whens} ELSE '' END"
        key_params = [value for group in groups for value in (len(group), group, group)]
    sums = ", ".join(f"SUM(per_path.{quote(column)})" for column in counts)
    outer = f"SELECT {key} AS grp, {sums} FROM ({sql}) per_path GROUP BY 1"  # noqa: S608 (no user input)
    with connection.cursor() as cursor:
        cursor.execute(outer, [*key_params, *params])
        grouped = {
            row[0]: {name: int(value or 0) for name, value in zip(counts, row[1:], strict=True)} for row in cursor
        }
    for figures in grouped.values():
        figures[AssignmentState.NOT_STARTED.value] = figures["assigned"] - sum(
            figures[state.value] for state in STATE_COLUMNS if state != AssignmentState.NOT_STARTED
        )
    return grouped


def top_unit() -> OrganisationUnit | None:
    """The unit the report opens on: the only root (the province), or None if there are several roots."""
    roots = list(OrganisationUnit.get_root_nodes()[:2])
    return roots[0] if len(roots) == 1 else None


def rollup(
    *,
    parent: OrganisationUnit | None = None,
    filters: Filters = NO_FILTERS,
    today: datetime.date | None = None,
    everything: bool = False,
) -> Rollup:
    """Per child unit of ``parent`` (the roots if None): assigned, completed, … overdue, and rate.

    Counts of a child include its whole sub-tree. Two queries: the children, and one aggregate
    grouping the assignments under ``parent`` by the first ``(depth + 1) × steplen`` characters
    of their unit's path. With ``everything`` (the report's first page), the assignments are not
    narrowed to ``parent``'s sub-tree, so people outside it (in no unit, say) show in ``extra``
    and the total is the whole organisation's.
    """
    today = today or local_today()
    assignments = report_assignments(filters=filters, today=today)
    if parent is None:
        children = list(OrganisationUnit.get_root_nodes())
        length = STEPLEN
    else:
        children = list(parent.get_children())
        length = (parent.depth + 1) * STEPLEN
        if not everything:
            assignments = assignments.filter(unit_path__startswith=parent.path)
    groups = _grouped(assignments=assignments, groups=length, today=today)

    rows = []
    for child in children:
        rows.append(Row(label=child.name, unit=child, counts=groups.pop(child.path, {})))
    direct = None
    if parent is not None:
        direct = Row(
            label=_("Directly in %(unit)s") % {"unit": parent.name},
            unit=parent,
            kind="direct",
            counts=groups.pop(parent.path, {}),
        )
    extra = []
    no_unit = groups.pop("", None)
    if no_unit:
        extra.append(Row(label=_("Not in any unit"), kind="none", counts=no_unit))
    if groups:  # paths of units since deleted, or outside the parent when ``everything``
        other = Row(label=_("Other units"), kind="other")
        for counts in groups.values():
            other.add(counts)
        extra.append(other)
    total = Row(label=_("Total"), unit=parent, kind="total")
    for row in [*rows, *([direct] if direct else []), *extra]:
        total.add(row.counts)
    return Rollup(parent=parent, rows=rows, direct=direct, extra=extra, total=total)


def report_rollup(
    *,
    unit: OrganisationUnit | None,
    filters: Filters = NO_FILTERS,
    today: datetime.date | None = None,
) -> Rollup:
    """The compliance report's roll-up, the one definition of the compliance figures.

    ``unit``'s children (its sub-tree only), or with no unit the report's first page: the top
    unit's children and everyone else (``everything``), whose total is the whole organisation's.
    The compliance report and the operations dashboard (``insights``) both call this, so their
    overdue count and compliance rate are the same numbers on the same data.
    """
    if unit is not None:
        return rollup(parent=unit, filters=filters, today=today)
    return rollup(parent=top_unit(), filters=filters, today=today, everything=True)


def rollup_of_units(
    *, units: Iterable[OrganisationUnit], filters: Filters = NO_FILTERS, today: datetime.date | None = None
) -> Rollup:
    """One row per unit of ``units`` (disjoint sub-trees, e.g. the units a manager manages) and a total.

    One aggregate query: each assignment is put in the group of the unit whose path prefixes its own.
    """
    today = today or local_today()
    units = list(units)
    paths = [unit.path for unit in units]
    assignments = under_paths(assignments=report_assignments(filters=filters, today=today), paths=paths)
    groups = _grouped(assignments=assignments, groups=paths, today=today)
    rows = [Row(label=unit.name, unit=unit, counts=groups.get(unit.path, {})) for unit in units]
    total = Row(label=_("Total"), kind="total")
    for row in rows:
        total.add(row.counts)
    return Rollup(parent=None, rows=rows, direct=None, extra=[], total=total)


# People ----------------------------------------------------------------------------------------


def people(
    *,
    paths: Iterable[str] | None = None,
    direct_path: str | None = None,
    filters: Filters = NO_FILTERS,
    today: datetime.date | None = None,
) -> AssignmentQuerySet:
    """Current assignments with their person, requirement and unit, by unit then name.

    ``paths``: only under these sub-trees (None: everyone); ``direct_path``: only people whose
    unit is exactly that one (not its sub-units). One query per page (plus the paginator's count).
    """
    today = today or local_today()
    assignments = report_assignments(filters=filters, today=today)
    if paths is not None:
        assignments = under_paths(assignments=assignments, paths=paths)
    if direct_path is not None:
        assignments = assignments.filter(unit_path=direct_path)
    return (
        assignments.with_state(today)
        .select_related("user", "requirement", "unit")
        .only(
            "pk",
            "due_on",
            "status",
            "started_at",
            "completed_at",
            "unit_path",
            "cycle",
            "user__full_name",
            "user__employee_code",
            "user__position",
            "requirement__name",
            "unit__name",
            "unit__code",
        )
        .order_by("unit_path", "user__full_name", "user_id", "requirement__name", "pk")
    )


# Exports ---------------------------------------------------------------------------------------


def _state_label(state: str) -> str:
    return str(AssignmentState(state).label)


def rollup_dataset(*, result: Rollup) -> tablib.Dataset:
    """The roll-up as a table: a row per child unit, the parent's own people, others, the total."""
    headers = [
        _("Unit"),
        _("Code"),
        _("Assigned"),
        *[_state_label(state) for state in STATE_COLUMNS],
        _("Completion rate (%)"),
    ]
    dataset = tablib.Dataset(headers=headers, title=_("Compliance")[:31])
    for row in [*result.all_rows, result.total]:
        code = row.unit.code if row.unit is not None and row.kind in ("unit", "direct") else ""
        dataset.append(
            [
                row.label,
                code,
                row.assigned,
                *[row.counts.get(state.value, 0) for state in STATE_COLUMNS],
                "" if row.rate is None else row.rate,
            ]
        )
    return dataset


def people_dataset(*, assignments: AssignmentQuerySet) -> tablib.Dataset:
    """The people list as a table (every row, not one page): ``assignments`` from ``people()``."""
    headers = [
        _("Full name"),
        _("Employee code"),
        _("Position"),
        _("Unit"),
        _("Unit code"),
        _("Requirement"),
        _("Status"),
        _("Due date"),
        _("Completed on"),
    ]
    dataset = tablib.Dataset(headers=headers, title=_("People")[:31])
    labels = {state.value: _state_label(state) for state in AssignmentState}
    rows = assignments.values_list(
        "user__full_name",
        "user__employee_code",
        "user__position",
        "unit__name",
        "unit__code",
        "requirement__name",
        "state",
        "due_on",
        "completed_at",
    )
    localdate = local_date
    for name, code, position, unit, unit_code, requirement, state, due_on, completed_at in rows.iterator(
        chunk_size=2000
    ):
        completed = localdate(completed_at) if completed_at else ""
        dataset.append(
            (name, code or "", position, unit or "", unit_code or "", requirement, labels[state], due_on, completed)
        )
    return dataset


too_many_rows_message = gettext_lazy(
    "This export would have %(count)s rows, more than %(limit)s. Narrow it with the filters "
    "(a unit, a requirement, a status) or choose CSV, which allows more."
)
