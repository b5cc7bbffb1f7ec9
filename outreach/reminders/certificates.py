"""Certificate notices: a certificate about to expire, a certificate just issued."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy

from accounts.models import Consent
from core.localtime import local_time
from courses.models import Certificate
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.outbox import PERSON, Outbox, Person, person_fields

from .models import MessageKind
from .planning import date_display, not_refused, reminder_plan

CERTIFICATE_ISSUED_LOOKBACK = datetime.timedelta(days=2)
_CERTIFICATE_FIELDS = ("pk", "code", "course_id", "course_title", "expires_at")


def _newer() -> QuerySet:
    """A newer, valid certificate of the same person and course (the certificate was renewed)."""
    return Certificate.objects.filter(
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        issued_at__gt=OuterRef("issued_at"),
        revoked_at__isnull=True,
    )


def plan_certificates_expiring(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    horizon = plan.now + datetime.timedelta(days=plan.config.certificate_notice_days)
    rows = (
        Certificate.objects.filter(
            revoked_at__isnull=True, expires_at__gt=plan.now, expires_at__lte=horizon, user__is_active=True
        )
        .filter(~Exists(_newer()), not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
        .values_list(*person_fields("user__"), *_CERTIFICATE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, code, course_id, title, expires_at) = Person.of(row), row[len(PERSON) :]
        expiry = local_time(expires_at).date()
        plan.add(
            MessageKind.CERTIFICATE_EXPIRING,
            person,
            series=f"c{pk}",
            subject_id=pk,
            values={
                "course": title,
                "code": code,
                "expiry_date": date_display(expiry),
                "days": max(0, (expiry - plan.today).days),
                "link": plan.links.course(course_id, person.lang),
            },
        )


def plan_certificates_issued(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    rows = (
        Certificate.objects.filter(
            revoked_at__isnull=True, issued_at__gte=plan.now - CERTIFICATE_ISSUED_LOOKBACK, user__is_active=True
        )
        .filter(not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
        .values_list(*person_fields("user__"), *_CERTIFICATE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, code, _course_id, title, _expires_at) = Person.of(row), row[len(PERSON) :]
        plan.add(
            MessageKind.CERTIFICATE_ISSUED,
            person,
            series=f"c{pk}",
            subject_id=pk,
            values={"course": title, "code": code, "link": plan.links.named("certificates:verify", person.lang, code)},
        )


def certificates_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Still wanted while the certificate exists and is not revoked (nor renewed, for "expiring")."""
    cancel = {}
    state = {
        pk: (revoked_at, renewed)
        for pk, revoked_at, renewed in Certificate.objects.filter(pk__in={row["subject_id"] for row in rows})
        .annotate(renewed=Exists(_newer()))
        .values_list("pk", "revoked_at", "renewed")
    }
    for row in rows:
        found = state.get(row["subject_id"])
        if found is None:
            cancel[row["pk"]] = "gone"
        elif found[0] is not None:
            cancel[row["pk"]] = "certificate_revoked"
        elif row["kind"] == MessageKind.CERTIFICATE_EXPIRING and found[1]:
            cancel[row["pk"]] = "certificate_renewed"
    return cancel


FAMILY = family_register(
    KindFamily(
        name="certificates",
        order=30,
        kinds=tuple(
            Kind(kind.value, kind.label, refusable=Consent.Purpose.CERTIFICATE_NOTICES)
            for kind in (MessageKind.CERTIFICATE_EXPIRING, MessageKind.CERTIFICATE_ISSUED)
        ),
        planners=(plan_certificates_expiring, plan_certificates_issued),
        recheck=certificates_recheck,
        reasons={
            "certificate_revoked": gettext_lazy("Certificate revoked"),
            "certificate_renewed": gettext_lazy("Certificate renewed"),
        },
    )
)
