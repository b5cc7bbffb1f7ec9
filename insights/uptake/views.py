"""Admin views of the one-stop system's figures: upload and check, import, the sample file, the section's exports.

Importing needs ``insights.import_uptake`` (the training office; superusers). The exports follow the
dashboard's rules (``insights.views``: its permission, scope and suppression). Wagtail wraps them
(``register_admin_urls``): anonymous visitors are sent to sign in; anyone else without the permission
gets a 403 (``importers_only``).
"""

from functools import wraps

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.defaults import permission_denied
from wagtail.admin import messages

from core.exports import export_format, export_response, form_errors_text

from ..models import UptakeImport
from ..scope import scope_paths
from ..views import DashboardForm, _allowed, _unit
from .dashboard import EXPORTS, uptake_choices, uptake_tables
from .messages import uptake_file_error, uptake_summary_errors
from .reading import max_upload_bytes, uptake_sample_csv
from .selectors import sample_codes
from .services import uptake_import_apply, uptake_import_can_apply, uptake_import_create

PERMISSION = "insights.import_uptake"
ERRORS_PER_PAGE = 100


def importers_only(view):
    """Refuse everyone without ``insights.import_uptake`` with a real 403 (Wagtail would redirect instead)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return permission_denied(request, PermissionDenied())
        return view(request, *args, **kwargs)

    return wrapped


class UptakeUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of figures"),
        error_messages={
            "required": _("Choose the file to upload."),
            "empty": _("The file is empty."),
            "invalid": _("No file was uploaded. Choose the file again."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "A CSV file (UTF-8) or an Excel workbook (.xlsx) from the provincial one-stop system, at most "
            "%(limit)s. Columns: procedure code, unit code, month (03/2026 or 2026-03), applications online, "
            "applications on paper (headers in Vietnamese or English)."
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
            raise ValidationError(_("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."), code="extension")
        return upload


@require_http_methods(["GET", "POST"])
@importers_only
def uptake_upload(request):
    """The upload form, and the past uploads (newest first)."""
    if request.method == "POST":
        form = UptakeUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            created = uptake_import_create(user=request.user, file_name=upload.name, content=upload.read())
            return redirect("insights_uptake_detail", pk=created.pk)
    else:
        form = UptakeUploadForm()
    imports = UptakeImport.objects.defer("content").select_related("uploaded_by")
    page_obj = Paginator(imports, 20).get_page(request.GET.get("p"))
    context = {"title": _("Online service figures"), "form": form, "page_obj": page_obj}
    return TemplateResponse(request, "insights/uptake/upload.html", context, status=400 if form.errors else 200)


@require_safe
@importers_only
def uptake_detail(request, pk):
    """The check (dry run) of an upload, or what it imported."""
    upload = get_object_or_404(UptakeImport.objects.defer("content").select_related("uploaded_by"), pk=pk)
    summary = upload.summary or {}
    errors = uptake_summary_errors(summary)
    context = {
        "title": _("Online service figures: %(name)s") % {"name": upload},
        "upload": upload,
        "summary": summary,
        "counts": summary.get("counts") or {},
        "errors_page": Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("p")),
        "errors_not_stored": max(0, (summary.get("counts") or {}).get("errors", 0) - len(errors)),
        "file_error": uptake_file_error(summary),
        "can_apply": uptake_import_can_apply(upload=upload),
        "applied": upload.status == UptakeImport.Status.APPLIED,
    }
    return TemplateResponse(request, "insights/uptake/detail.html", context)


@require_POST
@importers_only
def uptake_apply(request, pk):
    upload = get_object_or_404(UptakeImport.objects.defer("content"), pk=pk)
    upload, imported = uptake_import_apply(import_id=upload.pk)
    if imported:
        messages.success(request, _("The figures were imported."))
    elif upload.status == UptakeImport.Status.FAILED:
        messages.error(request, _("Nothing was imported."))
    else:
        messages.warning(request, _("This file was already imported, or it cannot be imported."))
    return redirect("insights_uptake_detail", pk=upload.pk)


@require_safe
@importers_only
def uptake_sample(request):
    """A CSV file with the expected headers (in the admin's language) and two example rows of this site's codes."""
    language = "vi" if (translation.get_language() or "vi").startswith("vi") else "en"
    response = HttpResponse(uptake_sample_csv(language, codes=sample_codes()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="online-service-figures-sample.csv"'
    return response


@require_safe
def uptake_export(request, table, fmt):
    """The section's months or before-and-after table as CSV or XLSX, with the viewer's scope and suppression."""
    scope, suppress = _allowed(request)
    fmt = export_format(fmt)
    if table not in EXPORTS:
        raise Http404
    form = DashboardForm(request.GET)
    unit = _unit(form, scope) if form.is_valid() else None
    if form.errors:
        return HttpResponseBadRequest(form_errors_text(form), content_type="text/plain; charset=utf-8")
    paths = scope_paths(scope=scope, unit=unit)
    choices, _services, service = uptake_choices(data=request.GET, paths=paths)
    if choices.errors:
        return HttpResponseBadRequest(form_errors_text(choices), content_type="text/plain; charset=utf-8")
    tables = uptake_tables(form=choices, paths=paths, service=service, suppress=suppress)
    chosen = tables["months" if table == "months" else "before_after"]
    name = f"uptake-{table}-{unit.code if unit else 'all'}-{service.pk if service else 'all'}"
    return export_response(EXPORTS[table](chosen), fmt, name, request=request)
