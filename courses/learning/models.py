"""What learners do and what the pages show besides the pages: public services, progress, feedback.

The page types (tutorials, courses, lessons) are in ``pages``: their ``get_context`` reads progress
through ``progress``, which reads these models, so the models here name the pages by string
(``"courses.CoursePage"``) and never import them. The app's ``courses/models.py`` imports both.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page
from wagtail.search import index


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


class TutorialPageTag(TaggedItemBase):
    content_object = ParentalKey("courses.TutorialPage", related_name="tagged_items", on_delete=models.CASCADE)


# Progress ------------------------------------------------------------------


class Enrolment(models.Model):
    """A learner taking a course. One per learner and course; completion is recorded once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    last_lesson = models.ForeignKey(
        "courses.LessonPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last lesson"),
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
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="completions")
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="lesson_completions")
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
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE, related_name="quiz_attempts")
    lesson = models.ForeignKey(
        "courses.LessonPage",
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
    tutorial = models.ForeignKey("courses.TutorialPage", on_delete=models.CASCADE, related_name="completions")
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
    per-day counters in Redis moved here every minute by beat) is ``core.page_views``,
    the one page-view counter of the site. Views are anonymous: they belong to no unit.
    """

    tutorial = models.ForeignKey(
        "courses.TutorialPage", verbose_name=_("tutorial"), on_delete=models.CASCADE, related_name="page_views"
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("tutorial page views")
        verbose_name_plural = _("tutorial page views")
        constraints = [models.UniqueConstraint(fields=["tutorial", "day"], name="courses_tutorialpageview_day")]

    def __str__(self):
        return f"{self.tutorial_id} {self.day}: {self.views}"


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


class SubmissionKey(models.Model):
    """A learner's submission already recorded: the key its browser gave it (docs/offline.md).

    Forms sent again (a queue replayed when the connection returns, twice from two tabs) carry the
    same key, and a key seen before records nothing. Kept ``SUBMISSION_KEY_DAYS``, then pruned.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submission_keys")
    key = models.UUIDField(_("key"))
    action = models.CharField(_("action"), max_length=40)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="courses_submissionkey_once")]
        indexes = [models.Index(fields=["user", "created_at"], name="courses_submissionkey_age")]

    def __str__(self):
        return f"{self.user_id}: {self.action} {self.key}"
