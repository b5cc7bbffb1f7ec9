"""Admin pieces every app's ``wagtail_hooks.py`` uses: a menu item shown by permission, readable values
(``value_display``, ``ReadableIndexView``, ``ReadableInspectView``, ``ReadableViewSet``), and a viewset
for records that people inspect and act on but never add, edit or delete by hand (certificates,
training assignments, the delivery log).

Every value shown in a listing or an inspect view reads like the rest of the site: yes/no as
"Có"/"Không", an empty value as "—", a choice as its label, a time in Asia/Ho_Chi_Minh as
dd/mm/yyyy HH:MM and a date as dd/mm/yyyy (``core.localtime``). Wagtail's own inspect view prints a
time through ``|localize``, which does not convert it to local time, and booleans as True/False.
"""

import datetime
import functools
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import path
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet

from .localtime import date_display, datetime_display

EMPTY = "—"


def plain_display(value: Any) -> str:
    """A Python value as people read it: yes/no, "—" for nothing, local dd/mm/yyyy (HH:MM)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return datetime_display(value)
    if isinstance(value, datetime.date):
        return date_display(value)
    if isinstance(value, models.Manager):
        return ", ".join(str(item) for item in value.all()) or EMPTY
    return str(value) if isinstance(value, Promise) else value


def choice_label(field: models.Field, value: Any) -> Any:
    """The label of ``value`` among ``field``'s choices ("open" → "Đang mở"), or the value itself."""
    for key, label in field.flatchoices:
        if key == value:
            return str(label)
    return value


def value_display(instance: models.Model, name: str) -> Any:
    """``instance``'s field (or attribute, or ``a__b`` relation) ``name``, readable (see ``plain_display``)."""
    *relations, last = name.split("__")
    target: Any = instance
    for relation in relations:
        target = getattr(target, relation, None)
        if target is None:
            return EMPTY
    try:
        field = target._meta.get_field(last)
    except FieldDoesNotExist:
        field = None
    if isinstance(field, models.Field) and not field.is_relation:
        value = getattr(target, field.attname)
        if field.choices and value not in (None, ""):
            return choice_label(field, value)
        return plain_display(value)
    value = getattr(target, last, None)
    if callable(value) and not isinstance(value, models.Manager):
        value = value()
    return plain_display(value)


class FieldColumn(Column):
    """A listing column showing ``value_display`` of its field."""

    def __init__(self, name: str, *, field_name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.field_name = field_name or name

    def get_value(self, instance):
        return value_display(instance, self.field_name)


class ReadableIndexView(IndexView):
    """A listing whose columns named by field (``list_display`` strings) show readable values."""

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        if column_class is Column:
            column_class = functools.partial(FieldColumn, field_name=field_name)
        return super()._get_custom_column(field_name, column_class, **kwargs)


class ReadableInspectView(InspectView):
    """An inspect view whose values are readable; ``get_<field>_display_value`` methods still win."""

    def get_field_display_value(self, field_name, field):
        value_func = getattr(self, f"get_{field_name}_display_value", None)
        if callable(value_func):
            return value_func()
        if field is not None and field.is_relation and field.many_to_many:
            return super().get_field_display_value(field_name, field)
        return value_display(self.object, field_name)


class ReadableViewSet(ModelViewSet):
    """A model viewset with readable listings and inspect views (every viewset of ours is one)."""

    index_view_class = ReadableIndexView
    inspect_view_class = ReadableInspectView


class PermissionMenuItem(MenuItem):
    """A menu item shown to holders of one permission (``"app_label.codename"``)."""

    def __init__(self, label: str, url: str, *, permission: str, **kwargs: Any) -> None:
        super().__init__(label, url, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


class RecordViewSet(ReadableViewSet):
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
        action = {f"{self.action_name}_url_name": self.get_url_name(self.action_name)} if self.action_name else {}
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **action,
            **kwargs,
        )

    @cached_property
    def action_view(self):
        if self.action_view_class is None:
            return None
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
            *(
                [path(f"{self.action_name}/<int:pk>/", self.action_view, name=self.action_name)]
                if self.action_name
                else []
            ),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model), codename__in=self.registered_codenames
        )
