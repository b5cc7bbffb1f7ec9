"""The learner's header links (core.nav, listed in ``SITE_ACCOUNT_LINKS``) and the welcome page's
links after sign-up (``ACCOUNTS_WELCOME_LINKS``)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import managed_units
from core.nav import AccountLink

from .learning.models import Audience, Enrolment
from .learning.pages import CourseIndexPage, CoursePage, TutorialIndexPage
from .learning.progress import session_progress


def account_links(request: HttpRequest) -> list[AccountLink]:
    links = [AccountLink(_("My learning"), reverse("courses:my_learning"))]
    if request.user.kind == "civil_servant":
        links.append(AccountLink(_("My training"), reverse("courses:my_training")))
    if _manages_units(request):
        links.append(AccountLink(_("My units"), reverse("courses:team")))
    return links


_MANAGES_UNITS = "_courses_manages_units"


def _manages_units(request: HttpRequest) -> bool:
    """Whether the signed-in person manages a unit, asked once per request (the header renders on every page)."""
    answer = getattr(request, _MANAGES_UNITS, None)
    if answer is None:
        answer = bool(managed_units(user=request.user))
        setattr(request, _MANAGES_UNITS, answer)
    return answer


def _course_to_start(request: HttpRequest) -> AccountLink | None:
    """The course a newcomer is in (enrolled on the way in), else the first open course without prerequisites."""
    enrolment = (
        Enrolment.objects.filter(user=request.user, archived_at=None, completed_at=None)
        .select_related("course")
        .order_by("-enrolled_at", "-pk")
        .first()
    )
    if enrolment is not None and enrolment.course.live:
        return AccountLink(
            _("Continue your course: %(title)s") % {"title": enrolment.course.title}, enrolment.course.url
        )
    audiences = [
        Audience.EVERYONE,
        Audience.CITIZENS if request.user.kind != "civil_servant" else Audience.CIVIL_SERVANTS,
    ]
    course = (
        CoursePage.objects.live()
        .public()
        .filter(audience__in=audiences, prerequisites__isnull=True)
        .order_by("path")
        .first()
    )
    if course is None:
        return None
    return AccountLink(_("A course to start with: %(title)s") % {"title": course.title}, course.get_url(request))


def welcome_first_steps(request: HttpRequest) -> list[AccountLink]:
    """The welcome page's first step (``ACCOUNTS_WELCOME_FIRST_STEPS``): a course to start."""
    course = _course_to_start(request)
    return [course] if course is not None else []


def welcome_links(request: HttpRequest) -> list[AccountLink]:
    """More for a newcomer to explore (``ACCOUNTS_WELCOME_LINKS``): the tutorials, the courses, My learning."""
    links = []
    for model, label in (
        (TutorialIndexPage, _("Browse the step-by-step tutorials")),
        (CourseIndexPage, _("Browse the courses")),
    ):
        index = model.objects.live().public().order_by("path").first()
        if index is not None:
            links.append(AccountLink(label, index.get_url(request)))
    links.append(AccountLink(_("My learning: your courses and certificates"), reverse("courses:my_learning")))
    return links


def sign_in_notes(request: HttpRequest) -> list[str]:
    """On the sign-in and sign-up pages (``ACCOUNTS_SIGN_IN_NOTES``): the courses this visitor asked to
    start, in which they will be enrolled once signed in (``session_progress_claim``)."""
    pending = session_progress(session=request.session)["courses"] if hasattr(request, "session") else []
    if not pending:
        return []
    titles = CoursePage.objects.live().public().filter(pk__in=pending).order_by("path").values_list("title", flat=True)
    return [
        _("You will be enrolled in the course “%(title)s” as soon as you are signed in.") % {"title": title}
        for title in titles
    ]
