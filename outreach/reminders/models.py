"""Reminders' words and settings: the message templates per kind, and when reminders go out.

Imported by ``outreach.models`` (Django finds the models there).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from outreach.delivery.texts import SMS_MAX_LENGTH, placeholders_check


class MessageKind(models.TextChoices):
    TRAINING_DUE_SOON = "training_due_soon", _("Mandatory training: due soon")
    TRAINING_DUE_TODAY = "training_due_today", _("Mandatory training: due today")
    TRAINING_OVERDUE = "training_overdue", _("Mandatory training: overdue")
    MANAGER_DIGEST = "manager_digest", _("Weekly digest for unit managers: overdue training, extension requests")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("Certificate about to expire")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    COURSE_NUDGE = "course_nudge", _("Reminder to finish a course")
    EXTENSION_REQUESTED = "extension_requested", _("Extension request waiting for a decision (to managers)")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")


# {link}: the page the message sends the person to; {page}: that page's real title (its heading,
# in the person's language). {name}: the recipient; {site}: the site's name.
_COMMON_PLACEHOLDERS = {"name", "link", "page", "site"}
_TRAINING = {"course", "requirement", "due_date"}
# What each kind's template may use: {name}, {course}... (checked when a template is saved).
PLACEHOLDERS = {
    MessageKind.TRAINING_DUE_SOON: _COMMON_PLACEHOLDERS | _TRAINING | {"days"},
    MessageKind.TRAINING_DUE_TODAY: _COMMON_PLACEHOLDERS | _TRAINING,
    MessageKind.TRAINING_OVERDUE: _COMMON_PLACEHOLDERS | _TRAINING | {"days"},
    MessageKind.MANAGER_DIGEST: _COMMON_PLACEHOLDERS
    | {"count", "people", "pending", "pending_count", "pending_oldest", "pending_link", "pending_page"},
    MessageKind.CERTIFICATE_EXPIRING: _COMMON_PLACEHOLDERS | {"course", "code", "expiry_date", "days"},
    MessageKind.CERTIFICATE_ISSUED: _COMMON_PLACEHOLDERS | {"course", "code"},
    MessageKind.COURSE_NUDGE: _COMMON_PLACEHOLDERS | {"course", "days", "settings_link", "settings_page"},
    MessageKind.EXTENSION_REQUESTED: _COMMON_PLACEHOLDERS | _TRAINING | {"requester", "requested_date", "reason"},
    MessageKind.EXTENSION_APPROVED: _COMMON_PLACEHOLDERS | _TRAINING | {"old_due_date", "note"},
    MessageKind.EXTENSION_REFUSED: _COMMON_PLACEHOLDERS | _TRAINING | {"requested_date", "note"},
    MessageKind.CERTIFICATE_REVOKED: _COMMON_PLACEHOLDERS | {"course", "code", "reason"},
}


class MessageTemplate(models.Model):
    """The words of one kind of message, in Vietnamese and English, with {placeholders}."""

    kind = models.CharField(_("kind"), max_length=30, choices=MessageKind.choices, unique=True)
    subject_vi = models.CharField(_("subject (Vietnamese)"), max_length=200)
    body_vi = models.TextField(_("message (Vietnamese)"))
    sms_vi = models.CharField(_("SMS (Vietnamese)"), max_length=SMS_MAX_LENGTH)
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("message (English)"), blank=True)
    sms_en = models.CharField(_("SMS (English)"), max_length=SMS_MAX_LENGTH, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldPanel("kind", read_only=True),
        FieldPanel("subject_vi"),
        FieldPanel("body_vi"),
        FieldPanel("sms_vi"),
        FieldPanel("subject_en"),
        FieldPanel("body_en"),
        FieldPanel("sms_en"),
    ]

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    TEXT_FIELDS = ("subject_vi", "body_vi", "sms_vi", "subject_en", "body_en", "sms_en")

    def clean(self):
        super().clean()
        allowed = PLACEHOLDERS.get(self.kind, _COMMON_PLACEHOLDERS)
        errors = {}
        for field in self.TEXT_FIELDS:
            problems = placeholders_check(getattr(self, field) or "", allowed)
            if problems:
                errors[field] = problems
        english = [bool(self.subject_en), bool(self.body_en), bool(self.sms_en)]
        if any(english) and not all(english):
            errors.setdefault("body_en", []).append(
                _("Give the English subject, message and SMS, or none of them (Vietnamese is then used).")
            )
        if errors:
            raise ValidationError(errors)

    def texts(self, language: str) -> tuple[str, str, str]:
        """(subject, body, sms) in ``language``, Vietnamese when there is no English."""
        if language == "en" and self.body_en:
            return self.subject_en, self.body_en, self.sms_en
        return self.subject_vi, self.body_vi, self.sms_vi


def days_list_validate(value: str) -> None:
    try:
        days = [int(part) for part in str(value).replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise ValidationError(_("Write whole numbers of days separated by commas, e.g. 14, 7, 1.")) from None
    if not days or any(day < 1 or day > 365 for day in days):
        raise ValidationError(_("Each number of days must be between 1 and 365."))


@register_setting(icon="time")
class ReminderSetting(BaseGenericSetting):
    """When reminders go out: editable by training administrators (one row)."""

    days_before_due = models.CharField(
        _("remind before the due date (days)"),
        max_length=100,
        default="14, 7, 1",
        validators=[days_list_validate],
        help_text=_("Days before the due date, separated by commas. A reminder is also sent on the day."),
    )
    overdue_repeat_days = models.PositiveSmallIntegerField(
        _("repeat overdue reminders every (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("The first goes the day after the due date."),
    )
    digest_weekday = models.PositiveSmallIntegerField(
        _("weekly digest for unit managers on"),
        default=0,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
        ],
        help_text=_("Each unit manager gets one message a week listing their overdue people."),
    )
    inactivity_days = models.PositiveSmallIntegerField(
        _("nudge learners inactive for (days)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_nudges = models.PositiveSmallIntegerField(
        _("at most this many nudges per course"), default=3, validators=[MaxValueValidator(20)]
    )
    certificate_notice_days = models.PositiveSmallIntegerField(
        _("notice before a certificate expires (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    quiet_hours_start = models.TimeField(_("no SMS or Zalo from"), default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(_("until"), default=datetime.time(7, 0))

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def days_before_list(self) -> list[int]:
        """The days before the due date, largest first, without repeats."""
        days = {int(part) for part in str(self.days_before_due).replace(";", ",").split(",") if part.strip()}
        return sorted(days, reverse=True)
