"""Admin of reminders: the message templates (one per kind, edited, never added or deleted).

The reminder settings are a Wagtail setting (``ReminderSetting``). Grouped with delivery's log
under "Reminders" (``outreach.wagtail_hooks``).
"""

from django import forms
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import EditView

from core.admin import ReadableViewSet
from core.localtime import datetime_display

from .models import PLACEHOLDERS, MessageTemplate

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
        allowed = ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS.get(self.instance.kind, ())))
        for name in MessageTemplate.TEXT_FIELDS:
            self.fields[name].help_text = _("Placeholders: %(allowed)s") % {"allowed": allowed}


class MessageTemplateEditView(EditView):
    def get_page_subtitle(self):
        return str(self.object)


class MessageTemplateViewSet(ReadableViewSet):
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
            # The history page loads its rows from here: without it the page is a 500.
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(MessageTemplate),
            codename__in=["view_messagetemplate", "change_messagetemplate"],
        )
