"""Two-step verification pages: set up, verify, recovery codes (the person), and a superuser's reset (admin)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from ..landing import landing_url, redirect_target
from ..models import User
from . import services
from .forms import CodeForm

SESSION_CODES = "two_factor_new_recovery_codes"


def _refusal(request, user, form):
    """Why no code may be tried now (our limit per person and client, or the device's back-off), else None."""
    if services.two_factor_blocked(user=user, request=request):
        form.add_error("code", _("Too many wrong codes. Please wait 15 minutes and try again."))
        return 429
    seconds = services.two_factor_wait_seconds(user=user)
    if seconds:
        form.add_error("code", _("Please wait %(seconds)s seconds before trying another code.") % {"seconds": seconds})
        return 429
    return None


def _with_query(url, request):
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


def _next(request):
    """Where to go once verified: the page asked for, else where this person lands (``accounts.landing``)."""
    return landing_url(request=request, user=request.user)


@sensitive_post_parameters("code")
@login_required
@csrf_protect
@never_cache
def two_factor_verify(request):
    user = request.user
    if services.confirmed_totp_device(user=user) is None:
        return redirect(_with_query(reverse("accounts:two_factor_set_up"), request))
    if user.is_verified():
        return redirect(_next(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = _refusal(request, user, form)
        if refusal:
            status = refusal
        elif services.two_factor_verify(request=request, user=user, code=form.cleaned_data["code"]):
            return redirect(_next(request))
        else:
            form.add_error("code", _("That code is not right. Check your app and try again."))
            status = 400
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": redirect_target(request)}
    return render(request, "accounts/twofactor/verify.html", context, status=status)


@sensitive_post_parameters("code")
@login_required
@csrf_protect
@never_cache
def two_factor_set_up(request):
    user = request.user
    if services.confirmed_totp_device(user=user) is not None:
        # Holding a device already: a new one only after a superuser's reset (else a stolen password would do).
        return redirect(_with_query(reverse("accounts:two_factor_verify"), request))
    device = services.setup_device(request=request, user=user)
    form = CodeForm(request.POST if request.method == "POST" else None, numeric=True)
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = _refusal(request, user, form)
        if refusal:
            status = refusal
        else:
            codes = services.two_factor_set_up(request=request, user=user, code=form.cleaned_data["code"])
            if codes is not None:
                request.session[SESSION_CODES] = codes
                next_url = redirect_target(request)
                target = reverse("accounts:two_factor_recovery_codes")
                return redirect(f"{target}?{urlencode({'next': next_url})}" if next_url else target)
            form.add_error("code", _("That code is not right. Check your app and try again."))
            status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "next": redirect_target(request),
        "qr_svg": services.qr_svg(data=services.config_url(device=device)),
        "manual_key": services.manual_key(device=device),
    }
    return render(request, "accounts/twofactor/set_up.html", context, status=status)


@login_required
@csrf_protect
@never_cache
def two_factor_recovery_codes(request):
    """New codes are shown once (taken out of the session); a verified person may make new ones here."""
    user = request.user
    if services.confirmed_totp_device(user=user) is None:
        return redirect("accounts:two_factor_set_up")
    if not user.is_verified():
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': request.path})}")
    if request.method == "POST":
        request.session[SESSION_CODES] = services.recovery_codes_regenerate(request=request, user=user)
        return redirect("accounts:two_factor_recovery_codes")
    codes = request.session.pop(SESSION_CODES, None)
    context = {
        "codes": codes,
        "codes_left": services.recovery_codes_left(user=user),
        "continue_url": _next(request),
    }
    return render(request, "accounts/twofactor/recovery_codes.html", context)


@csrf_protect
@never_cache
def two_factor_reset(request, user_id):
    """Admin: a superuser removes another person's devices (they lost their phone)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    person = get_object_or_404(User, pk=user_id)
    if request.method == "POST":
        services.two_factor_reset(request=request, user=person)
        messages.success(request, _("Two-step verification of %(name)s was reset.") % {"name": person})
        return redirect("wagtailusers_users:edit", person.pk)
    context = {
        "person": person,
        "has_device": services.confirmed_totp_device(user=person) is not None,
        "header_title": _("Reset two-step verification"),
    }
    return TemplateResponse(request, "accounts/twofactor/admin_reset.html", context)
