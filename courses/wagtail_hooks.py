from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin import PermissionMenuItem

from .certificates import admin as certificates_admin  # noqa: F401 (registers the certificates admin)
from .learning import feedback_views
from .lti import admin as lti_admin  # noqa: F401 (registers the LTI platforms and their courses' members)
from .models import PublicService
from .packages import admin as packages_admin  # noqa: F401 (registers the learning packages' admin)
from .training import admin as training_admin  # noqa: F401 (registers the mandatory-training admin)


class PublicServiceViewSet(SnippetViewSet):
    model = PublicService
    icon = "globe"
    menu_label = _("Public services")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "agency", "online_level", "procedure_code"]
    list_filter = ["online_level"]
    search_fields = ["name", "agency", "procedure_code"]
    # Searched in the database (like the other listings): the search index holds neither the
    # procedure code nor, on SQLite, a per-field search ("no such column"), so any query was a 500.
    search_backend_name = None


register_snippet(PublicServiceViewSet)


@hooks.register("register_admin_urls")
def register_feedback_urls():
    return [
        path("feedback/", feedback_views.feedback_report, name="courses_feedback_report"),
        path("feedback/<int:page_id>/", feedback_views.feedback_detail, name="courses_feedback_detail"),
    ]


@hooks.register("register_reports_menu_item")
def register_feedback_menu_item():
    return PermissionMenuItem(
        _("Was this helpful?"),
        reverse("courses_feedback_report"),
        permission="courses.view_feedback",
        icon_name="help",
        order=700,
    )


@hooks.register("register_permissions")
def register_feedback_permissions():
    return Permission.objects.filter(content_type__app_label="courses", codename="view_feedback")
