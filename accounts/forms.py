"""Forms for people and organisation units (Wagtail admin, public sign-up, sign-in, password reset).

They only validate: the writes are in ``accounts.services``.
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

from .backends import login_is_blocked
from .consent.channels import CONTACT_CHANNELS, channel_reachable
from .models import OrganisationUnit, User
from .phone import phone_normalise

USER_FIELDS = [
    "email",
    "phone",
    "full_name",
    "kind",
    "organisation_unit",
    "employee_code",
    "position",
    "started_on",
    "preferred_language",
]


class IdentifierLoginMixin:
    """Sign-in with email or phone, with a clear message when rate-limited."""

    error_messages = {
        "invalid_login": _("Please enter a correct email address or phone number and password."),
        "inactive": _("This account is inactive."),
        "rate_limited": _("Too many failed sign-in attempts. Please wait 15 minutes and try again."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email or phone number")
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["username"].widget.attrs["placeholder"] = _("Email or phone number")
        self.fields["username"].max_length = 254
        self.fields["password"].label = _("Password")

    def clean(self):
        if login_is_blocked(self.cleaned_data.get("username"), self.request):
            raise forms.ValidationError(self.error_messages["rate_limited"], code="rate_limited")
        return super().clean()


class AdminLoginForm(IdentifierLoginMixin, WagtailLoginForm):
    pass


class UserFormMixin:
    # Our users have one full name (Vietnamese order), not first/last names.
    first_name = None
    last_name = None

    def clean_email(self):
        email = self.cleaned_data.get("email")
        return email.strip().lower() if email else None

    def _clean_username(self):
        # Email is optional (phone-only citizens): only check duplicates of a real value.
        if self.cleaned_data.get("email"):
            return super()._clean_username()
        return None

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(_("Enter an email address or a phone number."), code="no_contact")
        return cleaned


def _optional_email():
    # Wagtail's form requires an email; many citizens have only a phone number.
    return forms.EmailField(required=False, label=_("Email"))


class UserCreationForm(UserFormMixin, WagtailUserCreationForm):
    email = _optional_email()

    class Meta(WagtailUserCreationForm.Meta):
        model = User
        fields = [*USER_FIELDS, "is_superuser", "groups"]


class UserEditForm(UserFormMixin, WagtailUserEditForm):
    email = _optional_email()

    class Meta(WagtailUserEditForm.Meta):
        model = User
        fields = [*USER_FIELDS, "is_active", "is_superuser", "groups"]


class OrganisationUnitForm(WagtailAdminModelForm):
    """A unit and its parent (the viewset places it in the tree with ``accounts.services``)."""

    parent = forms.ModelChoiceField(
        queryset=OrganisationUnit.objects.all(),
        required=False,
        label=_("Parent unit"),
        help_text=_("Leave empty for a top-level unit (a province)."),
    )

    class Meta:
        model = OrganisationUnit
        fields = ["name", "code", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            # A unit cannot move under itself or one of its own sub-units.
            self.fields["parent"].queryset = OrganisationUnit.objects.exclude(path__startswith=self.instance.path)


# Public site: sign-up, sign-in and password reset for learners.


class SignInForm(IdentifierLoginMixin, auth_forms.AuthenticationForm):
    """The public sign-in form: email or phone number and password.

    A refused phone number gets a message that also points to activation by SMS (people imported
    by their organisation have no password yet), whether or not the number has an account.
    """

    phone_login_error = _(
        "The phone number or password is not right. If your organisation created your account and you "
        "never chose a password, activate it with a code by SMS (link below)."
    )

    def get_invalid_login_error(self):
        if phone_normalise(self.cleaned_data.get("username")):
            return forms.ValidationError(self.phone_login_error, code="invalid_login")
        return super().get_invalid_login_error()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "spellcheck": "false"})
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class SignUpForm(forms.Form):
    """A learner creates an account with an email address or a phone number.

    One field takes either: with "@" it is an email address, otherwise it must
    be a Vietnamese phone number. Accepting the privacy notice is required.
    """

    error_messages = {
        "invalid_identifier": _("Enter an email address or a Vietnamese phone number, for example 0912 345 678."),
        "duplicate_email": _("An account with this email address already exists. Sign in instead."),
        "duplicate_phone": _("An account with this phone number already exists. Sign in instead."),
        "needs_activation": _(
            "Your organisation already created an account with this phone number. Activate it instead: "
            "we send you a code by SMS and you choose your password."
        ),
        "password_mismatch": _("The two passwords do not match."),
    }

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=255,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words", "spellcheck": "false"}),
    )
    identifier = forms.CharField(
        label=_("Email or phone number"),
        max_length=254,
        error_messages={"required": _("Enter your email address or phone number.")},
        help_text=_("You will sign in with it. No email? Your mobile phone number is enough."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        error_messages={"required": _("Choose a password.")},
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        error_messages={"required": _("Type the password again.")},
        help_text=_("Type the same password again, to be sure it is right."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my personal data is processed as it describes."),
        help_text=_("Read the privacy notice"),
        error_messages={"required": _("To create an account you must accept the privacy notice.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Campaign news, one box per channel: optional and unticked (silence is not consent).
        for channel in CONTACT_CHANNELS:
            self.fields[f"campaigns_{channel.code}"] = forms.BooleanField(
                label=channel.label, required=False, help_text=channel.needs or ""
            )

    def campaign_fields(self):
        return [self[f"campaigns_{channel.code}"] for channel in CONTACT_CHANNELS]

    def campaign_channels(self):
        """The ticked channels for campaign news that the person can be reached on with what they gave
        (a ticked SMS box with an e-mail address only is left out)."""
        person = User(email=self.cleaned_data.get("email"), phone=self.cleaned_data.get("phone"))
        return [
            channel.code
            for channel in CONTACT_CHANNELS
            if self.cleaned_data.get(f"campaigns_{channel.code}") and channel_reachable(user=person, code=channel.code)
        ]

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_identifier(self):
        raw = self.cleaned_data["identifier"].strip()
        if "@" in raw:
            try:
                validate_email(raw)
            except forms.ValidationError:
                raise forms.ValidationError(
                    self.error_messages["invalid_identifier"], code="invalid_identifier"
                ) from None
            email = User.objects.normalize_email(raw).lower()
            if User.objects.filter(email=email).exists():
                raise forms.ValidationError(self.error_messages["duplicate_email"], code="duplicate_email")
            self.cleaned_data["email"], self.cleaned_data["phone"] = email, None
            return email
        phone = phone_normalise(raw)
        if phone is None:
            raise forms.ValidationError(self.error_messages["invalid_identifier"], code="invalid_identifier")
        existing = User.objects.filter(phone=phone).first()
        if existing is not None and not self._may_sign_up_again(existing):
            code = (
                "needs_activation" if existing.is_active and not existing.has_usable_password() else "duplicate_phone"
            )
            raise forms.ValidationError(self.error_messages[code], code=code)
        self.cleaned_data["email"], self.cleaned_data["phone"] = None, phone
        return phone

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error(
                "password2", forms.ValidationError(self.error_messages["password_mismatch"], code="password_mismatch")
            )
        elif password1:
            user = User(full_name=cleaned.get("full_name", ""), email=cleaned.get("email"), phone=cleaned.get("phone"))
            try:
                password_validation.validate_password(password1, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    @staticmethod
    def _may_sign_up_again(user):
        # A sign-up by phone never confirmed (inactive, never signed in, waiting for its code) is
        # written again by the new one: nobody keeps a number they did not prove is theirs.
        return not user.is_active and user.last_login is None and user.one_time_codes.filter(purpose="sign_up").exists()

    def duplicate_error(self):
        """The error to show when the database refuses a duplicate (two sign-ups at once)."""
        code = "duplicate_email" if self.cleaned_data.get("email") else "duplicate_phone"
        return forms.ValidationError(self.error_messages[code], code=code)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Reset by email: every active account with that email address gets a link.

    One with a password gets "reset your password". One that never had a password (made for the
    person by a roster import, never activated) gets "activate your account": the same single-use
    link, with which they choose their first password, as an invitation by SMS or e-mail would let
    them (``accounts.codes.flows.user_needs_activation``, the same rule as the reset by SMS code).
    Django's own form skips accounts without a usable password; they had nowhere to turn but an
    administrator. The link proves the mailbox is theirs, as it does for a reset.
    """

    activation_subject_template_name = "accounts/account_activation_subject.txt"
    activation_email_template_name = "accounts/account_activation_email.txt"

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter the email address of your account."),
            "invalid": _("Enter an email address, for example lan@example.vn."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        email = (email or "").strip()
        if not email:
            return iter(())
        return iter(User._default_manager.filter(email__iexact=email, is_active=True))

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        user = context.get("user")
        if user is not None and user.is_active and not user.has_usable_password():
            subject_template_name = self.activation_subject_template_name
            email_template_name = self.activation_email_template_name
            kwargs["html_email_template_name"] = None
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class AccountDeleteForm(forms.Form):
    """Deleting one's own account: the password (if the account has one) and an explicit confirmation."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to confirm.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account, progress and certificates will be deleted for good."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password
