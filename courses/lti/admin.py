"""Wagtail admin for the LTI tool: platforms (registrations and their deployments), contexts and their members.

One permission, ``courses.manage_lti`` (the training office, courses/migrations/0017_lti_tool.py; and
superusers). Registered from ``courses.wagtail_hooks``.
"""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import Permission
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from lti_tool.models import LtiContext, LtiDeployment, LtiRegistration
from pylti1p3.exception import LtiException
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views.generic import EditView
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin import PermissionMenuItem, ReadableIndexView, ReadableViewSet

from . import selectors, services

PERMISSION = "courses.manage_lti"

# django-lti's own names that its model shows in these screens (the listing's columns, the headings):
# marked here so that our catalogue carries their Vietnamese (gettext finds the same msgids at run time).
DJANGO_LTI_STRINGS = (
    _("LTI registration"),
    _("LTI registrations"),
    _("LTI tool"),
    _("name"),
    _("issuer"),
    _("client ID"),
    _("is active"),
)


class ManageLtiPolicy(ModelPermissionPolicy):
    """Every action on a platform needs ``courses.manage_lti`` (django-lti's own model permissions are unused)."""

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.has_perm(PERMISSION))

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)


# Plain http only for the machine itself (a platform run beside us in development and in the tests).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def https_url(value: str, *, issuer: bool = False) -> str:
    """``value`` unchanged (an issuer is compared case-sensitively) if it is an https URL, else a field error.

    LTI 1.3 core §5.1.2 (issuer: https, no query or fragment) and the Security Framework §3 (TLS).
    """
    parts = urlsplit(value)
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if not host or parts.scheme not in ("https", "http"):
        raise forms.ValidationError(_("Enter an address that starts with https://, e.g. https://moodle.example.gov.vn"))
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise forms.ValidationError(_("The address must use https:// (LTI 1.3 requires TLS)."))
    if issuer and (parts.query or parts.fragment or "?" in value or "#" in value):
        raise forms.ValidationError(_("The issuer has no query (?…) or fragment (#…)."))
    return value


