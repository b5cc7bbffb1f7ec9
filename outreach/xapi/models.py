"""The xAPI outbox (``Statement``: one statement to one LRS, and its log) and the one sender's lease.

Imported by ``outreach.models`` (Django finds the models there). A sibling of delivery's ``Delivery``
rather than one of its channels (docs/xapi.md, "Why not a delivery channel"): a voiding statement
outlives the person it is about, and statements go in one order, in batches.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    """One xAPI statement, written in the transaction of the fact it records, sent once the LRS stores it.

    ``statement_id`` is the statement's own id (a UUID derived from the fact): the same fact recorded
    twice is one row, and sent twice it is one statement in the LRS. Rows are sent in the order of
    their primary key (so in order per learner) by one sender at a time (``Sender``).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Verb(models.TextChoices):
        EXPERIENCED = "experienced", _("Viewed")
        COMPLETED = "completed", _("Completed")
        ANSWERED = "answered", _("Answered")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        EARNED = "earned", _("Earned")
        PROGRESSED = "progressed", _("Progressed")
        VOIDED = "voided", _("Voided")

    statement_id = models.UUIDField(_("statement id"))
    # Empty for a voiding statement: it outlives the erased person and names no one.
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="xapi_statements",
    )
    verb = models.CharField(_("verb"), max_length=20, choices=Verb.choices)
    activity = models.CharField(_("activity"), max_length=500)
    payload = models.JSONField(_("statement"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    planned_at = models.DateTimeField(_("planned at"), default=timezone.now)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        permissions = [("resend_statement", _("Can resend a failed xAPI statement"))]
        constraints = [
            models.UniqueConstraint(fields=["statement_id"], name="outreach_xapistatement_id_unique"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="outreach_xapistatement_sent_has_time"
            ),
        ]
        indexes = [
            # The sender's queue: what is left to send, in order.
            models.Index(fields=["id"], condition=Q(status__in=["planned", "sending"]), name="outreach_xapi_queue"),
            # The log, newest first.
            models.Index(fields=["-planned_at"], name="outreach_xapi_planned"),
        ]

    def __str__(self):
        return f"{self.get_verb_display()} {self.activity} ({self.get_status_display()})"


class Sender(models.Model):
    """The lease of the one xAPI sender (a single row): whoever holds it sends, in order; the others leave."""

    claim = models.CharField(_("claim"), max_length=40, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI sender")
        verbose_name_plural = _("xAPI senders")

    def __str__(self):
        return self.claim or "-"
