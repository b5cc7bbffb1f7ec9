from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton

from core.admin import PermissionMenuItem

from .audit.viewsets import auth_event_viewset
from .roster import views as roster_views
from .twofactor import views as two_factor_views
from .viewsets import organisation_unit_viewset


@hooks.register("register_admin_viewset")
def register_organisation_unit_viewset():
    return organisation_unit_viewset


# Roster imports ---------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [
        path("roster/", roster_views.roster_index, name="accounts_roster_index"),
        path("roster/upload/", roster_views.roster_upload, name="accounts_roster_upload"),
        path("roster/sample.csv", roster_views.roster_sample, name="accounts_roster_sample"),
        path("roster/<int:pk>/", roster_views.roster_detail, name="accounts_roster_detail"),
        path("roster/<int:pk>/import/", roster_views.roster_apply, name="accounts_roster_apply"),
        path("roster/activation/", roster_views.roster_activation, name="accounts_roster_activation"),
        path("roster/activation/invite/", roster_views.roster_invite, name="accounts_roster_invite"),
    ]


@hooks.register("register_admin_menu_item")
def register_roster_menu_item():
    return PermissionMenuItem(
        _("Roster import"),
        reverse("accounts_roster_index"),
        permission="accounts.add_rosterimport",
        icon_name="upload",
        order=240,
    )


@hooks.register("register_permissions")
def register_roster_permissions():
    return Permission.objects.filter(
        content_type__app_label="accounts", codename__in=["add_rosterimport", "view_rosterimport"]
    )


# Two-step verification and the auth event log (superusers only) ----------------------


@hooks.register("register_admin_viewset")
def register_auth_event_viewset():
    return auth_event_viewset


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return [
        path("two-factor/reset/<int:user_id>/", two_factor_views.two_factor_reset, name="accounts_two_factor_reset")
    ]


@hooks.register("register_user_listing_buttons")
def two_factor_reset_button(user, request_user):
    if request_user.is_superuser and user.pk != request_user.pk:
        yield ListingButton(
            _("Reset two-step verification"), reverse("accounts_two_factor_reset", args=[user.pk]), priority=90
        )


@hooks.register("register_account_menu_item")
def recovery_codes_account_item(request):
    """On the admin's account page: make new recovery codes (for people who set up two-step verification)."""
    if not getattr(request.user, "is_verified", lambda: False)():
        return None
    return {
        "url": reverse("accounts:two_factor_recovery_codes"),
        "label": _("Recovery codes"),
        "help_text": _("Make new single-use codes for signing in without your phone."),
    }