class RegistrationForm(WagtailAdminModelForm):
    deployment_ids = forms.CharField(
        label=_("Deployment ids"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, as the platform shows them. A launch from any other deployment is refused."),
    )

    class Meta:
        model = LtiRegistration
        fields = ["name", "issuer", "client_id", "audience", "auth_url", "token_url", "keyset_url", "is_active"]
        labels = {
            "name": _("Name"),
            "issuer": _("Issuer"),
            "client_id": _("Client id"),
            "audience": _("Token audience"),
            "auth_url": _("Authentication request URL"),
            "token_url": _("Access token URL"),
            "keyset_url": _("Public keyset URL"),
            "is_active": _("Active"),
        }
        help_texts = {
            "issuer": _("The platform's issuer (iss), e.g. https://moodle.example.gov.vn"),
            "client_id": _("The client id the platform gave this tool."),
            "audience": _("Only if the platform's token endpoint asks for an audience other than its own URL."),
            "keyset_url": _("The platform's JWKS address, to check its signatures."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["deployment_ids"] = "\n".join(
                self.instance.deployments.filter(is_active=True).values_list("deployment_id", flat=True)
            )

    def clean_issuer(self):
        return https_url(self.cleaned_data["issuer"], issuer=True)

    def clean_auth_url(self):
        return https_url(self.cleaned_data["auth_url"])

    def clean_token_url(self):
        return https_url(self.cleaned_data["token_url"])

    def clean_keyset_url(self):
        return https_url(self.cleaned_data["keyset_url"])

    def clean(self):
        cleaned = super().clean()
        issuer, client_id = cleaned.get("issuer"), cleaned.get("client_id")
        if issuer and client_id:
            others = LtiRegistration.objects.filter(issuer=issuer, client_id=client_id).exclude(pk=self.instance.pk)
            if others.exists():
                # On the field (the model's unique constraint would only give a message above the form).
                self.add_error("client_id", _("This platform (issuer) already has a registration with this client id."))
        return cleaned

    def clean_deployment_ids(self):
        ids = [line.strip() for line in self.cleaned_data["deployment_ids"].splitlines() if line.strip()]
        if any(len(value) > 255 for value in ids):
            raise forms.ValidationError(_("A deployment id has at most 255 characters."))
        return list(dict.fromkeys(ids))

    @transaction.atomic
    def save(self, commit=True):
        registration = super().save(commit=commit)
        if commit:
            ids = self.cleaned_data["deployment_ids"]
            registration.deployments.exclude(deployment_id__in=ids).update(is_active=False)
            for deployment_id in ids:
                LtiDeployment.objects.update_or_create(
                    registration=registration, deployment_id=deployment_id, defaults={"is_active": True}
                )
        return registration


def _site_base_url(request) -> str:
    return settings.WAGTAILADMIN_BASE_URL or request.build_absolute_uri("/")


class RegistrationIndexView(ReadableIndexView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(_("Tool configuration"), url=reverse("courses_lti_tool"), icon_name="cog"),
        ]


class RegistrationEditView(EditView):
    """The edit form, with the tool's addresses for this platform above it (what its administrator enters)."""

    template_name = "courses/lti/admin/registration_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tool_addresses"] = selectors.tool_addresses(
            base_url=_site_base_url(self.request), registration_uuid=str(self.object.uuid)
        )
        return context


class RegistrationViewSet(ReadableViewSet):
    model = LtiRegistration
    index_view_class = RegistrationIndexView
    edit_view_class = RegistrationEditView
    icon = "link"
    menu_label = _("LTI platforms")
    menu_order = 720
    add_to_admin_menu = True
    url_prefix = "lti/platforms"
    name = "lti_platforms"
    list_display = ["name", "issuer", "client_id", "is_active"]
    search_fields = ["name", "issuer", "client_id"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return RegistrationForm


register_permission_policy(LtiRegistration, ManageLtiPolicy(LtiRegistration))
registration_viewset = RegistrationViewSet()


@permission_required(PERMISSION, raise_exception=True)
def tool_configuration(request):
    """The tool's addresses and public key, and each registration's own login address, to copy into a platform."""
    base_url = _site_base_url(request)
    registrations = [
        (registration, selectors.tool_addresses(base_url=base_url, registration_uuid=str(registration.uuid))[1])
        for registration in LtiRegistration.objects.order_by("name")
    ]
    return TemplateResponse(
        request,
        "courses/lti/admin/tool.html",
        {
            "title": _("Tool configuration"),
            "tool_addresses": selectors.tool_addresses(base_url=base_url),
            "registrations": registrations,
        },
    )


@permission_required(PERMISSION, raise_exception=True)
def contexts(request):
    """The platforms' courses (contexts) that launched us, newest first."""
    rows = LtiContext.objects.select_related("deployment__registration").order_by("-datetime_modified")[:200]
    return TemplateResponse(request, "courses/lti/admin/contexts.html", {"title": _("LTI courses"), "contexts": rows})


@require_http_methods(["GET", "POST"])
@permission_required(PERMISSION, raise_exception=True)
def context_members(request, context_id: int):
    """Names and roles: the context's members, who launched, their progress; refresh them from the platform."""
    context = get_object_or_404(LtiContext.objects.select_related("deployment__registration"), pk=context_id)
    if request.method == "POST":
        try:
            count = services.context_members_sync(context_id=context.pk)
        except (LtiException, OSError, ValueError):
            messages.error(request, _("The platform did not send the members. Try again later."))
        else:
            messages.success(request, _("%(count)d members received from the platform.") % {"count": count})
        return redirect("courses_lti_context_members", context_id=context.pk)
    rows = selectors.context_members(context=context)
    return TemplateResponse(
        request,
        "courses/lti/admin/members.html",
        {"title": _("Members"), "context": context, "rows": rows, "can_fetch": bool(context.memberships_url)},
    )


@hooks.register("register_admin_viewset")
def register_registration_viewset():
    return registration_viewset


@hooks.register("register_admin_urls")
def register_lti_urls():
    return [
        path("lti/tool/", tool_configuration, name="courses_lti_tool"),
        path("lti/courses/", contexts, name="courses_lti_contexts"),
        path("lti/courses/<int:context_id>/members/", context_members, name="courses_lti_context_members"),
    ]


@hooks.register("register_reports_menu_item")
def register_contexts_menu_item():
    return PermissionMenuItem(
        _("LTI courses"), reverse("courses_lti_contexts"), permission=PERMISSION, icon_name="link", order=720
    )


@hooks.register("register_permissions")
def register_lti_permissions():
    return Permission.objects.filter(content_type__app_label="courses", codename="manage_lti")
