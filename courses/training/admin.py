"""Wagtail admin for mandatory training: requirements, assignments and their corrections.

Also the compliance report's admin URLs and menu item. Registered from ``courses.wagtail_hooks``
(this module's hooks run when it is imported there).
Training administrators hold the permissions (courses/migrations/0005_training_permissions.py).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, EditView, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import Button

from accounts.models import OrganisationUnit
from core.admin import (
    PermissionMenuItem,
    ReadableIndexView,
    ReadableInspectView,
    ReadableViewSet,
    RecordViewSet,
    choice_label,
)
from core.localtime import date_display, local_today

from . import compliance_views
from .models import Assignment, AssignmentEvent, TrainingRequirement
from .services import Correction, assignment_correct
from .tasks import requirement_saved

# Requirements --------------------------------------------------------------------------


class UnitChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.indented_name()} ({obj.code})"


class TrainingRequirementForm(forms.ModelForm):
    class Meta:
        model = TrainingRequirement
        fields = [
            "name",
            "course",
            "units",
            "include_sub_units",
            "positions",
            "learner_kind",
            "due_rule",
            "due_on",
            "due_days",
            "recertify_months",
            "renewal_window_days",
            "is_active",
        ]
        widgets = {"positions": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"units": UnitChoiceField}

    def __init__(self, *args, for_user=None, **kwargs):
        # Wagtail passes for_user to its admin forms.
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = OrganisationUnit.get_tree()
        self.fields["units"].widget.attrs["size"] = 12


class RequirementSaveMixin:
    def save_instance(self):
        instance = super().save_instance()
        requirement_saved(requirement=instance)
        return instance

    def get_success_message(self, instance=None):
        return _("Requirement '%(name)s' saved. Assignments are being created for everyone it applies to.") % {
            "name": instance or self.object
        }


class RequirementCreateView(RequirementSaveMixin, CreateView):
    pass


class RequirementEditView(RequirementSaveMixin, EditView):
    pass


class TrainingRequirementViewSet(ReadableViewSet):
    model = TrainingRequirement
    icon = "list-ul"
    menu_label = _("Requirements")
    add_view_class = RequirementCreateView
    edit_view_class = RequirementEditView
    list_display = ["name", "course", "due_rule", "recertify_months", "is_active"]
    list_filter = ["is_active", "course"]
    search_fields = ["name"]
    search_backend_name = None
    copy_view_enabled = False
    add_to_reference_index = False

    def get_form_class(self, for_update=False):
        return TrainingRequirementForm

    def get_permissions_to_register(self):
        # Requirements are never deleted here: their assignments are the compliance history.
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(TrainingRequirement),
            codename__in=["view_trainingrequirement", "add_trainingrequirement", "change_trainingrequirement"],
        )


# Assignments and corrections --------------------------------------------------------------


def _state_label(assignment):
    return assignment.state_on(local_today()).label


class AssignmentIndexView(ReadableIndexView):
    any_permission_required = ["view"]
    correct_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "requirement", "unit")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.correct_url_name and instance.is_current and self.user_has_permission("change"):
            buttons.append(
                MenuItem(
                    _("Correct the record"),
                    url=reverse(self.correct_url_name, args=[quote(instance.pk)]),
                    icon_name="edit",
                )
            )
        return buttons


class AssignmentInspectView(ReadableInspectView):
    correct_url_name = None
    template_name = "courses/training/admin/assignment_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = list(
            AssignmentEvent.objects.filter(assignment=self.object).select_related("actor").order_by("at", "pk")
        )
        status_field = Assignment._meta.get_field("status")
        for event in events:
            event.old_status_label = choice_label(status_field, event.old_status) if event.old_status else ""
            event.new_status_label = choice_label(status_field, event.new_status) if event.new_status else ""
        context["events"] = events
        context["extension_requests"] = list(
            self.object.extension_requests.select_related("requested_by", "decided_by").order_by("requested_at")
        )
        context["state"] = _state_label(self.object)
        return context

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons()
        if self.correct_url_name and self.object.is_current and self.user_has_permission("change"):
            buttons.append(
                Button(
                    _("Correct the record"),
                    url=reverse(self.correct_url_name, args=[quote(self.object.pk)]),
                    icon_name="edit",
                )
            )
        return buttons


class AssignmentCorrectionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Correction"),
        choices=[
            (Correction.MARK_COMPLETE, _("Mark complete (with evidence)")),
            (Correction.EXEMPT, _("Exempt")),
            (Correction.REOPEN, _("Reopen")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a correction.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with your name and the time, in the assignment's history."),
        error_messages={"required": _("Give the reason for this correction.")},
    )
    evidence = forms.CharField(
        label=_("Evidence of completion"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For 'mark complete': e.g. the number and date of a certificate from another training body."),
    )
    completed_on = forms.DateField(
        label=_("Completed on"),
        required=False,
        widget=AdminDateInput,
        help_text=_("For 'mark complete', as dd/mm/yyyy. Empty: today."),
        error_messages={"invalid": _("Enter a date as day/month/year, for example 31/12/2026.")},
    )
    due_on = forms.DateField(
        label=_("New due date"),
        required=False,
        widget=AdminDateInput,
        help_text=_("For 'reopen', as dd/mm/yyyy. Empty: unchanged."),
        error_messages={"invalid": _("Enter a date as day/month/year, for example 31/12/2026.")},
    )


class AssignmentCorrectView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    model = Assignment
    permission_required = "change"
    form_class = AssignmentCorrectionForm
    template_name = "courses/training/admin/assignment_correct.html"
    page_title = _("Correct a training record")
    header_icon = "edit"
    index_url_name = None
    inspect_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(
            Assignment.objects.select_related("user", "requirement"), pk=unquote(str(kwargs["pk"]))
        )

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Assignment._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": _("Correct the record"), "sublabel": str(self.object)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            state=_state_label(self.object),
            action_url=self.request.path,
            submit_button_label=_("Save the correction"),
            submit_button_active_label=_("Saving…"),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            assignment_correct(
                actor=self.request.user,
                assignment=self.object,
                action=data["action"],
                reason=data["reason"],
                evidence=data["evidence"],
                completed_on=data["completed_on"],
                due_on=data["due_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Correction saved in the record's history."))
        return redirect(reverse(self.inspect_url_name, args=[quote(self.object.pk)]))


class AssignmentViewSet(RecordViewSet):
    model = Assignment
    icon = "user"
    menu_label = _("Assignments")
    index_view_class = AssignmentIndexView
    inspect_view_class = AssignmentInspectView
    inspect_view_fields = [
        "user",
        "requirement",
        "cycle",
        "is_current",
        "unit",
        "assigned_at",
        "due_on",
        "status",
        "started_at",
        "completed_at",
        "expires_on",
        "exempt_reason",
    ]
    list_display = [
        "user",
        "requirement",
        "unit",
        Column("due_on", label=_("Due"), accessor=lambda a: date_display(a.due_on), sort_key="due_on"),
        Column("state", label=_("Status"), accessor=_state_label),
        "cycle",
    ]
    list_filter = ["requirement", "status", "is_current"]
    search_fields = ["user__full_name", "user__employee_code", "user__email", "user__phone"]
    search_backend_name = None
    ordering = ["due_on", "pk"]
    list_per_page = 50

    # Assignments come from requirements, never by hand; "change" is the permission to correct one.
    action_name = "correct"
    action_view_class = AssignmentCorrectView
    registered_codenames = ("view_assignment", "change_assignment")


class MandatoryTrainingGroup(ViewSetGroup):
    menu_label = _("Mandatory training")
    menu_icon = "group"
    menu_order = 230
    items = (
        TrainingRequirementViewSet("training_requirements", url_prefix="training/requirements"),
        AssignmentViewSet("training_assignments", url_prefix="training/assignments"),
    )


@hooks.register("register_admin_viewset")
def register_mandatory_training():
    return MandatoryTrainingGroup()


# Compliance report ---------------------------------------------------------------------
# Per-unit roll-up of mandatory training, the people behind it, CSV/XLSX exports
# (courses/training/compliance_views.py). For holders of courses.view_assignment.


@hooks.register("register_admin_urls")
def register_compliance_urls():
    return [
        path("compliance/", compliance_views.compliance_report, name="courses_compliance_report"),
        path("compliance/people/", compliance_views.compliance_people, name="courses_compliance_people"),
        path("compliance/export/<str:fmt>/", compliance_views.compliance_export, name="courses_compliance_export"),
        path(
            "compliance/people/export/<str:fmt>/",
            compliance_views.compliance_people_export,
            name="courses_compliance_people_export",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_compliance_menu_item():
    return PermissionMenuItem(
        _("Training compliance"),
        reverse("courses_compliance_report"),
        permission="courses.view_assignment",
        icon_name="tasks",
        order=230,
    )
