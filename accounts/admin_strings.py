"""Wagtail admin strings that Wagtail's own Vietnamese catalogue lacks.

Listed here so ``make messages`` keeps them in our catalogue, which takes
precedence over Wagtail's. Start with the sign-in page, the first screen staff see.
"""

from django.utils.translation import gettext_noop

WAGTAIL_STRINGS = [
    gettext_noop("Sign in"),
    gettext_noop("Signing in…"),
    gettext_noop("Sign in to Wagtail"),
    gettext_noop("Forgotten password?"),
    gettext_noop("Remember me"),
]
