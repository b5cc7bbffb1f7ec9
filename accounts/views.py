"""Learner accounts on the public site: sign-up, sign-in, sign-out and password reset."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from .forms import PasswordResetForm, SignInForm, SignUpForm
from .hooks import sign_in_hooks_run

BACKEND = "accounts.backends.EmailOrPhoneBackend"
REDIRECT_FIELD_NAME = "next"
# The privacy notice is a StandardPage at the root of the site.
PRIVACY_NOTICE_PATH = "chinh-sach-bao-ve-du-lieu-ca-nhan/"


def privacy_notice_url():
    """The privacy notice in the active language ("/…" in Vietnamese, "/en/…" in English)."""
    return reverse("wagtail_serve", args=[PRIVACY_NOTICE_PATH])


def redirect_target(request):
    """The ``next`` URL of the request if it is on this site, else ""."""
    url = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


def _active_language():
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def sign_up(request):
    next_url = redirect_target(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            with transaction.atomic():
                user = form.save(language=_active_language())
        except IntegrityError:
            # Someone signed up with the same email or phone between validation and saving.
            form.add_error("identifier", form.duplicate_error())
        else:
            login(request, user, backend=BACKEND)
            sign_in_hooks_run(request, user)
            return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    context = {"form": form, "next": next_url, "privacy_notice_url": privacy_notice_url()}
    return render(request, "accounts/sign_up.html", context)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        sign_in_hooks_run(self.request, form.get_user())
        return response


class SignOutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405), then to LOGOUT_REDIRECT_URL ("/")."""


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
