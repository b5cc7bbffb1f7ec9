"""How a person wants to be reached: channels for reminders, the purposes they refuse, and where
they agree to campaign news.

The higher layer that sends messages reads these through ``reminder_channels``, ``Consent.DEFAULTS``
and ``accounts.consent.selectors``; this module only knows the person, never what is sent.
Consent changes go through ``accounts.consent.services`` (kept in the consent record).
"""

from collections.abc import Mapping

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .consent.channels import CHANNEL_CODES, CONTACT_CHANNELS, EMAIL, IN_APP, SMS, ZALO, channel_reachable
from .consent.selectors import consent_channels
from .consent.services import SOURCE_SETTINGS, consent_give, consent_withdraw
from .models import Consent, ContactPreference

CHANNELS = CHANNEL_CODES
# Purposes a person may refuse on the notification settings page, for every channel at once.
OPTIONAL_PURPOSES = (Consent.Purpose.COURSE_NUDGES, Consent.Purpose.CERTIFICATE_NOTICES)

__all__ = [
    "CHANNELS",
    "EMAIL",
    "IN_APP",
    "SMS",
    "ZALO",
    "NotificationSettingsForm",
    "preferences_of",
    "preferences_save",
]


def default_channels(*, has_email):
    """Without a choice: e-mail when the person has an address, else SMS."""
    return [EMAIL] if has_email else [SMS]


def reminder_channels(*, use_email, use_sms, use_in_app, has_email, use_zalo=None):
    """The channels to use, from a preference row's fields (all None: no row, the default)."""
    if use_email is None and use_sms is None and use_in_app is None and use_zalo is None:
        return default_channels(has_email=has_email)
    chosen = [name for name, on in ((EMAIL, use_email), (SMS, use_sms), (IN_APP, use_in_app), (ZALO, use_zalo)) if on]
    return chosen or default_channels(has_email=has_email)


def preferences_of(user):
    """(channels, {purpose: granted}) of one person, defaults filled in (service notices: every channel)."""
    preference = ContactPreference.objects.filter(user=user).first()
    if preference is None:
        channels = default_channels(has_email=bool(user.email))
    else:
        channels = reminder_channels(
            use_email=preference.use_email,
            use_sms=preference.use_sms,
            use_in_app=preference.use_in_app,
            use_zalo=preference.use_zalo,
            has_email=bool(user.email),
        )
    answers = dict(Consent.DEFAULTS)
    answers.update(
        dict(Consent.objects.filter(user=user, channel=Consent.ANY_CHANNEL).values_list("purpose", "granted"))
    )
    return channels, answers


@transaction.atomic
def preferences_save(
    user,
    *,
    channels,
    purposes,
    source=SOURCE_SETTINGS,
    campaign_channels: Mapping[str, bool] | None = None,
):
    """Store the chosen channels, the answer for each optional purpose (``{purpose: granted}``, every
    channel) and, if given, campaign consent per channel (``{channel: granted}``).

    A consent changes (and is recorded) only when the answer changes.
    """
    ContactPreference.objects.update_or_create(
        user=user,
        defaults={
            "use_email": EMAIL in channels,
            "use_sms": SMS in channels,
            "use_in_app": IN_APP in channels,
            "use_zalo": ZALO in channels,
        },
    )
    for purpose, granted in purposes.items():
        change = consent_give if granted else consent_withdraw
        change(user=user, purpose=purpose, channels=[Consent.ANY_CHANNEL], source=source)
    if campaign_channels:
        given = [code for code, on in campaign_channels.items() if on]
        # An unticked box withdraws consent given; where none was given, silence stays silence.
        current = consent_channels(user=user, purpose=Consent.Purpose.CAMPAIGNS)
        refused = [code for code, on in campaign_channels.items() if not on and code in current]
        consent_give(user=user, purpose=Consent.Purpose.CAMPAIGNS, channels=given, source=source)
        consent_withdraw(user=user, purpose=Consent.Purpose.CAMPAIGNS, channels=refused, source=source)


def campaign_field_name(code):
    return f"campaigns_{code}"


class NotificationSettingsForm(forms.Form):
    """Where reminders go (at least one way), which optional messages the person wants, and on which
    channels they agree to campaign news (a channel they have no contact for is shown disabled)."""

    channels = forms.MultipleChoiceField(
        label=_("How should we reach you?"),
        choices=[(channel.code, channel.label) for channel in CONTACT_CHANNELS],
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
        campaigns = consent_channels(user=user, purpose=Consent.Purpose.CAMPAIGNS)
        initial = {
            "channels": channels,
            "course_nudges": answers[Consent.Purpose.COURSE_NUDGES],
            "certificate_notices": answers[Consent.Purpose.CERTIFICATE_NOTICES],
        }
        for channel in CONTACT_CHANNELS:
            initial[campaign_field_name(channel.code)] = channel.code in campaigns
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for channel in CONTACT_CHANNELS:
            reachable = channel_reachable(user=user, code=channel.code)
            self.fields[campaign_field_name(channel.code)] = forms.BooleanField(
                label=channel.label,
                required=False,
                # Disabled: Django keeps the initial value whatever is posted.
                disabled=not reachable,
                help_text="" if reachable else channel.missing,
            )

    def campaign_fields(self):
        """The bound campaign boxes, one per channel, in the registry's order."""
        return [self[campaign_field_name(channel.code)] for channel in CONTACT_CHANNELS]

    def clean_channels(self):
        channels = self.cleaned_data["channels"]
        if EMAIL in channels and not self.user.email:
            raise forms.ValidationError(_("Your account has no e-mail address: choose another way."), code="no_email")
        if SMS in channels and not self.user.phone:
            raise forms.ValidationError(_("Your account has no phone number: choose another way."), code="no_phone")
        if ZALO in channels and not self.user.phone:
            raise forms.ValidationError(
                _("Zalo messages go to your phone number, and your account has none: choose another way."),
                code="no_phone",
            )
        return channels

    def save(self):
        campaign_channels = {
            channel.code: self.cleaned_data[campaign_field_name(channel.code)]
            for channel in CONTACT_CHANNELS
            if not self.fields[campaign_field_name(channel.code)].disabled
        }
        preferences_save(
            self.user,
            channels=self.cleaned_data["channels"],
            purposes={
                Consent.Purpose.COURSE_NUDGES: self.cleaned_data["course_nudges"],
                Consent.Purpose.CERTIFICATE_NOTICES: self.cleaned_data["certificate_notices"],
            },
            source=SOURCE_SETTINGS,
            campaign_channels=campaign_channels,
        )
