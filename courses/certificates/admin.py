"""Wagtail admin for certificates: read-only records that staff may revoke (with a reason).

Registered from ``courses.wagtail_hooks`` (this module's hooks run when it is imported there).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from core.admin import ReadableIndexView, ReadableInspectView, RecordViewSet
from core.localtime import date_display, datetime_display

from .models import Certificate
from .services import ReissueRefused, certificate_reissue, certificate_revoke, code_display

# Certificates ----------------------------------------------------------------------
# Read-only: certificates are issued only by completing a course. Staff may revoke one.


class CertificateRevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Kept with your name for the record. The public verification page says only that "
            "the certificate was revoked, and when."
        ),
        error_messages={"required": _("Give the reason for revoking this certificate.")},
    )


def _reissue_button(view, certificate, button_class):
    if view.reissue_url_name and certificate.name_is_outdated and view.user_has_permission("change"):
        return [
            button_class(
                _("Issue again with the current name"),
                url=reverse(view.reissue_url_name, args=[quote(certificate.pk)]),
                icon_name="rotate",
                priority=30,
            )
        ]
    return []


class CertificateIndexView(ReadableIndexView):
    any_permission_required = ["view"]
    revoke_url_name = None
    reissue_url_name = None

    def get_base_queryset(self):
        # The holder (their current name decides the "issue again" button) and the successor's code.
        return super().get_base_queryset().select_related("user", "superseded_by")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance) + _reissue_button(self, instance, MenuItem)
        if self.revoke_url_name and instance.revoked_at is None and self.user_has_permission("change"):
            buttons.append(
                MenuItem(
                    _("Revoke"),
                    url=reverse(self.revoke_url_name, args=[quote(instance.pk)]),
                    icon_name="cross",
                    priority=40,
                )
            )
        return buttons


class CertificateInspectView(ReadableInspectView):
    revoke_url_name = None
    reissue_url_name = None

    # Vietnam time, as on the certificate and its verification page.
    def get_issued_at_display_value(self):
        return datetime_display(self.object.issued_at)

    def get_expires_at_display_value(self):
        return datetime_display(self.object.expires_at)

    def get_revoked_at_display_value(self):
        return datetime_display(self.object.revoked_at)

    def get_superseded_at_display_value(self):
        return datetime_display(self.object.superseded_at)

    def get_header_more_buttons(self):
        buttons = super().get_header_more_buttons() + _reissue_button(self, self.object, Button)
        if self.revoke_url_name and self.object.revoked_at is None and self.user_has_permission("change"):
            buttons.append(
                Button(
                    _("Revoke"),
                    url=reverse(self.revoke_url_name, args=[quote(self.object.pk)]),
                    icon_name="cross",
                    priority=40,
                )
            )
        return buttons


class CertificateRevokeView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Revoke one certificate, with a required reason; records who did it."""

    model = Certificate
    permission_required = "change"
    form_class = CertificateRevokeForm
    template_name = "courses/certificates/certificate_revoke.html"
    page_title = _("Revoke certificate")
    header_icon = "cross"
    index_url_name = None
    inspect_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Certificate, pk=unquote(str(kwargs["pk"])))

    def get(self, request, *args, **kwargs):
        if self.object.revoked_at is not None:
            messages.warning(request, _("Certificate %(code)s is already revoked.") % {"code": self.object.code})
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return _("Revoke certificate %(code)s") % {"code": self.object.code}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Certificate._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": _("Revoke"), "sublabel": self.object.code},
        ]

    def get_success_url(self):
        return reverse(self.index_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            issued=date_display(self.object.issued_at),
            expires=date_display(self.object.expires_at),
            action_url=self.request.path,
            submit_button_label=_("Revoke certificate"),
            submit_button_active_label=_("Revoking…"),
        )
        return context

    def form_valid(self, form):
        already = self.object.revoked_at is not None
        certificate_revoke(certificate=self.object, by=self.request.user, reason=form.cleaned_data["reason"])
        if already:
            messages.warning(self.request, _("Certificate %(code)s was already revoked.") % {"code": self.object.code})
        else:
            messages.success(self.request, _("Certificate %(code)s revoked.") % {"code": self.object.code})
        return redirect(self.get_success_url())


