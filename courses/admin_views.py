"""Admin report: "Was this helpful?" results per page, with the comments."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from .models import Feedback


def _check(request):
    if not request.user.has_perm("courses.view_feedback"):
        raise PermissionDenied


def feedback_report(request):
    """Pages with feedback, least helpful first: yes/no counts and the share of "yes"."""
    _check(request)
    rows = (
        Feedback.objects.values("page_id", "page__title")
        .annotate(
            yes=Count("pk", filter=Q(helpful=True)),
            no=Count("pk", filter=Q(helpful=False)),
            comments=Count("pk", filter=~Q(comment="")),
            latest=Max("created_at"),
        )
        .order_by("-no", "page__title")
    )
    page_obj = Paginator(rows, 50).get_page(request.GET.get("p"))
    for row in page_obj:
        total = row["yes"] + row["no"]
        row["helpful_percent"] = round(100 * row["yes"] / total) if total else 0
    return TemplateResponse(
        request, "courses/admin/feedback_report.html", {"page_obj": page_obj, "title": _("Was this helpful?")}
    )


def feedback_detail(request, page_id):
    _check(request)
    page = get_object_or_404(Page, pk=page_id)
    entries = Feedback.objects.filter(page=page).order_by("-created_at")
    page_obj = Paginator(entries, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "courses/admin/feedback_detail.html",
        {"page": page, "page_obj": page_obj, "title": _("Feedback on “%(title)s”") % {"title": page.title}},
    )
