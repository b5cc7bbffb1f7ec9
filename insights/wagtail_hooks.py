"""The operations dashboard in the Wagtail admin: its URLs, menu item and permissions."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from core.admin import PermissionMenuItem


@hooks.register("register_admin_urls")
def register_insights_urls():
    # App loading: Wagtail imports wagtail_hooks while it collects hooks; the views load every app's models.
    from . import views

    return [
        path("insights/", views.dashboard, name="insights_dashboard"),
        path("insights/export/<str:table>/<str:fmt>/", views.export, name="insights_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_insights_menu_item():
    return PermissionMenuItem(
        _("Operations dashboard"),
        reverse("insights_dashboard"),
        permission="insights.view_dashboard",
        icon_name="doc-full",
        order=220,
    )


@hooks.register("register_permissions")
def register_insights_permissions():
    return Permission.objects.filter(content_type__app_label="insights")
