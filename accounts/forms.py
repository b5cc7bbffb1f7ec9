"""Forms for people and organisation units (Wagtail admin and sign-in)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

from .backends import login_is_blocked
from .models import OrganisationUnit, User

USER_FIELDS = ["email", "phone", "full_name", "kind", "organisation_unit", "preferred_language"]


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
    """Creates a unit under its parent and moves it when the parent changes."""

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

    def save(self, commit=True):
        unit = super().save(commit=False)
        if not commit:
            return unit
        parent = self.cleaned_data.get("parent")
        if unit.pk is None:
            if parent is None:
                return OrganisationUnit.add_root(instance=unit)
            return parent.add_child(instance=unit)
        unit.save()
        if parent != unit.get_parent():
            if parent is None:
                unit.move(OrganisationUnit.get_first_root_node(), "sorted-sibling")
            else:
                unit.move(parent, "sorted-child")
            unit.refresh_from_db()
        return unit
