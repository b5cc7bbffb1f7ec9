"""What the LTI tool keeps besides django-lti's own tables (docs/lti.md).

- ``LtiAccount``: a platform's person (issuer, ``sub``) is one of our people: never matched by e-mail.
- ``LtiEntryTicket``: the one-time hand-over from a launch inside the platform's frame to a window of
  the site's own, where the ordinary (SameSite=Lax) session cookie works.
- ``LtiGradeTarget``: where a learner's result for a launched course goes (the launch's AGS line item).
- ``LtiScore``: one score fact per target and completed enrolment, sent once (its unique constraint).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LtiAccount(models.Model):
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject (sub)"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="lti_accounts"
    )
    registration = models.ForeignKey(
        "lti_tool.LtiRegistration",
        verbose_name=_("platform"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_launch_at = models.DateTimeField(_("last launch"), default=timezone.now)

    class Meta:
        verbose_name = _("LTI account")
        verbose_name_plural = _("LTI accounts")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="courses_ltiaccount_issuer_subject")]
        permissions = [("manage_lti", _("Can manage LTI platforms"))]

    def __str__(self):
        return f"{self.subject} @ {self.issuer}"


class LtiEntryTicket(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("LTI entry ticket")
        verbose_name_plural = _("LTI entry tickets")

    def __str__(self):
        return f"{self.user_id} → {self.page_id}"


class LtiGradeTarget(models.Model):
    registration = models.ForeignKey("lti_tool.LtiRegistration", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(LtiAccount, on_delete=models.CASCADE, related_name="grade_targets")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    lineitem_url = models.URLField(_("line item"), max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("LTI grade target")
        verbose_name_plural = _("LTI grade targets")
        constraints = [
            models.UniqueConstraint(fields=["account", "course", "lineitem_url"], name="courses_ltigradetarget_once")
        ]

    def __str__(self):
        return self.lineitem_url


class LtiScore(models.Model):
    target = models.ForeignKey(LtiGradeTarget, on_delete=models.CASCADE, related_name="scores")
    enrolment = models.ForeignKey("courses.Enrolment", on_delete=models.CASCADE, related_name="+")
    score_given = models.FloatField()
    score_maximum = models.FloatField()
    completed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("LTI score")
        verbose_name_plural = _("LTI scores")
        constraints = [models.UniqueConstraint(fields=["target", "enrolment"], name="courses_ltiscore_once")]

    def __str__(self):
        return f"{self.score_given}/{self.score_maximum}"
