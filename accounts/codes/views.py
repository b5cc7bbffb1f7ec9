"""The pages of the codes: confirm a sign-up by phone, get a code and choose a password (reset,
activation). The change of phone number is on the profile page (``accounts.profile.views``).
No JavaScript; each POST calls one flow."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from ..hooks import sign_in_hooks_run
from ..landing import welcome_url
from ..models import User
from ..phone import phone_normalise
from . import flows
from .forms import CodeForm, PasswordByCodeForm, PhoneForm
from .services import CodeRefused

BACKEND = "accounts.backends.EmailOrPhoneBackend"
SIGN_UP_SESSION = "accounts_sign_up_confirm"  # {"user_id": …, "next": …}
CODE_FOR_SESSION = "accounts_code_for"  # the number a password code was asked for


def masked(phone: str) -> str:
    """0912345678 → 0912•••678: enough for the person to recognise their number."""
    return f"{phone[:4]}•••{phone[-3:]}" if phone and len(phone) > 7 else phone


def sign_up_confirm_start(request, *, user: User, next_url: str):
    """After a sign-up by phone: remember who waits for a code in this browser, go to the code page."""
    request.session[SIGN_UP_SESSION] = {"user_id": user.pk, "next": next_url}
    return redirect("accounts:sign_up_confirm")


@csrf_protect
@never_cache
def sign_up_confirm(request):
    pending = request.session.get(SIGN_UP_SESSION) or {}
    user = User.objects.filter(pk=pending.get("user_id"), is_active=False, last_login__isnull=True).first()
    if user is None:
        return redirect("accounts:sign_up")
    form = CodeForm(request.POST if request.method == "POST" and "resend" not in request.POST else None)
    status, resend_error = 200, ""
    if request.method == "POST" and "resend" in request.POST:
        try:
            flows.phone_sign_up_resend(user_id=user.pk, request=request)
        except CodeRefused as refused:
            resend_error, status = refused.message, 429
        else:
            messages.success(request, _("We sent you a new code."))
            return redirect("accounts:sign_up_confirm")
    elif form.is_valid():
        try:
            user = flows.phone_sign_up_confirm(user_id=user.pk, code=form.cleaned_data["code"], request=request)
        except CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            next_url = pending.get("next") or ""
            request.session.pop(SIGN_UP_SESSION, None)
            login(request, user, backend=BACKEND)
            sign_in_hooks_run(request, user)
            messages.success(request, _("Your phone number is confirmed and your account is ready."))
            return redirect(welcome_url(next_url=next_url))
    if request.method == "POST" and form.errors and status == 200:
        status = 400
    context = {"form": form, "phone": masked(user.phone or ""), "resend_error": resend_error}
    return render(request, "accounts/codes/sign_up_confirm.html", context, status=status)


@csrf_protect
@never_cache
def phone_password_code(request, mode="reset"):
    """Ask for a code by SMS to choose a password (``mode``: "reset" or "activate", only the wording differs)."""
    form = PhoneForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        flows.phone_password_code_request(phone=phone, request=request)
        request.session[CODE_FOR_SESSION] = phone
        # The same answer whether the number has an account or not.
        messages.info(request, _("If an account uses this number, we sent it a code by SMS."))
        return redirect("accounts:activate" if mode == "activate" else "accounts:phone_reset_code")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/codes/phone_password_code.html", {"form": form, "mode": mode}, status=status)


@sensitive_post_parameters("password1", "password2", "code")
@csrf_protect
@never_cache
def password_by_code(request, mode="reset"):
    """Type the code (from SMS, or from an invitation) and choose a password."""
    initial = {"identifier": request.session.get(CODE_FOR_SESSION) or phone_normalise(request.GET.get("for")) or ""}
    form = PasswordByCodeForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            flows.password_set_by_code(
                address=data["identifier"], code=data["code"], password=data["password1"], request=request
            )
        except CodeRefused as refused:
            form.add_error("code", refused.message)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            request.session.pop(CODE_FOR_SESSION, None)
            messages.success(request, _("Your password is set. Sign in with your phone number or email and it."))
            return redirect("accounts:sign_in")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/codes/password_by_code.html", {"form": form, "mode": mode}, status=status)
