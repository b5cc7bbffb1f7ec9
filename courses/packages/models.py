"""Learning packages (SCORM 1.2, SCORM 2004, H5P) uploaded by staff, and each learner's attempt at one.

A package's files live in Django's ``default_storage`` under ``storage_prefix``; the row holds what the
upload read from its manifest. An attempt holds the runtime data (SCORM's CMI, or H5P's state) of one
person in one lesson, so the learner resumes where they left off (docs/packages.md).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.search import index


class Standard(models.TextChoices):
    SCORM12 = "scorm12", _("SCORM 1.2")
    SCORM2004 = "scorm2004", _("SCORM 2004 (4th edition)")
    H5P = "h5p", _("H5P")


class LearningPackage(index.Indexed, models.Model):
    """An uploaded package: its manifest's facts and where its files are stored."""

    title = models.CharField(_("title"), max_length=255)
    identifier = models.CharField(
        _("identifier"), max_length=255, help_text=_("The package's own identifier, from its manifest.")
    )
    standard = models.CharField(_("standard"), max_length=10, choices=Standard.choices)
    version = models.CharField(_("version"), max_length=100, blank=True)
    launch_path = models.CharField(_("launch file"), max_length=1000)
    manifest = models.JSONField(_("manifest summary"), default=dict, blank=True)
    file_count = models.PositiveIntegerField(_("number of files"), default=0)
    total_size = models.PositiveBigIntegerField(_("total size (bytes)"), default=0)
    storage_prefix = models.CharField(_("storage prefix"), max_length=255, unique=True, editable=False)
    original_filename = models.CharField(_("uploaded file"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    search_fields = [index.SearchField("title"), index.AutocompleteField("title")]

    class Meta:
        verbose_name = _("learning package")
        verbose_name_plural = _("learning packages")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def is_scorm(self) -> bool:
        return self.standard in (Standard.SCORM12, Standard.SCORM2004)


class PackageAttempt(models.Model):
    """One person's attempt at a package in a lesson: the runtime data, and the result read from it.

    At most one attempt is open per person, lesson and package (``closed_at`` empty); a finished
    attempt is closed and the next launch opens a new one.
    """

    class Completion(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        NOT_ATTEMPTED = "not attempted", _("Not attempted")
        INCOMPLETE = "incomplete", _("Incomplete")
        COMPLETED = "completed", _("Completed")

    class Success(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(_("attempt id"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="package_attempts")
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE, related_name="package_attempts")
    package = models.ForeignKey(LearningPackage, on_delete=models.CASCADE, related_name="attempts")
    cmi = models.JSONField(_("runtime data"), default=dict, blank=True)
    completion_status = models.CharField(
        _("completion"), max_length=20, choices=Completion.choices, default=Completion.NOT_ATTEMPTED
    )
    success_status = models.CharField(_("success"), max_length=10, choices=Success.choices, default=Success.UNKNOWN)
    score_raw = models.FloatField(_("raw score"), null=True, blank=True)
    score_min = models.FloatField(_("minimum score"), null=True, blank=True)
    score_max = models.FloatField(_("maximum score"), null=True, blank=True)
    score_scaled = models.FloatField(_("scaled score"), null=True, blank=True)
    session_seconds = models.FloatField(_("time spent (seconds)"), default=0)
    # What was last announced (events.package_finished): announced again only when the result changes.
    announced_result = models.JSONField(_("announced result"), null=True, blank=True, editable=False)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("package attempt")
        verbose_name_plural = _("package attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson", "package"],
                condition=Q(closed_at__isnull=True),
                name="courses_packageattempt_one_open",
            ),
            models.CheckConstraint(
                condition=Q(score_scaled__isnull=True) | Q(score_scaled__gte=-1, score_scaled__lte=1),
                name="courses_packageattempt_scaled_range",
            ),
        ]
        indexes = [models.Index(fields=["user", "lesson"], name="courses_packageattempt_lookup")]

    def __str__(self):
        return f"{self.user_id} – {self.lesson_id}/{self.package_id}"