class CertificateReissueView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """The training office issues a certificate again with its holder's current name (after a name fix)."""

    model = Certificate
    permission_required = "change"
    form_class = forms.Form
    template_name = "courses/certificates/certificate_reissue.html"
    page_title = _("Issue certificate again")
    header_icon = "rotate"
    index_url_name = None
    inspect_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Certificate.objects.select_related("user"), pk=unquote(str(kwargs["pk"])))

    def get(self, request, *args, **kwargs):
        if not self.object.name_is_outdated:
            text = _("Certificate %(code)s cannot be issued again: nothing to correct.")
            messages.warning(request, text % {"code": self.object.code})
            return redirect(self.get_success_url())
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return _("Issue certificate %(code)s again") % {"code": self.object.code}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": Certificate._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": _("Issue again"), "sublabel": self.object.code},
        ]

    def get_success_url(self):
        return reverse(self.index_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            current_name=self.object.user.full_name,
            issued=date_display(self.object.issued_at),
            expires=date_display(self.object.expires_at),
            action_url=self.request.path,
            submit_button_label=_("Issue again with the current name"),
            submit_button_active_label=_("Issuing…"),
        )
        return context

    def form_valid(self, form):
        try:
            new, created = certificate_reissue(certificate=self.object, by=self.request.user)
        except ReissueRefused as refusal:
            messages.error(self.request, refusal.messages[0])
            return redirect(self.get_success_url())
        text = (
            _("Certificate %(old)s issued again as %(code)s.")
            if created
            else _("Certificate %(old)s was already issued again as %(code)s.")
        )
        messages.success(self.request, text % {"old": self.object.code, "code": new.code})
        return redirect(self.get_success_url())


def _certificate_status(certificate):
    status = certificate.status_at()
    if status == Certificate.Status.REVOKED:
        return _("%(status)s on %(date)s") % {"status": status.label, "date": date_display(certificate.revoked_at)}
    if status == Certificate.Status.SUPERSEDED and certificate.superseded_by_id:
        return _("Superseded by %(code)s") % {"code": code_display(code=certificate.superseded_by.code)}
    return status.label


class CertificateViewSet(RecordViewSet):
    model = Certificate
    icon = "tick-inverse"
    menu_label = _("Certificates")
    menu_order = 220
    add_to_admin_menu = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    inspect_view_fields = [
        "code",
        "learner_name",
        "course_title",
        "user",
        "course",
        "issued_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
        "superseded_by",
        "superseded_at",
        "superseded_reason",
        "superseded_requested_by",
    ]
    list_display = [
        "code",
        "learner_name",
        "course_title",
        Column("issued_at", label=_("Issued"), accessor=lambda c: date_display(c.issued_at), sort_key="issued_at"),
        Column(
            "expires_at",
            label=_("Expires"),
            accessor=lambda c: date_display(c.expires_at) or "—",
            sort_key="expires_at",
        ),
        Column("status", label=_("Status"), accessor=_certificate_status),
    ]
    list_filter = ["course"]
    search_fields = ["code", "learner_name"]
    search_backend_name = None  # the database: Certificate is not in the search index
    ordering = ["-issued_at", "-pk"]
    list_per_page = 50
    # Nothing else links to a certificate, and saving one should not write reference-index rows.

    # "change" is the permission to revoke; nobody adds or deletes certificates here.
    action_name = "revoke"
    action_view_class = CertificateRevokeView
    action_view_kwargs = {"header_icon": "tick-inverse"}
    registered_codenames = ("view_certificate", "change_certificate")

    # "change" also allows issuing a certificate again after its holder's name was corrected.
    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(reissue_url_name=self.get_url_name("reissue"), **kwargs)

    @cached_property
    def reissue_view(self):
        return self.construct_view(
            CertificateReissueView,
            index_url_name=self.get_url_name("index"),
            inspect_url_name=self.get_url_name("inspect"),
        )

    def get_urlpatterns(self):
        return [*super().get_urlpatterns(), path("reissue/<int:pk>/", self.reissue_view, name="reissue")]


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet("certificates_admin", url_prefix="certificates")
