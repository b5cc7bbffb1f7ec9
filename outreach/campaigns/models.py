"""Campaigns: their pages (the index and each campaign), audiences, messages and what they led to.

Imported by ``outreach.models`` (Django finds the models there). Services are in ``messages.py``
and ``tracking.py``, reads in ``audiences.py`` and ``selectors.py``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from accounts.models import OrganisationUnit, User
from core.codes import readable_code_new
from core.localtime import local_today
from core.published import public_q
from core.search import FoldedSearchMixin, folded_index_fields
from core.slugs import AsciiSlugMixin
from courses.learning.blocks import ContentStreamBlock
from courses.models import Audience, PublicService
from outreach.blocks import CallToActionStreamBlock
from outreach.delivery.texts import SMS_MAX_LENGTH, placeholders_check

from .links import short_link_display
from .moderation import CampaignPermissionTester

# Deliveries of campaign messages (``messages.py``): the kind registered with delivery; not a
# template kind (each campaign message has its own words); ``subject_id`` is the CampaignMessage,
# ``sequence`` 1 a test send.
CAMPAIGN_KIND = "campaign"

# Short codes of campaign posters (/c/<code>/), in the certificates' readable alphabet.
CAMPAIGN_CODE_LENGTH = 6


def campaign_code_new():
    return readable_code_new(CAMPAIGN_CODE_LENGTH)


CAMPAIGN_PAGE_HEADER = "X-Campaign-Page"


class CampaignIndexPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """The list of awareness campaigns."""

    og_description_field = "introduction"  # shared links show it (core.seo)

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    search_fields = [*Page.search_fields, index.SearchField("introduction"), *folded_index_fields()]
    folded_search_fields = ("title", "introduction")
    api_fields = [APIField("introduction")]  # the content API (docs/api.md)

    template = "outreach/campaigns/campaign_index_page.html"
    parent_page_types = settings.SITE_SECTION_PARENT_PAGE_TYPES  # the site's home page (lms wires it)
    subpage_types = ["outreach.CampaignPage"]
    max_count = 1
    # Ended campaigns listed at most.
    past_count = 12

    class Meta:
        verbose_name = _("campaign index")

    def permissions_for_user(self, user):
        return CampaignPermissionTester(user, self, section_path=self.path)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(self.campaigns_listed(day=local_today()))
        return context

    def campaigns_listed(self, *, day):
        """The index's lists on ``day``: running (ending soonest first), upcoming (soonest first),
        and the latest ``past_count`` ended ones (one query)."""
        running, upcoming, ended = [], [], []
        for campaign in CampaignPage.objects.live().filter(public_q()).child_of(self).order_by("starts_on", "title"):
            state = campaign.state_on(day)
            {"running": running, "upcoming": upcoming, "ended": ended}[state].append(campaign)
        running.sort(key=lambda campaign: (campaign.ends_on, campaign.title))
        ended.sort(key=lambda campaign: campaign.ends_on, reverse=True)
        return {"running": running, "upcoming": upcoming, "ended": ended[: self.past_count]}


class CampaignPage(AsciiSlugMixin, FoldedSearchMixin, Page):
    """An awareness campaign: why, for whom, when, and where it sends people."""

    # What a shared link shows (core.seo).
    og_type = "article"
    og_description_field = "goal"
    og_image_field = "hero_image"

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
    # The content API (docs/api.md): what the campaign says; never its audiences, messages or figures.
    api_fields = [APIField("goal"), APIField("starts_on"), APIField("ends_on"), APIField("audience"), APIField("body")]

    template = "outreach/campaigns/campaign_page.html"
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
        # The campaign's section: its parent, the campaign index.
        return CampaignPermissionTester(user, self, section_path=self.path[: -self.steplen])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["short_link_display"] = short_link_display(campaign=self)
        return context

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})

    def is_running(self, day=None):
        day = day or local_today()
        return self.starts_on <= day <= self.ends_on

    def state_on(self, day=None):
        """ "upcoming", "running" or "ended" on ``day`` (today in Vietnam by default)."""
        day = day or local_today()
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
        # Names the campaign for outreach.campaigns.tracking (page views, QR arrivals), also on
        # responses served later from the page cache (the header is stored with the page).
        response[CAMPAIGN_PAGE_HEADER] = str(self.pk)
        return response


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

    Resolved to people in one query by ``audiences.segment_people``.
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
    """Views of a campaign page per day, counted on our server (``tracking.py``)."""

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
