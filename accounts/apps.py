from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("People and organisation units")


class AccountsUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our user model (email or phone, full name)."""

    user_viewset = "accounts.viewsets.UserViewSet"
