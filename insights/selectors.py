"""Figures of the training and outreach programme, for a period and a part of the organisation.

Reads only, aggregated in the database: each source (enrolments, lesson completions,
certificates, tutorials, sign-ups, deliveries) is one ``GROUP BY`` query with conditional
``Count(filter=…)``; nothing is fetched row by row. A fixed number of queries whatever the number
of units, courses or weeks shown.

- **Who**: a ``Scope`` (everything, or the sub-trees of the units a manager manages) and, inside
  it, a unit (with its sub-units). People are placed by their organisation unit: a sub-tree is a
  treebeard path prefix (``path LIKE 'prefix%'``), never a walk of the tree in Python. Counts are
  grouped by the person's unit id and put in a row by that unit's path prefix (the children of the
  unit shown, as ``courses.compliance.rollup`` does).
- **When**: a ``Period`` of local dates (Asia/Ho_Chi_Minh), both days included: from 00:00 of the
  first day to 00:00 of the day after the last.
- **Mandatory training** is not re-derived here: the compliance rate and the overdue count come
  from ``courses.compliance`` (current, not cancelled assignments on today's local date, with the
  state conditions of ``courses.models.assignment_state_q``). They are a state *today*, not a
  count over the period.
- **Small groups**: ``Table.finalise`` suppresses any count of fewer than
  ``INSIGHTS_MIN_GROUP`` people (and a rate over fewer than that many) for everyone but the
  training office, and leaves suppressed cells out of the totals it shows (so that a hidden
  figure cannot be found by subtracting the others from the total).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, Case, Count, F, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit, User
from courses import compliance
from courses.models import (
    CoursePage,
    Enrolment,
    Feedback,
    PublicService,
    TutorialCompletion,
    TutorialPage,
    TutorialPageView,
    local_today,
)
from outreach.campaigns.selectors import attributed_per_campaign, campaign_deliveries
from outreach.models import CampaignClick, CampaignMessage, CampaignPage, Delivery

STEPLEN = OrganisationUnit.steplen

MAX_PERIOD_DAYS = 2 * 366


def local_zone():
    return timezone.get_default_timezone()


def min_group():
    return max(1, int(getattr(settings, "INSIGHTS_MIN_GROUP", 5)))


# Period and scope -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def last_weeks(cls, weeks, today=None):
        """The ``weeks`` weeks ending today (Monday to today's weekday)."""
        today = today or local_today()
        start = today - datetime.timedelta(days=today.weekday()) - datetime.timedelta(weeks=weeks - 1)
        return cls(start, today)

    def bounds(self):
        """[start, end) as aware datetimes: 00:00 of the first day to 00:00 after the last, in Vietnam."""
        zone = local_zone()
        start = datetime.datetime.combine(self.start, datetime.time.min, zone)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, zone)
        return start, end

    def q(self, field_name):
        start, end = self.bounds()
        return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})

    def weeks(self):
        """The Mondays of the weeks the period touches."""
        monday = self.start - datetime.timedelta(days=self.start.weekday())
        weeks = []
        while monday <= self.end:
            weeks.append(monday)
            monday += datetime.timedelta(weeks=1)
        return weeks


@dataclass(frozen=True)
class Scope:
    """The part of the organisation someone may see: everything, or the sub-trees of ``roots``."""

    roots: tuple = ()  # OrganisationUnits, disjoint sub-trees; empty: everything

    @property
    def everything(self):
        return not self.roots

    def contains(self, unit):
        return self.everything or compliance.in_scope(unit, self.roots)


EVERYTHING = Scope()


def scope_for(user):
    """Everything for ``insights.view_province`` (leaders, the training office); else the units ``user`` manages."""
    if user.has_perm("insights.view_province"):
        return EVERYTHING
    roots = compliance.managed_scope(user)
    return Scope(tuple(roots)) if roots else None


def _units_q(paths):
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return condition


def _people_q(prefix, paths):
    """People (through ``prefix``, e.g. ``"user__"``) whose unit is under one of ``paths``; None: no filter."""
    if paths is None:
        return Q()
    units = OrganisationUnit.objects.filter(_units_q(paths)).values("pk")
    return Q(**{f"{prefix}organisation_unit__in": units})


# Tables and small-group suppression -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # "count" (people or events), "rate" (numerator ÷ denominator, in %)
    numerator: str = ""
    denominator: str = ""


