"""The dashboard's breakdowns: by unit, week by week, by course, tutorial, public service and campaign.

Reads only, aggregated in the database: each source (enrolments, lesson completions,
certificates, tutorials, sign-ups, deliveries) is one ``GROUP BY`` query with conditional
``Count(filter=…)``; nothing is fetched row by row. A fixed number of queries whatever the number
of units, courses or weeks shown. Each function returns a ``tables.Table``, not finalised.

- **Who**: a ``scope.Scope`` and, inside it, a unit (with its sub-units). Counts are grouped by the
  person's unit id and put in a row by that unit's path prefix (the children of the unit shown, as
  ``courses.training.compliance.rollup`` does).
- **When**: a ``period.Period`` of local dates.
- **Mandatory training** is not re-derived here: the compliance rate and the overdue count come
  from ``courses.training.compliance``: ``report_rollup``, the compliance report's own selector
  (``rollup_of_units`` for a manager's units, as on her team page). Current, not cancelled
  assignments on today's local date, with the state conditions of
  ``courses.models.assignment_state_q``: a state *today*, not a count over the period.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import connection
from django.db.models import BigIntegerField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import OrganisationUnit, User
from core.localtime import local_today
from courses.models import (
    CoursePage,
    Enrolment,
    Feedback,
    PublicService,
    TutorialCompletion,
    TutorialPage,
    TutorialPageView,
)
from courses.training import compliance
from outreach.campaigns.selectors import attributed_per_campaign, campaign_deliveries
from outreach.models import CampaignClick, CampaignMessage, CampaignPage, Delivery

from .models import SUMMARY_FIGURES, UnitDayFigure
from .period import Period
from .scope import Scope, people_q, scope_paths, units_q
from .tables import Column, Table, TableRow

STEPLEN = OrganisationUnit.steplen

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
    key_of: Callable[[str], object]  # path ("" for no unit) -> row key, or None to leave out
    compliance_rollup: object


def partition(*, scope: Scope, unit: OrganisationUnit | None, today: datetime.date) -> Partition:
    """Rows for ``unit``'s children (and its own people), or the scope's units when ``unit`` is None.

    Two queries (the compliance roll-up: the children, and the assignments' counts per child).
    """
    if unit is not None:
        rollup = compliance.report_rollup(unit=unit, today=today)
        return _tree_partition(rollup=rollup, paths=[unit.path], base=unit.path, everything=False)
    if scope.everything:
        rollup = compliance.report_rollup(unit=None, today=today)  # the report's first page
        top = rollup.parent
        return _tree_partition(rollup=rollup, paths=None, base=top.path if top else None, everything=True)
    rollup = compliance.rollup_of_units(units=scope.roots, today=today)
    roots = [root.path for root in scope.roots]
    return Partition(_unit_rows(rollup=rollup), roots, partial(_root_key, roots=roots), rollup)


def _unit_rows(*, rollup: compliance.Rollup) -> list[TableRow]:
    """A row per unit of the compliance roll-up, with its compliance figures."""
    rows = [TableRow(label=row.label, unit=row.unit, key=row.unit.path) for row in rollup.rows]
    for row, source in zip(rows, rollup.rows, strict=True):
        row.values.update(_compliance_counts(row=source))
    return rows


def _root_key(path: str, *, roots: list[str]) -> str | None:
    """The managed unit (its path) a unit path is under, or None."""
    return next((root for root in roots if path.startswith(root)), None)


def _tree_key(path: str, *, base: str | None, everything: bool) -> str | None:
    """The row key of a unit path under ``base``'s children: a child's path, "direct", "none", "other" or None."""
    if not path:
        return "none" if everything else None
    if base is None:
        return path[:STEPLEN]
    if not path.startswith(base):
        return "other" if everything else None
    if len(path) == len(base):
        return "direct"
    return path[: len(base) + STEPLEN]


def _tree_partition(
    *, rollup: compliance.Rollup, paths: list[str] | None, base: str | None, everything: bool
) -> Partition:
    """The partition of a unit's children (``base`` its path; None: the roots), ``everything``: with the rest."""
    rows = _unit_rows(rollup=rollup)
    if rollup.direct is not None:
        direct = TableRow(label=rollup.direct.label, unit=rollup.direct.unit, kind="direct", key="direct")
        direct.values.update(_compliance_counts(row=rollup.direct))
        rows.append(direct)
    none_row = TableRow(label=_("Not in any unit"), kind="none", key="none")
    other_row = TableRow(label=_("Other units"), kind="other", key="other")
    for extra in rollup.extra:
        (none_row if extra.kind == "none" else other_row).values.update(_compliance_counts(row=extra))
    # Always all of the roll-up's rows (empty ones are dropped by ``by_unit``), so the table adds up to its total.
    rows += [none_row, other_row]
    return Partition(rows, paths, partial(_tree_key, base=base, everything=everything), rollup)


def _compliance_counts(*, row: compliance.Row) -> dict[str, int]:
    """The figures of a compliance roll-up row we show: required (assigned − exempt), completed, overdue."""
    return {"required": row.required, "compliant": row.completed, "overdue": row.overdue}


def _unit_paths(*, paths: list[str] | None) -> dict[int, str]:
    """{unit id: path} of the units the figures may fall in (one query)."""
    units = OrganisationUnit.objects.all() if paths is None else OrganisationUnit.objects.filter(units_q(paths=paths))
    return dict(units.values_list("pk", "path"))


def _per_unit(*, queryset: QuerySet, unit_field: str, aggregates: dict) -> list[tuple[int | None, dict]]:
    """[(unit id or None, {name: count})]: one GROUP BY query."""
    rows = queryset.values(grouped_unit=F(unit_field)).annotate(**aggregates).order_by()
    return [(row.pop("grouped_unit"), row) for row in rows]


def _summary(*, period: Period, paths: list[str] | None) -> QuerySet:
    """The daily summary rows (``UnitDayFigure``) of the period, for people under ``paths`` (None: everyone)."""
    rows = UnitDayFigure.objects.filter(day__gte=period.start, day__lte=period.end)
    if paths is not None:
        rows = rows.filter(unit__in=OrganisationUnit.objects.filter(units_q(paths=paths)).values("pk"))
    return rows


@dataclass
class SummarySums:
    """The daily summary of a period summed per unit and per day (``summary_sums``)."""

    per_unit: list  # [(unit id or None, {figure: sum})]
    per_day: dict  # {day: {figure: sum}}


def summary_sums(*, period: Period, paths: list[str] | None) -> SummarySums:
    """The period's daily summary summed per unit and per day, in one pass on PostgreSQL.

    ``GROUP BY GROUPING SETS ((unit_id), (day))`` reads the period's rows once for both (a year of
    a province is about 480,000 rows: 145 ms instead of 100 + 95 for two queries); SQLite has no
    grouping sets, so there it is two queries. ``GROUPING(unit_id)`` tells the two kinds of rows
    apart (people with no unit have a NULL unit of their own).
    """
    rows = _summary(period=period, paths=paths)
    if connection.vendor != "postgresql":
        sums = {name: Sum(name) for name in SUMMARY_FIGURES}
        per_day = rows.values("day").annotate(**sums).order_by()
        return SummarySums(
            per_unit=_per_unit(queryset=rows, unit_field="unit_id", aggregates=sums),
            per_day={row.pop("day"): row for row in per_day},
        )
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


def unit_sources(
    *, period: Period, paths: list[str] | None, sums: SummarySums | None = None
) -> list[tuple[int | None, dict]]:
    """The period's counts per person's unit: [(unit id, {name: count}), …]. Three queries.

    Additive figures come from the daily summary (``UnitDayFigure``, refreshed by beat); the counts of
    distinct people (who completed a course, who was reached by a campaign) from the source rows,
    because people cannot be added up day by day. ``sums``: the summary already summed.
    """
    within = period.q
    sources = list((sums or summary_sums(period=period, paths=paths)).per_unit)
    # People (each in one unit) among the ids of a sub-query: a hash semi-join, cheaper than COUNT(DISTINCT).
    people = User.objects.filter(people_q(prefix="", paths=paths))
    completed = Enrolment.objects.filter(within("completed_at")).values("user_id")
    sources += _per_unit(
        queryset=people.filter(pk__in=completed), unit_field="organisation_unit_id", aggregates={"trained": Count("pk")}
    )
    reached = campaign_deliveries().filter(within("sent_at"), status=Delivery.Status.SENT)  # no test sends
    sources += _per_unit(
        queryset=people.filter(pk__in=reached.values("recipient_id")),
        unit_field="organisation_unit_id",
        aggregates={"reached": Count("pk")},
    )
    return sources


def by_unit(
    *,
    scope: Scope,
    unit: OrganisationUnit | None,
    period: Period,
    today: datetime.date | None = None,
    sums: SummarySums | None = None,
) -> Table:
    """A ``Table`` (not finalised) with one row per child unit of ``unit`` (or per unit of ``scope``).

    Its total is the headline figures. About ten queries, whatever the number of units.
    """
    today = today or local_today()
    part = partition(scope=scope, unit=unit, today=today)
    unit_paths = _unit_paths(paths=part.paths)
    by_key = {row.key: row for row in part.rows}
    for unit_id, counts in unit_sources(period=period, paths=part.paths, sums=sums):
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

# The unit table's additive figures, week by week (from the daily summary).
WEEK_COLUMNS = [
    column
    for column in UNIT_COLUMNS
    if column.key in ("signups", "tutorials", "enrolled", "completed", "certificates", "lessons")
]


def by_week(*, scope: Scope, unit: OrganisationUnit | None, period: Period, sums: SummarySums | None = None) -> Table:
    """A ``Table`` with one row per week (Monday, local time) of the period, from the daily summary.

    ``sums``: the summary already summed (``summary_sums``, shared with ``by_unit``).
    """
    paths = scope_paths(scope=scope, unit=unit)
    weeks = {monday: TableRow(label=monday.strftime("%d/%m/%Y"), kind="item", key=monday) for monday in period.weeks()}
    names = [column.key for column in WEEK_COLUMNS]
    for day, figures in (sums or summary_sums(period=period, paths=paths)).per_day.items():
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


def by_course(*, scope: Scope, unit: OrganisationUnit | None, period: Period) -> Table:
    """Per course: enrolments and completions in the period, and how many of the period's enrolments are done."""
    paths = scope_paths(scope=scope, unit=unit)
    within = period.q
    counts = (
        Enrolment.objects.filter(people_q(prefix="user__", paths=paths))
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


def _tutorial_counts(
    *, scope: Scope, unit: OrganisationUnit | None, period: Period
) -> tuple[list[tuple[int, str, int | None]], dict[int, dict]]:
    """The live tutorials [(pk, title, public service id)] and their counts {pk: {name: count}}."""
    paths = scope_paths(scope=scope, unit=unit)
    done = (
        TutorialCompletion.objects.filter(people_q(prefix="user__", paths=paths), period.q("completed_at"))
        .values("tutorial_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    feedback = Feedback.objects.filter(period.q("created_at"), page__in=TutorialPage.objects.values("pk"))
    if paths is not None:  # anonymous feedback belongs to no unit: only the province-wide view counts it
        feedback = feedback.filter(people_q(prefix="user__", paths=paths))
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


def tutorial_views_shown(*, scope: Scope, unit: OrganisationUnit | None) -> bool:
    """Whether tutorial page views are shown: only province-wide (views belong to no unit)."""
    return scope_paths(scope=scope, unit=unit) is None


def _service_counts(*, tutorials: list[tuple[int, str, int | None]], counts: dict[int, dict]) -> dict[int, dict]:
    """{public service id: its tutorials' number and counts added up}."""
    services = {}
    for pk, _title, service_id in tutorials:
        if service_id is not None:
            row = services.setdefault(service_id, {"tutorials": 0})
            row["tutorials"] += 1
            for name, value in counts.get(pk, {}).items():
                row[name] = row.get(name, 0) + value
    return services


def by_tutorial_and_service(*, scope: Scope, unit: OrganisationUnit | None, period: Period) -> tuple[Table, Table]:
    """(per tutorial, per public service): page views (province-wide only), tutorials marked done and
    "Was this helpful?" answers. Five queries."""
    tutorials, counts = _tutorial_counts(scope=scope, unit=unit, period=period)
    columns = [VIEWS_COLUMN, *TUTORIAL_COLUMNS] if tutorial_views_shown(scope=scope, unit=unit) else TUTORIAL_COLUMNS
    tutorial_rows = [
        TableRow(label=title, values=dict(counts.get(pk, {})), kind="item", key=pk) for pk, title, _service in tutorials
    ]
    services = _service_counts(tutorials=tutorials, counts=counts)
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


def _campaign_delivery_counts(*, paths: list[str] | None, period: Period) -> dict[int, dict]:
    """{campaign page id: messages sent, failed, people reached} of the period's deliveries. One or two queries."""
    within = period.q
    sent = Q(status=Delivery.Status.SENT) & within("sent_at")
    failed = Q(status=Delivery.Status.FAILED) & within("planned_at")
    # Each delivery's campaign, through its message: a CASE over the (few) messages' ids, not a
    # sub-query per delivery (92 ms instead of about 25 for a year of a province's deliveries).
    messages_of = {}
    for message_id, campaign_id in CampaignMessage.objects.values_list("pk", "campaign_id").order_by():
        messages_of.setdefault(campaign_id, []).append(message_id)
    counts = {}
    if not messages_of:
        return counts
    campaign_of = Case(
        *(When(subject_id__in=ids, then=Value(campaign_id)) for campaign_id, ids in messages_of.items()),
        default=None,
        output_field=BigIntegerField(),
    )
    deliveries = (
        campaign_deliveries()
        .filter(people_q(prefix="recipient__", paths=paths))
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
    return counts


def by_campaign(*, scope: Scope, unit: OrganisationUnit | None, period: Period) -> Table:
    """Per campaign page, its funnel for people in the units shown and the period. Six queries.

    A campaign's deliveries name a ``CampaignMessage`` (``subject_id``), whose ``campaign`` is the
    page; test sends are left out (``outreach.campaigns.selectors.campaign_deliveries``). Messages sent and
    people reached: deliveries sent in the period; failed: failed deliveries planned in the
    period; followed a link: people whose first click on a tracked link of the campaign's
    messages is in the period; enrolments (completions) attributed: those begun (completed) in the
    period within the attribution window of a touch of the campaign (``attribution_q``, the
    campaign results' definition). Everything counts people of the units shown only.
    """
    paths = scope_paths(scope=scope, unit=unit)
    within = period.q
    counts = _campaign_delivery_counts(paths=paths, period=period)
    clicks = (
        CampaignClick.objects.filter(people_q(prefix="recipient__", paths=paths), within("first_at"))
        .values(campaign=F("message__campaign_id"))
        .annotate(clicked=Count("recipient_id", distinct=True))
        .order_by()
    )
    for row in clicks:
        counts.setdefault(row["campaign"], {})["clicked"] = row["clicked"]
    enrolments = Enrolment.objects.filter(people_q(prefix="user__", paths=paths))
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
