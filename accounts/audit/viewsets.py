"""The auth event log in the Wagtail admin: a read-only listing and inspect view, for superusers only."""

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin import ReadableViewSet

from .models import AuthEvent


class SuperuserViewOnlyPolicy(BasePermissionPolicy):
    """Superusers may view; nobody may add, change or delete; no permission a group could be given."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_authenticated and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


register_permission_policy(AuthEvent, SuperuserViewOnlyPolicy(AuthEvent), exact_class=True)


class AuthEventFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Event"), choices=AuthEvent.Kind.choices)
    at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    person = django_filters.CharFilter(label=_("Person (name, email or phone)"), method="filter_person")

    class Meta:
        model = AuthEvent
        fields = ["kind", "at"]

    def filter_person(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        match = Q()
        for prefix in ("actor", "subject"):
            match |= (
                Q(**{f"{prefix}__full_name__icontains": value})
                | Q(**{f"{prefix}__email__icontains": value})
                | Q(**{f"{prefix}__phone__icontains": value})
            )
        return queryset.filter(match)


class LocalTimeColumn(Column):
    """dd/mm/yyyy hh:mm in the site's time zone."""

    def get_value(self, instance):
        return instance.get_at_display()


class AuthEventViewSet(ReadableViewSet):
    model = AuthEvent
    icon = "lock"
    menu_label = _("Auth event log")
    menu_order = 260
    add_to_settings_menu = True
    list_display = [
        LocalTimeColumn("at", label=_("Time")),
        "kind",
        "actor",
        "subject",
        "client_address",
    ]
    filterset_class = AuthEventFilterSet
    ordering = ["-at", "-pk"]
    list_per_page = 100
    inspect_view_enabled = True
    inspect_view_fields = ["at", "kind", "actor", "subject", "client_address", "user_agent", "detail"]
    copy_view_enabled = False
    add_to_reference_index = False
    search_fields = None

    def get_queryset(self, request):
        return AuthEvent.objects.select_related("actor", "subject")

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **kwargs,
        )

    def get_urlpatterns(self):
        # Only the listing and the inspect view exist: the log is never edited by hand.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        # None to offer to groups: the log is for superusers only.
        return Permission.objects.none()


auth_event_viewset = AuthEventViewSet("auth_events")