@dataclass
class Cell:
    value: float | int | None  # None: nothing to compute (a rate over nobody)
    suppressed: bool = False


@dataclass
class TableRow:
    label: str
    values: dict = field(default_factory=dict)
    unit: OrganisationUnit | None = None
    kind: str = "unit"  # "unit", "direct", "none", "other", "item", "total"
    key: object = None
    cells: dict = field(default_factory=dict)

    def add(self, counts):
        for name, value in counts.items():
            self.values[name] = self.values.get(name, 0) + (value or 0)


@dataclass
class Table:
    key: str
    title: str
    label_header: str
    columns: list
    rows: list
    total: TableRow | None = None
    suppressed: bool = False  # whether suppression applied (outside the training office)
    any_suppressed: bool = False
    threshold: int = 5

    def finalise(self, *, suppress, threshold=None, with_total=True):
        """Compute every cell (rates; suppression when ``suppress``) and the total row.

        Outside the training office (``suppress``) a count of 1 to ``threshold − 1`` and a rate over
        fewer than ``threshold`` are hidden, and the total adds up only what is shown (then a total
        below the threshold is hidden too). Inside, every figure is exact and the total adds all rows.
        """
        threshold = threshold or min_group()
        self.suppressed, self.threshold = suppress, threshold
        for row in self.rows:
            row.cells = self._cells(row.values, suppress, threshold)
        if not with_total:
            self.total = None
            return self
        totals = {}
        for column in self.columns:
            if column.kind == "count":
                totals[column.key] = sum(
                    row.values.get(column.key, 0) for row in self.rows if not row.cells[column.key].suppressed
                )
        for column in self.columns:
            if column.kind == "rate":
                shown = [row for row in self.rows if not row.cells[column.key].suppressed]
                for part in (column.numerator, column.denominator):
                    totals[f"{column.key}:{part}"] = sum(row.values.get(part, 0) for row in shown)
        self.total = TableRow(label=_("Total"), values=totals, kind="total")
        cells = {}
        for column in self.columns:
            if column.kind == "count":
                value = totals[column.key]
                cells[column.key] = Cell(value, suppress and 0 < value < threshold)
            else:
                numerator = totals[f"{column.key}:{column.numerator}"]
                denominator = totals[f"{column.key}:{column.denominator}"]
                rate = round(100 * numerator / denominator, 1) if denominator else None
                cells[column.key] = Cell(rate, suppress and 0 < denominator < threshold)
        self.total.cells = cells
        self.any_suppressed = any(cell.suppressed for row in [*self.rows, self.total] for cell in row.cells.values())
        return self

    def _cells(self, values, suppress, threshold):
        cells = {}
        for column in self.columns:
            if column.kind == "count":
                value = values.get(column.key, 0)
                cells[column.key] = Cell(value, suppress and 0 < value < threshold)
            else:
                numerator, denominator = values.get(column.numerator, 0), values.get(column.denominator, 0)
                rate = round(100 * numerator / denominator, 1) if denominator else None
                cells[column.key] = Cell(rate, suppress and 0 < denominator < threshold)
        if suppress:
            self.any_suppressed = self.any_suppressed or any(cell.suppressed for cell in cells.values())
        return cells

    def sort(self, key, descending):
        """Rows ordered by a column (suppressed and empty cells last) or by label (``key`` "label")."""
        if key == "label":
            self.rows.sort(key=lambda row: row.label.casefold(), reverse=descending)
            return self
        if key not in {column.key for column in self.columns}:
            return self

        def value(row):
            cell = row.cells[key]
            return cell.value if cell.value is not None and not cell.suppressed else None

        known = [row for row in self.rows if value(row) is not None]
        unknown = [row for row in self.rows if value(row) is None]
        known.sort(key=value, reverse=descending)
        self.rows = known + unknown
        return self


# By unit -------------------------------------------------------------------------------------------

UNIT_COLUMNS = [
    Column("signups", gettext_lazy("Citizens signed up")),
    Column("reached", gettext_lazy("People reached by campaigns")),
    Column("tutorials", gettext_lazy("Tutorials marked done")),
    Column("enrolled", gettext_lazy("Course enrolments")),
    Column("completed", gettext_lazy("Course completions")),
    Column("trained", gettext_lazy("People who completed a course")),
    Column("certificates", gettext_lazy("Certificates issued")),
    Column("lessons", gettext_lazy("Lessons completed")),
    Column("required", gettext_lazy("Mandatory training required")),
    Column("compliant", gettext_lazy("Mandatory training completed")),
    Column("rate", gettext_lazy("Compliance rate (%)"), kind="rate", numerator="compliant", denominator="required"),
    Column("overdue", gettext_lazy("Overdue")),
    Column("reminders_sent", gettext_lazy("Reminders sent")),
    Column("reminders_failed", gettext_lazy("Reminders failed")),
]


