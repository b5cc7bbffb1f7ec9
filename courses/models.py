"""What people learn: public services, tutorials, courses, lessons, quizzes, progress, certificates."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from accounts.models import User
from core.codes import READABLE_ALPHABET, readable_code_new
from core.localtime import local_today
from core.search import FoldedSearchMixin, folded_index_fields

from .blocks import ContentStreamBlock, LessonStreamBlock, QuizStreamBlock


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Citizens and civil servants")
    CITIZENS = "citizens", _("Citizens")
    CIVIL_SERVANTS = "civil_servants", _("Civil servants")


class PublicService(index.Indexed, models.Model):
    """An online public service that tutorials teach and campaigns promote."""

    class OnlineLevel(models.TextChoices):
        PARTIAL = "partial", _("Partly online")
        FULL = "full", _("Fully online")

    name = models.CharField(_("name"), max_length=255)
    agency = models.CharField(_("responsible agency"), max_length=255)
    online_level = models.CharField(
        _("online level"), max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.FULL
    )
    procedure_code = models.CharField(_("procedure code"), max_length=50, blank=True)
    official_url = models.URLField(_("official link"), max_length=500)

    panels = [
        FieldPanel("name"),
        FieldPanel("agency"),
        FieldPanel("online_level"),
        FieldPanel("procedure_code"),
        FieldPanel("official_url"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("agency"),
        index.FilterField("online_level"),
    ]

    class Meta:
        verbose_name = _("public service")
        verbose_name_plural = _("public services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_code"],
                condition=~Q(procedure_code=""),
                name="courses_publicservice_procedure_code_unique",
            )
        ]

    def __str__(self):
        return self.name


class TutorialIndexPage(FoldedSearchMixin, Page):
    """Lists the tutorials below it, newest first, filtered and paginated."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *folded_index_fields()]
    folded_search_fields = ("title", "intro")

    # The home page lives in the higher "outreach" layer: referenced by name only.
    parent_page_types = settings.SITE_SECTION_PARENT_PAGE_TYPES  # the site's home page (lms wires it)
    subpage_types = ["courses.TutorialPage"]
    max_count_per_parent = 1
    page_size = 12

    class Meta:
        verbose_name = _("tutorial index")

    def tutorials(self):
        return (
            TutorialPage.objects.child_of(self)
            .live()
            .public()
            .select_related("public_service")
            .order_by("-first_published_at", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        from .selectors import tutorials_filter

        context = super().get_context(request, *args, **kwargs)
        tutorials, filters = tutorials_filter(self.tutorials(), request.GET)
        paginator = Paginator(tutorials, self.page_size)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except (PageNotAnInteger, EmptyPage):
            page_obj = paginator.page(1)
        context.update(page_obj=page_obj, filters=filters)
        return context


class TutorialPageTag(TaggedItemBase):
    content_object = ParentalKey("courses.TutorialPage", related_name="tagged_items", on_delete=models.CASCADE)


# The response header naming the tutorial a response shows: read (and removed) by the page-view
# counter, which lives in ``outreach`` with the campaign pages' counter (a higher layer may read
# a lower layer's header; the name is here because the lower layer sets it).
TUTORIAL_PAGE_HEADER = "X-Tutorial-Page"


class TutorialPage(FoldedSearchMixin, Page):
    """A step-by-step guide to one online public service or one digital skill."""

    class Difficulty(models.TextChoices):
        BASIC = "basic", _("Basic")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    summary = models.TextField(_("summary"), help_text=_("One or two sentences shown in lists and search results."))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    difficulty = models.CharField(_("difficulty"), max_length=20, choices=Difficulty.choices, default=Difficulty.BASIC)
    public_service = models.ForeignKey(
        PublicService,
        verbose_name=_("public service"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tutorials",
    )
    tags = ClusterTaggableManager(through=TutorialPageTag, blank=True, verbose_name=_("tags"))
    body = StreamField(ContentStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("estimated_minutes"),
                FieldPanel("difficulty"),
                FieldPanel("public_service"),
                FieldPanel("tags"),
            ],
            heading=_("About this tutorial"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("audience"),
        index.FilterField("public_service"),
        *folded_index_fields(),
    ]
    folded_search_fields = ("title", "summary", "body")

    parent_page_types = ["courses.TutorialIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("tutorial")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # Names the tutorial for the page-view counter (``outreach.campaign_tracking``, outside the
        # page cache), also on responses served later from the cache (the header is stored with the page).
        response[TUTORIAL_PAGE_HEADER] = str(self.pk)
        return response

    def get_context(self, request, *args, **kwargs):
        from .selectors import tutorial_is_done

        context = super().get_context(request, *args, **kwargs)
        context["tutorial_done"] = tutorial_is_done(request, self)
        return context


class CourseIndexPage(FoldedSearchMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *folded_index_fields()]
    folded_search_fields = ("title", "intro")

    parent_page_types = settings.SITE_SECTION_PARENT_PAGE_TYPES  # the site's home page (lms wires it)
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course index")

    def courses(self):
        return CoursePage.objects.child_of(self).live().public().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = self.courses()
        return context


class CoursePage(FoldedSearchMixin, Page):
    """A course: ordered lessons (its child pages) and an optional final test."""

    summary = models.TextField(_("summary"))
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE)
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=30, validators=[MinValueValidator(1), MaxValueValidator(6000)]
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The score, in per cent, needed to pass a quiz of this course."),
    )
    issues_certificate = models.BooleanField(_("issues a certificate"), default=True)
    certificate_validity_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: the certificate does not expire. Set it for training that must be renewed."),
    )
    prerequisites = ParentalManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name=_("prerequisites"), related_name="required_by"
    )
    final_quiz = StreamField(
        QuizStreamBlock(),
        verbose_name=_("final test"),
        blank=True,
        help_text=_("Optional. Taken after all lessons; passing it at the pass mark completes the course."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("estimated_minutes"),
                FieldPanel("pass_mark"),
                FieldPanel("issues_certificate"),
                FieldPanel("certificate_validity_months"),
                FieldPanel("prerequisites"),
            ],
            heading=_("About this course"),
        ),
        FieldPanel("final_quiz"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), *folded_index_fields()]
    folded_search_fields = ("title", "summary")

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")

    def lessons(self):
        """Live lessons in the order editors arranged them."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    @cached_property
    def live_lesson_ids(self):
        """Ids of the live lessons, in order (one query, then kept on this instance)."""
        return list(self.lessons().values_list("pk", flat=True))

    @cached_property
    def has_final_quiz(self):
        # The raw blocks' types: no block is converted (nor an image or snippet loaded) to know.
        return any(block["type"] == "question" for block in self.final_quiz.raw_data)

    def clean(self):
        super().clean()
        if self.pk and self.pk in {p.pk for p in self.prerequisites.all()}:
            raise ValidationError({"prerequisites": _("A course cannot be its own prerequisite.")})

    def get_context(self, request, *args, **kwargs):
        import uuid

        from .quiz import quiz_questions
        from .selectors import course_progress_for

        context = super().get_context(request, *args, **kwargs)
        progress = course_progress_for(request, self)
        context["progress"] = progress
        if self.has_final_quiz and progress.all_lessons_done and not progress.anonymous:
            context["questions"] = quiz_questions(self.final_quiz)
            context["token"] = uuid.uuid4()
        return context


class LessonPage(FoldedSearchMixin, Page):
    """One lesson of a course. Questions in its body form the lesson's quiz."""

    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=5, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("estimated_minutes"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body"), *folded_index_fields()]
    folded_search_fields = ("title", "body")

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")

    @cached_property
    def has_quiz(self):
        # The raw blocks' types: no block is converted (nor an image or snippet loaded) to know.
        return any(block["type"] == "question" for block in self.body.raw_data)

    @cached_property
    def course(self):
        # Wagtail's routing leaves the specific parent on the page (treebeard's parent cache).
        parent = self.__dict__.get("_cached_parent_obj")
        if isinstance(parent, CoursePage):
            return parent
        return CoursePage.objects.parent_of(self).get()

    def get_context(self, request, *args, **kwargs):
        import uuid

        from .quiz import quiz_questions
        from .selectors import course_progress_for, lesson_quiz_passed

        context = super().get_context(request, *args, **kwargs)
        progress = course_progress_for(request, self.course, current_lesson=self)
        previous, following = progress.neighbours(self)
        context.update(
            course=self.course,
            progress=progress,
            previous_lesson=previous,
            next_lesson=following,
            lesson_done=progress.is_done(self),
            questions=quiz_questions(self.body),
            quiz_passed=self.has_quiz and lesson_quiz_passed(request, self),
            token=uuid.uuid4(),
        )
        return context


# Progress ------------------------------------------------------------------


class Enrolment(models.Model):
    """A learner taking a course. One per learner and course; completion is recorded once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_lesson = models.ForeignKey(
        LessonPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("last lesson")
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Renewed training: the completed run is archived (its certificate stays) and a new one starts.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], condition=Q(archived_at__isnull=True), name="courses_enrolment_once"
            )
        ]
        indexes = [models.Index(fields=["course", "completed_at"], name="courses_enrolment_course_done")]

    def __str__(self):
        return f"{self.user} – {self.course}"


class LessonCompletion(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions")
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="completions")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="lesson_completions")
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="courses_lessoncompletion_once")]
        indexes = [models.Index(fields=["user", "course"], name="courses_lessondone_user_crs")]

    def __str__(self):
        return f"{self.user_id} – {self.lesson_id}"


# Before any real attempt: the lower bound when the learner never renewed the course.
_EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class QuizAttemptQuerySet(models.QuerySet):
    def of_current_run(self):
        """Attempts made since the learner's last renewal of the course (all of them if never renewed).

        One query: the latest archived enrolment's date is a correlated subquery.
        """
        archived = (
            Enrolment.objects.filter(user=OuterRef("user"), course=OuterRef("course"), archived_at__isnull=False)
            .order_by("-archived_at")
            .values("archived_at")[:1]
        )
        return self.filter(submitted_at__gt=Coalesce(Subquery(archived), Value(_EPOCH)))


class QuizAttempt(models.Model):
    """One submitted quiz, with its answers and score. Every attempt is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="quiz_attempts")
    lesson = models.ForeignKey(
        LessonPage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
        help_text=_("Empty for the course's final test."),
    )
    submission_token = models.UUIDField(_("submission token"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    objects = QuizAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(fields=["user", "submission_token"], name="courses_quizattempt_once_per_token"),
            models.CheckConstraint(condition=Q(score__lte=100), name="courses_quizattempt_score_max_100"),
        ]
        indexes = [models.Index(fields=["user", "course", "lesson"], name="courses_quizattempt_lookup")]

    def __str__(self):
        return f"{self.user_id} – {self.course_id}/{self.lesson_id}: {self.score}%"


class TutorialCompletion(models.Model):
    """A learner marked a tutorial as done."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutorial_completions")
    tutorial = models.ForeignKey(TutorialPage, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        verbose_name = _("tutorial completion")
        verbose_name_plural = _("tutorial completions")
        constraints = [models.UniqueConstraint(fields=["user", "tutorial"], name="courses_tutorialcompletion_once")]

    def __str__(self):
        return f"{self.user_id} – {self.tutorial_id}"


class TutorialPageView(models.Model):
    """Views of a tutorial page per local day, counted on our server (cache hits included).

    A fact about a courses page, so stored here; the counting (a middleware outside the page cache,
    per-day counters in Redis moved here every minute by beat) is ``outreach.campaign_tracking``,
    the one page-view counter of the site. Views are anonymous: they belong to no unit.
    """

    tutorial = models.ForeignKey(
        TutorialPage, verbose_name=_("tutorial"), on_delete=models.CASCADE, related_name="page_views"
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("tutorial page views")
        verbose_name_plural = _("tutorial page views")
        constraints = [models.UniqueConstraint(fields=["tutorial", "day"], name="courses_tutorialpageview_day")]

    def __str__(self):
        return f"{self.tutorial_id} {self.day}: {self.views}"


# Certificate codes: no look-alikes (no 0/O, 1/I/L), easy to read out and type.
CERTIFICATE_CODE_ALPHABET = READABLE_ALPHABET
CERTIFICATE_CODE_LENGTH = 12


def certificate_code_new():
    return readable_code_new(CERTIFICATE_CODE_LENGTH)


class Certificate(models.Model):
    """Issued once per completed enrolment of a course that grants one; verifiable by code."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="certificates")
    code = models.CharField(_("code"), max_length=20, unique=True, default=certificate_code_new, editable=False)
    # Snapshots: the certificate shows what was true when it was issued.
    learner_name = models.CharField(_("learner name"), max_length=255)
    course_title = models.CharField(_("course title"), max_length=255)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("issued_at")),
                name="courses_certificate_expires_after_issue",
            )
        ]

    def __str__(self):
        return f"{self.code} – {self.learner_name}"

    def status_at(self, moment=None):
        moment = moment or timezone.now()
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at is not None and self.expires_at <= moment:
            return self.Status.EXPIRED
        return self.Status.VALID

    @property
    def status(self):
        return self.status_at()


