"""Admin pieces every app's ``wagtail_hooks.py`` uses: a menu item shown by permission, and a viewset
for records that people inspect and act on but never add, edit or delete by hand (certificates,
training assignments, the delivery log)."""

from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path
from django.utils.functional import cached_property
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet


class PermissionMenuItem(MenuItem):
    """A menu item shown to holders of one permission (``"app_label.codename"``)."""

    def __init__(self, label: str, url: str, *, permission: str, **kwargs: Any) -> None:
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class RecordViewSet(ModelViewSet):
    """A listing and an inspect view of records made by the system, plus one action view.

    Subclasses set ``action_name`` (the URL name and path segment, e.g. ``"revoke"``),
    ``action_view_class``, ``action_view_kwargs`` (extra keyword arguments for it) and
    ``registered_codenames`` (the permissions shown in the group editor). Only these views
    exist, so nothing may link to an add, edit, delete, history or usage view; links to a
    record (e.g. from logs) open its inspect view.
    """

    action_name = ""
    action_view_class = None
    action_view_kwargs: dict = {}
    registered_codenames: tuple[str, ...] = ()
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False

    @property
    def url_finder_class(self):
        return type(
            f"{self.model.__name__}AdminURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **{f"{self.action_name}_url_name": self.get_url_name(self.action_name)},
            **kwargs,
        )

    @cached_property
    def action_view(self):
        return self.construct_view(
            self.action_view_class,
            index_url_name=self.get_url_name("index"),
            inspect_url_name=self.get_url_name("inspect"),
            **self.action_view_kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path(f"{self.action_name}/<int:pk>/", self.action_view, name=self.action_name),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model), codename__in=self.registered_codenames
        )
