"""Where a person lands after signing in: the page where their work is.

An explicit ``next`` on this site wins (``redirect_target``: another host, a scheme or ``//…`` is
refused). Otherwise the rules listed in ``settings.ACCOUNTS_LANDING_RULES`` are asked in order,
each a dotted path to a function ``rule(*, request, user) -> str | None``; the first address wins,
and with none ``LOGIN_REDIRECT_URL`` (My learning). Higher floors list their own rules (the team
page, mandatory training, the operations dashboard) so accounts names none of them. Both sign-in
doors, the two-step pages and the welcome page after sign-up use ``landing_url``.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from . import roles
from .models import User

REDIRECT_FIELD_NAME = "next"
# The admin roles whose work is in the Wagtail admin (leaders and unit managers only read the dashboard there).
ADMIN_WORK_ROLES = (roles.COMMUNICATIONS_STAFF, roles.COMMUNICATIONS_LEAD, roles.TRAINING_ADMINISTRATOR)


def redirect_target(request: HttpRequest) -> str:
    """The ``next`` URL of the request if it is on this site, else ""."""
    url = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def landing_rule_url(*, request: HttpRequest, user: User) -> str:
    """The first address a landing rule gives for ``user``, else ``LOGIN_REDIRECT_URL`` (``next`` not read)."""
    for dotted_path in getattr(settings, "ACCOUNTS_LANDING_RULES", ()):
        url = import_string(dotted_path)(request=request, user=user)
        if url:
            return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def landing_url(*, request: HttpRequest, user: User) -> str:
    """Where ``user`` goes once signed in: a safe ``next``, else the first landing rule that answers."""
    return redirect_target(request) or landing_rule_url(request=request, user=user)


def welcome_url(*, next_url: str = "") -> str:
    """The welcome page after sign-up, carrying the (already checked) page the person came from."""
    url = reverse("accounts:account_welcome")
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


# The rules accounts itself knows (listed in ACCOUNTS_LANDING_RULES with the higher floors' ones).


def admin_work_landing(*, request: HttpRequest, user: User) -> str | None:
    """Superusers, staff and the admin's working roles (communications, training office): the admin."""
    if user.is_superuser or user.is_staff or user.groups.filter(name__in=ADMIN_WORK_ROLES).exists():
        return reverse("wagtailadmin_home")
    return None


def admin_access_landing(*, request: HttpRequest, user: User) -> str | None:
    """Anyone else who may open the admin (a permission given by hand): the admin."""
    if user.has_perm("wagtailadmin.access_admin"):
        return reverse("wagtailadmin_home")
    return None
