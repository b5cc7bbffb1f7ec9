"""Forms of the learner's pages (they only validate)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class FeedbackForm(forms.Form):
    """An answer to "Was this helpful?": yes or no, and an optional comment."""

    helpful = forms.ChoiceField(
        label=_("Was this helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose “Yes” or “No”."), "invalid_choice": _("Choose “Yes” or “No”.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
