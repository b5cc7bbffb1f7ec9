from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class AccountsConfig(AppConfig):
    # This module holds other AppConfigs too (Wagtail's users, ours): say which is the app's.
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("People and organisation units")

    def ready(self):
        # Wiring of the auth event log: Django's sign-in signals and core's export listeners.
        # Imported here: the receivers use models, which need the app registry ready.
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import m2m_changed

        from core.exports import export_listener_register

        from .audit import receivers

        user_logged_in.connect(receivers.signed_in, dispatch_uid="accounts-auth-event-sign-in")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="accounts-auth-event-sign-in-failed")
        export_listener_register(receivers.export_made)
        m2m_changed.connect(
            receivers.groups_changed, sender=self.get_model("User").groups.through, dispatch_uid="accounts-groups"
        )


class AccountsUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin, with forms for our user model (email or phone, full name)."""

    default = False

    user_viewset = "accounts.viewsets.UserViewSet"
