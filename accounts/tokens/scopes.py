"""What a token may read: its scopes. Accounts names its own; higher floors add theirs through
``ACCOUNTS_TOKEN_SCOPES`` (dotted paths of functions returning ``Scope``s), never by import."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Scope:
    code: str  # "noun:read", as the API and the OpenAPI schema name it
    label: str  # what the person reads on the account page (lazy translation)


PROFILE_READ = "profile:read"


def account_scopes() -> list[Scope]:
    return [Scope(PROFILE_READ, _("Your profile: name, e-mail address, phone number and unit"))]


@cache
def _providers():
    return [import_string(path) for path in getattr(settings, "ACCOUNTS_TOKEN_SCOPES", ())]


def token_scopes() -> list[Scope]:
    """Every scope a token may be given, in the order the account page lists them."""
    scopes = account_scopes()
    for provider in _providers():
        scopes.extend(provider())
    return scopes


def scope_codes() -> list[str]:
    return [scope.code for scope in token_scopes()]
