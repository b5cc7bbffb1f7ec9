"""Sign-in hooks: let higher layers react to a sign-in without this layer importing them.

``settings.ACCOUNTS_SIGN_IN_HOOKS`` lists dotted paths of functions taking
``(request, user)``; they run after every sign-in and sign-up, once the person
is signed in (for example to keep what they did in this browser before signing in).
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils.module_loading import import_string


def sign_in_hooks_run(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Call every configured sign-in hook with ``(request, user)``, in order."""
    for dotted_path in getattr(settings, "ACCOUNTS_SIGN_IN_HOOKS", ()):
        import_string(dotted_path)(request, user)


def sign_in_notes(request: HttpRequest) -> list[str]:
    """What will happen once this visitor signs in or signs up, told on both pages beforehand.

    ``settings.ACCOUNTS_SIGN_IN_NOTES`` lists dotted paths of functions taking the request and
    returning sentences (courses: "Once you are signed in, you will be enrolled in …"): nothing a
    sign-in hook does on the visitor's behalf comes as a surprise.
    """
    notes: list[str] = []
    for dotted_path in getattr(settings, "ACCOUNTS_SIGN_IN_NOTES", ()):
        notes.extend(import_string(dotted_path)(request))
    return notes


def people_changed_hooks_run(user_ids: Iterable[int]) -> None:
    """Tell higher layers that these people were created, moved unit or changed position.

    ``settings.ACCOUNTS_PEOPLE_CHANGED_HOOKS`` lists dotted paths of functions
    taking a list of user ids; call this inside the transaction that changed
    them (the hooks defer their work with ``transaction.on_commit``).
    """
    user_ids = list(user_ids)
    if not user_ids:
        return
    for dotted_path in getattr(settings, "ACCOUNTS_PEOPLE_CHANGED_HOOKS", ()):
        import_string(dotted_path)(user_ids)


def units_changed_hooks_run() -> None:
    """Tell higher layers that the unit tree changed shape (a unit was added or moved).

    Adding a unit in name order can renumber its siblings' tree paths, so
    anything that copied a path (the compliance roll-up does) refreshes it.
    ``settings.ACCOUNTS_UNITS_CHANGED_HOOKS`` lists functions taking no argument.
    """
    for dotted_path in getattr(settings, "ACCOUNTS_UNITS_CHANGED_HOOKS", ()):
        import_string(dotted_path)()
