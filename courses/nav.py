"""The learner's header links (core.nav, listed in ``SITE_ACCOUNT_LINKS``) and the welcome page's
links after sign-up (``ACCOUNTS_WELCOME_LINKS``)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import managed_units
from core.nav import AccountLink

from .learning.pages import CourseIndexPage, TutorialIndexPage


def account_links(request: HttpRequest) -> list[AccountLink]:
    links = [AccountLink(_("My learning"), reverse("courses:my_learning"))]
    if request.user.kind == "civil_servant":
        links.append(AccountLink(_("My training"), reverse("courses:my_training")))
    if managed_units(user=request.user):
        links.append(AccountLink(_("My units"), reverse("courses:team")))
    return links


def welcome_links(request: HttpRequest) -> list[AccountLink]:
    """What a newcomer can do: browse the tutorials and the courses, and find their learning later."""
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
