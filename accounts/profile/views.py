"""The profile page (``/account/profile/``) and the link that confirms a new e-mail address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from core.localtime import datetime_display

from .forms import ProfileForm
from .services import ProfileRefused, email_change_confirm, email_change_pending, email_change_read, profile_save

# The phone-number change is its own flow (confirmed by an SMS code); linked when the project has it.
PHONE_CHANGE_URL_NAMES = ("accounts:account_phone_change", "account_phone_change")


def phone_change_url() -> str:
    """The phone-change page's URL, or "" when no such page exists."""
    for name in PHONE_CHANGE_URL_NAMES:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def _page(request, form, status=200):
    pending = email_change_pending(user=request.user)
    context = {
        "form": form,
        "pending": pending,
        "pending_at": datetime_display(pending.requested_at) if pending else "",
        "phone_change_url": phone_change_url(),
    }
    return render(request, "accounts/profile/profile.html", context, status=status)


@login_required
@csrf_protect
@never_cache
def profile(request):
    if request.method != "POST":
        return _page(request, ProfileForm(user=request.user))
    form = ProfileForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        saved = profile_save(
            user=request.user,
            full_name=data["full_name"],
            preferred_language=data["preferred_language"],
            email=data["email"],
            request=request,
        )
    except ProfileRefused as refusal:
        request.user.refresh_from_db()  # nothing was saved: show the account as it is
        form.add_error("email", refusal)
        return _page(request, form, status=429 if refusal.code == "rate_limited" else 400)
    if saved.confirmation_sent_to:
        messages.success(
            request,
            _("We sent a link to %(email)s. Your e-mail address changes when you open it.")
            % {"email": saved.confirmation_sent_to},
        )
    if "email_removed" in saved.changed:
        messages.success(request, _("Your e-mail address was removed. You sign in with your phone number."))
    if {"full_name", "preferred_language"} & set(saved.changed):
        messages.success(request, _("Your profile is saved."))
    if not saved.changed and not saved.confirmation_sent_to:
        messages.info(request, _("Nothing was changed."))
    return redirect("accounts:account_profile")


OUTCOME_MESSAGES = {
    "expired": gettext_lazy("This link has expired. Ask for a new one on your profile page."),
    "invalid": gettext_lazy("This link does not work. It may be incomplete or replaced by a newer one."),
    "used": gettext_lazy("This link was already used."),
    "other_account": gettext_lazy("This link is for another account. Sign in with the account that asked for it."),
    "taken": gettext_lazy("This e-mail address cannot be used. Choose another one."),
}


@login_required
@csrf_protect
@never_cache
def email_change_confirm_view(request, token):
    """GET shows what the link would do (mail scanners open links); POST does it."""
    if request.method != "POST":
        outcome, change = email_change_read(token=token)
        if change is not None and change.user_id != request.user.pk:
            outcome, change = "other_account", None
        elif change is not None and change.confirmed_at is not None:
            outcome, change = "used", None
        context = {"change": change, "error": OUTCOME_MESSAGES.get(outcome, "")}
        return render(request, "accounts/profile/email_confirm.html", context, status=200 if change else 400)
    outcome = email_change_confirm(token=token, user=request.user, request=request)
    if outcome != "done":
        context = {"change": None, "error": OUTCOME_MESSAGES[outcome]}
        return render(request, "accounts/profile/email_confirm.html", context, status=400)
    messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": request.user.email})
    return redirect("accounts:account_profile")
