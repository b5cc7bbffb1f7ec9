"""The scopes the personal API reads with (listed in ``ACCOUNTS_TOKEN_SCOPES``)."""

from django.utils.translation import gettext_lazy as _

from accounts.tokens.scopes import Scope

PROGRESS_READ = "progress:read"
TRAINING_READ = "training:read"
CERTIFICATES_READ = "certificates:read"


def token_scopes() -> list[Scope]:
    return [
        Scope(PROGRESS_READ, _("Your courses, lessons completed and quiz results")),
        Scope(TRAINING_READ, _("Your mandatory training and its due dates")),
        Scope(CERTIFICATES_READ, _("Your certificates")),
    ]
