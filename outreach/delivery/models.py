"""The outbox and delivery log (``Delivery``) and the shared rate limit's buckets.

Imported by ``outreach.models`` (Django finds the models there).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import kind_choices


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("Inbox on the site")
    ZALO = "zalo", _("Zalo")


class Delivery(models.Model):
    """One message to one person on one channel: the outbox row and the delivery log.

    Written (planned) before anything is sent, with a unique idempotency key
    (recipient, kind, subject, cycle/date, channel): a second planning of the
    same message inserts nothing. A worker claims planned rows (status
    ``sending`` with a lease), sends, and records ``sent`` or ``failed``;
    a row left ``sending`` past its lease is planned again (see ``outbox.py``, ``sending.py``).
    ``kind`` is one of the kinds registered in ``kinds.py``.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=kind_choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    # What the message is about (an assignment, certificate or enrolment id, by kind) and which
    # one of a series it is (days before the due date, overdue week, nudge number).
    subject_id = models.BigIntegerField(_("about"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("number in its series"), default=0)
    language = models.CharField(_("language"), max_length=10, default="vi")
    address = models.CharField(_("address"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("message"), blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    planned_at = models.DateTimeField(_("planned at"), default=timezone.now)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # When the provider said the message reached the person's device (Zalo's delivery webhook).
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        permissions = [("resend_delivery", _("Can resend a failed message"))]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outreach_delivery_idempotency_key_unique"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outreach_delivery_sent_has_time"
            ),
        ]
        # The kinds named below are values of ``kind``, not imports: the partial indexes that their
        # senders' queries use (delivery imports no kind).
        # Every status change rewrites a row in every index (status is indexed), so only what the
        # planner, the inbox and the log need, most of it partial: see docs/performance.md.
        indexes = [
            # The planner's pass over what is due to be queued.
            models.Index(fields=["not_before", "queued_at"], condition=Q(status="planned"), name="outreach_dlv_due"),
            # Rows whose worker died: "sending" past the lease.
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="outreach_dlv_leased"),
            # Nudges so far per enrolment.
            models.Index(
                fields=["subject_id", "sequence"], condition=Q(kind="course_nudge"), name="outreach_dlv_nudges"
            ),
            # A campaign message's deliveries (its results, the test sends).
            models.Index(
                fields=["subject_id", "sequence", "status"],
                condition=Q(kind="campaign"),
                name="outreach_dlv_campaign",
            ),
            # The inbox and its unread count.
            models.Index(
                fields=["recipient", "read_at"], condition=Q(channel="in_app", status="sent"), name="outreach_dlv_inbox"
            ),
            # The delivery log, newest first; the planner's count of what it inserted.
            models.Index(fields=["-planned_at"], name="outreach_dlv_planned"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient_id} ({self.channel}, {self.status})"


class RateLimitBucket(models.Model):
    """A token bucket shared by every worker, when no Redis is configured (outreach/delivery/rate_limit.py)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    tokens = models.FloatField(_("tokens"), default=0)
    updated = models.FloatField(_("updated (Unix time)"), default=0)

    class Meta:
        verbose_name = _("rate-limit bucket")
        verbose_name_plural = _("rate-limit buckets")

    def __str__(self):
        return self.name
