"""Learner accounts on the public site: sign-up, sign-in, sign-out and password reset."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .audit.models import AuthEvent
from .audit.services import auth_event_record
from .backends import password_reset_allowed
from .codes.flows import PASSWORD_PURPOSES, phone_sign_up
from .codes.services import CodeRefused, code_cancel
from .codes.views import sign_up_confirm_start
from .consent.services import notice_version
from .forms import AccountDeleteForm, PasswordResetForm, SignInForm, SignUpForm
from .hooks import sign_in_hooks_run, sign_in_notes
from .landing import landing_rule_url, landing_url, redirect_target, welcome_url
from .personal_data import personal_data_erase, personal_data_export
from .preferences import NotificationSettingsForm
from .services import user_sign_up

BACKEND = "accounts.backends.EmailOrPhoneBackend"
# The privacy notice is a StandardPage at the root of the site.
PRIVACY_NOTICE_PATH = "chinh-sach-bao-ve-du-lieu-ca-nhan/"


def privacy_notice_url():
    """The privacy notice's address (one language, no prefix: docs/languages.md)."""
    return reverse("wagtail_serve", args=[PRIVACY_NOTICE_PATH])


def _active_language():
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def sign_up(request):
    next_url = redirect_target(request)
    if request.user.is_authenticated:
        return redirect(landing_url(request=request, user=request.user))
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_valid() and form.cleaned_data["phone"]:
        # By phone: the account waits for the code sent to the number (accounts.codes).
        data = form.cleaned_data
        try:
            user = phone_sign_up(
                full_name=data["full_name"],
                phone=data["phone"],
                password=data["password1"],
                language=_active_language(),
                campaign_channels=form.campaign_channels(),
                request=request,
            )
        except CodeRefused as refused:
            form.add_error(None, refused.message)
        except IntegrityError:
            form.add_error("identifier", form.duplicate_error())
        else:
            return sign_up_confirm_start(request, user=user, next_url=next_url)
    elif form.is_valid():
        try:
            with transaction.atomic():
                data = form.cleaned_data
                user = user_sign_up(
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    password=data["password1"],
                    language=_active_language(),
                    campaign_channels=form.campaign_channels(),
                )
        except IntegrityError:
            # Someone signed up with the same email or phone between validation and saving.
            form.add_error("identifier", form.duplicate_error())
        else:
            login(request, user, backend=BACKEND)
            sign_in_hooks_run(request, user)
            return redirect(welcome_url(next_url=next_url))
    context = {
        "form": form,
        "next": next_url,
        "privacy_notice_url": privacy_notice_url(),
        "notes": sign_in_notes(request),
    }
    context["needs_activation"] = form.is_bound and form.has_error("identifier", "needs_activation")
    return render(request, "accounts/sign_up.html", context)


def welcome_links(request, setting):
    """Links the higher floors offer a newcomer (``ACCOUNTS_WELCOME_FIRST_STEPS``, ``ACCOUNTS_WELCOME_LINKS``:
    callables taking the request)."""
    links = []
    for dotted_path in getattr(settings, setting, ()):
        links.extend(import_string(dotted_path)(request))
    return links


@login_required
@never_cache
def welcome(request):
    """After sign-up: a greeting, the page the person came from (a safe ``next``), and what to do next."""
    context = {
        "next": redirect_target(request),
        "first_steps": welcome_links(request, "ACCOUNTS_WELCOME_FIRST_STEPS"),
        "links": welcome_links(request, "ACCOUNTS_WELCOME_LINKS"),
        "privacy_notice_url": privacy_notice_url(),
    }
    return render(request, "accounts/welcome.html", context)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        sign_in_hooks_run(self.request, form.get_user())
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "notes": sign_in_notes(self.request)}

    def get_default_redirect_url(self):
        """No safe ``next``: where this person's work is (``accounts.landing``), also for the two-step path."""
        return landing_rule_url(request=self.request, user=self.request.user)


class SignOutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405), then to LOGOUT_REDIRECT_URL ("/")."""


class PasswordResetRequestMixin:
    """Rate-limited and logged; used by the site's reset page and the Wagtail admin's (``admin_password_reset``)."""

    def form_valid(self, form):
        # Over the limit, the answer is the same as for an unknown address (nothing tells an
        # attacker which addresses have accounts), but no email is sent.
        allowed = password_reset_allowed(form.cleaned_data["email"], self.request)
        subject = next(iter(form.get_users(form.cleaned_data["email"])), None)
        auth_event_record(
            kind=AuthEvent.Kind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            subject=subject,
            detail={"known_account": subject is not None, "sent": allowed and subject is not None},
        )
        if not allowed:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmMixin:
    """Logs the new password being set (the reset link's last step)."""

    def form_valid(self, form):
        first_password = not form.user.has_usable_password()
        response = super().form_valid(form)
        # The other ways in this person was sent (an invitation, a code by SMS) are void now.
        code_cancel(user=form.user, purposes=PASSWORD_PURPOSES)
        auth_event_record(
            kind=AuthEvent.Kind.PASSWORD_RESET_DONE,
            request=self.request,
            subject=form.user,
            detail={"channel": "email", "first_password": first_password},
        )
        return response


class PasswordResetView(PasswordResetRequestMixin, auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(PasswordResetConfirmMixin, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# Personal data: see and take away everything held about you; delete your account.


@login_required
@never_cache
def my_data(request):
    form = AccountDeleteForm(user=request.user)
    return render(request, "accounts/my_data.html", {"form": form})


@login_required
@never_cache
def my_data_export(request):
    data = personal_data_export(request.user)
    auth_event_record(
        kind=AuthEvent.Kind.EXPORT,
        request=request,
        subject=request.user,
        detail={"name": "personal-data", "format": "json"},
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="ky-nang-so-du-lieu-cua-toi.json"'
    return response


@sensitive_post_parameters("password")
@require_POST
@login_required
@csrf_protect
def account_delete(request):
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "accounts/my_data.html", {"form": form}, status=400)
    user = request.user
    logout(request)
    personal_data_erase(user, request=request, by="self")
    messages.success(request, _("Your account and everything held about you have been deleted."))
    return redirect("/")


# Notification settings: where reminders go, and which optional messages a person wants.


@login_required
@csrf_protect
@never_cache
def notification_settings(request):
    form = NotificationSettingsForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification settings are saved."))
        return redirect("accounts:notification_settings")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "privacy_notice_version": notice_version()}
    return render(request, "accounts/notification_settings.html", context, status=status)
