"""Audiences, campaign messages and what they led to: clicks, touches, page views.

Imported by ``outreach.models`` (Django finds the models there). Services are in
``outreach/campaigns.py``, reads in ``outreach/campaign_selectors.py``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationUnit, User

from .models import SMS_MAX_LENGTH, CampaignPage, placeholders_check

# What a campaign message may use: {name}, {site}, {campaign}, {link} (the campaign page),
# {action} (its first call to action), {unsubscribe}. Both links are tracked (signed /r/ links).
CAMPAIGN_PLACEHOLDERS = {"name", "site", "campaign", "link", "action", "unsubscribe"}
# Room left in an SMS for the tracked links and the unsubscribe link added to the text (the
# rendered length is also checked: ``CampaignMessage.sms_length_estimate``).
CAMPAIGN_SMS_MAX_LENGTH = SMS_MAX_LENGTH - 200
# A signed link's length: the site's address, /r/ or /unsubscribe/, a token of about 60 characters.
LINK_LENGTH = 110


class AudienceSegment(models.Model):
    """Who a campaign message goes to: rules, all of which must hold (empty rules select everyone).

    Resolved to people in one query by ``campaign_selectors.segment_people``.
    """

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    learner_kind = models.CharField(
        _("kind of learner"), max_length=20, choices=User.Kind.choices, blank=True, help_text=_("Empty: both.")
    )
    units = models.ManyToManyField(
        OrganisationUnit,
        verbose_name=_("organisation units"),
        blank=True,
        related_name="+",
        help_text=_("Empty: everyone, whatever their unit."),
    )
    include_sub_units = models.BooleanField(_("include sub-units"), default=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=[("vi", _("Vietnamese")), ("en", _("English"))],
        blank=True,
        help_text=_("Empty: any language."),
    )
    completed_course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("has completed the course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    not_completed_course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("has not completed the course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_tutorial = models.ForeignKey(
        "courses.TutorialPage",
        verbose_name=_("has completed the tutorial"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    not_completed_tutorial = models.ForeignKey(
        "courses.TutorialPage",
        verbose_name=_("has not completed the tutorial"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    inactive_since = models.DateField(
        _("enrolled but inactive since"),
        null=True,
        blank=True,
        help_text=_("People with an unfinished course and no activity in it since this day."),
    )
    joined_since = models.DateField(_("signed up since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("audience segment")
        verbose_name_plural = _("audience segments")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CampaignMessage(models.Model):
    """One message of a campaign to one segment, in an e-mail, an SMS and an inbox variant.

    Each person gets it on the channels they chose for reminders, only if they gave their
    consent to campaign messages (silence is not consent). ``status`` moves draft/scheduled →
    sending → sent with conditional updates: a second click on "send" changes nothing.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(
        CampaignPage, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="messages"
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("For staff only, e.g. “First wave, e-mail”."))
    segment = models.ForeignKey(
        AudienceSegment, verbose_name=_("audience segment"), on_delete=models.PROTECT, related_name="messages"
    )
    email_subject = models.CharField(_("e-mail subject"), max_length=200)
    email_body = models.TextField(_("e-mail message"))
    sms_body = models.CharField(_("SMS"), max_length=CAMPAIGN_SMS_MAX_LENGTH)
    in_app_body = models.TextField(_("inbox message"))
    scheduled_at = models.DateTimeField(
        _("send at"), null=True, blank=True, help_text=_("Empty: send when you press “Send now”.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    sending_started_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    planned_at = models.DateTimeField(_("recipients planned at"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    TEXT_FIELDS = ("email_subject", "email_body", "sms_body", "in_app_body")

    class Meta:
        verbose_name = _("campaign message")
        verbose_name_plural = _("campaign messages")
        ordering = ["-created_at", "-pk"]
        permissions = [("send_campaignmessage", _("Can send a campaign message"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False),
                name="outreach_campaignmessage_scheduled_has_time",
            )
        ]
        indexes = [
            models.Index(fields=["scheduled_at"], condition=Q(status="scheduled"), name="outreach_campmsg_scheduled")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        for field in self.TEXT_FIELDS:
            problems = placeholders_check(getattr(self, field) or "", CAMPAIGN_PLACEHOLDERS)
            if problems:
                errors[field] = problems
        if "sms_body" not in errors and self.sms_body:
            length = self.sms_length_estimate()
            if length > SMS_MAX_LENGTH:
                errors["sms_body"] = [
                    _(
                        "With its links the SMS would be about %(length)s characters; at most %(max)s are "
                        "allowed. Shorten the text or use fewer links."
                    )
                    % {"length": length, "max": SMS_MAX_LENGTH}
                ]
        if errors:
            raise ValidationError(errors)

    def sms_length_estimate(self):
        """The SMS's length once rendered: signed links, a long name, the unsubscribe line when added."""
        campaign = self.campaign.title if self.campaign_id else ""
        values = {
            "name": "x" * 40,
            "site": settings.WAGTAIL_SITE_NAME,
            "campaign": campaign,
            "link": "x" * LINK_LENGTH,
            "action": "x" * LINK_LENGTH,
            "unsubscribe": "x" * LINK_LENGTH,
        }
        try:
            text = self.sms_body.format_map(values)
        except (KeyError, ValueError, IndexError, AttributeError):
            return len(self.sms_body)
        if "{unsubscribe}" not in self.sms_body:
            text += " " + "x" * (LINK_LENGTH + 20)
        return len(text)

    @property
    def editable(self):
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class CampaignClick(models.Model):
    """A recipient followed a tracked link of a message (one row per message, person and link)."""

    message = models.ForeignKey(
        CampaignMessage, verbose_name=_("campaign message"), on_delete=models.CASCADE, related_name="clicks"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    link = models.CharField(_("link"), max_length=20)
    first_at = models.DateTimeField(_("first clicked at"), default=timezone.now)
    last_at = models.DateTimeField(_("last clicked at"), default=timezone.now)
    count = models.PositiveIntegerField(_("clicks"), default=1)

    class Meta:
        verbose_name = _("campaign click")
        verbose_name_plural = _("campaign clicks")
        constraints = [
            models.UniqueConstraint(fields=["message", "recipient", "link"], name="outreach_campaignclick_once")
        ]

    def __str__(self):
        return f"{self.message_id}/{self.recipient_id}/{self.link}"


class CampaignTouch(models.Model):
    """A person arrived from a campaign (tracked link or QR code): what attribution starts from.

    One row per person and campaign; enrolments and completions between ``first_at`` and
    ``last_at`` plus the attribution window are the campaign's.
    """

    class Source(models.TextChoices):
        LINK = "link", _("Tracked link")
        QR = "qr", _("QR code")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="campaign_touches"
    )
    campaign = models.ForeignKey(
        CampaignPage, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="touches"
    )
    source = models.CharField(_("first arrived by"), max_length=10, choices=Source.choices)
    first_at = models.DateTimeField(_("first at"), default=timezone.now)
    last_at = models.DateTimeField(_("last at"), default=timezone.now)

    class Meta:
        verbose_name = _("campaign touch")
        verbose_name_plural = _("campaign touches")
        constraints = [models.UniqueConstraint(fields=["user", "campaign"], name="outreach_campaigntouch_once")]
        indexes = [models.Index(fields=["campaign", "user"], name="outreach_touch_campaign")]

    def __str__(self):
        return f"{self.user_id} ← {self.campaign_id}"


class CampaignPageView(models.Model):
    """Views of a campaign page per day, counted on our server (``campaign_tracking``)."""

    campaign = models.ForeignKey(
        CampaignPage, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="page_views"
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("campaign page views")
        verbose_name_plural = _("campaign page views")
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="outreach_campaignpageview_day")]

    def __str__(self):
        return f"{self.campaign_id} {self.day}: {self.views}"
