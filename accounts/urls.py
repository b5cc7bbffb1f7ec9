from django.urls import path

from . import views
from .codes import views as code_views
from .profile import views as profile_views
from .tokens import views as token_views
from .twofactor import views as two_factor_views

app_name = "accounts"

# Included at /account/ (one language, no prefix: docs/languages.md).
urlpatterns = [
    path("sign-up/", views.sign_up, name="sign_up"),
    path("welcome/", views.welcome, name="account_welcome"),
    path("sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign_out"),
    # One-time codes (accounts.codes): sign-up by phone, password by SMS code, activation;
    # before password-reset/<uidb64>/<token>/, which would take phone/code/.
    path("sign-up/confirm/", code_views.sign_up_confirm, name="sign_up_confirm"),
    path("password-reset/phone/", code_views.phone_password_code, name="phone_reset"),
    path("password-reset/phone/code/", code_views.password_by_code, name="phone_reset_code"),
    path("activate/", code_views.password_by_code, {"mode": "activate"}, name="activate"),
    path("activate/by-sms/", code_views.phone_password_code, {"mode": "activate"}, name="activate_request"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export.json", views.my_data_export, name="my_data_export"),
    path("delete/", views.account_delete, name="account_delete"),
    path("notifications/", views.notification_settings, name="notification_settings"),
    # The person's own name, language and e-mail address (accounts.profile).
    path("profile/", profile_views.profile, name="account_profile"),
    # A new phone number, confirmed by the code sent to it, from the profile page.
    path("profile/phone/", profile_views.phone_change_request_view, name="account_phone_change"),
    path("profile/phone/confirm/", profile_views.phone_change_confirm_view, name="phone_change_confirm"),
    path("profile/email/<str:token>/", profile_views.email_change_confirm_view, name="email_change_confirm"),
    # Personal access tokens for the personal API (accounts.tokens, docs/api.md).
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", token_views.token_revoke_view, name="token_revoke"),
    # Two-step verification of staff (accounts.twofactor).
    path("two-factor/", two_factor_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/set-up/", two_factor_views.two_factor_set_up, name="two_factor_set_up"),
    path("two-factor/recovery-codes/", two_factor_views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
]
