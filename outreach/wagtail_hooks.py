"""Admin for reminders: the delivery log (read-only, counts per status, resend a failed message)
and the message templates. The reminder settings are a Wagtail setting (``ReminderSetting``).

Training administrators hold the permissions (outreach/migrations/0004_reminder_permissions.py).
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import EditView, IndexView, InspectView, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from core.admin import RecordViewSet
from core.localtime import datetime_display

from .models import CAMPAIGN_KIND, DELIVERY_KINDS, Channel, Delivery, MessageTemplate
from .reminders import delivery_resend_prepare, reason_label

# The delivery log --------------------------------------------------------------------------------


class DeliveryFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DELIVERY_KINDS, empty_label=_("All"))
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Delivery.Status.choices, empty_label=_("All"))
    planned_at = django_filters.DateFromToRangeFilter(label=_("Planned"), widget=DateRangePickerWidget)

    class Meta:
        model = Delivery
        fields = ["kind", "channel", "status", "planned_at"]


class DeliveryIndexView(IndexView):
    any_permission_required = ["view"]
    results_template_name = "outreach/admin/delivery_results.html"
    resend_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("recipient")

    def status_counts(self):
        """Messages per status under the current filters and search, in one query."""
        queryset = self.search_queryset(self.filter_queryset(Delivery.objects.all()))
        counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        return [(value, label, counts.get(value, 0)) for value, label in Delivery.Status.choices]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["status_counts"] = self.status_counts()
        return context

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.resend_url_name and instance.status == Delivery.Status.FAILED and self.user_has_permission("resend"):
            buttons.append(
                MenuItem(
                    _("Resend"), url=reverse(self.resend_url_name, args=[quote(instance.pk)]), icon_name="redirect"
                )
            )
        return buttons


class DeliveryInspectView(InspectView):
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
        if self.resend_url_name and self.object.status == Delivery.Status.FAILED and self.user_has_permission("resend"):
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
    template_name = "outreach/admin/delivery_resend.html"
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
        if delivery_resend_prepare(self.object, self.request.user):
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


def _kind(delivery):
    """The kind; a campaign message's row names the message (and a test send says so)."""
    label = delivery.get_kind_display()
    if delivery.kind == CAMPAIGN_KIND:
        if delivery.sequence == 1:
            return _("%(kind)s #%(message)s (test send)") % {"kind": label, "message": delivery.subject_id}
        return f"{label} #{delivery.subject_id}"
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
        Column("kind", label=_("Kind"), accessor=_kind),
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


# Message templates -------------------------------------------------------------------------------


class MessageTemplateForm(forms.ModelForm):
    """The texts only; ``MessageTemplate.clean`` rejects unknown placeholders with a message per field."""

    class Meta:
        model = MessageTemplate
        fields = list(MessageTemplate.TEXT_FIELDS)
        widgets = {
            "body_vi": forms.Textarea(attrs={"rows": 10}),
            "body_en": forms.Textarea(attrs={"rows": 10}),
            "sms_vi": forms.Textarea(attrs={"rows": 3}),
            "sms_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import PLACEHOLDERS

        allowed = ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS.get(self.instance.kind, ())))
        for name in MessageTemplate.TEXT_FIELDS:
            self.fields[name].help_text = _("Placeholders: %(allowed)s") % {"allowed": allowed}


class MessageTemplateEditView(EditView):
    def get_page_subtitle(self):
        return str(self.object)


class MessageTemplateViewSet(ModelViewSet):
    model = MessageTemplate
    icon = "doc-full"
    menu_label = _("Message templates")
    edit_view_class = MessageTemplateEditView
    list_display = [
        "kind",
        "subject_vi",
        Column("updated_at", label=_("Updated"), accessor=lambda t: datetime_display(t.updated_at)),
    ]
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    ordering = ["kind"]

    def get_form_class(self, for_update=False):
        return MessageTemplateForm

    def get_common_view_kwargs(self, **kwargs):
        # One template per kind, created by migration: edited, never added or deleted here.
        return super().get_common_view_kwargs(add_url_name=None, delete_url_name=None, usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("edit/<int:pk>/", self.edit_view, name="edit"),
            path("history/<int:pk>/", self.history_view, name="history"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(MessageTemplate),
            codename__in=["view_messagetemplate", "change_messagetemplate"],
        )


class RemindersGroup(ViewSetGroup):
    menu_label = _("Reminders")
    menu_icon = "mail"
    menu_order = 235
    items = (
        DeliveryViewSet("outreach_deliveries", url_prefix="reminders/deliveries"),
        MessageTemplateViewSet("outreach_message_templates", url_prefix="reminders/templates"),
    )


@hooks.register("register_admin_viewset")
def register_reminders():
    return RemindersGroup()


@hooks.register("register_log_actions")
def register_reminder_log_actions(actions):
    actions.register_action("outreach.delivery.resend", _("Resend"), _("Message planned again for sending"))


# Campaign posters ---------------------------------------------------------------------------------
# "Poster (PDF)" in a campaign's header menu and its listing menu: editors print it before the
# campaign is live, too (outreach/posters.py).


def _campaign_poster_view(request, page_id):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from wagtail.models import Page

    from .campaign_views import poster_response
    from .models import CampaignPage

    page = Page.objects.filter(pk=page_id).first()
    if page is None or page.specific_class is not CampaignPage:
        raise Http404
    campaign = page.specific
    if not campaign.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    return poster_response(campaign)


@hooks.register("register_admin_urls")
def register_campaign_poster_urls():
    return [path("campaigns/<int:page_id>/poster/", _campaign_poster_view, name="outreach_campaign_poster")]


class CampaignPosterMenuItem(MenuItem):
    def __init__(self, page, priority):
        super().__init__(
            _("Poster (PDF)"),
            reverse("outreach_campaign_poster", args=[page.pk]),
            icon_name="doc-full",
            priority=priority,
        )
        self.page = page

    def is_shown(self, user):
        return self.page.permissions_for_user(user).can_edit()


def _campaign_poster_buttons(page):
    from .models import CampaignPage

    if page.specific_class is CampaignPage:
        yield CampaignPosterMenuItem(page, priority=68)


@hooks.register("register_page_header_buttons")
def campaign_poster_header_button(page, user, view_name, next_url=None):
    yield from _campaign_poster_buttons(page)


@hooks.register("register_page_listing_more_buttons")
def campaign_poster_listing_button(page, user, next_url=None):
    yield from _campaign_poster_buttons(page)


@hooks.register("register_admin_viewset")
def register_campaigns():
    from .campaign_admin import CampaignsGroup

    return CampaignsGroup()


@hooks.register("register_log_actions")
def register_campaign_log_actions(actions):
    actions.register_action("outreach.campaign_message.scheduled", _("Schedule"), _("Campaign message scheduled"))
    actions.register_action("outreach.campaign_message.sending", _("Send"), _("Campaign message sent"))
    actions.register_action("outreach.campaign_message.cancelled", _("Cancel"), _("Campaign message cancelled"))
