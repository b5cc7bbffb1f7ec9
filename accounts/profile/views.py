"""The profile page (``/account/profile/``), the link that confirms a new e-mail address, and the change
of phone number on the same page: a code goes to the new number, which replaces the old one only once
the code is typed there (``accounts.codes.flows``); the old number is told."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core.localtime import datetime_display

from ..codes import flows
from ..codes.forms import CodeForm, NewPhoneForm
from ..codes.services import CodeRefused
from ..phone import phone_is_mobile
from .forms import ProfileForm
from .services import ProfileRefused, email_change_confirm, email_change_pending, email_change_read, profile_save


def _page(request, form=None, status=200, *, phone_form=None, code_form=None):
    """The profile page; ``phone_form``/``code_form`` bound when the phone part was posted with errors."""
    pending = email_change_pending(user=request.user)
    phone_pending = flows.phone_change_pending(user=request.user)
    context = {
        "form": form or ProfileForm(user=request.user),
        "pending": pending,
        "pending_at": datetime_display(pending.requested_at) if pending else "",
        "phone_form": phone_form or NewPhoneForm(),
        "code_form": code_form or CodeForm(),
        "phone_pending": phone_pending.address if phone_pending else "",
        "phone_pending_at": datetime_display(phone_pending.created_at) if phone_pending else "",
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


PHONE_TAKEN = gettext_lazy("This phone number cannot be used. Choose another one.")


def _profile_phone():
    return redirect(reverse("accounts:account_profile") + "#phone")


@login_required
@csrf_protect
@never_cache
def phone_change_request_view(request):
    """POST a new number: a code goes to it (GET: the profile page)."""
    if request.method != "POST":
        return _profile_phone()
    if "cancel" in request.POST:
        if flows.phone_change_cancel(user=request.user):
            messages.info(request, _("The change of phone number is cancelled. Your number stays as it is."))
        return _profile_phone()
    phone_form = NewPhoneForm(request.POST)
    if not phone_form.is_valid():
        return _page(request, phone_form=phone_form, status=400)
    phone = phone_form.cleaned_data["phone"]
    if not phone_is_mobile(phone):
        phone_form.add_error("phone", _("The code is sent by SMS: enter a mobile number."))
        return _page(request, phone_form=phone_form, status=400)
    try:
        flows.phone_change_request(user=request.user, phone=phone, request=request)
    except flows.PhoneUnchanged:
        messages.info(request, _("This is already your phone number. Nothing was changed."))
        return _profile_phone()
    except flows.PhoneTaken:
        phone_form.add_error("phone", PHONE_TAKEN)
        return _page(request, phone_form=phone_form, status=400)
    except CodeRefused as refused:
        phone_form.add_error("phone", refused.message)
        return _page(request, phone_form=phone_form, status=429)
    messages.success(
        request,
        _("We sent a code by SMS to %(phone)s. Your phone number changes when you type it here.") % {"phone": phone},
    )
    return _profile_phone()


@login_required
@require_POST
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def phone_change_confirm_view(request):
    """POST the code sent to the new number: it becomes the account's number."""
    code_form = CodeForm(request.POST)
    if not code_form.is_valid():
        return _page(request, code_form=code_form, status=400)
    try:
        flows.phone_change_confirm(user=request.user, code=code_form.cleaned_data["code"], request=request)
    except flows.PhoneTaken:
        code_form.add_error("code", PHONE_TAKEN)
        return _page(request, code_form=code_form, status=400)
    except CodeRefused as refused:
        code_form.add_error("code", refused.message)
        return _page(request, code_form=code_form, status=429 if refused.reason == "check_limited" else 400)
    messages.success(request, _("Your phone number is now %(phone)s.") % {"phone": request.user.phone})
    return _profile_phone()
