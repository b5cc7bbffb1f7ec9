"""Assisted learning at the commune's one-stop counter: a helper's session with one citizen, what it
marked as done, and the append-only log of every assisted action (imported by ``courses.models``).

The progress itself stays in learning's tables (``LessonCompletion``, ``TutorialCompletion``): it is the
citizen's. ``AssistedMark`` only says that a helper was beside them when it was done.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AssistedSession(models.Model):
    """A helper (``Hỗ trợ viên``) at a unit's counter with one citizen, once the citizen agreed.

    ``status``: waiting for the citizen's SMS code, open, ended by the helper, or withdrawn by the
    citizen (the helper's link is then removed: ``helper`` and ``phone`` emptied; the log keeps the fact).
    The consent is kept on the row: how it was given, when, what was agreed (``consent_text``, the words
    shown at the counter) and the privacy notice version in force.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the citizen's code")
        OPEN = "open", _("Open")
        ENDED = "ended", _("Ended")
        WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")

    class ConsentMethod(models.TextChoices):
        # "sms_code" for either channel: the code goes by Zalo to a citizen who chose Zalo (accounts.codes).
        SMS_CODE = "sms_code", _("Code sent to the citizen's phone (by SMS or Zalo)")
        ACCOUNT_CREATED = "account_created", _("Account created at the counter with the citizen's consent")

    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("helper"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assisted_sessions_run",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("citizen"), on_delete=models.CASCADE, related_name="assisted_sessions"
    )
    unit = models.ForeignKey(
        "accounts.OrganisationUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assisted_sessions",
    )
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WAITING)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    consent_method = models.CharField(
        _("how the citizen agreed"), max_length=20, choices=ConsentMethod.choices, blank=True
    )
    consent_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    consent_text = models.CharField(_("what was agreed"), max_length=500, blank=True)
    notice_version = models.CharField(_("privacy notice version"), max_length=30, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assisted session")
        verbose_name_plural = _("assisted sessions")
        permissions = [
            ("assist_citizens", _("Can run assisted sessions at the counter")),
            ("manage_helpers", _("Can give and take away the helper role")),
        ]
        indexes = [
            models.Index(fields=["helper", "status"], name="courses_assisted_helper"),
            models.Index(fields=["unit", "consent_at"], name="courses_assisted_unit_at"),
        ]

    def __str__(self):
        return f"{self.pk}: {self.helper_id} → {self.citizen_id} ({self.status})"


class AssistedMark(models.Model):
    """One thing done with a helper beside the citizen: a lesson, a tutorial, or a public service completed
    at the counter. Once per session and thing (named constraints)."""

    class Kind(models.TextChoices):
        LESSON = "lesson", _("Lesson completed")
        TUTORIAL = "tutorial", _("Tutorial done")
        SERVICE = "service", _("Service completed at the counter")

    session = models.ForeignKey(
        AssistedSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="marks"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("lesson"),
    )
    tutorial = models.ForeignKey(
        "courses.TutorialPage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("tutorial"),
    )
    service = models.ForeignKey(
        "courses.PublicService",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assisted_marks",
        verbose_name=_("public service"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("assisted mark")
        verbose_name_plural = _("assisted marks")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "lesson"], condition=Q(kind="lesson"), name="courses_assistedmark_lesson_once"
            ),
            models.UniqueConstraint(
                fields=["session", "tutorial"], condition=Q(kind="tutorial"), name="courses_assistedmark_tutorial_once"
            ),
            models.UniqueConstraint(
                fields=["session", "service"], condition=Q(kind="service"), name="courses_assistedmark_service_once"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="lesson", lesson__isnull=False, tutorial__isnull=True, service__isnull=True)
                    | Q(kind="tutorial", lesson__isnull=True, tutorial__isnull=False, service__isnull=True)
                    | Q(kind="service", lesson__isnull=True, tutorial__isnull=True, service__isnull=False)
                ),
                name="courses_assistedmark_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.session_id}: {self.kind}"


class AssistedLogEntry(models.Model):
    """One assisted action, with the helper's identity: append-only (never changed, see ``save``).

    ``helper`` is who acted (or, for a withdrawal, whose access ended); ``citizen`` whom it was about.
    Both are emptied only when that person's account is erased; the fact stays.
    """

    class Action(models.TextChoices):
        CODE_SENT = "code_sent", _("Consent code sent")
        CONSENT_CODE = "consent_code", _("Citizen agreed by code")
        ACCOUNT_CREATED = "account_created", _("Account created with consent")
        LESSON = "lesson", _("Lesson completed")
        TUTORIAL = "tutorial", _("Tutorial done")
        SERVICE = "service", _("Service completed at the counter")
        ENDED = "ended", _("Session ended")
        WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")

    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("helper"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="assisted_log_as_helper",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("citizen"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="assisted_log_as_citizen",
    )
    session = models.ForeignKey(
        AssistedSession, verbose_name=_("session"), null=True, on_delete=models.SET_NULL, related_name="log_entries"
    )
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("assisted action")
        verbose_name_plural = _("assisted actions")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["session", "at"], name="courses_assistedlog_session")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} ({self.helper_id} → {self.citizen_id})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The assisted log is append-only.")
        super().save(*args, **kwargs)
