"""Admin for campaigns' audiences, messages and results (registered in ``outreach.wagtail_hooks``).

- Audience segments: rules, and a "Count" button that shows how many people match (and how
  many of them agreed to campaign news on a channel they can be reached on) before saving, without JavaScript.
- Campaign messages: the variants, then preview for a chosen person, a test send to oneself,
  send now or schedule, cancel. Sending is ``messages.campaign_message_send``.
- Results per campaign: the funnel as a table and a server-drawn SVG chart, and a CSV export
  (``core.exports``, like the other exports).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView, DeleteView, EditView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.widgets.button import Button

from accounts.models import OrganisationUnit, User
from core.admin import PermissionMenuItem, ReadableIndexView, ReadableViewSet
from core.localtime import datetime_display
from courses.models import CoursePage, TutorialPage
from outreach.delivery.models import Channel

from .admin_results import CampaignDeliveryLogView, CampaignResultsIndexView, CampaignResultsView, MessageActionView
from .audiences import SegmentRules, segment_counts
from .messages import (
    CampaignSendError,
    campaign_message_cancel,
    campaign_message_send,
    campaign_message_test_send,
    message_preview,
)
from .models import CAMPAIGN_PLACEHOLDERS, AudienceSegment, CampaignMessage, CampaignPage

# Audience segments ---------------------------------------------------------------------------


class _UnitChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.indented_name()


class AudienceSegmentForm(WagtailAdminModelForm):
    units = _UnitChoices(
        label=capfirst(_("organisation units")),
        queryset=OrganisationUnit.objects.order_by("path"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Empty: everyone, whatever their unit."),
    )
    completed_course = forms.ModelChoiceField(
        label=capfirst(_("has completed the course")), queryset=CoursePage.objects.order_by("title"), required=False
    )
    not_completed_course = forms.ModelChoiceField(
        label=capfirst(_("has not completed the course")), queryset=CoursePage.objects.order_by("title"), required=False
    )
    completed_tutorial = forms.ModelChoiceField(
        label=capfirst(_("has completed the tutorial")), queryset=TutorialPage.objects.order_by("title"), required=False
    )
    not_completed_tutorial = forms.ModelChoiceField(
        label=capfirst(_("has not completed the tutorial")),
        queryset=TutorialPage.objects.order_by("title"),
        required=False,
    )

    class Meta:
        model = AudienceSegment
        fields = [
            "name",
            "description",
            "learner_kind",
            "units",
            "include_sub_units",
            "language",
            "completed_course",
            "not_completed_course",
            "completed_tutorial",
            "not_completed_tutorial",
            "inactive_since",
            "joined_since",
        ]

    def rules(self):
        return SegmentRules.of(self.instance, units=list(self.cleaned_data.get("units") or []))


class _CountMixin:
    """A "Count" submit button: validates the form and shows the live count instead of saving."""

    template_name = "outreach/campaigns/admin/segment_form.html"
    live_count = None

    def form_valid(self, form):
        if "count" in self.request.POST:
            self.form = form
            self.live_count = segment_counts(rules=form.rules())
            return self.render_to_response(self.get_context_data(form=form))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.live_count is not None:
            context["live_total"], context["live_consenting"] = self.live_count
        elif getattr(self, "object", None) is not None and self.object.pk and self.request.method == "GET":
            context["live_total"], context["live_consenting"] = segment_counts(rules=self.object)
        return context


class AudienceSegmentCreateView(_CountMixin, CreateView):
    pass


class AudienceSegmentEditView(_CountMixin, EditView):
    pass


class AudienceSegmentDeleteView(DeleteView):
    """A segment used by a campaign message stays (the message names who it went to)."""

    def _refuse(self):
        messages.error(
            self.request,
            _("This segment cannot be deleted: campaign messages use it (%(names)s).")
            % {"names": ", ".join(self.object.messages.values_list("name", flat=True)[:5])},
        )
        return redirect(reverse(self.edit_url_name, args=[quote(self.object.pk)]))

    def get(self, request, *args, **kwargs):
        if self.object.messages.exists():
            return self._refuse()
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        if self.object.messages.exists():
            return self._refuse()
        return super().form_valid(form)


class AudienceSegmentViewSet(ReadableViewSet):
    model = AudienceSegment
    icon = "group"
    menu_label = _("Audience segments")
    form_fields = AudienceSegmentForm.Meta.fields
    add_view_class = AudienceSegmentCreateView
    edit_view_class = AudienceSegmentEditView
    delete_view_class = AudienceSegmentDeleteView
    list_display = ["name", "learner_kind", "language", "updated_at"]
    search_fields = ["name"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False

    def get_form_class(self, for_update=False):
        return AudienceSegmentForm


# Campaign messages ---------------------------------------------------------------------------


class CampaignMessageForm(WagtailAdminModelForm):
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=CampaignPage.objects.order_by("-starts_on"))

    class Meta:
        model = CampaignMessage
        fields = ["campaign", "name", "segment", *CampaignMessage.TEXT_FIELDS, "scheduled_at"]
        widgets = {
            "email_body": forms.Textarea(attrs={"rows": 10}),
            "in_app_body": forms.Textarea(attrs={"rows": 6}),
            "sms_body": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ", ".join(f"{{{name}}}" for name in sorted(CAMPAIGN_PLACEHOLDERS))
        for name in CampaignMessage.TEXT_FIELDS:
            self.fields[name].help_text = _(
                "Placeholders: %(allowed)s. An unsubscribe link is added unless you place {unsubscribe}."
            ) % {"allowed": allowed}
        if self.instance.pk and not self.instance.editable:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.instance.editable:
            raise ValidationError(_("A message that is being sent or was sent cannot be changed."))
        return cleaned


class CampaignMessageEditView(EditView):
    send_url_name = preview_url_name = cancel_url_name = results_url_name = deliveries_url_name = None

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons()
        pk = quote(self.object.pk)
        buttons.append(Button(_("Preview and test"), url=reverse(self.preview_url_name, args=[pk]), icon_name="view"))
        if self.object.editable and self.user_has_permission("send"):
            buttons.append(Button(_("Send"), url=reverse(self.send_url_name, args=[pk]), icon_name="mail"))
        buttons.append(
            Button(_("Results"), url=reverse(self.results_url_name, args=[self.object.campaign_id]), icon_name="table")
        )
        buttons.append(Button(_("Delivery log"), url=reverse(self.deliveries_url_name, args=[pk]), icon_name="list-ul"))
        return buttons


class CampaignMessageIndexView(ReadableIndexView):
    send_url_name = preview_url_name = results_url_name = deliveries_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("campaign", "segment")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        pk = quote(instance.pk)
        buttons.append(MenuItem(_("Preview and test"), url=reverse(self.preview_url_name, args=[pk]), icon_name="view"))
        if instance.editable and self.user_has_permission("send"):
            buttons.append(MenuItem(_("Send"), url=reverse(self.send_url_name, args=[pk]), icon_name="mail"))
        buttons.append(
            MenuItem(_("Results"), url=reverse(self.results_url_name, args=[instance.campaign_id]), icon_name="table")
        )
        buttons.append(
            MenuItem(_("Delivery log"), url=reverse(self.deliveries_url_name, args=[pk]), icon_name="list-ul")
        )
        return buttons


class PreviewForm(forms.Form):
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=255,
        required=False,
        help_text=_("E-mail address or phone number of a person. Empty: yourself."),
    )

    def clean_recipient(self):
        identifier = self.cleaned_data["recipient"].strip()
        if not identifier:
            return None
        try:
            return User.objects.get_by_identifier(identifier)
        except User.DoesNotExist:
            raise ValidationError(_("Nobody has this e-mail address or phone number.")) from None


class CampaignMessagePreviewView(MessageActionView):
    """Preview for a chosen recipient (GET), test send to oneself (POST)."""

    permission_required = "change"
    template_name = "outreach/campaigns/admin/campaign_message_preview.html"
    page_title = _("Preview and test")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = PreviewForm(self.request.GET or None)
        person = self.request.user
        if form.is_bound and form.is_valid() and form.cleaned_data["recipient"] is not None:
            person = form.cleaned_data["recipient"]
        texts, channels = message_preview(message=self.object, user=person)
        context.update(
            object=self.object,
            form=form,
            person=person,
            variants=[
                (label, texts[channel][0], texts[channel][1], channel in channels) for channel, label in Channel.choices
            ],
        )
        return context

    def post(self, request, *args, **kwargs):
        count = campaign_message_test_send(message=self.object, user=request.user)
        messages.success(
            request, _("Test sent to you on %(count)s channel(s); it does not count in the results.") % {"count": count}
        )
        return self.back()


class CampaignMessageSendView(MessageActionView):
    """Confirm (with the number of people it will reach), then send now or schedule."""

    permission_required = "send"
    template_name = "outreach/campaigns/admin/campaign_message_send.html"
    page_title = _("Send a campaign message")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        total, consenting = segment_counts(rules=self.object.segment)
        context.update(object=self.object, total=total, consenting=consenting, now=timezone.now())
        return context

    def post(self, request, *args, **kwargs):
        if "cancel" in request.POST:
            if campaign_message_cancel(message=self.object, user=request.user):
                messages.success(request, _("The message was cancelled."))
            else:
                messages.warning(request, _("This message can no longer be cancelled."))
            return redirect(reverse(self.edit_url_name, args=[quote(self.object.pk)]))
        try:
            status = campaign_message_send(message=self.object, user=request.user)
        except CampaignSendError as error:
            messages.error(request, str(error))
            return self.back()
        if status == CampaignMessage.Status.SCHEDULED:
            messages.success(
                request,
                _("The message will be sent on %(time)s.") % {"time": datetime_display(self.object.scheduled_at)},
            )
        else:
            messages.success(request, _("The message is being sent."))
        return redirect(reverse(self.edit_url_name, args=[quote(self.object.pk)]))


class CampaignMessageViewSet(ReadableViewSet):
    model = CampaignMessage
    icon = "mail"
    menu_label = _("Campaign messages")
    form_fields = CampaignMessageForm.Meta.fields
    index_view_class = CampaignMessageIndexView
    edit_view_class = CampaignMessageEditView
    list_display = [
        "name",
        "campaign",
        "segment",
        Column("status", label=_("Status"), accessor="get_status_display"),
        # Counted when the message is planned: a draft's "0" would read as "reaches nobody".
        Column(
            "recipients",
            label=capfirst(CampaignMessage._meta.get_field("recipients").verbose_name),
            accessor=lambda m: m.recipients if m.planned_at else "—",
        ),
        Column(
            "scheduled_at",
            label=_("Send at"),
            accessor=lambda m: datetime_display(m.scheduled_at),
        ),
    ]
    list_filter = ["status"]
    search_fields = ["name"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False

    def get_form_class(self, for_update=False):
        return CampaignMessageForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            send_url_name=self.get_url_name("send"),
            preview_url_name=self.get_url_name("preview"),
            results_url_name=self.get_url_name("results"),
            deliveries_url_name=self.get_url_name("deliveries"),
            **kwargs,
        )

    def _action(self, view_class, **kwargs):
        return self.construct_view(
            view_class, index_url_name=self.get_url_name("index"), edit_url_name=self.get_url_name("edit"), **kwargs
        )

    @cached_property
    def preview_view(self):
        return self._action(CampaignMessagePreviewView)

    @cached_property
    def send_view(self):
        return self._action(CampaignMessageSendView)

    @cached_property
    def delivery_log_view(self):
        return self._action(CampaignDeliveryLogView)

    @cached_property
    def results_view(self):
        return self.construct_view(
            CampaignResultsView,
            index_url_name=self.get_url_name("results_index"),
            deliveries_url_name=self.get_url_name("deliveries"),
        )

    @cached_property
    def results_index_view(self):
        return self.construct_view(CampaignResultsIndexView, results_url_name=self.get_url_name("results"))

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("preview/<int:pk>/", self.preview_view, name="preview"),
            path("send/<int:pk>/", self.send_view, name="send"),
            path("deliveries/<int:pk>/", self.delivery_log_view, name="deliveries"),
            # Not "results/": the listing's own "results/" (its refreshed table) comes first and wins.
            path("campaign-results/", self.results_index_view, name="results_index"),
            path("results/<int:campaign_id>/", self.results_view, name="results"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(CampaignMessage),
            codename__in=[
                "view_campaignmessage",
                "add_campaignmessage",
                "change_campaignmessage",
                "delete_campaignmessage",
                "send_campaignmessage",
            ],
        )


class CampaignResultsMenu(ViewSet):
    """Only a menu entry: the results pages belong to the campaign messages' viewset."""

    icon = "table"
    menu_label = _("Campaign results")

    @property
    def menu_url(self):
        return reverse("outreach_campaign_messages:results_index")

    def get_menu_item(self, order=None):
        return PermissionMenuItem(
            self.menu_label,
            self.menu_url,
            permission="outreach.view_campaignmessage",
            name=self.menu_name,
            icon_name=self.menu_icon,
            order=self.get_menu_item_order(order),
        )

    def get_urlpatterns(self):
        return []


class CampaignsGroup(ViewSetGroup):
    menu_label = _("Campaigns")
    menu_icon = "mail"
    menu_order = 236
    items = (
        AudienceSegmentViewSet("outreach_audience_segments", url_prefix="campaigns/segments"),
        CampaignMessageViewSet("outreach_campaign_messages", url_prefix="campaigns/messages"),
        CampaignResultsMenu("outreach_campaign_results", url_prefix="campaigns/results"),
    )