@dataclass
class Partition:
    """The rows of a breakdown by unit, and which row a unit path belongs to."""

    rows: list  # TableRow, one per child unit (or managed unit), then "directly in", "no unit", "other"
    paths: list | None  # the sub-trees every query is narrowed to (None: no narrowing)
    key_of: object  # path ("" for no unit) -> row key, or None to leave out
    compliance_rollup: object


def partition(scope, unit, today):
    """Rows for ``unit``'s children (and its own people), or the scope's units when ``unit`` is None.

    Two queries (the compliance roll-up: the children, and the assignments' counts per child).
    """
    if unit is not None:
        rollup = compliance.rollup(unit, today=today)
        paths = [unit.path]
        base = unit.path
        everything = False
    elif scope.everything:
        top = compliance.top_unit()
        rollup = compliance.rollup(top, today=today, everything=True)
        paths, base, everything = None, top.path if top else None, True
    else:
        rollup = compliance.rollup_of_units(scope.roots, today=today)
        roots = [root.path for root in scope.roots]
        rows = [TableRow(label=row.label, unit=row.unit, key=row.unit.path) for row in rollup.rows]
        for row, source in zip(rows, rollup.rows, strict=True):
            row.values.update(_compliance_counts(source))

        def key_of(path):
            return next((root for root in roots if path.startswith(root)), None)

        return Partition(rows, roots, key_of, rollup)

    rows = [TableRow(label=row.label, unit=row.unit, key=row.unit.path) for row in rollup.rows]
    for row, source in zip(rows, rollup.rows, strict=True):
        row.values.update(_compliance_counts(source))
    if rollup.direct is not None:
        direct = TableRow(label=rollup.direct.label, unit=rollup.direct.unit, kind="direct", key="direct")
        direct.values.update(_compliance_counts(rollup.direct))
        rows.append(direct)
    none_row = TableRow(label=_("Not in any unit"), kind="none", key="none")
    other_row = TableRow(label=_("Other units"), kind="other", key="other")
    for extra in rollup.extra:
        (none_row if extra.kind == "none" else other_row).values.update(_compliance_counts(extra))
    if everything:
        rows += [none_row, other_row]
    length = (len(base) + STEPLEN) if base is not None else STEPLEN

    def key_of(path):
        if not path:
            return "none" if everything else None
        if base is None:
            return path[:STEPLEN]
        if not path.startswith(base):
            return "other" if everything else None
        if len(path) == len(base):
            return "direct"
        return path[:length]

    return Partition(rows, paths, key_of, rollup)


def _compliance_counts(row):
    """The figures of a compliance roll-up row we show: required (assigned − exempt), completed, overdue."""
    return {"required": row.required, "compliant": row.completed, "overdue": row.overdue}


def _unit_paths(paths):
    """{unit id: path} of the units the figures may fall in (one query)."""
    units = OrganisationUnit.objects.all() if paths is None else OrganisationUnit.objects.filter(_units_q(paths))
    return dict(units.values_list("pk", "path"))


def _per_unit(queryset, unit_field, aggregates):
    """[(unit id or None, {name: count})]: one GROUP BY query."""
    rows = queryset.values(grouped_unit=F(unit_field)).annotate(**aggregates).order_by()
    return [(row.pop("grouped_unit"), row) for row in rows]


SUMMARY_FIGURES = [
    "signups",
    "tutorials",
    "enrolled",
    "completed",
    "certificates",
    "lessons",
    "reminders_sent",
    "reminders_failed",
]


def _summary(period, paths):
    """The daily summary rows (``UnitDayFigure``) of the period, for people under ``paths`` (None: everyone)."""
    from .models import UnitDayFigure

    rows = UnitDayFigure.objects.filter(day__gte=period.start, day__lte=period.end)
    if paths is not None:
        rows = rows.filter(unit__in=OrganisationUnit.objects.filter(_units_q(paths)).values("pk"))
    return rows


