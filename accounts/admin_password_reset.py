"""The Wagtail admin's password reset, with the site's rate limit and the auth event log.

``lms/urls.py`` mounts these before Wagtail's admin URLs, under the same names, so the admin's
"Forgotten password?" link and its e-mail reach these views.
"""

from django.urls import path
from wagtail.admin.views import account

from .views import PasswordResetConfirmMixin, PasswordResetRequestMixin


class AdminPasswordResetView(PasswordResetRequestMixin, account.PasswordResetView):
    pass


class AdminPasswordResetConfirmView(PasswordResetConfirmMixin, account.PasswordResetConfirmView):
    pass


urlpatterns = [
    path("", AdminPasswordResetView.as_view(), name="wagtailadmin_password_reset"),
    path(
        "confirm/<uidb64>/<token>/",
        AdminPasswordResetConfirmView.as_view(),
        name="wagtailadmin_password_reset_confirm",
    ),
]
