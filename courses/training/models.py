"""Mandatory training: requirements, assignments (one per person and cycle), their history, extensions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.localtime import local_today


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
        "courses.CoursePage", verbose_name=_("course"), on_delete=models.PROTECT, related_name="training_requirements"
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
            # Compliance roll-up and sub-trees (courses/training/compliance.py): ``unit_path LIKE 'prefix%'``
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
