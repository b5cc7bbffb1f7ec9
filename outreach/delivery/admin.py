"""Admin of delivery: the delivery log (read-only, counts per status, resend a failed message).

Grouped with the reminders' message templates under "Reminders" (``outreach.wagtail_hooks``).
Training administrators hold the permissions (outreach/migrations/0004_reminder_permissions.py).
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from core.admin import ReadableIndexView, ReadableInspectView, RecordViewSet
from core.localtime import datetime_display

from .kinds import kind_choices, kind_display, kinds_where, reason_label
from .models import Channel, Delivery
from .sending import delivery_resend_prepare

# The delivery log --------------------------------------------------------------------------------


class DeliveryFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=kind_choices, empty_label=_("All"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Delivery.Status.choices, empty_label=_("All"))
    planned_at = django_filters.DateFromToRangeFilter(label=_("Planned"), widget=DateRangePickerWidget)

    class Meta:
        model = Delivery
        fields = ["kind", "channel", "status", "planned_at"]


class DeliveryIndexView(ReadableIndexView):
    any_permission_required = ["view"]
    results_template_name = "outreach/delivery/admin/delivery_results.html"
    resend_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("recipient")

    def status_counts(self):
        """Messages per status under the current filters and search, in one query."""
        queryset = self.search_queryset(self.filter_queryset(self.get_base_queryset()))
        counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        return [(value, label, counts.get(value, 0)) for value, label in Delivery.Status.choices]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["status_counts"] = self.status_counts()
        return context

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if (
            self.resend_url_name
            and instance.status == Delivery.Status.FAILED
            and instance.kind not in kinds_where("secret")
            and self.user_has_permission("resend")
        ):
            buttons.append(
                MenuItem(
                    _("Resend"), url=reverse(self.resend_url_name, args=[quote(instance.pk)]), icon_name="redirect"
                )
            )
        return buttons


class DeliveryInspectView(ReadableInspectView):
    resend_url_name = None

    def get_planned_at_display_value(self):
        return datetime_display(self.object.planned_at)

    def get_sent_at_display_value(self):
        return datetime_display(self.object.sent_at)

    def get_not_before_display_value(self):
        return datetime_display(self.object.not_before)

    def get_read_at_display_value(self):
        return datetime_display(self.object.read_at)

    def get_reason_display_value(self):
        return reason_label(self.object.reason) if self.object.reason else "—"

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons()
        if (
            self.resend_url_name
            and self.object.status == Delivery.Status.FAILED
            and self.object.kind not in kinds_where("secret")
            and self.user_has_permission("resend")
        ):
            buttons.append(
                Button(
                    _("Resend"), url=reverse(self.resend_url_name, args=[quote(self.object.pk)]), icon_name="redirect"
                )
            )
        return buttons


class DeliveryResendView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Confirm, then plan a failed message again: a fresh series of attempts, with the same key."""

    model = Delivery
    permission_required = "resend"
    form_class = forms.Form
    template_name = "outreach/delivery/admin/delivery_resend.html"
    page_title = _("Resend a message")
    header_icon = "redirect"
    index_url_name = None
    inspect_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Delivery.objects.select_related("recipient"), pk=unquote(str(kwargs["pk"])))

    def get(self, request, *args, **kwargs):
        if self.object.status != Delivery.Status.FAILED:
            messages.warning(request, _("Only a failed message can be resent."))
            return redirect(reverse(self.inspect_url_name, args=[quote(self.object.pk)]))
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object.recipient)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Delivery._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": _("Resend"), "sublabel": str(self.object.recipient)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            action_url=self.request.path,
            submit_button_label=_("Resend"),
            submit_button_active_label=_("Resending…"),
        )
        return context

    def form_valid(self, form):
        if delivery_resend_prepare(delivery=self.object, user=self.request.user):
            messages.success(self.request, _("The message will be sent again in a moment."))
        else:
            messages.warning(self.request, _("Only a failed message can be resent."))
        return redirect(reverse(self.inspect_url_name, args=[quote(self.object.pk)]))


def _status(delivery):
    label = delivery.get_status_display()
    if delivery.reason:
        return f"{label}: {reason_label(delivery.reason)}"
    if delivery.status == Delivery.Status.FAILED and delivery.last_error:
        return f"{label}: {delivery.last_error[:80]}"
    return label


class DeliveryViewSet(RecordViewSet):
    model = Delivery
    icon = "mail"
    menu_label = _("Delivery log")
    index_view_class = DeliveryIndexView
    inspect_view_class = DeliveryInspectView
    inspect_view_fields = [
        "recipient",
        "kind",
        "channel",
        "address",
        "status",
        "reason",
        "attempts",
        "last_error",
        "planned_at",
        "not_before",
        "sent_at",
        "read_at",
        "received_at",
        "subject",
        "body",
        "idempotency_key",
    ]
    filterset_class = DeliveryFilterSet
    list_display = [
        Column(
            "planned_at", label=_("Planned"), accessor=lambda d: datetime_display(d.planned_at), sort_key="planned_at"
        ),
        "recipient",
        Column("kind", label=_("Kind"), accessor=kind_display),
        "channel",
        Column("status", label=_("Status"), accessor=_status),
        Column("sent_at", label=_("Sent"), accessor=lambda d: datetime_display(d.sent_at), sort_key="sent_at"),
        "attempts",
    ]
    search_fields = ["recipient__full_name", "recipient__email", "recipient__phone", "address"]
    search_backend_name = None
    ordering = ["-planned_at", "-pk"]
    list_per_page = 50

    # A log: nothing is added, edited or deleted by hand.
    action_name = "resend"
    action_view_class = DeliveryResendView
    registered_codenames = ("view_delivery", "resend_delivery")
