"""How we reach people: the home page, content pages, campaigns, and reminders with their delivery log."""

import datetime
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from core.codes import readable_code_new
from core.search import FoldedSearchMixin, folded_index_fields
from courses.learning.blocks import ContentStreamBlock
from courses.models import Audience, PublicService

from .blocks import CallToActionStreamBlock

# Campaigns ------------------------------------------------------------------------------

# Short codes of campaign posters (/c/<code>/), in the certificates' readable alphabet.
CAMPAIGN_CODE_LENGTH = 6


def campaign_code_new():
    return readable_code_new(CAMPAIGN_CODE_LENGTH)


CAMPAIGN_PAGE_HEADER = "X-Campaign-Page"


class CampaignIndexPage(FoldedSearchMixin, Page):
    """The list of awareness campaigns."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    search_fields = [*Page.search_fields, index.SearchField("introduction"), *folded_index_fields()]
    folded_search_fields = ("title", "introduction")

    parent_page_types = settings.SITE_SECTION_PARENT_PAGE_TYPES  # the site's home page (lms wires it)
    subpage_types = ["outreach.CampaignPage"]
    max_count = 1
    # Ended campaigns listed at most.
    past_count = 12

    class Meta:
        verbose_name = _("campaign index")

    def permissions_for_user(self, user):
        from .moderation import CampaignPermissionTester

        return CampaignPermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from .selectors import campaigns_listed

        context = super().get_context(request, *args, **kwargs)
        context.update(campaigns_listed(self, timezone.localdate(), past_count=self.past_count))
        return context


class CampaignPage(FoldedSearchMixin, Page):
    """An awareness campaign: why, for whom, when, and where it sends people."""

    goal = models.TextField(_("goal"), help_text=_("What the campaign wants people to do, in one or two sentences."))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)
    calls_to_action = StreamField(CallToActionStreamBlock(), verbose_name=_("calls to action"))
    services = ParentalManyToManyField(
        PublicService, verbose_name=_("public services promoted"), blank=True, related_name="campaigns"
    )
    short_code = models.CharField(
        _("short code"),
        max_length=CAMPAIGN_CODE_LENGTH,
        default=campaign_code_new,
        editable=False,
        help_text=_("Printed on the poster: the short link /c/<code>/ leads to this campaign."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("goal"),
        MultiFieldPanel(
            [FieldPanel("starts_on"), FieldPanel("ends_on"), FieldPanel("audience"), FieldPanel("services")],
            heading=_("About this campaign"),
        ),
        FieldPanel("hero_image"),
        FieldPanel("body"),
        FieldPanel("calls_to_action"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("goal"),
        index.SearchField("body"),
        index.FilterField("starts_on"),
        index.FilterField("ends_on"),
        *folded_index_fields(),
    ]
    folded_search_fields = ("title", "goal", "body")

    parent_page_types = ["outreach.CampaignIndexPage"]
    subpage_types = []
    # A copy is another campaign: it gets a short code (and poster) of its own.
    exclude_fields_in_copy = ["short_code"]

    class Meta:
        verbose_name = _("campaign")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="outreach_campaign_ends_after_start"
            ),
            models.UniqueConstraint(fields=["short_code"], name="outreach_campaign_short_code_unique"),
        ]

    def save(self, *args, **kwargs):
        if self._state.adding:
            # 31⁶ codes: a collision is rare, but a new page must not fail on one.
            while CampaignPage.objects.filter(short_code=self.short_code).exists():
                self.short_code = campaign_code_new()
        return super().save(*args, **kwargs)

    def permissions_for_user(self, user):
        from .moderation import CampaignPermissionTester

        return CampaignPermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from .posters import short_link_display

        context = super().get_context(request, *args, **kwargs)
        context["short_link_display"] = short_link_display(self)
        return context

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})

    def is_running(self, day=None):
        day = day or timezone.localdate()
        return self.starts_on <= day <= self.ends_on

    def state_on(self, day=None):
        """ "upcoming", "running" or "ended" on ``day`` (today in Vietnam by default)."""
        day = day or timezone.localdate()
        if day < self.starts_on:
            return "upcoming"
        return "running" if day <= self.ends_on else "ended"

    def call_to_action_targets(self):
        """[(label, page or None, service or None)]: the calls to action that lead somewhere now.

        A chosen tutorial or course that is no longer live is left out.
        """
        targets = []
        for block in self.calls_to_action:
            value = block.value
            if block.block_type == "service":
                service = value.get("service")
                if service is not None and service.official_url:
                    targets.append((value.get("label") or service.name, None, service))
            else:
                page = value.get("page")
                if page is not None and page.live:
                    targets.append((value.get("label") or page.title, page, None))
        return targets

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # Names the campaign for outreach.campaign_tracking (page views, QR arrivals), also on
        # responses served later from the page cache (the header is stored with the page).
        response[CAMPAIGN_PAGE_HEADER] = str(self.pk)
        return response


# Reminders and delivery -------------------------------------------------------------------


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    IN_APP = "in_app", _("Inbox on the site")


class MessageKind(models.TextChoices):
    TRAINING_DUE_SOON = "training_due_soon", _("Mandatory training: due soon")
    TRAINING_DUE_TODAY = "training_due_today", _("Mandatory training: due today")
    TRAINING_OVERDUE = "training_overdue", _("Mandatory training: overdue")
    MANAGER_DIGEST = "manager_digest", _("Overdue training: weekly digest for unit managers")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("Certificate about to expire")
    CERTIFICATE_ISSUED = "certificate_issued", _("Certificate issued")
    COURSE_NUDGE = "course_nudge", _("Reminder to finish a course")


# Deliveries of campaign messages (outreach/campaigns.py): not a template kind (each campaign
# message has its own words); ``subject_id`` is the CampaignMessage, ``sequence`` 1 a test send.
CAMPAIGN_KIND = "campaign"
DELIVERY_KINDS = [*MessageKind.choices, (CAMPAIGN_KIND, _("Campaign message"))]

_COMMON_PLACEHOLDERS = {"name", "link", "site"}
# What each kind's template may use: {name}, {course}... (checked when a template is saved).
PLACEHOLDERS = {
    MessageKind.TRAINING_DUE_SOON: _COMMON_PLACEHOLDERS | {"course", "requirement", "due_date", "days"},
    MessageKind.TRAINING_DUE_TODAY: _COMMON_PLACEHOLDERS | {"course", "requirement", "due_date"},
    MessageKind.TRAINING_OVERDUE: _COMMON_PLACEHOLDERS | {"course", "requirement", "due_date", "days"},
    MessageKind.MANAGER_DIGEST: _COMMON_PLACEHOLDERS | {"count", "people"},
    MessageKind.CERTIFICATE_EXPIRING: _COMMON_PLACEHOLDERS | {"course", "code", "expiry_date", "days"},
    MessageKind.CERTIFICATE_ISSUED: _COMMON_PLACEHOLDERS | {"course", "code"},
    MessageKind.COURSE_NUDGE: _COMMON_PLACEHOLDERS | {"course", "days"},
}
SMS_MAX_LENGTH = 480


def placeholders_check(text, allowed):
    """The error messages for ``text`` as a template with ``{placeholder}`` fields (none: valid).

    Only plain names from ``allowed``: no positional ``{}``, no attributes or indexes
    (``{name.x}``, ``{name[0]}``), no conversions or formats. ``{{`` and ``}}`` are literal braces.
    """
    errors = []
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in string.Formatter().parse(text)]
    except ValueError:
        return [_("Unbalanced braces: write {{ and }} for a literal brace.")]
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in allowed:
            errors.append(
                _("Unknown placeholder {%(name)s}. Allowed here: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(f"{{{item}}}" for item in sorted(allowed))}
            )
        elif spec or conversion:
            errors.append(_("Write the placeholder {%(name)s} without a format.") % {"name": name})
    return errors


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

    def texts(self, language):
        """(subject, body, sms) in ``language``, Vietnamese when there is no English."""
        if language == "en" and self.body_en:
            return self.subject_en, self.body_en, self.sms_en
        return self.subject_vi, self.body_vi, self.sms_vi


def days_list_validate(value):
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
    quiet_hours_start = models.TimeField(_("no SMS from"), default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(_("until"), default=datetime.time(7, 0))

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def days_before_list(self):
        """The days before the due date, largest first, without repeats."""
        days = {int(part) for part in str(self.days_before_due).replace(";", ",").split(",") if part.strip()}
        return sorted(days, reverse=True)


class Delivery(models.Model):
    """One message to one person on one channel: the outbox row and the delivery log.

    Written (planned) before anything is sent, with a unique idempotency key
    (recipient, kind, subject, cycle/date, channel): a second planning of the
    same message inserts nothing. A worker claims planned rows (status
    ``sending`` with a lease), sends, and records ``sent`` or ``failed``;
    a row left ``sending`` past its lease is planned again (see reminders.py).
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
    kind = models.CharField(_("kind"), max_length=30, choices=DELIVERY_KINDS)
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
    """A token bucket shared by every worker, when no Redis is configured (outreach/rate_limit.py)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    tokens = models.FloatField(_("tokens"), default=0)
    updated = models.FloatField(_("updated (Unix time)"), default=0)

    class Meta:
        verbose_name = _("rate-limit bucket")
        verbose_name_plural = _("rate-limit buckets")

    def __str__(self):
        return self.name


from .campaign_models import (  # noqa: E402 (the campaign models use the names above)
    AudienceSegment,
    CampaignClick,
    CampaignMessage,
    CampaignPageView,
    CampaignTouch,
)

__all__ = [
    "AudienceSegment",
    "CampaignClick",
    "CampaignMessage",
    "CampaignPageView",
    "CampaignTouch",
]
