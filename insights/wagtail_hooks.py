"""The operations dashboard in the Wagtail admin: its URLs, menu item and permissions."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from core.admin import PermissionMenuItem
from core.db_router import replica_reads


@hooks.register("register_admin_urls")
def register_insights_urls():
    # App loading: Wagtail imports wagtail_hooks while it collects hooks; the views load every app's models.
    from . import views
    from .uptake import views as uptake

    return [
        path("insights/", replica_reads(views.dashboard), name="insights_dashboard"),
        path("insights/export/<str:table>/<str:fmt>/", replica_reads(views.export), name="insights_export"),
        path("insights/uptake/", uptake.uptake_upload, name="insights_uptake_upload"),
        path("insights/uptake/<int:pk>/", uptake.uptake_detail, name="insights_uptake_detail"),
        path("insights/uptake/<int:pk>/import/", uptake.uptake_apply, name="insights_uptake_apply"),
        path("insights/uptake/sample.csv", uptake.uptake_sample, name="insights_uptake_sample"),
        path("insights/uptake/export/<str:table>/<str:fmt>/", uptake.uptake_export, name="insights_uptake_export"),
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


@hooks.register("register_admin_menu_item")
def register_uptake_menu_item():
    return PermissionMenuItem(
        _("Online service figures"),
        reverse("insights_uptake_upload"),
        permission="insights.import_uptake",
        icon_name="upload",
        order=221,
    )


@hooks.register("register_permissions")
def register_insights_permissions():
    return Permission.objects.filter(content_type__app_label="insights")
