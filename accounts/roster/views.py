"""Admin views of roster imports: upload, dry run, import, progress, past imports, sample file.

Every view needs ``accounts.add_rosterimport`` (training administrators and superusers).
Wagtail wraps them (``register_admin_urls``): anonymous visitors are sent to sign in, people
without admin access are turned away.
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin import messages

from ..models import RosterImport
from .invitations import activation_counts, imported_people, invitations_send_start, not_activated, with_invitation
from .messages import roster_file_error, roster_summary_changes, roster_summary_errors
from .planning import LIST_CAP
from .reading import max_upload_bytes, roster_sample_csv
from .services import roster_import_apply_start, roster_import_can_apply, roster_import_create

PERMISSION = "accounts.add_rosterimport"
ERRORS_PER_PAGE = 100
REFRESH_SECONDS = 2


def _check(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        error_messages={
            "required": _("Choose the roster file to upload."),
            "empty": _("The file is empty."),
            "invalid": _("No file was uploaded. Choose the file again."),
        },
    )
    full_roster = forms.BooleanField(
        label=_("Full roster: deactivate people missing from the file"),
        required=False,
        help_text=_(
            "Tick this only when the file lists every civil servant. Civil servants with an employee code who "
            "are not in it are deactivated: they can no longer sign in, and their records and training history "
            "are kept (nobody is deleted). They are reactivated if a later file lists them again."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "A CSV file (UTF-8) or an Excel workbook (.xlsx) from the HR office, at most %(limit)s. Columns: full "
            "name, employee code, email and/or phone, unit code, position, start date (headers in Vietnamese or "
            "English)."
        ) % {"limit": filesizeformat(max_upload_bytes())}
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,text/csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise ValidationError(
                gettext("The file is %(size)s: the limit is %(limit)s. Split it into smaller files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(max_upload_bytes())},
                code="too_big",
            )
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise ValidationError(
                _("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."),
                code="extension",
            )
        return upload


def roster_index(request):
    """Past imports, newest first."""
    _check(request)
    imports = RosterImport.objects.defer("content").select_related("uploaded_by").order_by("-uploaded_at", "-pk")
    page_obj = Paginator(imports, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "accounts/roster/admin/index.html",
        {"title": _("Roster imports"), "page_obj": page_obj},
    )


@require_http_methods(["GET", "POST"])
def roster_upload(request):
    _check(request)
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            roster_import = roster_import_create(
                user=request.user,
                file_name=upload.name,
                content=upload.read(),
                full_roster=form.cleaned_data["full_roster"],
            )
            return redirect("accounts_roster_detail", pk=roster_import.pk)
    else:
        form = RosterUploadForm()
    return TemplateResponse(request, "accounts/roster/admin/upload.html", {"title": _("Upload a roster"), "form": form})


def roster_detail(request, pk):
    """Progress while checking or importing; then the dry run (or what was imported)."""
    _check(request)
    roster_import = get_object_or_404(RosterImport.objects.defer("content").select_related("uploaded_by"), pk=pk)
    context = {"roster_import": roster_import, "title": _("Roster import: %(name)s") % {"name": roster_import}}
    if roster_import.status in (RosterImport.Status.CHECKING, RosterImport.Status.APPLYING):
        total = roster_import.total_rows
        done = min(roster_import.processed_rows, total) if total else 0
        context.update(
            refresh_seconds=REFRESH_SECONDS,
            done=done,
            total=total,
            percent=round(100 * done / total) if total else 0,
            writing=roster_import.status == RosterImport.Status.APPLYING and total and done >= total,
        )
        return TemplateResponse(request, "accounts/roster/admin/progress.html", context)

    summary = roster_import.summary or {}
    counts = summary.get("counts") or {}
    errors = roster_summary_errors(summary)
    errors_page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("p"))
    lists = []
    for key, label, total in (
        ("create", _("New people"), counts.get("create", 0)),
        ("update", _("Changed"), counts.get("update", 0)),
        ("reactivate", _("Reactivated"), counts.get("reactivate", 0)),
        ("deactivate", _("Deactivated (not deleted)"), counts.get("deactivate", 0)),
    ):
        items = summary.get(key) or []
        if key in ("update", "reactivate"):
            items = [[*item[:3], roster_summary_changes(item[3])] for item in items]
        lists.append({"key": key, "label": label, "items": items, "total": total, "more": total - len(items)})
    context.update(
        summary=summary,
        counts=counts,
        errors_page=errors_page,
        errors_not_stored=max(0, counts.get("errors", 0) - len(errors)),
        lists=lists,
        list_cap=LIST_CAP,
        file_error=roster_file_error(summary),
        can_apply=roster_import_can_apply(roster_import=roster_import),
        applied=roster_import.status == RosterImport.Status.APPLIED,
    )
    if context["applied"]:
        context["activation"] = activation_counts()
    return TemplateResponse(request, "accounts/roster/admin/result.html", context)


@require_POST
def roster_apply(request, pk):
    _check(request)
    roster_import = get_object_or_404(RosterImport.objects.defer("content"), pk=pk)
    roster_import, started = roster_import_apply_start(import_id=roster_import.pk)
    if not started:
        messages.warning(request, _("This file is being imported or was already imported, or it cannot be imported."))
    elif roster_import.status == RosterImport.Status.APPLIED:
        messages.success(request, _("The roster was imported."))
    elif roster_import.status == RosterImport.Status.FAILED:
        messages.error(request, _("Nothing was imported."))
    return redirect("accounts_roster_detail", pk=roster_import.pk)


def roster_sample(request):
    """A CSV file with the expected headers (in the admin's language) and two example rows."""
    _check(request)
    language = "vi" if (translation.get_language() or "vi").startswith("vi") else "en"
    response = HttpResponse(roster_sample_csv(language), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="roster-sample.csv"'
    return response


# Activation: who has not chosen a password yet, and invitations ------------------------------------

ACTIVATION_FILTERS = {
    "not_activated": _("Not activated"),
    "activated": _("Activated"),
    "all": _("Everyone imported"),
}


def roster_activation(request):
    """The imported people, activated or not (filter), with counts; invite those who are not."""
    _check(request)
    shown = request.GET.get("status")
    shown = shown if shown in ACTIVATION_FILTERS else "not_activated"
    people = imported_people()
    if shown == "not_activated":
        people = not_activated(people)
    elif shown == "activated":
        people = people.exclude(pk__in=not_activated().values("pk"))
    people = (
        with_invitation(people)
        .select_related("organisation_unit")
        .annotate(activated=~Exists(not_activated().filter(pk=OuterRef("pk"))))
    )
    page_obj = Paginator(people.order_by("full_name", "pk"), 50).get_page(request.GET.get("p"))
    context = {
        "title": _("Activation of imported accounts"),
        "page_obj": page_obj,
        "counts": activation_counts(),
        "filters": ACTIVATION_FILTERS,
        "shown": shown,
    }
    return TemplateResponse(request, "accounts/roster/admin/activation.html", context)


@require_POST
def roster_invite(request):
    """Send (or send again) invitations: to the people ticked, or to everyone not activated."""
    _check(request)
    if request.POST.get("everyone"):
        user_ids = None
    else:
        user_ids = [int(value) for value in request.POST.getlist("user") if value.isdigit() and len(value) < 12]
        if not user_ids:
            messages.error(request, _("Tick the people to invite, or invite everyone not activated."))
            return redirect("accounts_roster_activation")
    with transaction.atomic():
        queued = invitations_send_start(user_ids=user_ids, by=request.user)
    if queued:
        messages.success(
            request,
            ngettext(
                "An invitation is being sent to %(count)s person.",
                "Invitations are being sent to %(count)s people.",
                queued,
            )
            % {"count": queued},
        )
    else:
        messages.warning(request, _("Nobody to invite: everyone chosen has activated their account already."))
    return redirect("accounts_roster_activation")
