"""Reminders: plan what is due, send it once, never lose it (services; tasks in ``tasks.py``).

Planning (``reminders_plan``, Celery beat every 5 minutes) selects, one query per kind,
what is due today: mandatory training due in 14/7/1 days, due today, overdue (the day
after, then weekly), a weekly digest per unit manager of their overdue people,
certificates about to expire or just issued, and learners who went quiet. For each
person and channel it writes a ``Delivery`` row whose idempotency key names the
recipient, the kind, the subject and the cycle or date (``bulk_create(ignore_conflicts=
True)`` on the unique key: a second tick, or two planners racing, insert nothing new).
The text is rendered when planned. People whose chosen channel has no address get a
``skipped`` row with the reason. Then the same pass re-plans rows left ``sending`` by a
dead worker (lease expired), and queues planned rows in batches of ids (``deliveries_send``).

Sending (``deliveries_send``) claims its rows atomically (``planned`` → ``sending`` with
a claim token; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), cancels those whose reason is
gone (training completed, exempt or extended, course finished, certificate renewed or
revoked, opted out), holds back SMS in quiet hours, sends through the channel at the
shared rate, and records ``sent`` in small set-based updates (so a crash re-sends at most
one chunk, which the provider recognises by the key). Temporary errors are retried with
exponential back-off up to ``DELIVERY_MAX_ATTEMPTS``, then ``failed`` (visible, resendable).
"""

import contextlib
import datetime
import json
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Consent, OrganisationUnit, User
from accounts.preferences import reminder_channels
from core.localtime import local_time, local_zone
from courses.models import Assignment, Certificate, CoursePage, Enrolment

from .channels import OutgoingMessage, PermanentDeliveryError, channel_for, sms_available
from .message_defaults import DEFAULT_TEMPLATES
from .models import (
    CAMPAIGN_KIND,
    CampaignMessage,
    Channel,
    Delivery,
    MessageKind,
    MessageTemplate,
    ReminderSetting,
)
from .rate_limit import acquire

log = logging.getLogger(__name__)

INSERT_BATCH = 10000  # rows per COPY (PostgreSQL) or per INSERT of 2,000 (others)
# Sent rows are recorded every MARK_CHUNK messages or MARK_SECONDS, whichever comes first: the
# most a crash can make us offer the provider again. Providers get SEND_CHUNK messages at a time.
MARK_CHUNK = 100
MARK_SECONDS = 0.5
SEND_CHUNK = 10
DIGEST_MAX_LINES = 50
DIGEST_MAX_IDS = 1000
# A pass that plans this many rows refreshes the table's statistics (PostgreSQL) before queueing them.
ANALYZE_AFTER = 5000
CERTIFICATE_ISSUED_LOOKBACK = datetime.timedelta(days=2)
RATE_WAIT_BUDGET = 60.0  # seconds a batch may wait for the rate limiter before handing back the rest

# Why a row was skipped or cancelled (stored as a code, shown translated).
REASONS = {
    "no_email": gettext_lazy("No e-mail address"),
    "no_phone": gettext_lazy("No phone number"),
    "no_sms_provider": gettext_lazy("No SMS provider configured"),
    "inactive": gettext_lazy("Account deactivated"),
    "done": gettext_lazy("Training completed, exempt or no longer required"),
    "due_changed": gettext_lazy("Due date changed"),
    "not_overdue": gettext_lazy("No longer overdue"),
    "nobody_overdue": gettext_lazy("Nobody is overdue any more"),
    "course_completed": gettext_lazy("Course completed"),
    "active_again": gettext_lazy("The learner came back"),
    "certificate_revoked": gettext_lazy("Certificate revoked"),
    "certificate_renewed": gettext_lazy("Certificate renewed"),
    "opted_out": gettext_lazy("The person opted out"),
    "gone": gettext_lazy("What it was about no longer exists"),
    "campaign_cancelled": gettext_lazy("The campaign message was cancelled"),
    "no_campaign_consent": gettext_lazy("No consent to campaign messages"),
}

# Optional kinds and the purpose a person may refuse; the others (mandatory training) cannot be refused.
PURPOSE_OF_KIND = {
    MessageKind.COURSE_NUDGE: Consent.Purpose.COURSE_NUDGES,
    MessageKind.CERTIFICATE_EXPIRING: Consent.Purpose.CERTIFICATE_NOTICES,
    MessageKind.CERTIFICATE_ISSUED: Consent.Purpose.CERTIFICATE_NOTICES,
}
TRAINING_KINDS = (MessageKind.TRAINING_DUE_SOON, MessageKind.TRAINING_DUE_TODAY, MessageKind.TRAINING_OVERDUE)


def reason_label(code):
    return str(REASONS.get(code, code))


# Time ----------------------------------------------------------------------------------------


def quiet_until(now, start, end):
    """When the quiet hours containing ``now`` end (an aware datetime), or None outside them."""
    if start == end:
        return None
    local = local_time(now)
    moment = local.time()
    if start < end:
        quiet, end_day = start <= moment < end, local.date()
    else:  # across midnight, e.g. 21:00-07:00
        quiet = moment >= start or moment < end
        end_day = local.date() + datetime.timedelta(days=1) if moment >= start else local.date()
    if not quiet:
        return None
    return datetime.datetime.combine(end_day, end, tzinfo=local_zone())


