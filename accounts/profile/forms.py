"""The profile form: it only validates (``services.profile_save`` writes)."""

import unicodedata

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ..models import User

NAME_MAX_LENGTH = 120  # a full Vietnamese name with all its parts fits many times over
NAME_MIN_LENGTH = 2


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=255,
        help_text=_("As it should appear on your certificates, in Vietnamese order, e.g. Nguyễn Thị Hằng."),
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words", "spellcheck": "false"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language of messages"),
        choices=User._meta.get_field("preferred_language").choices,
        help_text=_("The language of the e-mails and SMS we send you."),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        help_text=_("A new address is used only after you open the link we send to it. Leave empty to remove it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {"full_name": user.full_name, "preferred_language": user.preferred_language, "email": user.email or ""},
        )
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if any(unicodedata.category(character).startswith("C") for character in name):
            raise forms.ValidationError(_("Your name has a character that cannot be printed."), code="control")
        if not any(character.isalpha() for character in name) or len(name) < NAME_MIN_LENGTH:
            raise forms.ValidationError(_("Enter your full name."), code="too_short")
        if len(name) > NAME_MAX_LENGTH:
            raise forms.ValidationError(
                _("A name has at most %(max)d characters."), code="too_long", params={"max": NAME_MAX_LENGTH}
            )
        return name

    def clean_email(self):
        raw = self.cleaned_data["email"].strip()
        if not raw:
            return None
        try:
            validate_email(raw)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("Enter an e-mail address, for example lan@example.vn."), code="invalid"
            ) from None
        return User.objects.normalize_email(raw).lower()
