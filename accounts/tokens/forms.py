"""The form that makes a personal access token: it only validates (``services.token_create`` writes)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from .models import PersonalAccessToken
from .scopes import token_scopes


def _days_label(days: int) -> str:
    return ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=PersonalAccessToken._meta.get_field("name").max_length,
        help_text=_("What uses it, so that you know which one to revoke, e.g. “Provincial portal”."),
        error_messages={"required": _("Give the token a name.")},
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may read"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only your own data, and only what you tick. It can change nothing."),
        error_messages={
            "required": _("Choose at least one thing the token may read."),
            "invalid_choice": _("Choose at least one thing the token may read."),
        },
    )
    days = forms.TypedChoiceField(
        label=_("Works for"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how long the token works."),
            "invalid_choice": _("Choose how long the token works."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope.code, scope.label) for scope in token_scopes()]
        self.fields["days"].choices = [(days, _days_label(days)) for days in settings.ACCOUNTS_TOKEN_DAYS]
        self.fields["days"].initial = settings.ACCOUNTS_TOKEN_DAYS_DEFAULT
