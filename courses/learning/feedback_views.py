"""Feedback ("Was this helpful?"): a visitor's answer on a tutorial or lesson, and the admin report of the answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from accounts.decorators import csrf_protect_signed_in

from . import services
from .models import Feedback
from .pages import LessonPage, TutorialPage

# A visitor's answer ------------------------------------------------------------------

FEEDBACK_SESSION_KEY = "kns_feedback"


@require_POST
@csrf_protect_signed_in
def feedback(request, page_id):
    page = Page.objects.live().public().filter(pk=page_id).specific().first()
    if not isinstance(page, TutorialPage | LessonPage):
        raise Http404
    helpful = request.POST.get("helpful")
    if helpful not in {"yes", "no"}:
        messages.error(request, gettext("Choose “Yes” or “No”."))
        return redirect(page.url)
    given = set(request.session.get(FEEDBACK_SESSION_KEY, []))
    if page.pk not in given:
        services.feedback_record(
            page=page, user=request.user, helpful=helpful == "yes", comment=request.POST.get("comment", "")
        )
        request.session[FEEDBACK_SESSION_KEY] = sorted(given | {page.pk})
    messages.success(request, gettext("Thank you for your feedback."))
    return redirect(page.url)


# The admin report ----------------------------------------------------------------------


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
        request, "courses/learning/admin/feedback_report.html", {"page_obj": page_obj, "title": _("Was this helpful?")}
    )


def feedback_detail(request, page_id):
    _check(request)
    page = get_object_or_404(Page, pk=page_id)
    entries = Feedback.objects.filter(page=page).order_by("-created_at")
    page_obj = Paginator(entries, 50).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "courses/learning/admin/feedback_detail.html",
        {"page": page, "page_obj": page_obj, "title": _("Feedback on “%(title)s”") % {"title": page.title}},
    )
