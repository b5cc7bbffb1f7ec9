"""The xAPI statements in the admin, beside the delivery log (Reminders → xAPI statements): what was
sent to the Learning Record Store, what waits and why, and "Resend" for a failed one."""

import json
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from core.admin import ReadableIndexView, ReadableInspectView, RecordViewSet
from core.localtime import datetime_display

from .models import Statement
from .sending import statement_resend_prepare


class StatementFilterSet(WagtailFilterSet):
    class Meta:
        model = Statement
        fields = ["status", "verb"]


class StatementIndexView(ReadableIndexView):
    any_permission_required = ["view"]
    resend_url_name = None
    template_name = "outreach/xapi/admin/statement_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Off while XAPI_ENDPOINT is empty: then nothing is even recorded, so say so above the (empty) list.
        endpoint = settings.XAPI_ENDPOINT
        context["xapi_enabled"] = bool(endpoint)
        context["xapi_lrs_host"] = urlsplit(endpoint).netloc if endpoint else ""
        return context

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("learner")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.resend_url_name and instance.status == Statement.Status.FAILED and self.user_has_permission("resend"):
            buttons.append(
                MenuItem(
                    _("Resend"), url=reverse(self.resend_url_name, args=[quote(instance.pk)]), icon_name="redirect"
                )
            )
        return buttons


class StatementInspectView(ReadableInspectView):
    resend_url_name = None

    def get_payload_display_value(self):
        return format_html("<pre>{}</pre>", json.dumps(self.object.payload, ensure_ascii=False, indent=2))

    def get_planned_at_display_value(self):
        return datetime_display(self.object.planned_at)

    def get_sent_at_display_value(self):
        return datetime_display(self.object.sent_at)

    def get_not_before_display_value(self):
        return datetime_display(self.object.not_before)

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons()
        if (
            self.resend_url_name
            and self.object.status == Statement.Status.FAILED
            and self.user_has_permission("resend")
        ):
            buttons.append(
                Button(
                    _("Resend"), url=reverse(self.resend_url_name, args=[quote(self.object.pk)]), icon_name="redirect"
                )
            )
        return buttons


class StatementResendView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Confirm, then plan a failed statement again: fresh attempts, the same id."""

    model = Statement
    permission_required = "resend"
    form_class = forms.Form
    template_name = "outreach/xapi/admin/statement_resend.html"
    page_title = _("Resend a statement")
    header_icon = "redirect"
    index_url_name = None
    inspect_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Statement, pk=unquote(str(kwargs["pk"])))

    def get(self, request, *args, **kwargs):
        if self.object.status != Statement.Status.FAILED:
            messages.warning(request, _("Only a failed statement can be resent."))
            return redirect(reverse(self.inspect_url_name, args=[quote(self.object.pk)]))
        return super().get(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": capfirst(Statement._meta.verbose_name_plural)},
            {"url": "", "label": _("Resend"), "sublabel": str(self.object.statement_id)},
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
        if statement_resend_prepare(statement=self.object):
            messages.success(self.request, _("The statement will be sent again in a moment."))
        else:
            messages.warning(self.request, _("Only a failed statement can be resent."))
        return redirect(reverse(self.inspect_url_name, args=[quote(self.object.pk)]))


def _status(statement):
    label = statement.get_status_display()
    if statement.last_error and statement.status != Statement.Status.SENT:
        return f"{label}: {statement.last_error[:80]}"
    return label


class StatementViewSet(RecordViewSet):
    model = Statement
    icon = "list-ul"
    # The model's plural name (lowercase, as Wagtail also puts it mid-sentence), capitalised for the menu.
    menu_label = capfirst(Statement._meta.verbose_name_plural)
    index_view_class = StatementIndexView
    inspect_view_class = StatementInspectView
    inspect_view_fields = [
        "statement_id",
        "learner",
        "verb",
        "activity",
        "status",
        "attempts",
        "last_error",
        "planned_at",
        "not_before",
        "sent_at",
        "payload",
    ]
    filterset_class = StatementFilterSet
    list_display = [
        Column(
            "planned_at", label=_("Planned"), accessor=lambda s: datetime_display(s.planned_at), sort_key="planned_at"
        ),
        "learner",
        "verb",
        "activity",
        Column("status", label=_("Status"), accessor=_status),
        Column("sent_at", label=_("Sent"), accessor=lambda s: datetime_display(s.sent_at), sort_key="sent_at"),
        "attempts",
    ]
    search_fields = ["activity", "learner__full_name", "learner__email"]
    search_backend_name = None
    ordering = ["-planned_at", "-pk"]
    list_per_page = 50
    action_name = "resend"
    action_view_class = StatementResendView
    registered_codenames = ("view_statement", "resend_statement")
