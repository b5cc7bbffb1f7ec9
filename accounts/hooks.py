"""Sign-in hooks: let higher layers react to a sign-in without this layer importing them.

``settings.ACCOUNTS_SIGN_IN_HOOKS`` lists dotted paths of functions taking
``(request, user)``; they run after every sign-in and sign-up, once the person
is signed in (for example to keep what they did in this browser before signing in).
"""

from django.conf import settings
from django.utils.module_loading import import_string


def sign_in_hooks_run(request, user):
    """Call every configured sign-in hook with ``(request, user)``, in order."""
    for dotted_path in getattr(settings, "ACCOUNTS_SIGN_IN_HOOKS", ()):
        import_string(dotted_path)(request, user)
