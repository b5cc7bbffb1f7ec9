"""What people learn: public services, tutorials, courses, lessons, quizzes, progress, certificates."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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

from .blocks import ContentStreamBlock, LessonStreamBlock, QuizStreamBlock
from .search import FoldedSearchMixin, folded_index_fields


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
    parent_page_types = ["outreach.HomePage"]
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

    parent_page_types = ["outreach.HomePage"]
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
    def has_final_quiz(self):
        return any(block.block_type == "question" for block in self.final_quiz)

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
        return any(block.block_type == "question" for block in self.body)

    @cached_property
    def course(self):
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

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="courses_enrolment_once")]
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


# Certificate codes: no look-alikes (no 0/O, 1/I/L), easy to read out and type.
CERTIFICATE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CERTIFICATE_CODE_LENGTH = 12


def certificate_code_new():
    return "".join(secrets.choice(CERTIFICATE_CODE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


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