def _date(day):
    return day.strftime("%d/%m/%Y")


# Rendering -----------------------------------------------------------------------------------


class _Values(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(text, values):
    """``text`` with its {placeholders} filled in.

    Templates are checked when saved (plain names only, no attribute or index access), so
    ``str.format_map`` is safe here; a name that slipped through stays as written.
    """
    return text.format_map(_Values(values))


def templates_load():
    """{kind: (subject, body, sms) per language}, from the database, defaults for missing kinds."""
    found = {template.kind: template for template in MessageTemplate.objects.all()}
    loaded = {}
    for kind in MessageKind.values:
        template = found.get(kind) or MessageTemplate(kind=kind, **DEFAULT_TEMPLATES[kind])
        loaded[kind] = {language: template.texts(language) for language in ("vi", "en")}
    return loaded


class _Links:
    """Absolute links in a person's language, computed once per planning pass."""

    def __init__(self):
        self.base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        self._named = {}
        self._courses = {}

    def named(self, name, language, *args):
        key = (name, language, args)
        if key not in self._named:
            with translation.override(language):
                self._named[key] = self.base + reverse(name, args=args)
        return self._named[key]

    def course(self, course_id, language):
        key = (course_id, language)
        if key not in self._courses:
            page = CoursePage.objects.filter(pk=course_id).first()
            path = (page.get_url() or "/") if page else "/"
            if path.startswith("http"):
                self._courses[key] = path
            else:
                self._courses[key] = self.base + ("/en" if language == "en" else "") + path
        return self._courses[key]


# Planning ------------------------------------------------------------------------------------

# The person's fields every selection reads (prefix with the path to the user).
_PERSON = (
    "id",
    "full_name",
    "email",
    "phone",
    "preferred_language",
    "contact_preference__use_email",
    "contact_preference__use_sms",
    "contact_preference__use_in_app",
)


def _person_fields(prefix):
    return [f"{prefix}{name}" if prefix else name for name in _PERSON]


@dataclass
class _Person:
    id: int
    full_name: str
    email: str | None
    phone: str | None
    language: str
    use_email: bool | None
    use_sms: bool | None
    use_in_app: bool | None

    @classmethod
    def of(cls, row):
        return cls(*row[: len(_PERSON)])

    @property
    def lang(self):
        return "en" if self.language == "en" else "vi"


# The columns a planner pass writes (the others keep their defaults: NULL).
_INSERT_COLUMNS = (
    "recipient_id",
    "kind",
    "channel",
    "idempotency_key",
    "status",
    "reason",
    "subject_id",
    "sequence",
    "language",
    "address",
    "subject",
    "body",
    "context",
    "last_error",
    "attempts",
    "planned_at",
    "not_before",
    "queued_at",
    "claim",
)
_CONTEXT_COLUMN = _INSERT_COLUMNS.index("context")


def channel_route(person, channel, *, sms_ok, quiet_end):
    """(status, reason, address, not_before) of one planned message to ``person`` on ``channel``.

    Skipped, with the reason, when the person has no address there or no SMS provider is set up;
    an SMS waits for the end of quiet hours (``quiet_end``, None outside them).
    """
    if channel == Channel.EMAIL:
        if not person.email:
            return Delivery.Status.SKIPPED, "no_email", "", None
        return Delivery.Status.PLANNED, "", person.email, None
    if channel == Channel.SMS:
        if not person.phone:
            return Delivery.Status.SKIPPED, "no_phone", "", None
        if not sms_ok:
            return Delivery.Status.SKIPPED, "no_sms_provider", person.phone, None
        return Delivery.Status.PLANNED, "", person.phone, quiet_end
    return Delivery.Status.PLANNED, "", "", None


@dataclass
class PlanContext:
    now: datetime.datetime
    today: datetime.date
    config: ReminderSetting
    templates: dict
    links: _Links
    quiet_end: datetime.datetime | None
    sms_ok: bool
    # True when this pass queues what it plans: the rows are written already marked as queued.
    queue: bool = False
    rows: list = field(default_factory=list)
    # Marks the rows this pass inserted (the claim field is free until a sender claims the row).
    run: str = field(default_factory=lambda: "p" + uuid.uuid4().hex[:31])
    queued: int = 0
    inserted: int = 0
    analyzed: bool = False

    def add(self, kind, person, *, series, subject_id=None, sequence=0, values=None, context=None):
        """Plan one message for ``person`` on each of their channels (skipped where unusable)."""
        channels = reminder_channels(
            use_email=person.use_email,
            use_sms=person.use_sms,
            use_in_app=person.use_in_app,
            has_email=bool(person.email),
        )
        language = person.lang
        subject_text, body_text, sms_template = self.templates[kind][language]
        values = {"name": person.full_name, "site": settings.WAGTAIL_SITE_NAME, **(values or {})}
        for channel in channels:
            status, reason, address, not_before = channel_route(
                person, channel, sms_ok=self.sms_ok, quiet_end=self.quiet_end
            )
            queued_at = self.now if self.queue and status == Delivery.Status.PLANNED and not_before is None else None
            self.rows.append(
                (
                    person.id,
                    kind,
                    channel,
                    f"{kind}:{person.id}:{series}:{channel}"[:200],
                    status,
                    reason,
                    subject_id,
                    sequence,
                    language,
                    address,
                    " ".join(render(subject_text, values).split())[:255],
                    render(sms_template if channel == Channel.SMS else body_text, values),
                    context or {},
                    "",
                    0,
                    self.now,
                    not_before,
                    queued_at,
                    self.run,
                )
            )

    def flush(self):
        """Insert the planned rows; a row whose key exists already is left alone (ON CONFLICT DO NOTHING).

        On PostgreSQL the inserted rows that are due go to the broker as soon as this flush
        commits, so sending starts while the rest is still being planned.
        """
        rows, self.rows = self.rows, []
        if not rows:
            return
        with transaction.atomic():
            if connection.vendor == "postgresql":
                inserted, due = _copy_insert(rows)
                self.inserted += inserted
                if self.inserted >= ANALYZE_AFTER and not self.analyzed:
                    # Fresh statistics before anything is sent: otherwise PostgreSQL still believes
                    # almost nothing is planned and reads every planned row to claim a batch.
                    with connection.cursor() as cursor:
                        cursor.execute(f"ANALYZE {Delivery._meta.db_table}")
                    self.analyzed = True
                self.queued += _enqueue_ids(due) if self.queue else 0
            else:
                objects = [Delivery(**dict(zip(_INSERT_COLUMNS, row, strict=True))) for row in rows]
                Delivery.objects.bulk_create(objects, batch_size=2000, ignore_conflicts=True)


def _copy_insert(rows):
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT … SELECT … ON CONFLICT DO NOTHING.

    Several times faster than the ORM's multi-row INSERT for tens of thousands of rows. Returns
    how many rows were inserted and the ids of those queued now (planned, not held for quiet hours).
    """
    from psycopg.types.json import Jsonb

    table = Delivery._meta.db_table
    columns = ", ".join(_INSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {table}_in ON COMMIT DROP AS "  # noqa: S608 (no user input)
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {table}_in")
        with cursor.cursor.copy(f"COPY {table}_in ({columns}) FROM STDIN") as copy:
            for row in rows:
                row = list(row)
                row[_CONTEXT_COLUMN] = Jsonb(row[_CONTEXT_COLUMN])
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_in "  # noqa: S608
            f"ORDER BY idempotency_key ON CONFLICT DO NOTHING RETURNING id, queued_at IS NOT NULL"
        )
        returned = cursor.fetchall()
        return len(returned), sorted(pk for pk, queued in returned if queued)


def _open_training():
    return Assignment.objects.filter(is_current=True, status=Assignment.Status.OPEN, user__is_active=True)


_TRAINING_FIELDS = ("pk", "due_on", "requirement__name", "requirement__course_id", "requirement__course__title")


def _training_values(plan, person, row):
    _pk, due_on, requirement, _course_id, course_title = row
    return {
        "course": course_title,
        "requirement": requirement,
        "due_date": _date(due_on),
        "link": plan.links.named("courses:my_training", person.lang),
    }


def plan_training_due_soon(plan):
    thresholds = plan.config.days_before_list()
    if not thresholds:
        return
    rows = (
        _open_training()
        .filter(due_on__gt=plan.today, due_on__lte=plan.today + datetime.timedelta(days=thresholds[0]))
        .values_list(*_person_fields("user__"), *_TRAINING_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, training = _Person.of(row), row[len(_PERSON) :]
        days_left = (training[1] - plan.today).days
        threshold = min(t for t in thresholds if t >= days_left)
        plan.add(
            MessageKind.TRAINING_DUE_SOON,
            person,
            series=f"a{training[0]}:{training[1].isoformat()}:d{threshold}",
            subject_id=training[0],
            sequence=threshold,
            values={**_training_values(plan, person, training), "days": days_left},
            context={"due_on": training[1].isoformat()},
        )
        if len(plan.rows) >= INSERT_BATCH:
            plan.flush()


def plan_training_due_today(plan):
    rows = _open_training().filter(due_on=plan.today).values_list(*_person_fields("user__"), *_TRAINING_FIELDS)
    for row in rows.iterator(chunk_size=5000):
        person, training = _Person.of(row), row[len(_PERSON) :]
        plan.add(
            MessageKind.TRAINING_DUE_TODAY,
            person,
            series=f"a{training[0]}:{training[1].isoformat()}",
            subject_id=training[0],
            values=_training_values(plan, person, training),
            context={"due_on": training[1].isoformat()},
        )
        if len(plan.rows) >= INSERT_BATCH:
            plan.flush()


def plan_training_overdue(plan):
    repeat = max(1, plan.config.overdue_repeat_days)
    rows = _open_training().filter(due_on__lt=plan.today).values_list(*_person_fields("user__"), *_TRAINING_FIELDS)
    for row in rows.iterator(chunk_size=5000):
        person, training = _Person.of(row), row[len(_PERSON) :]
        days_overdue = (plan.today - training[1]).days
        period = (days_overdue - 1) // repeat
        plan.add(
            MessageKind.TRAINING_OVERDUE,
            person,
            series=f"a{training[0]}:{training[1].isoformat()}:p{period}",
            subject_id=training[0],
            sequence=period,
            values={**_training_values(plan, person, training), "days": days_overdue},
            context={"due_on": training[1].isoformat()},
        )
        if len(plan.rows) >= INSERT_BATCH:
            plan.flush()


def _digest_lines(people, language):
    """The digest's list: one line per overdue assignment, at most DIGEST_MAX_LINES."""
    with translation.override(language):
        lines = [
            "- "
            + _("%(name)s: %(requirement)s, due %(date)s")
            % {"name": name, "requirement": requirement, "date": _date(due_on)}
            for _pk, _user_id, name, requirement, due_on in people[:DIGEST_MAX_LINES]
        ]
        if len(people) > DIGEST_MAX_LINES:
            lines.append(_("… and %(count)s more (see the link below).") % {"count": len(people) - DIGEST_MAX_LINES})
    return "\n".join(lines)


def plan_manager_digest(plan):
    """One message a week per unit manager, listing the overdue people of their units and sub-units."""
    if plan.today.weekday() < plan.config.digest_weekday:
        return
    managed = defaultdict(set)  # unit path -> manager ids
    for manager_id, path in OrganisationUnit.managers.through.objects.filter(user__is_active=True).values_list(
        "user_id", "organisationunit__path"
    ):
        managed[path].add(manager_id)
    if not managed:
        return
    step = OrganisationUnit.steplen
    per_manager = defaultdict(list)
    overdue = (
        _open_training()
        .filter(due_on__lt=plan.today)
        .exclude(unit_path="")
        .order_by("due_on", "user__full_name", "pk")
        .values_list("unit_path", "pk", "user_id", "user__full_name", "requirement__name", "due_on")
    )
    for unit_path, *item in overdue.iterator(chunk_size=5000):
        for depth in range(1, len(unit_path) // step + 1):
            for manager_id in managed.get(unit_path[: depth * step], ()):
                if manager_id != item[1]:
                    per_manager[manager_id].append(tuple(item))
    if not per_manager:
        return
    year, week, _weekday = plan.today.isocalendar()
    managers = User.objects.filter(pk__in=list(per_manager)).values_list(*_person_fields(""))
    for row in managers:
        person = _Person.of(row)
        people = list(dict.fromkeys(per_manager[person.id]))  # a person under two managed units: once
        plan.add(
            MessageKind.MANAGER_DIGEST,
            person,
            series=f"{year}W{week:02d}",
            sequence=year * 100 + week,
            values={
                "count": len({item[1] for item in people}),
                "people": _digest_lines(people, person.lang),
                "link": plan.links.named("courses:team", person.lang),
            },
            # Ids to re-check at sending (enough to know whether anyone is still overdue), and the
            # people named in the text (an erased person's name is scrubbed from past digests).
            context={
                "assignment_ids": [item[0] for item in people[:DIGEST_MAX_IDS]],
                "user_ids": sorted({item[1] for item in people[:DIGEST_MAX_LINES]}),
            },
        )


def _not_refused(purpose, user_ref="user_id"):
    return ~Exists(Consent.objects.filter(user_id=OuterRef(user_ref), purpose=purpose, granted=False))


_CERTIFICATE_FIELDS = ("pk", "code", "course_id", "course_title", "expires_at")


def plan_certificates_expiring(plan):
    horizon = plan.now + datetime.timedelta(days=plan.config.certificate_notice_days)
    newer = Certificate.objects.filter(
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        issued_at__gt=OuterRef("issued_at"),
        revoked_at__isnull=True,
    )
    rows = (
        Certificate.objects.filter(
            revoked_at__isnull=True, expires_at__gt=plan.now, expires_at__lte=horizon, user__is_active=True
        )
        .filter(~Exists(newer), _not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
        .values_list(*_person_fields("user__"), *_CERTIFICATE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, code, course_id, title, expires_at) = _Person.of(row), row[len(_PERSON) :]
        expiry = local_time(expires_at).date()
        plan.add(
            MessageKind.CERTIFICATE_EXPIRING,
            person,
            series=f"c{pk}",
            subject_id=pk,
            values={
                "course": title,
                "code": code,
                "expiry_date": _date(expiry),
                "days": max(0, (expiry - plan.today).days),
                "link": plan.links.course(course_id, person.lang),
            },
        )


def plan_certificates_issued(plan):
    rows = (
        Certificate.objects.filter(
            revoked_at__isnull=True, issued_at__gte=plan.now - CERTIFICATE_ISSUED_LOOKBACK, user__is_active=True
        )
        .filter(_not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
        .values_list(*_person_fields("user__"), *_CERTIFICATE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, code, _course_id, title, _expires_at) = _Person.of(row), row[len(_PERSON) :]
        plan.add(
            MessageKind.CERTIFICATE_ISSUED,
            person,
            series=f"c{pk}",
            subject_id=pk,
            values={"course": title, "code": code, "link": plan.links.named("certificates:verify", person.lang, code)},
        )


def plan_course_nudges(plan):
    """Learners who started a course and went quiet: every N days of silence, at most K times."""
    limit, quiet_days = plan.config.max_nudges, plan.config.inactivity_days
    if limit <= 0:
        return
    since = plan.now - datetime.timedelta(days=quiet_days)
    nudges = Delivery.objects.filter(kind=MessageKind.COURSE_NUDGE, subject_id=OuterRef("pk"))
    required = Assignment.objects.filter(
        user_id=OuterRef("user_id"),
        requirement__course_id=OuterRef("course_id"),
        is_current=True,
        status=Assignment.Status.OPEN,
    )
    rows = (
        Enrolment.objects.filter(
            completed_at__isnull=True, archived_at__isnull=True, last_activity_at__lt=since, user__is_active=True
        )
        # Mandatory training has its own reminders.
        .filter(~Exists(required), _not_refused(Consent.Purpose.COURSE_NUDGES))
        .annotate(
            nudged=Subquery(nudges.order_by("-sequence").values("sequence")[:1]),
            nudged_at=Subquery(nudges.order_by("-planned_at").values("planned_at")[:1]),
        )
        .filter(Q(nudged__isnull=True) | Q(nudged__lt=limit))
        .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lte=since))
        .values_list(*_person_fields("user__"), "pk", "course_id", "course__title", "last_activity_at", "nudged")
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, course_id, title, last_activity_at, nudged) = _Person.of(row), row[len(_PERSON) :]
        number = (nudged or 0) + 1
        plan.add(
            MessageKind.COURSE_NUDGE,
            person,
            series=f"e{pk}:n{number}",
            subject_id=pk,
            sequence=number,
            values={
                "course": title,
                "days": (plan.now - last_activity_at).days,
                "link": plan.links.course(course_id, person.lang),
            },
        )


PLANNERS = (
    plan_training_due_soon,
    plan_training_due_today,
    plan_training_overdue,
    plan_manager_digest,
    plan_certificates_expiring,
    plan_certificates_issued,
    plan_course_nudges,
)


def plan_context(now=None, *, queue=False):
    now = now or timezone.now()
    config = ReminderSetting.load()
    return PlanContext(
        now=now,
        today=local_time(now).date(),
        config=config,
        templates=templates_load(),
        links=_Links(),
        quiet_end=quiet_until(now, config.quiet_hours_start, config.quiet_hours_end),
        sms_ok=sms_available(),
        queue=queue,
    )


def reminders_plan(now=None, *, enqueue=True):
    """Plan every kind of reminder due now, recover dead workers' rows, queue what is due.

    Returns counts: {"planned": {kind: {status: n}}, "recovered": n, "queued": n}.
    Safe to run twice, or twice at once: the idempotency keys make the second pass insert nothing.
    """
    plan = plan_context(now, queue=enqueue)
    # PostgreSQL: each flush commits (and queues) on its own. Elsewhere (SQLite) one transaction a kind.
    per_kind = contextlib.nullcontext if connection.vendor == "postgresql" else transaction.atomic
    for planner in PLANNERS:
        with per_kind():
            planner(plan)
            plan.flush()
    planned = defaultdict(dict)
    for kind, status, count in (
        Delivery.objects.filter(planned_at=plan.now, claim=plan.run)
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
        .values_list("kind", "status", "n")
    ):
        planned[kind][status] = count
    recovered = deliveries_recover(plan.now)
    queued = plan.queued
    if enqueue:
        if connection.vendor != "postgresql":
            # Written already marked as queued: send them without another update.
            fresh = Delivery.objects.filter(
                planned_at=plan.now, claim=plan.run, status=Delivery.Status.PLANNED, queued_at=plan.now
            )
            queued += _enqueue_ids(list(fresh.order_by("pk").values_list("pk", flat=True)))
        queued += deliveries_enqueue(plan.now)
    result = {"planned": dict(planned), "recovered": recovered, "queued": queued}
    if planned or recovered or queued:
        log.info("Reminders planned: %s", result)
    return result


def deliveries_recover(now=None, *, lease_seconds=None):
    """Rows left ``sending`` past the lease (the worker died): planned again, or failed after too many tries."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS if lease_seconds is None else lease_seconds)
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lte=now - lease)
    failed = stale.filter(attempts__gte=settings.DELIVERY_MAX_ATTEMPTS).update(
        status=Delivery.Status.FAILED,
        claim="",
        last_error="The worker stopped while sending, on every attempt.",
    )
    replanned = stale.update(status=Delivery.Status.PLANNED, claim="", claimed_at=None, queued_at=None)
    if failed or replanned:
        log.warning("Deliveries recovered from dead workers: %s planned again, %s failed", replanned, failed)
    return replanned + failed


def deliveries_enqueue(now=None, *, requeue_seconds=None, batch_size=None):
    """Queue planned rows that are due and not queued (or queued long ago and never sent), in batches of ids."""
    now = now or timezone.now()
    requeue = datetime.timedelta(
        seconds=getattr(settings, "DELIVERY_REQUEUE_SECONDS", 1800) if requeue_seconds is None else requeue_seconds
    )
    batch_size = batch_size or settings.DELIVERY_BATCH_SIZE
    due = Delivery.objects.filter(status=Delivery.Status.PLANNED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now), Q(queued_at__isnull=True) | Q(queued_at__lte=now - requeue)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        Delivery.objects.filter(pk__in=ids[start : start + batch_size], status=Delivery.Status.PLANNED).update(
            queued_at=now
        )
    return _enqueue_ids(ids, batch_size=batch_size)


def _enqueue_ids(ids, *, batch_size=None):
    """``deliveries_send`` tasks for ``ids``, in batches, once the transaction commits."""
    from .tasks import deliveries_send as deliveries_send_task

    batch_size = batch_size or settings.DELIVERY_BATCH_SIZE
    for start in range(0, len(ids), batch_size):
        transaction.on_commit(partial(deliveries_send_task.delay, ids[start : start + batch_size]))
    return len(ids)


# Sending -------------------------------------------------------------------------------------


@dataclass
class SendResult:
    counts: dict = field(default_factory=lambda: defaultdict(int))
    retry_ids: list = field(default_factory=list)
    retry_countdown: float = 0.0

    def as_dict(self):
        return {"counts": dict(self.counts), "retry": len(self.retry_ids)}


_ROW_FIELDS = (
    "pk",
    "recipient_id",
    "recipient__is_active",
    "kind",
    "channel",
    "idempotency_key",
    "subject_id",
    "context",
    "address",
    "subject",
    "body",
    "language",
    "attempts",
    "planned_at",
)


def _claim(ids, now):
    """Take the planned, due rows among ``ids`` for this worker; returns (token, rows).

    PostgreSQL: one statement locks the rows it can (``FOR UPDATE SKIP LOCKED``: two workers on
    one batch split it without waiting), marks them and returns them. Elsewhere a conditional
    UPDATE (SQLite serialises writers), then a SELECT of what this claim took.
    """
    token = uuid.uuid4().hex
    if connection.vendor == "postgresql":
        return token, _claim_postgresql(ids, now, token)
    due = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PLANNED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    due.update(status=Delivery.Status.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1)
    rows = list(Delivery.objects.filter(pk__in=ids, claim=token).order_by("pk").values(*_ROW_FIELDS))
    return token, rows


def _claim_postgresql(ids, now, token):
    table, users = Delivery._meta.db_table, User._meta.db_table
    returned = ", ".join(
        "u.is_active" if name == "recipient__is_active" else f"d.{'id' if name == 'pk' else name}"
        for name in _ROW_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # The locking subquery selects by primary key only, so its plan never depends on the
            # table's statistics (just after a large planning pass they say nothing is planned);
            # the status is checked on the locked rows.
            f"UPDATE {table} AS d SET status = %s, claim = %s, claimed_at = %s, attempts = d.attempts + 1 "  # noqa: S608
            f"FROM {users} AS u WHERE u.id = d.recipient_id AND d.id IN ("
            f"SELECT id FROM {table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED) "
            f"AND d.status = %s AND (d.not_before IS NULL OR d.not_before <= %s) "
            f"RETURNING {returned}",
            [Delivery.Status.SENDING, token, now, list(ids), Delivery.Status.PLANNED, now],
        )
        rows = [dict(zip(_ROW_FIELDS, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        if isinstance(row["context"], str):
            row["context"] = json.loads(row["context"])
    rows.sort(key=lambda row: row["pk"])
    return rows


def _mine(ids, token):
    return Delivery.objects.filter(pk__in=ids, claim=token)


def _cancellations(rows, now):
    """{row pk: reason code} for rows whose reason to be sent is gone; bulk queries, one per kind."""
    cancel = {}
    by_kind = defaultdict(list)
    for row in rows:
        if not row["recipient__is_active"]:
            cancel[row["pk"]] = "inactive"
        else:
            by_kind[row["kind"]].append(row)
    today = local_time(now).date()

    training = [row for kind in TRAINING_KINDS for row in by_kind.get(kind, ())]
    if training:
        state = {
            pk: (status, is_current, due_on)
            for pk, status, is_current, due_on in Assignment.objects.filter(
                pk__in={row["subject_id"] for row in training}
            ).values_list("pk", "status", "is_current", "due_on")
        }
        for row in training:
            found = state.get(row["subject_id"])
            if found is None:
                cancel[row["pk"]] = "gone"
                continue
            status, is_current, due_on = found
            if status != Assignment.Status.OPEN or not is_current:
                cancel[row["pk"]] = "done"
            elif due_on.isoformat() != row["context"].get("due_on"):
                cancel[row["pk"]] = "due_changed"
            elif row["kind"] == MessageKind.TRAINING_OVERDUE and due_on >= today:
                cancel[row["pk"]] = "not_overdue"

    digests = by_kind.get(MessageKind.MANAGER_DIGEST, ())
    if digests:
        wanted = {pk for row in digests for pk in row["context"].get("assignment_ids", ())}
        still = set(
            _open_training().filter(pk__in=wanted, due_on__lt=today).values_list("pk", flat=True) if wanted else ()
        )
        for row in digests:
            if not still & set(row["context"].get("assignment_ids", ())):
                cancel[row["pk"]] = "nobody_overdue"

    certificates = [
        row for kind in (MessageKind.CERTIFICATE_EXPIRING, MessageKind.CERTIFICATE_ISSUED) for row in by_kind[kind]
    ]
    if certificates:
        newer = Certificate.objects.filter(
            user_id=OuterRef("user_id"),
            course_id=OuterRef("course_id"),
            issued_at__gt=OuterRef("issued_at"),
            revoked_at__isnull=True,
        )
        state = {
            pk: (revoked_at, renewed)
            for pk, revoked_at, renewed in Certificate.objects.filter(
                pk__in={row["subject_id"] for row in certificates}
            )
            .annotate(renewed=Exists(newer))
            .values_list("pk", "revoked_at", "renewed")
        }
        for row in certificates:
            found = state.get(row["subject_id"])
            if found is None:
                cancel[row["pk"]] = "gone"
            elif found[0] is not None:
                cancel[row["pk"]] = "certificate_revoked"
            elif row["kind"] == MessageKind.CERTIFICATE_EXPIRING and found[1]:
                cancel[row["pk"]] = "certificate_renewed"

    nudges = by_kind.get(MessageKind.COURSE_NUDGE, ())
    if nudges:
        state = {
            pk: (completed_at, archived_at, last_activity_at)
            for pk, completed_at, archived_at, last_activity_at in Enrolment.objects.filter(
                pk__in={row["subject_id"] for row in nudges}
            ).values_list("pk", "completed_at", "archived_at", "last_activity_at")
        }
        for row in nudges:
            found = state.get(row["subject_id"])
            if found is None or found[1] is not None:
                cancel[row["pk"]] = "gone"
            elif found[0] is not None:
                cancel[row["pk"]] = "course_completed"
            elif found[2] > row["planned_at"]:
                cancel[row["pk"]] = "active_again"

    campaign = [row for row in by_kind.get(CAMPAIGN_KIND, ()) if not row["context"].get("test")]
    if campaign:
        # Campaign messages need consent given (silence is not consent), still, and a message not cancelled.
        consenting = set(
            Consent.objects.filter(
                user_id__in={row["recipient_id"] for row in campaign},
                purpose=Consent.Purpose.CAMPAIGNS,
                granted=True,
            ).values_list("user_id", flat=True)
        )
        cancelled = set(
            CampaignMessage.objects.filter(
                pk__in={row["subject_id"] for row in campaign}, status=CampaignMessage.Status.CANCELLED
            ).values_list("pk", flat=True)
        )
        for row in campaign:
            if row["subject_id"] in cancelled:
                cancel[row["pk"]] = "campaign_cancelled"
            elif row["recipient_id"] not in consenting:
                cancel[row["pk"]] = "opted_out"

    optional = [row for row in rows if row["kind"] in PURPOSE_OF_KIND and row["pk"] not in cancel]
    if optional:
        refused = set(
            Consent.objects.filter(
                user_id__in={row["recipient_id"] for row in optional},
                purpose__in=set(PURPOSE_OF_KIND.values()),
                granted=False,
            ).values_list("user_id", "purpose")
        )
        for row in optional:
            if (row["recipient_id"], PURPOSE_OF_KIND[row["kind"]]) in refused:
                cancel[row["pk"]] = "opted_out"
    return cancel


def backoff_seconds(attempts):
    """Exponential back-off after the ``attempts``-th try, capped (well below the broker's visibility timeout)."""
    base, cap = settings.DELIVERY_RETRY_BASE_SECONDS, settings.DELIVERY_RETRY_MAX_SECONDS
    return min(cap, base * 2 ** max(0, attempts - 1))


def _release(ids, token, *, now, delay, error=""):
    """Hand claimed rows back as planned, to be tried after ``delay`` seconds (not counted as an attempt)."""
    fields = {
        "status": Delivery.Status.PLANNED,
        "claim": "",
        "claimed_at": None,
        "queued_at": now,
        "not_before": now + datetime.timedelta(seconds=delay),
        "attempts": F("attempts") - 1,
    }
    if error:
        fields["last_error"] = error
    return _mine(ids, token).update(**fields)


@contextlib.contextmanager
def _asynchronous_commit():
    """PostgreSQL: the sender's commits do not wait for the WAL to reach the disk.

    Safe here because every state change of the sender can be replayed: if PostgreSQL itself
    crashed and lost the last fraction of a second of commits, a lost claim or ``sent`` mark
    means the row is sent again with the same idempotency key (the window the lease already
    covers), a lost ``failed`` or ``cancelled`` is decided again. Planning stays synchronous.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliveries_send(ids, *, now=None):
    """Send the planned rows among ``ids`` (a batch); returns a SendResult (ids to retry, and when)."""
    with _asynchronous_commit():
        return _deliveries_send(ids, now=now)


def _deliveries_send(ids, *, now=None):
    now = now or timezone.now()
    result = SendResult()
    token, rows = _claim(list(ids), now)
    if not rows:
        return result

    # Reasons gone since planning: cancelled, never sent.
    cancel = _cancellations(rows, now)
    by_reason = defaultdict(list)
    for pk, reason in cancel.items():
        by_reason[reason].append(pk)
    for reason, pks in by_reason.items():
        _mine(pks, token).update(status=Delivery.Status.CANCELLED, reason=reason, claim="")
        result.counts["cancelled"] += len(pks)
    rows = [row for row in rows if row["pk"] not in cancel]

    # SMS waits for the end of quiet hours (left planned, not counted as an attempt).
    quiet_end = None
    if any(row["channel"] == Channel.SMS for row in rows):
        config = ReminderSetting.load()
        quiet_end = quiet_until(now, config.quiet_hours_start, config.quiet_hours_end)
    if quiet_end is not None:
        held = [row["pk"] for row in rows if row["channel"] == Channel.SMS]
        if held:
            _mine(held, token).update(
                status=Delivery.Status.PLANNED,
                claim="",
                claimed_at=None,
                queued_at=None,
                not_before=quiet_end,
                attempts=F("attempts") - 1,
            )
            result.counts["held"] += len(held)
            rows = [row for row in rows if row["channel"] != Channel.SMS]

    by_channel = defaultdict(list)
    for row in rows:
        by_channel[row["channel"]].append(row)
    outcome_lists = {"temporary": [], "permanent": []}
    deadline = time.monotonic() + RATE_WAIT_BUDGET
    for channel_name, channel_rows in by_channel.items():
        _channel_send(channel_name, channel_rows, token, deadline=deadline, result=result, outcomes=outcome_lists)
    _failures_record(outcome_lists["permanent"], outcome_lists["temporary"], token, now=now, result=result)
    return result


class _SentMarker:
    """Records sent rows in set-based updates: every MARK_CHUNK messages or MARK_SECONDS, whichever
    comes first. What a crash can make us offer the provider again is what was sent since the last
    update: at most MARK_CHUNK messages or MARK_SECONDS of sending."""

    def __init__(self, token, result, channel_name):
        self.token, self.result, self.channel_name = token, result, channel_name
        self.pending, self.recipients = [], set()
        self.marked_at = time.monotonic()

    def add(self, rows):
        self.pending.extend(rows)
        if len(self.pending) >= MARK_CHUNK or time.monotonic() - self.marked_at >= MARK_SECONDS:
            self.flush()

    def flush(self):
        if self.pending:
            _mine([row["pk"] for row in self.pending], self.token).update(
                status=Delivery.Status.SENT, sent_at=timezone.now(), claim="", last_error=""
            )
            self.result.counts["sent"] += len(self.pending)
            if self.channel_name == Channel.IN_APP:
                self.recipients.update(row["recipient_id"] for row in self.pending)
            self.pending = []
        self.marked_at = time.monotonic()


def _channel_send(channel_name, rows, token, *, deadline, result, outcomes):
    channel = channel_for(channel_name)
    # The inbox has no provider: one update records the whole batch (and is itself the delivery).
    send_chunk = len(rows) if channel_name == Channel.IN_APP else SEND_CHUNK
    marker = _SentMarker(token, result, channel_name)
    channel.open()
    try:
        position = 0
        while position < len(rows):
            wanted = len(rows) - position if channel_name == Channel.IN_APP else min(MARK_CHUNK, len(rows) - position)
            granted = acquire(channel_name, wanted, max_wait=max(0.0, deadline - time.monotonic()))
            if not granted:
                # The shared rate is used up for now: hand the rest back, try again shortly.
                rest = [row["pk"] for row in rows[position:]]
                _release(rest, token, now=timezone.now(), delay=5)
                result.retry_ids.extend(rest)
                result.retry_countdown = max(result.retry_countdown, 6)
                result.counts["rate_limited"] += len(rest)
                break
            window, position = rows[position : position + granted], position + granted
            for start in range(0, len(window), send_chunk):
                chunk = window[start : start + send_chunk]
                answers = channel.send_many(
                    [
                        OutgoingMessage(
                            key=row["idempotency_key"],
                            to=row["address"],
                            subject=row["subject"],
                            body=row["body"],
                            language=row["language"],
                            headers=(row["context"] or {}).get("headers") or {},
                        )
                        for row in chunk
                    ]
                )
                marker.add([row for row, answer in zip(chunk, answers, strict=True) if answer is None])
                for row, answer in zip(chunk, answers, strict=True):
                    if isinstance(answer, PermanentDeliveryError):
                        outcomes["permanent"].append((row, str(answer)))
                    elif answer is not None:
                        outcomes["temporary"].append((row, str(answer)))
    finally:
        marker.flush()
        channel.close()
    if marker.recipients:
        from .inbox import unread_forget

        unread_forget(marker.recipients)


def _failures_record(permanent, temporary, token, *, now, result):
    """Failed for good (permanent, or out of attempts) or planned again after a back-off; grouped updates."""
    final = defaultdict(list)  # error -> pks
    retry = defaultdict(list)  # (error, delay) -> pks
    for row, error in permanent:
        final[error[:2000]].append(row["pk"])
    for row, error in temporary:
        if row["attempts"] >= settings.DELIVERY_MAX_ATTEMPTS:
            final[error[:2000]].append(row["pk"])
        else:
            retry[(error[:2000], backoff_seconds(row["attempts"]))].append(row["pk"])
    for error, pks in final.items():
        _mine(pks, token).update(status=Delivery.Status.FAILED, last_error=error, claim="")
        result.counts["failed"] += len(pks)
        log.warning("Deliveries failed for good (%s): %s", error, pks[:20])
    for (error, delay), pks in retry.items():
        _mine(pks, token).update(
            status=Delivery.Status.PLANNED,
            claim="",
            claimed_at=None,
            queued_at=now,
            not_before=now + datetime.timedelta(seconds=delay),
            last_error=error,
        )
        result.retry_ids.extend(pks)
        result.retry_countdown = max(result.retry_countdown, delay + 1)
        result.counts["retry"] += len(pks)


# Resending from the admin ---------------------------------------------------------------------


def delivery_resend_prepare(delivery, user):
    """Plan a failed delivery again (a fresh series of attempts) and queue it; False if it is not failed."""
    from wagtail.log_actions import log as log_action

    from .tasks import delivery_resend

    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.PLANNED,
            attempts=0,
            claim="",
            claimed_at=None,
            not_before=None,
            queued_at=timezone.now(),
        )
        if not updated:
            return False
        log_action(instance=delivery, action="outreach.delivery.resend", user=user)
        transaction.on_commit(partial(delivery_resend.delay, delivery.pk))
    return True
