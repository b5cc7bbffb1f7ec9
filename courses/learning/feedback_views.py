"""Feedback ("Was this helpful?"): a visitor's answer on a tutorial or lesson, and the admin report of the answers."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from wagtail.models import Page

from . import services
from .forms import FeedbackForm
from .models import Feedback
from .pages import LessonPage, TutorialPage

# A visitor's answer ------------------------------------------------------------------

FEEDBACK_SESSION_KEY = "kns_feedback"


@never_cache
@require_http_methods(["GET", "POST"])
def feedback(request, page_id):
    """ "Was this helpful?": a GET shows the form (with a CSRF token), a POST records the answer.

    Tutorial and lesson pages are served from the page cache to anonymous visitors, so they
    cannot carry anyone's CSRF token: their Yes/No buttons GET this page (never cached), which
    shows the chosen answer, a comment box and a token; sending it is the one extra click. Pages
    seen signed in carry a token and post here directly. The POST is CSRF-checked like every
    other form, once per page per browser session, and limited per client (``feedback_client``).
    """
    page = Page.objects.live().public().filter(pk=page_id).specific().first()
    if not isinstance(page, TutorialPage | LessonPage):
        raise Http404
    if request.method == "GET":
        form = FeedbackForm(initial={"helpful": request.GET.get("helpful")})
        return render(request, "courses/learning/feedback.html", {"page": page, "form": form})
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return render(request, "courses/learning/feedback.html", {"page": page, "form": form}, status=400)
    given = set(request.session.get(FEEDBACK_SESSION_KEY, []))
    if page.pk not in given:
        try:
            services.feedback_record(
                page=page,
                user=request.user,
                helpful=form.cleaned_data["helpful"] == "yes",
                comment=form.cleaned_data["comment"],
                client=services.feedback_client(request=request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(page.url)
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
