"""The helper's forms at the counter (validation only; the services write)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.phone import validate_phone

from ..learning.models import PublicService
from ..learning.pages import LessonPage, TutorialPage

PHONE_HELP = _("The citizen's mobile number, for example 0912 345 678.")
CHOICE_ERROR = _("Choose one from the list.")


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Citizen's phone number"),
        max_length=30,
        help_text=PHONE_HELP,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        error_messages={"required": _("Enter the citizen's phone number.")},
    )


class NewAccountForm(PhoneForm):
    full_name = forms.CharField(
        label=_("Citizen's full name"), max_length=150, error_messages={"required": _("Enter the citizen's full name.")}
    )
    agreed = forms.BooleanField(
        label=_("The citizen heard the text above and agrees"),
        error_messages={"required": _("The citizen must agree before the account is created.")},
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code the citizen received (SMS or Zalo)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        error_messages={"required": _("Enter the code the citizen received.")},
    )


def _choice(queryset, label):
    return forms.ModelChoiceField(
        queryset=queryset,
        label=label,
        error_messages={"required": CHOICE_ERROR, "invalid_choice": CHOICE_ERROR, "invalid_pk_value": CHOICE_ERROR},
    )


class TutorialForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutorial"] = _choice(TutorialPage.objects.live().public().order_by("title"), _("Tutorial"))


class LessonForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"] = _choice(LessonPage.objects.live().public().order_by("path"), _("Lesson"))


class ServiceForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"] = _choice(PublicService.objects.order_by("name"), _("Public service"))


class HelperGrantForm(forms.Form):
    identifier = forms.CharField(
        label=_("The civil servant's e-mail address or phone number"),
        max_length=254,
        error_messages={"required": _("Enter an e-mail address or a phone number.")},
    )
