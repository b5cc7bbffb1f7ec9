"""How a person wants to be reached: channels for reminders, and the purposes they refuse.

The higher layer that sends messages reads these through ``reminder_channels`` and
``Consent.DEFAULTS``; this module only knows the person, never what is sent.
"""

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Consent, ContactPreference

EMAIL, SMS, IN_APP = "email", "sms", "in_app"
CHANNELS = (EMAIL, SMS, IN_APP)
# Purposes a person may refuse on the notification settings page (campaigns come with their own issue).
OPTIONAL_PURPOSES = (Consent.Purpose.COURSE_NUDGES, Consent.Purpose.CERTIFICATE_NOTICES)


def default_channels(*, has_email):
    """Without a choice: e-mail when the person has an address, else SMS."""
    return [EMAIL] if has_email else [SMS]


def reminder_channels(*, use_email, use_sms, use_in_app, has_email):
    """The channels to use, from a preference row's three fields (all None: no row, the default)."""
    if use_email is None and use_sms is None and use_in_app is None:
        return default_channels(has_email=has_email)
    chosen = [name for name, on in ((EMAIL, use_email), (SMS, use_sms), (IN_APP, use_in_app)) if on]
    return chosen or default_channels(has_email=has_email)


def preferences_of(user):
    """(channels, {purpose: granted}) of one person, defaults filled in."""
    preference = ContactPreference.objects.filter(user=user).first()
    if preference is None:
        channels = default_channels(has_email=bool(user.email))
    else:
        channels = reminder_channels(
            use_email=preference.use_email,
            use_sms=preference.use_sms,
            use_in_app=preference.use_in_app,
            has_email=bool(user.email),
        )
    answers = dict(Consent.DEFAULTS)
    answers.update(dict(Consent.objects.filter(user=user).values_list("purpose", "granted")))
    return channels, answers


@transaction.atomic
def preferences_save(user, *, channels, purposes, source=""):
    """Store the chosen channels and the answer for each optional purpose (``{purpose: granted}``).

    A consent row changes (and its time with it) only when the answer changes.
    """
    ContactPreference.objects.update_or_create(
        user=user,
        defaults={"use_email": EMAIL in channels, "use_sms": SMS in channels, "use_in_app": IN_APP in channels},
    )
    current = dict(Consent.objects.filter(user=user).values_list("purpose", "granted"))
    now = timezone.now()
    for purpose, granted in purposes.items():
        if current.get(purpose) == granted:
            continue
        Consent.objects.update_or_create(
            user=user, purpose=purpose, defaults={"granted": granted, "at": now, "source": source}
        )


class NotificationSettingsForm(forms.Form):
    """Where reminders go (at least one way), and which optional messages the person wants."""

    channels = forms.MultipleChoiceField(
        label=_("How should we reach you?"),
        choices=[(EMAIL, _("By e-mail")), (SMS, _("By SMS")), (IN_APP, _("In my inbox on this site"))],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Reminders about training your organisation requires of you are always sent, to the ways you choose here."
        ),
        error_messages={"required": _("Choose at least one way to reach you.")},
    )
    course_nudges = forms.BooleanField(label=_("Remind me to finish a course I started and left"), required=False)
    certificate_notices = forms.BooleanField(
        label=_("Tell me when a certificate is issued or is about to expire"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        channels, answers = preferences_of(user)
        kwargs.setdefault(
            "initial",
            {
                "channels": channels,
                "course_nudges": answers[Consent.Purpose.COURSE_NUDGES],
                "certificate_notices": answers[Consent.Purpose.CERTIFICATE_NOTICES],
            },
        )
        super().__init__(*args, **kwargs)

    def clean_channels(self):
        channels = self.cleaned_data["channels"]
        if EMAIL in channels and not self.user.email:
            raise forms.ValidationError(_("Your account has no e-mail address: choose another way."), code="no_email")
        if SMS in channels and not self.user.phone:
            raise forms.ValidationError(_("Your account has no phone number: choose another way."), code="no_phone")
        return channels

    def save(self):
        preferences_save(
            self.user,
            channels=self.cleaned_data["channels"],
            purposes={
                Consent.Purpose.COURSE_NUDGES: self.cleaned_data["course_nudges"],
                Consent.Purpose.CERTIFICATE_NOTICES: self.cleaned_data["certificate_notices"],
            },
            source="notification settings page",
        )