@dataclass
class SummarySums:
    """The daily summary of a period summed per unit and per day (``summary_sums``)."""

    per_unit: list  # [(unit id or None, {figure: sum})]
    per_day: dict  # {day: {figure: sum}}


def summary_sums(period, paths):
    """The period's daily summary summed per unit and per day, in one pass on PostgreSQL.

    ``GROUP BY GROUPING SETS ((unit_id), (day))`` reads the period's rows once for both (a year of
    a province is about 480,000 rows: 145 ms instead of 100 + 95 for two queries); SQLite has no
    grouping sets, so there it is two queries. ``GROUPING(unit_id)`` tells the two kinds of rows
    apart (people with no unit have a NULL unit of their own).
    """
    rows = _summary(period, paths)
    if connection.vendor != "postgresql":
        sums = {name: Sum(name) for name in SUMMARY_FIGURES}
        per_day = rows.values("day").annotate(**sums).order_by()
        return SummarySums(per_unit=_per_unit(rows, "unit_id", sums), per_day={row.pop("day"): row for row in per_day})
    inner, params = rows.values("unit_id", "day", *SUMMARY_FIGURES).query.sql_with_params()
    quote = connection.ops.quote_name
    sums_sql = ", ".join(f"SUM(s.{quote(name)})" for name in SUMMARY_FIGURES)
    sql = (
        f"SELECT GROUPING(s.{quote('unit_id')}), s.{quote('unit_id')}, s.{quote('day')}, {sums_sql} "  # noqa: S608
        f"FROM ({inner}) AS s GROUP BY GROUPING SETS ((s.{quote('unit_id')}), (s.{quote('day')}))"
    )
    per_unit, per_day = [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for by_day, unit_id, day, *values in cursor.fetchall():
            figures = dict(zip(SUMMARY_FIGURES, values, strict=True))
            if by_day:
                per_day[day] = figures
            else:
                per_unit.append((unit_id, figures))
    return SummarySums(per_unit=per_unit, per_day=per_day)


def unit_sources(period, paths, *, sums=None):
    """The period's counts per person's unit: [(unit id, {name: count}), …]. Three queries.

    Additive figures come from the daily summary (``UnitDayFigure``, refreshed by beat); the counts of
    distinct people (who completed a course, who was reached by a campaign) from the source rows,
    because people cannot be added up day by day. ``sums``: the summary already summed.
    """
    within = period.q
    sources = list((sums or summary_sums(period, paths)).per_unit)
    # People (each in one unit) among the ids of a sub-query: a hash semi-join, cheaper than COUNT(DISTINCT).
    people = User.objects.filter(_people_q("", paths))
    completed = Enrolment.objects.filter(within("completed_at")).values("user_id")
    sources += _per_unit(people.filter(pk__in=completed), "organisation_unit_id", {"trained": Count("pk")})
    reached = campaign_deliveries().filter(within("sent_at"), status=Delivery.Status.SENT)  # no test sends
    sources += _per_unit(
        people.filter(pk__in=reached.values("recipient_id")), "organisation_unit_id", {"reached": Count("pk")}
    )
    return sources


def by_unit(scope, unit, period, *, today=None, sums=None):
    """A ``Table`` (not finalised) with one row per child unit of ``unit`` (or per unit of ``scope``).

    Its total is the headline figures. About ten queries, whatever the number of units.
    """
    today = today or local_today()
    part = partition(scope, unit, today)
    unit_paths = _unit_paths(part.paths)
    by_key = {row.key: row for row in part.rows}
    for unit_id, counts in unit_sources(period, part.paths, sums=sums):
        path = unit_paths.get(unit_id, "") if unit_id is not None else ""
        if unit_id is not None and path == "" and part.paths is not None:
            continue  # a unit outside the scope (cannot happen: the queries are narrowed)
        key = part.key_of(path)
        row = by_key.get(key)
        if row is None and key is not None and part.paths is None:
            row = by_key.get("other")
        if row is not None:
            row.add(counts)
    rows = [row for row in part.rows if row.kind in ("unit", "direct") or any(row.values.values())]
    return Table(
        key="units",
        title=_("By unit"),
        label_header=_("Unit"),
        columns=UNIT_COLUMNS,
        rows=rows,
    )


# Over time -------------------------------------------------------------------------------------------

WEEK_COLUMNS = [
    Column("signups", gettext_lazy("Citizens signed up")),
    Column("tutorials", gettext_lazy("Tutorials marked done")),
    Column("enrolled", gettext_lazy("Course enrolments")),
    Column("completed", gettext_lazy("Course completions")),
    Column("certificates", gettext_lazy("Certificates issued")),
    Column("lessons", gettext_lazy("Lessons completed")),
]


def by_week(scope, unit, period, *, sums=None):
    """A ``Table`` with one row per week (Monday, local time) of the period, from the daily summary.

    ``sums``: the summary already summed (``summary_sums``, shared with ``by_unit``).
    """
    paths = _scope_paths(scope, unit)
    weeks = {monday: TableRow(label=monday.strftime("%d/%m/%Y"), kind="item", key=monday) for monday in period.weeks()}
    names = [column.key for column in WEEK_COLUMNS]
    for day, figures in (sums or summary_sums(period, paths)).per_day.items():
        monday = day - datetime.timedelta(days=day.weekday())
        if monday in weeks:
            weeks[monday].add({name: figures[name] for name in names})
    return Table(
        key="weeks",
        title=_("Week by week"),
        label_header=_("Week starting"),
        columns=WEEK_COLUMNS,
        rows=list(weeks.values()),
    )


# By course, tutorial, public service and campaign ------------------------------------------------------

COURSE_COLUMNS = [
    Column("enrolled", gettext_lazy("Enrolments")),
    Column("completed", gettext_lazy("Completions")),
    Column("cohort_completed", gettext_lazy("Of those enrolled, completed")),
    Column(
        "rate", gettext_lazy("Completion rate (%)"), kind="rate", numerator="cohort_completed", denominator="enrolled"
    ),
]


def _scope_paths(scope, unit):
    if unit is not None:
        return [unit.path]
    return None if scope.everything else [root.path for root in scope.roots]


def by_course(scope, unit, period):
    """Per course: enrolments and completions in the period, and how many of the period's enrolments are done."""
    paths = _scope_paths(scope, unit)
    within = period.q
    counts = (
        Enrolment.objects.filter(_people_q("user__", paths))
        .filter(within("enrolled_at") | within("completed_at"))
        .values("course_id")
        .annotate(
            enrolled=Count("pk", filter=within("enrolled_at")),
            completed=Count("pk", filter=within("completed_at")),
            cohort_completed=Count("pk", filter=within("enrolled_at") & Q(completed_at__isnull=False)),
        )
        .order_by()
    )
    counts = {row.pop("course_id"): row for row in counts}
    rows = [
        TableRow(label=title, values=counts.get(pk, {}), kind="item", key=pk)
        for pk, title in CoursePage.objects.live().order_by("path").values_list("pk", "title")
    ]
    return Table(key="courses", title=_("By course"), label_header=_("Course"), columns=COURSE_COLUMNS, rows=rows)


VIEWS_COLUMN = Column("views", gettext_lazy("Page views"))
TUTORIAL_COLUMNS = [
    Column("done", gettext_lazy("Marked done")),
    Column("helpful", gettext_lazy("Helpful")),
    Column("not_helpful", gettext_lazy("Not helpful")),
]


def _tutorial_counts(scope, unit, period):
    paths = _scope_paths(scope, unit)
    done = (
        TutorialCompletion.objects.filter(_people_q("user__", paths), period.q("completed_at"))
        .values("tutorial_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    feedback = Feedback.objects.filter(period.q("created_at"), page__in=TutorialPage.objects.values("pk"))
    if paths is not None:  # anonymous feedback belongs to no unit: only the province-wide view counts it
        feedback = feedback.filter(_people_q("user__", paths))
    feedback = (
        feedback.values("page_id")
        .annotate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
        .order_by()
    )
    counts = {}
    if paths is None:  # page views are anonymous: they belong to no unit, only the province-wide view has them
        views = (
            TutorialPageView.objects.filter(day__gte=period.start, day__lte=period.end)
            .values("tutorial_id")
            .annotate(n=Sum("views"))
            .order_by()
        )
        for row in views:
            counts.setdefault(row["tutorial_id"], {})["views"] = row["n"]
    for row in done:
        counts.setdefault(row["tutorial_id"], {})["done"] = row["n"]
    for row in feedback:
        counts.setdefault(row["page_id"], {}).update(helpful=row["yes"], not_helpful=row["no"])
    tutorials = list(TutorialPage.objects.live().order_by("path").values_list("pk", "title", "public_service_id"))
    return tutorials, counts


def tutorial_views_shown(scope, unit):
    """Whether tutorial page views are shown: only province-wide (views belong to no unit)."""
    return _scope_paths(scope, unit) is None


def by_tutorial_and_service(scope, unit, period):
    """(per tutorial, per public service): page views (province-wide only), tutorials marked done and
    "Was this helpful?" answers. Five queries."""
    tutorials, counts = _tutorial_counts(scope, unit, period)
    columns = [VIEWS_COLUMN, *TUTORIAL_COLUMNS] if tutorial_views_shown(scope, unit) else TUTORIAL_COLUMNS
    tutorial_rows = [
        TableRow(label=title, values=dict(counts.get(pk, {})), kind="item", key=pk) for pk, title, _service in tutorials
    ]
    services = {}
    for pk, _title, service_id in tutorials:
        if service_id is not None:
            row = services.setdefault(service_id, {"tutorials": 0})
            row["tutorials"] += 1
            for name, value in counts.get(pk, {}).items():
                row[name] = row.get(name, 0) + value
    names = dict(PublicService.objects.filter(pk__in=services).values_list("pk", "name"))
    service_rows = [
        TableRow(label=names.get(pk, str(pk)), values=values, kind="item", key=pk)
        for pk, values in sorted(services.items(), key=lambda item: names.get(item[0], "").casefold())
    ]
    tutorial_table = Table(
        key="tutorials",
        title=_("By tutorial"),
        label_header=_("Tutorial"),
        columns=columns,
        rows=tutorial_rows,
    )
    service_table = Table(
        key="services",
        title=_("By public service"),
        label_header=_("Public service"),
        columns=[Column("tutorials", gettext_lazy("Tutorials")), *columns],
        rows=service_rows,
    )
    return tutorial_table, service_table


CAMPAIGN_COLUMNS = [
    Column("sent", gettext_lazy("Messages sent")),
    Column("failed", gettext_lazy("Failed")),
    Column("reached", gettext_lazy("People reached")),
    Column("clicked", gettext_lazy("Followed a link")),
    Column("enrolled", gettext_lazy("Enrolments attributed")),
    Column("completed", gettext_lazy("Completions attributed")),
]


def by_campaign(scope, unit, period):
    """Per campaign page, its funnel for people in the units shown and the period. Six queries.

    A campaign's deliveries name a ``CampaignMessage`` (``subject_id``), whose ``campaign`` is the
    page; test sends are left out (``campaign_selectors.campaign_deliveries``). Messages sent and
    people reached: deliveries sent in the period; failed: failed deliveries planned in the
    period; followed a link: people whose first click on a tracked link of the campaign's
    messages is in the period; enrolments (completions) attributed: those begun (completed) in the
    period within the attribution window of a touch of the campaign (``attribution_q``, the
    campaign results' definition). Everything counts people of the units shown only.
    """
    paths = _scope_paths(scope, unit)
    within = period.q
    sent = Q(status=Delivery.Status.SENT) & within("sent_at")
    failed = Q(status=Delivery.Status.FAILED) & within("planned_at")
    # Each delivery's campaign, through its message: a CASE over the (few) messages' ids, not a
    # sub-query per delivery (92 ms instead of about 25 for a year of a province's deliveries).
    messages_of = {}
    for message_id, campaign_id in CampaignMessage.objects.values_list("pk", "campaign_id").order_by():
        messages_of.setdefault(campaign_id, []).append(message_id)
    counts = {}
    if messages_of:
        campaign_of = Case(
            *(When(subject_id__in=ids, then=Value(campaign_id)) for campaign_id, ids in messages_of.items()),
            default=None,
            output_field=BigIntegerField(),
        )
        deliveries = (
            campaign_deliveries()
            .filter(_people_q("recipient__", paths))
            .filter(sent | failed)
            .values(campaign=campaign_of)
            .annotate(
                sent=Count("pk", filter=sent),
                failed=Count("pk", filter=failed),
                reached=Count("recipient_id", distinct=True, filter=sent),
            )
            .order_by()
        )
        for row in deliveries:
            counts.setdefault(row.pop("campaign"), {}).update(row)
    clicks = (
        CampaignClick.objects.filter(_people_q("recipient__", paths), within("first_at"))
        .values(campaign=F("message__campaign_id"))
        .annotate(clicked=Count("recipient_id", distinct=True))
        .order_by()
    )
    for row in clicks:
        counts.setdefault(row["campaign"], {})["clicked"] = row["clicked"]
    enrolments = Enrolment.objects.filter(_people_q("user__", paths))
    for name, moment in (("enrolled", "enrolled_at"), ("completed", "completed_at")):
        for campaign_id, number in attributed_per_campaign(
            enrolments=enrolments.filter(within(moment)), moment=moment
        ).items():
            counts.setdefault(campaign_id, {})[name] = number
    rows = [
        TableRow(label=title, values=counts.get(pk, {}), kind="item", key=pk)
        for pk, title in CampaignPage.objects.order_by("-starts_on", "title").values_list("pk", "title")
    ]
    return Table(
        key="campaigns", title=_("By campaign"), label_header=_("Campaign"), columns=CAMPAIGN_COLUMNS, rows=rows
    )


# Everything the dashboard shows ------------------------------------------------------------------------


def dashboard(scope, unit, period, *, suppress, sort=None, today=None):
    """{table key: finalised Table} for the dashboard and its exports; ``units`` carries the headline total."""
    today = today or local_today()
    sums = summary_sums(period, _scope_paths(scope, unit))  # one pass for the units and the weeks
    units = by_unit(scope, unit, period, today=today, sums=sums).finalise(suppress=suppress)
    if sort:
        units.sort(*sort)
    tutorials, services = by_tutorial_and_service(scope, unit, period)
    return {
        "units": units,
        "weeks": by_week(scope, unit, period, sums=sums).finalise(suppress=suppress, with_total=True),
        "courses": by_course(scope, unit, period).finalise(suppress=suppress).sort("enrolled", True),
        "tutorials": tutorials.finalise(suppress=suppress).sort("done", True),
        "services": services.finalise(suppress=suppress).sort("done", True),
        "campaigns": by_campaign(scope, unit, period).finalise(suppress=suppress),
    }


def headline_figures(tables):
    """[(column, cell)]: the total row of the unit table, and tutorial page views when shown (province-wide)."""
    units, tutorials = tables["units"], tables["tutorials"]
    figures = [(column, units.total.cells[column.key]) for column in units.columns]
    if any(column.key == "views" for column in tutorials.columns):
        figures.append((TUTORIAL_VIEWS_HEADLINE, tutorials.total.cells["views"]))
    return figures


TUTORIAL_VIEWS_HEADLINE = Column("views", gettext_lazy("Tutorial page views"))


def headline_table(tables):
    """The headline figures as a two-column table, for exports."""
    units = tables["units"]
    rows = [
        TableRow(label=str(column.label), values={"value": 0}, kind="item", cells={"value": cell})
        for column, cell in headline_figures(tables)
    ]
    table = Table(
        key="headline",
        title=_("Headline figures"),
        label_header=_("Figure"),
        columns=[Column("value", gettext_lazy("Value"))],
        rows=rows,
    )
    table.suppressed, table.threshold = units.suppressed, units.threshold
    return table


# The public transparency page ----------------------------------------------------------------------------

PUBLIC_COLUMNS = ["trained", "certificates", "rate"]
PUBLIC_WEEKS = 26


def transparency(today=None):
    """The public page's figures, suppressed and anonymous, as plain data (cacheable).

    Per unit under the province (communes, agencies): people who completed a course and certificates
    issued in the last 52 weeks, and the civil servants' compliance rate today; the week-by-week
    trend of course completions and certificates over the last 26 weeks.
    """
    today = today or local_today()
    year = Period.last_weeks(52, today)
    units = by_unit(EVERYTHING, None, year, today=today).finalise(suppress=True)

    def cells(row):
        return {key: (row.cells[key].value, row.cells[key].suppressed) for key in PUBLIC_COLUMNS}

    trend = by_week(EVERYTHING, None, Period.last_weeks(PUBLIC_WEEKS, today)).finalise(suppress=True)
    return {
        "today": today,
        "period": (year.start, year.end),
        "threshold": units.threshold,
        # Names, not labels: the figures are cached and shown in either language.
        "rows": [(row.unit.name, row.kind, cells(row)) for row in units.rows if row.kind in ("unit", "direct")],
        "total": cells(units.total),
        "weeks": [
            (row.key, {key: (row.cells[key].value, row.cells[key].suppressed) for key in ("completed", "certificates")})
            for row in trend.rows
        ],
    }