class Feedback(models.Model):
    """ "Was this helpful?" on a tutorial or lesson: yes/no and an optional comment."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [models.Index(fields=["page", "helpful"], name="courses_feedback_page_helpful")]

    def __str__(self):
        return f"{self.page_id}: {'+' if self.helpful else '-'}"


# Mandatory training --------------------------------------------------------------


class TrainingRequirement(models.Model):
    """A course that a group of civil servants must complete by a due date, maybe again and again.

    Who: organisation units (with or without their sub-units), optionally
    narrowed to positions and a kind of learner. When: a fixed date, or a
    number of days after the person was assigned or started work. Renewal:
    every N months, the new cycle opening a window of days before expiry.
    """

    class DueRule(models.TextChoices):
        FIXED = "fixed", _("On a fixed date")
        AFTER_ASSIGNED = "after_assigned", _("Days after being assigned")
        AFTER_START = "after_start", _("Days after starting work")

    name = models.CharField(_("name"), max_length=255)
    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.PROTECT, related_name="training_requirements"
    )
    units = models.ManyToManyField(
        "accounts.OrganisationUnit", verbose_name=_("organisation units"), related_name="training_requirements"
    )
    include_sub_units = models.BooleanField(_("include sub-units"), default=True)
    positions = models.TextField(
        _("positions"),
        blank=True,
        help_text=_("One position per line, as in the roster. Empty: every position."),
    )
    learner_kind = models.CharField(
        _("kind of learner"),
        max_length=20,
        choices=User.Kind.choices,
        blank=True,
        help_text=_("Empty: any kind."),
    )
    due_rule = models.CharField(_("due"), max_length=20, choices=DueRule.choices, default=DueRule.AFTER_ASSIGNED)
    due_on = models.DateField(_("due date"), null=True, blank=True, help_text=_("For a fixed due date."))
    due_days = models.PositiveSmallIntegerField(
        _("days to complete"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_("For a due date relative to the assignment or the start date."),
    )
    recertify_months = models.PositiveSmallIntegerField(
        _("renew every (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: completing once is enough."),
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal opens (days before expiry)"),
        default=30,
        validators=[MaxValueValidator(365)],
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive requirements assign nobody new; their history stays.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("training requirement")
        verbose_name_plural = _("training requirements")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(due_rule="fixed", due_on__isnull=False) | (~Q(due_rule="fixed") & Q(due_days__isnull=False))
                ),
                name="courses_trainingrequirement_due_complete",
                violation_error_message=_("Give the due date, or the number of days to complete."),
            ),
        ]

    def __str__(self):
        return self.name

    def position_list(self):
        return [line.strip() for line in self.positions.splitlines() if line.strip()]

    def clean(self):
        super().clean()
        if self.due_rule == self.DueRule.FIXED and self.due_on is None:
            raise ValidationError({"due_on": _("Give the due date.")})
        if self.due_rule != self.DueRule.FIXED and not self.due_days:
            raise ValidationError({"due_days": _("Give the number of days to complete.")})


class AssignmentState(models.TextChoices):
    """What a person sees: open assignments split by progress and due date."""

    OVERDUE = "overdue", _("Overdue")
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    EXEMPT = "exempt", _("Exempt")
    CANCELLED = "cancelled", _("No longer required")


def assignment_state_q(state, today):
    """The condition for an assignment to be in ``state`` (an AssignmentState value) on ``today``.

    The one definition every page and report uses (filtering on ``with_state``'s CASE
    costs PostgreSQL far more on large tables than these plain conditions).
    """
    if state == AssignmentState.OVERDUE:
        return Q(status="open", due_on__lt=today)
    if state == AssignmentState.NOT_STARTED:
        return Q(status="open", due_on__gte=today, started_at__isnull=True)
    if state == AssignmentState.IN_PROGRESS:
        return Q(status="open", due_on__gte=today, started_at__isnull=False)
    return Q(status=state)


class AssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)

    def overdue(self, today=None):
        return self.filter(status="open", due_on__lt=today or local_today())

    def state_filter(self, state, today=None):
        """Assignments in ``state`` (an AssignmentState value) on ``today``."""
        return self.filter(assignment_state_q(state, today or local_today()))

    def with_state(self, today=None):
        """Annotate ``state`` (an AssignmentState value) as of ``today``."""
        today = today or local_today()
        return self.annotate(
            state=models.Case(
                models.When(~Q(status="open"), then=models.F("status")),
                models.When(due_on__lt=today, then=models.Value(AssignmentState.OVERDUE.value)),
                models.When(started_at__isnull=False, then=models.Value(AssignmentState.IN_PROGRESS.value)),
                default=models.Value(AssignmentState.NOT_STARTED.value),
                output_field=models.CharField(),
            )
        )


class Assignment(models.Model):
    """One person's obligation to complete a requirement's course, for one cycle.

    Stored statuses are open, completed, exempt and cancelled (no longer
    required); "not started", "in progress" and "overdue" are open
    assignments seen through ``started_at`` and ``due_on``, so an assignment
    is overdue the day after its due date without any job having to run.
    Past cycles stay as history (``is_current`` false).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        EXEMPT = "exempt", _("Exempt")
        CANCELLED = "cancelled", _("No longer required")

    requirement = models.ForeignKey(
        TrainingRequirement, verbose_name=_("requirement"), on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="assignments"
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    is_current = models.BooleanField(_("current"), default=True)
    # The person's unit when last synchronised: the compliance roll-up groups by its path.
    unit = models.ForeignKey(
        "accounts.OrganisationUnit",
        verbose_name=_("organisation unit"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_path = models.CharField(_("unit path"), max_length=255, blank=True, editable=False)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    renews_on = models.DateField(
        _("renewal opens on"), null=True, blank=True, help_text=_("When the next cycle opens (renewed training).")
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    exempt_reason = models.TextField(_("reason for exemption"), blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["requirement", "user", "cycle"], name="courses_assignment_once_per_cycle"),
            models.UniqueConstraint(
                fields=["requirement", "user"], condition=Q(is_current=True), name="courses_assignment_one_current"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="courses_assignment_completed_has_date",
            ),
        ]
        indexes = [
            # Compliance roll-up and sub-trees (courses/compliance.py): ``unit_path LIKE 'prefix%'``
            # needs the pattern operator class on PostgreSQL (unless the collation is "C"); the
            # included columns let the report's filters (state, due dates, requirement) be checked
            # in the index (docs/performance.md).
            models.Index(
                fields=["unit_path"],
                opclasses=["varchar_pattern_ops"],
                include=["status", "due_on", "started_at", "requirement"],
                condition=Q(is_current=True),
                name="courses_assign_subtree",
            ),
            models.Index(
                fields=["requirement", "unit_path"], condition=Q(is_current=True), name="courses_assign_req_unit"
            ),
            models.Index(fields=["user", "is_current"], name="courses_assign_user"),
            models.Index(
                fields=["renews_on"], condition=Q(is_current=True, status="completed"), name="courses_assign_renew"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.requirement} ({self.cycle})"

    def state_on(self, today=None):
        """This assignment's AssignmentState on ``today`` (the site's local date)."""
        if self.status != self.Status.OPEN:
            return AssignmentState(self.status)
        if self.due_on < (today or local_today()):
            return AssignmentState.OVERDUE
        return AssignmentState.IN_PROGRESS if self.started_at else AssignmentState.NOT_STARTED


class AssignmentEvent(models.Model):
    """Every change to an assignment: who, when, why, before and after."""

    class Kind(models.TextChoices):
        COMPLETED = "completed", _("Completed the course")
        MARKED_COMPLETE = "marked_complete", _("Marked complete")
        EXEMPTED = "exempted", _("Exempted")
        REOPENED = "reopened", _("Reopened")
        EXTENDED = "extended", _("Due date extended")
        CANCELLED = "cancelled", _("No longer required")
        RENEWED = "renewed", _("New cycle opened")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    old_status = models.CharField(_("status before"), max_length=20, blank=True)
    new_status = models.CharField(_("status after"), max_length=20, blank=True)
    old_due_on = models.DateField(_("due date before"), null=True, blank=True)
    new_due_on = models.DateField(_("due date after"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment event")
        verbose_name_plural = _("assignment events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.assignment_id}: {self.kind}"


class ExtensionRequest(models.Model):
    """A civil servant asks for more time; a manager of their unit decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_due_on = models.DateField(_("new due date requested"))
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(status="pending"), name="courses_extension_one_pending"
            ),
        ]

    def __str__(self):
        return f"{self.assignment_id}: {self.requested_due_on}"
