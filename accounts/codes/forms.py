"""Forms of the code pages: they only validate (the writes are in ``flows``)."""

from django import forms
from django.contrib.auth import password_validation
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ..models import User
from ..phone import phone_normalise

PHONE_ERROR = _("Enter a Vietnamese phone number, for example 0912 345 678.")


def _text_input(**attrs):
    return forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", **attrs})


class CodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Code"))
        kwargs.setdefault("help_text", _("The 6 digits of the message we sent you."))
        super().__init__(
            max_length=20,
            error_messages={"required": _("Enter the code from the message.")},
            widget=_text_input(inputmode="numeric", autocomplete="one-time-code"),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        digits = "".join(ch for ch in value if ch.isdigit())
        if len(digits) != 6 or len(digits) != len("".join(value.split()).replace("-", "")):
            raise forms.ValidationError(_("The code is 6 digits, for example 123456."), code="code_format")
        return digits


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Phone number"))
        super().__init__(
            max_length=30,
            error_messages={"required": _("Enter your phone number.")},
            widget=_text_input(autocomplete="tel", inputmode="tel"),
            **kwargs,
        )

    def clean(self, value):
        phone = phone_normalise(super().clean(value))
        if phone is None:
            raise forms.ValidationError(PHONE_ERROR, code="invalid_phone")
        return phone


class CodeForm(forms.Form):
    code = CodeField()


class PhoneForm(forms.Form):
    phone = PhoneField()


class NewPhoneForm(forms.Form):
    """The profile page's change of number."""

    phone = PhoneField(label=_("New phone number"))


class PasswordByCodeForm(forms.Form):
    """The number (or e-mail address) the code was sent to, the code and the new password."""

    identifier = forms.CharField(
        label=_("Phone number or email"),
        max_length=254,
        error_messages={"required": _("Enter the phone number or email address the code was sent to.")},
        widget=_text_input(autocomplete="username"),
    )
    code = CodeField()
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        error_messages={"required": _("Choose a password.")},
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        error_messages={"required": _("Type the password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_identifier(self):
        raw = self.cleaned_data["identifier"].strip()
        if "@" in raw:
            try:
                validate_email(raw)
            except forms.ValidationError:
                raise forms.ValidationError(PHONE_ERROR, code="invalid_identifier") from None
            return User.objects.normalize_email(raw).lower()
        phone = phone_normalise(raw)
        if phone is None:
            raise forms.ValidationError(PHONE_ERROR, code="invalid_identifier")
        return phone

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError(_("The two passwords do not match."), code="mismatch"))
        elif password1:
            try:
                # Without the person (who is not known before the code is checked); again with them after.
                password_validation.validate_password(password1)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
