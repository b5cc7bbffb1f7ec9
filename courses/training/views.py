"""A civil servant's mandatory training, extension requests, and managers' decisions on them."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.selectors import managed_unit_paths

from . import services
from .models import ExtensionRequest
from .selectors import can_decide, extension_requests_to_decide, my_training_for, own_assignment


class ExtensionRequestForm(forms.Form):
    requested_due_on = forms.DateField(
        label=gettext_lazy("New due date"),
        help_text=gettext_lazy("Day/month/year, for example 31/12/2026."),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off"}, format="%d/%m/%Y"),
        error_messages={
            "required": gettext_lazy("Enter the new due date you are asking for."),
            "invalid": gettext_lazy("Enter a date as day/month/year, for example 31/12/2026."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Give the reason for the extension.")},
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("refuse", gettext_lazy("Refuse"))],
        error_messages={"required": gettext_lazy("Choose approve or refuse.")},
    )
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=2000, required=False)


@login_required
def my_training(request):
    return render(request, "courses/training/my_training.html", my_training_for(user=request.user))


@login_required
def extension_request(request, assignment_id):
    assignment = own_assignment(user=request.user, assignment_id=assignment_id)
    if assignment is None:
        raise Http404
    default_date = assignment.due_on + datetime.timedelta(days=30)
    form = ExtensionRequestForm(request.POST or None, initial={"requested_due_on": default_date})
    if request.method == "POST" and form.is_valid():
        try:
            services.extension_request_create(
                user=request.user,
                assignment=assignment,
                requested_due_on=form.cleaned_data["requested_due_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your request was sent to your unit's manager."))
            return redirect("courses:my_training")
    return render(request, "courses/training/extension_request.html", {"form": form, "assignment": assignment})


@login_required
def extension_decisions(request):
    if not managed_unit_paths(user=request.user):
        raise PermissionDenied
    return render(
        request,
        "courses/training/extension_decisions.html",
        {"requests": extension_requests_to_decide(user=request.user)},
    )


@require_POST
@login_required
def extension_decide(request, request_id):
    extension = get_object_or_404(ExtensionRequest.objects.select_related("assignment"), pk=request_id)
    if not can_decide(user=request.user, extension=extension):
        raise Http404  # Not "forbidden": do not confirm that another unit's request exists.
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("courses:extension_decisions")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.extension_decide(
            manager=request.user, extension=extension, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Extension approved.") if approve else _("Extension refused."))
    return redirect("courses:extension_decisions")
