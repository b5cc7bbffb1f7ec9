"""Certificate notices: a certificate about to expire, a certificate just issued, a certificate revoked.

All three follow the "certificate notices" purpose (a person may refuse them) and the person's
channels. The revocation notice goes to the owner once per certificate (key
``certificate_revoked:<user>:c<certificate>``), with the reason, linking to their certificates
(the "My learning" page); it is planned at once after the revocation commits (``notices.py``)
and by the planning pass for revocations of the last ``CERTIFICATE_REVOKED_LOOKBACK``.
"""

import datetime

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from accounts.models import Consent
from core.localtime import local_time
from courses.models import Certificate
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.outbox import PERSON, Outbox, Person, person_fields

from .models import MessageKind
from .planning import date_display, not_refused, reminder_plan

CERTIFICATE_ISSUED_LOOKBACK = datetime.timedelta(days=2)
CERTIFICATE_REVOKED_LOOKBACK = datetime.timedelta(days=2)
CERTIFICATE_KINDS = (
    MessageKind.CERTIFICATE_EXPIRING,
    MessageKind.CERTIFICATE_ISSUED,
    MessageKind.CERTIFICATE_REVOKED,
)
_CERTIFICATE_FIELDS = ("pk", "code", "course_id", "course_title", "expires_at", "series_root")


def _newer() -> QuerySet:
    """A newer, valid certificate of the same person and course (the certificate was renewed)."""
    return Certificate.objects.filter(
        user_id=OuterRef("user_id"),
        course_id=OuterRef("course_id"),
        issued_at__gt=OuterRef("issued_at"),
        revoked_at__isnull=True,
    )


def _chain_revoked() -> QuerySet:
    """The certificate in force in the same chain of re-issues (a name corrected), revoked."""
    root = Coalesce(OuterRef("original_id"), OuterRef("pk"))
    return Certificate.objects.filter(Q(pk=root) | Q(original_id=root), superseded_at__isnull=True).filter(
        revoked_at__isnull=False
    )


def _in_force() -> QuerySet:
    """Certificates in force: not revoked, not superseded by a re-issue. ``series_root`` keys a chain's notices:
    a certificate issued again with a corrected name is not announced a second time."""
    return Certificate.objects.filter(revoked_at__isnull=True, superseded_at__isnull=True).annotate(
        series_root=Coalesce(F("original_id"), F("pk"))
    )


def plan_certificates_expiring(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    horizon = plan.now + datetime.timedelta(days=plan.config.certificate_notice_days)
    rows = (
        _in_force()
        .filter(expires_at__gt=plan.now, expires_at__lte=horizon, user__is_active=True)
        .filter(~Exists(_newer()), not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
        .values_list(*person_fields("user__"), *_CERTIFICATE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, code, course_id, title, expires_at, root) = Person.of(row), row[len(PERSON) :]
        expiry = local_time(expires_at).date()
        plan.add(
            MessageKind.CERTIFICATE_EXPIRING,
            person,
            series=f"c{root}",
            subject_id=pk,
            values={
                "course": title,
                "code": code,
                "expiry_date": date_display(expiry),
                "days": max(0, (expiry - plan.today).days),
                **plan.links.course_page(course_id, person.lang).values(),
            },
        )


def plan_certificates_issued(*, outbox: Outbox) -> None:
    plan = reminder_plan(outbox=outbox)
    rows = (
        _in_force()
        .filter(issued_at__gte=plan.now - CERTIFICATE_ISSUED_LOOKBACK, user__is_active=True)
        .filter(not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
        .values_list(*person_fields("user__"), *_CERTIFICATE_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        person, (pk, code, _course_id, title, _expires_at, root) = Person.of(row), row[len(PERSON) :]
        plan.add(
            MessageKind.CERTIFICATE_ISSUED,
            person,
            series=f"c{root}",
            subject_id=pk,
            values={
                "course": title,
                "code": code,
                **plan.links.certificate(code, person.lang).values(),
            },
        )


def plan_certificates_revoked(*, outbox: Outbox, pk: int | None = None) -> None:
    """Certificates revoked in the last ``CERTIFICATE_REVOKED_LOOKBACK`` (or only ``pk``): their owner is told."""
    plan = reminder_plan(outbox=outbox)
    revoked = Certificate.objects.filter(
        revoked_at__gte=plan.now - CERTIFICATE_REVOKED_LOOKBACK, user__is_active=True
    ).filter(not_refused(Consent.Purpose.CERTIFICATE_NOTICES))
    if pk is not None:
        revoked = revoked.filter(pk=pk)
    rows = revoked.values_list(*person_fields("user__"), "pk", "code", "course_title", "revoked_reason")
    for row in rows.iterator(chunk_size=5000):
        person, (pk_, code, title, reason) = Person.of(row), row[len(PERSON) :]
        plan.add(
            MessageKind.CERTIFICATE_REVOKED,
            person,
            series=f"c{pk_}",
            subject_id=pk_,
            values={
                "course": title,
                "code": code,
                "reason": reason,
                **plan.links.page("courses:my_learning", person.lang, fragment="certificates-heading").values(),
            },
        )


def certificates_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Still wanted while the certificate exists and is not revoked (nor renewed, for "expiring");
    a revocation notice, while the certificate exists.

    A certificate issued again with a corrected name stands for the same award: its notice goes on
    while the one now in force is not revoked.
    """
    cancel = {}
    state = {
        pk: (revoked_at is not None or chain_revoked, renewed)
        for pk, revoked_at, chain_revoked, renewed in Certificate.objects.filter(
            pk__in={row["subject_id"] for row in rows}
        )
        .annotate(renewed=Exists(_newer()), chain_revoked=Exists(_chain_revoked()))
        .values_list("pk", "revoked_at", "chain_revoked", "renewed")
    }
    for row in rows:
        found = state.get(row["subject_id"])
        if found is None:
            cancel[row["pk"]] = "gone"
        elif row["kind"] == MessageKind.CERTIFICATE_REVOKED:
            continue
        elif found[0]:
            cancel[row["pk"]] = "certificate_revoked"
        elif row["kind"] == MessageKind.CERTIFICATE_EXPIRING and found[1]:
            cancel[row["pk"]] = "certificate_renewed"
    return cancel


FAMILY = family_register(
    KindFamily(
        name="certificates",
        order=30,
        kinds=tuple(
            Kind(kind.value, kind.label, refusable=Consent.Purpose.CERTIFICATE_NOTICES) for kind in CERTIFICATE_KINDS
        ),
        planners=(plan_certificates_expiring, plan_certificates_issued, plan_certificates_revoked),
        recheck=certificates_recheck,
        reasons={
            "certificate_revoked": gettext_lazy("Certificate revoked"),
            "certificate_renewed": gettext_lazy("Certificate renewed"),
        },
    )
)
